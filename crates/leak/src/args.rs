//! The leak command's flags: one table ([`FLAGS`]) drives the parser
//! ([`parse_args`]) and the help text ([`usage`]); the result is a typed
//! [`LeakArgs`].
//!
//! Flags are Go-style like pprof's: `-flag`, `-flag=value`, `-flag value`,
//! `--flag`, `-flag=false` for switches; `-` and `_` are the same in names;
//! `--` ends the flags.

use std::path::PathBuf;
use std::time::Duration;

use crate::analyze::{Granularity, Mode, Options};
use crate::error::ArgsError;
use crate::live::{LiveOptions, MAX_COUNT, MIN_EVERY};
use crate::render::RenderOptions;

/// The sections of the help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlagGroup {
    /// What is printed or written.
    Output,
    /// The analysis.
    Analysis,
    /// The wait-time heuristic.
    Waits,
    /// Live mode.
    Live,
}

/// One flag of the leak command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagSpec {
    /// The name, without dashes.
    pub name: &'static str,
    /// The value's placeholder in the help text; `None` for a switch.
    pub value: Option<&'static str>,
    /// Its section.
    pub group: FlagGroup,
    /// One line of help (continued lines start with a space).
    pub help: &'static str,
}

const fn flag(
    name: &'static str,
    value: Option<&'static str>,
    group: FlagGroup,
    help: &'static str,
) -> FlagSpec {
    FlagSpec {
        name,
        value,
        group,
        help,
    }
}

use FlagGroup as G;

/// Every flag of the leak command.
pub const FLAGS: &[FlagSpec] = &[
    flag("json", None, G::Output, "Print the report as JSON instead of text"),
    flag("html", Some("FILE"), G::Output, "Also write an HTML report with a sparkline per suspect"),
    flag("svg", Some("FILE"), G::Output, "Also write an SVG with a sparkline per suspect"),
    flag("all", None, G::Output, "List every stack, not only suspects"),
    flag("top", Some("N"), G::Output, "Most suspects printed per analysis (default 20, 0 = all)"),
    flag("frames", Some("N"), G::Output, "Frames printed per suspect stack (default 12)"),
    flag("heap", None, G::Analysis, "Every snapshot must be a heap profile (inuse_space)"),
    flag("goroutine", None, G::Analysis, "Every snapshot must be a goroutine or goroutineleak profile"),
    flag("lines", None, G::Analysis, "Tell frames apart by line (default: by function)"),
    flag("functions", None, G::Analysis, "Tell frames apart by function (default)"),
    flag(
        "ignore_top",
        Some("FUNC"),
        G::Analysis,
        "Never flag goroutines blocked in FUNC (its blocking\n frame or a frame above it); repeatable, comma lists ok",
    ),
    flag("min_growth", Some("N"), G::Analysis, "Goroutines a stack must gain, first to last (default 5)"),
    flag(
        "min_heap_growth",
        Some("B"),
        G::Analysis,
        "Bytes a heap stack must gain (default 1MiB; suffixes\n KB, MB, GB, KiB, MiB, GiB accepted)",
    ),
    flag("min_relative", Some("F"), G::Analysis, "Gain relative to the first snapshot (default 0.1 = 10%)"),
    flag("min_rate", Some("R"), G::Analysis, "Gain per minute, when snapshots have times (default 0)"),
    flag("min_snapshots", Some("N"), G::Analysis, "Snapshots needed per growth analysis (default 2)"),
    flag("stack_size", Some("B"), G::Analysis, "Stack bytes counted per goroutine (default 8KiB)"),
    flag(
        "source_path",
        Some("DIRS"),
        G::Analysis,
        "Where to find sources to locate the `go` statement\n creating goroutines when no debug=2 label tells\n (':'-separated; default $PPROF_SOURCE_PATH, else .)",
    ),
    flag(
        "min_wait",
        Some("DURATION"),
        G::Waits,
        "Shortest wait that counts, whole minutes (default 10m)",
    ),
    flag(
        "min_waiting",
        Some("N"),
        G::Waits,
        "Goroutines of one stack that must have waited that\n long on a channel or lock (default 50)",
    ),
    flag(
        "wait_gate",
        None,
        G::Waits,
        "Wait-time suspects make the exit status 3 (default true;\n -wait_gate=false only reports them)",
    ),
    flag(
        "every",
        Some("DURATION"),
        G::Live,
        "Time between snapshots (default 10s, at least 1s;\n Go syntax: 1500ms, 1m)",
    ),
    flag("count", Some("N"), G::Live, "Snapshots to take (default: see below; at most 10000)"),
    flag("with_heap", None, G::Live, "Also fetch the heap profile at each snapshot"),
    flag(
        "timeout",
        Some("SECONDS"),
        G::Live,
        "Seconds each request may take, the whole transfer\n (default 60; pprof's -timeout)",
    ),
];

