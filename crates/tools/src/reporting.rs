//! From a loaded profile to the bytes of one report (pprof's
//! `generateRawReport` and `generateReport`).

use std::io::Write;

use pprof_model::Profile;

use std::collections::HashMap;

use pprof_export::GraphvizFormat;
use pprof_report::{Options as ROptions, OutputFormat as RFormat, Report};

use crate::config::{Config, Granularity, Sort};
use crate::focus;
use crate::format::{Command, OutputFormat};
use crate::{Error, Result};

/// pprof's `applyCommandOverrides`: the settings each format forces.
pub fn apply_command_overrides(format: OutputFormat, mut cfg: Config) -> Config {
    let mut trim = cfg.trim;
    match format {
        OutputFormat::Disasm => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            cfg.no_inlines = true;
        }
        OutputFormat::WebList => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            cfg.no_inlines = false;
        }
        OutputFormat::Peek => trim = false,
        OutputFormat::List => {
            trim = false;
            cfg.granularity = Granularity::Lines;
        }
        OutputFormat::Text | OutputFormat::Top | OutputFormat::TopProto => {
            if cfg.node_count == -1 {
                cfg.node_count = 0;
            }
        }
        _ => {
            if cfg.node_count == -1 {
                cfg.node_count = 80;
            }
        }
    }
    if matches!(
        format,
        OutputFormat::Proto
            | OutputFormat::Raw
            | OutputFormat::Callgrind
            | OutputFormat::Kcachegrind
    ) {
        trim = false;
        cfg.granularity = Granularity::Addresses;
        cfg.no_inlines = false;
    }
    if !trim {
        cfg.node_count = 0;
        cfg.node_fraction = 0.0;
        cfg.edge_fraction = 0.0;
    }
    cfg
}

/// The sample value a report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleChoice {
    /// Index into the sample values.
    pub index: usize,
    /// Sample type name, `mean_`-prefixed with `-mean`.
    pub type_name: String,
    /// Unit of the values.
    pub unit: String,
}

