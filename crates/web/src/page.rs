//! The pages: markup made here, behaviour in `assets/app.js` (no inline
//! script or handler: the Content-Security-Policy forbids them).

use std::fmt::Write as _;

use pprof_model::gofmt::xml_escape as escape;

use super::backend::{Flame, Made, Request};
use super::{param, Computed, Content, View, WebUi};

pub(super) const APP_JS: &str = include_str!("assets/app.js");
pub(super) const APP_CSS: &str = include_str!("assets/app.css");
pub(super) const FAVICON: &str = include_str!("assets/favicon.svg");

/// JSON for a `<script type="application/json">` block: no `<` at all, so
/// that no `</script>` or comment can end the block.
fn json_block(v: &str) -> String {
    v.replace('<', "\\u003c")
}

fn notices_html(notices: &[String]) -> String {
    let mut s = String::new();
    for n in notices {
        let _ = writeln!(s, "<p class=\"notice\">{}</p>", escape(n));
    }
    s
}

/// The page around a view's body: the part before it and the part after.
pub(super) fn page(
    ui: &WebUi,
    view: View,
    req: &Request,
    query: &[(String, String)],
    c: &Computed,
) -> (String, String) {
    let title = escape(&ui.title);
    let mut nav = String::new();
    for v in ui.views() {
        let current = if v == view { " class=\"current\"" } else { "" };
        let _ = write!(nav, "<a href=\"{}\"{current}>{}</a>", v.path(), v.title());
    }
    // Sample types: the current one is the query's, else the default.
    let chosen = param(query, "si");
    let mut select = String::from("<select id=\"sample\" title=\"Sample type\">");
    let default_index =
        pprof_ops::sample_index_by_name(&ui.profile, &ui.base_sample_index()).unwrap_or(0);
    for (i, name) in ui.sample_types.iter().enumerate() {
        let selected = if (chosen.is_empty() && i == default_index) || chosen == name {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            select,
            "<option value=\"{0}\"{selected}>{0}</option>",
            escape(name)
        );
    }
    select.push_str("</select>");

    // The refine form carries every setting once: the filters in boxes,
    // the others hidden.
    let mut form = String::new();
    let value = |p: &str| {
        req.params
            .iter()
            .find(|(k, _)| *k == p)
            .map_or(String::new(), |(_, v)| escape(v))
    };
    for (p, label) in [
        ("f", "focus"),
        ("i", "ignore"),
        ("h", "hide"),
        ("s", "show"),
        ("sf", "show_from"),
        ("tf", "tagfocus"),
        ("ti", "tagignore"),
    ] {
        let _ = write!(
            form,
            "<label>{label} <input name=\"{p}\" value=\"{}\" size=\"12\"></label>",
            value(p)
        );
    }
    for (p, v) in &req.params {
        if !matches!(*p, "f" | "i" | "h" | "s" | "sf" | "tf" | "ti") {
            let _ = write!(
                form,
                "<input type=\"hidden\" name=\"{p}\" value=\"{}\">",
                escape(v)
            );
        }
    }
    if view == View::Flame && super::is_true(param(query, "callers")) {
        form.push_str("<input type=\"hidden\" name=\"callers\" value=\"t\">");
    }

    let mut configs = String::new();
    for (name, url, current) in ui.configs(query) {
        let mark = if current { " class=\"current\"" } else { "" };
        let _ = write!(
            configs,
            "<li><a href=\"{}\"{mark}>{}</a>",
            escape(&format!("{}{url}", view.path())),
            escape(&name)
        );
        if name != "Default" {
            let _ = write!(
                configs,
                " <button type=\"button\" class=\"delete-config\" data-name=\"{}\" title=\"Delete\">×</button>",
                escape(&name)
            );
        }
        configs.push_str("</li>");
    }
    let saving = if ui.settings_file.is_some() {
        "<li><button type=\"button\" id=\"save-config\">Save as…</button></li>"
    } else {
        ""
    };

    let legend: String = c
        .legend
        .iter()
        .map(|l| format!("<span>{}</span>", escape(l)))
        .collect();
    let notices = notices_html(&c.notices);
    let view_name = view.title();
    let path = view.path();
    let head = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\">\
<title>{title} {view_name}</title>\
<link rel=\"icon\" href=\"/favicon.ico\">\
<link rel=\"stylesheet\" href=\"static/app.css\">\
<script src=\"static/app.js\" defer></script></head>\n\
<body data-view=\"{path}\">\n<header>\
<div class=\"bar\"><b class=\"name\">{title}</b><nav id=\"views\">{nav}</nav>\
<label class=\"sample\">{select}</label>\
<input id=\"search\" type=\"search\" placeholder=\"Search (regexp)\" size=\"18\" autocomplete=\"off\">\
<details class=\"menu\"><summary>Config</summary><ul id=\"configs\">{configs}{saving}</ul></details>\
<a id=\"download\" href=\"download\" download=\"profile.pb.gz\">Download</a></div>\
<form id=\"refine\" method=\"get\" action=\"{path}\">{form}\
<button type=\"submit\">Refine</button> <a href=\"{path}\" id=\"reset\">Reset</a></form>\
<div class=\"legend\">{legend}</div>{notices}</header>\n\
<main>\n",
    );
    let tail = String::from(
        "\n</main>\n\
<div id=\"actions\" class=\"actions\" hidden><div id=\"action-title\"></div>\
<a data-param=\"f\">Focus</a><a data-param=\"i\">Ignore</a><a data-param=\"h\">Hide</a>\
<a data-param=\"s\">Show</a><a data-param=\"sf\">Show from</a>\
<a data-view=\"peek\">Peek</a><a data-view=\"source\">Source</a></div>\n\
<div id=\"status\"></div>\n</body></html>\n",
    );
    (head, tail)
}

