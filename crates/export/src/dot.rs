//! pprof's DOT output: the call graph for graphviz, with a legend, node
//! labels holding flat and cumulative values, tag nodelets, and weighted,
//! coloured edges.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use pprof_graph::{
    abs64, paths, shorten_function_name, sort_tags, Edge, Graph, Node, NodeId, NodeInfo, Tag,
};
use pprof_model::gofmt::int64;
use pprof_model::measurement;

use crate::error::Result;

/// Formats a value of the graph for display (pprof's `FormatValue`).
pub type DotValueFormatter<'a> = &'a dyn Fn(i64) -> String;

/// How the DOT graph is titled and labelled (pprof's `DotConfig`).
pub struct DotConfig<'a> {
    /// Name of the digraph (the profile's main binary); `unnamed` when empty.
    pub title: String,
    /// A link for the legend box, if any.
    pub legend_url: String,
    /// Lines of the legend box; the first one also names the box. No legend
    /// when empty.
    pub labels: Vec<String>,
    /// Formats node and edge values.
    pub format_value: DotValueFormatter<'a>,
    /// The total weight, the denominator of percentages, edge weights and
    /// colours.
    pub total: i64,
    /// Whose rules shorten function names in node labels (see
    /// [`pprof_graph::shorten_function_name`]).
    pub dialect: pprof_model::Dialect,
}

/// Formats a node's label (replacing the default multi-line name).
pub type NodeLabelFormatter<'a> = Box<dyn Fn(&NodeInfo) -> String + 'a>;

/// Per-node drawing options (pprof's `DotNodeAttributes`).
#[derive(Default)]
pub struct DotNodeAttributes<'a> {
    /// Node shape; `box` when empty.
    pub shape: String,
    /// Draw the node bold.
    pub bold: bool,
    /// Number of borders; the default when 0.
    pub peripheries: u32,
    /// A link for the node, if any.
    pub url: String,
    /// Label formatter; pprof's multi-line name when `None`.
    pub formatter: Option<NodeLabelFormatter<'a>>,
}

/// Drawing options of individual nodes (pprof's `DotAttributes`).
#[derive(Default)]
pub struct DotAttributes<'a> {
    /// Options by node.
    pub nodes: HashMap<NodeId, DotNodeAttributes<'a>>,
}

/// Most tag nodelets drawn per node, and numeric buckets per tag.
const MAX_NODELETS: usize = 4;

/// Writes `g` as DOT text the way pprof's `-dot` does (today's, or
/// go1.19.8's names with [`DotConfig::dialect`]).
///
/// Nodes are numbered in the order of [`Graph::nodes`] (the caller sorts
/// and trims the graph, as pprof's report does), and edges are written by
/// decreasing weight.
pub fn write_dot<W: Write>(
    w: &mut W,
    g: &Graph,
    attrs: &DotAttributes<'_>,
    c: &DotConfig<'_>,
) -> Result<()> {
    let text = compose_dot(g, attrs, c);
    w.write_all(text.as_bytes())?;
    Ok(())
}

