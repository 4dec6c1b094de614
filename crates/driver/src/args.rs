//! pprof's command line, read with the one table of settings
//! ([`crate::settings::OPTIONS`]): single-dash Go-style flags (`-flag`,
//! `-flag=value`, `-flag value`, `-flag=false` for booleans; `--flag`
//! works too), then the sources.
//!
//! Unlike Go's flag package, flags may also follow the sources; `--` ends
//! the flags, and `-` alone is a source (standard input).

use crate::format::{Command, OutputFormat};
use crate::pipeline::Sources;
use crate::settings::{choice_owner, option, Dialect, Kind, Section, Settings, OPTIONS};
use crate::value::{parse_flag_bool, Syntax, ValueError, ValueProblem};
use crate::{Error, UsageError};
use pprof_ops::LEGACY_SAMPLE_FLAGS;

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Invocation {
    /// The report to produce; `None` for the interactive shell (or when
    /// `help` is set).
    pub command: Option<Command>,
    /// Every setting, from the flags.
    pub settings: Settings,
    /// The sources to load.
    pub sources: Sources,
    /// `-help`/`--help`/`-h` was given: print [`usage`] and stop.
    pub help: bool,
    /// Messages pprof prints to stderr while parsing flags.
    pub warnings: Vec<String>,
}

