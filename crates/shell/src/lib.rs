//! The interactive `(pprof) ` shell: what `pprof-tools PROFILE` does when
//! no report format is given, as a library.
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
//! Commands and options come from pprof-driver's tables of formats
//! ([`pprof_driver::FORMATS`]) and settings
//! ([`pprof_driver::settings::OPTIONS`]), the same ones that drive the
//! command line and the web interface.
//!
//! The shell does not make reports itself: it drives a [`Session`], which
//! holds the profile and makes one report for a command and the current
//! [`Settings`]. [`ProfileSession`] is the session over a loaded profile;
//! it never copies or changes the profile, so a session answers any number
//! of commands from one load.
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//! use pprof_shell::{PlainReader, ProfileSession, Shell};
//!
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.work", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 3)]);
//! b.sample(&[l], &[5]);
//! let mut session = ProfileSession::new(b.build());
//! let mut input = PlainReader::new("top\nquit\n".as_bytes(), std::io::sink());
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! Shell::new(&mut session, Default::default()).run(&mut input, &mut out, &mut err)?;
//! assert!(String::from_utf8_lossy(&out).contains("main.work"));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Crate features
//!
//! * `terminal` (default): [`TerminalReader`], line editing with history
//!   and tab completion (rustyline), used by [`run_shell`] on a terminal.
#![deny(missing_docs)]

use std::io::{self, Write};
use std::path::PathBuf;

use pprof_driver::settings::{choice_owner, option, Kind, Section, Settings, OPTIONS};
use pprof_driver::value::Syntax;
use pprof_driver::{Command, OutputFormat};
use pprof_model::gofmt::quote;

mod complete;
mod help;
mod reader;
#[cfg(feature = "terminal")]
mod terminal;

pub use complete::Completer;
pub use reader::{LineReader, PlainReader};
#[cfg(feature = "terminal")]
pub use terminal::TerminalReader;

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

    /// The lines shown before the first prompt (see
    /// [`pprof_driver::greeting`]).
    fn greeting(&mut self, settings: &Settings) -> Vec<String>;

    /// Writes the report for `cmd` with `settings` (already adjusted by the
    /// command's own arguments) to `out`, without post-processing: SVG,
    /// DOT, protobuf bytes... Returns notices for standard error.
    fn report(
        &mut self,
        cmd: &Command,
        settings: &Settings,
        out: &mut dyn Write,
    ) -> pprof_driver::Result<Vec<String>>;
}

