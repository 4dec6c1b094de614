//! The pipeline: load the sources, merge them, subtract or compare a base,
//! then produce a report.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pprof_fetch::FetchOptions;
use pprof_model::Profile;

use crate::config::Config;
use crate::format::Command;
use crate::{Error, Result};

/// Where the profiles come from and how they are combined (pprof's source
/// flags).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Sources {
    /// Profiles to merge (paths, `-` for standard input, later URLs).
    pub sources: Vec<String>,
    /// Base profiles (`-base` or `-diff_base`).
    pub base: Vec<String>,
    /// The base came from `-diff_base`: base samples are tagged
    /// `pprof::base=true` and the report total counts only them.
    pub diff_base: bool,
    /// Scale the sources to the base's totals first (`-normalize`).
    pub normalize: bool,
    /// `-symbolize` mode: `none` leaves addresses alone; the default and
    /// `local` look for the binaries on disk (`PPROF_BINARY_PATH`, then
    /// `$HOME/pprof/binaries`); `remote` is accepted but does nothing yet.
    pub symbolize: String,
    /// Build ID to set on the first mapping (`-buildid` or a hex first argument).
    pub build_id: String,
    /// Binary named before the sources; becomes the first mapping's file.
    pub exec_name: Option<String>,
    /// Comment to append to the profile (`-add_comment`).
    pub comment: String,
    /// `-seconds` (-1 when unset).
    pub seconds: i64,
    /// `-timeout` (-1 when unset).
    pub timeout: i64,
    /// `-tls_cert`: client certificate for HTTPS sources. Default: empty.
    pub tls_cert: String,
    /// `-tls_key`: client key for HTTPS sources. Default: empty.
    pub tls_key: String,
    /// `-tls_ca`: certificate authorities for HTTPS sources. Default: empty.
    pub tls_ca: String,
}

impl Sources {
    /// Sources that merge the given profiles, with no base.
    pub fn new<I, S>(sources: I) -> Sources
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Sources {
            sources: sources.into_iter().map(Into::into).collect(),
            seconds: -1,
            timeout: -1,
            ..Sources::default()
        }
    }

    /// Subtracts `base` (`-base`), or compares against it when `diff` is set
    /// (`-diff_base`).
    pub fn with_base(mut self, base: impl Into<String>, diff: bool) -> Sources {
        self.base = vec![base.into()];
        self.diff_base = diff;
        self
    }
}

/// A loaded profile with the notices pprof would print on stderr while
/// loading it (for example a source that could not be read while others
/// could).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Loaded {
    /// The combined profile.
    pub profile: Profile,
    /// Messages for the user.
    pub notices: Vec<String>,
}

/// Receives messages while sources load (such as `Fetching profile over
/// HTTP from URL`), from any thread.
pub type NoticeSink = Arc<dyn Fn(&str) + Send + Sync>;

/// Loads, combines and reports profiles, as `go tool pprof` does in its
/// non-interactive mode.
#[derive(Clone)]
pub struct Pipeline {
    sources: Sources,
    fetch: FetchOptions,
    sink: Option<NoticeSink>,
    progress: Option<ProgressSink>,
}

