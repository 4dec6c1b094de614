//! The driver's filter pipeline (Go's `applyFocus`): compiles the
//! `-focus`, `-ignore`, `-hide`, `-show`, `-show_from`, `-tagfocus`,
//! `-tagignore`, `-tagshow`, `-taghide` and `-prune_from` options and
//! applies them in pprof's order, collecting the messages pprof prints on
//! standard error instead of printing them.

use std::borrow::Cow;
use std::collections::HashMap;

use pprof_model::{Dialect, Profile};
use regex::Regex;

use crate::error::Result;
use crate::filter::{filter_tags_by_name, filter_view_by_name, show_from};
use crate::prune::prune_from;
use crate::tagfilter::{compile_tag_filter, filter_view_by_tag};

/// Filter options; an empty string means "not set".
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FocusOptions {
    /// `-focus` regexp (default empty).
    pub focus: String,
    /// `-ignore` regexp (default empty).
    pub ignore: String,
    /// `-hide` regexp (default empty).
    pub hide: String,
    /// `-show` regexp (default empty).
    pub show: String,
    /// `-show_from` regexp (default empty).
    pub show_from: String,
    /// `-tagfocus` filter (default empty).
    pub tag_focus: String,
    /// `-tagignore` filter (default empty).
    pub tag_ignore: String,
    /// `-tagshow` regexp (default empty).
    pub tag_show: String,
    /// `-taghide` regexp (default empty).
    pub tag_hide: String,
    /// `-prune_from` regexp (default empty).
    pub prune_from: String,
}

impl FocusOptions {
    /// Whether these filters read the samples' labels (the tag filters).
    pub fn reads_labels(&self) -> bool {
        [
            &self.tag_focus,
            &self.tag_ignore,
            &self.tag_show,
            &self.tag_hide,
        ]
        .iter()
        .any(|f| !f.is_empty())
    }
}

/// Compiles a regexp option as pprof of `dialect` does; empty means unset.
pub fn compile_regex_option(name: &str, value: &str, dialect: Dialect) -> Result<Option<Regex>> {
    if value.is_empty() {
        return Ok(None);
    }
    crate::goregex::compile_go_regex(name, value, dialect).map(Some)
}

/// Applies all filters of `opts` to `p` in pprof's order: name filters,
/// show_from, tag focus/ignore, tag show/hide, then prune_from. In place.
///
/// Returns the standard error messages in pprof's order: range notices
/// from the tag filters first, then `"<Option> expression matched no
/// samples"` for each option that matched nothing. Regexp errors are
/// reported before anything is changed, except that a bad `-tagshow` or
/// `-taghide` is only detected after the sample filters ran (as in Go).
///
/// `dialect` is the pprof whose rules apply: go1.19's
/// ([`Dialect::Go119`]) runs its name filter even with no `-focus`,
/// `-ignore`, `-hide` or `-show`, which drops the samples without
/// locations; today's leaves them.
pub fn apply_focus(
    p: &mut Profile,
    num_label_units: &HashMap<String, String>,
    opts: &FocusOptions,
    dialect: Dialect,
) -> Result<Vec<String>> {
    let mut msgs = Vec::new();
    let mut view = Cow::Owned(std::mem::replace(p, Profile::new()));
    let r = apply_focus_into(&mut view, num_label_units, opts, dialect, &mut msgs);
    *p = view.into_owned();
    r.map(|()| msgs)
}

