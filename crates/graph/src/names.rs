//! Short function names for graph pictures.

use std::sync::OnceLock;

use pprof_model::Dialect;
use regex::Regex;

struct Patterns {
    cpp_anonymous: Regex,
    go_version: Regex,
    shorteners: [Regex; 3],
    /// Today's Go rule: the part after the package path must hold a dot.
    go_today: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        const W: &str = "[0-9A-Za-z_]";
        Some(Patterns {
            cpp_anonymous: Regex::new(r"^\(anonymous namespace\)::").ok()?,
            go_version: Regex::new(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$").ok()?,
            go_today: Regex::new(&format!(
                r"^(?:[{W}\-\.]+/)+([^.]+\..+)",
                W = &W[1..W.len() - 1]
            ))
            .ok()?,
            shorteners: [
                // Go: drop the package path.
                Regex::new(&format!(r"^(?:[{W}\-\.]+/)+(.+)", W = &W[1..W.len() - 1])).ok()?,
                // Java: drop the package and the arguments.
                Regex::new(&format!(
                    r"^(?:[a-z]{W}*\.)*([A-Z][{w}\$]*\.(?:<init>|[a-z][{w}\$]*(?:\$\d+)?))(?:(?:\()|$)",
                    W = W,
                    w = &W[1..W.len() - 1]
                ))
                .ok()?,
                // C++: drop the namespaces, keep template parameters.
                Regex::new(&format!(
                    r"^(?:[_a-zA-Z]{W}*::)+(_*[A-Z]{W}*::~?[_a-zA-Z]{W}*(?:<.*>)?)",
                    W = W
                ))
                .ok()?,
            ],
        })
    })
    .as_ref()
}

/// Shortens a function name for display: drops Go package paths and module
/// versions, Java packages and arguments, and C++ namespaces (pprof's
/// `ShortenFunctionName`). Today's pprof drops a Go package path only when
/// what follows holds a dot (`pkg.Func`); go1.19's dropped any.
pub fn shorten_function_name(f: &str, dialect: Dialect) -> String {
    let Some(p) = patterns() else {
        return f.to_string();
    };
    let f = p.cpp_anonymous.replace_all(f, "");
    let f = p.go_version.replace_all(&f, "${1}${2}").into_owned();
    let go = match dialect {
        Dialect::Go127 => &p.go_today,
        Dialect::Go119 => &p.shorteners[0],
    };
    for re in std::iter::once(go).chain(&p.shorteners[1..]) {
        if let Some(c) = re.captures(&f) {
            if c.len() >= 2 {
                return c
                    .iter()
                    .skip(1)
                    .map(|m| m.map_or("", |m| m.as_str()))
                    .collect();
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use pprof_model::Dialect;

    fn s(f: &str) -> String {
        let today = super::shorten_function_name(f, Dialect::Go127);
        assert_eq!(
            today,
            super::shorten_function_name(f, Dialect::Go119),
            "{f}"
        );
        today
    }

    #[test]
    fn go_paths_need_a_dot_after_them_today() {
        let s = super::shorten_function_name;
        assert_eq!(s("example.com/a/b", Dialect::Go119), "b");
        assert_eq!(s("example.com/a/b", Dialect::Go127), "example.com/a/b");
        assert_eq!(s("a/b.c/d.F", Dialect::Go127), "d.F");
        assert_eq!(s("a/b.c/d.F", Dialect::Go119), "d.F");
    }

    #[test]
    fn shortens() {
        assert_eq!(s("github.com/google/pprof/v2/graph.New"), "graph.New");
        assert_eq!(s("main.main"), "main.main");
        assert_eq!(s("com.google.Foo.bar(int)"), "Foo.bar");
        assert_eq!(s("ns::Foo::Bar<int>"), "Foo::Bar<int>");
        assert_eq!(s("(anonymous namespace)::Foo::bar"), "Foo::bar");
    }
}
