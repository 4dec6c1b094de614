//! The output formats: one enum for every report pprof-tools can make, and
//! one table of what is said about each (its flag and command name,
//! whether it takes a regexp, its help, where it goes when it is not
//! printed).

/// A kind of report: each has a flag (`-top`, `-peek=RE`) and a shell
/// command of the same name.
///
/// Several formats share a report of pprof's (`-top` and `-text`; `-tree`
/// and `-peek`; `-dot` and the pictures made from it; `-callgrind` and
/// `-kcachegrind`): [`OutputFormat::report_kind`] gives it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// `-callgrind`: call graph in callgrind format.
    Callgrind,
    /// `-comments`: the profile's comments.
    Comments,
    /// `-disasm=RE`: annotated assembly.
    Dis,
    /// `-dot`: call graph in Graphviz DOT.
    Dot,
    /// `-list=RE`: annotated source.
    List,
    /// `-proto`: the profile as gzip-compressed profile.proto.
    Proto,
    /// `-raw`: text dump of the profile.
    Raw,
    /// `-tags`: label statistics.
    Tags,
    /// `-text`: the top table (the default).
    #[default]
    Text,
    /// `-topproto`: the top entries as profile.proto.
    TopProto,
    /// `-traces`: every sample's stack.
    Traces,
    /// `-tree`: text call graph.
    Tree,
    /// `-weblist=RE`: annotated source and assembly in a browser.
    WebList,
    /// `-top`: same as `-text`.
    Top,
    /// `-peek=RE`: callers and callees of matching functions.
    Peek,
    /// `-kcachegrind`: the callgrind report opened in KCachegrind.
    Kcachegrind,
    /// `-svg`: call graph as SVG.
    Svg,
    /// `-png`: call graph as PNG (Graphviz).
    Png,
    /// `-gif`: call graph as GIF (Graphviz).
    Gif,
    /// `-pdf`: call graph as PDF (Graphviz).
    Pdf,
    /// `-ps`: call graph as PostScript (Graphviz).
    Ps,
    /// `-eog`: call graph shown with eog.
    Eog,
    /// `-evince`: call graph shown with evince.
    Evince,
    /// `-gv`: call graph shown with gv.
    Gv,
    /// `-web`: call graph shown in a browser.
    Web,
    /// `-flame` (pprof-tools): a flame graph as SVG.
    Flame,
    /// `-folded` (pprof-tools): folded stacks, one line per stack.
    Folded,
}

/// How a format's shell command takes its arguments (for `help COMMAND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Usage {
    /// No arguments but `>file`.
    Plain,
    /// `[n] [focus]* [-ignore]* [-cum] >f`.
    Table,
    /// `[n] [focus]* [-ignore]* >f`.
    Graph,
    /// `[n] [focus]* [-ignore]*`, shown in a viewer.
    View,
    /// `<func_regex|address> [focus]* [-ignore]* >f`.
    Listing,
    /// `func_regex`.
    Peek,
    /// `[tag_regex]* [-ignore_regex]* >f`.
    Tags,
}

/// Everything said about one format.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FormatInfo {
    /// The format.
    pub format: OutputFormat,
    /// Flag and command name.
    pub name: &'static str,
    /// Takes a regexp (`-list=RE`).
    pub takes_regexp: bool,
    /// One line of help.
    pub help: &'static str,
    /// The file suffix when the report is saved rather than printed
    /// (binary and picture formats when the output is a terminal, or in
    /// the shell).
    pub saved_suffix: Option<&'static str>,
    /// How the shell command takes its arguments.
    pub usage: Usage,
}

const fn info(
    format: OutputFormat,
    name: &'static str,
    takes_regexp: bool,
    help: &'static str,
    saved_suffix: Option<&'static str>,
    usage: Usage,
) -> FormatInfo {
    FormatInfo {
        format,
        name,
        takes_regexp,
        help,
        saved_suffix,
        usage,
    }
}

use OutputFormat as F;

