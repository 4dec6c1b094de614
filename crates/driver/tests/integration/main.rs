//! The driver over real files: errors name each cause once, reports leave
//! the loaded profile alone, and every numeric option takes any value
//! without a panic.

use std::path::PathBuf;

use pprof_driver::settings::{Kind, Settings, OPTIONS};
use pprof_driver::value::Syntax;
use pprof_driver::{Command, OutputFormat, Pipeline, Sources};
use pprof_model::build::ProfileBuilder;
use pprof_model::Profile;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("pprof-driver-it-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        TempDir(d)
    }

    fn write(&self, name: &str, p: &Profile) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, pprof_model::encode(p)).expect("write");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn profile(ty: &str, unit: &str) -> Profile {
    let mut b = ProfileBuilder::new(&[(ty, unit)]);
    let f = b.function("main.work", "main.go", 1);
    let l = b.location(None, 0x1000, &[(f, 3)]);
    b.sample(&[l], &[5]);
    b.build()
}

/// How many times `needle` occurs in the whole printed chain.
fn occurrences(chain: &[String], needle: &str) -> usize {
    chain.iter().map(|m| m.matches(needle).count()).sum()
}

#[test]
fn a_merge_type_mismatch_names_its_cause_once() {
    let d = TempDir::new("mismatch");
    let cpu = d.write("cpu.pb.gz", &profile("cpu", "nanoseconds"));
    let heap = d.write("heap.pb.gz", &profile("space", "bytes"));
    // Today's pprof keeps the sample types the profiles have in common:
    // none here.
    let err = Pipeline::new(
        Sources::new([cpu.clone(), heap.clone()]),
        Settings::default(),
    )
    .load()
    .expect_err("a cpu and a heap profile do not merge");
    let chain = pprof_testkit::error_chain(&err);
    let text = chain.join(": ");
    assert_eq!(
        occurrences(&chain, "empty common sample type list"),
        1,
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    // go1.19's names the two types.
    let mut go119 = Settings::default();
    go119.dialect = pprof_driver::settings::Dialect::Go119;
    let err = Pipeline::new(Sources::new([cpu, heap]), go119)
        .load()
        .expect_err("a cpu and a heap profile do not merge");
    let chain = pprof_testkit::error_chain(&err);
    let text = chain.join(": ");
    assert_eq!(occurrences(&chain, "incompatible"), 1, "{text}");
    assert_eq!(occurrences(&chain, "{cpu nanoseconds}"), 1, "{text}");
    assert_eq!(occurrences(&chain, "{space bytes}"), 1, "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn an_unwritable_output_names_the_file_and_the_cause_once() {
    let d = TempDir::new("output");
    let path = d.0.join("no-such-dir").join("report.txt");
    let err = pprof_fetch::save::OutputFile::create(&path).expect_err("no directory");
    let err = pprof_driver::Error::from(err);
    let chain = pprof_testkit::error_chain(&err);
    let text = chain.join(": ");
    assert_eq!(occurrences(&chain, "report.txt"), 1, "{text}");
    assert_eq!(
        occurrences(&chain, "no such file or directory"),
        1,
        "{text}"
    );
    assert!(!text.to_lowercase().contains("os error"), "{text}");
    // Out of space: the report's file is named too.
    let mut full = pprof_fetch::save::OutputFile::create("/dev/full").expect("open /dev/full");
    use std::io::Write;
    let written = full.write_all(&[0; 1 << 16]).and_then(|_| full.flush());
    let err = match written {
        Err(e) => pprof_fetch::save::SaveError::new(std::path::Path::new("/dev/full"), e),
        Ok(()) => full.commit().expect_err("/dev/full is full"),
    };
    let text = pprof_testkit::error_chain(&pprof_driver::Error::from(err)).join(": ");
    assert!(
        text.starts_with("/dev/full: no space left on device"),
        "{text}"
    );
}

#[test]
fn many_reports_from_one_load_leave_it_unchanged() {
    let d = TempDir::new("reports");
    let f = d.write("cpu.pb.gz", &profile("cpu", "nanoseconds"));
    let loaded = Pipeline::new(Sources::new([f]), Settings::default())
        .load()
        .expect("load");
    let p = loaded.profile;
    let before = p.clone();
    let mut s = Settings::default();
    for (name, value) in [
        ("focus", "work"),
        ("tagroot", "k"),
        ("hide", "x"),
        ("lines", "true"),
    ] {
        s.set(name, value, Syntax::Config).expect("setting");
        for f in pprof_driver::FORMATS {
            let cmd = Command {
                format: f.format,
                regexp: f.format.takes_regexp().then(|| "work".to_string()),
            };
            if pprof_driver::viewer::viewer_for(f.format).is_some()
                || matches!(
                    f.format,
                    OutputFormat::Png | OutputFormat::Gif | OutputFormat::Pdf | OutputFormat::Ps
                )
            {
                continue; // viewers and graphviz pictures start programs
            }
            let mut out = Vec::new();
            let _ = pprof_driver::write_report(&p, &cmd, &s, &mut out);
        }
    }
    assert_eq!(p, before);
}

/// Extreme values of every numeric option, on the command line and in the
/// shell's syntax: each is taken or refused with a message, never a panic,
/// and a report made with the values that were taken does not panic either.
#[test]
fn issue12_numeric_options_take_extreme_values_without_panic() {
    let extremes = [
        "0",
        "-1",
        "1",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "99999999999999999999999",
        "0x7fffffffffffffff",
        "1e308",
        "-1e308",
        "1e400",
        "NaN",
        "Inf",
        "-Inf",
        "4.9e-324",
        "",
        "x",
    ];
    let d = TempDir::new("numbers");
    let f = d.write("cpu.pb.gz", &profile("cpu", "nanoseconds"));
    let p = Pipeline::new(Sources::new([f]), Settings::default())
        .load()
        .expect("load")
        .profile;
    let numeric: Vec<_> = OPTIONS
        .iter()
        .filter(|o| matches!(o.kind(), Kind::Int | Kind::Float))
        .collect();
    assert!(numeric.len() >= 6, "{numeric:?}");
    for o in numeric {
        for v in extremes {
            for syntax in [Syntax::Flag, Syntax::Config] {
                let mut s = Settings::default();
                if o.set(&mut s, v, syntax).is_err() {
                    continue;
                }
                for format in [OutputFormat::Top, OutputFormat::Dot, OutputFormat::Traces] {
                    let cmd = Command {
                        format,
                        regexp: None,
                    };
                    let _ = pprof_driver::write_report(&p, &cmd, &s, &mut Vec::new());
                }
            }
            let argv = [format!("-{}={v}", o.name), "-top".into(), "x.pb.gz".into()];
            let _ = pprof_driver::args::parse(argv);
        }
    }
}

/// `-traces` reads its frames through the graph's location nodes, which
/// apply the granularity as they are made: its output at every granularity
/// is that of the profile with the granularity applied first (pprof's
/// `aggregate`), which the driver therefore does not copy the profile for.
#[test]
fn traces_need_no_aggregated_copy() {
    let cpu = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/profiles/cpu.pb.gz");
    let p = Pipeline::new(
        Sources::new([cpu.to_string_lossy().into_owned()]),
        Settings::default(),
    )
    .load()
    .expect("load")
    .profile;
    assert!(
        p.locations.iter().any(|l| l.lines.len() > 1),
        "the profile has inlined frames"
    );
    let cmd = Command {
        format: OutputFormat::Traces,
        regexp: None,
    };
    let mut changed = 0;
    for granularity in ["functions", "filefunctions", "files", "lines", "addresses"] {
        for extra in [None, Some("noinlines"), Some("showcolumns")] {
            let mut s = Settings::default();
            s.set(granularity, "true", Syntax::Config)
                .expect("granularity");
            if let Some(x) = extra {
                s.set(x, "true", Syntax::Config).expect("setting");
            }
            let mut direct = Vec::new();
            pprof_driver::write_report(&p, &cmd, &s, &mut direct).expect("traces");
            let mut aggregated = p.clone();
            let g = s.granularity.aggregation(s.no_inlines, s.show_columns);
            pprof_ops::aggregate(&mut aggregated, g).expect("aggregate");
            changed += usize::from(aggregated != p);
            let mut after = Vec::new();
            pprof_driver::write_report(&aggregated, &cmd, &s, &mut after).expect("traces");
            assert!(direct.len() > 100);
            assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&after),
                "{granularity} {extra:?}"
            );
        }
    }
    assert!(
        changed >= 10,
        "aggregating changed the profile {changed} times"
    );
}

