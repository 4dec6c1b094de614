//! Live mode: snapshots fetched from a running Go service.
//!
//! A service is named by its goroutine profile URL
//! (`http://host:port/debug/pprof/goroutine`), its `/debug/pprof/` base or
//! just `host:port` ([`Service::parse`]). [`collect`] asks it for
//! `/debug/pprof/goroutineleak` first: a Go 1.27 service answers with the
//! goroutines its garbage collector proved leaked, and one snapshot is
//! enough. A service that does not serve it (404: Go before 1.27, or a
//! server without that handler) gets the older treatment: goroutine
//! snapshots some time apart, whose growth shows suspects. The choice is
//! announced by a [`LiveEvent::Plan`].
//!
//! Each snapshot is saved like a profile fetched by `pprof-tools` (in
//! `$PPROF_TMPDIR`, `$HOME/pprof` or the temporary directory) and
//! announced by a [`LiveEvent::Snapshot`]. Nothing is printed here: the
//! events display as the lines the command writes to standard error.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pprof_fetch::http::{self, HttpError, HttpOptions};
use pprof_fetch::{Error as FetchError, ErrorKind};
use pprof_model::Profile;

use crate::analyze::{snapshot_kind, Mode};
use crate::error::{Error, Result};
use crate::load::{fetch_options, Snapshot};

/// The shortest time between two snapshots: every goroutine leak profile
/// runs a garbage collection in the service, and a series is about trends
/// over seconds to hours, so shorter intervals are refused.
pub const MIN_EVERY: Duration = Duration::from_secs(1);
/// Time between snapshots when none is given: 10 seconds.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);
/// Snapshots of a series when no count is given: 6.
pub const DEFAULT_COUNT: usize = 6;
/// The most snapshots of a series: 10,000.
pub const MAX_COUNT: usize = 10_000;

/// Choices of live mode. Start from [`LiveOptions::default`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LiveOptions {
    /// Time between snapshots. Default: `None` ([`DEFAULT_EVERY`] for a
    /// series).
    pub every: Option<Duration>,
    /// Snapshots to take. Default: `None`: one goroutine leak snapshot when
    /// the service serves them, else [`DEFAULT_COUNT`] goroutine snapshots.
    /// Giving `every` or `count` asks for a series in any case.
    pub count: Option<usize>,
    /// Also fetch the heap profile at each snapshot of a series. Default:
    /// false.
    pub with_heap: bool,
    /// [`Mode::Heap`] fetches heap snapshots only. Default: [`Mode::Auto`].
    pub mode: Mode,
    /// Save each snapshot like a fetched profile. Default: true.
    pub save: bool,
    /// TLS and size options of the requests. Default: pprof's.
    pub http: HttpOptions,
    /// Seconds each request may take, the whole transfer included
    /// (pprof's `-timeout`; the server gets a few more seconds to start
    /// answering). Default: `None`, 60 seconds.
    pub timeout: Option<i64>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            every: None,
            count: None,
            with_heap: false,
            mode: Mode::Auto,
            save: true,
            http: HttpOptions::default(),
            timeout: None,
        }
    }
}

/// A profile endpoint of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `goroutineleak`: goroutines proven leaked (Go 1.27).
    GoroutineLeak,
    /// `goroutine`: every goroutine.
    Goroutine,
    /// `heap`: live heap objects.
    Heap,
}

impl Endpoint {
    /// The path element: `goroutineleak`, `goroutine` or `heap`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::GoroutineLeak => "goroutineleak",
            Endpoint::Goroutine => "goroutine",
            Endpoint::Heap => "heap",
        }
    }

    fn from_name(s: &str) -> Option<Endpoint> {
        [Endpoint::GoroutineLeak, Endpoint::Goroutine, Endpoint::Heap]
            .into_iter()
            .find(|e| e.name() == s)
    }
}

/// The profile endpoints of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The directory of the endpoints, ending in `/`
    /// (`http://host:port/debug/pprof/`).
    pub base: String,
    /// The endpoint the source named, with its query (`?debug=2`), which is
    /// kept for that endpoint.
    named: Option<(Endpoint, String)>,
}