/// Every format, sorted by name.
pub const FORMATS: &[FormatInfo] = &[
    info(
        F::Callgrind,
        "callgrind",
        false,
        "Call graph in callgrind format",
        Some("callgraph.out"),
        Usage::Graph,
    ),
    info(
        F::Comments,
        "comments",
        false,
        "The comments stored in the profile",
        None,
        Usage::Plain,
    ),
    info(
        F::Dis,
        "disasm",
        true,
        "Assembly of matching functions with their samples",
        None,
        Usage::Listing,
    ),
    info(
        F::Dot,
        "dot",
        false,
        "Call graph in Graphviz DOT format",
        None,
        Usage::Graph,
    ),
    info(
        F::Eog,
        "eog",
        false,
        "Show the call graph with eog",
        None,
        Usage::View,
    ),
    info(
        F::Evince,
        "evince",
        false,
        "Show the call graph with evince",
        None,
        Usage::View,
    ),
    info(
        F::Flame,
        "flame",
        false,
        "Flame graph as SVG (pprof-tools)",
        Some("svg"),
        Usage::Graph,
    ),
    info(
        F::Folded,
        "folded",
        false,
        "Folded stacks, one line per stack (pprof-tools)",
        None,
        Usage::Graph,
    ),
    info(
        F::Gif,
        "gif",
        false,
        "Call graph as a GIF image",
        Some("gif"),
        Usage::Graph,
    ),
    info(
        F::Gv,
        "gv",
        false,
        "Show the call graph with gv",
        None,
        Usage::View,
    ),
    info(
        F::Kcachegrind,
        "kcachegrind",
        false,
        "Open the callgrind report in KCachegrind",
        None,
        Usage::View,
    ),
    info(
        F::List,
        "list",
        true,
        "Source of matching functions with their samples",
        None,
        Usage::Listing,
    ),
    info(
        F::Pdf,
        "pdf",
        false,
        "Call graph as PDF",
        Some("pdf"),
        Usage::Graph,
    ),
    info(
        F::Peek,
        "peek",
        true,
        "Callers and callees of matching functions",
        None,
        Usage::Peek,
    ),
    info(
        F::Png,
        "png",
        false,
        "Call graph as a PNG image",
        Some("png"),
        Usage::Graph,
    ),
    info(
        F::Proto,
        "proto",
        false,
        "The profile as gzip-compressed profile.proto",
        Some("pb.gz"),
        Usage::Plain,
    ),
    info(
        F::Ps,
        "ps",
        false,
        "Call graph as PostScript",
        Some("ps"),
        Usage::Graph,
    ),
    info(
        F::Raw,
        "raw",
        false,
        "Text dump of the whole profile",
        None,
        Usage::Plain,
    ),
    info(
        F::Svg,
        "svg",
        false,
        "Call graph as SVG",
        Some("svg"),
        Usage::Graph,
    ),
    info(
        F::Tags,
        "tags",
        false,
        "Label keys and values with their weights",
        None,
        Usage::Tags,
    ),
    info(
        F::Text,
        "text",
        false,
        "Table of the heaviest entries",
        None,
        Usage::Table,
    ),
    info(
        F::Top,
        "top",
        false,
        "Table of the heaviest entries",
        None,
        Usage::Table,
    ),
    info(
        F::TopProto,
        "topproto",
        false,
        "The heaviest entries as profile.proto",
        Some("pb.gz"),
        Usage::Plain,
    ),
    info(
        F::Traces,
        "traces",
        false,
        "Every sample with its stack",
        None,
        Usage::Plain,
    ),
    info(
        F::Tree,
        "tree",
        false,
        "Call graph as text: callers and callees of each entry",
        None,
        Usage::Table,
    ),
    info(
        F::Web,
        "web",
        false,
        "Show the call graph in a web browser",
        None,
        Usage::View,
    ),
    info(
        F::WebList,
        "weblist",
        true,
        "Source and assembly of matching functions in a web browser",
        None,
        Usage::Listing,
    ),
];

impl OutputFormat {
    /// What the table says about this format.
    pub fn info(self) -> &'static FormatInfo {
        FORMATS
            .iter()
            .find(|f| f.format == self)
            .unwrap_or(&FORMATS[0])
    }

    /// The flag and command name (`top`, `peek`, ...).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a format up by its flag or command name.
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        FORMATS.iter().find(|f| f.name == name).map(|f| f.format)
    }

    /// Whether the flag takes a regexp (`-list=RE`).
    pub fn takes_regexp(self) -> bool {
        self.info().takes_regexp
    }

    /// The report of pprof's this format is made from: `Text` for `-top`,
    /// `Tree` for `-peek`, `Callgrind` for `-kcachegrind`, `Dot` for the
    /// pictures and viewers; itself otherwise.
    pub fn report_kind(self) -> OutputFormat {
        match self {
            F::Top => F::Text,
            F::Peek => F::Tree,
            F::Kcachegrind => F::Callgrind,
            F::Svg | F::Png | F::Gif | F::Pdf | F::Ps | F::Eog | F::Evince | F::Gv | F::Web => {
                F::Dot
            }
            other => other,
        }
    }

    /// Whether the output is binary, so it is kept off a terminal.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            F::Proto | F::TopProto | F::Gif | F::Pdf | F::Png | F::Ps
        )
    }

    /// Whether `--json` applies to this format.
    pub fn supports_json(self) -> bool {
        matches!(
            self,
            F::Text | F::Top | F::Traces | F::Tags | F::Peek | F::Tree
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_sorted() {
        for f in FORMATS {
            assert_eq!(OutputFormat::from_name(f.name), Some(f.format));
            assert_eq!(f.format.name(), f.name);
        }
        assert!(FORMATS.windows(2).all(|w| w[0].name < w[1].name));
        assert!(OutputFormat::Peek.takes_regexp());
        assert!(!OutputFormat::Top.takes_regexp());
        assert_eq!(OutputFormat::from_name("nope"), None);
        assert_eq!(OutputFormat::Svg.report_kind(), OutputFormat::Dot);
    }
}
