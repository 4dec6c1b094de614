//! Pruning stacks: `drop_frames`/`keep_frames` (Go's `Prune` and
//! `RemoveUninteresting`) and `-prune_from` (Go's `PruneFrom`).
//!
//! Function names are simplified before matching: a leading `.` is
//! dropped and the name is cut at the first `(` that does not start
//! `(anonymous namespace)` or `operator()`, so C++ argument lists do not
//! get in the way. All functions edit the profile in place.

use pprof_model::Profile;
use regex::Regex;

use crate::error::{Error, Result};

/// The part of a function name that prune expressions are matched against.
pub fn simplify_func(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // (Compared as bytes: `i` can be inside a character.)
        let rest = &bytes[i..];
        if let Some(r) = RESERVED.iter().find(|r| rest.starts_with(r.as_bytes())) {
            i += r.len();
            continue;
        }
        if bytes[i] == b'(' {
            return &name[..i];
        }
        i += 1;
    }
    name
}

/// Cached "does the simplified name of this string match" lookups.
struct NameMatch<'r> {
    re: &'r Regex,
    cache: Vec<u8>,
}

impl<'r> NameMatch<'r> {
    fn new(re: &'r Regex, p: &Profile) -> Self {
        NameMatch {
            re,
            cache: vec![0; p.strings.len()],
        }
    }

    fn is_match(&mut self, p: &Profile, id: pprof_model::StrId) -> bool {
        match self.cache.get(id.index()).copied() {
            Some(1) => false,
            Some(2) => true,
            Some(_) => {
                let m = self.re.is_match(simplify_func(p.str(id)));
                self.cache[id.index()] = if m { 2 } else { 1 };
                m
            }
            None => self.re.is_match(simplify_func(p.str(id))),
        }
    }
}

/// Removes frames matching `drop` (and not `keep`) and everything called
/// from them (Go's `Profile.Prune`). In place.
///
/// In each location the outermost matching frame is found: frames inside
/// it are removed from the location (the whole location when the outermost
/// frame itself matches). Then in each sample, scanning from the root, the
/// first such location below a non-pruned one cuts the stack there.
pub fn prune(p: &mut Profile, drop: &Regex, keep: Option<&Regex>) {
    let mut dm = NameMatch::new(drop, p);
    let mut km = keep.map(|k| NameMatch::new(k, p));
    let n = p.locations.len();
    // 0: untouched, 1: prune beneath, 2: prune (whole location).
    let mut mark = vec![0u8; n];
    let mut locations = std::mem::take(&mut p.locations);
    for (li, loc) in locations.iter_mut().enumerate() {
        let mut found = None;
        for i in (0..loc.lines.len()).rev() {
            let Some(f) = p.functions.get(loc.lines[i].function.index()) else {
                continue;
            };
            if f.name.is_empty() {
                continue;
            }
            let name = f.name;
            if dm.is_match(p, name) && !km.as_mut().is_some_and(|k| k.is_match(p, name)) {
                found = Some(i);
                break;
            }
        }
        if let Some(i) = found {
            if i + 1 == loc.lines.len() {
                mark[li] = 2;
            } else {
                mark[li] = 1;
                loc.lines.drain(..=i);
            }
        }
    }
    p.locations = locations;
    p.samples.rewrite(|s| {
        let mut found_user = false;
        for i in (0..s.locations.len()).rev() {
            let m = mark.get(s.locations[i].index()).copied().unwrap_or(0);
            if m == 0 {
                found_user = true;
                continue;
            }
            if !found_user {
                continue;
            }
            if m == 2 {
                s.locations.drain(..=i);
            } else {
                s.locations.drain(..i);
            }
            break;
        }
        true
    });
}

