//! The settings: every option of pprof-tools defined once, in [`OPTIONS`].
//!
//! Each entry names a field of [`Settings`], with its type, its help text,
//! the part of `-help` it belongs to, whether the shell may change it, and
//! the query parameter that carries it in the web interface's addresses
//! (pprof's names: `f` for focus, `si` for sample_index...). The command
//! line's flags, `-help`, the shell's `name=value`, `o` and `help`, the web
//! interface's addresses and the `--json` echo of settings are all made
//! from this one table (pprof's `config.go` has the same role).
//!
//! ```
//! use pprof_driver::settings::{option, Settings};
//! use pprof_driver::value::Syntax;
//!
//! let mut s = Settings::default();
//! s.set("nodecount", "0x10", Syntax::Flag)?;
//! s.set("lines", "true", Syntax::Config)?; // a choice of `granularity`
//! assert_eq!(s.node_count, 16);
//! assert_eq!(s.text("granularity").as_deref(), Some("lines"));
//! assert_eq!(option("focus").unwrap().url_param, Some("f"));
//! # Ok::<(), pprof_driver::settings::SettingError>(())
//! ```

use pprof_ops::FocusOptions;
use std::time::Duration;

use crate::value::{
    go_float_text, parse_config_bool, parse_flag_bool, parse_go_duration, parse_go_float,
    parse_go_int, Syntax, ValueError, ValueProblem,
};
use pprof_model::gofmt::duration_string;

pub use pprof_leak::Mode as LeakMode;
pub use pprof_model::Dialect;
pub use pprof_ops::Granularity;

/// Sort order of text reports (pprof's `sort` choice: `-flat`, `-cum`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sort {
    /// By own weight (the default).
    #[default]
    Flat,
    /// By cumulative weight.
    Cum,
}

/// How a setting's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `true`/`false`; a bare flag or shell word turns it on.
    Bool,
    /// A whole number.
    Int,
    /// A number.
    Float,
    /// Free text (a path, a regexp, a list of keys...).
    Text,
    /// Text that may be given several times on the command line, each
    /// adding to the list (pprof's `-base` and `-diff_base`).
    List,
    /// One of a few names; each name is also a flag and a shell word of
    /// its own (`-lines` is `granularity=lines`).
    Choice(&'static [Choice]),
    /// A length of time in Go's syntax (`10s`, `1m30s`, `500ms`).
    Duration,
    /// A size in bytes (`512KiB`, `2MB`, `1048576`).
    Bytes,
}

/// One value of a choice setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The name (`lines`), also a flag (`-lines`) and a shell word.
    pub name: &'static str,
    /// What it does; the first line is the summary.
    pub help: &'static str,
}

/// The part of `-help` (and of the shell's `help`) a setting is listed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Section {
    /// Report settings (pprof's "Options"); the shell may change them.
    Report,
    /// Choice groups (granularity, sort); the shell may change them.
    Group,
    /// Where profiles come from (command line only).
    Source,
    /// Everything else on the command line (`-http`, `-tools`...).
    Misc,
    /// Options of `pprof-tools leak` only (its own `-help`): not on
    /// pprof's command line, not in the shell, not in web addresses.
    Leak,
    /// Options of `pprof-tools export` and `pprof-tools sql` only (their
    /// own `-help`), like [`Section::Leak`].
    Fleet,
}

/// A command line that the table drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandLine {
    /// pprof's (`pprof-tools [format] [options] source...`).
    Pprof,
    /// `pprof-tools leak [options] snapshot...`.
    Leak,
    /// `pprof-tools export` and `pprof-tools sql` (profiles as Parquet
    /// datasets and SQL over them).
    Fleet,
}

/// The parts of `pprof-tools leak -help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LeakPart {
    /// What is printed or written.
    Output,
    /// The analysis.
    Analysis,
    /// The wait-time heuristic (one `debug=2` dump).
    Waits,
    /// Live mode (a service's URL).
    Live,
}

/// How the leak command uses an option: where its `-help` lists it, the
/// value's placeholder there, and what the option means for leaks when
/// that differs from its general help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeakUse {
    /// The part of `pprof-tools leak -help`.
    pub part: LeakPart,
    /// The value's placeholder (`N`, `FILE`); empty for a switch or a
    /// choice.
    pub value: &'static str,
    /// The help for the leak command; empty means [`OptionDef::help`].
    pub help: &'static str,
}

/// A type a setting can hold, read from and written to text.
pub trait SettingValue: std::fmt::Debug {
    /// How the value is written.
    fn kind(&self) -> Kind;
    /// Replaces the value by the one `text` gives, read in `syntax`
    /// (a list setting adds to its list on the command line).
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem>;
    /// The value as pprof shows it (`true`, `-1`, `0.005`, `flat`...).
    fn text(&self) -> String;
}

