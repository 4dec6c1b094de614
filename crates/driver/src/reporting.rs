//! From a loaded profile to the bytes of one report (pprof's
//! `generateRawReport` and `generateReport`), without changing the loaded
//! profile: settings that edit samples (filters, `-tagroot`, ...) work on
//! a copy made for this one report, and a report that needs none of them
//! reads the loaded profile itself. A shell or a web server can therefore
//! answer any number of reports from one load.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use pprof_export::GraphvizFormat;
use pprof_model::strings::Unescape;
use pprof_model::Profile;
use pprof_ops::SampleFormat;
use pprof_report::{Options as ROptions, Report};

use crate::format::{Command, OutputFormat};
use crate::settings::{Granularity, Settings, Sort};
use crate::{Error, Result};

/// pprof's `applyCommandOverrides`: the settings each format forces.
pub fn apply_command_overrides(format: OutputFormat, mut s: Settings) -> Settings {
    let mut trim = s.trim;
    match format {
        OutputFormat::Dis => {
            trim = false;
            s.granularity = Granularity::Addresses;
            s.no_inlines = true;
        }
        OutputFormat::WebList => {
            trim = false;
            s.granularity = Granularity::Addresses;
            s.no_inlines = false;
        }
        OutputFormat::Peek => trim = false,
        OutputFormat::List => {
            trim = false;
            s.granularity = Granularity::Lines;
        }
        OutputFormat::Text | OutputFormat::Top | OutputFormat::TopProto => {
            if s.node_count == -1 {
                s.node_count = 0;
            }
        }
        _ => {
            if s.node_count == -1 {
                s.node_count = 80;
            }
        }
    }
    if matches!(
        format.report_kind(),
        OutputFormat::Proto | OutputFormat::Raw | OutputFormat::Callgrind
    ) {
        trim = false;
        s.granularity = Granularity::Addresses;
        // go1.19's pprof also dropped -noinlines here; today's honours it.
        if s.dialect.is_go119() {
            s.no_inlines = false;
        }
    }
    if !trim {
        s.node_count = 0;
        s.node_fraction = 0.0;
        s.edge_fraction = 0.0;
    }
    s
}

/// pprof's `applyFocus` over a report's view of the profile: with no
/// filter set, only go1.19's pprof drops the samples without locations (its
/// name filter always ran), and the loaded profile is copied only if it
/// has any.
fn apply_focus(
    view: &mut Cow<'_, Profile>,
    units: &HashMap<String, String>,
    s: &Settings,
    notices: &mut Vec<String>,
) -> Result<()> {
    let o = &s.filters;
    if *o == pprof_ops::FocusOptions::default() {
        if s.dialect.is_go119() && view.samples.iter().any(|x| x.locations.is_empty()) {
            pprof_ops::retain_samples(view, |_, x| !x.locations.is_empty());
        }
        return Ok(());
    }
    pprof_ops::apply_focus_into(view, units, o, s.dialect, notices).map_err(|e| match e {
        pprof_ops::Error::Regex { option, message } => Error::FilterRegex { option, message },
        other => Error::Ops(other),
    })
}

/// pprof's `generateTagRootsLeaves`.
fn tag_roots_leaves(view: &mut Cow<'_, Profile>, s: &Settings, notices: &mut Vec<String>) {
    if s.tag_root.is_empty() && s.tag_leaf.is_empty() {
        return;
    }
    let roots: Vec<&str> = s.tag_root.split(',').filter(|k| !k.is_empty()).collect();
    let leaves: Vec<&str> = s.tag_leaf.split(',').filter(|k| !k.is_empty()).collect();
    let (rm, lm) = pprof_ops::add_label_nodes(view.to_mut(), &roots, &leaves, &s.unit);
    for (given, matched, option) in [(&s.tag_root, rm, "TagRoot"), (&s.tag_leaf, lm, "TagLeaf")] {
        if !given.is_empty() && !matched {
            notices.push(format!("{option} expression matched no samples"));
        }
    }
}

