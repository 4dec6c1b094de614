//! pprof's command line: single-dash Go-style flags (`-flag`, `-flag=value`,
//! `-flag value`, `-flag=false` for booleans; `--flag` works too), then the
//! sources.
//!
//! Unlike Go's flag package, flags may also follow the sources; `--` ends
//! the flags, and `-` alone is a source (standard input).

use crate::config::{Config, Granularity, Sort};
use crate::format::{Command, OutputFormat, FORMATS};
use crate::pipeline::Sources;
use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    /// Where profiles come from.
    Source,
    /// Report settings.
    Option,
    /// One of the granularity choices.
    Granularity,
    /// One of the sort choices.
    Sort,
    /// Shorthands for `-sample_index`.
    Legacy,
    /// Everything else.
    Misc,
}

struct Spec {
    name: &'static str,
    kind: Kind,
    group: Group,
    help: &'static str,
}

const fn spec(name: &'static str, kind: Kind, group: Group, help: &'static str) -> Spec {
    Spec {
        name,
        kind,
        group,
        help,
    }
}

use Group as G;
use Kind as K;

/// Every flag except the output formats.
const SPECS: &[Spec] = &[
    // Sources.
    spec(
        "seconds",
        K::Int,
        G::Source,
        "Length of a profile to request from a server, in seconds",
    ),
    spec(
        "timeout",
        K::Int,
        G::Source,
        "Give up fetching a remote profile after this many seconds",
    ),
    spec(
        "buildid",
        K::Str,
        G::Source,
        "Build ID to assume for the main binary",
    ),
    spec(
        "add_comment",
        K::Str,
        G::Source,
        "Add this text to the profile's comments (see -comments)",
    ),
    spec(
        "diff_base",
        K::Str,
        G::Source,
        "Profile to compare against: its samples are subtracted and tagged",
    ),
    spec(
        "base",
        K::Str,
        G::Source,
        "Profile to subtract from the sources",
    ),
    spec(
        "symbolize",
        K::Str,
        G::Source,
        "Symbolization: none, or local binaries (default; PPROF_BINARY_PATH); remote is not supported",
    ),
    spec(
        "tls_cert",
        K::Str,
        G::Source,
        "TLS client certificate file for HTTPS sources",
    ),
    spec(
        "tls_key",
        K::Str,
        G::Source,
        "TLS private key file for HTTPS sources",
    ),
    spec(
        "tls_ca",
        K::Str,
        G::Source,
        "TLS certificate authority file for HTTPS sources",
    ),
    // Report settings.
    spec(
        "output",
        K::Str,
        G::Option,
        "Write the report to this file instead of standard output",
    ),
    spec(
        "drop_negative",
        K::Bool,
        G::Option,
        "Leave out entries whose values are negative",
    ),
    spec(
        "call_tree",
        K::Bool,
        G::Option,
        "Keep the call paths to a function apart in graphs",
    ),
    spec(
        "relative_percentages",
        K::Bool,
        G::Option,
        "Percentages of the focused samples, not of all samples",
    ),
    spec(
        "unit",
        K::Str,
        G::Option,
        "Unit to show values in (ms, s, MB, ...; minimum or auto)",
    ),
    spec(
        "compact_labels",
        K::Bool,
        G::Option,
        "Shorter labels in graphs",
    ),
    spec(
        "source_path",
        K::Str,
        G::Option,
        "Directories to search for source files",
    ),
    spec(
        "trim_path",
        K::Str,
        G::Option,
        "Prefix to strip from file names before searching sources",
    ),
    spec(
        "intel_syntax",
        K::Bool,
        G::Option,
        "Intel syntax for assembly listings",
    ),
    spec(
        "mean",
        K::Bool,
        G::Option,
        "Divide each value by the sample's count (first value)",
    ),
    spec(
        "sample_index",
        K::Str,
        G::Option,
        "Sample value to report, by position (from 0) or type name",
    ),
    spec(
        "divide_by",
        K::Float,
        G::Option,
        "Divide every value shown by this number",
    ),
    spec(
        "normalize",
        K::Bool,
        G::Option,
        "Scale the sources to the total of the base profile",
    ),
    spec(
        "tagroot",
        K::Str,
        G::Option,
        "Label keys (comma-separated) that become frames at the root",
    ),
    spec(
        "tagleaf",
        K::Str,
        G::Option,
        "Label keys (comma-separated) that become frames at the leaf",
    ),
    spec(
        "nodecount",
        K::Int,
        G::Option,
        "Show at most this many entries",
    ),
    spec(
        "nodefraction",
        K::Float,
        G::Option,
        "Hide entries below this fraction of the total",
    ),
    spec(
        "edgefraction",
        K::Float,
        G::Option,
        "Hide graph edges below this fraction of the total",
    ),
    spec(
        "trim",
        K::Bool,
        G::Option,
        "Apply -nodecount/-nodefraction/-edgefraction (false shows all)",
    ),
    spec(
        "focus",
        K::Str,
        G::Option,
        "Keep only samples with a frame matching this regexp",
    ),
    spec(
        "ignore",
        K::Str,
        G::Option,
        "Drop samples with a frame matching this regexp",
    ),
    spec(
        "prune_from",
        K::Str,
        G::Option,
        "Cut each stack below the frames matching this regexp",
    ),
    spec(
        "hide",
        K::Str,
        G::Option,
        "Remove frames matching this regexp from the stacks",
    ),
    spec(
        "show",
        K::Str,
        G::Option,
        "Keep only frames matching this regexp in the stacks",
    ),
    spec(
        "show_from",
        K::Str,
        G::Option,
        "Cut each stack above its highest frame matching this regexp",
    ),
    spec(
        "tagfocus",
        K::Str,
        G::Option,
        "Keep samples with a label matching: [key=]regexp or a numeric range like 1kb:64kb",
    ),
    spec(
        "tagignore",
        K::Str,
        G::Option,
        "Drop samples with a label matching: [key=]regexp or a numeric range",
    ),
    spec(
        "tagshow",
        K::Str,
        G::Option,
        "Keep only the label keys matching this regexp",
    ),
    spec(
        "taghide",
        K::Str,
        G::Option,
        "Remove the label keys matching this regexp",
    ),
    spec(
        "noinlines",
        K::Bool,
        G::Option,
        "Charge inlined functions to the function they were inlined into",
    ),
    // Choices.
    spec(
        "functions",
        K::Bool,
        G::Granularity,
        "One entry per function (default)",
    ),
    spec(
        "filefunctions",
        K::Bool,
        G::Granularity,
        "One entry per function and source file",
    ),
    spec(
        "files",
        K::Bool,
        G::Granularity,
        "One entry per source file",
    ),
    spec(
        "lines",
        K::Bool,
        G::Granularity,
        "One entry per source line",
    ),
    spec(
        "addresses",
        K::Bool,
        G::Granularity,
        "One entry per instruction address",
    ),
    spec("flat", K::Bool, G::Sort, "Sort by own weight (default)"),
    spec("cum", K::Bool, G::Sort, "Sort by cumulative weight"),
    // Legacy shorthands.
    spec(
        "inuse_space",
        K::Bool,
        G::Legacy,
        "-sample_index=inuse_space",
    ),
    spec(
        "inuse_objects",
        K::Bool,
        G::Legacy,
        "-sample_index=inuse_objects",
    ),
    spec(
        "alloc_space",
        K::Bool,
        G::Legacy,
        "-sample_index=alloc_space",
    ),
    spec(
        "alloc_objects",
        K::Bool,
        G::Legacy,
        "-sample_index=alloc_objects",
    ),
    spec("total_delay", K::Bool, G::Legacy, "-sample_index=delay"),
    spec(
        "contentions",
        K::Bool,
        G::Legacy,
        "-sample_index=contentions",
    ),
    spec(
        "mean_delay",
        K::Bool,
        G::Legacy,
        "-mean -sample_index=delay",
    ),
    // Misc.
    spec(
        "http",
        K::Str,
        G::Misc,
        "Serve the web interface on host:port (:0 picks a free port)",
    ),
    spec(
        "no_browser",
        K::Bool,
        G::Misc,
        "Do not open a browser for -http",
    ),
    spec(
        "tools",
        K::Str,
        G::Misc,
        "Search path for object tools (accepted)",
    ),
    spec(
        "json",
        K::Bool,
        G::Misc,
        "Machine-readable JSON for -text/-top, -traces, -tags, -peek (pprof-tools extension)",
    ),
];

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Invocation {
    /// The report to produce; `None` for the interactive shell (or when
    /// `help` is set).
    pub command: Option<Command>,
    /// Report settings.
    pub config: Config,
    /// Sources and how to combine them.
    pub sources: Sources,
    /// `--json` output.
    pub json: bool,
    /// `-help`/`--help`/`-h` was given: print [`usage`] and stop.
    pub help: bool,
    /// Messages pprof prints to stderr while parsing flags.
    pub warnings: Vec<String>,
    /// `-http=host:port`: serve the web interface instead of a report.
    pub http: Option<String>,
    /// `-no_browser`: do not open a browser on the web interface.
    pub no_browser: bool,
}