impl SettingValue for bool {
    fn kind(&self) -> Kind {
        Kind::Bool
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        let v = match syntax {
            Syntax::Flag => parse_flag_bool(text),
            _ => parse_config_bool(text),
        };
        *self = v.ok_or(ValueProblem::Bool)?;
        Ok(())
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for i64 {
    fn kind(&self) -> Kind {
        Kind::Int
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        *self = parse_go_int(text, syntax == Syntax::Flag)?;
        Ok(())
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for f64 {
    fn kind(&self) -> Kind {
        Kind::Float
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        *self = parse_go_float(text)?;
        Ok(())
    }
    fn text(&self) -> String {
        go_float_text(*self)
    }
}

impl SettingValue for String {
    fn kind(&self) -> Kind {
        Kind::Text
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        text.clone_into(self);
        Ok(())
    }
    fn text(&self) -> String {
        self.clone()
    }
}

impl SettingValue for Vec<String> {
    fn kind(&self) -> Kind {
        Kind::List
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        if syntax != Syntax::Flag {
            self.clear();
        }
        // pprof drops the empty values of a list flag.
        if !text.is_empty() {
            self.push(text.to_string());
        }
        Ok(())
    }
    fn text(&self) -> String {
        self.join(",")
    }
}

/// The choices of [`Granularity`], in pprof's order.
const GRANULARITY_CHOICES: &[Choice] = &[
    Choice {
        name: "functions",
        help: "One entry per function (the default)\nThe file a function comes from is not considered.\n",
    },
    Choice {
        name: "filefunctions",
        help: "One entry per function and source file\n",
    },
    Choice {
        name: "files",
        help: "One entry per source file\n",
    },
    Choice {
        name: "lines",
        help: "One entry per source line\n",
    },
    Choice {
        name: "addresses",
        help: "One entry per instruction address\nAddresses are shown with the functions.\n",
    },
];

/// [`SettingValue`] for a choice enum that has `from_name` and `name`,
/// with its choices (flags and shell words) `$choices`.
macro_rules! named_choice {
    ($ty:ty, $choices:expr) => {
        impl SettingValue for $ty {
            fn kind(&self) -> Kind {
                Kind::Choice($choices)
            }
            fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
                *self = <$ty>::from_name(text).ok_or(ValueProblem::Choice)?;
                Ok(())
            }
            fn text(&self) -> String {
                self.name().to_string()
            }
        }
    };
}

named_choice!(Granularity, GRANULARITY_CHOICES);

const SORT_CHOICES: &[Choice] = &[
    Choice {
        name: "cum",
        help: "Sort entries by cumulative weight\n",
    },
    Choice {
        name: "flat",
        help: "Sort entries by their own weight (the default)\n",
    },
];

impl SettingValue for Sort {
    fn kind(&self) -> Kind {
        Kind::Choice(SORT_CHOICES)
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        *self = match text {
            "flat" => Sort::Flat,
            "cum" => Sort::Cum,
            _ => return Err(ValueProblem::Choice),
        };
        Ok(())
    }
    fn text(&self) -> String {
        match self {
            Sort::Flat => "flat",
            Sort::Cum => "cum",
        }
        .to_string()
    }
}

impl SettingValue for Dialect {
    fn kind(&self) -> Kind {
        Kind::Text
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        *self = text.parse().map_err(|_| ValueProblem::Choice)?;
        Ok(())
    }
    fn text(&self) -> String {
        self.name().to_string()
    }
}

/// A length of time given in whole seconds (`-seconds`, `-timeout`);
/// zero or negative means unset, as in pprof. Large values saturate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Seconds(pub Option<Duration>);

impl Seconds {
    /// The duration, if set.
    pub fn get(self) -> Option<Duration> {
        self.0
    }

    /// Whole seconds, if set.
    pub fn as_secs(self) -> Option<u64> {
        self.0.map(|d| d.as_secs())
    }
}

impl SettingValue for Seconds {
    fn kind(&self) -> Kind {
        Kind::Int
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        let n = parse_go_int(text, syntax == Syntax::Flag)?;
        *self = Seconds(
            u64::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .map(Duration::from_secs),
        );
        Ok(())
    }
    fn text(&self) -> String {
        match self.0 {
            Some(d) => d.as_secs().to_string(),
            None => "-1".to_string(),
        }
    }
}

/// Go's `flag.Uint64`: a whole number from 0 (the leak command's counts).
impl SettingValue for u64 {
    fn kind(&self) -> Kind {
        Kind::Int
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        if text.starts_with('-') {
            return Err(ValueProblem::Int);
        }
        *self = parse_go_int(text, syntax == Syntax::Flag)?.unsigned_abs();
        Ok(())
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

/// A value that may be left unset, as it is by default: empty text in the
/// shell's syntax; on the command line a flag always gives a value.
impl<T: SettingValue + Default> SettingValue for Option<T> {
    fn kind(&self) -> Kind {
        T::default().kind()
    }
    fn set_text(&mut self, text: &str, syntax: Syntax) -> Result<(), ValueProblem> {
        if text.is_empty() && syntax == Syntax::Config {
            *self = None;
            return Ok(());
        }
        let mut v = T::default();
        v.set_text(text, syntax)?;
        *self = Some(v);
        Ok(())
    }
    fn text(&self) -> String {
        self.as_ref().map(T::text).unwrap_or_default()
    }
}

/// A length of time written in Go's syntax ([`parse_go_duration`]) and
/// shown as Go shows it (`10m0s`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GoDuration(pub Duration);

impl SettingValue for GoDuration {
    fn kind(&self) -> Kind {
        Kind::Duration
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        *self = GoDuration(parse_go_duration(text).ok_or(ValueProblem::Duration)?);
        Ok(())
    }
    fn text(&self) -> String {
        duration_string(i64::try_from(self.0.as_nanos()).unwrap_or(i64::MAX))
    }
}

/// A size in bytes, written as [`pprof_fetch::parse_byte_size`] reads it
/// (`512KiB`, `2MB`, `1048576`), at most `i64::MAX`; shown in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ByteSize(pub i64);

impl SettingValue for ByteSize {
    fn kind(&self) -> Kind {
        Kind::Bytes
    }
    fn set_text(&mut self, text: &str, _: Syntax) -> Result<(), ValueProblem> {
        let bytes = pprof_fetch::parse_byte_size(text).and_then(|b| i64::try_from(b).ok());
        *self = ByteSize(bytes.ok_or(ValueProblem::Size)?);
        Ok(())
    }
    fn text(&self) -> String {
        self.0.to_string()
    }
}

/// The choices of [`LeakMode`] (`auto`, the default, is no flag of its
/// own).
const LEAK_MODE_CHOICES: &[Choice] = &[
    Choice {
        name: "heap",
        help: "Every snapshot must be a heap profile (inuse_space)\n",
    },
    Choice {
        name: "goroutine",
        help: "Every snapshot must be a goroutine or goroutineleak profile\n",
    },
];

named_choice!(LeakMode, LEAK_MODE_CHOICES);

/// The settings only `pprof-tools leak` has (its rows of [`OPTIONS`],
/// [`Section::Leak`]); the leak command also reads the shared `json`,
/// `source_path`, `timeout` and `granularity`. Defaults are pprof-leak's.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LeakSettings {
    /// `-html`: also write an HTML report to this file (empty: none).
    pub html: String,
    /// `-svg`: also write an SVG report to this file (empty: none).
    pub svg: String,
    /// `-all`.
    pub all: bool,
    /// `-top`.
    pub top: u64,
    /// `-frames`.
    pub frames: u64,
    /// `-heap`, `-goroutine`.
    pub mode: LeakMode,
    /// `-ignore_top`: each value a comma-separated list.
    pub ignore_top: Vec<String>,
    /// `-min_growth`.
    pub min_growth: u64,
    /// `-min_heap_growth`.
    pub min_heap_growth: ByteSize,
    /// `-min_relative`.
    pub min_relative: f64,
    /// `-min_rate`.
    pub min_rate: f64,
    /// `-min_snapshots`.
    pub min_snapshots: u64,
    /// `-stack_size`.
    pub stack_size: ByteSize,
    /// `-min_wait`.
    pub min_wait: GoDuration,
    /// `-min_waiting`.
    pub min_waiting: u64,
    /// `-wait_gate`.
    pub wait_gate: bool,
    /// `-every` (unset: pprof-leak's default).
    pub every: Option<GoDuration>,
    /// `-count` (unset: pprof-leak's default).
    pub count: Option<u64>,
    /// `-with_heap`.
    pub with_heap: bool,
}

impl Default for LeakSettings {
    fn default() -> Self {
        let a = pprof_leak::Options::default();
        let r = pprof_leak::render::RenderOptions::default();
        let l = pprof_leak::LiveOptions::default();
        let count = |n: i64| n.unsigned_abs();
        LeakSettings {
            html: String::new(),
            svg: String::new(),
            all: r.all,
            top: r.max_suspects as u64,
            frames: r.max_frames as u64,
            mode: a.mode,
            ignore_top: a.ignore_top,
            min_growth: count(a.min_growth),
            min_heap_growth: ByteSize(a.min_heap_growth),
            min_relative: a.min_relative_growth,
            min_rate: a.min_rate_per_minute,
            min_snapshots: a.min_snapshots as u64,
            stack_size: ByteSize(a.stack_bytes),
            min_wait: GoDuration(Duration::from_secs(count(a.min_wait_minutes) * 60)),
            min_waiting: count(a.min_waiting),
            wait_gate: a.wait_gate,
            every: l.every.map(GoDuration),
            count: l.count.map(|n| n as u64),
            with_heap: l.with_heap,
        }
    }
}

/// Every setting of a report and of its sources, with pprof's defaults
/// (see [`OPTIONS`] for what each one means).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// `-output`: file for the report; empty means standard output.
    pub output: String,
    /// `-drop_negative`.
    pub drop_negative: bool,
    /// `-call_tree`.
    pub call_tree: bool,
    /// `-relative_percentages`.
    pub relative_percentages: bool,
    /// `-unit` (default `minimum`).
    pub unit: String,
    /// `-compact_labels`.
    pub compact_labels: bool,
    /// `-source_path`.
    pub source_path: String,
    /// `-trim_path`.
    pub trim_path: String,
    /// `-intel_syntax`.
    pub intel_syntax: bool,
    /// `-mean`.
    pub mean: bool,
    /// `-sample_index`: a position or a type name; empty for the default.
    pub sample_index: String,
    /// `-divide_by` (default 1).
    pub divide_by: f64,
    /// `-normalize`.
    pub normalize: bool,
    /// `-flat`/`-cum` (`sort`).
    pub sort: Sort,
    /// `-tagroot`.
    pub tag_root: String,
    /// `-tagleaf`.
    pub tag_leaf: String,
    /// `-nodecount` (default -1: the format decides).
    pub node_count: i64,
    /// `-nodefraction` (default 0.005).
    pub node_fraction: f64,
    /// `-edgefraction` (default 0.001).
    pub edge_fraction: f64,
    /// `-trim` (default true).
    pub trim: bool,
    /// The sample filters: `-focus`, `-ignore`, `-prune_from`, `-hide`,
    /// `-show`, `-show_from`, `-tagfocus`, `-tagignore`, `-tagshow`,
    /// `-taghide` (pprof-ops applies them; empty means unset).
    pub filters: FocusOptions,
    /// `-noinlines`.
    pub no_inlines: bool,
    /// `-showcolumns` (today's pprof only).
    pub show_columns: bool,
    /// `-functions`, `-filefunctions`, `-files`, `-lines`, `-addresses`.
    pub granularity: Granularity,
    /// `--json`: machine-readable reports (ours).
    pub json: bool,
    /// `-base`: the profile to subtract (empty: none). A plain string flag,
    /// as in `go tool pprof`: given twice, the last one counts.
    pub base: String,
    /// `-diff_base`: the profile to compare against (empty: none); like
    /// `-base`, the last one given counts.
    pub diff_base: String,
    /// `-symbolize`.
    pub symbolize: String,
    /// `-buildid`.
    pub build_id: String,
    /// `-timeout`.
    pub timeout: Seconds,
    /// `-add_comment`.
    pub add_comment: String,
    /// `-seconds`.
    pub seconds: Seconds,
    /// `-tls_cert`.
    pub tls_cert: String,
    /// `-tls_key`.
    pub tls_key: String,
    /// `-tls_ca`.
    pub tls_ca: String,
    /// `-http`: serve the web interface on this address.
    pub http: String,
    /// `-no_browser`.
    pub no_browser: bool,
    /// `-tools`: accepted for pprof's command lines; objects are read in
    /// process.
    pub tools: String,
    /// `-text_frames` (ours): name the frames of Go `debug=1` text profiles
    /// from their `#` lines (default false: pprof ignores those lines); a
    /// binary, when given, names the frames those lines leave out.
    pub text_frames: bool,
    /// `-all_frames` (today's pprof only): ignore the profile's
    /// drop_frames and keep_frames regexps.
    pub all_frames: bool,
    /// `-compat` (or `PPROF_TOOLS_COMPAT`, see [`crate::args::COMPAT_ENV`]):
    /// which `go tool pprof` to reproduce (default today's, Go 1.27.3).
    pub dialect: Dialect,
    /// The options of `pprof-tools leak`.
    pub leak: LeakSettings,
    /// The options of `pprof-tools export` and `pprof-tools sql`, and
    /// `-ballista`.
    pub fleet: FleetSettings,
}

/// The settings of `pprof-tools export` and `pprof-tools sql` (their rows
/// of [`OPTIONS`], [`Section::Fleet`]), and `-ballista`, which pprof's
/// command line also takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetSettings {
    /// `-parquet`: the dataset directory `export` writes (empty: none).
    pub parquet: String,
    /// `-partition`: comma-separated label keys and `date` that split
    /// the dataset into directories.
    pub partition: String,
    /// `-csv`: `sql` prints CSV instead of a table.
    pub csv: bool,
    /// `-ballista`: run dataset queries on this Apache Ballista cluster
    /// (`df://host:port`) instead of in process.
    pub ballista: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            output: String::new(),
            drop_negative: false,
            call_tree: false,
            relative_percentages: false,
            unit: "minimum".to_string(),
            compact_labels: false,
            source_path: String::new(),
            trim_path: String::new(),
            intel_syntax: false,
            mean: false,
            sample_index: String::new(),
            divide_by: 1.0,
            normalize: false,
            sort: Sort::Flat,
            tag_root: String::new(),
            tag_leaf: String::new(),
            node_count: -1,
            node_fraction: 0.005,
            edge_fraction: 0.001,
            trim: true,
            filters: FocusOptions::default(),
            no_inlines: false,
            show_columns: false,
            granularity: Granularity::Functions,
            json: false,
            base: String::new(),
            diff_base: String::new(),
            symbolize: String::new(),
            build_id: String::new(),
            timeout: Seconds(None),
            add_comment: String::new(),
            seconds: Seconds(None),
            tls_cert: String::new(),
            tls_key: String::new(),
            tls_ca: String::new(),
            http: String::new(),
            no_browser: false,
            tools: String::new(),
            text_frames: false,
            all_frames: false,
            dialect: Dialect::default(),
            leak: LeakSettings::default(),
            fleet: FleetSettings::default(),
        }
    }
}

