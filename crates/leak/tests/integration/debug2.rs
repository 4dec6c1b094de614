//! The committed debug=2 dumps of leakshapes, read by pprof-legacy's
//! goroutine dump reader (`state`, `wait` and `created_by` labels).

use pprof_leak::{analyze, BlockKind, CreatorSource, Options};
use pprof_model::Profile;

use crate::{fixture_dir, marker_line};

fn dumps(dir: &str) -> Vec<Profile> {
    (1..=3)
        .map(|i| {
            let path = fixture_dir(dir).join(format!("goroutine.00{i}.debug2.txt"));
            pprof_legacy::parse(&std::fs::read(path).unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn debug2_dumps_give_creators_states_and_waits() {
    // Dumps carry no time: they are analysed in the given order.
    let report = analyze(&dumps("shapes"), &Options::default()).unwrap();
    let g = report.goroutines.unwrap();
    assert!(!g.timed);
    let suspects: Vec<_> = g.suspects().collect();
    assert_eq!(suspects.len(), 5, "{suspects:#?}");
    let send = suspects
        .iter()
        .find(|s| s.title() == "main.sendWorker")
        .unwrap();
    assert_eq!(send.kind, Some(BlockKind::ChanSend));
    assert_eq!(send.state.as_deref(), Some("chan send"));
    let b = send.blocking.as_ref().unwrap();
    assert_eq!(b.line, marker_line("// leak: chan send"));
    let c = send.created_by.as_ref().unwrap();
    assert_eq!(
        (c.function.as_str(), c.source),
        ("main.handleSend", CreatorSource::Label)
    );
    assert_eq!(c.file, "leakshapes/main.go");
    assert_eq!(c.line, marker_line("go sendWorker("));
    // The program ran for less than a minute: every wait is under 1 minute.
    let w = send.wait.as_ref().unwrap();
    assert_eq!(w.goroutines, *send.counts.last().unwrap());
    assert_eq!((w.min_minutes, w.max_minutes), (0, 0));
    assert_eq!(w.buckets.len(), 1);
    // The dump keeps sync frames: the kind is mutex, not the bare
    // `semacquire` state.
    let lock = suspects
        .iter()
        .find(|s| s.title() == "main.lockWorker")
        .unwrap();
    assert_eq!(lock.kind, Some(BlockKind::Mutex));
    assert_eq!(lock.state.as_deref(), Some("semacquire"));
    let sel = suspects
        .iter()
        .find(|s| s.title() == "main.selectWorker")
        .unwrap();
    assert_eq!(sel.kind, Some(BlockKind::Select));
    // Counts match the proto profiles taken at the same moments.
    let protos: Vec<Profile> = (1..=3)
        .map(|i| crate::load("shapes", &format!("goroutine.00{i}.pb.gz")))
        .collect();
    let gp = analyze(&protos, &Options::default())
        .unwrap()
        .goroutines
        .unwrap();
    for s in &suspects {
        let p = gp.stacks.iter().find(|x| x.title() == s.title()).unwrap();
        assert_eq!(s.counts.first(), p.counts.first(), "{}", s.title());
    }
}

#[test]
fn steady_dumps_are_not_flagged() {
    let report = analyze(&dumps("steady"), &Options::default()).unwrap();
    assert!(!report.leak_suspected(), "{:#?}", report.goroutines);
}
