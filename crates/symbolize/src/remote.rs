//! Remote symbolization: the `/debug/pprof/symbol` protocol of Go's
//! `net/http/pprof` and gperftools servers, without I/O.
//!
//! A `GET` of the symbol URL answers `num_symbols: N` (0 when the server
//! has no symbols); a `POST` of addresses joined by `+`
//! (`0x401000+0x401234`) answers one `0xADDR name` line per address it
//! knows. The caller supplies both requests through [`SymbolService`].
//!
//! ```
//! use pprof_symbolize::remote::symbol_url;
//! assert_eq!(
//!     symbol_url("http://host:6060/debug/pprof/profile?seconds=5").as_deref(),
//!     Some("http://host:6060/debug/pprof/symbol")
//! );
//! ```

use std::collections::HashMap;

use pprof_model::{Function, FunctionId, Line, MappingId, Profile};

use crate::unsymbolizable;

/// Where a mapping's profile came from: the URL and the mapping's start
/// there (merged profiles may have moved it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingSource {
    /// The URL the profile was fetched from.
    pub source: String,
    /// The mapping's start address in that profile.
    pub start: u64,
}

/// The sources of mappings, by build id, else file name, else URL
/// (pprof's `plugin.MappingSources`).
pub type MappingSources = HashMap<String, Vec<MappingSource>>;

/// Records where the mappings of `p`, fetched from `url`, came from
/// (pprof's `collectMappingSources`). A mapping with neither build id nor
/// file takes the URL as its file, so that it can be symbolized remotely;
/// [`unsource_mappings`] clears it afterwards.
pub fn collect_sources(p: &mut Profile, url: &str) -> MappingSources {
    let mut out = MappingSources::new();
    let url_id = p.intern(url);
    for m in &mut p.mappings {
        let mut key = m.build_id;
        if key.is_empty() {
            key = m.file;
        }
        if key.is_empty() {
            m.file = url_id;
            key = url_id;
        }
        out.entry(p.strings.get(key).to_string())
            .or_default()
            .push(MappingSource {
                source: url.to_string(),
                start: m.start,
            });
    }
    out
}

/// Adds `other` to `into` (the sources of a merged profile).
pub fn merge_sources(into: &mut MappingSources, other: MappingSources) {
    for (k, v) in other {
        into.entry(k).or_default().extend(v);
    }
}

/// Clears the file of mappings without build id whose file is a URL (set
/// by [`collect_sources`]); pprof's `unsourceMappings`.
pub fn unsource_mappings(p: &mut Profile) {
    let empty = p.intern("");
    for i in 0..p.mappings.len() {
        let m = &p.mappings[i];
        if m.build_id.is_empty() && is_absolute_url(p.str(m.file)) {
            p.mappings[i].file = empty;
        }
    }
}

fn is_absolute_url(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The symbol service URL for a profile URL: `…/debug/pprof/symbol` beside
/// a `net/http/pprof` path (or a gperftools `/pprof/heap`, `/pprof/profile`
/// …), else `/symbolz` on the same host; the query is dropped. `None` for
/// anything that is not a URL with a host.
pub fn symbol_url(profile_url: &str) -> Option<String> {
    let (scheme, rest) = profile_url.split_once("://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if host.is_empty() {
        return None;
    }
    const GPERFTOOLS: [&str; 5] = [
        "/pprof/heap",
        "/pprof/growth",
        "/pprof/profile",
        "/pprof/pmuprofile",
        "/pprof/contention",
    ];
    let new_path = if path.contains("/debug/pprof/") || GPERFTOOLS.iter().any(|s| path.ends_with(s))
    {
        clean_path(&format!("{path}/../symbol"))
    } else {
        "/symbolz".to_string()
    };
    Some(format!("{scheme}://{host}{new_path}"))
}

/// Go's `path.Clean` for absolute paths.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The two requests of the protocol, done by the caller.
pub trait SymbolService {
    /// Why a request failed.
    type Error: std::error::Error + 'static;
    /// `GET url`: the body of the answer.
    fn get(&mut self, url: &str) -> Result<Vec<u8>, Self::Error>;
    /// `POST url` with `body`: the body of the answer.
    fn post(&mut self, url: &str, body: &str) -> Result<Vec<u8>, Self::Error>;
}

/// Why remote symbolization stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError<E: std::error::Error + 'static> {
    /// The POST of addresses failed.
    #[error("http post {url}: {source}")]
    Post {
        /// The symbol URL.
        url: String,
        /// Why.
        #[source]
        source: E,
    },
    /// An address moved by the mapping's offset leaves the 64-bit range.
    #[error("cannot adjust address {addr} by {offset}, it would overflow")]
    Overflow {
        /// The address.
        addr: u64,
        /// The offset between the profile's and the server's mapping start.
        offset: i64,
    },
    /// The server answered an address that is not a 64-bit number.
    #[error("unexpected parse failure {0}")]
    BadAddress(
        /// The address as answered.
        std::num::ParseIntError,
    ),
}

