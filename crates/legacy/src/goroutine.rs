//! Goroutine dumps: `/debug/pprof/goroutine?debug=2` pages, and the
//! tracebacks Go prints on a crash or SIGQUIT. pprof rejects these; they are
//! read here into a goroutine profile like the runtime's own proto one.
//!
//! # What a dump hides, and what is put back
//!
//! A dump lists the frames `runtime.showframe` lets through: by default it
//! hides every `runtime.*` function whose name is not exported (the
//! `runtime/...` packages stay visible), and `runtime.goexit`. The proto
//! goroutine profile keeps those frames except `runtime.goexit`. To make
//! both give the same function rows, the reader:
//!
//! * drops a visible `runtime.goexit` (a `GOTRACEBACK=system` dump);
//! * puts `runtime.gopark` on top of every parked goroutine (any state but
//!   running, runnable, syscall, idle, dead, copystack and preempted) unless
//!   the dump already shows the parking frames, preceded by the runtime
//!   functions that park for that wait reason when they are certain:
//!   `chan send` → `runtime.chansend`, `runtime.chansend1`;
//!   `chan receive` → `runtime.chanrecv` (whether `chanrecv1` or `chanrecv2`
//!   called it cannot be told); `select` → `runtime.selectgo`;
//!   `select (no cases)` → `runtime.block`; `semacquire` and the
//!   `sync.*` lock reasons → `runtime.goparkunlock`, `runtime.semacquire1`;
//!   `sync.Cond.Wait` → `runtime.goparkunlock`, `runtime.notifyListWait`;
//!   `IO wait` → `runtime.netpollblock`;
//! * appends `runtime.main` below a bottom `main.main` frame;
//! * shows the goroutine that wrote a `debug=2` page
//!   (`runtime/pprof.writeGoroutineStacks`) as the proto writer records
//!   itself: `runtime.goroutineProfileWithLabels` ←
//!   `runtime/pprof.runtime_goroutineProfileWithLabels` ←
//!   `runtime/pprof.writeRuntimeProfile`.
//!
//! Frames put back carry their file name and line 0: the dump does not say
//! which Go version (hence which line) it came from. Frames printed without
//! a `+0x` offset are inlined into the next frame and share its location,
//! as in the proto profile. `goroutine 0` (the signal handler's stack in a
//! SIGQUIT dump) is not a goroutine and is skipped.
//!
//! Every sample carries the string label `state` (the wait reason or
//! status), the numeric label `wait` (minutes, on parked goroutines; 0 when
//! the dump prints no wait time), the string label `created_by` (`func
//! file:line` of the `go` statement), the numeric label `created_by_goroutine`
//! when the dump names the creating goroutine (Go 1.21+), the string
//! label `locked_to_thread` = `true` when present, and the string label
//! `leaked` = `true` on goroutines Go 1.27's leak detector proved can never
//! run again (`[chan send (leaked)]`: the garbage collector found the
//! channel or lock they wait on unreachable from any goroutine that could
//! run; their `state` is the wait reason without the mark). Goroutines with
//! the same stack and labels form one sample whose value is their count.

use std::collections::HashMap;

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Profile, Sample, StrId, ValueType,
};

use crate::error::{Error, Result};

/// A goroutine header: id and the text between the brackets.
fn parse_header(line: &str) -> Option<(u64, &str)> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let id: u64 = rest[..digits].parse().ok()?;
    let rest = rest[digits..].trim_end();
    let body = rest.strip_suffix("]:")?;
    let open = body.find(" [")?;
    Some((id, &body[open + 2..]))
}

fn is_header(line: &str) -> bool {
    parse_header(line.trim_end_matches('\r')).is_some()
}

const CRASH_PREFIXES: [&str; 6] = [
    "panic: ",
    "fatal error: ",
    "SIG",
    "unexpected fault address",
    "runtime: ",
    "fatal: ",
];

/// Whether `data` looks like a goroutine dump: its first non-blank line is a
/// `goroutine N [...]:` header, or a crash message (`panic: `, `fatal
/// error: `, `SIGQUIT: quit`, ...) followed later by such a header.
pub fn is_goroutine_dump(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let text = pprof_model::strings::from_bytes(head);
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    if is_header(first) {
        return true;
    }
    if !CRASH_PREFIXES.iter().any(|p| first.starts_with(p)) {
        return false;
    }
    let text = pprof_model::strings::from_bytes(data);
    text.lines().any(is_header)
}

struct Frame<'a> {
    func: &'a str,
    file: &'a str,
    line: i64,
    inlined: bool,
}

