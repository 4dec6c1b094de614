//! Rendering DOT text: through graphviz when it is installed, otherwise with
//! a built-in layout, plus pprof's pan/zoom post-processing of the SVG.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Image formats that graphviz produces from DOT text.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphvizFormat {
    /// `dot -Tsvg`
    Svg,
    /// `dot -Tpng`
    Png,
    /// `dot -Tpdf`
    Pdf,
    /// `dot -Tps`
    Ps,
    /// `dot -Tgif`
    Gif,
}

impl GraphvizFormat {
    /// The name graphviz knows the format by (`-T<name>`).
    pub fn name(self) -> &'static str {
        match self {
            GraphvizFormat::Svg => "svg",
            GraphvizFormat::Png => "png",
            GraphvizFormat::Pdf => "pdf",
            GraphvizFormat::Ps => "ps",
            GraphvizFormat::Gif => "gif",
        }
    }

    /// The format with this graphviz name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "svg" => GraphvizFormat::Svg,
            "png" => GraphvizFormat::Png,
            "pdf" => GraphvizFormat::Pdf,
            "ps" => GraphvizFormat::Ps,
            "gif" => GraphvizFormat::Gif,
            _ => return None,
        })
    }
}

/// What graphviz produced.
#[derive(Clone, Debug)]
pub struct GraphvizOutput {
    /// The rendered image.
    pub data: Vec<u8>,
    /// Warnings graphviz wrote to stderr (empty when none).
    pub warnings: String,
}

/// Which renderer produced an SVG.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renderer {
    /// graphviz `dot`.
    Graphviz,
    /// The built-in layout (no external program).
    Builtin,
}

/// An SVG rendered from DOT text.
#[derive(Clone, Debug)]
pub struct SvgOutput {
    /// The SVG document (with the pan/zoom script, except from
    /// [`svg_from_dot_plain`]).
    pub svg: Vec<u8>,
    /// Who laid out the graph.
    pub renderer: Renderer,
    /// Warnings of the renderer (graphviz's stderr).
    pub warnings: String,
}

/// The name of graphviz's layout program.
pub const DOT_PROGRAM: &str = "dot";

/// Finds an executable `name` in the directories of `PATH`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    find_program_in(name, &std::env::var_os("PATH")?)
}

