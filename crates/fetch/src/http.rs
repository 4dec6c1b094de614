//! Fetching profiles over HTTP(S), and saving fetched profiles, the way
//! pprof does.
//!
//! * [`adjust_url`] decides whether a source names a server and turns it
//!   into the URL to request: `http://`, `https://` and `https+insecure://`
//!   URLs are taken as they are, `host:port[/path]` means `http://`; an
//!   empty path becomes `/debug/pprof/profile`; `-seconds` sets the
//!   `seconds` query parameter; the timeout is `-timeout`, else one and a
//!   half times the profile's duration, else 60 seconds (durations
//!   saturate at [`MAX_WAIT`]).
//! * [`fetch_bytes`] requests the URL and returns the body: profile.proto
//!   or the text of a `?debug=1` / `?debug=2` endpoint (the caller parses
//!   it). The timeout bounds the whole transfer; redirects are followed
//!   as Go's client follows them. A status other than 200 is an
//!   [`HttpError::Status`] with the message of a Go pprof handler, or a
//!   short quoted excerpt of any other body ([`ErrorBody`]).
//! * [`save_profile`] stores a fetched profile as
//!   `$PPROF_TMPDIR/pprof.<binary>.<type>….NNN.pb.gz`, picking the next
//!   free `NNN` and never replacing a file.
//!
//! Nothing here prints: messages such as `Fetching profile over HTTP from
//! URL` and `Saved profile in PATH` are the command's to write.
//!
//! ```
//! use pprof_fetch::http::adjust_url;
//!
//! let remote = adjust_url("localhost:6060/debug/pprof/heap", Some(5), None)
//!     .ok_or("not a URL")?;
//! assert_eq!(remote.url, "http://localhost:6060/debug/pprof/heap?seconds=5");
//! assert_eq!(remote.timeout.as_secs_f64(), 7.5);
//! assert!(adjust_url("profiles/cpu.pb.gz", None, None).is_none());
//! # Ok::<(), &str>(())
//! ```

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pprof_model::Profile;

/// The path pprof asks for when a URL names no path: the CPU profile.
pub const CPU_PROFILE_PATH: &str = "/debug/pprof/profile";

/// How long a Go server collects a CPU profile when the request names no
/// `seconds`.
const GO_DEFAULT_CPU_SECONDS: u64 = 30;

/// Extra time allowed for the response headers beyond the timeout, as pprof
/// allows.
const HEADER_GRACE: Duration = Duration::from_secs(5);

/// Default largest response body accepted, in bytes (1 GiB).
pub const DEFAULT_MAX_BODY: u64 = 1 << 30;

/// The longest wait there is: a `-timeout` or `-seconds` beyond it (they
/// go up to `i64::MAX` seconds) waits this long, which is forever in
/// practice and keeps deadlines within what a clock can add.
pub const MAX_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Redirects followed before giving up, as Go's HTTP client does.
pub const MAX_REDIRECTS: u32 = 10;

/// Largest part of a pprof error response's body kept in an error.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// How much of another server's error page is read for an excerpt, and
/// how much of it is shown (characters, lines).
const EXCERPT_READ: u64 = 4096;
const EXCERPT_CHARS: usize = 160;
const EXCERPT_LINES: usize = 3;

/// An error while fetching or saving a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The request could not be made or its answer not read (connection
    /// refused, unknown host, timeout, TLS failure...). Displays like Go's
    /// client errors: `Get "URL": PROBLEM`.
    #[error("Get \"{url}\": {message}")]
    Request {
        /// The URL requested.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered with a status other than 200 OK.
    #[error("server response: {status}{body}")]
    Status {
        /// Status code and reason, like `404 Not Found`.
        status: String,
        /// The numeric status code.
        code: u16,
        /// What is shown of the body.
        body: ErrorBody,
    },
    /// The answer's body is larger than the accepted maximum.
    #[error("Get \"{url}\": response body larger than {limit} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A TLS certificate, key or authority file could not be read or used.
    #[error("{what} {path}: {message}")]
    Tls {
        /// Which option: `tls_cert`, `tls_key` or `tls_ca`.
        what: &'static str,
        /// The file named.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// No directory could be made to save profiles in.
    #[error("failed to identify temp dir")]
    NoTempDir,
    /// The saved profile could not be written.
    #[error("{path}: {}", crate::error::io_message(.err))]
    Save {
        /// The file (or directory) involved.
        path: String,
        /// The operating system's error (shown in the message).
        err: io::Error,
    },
}

/// What an error response's body adds to [`HttpError::Status`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// Nothing (an empty body).
    None,
    /// The message of a Go pprof handler (`text/plain` with an
    /// `X-Go-Pprof` header), shown as pprof shows it: ` - TEXT`, its final
    /// line end left out and any control character escaped.
    Pprof(String),
    /// The start of any other body, shown quoted like Go's `%q`, so a page
    /// of HTML or terminal escapes stays one short line: ` - "TEXT"...`.
    Excerpt {
        /// The first lines, at most a few hundred characters.
        text: String,
        /// More of the body followed.
        truncated: bool,
    },
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorBody::None => Ok(()),
            ErrorBody::Pprof(text) => {
                let text = text.trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    return Ok(());
                }
                f.write_str(" - ")?;
                for c in text.chars() {
                    if c.is_control() && c != '\t' {
                        let q = pprof_model::gofmt::quote(&c.to_string());
                        f.write_str(&q[1..q.len() - 1])?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
            ErrorBody::Excerpt { text, truncated } => {
                write!(f, " - {}", pprof_model::gofmt::quote(text))?;
                if *truncated {
                    f.write_str("...")?;
                }
                Ok(())
            }
        }
    }
}

