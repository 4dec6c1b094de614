//! A web interface over one profile (`-http=host:port`), like pprof's:
//! the call graph, the top table, a flame graph, peek, source listings
//! and tags, each refined by the filters in the page's form (the query
//! string uses pprof's names: `f` focus, `i` ignore, `h` hide, `s` show,
//! `sf` show_from, `tf` tagfocus, `ti` tagignore, `si` sample index).
//!
//! [`WebUi::respond`] answers one request path without any I/O, so the
//! pages can be made and tested without a server; [`serve`] runs the
//! server.
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//! use pprof_tools::web::WebUi;
//!
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.work", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 3)]);
//! b.sample(&[l], &[5]);
//! let ui = WebUi::new(b.build(), pprof_tools::Config::default());
//! let page = ui.respond("/ui/top?f=work");
//! assert_eq!(page.status, 200);
//! assert!(String::from_utf8_lossy(&page.body).contains("main.work"));
//! ```

use pprof_model::Profile;

use crate::{Command, Config, OutputFormat};

/// One answer of the web interface.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn html(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
        }
    }
}

/// The pages of the web interface, in the menu's order: path, title.
const VIEWS: &[(&str, &str)] = &[
    ("/ui/", "Graph"),
    ("/ui/top", "Top"),
    ("/ui/flamegraph", "Flame Graph"),
    ("/ui/peek", "Peek"),
    ("/ui/source", "Source"),
    ("/ui/tags", "Tags"),
];

/// Query parameters that carry filters, with their form labels.
const FILTERS: &[(&str, &str)] = &[
    ("f", "focus"),
    ("i", "ignore"),
    ("h", "hide"),
    ("s", "show"),
    ("sf", "show_from"),
    ("tf", "tagfocus"),
    ("ti", "tagignore"),
];

/// The web interface over one loaded profile.
pub struct WebUi {
    profile: Profile,
    config: Config,
    title: String,
}

impl WebUi {
    /// Pages over `profile`, with `config` as the starting settings (the
    /// command line's filters and options).
    pub fn new(profile: Profile, config: Config) -> WebUi {
        let title = profile
            .mappings
            .first()
            .map(|m| pprof_model::gofmt::path_base(profile.str(m.file)).to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "pprof-tools".to_string());
        WebUi {
            profile,
            config,
            title,
        }
    }