impl Service {
    /// The service a source names, or `None` when it is not a URL: a
    /// profile URL (`…/debug/pprof/goroutine?debug=2`), the `/debug/pprof/`
    /// base, or a server (`host:port`, `http://host:port`).
    pub fn parse(source: &str) -> Option<Service> {
        let remote = http::adjust_url(source, None, None)?;
        let url = remote.url;
        let (rest, query) = match url.find(['?', '#']) {
            Some(i) => (&url[..i], &url[i..]),
            None => (url.as_str(), ""),
        };
        // adjust_url gives a bare server pprof's CPU path.
        let named_cpu = source.contains(http::CPU_PROFILE_PATH);
        let rest = match rest.strip_suffix(http::CPU_PROFILE_PATH) {
            Some(server) if !named_cpu => format!("{server}/debug/pprof/"),
            _ => rest.to_string(),
        };
        let (base, last) = match rest.rfind('/') {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => (rest.as_str(), ""),
        };
        // The scheme's `//` is not a directory.
        if base.ends_with("//") {
            return Some(Service {
                base: format!("{rest}/debug/pprof/"),
                named: None,
            });
        }
        let (base, named) = match Endpoint::from_name(last) {
            Some(e) => (base.to_string(), Some((e, query.to_string()))),
            None if last.is_empty() => (base.to_string(), None),
            // Some other profile (or a directory without a trailing
            // slash): its directory holds the endpoints.
            None if last == "pprof" => (format!("{rest}/"), None),
            None => (base.to_string(), None),
        };
        Some(Service { base, named })
    }

    /// The URL of an endpoint; the endpoint the source named keeps its
    /// query.
    pub fn url(&self, e: Endpoint) -> String {
        let query = match &self.named {
            Some((n, q)) if *n == e => q.as_str(),
            _ => "",
        };
        format!("{}{}{query}", self.base, e.name())
    }
}

/// What [`collect`] is about to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// The goroutine leak endpoint asked first (empty in heap mode).
    pub leak_url: String,
    /// Whether the service serves it.
    pub leak_served: bool,
    /// The endpoints fetched at each snapshot, with their URLs.
    pub endpoints: Vec<(Endpoint, String)>,
    /// Snapshots to take.
    pub rounds: usize,
    /// Time between snapshots.
    pub every: Duration,
}

/// Something to tell the user during [`collect`].
#[derive(Debug)]
#[non_exhaustive]
pub enum LiveEvent<'a> {
    /// Which endpoints will be used, and why.
    Plan(&'a Plan),
    /// A snapshot was fetched.
    Snapshot {
        /// 1-based number of the snapshot.
        round: usize,
        /// Snapshots in all.
        rounds: usize,
        /// The endpoint.
        endpoint: Endpoint,
        /// The URL fetched.
        url: &'a str,
        /// Goroutines (or heap bytes in use) in it.
        total: i64,
        /// Where it was saved.
        saved: Option<&'a std::path::Path>,
        /// Why it was not saved, when saving failed.
        not_saved: Option<&'a HttpError>,
        /// Save directories that could not be used.
        warnings: &'a [String],
    },
}

fn every_text(d: Duration) -> String {
    pprof_model::gofmt::duration_string(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls: Vec<&str> = self.endpoints.iter().map(|(_, u)| u.as_str()).collect();
        let series = format!("{} snapshots {} apart", self.rounds, every_text(self.every));
        if self.leak_url.is_empty() {
            return write!(f, "Taking {series} of {}", urls.join(" and "));
        }
        match (self.leak_served, self.rounds) {
            (true, 1) => write!(
                f,
                "Using {}: the runtime proves leaks, one snapshot is enough",
                self.leak_url
            ),
            (true, _) => write!(
                f,
                "Using {}: the runtime proves leaks; taking {series} of {} for growth too",
                self.leak_url,
                urls.join(" and ")
            ),
            (false, _) => write!(
                f,
                "{} is not served (Go before 1.27?): taking {series} of {} to find leaks from growth",
                self.leak_url,
                urls.join(" and ")
            ),
        }
    }
}

