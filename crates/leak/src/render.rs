//! Reports: text, JSON, SVG sparklines and a standalone HTML page.

use std::fmt::Write as _;

use crate::analyze::{CreatorSource, Report, SnapshotKind, StackTrend, Trend, Verdict};

/// Rendering choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// List every stack, not only suspects and growing stacks.
    pub all: bool,
    /// Most suspects listed per analysis (0 = no limit).
    pub max_suspects: usize,
    /// Frames printed per stack (0 = none).
    pub max_frames: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            all: false,
            max_suspects: 20,
            max_frames: 12,
        }
    }
}

/// Formats bytes with binary units: `512B`, `8KiB`, `1.50MiB`.
pub fn format_bytes(b: i64) -> String {
    let neg = b < 0;
    let u = b.unsigned_abs() as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = u;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    let sign = if neg { "-" } else { "" };
    let unit = units.get(i).copied().unwrap_or("B");
    if i == 0 || v.fract() == 0.0 {
        format!("{sign}{v:.0}{unit}")
    } else {
        format!("{sign}{v:.2}{unit}")
    }
}

fn format_value(kind: SnapshotKind, v: i64) -> String {
    match kind {
        SnapshotKind::Goroutine => v.to_string(),
        SnapshotKind::Heap => format_bytes(v),
    }
}

fn format_rate(kind: SnapshotKind, r: f64) -> String {
    match kind {
        SnapshotKind::Goroutine => format!("{r:+.1}"),
        SnapshotKind::Heap => {
            let s = format_bytes(r.round() as i64);
            if r >= 0.0 {
                format!("+{s}")
            } else {
                s
            }
        }
    }
}

/// The growth of a stack in words: `+72, +3686.2/min, monotonic`.
pub fn growth_text(kind: SnapshotKind, s: &StackTrend) -> String {
    let inc = match kind {
        SnapshotKind::Goroutine => format!("{:+}", s.increase),
        SnapshotKind::Heap => {
            let b = format_bytes(s.increase);
            if s.increase >= 0 {
                format!("+{b}")
            } else {
                b
            }
        }
    };
    let rate = match s.growth_per_minute {
        Some(r) => format!("{}/min", format_rate(kind, r)),
        None => format!("{}/snapshot", format_rate(kind, s.growth_per_snapshot)),
    };
    let mono = if s.monotonic {
        "monotonic"
    } else {
        "not monotonic"
    };
    format!("{inc}, {rate}, {mono}")
}

fn counts_text(kind: SnapshotKind, counts: &[i64]) -> String {
    let v: Vec<String> = counts.iter().map(|&c| format_value(kind, c)).collect();
    v.join(" → ")
}

fn span_text(t: &Trend) -> String {
    let n = t.snapshots.len();
    match (t.timed, t.snapshots.first(), t.snapshots.last()) {
        (true, Some(a), Some(b)) => {
            let d = b.time_nanos.saturating_sub(a.time_nanos);
            // Round to milliseconds for reading.
            let d = (d / 1_000_000).saturating_mul(1_000_000);
            format!(
                "{n} snapshots over {}",
                pprof_model::gofmt::duration_string(d)
            )
        }
        _ => format!("{n} snapshots (no profile times: growth is per snapshot)"),
    }
}

/// The plain-text report.
pub fn text(report: &Report, ro: &RenderOptions) -> String {
    let mut out = String::new();
    if let Some(g) = &report.goroutines {
        text_trend(&mut out, report, g, ro);
    }
    if let Some(h) = &report.heap {
        if !out.is_empty() {
            out.push('\n');
        }
        text_trend(&mut out, report, h, ro);
    }
    out.push('\n');
    if report.leak_suspected() {
        out.push_str("Verdict: leak suspected\n");
    } else {
        out.push_str("Verdict: no leak\n");
    }
    out
}

