//! The web interface over one profile (`-http=host:port`), on today's
//! pprof's routes and query names.
//!
//! Views (under `/ui/`): `flamegraph` (the default), `graph`, `top`,
//! `peek`, `source`, `disasm`, `tags`, and `leak` when leak snapshots are
//! given ([`WebUi::with_snapshots`]: `pprof-tools leak`'s combined report,
//! leaks proven by the runtime first, then growth and wait-time suspects). Every setting is in the query
//! string with pprof's names (`f` focus, `i` ignore, `h` hide, `s` show,
//! `sf` show_from, `tf` tagfocus, `ti` tagignore, `si` sample index, `g`
//! granularity, `sort`, `n` nodecount, ...), so a view can be shared by
//! its URL. Other routes: `download` (the profile as `.pb.gz`),
//! `saveconfig?config=NAME&...` and `deleteconfig?config=NAME` (POST; the
//! named configurations of pprof's `settings.json`), `static/app.js`,
//! `static/app.css`, and `/favicon.ico`.
//!
//! # JSON API
//!
//! `/ui/api/<view>?<settings>` answers the data behind each view as JSON,
//! with the view page's query names; a bad setting is HTTP 400 with the
//! one-line message as `text/plain`.
//!
//! * `api/top`: `{"labels": [..], "total": N, "unit": "ms", "rows":
//!   [{"name", "inline", "flat", "flat_format", "cum", "cum_format"}]}`
//!   (values in the sample unit; up to 500 rows, like pprof's page).
//! * `api/graph`: `{"labels": [..], "notices": [..], "nodes": [names],
//!   "dot": "...", "svg": "..."}`; node `N<i>` of the DOT (SVG element
//!   id `node<i>`) is `nodes[i - 1]`.
//! * `api/flamegraph` (`callers=t` roots the tree at the leaves):
//!   `{"labels", "notices", "total", "diff": bool, "names": [..],
//!   "short": [..], "nodes": [[name, parent, cum, flat, cum_base], ..],
//!   "formatted": [[cum, flat], ..]}`; node 0 is the root, each node comes
//!   after its parent, siblings in name order; `short` is pprof's
//!   shortened name (package path removed).
//! * `api/peek`, `api/tags`, `api/disasm`: `{"labels", "notices",
//!   "text"}` (`f` names the functions of peek and disasm; disasm is
//!   `-disasm`'s text for the 50 functions with the largest flat values).
//! * `api/source` (pprof's weblist; `f` names the functions): `{"labels",
//!   "notices", "total", "unit", "messages": [binaries not read],
//!   "functions": [{"name", "file", "flat", "cum", "lines": [{"line",
//!   "text", "flat", "cum", "instructions": [{"address", "text", "flat",
//!   "cum", "file", "line"}]}]}]}` (the 50 files with the largest flat
//!   values; instructions where the binary was read).
//! * `api/leak` (with leak snapshots): `pprof-tools leak --json`'s report
//!   (suspects first).
//! * `api/settings`: `{"sample_types": [..], "configs": [{"name", "url"}],
//!   "params": {query name: option name}}`.
//!
//! [`WebUi::respond`] answers one request without any I/O but the settings
//! file, so the pages can be made and tested without a server; [`serve`]
//! runs the server (concurrent, on tokio).
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//! use pprof_web::WebUi;
//!
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.work", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 3)]);
//! b.sample(&[l], &[5]);
//! let ui = WebUi::new(b.build(), pprof_driver::Settings::default());
//! let page = ui.respond("/ui/top?f=work");
//! assert_eq!(page.status, 200);
//! assert!(String::from_utf8_lossy(&page.body).contains("main.work"));
//! assert_eq!(ui.respond("/ui/top?f=(").status, 400);
//! ```

#![deny(missing_docs)]

mod backend;
mod page;
mod server;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use pprof_model::Profile;

use pprof_driver::settings::Settings;
use pprof_driver::value::Syntax;
use pprof_driver::OutputFormat;

pub use server::{serve, split_host_port, ServeError, Started};

/// One answer of the web interface.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Other headers (`Location`, `Content-Disposition`).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The part of the body made while it is sent (a large text report),
    /// after `body`.
    rest: Option<Rest>,
}

/// The rest of a text view's page, made in parts of about a megabyte as
/// they are sent, so that the page of a report of hundreds of megabytes
/// is never held whole.
#[derive(Clone, Debug)]
struct Rest {
    computed: Arc<Computed>,
    /// The page after the report.
    tail: String,
}