impl fmt::Display for LiveEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveEvent::Plan(p) => write!(f, "{p}"),
            LiveEvent::Snapshot {
                round,
                rounds,
                endpoint,
                url,
                total,
                saved,
                not_saved,
                warnings,
            } => {
                for w in warnings.iter() {
                    writeln!(f, "{w}")?;
                }
                let what = match endpoint {
                    Endpoint::GoroutineLeak => format!("{total} leaked goroutines"),
                    Endpoint::Goroutine => format!("{total} goroutines"),
                    Endpoint::Heap => format!("{} in use", crate::render::format_bytes(*total)),
                };
                write!(f, "Snapshot {round}/{rounds} of {url}: {what}")?;
                match (saved, not_saved) {
                    (Some(p), _) => write!(f, ", saved {}", p.display()),
                    (None, Some(e)) => write!(f, ", not saved: {e}"),
                    (None, None) => Ok(()),
                }
            }
        }
    }
}

fn fetch_error(url: &str, e: HttpError) -> Error {
    Error::Load(FetchError::new(url, ErrorKind::Http(e)))
}

fn get(url: &str, opts: &LiveOptions) -> std::result::Result<Vec<u8>, HttpError> {
    let Some(remote) = http::adjust_url(url, None, opts.timeout) else {
        return Err(HttpError::Request {
            url: url.to_string(),
            message: "not a URL".to_string(),
        });
    };
    http::fetch_bytes(&remote, &opts.http, None)
}

/// The plan for `service`, asking it for the goroutine leak profile unless
/// in heap mode; returns the leak profile's body when served.
pub fn plan(service: &Service, opts: &LiveOptions) -> Result<(Plan, Option<Vec<u8>>)> {
    let every = opts.every.unwrap_or(DEFAULT_EVERY);
    let series = opts.every.is_some() || opts.count.is_some();
    let count = opts.count.unwrap_or(DEFAULT_COUNT).clamp(1, MAX_COUNT);
    let heap = (Endpoint::Heap, service.url(Endpoint::Heap));
    if opts.mode == Mode::Heap {
        return Ok((
            Plan {
                leak_url: String::new(),
                leak_served: false,
                endpoints: vec![heap],
                rounds: count,
                every,
            },
            None,
        ));
    }
    let leak_url = service.url(Endpoint::GoroutineLeak);
    let body = match get(&leak_url, opts) {
        Ok(b) => Some(b),
        Err(HttpError::Status { code: 404, .. }) => None,
        Err(e) => return Err(fetch_error(&leak_url, e)),
    };
    let served = body.is_some();
    let rounds = if served && !series { 1 } else { count };
    let mut endpoints = Vec::new();
    if served {
        endpoints.push((Endpoint::GoroutineLeak, leak_url.clone()));
    }
    if !served || rounds > 1 {
        endpoints.push((Endpoint::Goroutine, service.url(Endpoint::Goroutine)));
        if opts.with_heap {
            endpoints.push(heap);
        }
    }
    Ok((
        Plan {
            leak_url,
            leak_served: served,
            endpoints,
            rounds,
            every,
        },
        body,
    ))
}

