//! Sample filters by label (`-tagfocus`, `-tagignore`): compiling the
//! option text as pprof's driver does, and Go's `FilterSamplesByTag`.
//!
//! An option value is `[key=]filter`. When the filter reads as a numeric
//! value or range with optional units (`64kb`, `64kb:`, `:1mb`,
//! `512b:1kb`), numeric labels are compared after converting them to the
//! filter's unit (using the unit each key is known by, see
//! [`crate::num_label_units`]), and a notice "`<option>:Interpreted
//! '<filter>' as range, not regexp`" is returned for the caller to print.
//! Otherwise the filter is a comma-separated list of regular expressions:
//! with a key, a sample matches when any expression matches any value of
//! that string label; without a key, every expression must match some
//! `key:value` text of the sample's string labels.

use std::borrow::Cow;
use std::collections::HashMap;

use pprof_model::{Label, Profile, SampleRef, StrId};
use regex::Regex;

use crate::error::{Error, Result};
use pprof_model::measurement;

#[derive(Clone, Copy, Debug, PartialEq)]
enum RangeKind {
    Exact(f64),
    AtLeast(f64),
    AtMost(f64),
    Between(f64, f64),
}

#[derive(Clone, Debug, PartialEq)]
struct NumRange {
    unit: String,
    kind: RangeKind,
}

impl NumRange {
    fn matches(&self, v: i64, unit: &str) -> bool {
        let (sv, su) = measurement::scale(v, unit, &self.unit);
        if su != self.unit {
            return false;
        }
        match self.kind {
            RangeKind::Exact(x) => sv == x,
            RangeKind::AtLeast(x) => sv >= x,
            RangeKind::AtMost(x) => sv <= x,
            RangeKind::Between(a, b) => sv >= a && sv <= b,
        }
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Range(NumRange),
    Regexes(Vec<Regex>),
}

/// A compiled `-tagfocus`/`-tagignore` filter.
#[derive(Clone, Debug)]
pub struct TagFilter {
    key: Option<String>,
    kind: Kind,
    units: HashMap<String, String>,
}

/// The result of compiling a tag filter option.
#[derive(Clone, Debug)]
pub struct CompiledTagFilter {
    /// The filter.
    pub filter: TagFilter,
    /// A notice for standard error, such as
    /// `tagfocus:Interpreted '64kb:' as range, not regexp`.
    pub notice: Option<String>,
}

/// Compiles the value of tag filter option `name` (`tagfocus`,
/// `tagignore`), as pprof's driver does. `num_label_units` maps numeric
/// label keys to their units ([`crate::num_label_units`]); regexps take
/// the syntax of `dialect`'s Go. Returns `Ok(None)` for an empty value.
pub fn compile_tag_filter(
    name: &str,
    value: &str,
    num_label_units: &HashMap<String, String>,
    dialect: pprof_model::Dialect,
) -> Result<Option<CompiledTagFilter>> {
    if value.is_empty() {
        return Ok(None);
    }
    let (key, filter) = match value.split_once('=') {
        // An empty key (`=value`) means "any key", as in pprof.
        Some((k, v)) => ((!k.is_empty()).then(|| k.to_string()), v),
        None => (None, value),
    };
    if let Some(range) = parse_range(filter)? {
        return Ok(Some(CompiledTagFilter {
            filter: TagFilter {
                key,
                kind: Kind::Range(range),
                units: num_label_units.clone(),
            },
            notice: Some(format!(
                "{name}:Interpreted '{filter}' as range, not regexp"
            )),
        }));
    }
    let mut rxs = Vec::new();
    for part in filter.split(',') {
        let rx = crate::goregex::compile_go_regex(name, part, dialect)?;
        rxs.push(rx);
    }
    Ok(Some(CompiledTagFilter {
        filter: TagFilter {
            key,
            kind: Kind::Regexes(rxs),
            units: HashMap::new(),
        },
        notice: None,
    }))
}

fn range_regex() -> Regex {
    // A constant pattern: compiling it cannot fail.
    Regex::new("([+-]?[[:digit:]]+)([[:alpha:]]+)?").unwrap_or_else(|_| unreachable!())
}

fn parse_range(filter: &str) -> Result<Option<NumRange>> {
    let rx = range_regex();
    let found: Vec<(&str, &str, &str)> = rx
        .captures_iter(filter)
        .take(2)
        .map(|c| {
            let whole = c.get(0).map_or("", |m| m.as_str());
            let num = c.get(1).map_or("", |m| m.as_str());
            let unit = c.get(2).map_or("", |m| m.as_str());
            (whole, num, unit)
        })
        .collect();
    let Some(&(whole, num, unit_text)) = found.first() else {
        return Ok(None);
    };
    let v: i64 = num.parse().map_err(|_| Error::BadNumber(num.to_string()))?;
    let (scaled, unit) = measurement::scale(v, unit_text, unit_text);
    let unit = unit.to_string();
    if found.len() == 1 {
        let kind = if filter == whole {
            RangeKind::Exact(scaled)
        } else if filter.strip_suffix(':') == Some(whole) {
            RangeKind::AtLeast(scaled)
        } else if filter.strip_prefix(':') == Some(whole) {
            RangeKind::AtMost(scaled)
        } else {
            return Ok(None);
        };
        return Ok(Some(NumRange { unit, kind }));
    }
    let (whole2, num2, unit2_text) = found[1];
    if filter.len() != whole.len() + 1 + whole2.len()
        || !filter.starts_with(whole)
        || !filter.ends_with(whole2)
        || filter.as_bytes().get(whole.len()) != Some(&b':')
    {
        return Ok(None);
    }
    let v2: i64 = num2
        .parse()
        .map_err(|_| Error::BadNumber(num2.to_string()))?;
    let (scaled2, unit2) = measurement::scale(v2, unit2_text, &unit);
    if unit2 != unit {
        return Ok(None);
    }
    Ok(Some(NumRange {
        unit,
        kind: RangeKind::Between(scaled, scaled2),
    }))
}

impl TagFilter {
    /// Whether `sample` of `p` passes the filter.
    pub fn matches(&self, p: &Profile, sample: SampleRef<'_>) -> bool {
        let key = self.key.as_deref();
        match &self.kind {
            Kind::Range(r) => sample.labels.iter().any(|l| {
                !l.is_str()
                    && key.is_none_or(|k| p.str(l.key) == k)
                    && r.matches(
                        l.num,
                        self.units.get(p.str(l.key)).map_or("", |s| s.as_str()),
                    )
            }),
            Kind::Regexes(rxs) => match key {
                Some(k) => sample.labels.iter().any(|l| {
                    l.is_str() && p.str(l.key) == k && rxs.iter().any(|r| r.is_match(p.str(l.str)))
                }),
                None => rxs.iter().all(|r| {
                    sample.labels.iter().any(|l| {
                        l.is_str() && r.is_match(&format!("{}:{}", p.str(l.key), p.str(l.str)))
                    })
                }),
            },
        }
    }
}

/// Per-profile memo of a tag filter's results on individual labels.
struct Prepared<'f> {
    f: &'f TagFilter,
    key: Option<StrId>,
    /// (label, regex index or 0 for ranges) -> result.
    memo: HashMap<(Label, usize), bool>,
}

