//! Go 1.27.3 fixtures (made by tests/gosrc/leakshapes127, committed under
//! tests/fixtures/go127): goroutine leak profiles (proto and debug=1 text),
//! `(leaked)` debug=2 dumps, four goroutine snapshots per leak shape, and a
//! dump whose goroutines waited over a minute.

use std::collections::BTreeMap;

use pprof_leak::load::{analyze_snapshots, load, Snapshot};
use pprof_leak::{render, Basis, BlockKind, Options, Report, StackTrend, Verdict};
use pprof_model::Profile;

use crate::{fixture_dir, marker_line_in, read_gosrc};

/// A leaking function, its kind and the marker of its blocking line.
type Leak = (&'static str, BlockKind, &'static str);

/// Leak shapes: directory, and the leaking functions.
const SHAPES: [(&str, &[Leak]); 4] = [
    (
        "chansend",
        &[("main.sendWorker", BlockKind::ChanSend, "// leak: chan send")],
    ),
    (
        "chanrecv",
        &[(
            "main.recvWorker",
            BlockKind::ChanReceive,
            "// leak: chan receive",
        )],
    ),
    (
        "select",
        &[(
            "main.selectWorker",
            BlockKind::Select,
            "// leak: select without timeout",
        )],
    ),
    (
        "mutex",
        &[
            ("main.lockWorker", BlockKind::Mutex, "// leak: mutex wait"),
            (
                "main.stuckHolder",
                BlockKind::ChanReceive,
                "// leak: stuck holder",
            ),
        ],
    ),
];