/// One option: a field of [`Settings`] and everything said about it.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct OptionDef {
    /// The flag name without its dash, also the shell's name.
    pub name: &'static str,
    /// Where `-help` lists it; [`Section::Report`] and [`Section::Group`]
    /// options are the ones the shell may change.
    pub section: Section,
    /// The web interface's query parameter for it (pprof's names), if it
    /// travels in addresses.
    pub url_param: Option<&'static str>,
    /// Whether a saved configuration (pprof's `settings.json`) keeps it.
    pub saved: bool,
    /// What it does; the first line is the summary.
    pub help: &'static str,
    /// Whether `pprof-tools leak` takes it, and how; `None` for pprof's
    /// options that the leak command does not have.
    pub leak: Option<LeakUse>,
    /// Whether `pprof-tools export` and `pprof-tools sql` take it: `None`
    /// when not; otherwise their help for it (empty means
    /// [`OptionDef::help`]).
    pub fleet: Option<&'static str>,
    get: fn(&Settings) -> &dyn SettingValue,
    get_mut: fn(&mut Settings) -> &mut dyn SettingValue,
}

impl std::fmt::Debug for OptionDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptionDef")
            .field("name", &self.name)
            .field("section", &self.section)
            .field("url_param", &self.url_param)
            .finish_non_exhaustive()
    }
}