impl<'f> Prepared<'f> {
    fn new(f: &'f TagFilter, p: &Profile) -> Self {
        Prepared {
            f,
            key: f
                .key
                .as_deref()
                .map(|k| p.strings.lookup(k).unwrap_or(StrId(u32::MAX))),
            memo: HashMap::new(),
        }
    }

    fn label_test(&mut self, p: &Profile, l: &Label, rx: usize) -> bool {
        if let Some(&r) = self.memo.get(&(*l, rx)) {
            return r;
        }
        let r = match &self.f.kind {
            Kind::Range(range) => range.matches(
                l.num,
                self.f.units.get(p.str(l.key)).map_or("", |s| s.as_str()),
            ),
            Kind::Regexes(rxs) => match rxs.get(rx) {
                Some(re) if self.key.is_some() => re.is_match(p.str(l.str)),
                Some(re) => re.is_match(&format!("{}:{}", p.str(l.key), p.str(l.str))),
                None => false,
            },
        };
        self.memo.insert((*l, rx), r);
        r
    }

    fn matches(&mut self, p: &Profile, s: SampleRef<'_>) -> bool {
        let key = self.key;
        match &self.f.kind {
            Kind::Range(_) => s
                .labels
                .iter()
                .any(|l| !l.is_str() && key.is_none_or(|k| l.key == k) && self.label_test(p, l, 0)),
            Kind::Regexes(rxs) => {
                let n = rxs.len();
                match key {
                    Some(k) => (0..n).any(|i| {
                        s.labels
                            .iter()
                            .any(|l| l.is_str() && l.key == k && self.label_test(p, l, i))
                    }),
                    None => (0..n).all(|i| {
                        s.labels
                            .iter()
                            .any(|l| l.is_str() && self.label_test(p, l, i))
                    }),
                }
            }
        }
    }
}

/// Keeps the samples that match `focus` (all when `None`) and do not
/// match `ignore` (Go's `FilterSamplesByTag`). In place. Returns whether
/// any sample matched `focus` (true when `focus` is `None` and there are
/// samples) and whether any matched `ignore`.
pub fn filter_samples_by_tag(
    p: &mut Profile,
    focus: Option<&TagFilter>,
    ignore: Option<&TagFilter>,
) -> (bool, bool) {
    let mut view = Cow::Owned(std::mem::replace(p, Profile::new()));
    let m = filter_view_by_tag(&mut view, focus, ignore);
    *p = view.into_owned();
    m
}