/// Returns the DOT text of `g`; see [`write_dot`].
pub fn compose_dot(g: &Graph, attrs: &DotAttributes<'_>, c: &DotConfig<'_>) -> String {
    let mut out = String::new();
    let name = if c.title.is_empty() {
        "unnamed"
    } else {
        &c.title
    };
    let _ = writeln!(out, "digraph \"{}\" {{", escape_for_dot(name));
    out.push_str("node [style=filled fillcolor=\"#f8f8f8\"]\n");
    add_legend(&mut out, c);

    let nodes: Vec<(NodeId, &Node)> = g.iter().collect();
    if nodes.is_empty() {
        out.push_str("}\n");
        return out;
    }

    // Node numbers start at 1, in graph order.
    let mut number: HashMap<NodeId, usize> = HashMap::with_capacity(nodes.len());
    let mut max_flat = nodes
        .first()
        .map_or(0.0, |(_, n)| abs64(n.flat_value()) as f64);
    for (i, (id, n)) in nodes.iter().enumerate() {
        number.insert(*id, i + 1);
        let f = abs64(n.flat_value()) as f64;
        if f > max_flat {
            max_flat = f;
        }
    }

    let mut has_nodelets: HashMap<NodeId, bool> = HashMap::with_capacity(nodes.len());
    let mut edges = Vec::new();
    for (i, (id, n)) in nodes.iter().enumerate() {
        add_node(&mut out, n, attrs.nodes.get(id), i + 1, max_flat, c);
        has_nodelets.insert(*id, add_nodelets(&mut out, n, i + 1, c));
        edges.extend(n.out_edges.iter().copied());
    }

    for e in g.sort_edges(&edges) {
        let Some(edge) = g.edge(e) else { continue };
        let (Some(src), Some(dest)) = (g.node(edge.src), g.node(edge.dest)) else {
            continue;
        };
        let from = number.get(&edge.src).copied().unwrap_or(0);
        let to = number.get(&edge.dest).copied().unwrap_or(0);
        let nodelets = has_nodelets.get(&edge.src).copied().unwrap_or(false);
        add_edge(&mut out, edge, src, dest, from, to, nodelets, c);
    }
    out.push_str("}\n");
    out
}

fn add_legend(out: &mut String, c: &DotConfig<'_>) {
    let Some(first) = c.labels.first() else {
        return;
    };
    let _ = write!(
        out,
        "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16",
        escape_for_dot(first)
    );
    let joined: Vec<String> = c.labels.iter().map(|l| escape_for_dot(l)).collect();
    let _ = write!(out, " label=\"{}\\l\"", joined.join("\\l"));
    if let Some(url) = dot_url(&c.legend_url) {
        let _ = write!(out, " URL=\"{url}\" target=\"_blank\"");
    }
    if !c.title.is_empty() {
        let _ = write!(out, " tooltip=\"{}\"", escape_for_dot(&c.title));
    }
    out.push_str("] }\n");
}

fn add_node(
    out: &mut String,
    node: &Node,
    attrs: Option<&DotNodeAttributes<'_>>,
    id: usize,
    max_flat: f64,
    c: &DotConfig<'_>,
) {
    let flat = node.flat_value();
    let cum = node.cum_value();
    let mut label = match attrs.and_then(|a| a.formatter.as_ref()) {
        Some(f) => f(&node.info),
        None => multiline_printable_name(&node.info, c.dialect),
    };
    let flat_value = (c.format_value)(flat);
    if flat != 0 {
        let _ = write!(
            label,
            "{} ({})",
            flat_value,
            measurement::percentage(flat, c.total).trim()
        );
    } else {
        label.push('0');
    }
    let mut cum_value = flat_value;
    if cum != flat {
        label.push_str(if flat != 0 { "\\n" } else { " " });
        cum_value = (c.format_value)(cum);
        let _ = write!(
            label,
            "of {} ({})",
            cum_value,
            measurement::percentage(cum, c.total).trim()
        );
    }

    // Font sizes grow from 8 to 24 with the square root of the flat share.
    let mut font_size: i64 = 8;
    let aflat = abs64(flat) as f64;
    if max_flat != 0.0 && flat != 0 && aflat <= max_flat {
        // (Go's int(NaN), from the root of a negative -2^63, is -2^63.)
        font_size = font_size.wrapping_add(int64((16.0 * (aflat / max_flat).sqrt()).ceil()));
    }

    let shape = match attrs {
        Some(a) if !a.shape.is_empty() => a.shape.as_str(),
        _ => "box",
    };
    let share = node.cum_value() as f64 / abs64(c.total) as f64;
    let _ = write!(
        out,
        "N{id} [label=\"{label}\" id=\"node{id}\" fontsize={font_size} shape={shape} tooltip=\"{} ({})\" color=\"{}\" fillcolor=\"{}\"",
        escape_for_dot(&node.info.printable_name()),
        cum_value,
        dot_color(share, false),
        dot_color(share, true),
    );
    if let Some(a) = attrs {
        if a.bold {
            out.push_str(" style=\"bold,filled\"");
        }
        if a.peripheries != 0 {
            let _ = write!(out, " peripheries={}", a.peripheries);
        }
        if let Some(url) = dot_url(&a.url) {
            let _ = write!(out, " URL=\"{url}\" target=\"_blank\"");
        }
    }
    out.push_str("]\n");
}

