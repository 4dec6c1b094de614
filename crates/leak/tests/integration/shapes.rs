//! The leakshapes fixtures: chan send, chan receive, select without
//! timeout, mutex wait behind a stuck holder, a goroutine holding a heap
//! buffer, and a steady worker pool that must not be flagged.

use pprof_leak::{
    analyze, analyze_with_source, BlockKind, CreatorSource, Granularity, Mode, Options,
    SnapshotKind, StackTrend, Verdict,
};

use crate::{load, marker_line, read_gosrc};

fn goroutines(dir: &str) -> Vec<pprof_model::Profile> {
    (1..=3)
        .map(|i| load(dir, &format!("goroutine.00{i}.pb.gz")))
        .collect()
}

fn heaps(dir: &str) -> Vec<pprof_model::Profile> {
    (1..=3)
        .map(|i| load(dir, &format!("heap.00{i}.pb.gz")))
        .collect()
}

fn find<'a>(stacks: &'a [StackTrend], title: &str) -> &'a StackTrend {
    stacks
        .iter()
        .find(|s| s.title() == title)
        .unwrap_or_else(|| panic!("no stack titled {title}"))
}

/// (entry function, kind, marker comment of the blocking line, creator).
const SHAPES: [(&str, BlockKind, &str, &str); 5] = [
    (
        "main.sendWorker",
        BlockKind::ChanSend,
        "// leak: chan send",
        "main.handleSend",
    ),
    (
        "main.recvWorker",
        BlockKind::ChanReceive,
        "// leak: chan receive\n",
        "main.handleRecv",
    ),
    (
        "main.selectWorker",
        BlockKind::Select,
        "// leak: select without timeout",
        "main.handleSelect",
    ),
    (
        "main.lockWorker",
        BlockKind::Mutex,
        "// leak: mutex wait",
        "main.handleLock",
    ),
    (
        "main.bufferHolder",
        BlockKind::ChanReceive,
        "// leak: chan receive holding",
        "main.handleUpload",
    ),
];

fn marker(m: &str) -> i64 {
    // A trailing newline in the marker means "the line ends here".
    match m.strip_suffix('\n') {
        Some(exact) => {
            let src = read_gosrc("leakshapes/main.go").unwrap();
            src.lines().position(|l| l.ends_with(exact)).unwrap() as i64 + 1
        }
        None => marker_line(m),
    }
}

#[test]
fn every_leak_shape_is_a_suspect_with_its_blocking_line_and_creator() {
    let profiles = goroutines("shapes");
    let mut reader = |f: &str| read_gosrc(f);
    let report = analyze_with_source(&profiles, &Options::default(), Some(&mut reader)).unwrap();
    let g = report.goroutines.as_ref().unwrap();
    assert!(report.heap.is_none());
    assert!(g.timed);
    assert_eq!(g.snapshots.len(), 3);
    let suspects: Vec<&StackTrend> = g.suspects().collect();
    assert_eq!(suspects.len(), SHAPES.len(), "{:#?}", suspects);
    for (entry, kind, m, creator) in SHAPES {
        let s = find(&g.stacks, entry);
        assert!(s.is_suspect(), "{entry}");
        assert_eq!(s.verdict, Verdict::Leak);
        assert!(s.monotonic);
        assert_eq!(s.kind, Some(kind), "{entry}");
        let b = s.blocking.as_ref().unwrap();
        assert_eq!(b.function, entry);
        assert_eq!(b.file, "leakshapes/main.go");
        assert_eq!(b.line, marker(m), "{entry}");
        assert_eq!(s.entry.as_ref().unwrap().function, entry);
        let c = s.created_by.as_ref().unwrap();
        assert_eq!(c.function, creator);
        assert_eq!(c.source, CreatorSource::Source);
        let go_line = marker_line(&format!("go {}(", &entry["main.".len()..]));
        assert_eq!(c.line, go_line);
        // Counts grow at every snapshot and the rate is per minute.
        assert!(s.counts.windows(2).all(|w| w[0] < w[1]), "{:?}", s.counts);
        let span = g.span_minutes().unwrap();
        let rate = s.growth_per_minute.unwrap();
        let naive = s.increase as f64 / span;
        assert!((rate - naive).abs() / naive < 0.25, "{rate} vs {naive}");
        assert_eq!(s.stack_bytes, s.counts[2] * 8192);
        assert_eq!(s.heap_bytes, None);
    }
    // The control: 40 pool workers and the stuck mutex holder are steady.
    let pool = find(&g.stacks, "main.poolWorker");
    assert_eq!(pool.counts, vec![40, 40, 40]);
    assert_eq!(pool.verdict, Verdict::Steady);
    assert_eq!(pool.kind, Some(BlockKind::ChanReceive));
    let holder = find(&g.stacks, "main.stuckHolder");
    assert_eq!(holder.verdict, Verdict::Steady);
    // Suspects come first, largest growth first.
    let incs: Vec<i64> = suspects.iter().map(|s| s.increase).collect();
    assert!(incs.windows(2).all(|w| w[0] >= w[1]));
    assert!(g.stacks[..suspects.len()].iter().all(|s| s.is_suspect()));
}

