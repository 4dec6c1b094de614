//! The `-list` report: source lines annotated with sample values.

use std::collections::HashMap;
use std::io::Write;

use pprof_graph::{paths, Graph, NodeId, NodeOrder};
use pprof_model::measurement;

use crate::error::{Error, Result};
use crate::report::Report;

/// Lines of context printed around the sampled lines of a function.
const MARGIN: i64 = 5;

/// Reads source files through the search and trim paths, caching their
/// lines and the error of each file.
pub(crate) struct SourceReader {
    search_path: String,
    trim_path: String,
    files: HashMap<String, Vec<String>>,
    errors: HashMap<String, String>,
}

impl SourceReader {
    pub(crate) fn new(search_path: String, trim_path: String) -> Self {
        SourceReader {
            search_path,
            trim_path,
            files: HashMap::new(),
            errors: HashMap::new(),
        }
    }

    /// The text of line `lineno` (1-based) of `path`, if it exists.
    pub(crate) fn line(&mut self, path: &str, lineno: i64) -> Option<&str> {
        if !self.files.contains_key(path) {
            let lines = match open_source_file(path, &self.search_path, &self.trim_path) {
                Ok(bytes) => split_lines(&bytes),
                Err(e) => {
                    self.errors.insert(path.to_string(), e);
                    Vec::new()
                }
            };
            self.files.insert(path.to_string(), lines);
        }
        let lines = self.files.get(path)?;
        let i = usize::try_from(lineno.checked_sub(1)?).ok()?;
        lines.get(i).map(String::as_str)
    }

    /// Why `path` could not be read, once [`SourceReader::line`] tried.
    pub(crate) fn error(&self, path: &str) -> Option<&str> {
        self.errors.get(path).map(String::as_str)
    }
}

/// The search path of source files: `-source_path`, else the current
/// directory.
pub(crate) fn search_path(source_path: &str) -> Result<String> {
    if source_path.is_empty() {
        Ok(std::env::current_dir()
            .map_err(Error::CurrentDir)?
            .to_string_lossy()
            .into_owned())
    } else {
        Ok(source_path.to_string())
    }
}

/// Splits like Go's `bufio.Scanner` with `ScanLines`: a trailing `\r` is
/// dropped from each line, and a last line without newline counts.
fn split_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect();
    if text.ends_with('\n') || text.is_empty() {
        lines.pop();
    }
    lines
}

/// Finds and reads a source file: absolute names (after trimming) must
/// exist; relative ones are searched in each directory of the search path
/// and its parents.
fn open_source_file(path: &str, search_path: &str, trim: &str) -> Result<Vec<u8>, String> {
    let path = paths::trim_path(path, trim, search_path);
    if paths::is_abs(path) {
        return std::fs::read(path).or_else(|e| {
            if e.kind() == std::io::ErrorKind::IsADirectory {
                Ok(Vec::new())
            } else {
                Err(format!("open {path}: {}", go_errno_text(&e)))
            }
        });
    }
    for dir in paths::split_list(search_path) {
        let mut dir = dir.to_string();
        loop {
            let name = paths::join(&dir, path);
            match std::fs::read(&name) {
                Ok(b) => return Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => return Ok(Vec::new()),
                Err(_) => {}
            }
            let parent = paths::dir(&dir);
            if parent == dir {
                break;
            }
            dir = parent;
        }
    }
    Err(format!("could not find file {path} on path {search_path}"))
}

/// The text Go prints for an OS error (lower-case `strerror`).
fn go_errno_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::NotADirectory => "not a directory".to_string(),
        _ => {
            let s = e.to_string();
            let s = match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            };
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

struct SourceLine {
    lineno: i64,
    text: String,
    flat: i64,
    cum: i64,
}

/// Source lines of `file` around the sampled lines `fns` (pprof's
/// `getSourceFromFile`).
fn source_from_file(
    g: &Graph,
    file: &str,
    reader: &mut SourceReader,
    fns: &[NodeId],
) -> Result<Vec<SourceLine>, String> {
    let infos: Vec<&pprof_graph::Node> = fns.iter().filter_map(|&n| g.node(n)).collect();
    let Some(first) = infos.first() else {
        return Ok(Vec::new());
    };
    let mut start = if first.info.start_line != 0 {
        first.info.start_line
    } else {
        first.info.lineno.wrapping_sub(MARGIN)
    };
    // (Go's int arithmetic wraps: a line near 2^63 ends the range before
    // it starts, and no file is read.)
    let mut end = first.info.lineno.wrapping_add(MARGIN);
    let mut by_line: HashMap<i64, (i64, i64)> = HashMap::new();
    for n in &infos {
        let lineno = n.info.lineno;
        let node_start = if n.info.start_line != 0 {
            n.info.start_line
        } else {
            lineno.wrapping_sub(MARGIN)
        };
        let node_end = lineno.wrapping_add(MARGIN);
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
        let e = by_line.entry(lineno).or_insert((0, 0));
        e.0 = e.0.wrapping_add(n.flat);
        e.1 = e.1.wrapping_add(n.cum);
    }
    start = start.max(1);
    let mut out = Vec::new();
    let mut lineno = start;
    while lineno <= end {
        let Some(text) = reader.line(file, lineno) else {
            break;
        };
        let (flat, cum) = by_line.get(&lineno).copied().unwrap_or((0, 0));
        out.push(SourceLine {
            lineno,
            text: text.to_string(),
            flat,
            cum,
        });
        match lineno.checked_add(1) {
            Some(next) => lineno = next,
            None => break,
        }
    }
    if let Some(e) = reader.error(file) {
        return Err(e.to_string());
    }
    Ok(out)
}

