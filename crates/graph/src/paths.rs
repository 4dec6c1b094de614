//! Slash-separated path helpers with the semantics of Go's `path/filepath`
//! on Unix, and pprof's source path trimming rule.

use std::borrow::Cow;

/// Lexically cleans a path like Go's `filepath.Clean`: collapses repeated
/// separators, removes `.` elements and resolves `..` where possible.
/// An empty path becomes `"."`.
pub fn clean(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed(".");
    }
    if is_clean(path) {
        return Cow::Borrowed(path);
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    // number of leading ".." elements that cannot be removed (relative paths)
    let mut dotdot = 0usize;
    for el in path.split('/') {
        match el {
            "" | "." => {}
            ".." => {
                if parts.len() > dotdot {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                    dotdot += 1;
                }
            }
            e => parts.push(e),
        }
    }
    let joined = parts.join("/");
    let out = if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    };
    Cow::Owned(out)
}

fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    if path.ends_with('/') {
        return false;
    }
    let body = path.strip_prefix('/').unwrap_or(path);
    body.split('/')
        .all(|e| !e.is_empty() && e != "." && e != "..")
}

/// The last element of a path, like Go's `filepath.Base` (`"."` for empty,
/// `"/"` for a root-only path).
pub fn base(path: &str) -> &str {
    pprof_model::gofmt::path_base(path)
}

/// All but the last element of a path, cleaned, like Go's `filepath.Dir`.
pub fn dir(path: &str) -> String {
    let d = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean(d).into_owned()
}

/// Joins two path elements and cleans the result (Go's `filepath.Join`
/// for two elements; empty elements are ignored).
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b).into_owned(),
        (false, true) => clean(a).into_owned(),
        (false, false) => clean(&format!("{a}/{b}")).into_owned(),
    }
}

/// Whether the path is absolute.
pub fn is_abs(path: &str) -> bool {
    path.starts_with('/')
}

/// Splits a `:`-separated list of paths; an empty string gives no
/// elements (Go's `filepath.SplitList`).
pub fn split_list(list: &str) -> Vec<&str> {
    if list.is_empty() {
        Vec::new()
    } else {
        list.split(':').collect()
    }
}

/// pprof's rule for cleaning up a source file name recorded in a profile.
///
/// Without `trim_path`, the first directory of `search_path` whose base
/// name appears as `/base/` inside `path` cuts `path` right after that
/// occurrence. Otherwise, the first prefix among the `:`-separated
/// `trim_path` entries (each given a trailing `/`), `/proc/self/cwd/./` and
/// `/proc/self/cwd/` that starts the path is removed.
pub fn trim_path<'a>(path: &'a str, trim_path: &str, search_path: &str) -> &'a str {
    if trim_path.is_empty() {
        for d in split_list(search_path) {
            let want = format!("/{}/", base(d));
            if let Some(found) = path.find(&want) {
                return &path[found + want.len()..];
            }
        }
    }
    let mut prefixes: Vec<&str> = split_list(trim_path);
    prefixes.push("/proc/self/cwd/./");
    prefixes.push("/proc/self/cwd/");
    for p in prefixes {
        let owned;
        let p = if p.ends_with('/') {
            p
        } else {
            owned = format!("{p}/");
            owned.as_str()
        };
        if let Some(rest) = path.strip_prefix(p) {
            return rest;
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        for (i, o) in [
            ("", "."),
            ("a/b", "a/b"),
            ("a//b/", "a/b"),
            ("./a/./b", "a/b"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("/", "/"),
            ("a/b/../c", "a/c"),
            ("../../x", "../../x"),
        ] {
            assert_eq!(clean(i), o, "{i}");
        }
    }

    #[test]
    fn base_dir_join() {
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(base("x"), "x");
        assert_eq!(base("//"), "/");
        assert_eq!(dir("/a/b"), "/a");
        assert_eq!(dir("b"), ".");
        assert_eq!(dir("/"), "/");
        assert_eq!(join("src", "a/b.go"), "src/a/b.go");
    }

    #[test]
    fn trims() {
        assert_eq!(trim_path("/home/u/proj/foo/a.c", "", "/x/proj"), "foo/a.c");
        assert_eq!(trim_path("/home/u/foo/a.c", "/home/u", ""), "foo/a.c");
        assert_eq!(trim_path("/proc/self/cwd/./a.c", "", ""), "a.c");
        assert_eq!(trim_path("rel/a.c", "", ""), "rel/a.c");
    }
}