fn path(dir: &str, file: &str) -> String {
    fixture_dir("go127")
        .join(dir)
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn snap(dir: &str, file: &str) -> Snapshot {
    load(&path(dir, file)).unwrap_or_else(|e| panic!("{e}"))
}

fn analyze(snaps: &[Snapshot], opts: &Options) -> Report {
    let mut reader = |f: &str| read_gosrc(f);
    analyze_snapshots(snaps, opts, Some(&mut reader)).unwrap_or_else(|e| panic!("{e}"))
}

fn four_goroutine_snapshots(dir: &str) -> Vec<Snapshot> {
    (1..=4)
        .map(|i| snap(dir, &format!("goroutine.00{i}.pb.gz")))
        .collect()
}

fn line_of(marker: &str) -> i64 {
    marker_line_in("leakshapes127/main.go", marker)
}

/// A stack as (function, line) pairs, leaf first, without the leading
/// runtime frames: Go's debug=1 writer hides them and a dump shows only
/// some, so stacks are compared from the first frame outside the runtime.
type Key = Vec<(String, i64)>;

fn trim(frames: impl Iterator<Item = (String, i64)>) -> Key {
    frames
        .skip_while(|(f, _)| f.starts_with("runtime.") || f.starts_with("0x"))
        .collect()
}

/// What the runtime's goroutine leak profile lists: each stack with its
/// count, read straight from the profile (not through pprof-leak).
fn runtime_list(p: &Profile) -> BTreeMap<Key, i64> {
    let vi = p
        .sample_type_index("goroutineleak")
        .expect("goroutineleak type");
    let mut out = BTreeMap::new();
    for s in &p.samples {
        let frames = s.locations.iter().flat_map(|l| {
            p.locations[l.index()].lines.iter().map(|ln| {
                let f = &p.functions[ln.function.index()];
                (p.str(f.name).to_string(), ln.line)
            })
        });
        *out.entry(trim(frames)).or_insert(0) += s.values[vi];
    }
    out
}

fn key(s: &StackTrend) -> Key {
    trim(s.frames.iter().map(|f| (f.function.clone(), f.line)))
}

/// The proven stacks of a report, as the runtime list is keyed.
fn proven_list(r: &Report) -> BTreeMap<Key, i64> {
    let p = r.proven.as_ref().expect("a proven analysis");
    assert_eq!(p.basis, Basis::Runtime);
    p.stacks
        .iter()
        .map(|s| {
            assert_eq!(s.verdict, Verdict::Proven);
            (key(s), *s.counts.last().unwrap())
        })
        .collect()
}

#[test]
fn proven_set_equals_the_runtime_list_in_every_format() {
    for (dir, leaks) in SHAPES {
        let leak = snap(dir, "goroutineleak.pb.gz");
        let want = runtime_list(&leak.profile);
        assert!(!want.is_empty(), "{dir}");
        for file in [
            "goroutineleak.pb.gz",
            "goroutineleak.debug1.txt",
            "goroutine.debug2.txt",
        ] {
            let r = analyze(&[snap(dir, file)], &Options::default());
            assert_eq!(proven_list(&r), want, "{dir}/{file}");
            assert!(r.leak_proven() && r.leak_suspected(), "{dir}/{file}");
            assert!(r.goroutines.is_none() && r.waits.is_none());
            let p = r.proven.as_ref().unwrap();
            for (func, kind, marker) in leaks {
                let s = p
                    .stacks
                    .iter()
                    .find(|s| s.title() == *func)
                    .unwrap_or_else(|| panic!("{dir}/{file}: no {func}"));
                let b = s.blocking.as_ref().unwrap();
                assert_eq!(b.file, "leakshapes127/main.go");
                assert_eq!(b.line, line_of(marker), "{dir}/{file} {func}");
                // The debug=1 text hides the runtime frames that tell a
                // channel wait from others; locks show in sync frames.
                if file.ends_with("debug1.txt") && *kind != BlockKind::Mutex {
                    assert_eq!(s.kind, Some(BlockKind::Parked), "{dir}/{file} {func}");
                } else {
                    assert_eq!(s.kind, Some(*kind), "{dir}/{file} {func}");
                }
                // Creators: from the dump's labels, else from the source.
                let c = s.created_by.as_ref().expect("creator");
                assert!(c.function.starts_with("main.handle"), "{c:?}");
            }
        }
    }
}

#[test]
fn growth_over_four_snapshots_includes_every_proven_leak() {
    for (dir, _) in SHAPES {
        let mut snaps = four_goroutine_snapshots(dir);
        let growth = analyze(&snaps, &Options::default());
        let g = growth.goroutines.as_ref().unwrap();
        assert_eq!(g.snapshots.len(), 4);
        let suspects: Vec<Key> = g.suspects().map(key).collect();
        let proven = proven_list(&analyze(
            &[snap(dir, "goroutineleak.pb.gz")],
            &Options::default(),
        ));
        for k in proven.keys() {
            assert!(suspects.contains(k), "{dir}: {k:?} not in {suspects:?}");
        }
        // Together: one report, the proven stacks pointing at their growth.
        snaps.push(snap(dir, "goroutineleak.pb.gz"));
        let r = analyze(&snaps, &Options::default());
        let p = r.proven.as_ref().unwrap();
        let g = r.goroutines.as_ref().unwrap();
        for s in &p.stacks {
            let gi = s.growth.expect("matched in the growth analysis");
            assert!(g.stacks[gi].is_suspect());
            assert_eq!(g.stacks[gi].proven.and_then(|i| p.stacks.get(i)), Some(s));
        }
    }
}

#[test]
fn steady_control_is_clean_in_every_form() {
    let dir = "steady";
    let leak = snap(dir, "goroutineleak.pb.gz");
    assert!(leak.profile.samples.is_empty());
    let r = analyze(&[leak], &Options::default());
    assert!(!r.leak_suspected());
    assert_eq!(r.proven.as_ref().unwrap().stacks.len(), 0);
    let text = render::text(&r, &Default::default());
    assert!(
        text.contains("the runtime proved no goroutine leaked"),
        "{text}"
    );
    assert!(text.ends_with("Verdict: no leak\n"), "{text}");
    // The dump has no (leaked) marks: the wait-time heuristic looks, and
    // nobody waited a minute.
    let r = analyze(&[snap(dir, "goroutine.debug2.txt")], &Options::default());
    assert!(r.proven.is_none());
    assert_eq!(r.waits.as_ref().unwrap().suspects().count(), 0);
    assert!(!r.leak_suspected());
    let r = analyze(&four_goroutine_snapshots(dir), &Options::default());
    assert!(!r.leak_suspected(), "{:#?}", r.goroutines);
}

#[test]
fn mixed_inputs_give_one_report_proven_first() {
    let dir = "all";
    let mut snaps = vec![snap(dir, "goroutineleak.pb.gz")];
    snaps.extend(four_goroutine_snapshots(dir));
    snaps.extend((1..=4).map(|i| snap(dir, &format!("heap.00{i}.pb.gz"))));
    let r = analyze(&snaps, &Options::default());
    let p = r.proven.as_ref().unwrap();
    let h = r.heap.as_ref().unwrap();
    assert_eq!(
        proven_list(&r),
        runtime_list(&snaps[0].profile),
        "proven set"
    );
    // The buffers held by the leaked bufferHolder goroutines: heap growth
    // linked to the proven stack, counted in the memory it holds.
    let holder = p
        .stacks
        .iter()
        .find(|s| s.title() == "main.bufferHolder")
        .unwrap();
    let heap_holder = h
        .stacks
        .iter()
        .find(|s| s.title() == "main.bufferHolder")
        .unwrap();
    assert!(heap_holder.is_suspect());
    assert!(holder.heap_bytes.unwrap() >= *heap_holder.counts.last().unwrap());
    assert!(holder.heap_bytes.unwrap() >= 16 * (256 << 10));
    let text = render::text(&r, &Default::default());
    let proven_at = text.find("proven by the runtime").unwrap();
    let growth_at = text.find("Goroutine growth analysis").unwrap();
    let heap_at = text.find("Heap growth analysis").unwrap();
    assert!(proven_at < growth_at && growth_at < heap_at, "{text}");
    assert!(text.contains("heap on related growing paths"), "{text}");
    assert!(
        text.ends_with("Verdict: leak proven by the runtime\n"),
        "{text}"
    );
    let json = render::json(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["leak_proven"], true);
    assert_eq!(v["proven"]["basis"], "runtime");
    assert_eq!(v["goroutines"]["basis"], "growth");
    assert_eq!(v["heap"]["kind"], "heap");
    assert_eq!(v["inputs"].as_array().unwrap().len(), 9);
    let n_proven = p.suspects().count();
    let html = render::html(&r, &Default::default());
    assert_eq!(
        html.matches("<td>proven by the runtime</td>").count(),
        n_proven
    );
    // Growth suspects that are proven are not repeated as rows; the heap
    // suspect is.
    let rows = html.matches("<tr><td><svg").count();
    assert_eq!(rows, n_proven + h.suspects().count(), "{html}");
    assert!(render::html_section(&r, &Default::default()).starts_with("<section"));
    // A proof and one goroutine snapshot: the growth analysis is skipped,
    // and the report says why.
    let r = analyze(&snaps[..2], &Options::default());
    assert!(r.goroutines.is_none());
    let text = render::text(&r, &Default::default());
    assert!(
        text.contains("\nNot analysed: goroutine growth needs at least 2 snapshots, got 1.\n"),
        "{text}"
    );
}

#[test]
fn debug1_kinds_come_from_other_inputs_when_given() {
    let dir = "mutex";
    let r = analyze(
        &[
            snap(dir, "goroutineleak.debug1.txt"),
            snap(dir, "goroutine.001.pb.gz"),
            snap(dir, "goroutine.004.pb.gz"),
        ],
        &Options::default(),
    );
    let p = r.proven.as_ref().unwrap();
    let holder = p
        .stacks
        .iter()
        .find(|s| s.title() == "main.stuckHolder")
        .unwrap();
    assert_eq!(holder.kind, Some(BlockKind::ChanReceive));
}

#[test]
fn one_long_waiting_dump_gives_heuristic_suspects() {
    let dump = || vec![snap("waits", "goroutine.debug2.txt")];
    // Default threshold: 10 minutes; the program waited a little over one.
    let r = analyze(&dump(), &Options::default());
    let w = r.waits.as_ref().unwrap();
    assert_eq!(w.basis, Basis::WaitTime);
    assert_eq!(w.suspects().count(), 0);
    assert!(!r.leak_suspected());
    let mut opts = Options::default();
    opts.min_wait_minutes = 1;
    let r = analyze(&dump(), &opts);
    let w = r.waits.as_ref().unwrap();
    let suspects: Vec<&StackTrend> = w.suspects().collect();
    assert_eq!(suspects.len(), 1, "{suspects:#?}");
    let s = suspects[0];
    assert_eq!(s.verdict, Verdict::LongWait);
    assert_eq!(s.title(), "main.sendWorker");
    assert_eq!(s.kind, Some(BlockKind::ChanSend));
    assert_eq!(s.counts, vec![75]);
    assert_eq!(s.wait.as_ref().unwrap().long_waiting, 75);
    assert_eq!(s.created_by.as_ref().unwrap().function, "main.handleSend");
    // The 12 pool workers waited as long, but are fewer than 50.
    let pool = w
        .stacks
        .iter()
        .find(|s| s.title() == "main.poolWorker")
        .unwrap();
    assert_eq!(pool.wait.as_ref().unwrap().long_waiting, 12);
    assert_eq!(pool.verdict, Verdict::Steady);
    assert!(r.leak_suspected());
    let text = render::text(&r, &Default::default());
    assert!(
        text.contains("[suspected from wait times (heuristic)]"),
        "{text}"
    );
    assert!(text.contains("75 waited 1m or more"), "{text}");
    assert!(text.ends_with("Verdict: leak suspected from wait times (heuristic)\n"));
    // A lower count threshold flags the pool too; the gate off reports
    // without failing.
    opts.min_waiting = 10;
    opts.wait_gate = false;
    let r = analyze(&dump(), &opts);
    assert_eq!(r.waits.as_ref().unwrap().suspects().count(), 2);
    assert!(!r.leak_suspected());
}
