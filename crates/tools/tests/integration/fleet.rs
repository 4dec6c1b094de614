//! `pprof-tools export`, `pprof-tools sql` and Parquet datasets as
//! sources, through the binary: a dataset prints what its profile files
//! print, selections select, SQL sums what the profiles hold, and bad
//! input is one line and a non-zero exit.

use std::collections::BTreeMap;

use pprof_model::Profile;

use crate::fixtures::*;

const DAY: i64 = 86_400_000_000_000;

/// Three profiles of one program on three days (2023-11-14, -15, -16),
/// their values scaled 1, 2 and 5; the first sample of each carries
/// `worker=w1`, and the third profile's `worker=w2`.
fn profiles() -> Vec<Profile> {
    let mut out = Vec::new();
    for (k, scale) in [1, 2, 5].into_iter().enumerate() {
        let mut p = cpu_profile(scale);
        p.time_nanos += k as i64 * DAY;
        if k == 2 {
            let w2 = p.intern("w2");
            let key = p.intern("worker");
            for l in p.samples.labels_mut(0) {
                if l.key == key {
                    l.str = w2;
                }
            }
        }
        out.push(p);
    }
    out
}

struct Fleet {
    dir: TempDir,
    files: Vec<String>,
    dataset: String,
}

/// The profiles written as files and exported into a dataset partitioned
/// by `worker` and date.
fn exported(tag: &str) -> Fleet {
    let dir = TempDir::new(tag);
    let files: Vec<String> = profiles()
        .iter()
        .enumerate()
        .map(|(i, p)| dir.write_profile(&format!("p{i}.pb.gz"), p))
        .collect();
    let dataset = dir.path("ds").to_string_lossy().into_owned();
    let mut args = vec!["export", "-parquet", &dataset, "-partition=worker,date"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("Wrote 3 profiles (9 rows, ") && err.contains(&dataset),
        "{err}"
    );
    // Not a terminal: no progress line.
    assert_eq!(err.lines().count(), 1, "{err}");
    Fleet {
        dir,
        files,
        dataset,
    }
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn with(first: &[&str], sources: &[String]) -> Vec<String> {
    let mut v: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    v.extend(sources.iter().cloned());
    v
}

fn ok_v(args: &[String]) -> String {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&a)
}

#[test]
fn a_dataset_prints_what_its_files_print() {
    let f = exported("fleet-same");
    for report in [
        &["-top"][..],
        &["-raw"],
        &["-traces"],
        &["-tags"],
        &["-top", "-lines"],
        &["-peek=main.work"],
        &["-top", "-compat=go1.19"],
    ] {
        let of_files = ok_v(&with(report, &f.files));
        let of_dataset = ok_v(&with(report, std::slice::from_ref(&f.dataset)));
        assert_eq!(of_dataset, of_files, "{report:?}");
    }
    // A dataset as -base: nothing left.
    let top = ok_v(&with(&["-top", "-base", &f.dataset], &f.files));
    assert!(
        top.contains("Showing nodes accounting for 0, 0% of 0 total"),
        "{top}"
    );
}

#[test]
fn selectors_pick_times_and_labels() {
    let f = exported("fleet-select");
    // From the second day on: the second and third profiles.
    let sel = format!("{}?from=2023-11-15", f.dataset);
    assert_eq!(ok(&["-raw", &sel]), ok_v(&with(&["-raw"], &f.files[1..])));
    let sel = format!("{}?from=2023-11-15&to=2023-11-15T23:00:00Z", f.dataset);
    assert_eq!(ok(&["-raw", &sel]), ok_v(&with(&["-raw"], &f.files[1..2])));
    // worker=w1: the first sample of the first two profiles (3 + 6 = 9
    // samples/count, 90ms of cpu), leaf main.leaf.
    let sel = format!("{}?worker=w1", f.dataset);
    let traces = ok(&["-traces", "-sample_index=samples", &sel]);
    let expected: i64 = profiles()[..2]
        .iter()
        .map(|p| p.samples.iter().next().unwrap().values[0])
        .sum();
    assert!(
        traces.contains(&format!("{expected:>10}   main.leaf\n"))
            && traces.contains("worker:  w1\n"),
        "{traces}"
    );
    assert!(!traces.contains("w2"), "{traces}");
    // Either of two values.
    let sel = format!("{}?worker=w1&worker=w2", f.dataset);
    assert!(ok(&["-traces", &sel]).contains("worker:  w2\n"));
}

