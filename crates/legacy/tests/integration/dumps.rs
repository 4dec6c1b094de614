use std::collections::BTreeMap;

use crate::fixture;
use pprof_legacy::{is_goroutine_dump, parse, parse_detailed, parse_goroutine_dump, Format};
use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};

/// pprof `-top` rows at function granularity: name -> (flat, cum).
fn rows(p: &Profile) -> BTreeMap<String, (i64, i64)> {
    let mut m = BTreeMap::new();
    for s in &p.samples {
        let v = s.values[0];
        let mut seen = std::collections::HashSet::new();
        for (i, l) in s.locations.iter().enumerate() {
            for (j, ln) in p.location(*l).lines.iter().enumerate() {
                let name = p.str(p.function(ln.function).name).to_string();
                let e = m.entry(name.clone()).or_insert((0, 0));
                if i == 0 && j == 0 {
                    e.0 += v;
                }
                if seen.insert(name) {
                    e.1 += v;
                }
            }
        }
    }
    m
}

/// The goroutine profile the runtime itself would write at the moment of
/// `goroutine_debug2.txt`: frames as `runtime.GoroutineProfile` records
/// them (parking frames included, `runtime.goexit` excluded, inlined calls
/// as extra lines of one location).
fn runtime_proto_equivalent() -> Profile {
    let mut p = Profile::new();
    let ty = p.intern("goroutine");
    let unit = p.intern("count");
    p.sample_types.push(ValueType { r#type: ty, unit });
    let stacks: [(i64, &[&[&str]]); 5] = [
        (
            1,
            &[
                &["runtime.goroutineProfileWithLabels"],
                &["runtime/pprof.runtime_goroutineProfileWithLabels"],
                &["runtime/pprof.writeRuntimeProfile"],
                &["runtime/pprof.writeGoroutine"],
                &["runtime/pprof.(*Profile).WriteTo"],
                &["main.main"],
                &["runtime.main"],
            ],
        ),
        (
            2,
            &[
                &["runtime.gopark"],
                &["runtime.chansend"],
                &["runtime.chansend1"],
                &["main.produce", "main.worker"],
            ],
        ),
        (
            1,
            &[
                &["runtime.gopark"],
                &["runtime.chanrecv"],
                &["main.consume"],
            ],
        ),
        (
            1,
            &[&["runtime.gopark"], &["runtime.selectgo"], &["main.loop"]],
        ),
        (
            1,
            &[
                &["runtime.gopark"],
                &["runtime.goparkunlock", "runtime.semacquire1"],
                &["sync.runtime_SemacquireMutex"],
                &["sync.(*Mutex).lockSlow"],
                &["sync.(*Mutex).Lock", "main.locker"],
            ],
        ),
    ];
    for (count, frames) in stacks {
        let mut locs = Vec::new();
        for names in frames {
            let mut lines = Vec::new();
            for name in *names {
                let name = p.intern(name);
                let id = FunctionId(p.functions.len() as u32);
                p.functions.push(Function {
                    id: p.functions.len() as u64 + 1,
                    name,
                    system_name: name,
                    ..Default::default()
                });
                lines.push(Line {
                    function: id,
                    line: 1,
                    column: 0,
                });
            }
            locs.push(LocationId(p.locations.len() as u32));
            p.locations.push(Location {
                id: p.locations.len() as u64 + 1,
                lines,
                ..Default::default()
            });
        }
        p.samples.push(Sample {
            locations: locs,
            values: vec![count],
            labels: vec![],
        });
    }
    p
}

#[test]
fn debug2_function_rows_match_the_runtime_profile() {
    let parsed = parse_detailed(&fixture("goroutine_debug2.txt")).unwrap();
    assert_eq!(parsed.format, Format::GoroutineDump);
    let p = parsed.profile;
    assert!(p.check_valid().is_ok());
    assert_eq!(p.samples.iter().map(|s| s.values[0]).sum::<i64>(), 6);
    assert_eq!(rows(&p), rows(&runtime_proto_equivalent()));
}

#[test]
fn debug2_labels_and_aggregation() {
    let p = parse_goroutine_dump(&fixture("goroutine_debug2.txt")).unwrap();
    assert_eq!(p.str(p.sample_types[0].r#type), "goroutine");
    assert_eq!(p.str(p.sample_types[0].unit), "count");
    // Goroutines 7 and 8: same stack and labels, one sample of 2.
    assert_eq!(p.samples.len(), 5);
    let send = p
        .samples
        .iter()
        .find(|s| p.has_label(s, "state", "chan send"))
        .unwrap();
    assert_eq!(send.values, vec![2]);
    assert!(p.has_label(send, "created_by", "main.main /src/app/main.go:35"));
    let num = |s: pprof_model::SampleRef<'_>, key: &str| {
        s.labels
            .iter()
            .find(|l| !l.is_str() && p.str(l.key) == key)
            .map(|l| (l.num, p.str(l.num_unit).to_string()))
    };
    assert_eq!(num(send, "wait"), Some((3, "minutes".to_string())));
    assert_eq!(num(send, "created_by_goroutine"), Some((1, String::new())));
    // The inlined main.produce shares main.worker's location, innermost first.
    let loc = p.location(*send.locations.last().unwrap());
    let names: Vec<&str> = loc
        .lines
        .iter()
        .map(|l| p.str(p.function(l.function).name))
        .collect();
    assert_eq!(names, ["main.produce", "main.worker"]);
    assert_eq!(loc.lines[1].line, 20);
    let fname = p.function(loc.lines[1].function).filename;
    assert_eq!(p.str(fname), "/src/app/main.go");

    let recv = p
        .samples
        .iter()
        .find(|s| p.has_label(s, "state", "chan receive"))
        .unwrap();
    assert!(p.has_label(recv, "locked_to_thread", "true"));
    assert_eq!(num(recv, "wait"), Some((1, "minutes".to_string())));
    // Waiting without a printed time: less than a minute.
    let sel = p
        .samples
        .iter()
        .find(|s| p.has_label(s, "state", "select"))
        .unwrap();
    assert_eq!(num(sel, "wait"), Some((0, "minutes".to_string())));
    // Running goroutines are not waiting.
    let run = p
        .samples
        .iter()
        .find(|s| p.has_label(s, "state", "running"))
        .unwrap();
    assert_eq!(num(run, "wait"), None);
    // Labels are in canonical order.
    let mut q = p.clone();
    q.sort_labels();
    assert_eq!(q, p);
}

#[test]
fn crash_dump() {
    let data = fixture("crash_dump.txt");
    assert!(is_goroutine_dump(&data));
    let p = parse(&data).unwrap();
    let r = rows(&p);
    // The panicking goroutine is running: no parking frame.
    assert_eq!(r["main.explode"], (1, 1));
    assert_eq!(r["main.run.func1"], (0, 1));
    // The main goroutine sleeps: parked in time.Sleep, under runtime.main.
    assert_eq!(r["runtime.gopark"], (1, 1));
    assert_eq!(r["time.Sleep"], (0, 1));
    assert_eq!(r["runtime.main"], (0, 1));
    assert!(!r.contains_key("exit status 2"));
}

#[test]
fn sigquit_dump_with_system_frames() {
    let data = fixture("sigquit_dump.txt");
    assert!(is_goroutine_dump(&data));
    let p = parse(&data).unwrap();
    // goroutine 0 (the signal stack) is skipped; goexit dropped; the visible
    // parking frames are not doubled.
    assert_eq!(p.samples.len(), 1);
    let r = rows(&p);
    assert_eq!(r["runtime.gopark"], (1, 1));
    assert_eq!(r["runtime.netpollblock"], (0, 1));
    assert_eq!(r["runtime.main"], (0, 1));
    assert!(!r.contains_key("runtime.goexit"));
    assert!(!r.contains_key("runtime.futex"));
    assert!(p.has_label(p.samples.at(0), "state", "IO wait"));
}

#[test]
fn detection() {
    assert!(is_goroutine_dump(
        b"\n\ngoroutine 1 [running]:\nmain.main()\n"
    ));
    assert!(!is_goroutine_dump(b"goroutine profile: total 1\n1 @ 0x1\n"));
    assert!(!is_goroutine_dump(b"panic: x\nno goroutines here\n"));
    assert!(parse_goroutine_dump(b"nothing")
        .unwrap_err()
        .is_unrecognized());
}
