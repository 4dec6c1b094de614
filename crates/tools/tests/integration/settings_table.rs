//! One table of settings drives every front end: each option of
//! `pprof_driver::settings::OPTIONS` is accepted by the command lines the
//! table gives it (pprof's, `pprof-tools leak`'s, `export`'s and `sql`'s)
//! and refused by the
//! others, by the shell when it is a shell option (and refused when it is
//! not), as a web query parameter when it has one, and each `-help` lists
//! it. The leak command's own rows are marked as such in the table
//! (`Section::Leak`: no shell, no query parameter), and so are export's
//! and sql's (`Section::Fleet`), which is checked here.

use pprof_driver::args::{FleetCommand, FleetVerb, LeakCommand};
use pprof_driver::settings::{CommandLine, Kind, OptionDef, Section, Settings, OPTIONS};
use pprof_model::build::ProfileBuilder;
use pprof_model::Profile;
use pprof_tools::shell::{PlainReader, ProfileSession, Shell};

fn profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let f = b.function("main.work", "main.go", 1);
    let l = b.location(None, 0x1000, &[(f, 3)]);
    b.sample(&[l], &[5, 50]);
    b.build()
}

/// A value for `o` other than its default, as text, and the flag that sets
/// it (`-name=value`, or `-choice` for a choice).
fn other_value(o: &OptionDef) -> (String, String) {
    let default = o.default_text();
    match o.kind() {
        Kind::Bool => {
            let v = if default == "true" { "false" } else { "true" };
            (v.to_string(), format!("-{}={v}", o.name))
        }
        Kind::Int => ("7".to_string(), format!("-{}=7", o.name)),
        Kind::Float => ("0.25".to_string(), format!("-{}=0.25", o.name)),
        Kind::Duration => ("2m0s".to_string(), format!("-{}=2m", o.name)),
        Kind::Bytes => ("4096".to_string(), format!("-{}=4KiB", o.name)),
        Kind::Choice(choices) => {
            let c = choices
                .iter()
                .find(|c| c.name != default)
                .expect("a second choice");
            (c.name.to_string(), format!("-{}", c.name))
        }
        _ if o.name == "sample_index" => ("cpu".to_string(), "-sample_index=cpu".into()),
        _ if o.name == "compat" => ("go1.19".to_string(), "-compat=go1.19".into()),
        _ => ("x".to_string(), format!("-{}=x", o.name)),
    }
}

