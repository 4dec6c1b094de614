//! Machine-readable (JSON) variants of the text, traces, tags and tree/peek
//! reports. See the crate documentation for the schema.

use std::io::Write;

use crate::error::Result;
use crate::report::profile_labels;
use crate::report::Report;
use crate::text::{tags, text_items, tree, walk_traces, TreeEdge};

/// Appends `s` as a JSON string literal.
fn string(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

fn strings(out: &mut String, list: &[String]) {
    out.push('[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, s);
    }
    out.push(']');
}

/// Appends `,"settings":{...}`: the settings the report was made with,
/// when the caller gave any.
fn echo_settings(out: &mut String, rpt: &Report<'_>) {
    let settings = &rpt.options().settings;
    if settings.is_empty() {
        return;
    }
    key(out, "settings", false);
    out.push('{');
    for (i, (name, value)) in settings.iter().enumerate() {
        key(out, name, i == 0);
        string(out, value);
    }
    out.push('}');
}

/// Appends `"key":` (with a leading comma unless `first`).
fn key(out: &mut String, k: &str, first: bool) {
    if !first {
        out.push(',');
    }
    string(out, k);
    out.push(':');
}

fn header(out: &mut String, rpt: &Report<'_>, labels: &[String], total: Option<(i64, &str)>) {
    key(out, "labels", true);
    strings(out, labels);
    echo_settings(out, rpt);
    if let Some((total, unit)) = total {
        key(out, "total", false);
        out.push_str(&total.to_string());
        key(out, "unit", false);
        string(out, unit);
    }
}

/// Writes the text (top) report as JSON.
pub fn write_text_json(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let tr = text_items(rpt);
    let mut out = String::from("{");
    header(&mut out, rpt, &tr.labels, Some((tr.total, &tr.output_unit)));
    key(&mut out, "rows", false);
    out.push('[');
    for (i, r) in tr.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "name", true);
        string(&mut out, &r.name);
        key(&mut out, "inline", false);
        string(
            &mut out,
            r.inline_label.trim_matches(|c| c == '(' || c == ')'),
        );
        key(&mut out, "flat", false);
        out.push_str(&r.flat.to_string());
        key(&mut out, "flat_format", false);
        string(&mut out, &r.flat_format);
        key(&mut out, "cum", false);
        out.push_str(&r.cum.to_string());
        key(&mut out, "cum_format", false);
        string(&mut out, &r.cum_format);
        out.push('}');
    }
    out.push_str("]}\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

fn label_object<'a>(out: &mut String, labels: impl Iterator<Item = (&'a str, &'a [&'a str])>) {
    out.push('{');
    for (i, (k, v)) in labels.enumerate() {
        key(out, k, i == 0);
        out.push('[');
        for (j, s) in v.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            string(out, s);
        }
        out.push(']');
    }
    out.push('}');
}

/// Writes the traces report as JSON.
pub fn write_traces_json(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let mut out = String::from("{");
    header(&mut out, rpt, &profile_labels(rpt), None);
    key(&mut out, "traces", false);
    out.push('[');
    let mut first = true;
    walk_traces(rpt, |t| -> Result<()> {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('{');
        key(&mut out, "value", true);
        out.push_str(&t.value.to_string());
        key(&mut out, "value_format", false);
        string(&mut out, t.value_text);
        key(&mut out, "labels", false);
        label_object(&mut out, t.label_lines(true));
        key(&mut out, "num_labels", false);
        label_object(&mut out, t.label_lines(false));
        key(&mut out, "frames", false);
        out.push('[');
        for (j, &(name, inline)) in t.frames.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('{');
            key(&mut out, "name", true);
            string(&mut out, name);
            key(&mut out, "inline", false);
            out.push_str(if inline { "true" } else { "false" });
            out.push('}');
        }
        out.push_str("]}");
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
        Ok(())
    })?;
    out.push_str("]}\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// Writes the tags report as JSON.
pub fn write_tags_json(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let mut out = String::from("{");
    key(&mut out, "unit", true);
    string(&mut out, &rpt.options().sample_unit);
    echo_settings(&mut out, rpt);
    key(&mut out, "tags", false);
    out.push('[');
    for (i, g) in tags(rpt).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "key", true);
        string(&mut out, &g.key);
        key(&mut out, "total", false);
        out.push_str(&g.total.to_string());
        key(&mut out, "values", false);
        out.push('[');
        for (j, (v, weight)) in g.values.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('{');
            key(&mut out, "value", true);
            string(&mut out, v);
            key(&mut out, "weight", false);
            out.push_str(&weight.to_string());
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

fn edges(out: &mut String, list: &[TreeEdge]) {
    out.push('[');
    for (i, e) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(out, "name", true);
        string(out, &e.name);
        key(out, "weight", false);
        out.push_str(&e.weight.to_string());
        key(out, "weight_format", false);
        string(out, &e.weight_format);
        key(out, "inline", false);
        out.push_str(if e.inline { "true" } else { "false" });
        out.push('}');
    }
    out.push(']');
}

/// Writes the tree (or peek) report as JSON. Fails like
/// [`crate::write_tree`] when the symbol matches nothing.
pub fn write_tree_json(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let tr = tree(rpt)?;
    let mut out = String::from("{");
    header(&mut out, rpt, &tr.labels, Some((tr.total, &tr.output_unit)));
    key(&mut out, "nodes", false);
    out.push('[');
    for (i, n) in tr.entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "name", true);
        string(&mut out, &n.name);
        key(&mut out, "flat", false);
        out.push_str(&n.flat.to_string());
        key(&mut out, "flat_format", false);
        string(&mut out, &n.flat_format);
        key(&mut out, "cum", false);
        out.push_str(&n.cum.to_string());
        key(&mut out, "cum_format", false);
        string(&mut out, &n.cum_format);
        key(&mut out, "callers", false);
        edges(&mut out, &n.callers);
        key(&mut out, "callees", false);
        edges(&mut out, &n.callees);
        out.push('}');
    }
    out.push_str("]}\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
