//! Demangling of C++ and Rust names, and pprof's pass that simplifies
//! every function name of a profile.

use pprof_model::Profile;

use crate::Demangle;

/// Demangles one C++ (`_Z…`, with or without Mach-O's extra `_`) or Rust
/// (legacy `_ZN…17h…E` and v0 `_R…`) symbol as `mode` asks. `None` when
/// the name is not mangled or `mode` is [`Demangle::None`].
pub fn demangle_name(name: &str, mode: Demangle) -> Option<String> {
    if mode == Demangle::None {
        return None;
    }
    demangle_once(name, mode).or_else(|| {
        name.strip_prefix('_')
            .filter(|n| n.starts_with("_Z") || n.starts_with("_R"))
            .and_then(|n| demangle_once(n, mode))
    })
}

fn demangle_once(name: &str, mode: Demangle) -> Option<String> {
    if !(name.starts_with("_Z") || name.starts_with("_R")) {
        return None;
    }
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        // `{:#}` leaves out the legacy scheme's hash.
        return Some(format!("{d:#}"));
    }
    let sym = cpp_demangle::Symbol::new(name.as_bytes()).ok()?;
    let opts = match mode {
        Demangle::Full => cpp_demangle::DemangleOptions::new(),
        _ => cpp_demangle::DemangleOptions::new()
            .no_params()
            .no_return_type(),
    };
    let mut text = sym.demangle(&opts).ok()?;
    // GCC's clones (`.constprop.0`, `.isra.0`, `.cold`) are one function
    // for the reader.
    if let Some(i) = text.find(" [clone ") {
        text.truncate(i);
    }
    if mode == Demangle::Default {
        text = strip_templates(&text);
    }
    (text != name).then_some(text)
}

/// Removes template arguments (`<…>`, nested) unless the name holds an
/// operator whose spelling uses angle brackets.
fn strip_templates(name: &str) -> String {
    if name.contains("operator<") || name.contains("operator>") || name.contains("operator-") {
        return name.to_string();
    }
    remove_matching(name, '<', '>')
}

/// pprof's heuristic for names that are already demangled C++: they hold
/// `<`, `>`, `[`, `]` or `::`, but not Java's `.<` nor a Go method on a
/// generic type (`]).`).
pub fn looks_like_demangled_cpp(name: &str) -> bool {
    // The marks are ASCII: bytes tell, with no character decoded. Most
    // names (Go's, C's) hold none of them, which one pass finds, 16 bytes
    // at a time.
    let mark = |b: u8| matches!(b, b'<' | b'>' | b'[' | b']');
    let any_mark = |bytes: &[u8], also: u8| {
        (bytes.chunks(16)).any(|c| c.iter().fold(false, |m, &b| m | mark(b) | (b == also)))
    };
    if !any_mark(name.as_bytes(), b':') {
        return false;
    }
    if name.contains(".<") || name.contains("]).") {
        return false;
    }
    any_mark(name.as_bytes(), b'<') || name.contains("::")
}