/// Finds an executable `name` in the directories of `search_path` (a
/// `PATH`-style list).
pub fn find_program_in(name: &str, search_path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(search_path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Runs `dot -T<format>` on `dot` and returns the image and any warnings.
///
/// Fails with [`Error::MissingProgram`] (naming `dot`) when graphviz is not
/// on `PATH`, and with [`Error::ProgramFailed`] when it exits with an error.
pub fn run_graphviz(dot: &str, format: GraphvizFormat) -> Result<GraphvizOutput> {
    run_graphviz_with(find_program(DOT_PROGRAM), dot, format)
}

fn run_graphviz_with(
    program: Option<PathBuf>,
    dot: &str,
    format: GraphvizFormat,
) -> Result<GraphvizOutput> {
    let Some(program) = program else {
        return Err(Error::MissingProgram {
            program: DOT_PROGRAM.to_string(),
            format: format.name().to_string(),
        });
    };
    let mut child = Command::new(&program)
        .arg(format!("-T{}", format.name()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Feed stdin from a thread so that a large output cannot dead-lock
    // against a full stdin pipe.
    let input = dot.as_bytes().to_vec();
    let stdin = child.stdin.take();
    let feeder = std::thread::spawn(move || -> std::io::Result<()> {
        if let Some(mut s) = stdin {
            s.write_all(&input)?;
        }
        Ok(())
    });
    let out = child.wait_with_output()?;
    let fed = feeder.join();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if !out.status.success() {
        return Err(Error::ProgramFailed {
            program: DOT_PROGRAM.to_string(),
            status: out.status.to_string(),
            stderr,
        });
    }
    if let Ok(Err(e)) = fed {
        return Err(Error::Io(e));
    }
    Ok(GraphvizOutput {
        data: out.stdout,
        warnings: stderr,
    })
}

/// Renders `dot` with graphviz in `format` (pprof's `-png`, `-pdf`, `-ps`,
/// `-gif`; `-svg` output is not post-processed here, see [`svg_from_dot`]).
pub fn render_with_graphviz(dot: &str, format: GraphvizFormat) -> Result<Vec<u8>> {
    run_graphviz(dot, format).map(|o| o.data)
}

/// pprof's `-svg`: the graph rendered by graphviz when `dot` is on `PATH`,
/// otherwise by the built-in layout, with a pan/zoom script in both cases.
pub fn svg_from_dot(dot: &str) -> Result<Vec<u8>> {
    svg_from_dot_detailed(dot).map(|o| o.svg)
}

/// Like [`svg_from_dot`], also telling which renderer ran and its warnings.
pub fn svg_from_dot_detailed(dot: &str) -> Result<SvgOutput> {
    if let Some(program) = find_program(DOT_PROGRAM) {
        let out = run_graphviz_with(Some(program), dot, GraphvizFormat::Svg)?;
        let text = String::from_utf8_lossy(&out.data);
        return Ok(SvgOutput {
            svg: add_pan_zoom(&text).into_bytes(),
            renderer: Renderer::Graphviz,
            warnings: out.warnings,
        });
    }
    Ok(SvgOutput {
        svg: svg_from_dot_builtin(dot)?,
        renderer: Renderer::Builtin,
        warnings: String::new(),
    })
}

/// The SVG of `dot` as the renderer drew it, without the pan/zoom script
/// and viewport (for pages that embed the picture and bring their own
/// script): graphviz when `dot` is on `PATH`, otherwise the built-in layout.
pub fn svg_from_dot_plain(dot: &str) -> Result<SvgOutput> {
    if let Some(program) = find_program(DOT_PROGRAM) {
        let out = run_graphviz_with(Some(program), dot, GraphvizFormat::Svg)?;
        let text = String::from_utf8_lossy(&out.data).replace("&;", "&amp;;");
        return Ok(SvgOutput {
            svg: text.into_bytes(),
            renderer: Renderer::Graphviz,
            warnings: out.warnings,
        });
    }
    let raw = builtin_layout(dot)?;
    Ok(SvgOutput {
        svg: sort_style_block(&sanitize_xml_chars(&raw)).into_bytes(),
        renderer: Renderer::Builtin,
        warnings: String::new(),
    })
}

/// Lays out and draws `dot` without any external program (the `layout-rs`
/// engine), and adds the pan/zoom script.
pub fn svg_from_dot_builtin(dot: &str) -> Result<Vec<u8>> {
    let raw = builtin_layout(dot)?;
    Ok(wrap_builtin(&raw).into_bytes())
}

fn builtin_layout(dot: &str) -> Result<String> {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    let text = dot.to_string();
    // The layout engine asserts on some inputs it does not support; keep
    // such a failure an error instead of aborting the caller.
    let run = move || -> std::result::Result<String, String> {
        let mut parser = DotParser::new(&text);
        let graph = parser.process()?;
        let mut builder = GraphBuilder::new();
        builder.visit_graph(&graph);
        let mut vg = builder.get();
        if vg.num_nodes() == 0 {
            return Ok(String::new());
        }
        let mut writer = SVGWriter::new();
        vg.do_it(false, false, false, &mut writer);
        Ok(writer.finalize())
    };
    match std::panic::catch_unwind(run) {
        Ok(Ok(svg)) if svg.is_empty() => Ok(EMPTY_SVG.to_string()),
        Ok(Ok(svg)) => Ok(svg),
        Ok(Err(msg)) => Err(Error::Layout(format!("DOT syntax: {msg}"))),
        Err(_) => Err(Error::Layout("the layout engine failed".to_string())),
    }
}

const EMPTY_SVG: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>",
    "<svg width=\"200\" height=\"40\" viewBox=\"0 0 200 40\" xmlns=\"http://www.w3.org/2000/svg\">\n",
    "<text x=\"100\" y=\"24\" text-anchor=\"middle\">empty graph</text>\n</svg>"
);

/// Makes the built-in renderer's SVG deterministic and well-formed, lets it
/// fill the window, and wraps the drawing in the pan/zoom viewport.
fn wrap_builtin(svg: &str) -> String {
    let svg = sort_style_block(&sanitize_xml_chars(svg));
    let Some(open) = svg.find("<svg") else {
        return svg;
    };
    let Some(open_end) = svg[open..].find('>').map(|i| open + i + 1) else {
        return svg;
    };
    let Some(close) = svg.rfind("</svg>") else {
        return svg;
    };
    if close < open_end {
        return svg;
    }
    let tag = &svg[open..open_end];
    let tag = replace_attr(tag, "width", "100%");
    let tag = replace_attr(&tag, "height", "100%");
    let mut out = String::with_capacity(svg.len() + PAN_ZOOM_JS.len() + 200);
    out.push_str(&svg[..open]);
    out.push_str(&tag);
    out.push('\n');
    out.push_str("<g id=\"viewport\" transform=\"translate(0,0)\">\n");
    out.push_str(&svg[open_end..close]);
    out.push_str("</g>\n");
    // The script comes after the group it moves, which must exist when it runs.
    out.push_str(&pan_zoom_script());
    out.push('\n');
    out.push_str(&svg[close..]);
    out.push('\n');
    out
}

/// Sets attribute `name` of the start tag `tag` to `value`.
fn replace_attr(tag: &str, name: &str, value: &str) -> String {
    let pat = format!(" {name}=\"");
    if let Some(i) = tag.find(&pat) {
        let start = i + pat.len();
        if let Some(len) = tag[start..].find('"') {
            return format!("{}{}{}", &tag[..start], value, &tag[start + len..]);
        }
    }
    tag.to_string()
}

/// Sorts the lines of the first `<style>` block (the layout engine writes
/// them in hash order).
fn sort_style_block(svg: &str) -> String {
    let (Some(a), Some(b)) = (svg.find("<style>\n"), svg.find("</style>")) else {
        return svg.to_string();
    };
    let body_start = a + "<style>\n".len();
    if b < body_start {
        return svg.to_string();
    }
    let mut lines: Vec<&str> = svg[body_start..b].lines().collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(svg.len());
    out.push_str(&svg[..body_start]);
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&svg[b..]);
    out
}

/// Replaces characters XML 1.0 does not allow.
fn sanitize_xml_chars(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// pprof's post-processing of graphviz's SVG: the picture fills the window
/// (`width="100%" height="100%"`, no `viewBox`), the graph is wrapped in a
/// `viewport` group, and a pan/zoom script on that group is added at the
/// end of the document, so that the group exists when the script runs.
/// Also repairs graphviz's unescaped `&;`.
pub fn add_pan_zoom(svg: &str) -> String {
    let svg = svg.replace("&;", "&amp;;");
    let mut svg = replace_size_and_viewbox(&svg);
    if let Some(i) = find_graph_group(&svg) {
        svg.insert_str(i, "<g id=\"viewport\" transform=\"translate(0,0)\">");
        if let Some(close) = svg.rfind("</svg>") {
            svg.insert_str(close, &format!("</g>{}\n", pan_zoom_script()));
        }
    }
    svg
}

/// Replaces `<svg width=".." height=".." viewBox=".."` (whitespace allowed
/// between the parts) by `<svg width="100%" height="100%"`.
fn replace_size_and_viewbox(svg: &str) -> String {
    let mut from = 0;
    while let Some(rel) = svg[from..].find("<svg") {
        let start = from + rel;
        let mut rest = &svg[start + 4..];
        let mut ok = true;
        for attr in ["width", "height", "viewBox"] {
            rest = rest.trim_start();
            let Some(after) = rest.strip_prefix(attr).and_then(|r| r.strip_prefix("=\"")) else {
                ok = false;
                break;
            };
            match after.find('"') {
                Some(n) if n > 0 => rest = &after[n + 1..],
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            let end = svg.len() - rest.len();
            return format!(
                "{}<svg width=\"100%\" height=\"100%\"{}",
                &svg[..start],
                &svg[end..]
            );
        }
        from = start + 4;
    }
    svg.to_string()
}

/// Position of `<g id="graphN"` (one digit, as graphviz writes).
fn find_graph_group(svg: &str) -> Option<usize> {
    let pat = "<g id=\"graph";
    let mut from = 0;
    while let Some(rel) = svg[from..].find(pat) {
        let i = from + rel;
        let tail = svg.as_bytes().get(i + pat.len()..).unwrap_or(&[]);
        if tail.len() >= 2 && tail[0].is_ascii_digit() && tail[1] == b'"' {
            return Some(i);
        }
        from = i + pat.len();
    }
    None
}

fn pan_zoom_script() -> String {
    format!("<script type=\"text/ecmascript\"><![CDATA[{PAN_ZOOM_JS}]]></script>")
}

/// Pan with the mouse, zoom with the wheel around the pointer, double-click
/// to return to the first view. Works on the group with id `viewport`.
const PAN_ZOOM_JS: &str = r#"
(function () {
  "use strict";
  var root = document.documentElement;
  var vp = document.getElementById("viewport");
  if (!vp || !root.createSVGPoint) { return; }
  var s0 = 1, x0 = 0, y0 = 0;
  var t = vp.transform && vp.transform.baseVal.consolidate();
  if (t) { s0 = t.matrix.a || 1; x0 = t.matrix.e; y0 = t.matrix.f; }
  var s = s0, tx = x0, ty = y0, drag = null;
  function apply() {
    vp.setAttribute("transform", "matrix(" + [s, 0, 0, s, tx, ty].join(",") + ")");
  }
  function at(e) {
    var p = root.createSVGPoint(), m = root.getScreenCTM();
    p.x = e.clientX; p.y = e.clientY;
    return m ? p.matrixTransform(m.inverse()) : p;
  }
  root.addEventListener("wheel", function (e) {
    e.preventDefault();
    var d = e.deltaY * (e.deltaMode === 1 ? 30 : e.deltaMode === 2 ? 300 : 1);
    var ns = Math.min(Math.max(s * Math.pow(1.002, -d), 0.01), 100), k = ns / s, p = at(e);
    tx = p.x - (p.x - tx) * k; ty = p.y - (p.y - ty) * k; s = ns;
    apply();
  }, { passive: false });
  root.addEventListener("mousedown", function (e) {
    if (e.button !== 0) { return; }
    e.preventDefault();
    drag = at(e);
    root.style.cursor = "move";
  });
  root.addEventListener("mousemove", function (e) {
    if (!drag) { return; }
    var p = at(e);
    tx += p.x - drag.x; ty += p.y - drag.y; drag = p;
    apply();
  });
  window.addEventListener("mouseup", function () { drag = null; root.style.cursor = ""; });
  root.addEventListener("dblclick", function () { s = s0; tx = x0; ty = y0; apply(); });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    const DOT_SVG: &str = "<?xml version=\"1.0\"?>\n<svg width=\"62pt\" height=\"116pt\"\n viewBox=\"0.00 0.00 62.00 116.00\" xmlns=\"http://www.w3.org/2000/svg\">\n<g id=\"graph0\" class=\"graph\" transform=\"translate(4 112)\">\n<title>a &; b</title>\n</g>\n</svg>\n";

    #[test]
    fn pan_zoom_is_injected_like_pprof() {
        let out = add_pan_zoom(DOT_SVG);
        assert!(out.contains("<svg width=\"100%\" height=\"100%\" xmlns="));
        assert!(!out.contains("viewBox"));
        assert!(out.contains("<g id=\"viewport\" transform=\"translate(0,0)\"><g id=\"graph0\""));
        // The script runs after the group it moves has been parsed.
        let group = out.find("id=\"viewport\"").unwrap();
        let script = out.find("<script").unwrap();
        assert!(group < script, "{out}");
        assert!(out.contains("</g>\n</g><script"));
        assert!(out.ends_with("]]></script>\n</svg>\n"), "{out}");
        assert!(out.contains("a &amp;; b"));
    }

    #[test]
    fn without_graph_group_only_the_size_changes() {
        let out = add_pan_zoom("<svg width=\"1\" height=\"2\" viewBox=\"0 0 1 2\"></svg>");
        assert_eq!(out, "<svg width=\"100%\" height=\"100%\"></svg>");
    }

    #[test]
    fn format_names_round_trip() {
        for f in [
            GraphvizFormat::Svg,
            GraphvizFormat::Png,
            GraphvizFormat::Pdf,
            GraphvizFormat::Ps,
            GraphvizFormat::Gif,
        ] {
            assert_eq!(GraphvizFormat::from_name(f.name()), Some(f));
        }
        assert_eq!(GraphvizFormat::from_name("jpeg"), None);
    }

    #[test]
    fn style_lines_are_sorted() {
        let s = sort_style_block("<style>\n.b {}\n.a {}\n</style>x");
        assert_eq!(s, "<style>\n.a {}\n.b {}\n</style>x");
    }

    #[test]
    fn missing_graphviz_names_the_program() {
        let err = run_graphviz_with(None, "digraph {}", GraphvizFormat::Png).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("dot not found on PATH"), "{msg}");
        assert!(msg.contains("png"), "{msg}");
        assert_eq!(find_program_in("dot", OsStr::new("/nonexistent")), None);
    }

    #[test]
    fn builtin_rejects_bad_dot() {
        assert!(matches!(
            svg_from_dot_builtin("digraph {"),
            Err(Error::Layout(_))
        ));
    }
}