impl WebUi {
    /// The command line's sample index.
    fn base_sample_index(&self) -> String {
        self.base.sample_index.clone()
    }
}

/// The graph view: the SVG inline, the node names for the script.
pub(super) fn graph(made: Made<(String, Vec<String>)>) -> Result<Computed, String> {
    let (dot, nodes) = made.value;
    let out = pprof_export::svg_from_dot_plain(&dot).map_err(|e| e.to_string())?;
    let svg = String::from_utf8_lossy(&out.svg).into_owned();
    // The document's prolog and comments go; the <svg> element stays.
    let svg = svg
        .get(svg.find("<svg").unwrap_or(0)..)
        .unwrap_or("")
        .to_string();
    let nodes_json = serde_json::to_string(&nodes).unwrap_or_else(|_| "[]".into());
    let json = serde_json::json!({
        "labels": made.legend,
        "notices": made.notices,
        "nodes": nodes,
        "dot": dot,
        "svg": svg,
    })
    .to_string();
    let body = format!(
        "<div id=\"graph\" class=\"graph\">{svg}</div>\
<p class=\"hint\">Drag to pan, wheel to zoom, double-click to reset; click a node to refine.</p>\
<script type=\"application/json\" id=\"data\">{}</script>",
        json_block(&format!("{{\"nodes\":{nodes_json}}}"))
    );
    Ok(Computed {
        content: Content::Page { body, json },
        legend: made.legend,
        notices: made.notices,
    })
}

/// The flame graph view: the stack tree as JSON, drawn by the script.
pub(super) fn flame(made: Made<Flame>) -> Result<Computed, String> {
    let f = &made.value;
    let short: Vec<String> = f
        .tree
        .names
        .iter()
        .map(|n| pprof_graph::shorten_function_name(n, f.dialect))
        .collect();
    let nodes: Vec<[i64; 5]> = f
        .tree
        .nodes
        .iter()
        .map(|n| {
            [
                i64::from(n.name),
                i64::from(n.parent),
                n.cum,
                n.flat,
                n.cum_base,
            ]
        })
        .collect();
    let data = serde_json::json!({
        "labels": made.legend,
        "notices": made.notices,
        "total": f.total,
        "diff": f.tree.diff,
        "names": f.tree.names,
        "short": short,
        "nodes": nodes,
        "formatted": f.formatted,
    })
    .to_string();
    let body = format!(
        "<div class=\"flame-tools\"><label><input type=\"checkbox\" id=\"callers\"> Callers (root at the leaves)</label> \
<label><input type=\"checkbox\" id=\"upward\"> Flame (root at the bottom)</label> \
<button type=\"button\" id=\"unzoom\" hidden>Reset zoom</button></div>\
<div id=\"flame\" class=\"flame\"></div>\
<script type=\"application/json\" id=\"data\">{}</script>",
        json_block(&data)
    );
    Ok(Computed {
        content: Content::Page { body, json: data },
        legend: made.legend,
        notices: made.notices,
    })
}