impl ErrorBody {
    /// The excerpt of `bytes`: the first [`EXCERPT_LINES`] lines, at most
    /// [`EXCERPT_CHARS`] characters. `more` says the body went on past
    /// `bytes`.
    fn excerpt(bytes: &[u8], more: bool) -> ErrorBody {
        if bytes.is_empty() {
            return ErrorBody::None;
        }
        let all = String::from_utf8_lossy(bytes);
        let mut end = all.len();
        if let Some((i, _)) = all.match_indices('\n').nth(EXCERPT_LINES - 1) {
            end = end.min(i + 1);
        }
        if let Some((i, _)) = all.char_indices().nth(EXCERPT_CHARS) {
            end = end.min(i);
        }
        ErrorBody::Excerpt {
            text: all[..end].to_string(),
            truncated: more || end < all.len(),
        }
    }
}

/// Result alias of this module.
pub type Result<T> = std::result::Result<T, HttpError>;

/// TLS and size options for HTTP fetches (pprof's `-tls_cert`, `-tls_key`,
/// `-tls_ca`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// PEM file with the client certificate chain. Default: none.
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the client's private key. Default: none.
    pub tls_key: Option<PathBuf>,
    /// PEM file with the certificate authorities to trust instead of the
    /// built-in roots. Default: none.
    pub tls_ca: Option<PathBuf>,
    /// Largest body accepted, in bytes. Default: [`DEFAULT_MAX_BODY`].
    pub max_body: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            tls_cert: None,
            tls_key: None,
            tls_ca: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// A source that names a server: what to request and how long to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteSource {
    /// The URL as pprof shows it (`Fetching profile over HTTP from URL`),
    /// scheme `https+insecure` included.
    pub url: String,
    /// How long the whole transfer may take, plus [`Self::header_grace`]
    /// (pprof's client timeout is `-timeout` plus 5 s); at most
    /// [`MAX_WAIT`].
    pub timeout: Duration,
    /// How long the server will collect the profile, when known: the
    /// `seconds` parameter, or 30 s for `/debug/pprof/profile` without one.
    /// Drives the progress countdown.
    pub collect: Option<Duration>,
    /// `-seconds` as given and positive: pprof then prints
    /// `Please wait... (DURATION)`.
    pub requested: Option<Duration>,
    /// Certificate checks are off (`https+insecure://`).
    pub insecure: bool,
    /// Time allowed beyond [`Self::timeout`] (pprof allows 5 s).
    pub header_grace: Duration,
}

impl RemoteSource {
    /// The URL to send: `https+insecure` becomes `https`.
    pub fn request_url(&self) -> String {
        match self.url.strip_prefix("https+insecure://") {
            Some(rest) if self.insecure => format!("https://{rest}"),
            _ => self.url.clone(),
        }
    }
}

/// Whether `source` names a server (see [`adjust_url`]).
pub fn is_url(source: &str) -> bool {
    parse_url(source).is_some()
}