/// A parsed leak command line.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LeakArgs {
    /// Snapshot files, `-` (standard input), or one URL (live mode).
    pub sources: Vec<String>,
    /// Analysis options.
    pub options: Options,
    /// Text, HTML and SVG rendering options.
    pub render: RenderOptions,
    /// `-json`: JSON instead of text.
    pub json: bool,
    /// `-html FILE`.
    pub html: Option<PathBuf>,
    /// `-svg FILE`.
    pub svg: Option<PathBuf>,
    /// `-source_path DIRS`; `None` means `$PPROF_SOURCE_PATH`, else `.`.
    pub source_path: Option<String>,
    /// Live mode options.
    pub live: LiveOptions,
}

impl LeakArgs {
    /// Whether the sources name a service (live mode), rather than files.
    pub fn is_live(&self) -> bool {
        self.live.every.is_some()
            || self.live.count.is_some()
            || self.sources.iter().any(|s| is_url(s))
    }
}

fn is_url(s: &str) -> bool {
    matches!(pprof_fetch::classify(s), pprof_fetch::SourceKind::Url(_))
}

/// What the command line asks for.
#[derive(Clone, Debug)]
pub enum Command {
    /// `-h`, `-help`: print [`usage`].
    Help,
    /// Run the analysis.
    Run(Box<LeakArgs>),
}

/// Parses the arguments after `leak`.
pub fn parse_args<I, S>(args: I) -> Result<Command, ArgsError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_string()).collect();
    let mut out = LeakArgs::default();
    let mut i = 0;
    let mut only_sources = false;
    while let Some(arg) = args.get(i) {
        i += 1;
        if only_sources || !arg.starts_with('-') || arg == "-" {
            out.sources.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_sources = true;
            continue;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n.replace('-', "_"), Some(v.to_string())),
            None => (body.replace('-', "_"), None),
        };
        if name == "h" || name == "help" {
            return Ok(Command::Help);
        }
        let alias = match name.as_str() {
            "goroutines" => "goroutine",
            n => n,
        };
        let Some(spec) = FLAGS.iter().find(|f| f.name == alias) else {
            return Err(ArgsError::UnknownFlag { flag: arg.clone() });
        };
        let value = match (spec.value, inline) {
            (None, v) => v,
            (Some(_), Some(v)) => Some(v),
            (Some(_), None) => {
                let v = args
                    .get(i)
                    .ok_or(ArgsError::MissingValue { flag: spec.name })?;
                i += 1;
                Some(v.clone())
            }
        };
        set(&mut out, spec.name, value)?;
    }
    if out.sources.is_empty() {
        return Err(ArgsError::NoSources);
    }
    if out.is_live() && (out.sources.len() != 1 || !out.sources.iter().all(|s| is_url(s))) {
        return Err(ArgsError::LiveNeedsOneUrl);
    }
    Ok(Command::Run(Box::new(out)))
}

fn bad(flag: &'static str, value: &str, want: &'static str) -> ArgsError {
    ArgsError::BadValue {
        flag,
        value: value.to_string(),
        want,
    }
}