enum Value {
    Bool(bool),
    Text(String),
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Invocation, Error>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    // Last value of each flag, by name; formats are recorded in order.
    let mut values: Vec<(&'static str, Value)> = Vec::new();
    let mut formats: Vec<(OutputFormat, Value)> = Vec::new();
    let mut positional = Vec::new();
    let mut help = false;
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
            return Err(usage_err(format!("bad flag syntax: {a}")));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        if name == "help" || name == "h" {
            help = true;
            continue;
        }
        let (kind, key) = if let Some(f) = OutputFormat::from_name(name) {
            (
                if f.takes_regexp() { K::Str } else { K::Bool },
                Key::Format(f),
            )
        } else if let Some(s) = SPECS.iter().find(|s| s.name == name) {
            (s.kind, Key::Flag(s.name))
        } else {
            return Err(usage_err(format!("flag provided but not defined: -{name}")));
        };
        let value = match kind {
            K::Bool => match inline {
                None => Value::Bool(true),
                Some(v) => Value::Bool(parse_go_bool(&v).ok_or_else(|| {
                    usage_err(format!(
                        "invalid boolean value {v:?} for -{name}: parse error"
                    ))
                })?),
            },
            _ => {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let Some(v) = args.get(i) else {
                            return Err(usage_err(format!("flag needs an argument: -{name}")));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                let ok = match kind {
                    K::Int => parse_go_int(&v).is_some(),
                    K::Float => parse_go_float(&v).is_some(),
                    _ => true,
                };
                if !ok {
                    return Err(usage_err(format!(
                        "invalid value {v:?} for flag -{name}: parse error"
                    )));
                }
                Value::Text(v)
            }
        };
        match key {
            Key::Format(f) => {
                formats.retain(|(g, _)| *g != f);
                formats.push((f, value));
            }
            Key::Flag(n) => {
                values.retain(|(m, _)| *m != n);
                values.push((n, value));
            }
        }
    }

    let get_bool = |n: &str| {
        values
            .iter()
            .any(|(m, v)| *m == n && matches!(v, Value::Bool(true)))
    };
    let get_str = |n: &str| -> Option<&str> {
        values.iter().find_map(|(m, v)| match v {
            Value::Text(t) if *m == n => Some(t.as_str()),
            _ => None,
        })
    };

    let mut inv = Invocation {
        command: None,
        config: Config::default(),
        sources: Sources::default(),
        json: get_bool("json"),
        help,
        warnings: Vec::new(),
        http: None,
        no_browser: false,
    };
    if help {
        return Ok(inv);
    }
    if positional.is_empty() {
        return Err(usage_err("no profile source specified"));
    }

    // A first argument naming a binary (or a build ID) before the sources.
    if positional.len() > 1 {
        if looks_like_binary(&positional[0]) {
            inv.sources.exec_name = Some(positional.remove(0));
        } else if get_str("buildid").unwrap_or("").is_empty() && is_build_id(&positional[0]) {
            inv.sources.build_id = positional.remove(0);
        }
    }

    // Configuration.
    let cfg = &mut inv.config;
    for (name, v) in &values {
        match v {
            Value::Bool(b) => {
                let b = *b;
                match *name {
                    "drop_negative" => cfg.drop_negative = b,
                    "call_tree" => cfg.call_tree = b,
                    "relative_percentages" => cfg.relative_percentages = b,
                    "compact_labels" => cfg.compact_labels = b,
                    "intel_syntax" => cfg.intel_syntax = b,
                    "mean" => cfg.mean = b,
                    "normalize" => cfg.normalize = b,
                    "trim" => cfg.trim = b,
                    "noinlines" => cfg.no_inlines = b,
                    _ => {}
                }
            }
            Value::Text(t) => {
                let t = t.clone();
                match *name {
                    "output" => cfg.output = (!t.is_empty()).then_some(t),
                    "unit" => cfg.unit = t,
                    "source_path" => cfg.source_path = t,
                    "trim_path" => cfg.trim_path = t,
                    "sample_index" => cfg.sample_index = t,
                    "divide_by" => cfg.divide_by = parse_go_float(&t).unwrap_or(1.0),
                    "tagroot" => cfg.tag_root = t,
                    "tagleaf" => cfg.tag_leaf = t,
                    "nodecount" => cfg.node_count = parse_go_int(&t).unwrap_or(-1),
                    "nodefraction" => cfg.node_fraction = parse_go_float(&t).unwrap_or(0.005),
                    "edgefraction" => cfg.edge_fraction = parse_go_float(&t).unwrap_or(0.001),
                    "focus" => cfg.focus = t,
                    "ignore" => cfg.ignore = t,
                    "prune_from" => cfg.prune_from = t,
                    "hide" => cfg.hide = t,
                    "show" => cfg.show = t,
                    "show_from" => cfg.show_from = t,
                    "tagfocus" => cfg.tag_focus = t,
                    "tagignore" => cfg.tag_ignore = t,
                    "tagshow" => cfg.tag_show = t,
                    "taghide" => cfg.tag_hide = t,
                    _ => {}
                }
            }
        }
    }
    let chosen = |group: Group| -> Vec<&'static str> {
        SPECS
            .iter()
            .filter(|s| s.group == group && get_bool(s.name))
            .map(|s| s.name)
            .collect()
    };
    let gran = chosen(G::Granularity);
    match gran.as_slice() {
        [] => {}
        [one] => cfg.granularity = Granularity::from_name(one).unwrap_or_default(),
        many => {
            return Err(usage_err(format!(
                "conflicting options set: [{}]",
                many.join(" ")
            )))
        }
    }
    let sort = chosen(G::Sort);
    match sort.as_slice() {
        [] => {}
        [one] => cfg.sort = if *one == "cum" { Sort::Cum } else { Sort::Flat },
        many => {
            return Err(usage_err(format!(
                "conflicting options set: [{}]",
                many.join(" ")
            )))
        }
    }