/// Turns a source into the URL to fetch, or `None` when it does not name a
/// server (then it is a file).
///
/// `seconds` is pprof's `-seconds` and `timeout` its `-timeout`; values
/// that are not positive count as unset.
pub fn adjust_url(
    source: &str,
    seconds: Option<i64>,
    timeout: Option<i64>,
) -> Option<RemoteSource> {
    let mut u = parse_url(source)?;
    if u.path.is_empty() || u.path == "/" {
        u.path = CPU_PROFILE_PATH.to_string();
    }
    let mut query = parse_query(u.query.as_deref().unwrap_or(""));
    let requested = seconds.filter(|&s| s > 0);
    let mut duration_secs: Option<u64> = None;
    if let Some(s) = requested {
        query.retain(|(k, _)| k != "seconds");
        query.push(("seconds".to_string(), s.to_string()));
        duration_secs = u64::try_from(s).ok();
    } else if let Some((_, v)) = query.iter().find(|(k, _)| k == "seconds") {
        // Go reads the parameter as a 32-bit integer; others are ignored.
        if let Ok(n) = v.parse::<i32>() {
            duration_secs = u64::try_from(n).ok().filter(|&n| n > 0);
        }
    }
    // Durations saturate at MAX_WAIT: `-timeout=9223372036854775807` and
    // `-seconds=6200000000000000000` mean "wait for ever".
    let timeout = match timeout.filter(|&t| t > 0) {
        Some(t) => Duration::from_secs(u64::try_from(t).unwrap_or(u64::MAX)),
        None => match duration_secs {
            Some(d) => Duration::from_secs(d).saturating_add(Duration::from_secs(d) / 2),
            None => Duration::from_secs(60),
        },
    }
    .min(MAX_WAIT);
    let collect = match duration_secs {
        Some(d) => Some(Duration::from_secs(d)),
        None if u.path.ends_with(CPU_PROFILE_PATH) => {
            Some(Duration::from_secs(GO_DEFAULT_CPU_SECONDS))
        }
        None => None,
    };
    let encoded = encode_query(query);
    u.query = if encoded.is_empty() {
        // Go keeps a bare `?` it was given.
        u.query.filter(|q| q.is_empty())
    } else {
        Some(encoded)
    };
    let insecure = u.scheme.eq_ignore_ascii_case("https+insecure");
    Some(RemoteSource {
        url: u.to_string(),
        timeout,
        collect,
        requested: requested
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
        insecure,
        header_grace: HEADER_GRACE,
    })
}

/// A URL split like Go's `net/url` does, for the parts pprof touches.
#[derive(Debug)]
struct Url {
    scheme: String,
    /// `user@host:port` exactly as given.
    authority: String,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.path)?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        if let Some(fr) = &self.fragment {
            write!(f, "#{fr}")?;
        }
        Ok(())
    }
}

/// pprof's test: parse the source as a URL; when that fails, or it has a
/// scheme but no host (`localhost:6060` reads as scheme `localhost`), try
/// again with `http://` in front; it is a URL if a host comes out.
fn parse_url(source: &str) -> Option<Url> {
    match split_url(source) {
        Ok(Some(u)) => Some(u),
        Ok(None) => None,
        Err(Retry) => match split_url(&format!("http://{source}")) {
            Ok(Some(u)) => Some(u),
            _ => None,
        },
    }
}

/// Marker: the source should be tried again with `http://` in front.
struct Retry;

/// Splits `s`: `Ok(Some)` for a URL with a host, `Ok(None)` for something
/// that parses but has no host and no scheme (a path), `Err(Retry)` when
/// Go's parser would fail or find a scheme without a host.
fn split_url(s: &str) -> std::result::Result<Option<Url>, Retry> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(Retry);
    }
    let (rest, fragment) = match s.split_once('#') {
        Some((a, b)) => (a, Some(b.to_string())),
        None => (s, None),
    };
    let scheme = scheme_of(rest)?;
    let Some(scheme) = scheme else {
        // No scheme: a colon in the first path segment makes Go fail.
        let first = rest.split(['/', '?']).next().unwrap_or("");
        if first.contains(':') {
            return Err(Retry);
        }
        return Ok(None);
    };
    let after = &rest[scheme.len() + 1..];
    let (hier, query) = match after.split_once('?') {
        Some((a, b)) => (a, Some(b.to_string())),
        None => (after, None),
    };
    let Some(net) = hier.strip_prefix("//") else {
        // `scheme:opaque`: no host.
        if scheme.eq_ignore_ascii_case("file") {
            return Ok(None);
        }
        return Err(Retry);
    };
    let (authority, path) = match net.find('/') {
        Some(i) => (&net[..i], &net[i..]),
        None => (net, ""),
    };
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if !valid_host_port(host_port) {
        return Err(Retry);
    }
    if host_port.is_empty() {
        if scheme.eq_ignore_ascii_case("file") {
            return Ok(None);
        }
        return Err(Retry);
    }
    Ok(Some(Url {
        scheme: scheme.to_string(),
        authority: authority.to_string(),
        path: path.to_string(),
        query,
        fragment,
    }))
}

/// The scheme, Go's way: letters first, then letters, digits, `+-.`, up to
/// a colon. `Err(Retry)` for a leading colon (Go: missing protocol scheme).
fn scheme_of(s: &str) -> std::result::Result<Option<&str>, Retry> {
    for (i, c) in s.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err(Retry),
            ':' => return Ok(Some(&s[..i])),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

fn valid_host_port(hp: &str) -> bool {
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => (
                h,
                p.strip_prefix(':').map(Some).unwrap_or(if p.is_empty() {
                    None
                } else {
                    Some("x")
                }),
            ),
            None => return false,
        }
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        }
    };
    if let Some(p) = port {
        if !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%:".contains(&b) || b >= 0x80)
}