/// The top view: a table the script sorts.
pub(super) fn top(made: Made<String>) -> Result<Computed, String> {
    let v: serde_json::Value = serde_json::from_str(&made.value).map_err(|e| e.to_string())?;
    let total = v["total"].as_i64().unwrap_or(0).unsigned_abs().max(1) as f64;
    let pct = |x: i64| format!("{:.2}%", 100.0 * x as f64 / total);
    let mut rows = String::new();
    let mut sum = 0i64;
    for r in v["rows"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let flat = r["flat"].as_i64().unwrap_or(0);
        let cum = r["cum"].as_i64().unwrap_or(0);
        sum += flat;
        let name = r["name"].as_str().unwrap_or("");
        let _ = write!(
            rows,
            "<tr data-name=\"{n}\"><td data-v=\"{flat}\">{}</td><td>{}</td><td>{}</td>\
<td data-v=\"{cum}\">{}</td><td>{}</td><td class=\"name\">{n}</td><td>{}</td></tr>",
            escape(r["flat_format"].as_str().unwrap_or("")),
            pct(flat),
            pct(sum),
            escape(r["cum_format"].as_str().unwrap_or("")),
            pct(cum),
            escape(r["inline"].as_str().unwrap_or("")),
            n = escape(name),
        );
    }
    let body = format!(
        "<table id=\"top\" class=\"top\"><thead><tr>\
<th data-key=\"0\" data-num=\"1\">Flat</th><th>Flat%</th><th>Sum%</th>\
<th data-key=\"3\" data-num=\"1\">Cum</th><th>Cum%</th><th data-key=\"5\">Name</th><th>Inlined?</th>\
</tr></thead><tbody>{rows}</tbody></table>"
    );
    // The report's legend also names the active filters.
    let legend = v["labels"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|s| s.as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or(made.legend);
    Ok(Computed {
        content: Content::Page {
            body,
            json: made.value,
        },
        legend,
        notices: made.notices,
    })
}

/// Peek, tags and disassembly: the text report, one span a line.
pub(super) fn text(made: Made<String>) -> Computed {
    Computed {
        content: Content::Text(made.value),
        legend: made.legend,
        notices: made.notices,
    }
}

/// The markup before and after the lines of a text report.
pub(super) const TEXT_START: &str = "<pre class=\"report\">";
pub(super) const TEXT_END: &str = "</pre>";

/// The markup of a text report.
pub(super) fn text_body(text: &str, out: &mut String) {
    out.push_str(TEXT_START);
    text_lines(text, 0, usize::MAX, out);
    out.push_str(TEXT_END);
}

/// Appends the markup of the lines of `text` from byte `from` (the start
/// of a line) until about `limit` bytes are added; answers where it
/// stopped (the end of `text` when it is done).
pub(super) fn text_lines(text: &str, from: usize, limit: usize, out: &mut String) -> usize {
    let start = out.len();
    let mut pos = from;
    while pos < text.len() && out.len() - start < limit {
        let rest = text.get(pos..).unwrap_or("");
        let (line, next) = match rest.find('\n') {
            Some(i) => (rest.get(..i).unwrap_or(""), pos + i + 1),
            None => (rest, text.len()),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push_str("<span class=\"line\">");
        out.push_str(&escape(line));
        out.push_str("</span>");
        pos = next;
    }
    pos
}

/// The source view: pprof's weblist listing (each source line with its
/// values, a click shows its instructions; heat from each line's share of
/// its function's largest), with notices for binaries that were not read.
pub(super) fn source(made: Made<(String, serde_json::Value)>) -> Computed {
    let (listing, mut json) = made.value;
    let mut notices = made.notices;
    if let Some(m) = json["messages"].as_array() {
        notices.extend(m.iter().filter_map(|m| m.as_str().map(str::to_string)));
    }
    json["labels"] = serde_json::json!(made.legend);
    json["notices"] = serde_json::json!(notices);
    Computed {
        content: Content::Page {
            body: format!("<div class=\"source weblist\">{listing}</div>"),
            json: json.to_string(),
        },
        legend: made.legend,
        notices,
    }
}

/// A small line chart of counts over the snapshots.
fn sparkline(counts: &[i64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if counts.len() > 1 {
        80.0 / (counts.len() - 1) as f64
    } else {
        0.0
    };
    let points: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| format!("{:.1},{:.1}", i as f64 * step, 18.0 - 16.0 * c as f64 / max))
        .collect();
    format!(
        "<svg class=\"spark\" width=\"84\" height=\"20\" viewBox=\"-2 0 84 20\"><polyline points=\"{}\"/></svg>",
        points.join(" ")
    )
}

/// The leak view: `pprof-tools leak`'s combined report, one group of rows
/// per analysis (proven by the runtime, growth, wait times, heap growth),
/// suspects first in each.
pub(super) fn leak(report: &pprof_leak::Report) -> Computed {
    use pprof_leak::render::{counts_text, format_bytes, verdict_text};
    let json = pprof_leak::render::json(report);
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"message\">Verdict: {}.</p>",
        escape(&verdict_text(report))
    );
    for skipped in &report.skipped {
        let _ = write!(body, "<p class=\"notice\">Not analysed: {skipped}.</p>");
    }
    body.push_str(
        "<table id=\"leak\" class=\"top leak\"><thead><tr><th>Verdict</th><th>Trend</th>\
<th>Goroutines</th><th>Increase</th><th>Per minute</th><th>Blocked in</th><th>Waiting for</th>\
<th>At</th><th>Created by</th><th>Held</th></tr></thead>",
    );
    for t in report.trends() {
        let suspects = t.suspects().count();
        let n = t.snapshots.len();
        let _ = write!(
            body,
            "<tbody><tr class=\"basis\" data-name=\"\"><th colspan=\"10\">{}{}: {n} snapshot{}{}; \
{suspects} suspect stack{}.</th></tr>",
            escape(t.basis.describe()),
            if t.kind == pprof_leak::SnapshotKind::Heap {
                " (heap)"
            } else {
                ""
            },
            if n == 1 { "" } else { "s" },
            t.span_minutes()
                .map_or(String::new(), |m| format!(" over {m:.1} minutes")),
            if suspects == 1 { "" } else { "s" }
        );
        for s in &t.stacks {
            let created = s.created_by.as_ref().map_or(String::new(), |c| {
                format!("{} {}:{}", c.function, c.file, c.line)
            });
            let mut waiting = s.kind.map_or(String::new(), |k| k.describe().to_string());
            if let Some(w) = &s.wait {
                let _ = write!(
                    waiting,
                    " ({}–{} min, median {})",
                    w.min_minutes, w.max_minutes, w.median_minutes
                );
            }
            let held = s.stack_bytes.saturating_add(s.heap_bytes.unwrap_or(0));
            let _ = write!(
                body,
                "<tr data-name=\"{name}\" class=\"{v}\"><td>{v}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
<td class=\"name\">{name}</td><td>{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td></tr>",
                sparkline(&s.counts),
                escape(&counts_text(t.kind, &s.counts)),
                match (n, t.kind) {
                    (0 | 1, _) => String::new(),
                    (_, pprof_leak::SnapshotKind::Heap) if s.increase >= 0 => {
                        format!("+{}", format_bytes(s.increase))
                    }
                    (_, pprof_leak::SnapshotKind::Heap) => format_bytes(s.increase),
                    _ => format!("{:+}", s.increase),
                },
                s.growth_per_minute.map_or(String::new(), |g| format!("{g:.1}")),
                escape(&waiting),
                escape(&s.blocking.as_ref().map_or(String::new(), |b| b.position())),
                escape(&created),
                if held > 0 { format_bytes(held) } else { String::new() },
                v = s.verdict.name(),
                name = escape(s.title()),
            );
        }
        body.push_str("</tbody>");
    }
    body.push_str("</table>");
    Computed {
        content: Content::Page { body, json },
        legend: Vec::new(),
        notices: Vec::new(),
    }
}
