//! pprof-fleet against every profile fixture of the repository: the
//! Parquet round trip, DataFusion merges, selections and SQL.

use std::path::{Path, PathBuf};

mod cluster;
#[path = "../common/mod.rs"]
mod common;

use common::{service_dataset, service_profile, DAY1, HOUR};

use pprof_fleet::convert;
use pprof_fleet::dataset::{self, DatasetWriter, PartitionKey};
use pprof_fleet::{Engine, Selection};
use pprof_model::build::ProfileBuilder;
use pprof_model::{Dialect, Profile};

/// Every file under the crates' `tests/fixtures` that loads as a profile.
fn fixture_profiles() -> Vec<(String, Profile)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for c in std::fs::read_dir(&crates).unwrap().flatten() {
        walk(&c.path().join("tests").join("fixtures"), &mut files);
    }
    files.sort();
    let opts = pprof_fetch::FetchOptions::default();
    let mut out: Vec<(String, Profile)> = files
        .into_iter()
        .filter_map(|f| {
            let name = f.to_string_lossy().into_owned();
            pprof_fetch::fetch(&name, &opts).ok().map(|p| (name, p))
        })
        .collect();
    out.push((
        "testkit goroutine_profile".into(),
        pprof_testkit::fixtures::goroutine_profile(),
    ));
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The only Parquet file under `dir`.
fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    walk(&dir.join(dataset::SAMPLES_DIR), &mut all);
    all.retain(|p| p.extension().is_some_and(|e| e == "parquet"));
    all.sort();
    all
}

fn read_parquet(path: &Path) -> Vec<datafusion::arrow::record_batch::RecordBatch> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// The round trip of the issue: every fixture profile → Parquet → profile
/// gives the same `-raw` as the original, exactly (rebuilt from the file
/// and the skeleton) and after pprof's merge normalization (rebuilt by a
/// DataFusion aggregation, compared to the go1.19 lone-source merge, i.e.
/// the compaction, of the original).
#[test]
fn every_fixture_round_trips_through_parquet() {
    let profiles = fixture_profiles();
    assert!(profiles.len() >= 40, "only {} fixtures", profiles.len());
    let engine = Engine::new().unwrap();
    let mut with_samples = 0;
    for (name, p) in &profiles {
        let dir = tempfile::tempdir().unwrap();
        let mut w = DatasetWriter::create(dir.path(), vec![]).unwrap();
        let written = w.add(name, p).unwrap();
        assert_eq!(written.rows, p.samples.len() as u64, "{name}");

        // Exact: the file's rows and the skeleton give the profile back.
        let files = parquet_files(dir.path());
        assert_eq!(files.len(), 1, "{name}");
        let batches = read_parquet(&files[0]);
        let skel = dataset::read_profile(&dataset::skeleton_path(dir.path(), 1)).unwrap();
        let back = convert::from_batches(&skel, &batches).unwrap();
        for d in [Dialect::Go127, Dialect::Go119] {
            assert_eq!(back.to_raw_string_in(d), p.to_raw_string_in(d), "{name}");
        }
        assert_eq!(pprof_model::encode(&back), pprof_model::encode(p), "{name}");

        // Through DataFusion: a selection of one profile gives it back as
        // it is (pprof reads one source without merging it).
        let loaded = engine.load(dir.path(), &Selection::default());
        if p.samples.is_empty() {
            assert!(
                matches!(loaded, Err(pprof_fleet::Error::Empty(_))),
                "{name}"
            );
            continue;
        }
        with_samples += 1;
        let loaded = loaded.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            loaded.to_raw_string(),
            p.to_raw_string(),
            "{name} through DataFusion"
        );
    }
    assert!(with_samples >= 30, "{with_samples}");
}

