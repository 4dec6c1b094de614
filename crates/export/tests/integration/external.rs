//! Checks with real external programs: graphviz, valgrind's
//! callgrind_annotate and headless Chromium. Each test prints
//! "skipped: <reason>" and passes when its program is not installed, and
//! fails instead under `.ci/run` (pprof-testkit's convention).

use std::path::{Path, PathBuf};
use std::process::Command;

use pprof_export::{
    flame_svg, render_with_graphviz, run_graphviz, svg_from_dot_builtin, svg_from_dot_detailed,
    write_callgrind, FlameOptions, GraphvizFormat, Renderer,
};

use crate::callgrind::{callgrind_graph, config};
use crate::fixtures::{cpu, leak};
use crate::svg::fixture_dot;
use crate::xmlcheck::{frames, parse, rgb};

/// The program, or a skip (a failure when `.ci/run` requires the clients).
fn need(program: &str) -> Option<PathBuf> {
    pprof_testkit::client(program, "a check of our output by its real reader")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pprof-export-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn graphviz_accepts_our_dot_without_warnings() {
    if need("dot").is_none() {
        return;
    }
    let out = run_graphviz(&fixture_dot(), GraphvizFormat::Svg).unwrap();
    assert_eq!(out.warnings, "");
    parse(std::str::from_utf8(&out.data).unwrap());
}

/// A label value, name or title with quotes neither breaks the graph nor
/// becomes a link: graphviz reads the DOT and draws no `javascript:` URL.
#[test]
fn graphviz_draws_hostile_labels_as_text() {
    if need("dot").is_none() {
        return;
    }
    let out = run_graphviz(&crate::dot::hostile_dot(), GraphvizFormat::Svg).unwrap();
    assert_eq!(out.warnings, "");
    let svg = std::str::from_utf8(&out.data).unwrap();
    let doc = parse(svg);
    for n in doc.descendants() {
        for a in n.attributes() {
            assert!(
                !a.value().trim_start().starts_with("javascript:"),
                "{}={} in {svg}",
                a.name(),
                a.value()
            );
        }
    }
    let text: String = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(text.contains("URL=\"javascript:alert(3)\""), "{text}");
}

#[test]
fn svg_through_graphviz_gets_pan_and_zoom() {
    if need("dot").is_none() {
        return;
    }
    let out = svg_from_dot_detailed(&fixture_dot()).unwrap();
    assert_eq!(out.renderer, Renderer::Graphviz);
    let svg = String::from_utf8(out.svg).unwrap();
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(root.attribute("width"), Some("100%"));
    assert_eq!(root.attribute("viewBox"), None);
    let vp = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("viewport"))
        .unwrap();
    assert_eq!(
        vp.first_element_child().and_then(|g| g.attribute("id")),
        Some("graph0")
    );
    assert!(svg.contains("main&#45;&gt;") || svg.contains("main.run"));
}

#[test]
fn graphviz_image_formats() {
    if need("dot").is_none() {
        return;
    }
    let dot = fixture_dot();
    for (format, magic) in [
        (GraphvizFormat::Png, &b"\x89PNG"[..]),
        (GraphvizFormat::Gif, &b"GIF8"[..]),
        (GraphvizFormat::Pdf, &b"%PDF"[..]),
        (GraphvizFormat::Ps, &b"%!PS"[..]),
    ] {
        let data = render_with_graphviz(&dot, format).unwrap();
        assert!(data.starts_with(magic), "{format:?}");
    }
}