/// Like [`apply_focus`], but appends the messages to `msgs` as they
/// arise, so that on an error the caller still has the notices pprof
/// printed before failing (for example a range notice of `-tagfocus`
/// followed by a bad `-prune_from` expression). It works on a view of the
/// profile: a borrowed profile is copied only when a filter changes
/// something, and then with only the samples that pass the first filter
/// that removes any.
pub fn apply_focus_into(
    view: &mut Cow<'_, Profile>,
    num_label_units: &HashMap<String, String>,
    opts: &FocusOptions,
    dialect: Dialect,
    msgs: &mut Vec<String>,
) -> Result<()> {
    let focus = compile_regex_option("focus", &opts.focus, dialect)?;
    let ignore = compile_regex_option("ignore", &opts.ignore, dialect)?;
    let hide = compile_regex_option("hide", &opts.hide, dialect)?;
    let show = compile_regex_option("show", &opts.show, dialect)?;
    let showfrom = compile_regex_option("show_from", &opts.show_from, dialect)?;
    let tagfocus = compile_tag_filter("tagfocus", &opts.tag_focus, num_label_units, dialect)?;
    if let Some(n) = tagfocus.as_ref().and_then(|t| t.notice.clone()) {
        msgs.push(n);
    }
    let tagignore = compile_tag_filter("tagignore", &opts.tag_ignore, num_label_units, dialect)?;
    if let Some(n) = tagignore.as_ref().and_then(|t| t.notice.clone()) {
        msgs.push(n);
    }
    let prunefrom = compile_regex_option("prune_from", &opts.prune_from, dialect)?;

    let mut warn = |ok: bool, name: &str| {
        if !ok {
            msgs.push(format!("{name} expression matched no samples"));
        }
    };
    let no_names = focus.is_none() && ignore.is_none() && hide.is_none() && show.is_none();
    let m = if no_names && dialect == Dialect::Go127 {
        crate::NameMatches::default()
    } else {
        filter_view_by_name(
            view,
            focus.as_ref(),
            ignore.as_ref(),
            hide.as_ref(),
            show.as_ref(),
        )
    };
    warn(focus.is_none() || m.focus, "Focus");
    warn(ignore.is_none() || m.ignore, "Ignore");
    warn(hide.is_none() || m.hide, "Hide");
    warn(show.is_none() || m.show, "Show");

    let sfm = showfrom.is_some() && show_from(view.to_mut(), showfrom.as_ref());
    warn(showfrom.is_none() || sfm, "ShowFrom");

    let (tfm, tim) = if tagfocus.is_none() && tagignore.is_none() {
        (false, false)
    } else {
        filter_view_by_tag(
            view,
            tagfocus.as_ref().map(|t| &t.filter),
            tagignore.as_ref().map(|t| &t.filter),
        )
    };
    warn(tagfocus.is_none() || tfm, "TagFocus");
    warn(tagignore.is_none() || tim, "TagIgnore");

    let tagshow = compile_regex_option("tagshow", &opts.tag_show, dialect)?;
    let taghide = compile_regex_option("taghide", &opts.tag_hide, dialect)?;
    let (tns, tnh) = if tagshow.is_none() && taghide.is_none() {
        (false, false)
    } else {
        filter_tags_by_name(view.to_mut(), tagshow.as_ref(), taghide.as_ref())
    };
    warn(tagshow.is_none() || tns, "TagShow");
    warn(taghide.is_none() || tnh, "TagHide");

    if let Some(re) = prunefrom {
        prune_from(view.to_mut(), &re);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{profile_with_stacks, stack_names};

    #[test]
    fn pipeline_messages() {
        let mut p = profile_with_stacks(&[&["a", "b", "main"], &["c", "main"]]);
        let opts = FocusOptions {
            focus: "b".into(),
            hide: "nothing".into(),
            tag_focus: "1kb:".into(),
            ..Default::default()
        };
        let msgs = apply_focus(&mut p, &HashMap::new(), &opts, Dialect::Go127).unwrap();
        assert_eq!(
            msgs,
            vec![
                "tagfocus:Interpreted '1kb:' as range, not regexp",
                "Hide expression matched no samples",
                "TagFocus expression matched no samples",
            ]
        );
        assert!(p.samples.is_empty());

        let mut p = profile_with_stacks(&[&["a", "b", "main"], &["c", "main"]]);
        let opts = FocusOptions {
            focus: "^b$".into(),
            prune_from: "^b$".into(),
            ..Default::default()
        };
        assert!(apply_focus(&mut p, &HashMap::new(), &opts, Dialect::Go127)
            .unwrap()
            .is_empty());
        assert_eq!(stack_names(&p), vec!["b;main"]);
        let mut msgs = Vec::new();
        let late = FocusOptions {
            tag_focus: "1kb:".into(),
            prune_from: "(".into(),
            ..Default::default()
        };
        assert!(apply_focus_into(
            &mut Cow::Borrowed(&p),
            &HashMap::new(),
            &late,
            Dialect::Go127,
            &mut msgs
        )
        .is_err());
        assert_eq!(
            msgs,
            vec!["tagfocus:Interpreted '1kb:' as range, not regexp"]
        );
        let bad = FocusOptions {
            ignore: "(".into(),
            ..Default::default()
        };
        assert!(apply_focus(&mut p, &HashMap::new(), &bad, Dialect::Go127).is_err());
    }

    #[test]
    fn a_borrowed_view_gives_what_the_profile_filtered_in_place_gives() {
        let p = profile_with_stacks(&[
            &["a", "b", "main"],
            &["c", "main"],
            &["b", "c", "main"],
            &[],
            &["d"],
        ]);
        let cases = [
            FocusOptions::default(),
            FocusOptions {
                focus: "b".into(),
                ..Default::default()
            },
            FocusOptions {
                ignore: "^c$".into(),
                hide: "^a$".into(),
                ..Default::default()
            },
            FocusOptions {
                show: "main|b".into(),
                ..Default::default()
            },
            FocusOptions {
                hide: "d".into(),
                show_from: "^b$".into(),
                ..Default::default()
            },
            FocusOptions {
                focus: "main".into(),
                prune_from: "^b$".into(),
                tag_show: "x".into(),
                ..Default::default()
            },
        ];
        for dialect in [Dialect::Go127, Dialect::Go119] {
            for o in &cases {
                let mut owned = p.clone();
                let want = apply_focus(&mut owned, &HashMap::new(), o, dialect).unwrap();
                let mut view = Cow::Borrowed(&p);
                let mut msgs = Vec::new();
                apply_focus_into(&mut view, &HashMap::new(), o, dialect, &mut msgs).unwrap();
                assert_eq!(msgs, want, "{o:?} {dialect:?}");
                assert_eq!(*view, owned, "{o:?} {dialect:?}");
                assert_eq!(stack_names(&view), stack_names(&owned));
            }
        }
        // Nothing to filter: the profile is not copied.
        let mut view = Cow::Borrowed(&p);
        let o = FocusOptions::default();
        apply_focus_into(
            &mut view,
            &HashMap::new(),
            &o,
            Dialect::Go127,
            &mut Vec::new(),
        )
        .unwrap();
        assert!(matches!(view, Cow::Borrowed(_)));
    }
}