impl OptionDef {
    /// How the value is written.
    pub fn kind(&self) -> Kind {
        (self.get)(&Settings::default()).kind()
    }

    /// Whether the pprof of `dialect` has this option (go1.19's lacks
    /// `-showcolumns` and `-all_frames`).
    pub fn in_dialect(&self, dialect: Dialect) -> bool {
        dialect == Dialect::Go127 || !TODAYS_ONLY.contains(&self.name)
    }

    /// Whether `line` takes it as a flag: pprof's command line takes
    /// every option but the leak command's, export's and sql's own
    /// ([`Section::Leak`], [`Section::Fleet`]); the leak command those with
    /// a [`OptionDef::leak`] use; export and sql those marked
    /// [`OptionDef::fleet`].
    pub fn on_line(&self, line: CommandLine) -> bool {
        match line {
            CommandLine::Pprof => !matches!(self.section, Section::Leak | Section::Fleet),
            CommandLine::Leak => self.leak.is_some(),
            CommandLine::Fleet => self.fleet.is_some(),
        }
    }

    /// Whether the shell (and a saved configuration) may change it.
    pub fn in_shell(&self) -> bool {
        matches!(self.section, Section::Report | Section::Group)
    }

    /// The value in `s`, as text.
    pub fn text(&self, s: &Settings) -> String {
        (self.get)(s).text()
    }