    /// Answers a GET of `target` (a path with its query string).
    pub fn respond(&self, target: &str) -> Response {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let param = |k: &str| {
            params
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        match path {
            "/" | "/ui" => Response {
                status: 302,
                content_type: "text/plain; charset=utf-8",
                body: b"/ui/".to_vec(),
            },
            "/ui/" | "/ui/top" | "/ui/flamegraph" | "/ui/peek" | "/ui/source" | "/ui/tags"
            | "/ui/graph.svg" | "/ui/flamegraph.svg" => {
                let mut cfg = self.config.clone();
                for (key, _) in FILTERS {
                    if let Some(v) = param(key) {
                        set_filter(&mut cfg, key, v);
                    }
                }
                if let Some(si) = param("si") {
                    cfg.sample_index = si.to_string();
                }
                let focus = param("f").unwrap_or("").to_string();
                let suffix = query_suffix(&params);
                match self.view(path, cfg, &focus, &suffix) {
                    View::Svg(svg) => Response {
                        status: 200,
                        content_type: "image/svg+xml",
                        body: svg,
                    },
                    View::Html(body) => {
                        Response::html(200, self.page(path, &params, &suffix, body))
                    }
                }
            }
            _ => Response {
                status: 404,
                content_type: "text/plain; charset=utf-8",
                body: format!("404 page not found: {path}\n").into_bytes(),
            },
        }
    }

    /// One view: a page body (a report, or the error it gave), or an SVG
    /// document (`*.svg` paths, embedded by the graph and flame pages so
    /// that their scripts run in their own document).
    fn view(&self, path: &str, cfg: Config, focus: &str, suffix: &str) -> View {
        // Peek and source list what the focus expression names.
        let symbol = || Some(if focus.is_empty() { "." } else { focus }.to_string());
        let (format, regexp) = match path {
            "/ui/" | "/ui/graph.svg" => (OutputFormat::Svg, None),
            "/ui/top" => (OutputFormat::Top, None),
            "/ui/flamegraph" | "/ui/flamegraph.svg" => (OutputFormat::Flame, None),
            "/ui/peek" => (OutputFormat::Peek, symbol()),
            "/ui/source" => (OutputFormat::List, symbol()),
            _ => (OutputFormat::Tags, None),
        };
        let cmd = Command { format, regexp };
        let mut out = Vec::new();
        let made = crate::reporting::generate(self.profile.clone(), &cmd, &cfg, false, &mut out);
        if path.ends_with(".svg") {
            return View::Svg(match made {
                Ok(_) => out,
                Err(e) => error_svg(&e.to_string()).into_bytes(),
            });
        }
        let notices = match made {
            Ok(n) => n,
            Err(e) => {
                return View::Html(format!("<p class=\"error\">{}</p>", escape(&e.to_string())))
            }
        };
        let mut body = String::new();
        for n in notices {
            body.push_str(&format!("<p class=\"notice\">{}</p>\n", escape(&n)));
        }
        match format {
            OutputFormat::Svg | OutputFormat::Flame => {
                let (src, class) = if format == OutputFormat::Svg {
                    ("/ui/graph.svg", "graph")
                } else {
                    ("/ui/flamegraph.svg", "flame")
                };
                body.push_str(&format!(
                    "<object type=\"image/svg+xml\" class=\"{class}\" data=\"{src}{}\"></object>",
                    escape(suffix)
                ));
            }
            _ => body.push_str(&format!(
                "<pre>{}</pre>",
                escape(&String::from_utf8_lossy(&out))
            )),
        }
        View::Html(body)
    }

    /// The page around a view: menu, filter form, content.
    fn page(&self, path: &str, params: &[(String, String)], suffix: &str, body: String) -> String {
        let mut menu = String::new();
        for (href, name) in VIEWS {
            let class = if *href == path {
                " class=\"current\""
            } else {
                ""
            };
            menu.push_str(&format!(
                "<a href=\"{href}{}\"{class}>{name}</a>\n",
                escape(suffix)
            ));
        }
        let value = |k: &str| {
            params
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map_or(String::new(), |(_, v)| escape(v))
        };
        let mut form = String::new();
        for (key, label) in FILTERS {
            form.push_str(&format!(
                "<label>{label} <input name=\"{key}\" value=\"{}\" size=\"14\"></label>\n",
                value(key)
            ));
        }
        let chosen = value("si");
        let mut select = String::from(
            "<label>sample <select name=\"si\">\n<option value=\"\">default</option>\n",
        );
        for st in &self.profile.sample_types {
            let name = escape(self.profile.str(st.r#type));
            let sel = if name == chosen { " selected" } else { "" };
            select.push_str(&format!("<option{sel}>{name}</option>\n"));
        }
        select.push_str("</select></label>\n");
        let title = escape(&self.title);
        let view = VIEWS
            .iter()
            .find(|(h, _)| *h == path)
            .map_or("", |(_, n)| n);
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n\
             <title>{title} {view}</title>\n<style>{STYLE}</style></head>\n<body>\n\
             <header><b>{title}</b>\n<nav>{menu}</nav>\n\
             <form method=\"get\" action=\"{path}\">\n{form}{select}\
             <button type=\"submit\">Refine</button> <a href=\"{path}\">Reset</a></form></header>\n\
             <main>\n{body}\n</main>\n</body></html>\n"
        )
    }
}

/// What a view makes.
enum View {
    /// A page body.
    Html(String),
    /// An SVG document.
    Svg(Vec<u8>),
}

/// `?query` with the non-empty parameters, or nothing.
fn query_suffix(params: &[(String, String)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    }
}

/// A small SVG document that shows an error.
fn error_svg(message: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"40\">\
         <text x=\"10\" y=\"25\" fill=\"#b00\">{}</text></svg>\n",
        escape(message)
    )
}

const STYLE: &str = "body{font-family:sans-serif;margin:0}\
header{background:#205080;color:#fff;padding:6px 10px}\
header a{color:#fff;margin-right:10px}header a.current{font-weight:bold;text-decoration:none}\
nav{display:inline;margin-left:16px}form{margin-top:6px;font-size:90%}\
form label{margin-right:8px}main{padding:8px}pre{font-size:13px}\
.error{color:#b00}.notice{color:#555}\
object.graph{width:100%;height:85vh;border:0}object.flame{width:100%;height:85vh;border:0}";

/// Sets the filter that query key `key` carries.
fn set_filter(cfg: &mut Config, key: &str, value: &str) {
    let v = value.to_string();
    match key {
        "f" => cfg.focus = v,
        "i" => cfg.ignore = v,
        "h" => cfg.hide = v,
        "s" => cfg.show = v,
        "sf" => cfg.show_from = v,
        "tf" => cfg.tag_focus = v,
        _ => cfg.tag_ignore = v,
    }
}

use pprof_model::gofmt::xml_escape as escape;

/// Errors of [`serve`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be listened on.
    #[error("listen on {addr}: {message}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        message: String,
    },
}

