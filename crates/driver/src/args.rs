//! pprof's command line, read with the one table of settings
//! ([`crate::settings::OPTIONS`]): single-dash Go-style flags (`-flag`,
//! `-flag=value`, `-flag value`, `-flag=false` for booleans; `--flag`
//! works too), then the sources.
//!
//! Unlike Go's flag package, flags may also follow the sources; `--` ends
//! the flags, and `-` alone is a source (standard input).

use crate::format::{Command, OutputFormat};
use crate::pipeline::Sources;
use crate::settings::{
    choice_owner, option, CommandLine, Dialect, Kind, LeakPart, OptionDef, Section, Settings,
    OPTIONS,
};
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
    Option(&'static OptionDef),
    Choice(&'static OptionDef, &'static str),
    Format(OutputFormat),
    Legacy(&'static str),
}

impl Flag {
    /// The flag `name` of `line`: formats, legacy shorthands and the
    /// options and choices the line takes.
    fn lookup(name: &str, line: CommandLine) -> Option<Flag> {
        let pprof = line == CommandLine::Pprof;
        if let Some(f) = OutputFormat::from_name(name).filter(|_| pprof) {
            return Some(Flag::Format(f));
        }
        if let Some(o) = option(name).filter(|o| o.on_line(line)) {
            return Some(Flag::Option(o));
        }
        if let Some(o) = choice_owner(name).filter(|o| o.on_line(line)) {
            let c = o.choices().iter().find(|c| c.name == name)?;
            return Some(Flag::Choice(o, c.name));
        }
        LEGACY_SAMPLE_FLAGS
            .iter()
            .find(|l| pprof && l.0 == name)
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

/// The flags of a command line as read, before the checks of each command.
struct Flags {
    settings: Settings,
    positional: Vec<String>,
    help: bool,
    /// Formats in the order given, with their argument when on.
    formats: Vec<(OutputFormat, Option<String>)>,
    /// Choices in the order given: (option, choice, on).
    choices: Vec<(&'static str, &'static str, bool)>,
    legacy: Vec<&'static str>,
    /// The options given, with their text.
    given: Vec<(&'static OptionDef, String)>,
}

/// Reads the flags and sources of `line` into settings. The leak command
/// also takes `-` for `_` in names (`-min-growth`), as it always has.
fn read_flags(args: Vec<String>, line: CommandLine) -> Result<Flags, UsageError> {
    let mut f = Flags {
        settings: Settings::default(),
        positional: Vec::new(),
        help: false,
        formats: Vec::new(),
        choices: Vec::new(),
        legacy: Vec::new(),
        given: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            f.positional.extend(args[i..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a == "-" {
            f.positional.push(a.clone());
            continue;
        }
        let body = a.strip_prefix("--").unwrap_or(&a[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(UsageError::BadSyntax(a.clone()));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let written = name;
        let name = match line {
            CommandLine::Leak => name.replace('-', "_"),
            _ => name.to_string(),
        };
        if name == "help" || name == "h" {
            f.help = true;
            continue;
        }
        let Some(flag) = Flag::lookup(&name, line) else {
            return Err(UsageError::UnknownFlag(written.to_string()));
        };
        let value = if flag.is_switch() {
            inline
        } else {
            match inline {
                Some(v) => Some(v),
                None => {
                    let Some(v) = args.get(i) else {
                        return Err(UsageError::MissingValue(name));
                    };
                    i += 1;
                    Some(v.clone())
                }
            }
        };
        let switch_on = |v: &Option<String>| -> Result<bool, UsageError> {
            match v {
                None => Ok(true),
                Some(t) => parse_flag_bool(t).ok_or_else(|| {
                    UsageError::Value(ValueError {
                        name: name.clone(),
                        text: t.clone(),
                        syntax: Syntax::Flag,
                        problem: ValueProblem::Bool,
                    })
                }),
            }
        };
        match flag {
            Flag::Format(fmt) => {
                let arg = if fmt.takes_regexp() {
                    value.filter(|v| !v.is_empty())
                } else {
                    switch_on(&value)?.then(String::new)
                };
                f.formats.retain(|(g, _)| *g != fmt);
                f.formats.push((fmt, arg));
            }
            Flag::Choice(o, c) => {
                let on = switch_on(&value)?;
                f.choices.retain(|x| x.1 != c);
                f.choices.push((o.name, c, on));
            }
            Flag::Legacy(l) => {
                let on = switch_on(&value)?;
                f.legacy.retain(|x| *x != l);
                if on {
                    f.legacy.push(l);
                }
            }
            Flag::Option(o) => {
                let text = value.unwrap_or_else(|| "true".to_string());
                o.set(&mut f.settings, &text, Syntax::Flag)?;
                f.given.push((o, text));
            }
        }
    }
    Ok(f)
}

/// Sets the choice groups from the choices given: at most one of each.
fn set_choices(
    settings: &mut Settings,
    choices: &[(&'static str, &'static str, bool)],
) -> Result<(), UsageError> {
    for o in OPTIONS.iter().filter(|o| !o.choices().is_empty()) {
        let set: Vec<&str> = o
            .choices()
            .iter()
            .filter(|c| choices.iter().any(|x| x.1 == c.name && x.2))
            .map(|c| c.name)
            .collect();
        match set.as_slice() {
            [] => {}
            [one] => o.set(settings, one, Syntax::Flag)?,
            many => {
                let many = many.iter().map(|c| c.to_string()).collect();
                return Err(UsageError::ConflictingChoices(many));
            }
        }
    }
    Ok(())
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Invocation, Error>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let Flags {
        mut settings,
        mut positional,
        help,
        formats,
        choices,
        legacy,
        given,
    } = read_flags(args, CommandLine::Pprof)?;
    // The dialect: -compat, or else the environment.
    if !given.iter().any(|(o, _)| o.name == "compat") {
        settings.dialect = env_dialect()?;
    }
    if let Some((o, _)) = given.iter().find(|(o, _)| !o.in_dialect(settings.dialect)) {
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
    set_choices(&mut inv.settings, &choices)?;

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

/// A parsed `pprof-tools leak` command line.
#[derive(Clone, Debug)]
pub enum LeakCommand {
    /// `-help`/`-h`: print [`leak_usage`] and stop.
    Help,
    /// Run the leak analysis.
    Run(Box<LeakInvocation>),
}

/// What `pprof-tools leak` is asked to do.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LeakInvocation {
    /// The settings, from the flags (the leak command's are in
    /// [`Settings::leak`]).
    pub settings: Settings,
    /// The same, typed for pprof-leak, with the sources.
    pub options: pprof_leak::LeakOptions,
}

/// Parses the arguments after `pprof-tools leak`, with the rows of the
/// option table that the leak command takes ([`OptionDef::leak`]): Go-style
/// flags as on pprof's command line, then snapshots (files, `-`) or one URL.
pub fn parse_leak<I, S>(args: I) -> Result<LeakCommand, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let mut flags = read_flags(args, CommandLine::Leak)?;
    if flags.help {
        return Ok(LeakCommand::Help);
    }
    set_choices(&mut flags.settings, &flags.choices)?;
    // pprof's -timeout leaves out values below 1; the leak command always
    // refused them.
    if let Some((_, text)) = flags
        .given
        .iter()
        .rfind(|(o, _)| o.name == "timeout")
        .filter(|_| flags.settings.timeout.get().is_none())
    {
        return Err(UsageError::OutOfRange {
            flag: "timeout",
            value: text.clone(),
            want: "a whole number from 1",
        });
    }
    let options = leak_options(&flags.settings, flags.positional)?;
    Ok(LeakCommand::Run(Box::new(LeakInvocation {
        settings: flags.settings,
        options,
    })))
}

/// The leak command's typed options from settings and its sources, with
/// the checks of the leak command line (bounds of `-every`, `-count`,
/// `-min_wait`..., one URL in live mode).
pub fn leak_options(
    s: &Settings,
    sources: Vec<String>,
) -> Result<pprof_leak::LeakOptions, UsageError> {
    use pprof_leak::live::MAX_COUNT;
    use std::time::Duration;

    let l = &s.leak;
    let whole = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let text = |n: &str| option(n).map(|o| o.text(s)).unwrap_or_default();
    let at_least = |flag: &'static str, d: Duration, least: Duration| {
        if d >= least {
            return Ok(d);
        }
        let nanos = |d: Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        Err(UsageError::TooShort {
            flag,
            value: text(flag),
            least: pprof_model::gofmt::duration_string(nanos(least)),
        })
    };
    let number = |flag: &'static str, f: f64| {
        if f.is_finite() && f >= 0.0 {
            return Ok(f);
        }
        Err(UsageError::OutOfRange {
            flag,
            value: text(flag),
            want: "a number from 0",
        })
    };

    let mut o = pprof_leak::LeakOptions::default();
    let a = &mut o.options;
    a.granularity = s.granularity;
    a.mode = l.mode;
    a.ignore_top = l
        .ignore_top
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    a.min_growth = whole(l.min_growth);
    a.min_heap_growth = l.min_heap_growth.0;
    a.min_relative_growth = number("min_relative", l.min_relative)?;
    a.min_rate_per_minute = number("min_rate", l.min_rate)?;
    a.min_snapshots = size(l.min_snapshots);
    a.stack_bytes = l.stack_size.0;
    let min_wait = at_least("min_wait", l.min_wait.0, Duration::from_secs(60))?;
    a.min_wait_minutes = whole(min_wait.as_secs() / 60);
    a.min_waiting = whole(l.min_waiting);
    a.wait_gate = l.wait_gate;

    o.render.all = l.all;
    o.render.max_suspects = size(l.top);
    o.render.max_frames = size(l.frames);
    o.json = s.json;
    let path = |p: &str| (!p.is_empty()).then(|| std::path::PathBuf::from(p));
    o.html = path(&l.html);
    o.svg = path(&l.svg);
    o.source_path = (!s.source_path.is_empty()).then(|| s.source_path.clone());

    o.live.mode = l.mode;
    o.live.with_heap = l.with_heap;
    o.live.timeout = s.timeout.as_secs().map(whole);
    o.live.every = match l.every {
        Some(d) => Some(at_least("every", d.0, pprof_leak::MIN_EVERY)?),
        None => None,
    };
    o.live.count = match l.count {
        Some(0) => {
            return Err(UsageError::OutOfRange {
                flag: "count",
                value: "0".into(),
                want: "a whole number from 1",
            })
        }
        Some(n) if n > MAX_COUNT as u64 => {
            return Err(UsageError::TooLarge {
                flag: "count",
                value: n.to_string(),
                most: MAX_COUNT as u64,
            })
        }
        n => n.map(size),
    };

    o.sources = sources;
    if o.sources.is_empty() {
        return Err(UsageError::NoSnapshots);
    }
    let url = |src: &String| matches!(pprof_fetch::classify(src), pprof_fetch::SourceKind::Url(_));
    if o.is_live() && (o.sources.len() != 1 || !o.sources.iter().all(url)) {
        return Err(UsageError::LiveNeedsOneUrl);
    }
    Ok(o)
}

/// The help text of `pprof-tools leak`: what it does, then the option
/// table's rows that the leak command takes, by [`LeakPart`].
pub fn leak_usage() -> String {
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
    let parts = [
        (LeakPart::Output, "Output:"),
        (LeakPart::Analysis, "Analysis:"),
        (LeakPart::Waits, "Wait-time heuristic (one debug=2 dump):"),
        (
            LeakPart::Live,
            "Live mode: pprof-tools leak [-every DURATION -count N] URL",
        ),
    ];
    let entry = |s: &mut String, left: &str, help: &str| {
        for (k, line) in help.lines().enumerate() {
            let l = if k == 0 { left } else { "" };
            s.push_str(&format!("  {l:<20}{line}\n"));
        }
    };
    for (part, title) in parts {
        s.push('\n');
        s.push_str(title);
        s.push('\n');
        for o in OPTIONS {
            let Some(u) = o.leak.filter(|u| u.part == part) else {
                continue;
            };
            if o.choices().is_empty() {
                let left = match u.value {
                    "" => format!("-{}", o.name),
                    v => format!("-{} {v}", o.name),
                };
                let help = if u.help.is_empty() { o.help } else { u.help };
                entry(&mut s, &left, help);
            } else {
                for c in o.choices() {
                    let summary = c.help.lines().next().unwrap_or("");
                    entry(&mut s, &format!("-{}", c.name), summary);
                }
            }
        }
    }
    s.push_str(
        "  URL is a service's goroutine profile URL, its /debug/pprof/ base, or just
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

/// The subcommands of [`CommandLine::Fleet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetVerb {
    /// `pprof-tools export -parquet=DIR SOURCE...`: profiles into a
    /// Parquet dataset.
    Export,
    /// `pprof-tools sql QUERY SOURCE...`: SQL over a dataset or profile
    /// files.
    Sql,
}

impl FleetVerb {
    /// The subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            FleetVerb::Export => "export",
            FleetVerb::Sql => "sql",
        }
    }

    /// The verb named `name` (`export`, `sql`).
    pub fn from_name(name: &str) -> Option<FleetVerb> {
        [FleetVerb::Export, FleetVerb::Sql]
            .into_iter()
            .find(|v| v.name() == name)
    }
}

/// A parsed `pprof-tools export` or `pprof-tools sql` command line.
#[derive(Clone, Debug)]
pub enum FleetCommand {
    /// `-help`/`-h`: print [`fleet_usage`] and stop.
    Help,
    /// Run the command.
    Run(Box<FleetInvocation>),
}

/// What `pprof-tools export` or `pprof-tools sql` is asked to do.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FleetInvocation {
    /// Which command.
    pub verb: FleetVerb,
    /// The settings, from the flags (the fleet's are in
    /// [`Settings::fleet`]).
    pub settings: Settings,
    /// The query (`sql` only; empty for `export`).
    pub query: String,
    /// The sources: profile files, directories of them, URLs, or (for
    /// `sql`) one dataset directory.
    pub sources: Vec<String>,
}

/// Parses the arguments after `pprof-tools export` or `pprof-tools sql`
/// with the option table's rows those commands take
/// ([`OptionDef::fleet`]): Go-style flags, then (for `sql`) the query,
/// then the sources.
pub fn parse_fleet<I, S>(verb: FleetVerb, args: I) -> Result<FleetCommand, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let flags = read_flags(args, CommandLine::Fleet)?;
    if flags.help {
        return Ok(FleetCommand::Help);
    }
    let s = flags.settings;
    let mut positional = flags.positional.into_iter();
    let query = match verb {
        FleetVerb::Export => {
            if s.fleet.parquet.is_empty() {
                return Err(UsageError::ExportNeedsDir);
            }
            String::new()
        }
        FleetVerb::Sql => {
            if s.fleet.csv && s.json {
                return Err(UsageError::CsvAndJson);
            }
            match positional.next() {
                Some(q) if !q.trim().is_empty() => q,
                _ => return Err(UsageError::SqlNeedsQuery),
            }
        }
    };
    let sources: Vec<String> = positional.collect();
    if sources.is_empty() {
        return Err(UsageError::NoSource);
    }
    Ok(FleetCommand::Run(Box::new(FleetInvocation {
        verb,
        settings: s,
        query,
        sources,
    })))
}

/// The help text of `pprof-tools export` or `pprof-tools sql`: what it
/// does, then the option table's rows those commands take.
pub fn fleet_usage(verb: FleetVerb) -> String {
    let mut s = String::from(match verb {
        FleetVerb::Export => {
            "\
usage: pprof-tools export -parquet DIR [-partition KEYS] SOURCE...

Writes profiles into a Parquet dataset, one profile at a time: one row per
sample (profile, time, stack, leaf, labels, one column per sample type),
zstd-compressed and dictionary-encoded, and each profile's mappings,
locations and functions beside the rows. Sources are anything pprof reads
(files, directories of them, URLs); a dataset that exists is added to.

A dataset is then a source like a profile file:
   pprof-tools -top 'DIR?service=checkout&from=2026-12-01&to=2026-12-02'
merges the selected samples (label KEY=VALUE, from=TIME, to=TIME; TIME a
date or an RFC 3339 time) with Apache DataFusion, and
   pprof-tools sql \"SELECT leaf, sum(\\\"cpu/nanoseconds\\\") ...\" DIR
runs SQL over its samples.
"
        }
        FleetVerb::Sql => {
            "\
usage: pprof-tools sql [-csv | -json] [-output FILE] QUERY SOURCE...

Runs a SQL query (Apache DataFusion's dialect) over the samples of a
Parquet dataset written by pprof-tools export, or of profile files and
directories of them (each file read as one partition). The table is
`samples`: one row per sample with the columns profile, time, seq,
stack_id, leaf, stack (function names, leaf first), labels (key, str, num,
unit) and one column per sample type, named TYPE/UNIT (quote it:
\"cpu/nanoseconds\"); a dataset adds its partition keys.

   pprof-tools sql \"SELECT leaf, sum(\\\"cpu/nanoseconds\\\") AS cpu FROM samples
                    GROUP BY leaf ORDER BY cpu DESC LIMIT 10\" DIR
"
        }
    });
    s.push_str("\nOptions:\n");
    for o in OPTIONS.iter().filter(|o| o.on_line(CommandLine::Fleet)) {
        let help = match o.fleet {
            Some(h) if !h.is_empty() => h,
            _ => o.help,
        };
        let left = match o.kind() {
            Kind::Bool => format!("-{}", o.name),
            _ => format!("-{} value", o.name),
        };
        for (k, line) in help.lines().enumerate() {
            let l = if k == 0 { left.as_str() } else { "" };
            s.push_str(&format!("  {l:<20}{line}\n"));
        }
    }
    s
}

/// The environment variable that selects the pprof to reproduce:
/// `go1.19` for go1.19.8's; unset or empty for today's (Go 1.27.3). The
/// `-compat` flag wins over it. Read here and nowhere else.
pub const COMPAT_ENV: &str = "PPROF_TOOLS_COMPAT";

/// The dialect [`COMPAT_ENV`] asks for, the default when it is unset or
/// names no dialect: the one to follow before (or when) the command line
/// is read.
pub fn dialect_from_env() -> Dialect {
    env_dialect().unwrap_or_default()
}

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
    s.push_str("Write profiles into a Parquet dataset, or run SQL over a dataset or\n");
    s.push_str("profiles (pprof-tools export -help, pprof-tools sql -help); a dataset\n");
    s.push_str("directory, with selectors such as DIR?service=x&from=2026-12-01, is\n");
    s.push_str("a source like a profile:\n\n");
    s.push_str("   pprof-tools export -parquet <dir> [options] <source> ...\n");
    s.push_str("   pprof-tools sql [options] <query> <source> ...\n\n");
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
        assert_eq!(inv.settings.diff_base, "b.pb.gz");
        assert_eq!(inv.sources.sources, vec!["x", "y"]);
        // -base given twice: the last one counts, as in `go tool pprof`,
        // and an empty one means no base.
        let inv = p(&["-top", "-base=a", "-base", "b", "x"]).unwrap();
        assert_eq!(inv.settings.base, "b");
        let inv = p(&["-top", "-base=a", "-base=", "x"]).unwrap();
        assert!(inv.settings.base.is_empty());
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

    fn leak(args: &[&str]) -> Result<LeakInvocation, UsageError> {
        match parse_leak(args.iter().copied())? {
            LeakCommand::Run(inv) => Ok(*inv),
            LeakCommand::Help => panic!("{args:?}: help"),
        }
    }

    fn leak_err(args: &[&str]) -> String {
        leak(args).expect_err("a usage error").to_string()
    }

    #[test]
    fn leak_flags_fill_the_leak_options() {
        let inv = leak(&[
            "--json",
            "-ignore-top=main.a,main.b",
            "-ignore_top",
            " main.c ,",
            "--min_growth",
            "7",
            "-min_heap_growth=2MiB",
            "-stack_size=4KB",
            "-min_wait=2h",
            "-wait_gate=false",
            "-lines",
            "-heap",
            "-top=0x10",
            "-source_path=/src",
            "a.pb.gz",
            "b.pb.gz",
        ])
        .unwrap();
        let o = &inv.options;
        assert!(o.json);
        assert_eq!(o.options.ignore_top, vec!["main.a", "main.b", "main.c"]);
        assert_eq!(o.options.min_growth, 7);
        assert_eq!(o.options.min_heap_growth, 2 << 20);
        assert_eq!(o.options.stack_bytes, 4000);
        assert_eq!(o.options.min_wait_minutes, 120);
        assert!(!o.options.wait_gate);
        assert_eq!(o.options.granularity, Granularity::Lines);
        assert_eq!(o.options.mode, pprof_leak::Mode::Heap);
        assert_eq!(o.live.mode, pprof_leak::Mode::Heap);
        assert_eq!(o.render.max_suspects, 16);
        assert_eq!(o.source_path.as_deref(), Some("/src"));
        assert_eq!(o.sources, vec!["a.pb.gz", "b.pb.gz"]);
        assert!(!o.is_live());
        assert_eq!(inv.settings.text("min_wait").as_deref(), Some("2h0m0s"));
        // Nothing given: pprof-leak's own defaults.
        let d = leak(&["a.pb.gz"]).unwrap().options;
        let want = pprof_leak::LeakOptions::default();
        assert_eq!(d.options, want.options);
        assert_eq!(d.render.max_suspects, want.render.max_suspects);
        assert_eq!(d.render.max_frames, want.render.max_frames);
        assert_eq!((d.live.every, d.live.count), (None, None));
        assert_eq!((d.html, d.svg, d.source_path), (None, None, None));
        assert!(matches!(parse_leak(["-h"]), Ok(LeakCommand::Help)));
    }

    #[test]
    fn leak_usage_errors_are_one_line() {
        let cases = [
            (
                &["-bogus", "x"][..],
                "flag provided but not defined: -bogus",
            ),
            (&["-json"], "no snapshots given"),
            (&["-top"], "flag needs an argument: -top"),
            (
                &["-top=-1", "a"],
                "invalid value \"-1\" for flag -top: parse error",
            ),
            (
                &["-every=10", "a"],
                "invalid value \"10\" for flag -every: want a duration such as 10s or 1m30s",
            ),
            (
                &["-min_heap_growth=lots", "a"],
                "invalid value \"lots\" for flag -min_heap_growth: want a size such as 512KiB or 2MB",
            ),
            (
                &["-min_relative=-0.5", "a"],
                "invalid value \"-0.5\" for flag -min_relative: want a number from 0",
            ),
            (
                &["-min_wait=30s", "a"],
                "-min_wait 30s is too short: the least is 1m0s",
            ),
            (
                &["-every=999ms", "localhost:1"],
                "-every 999ms is too short: the least is 1s",
            ),
            (
                &["-count=0", "localhost:1"],
                "invalid value \"0\" for flag -count: want a whole number from 1",
            ),
            (
                &["-count=10001", "localhost:1"],
                "-count 10001 is too large: the most is 10000",
            ),
            (
                &["-timeout=0", "localhost:1"],
                "invalid value \"0\" for flag -timeout: want a whole number from 1",
            ),
            (
                &["-heap", "-goroutine", "a"],
                "conflicting options set: [heap goroutine]",
            ),
            (
                &["-every", "10s", "a.pb.gz", "b.pb.gz"],
                "live mode takes exactly one URL (-every DURATION -count N URL)",
            ),
            // pprof's own flags are not the leak command's, and the other
            // way round.
            (
                &["-top=3", "-nodecount=3", "a"],
                "flag provided but not defined: -nodecount",
            ),
            (
                &["-inuse_space", "a"],
                "flag provided but not defined: -inuse_space",
            ),
        ];
        for (args, want) in cases {
            let got = leak_err(args);
            assert_eq!(got, want, "{args:?}");
            assert!(!got.contains('\n'));
        }
        for flag in ["-every=10s", "-min_growth=3", "-with_heap", "-html=x.html"] {
            match p(&["-top", flag, "a"]) {
                Err(Error::Usage(UsageError::UnknownFlag(_))) => {}
                other => panic!("{flag}: {other:?}"),
            }
        }
    }

    #[test]
    fn leak_live_arguments() {
        let inv = leak(&[
            "-every",
            "1m30s",
            "-count",
            "3",
            "-timeout=7",
            "localhost:6060",
        ])
        .unwrap();
        let o = inv.options;
        assert_eq!(o.live.every, Some(std::time::Duration::from_secs(90)));
        assert_eq!(o.live.count, Some(3));
        assert_eq!(o.live.timeout, Some(7));
        assert!(o.is_live());
        assert!(leak(&["localhost:6060"]).unwrap().options.is_live());
        assert_eq!(
            leak(&["-every=1s", "localhost:1"])
                .unwrap()
                .options
                .live
                .every,
            Some(std::time::Duration::from_secs(1))
        );
    }

    #[test]
    fn leak_usage_lists_every_leak_flag() {
        let u = leak_usage();
        for o in OPTIONS.iter().filter(|o| o.on_line(CommandLine::Leak)) {
            let u_ = o.leak.unwrap();
            if o.choices().is_empty() {
                let left = match u_.value {
                    "" => format!("  -{} ", o.name),
                    v => format!("  -{} {v} ", o.name),
                };
                assert!(u.contains(&left), "{left}");
            }
            for c in o.choices() {
                assert!(u.contains(&format!("  -{} ", c.name)), "{}", c.name);
            }
        }
        assert!(u.contains("-min_wait DURATION"));
    }

    #[test]
    fn fleet_commands_take_their_rows_and_check_them() {
        let run = |verb, args: &[&str]| match parse_fleet(verb, args.iter().copied()) {
            Ok(FleetCommand::Run(inv)) => Ok(*inv),
            Ok(FleetCommand::Help) => panic!("help"),
            Err(e) => Err(e),
        };
        let inv = run(
            FleetVerb::Export,
            &[
                "-parquet",
                "ds",
                "-partition=service,date",
                "a.pb.gz",
                "dir",
            ],
        )
        .unwrap();
        assert_eq!(inv.settings.fleet.parquet, "ds");
        assert_eq!(inv.settings.fleet.partition, "service,date");
        assert_eq!(inv.sources, ["a.pb.gz", "dir"]);
        assert_eq!(
            run(FleetVerb::Export, &["a.pb.gz"]).unwrap_err(),
            UsageError::ExportNeedsDir
        );
        assert_eq!(
            run(FleetVerb::Export, &["-parquet=ds"]).unwrap_err(),
            UsageError::NoSource
        );
        let inv = run(
            FleetVerb::Sql,
            &["-csv", "-ballista=df://h:1", "SELECT 1", "ds"],
        )
        .unwrap();
        assert!(inv.settings.fleet.csv);
        assert_eq!(inv.settings.fleet.ballista, "df://h:1");
        assert_eq!(inv.query, "SELECT 1");
        assert_eq!(
            run(FleetVerb::Sql, &["-csv", "-json", "q", "ds"]).unwrap_err(),
            UsageError::CsvAndJson
        );
        assert_eq!(
            run(FleetVerb::Sql, &[]).unwrap_err(),
            UsageError::SqlNeedsQuery
        );
        // pprof's report flags are not export's, and export's are not pprof's.
        assert_eq!(
            run(FleetVerb::Sql, &["-top", "q", "ds"]).unwrap_err(),
            UsageError::UnknownFlag("top".into())
        );
        assert!(matches!(
            parse(["-parquet=x", "-top", "p.pb.gz"]),
            Err(Error::Usage(UsageError::UnknownFlag(f))) if f == "parquet"
        ));
        assert!(matches!(
            parse_fleet(FleetVerb::Sql, ["-h"]),
            Ok(FleetCommand::Help)
        ));
    }

    #[test]
    fn fleet_usage_lists_every_fleet_flag() {
        for verb in [FleetVerb::Export, FleetVerb::Sql] {
            let u = fleet_usage(verb);
            assert!(u.starts_with(&format!("usage: pprof-tools {}", verb.name())));
            for o in OPTIONS.iter().filter(|o| o.on_line(CommandLine::Fleet)) {
                assert!(u.contains(&format!("  -{} ", o.name)), "{}", o.name);
            }
        }
    }

    #[test]
    fn usage_lists_every_flag() {
        let u = usage();
        for o in OPTIONS.iter().filter(|o| o.on_line(CommandLine::Pprof)) {
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