/// A report that reads no label loads a lone local file without its
/// labels; a tag option, a report that shows labels, go1.19's merge of a
/// lone source (which tells samples apart by their labels) or pprof's base
/// label in the profile keep them, and the reports read the same.
#[test]
fn labels_are_loaded_only_for_what_reads_them() {
    use pprof_driver::settings::Dialect;
    let d = TempDir::new("labels");
    let labelled = |base: bool| {
        let mut b = ProfileBuilder::new(&[("samples", "count")]);
        let f = b.function("main.work", "main.go", 1);
        let g = b.function("main.rest", "main.go", 9);
        let l = b.location(None, 0x1000, &[(f, 3)]);
        let m = b.location(None, 0x2000, &[(g, 10)]);
        b.labelled_sample(&[l], &[5], &[("worker", "a")]);
        b.labelled_sample(&[m, l], &[7], &[("worker", "b")]);
        if base {
            b.labelled_sample(&[m], &[-2], &[("pprof::base", "true")]);
        }
        b.build()
    };
    let plain = d.write("plain.pb.gz", &labelled(false));
    let based = d.write("based.pb.gz", &labelled(true));
    let load = |path: &str, format: OutputFormat, s: &Settings| {
        let cmd = Command {
            format,
            regexp: None,
        };
        let sources = Sources::new([path.to_string()]);
        let p = Pipeline::new(sources, s.clone())
            .load_for(&cmd)
            .unwrap()
            .profile;
        let mut out = Vec::new();
        pprof_driver::write_report(&p, &cmd, s, &mut out).unwrap();
        (
            p.samples.all_labels().len(),
            String::from_utf8(out).unwrap(),
        )
    };
    let all = |path: &str, format: OutputFormat, s: &Settings| {
        let sources = Sources::new([path.to_string()]);
        let p = Pipeline::new(sources, s.clone()).load().unwrap().profile;
        let cmd = Command {
            format,
            regexp: None,
        };
        let mut out = Vec::new();
        pprof_driver::write_report(&p, &cmd, s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let today = Settings::default();
    let mut go119 = Settings::default();
    go119.dialect = Dialect::Go119;
    let mut focused = Settings::default();
    focused.filters.tag_focus = "worker=a".into();
    for (path, format, s, kept) in [
        (&plain, OutputFormat::Top, &today, 0),
        (&plain, OutputFormat::Callgrind, &today, 0),
        (&plain, OutputFormat::Tree, &go119, 0),
        (&plain, OutputFormat::Callgrind, &go119, 2),
        (&plain, OutputFormat::Raw, &today, 2),
        (&plain, OutputFormat::Dot, &today, 2),
        (&plain, OutputFormat::Top, &focused, 2),
        (&based, OutputFormat::Top, &today, 3),
    ] {
        let (labels, text) = load(path, format, s);
        assert_eq!(labels, kept, "{format:?} of {path}");
        assert_eq!(text, all(path, format, s), "{format:?} of {path}");
    }
}

/// `-top` of the file `path` as pprof of `dialect` prints it.
fn top_as(path: &str, dialect: pprof_driver::settings::Dialect) -> String {
    let mut s = Settings::default();
    s.dialect = dialect;
    let cmd = Command {
        format: OutputFormat::Top,
        regexp: None,
    };
    let loaded = Pipeline::new(Sources::new([path.to_string()]), s.clone())
        .load_for(&cmd)
        .expect("load")
        .profile;
    let mut out = Vec::new();
    pprof_driver::write_report(&loaded, &cmd, &s, &mut out).expect("top");
    String::from_utf8(out).expect("text")
}

/// go1.19's pprof merged even a lone source; the merge is left out for
/// the reports that cannot show it, but not when it would join two
/// mappings of the same key (here the same build id: the locations of
/// the second then read as the first's, by address and by name), nor
/// when it would drop a repeated comment, nor when samples have values
/// of opposite signs.
#[test]
fn go119_merges_a_lone_source_when_reports_would_show_it() {
    use pprof_driver::settings::Dialect::{Go119, Go127};
    let d = TempDir::new("joined");
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let libc = b.mapping("libc.so.6", 0x800000, 0x900000);
    let vdso = b.mapping("[vdso]", 0xc00000, 0xd00000);
    let main = b.function("main", "main.go", 1);
    let root = b.location(None, 0x10, &[(main, 2)]);
    let in_libc = b.location(Some(libc), 0x800100, &[]);
    let in_vdso = b.location(Some(vdso), 0xc00200, &[]);
    b.sample(&[in_libc, root], &[1])
        .sample(&[in_vdso, root], &[2]);
    let mut p = b.build();
    let id = p.intern("abc123");
    for m in &mut p.mappings {
        m.build_id = id;
    }
    assert!(pprof_ops::merge_joins_mappings(&p));
    let path = d.write("joined.pb.gz", &p);
    // go1.19: one mapping, libc's, holds both frames.
    let old = top_as(&path, Go119);
    assert!(
        old.contains("[libc.so.6]") && !old.contains("[[vdso]]"),
        "{old}"
    );
    // Today's pprof reads the source as it is.
    let today = top_as(&path, Go127);
    assert!(
        today.contains("[libc.so.6]") && today.contains("[[vdso]]"),
        "{today}"
    );

    // A comment given twice: go1.19's merge prints it once.
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let f = b.function("main", "main.go", 1);
    let l = b.location(None, 0x10, &[(f, 2)]);
    b.sample(&[l], &[1]);
    let mut p = b.build();
    let c = p.intern("note");
    p.comments = vec![c, c];
    let path = d.write("comments.pb.gz", &p);
    assert_eq!(top_as(&path, Go119).matches("note").count(), 1);
    assert_eq!(top_as(&path, Go127).matches("note").count(), 2);

    // Two samples of one stack, of opposite signs: the total is the sum
    // of each sample's absolute value, so go1.19's merge shows (2 + 1,
    // not 12 + 1).
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let f = b.function("main", "main.go", 1);
    let l = b.location(None, 0x10, &[(f, 2)]);
    b.sample(&[l], &[-5]).sample(&[l], &[7]);
    // (A third of that stack, which a label tells apart: a report that
    // reads no label does not load them, but go1.19's merge needs them.)
    b.labelled_sample(&[l], &[-1], &[("worker", "a")]);
    let path = d.write("signs.pb.gz", &b.build());
    let old = top_as(&path, Go119);
    assert!(old.contains("% of 3 total\n"), "{old}");
    let today = top_as(&path, Go127);
    assert!(today.contains("% of 13 total\n"), "{today}");
}

/// Today's pprof merges sources only when two or more load: one that
/// loads among sources that fail is read as it is, like a lone source
/// (go1.19's pprof merged it all the same).
#[test]
fn a_source_that_loads_alone_among_failures_is_not_merged_today() {
    use pprof_driver::settings::Dialect;
    let d = TempDir::new("alone");
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let f = b.function("main.work", "main.go", 1);
    let g = b.function("main.main", "main.go", 9);
    let work = b.location(None, 0x1000, &[(f, 3)]);
    let main = b.location(None, 0x2000, &[(g, 10)]);
    // The first sample uses the second location: a merge renumbers them.
    b.sample(&[main], &[1]).sample(&[work, main], &[2]);
    let good = d.write("good.pb.gz", &b.build());
    let missing = d.0.join("missing.pb.gz").to_string_lossy().into_owned();
    let load = |dialect: Dialect, sources: Vec<String>| {
        let mut s = Settings::default();
        s.dialect = dialect;
        Pipeline::new(Sources::new(sources), s)
            .load()
            .expect("load")
            .profile
    };
    let alone = load(Dialect::Go127, vec![good.clone()]);
    let among = load(Dialect::Go127, vec![good.clone(), missing.clone()]);
    assert_eq!(among.locations, alone.locations);
    let first_address = |q: &Profile| q.locations[0].address;
    assert_eq!(first_address(&among), 0x1000);
    // go1.19 numbers them in order of first use.
    let old = load(Dialect::Go119, vec![good, missing]);
    assert_eq!(first_address(&old), 0x2000);
}