    // The output format.
    let mut command = None;
    for (f, v) in &formats {
        let set = match v {
            Value::Bool(b) => *b,
            Value::Text(t) => !t.is_empty(),
        };
        if !set {
            continue;
        }
        if command.is_some() {
            return Err(usage_err("must set at most one output format"));
        }
        command = Some(Command {
            format: *f,
            regexp: match v {
                Value::Text(t) => Some(t.clone()),
                Value::Bool(_) => None,
            },
        });
    }
    let http = get_str("http").unwrap_or("");
    if command.is_some() && !http.is_empty() {
        return Err(usage_err(
            "-http is not compatible with an output format on the command line",
        ));
    }
    if get_bool("no_browser") && http.is_empty() {
        return Err(usage_err("-no_browser only makes sense with -http"));
    }
    if !http.is_empty() {
        inv.http = Some(http.to_string());
        inv.no_browser = get_bool("no_browser");
    }
    if let Some(command) = &command {
        if inv.json && !command.format.supports_json() {
            return Err(usage_err(format!(
                "--json is not available for -{}; it works with -text, -top, -traces, -tags and -peek",
                command.format.name()
            )));
        }
    }
    // No format: the interactive shell.
    inv.command = command;

    // Legacy sample index shorthands, in pprof's order.
    let mut si = std::mem::take(&mut inv.config.sample_index);
    for (flag, ty) in [
        ("total_delay", "delay"),
        ("mean_delay", "delay"),
        ("contentions", "contentions"),
        ("inuse_space", "inuse_space"),
        ("inuse_objects", "inuse_objects"),
        ("alloc_space", "alloc_space"),
        ("alloc_objects", "alloc_objects"),
    ] {
        if get_bool(flag) {
            if si.is_empty() {
                si = ty.to_string();
            } else {
                inv.warnings
                    .push(format!("Multiple value selections, ignoring -{flag}"));
            }
        }
    }
    inv.config.sample_index = si;
    if get_bool("mean_delay") {
        inv.config.mean = true;
    }

