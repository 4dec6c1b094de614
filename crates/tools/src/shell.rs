//! The interactive `(pprof) ` shell: what `pprof-tools PROFILE` does when
//! no report format is given.
//!
//! It follows pprof's interactive mode:
//!
//! * commands with arguments: `top 20 -cum regex`, `top10`, `list regex`,
//!   `peek regex`, `traces`, `tree`, `tags`, `dot`, `svg`, `flame`... A
//!   number sets the node count, `-cum` sorts by cumulative weight, other
//!   words are focus regexps and `-word` ignore regexps (tag filters for
//!   `tags`), `>file` or `> file` writes the report to a file;
//! * `name=value` changes an option for the following commands; a bare
//!   boolean option name sets it to true; a bare choice (`cum`, `lines`)
//!   selects it; `:` clears focus, ignore, hide, tagfocus and tagignore;
//!   sample type names (`inuse_space`, `alloc_objects`...) select the
//!   sample value, `mean_TYPE` and `total_TYPE` with or without `mean`;
//! * `o`/`options` lists the options, `help [command|option]` explains,
//!   `q`/`quit`/`exit` or end of input leaves.
//!
//! On a terminal, lines are read with history and tab completion of
//! commands, options and function names; otherwise plain lines are read
//! from the input and each prompt is written to the output, as pprof does
//! when its input is piped.
//!
//! The shell does not make reports itself: it drives a [`Session`], which
//! holds the profile and runs one report for a [`ShellCommand`] and the
//! current [`Settings`].

use std::io::{self, BufRead, Write};

/// The prompt.
pub const PROMPT: &str = "(pprof) ";

/// The line printed before the first prompt, after the profile's labels.
pub const ENTERING: &str =
    "Entering interactive mode (type \"help\" for commands, \"o\" for options)";

/// Marks the start of a comment after an option's value (`nodecount = 10
/// //: note`), as in the `o` listing.
const COMMENT_START: &str = "//:";

/// A profile with a report generator behind it: what the shell needs from
/// the rest of pprof-tools.
pub trait Session {
    /// The profile's sample type names, in order.
    fn sample_types(&self) -> Vec<String>;

    /// The profile's default sample type name, empty when unset.
    fn default_sample_type(&self) -> String;

    /// Function names, for tab completion.
    fn function_names(&self) -> Vec<String>;

    /// The lines shown before the first prompt: pprof's profile labels
    /// (`File:`, `Type:`, `Time:`...) and, when the default sample value
    /// sums to zero in a profile with several, a hint about
    /// `sample_index`.
    fn greeting(&mut self, settings: &Settings) -> Vec<String>;

    /// Writes the report for `cmd` with `settings` (already adjusted by the
    /// command's own arguments) to `out`, without post-processing: SVG,
    /// DOT, protobuf bytes... Returns notices for standard error, or the
    /// error text.
    fn report(
        &mut self,
        cmd: &ShellCommand,
        settings: &Settings,
        out: &mut dyn Write,
    ) -> std::result::Result<Vec<String>, String>;
}

/// One report request from the shell.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShellCommand {
    /// The command name (`top`, `list`, `svg`...).
    pub name: String,
    /// The regexp argument of commands that take one (`list`, `peek`,
    /// `disasm`, `weblist`).
    pub regexp: Option<String>,
}

// ---------------------------------------------------------------------------
// Options.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

struct OptionSpec {
    name: &'static str,
    kind: Kind,
    /// Allowed values of a choice option (`sort`, `granularity`).
    choices: &'static [&'static str],
    /// Help: first line is the summary.
    help: &'static str,
}

const fn opt(name: &'static str, kind: Kind, help: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        choices: &[],
        help,
    }
}

/// pprof's options in pprof's order, with their types.
const OPTIONS: &[OptionSpec] = &[
    opt("output", Kind::Str, "File to write reports to\nWithout it, reports go to the standard output.\n"),
    opt("call_tree", Kind::Bool, "Keep call paths apart in graphs\nA function reached along different paths gets one node per path.\n"),
    opt("relative_percentages", Kind::Bool, "Percentages of the focused samples\nWhen off, percentages are of every sample, before focusing,\nso that a focused view compares with the whole.\n"),
    opt("unit", Kind::Str, "Unit to show values in\nValues are converted to this unit: seconds, ms, ns... for time,\nMB, kB, bytes... for memory. auto picks a unit for each value,\nminimum the smallest unit that fits every value.\n"),
    opt("compact_labels", Kind::Bool, "Shorter headers in graphs\n"),
    opt("source_path", Kind::Str, "Directories to search for source files\n"),
    opt("trim_path", Kind::Str, "Prefix to remove from source paths before searching\n"),
    opt("intel_syntax", Kind::Bool, "Intel syntax for assembly\nUsed by disasm and weblist.\n"),
    opt("mean", Kind::Bool, "Divide each value by the sample's count (first value)\nFor memory profiles: bytes per allocation.\nFor time profiles: time per event.\n"),
    opt("sample_index", Kind::Str, "Sample value to report (0-based index or type name)\nA profile can hold several values per sample;\nsample_index=i reports the i-th, starting at 0.\n"),
    opt("divide_by", Kind::Float, "Divide every value by this number\nFor example the number of CPUs or of jobs.\n"),
    opt("normalize", Kind::Bool, "Scale the profile to the total of the base profile\n"),
    OptionSpec {
        name: "sort",
        kind: Kind::Str,
        choices: &["cum", "flat"],
        help: "",
    },
    opt("tagroot", Kind::Str, "Label keys that become frames at the root of each stack\nComma-separated keys; the first key gives the outermost frames.\n"),
    opt("tagleaf", Kind::Str, "Label keys that become frames at the leaf of each stack\nComma-separated keys; the last key gives the innermost frames.\n"),
    opt("drop_negative", Kind::Bool, "Leave out negative differences\nEntries whose value is below zero are not shown.\n"),
    opt("nodecount", Kind::Int, "Largest number of entries to show\nOn graphs, dotted edges stand for paths through hidden nodes.\n"),
    opt("nodefraction", Kind::Float, "Hide entries below this fraction of the total\n"),
    opt("edgefraction", Kind::Float, "Hide edges below this fraction of the total\n"),
    opt("trim", Kind::Bool, "Apply nodecount, nodefraction and edgefraction\nSet to false to see the whole profile, untrimmed.\n"),
    opt("focus", Kind::Str, "Keep only samples through a frame matching this regexp\nThe regexp is matched against function, file and object names.\n"),
    opt("ignore", Kind::Str, "Drop samples through a frame matching this regexp\nThe regexp is matched against function, file and object names.\n"),
    opt("prune_from", Kind::Str, "Drop the frames below a frame matching this regexp\nThe matching frame stays; the frames it called go.\n"),
    opt("hide", Kind::Str, "Remove frames matching this regexp\nThe rest of each stack is kept.\n"),
    opt("show", Kind::Str, "Keep only frames matching this regexp\n"),
    opt("show_from", Kind::Str, "Drop the frames above the highest frame matching this regexp\n"),
    opt("tagfocus", Kind::Str, "Keep samples whose labels match a range or regexp\nkey=value limits the test to one label key.\nNumeric ranges: 1kb, 1kb:10kb, bytes=32mb:\nText: foo, foo.*bar, key=foo.*bar\n"),
    opt("tagignore", Kind::Str, "Drop samples whose labels match a range or regexp\nkey=value limits the test to one label key.\nNumeric ranges: 1kb, 1kb:10kb, bytes=32mb:\nText: foo, foo.*bar, key=foo.*bar\n"),
    opt("tagshow", Kind::Str, "Consider only label keys matching this regexp\n"),
    opt("taghide", Kind::Str, "Leave out label keys matching this regexp\n"),
    opt("noinlines", Kind::Bool, "Charge inlined functions to their caller\nEach inlined frame counts for the first caller that was not inlined.\n"),
    OptionSpec {
        name: "granularity",
        kind: Kind::Str,
        choices: &["functions", "filefunctions", "files", "lines", "addresses"],
        help: "",
    },
];