    /// The default value, as text.
    pub fn default_text(&self) -> String {
        self.text(&Settings::default())
    }

    /// Sets the value in `s` from `text` read in `syntax`.
    pub fn set(&self, s: &mut Settings, text: &str, syntax: Syntax) -> Result<(), ValueError> {
        (self.get_mut)(s)
            .set_text(text, syntax)
            .map_err(|problem| ValueError {
                name: self.name.to_string(),
                text: text.to_string(),
                syntax,
                problem,
            })
    }

    /// The choices of a choice option (empty for others).
    pub fn choices(&self) -> &'static [Choice] {
        match self.kind() {
            Kind::Choice(c) => c,
            _ => &[],
        }
    }
}

macro_rules! option {
    ($name:literal, $($field:ident).+, $section:ident, $url:expr, $saved:literal, $help:literal) => {
        OptionDef {
            name: $name,
            section: Section::$section,
            url_param: $url,
            saved: $saved,
            help: $help,
            leak: None,
            fleet: None,
            get: |s| &s.$($field).+,
            get_mut: |s| &mut s.$($field).+,
        }
    };
}

/// A row of the leak command only: listed in `part` of its `-help`, with
/// the value's placeholder `value` (empty for a switch or a choice).
macro_rules! leak_option {
    ($name:literal, $($field:ident).+, $part:ident, $value:literal, $help:literal) => {
        in_leak(option!($name, $($field).+, Leak, None, false, $help), LeakPart::$part, $value, "")
    };
}

/// A row of `pprof-tools export` and `pprof-tools sql` only.
macro_rules! fleet_option {
    ($name:literal, $($field:ident).+, $help:literal) => {
        in_fleet(option!($name, $($field).+, Fleet, None, false, $help), "")
    };
}

/// `o`, also taken by `pprof-tools export` and `pprof-tools sql`, with
/// their `help` for it (empty: the option's own).
const fn in_fleet(mut o: OptionDef, help: &'static str) -> OptionDef {
    o.fleet = Some(help);
    o
}

/// `o`, also taken by the leak command (see [`LeakUse`]).
const fn in_leak(
    mut o: OptionDef,
    part: LeakPart,
    value: &'static str,
    help: &'static str,
) -> OptionDef {
    o.leak = Some(LeakUse { part, value, help });
    o
}