/// Writes the `-list` report: for each function whose name matches
/// [`crate::Options::symbol`], its source files annotated with flat and
/// cum values per line. Build the report at `lines` granularity, as
/// pprof's driver does. A missing source file prints pprof's
/// ` Error: could not find file F on path P` line and goes on.
pub fn write_list(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let o = rpt.options();
    let rx = o.symbol.clone().ok_or(Error::MissingSymbol)?;
    let g = rpt.new_graph(None);
    let mut functions: Vec<NodeId> = Vec::new();
    let mut function_nodes: HashMap<&str, Vec<NodeId>> = HashMap::new();
    for (id, n) in g.iter() {
        if !rx.is_match(&n.info.name) {
            continue;
        }
        let list = function_nodes.entry(n.info.name.as_str()).or_default();
        if list.is_empty() {
            functions.push(id);
        }
        list.push(id);
    }
    if function_nodes.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    g.sort_ids(&mut functions, NodeOrder::Name);
    let mut reader = SourceReader::new(search_path(&o.source_path)?, o.trim_path.clone());
    let mut out = String::new();
    out.push_str(&format!("Total: {}\n", rpt.format_value(rpt.total())));
    for f in functions {
        let Some(name) = g.node(f).map(|n| n.info.name.as_str()) else {
            continue;
        };
        let mut files: Vec<NodeId> = Vec::new();
        let mut file_nodes: HashMap<&str, Vec<NodeId>> = HashMap::new();
        for &n in function_nodes.get(name).map_or(&[][..], Vec::as_slice) {
            let Some(node) = g.node(n) else { continue };
            if node.info.file.is_empty() {
                continue;
            }
            let list = file_nodes.entry(node.info.file.as_str()).or_default();
            if list.is_empty() {
                files.push(n);
            }
            list.push(n);
        }
        if files.is_empty() {
            out.push_str(&format!("No source information for {name}\n"));
            continue;
        }
        g.sort_ids(&mut files, NodeOrder::File);
        for fl in files {
            let Some(filename) = g.node(fl).map(|n| n.info.file.as_str()) else {
                continue;
            };
            let fns = file_nodes.get(filename).map_or(&[][..], Vec::as_slice);
            let (flat_sum, cum_sum) = fns
                .iter()
                .filter_map(|&n| g.node(n))
                .fold((0i64, 0i64), |(f, c), n| {
                    (f.wrapping_add(n.flat), c.wrapping_add(n.cum))
                });
            let src = source_from_file(&g, filename, &mut reader, fns);
            out.push_str(&format!(
                "ROUTINE ======================== {name} in {filename}\n"
            ));
            out.push_str(&format!(
                "{:>10} {:>10} (flat, cum) {} of Total\n",
                rpt.format_value(flat_sum),
                rpt.format_value(cum_sum),
                measurement::percentage(cum_sum, rpt.total())
            ));
            match src {
                Err(e) => out.push_str(&format!(" Error: {e}\n")),
                Ok(lines) => {
                    for l in lines {
                        out.push_str(&format!(
                            "{:>10} {:>10} {:>6}:{}\n",
                            rpt.value_or_dot(l.flat),
                            rpt.value_or_dot(l.cum),
                            l.lineno,
                            l.text
                        ));
                    }
                }
            }
        }
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_lines() {
        assert_eq!(split_lines(b"a\r\nb\nc"), vec!["a", "b", "c"]);
        assert_eq!(split_lines(b"a\n"), vec!["a"]);
        assert!(split_lines(b"").is_empty());
    }

    #[test]
    fn missing_files() {
        let e = open_source_file("x/none.go", "nowhere", "").err();
        assert_eq!(
            e.as_deref(),
            Some("could not find file x/none.go on path nowhere")
        );
        let e = open_source_file("/nonexistent-dir/a.go", "", "").err();
        assert_eq!(
            e.as_deref(),
            Some("open /nonexistent-dir/a.go: no such file or directory")
        );
    }
}