#[test]
fn without_sources_the_creator_is_unknown() {
    let report = analyze(&goroutines("shapes"), &Options::default()).unwrap();
    let g = report.goroutines.unwrap();
    assert!(g.suspects().all(|s| s.created_by.is_none()));
    assert_eq!(g.suspects().count(), 5);
}

#[test]
fn steady_program_is_not_flagged() {
    let report = analyze(&goroutines("steady"), &Options::default()).unwrap();
    assert!(!report.leak_suspected());
    let g = report.goroutines.as_ref().unwrap();
    assert_eq!(g.suspects().count(), 0);
    let pool = find(&g.stacks, "main.poolWorker");
    assert_eq!(pool.counts, vec![40, 40, 40]);
    let text = pprof_leak::render::text(&report, &Default::default());
    assert!(text.contains("No leak"), "{text}");
    assert!(text.ends_with("Verdict: no leak\n"), "{text}");
    // Heap of the steady program does not grow by a MiB either.
    let report = analyze(&heaps("steady"), &Options::default()).unwrap();
    assert!(!report.leak_suspected(), "{:#?}", report.heap);
}

#[test]
fn snapshot_order_does_not_matter() {
    let mut profiles = goroutines("shapes");
    let a = analyze(&profiles, &Options::default()).unwrap();
    profiles.reverse();
    let b = analyze(&profiles, &Options::default()).unwrap();
    let (ga, gb) = (a.goroutines.unwrap(), b.goroutines.unwrap());
    assert_eq!(ga.stacks, gb.stacks);
    let inputs: Vec<usize> = gb.snapshots.iter().map(|s| s.input).collect();
    assert_eq!(inputs, vec![2, 1, 0]);
}

#[test]
fn ignore_top_allow_lists_a_function() {
    let mut opts = Options::default();
    opts.ignore_top = vec!["main.sendWorker".into(), "sync.(*Mutex).Lock".into()];
    let report = analyze(&goroutines("shapes"), &opts).unwrap();
    let g = report.goroutines.unwrap();
    assert_eq!(g.suspects().count(), 3);
    assert!(find(&g.stacks, "main.sendWorker").ignored);
    // sync.(*Mutex).Lock sits above main.lockWorker's blocking frame.
    assert!(find(&g.stacks, "main.lockWorker").ignored);
    assert!(!find(&g.stacks, "main.recvWorker").ignored);
}

#[test]
fn thresholds_are_honoured() {
    let profiles = goroutines("shapes");
    let g = analyze(&profiles, &Options::default())
        .unwrap()
        .goroutines
        .unwrap();
    let max = g.stacks.iter().map(|s| s.increase).max().unwrap();
    let mut opts = Options::default();
    opts.min_growth = max + 1;
    let report = analyze(&profiles, &opts).unwrap();
    assert!(!report.leak_suspected());
    let mut opts = Options::default();
    opts.min_rate_per_minute = 1e9;
    assert!(!analyze(&profiles, &opts).unwrap().leak_suspected());
    let mut opts = Options::default();
    opts.min_snapshots = 4;
    assert!(matches!(
        analyze(&profiles, &opts),
        Err(pprof_leak::Error::TooFewSnapshots {
            got: 3,
            need: 4,
            ..
        })
    ));
}

#[test]
fn line_granularity_finds_the_same_suspects() {
    let mut opts = Options::default();
    opts.granularity = Granularity::Lines;
    let report = analyze(&goroutines("shapes"), &opts).unwrap();
    let g = report.goroutines.unwrap();
    let mut titles: Vec<&str> = g.suspects().map(|s| s.title()).collect();
    titles.sort_unstable();
    let mut want: Vec<&str> = SHAPES.iter().map(|s| s.0).collect();
    want.sort_unstable();
    assert_eq!(titles, want);
}