#[derive(Default)]
struct Goroutine<'a> {
    id: u64,
    state: &'a str,
    wait_minutes: Option<i64>,
    locked: bool,
    leaked: bool,
    frames: Vec<Frame<'a>>,
    created_by: Option<(&'a str, &'a str, i64)>,
    creator: Option<i64>,
}

/// `pkg.Func(args)` → `pkg.Func`; `panic(...)` → `runtime.gopanic`.
fn function_name(line: &str) -> &str {
    let name = if line.ends_with(')') {
        match line.rfind('(') {
            Some(i) if i > 0 => &line[..i],
            _ => line,
        }
    } else {
        line
    };
    if name == "panic" {
        "runtime.gopanic"
    } else {
        name
    }
}

/// `\tpath/file.go:123 +0x1d fp=... sp=...` → (path, line, has offset).
fn file_line(line: &str) -> (&str, i64, bool) {
    let mut rest = line.trim_start_matches('\t').trim_end();
    let mut has_offset = false;
    if let Some(i) = rest.find(" fp=") {
        rest = &rest[..i];
    }
    if let Some(i) = rest.rfind(" +0x") {
        rest = &rest[..i];
        has_offset = true;
    }
    match rest.rsplit_once(':') {
        Some((path, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
            (path, n.parse().unwrap_or(0), has_offset)
        }
        _ => (rest, 0, has_offset),
    }
}

/// The status of a goroutine header: (state, wait minutes, locked to
/// thread, leaked). The state loses its ` (scan)` and ` (leaked)` marks.
fn parse_state(body: &str) -> (&str, Option<i64>, bool, bool) {
    let mut parts = body.split(", ");
    let mut state = parts.next().unwrap_or("");
    let mut leaked = false;
    loop {
        if let Some(s) = state.strip_suffix(" (scan)") {
            state = s;
        } else if let Some(s) = state.strip_suffix(" (leaked)") {
            state = s;
            leaked = true;
        } else {
            break;
        }
    }
    let mut wait = None;
    let mut locked = false;
    for p in parts {
        if let Some(n) = p
            .strip_suffix(" minutes")
            .or_else(|| p.strip_suffix(" minute"))
        {
            wait = n.trim().parse().ok();
        } else if p == "locked to thread" {
            locked = true;
        }
    }
    (state, wait, locked, leaked)
}

/// Calls `out` with each goroutine of the dump, in order.
fn split_goroutines<'a>(text: &'a str, mut out: impl FnMut(Goroutine<'a>)) {
    let mut cur: Option<Goroutine<'_>> = None;
    let mut pending_func: Option<&str> = None;
    let mut pending_created: Option<&str> = None;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((id, body)) = parse_header(line) {
            if let Some(g) = cur.take() {
                out(g);
            }
            let (state, wait_minutes, locked, leaked) = parse_state(body);
            cur = Some(Goroutine {
                id,
                state,
                wait_minutes,
                locked,
                leaked,
                ..Default::default()
            });
            pending_func = None;
            pending_created = None;
            continue;
        }
        let Some(g) = cur.as_mut() else { continue };
        if line.trim().is_empty() {
            if let Some(g) = cur.take() {
                out(g);
            }
            pending_func = None;
            pending_created = None;
            continue;
        }
        if line.starts_with('\t') {
            let (file, ln, has_offset) = file_line(line);
            if let Some(c) = pending_created.take() {
                g.created_by = Some((c, file, ln));
            } else if let Some(f) = pending_func.take() {
                g.frames.push(Frame {
                    func: f,
                    file,
                    line: ln,
                    inlined: !has_offset,
                });
            }
            continue;
        }
        pending_func = None;
        pending_created = None;
        if let Some(rest) = line.strip_prefix("created by ") {
            let (func, creator) = match rest.split_once(" in goroutine ") {
                Some((f, n)) => (f, n.trim().parse::<i64>().ok()),
                None => (rest, None),
            };
            pending_created = Some(func.trim());
            g.creator = creator;
        } else if !line.starts_with("...") {
            pending_func = Some(function_name(line.trim()));
        }
    }
    if let Some(g) = cur {
        out(g);
    }
}

fn is_parked(state: &str) -> bool {
    !matches!(
        state,
        "running" | "runnable" | "syscall" | "idle" | "dead" | "copystack" | "preempted" | ""
    )
}