#[test]
fn sql_sums_what_the_profiles_hold() {
    let f = exported("fleet-sql");
    // Samples per leaf function, from the profiles themselves.
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for p in profiles() {
        for s in p.samples.iter() {
            let leaf = p.location(s.locations[0]).lines[0].function;
            *want
                .entry(p.str(p.function(leaf).name).to_string())
                .or_default() += s.values[0];
        }
    }
    let mut csv = String::from("leaf,n\n");
    for (leaf, n) in &want {
        csv.push_str(&format!("{leaf},{n}\n"));
    }
    let q = r#"SELECT leaf, sum("samples/count") AS n FROM samples GROUP BY leaf ORDER BY leaf"#;
    assert_eq!(ok(&["sql", "-csv", q, &f.dataset]), csv);
    // The same over the profile files, and over their directory.
    assert_eq!(ok_v(&with(&["sql", "-csv", q], &f.files)), csv);
    // JSON lines.
    let json = ok(&["sql", "-json", q, &f.dataset]);
    assert_eq!(json.lines().count(), want.len(), "{json}");
    let (leaf, n) = want.iter().next().unwrap();
    assert_eq!(
        json.lines().next().unwrap(),
        format!("{{\"leaf\":\"{leaf}\",\"n\":{n}}}")
    );
    // A table, and partition columns.
    let table = ok(&[
        "sql",
        "SELECT worker, count(*) AS rows FROM samples GROUP BY worker ORDER BY worker",
        &f.dataset,
    ]);
    assert!(table.starts_with("+-"), "{table}");
    assert!(table.contains("| w1 "), "{table}");
    // -output writes the file.
    let out = f.dir.path("out.csv");
    let out_s = out.to_string_lossy().into_owned();
    assert_eq!(ok(&["sql", "-csv", "-output", &out_s, q, &f.dataset]), "");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
}

#[test]
fn export_adds_to_a_dataset() {
    let f = exported("fleet-add");
    let more = f.dir.write_profile("p3.pb.gz", &cpu_profile(7));
    let o = run(&[
        "export",
        "-parquet",
        &f.dataset,
        "-partition=worker,date",
        &more,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut all = f.files.clone();
    all.push(more);
    assert_eq!(ok(&["-raw", &f.dataset]), ok_v(&with(&["-raw"], &all)));
    // Another partitioning is refused, naming the dataset.
    let o = run(&[
        "export",
        "-parquet",
        &f.dataset,
        "-partition=date",
        &f.files[0],
    ]);
    assert_error(
        &o,
        1,
        &["pprof-tools export:", &f.dataset, "partitioned by"],
    );
}

#[test]
fn bad_input_is_one_line_and_a_failure() {
    let f = exported("fleet-bad");
    let junk = f.dir.path("junk.pb.gz");
    std::fs::write(&junk, b"\x1f\x8b\x08\x00garbage").unwrap();
    let junk_s = junk.to_string_lossy().into_owned();
    let other = f.dir.path("other").to_string_lossy().into_owned();
    let o = run(&["export", "-parquet", &other, &junk_s]);
    assert_error(&o, 1, &["pprof-tools export:", &junk_s]);

    let o = run(&["sql", "SELEC nothing", &f.dataset]);
    assert_error(&o, 1, &["pprof-tools sql:"]);
    let o = run(&["sql", "SELECT no_such_column FROM samples", &f.dataset]);
    assert_error(&o, 1, &["pprof-tools sql:", "no_such_column"]);

    let sel = format!("{}?from=yesterday", f.dataset);
    // (A report's error exits 2, as today's pprof exits.)
    let o = run(&["-top", &sel]);
    assert_error(&o, 2, &["yesterday", "RFC 3339"]);
    let sel = format!("{}?worker=nobody", f.dataset);
    let o = run(&["-top", &sel]);
    assert_error(&o, 2, &["no profile matches the selection"]);

    // A damaged Parquet file is named.
    let mut parts = Vec::new();
    collect(
        &std::path::Path::new(&f.dataset).join("samples"),
        &mut parts,
    );
    let victim = parts
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    std::fs::write(victim, b"PAR1 not really").unwrap();
    let o = run(&["-top", &f.dataset]);
    assert_error(&o, 2, &[&victim.to_string_lossy()]);

    // A Ballista scheduler that does not answer is named, for reports
    // and for SQL (the cluster itself: pprof-fleet's tests).
    let nobody = "df://127.0.0.1:1";
    let flag = format!("-ballista={nobody}");
    // (sql's runtime errors exit 1, a report's 2.)
    for (args, code) in [
        (vec!["-top", &flag, &f.dataset], 2),
        (
            vec!["sql", &flag, "SELECT count(*) FROM samples", &f.dataset],
            1,
        ),
    ] {
        let o = run(&args);
        assert_error(&o, code, &[nobody, "Ballista scheduler"]);
    }

    // Usage mistakes: status 2 and the hint.
    let o = run(&["export", &f.files[0]]);
    assert_error(&o, 2, &["pprof-tools export:", "-parquet DIR"]);
    let o = run(&["sql"]);
    assert_error(&o, 2, &["pprof-tools sql:", "needs a query"]);
    let o = run(&["sql", "-top", "SELECT 1", &f.dataset]);
    assert_error(&o, 2, &["flag provided but not defined: -top"]);
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
