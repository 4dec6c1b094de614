//! The sample filters of the report step, in pprof's order
//! (`applyFocus`), and the other profile edits the driver makes.

use std::collections::HashMap;

use pprof_model::Profile;

use crate::config::Config;
use crate::{Error, Result};

/// The unit of each numeric label key (pprof's `NumLabelUnits`), plus
/// notices for keys seen with several units.
pub(crate) fn num_label_units(p: &Profile) -> (HashMap<String, String>, Vec<String>) {
    let (units, ignored) = pprof_ops::num_label_units(p);
    let notices = pprof_ops::num_label_unit_warnings(&units, &ignored);
    (units, notices)
}

/// Words a regexp error of the ops crate as pprof does.
fn one_line(e: pprof_ops::Error) -> Error {
    match e {
        pprof_ops::Error::Regex { option, message } => {
            Error::Option(format!("parsing {option} regexp: {message}"))
        }
        other => Error::Ops(other),
    }
}

/// pprof's `applyFocus`: focus/ignore/hide/show, show_from, tag filters,
/// tagshow/taghide, prune_from; in that order, in place.
pub(crate) fn apply_focus(
    p: &mut Profile,
    units: &HashMap<String, String>,
    cfg: &Config,
    notices: &mut Vec<String>,
) -> Result<()> {
    let mut o = pprof_ops::FocusOptions::default();
    o.focus = cfg.focus.clone();
    o.ignore = cfg.ignore.clone();
    o.hide = cfg.hide.clone();
    o.show = cfg.show.clone();
    o.show_from = cfg.show_from.clone();
    o.tag_focus = cfg.tag_focus.clone();
    o.tag_ignore = cfg.tag_ignore.clone();
    o.tag_show = cfg.tag_show.clone();
    o.tag_hide = cfg.tag_hide.clone();
    o.prune_from = cfg.prune_from.clone();
    if o == pprof_ops::FocusOptions::default() {
        // pprof still runs its name filter, which drops every sample that
        // has no location at all; nothing else can change.
        p.samples.retain(|s| !s.locations.is_empty());
        return Ok(());
    }
    notices.extend(pprof_ops::apply_focus(p, units, &o).map_err(one_line)?);
    Ok(())
}

/// pprof's `RemoveUninteresting`: prunes frames by the profile's own
/// drop_frames/keep_frames. A bad expression in the profile is ignored, as
/// the driver ignores it.
pub(crate) fn remove_uninteresting(p: &mut Profile) {
    let _ = pprof_ops::remove_uninteresting(p);
}

/// pprof's `aggregate`: erases the details the report's granularity does
/// not show.
pub(crate) fn aggregate(p: &mut Profile, cfg: &Config) -> Result<()> {
    if let Some(g) = pprof_ops::Granularity::from_option(cfg.granularity.name(), cfg.no_inlines)? {
        pprof_ops::aggregate(p, g)?;
    }
    Ok(())
}

/// pprof's `generateTagRootsLeaves`.
pub(crate) fn tag_roots_leaves(p: &mut Profile, cfg: &Config, notices: &mut Vec<String>) {
    if cfg.tag_root.is_empty() && cfg.tag_leaf.is_empty() {
        return;
    }
    let roots: Vec<&str> = cfg.tag_root.split(',').filter(|k| !k.is_empty()).collect();
    let leaves: Vec<&str> = cfg.tag_leaf.split(',').filter(|k| !k.is_empty()).collect();
    let (rm, lm) = pprof_ops::add_label_nodes(p, &roots, &leaves, &cfg.unit);
    warn_no_matches(cfg.tag_root.is_empty() || rm, "TagRoot", notices);
    warn_no_matches(cfg.tag_leaf.is_empty() || lm, "TagLeaf", notices);
}

fn warn_no_matches(matched: bool, option: &str, notices: &mut Vec<String>) {
    if !matched {
        notices.push(format!("{option} expression matched no samples"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_errors_are_one_line() {
        let mut p = Profile::new();
        let cfg = Config {
            focus: "(".into(),
            ..Config::default()
        };
        let units = HashMap::new();
        let e = apply_focus(&mut p, &units, &cfg, &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.starts_with("parsing focus regexp: "), "{e}");
    }
}