fn text_trend(out: &mut String, report: &Report, t: &Trend, ro: &RenderOptions) {
    let (title, unit) = match t.kind {
        SnapshotKind::Goroutine => ("Goroutine leak analysis", "goroutines"),
        SnapshotKind::Heap => ("Heap growth analysis (inuse_space)", "in use"),
    };
    let totals: Vec<i64> = t.snapshots.iter().map(|s| s.total).collect();
    let _ = writeln!(out, "{title}: {}", span_text(t));
    let _ = writeln!(out, "Total {unit}: {}", counts_text(t.kind, &totals));
    let suspects: Vec<(usize, &StackTrend)> = t
        .stacks
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_suspect())
        .collect();
    if suspects.is_empty() {
        let _ = writeln!(out, "No leak: no stack grew beyond the thresholds.");
    } else {
        let _ = writeln!(out, "{} suspect(s):", suspects.len());
        if t.snapshots.len() == 2 {
            let _ = writeln!(
                out,
                "(2 snapshots cannot show steady growth; a third one confirms or clears a suspect)"
            );
        }
    }
    let limit = if ro.max_suspects == 0 {
        usize::MAX
    } else {
        ro.max_suspects
    };
    for (rank, (idx, s)) in suspects.iter().enumerate().take(limit) {
        out.push('\n');
        text_stack(out, report, t, *idx, s, rank + 1, ro);
    }
    if suspects.len() > limit {
        let _ = writeln!(out, "\n... {} more suspect(s)", suspects.len() - limit);
    }
    let others: Vec<&StackTrend> = t.stacks.iter().filter(|s| !s.is_suspect()).collect();
    let growing: Vec<&&StackTrend> = others
        .iter()
        .filter(|s| s.verdict == Verdict::Growing || (s.ignored && s.verdict == Verdict::Leak))
        .collect();
    if !growing.is_empty() {
        let _ = writeln!(out, "\nGrowing but not flagged (not monotonic or ignored):");
        for s in &growing {
            let why = if s.ignored { " [ignored]" } else { "" };
            let _ = writeln!(
                out,
                "  {}  {} ({}){why}",
                s.title(),
                counts_text(t.kind, &s.counts),
                growth_text(t.kind, s)
            );
        }
    }
    if ro.all {
        let _ = writeln!(out, "\nAll other stacks:");
        for s in others
            .iter()
            .filter(|s| !growing.iter().any(|g| std::ptr::eq(**g, **s)))
        {
            let _ = writeln!(
                out,
                "  {:<9} {}  {}",
                s.verdict.name(),
                s.title(),
                counts_text(t.kind, &s.counts)
            );
        }
    } else {
        let steady = others.len() - growing.len();
        if steady > 0 {
            let _ = writeln!(
                out,
                "\n{steady} other stack(s) steady or shrinking (--all lists them)."
            );
        }
    }
}