/// Writes the tag boxes of a node; returns whether there were any.
fn add_nodelets(out: &mut String, node: &Node, id: usize, c: &DotConfig<'_>) -> bool {
    let mut nodelets = String::new();
    let mut labels: Vec<Tag> = node.label_tags.values().cloned().collect();
    // Leaves show cumulative tags (they include the weight of removed
    // callees); inner nodes show flat tags only.
    let flat_tags = !node.out_edges.is_empty();
    sort_tags(&mut labels, flat_tags);
    labels.truncate(MAX_NODELETS);
    for (i, t) in labels.iter().enumerate() {
        let w = if flat_tags {
            t.flat_value()
        } else {
            t.cum_value()
        };
        if w == 0 {
            continue;
        }
        let weight = (c.format_value)(w);
        let _ = writeln!(
            nodelets,
            "N{id}_{i} [label = \"{}\" id=\"N{id}_{i}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
            escape_tag_name(&t.name)
        );
        let _ = writeln!(
            nodelets,
            "N{id} -> N{id}_{i} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"]"
        );
        if let Some(nts) = node.numeric_tags.get(&t.name) {
            let nts: Vec<Tag> = nts.values().cloned().collect();
            numeric_nodelets(&mut nodelets, nts, flat_tags, &format!("N{id}_{i}"), c);
        }
    }
    if let Some(nts) = node.numeric_tags.get("") {
        let nts: Vec<Tag> = nts.values().cloned().collect();
        numeric_nodelets(&mut nodelets, nts, flat_tags, &format!("N{id}"), c);
    }
    out.push_str(&nodelets);
    !nodelets.is_empty()
}

fn numeric_nodelets(
    out: &mut String,
    tags: Vec<Tag>,
    flat_tags: bool,
    source: &str,
    c: &DotConfig<'_>,
) {
    for (j, t) in collapsed_tags(tags, MAX_NODELETS, flat_tags)
        .iter()
        .enumerate()
    {
        let (w, attr) = if flat_tags || t.flat_value() == t.cum_value() {
            (t.flat_value(), "")
        } else {
            (t.cum_value(), " style=\"dotted\"")
        };
        if w == 0 {
            continue;
        }
        let weight = (c.format_value)(w);
        let _ = writeln!(
            out,
            "N{source}_{j} [label = \"{}\" id=\"N{source}_{j}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
            escape_tag_name(&t.name)
        );
        let _ = writeln!(
            out,
            "{source} -> N{source}_{j} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"{attr}]"
        );
    }
}

/// Sorts numeric tags and, when there are more than `count`, groups them
/// into `count` ranges around the largest ones.
fn collapsed_tags(mut tags: Vec<Tag>, count: usize, flat_tags: bool) -> Vec<Tag> {
    sort_tags(&mut tags, flat_tags);
    if tags.len() <= count || count == 0 {
        return tags;
    }
    let rest = tags.split_off(count);
    let mut groups: Vec<Vec<Tag>> = tags.into_iter().map(|t| vec![t]).collect();
    for t in rest {
        let mut best = 0;
        let mut best_d = f64::INFINITY;
        for (i, g) in groups.iter().enumerate() {
            let Some(head) = g.first() else { continue };
            let d = tag_distance(&t, head);
            if i == 0 || d < best_d {
                best = i;
                best_d = d;
            }
        }
        if let Some(g) = groups.get_mut(best) {
            g.push(t);
        }
    }
    let mut out: Vec<Tag> = groups
        .iter()
        .map(|g| {
            let (name, flat, cum) = tag_group_label(g);
            Tag {
                name,
                flat,
                cum,
                ..Tag::default()
            }
        })
        .collect();
    sort_tags(&mut out, flat_tags);
    out
}