#[test]
fn heap_growth_points_at_allocation_lines_and_goroutine_suspects() {
    let mut profiles = goroutines("shapes");
    profiles.extend(heaps("shapes"));
    let mut reader = |f: &str| read_gosrc(f);
    let report = analyze_with_source(&profiles, &Options::default(), Some(&mut reader)).unwrap();
    let g = report.goroutines.as_ref().unwrap();
    let h = report.heap.as_ref().unwrap();
    assert_eq!(h.kind, SnapshotKind::Heap);
    let cache = find(&h.stacks, "main.cacheInsert");
    assert!(cache.is_suspect());
    let b = cache.blocking.as_ref().unwrap();
    assert_eq!(b.line, marker_line("cache = append(cache, make("));
    assert!(cache.related.is_empty());
    // The buffers held by the leaked goroutines grow the heap, and the
    // heap suspect points back at the goroutine suspect.
    let held = find(&h.stacks, "main.bufferHolder");
    assert!(held.is_suspect(), "{held:#?}");
    assert_eq!(
        held.blocking.as_ref().unwrap().line,
        marker_line("buf := make([]byte, 256<<10)")
    );
    assert_eq!(held.related.len(), 1);
    let gi = held.related[0];
    assert_eq!(g.stacks[gi].title(), "main.bufferHolder");
    let gs = &g.stacks[gi];
    assert!(gs.heap_bytes.unwrap() >= *held.counts.last().unwrap());
    assert!(gs.related.iter().any(|&r| std::ptr::eq(&h.stacks[r], held)));
    // Growth is at least 256 KiB per leaked goroutine, roughly.
    assert!(
        held.increase >= (gs.increase - 2) * (256 << 10) / 2,
        "{held:#?}"
    );
    // The channels made by handleSend (96 B each) grow below the default
    // 1 MiB threshold; with a lower one they are linked to the goroutines
    // of sendWorker (created by handleSend) that retain them.
    let send = find(&g.stacks, "main.sendWorker");
    assert!(send.related.is_empty());
    let mut low = Options::default();
    low.min_heap_growth = 1;
    let report2 = analyze_with_source(&profiles, &low, Some(&mut reader)).unwrap();
    let (g2, h2) = (report2.goroutines.unwrap(), report2.heap.unwrap());
    let send = find(&g2.stacks, "main.sendWorker");
    let chans = find(&h2.stacks, "main.handleSend");
    assert!(chans.is_suspect(), "{chans:#?}");
    assert!(send
        .related
        .iter()
        .any(|&r| h2.stacks[r].title() == "main.handleSend"));
    // Heap only mode rejects goroutine profiles.
    let mut opts = Options::default();
    opts.mode = Mode::Heap;
    assert!(matches!(
        analyze(&profiles, &opts),
        Err(pprof_leak::Error::WrongKind {
            index: 0,
            want: "heap",
            ..
        })
    ));
    assert!(analyze(&heaps("shapes"), &opts).unwrap().leak_suspected());
}

#[test]
fn reports_render() {
    let mut profiles = goroutines("shapes");
    profiles.extend(heaps("shapes"));
    let mut reader = |f: &str| read_gosrc(f);
    let report = analyze_with_source(&profiles, &Options::default(), Some(&mut reader)).unwrap();
    let text = pprof_leak::render::text(&report, &Default::default());
    assert!(
        text.contains("blocked on:  chan send at main.sendWorker (leakshapes/main.go:"),
        "{text}"
    );
    assert!(
        text.contains("created by:  main.handleLock (leakshapes/main.go:"),
        "{text}"
    );
    assert!(
        text.contains("blocked on:  mutex at main.lockWorker"),
        "{text}"
    );
    assert!(text.ends_with("Verdict: leak suspected from growth\n"));
    let json = pprof_leak::render::json(&report);
    assert!(json.starts_with(
        "{\"leak_suspected\":true,\"leak_proven\":false,\"verdict\":\"leak suspected from growth\",\"proven\":null,\"goroutines\":{\"basis\":\"growth\",\"kind\":\"goroutine\""
    ));
    assert!(json.contains("\"kind\":\"select\""));
    let opens = json.matches(['{', '[']).count();
    let closes = json.matches(['}', ']']).count();
    assert_eq!(opens, closes);
    let suspects = report.goroutines.as_ref().unwrap().suspects().count()
        + report.heap.as_ref().unwrap().suspects().count();
    let svg = pprof_leak::render::svg(&report);
    assert_eq!(svg.matches("<polyline").count(), suspects);
    let html = pprof_leak::render::html(&report, &Default::default());
    assert_eq!(html.matches("<polyline").count(), suspects);
    assert!(html.contains("main.bufferHolder"));
}