/// pprof's `reportOptions`.
fn report_options(
    p: &Profile,
    units: &HashMap<String, String>,
    s: &Settings,
    choice: &SampleFormat,
    format: OutputFormat,
    symbol: Option<regex::Regex>,
) -> ROptions {
    let mut o = ROptions::for_sample(p, choice.index, s.mean);
    o.output_format = format;
    o.cum_sort = s.sort == Sort::Cum;
    o.call_tree = s.call_tree;
    o.drop_negative = s.drop_negative;
    o.compact_labels = s.compact_labels;
    o.ratio = 1.0 / s.divide_by;
    o.node_count = usize::try_from(s.node_count).unwrap_or(0);
    o.node_fraction = s.node_fraction;
    o.edge_fraction = s.edge_fraction;
    o.num_label_units = units.clone();
    o.output_unit = s.unit.clone();
    o.symbol = symbol;
    o.source_path = s.source_path.clone();
    o.trim_path = s.trim_path.clone();
    o.granularity = s.granularity;
    o.no_inlines = s.no_inlines;
    o.show_columns = s.show_columns;
    o.dialect = s.dialect;
    o.intel_syntax = s.intel_syntax;
    o.settings = s
        .changed()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    o.active_filters = [
        ("focus", &s.filters.focus),
        ("ignore", &s.filters.ignore),
        ("hide", &s.filters.hide),
        ("show", &s.filters.show),
        ("show_from", &s.filters.show_from),
        ("tagfocus", &s.filters.tag_focus),
        ("tagignore", &s.filters.tag_ignore),
        ("tagshow", &s.filters.tag_show),
        ("taghide", &s.filters.tag_hide),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={v}"))
    .collect();
    o
}

/// Makes the report `cmd` of a loaded profile with settings `s` (pprof's
/// `generateReport`) and writes it to `out`. Returns the notices for
/// standard error (filters that matched nothing...). The profile is not
/// changed.
pub fn write_report(
    p: &Profile,
    cmd: &Command,
    s: &Settings,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    write_report_noting(p, cmd, s, out, &mut |n| notices.push(n))?;
    Ok(notices)
}

/// A loaded profile made ready for one report by [`prepare`]: the view
/// of the profile the report reads (the loaded profile itself, or a copy
/// that the settings edited), with the settings and options it is made with.
#[non_exhaustive]
pub struct Prepared<'p> {
    /// The profile the report reads.
    pub view: Cow<'p, Profile>,
    /// The settings after the format's overrides (pprof's
    /// `applyCommandOverrides`).
    pub settings: Settings,
    /// The sample value shown.
    pub choice: SampleFormat,
    /// The report options.
    pub options: ROptions,
    /// The report total (taken before the filters, unless
    /// `-relative_percentages`).
    pub total: i64,
}

impl Prepared<'_> {
    /// The report over the view.
    pub fn report(&self) -> Report<'_> {
        Report::with_total(&self.view, self.options.clone(), self.total)
    }
}

/// The first half of the report step (pprof's `generateReport` up to the
/// report itself): the format's settings, `-tagroot`/`-tagleaf`, the
/// filters and the granularity, in pprof's order. Each notice goes to
/// `notice` as soon as it is known. `p` is not changed: what the settings
/// edit is a copy made here, only when they edit anything.
pub fn prepare<'p>(
    p: &'p Profile,
    cmd: &Command,
    s: &Settings,
    notice: &mut dyn FnMut(String),
) -> Result<Prepared<'p>> {
    let mut notices = Vec::new();
    let (units, ignored) = pprof_ops::num_label_units(p);
    notices.extend(pprof_ops::num_label_unit_warnings(&units, &ignored));
    let s = apply_command_overrides(cmd.format, s.clone());
    let mut view = Cow::Borrowed(p);
    tag_roots_leaves(&mut view, &s, &mut notices);

    let relative = s.relative_percentages;
    if relative {
        apply_focus(&mut view, &units, &s, &mut notices)?;
    }
    let choice = pprof_ops::sample_format(&view, &s.sample_index, s.mean)?;
    if s.divide_by == 0.0 {
        return Err(Error::ZeroDivisor);
    }
    let symbol =
        match &cmd.regexp {
            Some(re) => Some(pprof_ops::go_regex_in(re, s.dialect).map_err(|message| {
                Error::ArgumentRegex {
                    regexp: re.clone(),
                    message,
                }
            })?),
            None => None,
        };
    let options = report_options(&view, &units, &s, &choice, cmd.format, symbol);
    // pprof takes the report total here, before the filters (unless
    // -relative_percentages).
    let total = pprof_report::compute_total(&view, &options);
    if !relative {
        apply_focus(&mut view, &units, &s, &mut notices)?;
    }
    // pprof's `aggregate`: the graph-based reports, the stack writers and
    // `-traces` (whose frames are the graph's location nodes) apply the
    // granularity as they read, with no copy of the profile; the reports
    // that print the profile's own locations need it applied to them.
    let aggregation = s.granularity.aggregation(s.no_inlines, s.show_columns);
    if !aggregation.keeps_everything()
        && matches!(
            cmd.format.report_kind(),
            OutputFormat::Raw | OutputFormat::Proto
        )
    {
        pprof_ops::aggregate(view.to_mut(), aggregation)?;
    }
    // Warnings go out before the report, as pprof prints them.
    notices.into_iter().for_each(&mut *notice);
    Ok(Prepared {
        view,
        settings: s,
        choice,
        options,
        total,
    })
}