/// pprof's `SampleIndexByName`: an empty name picks the default sample type
/// (else the last), a number picks by position, a name by type (with an
/// optional `inuse_` prefix ignored).
pub fn sample_index_by_name(p: &Profile, name: &str) -> Result<usize> {
    let n = p.sample_types.len();
    let types: Vec<&str> = p.sample_types.iter().map(|t| p.str(t.r#type)).collect();
    if name.is_empty() {
        let dst = p.str(p.default_sample_type);
        if !dst.is_empty() {
            if let Some(i) = types.iter().position(|t| *t == dst) {
                return Ok(i);
            }
        }
        return Ok(n.saturating_sub(1));
    }
    if let Ok(i) = name.parse::<i64>() {
        if i < 0 || i as usize >= n {
            return Err(Error::Option(format!(
                "sample_index {name} is outside the range [0..{}]",
                n as i64 - 1
            )));
        }
        return Ok(i as usize);
    }
    let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
    if let Some(i) = types.iter().position(|t| *t == name || *t == no_inuse) {
        return Ok(i);
    }
    Err(Error::Option(format!(
        "sample_index {name:?} must be one of: [{}]",
        types.join(" ")
    )))
}

/// pprof's `sampleFormat`.
pub fn sample_choice(p: &Profile, cfg: &Config) -> Result<SampleChoice> {
    if p.sample_types.is_empty() {
        return Err(Error::Option("profile has no samples".into()));
    }
    let index = sample_index_by_name(p, &cfg.sample_index)?;
    let vt = p.sample_types.get(index).copied().unwrap_or_default();
    let mut type_name = p.str(vt.r#type).to_string();
    if cfg.mean {
        type_name = format!("mean_{type_name}");
    }
    Ok(SampleChoice {
        index,
        type_name,
        unit: p.str(vt.unit).to_string(),
    })
}

/// The report crate's format for ours, for the formats it handles.
fn report_format(f: OutputFormat) -> RFormat {
    match f {
        OutputFormat::Comments => RFormat::Comments,
        OutputFormat::Disasm => RFormat::Dis,
        OutputFormat::List => RFormat::List,
        OutputFormat::Peek | OutputFormat::Tree => RFormat::Tree,
        OutputFormat::Raw => RFormat::Raw,
        OutputFormat::Tags => RFormat::Tags,
        OutputFormat::Traces => RFormat::Traces,
        OutputFormat::Callgrind | OutputFormat::Kcachegrind => RFormat::Callgrind,
        OutputFormat::Proto => RFormat::Proto,
        OutputFormat::TopProto => RFormat::TopProto,
        OutputFormat::WebList => RFormat::WebList,
        OutputFormat::Text | OutputFormat::Top => RFormat::Text,
        _ => RFormat::Dot,
    }
}

/// pprof's `reportOptions`.
fn report_options(
    p: &Profile,
    units: &HashMap<String, String>,
    cfg: &Config,
    choice: &SampleChoice,
    format: OutputFormat,
    symbol: Option<regex::Regex>,
) -> ROptions {
    let mut o = ROptions::for_sample(p, choice.index, cfg.mean);
    o.output_format = report_format(format);
    o.cum_sort = cfg.sort == Sort::Cum;
    o.call_tree = cfg.call_tree;
    o.drop_negative = cfg.drop_negative;
    o.compact_labels = cfg.compact_labels;
    o.ratio = 1.0 / cfg.divide_by;
    o.node_count = usize::try_from(cfg.node_count).unwrap_or(0);
    o.node_fraction = cfg.node_fraction;
    o.edge_fraction = cfg.edge_fraction;
    o.num_label_units = units.clone();
    o.output_unit = cfg.unit.clone();
    o.symbol = symbol;
    o.source_path = cfg.source_path.clone();
    o.trim_path = cfg.trim_path.clone();
    o.granularity = cfg.granularity;
    o.no_inlines = cfg.no_inlines;
    o.intel_syntax = cfg.intel_syntax;
    let mut filters = Vec::new();
    for (k, v) in [
        ("focus", &cfg.focus),
        ("ignore", &cfg.ignore),
        ("hide", &cfg.hide),
        ("show", &cfg.show),
        ("show_from", &cfg.show_from),
        ("tagfocus", &cfg.tag_focus),
        ("tagignore", &cfg.tag_ignore),
        ("tagshow", &cfg.tag_show),
        ("taghide", &cfg.tag_hide),
    ] {
        if !v.is_empty() {
            filters.push(format!("{k}={v}"));
        }
    }
    o.active_filters = filters;
    o
}

/// Runs the report step on `p` and writes the result to `out`. Returns
/// notices for standard error.
pub(crate) fn generate(
    mut p: Profile,
    cmd: &Command,
    cfg: &Config,
    json: bool,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    write_report(&mut p, cmd, cfg, json, out)
}

/// Makes the report `cmd` of a loaded profile (pprof's `generateReport`):
/// applies the format's settings, `-tagroot`/`-tagleaf`, the filters and
/// the granularity to `p` in place, then writes the report to `out`.
/// Returns notices for standard error (filters that matched nothing...).
pub fn write_report(
    p: &mut Profile,
    cmd: &Command,
    cfg: &Config,
    json: bool,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    write_report_noting(p, cmd, cfg, json, out, &mut |n| notices.push(n))?;
    Ok(notices)
}

/// Like [`write_report`], but hands each notice to `notice` as soon as it
/// is known, before any of the report is written (as pprof prints its
/// warnings before the report).
pub fn write_report_noting(
    p: &mut Profile,
    cmd: &Command,
    cfg: &Config,
    json: bool,
    out: &mut dyn Write,
    notice: &mut dyn FnMut(String),
) -> Result<()> {
    let Prepared {
        cfg,
        choice,
        options: ropts,
        total,
    } = prepare(p, cmd, cfg, notice)?;

    match cmd.format {
        OutputFormat::Raw => {
            p.write_raw(out)?;
            return Ok(());
        }
        OutputFormat::Proto => {
            let r = 1.0 / cfg.divide_by;
            if r > 0.0 && r != 1.0 {
                for s in &mut p.samples {
                    for v in &mut s.values {
                        *v = (*v as f64 * r) as i64;
                    }
                }
            }
            write_profile(p, out)?;
            return Ok(());
        }
        _ => {}
    }

    let rpt = Report::with_total(p, ropts, total);
    // Reports are made in memory first, so that a failing one prints
    // nothing (as pprof does).
    let mut buf: Vec<u8> = Vec::new();
    match cmd.format {
        // Traces cannot fail once started: stream them, however long.
        OutputFormat::Traces if !json => pprof_report::write_traces(out, &rpt)?,
        OutputFormat::Text
        | OutputFormat::Top
        | OutputFormat::Traces
        | OutputFormat::Tags
        | OutputFormat::Peek
        | OutputFormat::Tree
        | OutputFormat::List
        | OutputFormat::Comments => {
            let made = if json {
                pprof_report::generate_json(&mut buf, &rpt)
            } else {
                pprof_report::generate(&mut buf, &rpt)
            };
            // Name the regexp as the user wrote it, not as translated.
            made.map_err(|e| match (e, &cmd.regexp) {
                (pprof_report::Error::NoMatches(_), Some(re)) => {
                    pprof_report::Error::NoMatches(re.clone())
                }
                (e, _) => e,
            })?;
        }
        OutputFormat::Disasm => {
            // pprof-disasm reads the binaries (pprof runs nm and objdump).
            let tool = pprof_disasm::NativeTool::default();
            let messages =
                pprof_report::write_disasm(&mut buf, &rpt, &tool).map_err(|e| {
                    match (e, &cmd.regexp) {
                        (pprof_report::Error::NoMatches(_), Some(re)) => {
                            pprof_report::Error::NoMatches(re.clone())
                        }
                        (e, _) => e,
                    }
                })?;
            messages.into_iter().for_each(&mut *notice);
        }
        OutputFormat::TopProto => {
            let top = pprof_report::top_proto(&rpt);
            write_profile(&top, &mut buf)?;
        }
        OutputFormat::Dot => buf = dot_text(rpt).into_bytes(),
        OutputFormat::Svg => buf = pprof_export::svg_from_dot(&dot_text(rpt))?,
        OutputFormat::Png => buf = graphviz(rpt, GraphvizFormat::Png)?,
        OutputFormat::Gif => buf = graphviz(rpt, GraphvizFormat::Gif)?,
        OutputFormat::Pdf => buf = graphviz(rpt, GraphvizFormat::Pdf)?,
        OutputFormat::Ps => buf = graphviz(rpt, GraphvizFormat::Ps)?,
        OutputFormat::Callgrind => {
            let mut rpt = rpt;
            let tg = rpt.trimmed_graph();
            rpt.select_output_unit(&tg.graph);
            let o = rpt.options();
            let c = pprof_export::CallgrindConfig {
                sample_type: o.sample_type.clone(),
                sample_unit: o.sample_unit.clone(),
                output_unit: o.output_unit.clone(),
            };
            pprof_export::write_callgrind(&mut buf, &tg.graph, &c)?;
        }
        OutputFormat::Flame => {
            let unit = choice.unit.clone();
            let out_unit = cfg.unit.clone();
            let fo = pprof_export::FlameOptions {
                stacks: stack_options(&cfg, &choice),
                title: rpt.options().title.clone(),
                subtitle: format!("Type: {}", choice.type_name),
                total: Some(total),
                format_value: Some(Box::new(move |v| {
                    pprof_ops::measurement::scaled_label(v, &unit, &out_unit)
                })),
                ..Default::default()
            };
            buf = pprof_export::flame_svg(p, &fo)?.into_bytes();
        }
        OutputFormat::Folded => {
            let fo = pprof_export::FoldedOptions {
                stacks: stack_options(&cfg, &choice),
                ..Default::default()
            };
            pprof_export::write_folded(out, p, &fo)?;
        }
        other => return Err(Error::NotImplemented(other.name())),
    }
    out.write_all(&buf)?;
    Ok(())
}

/// A profile made ready for one report by [`prepare`].
pub(crate) struct Prepared {
    /// The settings after the format's overrides.
    pub cfg: Config,
    /// The sample value shown.
    pub choice: SampleChoice,
    /// The report options.
    pub options: ROptions,
    /// The report total (before the filters, unless -relative_percentages).
    pub total: i64,
}

/// The first half of the report step: applies the format's settings,
/// `-tagroot`/`-tagleaf`, the filters and the granularity to `p` in place,
/// and hands the notices to `notice`.
pub(crate) fn prepare(
    p: &mut Profile,
    cmd: &Command,
    cfg: &Config,
    notice: &mut dyn FnMut(String),
) -> Result<Prepared> {
    let mut notices = Vec::new();
    let (units, unit_notices) = focus::num_label_units(p);
    notices.extend(unit_notices);
    let cfg = apply_command_overrides(cmd.format, cfg.clone());
    focus::tag_roots_leaves(p, &cfg, &mut notices);

    let relative = cfg.relative_percentages;
    if relative {
        focus::apply_focus(p, &units, &cfg, &mut notices)?;
    }
    let choice = sample_choice(p, &cfg)?;
    if cfg.divide_by == 0.0 {
        return Err(Error::Option("zero divisor specified".into()));
    }
    let symbol = match &cmd.regexp {
        Some(re) => Some(
            pprof_ops::go_regex(re)
                .map_err(|m| Error::Option(format!("parsing argument regexp {re}: {m}")))?,
        ),
        None => None,
    };
    let options = report_options(p, &units, &cfg, &choice, cmd.format, symbol);
    // pprof takes the report total here, before the filters (unless
    // -relative_percentages).
    let total = pprof_report::compute_total(p, &options);
    if !relative {
        focus::apply_focus(p, &units, &cfg, &mut notices)?;
    }
    focus::aggregate(p, &cfg)?;
    // Warnings go out before the report, as pprof prints them.
    notices.into_iter().for_each(&mut *notice);
    Ok(Prepared {
        cfg,
        choice,
        options,
        total,
    })
}

/// Writes `p` as gzip-compressed profile.proto. Large profiles are
/// encoded and compressed in parts on several threads, each part one gzip
/// member: a multi-member gzip file is valid and reads back as the
/// concatenation (Go's reader and ours both accept it). Each part streams
/// through its compressor, so the uncompressed encoding is never held in
/// memory; this thread writes the first part straight to `out` while the
/// others compress theirs. The fastest compression level is used: it keeps
/// about 85% of level 6's saving at a third of its time.
fn write_profile(p: &Profile, out: &mut dyn Write) -> Result<()> {
    use pprof_model::EncodePart;
    /// Samples below which one thread does it all.
    const PARALLEL_SAMPLES: usize = 50_000;
    let level = flate2::Compression::new(1);
    let n = p.samples.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let parts = if n >= PARALLEL_SAMPLES { threads } else { 1 };
    // Part k gets samples ranges[k]; the first also the head, the last the tail.
    let bounds: Vec<usize> = (0..=parts).map(|k| n * k / parts).collect();
    let encode_part = |k: usize, w: &mut dyn Write| -> std::io::Result<()> {
        if k == 0 {
            pprof_model::write_part(p, &EncodePart::Head, w)?;
        }
        pprof_model::write_part(p, &EncodePart::Samples(bounds[k]..bounds[k + 1]), w)?;
        if k + 1 == parts {
            pprof_model::write_part(p, &EncodePart::Tail, w)?;
        }
        Ok(())
    };
    std::thread::scope(|scope| -> Result<()> {
        let rest: Vec<_> = (1..parts)
            .map(|k| {
                scope.spawn(move || -> std::io::Result<Vec<u8>> {
                    let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
                    encode_part(k, &mut gz)?;
                    gz.finish()
                })
            })
            .collect();
        {
            let mut gz = flate2::write::GzEncoder::new(&mut *out, level);
            encode_part(0, &mut gz)?;
            gz.finish()?;
        }
        for h in rest {
            let member = h
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("compression failed")))?;
            out.write_all(&member)?;
        }
        Ok(())
    })
}

/// pprof's `printDOT`.
pub(crate) fn dot_text(rpt: Report<'_>) -> String {
    dot_text_and_nodes(rpt).0
}

/// The DOT text and the full name of each node, in DOT order (node `N<i>`
/// is `names[i - 1]`).
pub(crate) fn dot_text_and_nodes(mut rpt: Report<'_>) -> (String, Vec<String>) {
    let tg = rpt.trimmed_graph();
    rpt.select_output_unit(&tg.graph);
    let labels = pprof_report::report_labels(
        &rpt,
        &tg.graph,
        tg.orig_count,
        tg.dropped_nodes,
        tg.dropped_edges,
        true,
    );
    let fmt = |v: i64| rpt.format_value(v);
    let c = pprof_export::DotConfig {
        title: rpt.options().title.clone(),
        legend_url: String::new(),
        labels,
        format_value: &fmt,
        total: rpt.total(),
    };
    let dot = pprof_export::compose_dot(&tg.graph, &pprof_export::DotAttributes::default(), &c);
    let names = tg
        .graph
        .iter()
        .map(|(_, n)| n.info.printable_name())
        .collect();
    (dot, names)
}

fn graphviz(rpt: Report<'_>, format: GraphvizFormat) -> Result<Vec<u8>> {
    Ok(pprof_export::render_with_graphviz(&dot_text(rpt), format)?)
}

pub(crate) fn stack_options(cfg: &Config, choice: &SampleChoice) -> pprof_export::StackOptions {
    pprof_export::StackOptions {
        sample_index: choice.index,
        mean_divisor: cfg.mean.then_some(0),
        granularity: match cfg.granularity {
            Granularity::Functions => pprof_export::Granularity::Functions,
            Granularity::FileFunctions | Granularity::Files => pprof_export::Granularity::Files,
            Granularity::Lines => pprof_export::Granularity::Lines,
            Granularity::Addresses => pprof_export::Granularity::Addresses,
            _ => pprof_export::Granularity::Functions,
        },
        inline_frames: !cfg.no_inlines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_follow_pprof() {
        let c = apply_command_overrides(OutputFormat::Top, Config::default());
        assert_eq!(c.node_count, 0);
        assert_eq!(c.node_fraction, 0.005);
        let c = apply_command_overrides(OutputFormat::Dot, Config::default());
        assert_eq!(c.node_count, 80);
        let c = apply_command_overrides(OutputFormat::Raw, Config::default());
        assert_eq!(c.granularity, Granularity::Addresses);
        assert_eq!(
            (c.node_count, c.node_fraction, c.edge_fraction),
            (0, 0.0, 0.0)
        );
        let c = apply_command_overrides(OutputFormat::List, Config::default());
        assert_eq!(c.granularity, Granularity::Lines);
        assert_eq!(c.node_count, 0);
    }

    #[test]
    fn sample_index_rules() {
        use pprof_model::ValueType;
        let mut p = Profile::new();
        for (t, u) in [("alloc_objects", "count"), ("space", "bytes")] {
            let vt = ValueType {
                r#type: p.intern(t),
                unit: p.intern(u),
            };
            p.sample_types.push(vt);
        }
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 1);
        assert_eq!(sample_index_by_name(&p, "0").unwrap(), 0);
        assert_eq!(sample_index_by_name(&p, "inuse_space").unwrap(), 1);
        assert_eq!(
            sample_index_by_name(&p, "5").unwrap_err().to_string(),
            "sample_index 5 is outside the range [0..1]"
        );
        assert_eq!(
            sample_index_by_name(&p, "bogus").unwrap_err().to_string(),
            "sample_index \"bogus\" must be one of: [alloc_objects space]"
        );
        p.default_sample_type = p.intern("alloc_objects");
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 0);
    }
}