/// Serves `ui` on `addr` (pprof's `-http` value: `host:port`, `:port`
/// for localhost, port 0 for any free port) until the process ends.
/// `ready` gets the URL once the server listens.
pub fn serve(ui: WebUi, addr: &str, ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "0"));
    let host = if host.is_empty() { "localhost" } else { host };
    let listen = format!("{host}:{port}");
    let server = tiny_http::Server::http(&listen).map_err(|e| ServeError::Listen {
        addr: listen.clone(),
        message: e.to_string(),
    })?;
    let port = server
        .server_addr()
        .to_ip()
        .map_or_else(|| port.to_string(), |a| a.port().to_string());
    ready(&format!("http://{host}:{port}"));
    for request in server.incoming_requests() {
        let answer = if *request.method() == tiny_http::Method::Get {
            ui.respond(request.url())
        } else {
            Response {
                status: 405,
                content_type: "text/plain; charset=utf-8",
                body: b"method not allowed\n".to_vec(),
            }
        };
        let mut response =
            tiny_http::Response::from_data(answer.body.clone()).with_status_code(answer.status);
        if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", answer.content_type) {
            response.add_header(h);
        }
        if answer.status == 302 {
            let to = String::from_utf8_lossy(&answer.body).into_owned();
            if let Ok(h) = tiny_http::Header::from_bytes("Location", to) {
                response.add_header(h);
            }
        }
        // A client that went away is not an error of the server.
        let _ = request.respond(response);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::build::ProfileBuilder;

    fn ui() -> WebUi {
        let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
        b.period("cpu", "nanoseconds", 10_000_000);
        let bin = b.mapping("/srv/bin/webdemo", 0x400000, 0x800000);
        let main = b.function("main.main", "webdemo/main.go", 10);
        let work = b.function("main.work", "webdemo/main.go", 20);
        let sort = b.function("sort.Sort", "sort/sort.go", 30);
        let lm = b.location(Some(bin), 0x401000, &[(main, 12)]);
        let lw = b.location(Some(bin), 0x402000, &[(work, 22)]);
        let ls = b.location(Some(bin), 0x403000, &[(sort, 33)]);
        b.labelled_sample(&[ls, lw, lm], &[7, 70_000_000], &[("worker", "a")]);
        b.labelled_sample(&[lw, lm], &[3, 30_000_000], &[("worker", "b")]);
        WebUi::new(b.build(), Config::default())
    }

    fn text(r: &Response) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[test]
    fn every_view_answers_with_its_report() {
        let ui = ui();
        let top = ui.respond("/ui/top");
        assert_eq!(
            (top.status, top.content_type),
            (200, "text/html; charset=utf-8")
        );
        let t = text(&top);
        assert!(t.contains("File: webdemo"), "{t}");
        assert!(t.contains("flat  flat%   sum%        cum   cum%"), "{t}");
        assert!(t.contains("main.work"), "{t}");
        // The menu links every view; the current one is marked.
        for (href, name) in VIEWS {
            assert!(t.contains(&format!("href=\"{href}\"")), "{href}");
            assert!(t.contains(name));
        }
        assert!(t.contains("<a href=\"/ui/top\" class=\"current\">Top</a>"));

        let graph = text(&ui.respond("/ui/"));
        assert!(graph
            .contains("<object type=\"image/svg+xml\" class=\"graph\" data=\"/ui/graph.svg\">"));
        let svg = ui.respond("/ui/graph.svg");
        assert_eq!(svg.content_type, "image/svg+xml");
        assert!(text(&svg).contains("<svg"));
        assert!(text(&svg).contains("main.work") || text(&svg).contains("work"));
        let flame = ui.respond("/ui/flamegraph.svg");
        assert!(text(&flame).contains("sort.Sort"));

        let source = text(&ui.respond("/ui/source?f=main.work"));
        assert!(
            source.contains("ROUTINE ======================== main.work"),
            "{source}"
        );
        let peek = text(&ui.respond("/ui/peek?f=main.work"));
        assert!(peek.contains("sort.Sort"), "{peek}");
        let tags = text(&ui.respond("/ui/tags"));
        assert!(tags.contains("worker: Total"), "{tags}");
    }

    #[test]
    fn filters_come_from_the_query_and_stay_in_the_links() {
        let ui = ui();
        let t = text(&ui.respond("/ui/top?f=sort&si=samples"));
        assert!(t.contains("focus=sort"), "{t}");
        assert!(t.contains("Type: samples"), "{t}");
        assert!(
            t.contains("Showing nodes accounting for 7, 70.00% of 10 total"),
            "{t}"
        );
        assert!(t.contains("href=\"/ui/?f=sort&amp;si=samples\""), "{t}");
        assert!(t.contains("<input name=\"f\" value=\"sort\""));
        assert!(t.contains("<option selected>samples</option>"));
        // Text is escaped.
        let t = text(&ui.respond("/ui/top?h=%3Cb%3E"));
        assert!(t.contains("value=\"&lt;b&gt;\""), "{t}");
        assert!(!t.contains("<b><"));
    }

    #[test]
    fn errors_and_unknown_paths() {
        let ui = ui();
        let bad = ui.respond("/ui/top?f=(");
        assert_eq!(bad.status, 200);
        assert!(text(&bad).contains(
            "<p class=\"error\">parsing focus regexp: error parsing regexp: missing closing ): `(`</p>"
        ));
        let svg = text(&ui.respond("/ui/graph.svg?f=("));
        assert!(svg.starts_with("<svg") && svg.contains("missing closing )"));
        let none = ui.respond("/ui/source?f=nothing_matches");
        assert!(text(&none).contains("no matches found for regexp: nothing_matches"));
        assert_eq!(ui.respond("/nope").status, 404);
        let home = ui.respond("/");
        assert_eq!((home.status, text(&home).as_str()), (302, "/ui/"));
    }
}