/// pprof's symbolz step: for each mapping not yet named (all with
/// `force`) that has a source URL, asks the server's symbol service for the
/// names of its addresses that have no lines. The number of symbols is
/// asked first with a `GET`; a server that reports none is not asked
/// further (a failed `GET` is not an error: some servers only accept
/// `POST`). A failed `POST` ends the step with an error, as in pprof.
pub fn symbolize_remote<S: SymbolService>(
    p: &mut Profile,
    force: bool,
    sources: &MappingSources,
    service: &mut S,
) -> Result<(), RemoteError<S::Error>> {
    let mut counts: HashMap<String, Option<u64>> = HashMap::new();
    for mi in 0..p.mappings.len() {
        let m = &p.mappings[mi];
        if (!force && m.has_functions) || unsymbolizable(p.str(m.file)) {
            continue;
        }
        let mut cands: Vec<&MappingSource> = sources
            .get(p.str(m.file))
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if !m.build_id.is_empty() {
            cands.extend(sources.get(p.str(m.build_id)).into_iter().flatten());
        }
        let start = m.start;
        for src in cands {
            let Some(url) = symbol_url(&src.source) else {
                continue;
            };
            let count = *counts
                .entry(url.clone())
                .or_insert_with(|| service.get(&url).ok().and_then(|b| num_symbols(&b)));
            if count == Some(0) {
                continue;
            }
            let offset = (src.start as i64).wrapping_sub(start as i64);
            symbolize_mapping(p, MappingId(mi as u32), &url, offset, service)?;
            p.mappings[mi].has_functions = true;
            break;
        }
    }
    Ok(())
}

/// The `N` of a `num_symbols: N` line.
pub fn num_symbols(body: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(body).lines().find_map(|l| {
        l.trim()
            .strip_prefix("num_symbols:")
            .and_then(|n| n.trim().parse().ok())
    })
}

fn adjust(addr: u64, offset: i64) -> Option<u64> {
    let adj = (addr as i64).wrapping_add(offset) as u64;
    if (offset < 0 && adj >= addr) || (offset > 0 && adj < addr) {
        None
    } else {
        Some(adj)
    }
}

fn symbolize_mapping<S: SymbolService>(
    p: &mut Profile,
    mapping: MappingId,
    url: &str,
    offset: i64,
    service: &mut S,
) -> Result<(), RemoteError<S::Error>> {
    let mut query = Vec::new();
    for l in &p.locations {
        if l.mapping == Some(mapping) && l.address != 0 && l.lines.is_empty() {
            let a = adjust(l.address, offset).ok_or(RemoteError::Overflow {
                addr: l.address,
                offset,
            })?;
            query.push(format!("{a:#x}"));
        }
    }
    if query.is_empty() {
        return Ok(());
    }
    let body = service
        .post(url, &query.join("+"))
        .map_err(|source| RemoteError::Post {
            url: url.to_string(),
            source,
        })?;
    let mut names: HashMap<u64, FunctionId> = HashMap::new();
    let mut functions: HashMap<String, FunctionId> = HashMap::new();
    let text = String::from_utf8_lossy(&body);
    // Only complete lines count, as pprof reads them.
    let complete = match text.rfind('\n') {
        Some(i) => &text[..i],
        None => "",
    };
    for line in complete.split('\n').filter(|_| !text.is_empty()) {
        let Some((hex, name)) = parse_symbol_line(line) else {
            continue;
        };
        let orig = u64::from_str_radix(hex, 16).map_err(RemoteError::BadAddress)?;
        let addr = adjust(orig, offset.wrapping_neg()).ok_or(RemoteError::Overflow {
            addr: orig,
            offset: offset.wrapping_neg(),
        })?;
        let id = match functions.get(name) {
            Some(id) => *id,
            None => {
                let n = p.intern(name);
                let id = FunctionId(p.functions.len() as u32);
                p.functions.push(Function {
                    id: p.functions.len() as u64 + 1,
                    name: n,
                    system_name: n,
                    ..Function::default()
                });
                functions.insert(name.to_string(), id);
                id
            }
        };
        names.insert(addr, id);
    }
    for l in &mut p.locations {
        if l.mapping == Some(mapping) {
            if let Some(&id) = names.get(&l.address) {
                l.lines = vec![Line {
                    function: id,
                    line: 0,
                    column: 0,
                }];
            }
        }
    }
    Ok(())
}

/// The first `0xHEX<spaces>NAME` in a line: the hex digits and the name.
fn parse_symbol_line(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = line[from..].find("0x").map(|i| i + from) {
        let digits = b[i + 2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        let end = i + 2 + digits;
        let spaces = b[end..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b'))
            .count();
        if digits > 0 && spaces > 0 {
            return Some((&line[i + 2..end], &line[end + spaces..]));
        }
        from = i + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            symbol_url("http://h:1/debug/pprof/heap").as_deref(),
            Some("http://h:1/debug/pprof/symbol")
        );
        assert_eq!(
            symbol_url("https://h/pprof/profile?seconds=3").as_deref(),
            Some("https://h/pprof/symbol")
        );
        assert_eq!(
            symbol_url("http://h/other/path").as_deref(),
            Some("http://h/symbolz")
        );
        assert_eq!(symbol_url("file.pb.gz"), None);
    }

    #[test]
    fn lines() {
        assert_eq!(parse_symbol_line("0x401000 main"), Some(("401000", "main")));
        assert_eq!(
            parse_symbol_line("x 0xzz 0x1f\tfoo bar"),
            Some(("1f", "foo bar"))
        );
        assert_eq!(parse_symbol_line("num_symbols: 1"), None);
        assert_eq!(num_symbols(b"num_symbols: 12\n"), Some(12));
        assert_eq!(num_symbols(b"nope"), None);
        assert_eq!(adjust(5, -6), None);
        assert_eq!(adjust(5, 3), Some(8));
        assert_eq!(adjust(u64::MAX, 1), None);
    }
}