/// Partitions by label and date prune directories; the selection's merge
/// equals the merge of the selected profiles.
#[test]
fn selections_merge_what_they_select() {
    let ps = [
        ("a", service_profile("checkout", DAY1 + HOUR, 1)),
        ("b", service_profile("cart", DAY1 + 2 * HOUR, 2)),
        ("c", service_profile("checkout", DAY1 + 25 * HOUR, 3)),
    ];
    let dir = service_dataset(&ps);
    let files = parquet_files(dir.path());
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        rel,
        [
            "samples/service=cart/date=2026-12-01/part-00000002.parquet",
            "samples/service=checkout/date=2026-12-01/part-00000001.parquet",
            "samples/service=checkout/date=2026-12-02/part-00000003.parquet",
        ]
    );
    assert_eq!(dataset::partition_keys(dir.path()), ["service", "date"]);

    let engine = Engine::new().unwrap();
    let merged = |sel: &str| {
        engine
            .load(dir.path(), &Selection::parse(sel).unwrap())
            .unwrap()
            .to_raw_string()
    };
    // Several profiles: pprof's merge of them; one: the profile itself.
    let want = |which: &[usize]| {
        if let [one] = which {
            return ps[*one].1.to_raw_string();
        }
        let refs: Vec<&Profile> = which.iter().map(|&i| &ps[i].1).collect();
        pprof_ops::merge(&refs).unwrap().to_raw_string()
    };
    assert_eq!(merged(""), want(&[0, 1, 2]));
    assert_eq!(merged("service=checkout"), want(&[0, 2]));
    assert_eq!(merged("service=checkout&from=2026-12-02"), want(&[2]));
    assert_eq!(merged("to=2026-12-01T01:30:00Z"), want(&[0]));
    assert_eq!(
        merged("service=cart&service=checkout&to=2026-12-02"),
        want(&[0, 1])
    );
    let none = engine.load(dir.path(), &Selection::parse("service=none").unwrap());
    assert!(matches!(none, Err(pprof_fleet::Error::Empty(_))));
    assert!(Selection::parse("from=yesterday").is_err());
    assert!(Selection::parse("service").is_err());

    // SQL over the dataset, with its partition columns.
    engine
        .register(&[dir.path().to_string_lossy().into_owned()])
        .unwrap();
    let batches = engine
        .sql("SELECT service, leaf, sum(\"samples/count\") AS n FROM samples GROUP BY service, leaf ORDER BY service, n DESC, leaf")
        .unwrap();
    let mut csv = Vec::new();
    pprof_fleet::write_table(&batches, pprof_fleet::TableFormat::Csv, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "service,leaf,n\ncart,runtime.mallocgc,6\ncart,main.encode,4\ncart,main.main,1\n\
         checkout,runtime.mallocgc,12\ncheckout,main.encode,8\ncheckout,main.main,2\n"
    );
}

/// The same query over the `.pb.gz` files directly (one partition per
/// file) and over their dataset gives the same rows.
#[test]
fn sql_over_profile_files_matches_the_dataset() {
    let src = tempfile::tempdir().unwrap();
    let ds = tempfile::tempdir().unwrap();
    let mut w = DatasetWriter::create(ds.path(), vec![PartitionKey::Date]).unwrap();
    let mut names = Vec::new();
    for (i, svc) in ["checkout", "cart", "search"].iter().enumerate() {
        let p = service_profile(svc, DAY1 + i as i64 * HOUR, i as i64 + 1);
        let path = src.path().join(format!("p{i}.pb.gz"));
        std::fs::write(&path, pprof_model::encode(&p)).unwrap();
        let name = path.to_string_lossy().into_owned();
        w.add(&name, &p).unwrap();
        names.push(name);
    }
    let q = "SELECT profile, count(*) AS samples, sum(\"cpu/nanoseconds\") AS cpu, \
             max(time) AS t FROM samples GROUP BY profile ORDER BY profile";
    let engine = Engine::new().unwrap();
    let mut outs = Vec::new();
    for sources in [
        vec![ds.path().to_string_lossy().into_owned()],
        vec![src.path().to_string_lossy().into_owned()],
        names.clone(),
    ] {
        engine.register(&sources).unwrap();
        let b = engine.sql(q).unwrap();
        let mut json = Vec::new();
        pprof_fleet::write_table(&b, pprof_fleet::TableFormat::Json, &mut json).unwrap();
        outs.push(String::from_utf8(json).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
    assert!(
        outs[0].contains(r#""samples":3,"cpu":60000000"#),
        "{}",
        outs[0]
    );
    // Stack ids are content hashes: equal stacks of different files meet.
    engine.register(&names).unwrap();
    let b = engine
        .sql("SELECT count(DISTINCT stack_id) AS n FROM samples")
        .unwrap();
    let mut csv = Vec::new();
    pprof_fleet::write_table(&b, pprof_fleet::TableFormat::Csv, &mut csv).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap(), "n\n3\n");
}

/// A dataset of one profile, in a new directory, and an engine.
fn one_profile_dataset() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = DatasetWriter::create(dir.path(), vec![]).unwrap();
    w.add("a", &service_profile("x", DAY1, 1)).unwrap();
    (dir, Engine::new().unwrap())
}

/// Corrupt or missing files give one-line errors naming the file.
#[test]
fn bad_files_are_errors_naming_them() {
    let (dir, engine) = one_profile_dataset();
    // A skeleton that is no profile.
    let skel = dataset::skeleton_path(dir.path(), 1);
    let good = std::fs::read(&skel).unwrap();
    std::fs::write(&skel, b"not a profile").unwrap();
    let e = engine
        .load(dir.path(), &Selection::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&*skel.to_string_lossy()) && !e.contains('\n'),
        "{e}"
    );
    std::fs::write(&skel, good).unwrap();
    // A Parquet file that is not Parquet.
    let part = &parquet_files(dir.path())[0];
    std::fs::write(part, b"PAR1 but nothing else").unwrap();
    let e = engine
        .load(dir.path(), &Selection::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("part-00000001.parquet") && !e.contains('\n'),
        "{e}"
    );
    // SQL errors are errors too.
    let e = engine.sql("SELECT nope FROM samples").unwrap_err();
    assert!(!e.to_string().is_empty());
}