fn text_stack(
    out: &mut String,
    report: &Report,
    t: &Trend,
    _idx: usize,
    s: &StackTrend,
    rank: usize,
    ro: &RenderOptions,
) {
    let _ = writeln!(
        out,
        "#{rank} {}  {}  ({})",
        s.title(),
        counts_text(t.kind, &s.counts),
        growth_text(t.kind, s)
    );
    match t.kind {
        SnapshotKind::Goroutine => {
            let kind = s.kind.map(|k| k.describe()).unwrap_or("unknown");
            match &s.blocking {
                Some(b) => {
                    let _ = writeln!(
                        out,
                        "   blocked on:  {kind} at {} ({})",
                        b.function,
                        b.position()
                    );
                }
                None => {
                    let _ = writeln!(out, "   blocked on:  {kind}");
                }
            }
            if let Some(state) = &s.state {
                let _ = writeln!(out, "   state:       {state}");
            }
            match &s.created_by {
                Some(c) => {
                    let pos = match (c.file.is_empty(), c.line) {
                        (true, _) => String::new(),
                        (false, 0) => format!(" ({})", c.file),
                        (false, l) => format!(" ({}:{l})", c.file),
                    };
                    let how = match c.source {
                        CreatorSource::Label => "",
                        CreatorSource::Source => " [from source]",
                        CreatorSource::Closure => " [enclosing function of the closure]",
                    };
                    let _ = writeln!(out, "   created by:  {}{pos}{how}", c.function);
                }
                None => {
                    let _ = writeln!(
                        out,
                        "   created by:  unknown (a debug=2 dump or -source_path tells)"
                    );
                }
            }
            if let Some(e) = &s.entry {
                let _ = writeln!(out, "   entry:       {}", e.function);
            }
            if let Some(w) = &s.wait {
                let b: Vec<String> = w
                    .buckets
                    .iter()
                    .map(|b| match b.to_minutes {
                        Some(to) => format!("{}-{}m: {}", b.from_minutes, to, b.goroutines),
                        None => format!(">={}m: {}", b.from_minutes, b.goroutines),
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "   waiting:     min {}m, median {}m, max {}m ({})",
                    w.min_minutes,
                    w.median_minutes,
                    w.max_minutes,
                    b.join(", ")
                );
            }
            let last = s.counts.last().copied().unwrap_or(0);
            let per = format_bytes(report.options.stack_bytes);
            let mut mem = format!(
                "   memory held: ~{} of stacks ({last} × {per})",
                format_bytes(s.stack_bytes)
            );
            match s.heap_bytes {
                Some(0) => mem.push_str(", no related heap growth"),
                Some(h) => {
                    let _ = write!(mem, " + {} heap on related growing paths", format_bytes(h));
                }
                None => {}
            }
            let _ = writeln!(out, "{mem}");
            if let Some(h) = &report.heap {
                for &r in &s.related {
                    if let Some(hs) = h.stacks.get(r) {
                        let _ = writeln!(
                            out,
                            "   heap growth: {} ({})",
                            hs.title(),
                            growth_text(SnapshotKind::Heap, hs)
                        );
                    }
                }
            }
        }
        SnapshotKind::Heap => {
            if let Some(b) = &s.blocking {
                let _ = writeln!(out, "   allocated at: {} ({})", b.function, b.position());
            }
            if let Some(g) = &report.goroutines {
                for &r in &s.related {
                    if let Some(gs) = g.stacks.get(r) {
                        let _ = writeln!(
                            out,
                            "   goroutine suspect sharing frames: {} ({} goroutines, {})",
                            gs.title(),
                            gs.counts.last().copied().unwrap_or(0),
                            gs.kind.map(|k| k.describe()).unwrap_or("unknown")
                        );
                    }
                }
            }
        }
    }
    if ro.max_frames > 0 && !s.frames.is_empty() {
        let _ = writeln!(out, "   stack:");
        // The frames above the blocking frame (runtime parking or
        // allocation machinery) fit on one line.
        let skip = s
            .blocking
            .as_ref()
            .and_then(|b| s.frames.iter().position(|f| f == b))
            .unwrap_or(0);
        if skip > 0 {
            let names: Vec<&str> = s.frames[..skip]
                .iter()
                .map(|f| f.function.as_str())
                .collect();
            let _ = writeln!(out, "     [{}]", names.join(" < "));
        }
        let rest = s.frames.get(skip..).unwrap_or(&[]);
        for f in rest.iter().take(ro.max_frames) {
            let _ = writeln!(out, "     {} {}", f.function, f.position());
        }
        if rest.len() > ro.max_frames {
            let _ = writeln!(out, "     ... {} more", rest.len() - ro.max_frames);
        }
    }
}

// ---------------------------------------------------------------------------
// JSON

/// Appends `s` as a JSON string literal.
fn json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

fn json_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    } else {
        out.push_str("null");
    }
}

fn json_frame(out: &mut String, f: &crate::analyze::Frame) {
    out.push_str("{\"function\":");
    json_str(out, &f.function);
    out.push_str(",\"file\":");
    json_str(out, &f.file);
    let _ = write!(out, ",\"line\":{}}}", f.line);
}

fn json_ints(out: &mut String, v: &[i64]) {
    out.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{x}");
    }
    out.push(']');
}

/// The report as one JSON object (`goroutines` and `heap` analyses, each
/// with its snapshots and every stack, suspects first).
pub fn json(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"leak_suspected\":{},\"goroutines\":",
        report.leak_suspected()
    );
    json_trend(&mut out, report.goroutines.as_ref());
    out.push_str(",\"heap\":");
    json_trend(&mut out, report.heap.as_ref());
    out.push_str("}\n");
    out
}