#[test]
fn callgrind_annotate_reads_our_file() {
    if need("callgrind_annotate").is_none() {
        return;
    }
    let dir = temp_dir("callgrind");
    let path = dir.join("callgrind.out.1");
    let g = callgrind_graph(&cpu());
    let mut f = std::fs::File::create(&path).unwrap();
    write_callgrind(&mut f, &g, &config()).unwrap();
    drop(f);
    let out = Command::new("callgrind_annotate")
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Events recorded:  cpu(us)"), "{text}");
    assert!(text.contains("src/demo.go:main.fib"), "{text}");
    // Self costs add up to 10us; valgrind 3.19's annotate also adds the
    // call costs (27us); newer versions may not.
    let total: i64 = text
        .lines()
        .find(|l| l.contains("PROGRAM TOTALS"))
        .and_then(|l| l.split_whitespace().next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .expect("totals line");
    assert!(total == 10 || total == 37, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Takes a screenshot of `file` (with an optional query string) and returns
/// the decoded RGBA pixels with the width.
fn screenshot(chromium: &Path, dir: &Path, file: &Path, query: &str) -> (Vec<u8>, usize) {
    let png = dir.join(format!(
        "{}.png",
        file.file_stem().unwrap().to_string_lossy()
    ));
    let profile_dir = dir.join("chromium-profile");
    let url = format!("file://{}{}", file.display(), query);
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1200,800")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    // Normalize to RGB triples.
    let rgb: Vec<u8> = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|c| [c[0], c[1 % channels], c[2 % channels]])
        .collect();
    (rgb, info.width as usize)
}

fn count(rgb: &[u8], pred: impl Fn(u8, u8, u8) -> bool) -> usize {
    rgb.chunks(3).filter(|p| pred(p[0], p[1], p[2])).count()
}

#[test]
fn chromium_shows_the_flame_graph_and_its_search() {
    let Some(chromium) = need("chromium").or_else(|| need("chromium-browser")) else {
        return;
    };
    let dir = temp_dir("flame");
    let file = dir.join("leak.svg");
    let o = FlameOptions {
        title: "goroutine leak".to_string(),
        ..Default::default()
    };
    std::fs::write(&file, flame_svg(&leak(), &o).unwrap()).unwrap();
    let (pixels, _) = screenshot(&chromium, &dir, &file, "");
    // Warm frame colours: the main.compute tower spans ~98% of 1180 px over
    // three rows of 15 px (main.compute, runtime.chansend1, runtime.gopark).
    let warm = count(&pixels, |r, g, b| r >= 200 && b <= 60 && g >= 20);
    assert!(warm > 3 * 15 * 1000, "only {warm} warm pixels");
    // The search from the URL runs the script and paints matches magenta.
    let file2 = dir.join("leak-search.svg");
    std::fs::copy(&file, &file2).unwrap();
    let (pixels, _) = screenshot(&chromium, &dir, &file2, "?s=main%5C.compute");
    let magenta = count(&pixels, |r, g, b| r == 230 && g == 0 && b == 230);
    assert!(magenta > 15 * 1000, "only {magenta} highlighted pixels");
    // Zooming from the URL: time.Sleep (3 of 116 goroutines, ~30 px) fills
    // the width.
    let svg = std::fs::read_to_string(&file).unwrap();
    let sleep = frames(&svg)
        .into_iter()
        .find(|f| f.name == "time.Sleep")
        .unwrap();
    let (sr, sg, sb) = rgb(&sleep.fill);
    let is_sleep = |r: u8, g: u8, b: u8| r == sr && g == sg && b == sb;
    let (rgb_before, _) = screenshot(&chromium, &dir, &file, "");
    let before = count(&rgb_before, is_sleep);
    let file3 = dir.join("leak-zoom.svg");
    std::fs::copy(&file, &file3).unwrap();
    let (rgb_after, _) = screenshot(&chromium, &dir, &file3, "?z=time%5C.Sleep");
    let after = count(&rgb_after, is_sleep);
    assert!(before < 15 * 60, "{before} pixels before zooming");
    assert!(after > 15 * 1000, "{after} pixels after zooming");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chromium_shows_the_builtin_and_graphviz_svgs() {
    let Some(chromium) = need("chromium").or_else(|| need("chromium-browser")) else {
        return;
    };
    let dir = temp_dir("graph");
    let mut files = vec![("builtin.svg", svg_from_dot_builtin(&fixture_dot()).unwrap())];
    if need("dot").is_some() {
        files.push((
            "graphviz.svg",
            svg_from_dot_detailed(&fixture_dot()).unwrap().svg,
        ));
    }
    for (name, svg) in files {
        let file = dir.join(name);
        std::fs::write(&file, svg).unwrap();
        let (rgb, _) = screenshot(&chromium, &dir, &file, "");
        // The red border of the full-weight nodes (#b20000) is drawn.
        let red = count(&rgb, |r, g, b| r > 150 && g < 60 && b < 60);
        assert!(red > 20, "{name}: only {red} red pixels");
        // Dark text and lines are drawn too.
        let dark = count(&rgb, |r, g, b| r < 90 && g < 90 && b < 90);
        assert!(dark > 100, "{name}: only {dark} dark pixels");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