fn tag_distance(t: &Tag, u: &Tag) -> f64 {
    let (v, _) = measurement::scale(u.value, &u.unit, &t.unit);
    let tv = t.value as f64;
    if v < tv {
        tv - v
    } else {
        v - tv
    }
}

fn tag_group_label(g: &[Tag]) -> (String, i64, i64) {
    let Some(first) = g.first() else {
        return (String::new(), 0, 0);
    };
    if g.len() == 1 {
        return (
            measurement::label(first.value, &first.unit),
            first.flat_value(),
            first.cum_value(),
        );
    }
    let mut min = first;
    let mut max = first;
    let (mut df, mut f) = (first.flat_div, first.flat);
    let (mut dc, mut cum) = (first.cum_div, first.cum);
    for t in g.iter().skip(1) {
        let (v, _) = measurement::scale(t.value, &t.unit, &min.unit);
        if (v as i64) < min.value {
            min = t;
        }
        let (v, _) = measurement::scale(t.value, &t.unit, &max.unit);
        if (v as i64) > max.value {
            max = t;
        }
        f = f.wrapping_add(t.flat);
        df = df.wrapping_add(t.flat_div);
        cum = cum.wrapping_add(t.cum);
        dc = dc.wrapping_add(t.cum_div);
    }
    if df != 0 {
        f = f.checked_div(df).unwrap_or(f);
    }
    if dc != 0 {
        cum = cum.checked_div(dc).unwrap_or(cum);
    }
    let name = format!(
        "{}..{}",
        measurement::label(min.value, &min.unit),
        measurement::label(max.value, &max.unit)
    );
    (name, f, cum)
}

fn add_edge(
    out: &mut String,
    edge: &Edge,
    src: &Node,
    dest: &Node,
    from: usize,
    to: usize,
    has_nodelets: bool,
    c: &DotConfig<'_>,
) {
    let inline = if edge.inline { "\\n (inline)" } else { "" };
    let wv = edge.weight_value();
    let w = (c.format_value)(wv);
    let mut attr = format!("label=\" {w}{inline}\"");
    if c.total != 0 {
        // Edge weights above the total happen in difference profiles.
        let weight = 1 + abs64(wv.wrapping_mul(100).wrapping_div(c.total)).min(100);
        if weight > 1 {
            let _ = write!(attr, " weight={weight}");
        }
        let width = 1 + abs64(wv.wrapping_mul(5).wrapping_div(c.total)).min(5);
        if width > 1 {
            let _ = write!(attr, " penwidth={width}");
        }
        let _ = write!(
            attr,
            " color=\"{}\"",
            dot_color(wv as f64 / abs64(c.total) as f64, false)
        );
    }
    let arrow = if edge.residual { "..." } else { "->" };
    let tooltip = format!(
        "\"{} {} {} ({})\"",
        escape_for_dot(&src.info.printable_name()),
        arrow,
        escape_for_dot(&dest.info.printable_name()),
        w
    );
    let _ = write!(attr, " tooltip={tooltip} labeltooltip={tooltip}");
    if edge.residual {
        attr.push_str(" style=\"dotted\"");
    }
    if has_nodelets {
        // Keep callees further away from a node that has tag boxes.
        attr.push_str(" minlen=2");
    }
    let _ = writeln!(out, "N{from} -> N{to} [{attr}]");
}

/// A colour for a share between -1 (green) and 1 (red), grey near 0; light
/// for backgrounds, dark for lines and borders (pprof's `dotColor`).
pub fn dot_color(score: f64, background: bool) -> String {
    // How far scores are pushed away from grey.
    const SHIFT: f64 = 0.7;
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    // NaN (a zero value of a zero total) stays NaN, as in pprof: it makes
    // the green part NaN, written as 0 (red on pink).
    let mut score = score.clamp(-1.0, 1.0);
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    if score > 0.0 {
        score = score.powf(1.0 - SHIFT);
    }
    if score < 0.0 {
        score = -(-score).powf(1.0 - SHIFT);
    }
    let (r, g) = if score < 0.0 {
        (value * (1.0 + saturation * score), value)
    } else {
        (value, value * (1.0 - saturation * score))
    };
    let b = value * (1.0 - saturation);
    format!(
        "#{:02x}{:02x}{:02x}",
        to_u8(r * 255.0),
        to_u8(g * 255.0),
        to_u8(b * 255.0)
    )
}

