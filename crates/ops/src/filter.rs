//! Sample filters by frame name (`-focus`, `-ignore`, `-hide`, `-show`,
//! `-show_from`) and by label key (`-tagshow`, `-taghide`), as Go's
//! `Profile.FilterSamplesByName`, `ShowFrom` and `FilterTagsByName`.
//!
//! A location matches a regular expression when any of its frames'
//! function name or file name matches, or its mapping's file name does.
//! All functions edit the profile in place (`&mut Profile`): samples are
//! removed, location frame lists are trimmed, but the location, function
//! and mapping tables keep their entries (use [`crate::compact`] to drop
//! unused ones). Each returns whether its expressions matched anything, so
//! callers can warn "matched no samples".
//!
//! Regex results are cached per interned string, so each distinct name is
//! matched once.

use pprof_model::{Line, Location, Profile, StrId};
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
/// frames under `show` and loses all under `hide`); locations left without
/// frames are removed from the samples, and samples left without
/// locations are dropped.
pub fn filter_samples_by_name(
    p: &mut Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> NameMatches {
    let mut res = NameMatches::default();
    let mut state = vec![UNSET; p.locations.len()];
    let mut hidden = vec![false; p.locations.len()];
    let mut any_hidden = false;
    let mut fm = focus.map(|r| StrMatcher::new(r, p));
    let mut im = ignore.map(|r| StrMatcher::new(r, p));
    let mut hm = hide.map(|r| StrMatcher::new(r, p));
    let mut sm = show.map(|r| StrMatcher::new(r, p));
    let mut locations = std::mem::take(&mut p.locations);
    for (i, loc) in locations.iter_mut().enumerate() {
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
        if let Some(m) = hm.as_mut() {
            if m.location_matches(p, loc) {
                res.hide = true;
                if m.mapping_matches(p, loc) {
                    loc.lines.clear();
                } else {
                    loc.lines.retain(|ln| !m.line_matches(p, ln));
                }
                if loc.lines.is_empty() {
                    hidden[i] = true;
                    any_hidden = true;
                }
            }
        }
        if let Some(m) = sm.as_mut() {
            if !m.mapping_matches(p, loc) {
                loc.lines.retain(|ln| m.line_matches(p, ln));
            }
            if loc.lines.is_empty() {
                hidden[i] = true;
                any_hidden = true;
            } else {
                res.show = true;
            }
        }
    }
    p.locations = locations;

    p.samples.rewrite(|s| {
        let mut focused = false;
        for l in &s.locations {
            match state.get(l.index()).copied() {
                Some(FOCUS) => focused = true,
                Some(IGNORE) => return false,
                _ => {}
            }
        }
        if !focused {
            return false;
        }
        if any_hidden {
            s.locations
                .retain(|l| !hidden.get(l.index()).copied().unwrap_or(false));
            if s.locations.is_empty() {
                return false;
            }
        }
        true
    });
    res
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