#[test]
fn every_option_reaches_every_front_end() {
    let help = pprof_driver::args::usage();
    let leak_help = pprof_driver::args::leak_usage();
    let sql_help = pprof_driver::args::fleet_usage(FleetVerb::Sql);
    let web = pprof_tools::web::WebUi::new(profile(), Settings::default());
    let (mut pprofs, mut leaks, mut leak_only, mut shells, mut webs) = (0, 0, 0, 0, 0);
    let (mut fleets, mut fleet_only) = (0, 0);
    for o in OPTIONS {
        let (value, flag) = other_value(o);

        // pprof's command line, and its -help; the leak command's own
        // options are refused there.
        let mut argv = vec![flag.clone()];
        match o.name {
            "http" => {}
            "no_browser" => argv.push("-http=:0".into()),
            "normalize" => argv.extend(["-top".into(), "-base=b.pb.gz".into()]),
            _ => argv.push("-top".into()),
        }
        argv.push("a.pb.gz".into());
        // The command line `argv` gave the option its value.
        let took = |settings: &Settings, argv: &[String]| {
            let got = settings.text(o.name);
            assert_eq!(got.as_deref(), Some(value.as_str()), "{argv:?}");
        };
        let listed = |help: &str| match o.kind() {
            Kind::Choice(choices) => choices
                .iter()
                .all(|c| help.contains(&format!("-{} ", c.name))),
            _ => help.contains(&format!("-{} ", o.name)),
        };
        if o.on_line(CommandLine::Pprof) {
            pprofs += 1;
            let inv =
                pprof_driver::args::parse(argv.clone()).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            took(&inv.settings, &argv);
            assert!(listed(&help), "-help lacks -{}", o.name);
        } else {
            // (`-top` and `-svg` there are pprof's formats, switches.)
            let err = pprof_driver::args::parse(argv.clone()).expect_err(&flag);
            let format = pprof_driver::OutputFormat::from_name(o.name).is_some();
            assert!(
                format
                    || err
                        .to_string()
                        .starts_with("flag provided but not defined: -"),
                "{argv:?}: {err}"
            );
        }

        // The leak command's line, and its -help; the rest of pprof's
        // options are refused there.
        let leak_argv = [flag.clone(), "localhost:6060".into()];
        let parsed = pprof_driver::args::parse_leak(leak_argv.clone());
        if o.on_line(CommandLine::Leak) {
            leaks += 1;
            let inv = match parsed {
                Ok(LeakCommand::Run(inv)) => inv,
                other => panic!("leak {leak_argv:?}: {other:?}"),
            };
            took(&inv.settings, &leak_argv);
            assert!(listed(&leak_help), "leak -help lacks -{}", o.name);
        } else {
            let err = parsed.expect_err(&flag).to_string();
            assert!(
                err.starts_with("flag provided but not defined: -"),
                "leak {leak_argv:?}: {err}"
            );
        }

        // export and sql (one line of flags), and their -help; the rest
        // is refused there.
        let fleet_argv = [flag.clone(), "SELECT 1".into(), "ds".into()];
        let parsed = pprof_driver::args::parse_fleet(FleetVerb::Sql, fleet_argv.clone());
        if o.on_line(CommandLine::Fleet) {
            fleets += 1;
            let inv = match parsed {
                Ok(FleetCommand::Run(inv)) => inv,
                other => panic!("sql {fleet_argv:?}: {other:?}"),
            };
            took(&inv.settings, &fleet_argv);
            assert!(listed(&sql_help), "sql -help lacks -{}", o.name);
        } else {
            let err = parsed.expect_err(&flag).to_string();
            assert!(
                err.starts_with("flag provided but not defined: -"),
                "sql {fleet_argv:?}: {err}"
            );
        }
        if o.section == Section::Fleet {
            fleet_only += 1;
            assert!(o.fleet.is_some(), "{}", o.name);
            assert!(!o.in_shell() && !o.saved, "{}", o.name);
            assert_eq!(o.url_param, None, "{}", o.name);
        }

        // The leak command's own rows say, in the table, that they are
        // neither shell options nor query parameters (checked below too).
        if o.section == Section::Leak {
            leak_only += 1;
            assert!(o.leak.is_some(), "{}", o.name);
            assert!(!o.in_shell() && !o.saved, "{}", o.name);
            assert_eq!(o.url_param, None, "{}", o.name);
        }

        // The shell: `name=value` (or `choice=true`: a bare choice is no
        // setting in pprof's shell) for its options; anything else is not
        // a setting there.
        let line = match o.kind() {
            Kind::Choice(_) => format!("{value}=true"),
            _ => format!("{}={value}", o.name),
        };
        let mut session = ProfileSession::new(profile());
        let mut shell = Shell::new(&mut session, Settings::default());
        let script = format!("{line}\n");
        let mut reader = PlainReader::new(script.as_bytes(), std::io::sink());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        shell.run(&mut reader, &mut out, &mut err).expect("shell");
        let err = String::from_utf8_lossy(&err);
        // What the shell said after its greeting.
        let errors: Vec<&str> = err
            .lines()
            .skip_while(|l| !l.starts_with("Entering interactive mode"))
            .skip(1)
            .collect();
        if o.in_shell() {
            shells += 1;
            assert!(errors.is_empty(), "{line}: {errors:?}");
            assert_eq!(
                shell.settings().text(o.name).as_deref(),
                Some(value.as_str()),
                "{line}"
            );
        } else {
            assert_eq!(
                errors.len(),
                1,
                "{line} should not be a shell setting: {err}"
            );
            assert_eq!(
                shell.settings().text(o.name),
                Settings::default().text(o.name)
            );
        }

        // The web interface: the option's query parameter is read, and a
        // value its type cannot hold is refused with 400.
        if let Some(param) = o.url_param {
            webs += 1;
            let r = web.respond(&format!("/ui/top?{param}={value}"));
            assert_eq!(r.status, 200, "{param}={value}");
            let mut s = Settings::default();
            s.apply_url([(param, value.as_str())]).expect("apply_url");
            assert_eq!(s.text(o.name).as_deref(), Some(value.as_str()), "{param}");
            if !matches!(o.kind(), Kind::Text | Kind::List) {
                let r = web.respond(&format!("/ui/top?{param}=%01bad"));
                assert_eq!(r.status, 400, "{param}=\\x01bad");
            }
        }
    }
    assert!(
        pprofs >= 50 && shells >= 30 && webs >= 25,
        "{pprofs} pprof, {shells} shell and {webs} web options"
    );
    // The leak command: its 19 own rows and pprof's json, source_path,
    // timeout and granularity.
    assert_eq!((leaks, leak_only), (23, 19));
    // export and sql: their 3 own rows and pprof's output, json and
    // ballista.
    assert_eq!((fleets, fleet_only), (6, 3));
}

#[test]
fn help_of_the_binary_is_the_table() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
            .args(args)
            .output()
            .expect("run pprof-tools -help");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert_eq!(help(&["-help"]), pprof_driver::args::usage());
    assert_eq!(help(&["leak", "-help"]), pprof_driver::args::leak_usage());
    for verb in [FleetVerb::Export, FleetVerb::Sql] {
        #[cfg(feature = "fleet")]
        assert_eq!(
            help(&[verb.name(), "-help"]),
            pprof_driver::args::fleet_usage(verb)
        );
        // Without the feature the verbs say how to get them.
        #[cfg(not(feature = "fleet"))]
        {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
                .args([verb.name(), "-help"])
                .output()
                .expect("run pprof-tools");
            assert_eq!(out.status.code(), Some(2), "{}", verb.name());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("--features fleet"), "{err}");
            assert!(out.stdout.is_empty());
        }
    }
}