/// The total a snapshot counts: goroutines, or `inuse_space` bytes.
fn total(p: &Profile) -> i64 {
    let Some(kind) = snapshot_kind(p) else {
        return 0;
    };
    let vi = p.sample_type_index(kind.value_type()).unwrap_or(0);
    p.samples
        .iter()
        .filter_map(|s| s.values.get(vi))
        .fold(0i64, |a, v| a.saturating_add((*v).max(0)))
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Takes the snapshots of live mode from the service `source` names (see
/// the module documentation), telling `events` what happens.
///
/// Text profiles (`?debug=1`, `?debug=2`) carry no time: they get the time
/// they were fetched, so growth is per minute.
pub fn collect(
    source: &str,
    opts: &LiveOptions,
    events: &mut dyn FnMut(LiveEvent<'_>),
) -> Result<Vec<Snapshot>> {
    let service = Service::parse(source).ok_or_else(|| Error::NotAUrl {
        source_name: source.to_string(),
    })?;
    let fetch = fetch_options()?;
    let (plan, mut first) = plan(&service, opts)?;
    events(LiveEvent::Plan(&plan));
    let mut out = Vec::new();
    for round in 1..=plan.rounds {
        let start = Instant::now();
        for (endpoint, url) in &plan.endpoints {
            let data = match first
                .take()
                .filter(|_| *endpoint == Endpoint::GoroutineLeak)
            {
                Some(d) => d,
                None => get(url, opts).map_err(|e| fetch_error(url, e))?,
            };
            let mut profile = pprof_fetch::parse_data(&data, &fetch)
                .map_err(|k| FetchError::new(url.as_str(), k))?;
            if profile.time_nanos == 0 {
                profile.time_nanos = now_nanos();
            }
            let saved = opts.save.then(|| http::save_profile(&profile));
            let (path, warnings, err): (Option<PathBuf>, Vec<String>, Option<HttpError>) =
                match saved {
                    Some(Ok(s)) => (Some(s.path), s.warnings, None),
                    Some(Err(e)) => (None, Vec::new(), Some(e)),
                    None => (None, Vec::new(), None),
                };
            events(LiveEvent::Snapshot {
                round,
                rounds: plan.rounds,
                endpoint: *endpoint,
                url,
                total: total(&profile),
                saved: path.as_deref(),
                not_saved: err.as_ref(),
                warnings: &warnings,
            });
            out.push(Snapshot {
                name: url.clone(),
                profile,
            });
        }
        if round < plan.rounds {
            std::thread::sleep(plan.every.saturating_sub(start.elapsed()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services() {
        let s = Service::parse("localhost:6060").unwrap();
        assert_eq!(s.base, "http://localhost:6060/debug/pprof/");
        assert_eq!(
            s.url(Endpoint::GoroutineLeak),
            "http://localhost:6060/debug/pprof/goroutineleak"
        );
        let s = Service::parse("http://h:1/debug/pprof/goroutine?debug=2").unwrap();
        assert_eq!(
            s.url(Endpoint::Goroutine),
            "http://h:1/debug/pprof/goroutine?debug=2"
        );
        assert_eq!(s.url(Endpoint::Heap), "http://h:1/debug/pprof/heap");
        let s = Service::parse("http://h:1/debug/pprof/").unwrap();
        assert_eq!(
            s.url(Endpoint::Goroutine),
            "http://h:1/debug/pprof/goroutine"
        );
        let s = Service::parse("http://h:1/debug/pprof").unwrap();
        assert_eq!(
            s.url(Endpoint::Goroutine),
            "http://h:1/debug/pprof/goroutine"
        );
        let s = Service::parse("https://h/x/pprof/goroutineleak").unwrap();
        assert_eq!(s.url(Endpoint::Heap), "https://h/x/pprof/heap");
        let s = Service::parse("h:1/debug/pprof/profile").unwrap();
        assert_eq!(
            s.url(Endpoint::Goroutine),
            "http://h:1/debug/pprof/goroutine"
        );
        assert!(Service::parse("profiles/a.pb.gz").is_none());
    }

    #[test]
    fn plans_read_well() {
        let p = Plan {
            leak_url: "http://h/debug/pprof/goroutineleak".into(),
            leak_served: false,
            endpoints: vec![(Endpoint::Goroutine, "http://h/debug/pprof/goroutine".into())],
            rounds: 6,
            every: DEFAULT_EVERY,
        };
        assert_eq!(
            p.to_string(),
            "http://h/debug/pprof/goroutineleak is not served (Go before 1.27?): taking 6 \
             snapshots 10s apart of http://h/debug/pprof/goroutine to find leaks from growth"
        );
    }
}
