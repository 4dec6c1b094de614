//! Finding the `go` statement that starts a goroutine in its source file,
//! for profiles that do not say who created their goroutines (proto
//! goroutine profiles only hold the goroutine's own stack).

use crate::analyze::{Creator, CreatorSource, SourceReader, Trend};
use crate::frames;

/// Fills [`crate::StackTrend::created_by`] of the goroutine stacks that lack
/// it, by reading the source file of each stack's entry function and
/// looking for a `go` statement that calls it. Returns how many were found.
pub fn resolve_creators(trend: &mut Trend, read: &mut SourceReader<'_>) -> usize {
    let mut found = 0;
    let mut cache: Vec<(String, Option<String>)> = Vec::new();
    for s in &mut trend.stacks {
        if s.created_by.is_some() {
            continue;
        }
        let Some(entry) = s.entry.as_ref() else {
            continue;
        };
        if entry.file.is_empty() || frames::closure_parent(&entry.function).is_some() {
            continue;
        }
        let text = match cache.iter().find(|(f, _)| *f == entry.file) {
            Some((_, t)) => t.clone(),
            None => {
                let t = read(&entry.file);
                cache.push((entry.file.clone(), t.clone()));
                t
            }
        };
        let Some(text) = text else { continue };
        if let Some((function, line)) = find_go_statement(&text, &entry.function) {
            s.created_by = Some(Creator {
                function,
                file: entry.file.clone(),
                line,
                source: CreatorSource::Source,
            });
            found += 1;
        }
    }
    found
}

/// Finds the first `go` statement in `source` that starts the Go function
/// `entry` (a full name such as `main.compute` or `pkg.(*T).run`). Returns
/// the full name of the enclosing function and the 1-based line.
pub fn find_go_statement(source: &str, entry: &str) -> Option<(String, i64)> {
    let pkg = frames::package_of(entry);
    let local = entry.get(pkg.len() + 1..)?;
    // The called name: the last segment (`run` of `(*T).run`).
    let name = local.rsplit('.').next()?;
    let is_method = local.contains('.');
    let mut enclosing: Option<String> = None;
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim_start();
        if raw.starts_with("func ") {
            enclosing = func_decl_name(raw);
        }
        let Some(call) = line.strip_prefix("go ") else {
            continue;
        };
        let call = call.trim_start();
        let head = call.split('(').next().unwrap_or("");
        let matches = if is_method {
            head.rsplit('.').next() == Some(name) && head.contains('.')
        } else {
            head == name
        };
        if matches {
            let f = enclosing.as_ref()?;
            return Some((format!("{pkg}.{f}"), i64::try_from(i + 1).ok()?));
        }
    }
    None
}

/// The Go name of a top-level function declaration line: `compute` for
/// `func compute(x int) {`, `(*T).run` for `func (t *T) run() {`.
fn func_decl_name(line: &str) -> Option<String> {
    let rest = line.strip_prefix("func ")?.trim_start();
    if let Some(recv) = rest.strip_prefix('(') {
        let close = recv.find(')')?;
        let recv_decl = recv.get(..close)?;
        let ty = recv_decl.split_whitespace().last()?;
        let ty = ty.split('[').next().unwrap_or(ty);
        let name = recv.get(close + 1..)?.trim_start();
        let name = name.split(['(', '[']).next()?.trim();
        if ty.starts_with('*') {
            Some(format!("({ty}).{name}"))
        } else {
            Some(format!("{ty}.{name}"))
        }
    } else {
        let name = rest.split(['(', '[']).next()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "package main\n\nfunc compute(out chan<- int) {\n\tout <- 0\n}\n\nfunc handleRequest() {\n\tout := make(chan int)\n\tgo compute(out)\n}\n\nfunc (s *Server) start() {\n\tgo s.loop()\n}\n";

    #[test]
    fn finds_go_statements() {
        assert_eq!(
            find_go_statement(SRC, "main.compute"),
            Some(("main.handleRequest".to_string(), 9))
        );
        assert_eq!(
            find_go_statement(SRC, "main.(*Server).loop"),
            Some(("main.(*Server).start".to_string(), 13))
        );
        assert_eq!(find_go_statement(SRC, "main.missing"), None);
    }

    #[test]
    fn declaration_names() {
        assert_eq!(func_decl_name("func f[T any](x T) {").as_deref(), Some("f"));
        assert_eq!(
            func_decl_name("func (v Vec[T]) Len() int {").as_deref(),
            Some("Vec.Len")
        );
    }
}