/// Every option, in pprof's order of its configuration, then the source
/// options, the rest of pprof's command line, and the leak command's own.
pub const OPTIONS: &[OptionDef] = &[
    in_fleet(option!("output", output, Report, None, false,
        "File to write the report to\nWithout it, reports go to the standard output.\n"),
        "File to write the result to (sql)\n"),
    option!("drop_negative", drop_negative, Report, Some("dropneg"), true,
        "Leave out entries with negative values\nUseful with -base, to see only what grew.\n"),
    option!("call_tree", call_tree, Report, Some("calltree"), true,
        "Keep the call paths to a function apart in graphs\nA function reached along different paths gets one node per path.\n"),
    option!("relative_percentages", relative_percentages, Report, Some("rel"), true,
        "Percentages of the focused samples\nWhen off, percentages are of every sample, before focusing,\nso that a focused view compares with the whole.\n"),
    option!("unit", unit, Report, Some("unit"), true,
        "Unit to show values in\nValues are converted to this unit: s, ms, ns... for time,\nMB, kB, B... for memory. auto picks a unit for each value,\nminimum the smallest unit that fits every value.\n"),
    option!("compact_labels", compact_labels, Report, Some("compact"), true,
        "Shorter headers in graphs\n"),
    in_leak(option!("source_path", source_path, Report, None, false,
        "Directories to search for source files\n"), LeakPart::Analysis, "DIRS",
        "Where to find sources to locate the `go` statement\ncreating goroutines when no debug=2 label tells\n(':'-separated; default $PPROF_SOURCE_PATH, else .)\n"),
    option!("trim_path", trim_path, Report, None, false,
        "Prefix to remove from source paths before searching\n"),
    option!("intel_syntax", intel_syntax, Report, Some("intel"), true,
        "Intel syntax for assembly listings\nUsed by disasm and weblist.\n"),
    option!("mean", mean, Report, Some("mean"), true,
        "Divide each value by the sample's count (first value)\nFor memory profiles: bytes per allocation.\nFor contention profiles: delay per event.\n"),
    option!("sample_index", sample_index, Report, Some("si"), false,
        "Sample value to report (position from 0, or type name)\nA profile can hold several values per sample;\nsample_index=i reports the i-th.\n"),
    option!("divide_by", divide_by, Report, None, false,
        "Divide every value by this number\nFor example the number of CPUs or of jobs.\n"),
    option!("normalize", normalize, Report, Some("norm"), true,
        "Scale the profile to the total of the base profile\n"),
    option!("sort", sort, Group, Some("sort"), true, ""),
    option!("tagroot", tag_root, Report, None, true,
        "Label keys that become frames at the root of each stack\nComma-separated keys; the first key gives the outermost frames.\n"),
    option!("tagleaf", tag_leaf, Report, None, true,
        "Label keys that become frames at the leaf of each stack\nComma-separated keys; the last key gives the innermost frames.\n"),
    option!("nodecount", node_count, Report, Some("n"), true,
        "Largest number of entries to show\nOn graphs, dotted edges stand for paths through hidden nodes.\n"),
    option!("nodefraction", node_fraction, Report, Some("nf"), true,
        "Hide entries below this fraction of the total\n"),
    option!("edgefraction", edge_fraction, Report, Some("ef"), true,
        "Hide graph edges below this fraction of the total\n"),
    option!("trim", trim, Report, Some("trim"), true,
        "Apply nodecount, nodefraction and edgefraction\nSet to false to see the whole profile, untrimmed.\n"),
    option!("focus", filters.focus, Report, Some("f"), true,
        "Keep only samples through a frame matching this regexp\nThe regexp is matched against function, file and object names.\n"),
    option!("ignore", filters.ignore, Report, Some("i"), true,
        "Drop samples through a frame matching this regexp\nThe regexp is matched against function, file and object names.\n"),
    option!("prune_from", filters.prune_from, Report, Some("prunefrom"), true,
        "Drop the frames below a frame matching this regexp\nThe matching frame stays; the frames it called go.\n"),
    option!("hide", filters.hide, Report, Some("h"), true,
        "Remove frames matching this regexp\nThe rest of each stack is kept.\n"),
    option!("show", filters.show, Report, Some("s"), true,
        "Keep only frames matching this regexp\n"),
    option!("show_from", filters.show_from, Report, Some("sf"), true,
        "Drop the frames above the highest frame matching this regexp\n"),
    option!("tagfocus", filters.tag_focus, Report, Some("tf"), true,
        "Keep samples whose labels match a range or regexp\nkey=value limits the test to one label key.\nNumeric ranges: 1kb, 1kb:10kb, bytes=32mb:\nText: foo, foo.*bar, key=foo.*bar\n"),
    option!("tagignore", filters.tag_ignore, Report, Some("ti"), true,
        "Drop samples whose labels match a range or regexp\nkey=value limits the test to one label key.\nNumeric ranges: 1kb, 1kb:10kb, bytes=32mb:\nText: foo, foo.*bar, key=foo.*bar\n"),
    option!("tagshow", filters.tag_show, Report, Some("ts"), true,
        "Consider only label keys matching this regexp\n"),
    option!("taghide", filters.tag_hide, Report, Some("th"), true,
        "Leave out label keys matching this regexp\n"),
    option!("noinlines", no_inlines, Report, Some("noinlines"), true,
        "Charge inlined functions to their caller\nEach inlined frame counts for the first caller that was not inlined.\n"),
    option!("showcolumns", show_columns, Report, Some("showcolumns"), true,
        "Show column numbers with line numbers\nFor the lines and addresses granularities (today's pprof only).\n"),
    in_leak(option!("granularity", granularity, Group, Some("g"), true, ""),
        LeakPart::Analysis, "", ""),
    in_fleet(in_leak(option!("json", json, Misc, None, false,
        "Machine-readable JSON reports (pprof-tools)\nFor text/top, traces, tags, peek and tree.\n"),
        LeakPart::Output, "", "Print the report as JSON instead of text\n"),
        "Print the rows as JSON, one object per line (sql)\n"),
    option!("seconds", seconds, Source, None, false,
        "Length of a profile to request from a server, in seconds\n"),
    in_leak(option!("timeout", timeout, Source, None, false,
        "Give up fetching a remote profile after this many seconds\nThe default is -seconds and a half, or 60 seconds.\n"),
        LeakPart::Live, "SECONDS",
        "Seconds each request may take, the whole transfer\n(default 60; at least 1)\n"),
    option!("buildid", build_id, Source, None, false,
        "Build ID to assume for the main binary\n"),
    option!("add_comment", add_comment, Source, None, false,
        "Text to add to the profile's comments (see -comments)\n"),
    option!("diff_base", diff_base, Source, None, false,
        "Profile to compare against: its samples are subtracted and tagged\n"),
    option!("base", base, Source, None, false,
        "Profile to subtract from the sources\n"),
    option!("all_frames", all_frames, Source, None, false,
        "Ignore the profile's drop_frames and keep_frames regexps\nKeeps the frames a profile asks reports to leave out (today's pprof only).\n"),
    option!("symbolize", symbolize, Source, None, false,
        "Where symbols come from: none, local, fastlocal, remote, force\n"),
    option!("tls_cert", tls_cert, Source, None, false,
        "TLS client certificate file for HTTPS sources\n"),
    option!("tls_key", tls_key, Source, None, false,
        "TLS private key file for HTTPS sources\n"),
    option!("tls_ca", tls_ca, Source, None, false,
        "TLS certificate authorities file for HTTPS sources\n"),
    option!("text_frames", text_frames, Source, None, false,
        "Name frames of Go debug=1 texts from their # lines (pprof-tools)\nWithout the binary, pprof leaves the frames of goroutine, heap,\nmutex and block debug=1 pages unnamed; these lines name them.\nGo leaves the leading runtime frames out of them: a binary named\nbefore the sources names those (without one they stay unnamed).\n"),
    in_fleet(option!("ballista", fleet.ballista, Source, None, false,
        "Query Parquet datasets on this Apache Ballista cluster (pprof-tools)\ndf://host:port of its scheduler; without it, queries run in process.\n"),
        ""),
    option!("http", http, Misc, None, false,
        "Serve the web interface on host:port\nThe host defaults to localhost, the port to a free one.\n"),
    option!("no_browser", no_browser, Misc, None, false,
        "Do not open a browser on the web interface\n"),
    option!("tools", tools, Misc, None, false,
        "Search path for object tools (accepted; objects are read in process)\n"),
    option!("compat", dialect, Misc, None, false,
        "Which go tool pprof to reproduce: go1.27 (today's, the default) or go1.19\nAlso set by the environment variable PPROF_TOOLS_COMPAT.\n"),
    fleet_option!("parquet", fleet.parquet,
        "Directory of the Parquet dataset to write or add to (export)\n"),
    fleet_option!("partition", fleet.partition,
        "Split the dataset into directories by these label keys and\ndate, comma-separated (export; e.g. service,date)\n"),
    fleet_option!("csv", fleet.csv,
        "Print the rows as CSV with a header line (sql)\n"),
    leak_option!("html", leak.html, Output, "FILE",
        "Also write an HTML report with a sparkline per suspect\n"),
    leak_option!("svg", leak.svg, Output, "FILE",
        "Also write an SVG with a sparkline per suspect\n"),
    leak_option!("all", leak.all, Output, "",
        "List every stack, not only suspects\n"),
    leak_option!("top", leak.top, Output, "N",
        "Most suspects printed per analysis (default 20, 0 = all)\n"),
    leak_option!("frames", leak.frames, Output, "N",
        "Frames printed per suspect stack (default 12)\n"),
    leak_option!("mode", leak.mode, Analysis, "",
        "Which snapshots to analyse (default: each kind on its own)\n"),
    leak_option!("ignore_top", leak.ignore_top, Analysis, "FUNC",
        "Never flag goroutines blocked in FUNC (its blocking\nframe or a frame above it); repeatable, comma lists ok\n"),
    leak_option!("min_growth", leak.min_growth, Analysis, "N",
        "Goroutines a stack must gain, first to last (default 5)\n"),
    leak_option!("min_heap_growth", leak.min_heap_growth, Analysis, "B",
        "Bytes a heap stack must gain (default 1MiB; suffixes\nKB, MB, GB, KiB, MiB, GiB accepted)\n"),
    leak_option!("min_relative", leak.min_relative, Analysis, "F",
        "Gain relative to the first snapshot (default 0.1 = 10%)\n"),
    leak_option!("min_rate", leak.min_rate, Analysis, "R",
        "Gain per minute, when snapshots have times (default 0)\n"),
    leak_option!("min_snapshots", leak.min_snapshots, Analysis, "N",
        "Snapshots needed per growth analysis (default 2)\n"),
    leak_option!("stack_size", leak.stack_size, Analysis, "B",
        "Stack bytes counted per goroutine (default 8KiB)\n"),
    leak_option!("min_wait", leak.min_wait, Waits, "DURATION",
        "Shortest wait that counts, whole minutes (default 10m)\n"),
    leak_option!("min_waiting", leak.min_waiting, Waits, "N",
        "Goroutines of one stack that must have waited that\nlong on a channel or lock (default 50)\n"),
    leak_option!("wait_gate", leak.wait_gate, Waits, "",
        "Wait-time suspects make the exit status 3 (default true;\n-wait_gate=false only reports them)\n"),
    leak_option!("every", leak.every, Live, "DURATION",
        "Time between snapshots (default 10s, at least 1s;\nGo syntax: 1500ms, 1m)\n"),
    leak_option!("count", leak.count, Live, "N",
        "Snapshots to take (default: see below; at most 10000)\n"),
    leak_option!("with_heap", leak.with_heap, Live, "",
        "Also fetch the heap profile at each snapshot\n"),
];

