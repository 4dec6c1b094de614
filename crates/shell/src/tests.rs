//! Tests of the shell over a fake session.

use super::*;
use pprof_driver::settings::Settings;

/// A session that records what it is asked.
struct Fake {
    types: Vec<String>,
    calls: Vec<(Command, Settings)>,
}

impl Fake {
    fn new(types: &[&str]) -> Fake {
        Fake {
            types: types.iter().map(|s| s.to_string()).collect(),
            calls: Vec::new(),
        }
    }
}

impl Session for Fake {
    fn sample_types(&self) -> Vec<String> {
        self.types.clone()
    }
    fn default_sample_type(&self) -> String {
        String::new()
    }
    fn function_names(&self) -> Vec<String> {
        vec!["main.compute".into(), "main.main".into()]
    }
    fn greeting(&mut self, _s: &Settings) -> Vec<String> {
        vec!["Type: test".into()]
    }
    fn report(
        &mut self,
        cmd: &Command,
        s: &Settings,
        out: &mut dyn Write,
    ) -> pprof_driver::Result<Vec<String>> {
        if cmd.format == OutputFormat::Raw {
            return Err(pprof_driver::Error::NotImplemented("raw"));
        }
        self.calls.push((cmd.clone(), s.clone()));
        writeln!(out, "report {} {:?}", cmd.format.name(), cmd.regexp)?;
        Ok(Vec::new())
    }
}

fn run(types: &[&str], script: &str) -> (String, String, Fake) {
    let mut fake = Fake::new(types);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    {
        let mut prompts = Vec::new();
        let mut reader = PlainReader::new(script.as_bytes(), &mut prompts);
        let mut shell = Shell::new(&mut fake, Settings::default());
        shell.run(&mut reader, &mut out, &mut err).unwrap();
        out.splice(0..0, prompts);
    }
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
        fake,
    )
}

#[test]
fn piped_session_prints_prompts_and_stops_at_quit() {
    let (out, err, fake) = run(&["samples"], "top 5\nquit\ntraces\n");
    assert_eq!(fake.calls.len(), 1);
    assert!(out.ends_with("report top None\n"), "{out:?}");
    assert_eq!(err, format!("Type: test\n{ENTERING}\n"));
    assert_eq!(fake.calls[0].1.node_count, 5);
}

#[test]
fn command_arguments() {
    let (_, err, fake) = run(
        &["samples"],
        "top 20 -cum main -runtime x\ntop\ntop10\ntree\nlist compute -main\ntags mem -x\nlist\nfoo\nnodecount 3\n",
    );
    let c = &fake.calls;
    assert_eq!(c[0].1.node_count, 20);
    assert_eq!(c[0].1.text("sort").unwrap(), "cum");
    assert_eq!(c[0].1.filters.focus, "main|x");
    assert_eq!(c[0].1.filters.ignore, "runtime");
    assert_eq!(c[1].1.node_count, 10);
    assert_eq!(
        c[1].1.text("sort").unwrap(),
        "flat",
        "arguments do not persist"
    );
    assert_eq!(c[2].0.format, OutputFormat::Top);
    assert_eq!(c[2].1.node_count, 10);
    assert_eq!(c[3].1.node_count, -1);
    assert_eq!(c[4].0.regexp.as_deref(), Some("compute"));
    assert_eq!(c[4].1.filters.ignore, "main");
    assert_eq!(c[5].1.filters.tag_focus, "mem");
    assert_eq!(c[5].1.filters.tag_ignore, "x");
    assert_eq!(c[5].1.filters.focus, "");
    assert_eq!(
        err.lines().skip(2).collect::<Vec<_>>(),
        [
            "command list requires an argument",
            "unrecognized command: \"foo\"",
            "did you mean: nodecount=3"
        ]
    );
}

#[test]
fn assignments_and_shortcuts() {
    let (_, err, fake) = run(
        &["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"],
        "focus=main //: note\nmean\ntrim=no\ncum\nlines\ncum=true\nlines=t\nnodefraction=0.1\ntop\n:\nalloc_space\nmean_inuse_objects\ntop\nsort=up\nfocus\nnodecount=x\nsample_index=9\nsample_index=space\n",
    );
    let first = &fake.calls[0].1;
    assert_eq!(first.filters.focus, "main");
    assert!(first.mean);
    assert!(!first.trim);
    assert!(first.compact_labels);
    assert_eq!(first.text("sort").unwrap(), "cum");
    assert_eq!(first.text("granularity").unwrap(), "lines");
    assert_eq!(first.node_fraction, 0.1);
    let second = &fake.calls[1].1;
    assert_eq!(second.filters.focus, "");
    assert_eq!(second.sample_index, "inuse_objects");
    assert!(second.mean);
    assert_eq!(
        err.lines().skip(2).collect::<Vec<_>>(),
        [
            // A bare choice is no setting in pprof's shell (its value must
            // be true), while a bare boolean option means true.
            "unknown config field \"cum\"",
            "unknown config field \"lines\"",
            "invalid \"sort\" value \"up\"",
            "please specify a value, e.g. focus=<val>",
            "strconv.Atoi: parsing \"x\": invalid syntax",
            "sample_index 9 is outside the range [0..3]",
            "sample_index \"space\" must be one of: [alloc_objects alloc_space inuse_objects inuse_space]",
        ]
    );
}