impl PartialEq for Rest {
    fn eq(&self, other: &Rest) -> bool {
        Arc::ptr_eq(&self.computed, &other.computed) && self.tail == other.tail
    }
}

impl Eq for Rest {}

/// Bytes of markup in each part of a [`Rest`].
const PART: usize = 1 << 20;

impl Rest {
    /// The parts, each shown like [`Response::text`].
    fn parts(self) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
        let mut pos = 0;
        let mut tail = Some(self.tail);
        let computed = self.computed;
        std::iter::from_fn(move || {
            let text = match &computed.content {
                Content::Text(text) => text.as_str(),
                Content::Page { .. } => "",
            };
            let mut out = String::new();
            if pos < text.len() {
                pos = page::text_lines(text, pos, PART, &mut out);
                if pos >= text.len() {
                    out.push_str(page::TEXT_END);
                }
            } else {
                out.push_str(&tail.take()?);
            }
            Some(shown(out))
        })
    }
}

/// A page or JSON: a byte of the profile that is not UTF-8 (held as a
/// private-use character, see `pprof_model::strings`) shows as U+FFFD, as
/// in pprof's pages.
fn shown(text: String) -> Vec<u8> {
    match pprof_model::strings::lossy(&text) {
        std::borrow::Cow::Borrowed(_) => text.into_bytes(),
        std::borrow::Cow::Owned(shown) => shown.into_bytes(),
    }
}

impl Response {
    /// A page or JSON, [`shown`].
    fn text(status: u16, content_type: &'static str, text: String) -> Response {
        Response::new(status, content_type, shown(text))
    }

    /// The whole body, made now.
    fn finish(mut self) -> Response {
        if let Some(rest) = self.rest.take() {
            for part in rest.parts() {
                self.body.extend_from_slice(&part);
            }
        }
        self
    }

    /// The body in parts: `body`, then the rest as it is made.
    pub(crate) fn into_parts(self) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
        std::iter::once(self.body).chain(self.rest.into_iter().flat_map(Rest::parts))
    }

    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
            rest: None,
        }
    }

    fn html(body: String) -> Response {
        Response::text(200, "text/html; charset=utf-8", body)
    }

    fn json(body: String) -> Response {
        Response::text(200, "application/json", body)
    }

    /// A plain-text error: the one-line message and a newline.
    fn error(status: u16, message: &str) -> Response {
        let line = message.replace('\n', " ");
        Response::text(status, "text/plain; charset=utf-8", format!("{line}\n"))
    }

    fn redirect(status: u16, to: String) -> Response {
        let mut r = Response::new(status, "text/plain; charset=utf-8", Vec::new());
        r.headers.push(("Location", to));
        r
    }
}

/// The views, in the menu's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum View {
    Flame,
    Graph,
    Top,
    Peek,
    Source,
    Disasm,
    Tags,
    Leak,
}

impl View {
    const ALL: [View; 8] = [
        View::Flame,
        View::Graph,
        View::Top,
        View::Peek,
        View::Source,
        View::Disasm,
        View::Tags,
        View::Leak,
    ];

    /// The path under `/ui/`.
    fn path(self) -> &'static str {
        match self {
            View::Flame => "flamegraph",
            View::Graph => "graph",
            View::Top => "top",
            View::Peek => "peek",
            View::Source => "source",
            View::Disasm => "disasm",
            View::Tags => "tags",
            View::Leak => "leak",
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Flame => "Flame Graph",
            View::Graph => "Graph",
            View::Top => "Top",
            View::Peek => "Peek",
            View::Source => "Source",
            View::Disasm => "Disassemble",
            View::Tags => "Tags",
            View::Leak => "Leak",
        }
    }

    fn from_path(path: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.path() == path)
    }

    /// Cheap views that must answer while expensive ones are computed.
    fn is_light(self) -> bool {
        matches!(self, View::Tags | View::Leak)
    }
}

/// What a view computed, once for each (view, settings).
#[derive(Debug)]
struct Computed {
    content: Content,
    /// Legend lines (`File: x`, `Type: cpu`) for the header.
    legend: Vec<String>,
    notices: Vec<String>,
}

/// A view's result.
#[derive(Debug)]
enum Content {
    /// The part of the page between the header and the end, and the JSON
    /// of `api/<view>`, made together.
    Page { body: String, json: String },
    /// A text report (peek, tags, disassembly), kept once: its markup and
    /// JSON are made from it for each answer (peek on a large profile is
    /// hundreds of megabytes of text).
    Text(String),
}

