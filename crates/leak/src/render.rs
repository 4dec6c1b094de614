//! Reports: text, JSON, SVG sparklines and a standalone HTML page.

use std::fmt::Write as _;

use crate::analyze::{Basis, CreatorSource, Report, SnapshotKind, StackTrend, Trend, Verdict};

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

/// Formats bytes with binary units: `512B`, `8KiB`, `1.50MiB`, up to
/// `EiB` (`i64::MAX` is `8EiB`).
pub fn format_bytes(b: i64) -> String {
    let neg = b < 0;
    let u = b.unsigned_abs() as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
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
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => v.to_string(),
        SnapshotKind::Heap => format_bytes(v),
    }
}

fn format_rate(kind: SnapshotKind, r: f64) -> String {
    match kind {
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => format!("{r:+.1}"),
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
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => format!("{:+}", s.increase),
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

/// Most values of a series printed in full; longer series show their
/// first and last [`SERIES_ENDS`] values.
pub const MAX_SERIES: usize = 12;
/// Values kept at each end of an abbreviated series.
pub const SERIES_ENDS: usize = 4;

/// A series of counts: `4 → 8 → 12`, or for more than [`MAX_SERIES`]
/// values `1 → 2 → 3 → 4 → … → 997 → 998 → 999 → 1000 (1000 snapshots)`.
pub fn counts_text(kind: SnapshotKind, counts: &[i64]) -> String {
    let f = |c: &i64| format_value(kind, *c);
    if counts.len() <= MAX_SERIES {
        let v: Vec<String> = counts.iter().map(f).collect();
        return v.join(" → ");
    }
    let head: Vec<String> = counts.iter().take(SERIES_ENDS).map(f).collect();
    let tail: Vec<String> = counts[counts.len() - SERIES_ENDS..].iter().map(f).collect();
    format!(
        "{} → … → {} ({} snapshots)",
        head.join(" → "),
        tail.join(" → "),
        counts.len()
    )
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

/// The verdict in words: `leak proven by the runtime`, `leak suspected
/// from growth`, `leak suspected from wait times (heuristic)` or `no leak`.
pub fn verdict_text(report: &Report) -> String {
    let has = |t: &Option<Trend>| t.as_ref().is_some_and(|t| t.suspects().next().is_some());
    if report.leak_proven() {
        "leak proven by the runtime".to_string()
    } else if has(&report.goroutines) || has(&report.heap) {
        "leak suspected from growth".to_string()
    } else if has(&report.waits) && report.options.wait_gate {
        "leak suspected from wait times (heuristic)".to_string()
    } else if has(&report.waits) {
        "no leak proven or growing (wait-time suspects reported only: -wait_gate=false)".to_string()
    } else {
        "no leak".to_string()
    }
}

/// The plain-text report: proven leaks first, then growth, the wait-time
/// heuristic and heap growth, then the verdict.
pub fn text(report: &Report, ro: &RenderOptions) -> String {
    let mut out = String::new();
    for t in report.trends() {
        if !out.is_empty() {
            out.push('\n');
        }
        text_trend(&mut out, report, t, ro);
    }
    for s in &report.skipped {
        let _ = writeln!(out, "\nNot analysed: {s}.");
    }
    let _ = writeln!(out, "\nVerdict: {}", verdict_text(report));
    out
}

/// The inputs of a trend: `goroutineleak.pb.gz`, or `3 snapshots` when
/// there are many.
fn sources_text(report: &Report, t: &Trend) -> String {
    if t.snapshots.len() > 3 || report.names.is_empty() {
        return format!("{} snapshots", t.snapshots.len());
    }
    let v: Vec<String> = t
        .snapshots
        .iter()
        .map(|s| {
            let what = match s.kind {
                SnapshotKind::GoroutineLeak => "goroutineleak profile",
                _ => "debug=2 dump",
            };
            format!("{what} {}", report.input_name(s.input))
        })
        .collect();
    v.join(", ")
}

fn text_trend(out: &mut String, report: &Report, t: &Trend, ro: &RenderOptions) {
    let suspects: Vec<(usize, &StackTrend)> = t
        .stacks
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_suspect())
        .collect();
    let totals: Vec<i64> = t.snapshots.iter().map(|s| s.total).collect();
    let o = &report.options;
    match (t.basis, t.kind) {
        (Basis::Runtime, _) => {
            let gs: i64 = suspects
                .iter()
                .map(|(_, s)| s.counts.last().copied().unwrap_or(0))
                .fold(0, i64::saturating_add);
            let _ = writeln!(
                out,
                "Goroutine leaks proven by the runtime ({}):",
                sources_text(report, t)
            );
            if suspects.is_empty() {
                let _ = writeln!(out, "None: the runtime proved no goroutine leaked.");
            } else {
                let _ = writeln!(
                    out,
                    "{} leaking stack(s), {gs} goroutine(s) that can never run again.",
                    suspects.len()
                );
            }
        }
        (Basis::WaitTime, _) => {
            let _ = writeln!(
                out,
                "Wait-time heuristic ({}): stacks with at least {} goroutines waiting {}m or more on a channel or lock",
                sources_text(report, t),
                o.min_waiting.max(1),
                o.min_wait_minutes
            );
            let _ = writeln!(out, "Total goroutines: {}", counts_text(t.kind, &totals));
            if suspects.is_empty() {
                let _ = writeln!(out, "No stack waited that long in such numbers.");
            } else {
                let _ = writeln!(
                    out,
                    "{} suspect(s), suspected from wait times (a heuristic: a long wait is not proof):",
                    suspects.len()
                );
            }
        }
        (Basis::Growth, kind) => {
            let (title, unit) = match kind {
                SnapshotKind::Heap => ("Heap growth analysis (inuse_space)", "in use"),
                _ => ("Goroutine growth analysis", "goroutines"),
            };
            let _ = writeln!(out, "{title}: {}", span_text(t));
            let _ = writeln!(out, "Total {unit}: {}", counts_text(t.kind, &totals));
            if suspects.is_empty() {
                let _ = writeln!(out, "No leak: no stack grew beyond the thresholds.");
            } else {
                let _ = writeln!(out, "{} suspect(s), suspected from growth:", suspects.len());
                if t.snapshots.len() == 2 {
                    let _ = writeln!(
                        out,
                        "(2 snapshots cannot show steady growth; a third one confirms or clears a suspect)"
                    );
                }
            }
        }
    }
    let limit = if ro.max_suspects == 0 {
        usize::MAX
    } else {
        ro.max_suspects
    };
    let mut after_full = true;
    for (rank, (idx, s)) in suspects.iter().enumerate().take(limit) {
        if let (Basis::Growth, Some(p)) = (t.basis, s.proven) {
            // Told in full among the proven leaks: one line each.
            if after_full {
                out.push('\n');
            }
            after_full = false;
            let _ = writeln!(
                out,
                "#{} {}  {}  ({}): proven by the runtime (see its #{} above)",
                rank + 1,
                s.title(),
                counts_text(t.kind, &s.counts),
                growth_text(t.kind, s),
                proven_rank(report, p)
            );
            continue;
        }
        out.push('\n');
        after_full = true;
        text_stack(out, report, t, *idx, s, rank + 1, ro);
    }
    if suspects.len() > limit {
        let _ = writeln!(out, "\n... {} more suspect(s)", suspects.len() - limit);
    }
    let others: Vec<&StackTrend> = t.stacks.iter().filter(|s| !s.is_suspect()).collect();
    let growing: Vec<&&StackTrend> = others
        .iter()
        .filter(|s| s.verdict == Verdict::Growing || (s.ignored && s.verdict != Verdict::Steady))
        .filter(|s| s.verdict != Verdict::Shrinking)
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

/// The rank of proven stack `index` among the proven suspects (1-based).
fn proven_rank(report: &Report, index: usize) -> usize {
    report
        .proven
        .as_ref()
        .map(|p| {
            p.stacks
                .iter()
                .take(index)
                .filter(|s| s.is_suspect())
                .count()
                + 1
        })
        .unwrap_or(0)
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
    match t.basis {
        Basis::Growth => {
            let _ = writeln!(
                out,
                "#{rank} {}  {}  ({})",
                s.title(),
                counts_text(t.kind, &s.counts),
                growth_text(t.kind, s)
            );
        }
        Basis::Runtime | Basis::WaitTime => {
            let n = s.counts.last().copied().unwrap_or(0);
            let series = if s.counts.len() > 1 {
                format!(" ({})", counts_text(t.kind, &s.counts))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "#{rank} {}  {n} goroutine(s){series}  [{}]",
                s.title(),
                t.basis.describe()
            );
        }
    }
    match t.kind {
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => {
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
            // Leaked goroutines show no wait times in dumps: all zero
            // says nothing.
            if let Some(w) = s
                .wait
                .as_ref()
                .filter(|w| t.basis != Basis::Runtime || w.max_minutes > 0)
            {
                let b: Vec<String> = w
                    .buckets
                    .iter()
                    .map(|b| match b.to_minutes {
                        Some(to) => format!("{}-{}m: {}", b.from_minutes, to, b.goroutines),
                        None => format!(">={}m: {}", b.from_minutes, b.goroutines),
                    })
                    .collect();
                let long = if t.basis == Basis::WaitTime {
                    format!(
                        "; {} waited {}m or more",
                        w.long_waiting, report.options.min_wait_minutes
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "   waiting:     min {}m, median {}m, max {}m ({}){long}",
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
            if let (Basis::Runtime | Basis::WaitTime, Some(gi)) = (t.basis, s.growth) {
                if let Some(g) = report.goroutines.as_ref().and_then(|g| g.stacks.get(gi)) {
                    let also = if g.is_suspect() {
                        ", suspected from growth too"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "   growth:      {} ({}){also}",
                        counts_text(SnapshotKind::Goroutine, &g.counts),
                        growth_text(SnapshotKind::Goroutine, g)
                    );
                }
            }
            if let (Basis::WaitTime, Some(pi)) = (t.basis, s.proven) {
                let _ = writeln!(
                    out,
                    "   proven:      by the runtime too (see its #{} above)",
                    proven_rank(report, pi)
                );
            }
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
            if let Some(g) = report.goroutines.as_ref().or(report.proven.as_ref()) {
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
            let hidden = s.frames[..skip]
                .iter()
                .take_while(|f| crate::frames::is_address(&f.function))
                .count();
            let mut names: Vec<String> = s.frames[hidden..skip]
                .iter()
                .map(|f| f.function.clone())
                .collect();
            if hidden > 0 {
                // Runtime frames a debug=1 text leaves unnamed.
                names.insert(0, format!("{hidden} unnamed runtime frame(s)"));
            }
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

/// The report as one JSON object: `leak_suspected`, `leak_proven`,
/// `verdict`, the analyses `proven`, `goroutines`, `waits` and `heap` (each
/// with its `basis`, snapshots and every stack, suspects first; `null` when
/// not made), `skipped` analyses and the `inputs` names. Counts are
/// complete (not abbreviated as in the text).
pub fn json(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"leak_suspected\":{},\"leak_proven\":{},\"verdict\":",
        report.leak_suspected(),
        report.leak_proven()
    );
    json_str(&mut out, &verdict_text(report));
    for (key, t) in [
        ("proven", &report.proven),
        ("goroutines", &report.goroutines),
        ("waits", &report.waits),
        ("heap", &report.heap),
    ] {
        let _ = write!(out, ",\"{key}\":");
        json_trend(&mut out, t.as_ref());
    }
    out.push_str(",\"skipped\":[");
    for (i, s) in report.skipped.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"kind\":\"{}\",\"got\":{},\"need\":{}}}",
            s.kind.name(),
            s.got,
            s.need
        );
    }
    out.push_str("],\"inputs\":[");
    for (i, n) in report.names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(&mut out, n);
    }
    out.push_str("]}\n");
    out
}

fn basis_name(b: Basis) -> &'static str {
    match b {
        Basis::Runtime => "runtime",
        Basis::Growth => "growth",
        Basis::WaitTime => "wait_time",
    }
}

fn json_opt_index(out: &mut String, v: Option<usize>) {
    match v {
        Some(i) => {
            let _ = write!(out, "{i}");
        }
        None => out.push_str("null"),
    }
}

fn json_trend(out: &mut String, t: Option<&Trend>) {
    let Some(t) = t else {
        out.push_str("null");
        return;
    };
    let _ = write!(
        out,
        "{{\"basis\":\"{}\",\"kind\":\"{}\",\"timed\":{},",
        basis_name(t.basis),
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
            "{{\"input\":{},\"kind\":\"{}\",\"time_nanos\":{},\"total\":{}}}",
            s.input,
            s.kind.name(),
            s.time_nanos,
            s.total
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
                "{{\"goroutines\":{},\"min_minutes\":{},\"median_minutes\":{},\"max_minutes\":{},\"long_waiting\":{},\"buckets\":[",
                w.goroutines, w.min_minutes, w.median_minutes, w.max_minutes, w.long_waiting
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
    out.push_str("],\"proven\":");
    json_opt_index(out, s.proven);
    out.push_str(",\"growth\":");
    json_opt_index(out, s.growth);
    out.push_str(",\"frames\":[");
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
        .trends()
        .flat_map(|t| {
            t.suspects()
                // A growth suspect that is proven is shown as proven.
                .filter(|s| !(t.basis == Basis::Growth && s.proven.is_some()))
                .map(move |s| (t, s))
        })
        .collect()
}

/// The series a sparkline draws: the growth counts of a proven stack when
/// the growth analysis has them.
fn series<'a>(report: &'a Report, t: &Trend, s: &'a StackTrend) -> &'a [i64] {
    match (t.basis, s.growth) {
        (Basis::Runtime | Basis::WaitTime, Some(g)) => report
            .goroutines
            .as_ref()
            .and_then(|g2| g2.stacks.get(g))
            .map(|g| g.counts.as_slice())
            .unwrap_or(&s.counts),
        _ => &s.counts,
    }
}

fn svg_title(t: &Trend, s: &StackTrend) -> String {
    let last = format_value(t.kind, s.counts.last().copied().unwrap_or(0));
    let what = match (t.kind, s.kind) {
        (SnapshotKind::Heap, _) | (_, None) => "heap".to_string(),
        (_, Some(k)) => k.describe().to_string(),
    };
    match t.basis {
        Basis::Growth => format!("{} [{what}] {last} ({})", s.title(), growth_text(t.kind, s)),
        b => format!("{} [{what}] {last}: {}", s.title(), b.describe()),
    }
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
        out.push_str(&sparkline_body(
            series(report, t, s),
            4.0,
            y + 2.0,
            110.0,
            row_h - 8.0,
        ));
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

/// The leak report as an HTML fragment (one `<section class="pprof-leak">`
/// without page head or styles, for embedding, e.g. in the web
/// interface): the verdict, a table of the suspects (proven first, with
/// sparklines) and the text report.
pub fn html_section(report: &Report, ro: &RenderOptions) -> String {
    let mut out = String::from("<section class=\"pprof-leak\">\n");
    let _ = writeln!(
        out,
        "<h1>Leak analysis: {}</h1>",
        xml_escape(&verdict_text(report))
    );
    let rows = suspects_of(report);
    if !rows.is_empty() {
        out.push_str("<table>\n<tr><th>trend</th><th>suspect</th><th>evidence</th><th>goroutines / bytes</th><th>growth</th><th>blocked</th><th>created by</th></tr>\n");
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
            let growth = match t.basis {
                Basis::Growth => growth_text(t.kind, s),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sparkline_svg(series(report, t, s), 120, 28),
                xml_escape(s.title()),
                xml_escape(t.basis.describe()),
                xml_escape(&counts_text(t.kind, &s.counts)),
                xml_escape(&growth),
                xml_escape(&blocked),
                xml_escape(&created)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(out, "<pre>{}</pre>", xml_escape(&text(report, ro)));
    out.push_str("</section>\n");
    out
}

/// A standalone HTML page: [`html_section`] with a head and styles.
pub fn html(report: &Report, ro: &RenderOptions) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pprof-tools leak</title>\n<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:middle}pre{background:#f6f6f6;padding:8px}</style></head><body>\n",
    );
    out.push_str(&html_section(report, ro));
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
        assert_eq!(format_bytes(i64::MAX), "8EiB");
        assert_eq!(format_bytes(i64::MIN), "-8EiB");
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