#[test]
fn options_listing() {
    let fake_types = ["objects", "space"];
    let mut fake = Fake::new(&fake_types);
    let shell = Shell::new(&mut fake, Settings::default());
    let listing = shell.options_listing();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(
        lines.len(),
        OPTIONS.iter().filter(|o| o.in_shell()).count() - 1
    );
    assert_eq!(
        lines[0],
        "  call_tree                 = false                "
    );
    assert!(lines.contains(
        &"  granularity               = functions            //: [addresses | filefunctions | files | functions | lines]"
    ));
    assert!(lines.contains(&"  nodecount                 = -1                   //: default"));
    assert!(
        lines.contains(&"  sample_index              = space                //: [objects | space]")
    );
    assert!(lines.contains(&"  focus                     = \"\"                   "));
    assert!(lines.contains(&"  edgefraction              = 0.001                "));
    assert!(lines.contains(&"  compact_labels            = true                 "));
}

#[test]
fn help_texts() {
    let (_, err, _) = run(
        &["samples"],
        "help\nhelp top\nhelp nodecount\nhelp nosuch\n",
    );
    assert!(err.contains("  Commands:\n    callgrind        Call graph in callgrind format\n"));
    assert!(err.contains("    o/options        List options and their current values\n"));
    assert!(err.contains("  Option groups (only set one per group):\n    granularity      \n      functions        One entry per function (the default)\n"), "{err}");
    assert!(err.contains("Table of the heaviest entries\n  Usage:\n    top [n] [focus_regex]* [-ignore_regex]* [-cum] >f\n"));
    assert!(err.contains("Largest number of entries to show\n"));
    assert!(err.ends_with("Unknown command: nosuch\n"));
}

#[test]
fn redirection_and_saved_files() {
    let dir = std::env::temp_dir().join(format!("pprof-shell-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("top.txt");
    let script = format!(
        "top >{}\ntop > {}x\nsvg\nsvg\ntop >\nraw\n",
        target.display(),
        target.display()
    );
    let mut fake = Fake::new(&["samples"]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut reader = PlainReader::new(script.as_bytes(), Vec::new());
    Shell::new(&mut fake, Settings::default())
        .save_dir(&dir)
        .run(&mut reader, &mut out, &mut err)
        .unwrap();
    let err = String::from_utf8(err).unwrap();
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "report top None\n"
    );
    assert!(dir.join("top.txtx").is_file());
    assert!(dir.join("profile001.svg").is_file());
    assert!(dir.join("profile002.svg").is_file());
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().skip(2).collect();
    assert_eq!(
        lines[0],
        format!("Generating report in {}", target.display())
    );
    assert_eq!(
        lines[2],
        format!(
            "Generating report in {}",
            dir.join("profile001.svg").display()
        )
    );
    assert_eq!(lines[4], "unexpected end of line after >");
    assert_eq!(lines[5], "-raw: this output format is not implemented yet");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn end_of_input_without_newline_runs_the_last_line() {
    let (out, _, fake) = run(&["samples"], "traces");
    assert_eq!(fake.calls.len(), 1);
    assert_eq!(out, "(pprof) (pprof) report traces None\n");
}

#[test]
fn completion() {
    let c = Completer::new(
        vec![
            "main.compute".into(),
            "main.main".into(),
            "runtime.gopark".into(),
        ],
        vec!["inuse_space".into()],
    );
    assert_eq!(c.complete("tre", 3), (0, vec!["tree".into()]));
    assert_eq!(c.complete("help nodec", 10), (5, vec!["nodecount".into()]));
    assert_eq!(c.complete("list comp", 9), (5, vec!["main.compute".into()]));
    assert_eq!(
        c.complete("top -gop", 8),
        (5, vec!["runtime.gopark".into()])
    );
    assert_eq!(c.complete("top main", 8).1.len(), 2);
    assert_eq!(c.complete("tags x", 6).1.len(), 0);
    assert_eq!(
        c.complete("granularity=fi", 14),
        (12, vec!["filefunctions".into(), "files".into()])
    );
    assert_eq!(
        c.complete("sample_index=", 13),
        (13, vec!["inuse_space".into()])
    );
    assert!(c
        .complete("inuse", 5)
        .1
        .contains(&"inuse_space".to_string()));
}

#[test]
fn odd_lines_do_not_panic() {
    let script = "\n=\n==\n>\n> \n-\n--cum\ntop -\ntop 99999999999\nsample_index=\n\
        sample_index=-1\n\u{0}\n\u{e9}=1\ntop\u{3000}5\nhelp  \nlist [\n:\ntop >\n\
        nodecount=99999999999999999999\nnodefraction=1e400\ndivide_by=nan\ngranularity\n\
        sort=\n  quit  \n";
    let (out, err, fake) = run(&[], script);
    assert!(out.starts_with(PROMPT));
    assert!(err.contains("strconv.Atoi: parsing \"99999999999999999999\": value out of range"));
    assert!(err.contains("invalid \"sort\" value \"\""));
    assert!(err.contains("invalid sample_index \"\""));
    // `top -` ignores nothing; `top 99999999999` is a focus regexp.
    assert_eq!(fake.calls[0].1.filters.ignore, "");
    assert_eq!(fake.calls[1].1.filters.focus, "99999999999");
}

#[test]
fn int32_arguments() {
    assert_eq!(parse_int32("+7"), Some(7));
    assert_eq!(parse_int32("-3"), Some(-3));
    assert_eq!(parse_int32("99999999999"), None);
}

#[test]
fn a_session_holds_what_a_proto_round_trip_keeps() {
    use pprof_model::{Label, Profile, Sample};
    let mut p = Profile::new();
    let key = p.intern("bytes");
    let zero = Label {
        key,
        num: 0,
        ..Default::default()
    };
    let kept = Label {
        key,
        num: 512,
        ..Default::default()
    };
    p.samples.push(Sample {
        values: vec![1],
        labels: vec![zero, kept],
        ..Default::default()
    });
    let session = ProfileSession::new(p);
    assert_eq!(session.profile().samples.at(0).labels, vec![kept]);
}