/// Help for the choices of the choice options.
const CHOICE_HELP: &[(&str, &str)] = &[
    ("flat", "Sort entries by their own weight\n"),
    ("cum", "Sort entries by cumulative weight\n"),
    (
        "functions",
        "One entry per function\nThe file a function comes from is not considered.\n",
    ),
    ("filefunctions", "One entry per function and file\n"),
    ("files", "One entry per source file\n"),
    ("lines", "One entry per source line\n"),
    (
        "addresses",
        "One entry per instruction address\nAddresses are shown with the functions.\n",
    ),
];

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// The values of pprof's options (`nodecount`, `focus`, `sort`...), kept
/// by name as pprof's shell does.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    values: Vec<Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new()
    }
}

impl Settings {
    /// pprof's defaults.
    pub fn new() -> Settings {
        let values = OPTIONS
            .iter()
            .map(|o| match (o.name, o.kind) {
                ("unit", _) => Value::Str("minimum".into()),
                ("sort", _) => Value::Str("flat".into()),
                ("granularity", _) => Value::Str("functions".into()),
                ("nodecount", _) => Value::Int(-1),
                ("nodefraction", _) => Value::Float(0.005),
                ("edgefraction", _) => Value::Float(0.001),
                ("divide_by", _) => Value::Float(1.0),
                ("trim", _) => Value::Bool(true),
                (_, Kind::Bool) => Value::Bool(false),
                (_, Kind::Int) => Value::Int(0),
                (_, Kind::Float) => Value::Float(0.0),
                (_, Kind::Str) => Value::Str(String::new()),
            })
            .collect();
        Settings { values }
    }

    /// Every option name, in pprof's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        OPTIONS.iter().map(|o| o.name)
    }

    fn index(name: &str) -> Option<usize> {
        OPTIONS.iter().position(|o| o.name == name)
    }

    /// The value of option `name` as pprof shows it (`true`, `-1`,
    /// `0.005`, `flat`...), or `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        let v = self.values.get(Self::index(name)?)?;
        Some(match v {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => go_float(*f),
            Value::Str(s) => s.clone(),
        })
    }

    /// A boolean option's value (false for other names).
    pub fn bool(&self, name: &str) -> bool {
        matches!(
            Self::index(name).and_then(|i| self.values.get(i)),
            Some(Value::Bool(true))
        )
    }

    /// An integer option's value (0 for other names).
    pub fn int(&self, name: &str) -> i64 {
        match Self::index(name).and_then(|i| self.values.get(i)) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }

    /// A number option's value (0 for other names).
    pub fn float(&self, name: &str) -> f64 {
        match Self::index(name).and_then(|i| self.values.get(i)) {
            Some(Value::Float(v)) => *v,
            _ => 0.0,
        }
    }

    /// A text or choice option's value (empty for other names).
    pub fn str(&self, name: &str) -> &str {
        match Self::index(name).and_then(|i| self.values.get(i)) {
            Some(Value::Str(v)) => v,
            _ => "",
        }
    }

    /// Sets option `name` from text, as pprof's `name=value` does: booleans
    /// take `true/t/yes/y/1` or `false/f/no/n/0` (empty means true),
    /// numbers Go's syntax, choice options one of their choices. A choice
    /// name (`cum`, `lines`) selects itself when `value` is empty or true.
    pub fn set(&mut self, name: &str, value: &str) -> std::result::Result<(), String> {
        if let Some(i) = Self::index(name) {
            let spec = &OPTIONS[i];
            let v = match spec.kind {
                Kind::Bool => Value::Bool(parse_bool(value)?),
                Kind::Int => Value::Int(parse_int(value)?),
                Kind::Float => Value::Float(parse_float(value)?),
                Kind::Str => {
                    if !spec.choices.is_empty() && !spec.choices.contains(&value) {
                        return Err(format!(
                            "invalid {} value {}",
                            go_quote(spec.name),
                            go_quote(value)
                        ));
                    }
                    Value::Str(value.to_string())
                }
            };
            self.values[i] = v;
            return Ok(());
        }
        if let Some(i) = OPTIONS.iter().position(|o| o.choices.contains(&name)) {
            if value.is_empty() || parse_go_strconv_bool(value) == Some(true) {
                self.values[i] = Value::Str(name.to_string());
                return Ok(());
            }
        }
        Err(format!("unknown config field {}", go_quote(name)))
    }

    /// Whether `name` is an option or a choice of one.
    pub fn is_option(name: &str) -> bool {
        Self::index(name).is_some() || OPTIONS.iter().any(|o| o.choices.contains(&name))
    }

    /// Whether `name` may be given without a value: a boolean option or a
    /// choice.
    pub fn takes_no_value(name: &str) -> bool {
        match Self::index(name) {
            Some(i) => OPTIONS[i].kind == Kind::Bool,
            None => OPTIONS.iter().any(|o| o.choices.contains(&name)),
        }
    }
}