    // Sources.
    let src = &mut inv.sources;
    src.sources = positional;
    let base = get_str("base").unwrap_or("");
    let diff_base = get_str("diff_base").unwrap_or("");
    if !base.is_empty() && !diff_base.is_empty() {
        return Err(usage_err(
            "-base and -diff_base flags cannot both be specified",
        ));
    }
    if !base.is_empty() {
        src.base = vec![base.to_string()];
    } else if !diff_base.is_empty() {
        src.base = vec![diff_base.to_string()];
        src.diff_base = true;
    }
    src.normalize = inv.config.normalize;
    if src.normalize && src.base.is_empty() {
        return Err(usage_err("must have base profile to normalize by"));
    }
    if let Some(b) = get_str("buildid") {
        if !b.is_empty() {
            src.build_id = b.to_string();
        }
    }
    src.symbolize = get_str("symbolize").unwrap_or("").to_string();
    src.comment = get_str("add_comment").unwrap_or("").to_string();
    src.seconds = get_str("seconds").and_then(parse_go_int).unwrap_or(-1);
    src.timeout = get_str("timeout").and_then(parse_go_int).unwrap_or(-1);
    src.tls_cert = get_str("tls_cert").unwrap_or("").to_string();
    src.tls_key = get_str("tls_key").unwrap_or("").to_string();
    src.tls_ca = get_str("tls_ca").unwrap_or("").to_string();
    Ok(inv)
}