/// Options that only today's pprof has (go1.19's rejects them).
const TODAYS_ONLY: &[&str] = &["showcolumns", "all_frames"];

/// The option called `name` (not a choice of one).
pub fn option(name: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// The choice option that `name` is a choice of (`lines` gives
/// `granularity`).
pub fn choice_owner(name: &str) -> Option<&'static OptionDef> {
    OPTIONS
        .iter()
        .find(|o| o.choices().iter().any(|c| c.name == name))
}

/// The option carried by the web query parameter `param`.
pub fn by_url_param(param: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|o| o.url_param == Some(param))
}

/// A setting that could not be changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingError {
    /// No option has that name (pprof's message).
    #[error("unknown config field {}", pprof_model::gofmt::quote(.0))]
    Unknown(String),
    /// The value does not suit the option.
    #[error(transparent)]
    Value(#[from] ValueError),
}

impl Settings {
    /// Sets the option `name` from `text` read in `syntax`. A choice name
    /// (`cum`, `lines`) selects itself when `text` is true.
    pub fn set(&mut self, name: &str, text: &str, syntax: Syntax) -> Result<(), SettingError> {
        if let Some(o) = option(name) {
            return Ok(o.set(self, text, syntax)?);
        }
        if let Some(o) = choice_owner(name) {
            // pprof's `configure`: a choice is selected by a true value
            // (not an empty one: a bare `cum` in pprof's shell is an
            // unknown config field); anything else is not a setting.
            if parse_flag_bool(text) == Some(true) {
                return Ok(o.set(self, name, syntax)?);
            }
        }
        Err(SettingError::Unknown(name.to_string()))
    }