/// Sets one flag; `value` is `None` for a switch given without `=value`.
fn set(a: &mut LeakArgs, name: &'static str, value: Option<String>) -> Result<(), ArgsError> {
    let v = value.unwrap_or_default();
    // A switch without a value is on; otherwise Go's boolean words.
    let switch = || -> Result<bool, ArgsError> {
        match v.as_str() {
            "" => Ok(true),
            t => pprof_model::gofmt::parse_bool(t).ok_or_else(|| bad(name, &v, "true or false")),
        }
    };
    let count = || -> Result<u64, ArgsError> {
        v.trim()
            .parse::<u64>()
            .map_err(|_| bad(name, &v, "a whole number from 0"))
    };
    let signed = || -> Result<i64, ArgsError> {
        i64::try_from(count()?).map_err(|_| bad(name, &v, "a whole number from 0"))
    };
    let float = || -> Result<f64, ArgsError> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .ok_or_else(|| bad(name, &v, "a number from 0"))
    };
    let bytes = || {
        pprof_fetch::parse_byte_size(&v)
            .and_then(|b| i64::try_from(b).ok())
            .ok_or_else(|| bad(name, &v, "a size such as 512KiB or 2MB"))
    };
    let usize_of = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    match name {
        "json" => a.json = switch()?,
        "html" => a.html = Some(PathBuf::from(&v)),
        "svg" => a.svg = Some(PathBuf::from(&v)),
        "all" => a.render.all = switch()?,
        "top" => a.render.max_suspects = usize_of(count()?),
        "frames" => a.render.max_frames = usize_of(count()?),
        "heap" | "goroutine" => {
            let mode = if name == "heap" {
                Mode::Heap
            } else {
                Mode::Goroutine
            };
            if switch()? {
                a.options.mode = mode;
            } else if a.options.mode == mode {
                a.options.mode = Mode::Auto;
            }
            a.live.mode = a.options.mode;
        }
        "lines" | "functions" => {
            let on = switch()?;
            a.options.granularity = match (name, on) {
                ("lines", true) | ("functions", false) => Granularity::Lines,
                _ => Granularity::Functions,
            };
        }
        "ignore_top" => a.options.ignore_top.extend(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        ),
        "min_growth" => a.options.min_growth = signed()?,
        "min_heap_growth" => a.options.min_heap_growth = bytes()?,
        "min_relative" => a.options.min_relative_growth = float()?,
        "min_rate" => a.options.min_rate_per_minute = float()?,
        "min_snapshots" => a.options.min_snapshots = usize_of(count()?),
        "stack_size" => a.options.stack_bytes = bytes()?,
        "source_path" => a.source_path = Some(v),
        "min_wait" => {
            let d = parse_duration(&v)
                .filter(|d| *d >= Duration::from_secs(60))
                .ok_or_else(|| bad(name, &v, "a duration of at least 1m, such as 10m or 2h"))?;
            a.options.min_wait_minutes = i64::try_from(d.as_secs() / 60).unwrap_or(i64::MAX);
        }
        "min_waiting" => a.options.min_waiting = signed()?,
        "wait_gate" => a.options.wait_gate = switch()?,
        "every" => {
            let d = parse_duration(&v).ok_or_else(|| bad(name, &v, "a duration such as 10s"))?;
            if d < MIN_EVERY {
                return Err(ArgsError::EveryTooShort {
                    value: v,
                    min: MIN_EVERY,
                });
            }
            a.live.every = Some(d);
        }
        "count" => {
            let n = count()?;
            if n == 0 {
                return Err(bad(name, &v, "a whole number from 1"));
            }
            if n > MAX_COUNT as u64 {
                return Err(ArgsError::TooLarge {
                    flag: name,
                    value: v,
                    max: MAX_COUNT as u64,
                });
            }
            a.live.count = Some(usize_of(n));
        }
        "with_heap" => a.live.with_heap = switch()?,
        "timeout" => {
            let n = count()?;
            if n == 0 {
                return Err(bad(name, &v, "a whole number from 1"));
            }
            // Saturates: pprof_fetch caps waits at its longest.
            a.live.timeout = Some(i64::try_from(n).unwrap_or(i64::MAX));
        }
        _ => {
            return Err(ArgsError::UnknownFlag {
                flag: format!("-{name}"),
            })
        }
    }
    Ok(())
}

/// A Go duration such as `10s`, `1m30s`, `500ms` (a unit is required).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest.get(..n)?.parse().ok()?;
        rest = rest.get(n..)?;
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let secs = match rest.get(..u)? {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = rest.get(u..)?;
        total += num * secs;
    }
    (total.is_finite() && total < 1e9).then(|| Duration::from_secs_f64(total))
}