/// Query pairs in order, unescaped like Go's `url.ParseQuery` (pairs that
/// fail to unescape, or hold a `;`, are dropped).
fn parse_query(q: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in q.split('&') {
        if part.is_empty() || part.contains(';') {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        if let (Some(k), Some(v)) = (query_unescape(k), query_unescape(v)) {
            out.push((k, v));
        }
    }
    out
}

fn query_unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn query_escape(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

/// Go's `url.Values.Encode`: keys sorted (stably, so a key's values keep
/// their order), each pair escaped.
fn encode_query(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (k, v) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        query_escape(k, &mut out);
        out.push('=');
        query_escape(v, &mut out);
    }
    out
}

/// Where a fetch stands, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Time since the request was sent.
    pub elapsed: Duration,
    /// How long the server collects the profile, when known.
    pub collect: Option<Duration>,
}

impl Progress {
    /// Collection time left, when the collection time is known.
    pub fn remaining(&self) -> Option<Duration> {
        self.collect.map(|c| c.saturating_sub(self.elapsed))
    }
}

/// The text of a one-line countdown for a terminal, such as `Collecting
/// profile: 25s left` (or `Waiting for the server: 12s` when the collection
/// time is unknown). The caller redraws it in place (`\r`) and clears it
/// when the fetch ends.
pub fn countdown_text(p: &Progress) -> String {
    match p.remaining() {
        Some(left) if !left.is_zero() => {
            format!(
                "Collecting profile: {}s left",
                left.as_secs_f64().ceil() as u64
            )
        }
        Some(_) => "Collecting profile: waiting for the server".to_string(),
        None => format!("Waiting for the server: {}s", p.elapsed.as_secs()),
    }
}

/// Something to tell the user while a remote source is fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchEvent<'a> {
    /// The request is about to be sent; pprof prints
    /// `Fetching profile over HTTP from URL`.
    Fetching {
        /// The URL as pprof shows it.
        url: &'a str,
    },
    /// `-seconds` was given; pprof prints `Please wait... (DURATION)`
    /// (see [`please_wait_text`]).
    PleaseWait(Duration),
    /// About once a second while waiting (see [`countdown_text`]).
    Progress(Progress),
    /// The fetch is over (a countdown line can be cleared).
    Done,
}

/// pprof's `Please wait... (30s)` line, with Go's duration format.
pub fn please_wait_text(d: Duration) -> String {
    let nanos = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    format!(
        "Please wait... ({})",
        pprof_model::gofmt::duration_string(nanos)
    )
}

/// Fetches `source` when it names a server: `None` when it does not (it
/// is then a file), else the body or the error. `seconds` and `timeout`
/// are pprof's `-seconds` and `-timeout`. Events for the user go to
/// `events`, in pprof's order.
pub fn fetch_remote(
    source: &str,
    seconds: Option<i64>,
    timeout: Option<i64>,
    opts: &HttpOptions,
    events: &(dyn Fn(FetchEvent<'_>) + Sync),
) -> Option<(RemoteSource, Result<Vec<u8>>)> {
    let remote = adjust_url(source, seconds, timeout)?;
    events(FetchEvent::Fetching { url: &remote.url });
    if let Some(d) = remote.requested {
        events(FetchEvent::PleaseWait(d));
    }
    let progress = |p: Progress| events(FetchEvent::Progress(p));
    let result = fetch_bytes(&remote, opts, Some(&progress));
    events(FetchEvent::Done);
    Some((remote, result))
}

/// Fetches `remote` and returns the body of a 200 answer.
///
/// The whole transfer (connecting, redirects, headers and body) must end
/// within [`RemoteSource::timeout`] plus [`RemoteSource::header_grace`]:
/// a server that trickles its body times out. Redirects are followed up
/// to [`MAX_REDIRECTS`], to `http` and `https` URLs only, each on a new
/// connection (a server that closes a kept-alive connection without
/// saying so cannot fail the next request). The body is read up to
/// [`HttpOptions::max_body`].
///
/// While waiting, `progress` (when given) is called about once a second
/// from another thread; it is not called after this function returns.
pub fn fetch_bytes(
    remote: &RemoteSource,
    opts: &HttpOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Result<Vec<u8>> {
    let agent = build_agent(remote, opts)?;
    let wait = remote
        .timeout
        .min(MAX_WAIT)
        .saturating_add(remote.header_grace.min(MAX_WAIT));
    let Some(progress) = progress else {
        return request(&agent, &remote.request_url(), wait, opts.max_body, None);
    };
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let start = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                done_rx.recv_timeout(Duration::from_secs(1))
            {
                progress(Progress {
                    elapsed: start.elapsed(),
                    collect: remote.collect,
                });
            }
        });
        let result = request(&agent, &remote.request_url(), wait, opts.max_body, None);
        drop(done_tx);
        result
    })
}