fn json_trend(out: &mut String, t: Option<&Trend>) {
    let Some(t) = t else {
        out.push_str("null");
        return;
    };
    let _ = write!(
        out,
        "{{\"kind\":\"{}\",\"timed\":{},",
        t.kind.name(),
        t.timed
    );
    out.push_str("\"snapshots\":[");
    for (i, s) in t.snapshots.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"input\":{},\"time_nanos\":{},\"total\":{}}}",
            s.input, s.time_nanos, s.total
        );
    }
    out.push_str("],\"stacks\":[");
    for (i, s) in t.stacks.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_stack(out, s);
    }
    out.push_str("]}");
}

fn json_stack(out: &mut String, s: &StackTrend) {
    out.push_str("{\"title\":");
    json_str(out, s.title());
    let _ = write!(
        out,
        ",\"suspect\":{},\"verdict\":\"{}\",\"ignored\":{},\"counts\":",
        s.is_suspect(),
        s.verdict.name(),
        s.ignored
    );
    json_ints(out, &s.counts);
    let _ = write!(out, ",\"increase\":{},\"growth_per_minute\":", s.increase);
    match s.growth_per_minute {
        Some(r) => json_f64(out, r),
        None => out.push_str("null"),
    }
    out.push_str(",\"growth_per_snapshot\":");
    json_f64(out, s.growth_per_snapshot);
    let _ = write!(out, ",\"monotonic\":{},\"blocking\":", s.monotonic);
    match &s.blocking {
        Some(f) => json_frame(out, f),
        None => out.push_str("null"),
    }
    out.push_str(",\"kind\":");
    match s.kind {
        Some(k) => json_str(out, k.describe()),
        None => out.push_str("null"),
    }
    out.push_str(",\"state\":");
    match &s.state {
        Some(st) => json_str(out, st),
        None => out.push_str("null"),
    }
    out.push_str(",\"entry\":");
    match &s.entry {
        Some(f) => json_frame(out, f),
        None => out.push_str("null"),
    }
    out.push_str(",\"created_by\":");
    match &s.created_by {
        Some(c) => {
            out.push_str("{\"function\":");
            json_str(out, &c.function);
            out.push_str(",\"file\":");
            json_str(out, &c.file);
            let src = match c.source {
                CreatorSource::Label => "label",
                CreatorSource::Source => "source",
                CreatorSource::Closure => "closure",
            };
            let _ = write!(out, ",\"line\":{},\"from\":\"{src}\"}}", c.line);
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"wait\":");
    match &s.wait {
        Some(w) => {
            let _ = write!(
                out,
                "{{\"goroutines\":{},\"min_minutes\":{},\"median_minutes\":{},\"max_minutes\":{},\"buckets\":[",
                w.goroutines, w.min_minutes, w.median_minutes, w.max_minutes
            );
            for (i, b) in w.buckets.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let to = b.to_minutes.map(|t| t.to_string());
                let _ = write!(
                    out,
                    "{{\"from_minutes\":{},\"to_minutes\":{},\"goroutines\":{}}}",
                    b.from_minutes,
                    to.as_deref().unwrap_or("null"),
                    b.goroutines
                );
            }
            out.push_str("]}");
        }
        None => out.push_str("null"),
    }
    let _ = write!(out, ",\"stack_bytes\":{},\"heap_bytes\":", s.stack_bytes);
    match s.heap_bytes {
        Some(h) => {
            let _ = write!(out, "{h}");
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"related\":[");
    for (i, r) in s.related.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{r}");
    }
    out.push_str("],\"frames\":[");
    for (i, f) in s.frames.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_frame(out, f);
    }
    out.push_str("]}");
}

// ---------------------------------------------------------------------------
// SVG and HTML

use pprof_model::gofmt::xml_escape;

fn sparkline_body(values: &[i64], x0: f64, y0: f64, width: f64, height: f64) -> String {
    let mut out = String::new();
    let min = values.iter().copied().min().unwrap_or(0).min(0) as f64;
    let max = values.iter().copied().max().unwrap_or(0) as f64;
    let range = if max > min { max - min } else { 1.0 };
    let n = values.len();
    let step = if n > 1 { width / (n - 1) as f64 } else { 0.0 };
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let x = x0 + step * i as f64;
            let y = y0 + height - (v as f64 - min) / range * height;
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"{}\"/>",
        pts.join(" ")
    );
    if let Some(last) = pts.last() {
        if let Some((x, y)) = last.split_once(',') {
            let _ = write!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"2\" fill=\"#c0392b\"/>"
            );
        }
    }
    out
}