/// Runtime frames (leaf first, below `runtime.gopark`) that park a goroutine
/// for this wait reason; see the module documentation.
fn parking_chain(state: &str, first_visible: &str) -> &'static [(&'static str, &'static str)] {
    const CHAN: &str = "runtime/chan.go";
    const SEMA: &str = "runtime/sema.go";
    const PROC: &str = "runtime/proc.go";
    match state {
        "chan send" | "chan send (nil chan)" => {
            if first_visible.starts_with("reflect.") {
                &[("runtime.chansend", CHAN)]
            } else {
                &[("runtime.chansend", CHAN), ("runtime.chansend1", CHAN)]
            }
        }
        "chan receive" | "chan receive (nil chan)" => &[("runtime.chanrecv", CHAN)],
        "select" => &[("runtime.selectgo", "runtime/select.go")],
        "select (no cases)" => &[("runtime.block", "runtime/select.go")],
        "semacquire"
        | "sync.Mutex.Lock"
        | "sync.RWMutex.RLock"
        | "sync.RWMutex.Lock"
        | "sync.WaitGroup.Wait" => &[
            ("runtime.goparkunlock", PROC),
            ("runtime.semacquire1", SEMA),
        ],
        "sync.Cond.Wait" => &[
            ("runtime.goparkunlock", PROC),
            ("runtime.notifyListWait", SEMA),
        ],
        "IO wait" => &[("runtime.netpollblock", "runtime/netpoll.go")],
        _ => &[],
    }
}

struct Builder<'a> {
    p: Profile,
    funcs: HashMap<(&'a str, &'a str), FunctionId>,
    strs: HashMap<&'a str, StrId>,
    created: HashMap<(&'a str, &'a str, i64), StrId>,
    locs: HashMap<Vec<Line>, LocationId>,
    samples: HashMap<(Vec<LocationId>, Vec<Label>), usize>,
}

impl<'a> Builder<'a> {
    fn intern(&mut self, s: &'a str) -> StrId {
        let p = &mut self.p;
        *self.strs.entry(s).or_insert_with(|| p.intern(s))
    }

    fn created_by(&mut self, func: &'a str, file: &'a str, line: i64) -> StrId {
        let p = &mut self.p;
        *self
            .created
            .entry((func, file, line))
            .or_insert_with(|| p.intern(&format!("{func} {file}:{line}")))
    }

    fn func(&mut self, name: &'a str, file: &'a str) -> FunctionId {
        if let Some(&id) = self.funcs.get(&(name, file)) {
            return id;
        }
        let name_id = self.intern(name);
        let file_id = self.intern(file);
        let p = &mut self.p;
        *self.funcs.entry((name, file)).or_insert_with(|| {
            let (name, file) = (name_id, file_id);
            let id = FunctionId(p.functions.len() as u32);
            p.functions.push(Function {
                id: p.functions.len() as u64 + 1,
                name,
                system_name: name,
                filename: file,
                start_line: 0,
            });
            id
        })
    }

    fn loc(&mut self, lines: Vec<Line>) -> LocationId {
        let p = &mut self.p;
        *self.locs.entry(lines).or_insert_with_key(|lines| {
            let id = LocationId(p.locations.len() as u32);
            p.locations.push(Location {
                id: p.locations.len() as u64 + 1,
                mapping: None,
                address: 0,
                lines: lines.clone(),
                is_folded: false,
            });
            id
        })
    }
}

