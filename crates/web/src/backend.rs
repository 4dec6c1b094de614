//! The report calls behind the web views, kept in one place. They use
//! pprof-driver's report step, which never changes the loaded profile (no
//! copy per request unless the settings edit samples), and the query names
//! of its option table.

use pprof_model::Profile;

use pprof_driver::settings::{option, Settings, OPTIONS};
use pprof_driver::value::Syntax;
use pprof_driver::{Command, OutputFormat, Prepared};

/// pprof's URL parameter for each option that a page URL carries, with
/// the option's name, in the option table's order.
pub(super) fn url_params() -> impl Iterator<Item = (&'static str, &'static str)> {
    OPTIONS
        .iter()
        .filter_map(|o| o.url_param.map(|p| (p, o.name)))
}

/// The options pprof saves in `settings.json` (the others are transient).
pub(super) fn saved() -> impl Iterator<Item = &'static str> {
    OPTIONS.iter().filter(|o| o.saved).map(|o| o.name)
}

/// Whether option `name` is saved in `settings.json`.
pub(super) fn is_saved(name: &str) -> bool {
    option(name).is_some_and(|o| o.saved)
}

/// The settings of one request: the command line's, changed by the
/// query's parameters.
pub(super) struct Request {
    /// The report settings.
    pub config: Settings,
    /// The settings parameters of the query that are set, in table order:
    /// the cache key, and what links carry.
    pub params: Vec<(&'static str, String)>,
}

/// Reads the settings parameters of a query; a bad value is pprof's
/// `error setting config field NAME: ...`.
pub(super) fn request(base: &Settings, query: &[(String, String)]) -> Result<Request, String> {
    let mut settings = base.clone();
    let mut params = Vec::new();
    for (param, option) in url_params() {
        // Like Go's url.Values.Get: the first value.
        let Some((_, value)) = query.iter().find(|(k, _)| k == param) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        settings
            .set(option, value, Syntax::Config)
            .map_err(|e| format!("error setting config field {option}: {e}"))?;
        params.push((param, value.clone()));
    }
    Ok(Request {
        config: settings,
        params,
    })
}

/// What the report step made, with its notices (a filter that matched
/// nothing...).
pub(super) struct Made<T> {
    pub value: T,
    pub notices: Vec<String>,
    /// The profile's legend: `File: ...`, `Type: ...`.
    pub legend: Vec<String>,
}

/// Runs the first half of the report step for `format` on `p` (see
/// [`pprof_driver::prepare`]), then `then` on what it prepared.
fn prepared<T>(
    p: &Profile,
    format: OutputFormat,
    regexp: Option<String>,
    cfg: &Settings,
    then: impl FnOnce(Prepared<'_>) -> pprof_driver::Result<T>,
) -> Result<Made<T>, String> {
    let mut notices = Vec::new();
    let cmd = Command { format, regexp };
    let prep =
        pprof_driver::prepare(p, &cmd, cfg, &mut |n| notices.push(n)).map_err(|e| e.to_string())?;
    let legend = pprof_report::profile_labels(&prep.report());
    let value = then(prep).map_err(|e| e.to_string())?;
    Ok(Made {
        value,
        notices,
        legend,
    })
}

/// A text report (peek, list, tags), or its JSON form (top).
pub(super) fn text(
    p: &Profile,
    format: OutputFormat,
    regexp: Option<String>,
    cfg: &Settings,
    json: bool,
) -> Result<Made<String>, String> {
    prepared(p, format, regexp.clone(), cfg, |prep| {
        let rpt = prep.report();
        let mut buf = Vec::new();
        let made = if json {
            pprof_report::generate_json(&mut buf, &rpt)
        } else {
            pprof_report::generate(&mut buf, &rpt)
        };
        made.map_err(|e| match (e, &regexp) {
            (pprof_report::Error::NoMatches(_), Some(re)) => {
                pprof_report::Error::NoMatches(re.clone())
            }
            (e, _) => e,
        })?;
        Ok(into_text(buf))
    })
}

/// A report's bytes as text, without a copy when they are UTF-8 (they
/// are: reports write the profile's strings as held).
fn into_text(bytes: Vec<u8>) -> String {
    let mut text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Kept in the cache: without the room the writer grew into.
    text.shrink_to_fit();
    text
}

/// The call graph: DOT text and the full name of each node (`N<i>` is
/// `names[i - 1]`).
pub(super) fn graph(p: &Profile, cfg: &Settings) -> Result<Made<(String, Vec<String>)>, String> {
    prepared(p, OutputFormat::Svg, None, cfg, |prep| {
        Ok(pprof_driver::dot_text_and_nodes(prep.report()))
    })
}

/// A flame graph's stack tree, with each node's value formatted.
pub(super) struct Flame {
    pub tree: pprof_export::FlameTree,
    /// `cum` and `flat` of each node as text.
    pub formatted: Vec<(String, String)>,
    /// The report total.
    pub total: i64,
    /// The pprof whose function-name shortening the page follows.
    pub dialect: pprof_driver::settings::Dialect,
}

/// The stack tree of the flame graph view; `callers` roots it at the
/// leaves.
pub(super) fn flame(p: &Profile, cfg: &Settings, callers: bool) -> Result<Made<Flame>, String> {
    prepared(p, OutputFormat::Flame, None, cfg, |prep| {
        let mut opts = pprof_export::FlameTreeOptions::default();
        opts.stacks = pprof_driver::stack_options(&prep.settings, &prep.choice);
        opts.callers = callers;
        // Frames under 1/5000 of the total are narrower than a pixel of a
        // screen's width; leaving them out keeps large pages small.
        opts.min_share = 0.0002;
        let tree = pprof_export::flame_tree(&prep.view, &opts)?;
        let unit = prep.choice.unit.clone();
        let fmt = |v: i64| pprof_model::measurement::scaled_label(v, &unit, &prep.settings.unit);
        let formatted = tree
            .nodes
            .iter()
            .map(|n| (fmt(n.cum), fmt(n.flat)))
            .collect();
        Ok(Flame {
            tree,
            formatted,
            total: prep.total,
            dialect: prep.settings.dialect,
        })
    })
}

/// The profile as gzipped profile.proto (the download).
pub(super) fn encode(p: &Profile) -> Vec<u8> {
    pprof_model::encode(p)
}

/// pprof's page limit of the source and disassembly views: the files
/// (source) or functions (disassembly) with the largest flat values.
const MAX_ENTRIES: usize = 50;

/// The regular expression of the peek, source and disassembly views: the
/// focus expression, else every function.
pub(super) fn functions_of(cfg: &Settings) -> String {
    if cfg.filters.focus.is_empty() {
        ".".to_string()
    } else {
        cfg.filters.focus.clone()
    }
}

/// `NoMatches` names the expression as it was given.
fn named(e: pprof_report::Error, re: &str) -> pprof_report::Error {
    match e {
        pprof_report::Error::NoMatches(_) => pprof_report::Error::NoMatches(re.to_string()),
        e => e,
    }
}

/// The source view (pprof's weblist): the listing's markup and its data
/// as JSON. Instructions come from the profile's binaries where they can
/// be read.
pub(super) fn source(
    p: &Profile,
    cfg: &Settings,
) -> Result<Made<(String, serde_json::Value)>, String> {
    let re = functions_of(cfg);
    prepared(p, OutputFormat::WebList, Some(re.clone()), cfg, |prep| {
        let rpt = prep.report();
        let tool = pprof_disasm::NativeTool::default();
        let list =
            pprof_report::web_list(&rpt, &tool, Some(MAX_ENTRIES)).map_err(|e| named(e, &re))?;
        let html = pprof_report::weblist_html(&list, &rpt, pprof_report::Markup::Embedded);
        let functions: Vec<serde_json::Value> = list
            .functions
            .iter()
            .map(|f| {
                let lines: Vec<serde_json::Value> = f
                    .lines
                    .iter()
                    .map(|l| {
                        let insts: Vec<serde_json::Value> = l
                            .instructions
                            .iter()
                            .filter(|i| !i.text.is_empty())
                            .map(|i| {
                                serde_json::json!({"address": i.address, "text": i.text,
                                    "flat": i.flat, "cum": i.cum, "file": i.file, "line": i.line})
                            })
                            .collect();
                        serde_json::json!({"line": l.line, "text": l.text, "flat": l.flat,
                            "cum": l.cum, "instructions": insts})
                    })
                    .collect();
                serde_json::json!({"name": f.name, "file": f.file, "flat": f.flat,
                    "cum": f.cum, "lines": lines})
            })
            .collect();
        let json = serde_json::json!({"total": list.total, "unit": prep.choice.unit,
            "messages": list.messages, "functions": functions});
        Ok((html, json))
    })
}

/// The disassembly view (pprof's `disasm` page): `-disasm`'s text for the
/// functions with the largest flat values; a message instead when the
/// profile's binaries hold none of them.
pub(super) fn disasm(p: &Profile, cfg: &Settings) -> Result<Made<String>, String> {
    let re = functions_of(cfg);
    prepared(p, OutputFormat::Dis, Some(re.clone()), cfg, |prep| {
        let rpt = prep.report();
        let tool = pprof_disasm::NativeTool::default();
        let mut text = Vec::new();
        match pprof_report::asm::disassemble(&rpt, &tool, Some(MAX_ENTRIES)) {
            Ok(d) => {
                pprof_report::asm::write_routines(&mut text, &rpt, &d.routines)?;
                for m in d.messages {
                    text.extend_from_slice(m.as_bytes());
                    text.push(b'\n');
                }
            }
            Err(pprof_report::Error::NoMatches(_)) => {
                text = format!(
                    "No function matching {re} was found in the profile's binaries \
                     (a binary is found by its path in the profile, PPROF_BINARY_PATH or the \
                     command line).\n"
                )
                .into_bytes();
            }
            Err(e) => return Err(e.into()),
        }
        Ok(into_text(text))
    })
}