enum Key {
    Format(OutputFormat),
    Flag(&'static str),
}

fn usage_err(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// Go's strconv.ParseBool.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's strconv.ParseInt(s, 0, 64): optional sign, then decimal, `0x`,
/// `0o`, `0b` or a leading-0 octal number; underscores between digits with
/// a prefix.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    let digits = if radix != 10 {
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        if mag == 1u64 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(mag).ok().map(|v| -v)
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// Go's strconv.ParseFloat for the common spellings.
fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.replace('_', "");
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// pprof's test for a build ID: only hex digits.
fn is_build_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `path` is an executable pprof could open (ELF, Mach-O or PE).
fn looks_like_binary(path: &str) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 4];
    if f.read_exact(&mut head).is_err() {
        return false;
    }
    let le = u32::from_le_bytes(head);
    let be = u32::from_be_bytes(head);
    let macho = [0xfeed_face, 0xfeed_facf, 0xcafe_babe];
    &head == b"\x7fELF" || macho.contains(&le) || macho.contains(&be) || &head[..2] == b"MZ"
}

/// pprof-style usage text, grouped: formats, options, choice groups,
/// sources, shorthands and the rest.
pub fn usage() -> String {
    let line = |name: &str, help: &str| format!("    {name:<20} {help}\n");
    let mut s = String::new();
    s.push_str("usage:\n\n");
    s.push_str("  pprof-tools <format> [options] [binary] <source> ...\n");
    s.push_str("  pprof-tools [options] [binary] <source> ...     (interactive shell)\n");
    s.push_str(
        "  pprof-tools leak [options] <snapshot> ...       (see pprof-tools leak -help)\n\n",
    );
    s.push_str("Reads the profiles named as sources (merging them when there are several),\n");
    s.push_str("applies the options, and writes one report in the chosen format to\n");
    s.push_str("standard output (or to -output). A source is a profile.proto file\n");
    s.push_str("(gzip-compressed or not), a legacy pprof profile, - for standard input,\n");
    s.push_str("or a URL (http://host:port/debug/pprof/heap, or just host:port/path).\n\n");
    s.push_str("  Output formats (choose one):\n");
    for f in FORMATS {
        let name = if f.2 {
            format!("-{}=regexp", f.1)
        } else {
            format!("-{}", f.1)
        };
        s.push_str(&line(&name, f.3));
    }
    let section = |s: &mut String, title: &str, group: Group| {
        s.push('\n');
        s.push_str(title);
        s.push('\n');
        let mut specs: Vec<&Spec> = SPECS.iter().filter(|x| x.group == group).collect();
        if group == G::Option || group == G::Source {
            specs.sort_by_key(|x| x.name);
        }
        for x in specs {
            let name = match x.kind {
                K::Bool => format!("-{}", x.name),
                K::Int => format!("-{} n", x.name),
                K::Float => format!("-{} x", x.name),
                K::Str => format!("-{} value", x.name),
            };
            s.push_str(&line(&name, x.help));
        }
    };
    section(&mut s, "  Options:", G::Option);
    section(
        &mut s,
        "  Granularity (choose at most one):",
        G::Granularity,
    );
    section(&mut s, "  Sort order (choose at most one):", G::Sort);
    section(&mut s, "  Sources:", G::Source);
    section(&mut s, "  Sample value shorthands:", G::Legacy);
    section(&mut s, "  Other:", G::Misc);
    s.push_str(&line("-help", "Show this text"));
    s.push_str("\n  Environment:\n");
    s.push_str(&line(
        "PPROF_TMPDIR",
        "Where profiles fetched over HTTP are saved (default $HOME/pprof)",
    ));
    s.push_str(&line(
        "PPROF_BINARY_PATH",
        "Where binaries for symbolization are searched (default $HOME/pprof/binaries)",
    ));
    s.push_str("\n  Exit status: 0 on success, 1 when a profile cannot be read or a report\n");
    s.push_str("  cannot be made, 2 for a command-line mistake.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(inv.config.node_count, 5);
        assert_eq!(inv.config.focus, "main");
        assert!(!inv.config.trim);
        assert_eq!(inv.sources.sources, vec!["a.pb.gz"]);
    }

    #[test]
    fn regexp_formats_and_base() {
        let inv = p(&["-peek", "foo", "-diff_base", "b.pb.gz", "x", "y"]).unwrap();
        let cmd = inv.command.unwrap();
        assert_eq!(cmd.format, OutputFormat::Peek);
        assert_eq!(cmd.regexp.as_deref(), Some("foo"));
        assert_eq!(inv.sources.base, vec!["b.pb.gz"]);
        assert!(inv.sources.diff_base);
        assert_eq!(inv.sources.sources, vec!["x", "y"]);
    }

    #[test]
    fn usage_errors() {
        let msg = |a: &[&str]| match p(a) {
            Err(Error::Usage(m)) => m,
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
        assert_eq!(inv.config.sample_index, "inuse_space");
        assert_eq!(
            inv.warnings,
            vec!["Multiple value selections, ignoring -alloc_space"]
        );
        assert_eq!(inv.config.sort, Sort::Cum);
        assert_eq!(inv.config.granularity, Granularity::Lines);
        let inv = p(&["-top", "-mean_delay", "h"]).unwrap();
        assert!(inv.config.mean);
        assert_eq!(inv.config.sample_index, "delay");
    }

    #[test]
    fn bools_and_last_wins() {
        let inv = p(&["-top=false", "-raw", "-focus=a", "-focus=b", "--", "-"]).unwrap();
        assert_eq!(inv.command.unwrap().format, OutputFormat::Raw);
        assert_eq!(inv.config.focus, "b");
        assert_eq!(inv.sources.sources, vec!["-"]);
        assert!(p(&["--help"]).unwrap().help);
    }

    #[test]
    fn numbers_like_go() {
        assert_eq!(parse_go_int("0x10"), Some(16));
        assert_eq!(parse_go_int("010"), Some(8));
        assert_eq!(parse_go_int("-5"), Some(-5));
        assert_eq!(parse_go_int("5x"), None);
        assert_eq!(parse_go_float("0.5"), Some(0.5));
        assert_eq!(parse_go_float("abc"), None);
        assert!(is_build_id("deadBEEF01"));
        assert!(!is_build_id("cpu.pb.gz"));
    }

    #[test]
    fn usage_lists_every_flag() {
        let u = usage();
        for s in SPECS {
            assert!(u.contains(&format!("-{}", s.name)), "{}", s.name);
        }
        for f in FORMATS {
            assert!(u.contains(&format!("-{}", f.1)), "{}", f.1);
        }
    }
}