/// Reads a goroutine dump (`debug=2` page or crash traceback) into a
/// goroutine profile; see the module documentation for the conventions.
/// Returns [`Error::Unrecognized`] when the text holds no goroutine.
pub fn parse_goroutine_dump(data: &[u8]) -> Result<Profile> {
    let text = pprof_model::strings::from_bytes(data);
    let mut found = false;
    let mut b = Builder {
        p: Profile::new(),
        funcs: HashMap::new(),
        strs: HashMap::new(),
        created: HashMap::new(),
        locs: HashMap::new(),
        samples: HashMap::new(),
    };
    let ty = b.p.intern("goroutine");
    let unit = b.p.intern("count");
    b.p.sample_types.push(ValueType { r#type: ty, unit });
    b.p.period_type = ValueType { r#type: ty, unit };
    b.p.period = 1;
    let k_state = b.p.intern("state");
    let k_wait = b.p.intern("wait");
    let u_minutes = b.p.intern("minutes");
    let k_created = b.p.intern("created_by");
    let k_creator = b.p.intern("created_by_goroutine");
    let k_locked = b.p.intern("locked_to_thread");
    let k_leaked = b.p.intern("leaked");
    let v_true = b.p.intern("true");

    split_goroutines(&text, |g| {
        found = true;
        if g.id == 0 {
            return;
        }
        // (func, file, line) frames, leaf first, with inline grouping marks.
        let mut frames: Vec<(&str, &str, i64, bool)> = g
            .frames
            .iter()
            .map(|f| (f.func, f.file, f.line, f.inlined))
            .collect();
        while frames.last().is_some_and(|f| f.0 == "runtime.goexit") {
            frames.pop();
        }
        if let Some(i) = frames
            .iter()
            .position(|f| f.0 == "runtime/pprof.writeGoroutineStacks")
        {
            let mut fixed = vec![
                (
                    "runtime.goroutineProfileWithLabels",
                    "runtime/mprof.go",
                    0,
                    false,
                ),
                (
                    "runtime/pprof.runtime_goroutineProfileWithLabels",
                    "runtime/mprof.go",
                    0,
                    false,
                ),
                (
                    "runtime/pprof.writeRuntimeProfile",
                    "runtime/pprof/pprof.go",
                    0,
                    false,
                ),
            ];
            fixed.extend(frames.drain(i + 1..));
            frames = fixed;
        }
        let first = frames.first().map(|f| f.0).unwrap_or("");
        if is_parked(g.state) && first != "runtime.gopark" && first != "runtime.goparkunlock" {
            let mut fixed = vec![("runtime.gopark", "runtime/proc.go", 0, false)];
            for &(f, file) in parking_chain(g.state, first) {
                fixed.push((f, file, 0, false));
            }
            fixed.append(&mut frames);
            frames = fixed;
        }
        if frames.last().is_some_and(|f| f.0 == "main.main") {
            frames.push(("runtime.main", "runtime/proc.go", 0, false));
        }

        let mut locs = Vec::with_capacity(frames.len());
        let mut group: Vec<Line> = Vec::new();
        let n = frames.len();
        for (i, (func, file, line, inlined)) in frames.into_iter().enumerate() {
            let function = b.func(func, file);
            group.push(Line {
                function,
                line,
                column: 0,
            });
            if !inlined || i + 1 == n {
                locs.push(b.loc(std::mem::take(&mut group)));
            }
        }

        let mut labels = Vec::with_capacity(5);
        let state = b.intern(g.state);
        labels.push(Label {
            key: k_state,
            str: state,
            ..Default::default()
        });
        if let Some((func, file, line)) = g.created_by {
            let v = b.created_by(func, file, line);
            labels.push(Label {
                key: k_created,
                str: v,
                ..Default::default()
            });
        }
        if g.locked {
            labels.push(Label {
                key: k_locked,
                str: v_true,
                ..Default::default()
            });
        }
        if g.leaked {
            labels.push(Label {
                key: k_leaked,
                str: v_true,
                ..Default::default()
            });
        }
        if let Some(c) = g.creator {
            labels.push(Label {
                key: k_creator,
                num: c,
                ..Default::default()
            });
        }
        if is_parked(g.state) || g.wait_minutes.is_some() {
            labels.push(Label {
                key: k_wait,
                num: g.wait_minutes.unwrap_or(0),
                num_unit: u_minutes,
                ..Default::default()
            });
        }
        pprof_model::sort_labels(&b.p.strings, &mut labels);

        let key = (locs, labels);
        if let Some(&i) = b.samples.get(&key) {
            if i < b.p.samples.len() {
                if let Some(v) = b.p.samples.values_mut(i).first_mut() {
                    *v += 1;
                }
            }
        } else {
            b.samples.insert(key.clone(), b.p.samples.len());
            b.p.samples.push(Sample {
                locations: key.0,
                values: vec![1],
                labels: key.1,
            });
        }
    });
    if !found {
        return Err(Error::Unrecognized);
    }
    Ok(b.p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("goroutine 5 [chan send]:"),
            Some((5, "chan send"))
        );
        assert_eq!(
            parse_header("goroutine 1 gp=0xc0 m=0 mp=0x5a [running]:"),
            Some((1, "running"))
        );
        assert_eq!(parse_header("goroutine profile: total 3"), None);
        assert_eq!(
            parse_state("chan receive, 12 minutes, locked to thread"),
            ("chan receive", Some(12), true, false)
        );
        assert_eq!(
            parse_state("sync.Mutex.Lock (leaked) (scan)"),
            ("sync.Mutex.Lock", None, false, true)
        );
        assert_eq!(
            parse_state("chan send (leaked)"),
            ("chan send", None, false, true)
        );
    }

    #[test]
    fn names_and_files() {
        assert_eq!(function_name("main.(*T).m(0x1, {0x2, 0x3})"), "main.(*T).m");
        assert_eq!(function_name("panic({0x1?, 0x2?})"), "runtime.gopanic");
        assert_eq!(
            file_line("\t/a b/c.go:12 +0x1d fp=0x1 sp=0x2"),
            ("/a b/c.go", 12, true)
        );
        assert_eq!(file_line("\tx.go:3"), ("x.go", 3, false));
    }
}