/// Damaged Parquet files (bytes flipped anywhere in the file) load or
/// fail with a one-line error naming the file, or what the damage points
/// at when it is in values that still decode (a profile file that is not
/// there, a stack id that no profile has: the dataset); none makes the
/// reader panic.
#[test]
fn damaged_parquet_files_load_or_fail_cleanly() {
    let (dir, engine) = one_profile_dataset();
    let part = parquet_files(dir.path())[0].clone();
    let good = std::fs::read(&part).unwrap();
    let mut failed = 0;
    for at in (0..good.len()).step_by(good.len() / 60 + 1) {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        std::fs::write(&part, &bad).unwrap();
        if let Err(e) = engine.load(dir.path(), &Selection::default()) {
            let e = e.to_string();
            assert!(!e.contains("panic") && !e.contains('\n'), "byte {at}: {e}");
            // The damaged file, a file it points to, or the dataset.
            assert!(e.contains(&*dir.path().to_string_lossy()), "byte {at}: {e}");
            failed += 1;
        }
    }
    assert!(failed > 0, "some damage must be found");
}

/// Dates and percent-encoding of partition values.
#[test]
fn partition_values() {
    assert_eq!(dataset::date_of(DAY1), "2026-12-01");
    assert_eq!(dataset::date_of(DAY1 - 1), "2026-11-30");
    assert_eq!(dataset::date_of(0), "1970-01-01");
    assert_eq!(dataset::encode_value("a/b=c"), "a%2Fb%3Dc");
    assert_eq!(pprof_fleet::query::parse_time("2026-12-01").unwrap(), DAY1);
    assert!(PartitionKey::parse_list("service,service").is_err());
    assert!(PartitionKey::parse_list("a/b").is_err());
}

/// The writer keeps the dataset's schema, every value column of its
/// profiles, which readers take instead of reading every file's footer: a
/// column that only a later profile has is there, and a dataset without
/// the file (written before it existed) is read by inferring the schema.
#[test]
fn the_schema_file_holds_every_value_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut heap = ProfileBuilder::new(&[("alloc_space", "bytes")]);
    let f = heap.function("main.alloc", "main.go", 1);
    let l = heap.location(None, 0x1000, &[(f, 3)]);
    heap.sample(&[l], &[4096]);
    let mut heap = heap.build();
    heap.time_nanos = DAY1;
    {
        let mut w = DatasetWriter::create(dir.path(), vec![]).unwrap();
        w.add("cpu", &service_profile("x", DAY1, 1)).unwrap();
    }
    let mut w = DatasetWriter::create(dir.path(), vec![]).unwrap();
    w.add("heap", &heap).unwrap();
    let data = std::fs::read(dir.path().join(dataset::SCHEMA_FILE)).unwrap();
    let schema = dataset::read_schema(&data).unwrap();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert!(
        names.ends_with(&["samples/count", "cpu/nanoseconds", "alloc_space/bytes"]),
        "{names:?}"
    );

    let engine = Engine::new().unwrap();
    let q = "SELECT profile, sum(\"alloc_space/bytes\") AS heap, sum(\"cpu/nanoseconds\") AS cpu \
             FROM samples GROUP BY profile ORDER BY profile";
    let source = [dir.path().to_string_lossy().into_owned()];
    let mut answers = Vec::new();
    for with_file in [true, false] {
        if !with_file {
            std::fs::remove_file(dir.path().join(dataset::SCHEMA_FILE)).unwrap();
        }
        engine.register(&source).unwrap();
        let mut out = Vec::new();
        pprof_fleet::write_table(
            &engine.sql(q).unwrap(),
            pprof_fleet::TableFormat::Csv,
            &mut out,
        )
        .unwrap();
        answers.push(String::from_utf8(out).unwrap());
    }
    assert_eq!(answers[0], "profile,heap,cpu\ncpu,,60000000\nheap,4096,\n");
    assert_eq!(answers[1], answers[0]);
}