impl Computed {
    /// The JSON of `api/<view>`.
    fn json(&self) -> String {
        match &self.content {
            Content::Page { json, .. } => json.clone(),
            Content::Text(text) => serde_json::json!({"labels": self.legend,
                "notices": self.notices, "text": text})
            .to_string(),
        }
    }

    /// Appends the part of the page between the header and the end.
    fn write_body(&self, out: &mut String) {
        match &self.content {
            Content::Page { body, .. } => out.push_str(body),
            Content::Text(text) => page::text_body(text, out),
        }
    }
}

type Outcome = Result<Arc<Computed>, String>;

/// One cache entry: filled once, by the first request that needs it.
type Slot = Arc<OnceLock<Outcome>>;

/// Results by (view, settings), computed once: concurrent requests for
/// the same key wait for the first one; the oldest entries go first.
struct Cache {
    entries: Mutex<(HashMap<String, Slot>, VecDeque<String>)>,
}

/// Entries kept.
const CACHE_ENTRIES: usize = 64;

impl Cache {
    fn slot(&self, key: &str) -> Slot {
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        if let Some(s) = map.get(key) {
            return s.clone();
        }
        let slot = Arc::new(OnceLock::new());
        map.insert(key.to_string(), slot.clone());
        order.push_back(key.to_string());
        while order.len() > CACHE_ENTRIES {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        slot
    }
}

/// A counting semaphore: at most one expensive view per core but one is
/// computed at once, so that cheap ones still answer at once.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Permits {
    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut n = self.free.lock().unwrap_or_else(|e| e.into_inner());
            while *n == 0 {
                n = self.freed.wait(n).unwrap_or_else(|e| e.into_inner());
            }
            *n -= 1;
        }
        struct Release<'a>(&'a Permits);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                let mut n = self.0.free.lock().unwrap_or_else(|e| e.into_inner());
                *n += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
}

/// The web interface over one loaded profile.
pub struct WebUi {
    profile: Profile,
    base: Settings,
    title: String,
    sample_types: Vec<String>,
    settings_file: Option<PathBuf>,
    cache: Cache,
    permits: Permits,
    download: OnceLock<Vec<u8>>,
    /// The leak analysis of the snapshots, for the leak view.
    leak: Option<pprof_leak::Report>,
}

