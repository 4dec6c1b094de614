//! Flame graph SVG.

use pprof_export::{flame_svg, flame_svg_diff, FlameOptions, StackOptions};

use crate::fixtures::{cpu, leak, Builder};
use crate::xmlcheck::{frames, parse, rgb, Frame};

fn opts(index: usize) -> FlameOptions {
    FlameOptions {
        stacks: StackOptions {
            sample_index: index,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn find<'a>(fs: &'a [Frame], name: &str) -> Vec<&'a Frame> {
    fs.iter().filter(|f| f.name == name).collect()
}

#[test]
fn frames_are_laid_out_by_value() {
    let svg = flame_svg(&cpu(), &opts(1)).unwrap();
    let fs = frames(&svg);
    let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
    for want in [
        "all",
        "main.main",
        "main.run",
        "main.work",
        "main.mix",
        "main.fib",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    // Two main.fib frames: the recursion is kept.
    assert_eq!(find(&fs, "main.fib").len(), 2);
    let all = find(&fs, "all")[0];
    let run = find(&fs, "main.run")[0];
    let work = find(&fs, "main.work")[0];
    // The default width is 1200 px with 10 px margins.
    assert!((all.w - 1180.0).abs() < 0.01);
    assert!((run.w - all.w).abs() < 0.01);
    assert!((work.w - 0.5 * all.w).abs() < 0.01, "{work:?}");
    // Callers below callees, siblings sorted by name (fib before work).
    assert!(all.y > run.y && run.y > work.y);
    let fib = find(&fs, "main.fib")
        .into_iter()
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap();
    assert!(fib.x < work.x);
    assert!((work.x - (fib.x + fib.w)).abs() < 0.01);
    assert_eq!(work.label, "main.work");
}

#[test]
fn tooltips_show_flat_cum_and_percent() {
    let svg = flame_svg(&cpu(), &opts(1)).unwrap();
    let fs = frames(&svg);
    let work = find(&fs, "main.work")[0];
    assert_eq!(
        work.info,
        "main.work\ncum 5000 nanoseconds (50.00%), flat 2000 nanoseconds (20.00%)"
    );
}

#[test]
fn custom_formatter_and_titles() {
    let mut o = opts(1);
    o.title = "CPU <demo>".to_string();
    o.subtitle = "Type: cpu".to_string();
    o.format_value = Some(Box::new(|v| format!("{}us", v / 1000)));
    let svg = flame_svg(&cpu(), &o).unwrap();
    let doc = parse(&svg);
    let title = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("title"))
        .and_then(|n| n.text());
    assert_eq!(title, Some("CPU <demo>"));
    let fs = frames(&svg);
    assert!(find(&fs, "main.fib")[0].info.contains("cum 5us (50.00%)"));
}

#[test]
fn self_contained_with_interaction_script() {
    let svg = flame_svg(&leak(), &opts(0)).unwrap();
    let doc = parse(&svg);
    let script = doc
        .descendants()
        .find(|n| n.has_tag_name("script"))
        .and_then(|n| n.text())
        .expect("script");
    for needle in ["zoom(", "search(", "mouseover", "RegExp"] {
        assert!(script.contains(needle), "{needle}");
    }
    // Nothing is loaded from elsewhere.
    assert!(!svg.contains("href="));
    assert!(!svg.contains("src="));
    assert!(!svg.contains("@import"));
    assert!(!svg.contains("fetch("));
    // Search and reset buttons.
    for id in ["search", "unzoom", "details", "matched"] {
        assert!(
            doc.descendants().any(|n| n.attribute("id") == Some(id)),
            "{id}"
        );
    }
}

#[test]
fn goroutine_leak_tower() {
    let svg = flame_svg(&leak(), &opts(0)).unwrap();
    let fs = frames(&svg);
    let compute = find(&fs, "main.compute")[0];
    let all = find(&fs, "all")[0];
    // 114 of 116 goroutines are under main.compute.
    assert!((compute.w - all.w * 114.0 / 116.0).abs() < 0.01);
    assert!(
        compute.info.contains("cum 114 count (98.28%)"),
        "{}",
        compute.info
    );
}

#[test]
fn diff_colours_growth_red_and_shrinkage_blue() {
    let new = cpu();
    let mut b = Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    let run = b.loc(0x1200, &[("main.run", 20)]);
    let fib = b.loc(0x1400, &[("main.fib", 40)]);
    b.sample(&[fib, run, main], &[90, 9000]);
    let svg = flame_svg_diff(&new, b.p(), &opts(1)).unwrap();
    let fs = frames(&svg);
    // fib: 5000 now, 9000 before: shrank.
    let fib = find(&fs, "main.fib")
        .into_iter()
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap();
    let (r, g, bl) = rgb(&fib.fill);
    assert!(bl == 255 && r < 255 && g < 255, "{}", fib.fill);
    assert!(fib.info.contains("cum -4000 nanoseconds"), "{}", fib.info);
    assert!(fib
        .info
        .contains("base 9000 nanoseconds, new 5000 nanoseconds"));
    // work: new.
    let work = find(&fs, "main.work")[0];
    let (r, g, bl) = rgb(&work.fill);
    assert!(r == 255 && g < 255 && bl < 255, "{}", work.fill);
    assert!(work.info.contains("cum +5000 nanoseconds"), "{}", work.info);
    // Widths count both profiles: 10000 + 9000.
    let all = find(&fs, "all")[0];
    assert!((work.w - all.w * 5000.0 / 19000.0).abs() < 0.01);
}

#[test]
fn base_labelled_samples_make_a_diff() {
    let mut b = Builder::new(&[("samples", "count")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    let grow = b.loc(0x1200, &[("main.grow", 20)]);
    b.sample(&[grow, main], &[8]);
    b.labelled(&[grow, main], &[-2], &[("pprof::base", "true")]);
    let svg = flame_svg(b.p(), &opts(0)).unwrap();
    let fs = frames(&svg);
    let (r, _, _) = rgb(&find(&fs, "main.grow")[0].fill);
    assert_eq!(r, 255);
}

#[test]
fn markup_in_names_is_escaped() {
    let mut b = Builder::new(&[("samples", "count")]);
    let odd = b.loc(0x1100, &[("operator<<(\"a\" & 'b')\u{1}", 10)]);
    b.sample(&[odd], &[1]);
    let svg = flame_svg(b.p(), &opts(0)).unwrap();
    let fs = frames(&svg);
    assert_eq!(fs[1].name, "operator<<(\"a\" & 'b')\u{FFFD}");
}

#[test]
fn empty_profile_is_still_a_picture() {
    let b = Builder::new(&[("samples", "count")]);
    let svg = flame_svg(b.p(), &opts(0)).unwrap();
    parse(&svg);
    assert!(svg.contains("No samples"));
    assert!(frames(&svg).is_empty());
}

#[test]
fn narrow_frames_are_left_out() {
    let mut b = Builder::new(&[("samples", "count")]);
    let big = b.loc(0x1100, &[("main.big", 10)]);
    let tiny = b.loc(0x1200, &[("main.tiny", 20)]);
    b.sample(&[big], &[1_000_000]);
    b.sample(&[tiny], &[1]);
    let svg = flame_svg(b.p(), &opts(0)).unwrap();
    let fs = frames(&svg);
    assert!(find(&fs, "main.big").len() == 1);
    assert!(find(&fs, "main.tiny").is_empty());
}

#[test]
fn very_deep_stacks_do_not_overflow() {
    let mut b = Builder::new(&[("samples", "count")]);
    let rec = b.loc(0x1100, &[("main.rec", 10)]);
    let stack = vec![rec; 5000];
    b.sample(&stack, &[1]);
    let svg = flame_svg(b.p(), &opts(0)).unwrap();
    assert_eq!(frames(&svg).len(), 5001);
}