/// Removes every outermost `open…close` group with what it nests, left to
/// right; a stray `close` stops the removal there and an unclosed group
/// stays (pprof's `removeMatching`).
pub fn remove_matching(name: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(name.len());
    let mut group_start = 0usize;
    let mut depth = 0usize;
    for (i, c) in name.char_indices() {
        if c == open {
            if depth == 0 {
                group_start = out.len();
            }
            depth += 1;
            out.push(c);
        } else if c == close {
            if depth == 0 {
                out.push_str(&name[i..]);
                return out;
            }
            depth -= 1;
            if depth == 0 {
                out.truncate(group_start);
            } else {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// pprof's demangling pass over every function of `p`: with `force`, names
/// go back to their system names first; then each function whose name is
/// empty or equal to its system name gets the demangled system name, or,
/// for names that look like demangled C++ already, the name without
/// parameters and (in the default mode) template arguments.
/// [`Demangle::None`] leaves the names as they are.
pub fn demangle_profile(p: &mut Profile, force: bool, mode: Demangle) {
    if force {
        for i in 0..p.functions.len() {
            let f = &p.functions[i];
            if !p.str(f.name).is_empty() && !p.str(f.system_name).is_empty() {
                p.functions[i].name = f.system_name;
            }
        }
    }
    if mode == Demangle::None {
        return;
    }
    for i in 0..p.functions.len() {
        let f = &p.functions[i];
        // Equal strings have equal ids.
        if !f.name.is_empty() && f.system_name != f.name {
            continue;
        }
        let (name, system) = (p.str(f.name), p.str(f.system_name));
        let new = match demangle_name(system, mode) {
            Some(d) => d,
            None if looks_like_demangled_cpp(system) => {
                let mut n = remove_matching(system, '(', ')');
                if mode == Demangle::Default {
                    n = remove_matching(&n, '<', '>');
                }
                n
            }
            None => {
                if name.is_empty() && !system.is_empty() {
                    p.functions[i].name = p.functions[i].system_name;
                }
                continue;
            }
        };
        if new != name {
            p.functions[i].name = p.intern(&new);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpp() {
        let n = "_ZN3foo3BarIiE6methodEPKc";
        assert_eq!(
            demangle_name(n, Demangle::Full).as_deref(),
            Some("foo::Bar<int>::method(char const*)")
        );
        assert_eq!(
            demangle_name(n, Demangle::Templates).as_deref(),
            Some("foo::Bar<int>::method")
        );
        assert_eq!(
            demangle_name(n, Demangle::Default).as_deref(),
            Some("foo::Bar::method")
        );
        assert_eq!(demangle_name(n, Demangle::None), None);
        assert_eq!(
            demangle_name("_Z3fooi.constprop.0", Demangle::Full).as_deref(),
            Some("foo(int)")
        );
        assert_eq!(demangle_name("main", Demangle::Default), None);
        assert_eq!(
            demangle_name("__ZN3foo3barEv", Demangle::Default).as_deref(),
            Some("foo::bar")
        );
    }

    #[test]
    fn rust() {
        assert_eq!(
            demangle_name("_ZN4core3fmt5write17h0123456789abcdefE", Demangle::Default).as_deref(),
            Some("core::fmt::write")
        );
        assert_eq!(
            demangle_name("_RNvCs1234_7mycrate4work", Demangle::Default).as_deref(),
            Some("mycrate::work")
        );
    }

    #[test]
    fn pprof_heuristics() {
        assert!(looks_like_demangled_cpp("std::vector<int>::push_back(int)"));
        assert!(!looks_like_demangled_cpp("java.util.List.<init>"));
        assert!(!looks_like_demangled_cpp("main.(*T[...]).M"));
        assert!(!looks_like_demangled_cpp("main.work"));
        let marked = [
            "a<b",
            "a>b",
            "f[2]",
            "x]",
            "ns::f",
            "héllo::wörld",
            "日本<語",
        ];
        for name in marked {
            assert!(looks_like_demangled_cpp(name), "{name}");
        }
        assert!(!looks_like_demangled_cpp("héllo.wörld:1"));
        assert_eq!(remove_matching("a<b<c>>::f(int)", '<', '>'), "a::f(int)");
        assert_eq!(remove_matching("a>b", '<', '>'), "a>b");
        assert_eq!(remove_matching("f(a)(b", '(', ')'), "f(b");
        assert_eq!(remove_matching("x(a)y)z(c)", '(', ')'), "xy)z(c)");
    }

    #[test]
    fn profile_pass() {
        let mut p = Profile::new();
        let sys = p.intern("_ZN3foo3barEi");
        let plain = p.intern("std::map<int, int>::find(int) const");
        let go = p.intern("main.(*T).M");
        for (i, s) in [sys, plain, go].into_iter().enumerate() {
            p.functions.push(pprof_model::Function {
                id: i as u64 + 1,
                name: s,
                system_name: s,
                ..Default::default()
            });
        }
        demangle_profile(&mut p, false, Demangle::Default);
        let names: Vec<&str> = p.functions.iter().map(|f| p.str(f.name)).collect();
        assert_eq!(names, ["foo::bar", "std::map::find const", "main.(*T).M"]);
        demangle_profile(&mut p, true, Demangle::Full);
        assert_eq!(p.str(p.functions[0].name), "foo::bar(int)");
        demangle_profile(&mut p, true, Demangle::None);
        assert_eq!(p.str(p.functions[0].name), "_ZN3foo3barEi");
    }
}