fn to_u8(v: f64) -> u8 {
    // Go truncates toward zero; values are within 0..=255 here, or NaN,
    // which Go's conversion on amd64 and this cast both make 0.
    v as u8
}

/// The node name split over lines for the picture: shortened, with package
/// and class separators turned into line breaks (pprof's
/// `multilinePrintableName`).
fn multiline_printable_name(info: &NodeInfo, dialect: pprof_model::Dialect) -> String {
    let mut copy = info.clone();
    let name = escape_for_dot(&shorten_function_name(&copy.name, dialect))
        .replace("::", "\\n")
        // Go reports type parameters as "[...]"; keep them on one line.
        .replace("[...]", "[\u{2026}]")
        .replace('.', "\\n");
    copy.name = name;
    if !copy.file.is_empty() {
        copy.file = paths::base(&copy.file).to_string();
    }
    let mut s = copy.name_components().join("\\n");
    s.push_str("\\n");
    s
}

/// A link for a DOT `URL` attribute, or `None` when there is none or it
/// is not a web link. graphviz copies URLs into its SVG without escaping
/// quotes, so every character outside RFC 3986's set is percent-encoded;
/// only `http:`, `https:` and relative links are kept (no `javascript:`).
fn dot_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    if let Some((scheme, _)) = url.split_once(':') {
        let is_scheme = scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme
            && !scheme.eq_ignore_ascii_case("http")
            && !scheme.eq_ignore_ascii_case("https")
        {
            return None;
        }
    }
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

/// A tag box's label: the graph joins the labels of a tag with DOT's
/// `\n` line break, which stays; the label text between is escaped.
fn escape_tag_name(name: &str) -> String {
    name.split("\\n")
        .map(escape_for_dot)
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Escapes quotes and backslashes, and turns line breaks into graphviz's
/// left-justified breaks.
pub fn escape_for_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\l")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_match_pprof() {
        // Values from go1.19.8's -dot output of a CPU profile.
        assert_eq!(dot_color(1.0, false), "#b20000");
        assert_eq!(dot_color(1.0, true), "#edd5d5");
        assert_eq!(dot_color(0.0, false), "#b2b2b2");
        assert_eq!(dot_color(-1.0, false), "#00b200");
        // pprof's colours for 0 of a zero total.
        assert_eq!(dot_color(f64::NAN, false), "#b20000");
        assert_eq!(dot_color(f64::NAN, true), "#ed00d5");
    }

    #[test]
    fn urls_are_web_links_without_quotes() {
        assert_eq!(
            dot_url("https://x/a b\"c<d>").as_deref(),
            Some("https://x/a%20b%22c%3Cd%3E")
        );
        assert_eq!(dot_url(" JavaScript:alert(1)"), None);
        assert_eq!(dot_url("data:text/html,x"), None);
        assert_eq!(dot_url("").as_deref(), None);
        assert_eq!(dot_url("/ui/?f=x").as_deref(), Some("/ui/?f=x"));
    }

    #[test]
    fn tag_names_keep_their_line_breaks() {
        assert_eq!(
            escape_tag_name("route:/a\\nk:v\" x=\"y"),
            "route:/a\\nk:v\\\" x=\\\"y"
        );
    }

    #[test]
    fn escapes_for_dot() {
        assert_eq!(escape_for_dot("a\"b\\c\nd"), "a\\\"b\\\\c\\ld");
    }

    #[test]
    fn multiline_names() {
        let info = NodeInfo {
            name: "github.com/x/y.(*T).Run[...]".into(),
            ..Default::default()
        };
        assert_eq!(
            multiline_printable_name(&info, pprof_model::Dialect::Go127),
            "y\\n(*T)\\nRun[\u{2026}]\\n"
        );
    }
}
