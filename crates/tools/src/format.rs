//! Output formats (pprof's commands).

/// A kind of report. Each has a flag of the same name (`-top`, `-peek=RE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// `-comments`: the profile's comments.
    Comments,
    /// `-disasm=RE`: annotated assembly.
    Disasm,
    /// `-dot`: call graph in Graphviz DOT.
    Dot,
    /// `-list=RE`: annotated source.
    List,
    /// `-peek=RE`: callers and callees of matching functions.
    Peek,
    /// `-raw`: text dump of the profile.
    Raw,
    /// `-tags`: label statistics.
    Tags,
    /// `-text`: the top table.
    Text,
    /// `-top`: same as `-text`.
    Top,
    /// `-traces`: every sample's stack.
    Traces,
    /// `-tree`: text call graph.
    Tree,
    /// `-callgrind`: callgrind format.
    Callgrind,
    /// `-proto`: the processed profile as gzip-compressed profile.proto.
    Proto,
    /// `-topproto`: the top entries as a profile.proto.
    TopProto,
    /// `-gif`: graph image via Graphviz.
    Gif,
    /// `-pdf`: graph via Graphviz.
    Pdf,
    /// `-png`: graph image via Graphviz.
    Png,
    /// `-ps`: graph via Graphviz.
    Ps,
    /// `-svg`: graph via Graphviz.
    Svg,
    /// `-eog`: show the graph in eog.
    Eog,
    /// `-evince`: show the graph in evince.
    Evince,
    /// `-gv`: show the graph in gv.
    Gv,
    /// `-web`: show the graph in a browser.
    Web,
    /// `-kcachegrind`: open the callgrind output in KCachegrind.
    Kcachegrind,
    /// `-weblist=RE`: annotated source in a browser.
    WebList,
    /// `-flame` (ours): a flame graph as SVG.
    Flame,
    /// `-folded` (ours): folded stacks, one line per stack.
    Folded,
}

/// Every format with its flag name, whether it takes a regexp argument, and
/// a one-line description.
pub(crate) const FORMATS: &[(OutputFormat, &str, bool, &str)] = &[
    (
        OutputFormat::Callgrind,
        "callgrind",
        false,
        "Call graph in callgrind format",
    ),
    (
        OutputFormat::Comments,
        "comments",
        false,
        "The comments stored in the profile",
    ),
    (
        OutputFormat::Disasm,
        "disasm",
        true,
        "Assembly of matching functions (not supported yet)",
    ),
    (
        OutputFormat::Dot,
        "dot",
        false,
        "Call graph in Graphviz DOT format",
    ),
    (
        OutputFormat::Eog,
        "eog",
        false,
        "Show the call graph with eog (not supported)",
    ),
    (
        OutputFormat::Evince,
        "evince",
        false,
        "Show the call graph with evince (not supported)",
    ),
    (
        OutputFormat::Flame,
        "flame",
        false,
        "Flame graph as SVG (pprof-tools extension)",
    ),
    (
        OutputFormat::Folded,
        "folded",
        false,
        "Folded stacks, one line each (pprof-tools extension)",
    ),
    (OutputFormat::Gif, "gif", false, "Call graph as a GIF image"),
    (
        OutputFormat::Gv,
        "gv",
        false,
        "Show the call graph with gv (not supported)",
    ),
    (
        OutputFormat::Kcachegrind,
        "kcachegrind",
        false,
        "Open the callgrind output in KCachegrind (not supported)",
    ),
    (
        OutputFormat::List,
        "list",
        true,
        "Source of matching functions with their samples",
    ),
    (OutputFormat::Pdf, "pdf", false, "Call graph as PDF"),
    (
        OutputFormat::Peek,
        "peek",
        true,
        "Callers and callees of matching functions",
    ),
    (OutputFormat::Png, "png", false, "Call graph as a PNG image"),
    (
        OutputFormat::Proto,
        "proto",
        false,
        "The profile as gzip-compressed profile.proto",
    ),
    (OutputFormat::Ps, "ps", false, "Call graph as PostScript"),
    (
        OutputFormat::Raw,
        "raw",
        false,
        "Text dump of the whole profile",
    ),
    (OutputFormat::Svg, "svg", false, "Call graph as SVG"),
    (
        OutputFormat::Tags,
        "tags",
        false,
        "Label keys and values with their weights",
    ),
    (
        OutputFormat::Text,
        "text",
        false,
        "Table of the heaviest entries",
    ),
    (
        OutputFormat::Top,
        "top",
        false,
        "Table of the heaviest entries",
    ),
    (
        OutputFormat::TopProto,
        "topproto",
        false,
        "The heaviest entries as profile.proto",
    ),
    (
        OutputFormat::Traces,
        "traces",
        false,
        "Every sample with its stack",
    ),
    (
        OutputFormat::Tree,
        "tree",
        false,
        "Call graph as text: callers and callees of each entry",
    ),
    (
        OutputFormat::Web,
        "web",
        false,
        "Show the call graph in a web browser (not supported)",
    ),
    (
        OutputFormat::WebList,
        "weblist",
        true,
        "Source of matching functions in a web browser (not supported)",
    ),
];

impl OutputFormat {
    /// The flag name (`top`, `peek`, ...).
    pub fn name(self) -> &'static str {
        FORMATS
            .iter()
            .find(|f| f.0 == self)
            .map(|f| f.1)
            .unwrap_or("")
    }

    /// Looks a format up by flag name.
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        FORMATS.iter().find(|f| f.1 == name).map(|f| f.0)
    }

    /// Whether the flag takes a regexp (`-list=RE`).
    pub fn takes_regexp(self) -> bool {
        FORMATS.iter().any(|f| f.0 == self && f.2)
    }

    /// Whether the output is binary, so pprof keeps it off a terminal.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            OutputFormat::Proto
                | OutputFormat::TopProto
                | OutputFormat::Gif
                | OutputFormat::Pdf
                | OutputFormat::Png
                | OutputFormat::Ps
        )
    }

    /// The file suffix pprof uses when it saves this format away from a
    /// terminal, if it does.
    pub fn file_suffix(self) -> Option<&'static str> {
        Some(match self {
            OutputFormat::Proto | OutputFormat::TopProto => "pb.gz",
            OutputFormat::Callgrind => "callgraph.out",
            OutputFormat::Gif => "gif",
            OutputFormat::Pdf => "pdf",
            OutputFormat::Png => "png",
            OutputFormat::Ps => "ps",
            OutputFormat::Svg => "svg",
            _ => return None,
        })
    }

    /// Whether `--json` applies to this format.
    pub fn supports_json(self) -> bool {
        matches!(
            self,
            OutputFormat::Text
                | OutputFormat::Top
                | OutputFormat::Traces
                | OutputFormat::Tags
                | OutputFormat::Peek
        )
    }
}

/// The chosen report: a format and, for `-list`/`-peek`/`-disasm`/`-weblist`,
/// its regexp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The format.
    pub format: OutputFormat,
    /// The regexp argument of formats that take one.
    pub regexp: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in FORMATS {
            assert_eq!(OutputFormat::from_name(f.1), Some(f.0));
            assert_eq!(f.0.name(), f.1);
        }
        assert!(OutputFormat::Peek.takes_regexp());
        assert!(!OutputFormat::Top.takes_regexp());
        assert_eq!(OutputFormat::from_name("nope"), None);
    }
}