    /// The value of option `name` as text; `None` for an unknown name.
    pub fn text(&self, name: &str) -> Option<String> {
        option(name).map(|o| o.text(self))
    }

    /// Sets the options carried by a web address's query parameters
    /// (pprof's `applyURL`): each option with a query parameter takes that
    /// parameter's first value, unless it is empty.
    pub fn apply_url<'a, I>(&mut self, params: I) -> Result<(), SettingError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let params: Vec<(&str, &str)> = params.into_iter().collect();
        for o in OPTIONS {
            let Some(param) = o.url_param else { continue };
            let value = params.iter().find(|(k, _)| *k == param).map(|(_, v)| *v);
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                o.set(self, v, Syntax::Config)?;
            }
        }
        Ok(())
    }

    /// The query parameters that carry these settings in a web address
    /// (pprof's `makeURL`): the saved options that differ from the
    /// defaults, booleans shortened to `t` and `f`.
    pub fn url_params(&self) -> Vec<(&'static str, String)> {
        let d = Settings::default();
        OPTIONS
            .iter()
            .filter(|o| o.saved)
            .filter_map(|o| {
                let param = o.url_param?;
                let v = o.text(self);
                if v == o.text(&d) {
                    return None;
                }
                let v = if o.kind() == Kind::Bool {
                    v[..1].to_string()
                } else {
                    v
                };
                Some((param, v))
            })
            .collect()
    }

    /// The options whose values differ from the defaults, as `(name,
    /// text)` pairs in table order (for `--json` and saved configurations).
    pub fn changed(&self) -> Vec<(&'static str, String)> {
        let d = Settings::default();
        OPTIONS
            .iter()
            .filter(|o| o.text(self) != o.text(&d))
            .map(|o| (o.name, o.text(self)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_across_options_and_choices() {
        let mut names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        for o in OPTIONS {
            names.extend(o.choices().iter().map(|c| c.name));
        }
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        let mut params: Vec<&str> = OPTIONS.iter().filter_map(|o| o.url_param).collect();
        let n = params.len();
        params.sort();
        params.dedup();
        assert_eq!(params.len(), n);
    }

    #[test]
    fn every_option_round_trips_its_default_text() {
        for o in OPTIONS {
            let mut s = Settings::default();
            let text = o.default_text();
            if o.kind() == Kind::List {
                continue;
            }
            o.set(&mut s, &text, Syntax::Config)
                .unwrap_or_else(|e| panic!("{}: {e}", o.name));
            assert_eq!(s, Settings::default(), "{}", o.name);
            assert!(!o.help.is_empty() || !o.choices().is_empty(), "{}", o.name);
        }
    }

    #[test]
    fn syntaxes_differ_like_pprof() {
        let mut s = Settings::default();
        s.set("nodecount", "0x10", Syntax::Flag).unwrap();
        assert_eq!(s.node_count, 16);
        let e = s.set("nodecount", "0x10", Syntax::Config).unwrap_err();
        assert_eq!(
            e.to_string(),
            "strconv.Atoi: parsing \"0x10\": invalid syntax"
        );
        s.set("trim", "no", Syntax::Config).unwrap();
        assert!(!s.trim);
        assert!(s.set("trim", "no", Syntax::Flag).is_err());
        assert_eq!(
            s.set("cum", "", Syntax::Config).unwrap_err().to_string(),
            "unknown config field \"cum\""
        );
        s.set("cum", "t", Syntax::Config).unwrap();
        assert_eq!(s.sort, Sort::Cum);
        assert_eq!(
            s.set("sort", "up", Syntax::Config).unwrap_err().to_string(),
            "invalid \"sort\" value \"up\""
        );
        assert_eq!(
            s.set("bogus", "1", Syntax::Config).unwrap_err().to_string(),
            "unknown config field \"bogus\""
        );
        s.set("base", "a", Syntax::Flag).unwrap();
        s.set("base", "b", Syntax::Flag).unwrap();
        assert_eq!(s.base, "b");
        s.set("seconds", "-1", Syntax::Flag).unwrap();
        assert_eq!(s.seconds, Seconds(None));
        s.set("seconds", "9223372036854775807", Syntax::Flag)
            .unwrap();
        assert_eq!(s.seconds.as_secs(), Some(i64::MAX as u64));
    }
}