/// Receives the progress of a remote fetch: `Some(text)` about once a second
/// while a profile is being collected (pprof-style countdown), `None` when
/// the fetch is over and a progress line can be cleared.
pub type ProgressSink = std::sync::Arc<dyn Fn(Option<&str>) + Send + Sync>;

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("sources", &self.sources)
            .field("fetch", &self.fetch)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A pipeline over `sources` with default fetch options.
    pub fn new(sources: Sources) -> Pipeline {
        Pipeline {
            sources,
            fetch: FetchOptions::default(),
            sink: None,
            progress: None,
        }
    }

    /// Sends countdown lines to `progress` while a remote CPU profile is
    /// being collected (see [`ProgressSink`]).
    pub fn progress_sink(mut self, progress: ProgressSink) -> Pipeline {
        self.progress = Some(progress);
        self
    }

    /// Sends messages about remote fetches to `sink` as they happen
    /// (otherwise they are returned with the other notices).
    pub fn notice_sink(mut self, sink: NoticeSink) -> Pipeline {
        self.sink = Some(sink);
        self
    }

    /// Replaces the fetch options (decompression limit, timeouts).
    pub fn fetch_options(mut self, fetch: FetchOptions) -> Pipeline {
        self.fetch = fetch;
        self
    }

    /// The sources.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Loads every source (several at once), merges them, then applies the
    /// base: pprof's `fetchProfiles`.
    pub fn load(&self) -> Result<Loaded> {
        self.load_with(true)
    }

    /// Loads the sources for the report `cmd`: like [`Pipeline::load`],
    /// but a lone source is not run through pprof's renumbering merge when
    /// the report cannot show the difference (the call-graph reports,
    /// `-tags`, `-flame`, `-folded`), which saves a copy of the profile.
    pub fn load_for(&self, cmd: &Command) -> Result<Loaded> {
        use crate::OutputFormat as F;
        // Reports that sum values over the call graph, stacks or labels do
        // not depend on the renumbering merge of a single source.
        let needs_compaction = !matches!(
            cmd.format,
            F::Text
                | F::Top
                | F::Tree
                | F::Peek
                | F::Tags
                | F::List
                | F::Dot
                | F::Svg
                | F::Png
                | F::Gif
                | F::Pdf
                | F::Ps
                | F::TopProto
                | F::Flame
                | F::Folded
        );
        self.load_with(needs_compaction)
    }

    /// Like [`Pipeline::load`]; when `compact_single` is false, a lone
    /// source without base is not run through the merge that renumbers
    /// its ids and combines equal samples (only its all-zero samples are
    /// dropped), which saves a copy of the profile. Reports built from
    /// the call graph or from sums per stack or label read the same either
    /// way; `-raw`, `-proto` and `-traces` show the difference.
    fn load_with(&self, compact_single: bool) -> Result<Loaded> {
        let s = &self.sources;
        let compact_single = compact_single || !s.base.is_empty() || s.sources.len() != 1;
        let mut notices = Vec::new();
        let st = LoadState::default();
        let (srcs, bases) = std::thread::scope(|scope| {
            let bases = (!s.base.is_empty()).then(|| scope.spawn(|| self.grab(&s.base, &st, true)));
            let srcs = self.grab(&s.sources, &st, compact_single);
            let bases = bases.map(|h| h.join().unwrap_or_else(|_| Ok(Grabbed::default())));
            (srcs, bases)
        });
        let srcs = srcs?;
        let bases = bases.transpose()?;
        if let Ok(mut q) = st.pending.lock() {
            notices.append(&mut q);
        }
        notices.extend(srcs.failures.iter().map(|e| e.to_string()));
        let mut failures = srcs.failures.into_iter();
        let Some(mut p) = srcs.profile else {
            let Some(first) = failures.next() else {
                return Err(Error::Option("no profile source specified".into()));
            };
            return Err(Error::Fetch {
                first,
                more: failures.count(),
            });
        };
        if srcs.count != s.sources.len() {
            notices.push(format!(
                "Fetched {} source profiles out of {}",
                srcs.count,
                s.sources.len()
            ));
        }
        if let Some(bases) = bases {
            notices.extend(bases.failures.iter().map(|e| e.to_string()));
            let mut failures = bases.failures.into_iter();
            let Some(mut pbase) = bases.profile else {
                let Some(first) = failures.next() else {
                    return Err(Error::Option("no base profile specified".into()));
                };
                return Err(Error::FetchBase {
                    first,
                    more: failures.count(),
                });
            };
            if bases.count != s.base.len() {
                notices.push(format!(
                    "Fetched {} base profiles out of {}",
                    bases.count,
                    s.base.len()
                ));
            }
            if s.diff_base {
                pprof_ops::set_label(&mut pbase, pprof_ops::BASE_LABEL_KEY, &["true"]);
            }
            if s.normalize {
                pprof_ops::normalize(&mut p, &pbase)?;
            }
            pprof_ops::scale(&mut pbase, -1.0);
            p = combine(vec![p, pbase])?;
        }
        // pprof's symbolization step (local binaries, the server's symbol
        // service for fetched profiles, demangling): pprof-symbolize.
        let (mode, bad_mode) = pprof_symbolize::SymbolizeMode::parse_lenient(&s.symbolize);
        notices.extend(bad_mode.map(|w| w.to_string()));
        let sources = std::mem::take(&mut *st.sources.lock().unwrap_or_else(|e| e.into_inner()));
        let mut service = SymbolService(self.http_options());
        let warnings = pprof_symbolize::loader::symbolize(
            &mut p,
            mode,
            &pprof_symbolize::loader::Loader::default(),
            Some((&sources, &mut service)),
        )?;
        notices.extend(warnings.iter().map(|w| w.to_string()));
        crate::focus::remove_uninteresting(&mut p);
        pprof_symbolize::remote::unsource_mappings(&mut p);
        if !s.comment.is_empty() {
            let c = p.intern(&s.comment);
            p.comments.push(c);
        }
        // A profile fetched from a server is saved, as pprof does.
        if st.remote.load(Ordering::Relaxed) {
            match pprof_fetch::http::save_profile(&p) {
                Ok(saved) => {
                    notices.extend(saved.warnings);
                    notices.push(format!("Saved profile in {}", saved.path.display()));
                }
                Err(e) => notices.push(format!("Could not save profile: {e}")),
            }
        }
        p.check_valid()?;
        Ok(Loaded {
            profile: p,
            notices,
        })
    }

    /// Loads the sources and writes the report `cmd` with settings `cfg`
    /// to `out`. Returns the notices for the user (load warnings, filters
    /// that matched nothing, ...).
    pub fn run(
        &self,
        cmd: &Command,
        cfg: &Config,
        json: bool,
        out: &mut dyn Write,
    ) -> Result<Vec<String>> {
        let mut loaded = self.load_for(cmd)?;
        let mut notices = std::mem::take(&mut loaded.notices);
        notices.extend(crate::reporting::write_report(
            &mut loaded.profile,
            cmd,
            cfg,
            json,
            out,
        )?);
        Ok(notices)
    }

    /// Loads `addrs` with a few worker threads, in chunks of 64 as pprof
    /// does, and merges what loaded.
    fn grab(&self, addrs: &[String], st: &LoadState, compact_single: bool) -> Result<Grabbed> {
        let mut total = Grabbed::default();
        for chunk in addrs.chunks(64) {
            let g = self.grab_chunk(chunk, st, compact_single)?;
            total.failures.extend(g.failures);
            total.count += g.count;
            total.profile = match (total.profile.take(), g.profile) {
                (None, q) => q,
                (Some(p), None) => Some(p),
                (Some(p), Some(q)) => Some(combine(vec![p, q])?),
            };
        }
        Ok(total)
    }

    fn grab_chunk(
        &self,
        addrs: &[String],
        st: &LoadState,
        compact_single: bool,
    ) -> Result<Grabbed> {
        let n = addrs.len();
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        if n >= 2 && cores >= 2 {
            return self.grab_chunk_streaming(addrs, st);
        }
        let slots: Vec<Mutex<Option<pprof_fetch::Result<Profile>>>> =
            (0..n).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8)
            .min(n);
        let work = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(addr) = addrs.get(i) else { break };
            let r = self.fetch_one(addr, st);
            if let Some(slot) = slots.get(i) {
                if let Ok(mut g) = slot.lock() {
                    *g = Some(r);
                }
            }
        };
        if workers <= 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 1..workers {
                    scope.spawn(work);
                }
                work();
            });
        }
        let mut g = Grabbed::default();
        let mut profiles = Vec::new();
        for slot in slots {
            match slot.into_inner().ok().flatten() {
                Some(Ok(p)) => profiles.push(p),
                Some(Err(e)) => g.failures.push(e),
                None => {}
            }
        }
        g.count = profiles.len();
        if profiles.len() == 1 && !compact_single {
            if let Some(mut p) = profiles.pop() {
                p.samples.retain(|s| s.values.iter().any(|&v| v != 0));
                g.profile = Some(p);
            }
        } else if !profiles.is_empty() {
            g.profile = Some(combine(profiles)?);
        }
        Ok(g)
    }

    /// Loads several sources on worker threads while this thread merges
    /// them in order as they arrive (at most a few decoded profiles wait at
    /// any time), so decoding and merging overlap and each source is freed
    /// once merged. Sources whose types differ from the first one's fall
    /// back to pprof's unit reconciliation over what is left.
    fn grab_chunk_streaming(&self, addrs: &[String], st: &LoadState) -> Result<Grabbed> {
        const LOOKAHEAD: usize = 3;
        struct Shared {
            slots: Vec<Option<pprof_fetch::Result<Profile>>>,
            consumed: usize,
        }
        let n = addrs.len();
        let shared = Mutex::new(Shared {
            slots: (0..n).map(|_| None).collect(),
            consumed: 0,
        });
        let ready = std::sync::Condvar::new();
        let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
        let next = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(2, 8)
            .min(n + 1)
            - 1;
        let load = |i: usize, addr: &String| {
            let r = self.fetch_one(addr, st);
            if let Some(slot) = lock().slots.get_mut(i) {
                *slot = Some(r);
            }
            ready.notify_all();
        };
        let work = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(addr) = addrs.get(i) else { break };
            {
                let mut g = lock();
                while i >= g.consumed + LOOKAHEAD {
                    g = ready.wait(g).unwrap_or_else(|e| e.into_inner());
                }
            }
            load(i, addr);
        };
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(work);
            }
            let mut g = Grabbed::default();
            let mut merger: Option<pprof_ops::StreamingMerge> = None;
            let mut leftovers: Vec<Profile> = Vec::new();
            for i in 0..n {
                let r = loop {
                    let mut guard = lock();
                    if let Some(r) = guard.slots.get_mut(i).and_then(Option::take) {
                        guard.consumed = i + 1;
                        break r;
                    }
                    // Rather than wait for the next source, load one that
                    // no worker has taken yet.
                    let j = next.load(Ordering::Relaxed);
                    if j < n && j < guard.consumed + 2 * LOOKAHEAD {
                        drop(guard);
                        if next
                            .compare_exchange(j, j + 1, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                        {
                            load(j, &addrs[j]);
                        }
                        continue;
                    }
                    drop(ready.wait(guard).unwrap_or_else(|e| e.into_inner()));
                };
                ready.notify_all();
                let p = match r {
                    Ok(p) => p,
                    Err(e) => {
                        g.failures.push(e);
                        continue;
                    }
                };
                g.count += 1;
                if !leftovers.is_empty() {
                    leftovers.push(p);
                    continue;
                }
                match merger.as_mut() {
                    None => {
                        let mut m = pprof_ops::StreamingMerge::new(&p);
                        // Expect sources of about this one's size; distinct
                        // samples are most of a merge's memory.
                        const MAX_HINT: usize = 1 << 22;
                        m.reserve(p.samples.len().saturating_mul(n - i).min(MAX_HINT));
                        m.add_owned(p)?;
                        merger = Some(m);
                    }
                    Some(m) => {
                        if m.accepts(&p).is_ok() {
                            m.add_owned(p)?;
                        } else {
                            leftovers.push(p);
                        }
                    }
                }
            }
            let merged = merger.map(pprof_ops::StreamingMerge::finish);
            g.profile = match (merged, leftovers.is_empty()) {
                (Some(m), true) => Some(m),
                (Some(m), false) => {
                    leftovers.insert(0, m);
                    Some(combine(leftovers)?)
                }
                (None, _) => None,
            };
            Ok(g)
        })
    }

    /// Loads one source: a URL over HTTP (with pprof's messages), anything
    /// else as a file.
    fn fetch_one(&self, addr: &str, st: &LoadState) -> pprof_fetch::Result<Profile> {
        use pprof_fetch::http::{self, FetchEvent};
        let s = &self.sources;
        let ho = self.http_options();
        let events = |e: FetchEvent<'_>| {
            let text = match e {
                FetchEvent::Fetching { url } => format!("Fetching profile over HTTP from {url}"),
                FetchEvent::PleaseWait(d) => http::please_wait_text(d),
                FetchEvent::Progress(p) => {
                    if let Some(progress) = &self.progress {
                        progress(Some(&http::countdown_text(&p)));
                    }
                    return;
                }
                FetchEvent::Done => {
                    if let Some(progress) = &self.progress {
                        progress(None);
                    }
                    return;
                }
                _ => return,
            };
            match &self.sink {
                Some(sink) => sink(&text),
                None => {
                    if let Ok(mut q) = st.pending.lock() {
                        q.push(text);
                    }
                }
            }
        };
        let secs = (s.seconds > 0).then_some(s.seconds);
        let timeout = (s.timeout > 0).then_some(s.timeout);
        if let Some((remote, body)) = http::fetch_remote(addr, secs, timeout, &ho, &events) {
            let data =
                body.map_err(|e| pprof_fetch::Error::new(addr, pprof_fetch::ErrorKind::Http(e)))?;
            st.remote.store(true, Ordering::Relaxed);
            let mut p = pprof_fetch::parse_data(&data, &self.fetch)
                .map_err(|k| pprof_fetch::Error::new(addr, k))?;
            self.locate_binaries(&mut p, st);
            // Where the mappings came from, for the server's symbol
            // service (pprof's collectMappingSources).
            let sources = pprof_symbolize::remote::collect_sources(&mut p, &remote.url);
            if let Ok(mut all) = st.sources.lock() {
                pprof_symbolize::remote::merge_sources(&mut all, sources);
            }
            return Ok(p);
        }
        let mut p = pprof_fetch::fetch(addr, &self.fetch)?;
        self.locate_binaries(&mut p, st);
        Ok(p)
    }

    /// pprof's `locateBinaries` (pprof-symbolize's loader): mappings take
    /// the binaries found on the search path, a profile without mappings
    /// gets one fake mapping, and the first mapping takes the binary and
    /// build ID given on the command line. Returns the warnings.
    fn locate_binaries(&self, p: &mut Profile, st: &LoadState) {
        let s = &self.sources;
        let warnings = pprof_symbolize::loader::Loader::default().locate_binaries(
            p,
            s.exec_name.as_deref(),
            Some(&s.build_id),
        );
        if let Ok(mut q) = st.pending.lock() {
            q.extend(warnings.iter().map(ToString::to_string));
        }
    }

    /// The TLS options of remote sources.
    fn http_options(&self) -> pprof_fetch::http::HttpOptions {
        let s = &self.sources;
        let mut ho = pprof_fetch::http::HttpOptions::default();
        let path = |v: &str| (!v.is_empty()).then(|| std::path::PathBuf::from(v));
        ho.tls_cert = path(&s.tls_cert);
        ho.tls_key = path(&s.tls_key);
        ho.tls_ca = path(&s.tls_ca);
        ho
    }
}