/// What a flag name stands for.
enum Flag {
    Option(&'static crate::settings::OptionDef),
    Choice(&'static crate::settings::OptionDef, &'static str),
    Format(OutputFormat),
    Legacy(&'static str),
}

impl Flag {
    fn lookup(name: &str) -> Option<Flag> {
        if let Some(f) = OutputFormat::from_name(name) {
            return Some(Flag::Format(f));
        }
        if let Some(o) = option(name) {
            return Some(Flag::Option(o));
        }
        if let Some(o) = choice_owner(name) {
            let c = o.choices().iter().find(|c| c.name == name)?;
            return Some(Flag::Choice(o, c.name));
        }
        LEGACY_SAMPLE_FLAGS
            .iter()
            .find(|l| l.0 == name)
            .map(|l| Flag::Legacy(l.0))
    }

    /// Whether the flag is a switch (takes no separate value).
    fn is_switch(&self) -> bool {
        match self {
            Flag::Option(o) => o.kind() == Kind::Bool,
            Flag::Format(f) => !f.takes_regexp(),
            Flag::Choice(..) | Flag::Legacy(_) => true,
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Invocation, Error>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let mut settings = Settings::default();
    let mut positional = Vec::new();
    let mut help = false;
    // Formats and choices in the order given, with whether each is on.
    let mut formats: Vec<(OutputFormat, Option<String>)> = Vec::new();
    let mut choices: Vec<(&'static str, &'static str, bool)> = Vec::new();
    let mut legacy: Vec<&'static str> = Vec::new();
    // The options given, to check them against the dialect once it is known.
    let mut given: Vec<&'static crate::settings::OptionDef> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            positional.extend(args[i..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a == "-" {
            positional.push(a.clone());
            continue;
        }
        let body = a.strip_prefix("--").unwrap_or(&a[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(UsageError::BadSyntax(a.clone()).into());
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        if name == "help" || name == "h" {
            help = true;
            continue;
        }
        let Some(flag) = Flag::lookup(name) else {
            return Err(UsageError::UnknownFlag(name.to_string()).into());
        };
        let value = if flag.is_switch() {
            inline
        } else {
            match inline {
                Some(v) => Some(v),
                None => {
                    let Some(v) = args.get(i) else {
                        return Err(UsageError::MissingValue(name.to_string()).into());
                    };
                    i += 1;
                    Some(v.clone())
                }
            }
        };
        let switch_on = |v: &Option<String>| -> Result<bool, Error> {
            match v {
                None => Ok(true),
                Some(t) => parse_flag_bool(t).ok_or_else(|| {
                    UsageError::Value(ValueError {
                        name: name.to_string(),
                        text: t.clone(),
                        syntax: Syntax::Flag,
                        problem: ValueProblem::Bool,
                    })
                    .into()
                }),
            }
        };
        match flag {
            Flag::Format(f) => {
                let arg = if f.takes_regexp() {
                    value.filter(|v| !v.is_empty())
                } else {
                    switch_on(&value)?.then(String::new)
                };
                formats.retain(|(g, _)| *g != f);
                formats.push((f, arg));
            }
            Flag::Choice(o, c) => {
                let on = switch_on(&value)?;
                choices.retain(|x| x.1 != c);
                choices.push((o.name, c, on));
            }
            Flag::Legacy(l) => {
                let on = switch_on(&value)?;
                legacy.retain(|x| *x != l);
                if on {
                    legacy.push(l);
                }
            }
            Flag::Option(o) => {
                let text = value.unwrap_or_else(|| "true".to_string());
                o.set(&mut settings, &text, Syntax::Flag)
                    .map_err(UsageError::from)?;
                given.push(o);
            }
        }
    }
    // The dialect: -compat, or else the environment.
    if !given.iter().any(|o| o.name == "compat") {
        settings.dialect = env_dialect()?;
    }
    if let Some(o) = given.iter().find(|o| !o.in_dialect(settings.dialect)) {
        return Err(UsageError::UnknownFlag(o.name.to_string()).into());
    }

    let mut inv = Invocation {
        command: None,
        settings,
        sources: Sources::default(),
        help,
        warnings: Vec::new(),
    };
    if help {
        return Ok(inv);
    }
    if positional.is_empty() {
        return Err(UsageError::NoSource.into());
    }

    // A first argument naming a binary (or a build ID) before the sources.
    if positional.len() > 1 {
        if looks_like_binary(&positional[0]) {
            inv.sources.exec_name = Some(positional.remove(0));
        } else if inv.settings.dialect == Dialect::Go119
            && inv.settings.build_id.is_empty()
            && is_build_id(&positional[0])
        {
            // Only go1.19's pprof reads a hexadecimal first argument as a
            // build ID.
            inv.settings.build_id = positional.remove(0);
        }
    }
    inv.sources.sources = positional;

    // Choice groups: at most one choice of each.
    for o in OPTIONS.iter().filter(|o| !o.choices().is_empty()) {
        let set: Vec<&str> = o
            .choices()
            .iter()
            .filter(|c| choices.iter().any(|x| x.1 == c.name && x.2))
            .map(|c| c.name)
            .collect();
        match set.as_slice() {
            [] => {}
            [one] => o
                .set(&mut inv.settings, one, Syntax::Flag)
                .map_err(UsageError::from)?,
            many => {
                let many = many.iter().map(|c| c.to_string()).collect();
                return Err(UsageError::ConflictingChoices(many).into());
            }
        }
    }

    // The output format.
    let mut command = None;
    for (format, arg) in formats {
        let Some(arg) = arg else { continue };
        if command.is_some() {
            return Err(UsageError::TwoFormats.into());
        }
        command = Some(Command {
            format,
            regexp: format.takes_regexp().then_some(arg),
        });
    }
    let s = &inv.settings;
    if command.is_some() && !s.http.is_empty() {
        return Err(UsageError::HttpWithFormat.into());
    }
    if s.no_browser && s.http.is_empty() {
        return Err(UsageError::NoBrowserWithoutHttp.into());
    }
    if let Some(command) = &command {
        if s.json && !command.format.supports_json() {
            return Err(UsageError::NoJson(command.format.name()).into());
        }
    }
    inv.command = command;

    // The legacy shorthands of -sample_index, in pprof's order.
    let sel = pprof_ops::resolve_sample_selection(&s.sample_index, s.mean, &legacy);
    inv.settings.sample_index = sel.sample_index;
    inv.settings.mean = sel.mean;
    inv.warnings.extend(sel.notices);

    let s = &inv.settings;
    if !s.base.is_empty() && !s.diff_base.is_empty() {
        return Err(UsageError::BaseAndDiffBase.into());
    }
    if s.normalize && s.base.is_empty() && s.diff_base.is_empty() {
        return Err(UsageError::NormalizeWithoutBase.into());
    }
    Ok(inv)
}

/// The environment variable that selects the pprof to reproduce:
/// `go1.19` for go1.19.8's; unset or empty for today's (Go 1.27.3). The
/// `-compat` flag wins over it. Read here and nowhere else.
pub const COMPAT_ENV: &str = "PPROF_TOOLS_COMPAT";

/// The dialect [`COMPAT_ENV`] asks for.
fn env_dialect() -> Result<Dialect, Error> {
    match std::env::var(COMPAT_ENV) {
        Ok(v) if !v.trim().is_empty() => v
            .parse()
            .map_err(|e| UsageError::CompatEnv(COMPAT_ENV, e).into()),
        _ => Ok(Dialect::default()),
    }
}

/// pprof's test for a build ID: only hex digits.
fn is_build_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `path` is an executable pprof could open (ELF, Mach-O or PE).
fn looks_like_binary(path: &str) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    // Enough for the headers looked at here.
    let mut head = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut head).is_err() || head.len() < 4 {
        return false;
    }
    let word = [head[0], head[1], head[2], head[3]];
    let le = u32::from_le_bytes(word);
    let be = u32::from_be_bytes(word);
    let macho = [0xfeed_face, 0xfeed_facf, 0xcafe_babe];
    &word == b"\x7fELF"
        || macho.contains(&le)
        || macho.contains(&be)
        || &word[..2] == b"MZ"
        || bare_coff(&head)
}

/// Go's PE reader (which `go tool pprof` opens objects with) also accepts
/// a bare COFF header without the `MZ` stub: a known or unknown (0) machine
/// at offset 0 is enough when nothing after it fails to read. So a legacy
/// binary CPU profile, which starts with zero words, is taken for the
/// executable when it is the first of several arguments. Only the case of
/// no sections, symbols or optional header is recognized here.
fn bare_coff(head: &[u8]) -> bool {
    let u16_at = |i: usize| u16::from_le_bytes([head[i], head[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    // Go reads 96 bytes of DOS header first.
    if head.len() < 96 {
        return false;
    }
    const MACHINES: [u16; 8] = [0, 0x14c, 0x8664, 0x1c0, 0x1c4, 0xaa64, 0x5032, 0x5064];
    let (machine, sections, symbols_at, symbols, optional) =
        (u16_at(0), u16_at(2), u32_at(8), u32_at(12), u16_at(16));
    if !MACHINES.contains(&machine) || sections != 0 || symbols != 0 || optional != 0 {
        return false;
    }
    // The string table's length, read at the symbol table's offset.
    if symbols_at > 0 {
        let at = symbols_at as usize;
        if at + 4 > head.len() {
            return false;
        }
        if u32_at(at) > 4 {
            return false;
        }
    }
    true
}

/// The help text, laid out as pprof's: output formats, options, option
/// groups, source options, the rest, legacy shorthands and the
/// environment.
pub fn usage() -> String {
    let line = |name: &str, help: &str| {
        let summary = help.lines().next().unwrap_or("");
        if name.len() > 16 {
            format!("    {name} {summary}\n")
        } else {
            format!("    {name:<16} {summary}\n")
        }
    };
    let mut s = String::new();
    s.push_str("usage:\n\n");
    s.push_str("Write one report in the chosen format:\n\n");
    s.push_str("   pprof-tools <format> [options] [binary] <source> ...\n\n");
    s.push_str("Without a format, open an interactive shell on the profile whose\n");
    s.push_str("commands make the reports:\n\n");
    s.push_str("   pprof-tools [options] [binary] <source> ...\n\n");
    s.push_str("Without a format and with -http, serve a web interface on host:port\n");
    s.push_str("to browse the reports:\n\n");
    s.push_str("   pprof-tools -http [host]:[port] [options] [binary] <source> ...\n\n");
    s.push_str("Find goroutine and heap leaks over snapshots (pprof-tools leak -help):\n\n");
    s.push_str("   pprof-tools leak [options] <snapshot> ...\n\n");
    s.push_str("Details:\n");
    s.push_str("  Output formats (select at most one):\n");
    for f in pprof_report::FORMATS {
        s.push_str(&line(&format!("-{}", f.name), f.help));
    }
    let listed = |section: Section| {
        let mut v: Vec<_> = OPTIONS.iter().filter(|o| o.section == section).collect();
        v.sort_by_key(|o| o.name);
        v
    };
    s.push_str("\n  Options:\n");
    for o in listed(Section::Report) {
        s.push_str(&line(&format!("-{}", o.name), o.help));
    }
    s.push_str("\n  Option groups (only set one per group):\n");
    for o in listed(Section::Group) {
        s.push_str(&format!("    {}\n", o.name));
        for c in o.choices() {
            s.push_str(&format!("  {}", line(&format!("-{}", c.name), c.help)));
        }
    }
    s.push_str("\n  Source options:\n");
    for o in OPTIONS.iter().filter(|o| o.section == Section::Source) {
        let name = match o.kind() {
            Kind::Bool => format!("-{}", o.name),
            Kind::Int => format!("-{} n", o.name),
            _ => format!("-{} value", o.name),
        };
        s.push_str(&line(&name, o.help));
    }
    s.push_str(&line(
        "profile.pb.gz",
        "A profile in profile.proto format, gzipped or not",
    ));
    s.push_str(&line(
        "legacy_profile",
        "A profile in one of pprof's older formats",
    ));
    s.push_str(&line(
        "http://host/path",
        "A profile handler to fetch from (or host:port/path)",
    ));
    s.push_str(&line(
        "binary",
        "Path or build ID of the binary, for symbols",
    ));
    s.push_str("\n  Misc options:\n");
    for o in listed(Section::Misc) {
        s.push_str(&line(&format!("-{}", o.name), o.help));
    }
    s.push_str("\n  Legacy convenience options:\n");
    for (flag, ty, mean) in LEGACY_SAMPLE_FLAGS {
        let same = if *mean {
            format!("Same as -mean -sample_index={ty}")
        } else {
            format!("Same as -sample_index={ty}")
        };
        s.push_str(&line(&format!("-{flag}"), &same));
    }
    s.push_str("\n  Environment Variables:\n");
    s.push_str(&line(
        "PPROF_TMPDIR",
        "Where fetched profiles are saved (default $HOME/pprof)",
    ));
    s.push_str(&line(
        COMPAT_ENV,
        "go1.19 reproduces go1.19.8's pprof instead of today's (Go 1.27.3)",
    ));
    s.push_str(&line(
        "PPROF_BINARY_PATH",
        "Where binaries for symbols are searched (default $HOME/pprof/binaries)",
    ));
    s.push_str("\n  Exit status: 0 on success, 1 when a profile cannot be read or a report\n");
    s.push_str("  cannot be made, 2 for a command-line mistake, 3 when leak finds a leak.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Granularity, Sort};

    fn p(args: &[&str]) -> Result<Invocation, Error> {
        parse(args.iter().copied())
    }

    #[test]
    fn go_flag_syntax() {
        let inv = p(&[
            "-top",
            "-nodecount",
            "5",
            "--focus=main",
            "-trim=false",
            "a.pb.gz",
        ])
        .unwrap();
        assert_eq!(inv.command.unwrap().format, OutputFormat::Top);
        assert_eq!(inv.settings.node_count, 5);
        assert_eq!(inv.settings.filters.focus, "main");
        assert!(!inv.settings.trim);
        assert_eq!(inv.sources.sources, vec!["a.pb.gz"]);
    }

    #[test]
    fn regexp_formats_and_bases() {
        let inv = p(&["-peek", "foo", "-diff_base", "b.pb.gz", "x", "y"]).unwrap();
        let cmd = inv.command.unwrap();
        assert_eq!(cmd.format, OutputFormat::Peek);
        assert_eq!(cmd.regexp.as_deref(), Some("foo"));
        assert_eq!(inv.settings.diff_base, vec!["b.pb.gz"]);
        assert_eq!(inv.sources.sources, vec!["x", "y"]);
        // -base may be given several times, as in pprof.
        let inv = p(&["-top", "-base=a", "-base", "b", "x"]).unwrap();
        assert_eq!(inv.settings.base, vec!["a", "b"]);
    }

    #[test]
    fn usage_errors() {
        let msg = |a: &[&str]| match p(a) {
            Err(Error::Usage(m)) => m.to_string(),
            other => panic!("expected a usage error, got {other:?}"),
        };
        assert_eq!(
            msg(&["-top", "-raw", "a"]),
            "must set at most one output format"
        );
        assert_eq!(
            msg(&["-top", "-bogus", "a"]),
            "flag provided but not defined: -bogus"
        );
        assert_eq!(msg(&["-top"]), "no profile source specified");
        assert_eq!(
            msg(&["-top", "-nodecount"]),
            "flag needs an argument: -nodecount"
        );
        assert_eq!(
            msg(&["-top", "-nodecount=x", "a"]),
            "invalid value \"x\" for flag -nodecount: parse error"
        );
        assert_eq!(
            msg(&["-top", "-sample_index=x", "-nodecount=x\u{1}", "a"]),
            "invalid value \"x\\x01\" for flag -nodecount: parse error"
        );
        assert_eq!(
            msg(&["-top", "-base=a", "-diff_base=b", "c"]),
            "-base and -diff_base flags cannot both be specified"
        );
        assert_eq!(
            msg(&["-top", "-normalize", "c"]),
            "must have base profile to normalize by"
        );
        assert_eq!(
            msg(&["-top", "-lines", "-files", "c"]),
            "conflicting options set: [files lines]"
        );
        assert_eq!(
            msg(&["-top", "-trim=maybe", "c"]),
            "invalid boolean value \"maybe\" for -trim: parse error"
        );
        assert!(p(&["a.pb.gz"]).unwrap().command.is_none());
        assert_eq!(msg(&["-top", "---x", "a"]), "bad flag syntax: ---x");
    }

    #[test]
    fn shorthands_and_choices() {
        let inv = p(&[
            "-top",
            "-alloc_space",
            "-inuse_space",
            "-cum",
            "-lines",
            "h",
        ])
        .unwrap();
        assert_eq!(inv.settings.sample_index, "inuse_space");
        assert_eq!(
            inv.warnings,
            vec!["Multiple value selections, ignoring -alloc_space"]
        );
        assert_eq!(inv.settings.sort, Sort::Cum);
        assert_eq!(inv.settings.granularity, Granularity::Lines);
        let inv = p(&["-top", "-mean_delay", "h"]).unwrap();
        assert!(inv.settings.mean);
        assert_eq!(inv.settings.sample_index, "delay");
        let inv = p(&["-top", "-lines", "-lines=false", "h"]).unwrap();
        assert_eq!(inv.settings.granularity, Granularity::Functions);
    }

    #[test]
    fn bools_and_last_wins() {
        let inv = p(&["-top=false", "-raw", "-focus=a", "-focus=b", "--", "-"]).unwrap();
        assert_eq!(inv.command.unwrap().format, OutputFormat::Raw);
        assert_eq!(inv.settings.filters.focus, "b");
        assert_eq!(inv.sources.sources, vec!["-"]);
        assert!(p(&["--help"]).unwrap().help);
    }

    #[test]
    fn build_ids() {
        assert!(is_build_id("deadBEEF01"));
        assert!(!is_build_id("cpu.pb.gz"));
        // go1.19 reads a hex first argument as a build ID; today's pprof
        // takes it for a source.
        let inv = p(&["-top", "-compat=go1.19", "abcdef", "x"]).unwrap();
        assert_eq!(inv.settings.build_id, "abcdef");
        assert_eq!(inv.sources.sources, vec!["x"]);
        let inv = p(&["-top", "-compat=go1.27", "abcdef", "x"]).unwrap();
        assert_eq!(inv.settings.build_id, "");
        assert_eq!(inv.sources.sources, vec!["abcdef", "x"]);
    }

    #[test]
    fn a_legacy_cpu_profile_first_is_taken_for_the_executable() {
        // As Go's PE reader accepts it: 64-bit legacy CPU header words
        // 0, 3, 0, period, 0, then samples.
        let dir = std::env::temp_dir().join(format!("pprof-driver-coff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut legacy = Vec::new();
        for w in [0u64, 3, 0, 10_000, 0, 1, 1, 0x401000, 0, 1, 0] {
            legacy.extend_from_slice(&w.to_le_bytes());
        }
        legacy.resize(128, 0);
        let f = dir.join("legacy.cpu");
        std::fs::write(&f, &legacy).unwrap();
        let f = f.to_string_lossy().into_owned();
        assert!(looks_like_binary(&f));
        let inv = p(&["-top", &f, &f]).unwrap();
        assert_eq!(inv.sources.exec_name.as_deref(), Some(f.as_str()));
        // Too short for Go's reader, a gzip file, a text profile: no.
        let short = dir.join("short");
        std::fs::write(&short, [0u8; 64]).unwrap();
        assert!(!looks_like_binary(&short.to_string_lossy()));
        let gz = dir.join("p.pb.gz");
        let mut bytes = vec![0x1f, 0x8b, 8, 0];
        bytes.resize(128, 0);
        std::fs::write(&gz, bytes).unwrap();
        assert!(!looks_like_binary(&gz.to_string_lossy()));
        let text = dir.join("heap.txt");
        std::fs::write(&text, "heap profile: 1: 8 [1: 8] @ heap/1\n".repeat(4)).unwrap();
        assert!(!looks_like_binary(&text.to_string_lossy()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn compat_flag_picks_the_dialect() {
        // The flag wins over PPROF_TOOLS_COMPAT, so this holds in any environment.
        let inv = p(&["-top", "-compat=go1.19", "h"]).unwrap();
        assert_eq!(inv.settings.dialect, Dialect::Go119);
        let inv = p(&[
            "-top",
            "-compat",
            "go1.27.3",
            "-all_frames",
            "-showcolumns",
            "h",
        ])
        .unwrap();
        assert_eq!(inv.settings.dialect, Dialect::Go127);
        assert!(inv.settings.all_frames && inv.settings.show_columns);
        let msg = |a: &[&str]| match p(a) {
            Err(Error::Usage(m)) => m.to_string(),
            other => panic!("expected a usage error, got {other:?}"),
        };
        // Options go1.19's pprof did not have, wherever -compat comes.
        assert_eq!(
            msg(&["-top", "-all_frames", "-compat=go1.19", "h"]),
            "flag provided but not defined: -all_frames"
        );
        assert_eq!(
            msg(&["-top", "-compat=go1.19", "-showcolumns", "h"]),
            "flag provided but not defined: -showcolumns"
        );
        assert_eq!(
            msg(&["-top", "-compat=1.20", "h"]),
            "invalid \"compat\" value \"1.20\""
        );
    }

    #[test]
    fn usage_lists_every_flag() {
        let u = usage();
        for o in OPTIONS {
            if o.section == Section::Group {
                assert!(u.contains(&format!("    {}\n", o.name)), "{}", o.name);
            } else {
                assert!(u.contains(&format!("-{} ", o.name)), "{}", o.name);
            }
            for c in o.choices() {
                assert!(u.contains(&format!("-{} ", c.name)), "{}", c.name);
            }
        }
        for f in pprof_report::FORMATS {
            assert!(u.contains(&format!("-{} ", f.name)), "{}", f.name);
        }
        for (flag, _, _) in LEGACY_SAMPLE_FLAGS {
            assert!(u.contains(&format!("-{flag} ")), "{flag}");
        }
    }
}
