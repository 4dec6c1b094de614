use super::*;
use pprof_model::build::ProfileBuilder;

fn profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let bin = b.mapping("/srv/bin/webdemo", 0x400000, 0x800000);
    let main = b.function("main.main", "webdemo/main.go", 10);
    let work = b.function("main.work", "webdemo/main.go", 20);
    let sort = b.function("github.com/x/sorting.Sort", "sort/sort.go", 30);
    let lm = b.location(Some(bin), 0x401000, &[(main, 12)]);
    let lw = b.location(Some(bin), 0x402000, &[(work, 22)]);
    let ls = b.location(Some(bin), 0x403000, &[(sort, 33)]);
    b.labelled_sample(&[ls, lw, lm], &[7, 70_000_000], &[("worker", "a\"<b>")]);
    b.labelled_sample(&[lw, lm], &[3, 30_000_000], &[("worker", "b")]);
    b.build()
}

fn ui() -> WebUi {
    WebUi::new(profile(), Settings::default()).with_settings_file(None)
}

fn text(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[test]
fn every_view_answers_with_its_report() {
    let ui = ui();
    let views: Vec<View> = ui.views().collect();
    assert_eq!(
        views.len(),
        View::ALL.len() - 1,
        "no leak view for one profile"
    );
    for v in views {
        let r = ui.respond(&format!("/ui/{}", v.path()));
        assert_eq!(
            (r.status, r.content_type),
            (200, "text/html; charset=utf-8"),
            "{}",
            v.path()
        );
        let t = text(&r);
        assert!(t.contains("<script src=\"static/app.js\" defer></script>"));
        // No inline script runs: the only script blocks are JSON data.
        assert_eq!(
            t.matches("<script").count(),
            1 + t.matches("type=\"application/json\"").count()
        );
        let api = ui.respond(&format!("/ui/api/{}", v.path()));
        assert_eq!(api.content_type, "application/json");
        serde_json::from_slice::<serde_json::Value>(&api.body).expect("JSON");
    }
    let top = text(&ui.respond("/ui/top"));
    assert!(top.contains("<span>File: webdemo</span>"), "{top}");
    assert!(top.contains("<tr data-name=\"main.work\">"), "{top}");
    assert!(top.contains("<a href=\"top\" class=\"current\">Top</a>"));
    let graph = text(&ui.respond("/ui/graph"));
    assert!(
        graph.contains("<svg") && graph.contains("id=\"node1\""),
        "{graph}"
    );
    assert!(
        graph.contains("{\"nodes\":[\"github.com/x/sorting.Sort\",\"main.work\",\"main.main\"]}"),
        "{graph}"
    );
    let flame: serde_json::Value =
        serde_json::from_slice(&ui.respond("/ui/api/flamegraph").body).unwrap();
    assert_eq!(flame["total"], 100_000_000);
    let short = flame["short"].as_array().unwrap();
    assert!(short.iter().any(|s| s == "sorting.Sort"), "{flame}");
    // Source: pprof's weblist; without the binary or the source file the
    // sampled line has its values and no instructions.
    let source = text(&ui.respond("/ui/source?f=main.work"));
    assert!(
        source.contains("<h2>main.work</h2><p class=\"filename\">webdemo/main.go</p>\n<pre>\n  Total:        30ms      100ms (flat, cum)   100%\n<span class=line>     22</span> <span class=\"deadsrc h9\">        30ms      100ms           ??? </span>\n</pre>"),
        "{source}"
    );
    let api: serde_json::Value =
        serde_json::from_slice(&ui.respond("/ui/api/source?f=main.work").body).unwrap();
    assert_eq!(api["functions"][0]["lines"][0]["line"], 22);
    assert_eq!(api["functions"][0]["lines"][0]["cum"], 100_000_000);
    assert_eq!(api["total"], 100_000_000);
    // The binary that was not read is named in a notice.
    assert!(
        source.contains("<p class=\"notice\">open /srv/bin/webdemo: no such file or directory</p>"),
        "{source}"
    );
    let peek = text(&ui.respond("/ui/peek?f=main.work"));
    assert!(peek.contains("sorting.Sort"), "{peek}");
    let tags = text(&ui.respond("/ui/tags"));
    assert!(tags.contains("worker: Total"), "{tags}");
    assert!(tags.contains("a&quot;&lt;b&gt;"), "{tags}");
    assert!(!tags.contains("a\"<b>"), "{tags}");
    let dis = text(&ui.respond("/ui/disasm"));
    assert!(
        dis.contains("No function matching . was found in the profile&#39;s binaries"),
        "{dis}"
    );
}

#[test]
fn settings_come_from_the_query_once() {
    let ui = ui();
    let t = text(&ui.respond("/ui/top?f=sort&si=samples"));
    assert!(t.contains("focus=sort"), "{t}");
    assert!(t.contains("<span>Type: samples</span>"), "{t}");
    assert!(t.contains("<input name=\"f\" value=\"sort\""));
    assert!(t.contains("<input type=\"hidden\" name=\"si\" value=\"samples\">"));
    assert!(t.contains("<option value=\"samples\" selected>"));
    // A long value is echoed once, escaped.
    let long = "x".repeat(5000);
    let t = text(&ui.respond(&format!("/ui/top?h=%3Cb%3E{long}")));
    // At most in the form and the legend's filter line (not in every link).
    assert!(t.matches(&long).count() <= 2);
    assert!(t.contains(&format!("<input name=\"h\" value=\"&lt;b&gt;{long}\"")));
    assert!(t.contains("value=\"&lt;b&gt;x"));
    assert!(!t.contains("<b>x"));
}

#[test]
fn bad_input_is_400_with_one_line() {
    let ui = ui();
    for (q, msg) in [
        (
            "/ui/top?f=(",
            "parsing focus regexp: error parsing regexp: missing closing ): `(`",
        ),
        (
            "/ui/graph?si=nonexistent",
            "sample_index \"nonexistent\" must be one of: [samples cpu]",
        ),
        (
            "/ui/flamegraph?si=99",
            "sample_index 99 is outside the range [0..1]",
        ),
        ("/ui/api/top?n=x", "error setting config field nodecount"),
        ("/ui/tags?tf=(((", "parsing tagfocus regexp"),
    ] {
        let r = ui.respond(q);
        assert_eq!(
            (r.status, r.content_type),
            (400, "text/plain; charset=utf-8"),
            "{q}"
        );
        let t = text(&r);
        assert!(t.starts_with(msg), "{q}: {t}");
        assert_eq!(t.lines().count(), 1, "{t}");
    }
    let none = ui.respond("/ui/source?f=nothing_matches");
    assert_eq!(none.status, 400);
    assert!(text(&none).contains("no matches found for regexp: nothing_matches"));
}

#[test]
fn routes() {
    let ui = ui();
    assert_eq!(ui.respond("/nope").status, 404);
    let home = ui.respond("/?f=x");
    assert_eq!(home.status, 307);
    assert_eq!(home.headers, [("Location", "/ui/?f=x".to_string())]);
    let ui_home = ui.respond("/ui/?f=x");
    assert_eq!(ui_home.status, 301);
    assert_eq!(
        ui_home.headers,
        [("Location", "flamegraph?f=x".to_string())]
    );
    let icon = ui.respond("/favicon.ico");
    assert_eq!((icon.status, icon.content_type), (200, "image/svg+xml"));
    let js = ui.respond("/ui/static/app.js");
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
    let dl = ui.respond("/ui/download");
    assert_eq!(dl.status, 200);
    let back = pprof_model::decode(&dl.body).unwrap();
    assert_eq!(back.samples.len(), 2);
    assert_eq!(ui.respond_to("DELETE", "/ui/top").status, 405);
    assert_eq!(ui.respond_to("POST", "/ui/top").status, 405);
    assert_eq!(ui.respond_to("GET", "/ui/saveconfig?config=x").status, 405);
    assert_eq!(ui.respond_to("HEAD", "/ui/top").status, 200);
}

#[test]
fn results_are_computed_once_per_settings() {
    let ui = ui();
    let a = ui.computed(
        View::Graph,
        &backend::request(&ui.base, &[]).unwrap(),
        false,
    );
    let b = ui.computed(
        View::Graph,
        &backend::request(&ui.base, &[]).unwrap(),
        false,
    );
    assert!(Arc::ptr_eq(&a.unwrap(), &b.unwrap()));
    // The page and the API share the result.
    let page = text(&ui.respond("/ui/graph"));
    let api: serde_json::Value = serde_json::from_slice(&ui.respond("/ui/api/graph").body).unwrap();
    let svg = api["svg"].as_str().unwrap();
    assert!(page.contains(svg));
}

#[test]
fn configs_are_pprofs_settings_json() {
    let dir = std::env::temp_dir().join(format!("pprof-web-cfg-{}", std::process::id()));
    let file = dir.join("pprof").join("settings.json");
    let ui = WebUi::new(profile(), Settings::default()).with_settings_file(Some(file.clone()));
    let r = ui.respond_to(
        "POST",
        "/ui/saveconfig?config=mine&f=work&sort=cum&si=samples",
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let c = &saved["configs"][0];
    assert_eq!(c["name"], "mine");
    assert_eq!(c["focus"], "work");
    assert_eq!(c["sort"], "cum");
    assert_eq!(c["trim"], true);
    assert!(c.get("sample_index").is_none(), "{saved}");
    // The menu links the configuration; it is current when applied.
    let page = text(&ui.respond("/ui/top?f=work&sort=cum"));
    assert!(page.contains(">mine</a>"), "{page}");
    assert!(page.contains("class=\"current\">mine</a>"), "{page}");
    // pprof's own file: fields left out are Go's zero values.
    std::fs::write(
        &file,
        r#"{"configs":[{"name":"go","focus":"main","nodecount":10}]}"#,
    )
    .unwrap();
    let page = text(&ui.respond("/ui/top"));
    assert!(
        page.contains("href=\"top?n=10&amp;nf=0&amp;ef=0&amp;trim=f&amp;f=main\""),
        "{page}"
    );
    assert_eq!(
        ui.respond_to("POST", "/ui/deleteconfig?config=go").status,
        200
    );
    assert_eq!(
        ui.respond_to("POST", "/ui/deleteconfig?config=go").status,
        400
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn goroutines(n: i64, minute: i64) -> Profile {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    let park = b.function("runtime.gopark", "proc.go", 1);
    let send = b.function("runtime.chansend1", "chan.go", 2);
    let worker = b.function("main.worker", "main.go", 3);
    let lp = b.location(None, 1, &[(park, 1)]);
    let ls = b.location(None, 2, &[(send, 2)]);
    let lw = b.location(None, 3, &[(worker, 3)]);
    b.sample(&[lp, ls, lw], &[n]);
    b.profile_mut().time_nanos = 1_700_000_000_000_000_000 + minute * 60_000_000_000;
    b.build()
}

#[test]
fn leak_view_with_several_goroutine_snapshots() {
    assert_eq!(ui().respond("/ui/leak").status, 404);
    let snaps = vec![goroutines(10, 0), goroutines(25, 1), goroutines(40, 2)];
    let ui = WebUi::new(snaps[2].clone(), Settings::default())
        .with_settings_file(None)
        .with_snapshots(snaps);
    let page = text(&ui.respond("/ui/leak"));
    assert!(
        page.contains("<a href=\"leak\" class=\"current\">Leak</a>"),
        "{page}"
    );
    assert!(page.contains("1 suspect stack."), "{page}");
    assert!(
        page.contains("<tr data-name=\"main.worker\" class=\"leak\">"),
        "{page}"
    );
    assert!(page.contains("10 → 25 → 40"), "{page}");
    assert!(page.contains("<polyline points="), "{page}");
    let api: serde_json::Value = serde_json::from_slice(&ui.respond("/ui/api/leak").body).unwrap();
    assert!(api["goroutines"].is_object(), "{api}");
}

#[test]
fn leak_view_with_one_goroutine_leak_profile_shows_the_proof() {
    // One goroutineleak snapshot (Go 1.27): the runtime's proof is enough.
    let mut b = ProfileBuilder::new(&[("goroutineleak", "count")]);
    let park = b.function("runtime.gopark", "proc.go", 1);
    let send = b.function("runtime.chansend1", "chan.go", 2);
    let worker = b.function("main.worker", "main.go", 3);
    let lp = b.location(None, 1, &[(park, 1)]);
    let ls = b.location(None, 2, &[(send, 2)]);
    let lw = b.location(None, 3, &[(worker, 31)]);
    b.sample(&[lp, ls, lw], &[12]);
    let leak = b.build();
    let ui = WebUi::new(leak.clone(), Settings::default())
        .with_settings_file(None)
        .with_snapshots(vec![leak.clone()]);
    assert!(ui.views().any(|v| v == View::Leak));
    let page = text(&ui.respond("/ui/leak"));
    assert!(
        page.contains("Verdict: leak proven by the runtime."),
        "{page}"
    );
    assert!(
        page.contains("proven by the runtime: 1 snapshot; 1 suspect stack."),
        "{page}"
    );
    assert!(
        page.contains("<tr data-name=\"main.worker\" class=\"proven\"><td>proven</td>"),
        "{page}"
    );
    // Blocking kind and line, count, and the stack memory it holds.
    assert!(
        page.contains("<td>chan send</td><td class=\"name\">main.go:31</td>"),
        "{page}"
    );
    assert!(page.contains("<td>12</td>"), "{page}");
    assert!(page.contains("<td>96KiB</td>"), "{page}");
    let api: serde_json::Value = serde_json::from_slice(&ui.respond("/ui/api/leak").body).unwrap();
    assert!(api["proven"].is_object(), "{api}");
    // With one goroutine snapshot besides: growth needs two, and says so.
    let ui = WebUi::new(leak.clone(), Settings::default())
        .with_settings_file(None)
        .with_snapshots(vec![leak, goroutines(3, 0)]);
    let page = text(&ui.respond("/ui/leak"));
    assert!(
        page.contains("<p class=\"notice\">Not analysed: goroutine growth needs at least 2 snapshots, got 1.</p>"),
        "{page}"
    );
    // A goroutine profile alone proves nothing and shows no growth: no view.
    let ui = WebUi::new(goroutines(3, 0), Settings::default())
        .with_settings_file(None)
        .with_snapshots(vec![goroutines(3, 0)]);
    assert!(!ui.views().any(|v| v == View::Leak));
    assert_eq!(ui.respond("/ui/leak").status, 404);
}

#[test]
fn flame_graph_of_a_difference_is_a_diff() {
    let mut p = profile();
    // A base subtracted: some values are negative.
    let neg: Vec<_> = p
        .samples
        .iter()
        .map(|s| {
            let mut s = s.to_sample();
            for v in &mut s.values {
                *v = -*v / 2;
            }
            s
        })
        .collect();
    p.samples.extend(neg);
    let diff_ui = WebUi::new(p, Settings::default()).with_settings_file(None);
    let flame: serde_json::Value =
        serde_json::from_slice(&diff_ui.respond("/ui/api/flamegraph").body).unwrap();
    assert_eq!(flame["diff"], true, "{flame}");
    let root = &flame["nodes"][0];
    assert_eq!(root[2], 50_000_000, "{flame}");
    assert_eq!(root[4], 50_000_000, "{flame}");
    let plain: serde_json::Value =
        serde_json::from_slice(&ui().respond("/ui/api/flamegraph?callers=t").body).unwrap();
    assert_eq!(plain["diff"], false);
    // Callers: the leaves are the root's children.
    let names = plain["names"].as_array().unwrap();
    let first_child = plain["nodes"][1][0].as_u64().unwrap() as usize;
    assert_eq!(names[first_child], "github.com/x/sorting.Sort");
}

#[test]
fn bytes_that_are_not_utf8_show_as_replacement_characters() {
    use pprof_model::strings::from_bytes;
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let name = from_bytes(b"main.caf\xe9");
    let file = from_bytes(b"/src/\xff\xfe.go");
    let main = b.function("main.main", "main.go", 1);
    let bad = b.function(&name, &file, 5);
    let lm = b.location(None, 0x1000, &[(main, 2)]);
    let lb = b.location(None, 0x2000, &[(bad, 7)]);
    b.labelled_sample(&[lb, lm], &[5], &[("k", &from_bytes(b"v\x80"))]);
    let ui = WebUi::new(b.build(), Settings::default()).with_settings_file(None);
    let held = |t: &str| {
        t.chars()
            .any(|c| ('\u{10FF00}'..='\u{10FFFF}').contains(&c))
    };
    for target in [
        "/ui/flamegraph",
        "/ui/api/flamegraph",
        "/ui/graph",
        "/ui/top",
        "/ui/api/top",
        "/ui/peek",
        "/ui/api/peek",
        "/ui/source",
        "/ui/tags",
        "/ui/api/tags",
    ] {
        let r = ui.respond(target);
        assert_eq!(r.status, 200, "{target}: {}", text(&r));
        let t = std::str::from_utf8(&r.body).expect("the answer is UTF-8");
        assert!(!held(t), "{target}: a private-use character is shown: {t}");
        let shown = if target.ends_with("tags") {
            "v\u{FFFD}"
        } else {
            "main.caf\u{FFFD}"
        };
        assert!(t.contains(shown), "{target}: {t}");
    }
    // The JSON names the function as pprof's page does.
    let api = ui.respond("/ui/api/flamegraph");
    let v: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert!(v["names"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "main.caf\u{FFFD}"));
    // Filters still match the name as it is held.
    let top = text(&ui.respond("/ui/top?f=caf"));
    assert!(top.contains("main.caf\u{FFFD}"), "{top}");
}

#[test]
fn text_pages_made_in_parts_are_the_whole_page() {
    let text = "a\nb<x>\r\n\nlast";
    let mut whole = String::new();
    page::text_body(text, &mut whole);
    assert_eq!(
        whole,
        "<pre class=\"report\"><span class=\"line\">a</span><span class=\"line\">b&lt;x&gt;</span>\
<span class=\"line\"></span><span class=\"line\">last</span></pre>"
    );
    let mut parts = String::from(page::TEXT_START);
    let mut pos = 0;
    let mut calls = 0;
    while pos < text.len() {
        pos = page::text_lines(text, pos, 1, &mut parts);
        calls += 1;
    }
    parts.push_str(page::TEXT_END);
    assert_eq!((parts, calls), (whole, 4));
    // The server's parts of a text view add up to the page.
    let ui = ui();
    let r = ui.answer("GET", "/ui/peek");
    assert!(r.rest.is_some());
    let streamed: Vec<u8> = r.into_parts().flatten().collect();
    assert_eq!(streamed, ui.respond("/ui/peek").body);
    assert!(text_of(&streamed).contains("main.work"));
    assert!(ui.answer("GET", "/ui/top").rest.is_none());
}

fn text_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn pages_are_made_from_what_a_proto_round_trip_keeps() {
    use pprof_model::Label;
    let mut p = profile();
    let key = p.intern("bytes");
    let zero = Label {
        key,
        num: 0,
        ..Default::default()
    };
    p.samples.rewrite(|s| {
        s.labels.push(zero);
        true
    });
    let ui = WebUi::new(p, Settings::default()).with_settings_file(None);
    assert!(ui.profile.samples.iter().all(|s| !s.labels.contains(&zero)));
}
