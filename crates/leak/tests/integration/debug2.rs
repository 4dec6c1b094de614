//! The committed debug=2 dumps of leakshapes, read by a small test-only
//! reader into profiles with `state` and `created_by` labels (the labels the
//! workspace's goroutine dump reader produces).

use pprof_leak::{analyze, BlockKind, CreatorSource, Options};
use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Profile, Sample, ValueType,
};

use crate::{fixture_dir, marker_line};

/// One sample per goroutine; frames from `func(args)` / `\tfile:line +off`
/// pairs; `created by F` becomes a label.
fn read_dump(text: &str, time_nanos: i64) -> Profile {
    let mut p = Profile::new();
    let ty = p.intern("goroutine");
    let unit = p.intern("count");
    p.sample_types.push(ValueType { r#type: ty, unit });
    p.time_nanos = time_nanos;
    let state_key = p.intern("state");
    let created_key = p.intern("created_by");
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        let Some(head) = lines.next() else { continue };
        let Some(state) = head.split('[').nth(1).and_then(|s| s.split(']').next()) else {
            continue;
        };
        let state = state.split(',').next().unwrap().to_string();
        let mut locs = Vec::new();
        let mut creator = None;
        let rest: Vec<&str> = lines.collect();
        for pair in rest.chunks(2) {
            let [func, pos] = pair else { continue };
            let pos = pos.trim().split(" +").next().unwrap();
            let (file, line) = pos.rsplit_once(':').unwrap();
            if let Some(c) = func.strip_prefix("created by ") {
                creator = Some(c.to_string());
                continue;
            }
            let name = &func[..func.rfind('(').unwrap()];
            let name = p.intern(name);
            let filename = p.intern(file);
            p.functions.push(Function {
                id: p.functions.len() as u64 + 1,
                name,
                system_name: name,
                filename,
                start_line: 0,
            });
            p.locations.push(Location {
                id: p.locations.len() as u64 + 1,
                lines: vec![Line {
                    function: FunctionId(p.functions.len() as u32 - 1),
                    line: line.parse().unwrap(),
                }],
                ..Default::default()
            });
            locs.push(LocationId(p.locations.len() as u32 - 1));
        }
        let mut labels = vec![Label {
            key: state_key,
            str: p.intern(&state),
            ..Default::default()
        }];
        if let Some(c) = creator {
            labels.push(Label {
                key: created_key,
                str: p.intern(&c),
                ..Default::default()
            });
        }
        p.samples.push(Sample {
            locations: locs,
            values: vec![1],
            labels,
        });
    }
    p.sort_labels();
    p
}

#[test]
fn debug2_dumps_give_creators_and_states() {
    // Dumps carry no time: they are analysed in the given order.
    let dumps: Vec<Profile> = (1..=3)
        .map(|i| {
            let path = fixture_dir("shapes").join(format!("goroutine.00{i}.debug2.txt"));
            read_dump(&std::fs::read_to_string(path).unwrap(), 0)
        })
        .collect();
    let report = analyze(&dumps, &Options::default()).unwrap();
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
    assert_eq!(
        send.blocking.as_ref().unwrap().line,
        marker_line("// leak: chan send")
    );
    let c = send.created_by.as_ref().unwrap();
    assert_eq!(
        (c.function.as_str(), c.source),
        ("main.handleSend", CreatorSource::Label)
    );
    // The dump keeps sync frames: the kind is mutex, not the bare semacquire state.
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
    // Each goroutine is one sample; counts match the proto profiles.
    let protos: Vec<Profile> = (1..=3)
        .map(|i| crate::load("shapes", &format!("goroutine.00{i}.pb.gz")))
        .collect();
    let gp = analyze(&protos, &Options::default())
        .unwrap()
        .goroutines
        .unwrap();
    let sp = gp
        .stacks
        .iter()
        .find(|s| s.title() == "main.sendWorker")
        .unwrap();
    assert_eq!(send.counts, sp.counts);
}