/// The help text of the leak command.
pub fn usage() -> String {
    let mut s = String::from(
        "\
usage: pprof-tools leak [options] SNAPSHOT...
       pprof-tools leak [options] URL

Finds goroutine leaks (and heap growth) in snapshots of one program.

Proof: Go 1.27's goroutine leak profile (/debug/pprof/goroutineleak, proto
or ?debug=1 text) lists goroutines the garbage collector proved can never
run again, and ?debug=2 dumps mark them \"(leaked)\"; one such snapshot is
enough, and its leaks are reported first, \"proven by the runtime\".

Growth: two or more goroutine (or heap) snapshots, in any order (sorted by
profile time; given order without times). A stack is a suspect when its
count never decreases and grows by at least -min_growth goroutines
(-min_heap_growth bytes for heap) and by at least -min_relative of its
first count: \"suspected from growth\".

Wait times: one goroutine ?debug=2 dump without \"(leaked)\" marks gives
the stacks where at least -min_waiting goroutines have waited on a channel
or lock for -min_wait or longer: \"suspected from wait times (heuristic)\".

Inputs may be mixed (goroutineleak, goroutine and heap snapshots; proto,
debug=1 text with frames named from its # lines, debug=2 dumps; - is
standard input): one combined report. Growing heap paths are linked to the
goroutine leaks that share a function with them.

Exit status: 0 no leak, 3 leak proven or suspected, 1 error, 2 usage error.
",
    );
    let sections = [
        (G::Output, "Output:"),
        (G::Analysis, "Analysis:"),
        (G::Waits, "Wait-time heuristic (one debug=2 dump):"),
        (
            G::Live,
            "Live mode: pprof-tools leak [-every DURATION -count N] URL",
        ),
    ];
    for (group, title) in sections {
        s.push('\n');
        s.push_str(title);
        s.push('\n');
        for f in FLAGS.iter().filter(|f| f.group == group) {
            let left = match f.value {
                Some(v) => format!("-{} {v}", f.name),
                None => format!("-{}", f.name),
            };
            for (k, line) in f.help.split('\n').enumerate() {
                let l = if k == 0 { left.as_str() } else { "" };
                let line = line.strip_prefix(' ').unwrap_or(line);
                s.push_str(&format!("  {l:<20}{line}\n"));
            }
        }
    }
    s.push_str(
        "\
  URL is a service's goroutine profile URL, its /debug/pprof/ base, or just
  host:port. The service is asked for /debug/pprof/goroutineleak first: when
  served, one snapshot is enough (-every or -count asks for a series of
  goroutineleak and goroutine snapshots); otherwise (404: Go before 1.27)
  -count goroutine snapshots are taken -every apart (default 6, 10s apart).
  With -heap, heap snapshots only. Each snapshot is saved like a normal fetch
  ($PPROF_TMPDIR, $HOME/pprof or the temporary directory) and a progress line
  goes to standard error.
",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &[&str]) -> LeakArgs {
        match parse_args(v) {
            Ok(Command::Run(a)) => *a,
            other => panic!("{v:?}: {other:?}"),
        }
    }

    #[test]
    fn flags_parse() {
        let a = run(&[
            "--json",
            "-ignore-top=main.a,main.b",
            "--min_growth",
            "7",
            "-min_heap_growth=2MiB",
            "-min_wait=2h",
            "-wait_gate=false",
            "a.pb.gz",
            "b.pb.gz",
        ]);
        assert!(a.json);
        assert_eq!(a.options.ignore_top, vec!["main.a", "main.b"]);
        assert_eq!(a.options.min_growth, 7);
        assert_eq!(a.options.min_heap_growth, 2 << 20);
        assert_eq!(a.options.min_wait_minutes, 120);
        assert!(!a.options.wait_gate);
        assert_eq!(a.sources, vec!["a.pb.gz", "b.pb.gz"]);
        assert!(!a.is_live());
        assert!(matches!(parse_args(["-h"]), Ok(Command::Help)));
        assert_eq!(
            parse_args(["-bogus", "x"]).unwrap_err(),
            ArgsError::UnknownFlag {
                flag: "-bogus".into()
            }
        );
        assert_eq!(parse_args(["-json"]).unwrap_err(), ArgsError::NoSources);
        assert_eq!(
            parse_args(["-top"]).unwrap_err(),
            ArgsError::MissingValue { flag: "top" }
        );
    }

    #[test]
    fn every_flag_is_accepted_and_documented() {
        let u = usage();
        for f in FLAGS {
            let sample = match f.name {
                "every" => "2s",
                "min_wait" => "5m",
                "min_heap_growth" | "stack_size" => "4KiB",
                "min_relative" | "min_rate" => "0.5",
                _ => match f.value {
                    Some(_) => "3",
                    None => "true",
                },
            };
            let arg = format!("-{}={sample}", f.name);
            let src = if matches!(f.name, "every" | "count") {
                "localhost:1"
            } else {
                "a.pb.gz"
            };
            assert!(parse_args([arg.as_str(), src]).is_ok(), "{arg}");
            assert!(u.contains(&format!("-{}", f.name)), "{}", f.name);
        }
    }

    #[test]
    fn live_arguments() {
        assert_eq!(
            parse_args(["-every", "10s", "a.pb.gz", "b.pb.gz"]).unwrap_err(),
            ArgsError::LiveNeedsOneUrl
        );
        let a = run(&["-every", "1m30s", "-count", "3", "localhost:6060"]);
        assert_eq!(a.live.every, Some(Duration::from_secs(90)));
        assert_eq!(a.live.count, Some(3));
        assert!(a.is_live());
        assert!(run(&["localhost:6060"]).is_live());
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10"), None);
    }
}