/// A small standalone SVG sparkline of `values` (zero-based y axis).
pub fn sparkline_svg(values: &[i64], width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width), f64::from(height));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">{}</svg>",
        sparkline_body(values, 2.0, 2.0, (w - 4.0).max(1.0), (h - 4.0).max(1.0))
    )
}

fn suspects_of(report: &Report) -> Vec<(&Trend, &StackTrend)> {
    report
        .goroutines
        .iter()
        .chain(report.heap.iter())
        .flat_map(|t| t.suspects().map(move |s| (t, s)))
        .collect()
}

fn svg_title(t: &Trend, s: &StackTrend) -> String {
    let last = format_value(t.kind, s.counts.last().copied().unwrap_or(0));
    let what = match (t.kind, s.kind) {
        (SnapshotKind::Goroutine, Some(k)) => k.describe().to_string(),
        _ => "heap".to_string(),
    };
    format!("{} [{what}] {last} ({})", s.title(), growth_text(t.kind, s))
}

/// An SVG document with one labelled sparkline per suspect (or a "no leak"
/// line).
pub fn svg(report: &Report) -> String {
    let rows = suspects_of(report);
    let row_h = 28.0;
    let height = (rows.len().max(1) as f64) * row_h + 8.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    if rows.is_empty() {
        out.push_str("<text x=\"4\" y=\"20\">no leak</text>\n");
    }
    for (i, (t, s)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        out.push_str(&sparkline_body(&s.counts, 4.0, y + 2.0, 110.0, row_h - 8.0));
        let _ = writeln!(
            out,
            "<text x=\"124\" y=\"{:.1}\">{}</text>",
            y + row_h / 2.0 + 4.0,
            xml_escape(&svg_title(t, s))
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A standalone HTML page: the suspects with sparklines, then the text report.
pub fn html(report: &Report, ro: &RenderOptions) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pprof-tools leak</title>\n<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:middle}pre{background:#f6f6f6;padding:8px}</style></head><body>\n",
    );
    let verdict = if report.leak_suspected() {
        "leak suspected"
    } else {
        "no leak"
    };
    let _ = writeln!(out, "<h1>Leak analysis: {verdict}</h1>");
    let rows = suspects_of(report);
    if !rows.is_empty() {
        out.push_str("<table>\n<tr><th>trend</th><th>suspect</th><th>counts</th><th>growth</th><th>blocked</th><th>created by</th></tr>\n");
        for (t, s) in rows {
            let blocked = match (&s.blocking, s.kind) {
                (Some(b), Some(k)) => format!("{} at {}", k.describe(), b.position()),
                (Some(b), None) => format!("allocated at {}", b.position()),
                _ => String::new(),
            };
            let created = s
                .created_by
                .as_ref()
                .map(|c| c.function.clone())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sparkline_svg(&s.counts, 120, 28),
                xml_escape(s.title()),
                xml_escape(&counts_text(t.kind, &s.counts)),
                xml_escape(&growth_text(t.kind, s)),
                xml_escape(&blocked),
                xml_escape(&created)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(out, "<pre>{}</pre>", xml_escape(&text(report, ro)));
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(format_bytes(512), "512B");
        assert_eq!(format_bytes(8192), "8KiB");
        assert_eq!(format_bytes(1536 * 1024), "1.50MiB");
        assert_eq!(format_bytes(-2048), "-2KiB");
    }

    #[test]
    fn sparkline_points() {
        let s = sparkline_svg(&[0, 5, 10], 24, 14);
        assert!(s.contains("points=\"2.0,12.0 12.0,7.0 22.0,2.0\""), "{s}");
        assert!(sparkline_svg(&[], 10, 10).contains("points=\"\""));
    }

    #[test]
    fn json_escapes() {
        let mut o = String::new();
        json_str(&mut o, "a\"b\\\n\u{1}");
        assert_eq!(o, "\"a\\\"b\\\\\\n\\u0001\"");
    }
}