fn build_agent(remote: &RemoteSource, opts: &HttpOptions) -> Result<ureq::Agent> {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

    let mut tls = TlsConfig::builder().disable_verification(remote.insecure);
    if let Some(ca) = &opts.tls_ca {
        let pem = read_pem("tls_ca", ca, opts.max_body)?;
        let certs = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect::<Vec<Certificate<'static>>>();
        if certs.is_empty() {
            return Err(tls_error("tls_ca", ca, "no certificates found"));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    match (&opts.tls_cert, &opts.tls_key) {
        (Some(cert), Some(key)) => {
            let cert_pem = read_pem("tls_cert", cert, opts.max_body)?;
            let chain = ureq::tls::parse_pem(&cert_pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect::<Vec<Certificate<'static>>>();
            if chain.is_empty() {
                return Err(tls_error("tls_cert", cert, "no certificates found"));
            }
            let key_pem = read_pem("tls_key", key, opts.max_body)?;
            let key_der = PrivateKey::from_pem(&key_pem)
                .map_err(|e| tls_error("tls_key", key, &e.to_string()))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key_der)));
        }
        (Some(cert), None) => {
            return Err(tls_error("tls_cert", cert, "-tls_key is needed too"));
        }
        (None, Some(key)) => {
            return Err(tls_error("tls_key", key, "-tls_cert is needed too"));
        }
        (None, None) => {}
    }
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are followed by `request`, which checks their scheme.
        .max_redirects(0)
        // One connection per request: no stale kept-alive connection.
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .tls_config(tls.build())
        .user_agent(concat!("pprof-tools/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// Reads a TLS file, at most `limit` bytes (`-tls_ca=/dev/zero` is an
/// error, not an endless read).
fn read_pem(what: &'static str, path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file =
        fs::File::open(path).map_err(|e| tls_error(what, path, &crate::error::io_message(&e)))?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    pprof_model::read_to_end_bounded(file, limit, hint).map_err(|e| {
        let message = match e {
            pprof_model::ReadError::Io(io) => crate::error::io_message(&io),
            other => other.to_string(),
        };
        tls_error(what, path, &message)
    })
}

fn tls_error(what: &'static str, path: &Path, message: &str) -> HttpError {
    HttpError::Tls {
        what,
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// One request to a server's symbol service (`/debug/pprof/symbol`,
/// used by remote symbolization): a `GET` of `url`, or with `post` a
/// `POST` of that body, with the TLS options of `opts` and the default
/// timeout. Returns the body of a 200 answer.
pub fn symbol_request(url: &str, post: Option<&str>, opts: &HttpOptions) -> Result<Vec<u8>> {
    let remote = adjust_url(url, None, None).ok_or_else(|| HttpError::Request {
        url: url.to_string(),
        message: "not a URL".to_string(),
    })?;
    let agent = build_agent(&remote, opts)?;
    let wait = remote.timeout.saturating_add(remote.header_grace);
    request(&agent, &remote.request_url(), wait, opts.max_body, post)
}

/// GETs `url` (or POSTs `post` to it), following redirects as Go's client
/// does, and reads the body of a 200 answer; everything within `wait`.
fn request(
    agent: &ureq::Agent,
    url: &str,
    wait: Duration,
    max_body: u64,
    mut post: Option<&str>,
) -> Result<Vec<u8>> {
    // No deadline when the clock cannot reach it (it is then centuries away).
    let deadline = Instant::now().checked_add(wait);
    let remaining = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let fail = |url: &str, message: String| HttpError::Request {
        url: url.to_string(),
        message,
    };
    let mut url = url.to_string();
    let mut requests = 0u32;
    let resp = loop {
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(fail(
                &url,
                format!(
                    "unsupported protocol scheme {}",
                    pprof_model::gofmt::quote(scheme)
                ),
            ));
        }
        let left = remaining();
        if left == Some(Duration::ZERO) {
            return Err(fail(&url, HEADER_TIMEOUT.to_string()));
        }
        let resp = match post {
            None => agent.get(&url).config().timeout_global(left).build().call(),
            Some(body) => agent
                .post(&url)
                .header("content-type", "application/octet-stream")
                .config()
                .timeout_global(left)
                .build()
                .send(body),
        }
        .map_err(|e| fail(&url, client_message(&e)))?;
        requests += 1;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        match location {
            Some(loc) if matches!(status, 301 | 302 | 303 | 307 | 308) => {
                if requests >= MAX_REDIRECTS {
                    return Err(fail(
                        &loc,
                        format!("stopped after {MAX_REDIRECTS} redirects"),
                    ));
                }
                // Go's rule: 307 and 308 repeat the request, body and
                // all; the others follow with a GET.
                if !matches!(status, 307 | 308) {
                    post = None;
                }
                url = resolve_location(&url, &loc).ok_or_else(|| {
                    fail(
                        &url,
                        format!(
                            "failed to parse Location header {}",
                            pprof_model::gofmt::quote(&loc)
                        ),
                    )
                })?;
            }
            _ => break resp,
        }
    };
    let status = resp.status();
    let headers = resp.headers();
    let pprof_text = headers
        .get("x-go-pprof")
        .is_some_and(|v| !v.as_bytes().is_empty())
        && headers
            .get("content-type")
            .is_some_and(|v| String::from_utf8_lossy(v.as_bytes()).contains("text/plain"));
    let mut body = resp.into_body();
    let mut reader = body.with_config().limit(u64::MAX).reader();
    if status.as_u16() != 200 {
        let read = if pprof_text {
            MAX_ERROR_BODY
        } else {
            EXCERPT_READ + 1
        };
        let mut buf = Vec::new();
        // The error is the status; a body that cannot be read adds nothing.
        let _ = (&mut reader).take(read).read_to_end(&mut buf);
        let body = if pprof_text {
            ErrorBody::Pprof(String::from_utf8_lossy(&buf).into_owned())
        } else {
            let more = buf.len() as u64 > EXCERPT_READ;
            buf.truncate(EXCERPT_READ as usize);
            ErrorBody::excerpt(&buf, more)
        };
        let status_text = match status.canonical_reason() {
            Some(reason) => format!("{} {}", status.as_u16(), reason),
            None => status.as_u16().to_string(),
        };
        return Err(HttpError::Status {
            status: status_text,
            code: status.as_u16(),
            body,
        });
    }
    // No size from the server is reserved up front (hint 0): the body grows
    // as it comes, up to the limit.
    match pprof_model::read_to_end_bounded(reader, max_body, 0) {
        Ok(data) => Ok(data),
        Err(pprof_model::ReadError::TooLarge { limit }) => Err(HttpError::TooLarge { url, limit }),
        Err(pprof_model::ReadError::Io(e)) => {
            let message = if is_timeout(&e) {
                BODY_TIMEOUT.to_string()
            } else {
                transfer_message(&e)
            };
            Err(fail(&url, message))
        }
        Err(other) => Err(fail(&url, other.to_string())),
    }
}

/// Go's words for a server that sends no headers in time.
const HEADER_TIMEOUT: &str = "net/http: timeout awaiting response headers";
/// ... and for a body that does not arrive in time.
const BODY_TIMEOUT: &str = "timeout reading the response body";

/// Whether a body read failed on the transfer's deadline.
fn is_timeout(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

/// An I/O error of the transfer in Go's words (a connection that ends
/// early is Go's `unexpected EOF`).
fn transfer_message(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return "unexpected EOF".to_string();
    }
    crate::error::io_message(e)
}

/// Where a redirect goes: `location` resolved against `base` as a URI
/// reference (RFC 3986, section 5.2), its fragment left out. `None` when
/// `base` is not a URL with a host.
fn resolve_location(base: &str, location: &str) -> Option<String> {
    let location = location.split('#').next().unwrap_or("");
    if let Ok(Some(_)) = scheme_of(location) {
        // Absolute, whatever its scheme: the caller checks it.
        return Some(location.to_string());
    }
    let b = match split_url(base) {
        Ok(Some(u)) => u,
        _ => return None,
    };
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{}://{rest}", b.scheme));
    }
    let (path, query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    let (path, query) = if path.is_empty() {
        (b.path.clone(), query.map(str::to_string).or(b.query))
    } else if path.starts_with('/') {
        (remove_dot_segments(path), query.map(str::to_string))
    } else {
        let dir = match b.path.rfind('/') {
            Some(i) => &b.path[..=i],
            None => "/",
        };
        (
            remove_dot_segments(&format!("{dir}{path}")),
            query.map(str::to_string),
        )
    };
    let mut out = format!("{}://{}{}", b.scheme, b.authority, path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(&q);
    }
    Some(out)
}

/// RFC 3986's `remove_dot_segments` on an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// A client error in words close to Go's.
fn client_message(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) if is_timeout(io) => HEADER_TIMEOUT.to_string(),
        ureq::Error::Io(io) => transfer_message(io),
        ureq::Error::Timeout(_) => HEADER_TIMEOUT.to_string(),
        ureq::Error::HostNotFound => "no such host".to_string(),
        other => other.to_string(),
    }
}

/// The file name prefix pprof gives a saved profile: `pprof.`, the base
/// name of the first mapping's file (when there is one), then each sample
/// type, each followed by a dot.
pub fn saved_profile_prefix(p: &Profile) -> String {
    let mut prefix = String::from("pprof.");
    if let Some(m) = p.mappings.first() {
        let file = p.str(m.file);
        if !file.is_empty() {
            prefix.push_str(go_base(file));
            prefix.push('.');
        }
    }
    for st in &p.sample_types {
        prefix.push_str(p.str(st.r#type));
        prefix.push('.');
    }
    prefix
}

/// Go's `filepath.Base` on Unix: the last element, trailing slashes
/// ignored; `/` for all slashes, `.` for nothing.
fn go_base(path: &str) -> &str {
    pprof_model::gofmt::path_base(path)
}

/// The directories pprof tries for saved profiles, in order:
/// `$PPROF_TMPDIR`, `$HOME/pprof`, then the system's temporary directory.
pub fn save_dir_candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("PPROF_TMPDIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        dirs.push(PathBuf::from(h).join("pprof"));
    }
    dirs.push(std::env::temp_dir());
    dirs
}

/// A profile saved by [`save_profile`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedProfile {
    /// The file written.
    pub path: PathBuf,
    /// Directories that could not be used, as pprof reports them:
    /// `Could not use temp dir DIR: PROBLEM`.
    pub warnings: Vec<String>,
}

/// Saves `p` in the first usable directory of [`save_dir_candidates`]
/// (creating it), as [`save_profile_in`] does.
pub fn save_profile(p: &Profile) -> Result<SavedProfile> {
    let mut warnings = Vec::new();
    for dir in save_dir_candidates() {
        if let Err(e) = fs::create_dir_all(&dir) {
            warnings.push(format!(
                "Could not use temp dir {}: {}",
                dir.display(),
                crate::error::io_message(&e)
            ));
            continue;
        }
        let path = save_profile_in(&dir, p)?;
        return Ok(SavedProfile { path, warnings });
    }
    Err(HttpError::NoTempDir)
}

/// Saves `p`, gzip-compressed, as `DIR/PREFIX.NNN.pb.gz` with the prefix of
/// [`saved_profile_prefix`] and the smallest free `NNN` from 001.
///
/// The data is written to a hidden temporary file first and then linked
/// into place, so the file appears whole or not at all, and an existing
/// file is never replaced.
pub fn save_profile_in(dir: &Path, p: &Profile) -> Result<PathBuf> {
    let data = pprof_model::encode(p);
    save_bytes_in(dir, &saved_profile_prefix(p), ".pb.gz", &data)
}

/// Writes `data` as `DIR/PREFIX NNN SUFFIX` with the smallest free `NNN`
/// (see [`crate::save::save_numbered`]).
pub fn save_bytes_in(dir: &Path, prefix: &str, suffix: &str, data: &[u8]) -> Result<PathBuf> {
    crate::save::save_numbered(dir, prefix, suffix, data).map_err(|e| HttpError::Save {
        path: e.path.display().to_string(),
        err: e.err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Option<String> {
        adjust_url(s, None, None).map(|r| r.url)
    }

    #[test]
    fn sources_that_are_urls() {
        assert_eq!(
            url("http://localhost:6060/debug/pprof/heap").as_deref(),
            Some("http://localhost:6060/debug/pprof/heap")
        );
        assert_eq!(
            url("localhost:6060").as_deref(),
            Some("http://localhost:6060/debug/pprof/profile")
        );
        assert_eq!(
            url("127.0.0.1:6060/debug/pprof/goroutine?debug=1").as_deref(),
            Some("http://127.0.0.1:6060/debug/pprof/goroutine?debug=1")
        );
        assert_eq!(
            url("https+insecure://example.invalid/x").as_deref(),
            Some("https+insecure://example.invalid/x")
        );
        assert_eq!(
            url("http://[::1]:80/").as_deref(),
            Some("http://[::1]:80/debug/pprof/profile")
        );
    }

    #[test]
    fn sources_that_are_files() {
        for s in [
            "profiles/cpu.pb.gz",
            "/tmp/x",
            "-",
            "a:b",
            "x.pb.gz",
            "file:///tmp/x",
            "",
        ] {
            assert_eq!(url(s), None, "{s}");
        }
    }

    #[test]
    fn seconds_and_timeouts() {
        let r = adjust_url("http://h/p?seconds=10&debug=1", None, None).unwrap();
        assert_eq!(r.url, "http://h/p?debug=1&seconds=10");
        assert_eq!(r.timeout, Duration::from_secs(15));
        assert_eq!(r.collect, Some(Duration::from_secs(10)));
        assert_eq!(r.requested, None);

        let r = adjust_url("http://h/p?seconds=10", Some(3), Some(100)).unwrap();
        assert_eq!(r.url, "http://h/p?seconds=3");
        assert_eq!(r.timeout, Duration::from_secs(100));
        assert_eq!(r.requested, Some(Duration::from_secs(3)));

        let r = adjust_url("http://h/debug/pprof/heap", Some(-1), Some(0)).unwrap();
        assert_eq!(r.timeout, Duration::from_secs(60));
        assert_eq!(r.collect, None);

        let r = adjust_url("h:1", None, None).unwrap();
        assert_eq!(r.collect, Some(Duration::from_secs(30)));
        assert_eq!(r.timeout, Duration::from_secs(60));

        let r = adjust_url("http://h/p?a+b=%2F&x", Some(1), None).unwrap();
        assert_eq!(r.url, "http://h/p?a+b=%2F&seconds=1&x=");
    }

    #[test]
    fn insecure_scheme_is_sent_as_https() {
        let r = adjust_url("https+insecure://h:1/x", None, None).unwrap();
        assert!(r.insecure);
        assert_eq!(r.request_url(), "https://h:1/x");
    }

    #[test]
    fn status_error_text() {
        let status = |body| HttpError::Status {
            status: "500 Internal Server Error".into(),
            code: 500,
            body,
        };
        assert_eq!(
            status(ErrorBody::Pprof("boom\n".into())).to_string(),
            "server response: 500 Internal Server Error - boom"
        );
        assert_eq!(
            status(ErrorBody::Pprof("a\x1b[2J\rb\n\n".into())).to_string(),
            "server response: 500 Internal Server Error - a\\x1b[2J\\rb"
        );
        assert_eq!(
            status(ErrorBody::None).to_string(),
            "server response: 500 Internal Server Error"
        );
        let page = format!(
            "<html>\r\n<p>\x1b[31mred</p>\nline 3\nline 4\n{}",
            "x".repeat(500)
        );
        assert_eq!(
            status(ErrorBody::excerpt(page.as_bytes(), false)).to_string(),
            "server response: 500 Internal Server Error - \"<html>\\r\\n<p>\\x1b[31mred</p>\\nline 3\\n\"..."
        );
        let long = "y".repeat(1000);
        match ErrorBody::excerpt(long.as_bytes(), false) {
            ErrorBody::Excerpt { text, truncated } => {
                assert_eq!(text.len(), EXCERPT_CHARS);
                assert!(truncated);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ErrorBody::excerpt(b"", true), ErrorBody::None);
    }

    #[test]
    fn redirect_targets() {
        let r = |l: &str| resolve_location("http://h:1/a/b/c?q=1", l);
        assert_eq!(r("/x").as_deref(), Some("http://h:1/x"));
        assert_eq!(r("d?e=f#frag").as_deref(), Some("http://h:1/a/b/d?e=f"));
        assert_eq!(r("../d").as_deref(), Some("http://h:1/a/d"));
        assert_eq!(r("./").as_deref(), Some("http://h:1/a/b/"));
        assert_eq!(r("?z").as_deref(), Some("http://h:1/a/b/c?z"));
        assert_eq!(r("").as_deref(), Some("http://h:1/a/b/c?q=1"));
        assert_eq!(r("//other/p").as_deref(), Some("http://other/p"));
        assert_eq!(
            r("file:///etc/passwd").as_deref(),
            Some("file:///etc/passwd")
        );
        assert_eq!(r("HTTPS://h/x").as_deref(), Some("HTTPS://h/x"));
        assert_eq!(r("/../../x").as_deref(), Some("http://h:1/x"));
    }

    #[test]
    fn issue12_extreme_durations_saturate() {
        let r = adjust_url("h:1", Some(6_200_000_000_000_000_000), None).unwrap();
        assert_eq!(r.timeout, MAX_WAIT);
        assert_eq!(
            r.url,
            "http://h:1/debug/pprof/profile?seconds=6200000000000000000"
        );
        let r = adjust_url("h:1", None, Some(i64::MAX)).unwrap();
        assert_eq!(r.timeout, MAX_WAIT);
        assert!(please_wait_text(Duration::from_secs(u64::MAX)).starts_with("Please wait... ("));
    }

    #[test]
    fn countdown() {
        let p = |e: u64, c: Option<u64>| Progress {
            elapsed: Duration::from_millis(e),
            collect: c.map(Duration::from_secs),
        };
        assert_eq!(
            countdown_text(&p(5_200, Some(30))),
            "Collecting profile: 25s left"
        );
        assert_eq!(
            countdown_text(&p(31_000, Some(30))),
            "Collecting profile: waiting for the server"
        );
        assert_eq!(
            countdown_text(&p(12_500, None)),
            "Waiting for the server: 12s"
        );
    }

    #[test]
    fn please_wait() {
        assert_eq!(
            please_wait_text(Duration::from_secs(30)),
            "Please wait... (30s)"
        );
        assert_eq!(
            please_wait_text(Duration::from_secs(90)),
            "Please wait... (1m30s)"
        );
    }

    #[test]
    fn base_names() {
        assert_eq!(go_base("/usr/bin/httpdemo"), "httpdemo");
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(go_base("///"), "/");
        assert_eq!(go_base("x"), "x");
    }
}
