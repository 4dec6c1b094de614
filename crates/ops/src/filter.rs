//! Sample filters by frame name (`-focus`, `-ignore`, `-hide`, `-show`,
//! `-show_from`) and by label key (`-tagshow`, `-taghide`), as Go's
//! `Profile.FilterSamplesByName`, `ShowFrom` and `FilterTagsByName`.
//!
//! A location matches a regular expression when any of its frames'
//! function name or file name matches, or its mapping's file name does.
//! All functions edit the profile in place (`&mut Profile`, or a view
//! `&mut Cow<Profile>` that is copied only with the samples that stay): samples are
//! removed, location frame lists are trimmed, but the location, function
//! and mapping tables keep their entries (use [`crate::compact`] to drop
//! unused ones). Each returns whether its expressions matched anything, so
//! callers can warn "matched no samples".
//!
//! Regex results are cached per interned string, so each distinct name is
//! matched once.

use std::borrow::Cow;

use pprof_model::{Line, Location, LocationId, Profile, SampleRef, StrId};
use regex::Regex;

/// Which name filters matched at least one location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameMatches {
    /// The focus expression matched (true when there is no focus
    /// expression and the profile has locations).
    pub focus: bool,
    /// The ignore expression matched.
    pub ignore: bool,
    /// The hide expression matched.
    pub hide: bool,
    /// The show expression matched.
    pub show: bool,
}

/// Caches the result of one regex on the strings of one profile.
pub(crate) struct StrMatcher<'r> {
    re: &'r Regex,
    cache: Vec<u8>,
}

impl<'r> StrMatcher<'r> {
    pub(crate) fn new(re: &'r Regex, p: &Profile) -> Self {
        StrMatcher {
            re,
            cache: vec![0; p.strings.len()],
        }
    }

    pub(crate) fn is_match(&mut self, p: &Profile, id: StrId) -> bool {
        match self.cache.get(id.index()).copied() {
            Some(1) => false,
            Some(2) => true,
            Some(_) => {
                let m = self.re.is_match(p.str(id));
                self.cache[id.index()] = if m { 2 } else { 1 };
                m
            }
            None => self.re.is_match(p.str(id)),
        }
    }

    fn line_matches(&mut self, p: &Profile, ln: &Line) -> bool {
        match p.functions.get(ln.function.index()) {
            Some(f) => {
                let (name, file) = (f.name, f.filename);
                self.is_match(p, name) || self.is_match(p, file)
            }
            None => false,
        }
    }

    fn mapping_matches(&mut self, p: &Profile, loc: &Location) -> bool {
        match loc.mapping.and_then(|m| p.mappings.get(m.index())) {
            Some(m) => {
                let file = m.file;
                self.is_match(p, file)
            }
            None => false,
        }
    }

    fn location_matches(&mut self, p: &Profile, loc: &Location) -> bool {
        loc.lines.iter().any(|ln| self.line_matches(p, ln)) || self.mapping_matches(p, loc)
    }
}

const UNSET: u8 = 0;
const FOCUS: u8 = 1;
const IGNORE: u8 = 2;