/// Applies the profile's own `drop_frames`/`keep_frames` expressions (Go's
/// `RemoveUninteresting`), each anchored as `^(expr)$`. Nothing happens
/// when `drop_frames` is empty. In place.
pub fn remove_uninteresting(p: &mut Profile) -> Result<()> {
    if p.drop_frames.is_empty() {
        return Ok(());
    }
    let compile = |expr: &str| {
        let anchored = format!("^({expr})$");
        crate::goregex::go_regex(&anchored).map_err(|message| Error::FrameRegex {
            expr: expr.to_string(),
            message,
        })
    };
    let drop = compile(p.str(p.drop_frames))?;
    let keep = if p.keep_frames.is_empty() {
        None
    } else {
        Some(compile(p.str(p.keep_frames))?)
    };
    prune(p, &drop, keep.as_ref());
    Ok(())
}

/// Removes the callees of the first frame matching `re` (Go's
/// `PruneFrom`). In place.
///
/// In each location the innermost matching frame becomes its first frame;
/// in each sample, the stack starts at the first (leaf-most) such location.
pub fn prune_from(p: &mut Profile, re: &Regex) {
    let mut m = NameMatch::new(re, p);
    let mut beneath = vec![false; p.locations.len()];
    let mut locations = std::mem::take(&mut p.locations);
    for (li, loc) in locations.iter_mut().enumerate() {
        let pos = loc.lines.iter().position(|ln| {
            p.functions
                .get(ln.function.index())
                .is_some_and(|f| !f.name.is_empty() && m.is_match(p, f.name))
        });
        if let Some(i) = pos {
            beneath[li] = true;
            loc.lines.drain(..i);
        }
    }
    p.locations = locations;
    p.samples.rewrite(|s| {
        if let Some(i) = s
            .locations
            .iter()
            .position(|l| beneath.get(l.index()).copied().unwrap_or(false))
        {
            s.locations.drain(..i);
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{profile_with_stacks, stack_names};

    #[test]
    fn simplify() {
        assert_eq!(simplify_func(".foo(int)"), "foo");
        assert_eq!(
            simplify_func("(anonymous namespace)::f(int)"),
            "(anonymous namespace)::f"
        );
        assert_eq!(simplify_func("a::operator()(x)"), "a::operator()");
        assert_eq!(simplify_func("plain"), "plain");
        // Names that are not ASCII (or not valid UTF-8, read as U+FFFD).
        assert_eq!(simplify_func("f\u{fffd}\u{fffd}n(x)"), "f\u{fffd}\u{fffd}n");
        assert_eq!(simplify_func("é::operator()(1)"), "é::operator()");
    }

    proptest::proptest! {
        #[test]
        fn simplify_takes_any_name(name in ".*") {
            let s = simplify_func(&name);
            proptest::prop_assert!(name.contains(s));
        }
    }

    #[test]
    fn prune_drop_frames() {
        let mut p = profile_with_stacks(&[&["malloc", "alloc", "user", "main"], &["alloc"]]);
        let drop = Regex::new("^(alloc|malloc)$").unwrap();
        prune(&mut p, &drop, None);
        // The user stack loses the dropped frames; a stack of only dropped
        // frames has no user frame and stays.
        assert_eq!(stack_names(&p), vec!["user;main", "alloc"]);
        let mut p = profile_with_stacks(&[&["malloc", "alloc", "user", "main"]]);
        let keep = Regex::new("^alloc$").unwrap();
        prune(&mut p, &drop, Some(&keep));
        assert_eq!(stack_names(&p), vec!["alloc;user;main"]);
    }

    #[test]
    fn prune_from_cuts() {
        let mut p = profile_with_stacks(&[&["a", "b", "c", "main"], &["x", "main"]]);
        let re = Regex::new("^c$").unwrap();
        prune_from(&mut p, &re);
        assert_eq!(stack_names(&p), vec!["c;main", "x;main"]);
    }

    #[test]
    fn uninteresting() {
        let mut p = profile_with_stacks(&[&["a", "b", "main"]]);
        p.drop_frames = p.intern("b");
        remove_uninteresting(&mut p).unwrap();
        assert_eq!(stack_names(&p), vec!["main"]);
        p.drop_frames = p.intern("(");
        assert!(remove_uninteresting(&mut p).is_err());
    }
}
