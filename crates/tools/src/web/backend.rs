//! The report calls behind the web views, kept in one place: when
//! pprof-driver's report step (which never changes the loaded profile)
//! lands, these functions call it instead of cloning the profile, and the
//! query names come from its option table (see the lead's PLAN.md).

use pprof_model::Profile;

use crate::reporting::{self, Prepared};
use crate::shell::{config_from_settings, Settings};
use crate::{Command, Config, OutputFormat};

/// pprof's URL parameter for each option that a page URL carries
/// (pprof's `urlparam` table), in the option table's order. Temporary:
/// the name belongs in the one option table, as an attribute of each
/// option, once it exists.
pub(super) const URL_PARAMS: &[(&str, &str)] = &[
    ("calltree", "call_tree"),
    ("rel", "relative_percentages"),
    ("unit", "unit"),
    ("compact", "compact_labels"),
    ("intel", "intel_syntax"),
    ("mean", "mean"),
    ("si", "sample_index"),
    ("norm", "normalize"),
    ("sort", "sort"),
    ("dropneg", "drop_negative"),
    ("n", "nodecount"),
    ("nf", "nodefraction"),
    ("ef", "edgefraction"),
    ("trim", "trim"),
    ("f", "focus"),
    ("i", "ignore"),
    ("prunefrom", "prune_from"),
    ("h", "hide"),
    ("s", "show"),
    ("sf", "show_from"),
    ("tf", "tagfocus"),
    ("ti", "tagignore"),
    ("ts", "tagshow"),
    ("th", "taghide"),
    ("noinlines", "noinlines"),
    ("g", "granularity"),
];

/// Options pprof saves in `settings.json` (the others are transient).
pub(super) const SAVED: &[&str] = &[
    "call_tree",
    "relative_percentages",
    "unit",
    "compact_labels",
    "intel_syntax",
    "mean",
    "normalize",
    "sort",
    "tagroot",
    "tagleaf",
    "drop_negative",
    "nodecount",
    "nodefraction",
    "edgefraction",
    "trim",
    "focus",
    "ignore",
    "prune_from",
    "hide",
    "show",
    "show_from",
    "tagfocus",
    "tagignore",
    "tagshow",
    "taghide",
    "noinlines",
    "granularity",
];

/// The settings of one request: the command line's, changed by the
/// query's parameters.
pub(super) struct Request {
    /// The report settings.
    pub config: Config,
    /// The settings parameters of the query that are set, in table order:
    /// the cache key, and what links carry.
    pub params: Vec<(&'static str, String)>,
}

/// Reads the settings parameters of a query; a bad value is pprof's
/// `error setting config field NAME: ...`.
pub(super) fn request(base: &Settings, query: &[(String, String)]) -> Result<Request, String> {
    let mut settings = base.clone();
    let mut params = Vec::new();
    for &(param, option) in URL_PARAMS {
        // Like Go's url.Values.Get: the first value.
        let Some((_, value)) = query.iter().find(|(k, _)| k == param) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        settings
            .set(option, value)
            .map_err(|e| format!("error setting config field {option}: {e}"))?;
        params.push((param, value.clone()));
    }
    Ok(Request {
        config: config_from_settings(&settings),
        params,
    })
}

/// What the report step made, with its notices (a filter that matched
/// nothing...).
pub(super) struct Made<T> {
    pub value: T,
    pub notices: Vec<String>,
    /// The profile's legend: `File: ...`, `Type: ...`.
    pub legend: Vec<String>,
}

/// Runs the report step for `format` on a copy of `p` (the copy goes away
/// with pprof-driver).
fn prepared<T>(
    p: &Profile,
    format: OutputFormat,
    regexp: Option<String>,
    cfg: &Config,
    then: impl FnOnce(&Profile, Prepared) -> crate::Result<T>,
) -> Result<Made<T>, String> {
    let mut copy = p.clone();
    let mut notices = Vec::new();
    let cmd = Command { format, regexp };
    let prep = reporting::prepare(&mut copy, &cmd, cfg, &mut |n| notices.push(n))
        .map_err(|e| e.to_string())?;
    let legend = {
        let rpt = pprof_report::Report::with_total(&copy, prep.options.clone(), prep.total);
        pprof_report::profile_labels(&rpt)
    };
    let value = then(&copy, prep).map_err(|e| e.to_string())?;
    Ok(Made {
        value,
        notices,
        legend,
    })
}

/// A text report (peek, list, tags), or its JSON form (top).
pub(super) fn text(
    p: &Profile,
    format: OutputFormat,
    regexp: Option<String>,
    cfg: &Config,
    json: bool,
) -> Result<Made<String>, String> {
    prepared(p, format, regexp.clone(), cfg, |copy, prep| {
        let rpt = pprof_report::Report::with_total(copy, prep.options, prep.total);
        let mut buf = Vec::new();
        let made = if json {
            pprof_report::generate_json(&mut buf, &rpt)
        } else {
            pprof_report::generate(&mut buf, &rpt)
        };
        made.map_err(|e| match (e, &regexp) {
            (pprof_report::Error::NoMatches(_), Some(re)) => {
                pprof_report::Error::NoMatches(re.clone())
            }
            (e, _) => e,
        })?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    })
}

/// The call graph: DOT text and the full name of each node (`N<i>` is
/// `names[i - 1]`).
pub(super) fn graph(p: &Profile, cfg: &Config) -> Result<Made<(String, Vec<String>)>, String> {
    prepared(p, OutputFormat::Svg, None, cfg, |copy, prep| {
        let rpt = pprof_report::Report::with_total(copy, prep.options, prep.total);
        Ok(reporting::dot_text_and_nodes(rpt))
    })
}

/// A flame graph's stack tree, with each node's value formatted.
pub(super) struct Flame {
    pub tree: pprof_export::FlameTree,
    /// `cum` and `flat` of each node as text.
    pub formatted: Vec<(String, String)>,
    /// The report total.
    pub total: i64,
}

/// The stack tree of the flame graph view; `callers` roots it at the
/// leaves.
pub(super) fn flame(p: &Profile, cfg: &Config, callers: bool) -> Result<Made<Flame>, String> {
    prepared(p, OutputFormat::Flame, None, cfg, |copy, prep| {
        let mut opts = pprof_export::FlameTreeOptions::default();
        opts.stacks = reporting::stack_options(&prep.cfg, &prep.choice);
        opts.callers = callers;
        // Frames under 1/5000 of the total are narrower than a pixel of a
        // screen's width; leaving them out keeps large pages small.
        opts.min_share = 0.0002;
        let tree = pprof_export::flame_tree(copy, &opts)?;
        let unit = prep.choice.unit.clone();
        let fmt = |v: i64| pprof_ops::measurement::scaled_label(v, &unit, &prep.cfg.unit);
        let formatted = tree
            .nodes
            .iter()
            .map(|n| (fmt(n.cum), fmt(n.flat)))
            .collect();
        Ok(Flame {
            tree,
            formatted,
            total: prep.total,
        })
    })
}

/// The profile as gzipped profile.proto (the download).
pub(super) fn encode(p: &Profile) -> Vec<u8> {
    pprof_model::encode(p)
}