impl WebUi {
    /// Pages over `profile`, with `settings` as the starting settings (the
    /// command line's filters and options). Named configurations are kept
    /// in pprof's `settings.json` (`$XDG_CONFIG_HOME/pprof`, or
    /// `~/.config/pprof`). As in pprof, whose pages are made from a proto
    /// round trip of the loaded profile, the labels profile.proto cannot
    /// carry are dropped (a legacy heap record's `bytes` label of 0).
    pub fn new(mut profile: Profile, settings: Settings) -> WebUi {
        profile.drop_unencodable_labels();
        let title = profile
            .mappings
            .first()
            .map(|m| pprof_model::gofmt::path_base(profile.str(m.file)).to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "pprof-tools".to_string());
        let sample_types = profile
            .sample_types
            .iter()
            .map(|st| profile.str(st.r#type).to_string())
            .collect();
        // Expensive views share all cores but one, which stays free for
        // cheap views (tags...) however many graphs are being made.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let heavy = cores.saturating_sub(1).max(1);
        WebUi {
            profile,
            base: settings,
            title,
            sample_types,
            settings_file: default_settings_file(),
            cache: Cache {
                entries: Mutex::new((HashMap::new(), VecDeque::new())),
            },
            permits: Permits {
                free: Mutex::new(heavy),
                freed: Condvar::new(),
            },
            download: OnceLock::new(),
            leak: None,
        }
    }

    /// Adds the leak view over `snapshots` of one program (goroutine,
    /// goroutine leak and heap profiles, goroutine `debug=2` dumps): the
    /// view is there when `pprof-tools leak` would make a report of them
    /// (one goroutine leak profile or dump is enough; growth needs two
    /// snapshots of a kind).
    pub fn with_snapshots(mut self, snapshots: Vec<Profile>) -> WebUi {
        self.leak = pprof_leak::analyze(&snapshots, &pprof_leak::Options::default()).ok();
        self
    }

    /// The views this interface shows.
    fn views(&self) -> impl Iterator<Item = View> + '_ {
        View::ALL
            .into_iter()
            .filter(|v| *v != View::Leak || self.leak.is_some())
    }

    /// Keeps named configurations in `path` instead of pprof's
    /// `settings.json` (`None`: no configurations).
    pub fn with_settings_file(mut self, path: Option<PathBuf>) -> WebUi {
        self.settings_file = path;
        self
    }

    /// Answers a GET of `target` (a path with its query string).
    pub fn respond(&self, target: &str) -> Response {
        self.respond_to("GET", target)
    }

    /// Answers a request: `method` is `GET`, `HEAD` (the GET answer; the
    /// server leaves the body out) or `POST` (configurations).
    pub fn respond_to(&self, method: &str, target: &str) -> Response {
        self.answer(method, target).finish()
    }

    /// Like [`WebUi::respond_to`], but the page of a text view is made as
    /// it is sent ([`Response::into_parts`]).
    pub(crate) fn answer(&self, method: &str, target: &str) -> Response {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let keep_query = |to: &str| {
            if query.is_empty() {
                to.to_string()
            } else {
                format!("{to}?{query}")
            }
        };
        let post = method == "POST";
        if method != "GET" && method != "HEAD" && !post {
            return Response::error(405, "method not allowed");
        }
        let write_route = matches!(path, "/ui/saveconfig" | "/ui/deleteconfig");
        if post != write_route {
            return Response::error(405, "method not allowed");
        }
        match path {
            "/" | "/ui" => Response::redirect(307, keep_query("/ui/")),
            "/ui/" | "/ui/flamegraph2" | "/ui/flamegraphold" => {
                Response::redirect(301, keep_query("flamegraph"))
            }
            "/favicon.ico" => Response::new(200, "image/svg+xml", page::FAVICON),
            "/ui/static/app.js" => {
                Response::new(200, "text/javascript; charset=utf-8", page::APP_JS)
            }
            "/ui/static/app.css" => Response::new(200, "text/css; charset=utf-8", page::APP_CSS),
            "/ui/download" => {
                let data = self.download.get_or_init(|| backend::encode(&self.profile));
                let mut r =
                    Response::new(200, "application/vnd.google.protobuf+gzip", data.clone());
                r.headers.push((
                    "Content-Disposition",
                    "attachment;filename=profile.pb.gz".to_string(),
                ));
                r
            }
            "/ui/saveconfig" => self.save_config(&params),
            "/ui/deleteconfig" => self.delete_config(&params),
            "/ui/api/settings" => Response::json(self.settings_json(&params)),
            _ => {
                let (api, name) = match path.strip_prefix("/ui/api/") {
                    Some(name) => (true, name),
                    None => (false, path.strip_prefix("/ui/").unwrap_or("")),
                };
                let Some(view) = View::from_path(name).filter(|v| self.views().any(|w| w == *v))
                else {
                    return Response::error(404, "404 page not found");
                };
                let req = match backend::request(&self.base, &params) {
                    Ok(r) => r,
                    Err(e) => return Response::error(400, &e),
                };
                let callers = view == View::Flame && is_true(param(&params, "callers"));
                match self.computed(view, &req, callers) {
                    Err(e) => Response::error(400, &e),
                    Ok(c) if api => Response::json(c.json()),
                    Ok(c) => {
                        let (mut head, tail) = page::page(self, view, &req, &params, &c);
                        if matches!(c.content, Content::Text(_)) {
                            head.push_str(page::TEXT_START);
                            let mut r = Response::html(head);
                            r.rest = Some(Rest { computed: c, tail });
                            r
                        } else {
                            c.write_body(&mut head);
                            head.push_str(&tail);
                            Response::html(head)
                        }
                    }
                }
            }
        }
    }

    /// The view's result for these settings, from the cache or made now.
    fn computed(&self, view: View, req: &backend::Request, callers: bool) -> Outcome {
        let mut key = format!("{}?", view.path());
        for (k, v) in &req.params {
            key.push_str(&form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>());
            key.push('=');
            key.push_str(&form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
            key.push('&');
        }
        if callers {
            key.push_str("callers");
        }
        let slot = self.cache.slot(&key);
        slot.get_or_init(|| {
            let make = || self.make(view, &req.config, callers).map(Arc::new);
            if view.is_light() {
                make()
            } else {
                self.permits.run(make)
            }
        })
        .clone()
    }

    fn make(&self, view: View, cfg: &Settings, callers: bool) -> Result<Computed, String> {
        match view {
            View::Flame => page::flame(backend::flame(&self.profile, cfg, callers)?),
            View::Graph => page::graph(backend::graph(&self.profile, cfg)?),
            View::Top => {
                let mut cfg = cfg.clone();
                // pprof's page shows up to 500 rows.
                cfg.node_count = 500;
                page::top(backend::text(
                    &self.profile,
                    OutputFormat::Top,
                    None,
                    &cfg,
                    true,
                )?)
            }
            View::Peek => {
                let mut cfg = cfg.clone();
                cfg.granularity = pprof_driver::Granularity::Lines;
                let re = backend::functions_of(&cfg);
                let made = backend::text(&self.profile, OutputFormat::Peek, Some(re), &cfg, false)?;
                Ok(page::text(made))
            }
            View::Source => Ok(page::source(backend::source(&self.profile, cfg)?)),
            View::Tags => Ok(page::text(backend::text(
                &self.profile,
                OutputFormat::Tags,
                None,
                cfg,
                false,
            )?)),
            View::Disasm => Ok(page::text(backend::disasm(&self.profile, cfg)?)),
            View::Leak => match &self.leak {
                Some(report) => Ok(page::leak(report)),
                None => Err("no leak snapshots".to_string()),
            },
        }
    }

    fn settings_json(&self, params: &[(String, String)]) -> String {
        let configs: Vec<serde_json::Value> = self
            .configs(params)
            .into_iter()
            .map(|(name, url, _)| serde_json::json!({"name": name, "url": url}))
            .collect();
        let map: serde_json::Map<String, serde_json::Value> = backend::url_params()
            .map(|(p, o)| (p.to_string(), serde_json::Value::from(o)))
            .collect();
        serde_json::json!({
            "sample_types": self.sample_types,
            "configs": configs,
            "params": map,
        })
        .to_string()
    }

    /// The configuration menu: (name, query that applies it, is the
    /// current one). The first is pprof's "Default".
    fn configs(&self, params: &[(String, String)]) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let mut all = vec![("Default".to_string(), Settings::default())];
        if let Some(file) = &self.settings_file {
            if let Ok(list) = config::read(file) {
                all.extend(list);
            }
        }
        for (name, settings) in all {
            let mut q: Vec<(String, String)> = params
                .iter()
                .filter(|(k, _)| {
                    !backend::url_params().any(|(p, o)| p == k && backend::is_saved(o))
                })
                .cloned()
                .collect();
            let default = Settings::default();
            for (p, o) in backend::url_params() {
                if !backend::is_saved(o) {
                    continue;
                }
                let v = settings.text(o).unwrap_or_default();
                if Some(v.clone()) != default.text(o) {
                    let v = match v.as_str() {
                        "true" => "t".to_string(),
                        "false" => "f".to_string(),
                        _ => v,
                    };
                    q.push((p.to_string(), v));
                }
            }
            let mut a: Vec<&(String, String)> = q.iter().collect();
            let mut b: Vec<&(String, String)> =
                params.iter().filter(|(_, v)| !v.is_empty()).collect();
            a.sort();
            b.sort();
            let current = a == b;
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(q.iter())
                .finish();
            out.push((name, format!("?{query}"), current));
        }
        out
    }

    fn save_config(&self, params: &[(String, String)]) -> Response {
        let Some(file) = &self.settings_file else {
            return Response::error(400, "no settings file");
        };
        let name = param(params, "config");
        if name.is_empty() {
            return Response::error(400, "invalid config name");
        }
        let req = match backend::request(&self.base, params) {
            Ok(r) => r,
            Err(e) => return Response::error(400, &e),
        };
        let mut settings = self.base.clone();
        for (p, v) in &req.params {
            if let Some((_, o)) = backend::url_params().find(|(q, _)| q == p) {
                let _ = settings.set(o, v, Syntax::Config);
            }
        }
        match config::save(file, name, &settings) {
            Ok(()) => Response::new(200, "text/plain; charset=utf-8", Vec::new()),
            Err(e) => Response::error(400, &e),
        }
    }

    fn delete_config(&self, params: &[(String, String)]) -> Response {
        let Some(file) = &self.settings_file else {
            return Response::error(400, "no settings file");
        };
        match config::delete(file, param(params, "config")) {
            Ok(()) => Response::new(200, "text/plain; charset=utf-8", Vec::new()),
            Err(e) => Response::error(400, &e),
        }
    }
}

/// The first value of query parameter `k`, or "".
fn param<'a>(params: &'a [(String, String)], k: &str) -> &'a str {
    params
        .iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