/// pprof's boolean words.
fn parse_bool(s: &str) -> std::result::Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("illegal value \"{s}\" for bool variable")),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_strconv_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.Atoi` on 64 bits, with its error text.
fn parse_int(s: &str) -> std::result::Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

/// Go's `strconv.ParseFloat` for the usual spellings, with its error text.
fn parse_float(s: &str) -> std::result::Result<f64, String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let ok_chars = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        || matches!(
            body.to_ascii_lowercase().as_str(),
            "inf" | "infinity" | "nan"
        );
    match s.parse::<f64>() {
        Ok(v) if ok_chars => Ok(v),
        _ => Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

/// Go's `%v` for a float64: shortest digits, exponent form below 1e-4 or
/// from 1e6 on (`1e-05`, `1e+06`).
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// Go's `%q` (see [`pprof_model::gofmt::quote`]).
pub(crate) fn go_quote(s: &str) -> String {
    pprof_model::gofmt::quote(s)
}

// ---------------------------------------------------------------------------
// Commands.

/// What happens to a command's output when no file is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    /// Written to the output.
    Print,
    /// Binary or bulky: saved to `profileNNN.EXT` in the current directory
    /// (pprof does this in its shell).
    File(&'static str),
}

struct CommandSpec {
    name: &'static str,
    /// Takes a regexp argument.
    param: bool,
    dest: Dest,
    description: &'static str,
    /// How to call it (first line), then what it does.
    usage: &'static str,
}

const REPORT_USAGE: &str = "";

const fn cmd(
    name: &'static str,
    param: bool,
    dest: Dest,
    description: &'static str,
    usage: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        param,
        dest,
        description,
        usage,
    }
}

/// The shell's report commands.
const COMMANDS: &[CommandSpec] = &[
    cmd(
        "callgrind",
        false,
        Dest::File("callgraph.out"),
        "Call graph in callgrind format",
        "graph",
    ),
    cmd(
        "comments",
        false,
        Dest::Print,
        "The comments stored in the profile",
        REPORT_USAGE,
    ),
    cmd(
        "disasm",
        true,
        Dest::Print,
        "Assembly of matching functions with their samples",
        "list",
    ),
    cmd(
        "dot",
        false,
        Dest::Print,
        "Call graph in Graphviz DOT format",
        "graph",
    ),
    cmd(
        "eog",
        false,
        Dest::Print,
        "Show the call graph with eog",
        "view",
    ),
    cmd(
        "evince",
        false,
        Dest::Print,
        "Show the call graph with evince",
        "view",
    ),
    cmd(
        "flame",
        false,
        Dest::File("svg"),
        "Flame graph as SVG",
        "graph",
    ),
    cmd(
        "folded",
        false,
        Dest::Print,
        "Folded stacks, one line per stack",
        "graph",
    ),
    cmd(
        "gif",
        false,
        Dest::File("gif"),
        "Call graph as a GIF image",
        "graph",
    ),
    cmd(
        "gv",
        false,
        Dest::Print,
        "Show the call graph with gv",
        "view",
    ),
    cmd(
        "kcachegrind",
        false,
        Dest::Print,
        "Open the call graph in KCachegrind",
        "view",
    ),
    cmd(
        "list",
        true,
        Dest::Print,
        "Source of matching functions with their samples",
        "list",
    ),
    cmd(
        "pdf",
        false,
        Dest::File("pdf"),
        "Call graph as PDF",
        "graph",
    ),
    cmd(
        "peek",
        true,
        Dest::Print,
        "Callers and callees of matching functions",
        "peek",
    ),
    cmd(
        "png",
        false,
        Dest::File("png"),
        "Call graph as a PNG image",
        "graph",
    ),
    cmd(
        "proto",
        false,
        Dest::File("pb.gz"),
        "The profile as gzip-compressed profile.proto",
        REPORT_USAGE,
    ),
    cmd(
        "ps",
        false,
        Dest::File("ps"),
        "Call graph as PostScript",
        "graph",
    ),
    cmd(
        "raw",
        false,
        Dest::Print,
        "Text dump of the whole profile",
        REPORT_USAGE,
    ),
    cmd(
        "svg",
        false,
        Dest::File("svg"),
        "Call graph as SVG",
        "graph",
    ),
    cmd(
        "tags",
        false,
        Dest::Print,
        "Label keys and values with their weights",
        "tags",
    ),
    cmd(
        "text",
        false,
        Dest::Print,
        "Table of the heaviest entries",
        "table",
    ),
    cmd(
        "top",
        false,
        Dest::Print,
        "Table of the heaviest entries",
        "table",
    ),
    cmd(
        "topproto",
        false,
        Dest::File("pb.gz"),
        "The heaviest entries as profile.proto",
        REPORT_USAGE,
    ),
    cmd(
        "traces",
        false,
        Dest::Print,
        "Every sample with its stack",
        REPORT_USAGE,
    ),
    cmd(
        "tree",
        false,
        Dest::Print,
        "Call graph as text: callers and callees of each entry",
        "table",
    ),
    cmd(
        "web",
        false,
        Dest::Print,
        "Show the call graph in a web browser",
        "view",
    ),
    cmd(
        "weblist",
        true,
        Dest::Print,
        "Source of matching functions in a web browser",
        "list",
    ),
];

fn command(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Help text for a command: its description, then how to call it.
fn command_help(c: &CommandSpec) -> String {
    let n = c.name;
    let usage: Vec<String> = match c.usage {
        "table" => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]* [-cum] >f"),
            "Show at most n entries.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "-cum sorts by cumulative weight.".into(),
            "Write the report to file f when given.".into(),
        ],
        "graph" => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]* >f"),
            "Show at most n nodes.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "Write the report to file f when given.".into(),
        ],
        "view" => vec![
            format!("{n} [n] [focus_regex]* [-ignore_regex]*"),
            "Show at most n nodes.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
        ],
        "list" => vec![
            format!("{n} <func_regex|address> [focus_regex]* [-ignore_regex]* >f"),
            "Functions matching func_regex, or the one holding the address.".into(),
            "Keep samples matching focus_regex, drop those matching ignore_regex.".into(),
            "Write the report to file f when given.".into(),
        ],
        "peek" => vec![
            format!("{n} func_regex"),
            "Callers and callees of the functions matching func_regex.".into(),
        ],
        "tags" => vec![
            format!("{n} [tag_regex]* [-ignore_regex]* >f"),
            "Labels whose key:value matches tag_regex and not ignore_regex.".into(),
        ],
        _ => Vec::new(),
    };
    let mut s = format!("{}\n", c.description);
    if !usage.is_empty() {
        s.push_str("  Usage:\n");
        for l in usage {
            s.push_str(&format!("    {l}\n"));
        }
    }
    s.push('\n');
    s
}

fn help_line(name: &str, text: &str) -> String {
    format!("    {:<16} {}", name, text.split('\n').next().unwrap_or(""))
}

fn option_help(name: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .find(|o| o.name == name && o.choices.is_empty())
        .map(|o| o.help)
        .or_else(|| CHOICE_HELP.iter().find(|c| c.0 == name).map(|c| c.1))
}

/// The `help` listing, laid out like pprof's.
fn general_help() -> String {
    let mut commands: Vec<String> = COMMANDS
        .iter()
        .map(|c| help_line(c.name, c.description))
        .collect();
    commands.sort();
    commands.push(help_line(
        "o/options",
        "List options and their current values",
    ));
    commands.push(help_line("q/quit/exit/^D", "Exit pprof"));
    let mut vars = Vec::new();
    let mut groups = Vec::new();
    for o in OPTIONS {
        if o.choices.is_empty() {
            vars.push(help_line(o.name, o.help));
        } else {
            let mut g = vec![help_line(o.name, "")];
            for c in o.choices {
                g.push(format!("  {}", help_line(c, option_help(c).unwrap_or(""))));
            }
            groups.push(g.join("\n"));
        }
    }
    vars.sort();
    groups.sort();
    format!(
        "  Commands:\n{}\n\n  Options:\n{}\n\n  Option groups (only set one per group):\n{}\n  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n  type \"help <cmd|option>\" for more information\n",
        commands.join("\n"),
        vars.join("\n"),
        groups.join("\n")
    )
}

// ---------------------------------------------------------------------------
// Reading lines.

/// Where the shell's lines come from.
pub trait LineReader {
    /// Shows `prompt` and reads one line, without its line end; `None` at
    /// the end of input.
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Lines from any reader; each prompt is written to `prompt_out` first, as
/// pprof does when its input is not a terminal.
pub struct PlainReader<R, W> {
    input: R,
    prompt_out: W,
}

impl<R: BufRead, W: Write> PlainReader<R, W> {
    /// Reads from `input`, writing prompts to `prompt_out`.
    pub fn new(input: R, prompt_out: W) -> Self {
        PlainReader { input, prompt_out }
    }
}

impl<R: BufRead, W: Write> LineReader for PlainReader<R, W> {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.prompt_out.write_all(prompt.as_bytes())?;
        self.prompt_out.flush()?;
        let mut buf = Vec::new();
        if self.input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }
}

/// Completion of commands, options, option values and function names.
#[derive(Clone, Debug, Default)]
pub struct Completer {
    functions: Vec<String>,
    sample_types: Vec<String>,
}

impl Completer {
    /// A completer for a profile with these function names and sample
    /// types.
    pub fn new(mut functions: Vec<String>, sample_types: Vec<String>) -> Completer {
        functions.sort();
        functions.dedup();
        Completer {
            functions,
            sample_types,
        }
    }

    /// Words that can start a line: commands, options, choices, sample
    /// type shortcuts and the shell's own words.
    fn first_words(&self) -> Vec<String> {
        let mut w: Vec<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
        for o in OPTIONS {
            w.push(o.name.to_string());
            w.extend(o.choices.iter().map(|c| c.to_string()));
        }
        for t in &self.sample_types {
            w.push(t.clone());
            w.push(format!("mean_{t}"));
            w.push(format!("total_{t}"));
        }
        w.extend(["help", "options", "quit", "exit"].map(String::from));
        w.sort();
        w.dedup();
        w
    }

    /// Candidates for the word that ends at byte `pos` of `line`: the start
    /// of that word and the full replacements.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let head = line.get(..pos).unwrap_or(line);
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &head[start..];
        let before: Vec<&str> = head[..start].split_whitespace().collect();
        match before.first() {
            None => {
                // `name=value`: complete the value of choices and sample_index.
                if let Some((name, value)) = word.split_once('=') {
                    let values: Vec<String> = if name == "sample_index" {
                        self.sample_types.clone()
                    } else if let Some(o) = OPTIONS.iter().find(|o| o.name == name) {
                        if o.kind == Kind::Bool {
                            vec!["true".into(), "false".into()]
                        } else {
                            o.choices.iter().map(|c| c.to_string()).collect()
                        }
                    } else {
                        Vec::new()
                    };
                    let at = start + name.len() + 1;
                    return (
                        at,
                        values
                            .into_iter()
                            .filter(|v| v.starts_with(value))
                            .collect(),
                    );
                }
                let lower = word.to_ascii_lowercase();
                let found = self
                    .first_words()
                    .into_iter()
                    .filter(|w| w.starts_with(&lower))
                    .collect();
                (start, found)
            }
            Some(&"help") if before.len() == 1 => {
                let found = self
                    .first_words()
                    .into_iter()
                    .filter(|w| w.starts_with(word))
                    .collect();
                (start, found)
            }
            Some(first) if command(first).is_some() && *first != "tags" => {
                let (at, sub) = match word.strip_prefix('-') {
                    Some(rest) => (start + 1, rest),
                    None => (start, word),
                };
                if sub.is_empty() || sub.starts_with('>') {
                    return (at, Vec::new());
                }
                let found = self
                    .functions
                    .iter()
                    .filter(|f| f.contains(sub))
                    .cloned()
                    .collect();
                (at, found)
            }
            _ => (start, Vec::new()),
        }
    }
}

/// rustyline's side of [`Completer`].
struct EditorHelper(Completer);

impl rustyline::completion::Completer for EditorHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.0.complete(line, pos))
    }
}

impl rustyline::hint::Hinter for EditorHelper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for EditorHelper {}
impl rustyline::validate::Validator for EditorHelper {}
impl rustyline::Helper for EditorHelper {}

/// Lines from a terminal, with history and tab completion.
pub struct TerminalReader {
    editor: rustyline::Editor<EditorHelper, rustyline::history::DefaultHistory>,
}

impl TerminalReader {
    /// A line editor completing with `completer`.
    pub fn new(completer: Completer) -> io::Result<TerminalReader> {
        let config = rustyline::Config::builder()
            .auto_add_history(true)
            .completion_type(rustyline::CompletionType::List)
            .build();
        let mut editor = rustyline::Editor::with_config(config).map_err(io::Error::other)?;
        editor.set_helper(Some(EditorHelper(completer)));
        Ok(TerminalReader { editor })
    }
}

impl LineReader for TerminalReader {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        loop {
            match self.editor.readline(prompt) {
                Ok(line) => return Ok(Some(line)),
                // Ctrl-C abandons the line, as in a shell.
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => return Ok(None),
                Err(rustyline::error::ReadlineError::Io(e)) => return Err(e),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The shell.

/// Runs the shell on the process's standard streams: a line editor when
/// standard input and output are terminals, plain lines otherwise.
///
/// `settings` are the options set on the command line; the shell then
/// turns `compact_labels` on, as pprof does.
pub fn run_shell(session: &mut dyn Session, settings: Settings) -> io::Result<()> {
    use std::io::IsTerminal;
    let stdout = io::stdout();
    let mut err = io::stderr();
    if io::stdin().is_terminal() && stdout.is_terminal() {
        let completer = Completer::new(session.function_names(), session.sample_types());
        let mut reader = TerminalReader::new(completer)?;
        let mut out = stdout.lock();
        Shell::new(session, settings).run(&mut reader, &mut out, &mut err)
    } else {
        let stdin = io::stdin();
        let mut reader = PlainReader::new(stdin.lock(), io::stdout());
        let mut out = io::stdout();
        Shell::new(session, settings).run(&mut reader, &mut out, &mut err)
    }
}

/// The shell's state: the session and the current options.
pub struct Shell<'a> {
    session: &'a mut dyn Session,
    settings: Settings,
    sample_types: Vec<String>,
    /// Directory for `profileNNN.EXT` files; the current one by default.
    save_dir: std::path::PathBuf,
}

/// What one input line asks for.
enum Step {
    Continue,
    Quit,
}

impl<'a> Shell<'a> {
    /// A shell over `session` starting from `settings` (with
    /// `compact_labels` turned on).
    pub fn new(session: &'a mut dyn Session, mut settings: Settings) -> Shell<'a> {
        let _ = settings.set("compact_labels", "true");
        let sample_types = session.sample_types();
        Shell {
            session,
            settings,
            sample_types,
            save_dir: std::path::PathBuf::new(),
        }
    }

    /// Saves bulky outputs (`svg`, `proto`...) in `dir` rather than the
    /// current directory.
    pub fn save_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.save_dir = dir.into();
        self
    }

    /// The current options.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Greets, then reads and runs lines until `quit` or the end of input.
    /// Reports go to `out`; messages and errors to `err`.
    pub fn run(
        &mut self,
        input: &mut dyn LineReader,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        for line in self.session.greeting(&self.settings) {
            writeln!(err, "{line}")?;
        }
        writeln!(err, "{ENTERING}")?;
        err.flush()?;
        while let Some(line) = input.read_line(PROMPT)? {
            for one in self.expand(&line) {
                if let Step::Quit = self.execute(&one, out, err)? {
                    return Ok(());
                }
            }
            out.flush()?;
            err.flush()?;
        }
        Ok(())
    }

    /// pprof's shortcuts: `:` and the sample type names.
    fn expand(&self, line: &str) -> Vec<String> {
        let line = line.trim();
        if line == ":" {
            return ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]
                .map(String::from)
                .to_vec();
        }
        for t in &self.sample_types {
            let pick = format!("sample_index={t}");
            if line == t {
                return vec![pick];
            }
            if line.strip_prefix("total_") == Some(t) {
                return vec!["mean=0".into(), pick];
            }
            if line.strip_prefix("mean_") == Some(t) {
                return vec!["mean=1".into(), pick];
            }
        }
        vec![line.to_string()]
    }

    /// Runs one (expanded) input line.
    fn execute(
        &mut self,
        input: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<Step> {
        // Assignments: name=value, or a bare boolean or choice name.
        let (name, value) = match input.split_once('=') {
            Some((n, v)) => {
                let v = match v.rfind(COMMENT_START) {
                    Some(i) => &v[..i],
                    None => v,
                };
                (n.trim(), Some(v.trim()))
            }
            None => (input.trim(), None),
        };
        if Settings::is_option(name) {
            if value.is_none() && !Settings::takes_no_value(name) {
                writeln!(err, "please specify a value, e.g. {name}=<val>")?;
                return Ok(Step::Continue);
            }
            let mut value = value.unwrap_or("").to_string();
            if name == "sample_index" {
                match self.sample_index(&value) {
                    Ok(i) => match self.sample_types.get(i) {
                        Some(t) => value = t.clone(),
                        None => {
                            writeln!(err, "invalid sample_index {}", go_quote(&value))?;
                            return Ok(Step::Continue);
                        }
                    },
                    Err(e) => {
                        writeln!(err, "{e}")?;
                        return Ok(Step::Continue);
                    }
                }
            }
            if let Err(e) = self.settings.set(name, &value) {
                writeln!(err, "{e}")?;
            }
            return Ok(Step::Continue);
        }

        let tokens: Vec<&str> = input.split_whitespace().collect();
        let Some(&first) = tokens.first() else {
            return Ok(Step::Continue);
        };
        match first {
            "o" | "options" => {
                writeln!(err, "{}", self.options_listing())?;
                return Ok(Step::Continue);
            }
            "exit" | "quit" | "q" => return Ok(Step::Quit),
            "help" => {
                let topic = tokens[1..].join(" ");
                self.help(&topic, err)?;
                return Ok(Step::Continue);
            }
            _ => {}
        }
        match self.parse_command(&tokens) {
            Ok((cmd, settings)) => {
                if let Err(e) = self.generate(&cmd, &settings, out, err) {
                    writeln!(err, "{e}")?;
                }
            }
            Err(e) => writeln!(err, "{e}")?,
        }
        Ok(Step::Continue)
    }

    /// pprof's `SampleIndexByName` over the session's sample types.
    fn sample_index(&self, name: &str) -> std::result::Result<usize, String> {
        let types = &self.sample_types;
        let last = types.len().saturating_sub(1);
        if name.is_empty() {
            let dst = self.session.default_sample_type();
            if !dst.is_empty() {
                if let Some(i) = types.iter().position(|t| *t == dst) {
                    return Ok(i);
                }
            }
            return Ok(last);
        }
        if let Ok(i) = parse_int(name) {
            if i < 0 || usize::try_from(i).map_or(true, |i| i >= types.len()) {
                return Err(format!(
                    "sample_index {name} is outside the range [0..{}]",
                    types.len() as i64 - 1
                ));
            }
            return usize::try_from(i).map_err(|e| e.to_string());
        }
        let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
        if let Some(i) = types.iter().position(|t| t == name || t == no_inuse) {
            return Ok(i);
        }
        Err(format!(
            "sample_index {} must be one of: [{}]",
            go_quote(name),
            types.join(" ")
        ))
    }

    /// The `o` listing: every option but `source_path`, sorted.
    fn options_listing(&self) -> String {
        let mut lines = Vec::new();
        for o in OPTIONS {
            if o.name == "source_path" {
                continue;
            }
            let mut v = self.settings.get(o.name).unwrap_or_default();
            let mut comment = String::new();
            if !o.choices.is_empty() {
                let mut c: Vec<&str> = o.choices.to_vec();
                c.sort();
                comment = format!("[{}]", c.join(" | "));
            } else if o.name == "sample_index" {
                if v.is_empty() {
                    v = self.sample_types.last().cloned().unwrap_or_default();
                }
                comment = format!("[{}]", self.sample_types.join(" | "));
            } else if o.name == "nodecount" && v == "-1" {
                comment = "default".into();
            } else if v.is_empty() {
                v = "\"\"".into();
            }
            if !comment.is_empty() {
                comment = format!("{COMMENT_START} {comment}");
            }
            lines.push(format!("  {:<25} = {:<20} {}", o.name, v, comment));
        }
        lines.sort();
        lines.join("\n")
    }

    fn help(&self, topic: &str, err: &mut dyn Write) -> io::Result<()> {
        if topic.is_empty() {
            return write!(err, "{}", general_help());
        }
        if let Some(c) = command(topic) {
            return write!(err, "{}", command_help(c));
        }
        if let Some(h) = option_help(topic) {
            let mut h = h.to_string();
            if topic == "sample_index" {
                h.push_str(&format!(
                    "Or give a type name: one of [{}].\n",
                    self.sample_types.join(" ")
                ));
            }
            return writeln!(err, "{h}");
        }
        writeln!(err, "Unknown command: {topic}")
    }

    /// pprof's `parseCommandLine`: the command, its regexp, and the options
    /// for this one report.
    fn parse_command(
        &self,
        tokens: &[&str],
    ) -> std::result::Result<(ShellCommand, Settings), String> {
        let mut name = tokens.first().copied().unwrap_or("").to_string();
        let mut args: Vec<String> = tokens.iter().skip(1).map(|s| s.to_string()).collect();
        let mut spec = command(&name);
        if spec.is_none() {
            // `top10` is `top 10`.
            let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 && digits < name.len() {
                let (head, tail) = name.split_at(name.len() - digits);
                args.insert(0, tail.to_string());
                name = head.to_string();
                spec = command(&name);
            }
        }
        let Some(spec) = spec else {
            if option_help(&name).is_some() {
                let value = args.first().map(String::as_str).unwrap_or("<val>");
                return Err(format!("did you mean: {name}={value}"));
            }
            return Err(format!("unrecognized command: {}", go_quote(&name)));
        };
        let mut regexp = None;
        if spec.param {
            if args.is_empty() {
                return Err(format!("command {name} requires an argument"));
            }
            regexp = Some(args.remove(0));
        }
        let mut cfg = self.settings.clone();
        let (mut focus, mut ignore) = (String::new(), String::new());
        let mut i = 0;
        while i < args.len() {
            let t = &args[i];
            if let Some(n) = parse_int32(t) {
                let _ = cfg.set("nodecount", &n.to_string());
            } else if let Some(file) = t.strip_prefix('>') {
                let file = if file.is_empty() {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| "unexpected end of line after >".to_string())?
                } else {
                    file.to_string()
                };
                cfg.set("output", &file)?;
            } else if let Some(rest) = t.strip_prefix('-') {
                if t == "-cum" || t == "--cum" {
                    cfg.set("sort", "cum")?;
                } else {
                    cat_regex(&mut ignore, rest);
                }
            } else {
                cat_regex(&mut focus, t);
            }
            i += 1;
        }
        let (fkey, ikey) = if name == "tags" {
            ("tagfocus", "tagignore")
        } else {
            ("focus", "ignore")
        };
        if !focus.is_empty() {
            cfg.set(fkey, &focus)?;
        }
        if !ignore.is_empty() {
            cfg.set(ikey, &ignore)?;
        }
        if cfg.int("nodecount") == -1 && (name == "text" || name == "top") {
            cfg.set("nodecount", "10")?;
        }
        Ok((ShellCommand { name, regexp }, cfg))
    }

    /// Makes the report and sends it where it belongs.
    fn generate(
        &mut self,
        cmd: &ShellCommand,
        cfg: &Settings,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> std::result::Result<(), String> {
        let mut buf = Vec::new();
        let viewer = crate::OutputFormat::from_name(&cmd.name).and_then(crate::viewer::viewer_for);
        if let Some(viewer) = viewer {
            // A viewer command: make its report and open it in the
            // background, so that the session goes on.
            let made = ShellCommand {
                name: viewer.report.name().to_string(),
                regexp: cmd.regexp.clone(),
            };
            for n in self.session.report(&made, cfg, &mut buf)? {
                writeln!(err, "{n}").map_err(|e| e.to_string())?;
            }
            return crate::viewer::open(&buf, &viewer, false).map_err(|e| e.to_string());
        }
        let notices = self.session.report(cmd, cfg, &mut buf)?;
        for n in notices {
            writeln!(err, "{n}").map_err(|e| e.to_string())?;
        }
        let output = cfg.str("output");
        if !output.is_empty() {
            writeln!(err, "Generating report in {output}").map_err(|e| e.to_string())?;
            return std::fs::write(output, &buf)
                .map_err(|e| format!("open {output}: {}", io_text(&e)));
        }
        match command(&cmd.name).map(|c| c.dest) {
            Some(Dest::File(ext)) => {
                let path = save_new(&self.save_dir, "profile", &format!(".{ext}"), &buf)?;
                writeln!(err, "Generating report in {}", path.display()).map_err(|e| e.to_string())
            }
            _ => out.write_all(&buf).map_err(|e| e.to_string()),
        }
    }
}

fn cat_regex(acc: &mut String, re: &str) {
    if !acc.is_empty() && !re.is_empty() {
        acc.push('|');
    }
    acc.push_str(re);
}

/// Go's `strconv.ParseInt(s, 10, 32)`.
fn parse_int32(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i32>().ok()
}

fn io_text(e: &io::Error) -> String {
    let mut s = e.to_string();
    if let Some(i) = s.find(" (os error ") {
        s.truncate(i);
    }
    s
}

/// Creates `DIR/PREFIX NNN SUFFIX` with the first free `NNN` from 001
/// (never replacing a file) and writes `data` to it.
fn save_new(
    dir: &std::path::Path,
    prefix: &str,
    suffix: &str,
    data: &[u8],
) -> std::result::Result<std::path::PathBuf, String> {
    for index in 1..10000 {
        let path = dir.join(format!("{prefix}{index:03}{suffix}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                return f
                    .write_all(data)
                    .map(|_| path.clone())
                    .map_err(|e| format!("{}: {}", path.display(), io_text(&e)))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {}", path.display(), io_text(&e))),
        }
    }
    Err(format!(
        "could not create file of the form {prefix}001{suffix}"
    ))
}

// ---------------------------------------------------------------------------
// The pipeline behind the shell.

/// pprof-tools' report settings from the shell's options. `output` is left
/// out: the shell writes files itself.
pub fn config_from_settings(s: &Settings) -> crate::Config {
    use crate::config::{Granularity, Sort};
    crate::Config {
        output: None,
        call_tree: s.bool("call_tree"),
        relative_percentages: s.bool("relative_percentages"),
        unit: s.str("unit").to_string(),
        compact_labels: s.bool("compact_labels"),
        source_path: s.str("source_path").to_string(),
        trim_path: s.str("trim_path").to_string(),
        intel_syntax: s.bool("intel_syntax"),
        mean: s.bool("mean"),
        sample_index: s.str("sample_index").to_string(),
        divide_by: s.float("divide_by"),
        normalize: s.bool("normalize"),
        sort: if s.str("sort") == "cum" {
            Sort::Cum
        } else {
            Sort::Flat
        },
        tag_root: s.str("tagroot").to_string(),
        tag_leaf: s.str("tagleaf").to_string(),
        drop_negative: s.bool("drop_negative"),
        node_count: s.int("nodecount"),
        node_fraction: s.float("nodefraction"),
        edge_fraction: s.float("edgefraction"),
        trim: s.bool("trim"),
        focus: s.str("focus").to_string(),
        ignore: s.str("ignore").to_string(),
        prune_from: s.str("prune_from").to_string(),
        hide: s.str("hide").to_string(),
        show: s.str("show").to_string(),
        show_from: s.str("show_from").to_string(),
        tag_focus: s.str("tagfocus").to_string(),
        tag_ignore: s.str("tagignore").to_string(),
        tag_show: s.str("tagshow").to_string(),
        tag_hide: s.str("taghide").to_string(),
        no_inlines: s.bool("noinlines"),
        granularity: Granularity::from_name(s.str("granularity")).unwrap_or_default(),
        ..crate::Config::default()
    }
}

/// The shell's starting options from the command line's settings.
pub fn settings_from_config(c: &crate::Config) -> Settings {
    let mut s = Settings::new();
    let pairs: [(&str, String); 32] = [
        ("output", c.output.clone().unwrap_or_default()),
        ("call_tree", c.call_tree.to_string()),
        ("relative_percentages", c.relative_percentages.to_string()),
        ("unit", c.unit.clone()),
        ("compact_labels", c.compact_labels.to_string()),
        ("source_path", c.source_path.clone()),
        ("trim_path", c.trim_path.clone()),
        ("intel_syntax", c.intel_syntax.to_string()),
        ("mean", c.mean.to_string()),
        ("sample_index", c.sample_index.clone()),
        ("divide_by", format!("{:e}", c.divide_by)),
        ("normalize", c.normalize.to_string()),
        (
            "sort",
            if c.sort == crate::config::Sort::Cum {
                "cum".into()
            } else {
                "flat".into()
            },
        ),
        ("tagroot", c.tag_root.clone()),
        ("tagleaf", c.tag_leaf.clone()),
        ("drop_negative", c.drop_negative.to_string()),
        ("nodecount", c.node_count.to_string()),
        ("nodefraction", format!("{:e}", c.node_fraction)),
        ("edgefraction", format!("{:e}", c.edge_fraction)),
        ("trim", c.trim.to_string()),
        ("focus", c.focus.clone()),
        ("ignore", c.ignore.clone()),
        ("prune_from", c.prune_from.clone()),
        ("hide", c.hide.clone()),
        ("show", c.show.clone()),
        ("show_from", c.show_from.clone()),
        ("tagfocus", c.tag_focus.clone()),
        ("tagignore", c.tag_ignore.clone()),
        ("tagshow", c.tag_show.clone()),
        ("taghide", c.tag_hide.clone()),
        ("noinlines", c.no_inlines.to_string()),
        ("granularity", c.granularity.name().to_string()),
    ];
    for (name, value) in pairs {
        // Every value comes from a valid setting, so none is refused.
        let _ = s.set(name, &value);
    }
    s
}

/// A loaded profile reported through pprof-tools' report step: the
/// [`Session`] that `pprof-tools PROFILE` gives the shell.
pub struct ProfileSession {
    profile: pprof_model::Profile,
    greeting: Option<Vec<String>>,
}

impl ProfileSession {
    /// A session over `profile`.
    pub fn new(profile: pprof_model::Profile) -> ProfileSession {
        ProfileSession {
            profile,
            greeting: None,
        }
    }

    /// Replaces the lines shown before the first prompt (by default the
    /// profile's file, build id, comments and type).
    pub fn with_greeting(mut self, lines: Vec<String>) -> ProfileSession {
        self.greeting = Some(lines);
        self
    }

    /// The profile.
    pub fn profile(&self) -> &pprof_model::Profile {
        &self.profile
    }
}

impl Session for ProfileSession {
    fn sample_types(&self) -> Vec<String> {
        let p = &self.profile;
        p.sample_types
            .iter()
            .map(|t| p.str(t.r#type).to_string())
            .collect()
    }

    fn default_sample_type(&self) -> String {
        self.profile
            .str(self.profile.default_sample_type)
            .to_string()
    }

    fn function_names(&self) -> Vec<String> {
        let p = &self.profile;
        p.functions
            .iter()
            .map(|f| p.str(f.name).to_string())
            .collect()
    }

    fn greeting(&mut self, settings: &Settings) -> Vec<String> {
        if let Some(lines) = &self.greeting {
            return lines.clone();
        }
        // pprof's `greetings`: the labels of a report with the current
        // options, and a hint when the default sample value is all zero.
        let p = &self.profile;
        let cfg = config_from_settings(settings);
        let Ok(choice) = crate::sample_choice(p, &cfg) else {
            return Vec::new();
        };
        let mut o = pprof_report::Options::default();
        o.sample_index = choice.index;
        o.mean = cfg.mean;
        o.sample_type = choice.type_name;
        o.sample_unit = choice.unit;
        o.output_unit = cfg.unit.clone();
        o.ratio = 1.0 / cfg.divide_by;
        let rpt = pprof_report::Report::new(p, o);
        let mut lines = pprof_report::profile_labels(&rpt);
        if rpt.total() == 0 && p.sample_types.len() > 1 {
            lines.push("No samples were found with the default sample value type.".into());
            lines.push("Try \"sample_index\" command to analyze different sample values.".into());
        }
        lines
    }

    fn report(
        &mut self,
        cmd: &ShellCommand,
        settings: &Settings,
        out: &mut dyn Write,
    ) -> std::result::Result<Vec<String>, String> {
        let format = crate::OutputFormat::from_name(&cmd.name)
            .ok_or_else(|| format!("unrecognized command: {}", go_quote(&cmd.name)))?;
        let command = crate::Command {
            format,
            regexp: cmd.regexp.clone(),
        };
        let cfg = config_from_settings(settings);
        crate::reporting::generate(self.profile.clone(), &command, &cfg, false, out)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session that records what it is asked.
    struct Fake {
        types: Vec<String>,
        calls: Vec<(ShellCommand, Settings)>,
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
            cmd: &ShellCommand,
            s: &Settings,
            out: &mut dyn Write,
        ) -> std::result::Result<Vec<String>, String> {
            if cmd.name == "raw" {
                return Err("no raw today".into());
            }
            self.calls.push((cmd.clone(), s.clone()));
            writeln!(out, "report {} {:?}", cmd.name, cmd.regexp).map_err(|e| e.to_string())?;
            Ok(Vec::new())
        }
    }

    fn run(types: &[&str], script: &str) -> (String, String, Fake) {
        let mut fake = Fake::new(types);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        {
            let mut prompts = Vec::new();
            let mut reader = PlainReader::new(script.as_bytes(), &mut prompts);
            let mut shell = Shell::new(&mut fake, Settings::new());
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
        assert_eq!(fake.calls[0].1.int("nodecount"), 5);
    }

    #[test]
    fn command_arguments() {
        let (_, err, fake) = run(
            &["samples"],
            "top 20 -cum main -runtime x\ntop\ntop10\ntree\nlist compute -main\ntags mem -x\nlist\nfoo\nnodecount 3\n",
        );
        let c = &fake.calls;
        assert_eq!(c[0].1.int("nodecount"), 20);
        assert_eq!(c[0].1.str("sort"), "cum");
        assert_eq!(c[0].1.str("focus"), "main|x");
        assert_eq!(c[0].1.str("ignore"), "runtime");
        assert_eq!(c[1].1.int("nodecount"), 10);
        assert_eq!(c[1].1.str("sort"), "flat", "arguments do not persist");
        assert_eq!(c[2].0.name, "top");
        assert_eq!(c[2].1.int("nodecount"), 10);
        assert_eq!(c[3].1.int("nodecount"), -1);
        assert_eq!(c[4].0.regexp.as_deref(), Some("compute"));
        assert_eq!(c[4].1.str("ignore"), "main");
        assert_eq!(c[5].1.str("tagfocus"), "mem");
        assert_eq!(c[5].1.str("tagignore"), "x");
        assert_eq!(c[5].1.str("focus"), "");
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
            "focus=main //: note\nmean\ntrim=no\ncum\nlines\nnodefraction=0.1\ntop\n:\nalloc_space\nmean_inuse_objects\ntop\nsort=up\nfocus\nnodecount=x\nsample_index=9\nsample_index=space\n",
        );
        let first = &fake.calls[0].1;
        assert_eq!(first.str("focus"), "main");
        assert!(first.bool("mean"));
        assert!(!first.bool("trim"));
        assert!(first.bool("compact_labels"));
        assert_eq!(first.str("sort"), "cum");
        assert_eq!(first.str("granularity"), "lines");
        assert_eq!(first.float("nodefraction"), 0.1);
        let second = &fake.calls[1].1;
        assert_eq!(second.str("focus"), "");
        assert_eq!(second.str("sample_index"), "inuse_objects");
        assert!(second.bool("mean"));
        assert_eq!(
            err.lines().skip(2).collect::<Vec<_>>(),
            [
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
        let shell = Shell::new(&mut fake, Settings::new());
        let listing = shell.options_listing();
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines.len(), OPTIONS.len() - 1);
        assert_eq!(
            lines[0],
            "  call_tree                 = false                "
        );
        assert!(lines.contains(
            &"  granularity               = functions            //: [addresses | filefunctions | files | functions | lines]"
        ));
        assert!(lines.contains(&"  nodecount                 = -1                   //: default"));
        assert!(lines
            .contains(&"  sample_index              = space                //: [objects | space]"));
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
        assert!(err.contains("  Option groups (only set one per group):\n    granularity      \n      functions        One entry per function\n"), "{err}");
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
        Shell::new(&mut fake, Settings::new())
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
        assert_eq!(lines[5], "no raw today");
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
        assert_eq!(fake.calls[0].1.str("ignore"), "");
        assert_eq!(fake.calls[1].1.str("focus"), "99999999999");
    }

    #[test]
    fn go_number_formats() {
        assert_eq!(go_float(0.005), "0.005");
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456789.0), "1.23456789e+08");
        assert_eq!(parse_int32("+7"), Some(7));
        assert_eq!(parse_int32("-3"), Some(-3));
        assert_eq!(parse_int32("99999999999"), None);
        assert!(parse_float("abc").is_err());
        assert_eq!(parse_float("1e3"), Ok(1000.0));
    }
}