/// Keeps the samples that pass `-focus`/`-ignore` and trims frames for
/// `-hide`/`-show` (Go's `FilterSamplesByName`). In place.
///
/// A sample is kept when at least one of its locations matches `focus`
/// (every location does when `focus` is `None`) and none matches
/// `ignore`; a sample without locations is therefore always dropped.
/// `hide` removes matching frames from every location, `show` keeps only
/// matching ones (a location whose mapping file matches keeps all its
/// frames under `show` and loses all under `hide`); locations that `hide`
/// matches or `show` trims and that are left without frames are removed
/// from the samples (a location without frames that `hide` does not match
/// stays), and samples left without locations are dropped.
pub fn filter_samples_by_name(
    p: &mut Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> NameMatches {
    let mut view = Cow::Owned(std::mem::replace(p, Profile::new()));
    let m = filter_view_by_name(&mut view, focus, ignore, hide, show);
    *p = view.into_owned();
    m
}

/// [`filter_samples_by_name`] over a view of a profile: a borrowed
/// profile is copied with only the samples that stay (the stacks are not
/// copied whole first), an owned one is filtered in place.
pub fn filter_view_by_name(
    view: &mut Cow<'_, Profile>,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> NameMatches {
    let f = NameFilter::new(view, focus, ignore, hide, show);
    retain_samples(view, |_, s| f.keeps(s.locations));
    if !f.edited.is_empty() || f.any_hidden {
        let p = view.to_mut();
        for (i, lines) in f.edited {
            p.locations[i].lines = lines;
        }
        if f.any_hidden {
            let hidden = &f.hidden;
            p.samples.rewrite(|s| {
                s.locations
                    .retain(|l| !hidden.get(l.index()).copied().unwrap_or(false));
                !s.locations.is_empty()
            });
        }
    }
    f.matches
}

/// Keeps the samples of a view that `keep` accepts (it is given the
/// profile, for its strings and tables): a borrowed profile becomes a copy
/// holding only those samples, an owned one is filtered in place.
pub fn retain_samples(
    view: &mut Cow<'_, Profile>,
    mut keep: impl FnMut(&Profile, SampleRef<'_>) -> bool,
) {
    match view {
        Cow::Borrowed(p) => {
            let p: &Profile = p;
            *view = Cow::Owned(p.clone_with_samples(|s| keep(p, s)));
        }
        Cow::Owned(p) => {
            let mut samples = std::mem::take(&mut p.samples);
            samples.retain(|s| keep(p, s));
            p.samples = samples;
        }
    }
}

/// What the name filters decide about each location of a profile, read
/// without changing it.
struct NameFilter {
    /// FOCUS, IGNORE or UNSET per location.
    state: Vec<u8>,
    /// Locations left without frames by `-hide`/`-show`.
    hidden: Vec<bool>,
    any_hidden: bool,
    /// New frame lists of the locations `-hide`/`-show` trimmed.
    edited: Vec<(usize, Vec<Line>)>,
    matches: NameMatches,
}

impl NameFilter {
    fn new(
        p: &Profile,
        focus: Option<&Regex>,
        ignore: Option<&Regex>,
        hide: Option<&Regex>,
        show: Option<&Regex>,
    ) -> NameFilter {
        let mut res = NameMatches::default();
        let n = p.locations.len();
        let mut state = vec![UNSET; n];
        let mut hidden = vec![
            false;
            if hide.is_some() || show.is_some() {
                n
            } else {
                0
            }
        ];
        let mut any_hidden = false;
        let mut edited = Vec::new();
        let mut fm = focus.map(|r| StrMatcher::new(r, p));
        let mut im = ignore.map(|r| StrMatcher::new(r, p));
        let mut hm = hide.map(|r| StrMatcher::new(r, p));
        let mut sm = show.map(|r| StrMatcher::new(r, p));
        for (i, loc) in p.locations.iter().enumerate() {
            let ignored = match im.as_mut() {
                Some(m) => m.location_matches(p, loc),
                None => false,
            };
            if ignored {
                res.ignore = true;
                state[i] = IGNORE;
            } else if fm.as_mut().is_none_or(|m| m.location_matches(p, loc)) {
                res.focus = true;
                state[i] = FOCUS;
            }
            if hm.is_none() && sm.is_none() {
                continue;
            }
            let mut lines: Cow<'_, [Line]> = Cow::Borrowed(&loc.lines);
            // As in pprof, only a location that `hide` matches, or any
            // location under `show`, can be left without frames and
            // removed: one that has no frames to begin with stays
            // otherwise.
            let mut trimmed = false;
            if let Some(m) = hm.as_mut() {
                if m.location_matches(p, loc) {
                    res.hide = true;
                    trimmed = true;
                    if m.mapping_matches(p, loc) {
                        lines = Cow::Owned(Vec::new());
                    } else {
                        lines = Cow::Owned(
                            lines
                                .iter()
                                .filter(|ln| !m.line_matches(p, ln))
                                .copied()
                                .collect(),
                        );
                    }
                }
            }
            if let Some(m) = sm.as_mut() {
                trimmed = true;
                if !m.mapping_matches(p, loc) {
                    lines = Cow::Owned(
                        lines
                            .iter()
                            .filter(|ln| m.line_matches(p, ln))
                            .copied()
                            .collect(),
                    );
                }
                if !lines.is_empty() {
                    res.show = true;
                }
            }
            if trimmed && lines.is_empty() {
                hidden[i] = true;
                any_hidden = true;
            }
            if let Cow::Owned(lines) = lines {
                if lines != loc.lines {
                    edited.push((i, lines));
                }
            }
        }
        NameFilter {
            state,
            hidden,
            any_hidden,
            edited,
            matches: res,
        }
    }

    /// Whether a sample with these locations passes `-focus`/`-ignore`
    /// and keeps a location once `-hide`/`-show` have trimmed frames.
    fn keeps(&self, locations: &[LocationId]) -> bool {
        let mut focused = false;
        let mut visible = !self.any_hidden;
        for l in locations {
            match self.state.get(l.index()).copied() {
                Some(FOCUS) => focused = true,
                Some(IGNORE) => return false,
                _ => {}
            }
            visible = visible || !self.hidden.get(l.index()).copied().unwrap_or(false);
        }
        focused && visible
    }
}

/// Cuts every stack above the outermost frame matching `re` (Go's
/// `ShowFrom`). In place. Samples without a matching frame are removed.
/// Returns whether any location matched. With `None` the profile is left
/// alone and the result is false.
///
/// A location matches when its mapping file matches (it is kept whole) or
/// one of its frames does (frames above the outermost match are cut).
pub fn show_from(p: &mut Profile, re: Option<&Regex>) -> bool {
    let Some(re) = re else {
        return false;
    };
    let mut m = StrMatcher::new(re, p);
    let mut matched_locs = vec![false; p.locations.len()];
    let mut matched = false;
    let mut locations = std::mem::take(&mut p.locations);
    for (i, loc) in locations.iter_mut().enumerate() {
        let hit = if m.mapping_matches(p, loc) {
            true
        } else if let Some(j) = loc.lines.iter().rposition(|ln| m.line_matches(p, ln)) {
            loc.lines.truncate(j + 1);
            true
        } else {
            false
        };
        if hit {
            matched_locs[i] = true;
            matched = true;
        }
    }
    p.locations = locations;
    p.samples.rewrite(|s| {
        match s
            .locations
            .iter()
            .rposition(|l| matched_locs.get(l.index()).copied().unwrap_or(false))
        {
            Some(i) => {
                s.locations.truncate(i + 1);
                true
            }
            None => false,
        }
    });
    matched
}

/// Removes labels by key (Go's `FilterTagsByName`). In place.
///
/// A label (string or numeric) is kept when its key matches `show` (or
/// `show` is `None`) and does not match `hide`. Returns whether `show` and
/// `hide` matched any key. With both `None` nothing changes.
pub fn filter_tags_by_name(
    p: &mut Profile,
    show: Option<&Regex>,
    hide: Option<&Regex>,
) -> (bool, bool) {
    let mut sm = false;
    let mut hm = false;
    if p.samples.iter().all(|s| s.labels.is_empty()) {
        return (false, false);
    }
    // Per key string: 0 unknown, 1 keep, 2 remove.
    let mut decision = vec![0u8; p.strings.len()];
    let strings = &p.strings;
    p.samples.rewrite(|s| {
        s.labels.retain(|l| {
            let d = decision.get(l.key.index()).copied().unwrap_or(0);
            let remove = if d != 0 {
                d == 2
            } else {
                let name = strings.get(l.key);
                let ms = show.is_none_or(|r| r.is_match(name));
                let mh = hide.is_some_and(|r| r.is_match(name));
                let remove = !ms || mh;
                if let Some(slot) = decision.get_mut(l.key.index()) {
                    *slot = if remove { 2 } else { 1 };
                }
                remove
            };
            !remove
        });
        true
    });
    // Flags depend only on which keys were seen.
    for (i, d) in decision.iter().enumerate() {
        if *d == 0 {
            continue;
        }
        let name = p.strings.get(StrId(i as u32));
        if show.is_none_or(|r| r.is_match(name)) {
            sm = true;
        }
        if hide.is_some_and(|r| r.is_match(name)) {
            hm = true;
        }
    }
    (sm, hm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{profile_with_stacks, stack_names};

    #[test]
    fn focus_ignore() {
        let mut p = profile_with_stacks(&[&["a", "b", "main"], &["c", "main"], &["d", "x"]]);
        let re = Regex::new("b|c").unwrap();
        let ig = Regex::new("^c$").unwrap();
        let m = filter_samples_by_name(&mut p, Some(&re), Some(&ig), None, None);
        assert!(m.focus && m.ignore);
        assert_eq!(stack_names(&p), vec!["a;b;main"]);
    }

    #[test]
    fn hide_show() {
        let mut p = profile_with_stacks(&[&["a", "b", "main"], &["c", "main"]]);
        let h = Regex::new("^main$").unwrap();
        let m = filter_samples_by_name(&mut p, None, None, Some(&h), None);
        assert!(m.focus && m.hide && !m.show);
        assert_eq!(stack_names(&p), vec!["a;b", "c"]);
        let s = Regex::new("^[ac]$").unwrap();
        let m = filter_samples_by_name(&mut p, None, None, None, Some(&s));
        assert!(m.show);
        assert_eq!(stack_names(&p), vec!["a", "c"]);
    }

    /// Locations with an address but no frames (a legacy text profile's)
    /// are matched by no name: `hide` keeps them, `show` removes them.
    #[test]
    fn frameless_locations_stay_under_hide_and_go_under_show() {
        let mut p = profile_with_stacks(&[&["a", "main"]]);
        p.locations[1].lines.clear();
        let h = Regex::new("main|runtime").unwrap();
        let m = filter_samples_by_name(&mut p, None, None, Some(&h), None);
        assert!(!m.hide);
        assert_eq!(
            p.samples.at(0).locations,
            vec![LocationId(0), LocationId(1)]
        );
        let s = Regex::new("^a$").unwrap();
        let m = filter_samples_by_name(&mut p, None, None, None, Some(&s));
        assert!(m.show);
        assert_eq!(p.samples.at(0).locations, vec![LocationId(0)]);
    }

    #[test]
    fn show_from_cuts() {
        let mut p = profile_with_stacks(&[&["a", "b", "main"], &["c", "main"]]);
        let re = Regex::new("^b$").unwrap();
        assert!(show_from(&mut p, Some(&re)));
        assert_eq!(stack_names(&p), vec!["a;b"]);
        assert!(!show_from(&mut p, None));
    }

    #[test]
    fn tags_by_name() {
        let mut p = profile_with_stacks(&[&["a"]]);
        crate::set_label(&mut p, "keep", &["1"]);
        crate::set_label(&mut p, "drop", &["2"]);
        let show = Regex::new("keep|drop").unwrap();
        let hide = Regex::new("drop").unwrap();
        assert_eq!(
            filter_tags_by_name(&mut p, Some(&show), Some(&hide)),
            (true, true)
        );
        assert_eq!(p.samples.at(0).labels.len(), 1);
        assert_eq!(p.str(p.samples.at(0).labels[0].key), "keep");
    }
}