/// What the shell says about a line it cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShellError {
    /// Not a command, option or shortcut.
    #[error("unrecognized command: {}", quote(.0))]
    UnknownCommand(String),
    /// An option name used like a command (`nodecount 3`).
    #[error("did you mean: {name}={value}")]
    DidYouMean {
        /// The option.
        name: String,
        /// The value given after it, or `<val>`.
        value: String,
    },
    /// A command that needs a regexp got none.
    #[error("command {0} requires an argument")]
    MissingArgument(String),
    /// `>` with no file after it.
    #[error("unexpected end of line after >")]
    MissingFile,
    /// An option that needs a value got none.
    #[error("please specify a value, e.g. {0}=<val>")]
    MissingValue(String),
    /// A `sample_index` that names no sample type of the profile.
    #[error("invalid sample_index {}", quote(.0))]
    InvalidSampleIndex(String),
    /// A setting that could not be changed.
    #[error(transparent)]
    Setting(#[from] pprof_driver::settings::SettingError),
    /// A sample selection that does not fit the profile.
    #[error(transparent)]
    Ops(#[from] pprof_ops::Error),
    /// The report could not be made.
    #[error(transparent)]
    Report(#[from] pprof_driver::Error),
    /// A viewer could not be started.
    #[error(transparent)]
    Viewer(#[from] pprof_driver::viewer::ViewerError),
    /// The report could not be saved.
    #[error(transparent)]
    Save(#[from] pprof_fetch::save::SaveError),
    /// Writing to the output failed.
    #[error("{}", pprof_fetch::io_message(.0))]
    Io(#[from] io::Error),
}

/// Runs the shell on the process's standard streams: a line editor when
/// standard input and output are terminals (with the `terminal` feature),
/// plain lines otherwise.
///
/// `settings` are the options set on the command line; the shell then
/// turns `compact_labels` on, as pprof does.
pub fn run_shell(session: &mut dyn Session, settings: Settings) -> io::Result<()> {
    let mut err = io::stderr();
    #[cfg(feature = "terminal")]
    {
        use std::io::IsTerminal;
        if io::stdin().is_terminal() && io::stdout().is_terminal() {
            let completer = Completer::new(session.function_names(), session.sample_types());
            let mut reader = TerminalReader::new(completer)?;
            let mut out = io::stdout().lock();
            return Shell::new(session, settings).run(&mut reader, &mut out, &mut err);
        }
    }
    let stdin = io::stdin();
    let mut reader = PlainReader::new(stdin.lock(), io::stdout());
    let mut out = io::stdout();
    Shell::new(session, settings).run(&mut reader, &mut out, &mut err)
}

/// The shell's state: the session and the current options.
pub struct Shell<'a> {
    session: &'a mut dyn Session,
    settings: Settings,
    sample_types: Vec<String>,
    /// Directory for `profileNNN.EXT` files; the current one by default.
    save_dir: PathBuf,
}

/// What one input line asks for.
enum Step {
    Continue,
    Quit,
}

impl<'a> Shell<'a> {
    /// A shell over `session` starting from `settings` (with
    /// `compact_labels` turned on, as pprof's shell does).
    pub fn new(session: &'a mut dyn Session, mut settings: Settings) -> Shell<'a> {
        settings.compact_labels = true;
        let sample_types = session.sample_types();
        Shell {
            session,
            settings,
            sample_types,
            save_dir: PathBuf::new(),
        }
    }

    /// Saves bulky outputs (`svg`, `proto`...) in `dir` rather than the
    /// current directory.
    pub fn save_dir(mut self, dir: impl Into<PathBuf>) -> Self {
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
                match self.execute(&one, out, err) {
                    Ok(Step::Quit) => return Ok(()),
                    Ok(Step::Continue) => {}
                    Err(e) => writeln!(err, "{e}")?,
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
    ) -> Result<Step, ShellError> {
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
        if is_shell_option(name) {
            self.assign(name, value)?;
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
        let (cmd, settings) = self.parse_command(&tokens)?;
        self.generate(&cmd, &settings, out, err)?;
        Ok(Step::Continue)
    }

    /// `name=value`, or a bare boolean option or choice.
    fn assign(&mut self, name: &str, value: Option<&str>) -> Result<(), ShellError> {
        let takes_no_value = match option(name) {
            Some(o) => o.kind() == Kind::Bool,
            None => true,
        };
        let Some(value) = value.or(takes_no_value.then_some("")) else {
            return Err(ShellError::MissingValue(name.to_string()));
        };
        let mut value = value.to_string();
        if name == "sample_index" {
            // Stored as the type's name, as pprof does.
            let types: Vec<&str> = self.sample_types.iter().map(String::as_str).collect();
            let default = self.session.default_sample_type();
            // An empty value picks the default type; a profile without
            // types has none to pick.
            let i = match pprof_ops::sample_type_index(&types, &default, &value) {
                Err(_) if value.is_empty() => usize::MAX,
                found => found?,
            };
            match self.sample_types.get(i) {
                Some(t) => value = t.clone(),
                None => return Err(ShellError::InvalidSampleIndex(value)),
            }
        }
        self.settings.set(name, &value, Syntax::Config)?;
        Ok(())
    }

    /// The `o` listing: every option of the shell but `source_path`,
    /// sorted.
    fn options_listing(&self) -> String {
        let mut lines = Vec::new();
        for o in OPTIONS.iter().filter(|o| o.in_shell()) {
            if o.name == "source_path" {
                continue;
            }
            let mut v = o.text(&self.settings);
            let mut comment = String::new();
            if o.section == Section::Group {
                let mut c: Vec<&str> = o.choices().iter().map(|c| c.name).collect();
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
            return write!(err, "{}", help::general());
        }
        if let Some(f) = OutputFormat::from_name(topic) {
            return write!(err, "{}", help::command(f.info()));
        }
        if let Some(h) = help::option_help(topic) {
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
    fn parse_command(&self, tokens: &[&str]) -> Result<(Command, Settings), ShellError> {
        let mut name = tokens.first().copied().unwrap_or("").to_string();
        let mut args: Vec<String> = tokens.iter().skip(1).map(|s| s.to_string()).collect();
        let mut format = OutputFormat::from_name(&name);
        if format.is_none() {
            // `top10` is `top 10`.
            let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 && digits < name.len() {
                let (head, tail) = name.split_at(name.len() - digits);
                args.insert(0, tail.to_string());
                name = head.to_string();
                format = OutputFormat::from_name(&name);
            }
        }
        let Some(format) = format else {
            if help::option_help(&name).is_some() {
                let value = args.first().map(String::as_str).unwrap_or("<val>");
                return Err(ShellError::DidYouMean {
                    name,
                    value: value.to_string(),
                });
            }
            return Err(ShellError::UnknownCommand(name));
        };
        let mut regexp = None;
        if format.takes_regexp() {
            if args.is_empty() {
                return Err(ShellError::MissingArgument(name));
            }
            regexp = Some(args.remove(0));
        }
        let mut s = self.settings.clone();
        let (mut focus, mut ignore) = (String::new(), String::new());
        let mut i = 0;
        while i < args.len() {
            let t = &args[i];
            if let Some(n) = parse_int32(t) {
                s.node_count = i64::from(n);
            } else if let Some(file) = t.strip_prefix('>') {
                let file = if file.is_empty() {
                    i += 1;
                    args.get(i).cloned().ok_or(ShellError::MissingFile)?
                } else {
                    file.to_string()
                };
                s.output = file;
            } else if let Some(rest) = t.strip_prefix('-') {
                if t == "-cum" || t == "--cum" {
                    s.sort = pprof_driver::Sort::Cum;
                } else {
                    cat_regex(&mut ignore, rest);
                }
            } else {
                cat_regex(&mut focus, t);
            }
            i += 1;
        }
        let (fkey, ikey) = if format == OutputFormat::Tags {
            (&mut s.filters.tag_focus, &mut s.filters.tag_ignore)
        } else {
            (&mut s.filters.focus, &mut s.filters.ignore)
        };
        if !focus.is_empty() {
            *fkey = focus;
        }
        if !ignore.is_empty() {
            *ikey = ignore;
        }
        if s.node_count == -1 && matches!(format, OutputFormat::Text | OutputFormat::Top) {
            s.node_count = 10;
        }
        Ok((Command { format, regexp }, s))
    }

    /// Makes the report and sends it where it belongs.
    fn generate(
        &mut self,
        cmd: &Command,
        s: &Settings,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<(), ShellError> {
        let mut buf = Vec::new();
        let viewer = pprof_driver::viewer::viewer_for(cmd.format);
        let made = Command {
            format: viewer.as_ref().map_or(cmd.format, |v| v.report),
            regexp: cmd.regexp.clone(),
        };
        if let Some(viewer) = viewer.filter(|_| s.output.is_empty()) {
            // A viewer command: make its report and open it in the
            // background, so that the session goes on.
            for n in self.session.report(&made, s, &mut buf)? {
                writeln!(err, "{n}")?;
            }
            pprof_driver::viewer::open(&buf, &viewer, false)?;
            return Ok(());
        }
        // With `> file`, a viewer command's report goes to the file.
        let notices = self.session.report(&made, s, &mut buf)?;
        for n in notices {
            writeln!(err, "{n}")?;
        }
        if !s.output.is_empty() {
            writeln!(err, "Generating report in {}", s.output)?;
            pprof_fetch::save::write_file(&s.output, &buf)?;
            return Ok(());
        }
        match cmd.format.info().saved_suffix {
            Some(ext) => {
                let path = pprof_fetch::save::save_numbered(
                    &self.save_dir,
                    "profile",
                    &format!(".{ext}"),
                    &buf,
                )?;
                writeln!(err, "Generating report in {}", path.display())?;
            }
            None => out.write_all(&buf)?,
        }
        Ok(())
    }
}

/// Whether `name` is an option the shell may change, or a choice of one.
fn is_shell_option(name: &str) -> bool {
    option(name).is_some_and(|o| o.in_shell()) || choice_owner(name).is_some_and(|o| o.in_shell())
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

/// A loaded profile reported through pprof-driver's report step: the
/// [`Session`] that `pprof-tools PROFILE` gives the shell. Reports read the
/// profile without copying or changing it.
pub struct ProfileSession {
    profile: pprof_model::Profile,
    greeting: Option<Vec<String>>,
}

impl ProfileSession {
    /// A session over `profile`. pprof's shell makes each report from a
    /// proto round trip of the loaded profile, which loses the labels
    /// profile.proto cannot carry (a legacy heap record's `bytes` label
    /// of 0): they are dropped here once.
    pub fn new(mut profile: pprof_model::Profile) -> ProfileSession {
        profile.drop_unencodable_labels();
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
        match &self.greeting {
            Some(lines) => lines.clone(),
            None => pprof_driver::greeting(&self.profile, settings),
        }
    }

    fn report(
        &mut self,
        cmd: &Command,
        settings: &Settings,
        out: &mut dyn Write,
    ) -> pprof_driver::Result<Vec<String>> {
        pprof_driver::write_report(&self.profile, cmd, settings, out)
    }
}

#[cfg(test)]
mod tests;