/// What one load shares between its worker threads.
#[derive(Default)]
struct LoadState {
    /// A source came from a server.
    remote: AtomicBool,
    /// Messages waiting for the caller when there is no sink.
    pending: Mutex<Vec<String>>,
    /// Where the mappings of remote sources came from.
    sources: Mutex<pprof_symbolize::remote::MappingSources>,
}

/// A server's symbol service over HTTP(S), for remote symbolization.
struct SymbolService(pprof_fetch::http::HttpOptions);

impl pprof_symbolize::remote::SymbolService for SymbolService {
    type Error = pprof_fetch::http::HttpError;
    fn get(&mut self, url: &str) -> std::result::Result<Vec<u8>, Self::Error> {
        pprof_fetch::http::symbol_request(url, None, &self.0)
    }
    fn post(&mut self, url: &str, body: &str) -> std::result::Result<Vec<u8>, Self::Error> {
        pprof_fetch::http::symbol_request(url, Some(body), &self.0)
    }
}

#[derive(Default)]
struct Grabbed {
    profile: Option<Profile>,
    count: usize,
    failures: Vec<pprof_fetch::Error>,
}

/// pprof's `combineProfiles`: reconcile units, then merge.
fn combine(profiles: Vec<Profile>) -> Result<Profile> {
    Ok(pprof_ops::combine_profiles(profiles)?)
}
