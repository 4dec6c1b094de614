//! The pipeline: load the sources (several at once), merge them, subtract
//! or compare a base, symbolize, then produce reports (pprof's
//! `fetchProfiles` followed by `generateReport`).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pprof_fetch::FetchOptions;
use pprof_model::{Dialect, Profile};

use crate::format::Command;
use crate::settings::Settings;
use crate::{Error, Result};

/// The profiles to load: the sources named on the command line and the
/// binary named before them, if any. How they are combined (`-base`,
/// `-diff_base`, `-normalize`...) and fetched (`-seconds`, `-timeout`, TLS)
/// is in the [`Settings`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sources {
    /// Profiles to merge: paths, `-` for standard input, or URLs.
    pub sources: Vec<String>,
    /// Binary named before the sources; becomes the first mapping's file.
    pub exec_name: Option<String>,
}

impl Sources {
    /// Sources that merge the given profiles.
    pub fn new<I, S>(sources: I) -> Sources
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Sources {
            sources: sources.into_iter().map(Into::into).collect(),
            exec_name: None,
        }
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

/// Receives the progress of a remote fetch: `Some(text)` about once a second
/// while a profile is being collected (pprof-style countdown), `None` when
/// the fetch is over and a progress line can be cleared.
pub type ProgressSink = Arc<dyn Fn(Option<&str>) + Send + Sync>;

/// Loads, combines and reports profiles, as `go tool pprof` does in its
/// non-interactive mode.
#[derive(Clone)]
pub struct Pipeline {
    sources: Sources,
    settings: Settings,
    fetch: FetchOptions,
    sink: Option<NoticeSink>,
    progress: Option<ProgressSink>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("sources", &self.sources)
            .field("fetch", &self.fetch)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A pipeline over `sources` with `settings` (which say how sources
    /// are fetched and combined, and how reports are made).
    pub fn new(sources: Sources, settings: Settings) -> Pipeline {
        let mut fetch = FetchOptions::default();
        fetch.text_frames = settings.text_frames;
        Pipeline {
            sources,
            settings,
            fetch,
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

    /// Replaces the fetch options (decompression limit, memory budget);
    /// what the settings say (`-text_frames`) still applies.
    pub fn fetch_options(mut self, fetch: FetchOptions) -> Pipeline {
        self.fetch = fetch;
        self.fetch.text_frames = self.settings.text_frames;
        self
    }

    /// The sources.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Loads every source (several at once), merges them, then applies the
    /// base: pprof's `fetchProfiles`.
    pub fn load(&self) -> Result<Loaded> {
        self.load_with(true, false, false)
    }

    /// Loads the sources for the report `cmd`: like [`Pipeline::load`],
    /// but with go1.19's pprof ([`pprof_model::Dialect::Go119`]), which
    /// merges even a lone source, the renumbering merge is skipped when the
    /// report cannot show the difference (the call-graph reports, `-tags`,
    /// `-flame`, `-folded`), which saves a copy of the profile. Today's
    /// pprof never merges a lone source.
    pub fn load_for(&self, cmd: &Command) -> Result<Loaded> {
        use crate::OutputFormat as F;
        // Only these print the profile's own ids and sample order.
        let kind = cmd.format.report_kind();
        let needs_compaction = matches!(
            kind,
            F::Raw | F::Proto | F::Traces | F::Callgrind | F::Comments | F::Dis | F::WebList
        );
        // These read no sample label (but pprof's base label, for the
        // total) unless a tag option asks for them.
        let s = &self.settings;
        let label_free = matches!(
            kind,
            F::Callgrind | F::Text | F::Top | F::Peek | F::Tree | F::List
        ) && !s.filters.reads_labels()
            && s.tag_root.is_empty()
            && s.tag_leaf.is_empty();
        // A profile written back keeps its sample records, to copy them.
        self.load_with(needs_compaction, label_free, kind == F::Proto)
    }

    /// The base source (none, or one) and whether it compares
    /// (`-diff_base`) rather than subtracts (`-base`).
    fn bases(&self) -> (&[String], bool) {
        fn named(source: &String) -> &[String] {
            if source.is_empty() {
                &[]
            } else {
                std::slice::from_ref(source)
            }
        }
        let s = &self.settings;
        if s.diff_base.is_empty() {
            (named(&s.base), false)
        } else {
            (named(&s.diff_base), true)
        }
    }

    /// Like [`Pipeline::load`]; when `compact_single` is false, a lone
    /// source without base is not run through the merge that renumbers
    /// its ids and combines equal samples (only its all-zero samples are
    /// dropped), which saves a copy of the profile. Reports built from
    /// the call graph or from sums per stack or label read the same either
    /// way; `-raw`, `-proto` and `-traces` show the difference. With
    /// `label_free` (a report that reads no label), a lone local source
    /// kept as it is, is read without its labels unless it has pprof's
    /// base label. With `records`, such a source keeps its sample records
    /// ([`pprof_model::DecodeOptions::keep_records`]).
    fn load_with(&self, compact_single: bool, label_free: bool, records: bool) -> Result<Loaded> {
        let s = &self.settings;
        let (base, diff_base) = self.bases();
        let srcs = &self.sources.sources;
        let compact_single = compact_single || !base.is_empty() || srcs.len() != 1;
        let mut notices = Vec::new();
        let mut st = LoadState::default();
        // (A merge tells samples apart by their labels too.)
        let merged = compact_single && s.dialect != Dialect::Go127;
        let kept_whole = srcs.len() == 1 && base.is_empty() && !merged;
        if label_free && kept_whole {
            st.labels = pprof_model::LabelNeed::Keys(vec![pprof_ops::BASE_LABEL_KEY.to_string()]);
        }
        st.keep_records = records && kept_whole;
        let (found, bases) = std::thread::scope(|scope| {
            let bases = (!base.is_empty()).then(|| scope.spawn(|| self.grab(base, &st, true)));
            let found = self.grab(srcs, &st, compact_single);
            let bases = bases.map(|h| h.join().unwrap_or_else(|_| Ok(Grabbed::default())));
            (found, bases)
        });
        let found = found?;
        let bases = bases.transpose()?;
        if let Ok(mut q) = st.pending.lock() {
            notices.append(&mut q);
        }
        notices.extend(found.failures.iter().map(|e| e.to_string()));
        let mut failures = found.failures.into_iter();
        let Some(mut p) = found.profile else {
            let Some(first) = failures.next() else {
                return Err(Error::NoSource);
            };
            return Err(Error::Fetch {
                first,
                more: failures.count(),
            });
        };
        if found.count != srcs.len() {
            notices.push(format!(
                "Fetched {} source profiles out of {}",
                found.count,
                srcs.len()
            ));
        }
        if let Some(bases) = bases {
            notices.extend(bases.failures.iter().map(|e| e.to_string()));
            let mut failures = bases.failures.into_iter();
            let Some(pbase) = bases.profile else {
                let Some(first) = failures.next() else {
                    return Err(Error::NoSource);
                };
                return Err(Error::FetchBase {
                    first,
                    more: failures.count(),
                });
            };
            if bases.count != base.len() {
                notices.push(format!(
                    "Fetched {} base profiles out of {}",
                    bases.count,
                    base.len()
                ));
            }
            p = pprof_ops::apply_base(p, pbase, diff_base, s.normalize, s.dialect)?;
        }
        if s.all_frames {
            p.drop_frames = pprof_model::StrId::EMPTY;
            p.keep_frames = pprof_model::StrId::EMPTY;
        }
        // pprof's symbolization step (local binaries, the server's symbol
        // service for fetched profiles, demangling): pprof-symbolize.
        let (mut mode, bad_mode) = pprof_symbolize::SymbolizeMode::parse_lenient(&s.symbolize);
        // Frames named from the `#` lines of debug=1 texts keep their
        // names; a binary names the rest (the leading runtime frames).
        mode.keep_named = s.text_frames;
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
        // A bad expression in the profile is ignored, as pprof's driver does.
        let _ = pprof_ops::remove_uninteresting(&mut p);
        pprof_symbolize::remote::unsource_mappings(&mut p);
        if !s.add_comment.is_empty() {
            let c = p.intern(&s.add_comment);
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
        if s.dialect.is_go119() {
            // go1.19's pprof made every report from a proto round trip of
            // the loaded profile (Profile.Copy).
            p.drop_unencodable_labels();
        }
        p.check_valid()?;
        Ok(Loaded {
            profile: p,
            notices,
        })
    }

    /// Loads the sources and writes the report `cmd` to `out`. Returns the
    /// notices for the user (load warnings, filters that matched nothing,
    /// ...).
    pub fn run(&self, cmd: &Command, out: &mut dyn Write) -> Result<Vec<String>> {
        let mut loaded = self.load_for(cmd)?;
        let mut notices = std::mem::take(&mut loaded.notices);
        notices.extend(crate::reporting::write_report(
            &loaded.profile,
            cmd,
            &self.settings,
            out,
        )?);
        Ok(notices)
    }

    /// Loads `addrs` on every core, merging each in order as soon as it and
    /// the ones before it are loaded (so decoding and merging overlap and
    /// each source is freed once merged). Sources whose types differ from
    /// the first one's fall back to pprof's unit reconciliation over what
    /// is left.
    fn grab(&self, addrs: &[String], st: &LoadState, compact_single: bool) -> Result<Grabbed> {
        /// Decoded sources that may wait for the merge at any time.
        const LOOKAHEAD: usize = 3;
        /// The largest number of samples to reserve room for up front.
        const MAX_HINT: usize = 1 << 22;
        let n = addrs.len();
        let dialect = self.settings.dialect;
        let mut g = Grabbed::default();
        let mut merger: Option<pprof_ops::StreamingMerge> = None;
        let mut single: Option<Profile> = None;
        let mut leftovers: Vec<Profile> = Vec::new();
        // Today's pprof: the first source loaded (and its index), until a
        // second one comes.
        let mut held: Option<(usize, Profile)> = None;
        let load = |i: usize| self.fetch_one(&addrs[i], st);
        let threads = pprof_fetch::ordered::default_threads();
        pprof_fetch::ordered::load_in_order(n, threads, LOOKAHEAD, load, |i, r| -> Result<()> {
            let mut p = match r {
                Ok(p) => p,
                Err(e) => {
                    g.failures.push(e);
                    return Ok(());
                }
            };
            g.count += 1;
            // Today's pprof never merges a lone source; go1.19's merge is
            // left out when the report cannot show it.
            if n == 1 && (dialect == Dialect::Go127 || (!compact_single && !merge_would_show(&p))) {
                single = Some(p);
                return Ok(());
            }
            if n == 1 && !compact_single && st.labels != pprof_model::LabelNeed::All {
                // A lone local file read without its labels for a report
                // that reads none, which go1.19's merge needs after all:
                // it tells samples apart by their labels. Read it again
                // with them (its messages were given the first time).
                match self.fetch_one(&addrs[i], &LoadState::default()) {
                    Ok(again) => p = again,
                    Err(e) => {
                        g.failures.push(e);
                        return Ok(());
                    }
                }
            }
            if !leftovers.is_empty() {
                leftovers.push(p);
                return Ok(());
            }
            if merger.is_none() {
                // Today's pprof merges only when two sources or more have
                // loaded: the first waits for a second one.
                let (first_at, first, second) = match held.take() {
                    None if dialect == Dialect::Go127 => {
                        held = Some((i, p));
                        return Ok(());
                    }
                    None => (i, p, None),
                    Some((at, first)) => (at, first, Some(p)),
                };
                let mut m = pprof_ops::StreamingMerge::new(&first);
                // Expect sources of about the first one's size; distinct
                // samples are most of a merge's memory.
                let hint = first.samples.len().saturating_mul(n - first_at);
                m.reserve(&first, hint.min(MAX_HINT));
                m.add_owned(first)?;
                merger = Some(m);
                match second {
                    Some(second) => p = second,
                    None => return Ok(()),
                }
            }
            if let Some(m) = merger.as_mut() {
                if m.accepts(&p).is_ok() {
                    m.add_owned(p)?;
                } else {
                    leftovers.push(p);
                }
            }
            Ok(())
        })?;
        if let Some((_, p)) = held {
            // The only source that loaded, read as it is.
            g.profile = Some(pprof_ops::combine_profiles(vec![p], dialect)?);
            return Ok(g);
        }
        if let Some(mut p) = single {
            if dialect == Dialect::Go127 {
                // Read as it is (pprof's combineProfiles of one profile).
                g.profile = Some(pprof_ops::combine_profiles(vec![p], dialect)?);
                return Ok(g);
            }
            // Without go1.19's merge, only the samples whose values are all
            // zero need to go, as the merge would drop them.
            p.samples.retain(|s| s.values.iter().any(|&v| v != 0));
            g.profile = Some(p);
            return Ok(g);
        }
        let merged = merger.map(pprof_ops::StreamingMerge::finish);
        g.profile = match merged {
            Some(m) if leftovers.is_empty() => Some(m),
            Some(m) => {
                leftovers.insert(0, m);
                Some(pprof_ops::combine_profiles(leftovers, dialect)?)
            }
            None => None,
        };
        Ok(g)
    }

    /// Loads one source: a URL over HTTP (with pprof's messages), anything
    /// else as a file.
    fn fetch_one(&self, addr: &str, st: &LoadState) -> pprof_fetch::Result<Profile> {
        use pprof_fetch::http::{self, FetchEvent};
        if let Some(r) = pprof_fetch::from_hook(addr) {
            return r;
        }
        let s = &self.settings;
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
        let secs = s.seconds.as_secs().map(saturating_i64);
        let timeout = s.timeout.as_secs().map(saturating_i64);
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
        let mut p = if st.labels == pprof_model::LabelNeed::All && !st.keep_records {
            pprof_fetch::fetch(addr, &self.fetch)?
        } else {
            let mut fetch = self.fetch.clone();
            fetch.labels = st.labels.clone();
            fetch.keep_records = st.keep_records;
            pprof_fetch::fetch(addr, &fetch)?
        };
        self.locate_binaries(&mut p, st);
        Ok(p)
    }

    /// pprof's `locateBinaries` (pprof-symbolize's loader): mappings take
    /// the binaries found on the search path, a profile without mappings
    /// gets one fake mapping, and the first mapping takes the binary and
    /// build ID given on the command line. Its warnings join the notices.
    /// The fields the dialect's pprof does not read are forgotten first
    /// (`Profile::restrict_to`).
    fn locate_binaries(&self, p: &mut Profile, st: &LoadState) {
        // What this pprof does not read from the file is not there.
        p.restrict_to(self.settings.dialect);
        let warnings = pprof_symbolize::loader::Loader::default().locate_binaries(
            p,
            self.sources.exec_name.as_deref(),
            Some(&self.settings.build_id),
        );
        if let Ok(mut q) = st.pending.lock() {
            q.extend(warnings.iter().map(ToString::to_string));
        }
    }

    /// The TLS options of remote sources.
    fn http_options(&self) -> pprof_fetch::http::HttpOptions {
        let s = &self.settings;
        let mut ho = pprof_fetch::http::HttpOptions::default();
        let path = |v: &str| (!v.is_empty()).then(|| std::path::PathBuf::from(v));
        ho.tls_cert = path(&s.tls_cert);
        ho.tls_key = path(&s.tls_key);
        ho.tls_ca = path(&s.tls_ca);
        // TLS files are read under the inputs' limit too.
        ho.max_body = ho.max_body.min(self.fetch.input_limit());
        ho
    }
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
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
    /// The labels local profile.proto sources keep (remote ones keep all:
    /// they are saved as fetched).
    labels: pprof_model::LabelNeed,
    /// Local sources keep their sample records.
    keep_records: bool,
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

/// Whether merging `p` alone (go1.19's pprof merged even a lone source)
/// would change what a report built from its call graph shows: when it
/// joins two mappings of one key (their locations move), drops a repeated
/// comment (reports print the comments), or may combine samples of
/// opposite signs or whose sum overflows (the total is a sum of each
/// sample's absolute value, taken after the merge).
fn merge_would_show(p: &Profile) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(p.comments.len());
    let repeats_a_comment = !p.comments.iter().all(|c| seen.insert(*c));
    repeats_a_comment || pprof_ops::merge_joins_mappings(p) || !sums_fit(p)
}

/// Whether every value of `p` is at least 0 and each value's sum over the
/// samples fits in an int64: then no merge of samples changes a sum of
/// absolute values.
fn sums_fit(p: &Profile) -> bool {
    let mut sums = vec![0u64; p.sample_types.len()];
    for s in p.samples.iter() {
        for (i, &v) in s.values.iter().enumerate() {
            let Ok(v) = u64::try_from(v) else {
                return false;
            };
            match sums.get_mut(i) {
                Some(sum) => *sum = sum.saturating_add(v),
                None => return false,
            }
        }
    }
    sums.iter().all(|&s| i64::try_from(s).is_ok())
}