fn is_true(v: &str) -> bool {
    matches!(v, "t" | "true" | "1" | "y" | "yes")
}

/// pprof's settings file: `os.UserConfigDir()/pprof/settings.json`.
fn default_settings_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(dir.join("pprof").join("settings.json"))
}

/// pprof's `settings.json`: `{"configs": [{"name": .., <option>: ..}]}`,
/// options under their pprof names, left out when zero (Go's
/// `omitempty`); unknown fields are kept.
mod config {
    use std::path::Path;

    use serde_json::{Map, Value};

    use super::backend::saved;
    use pprof_driver::settings::Settings;
    use pprof_driver::value::Syntax;

    fn load(file: &Path) -> Result<Map<String, Value>, String> {
        match std::fs::read(file) {
            Ok(data) => match serde_json::from_slice::<Value>(&data) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(_) => Err("could not parse settings: not an object".to_string()),
                Err(e) => Err(format!("could not parse settings: {e}")),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
            Err(e) => Err(format!("could not read settings: {e}")),
        }
    }

    fn store(file: &Path, m: Map<String, Value>) -> Result<(), String> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("failed to create settings directory: {e}"))?;
        }
        let text = serde_json::to_string_pretty(&Value::Object(m))
            .map_err(|e| format!("could not encode settings: {e}"))?;
        std::fs::write(file, text).map_err(|e| format!("failed to write settings: {e}"))
    }

    fn list(m: &Map<String, Value>) -> Vec<Value> {
        match m.get("configs") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        }
    }

    /// The named configurations of the file. A field that is missing
    /// takes Go's zero value, as pprof reads it.
    pub(super) fn read(file: &Path) -> Result<Vec<(String, Settings)>, String> {
        let m = load(file)?;
        let mut out = Vec::new();
        for c in list(&m) {
            let Some(obj) = c.as_object() else { continue };
            let name = obj.get("name").and_then(Value::as_str).unwrap_or("");
            let mut s = Settings::default();
            for opt in saved() {
                let text = match obj.get(opt) {
                    Some(Value::String(v)) => v.clone(),
                    Some(Value::Bool(b)) => b.to_string(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => zero(&s, opt),
                };
                if text.is_empty() && matches!(opt, "sort" | "granularity" | "unit") {
                    continue;
                }
                let _ = s.set(opt, &text, Syntax::Config);
            }
            out.push((name.to_string(), s));
        }
        Ok(out)
    }

    /// Go's zero value of an option, as text.
    fn zero(s: &Settings, opt: &str) -> String {
        match s.text(opt).as_deref() {
            Some("true") | Some("false") => "false".to_string(),
            Some(v) if v.parse::<f64>().is_ok() => "0".to_string(),
            _ => String::new(),
        }
    }

    /// Saves `settings` as configuration `name` (replacing one of that name).
    pub(super) fn save(file: &Path, name: &str, settings: &Settings) -> Result<(), String> {
        let mut m = load(file)?;
        let mut entry = Map::new();
        entry.insert("name".to_string(), Value::from(name));
        for opt in saved() {
            let v = settings.text(opt).unwrap_or_default();
            let value = match v.as_str() {
                "true" => Value::Bool(true),
                "false" | "" | "0" => continue,
                _ => match v.parse::<i64>() {
                    Ok(i) => Value::from(i),
                    Err(_) => match v.parse::<f64>() {
                        Ok(f) => Value::from(f),
                        Err(_) => Value::from(v),
                    },
                },
            };
            entry.insert(opt.to_string(), value);
        }
        let mut configs = list(&m);
        match configs
            .iter_mut()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(c) => *c = Value::Object(entry),
            None => configs.push(Value::Object(entry)),
        }
        m.insert("configs".to_string(), Value::Array(configs));
        store(file, m)
    }

    /// Removes configuration `name`.
    pub(super) fn delete(file: &Path, name: &str) -> Result<(), String> {
        let mut m = load(file)?;
        let mut configs = list(&m);
        let before = configs.len();
        configs.retain(|c| c.get("name").and_then(Value::as_str) != Some(name));
        if configs.len() == before {
            return Err(format!("config {name:?} not found"));
        }
        m.insert("configs".to_string(), Value::Array(configs));
        store(file, m)
    }
}

#[cfg(test)]
mod tests;