/// [`filter_samples_by_tag`] over a view of a profile: a borrowed profile
/// is copied with only the samples that stay.
pub fn filter_view_by_tag(
    view: &mut Cow<'_, Profile>,
    focus: Option<&TagFilter>,
    ignore: Option<&TagFilter>,
) -> (bool, bool) {
    let mut fprep = focus.map(|f| Prepared::new(f, view.as_ref()));
    let mut iprep = ignore.map(|f| Prepared::new(f, view.as_ref()));
    let mut fm = false;
    let mut im = false;
    crate::filter::retain_samples(view, |p, s| {
        let focused = fprep.as_mut().is_none_or(|f| f.matches(p, s));
        let ignored = iprep.as_mut().is_some_and(|f| f.matches(p, s));
        fm |= focused;
        im |= ignored;
        focused && !ignored
    });
    (fm, im)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::profile_with_stacks;
    use pprof_model::Label;

    fn labelled() -> Profile {
        let mut p = profile_with_stacks(&[&["a"], &["b"], &["c"]]);
        let k = p.intern("route");
        let vals = [p.intern("/healthz"), p.intern("/api")];
        let bytes = p.intern("bytes");
        let unit = p.intern("bytes");
        let mut i = 0;
        p.samples.rewrite(|s| {
            if i < 2 {
                s.labels.push(Label {
                    key: k,
                    str: vals[i],
                    num: 0,
                    num_unit: StrId::EMPTY,
                });
            }
            s.labels.push(Label {
                key: bytes,
                str: StrId::EMPTY,
                num: 1 << (9 + 2 * i),
                num_unit: unit,
            });
            i += 1;
            true
        });
        p.sort_labels();
        p
    }

    fn units() -> HashMap<String, String> {
        [("bytes".to_string(), "bytes".to_string())]
            .into_iter()
            .collect()
    }

    fn run(value: &str) -> (Vec<usize>, Option<String>) {
        let mut p = labelled();
        let c = compile_tag_filter("tagfocus", value, &units(), pprof_model::Dialect::Go127)
            .unwrap()
            .unwrap();
        for (i, s) in p.samples.iter_mut().enumerate() {
            s.values.copy_from_slice(&[i as i64]);
        }
        let all: Vec<bool> = p.samples.iter().map(|s| c.filter.matches(&p, s)).collect();
        filter_samples_by_tag(&mut p, Some(&c.filter), None);
        let kept: Vec<usize> = p.samples.iter().map(|s| s.values[0] as usize).collect();
        let expect: Vec<usize> = (0..3).filter(|&i| all[i]).collect();
        assert_eq!(kept, expect, "cached and uncached matching agree");
        (kept, c.notice)
    }

    #[test]
    fn regex_filters() {
        assert_eq!(run("route=/healthz").0, vec![0]);
        assert_eq!(run("route=healthz,api").0, vec![0, 1]);
        assert_eq!(run("route:/api").0, vec![1]);
        assert_eq!(run("route:/,h").0, vec![0]);
        assert!(
            compile_tag_filter("tagfocus", "", &units(), pprof_model::Dialect::Go127)
                .unwrap()
                .is_none()
        );
        assert!(
            compile_tag_filter("tagfocus", "(", &units(), pprof_model::Dialect::Go127).is_err()
        );
    }

    #[test]
    fn empty_key_before_equals_matches_any_key() {
        // `=VALUE` is the keyless form: regexps match `key:value` of any
        // label and ranges any numeric label.
        assert_eq!(run("=route:/api").0, vec![1]);
        assert_eq!(run("=healthz").0, vec![0]);
        assert_eq!(run("=2kb:").0, vec![1, 2]);
        // A missing value after a key still requires that key.
        assert_eq!(run("route=").0, vec![0, 1]);
    }

    #[test]
    fn range_filters() {
        // values: 512 B, 2 kB, 8 kB
        let (kept, notice) = run("2kb:");
        assert_eq!(kept, vec![1, 2]);
        assert_eq!(
            notice.as_deref(),
            Some("tagfocus:Interpreted '2kb:' as range, not regexp")
        );
        assert_eq!(run(":2kb").0, vec![0, 1]);
        assert_eq!(run("512b:2kb").0, vec![0, 1]);
        assert_eq!(run("bytes=8kb").0, vec![2]);
        assert_eq!(run("route=8kb").0, Vec::<usize>::new());
        // Mismatched unit families are not a range, so a regexp.
        assert!(run("1kb:2ms").1.is_none());
    }
}