/// Whether the program ends once its report is written
/// ([`exit_after_report`]).
static EXITS_AFTER_REPORT: AtomicBool = AtomicBool::new(false);

/// Tells the report step that the program ends once its report is
/// written, so that what a large report makes (such as a callgrind
/// report's graph of every address) is left for the end of the process to
/// reclaim instead of being freed one allocation at a time. For a program
/// that makes one report and exits; never for one that makes more (a
/// shell, a web server), whose memory would grow with each.
pub fn exit_after_report() {
    EXITS_AFTER_REPORT.store(true, Ordering::Relaxed);
}

/// Lets go of `x`, a large structure made for a report: left for the end
/// of the process when it ends after the report ([`exit_after_report`]),
/// otherwise freed on another thread instead of delaying the return (here
/// when no thread can be made).
fn dispose<T: Send + 'static>(x: T) {
    if EXITS_AFTER_REPORT.load(Ordering::Relaxed) {
        std::mem::forget(x);
        return;
    }
    let _ = std::thread::Builder::new().spawn(move || drop(x));
}

/// Like [`write_report`], but hands each notice to `notice` as soon as it
/// is known, before any of the report is written (as pprof prints its
/// warnings before the report).
pub fn write_report_noting(
    p: &Profile,
    cmd: &Command,
    s: &Settings,
    out: &mut dyn Write,
    notice: &mut dyn FnMut(String),
) -> Result<()> {
    let Prepared {
        mut view,
        settings: s,
        choice,
        options: ropts,
        total,
    } = prepare(p, cmd, s, notice)?;

    match cmd.format {
        OutputFormat::Raw => {
            // The profile's bytes as they are, invalid UTF-8 included.
            let mut w = Unescape::over(&mut *out, &view.strings);
            view.write_raw(&mut w, s.dialect)?;
            w.finish()?;
            return Ok(());
        }
        OutputFormat::Proto => {
            let r = 1.0 / s.divide_by;
            if r > 0.0 && r != 1.0 {
                for x in &mut view.to_mut().samples {
                    for v in x.values.iter_mut() {
                        *v = pprof_model::gofmt::int64(*v as f64 * r);
                    }
                }
            }
            pprof_model::write_compressed(&view, out)?;
            return Ok(());
        }
        _ => {}
    }

    let rpt = Report::with_total(&view, ropts, total);
    // Reports are made in memory first, so that a failing one prints
    // nothing (as pprof does).
    let mut buf: Vec<u8> = Vec::new();
    match cmd.format {
        // Traces cannot fail once started: stream them, however long.
        OutputFormat::Traces if !s.json => {
            let mut w = Unescape::over(&mut *out, &view.strings);
            pprof_report::write_traces(&mut w, &rpt)?;
            w.finish()?;
            return Ok(());
        }
        OutputFormat::Text
        | OutputFormat::Top
        | OutputFormat::Traces
        | OutputFormat::Tags
        | OutputFormat::Peek
        | OutputFormat::Tree
        | OutputFormat::List
        | OutputFormat::Comments => {
            let made = if s.json {
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
        OutputFormat::Dis | OutputFormat::WebList => {
            // pprof-disasm reads the binaries (pprof runs nm and objdump).
            let tool = pprof_disasm::NativeTool::default();
            let made = if cmd.format == OutputFormat::Dis {
                pprof_report::write_disasm(&mut buf, &rpt, &tool)
            } else {
                pprof_report::write_weblist(&mut buf, &rpt, &tool)
            };
            let messages = made.map_err(|e| match (e, &cmd.regexp) {
                (pprof_report::Error::NoMatches(_), Some(re)) => {
                    pprof_report::Error::NoMatches(re.clone())
                }
                (e, _) => e,
            })?;
            messages.into_iter().for_each(&mut *notice);
        }
        OutputFormat::TopProto => {
            let top = pprof_report::top_proto(&rpt);
            pprof_model::write_compressed(&top, &mut buf)?;
        }
        OutputFormat::Dot => buf = dot_text(rpt).into_bytes(),
        OutputFormat::Svg => buf = pprof_export::svg_from_dot(&dot_text(rpt))?,
        OutputFormat::Png => buf = graphviz(rpt, GraphvizFormat::Png)?,
        OutputFormat::Gif => buf = graphviz(rpt, GraphvizFormat::Gif)?,
        OutputFormat::Pdf => buf = graphviz(rpt, GraphvizFormat::Pdf)?,
        OutputFormat::Ps => buf = graphviz(rpt, GraphvizFormat::Ps)?,
        OutputFormat::Callgrind | OutputFormat::Kcachegrind => {
            let mut rpt = rpt;
            let tg = rpt.trimmed_graph();
            rpt.select_output_unit(&tg.graph);
            let o = rpt.options();
            let c = pprof_export::CallgrindConfig {
                sample_type: o.sample_type.clone(),
                sample_unit: o.sample_unit.clone(),
                output_unit: o.output_unit.clone(),
            };
            // Nothing fails once the graph is made: the text streams out
            // (tens of megabytes for a large profile) instead of being
            // held whole first.
            let mut w = Unescape::over(&mut *out, &view.strings);
            pprof_export::write_callgrind(&mut w, &tg.graph, &c)?;
            w.finish()?;
            // A graph of every address has a node and a few strings per
            // location.
            dispose(tg);
            return Ok(());
        }
        OutputFormat::Flame => {
            let unit = choice.unit.clone();
            let out_unit = s.unit.clone();
            let fo = pprof_export::FlameOptions {
                stacks: stack_options(&s, &choice),
                title: rpt.options().title.clone(),
                subtitle: format!("Type: {}", choice.type_name),
                total: Some(total),
                format_value: Some(Box::new(move |v| {
                    pprof_model::measurement::scaled_label(v, &unit, &out_unit)
                })),
                ..Default::default()
            };
            buf = pprof_export::flame_svg(&view, &fo)?.into_bytes();
        }
        OutputFormat::Folded => {
            let fo = pprof_export::FoldedOptions {
                stacks: stack_options(&s, &choice),
                ..Default::default()
            };
            let mut w = Unescape::over(&mut *out, &view.strings);
            pprof_export::write_folded(&mut w, &view, &fo)?;
            w.finish()?;
            return Ok(());
        }
        other => return Err(Error::NotImplemented(other.name())),
    }
    // The profile's strings as pprof writes them: its bytes in text
    // reports, U+FFFD for invalid UTF-8 where the format needs Unicode.
    match cmd.format {
        OutputFormat::TopProto
        | OutputFormat::Png
        | OutputFormat::Gif
        | OutputFormat::Pdf
        | OutputFormat::Ps => out.write_all(&buf)?,
        OutputFormat::Svg | OutputFormat::Flame => match String::from_utf8(buf) {
            Ok(text) => out.write_all(pprof_model::strings::lossy(&text).as_bytes())?,
            Err(e) => out.write_all(e.as_bytes())?,
        },
        _ if s.json => match String::from_utf8(buf) {
            Ok(text) => out.write_all(pprof_model::strings::lossy(&text).as_bytes())?,
            Err(e) => out.write_all(e.as_bytes())?,
        },
        _ => {
            let mut w = Unescape::over(&mut *out, &view.strings);
            w.write_all(&buf)?;
            w.finish()?;
        }
    }
    Ok(())
}

/// The lines pprof prints before its shell's first prompt (its
/// `greetings`): the labels of a report with settings `s` (`File:`,
/// `Type:`, `Time:`...), and a hint when the sample value chosen by default
/// sums to zero in a profile that has several.
pub fn greeting(p: &Profile, s: &Settings) -> Vec<String> {
    let Ok(choice) = pprof_ops::sample_format(p, &s.sample_index, s.mean) else {
        return Vec::new();
    };
    let mut o = ROptions::default();
    o.sample_index = choice.index;
    o.mean = s.mean;
    o.sample_type = choice.type_name;
    o.sample_unit = choice.unit;
    o.output_unit = s.unit.clone();
    o.ratio = 1.0 / s.divide_by;
    o.dialect = s.dialect;
    let rpt = Report::new(p, o);
    let mut lines = pprof_report::profile_labels(&rpt);
    if rpt.total() == 0 && p.sample_types.len() > 1 {
        lines.push("No samples were found with the default sample value type.".into());
        lines.push("Try \"sample_index\" command to analyze different sample values.".into());
    }
    lines
}

/// pprof's `printDOT`.
fn dot_text(rpt: Report<'_>) -> String {
    dot_text_and_nodes(rpt).0
}

/// The call graph of a report as DOT text (pprof's `printDOT`), and the
/// full name of each node in DOT order (node `N<i>` is `names[i - 1]`).
pub fn dot_text_and_nodes(mut rpt: Report<'_>) -> (String, Vec<String>) {
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
        dialect: rpt.options().dialect,
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

/// The stacks a flame graph or folded stacks report takes, for settings
/// `s` and the sample value `choice`.
pub fn stack_options(s: &Settings, choice: &SampleFormat) -> pprof_export::StackOptions {
    pprof_export::StackOptions {
        sample_index: choice.index,
        mean_divisor: choice.mean_divisor,
        granularity: s.granularity,
        inline_frames: !s.no_inlines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::build::ProfileBuilder;

    #[test]
    fn overrides_follow_pprof() {
        let c = apply_command_overrides(OutputFormat::Top, Settings::default());
        assert_eq!(c.node_count, 0);
        assert_eq!(c.node_fraction, 0.005);
        let c = apply_command_overrides(OutputFormat::Dot, Settings::default());
        assert_eq!(c.node_count, 80);
        let c = apply_command_overrides(OutputFormat::Raw, Settings::default());
        assert_eq!(c.granularity, Granularity::Addresses);
        assert_eq!(
            (c.node_count, c.node_fraction, c.edge_fraction),
            (0, 0.0, 0.0)
        );
        let c = apply_command_overrides(OutputFormat::List, Settings::default());
        assert_eq!(c.granularity, Granularity::Lines);
        assert_eq!(c.node_count, 0);
        // -noinlines stays for -proto today; go1.19 dropped it.
        let mut s = Settings {
            no_inlines: true,
            ..Settings::default()
        };
        assert!(apply_command_overrides(OutputFormat::Proto, s.clone()).no_inlines);
        s.dialect = crate::settings::Dialect::Go119;
        assert!(!apply_command_overrides(OutputFormat::Proto, s).no_inlines);
    }

    #[test]
    fn reports_leave_the_loaded_profile_as_it_was() {
        let mut b = ProfileBuilder::new(&[("samples", "count")]);
        let f = b.function("main.work", "main.go", 1);
        let g = b.function("main.other", "main.go", 9);
        let l1 = b.location(None, 0x1000, &[(f, 3)]);
        let l2 = b.location(None, 0x2000, &[(g, 10)]);
        b.sample(&[l1], &[5]);
        b.sample(&[l2, l1], &[7]);
        b.sample(&[], &[1]);
        let p = b.build();
        let before = p.clone();
        let mut s = Settings {
            tag_root: "k".into(),
            ..Default::default()
        };
        s.filters.focus = "other".into();
        for format in [OutputFormat::Top, OutputFormat::Traces, OutputFormat::Raw] {
            let cmd = Command {
                format,
                regexp: None,
            };
            let mut out = Vec::new();
            write_report(&p, &cmd, &s, &mut out).unwrap();
            write_report(&p, &cmd, &Settings::default(), &mut out).unwrap();
            assert!(!out.is_empty());
        }
        assert_eq!(p, before);
    }
}
