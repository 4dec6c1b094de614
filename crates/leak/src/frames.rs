//! Classification of Go frames: runtime parking frames, standard library
//! frames, and the kind of wait a parked goroutine is in.

/// What a parked goroutine waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockKind {
    /// Sending on a channel (`ch <- v`).
    ChanSend,
    /// Receiving from a channel (`<-ch`, `range ch`).
    ChanReceive,
    /// A `select` statement with cases.
    Select,
    /// `select {}`: blocked forever by construction.
    SelectNoCases,
    /// `sync.Mutex.Lock`.
    Mutex,
    /// `sync.RWMutex` `Lock` or `RLock`.
    RwMutex,
    /// `sync.WaitGroup.Wait`.
    WaitGroup,
    /// `sync.Cond.Wait`.
    CondWait,
    /// A runtime semaphore (other `sync` primitives).
    Semaphore,
    /// Network or file I/O readiness (netpoll).
    IoWait,
    /// `time.Sleep`.
    Sleep,
    /// Inside a system call.
    Syscall,
    /// `os/signal` waiting for a signal.
    SignalWait,
    /// Parked for a reason the frames do not tell.
    Parked,
    /// Running or runnable: not blocked.
    Running,
}

impl BlockKind {
    /// The kind in words, as printed in reports (`chan send`, `mutex`...).
    pub fn describe(self) -> &'static str {
        match self {
            BlockKind::ChanSend => "chan send",
            BlockKind::ChanReceive => "chan receive",
            BlockKind::Select => "select",
            BlockKind::SelectNoCases => "select (no cases)",
            BlockKind::Mutex => "mutex",
            BlockKind::RwMutex => "rwmutex",
            BlockKind::WaitGroup => "wait group",
            BlockKind::CondWait => "cond wait",
            BlockKind::Semaphore => "semaphore",
            BlockKind::IoWait => "I/O wait",
            BlockKind::Sleep => "sleep",
            BlockKind::Syscall => "syscall",
            BlockKind::SignalWait => "signal wait",
            BlockKind::Parked => "parked",
            BlockKind::Running => "running",
        }
    }

    /// Whether the kind says more than "parked" or "running".
    pub fn is_specific(self) -> bool {
        !matches!(self, BlockKind::Parked | BlockKind::Running)
    }

    /// Whether this is a wait on a channel or a lock: the waits that Go's
    /// leak detector can prove endless, and the only ones the wait-time
    /// heuristic flags (I/O, sleeps and system calls end by themselves).
    pub fn is_sync_wait(self) -> bool {
        matches!(
            self,
            BlockKind::ChanSend
                | BlockKind::ChanReceive
                | BlockKind::Select
                | BlockKind::SelectNoCases
                | BlockKind::Mutex
                | BlockKind::RwMutex
                | BlockKind::WaitGroup
                | BlockKind::CondWait
                | BlockKind::Semaphore
        )
    }

    /// The kind named by a goroutine state of a `debug=2` dump
    /// (`chan send`, `semacquire`, `IO wait`...), if known.
    pub fn from_state(state: &str) -> Option<BlockKind> {
        // States may carry a suffix such as ", locked to thread".
        let s = state.split(',').next().unwrap_or("").trim();
        Some(match s {
            "chan send" | "chan send (nil chan)" => BlockKind::ChanSend,
            "chan receive" | "chan receive (nil chan)" | "finalizer wait" => BlockKind::ChanReceive,
            "select" => BlockKind::Select,
            "select (no cases)" => BlockKind::SelectNoCases,
            "sync.Mutex.Lock" => BlockKind::Mutex,
            "sync.RWMutex.Lock" | "sync.RWMutex.RLock" => BlockKind::RwMutex,
            "sync.WaitGroup.Wait" => BlockKind::WaitGroup,
            "sync.Cond.Wait" => BlockKind::CondWait,
            "semacquire" => BlockKind::Semaphore,
            "IO wait" => BlockKind::IoWait,
            "sleep" => BlockKind::Sleep,
            "syscall" => BlockKind::Syscall,
            "running" | "runnable" => BlockKind::Running,
            "" => return None,
            _ => BlockKind::Parked,
        })
    }

    /// The kind that a single frame reveals, if any.
    pub fn from_function(f: &str) -> Option<BlockKind> {
        Some(match f {
            "runtime.chansend" | "runtime.chansend1" | "runtime.selectnbsend" => {
                BlockKind::ChanSend
            }
            "runtime.chanrecv" | "runtime.chanrecv1" | "runtime.chanrecv2" => {
                BlockKind::ChanReceive
            }
            "runtime.selectgo" => BlockKind::Select,
            "runtime.block" => BlockKind::SelectNoCases,
            "sync.(*Mutex).Lock"
            | "sync.(*Mutex).lockSlow"
            | "sync.runtime_SemacquireMutex"
            | "internal/sync.(*Mutex).Lock"
            | "internal/sync.(*Mutex).lockSlow"
            | "internal/sync.runtime_SemacquireMutex" => BlockKind::Mutex,
            "sync.(*RWMutex).Lock"
            | "sync.(*RWMutex).RLock"
            | "sync.runtime_SemacquireRWMutex"
            | "sync.runtime_SemacquireRWMutexR" => BlockKind::RwMutex,
            "sync.(*WaitGroup).Wait" | "sync.runtime_SemacquireWaitGroup" => BlockKind::WaitGroup,
            "sync.(*Cond).Wait" | "sync.runtime_notifyListWait" => BlockKind::CondWait,
            "sync.runtime_Semacquire" | "runtime.semacquire" | "runtime.semacquire1" => {
                BlockKind::Semaphore
            }
            "internal/poll.runtime_pollWait" | "runtime.netpollblock" | "runtime.netpoll" => {
                BlockKind::IoWait
            }
            "time.Sleep" | "runtime.timeSleep" => BlockKind::Sleep,
            "os/signal.signal_recv" | "os/signal.loop" => BlockKind::SignalWait,
            "runtime.gopark" | "runtime.goparkunlock" => BlockKind::Parked,
            _ => {
                if f.starts_with("syscall.Syscall")
                    || f.starts_with("syscall.RawSyscall")
                    || f.starts_with("internal/runtime/syscall.")
                    || f == "runtime.notetsleepg"
                {
                    BlockKind::Syscall
                } else if f.starts_with("internal/poll.(*pollDesc).wait") {
                    BlockKind::IoWait
                } else {
                    return None;
                }
            }
        })
    }
}

/// Whether a function belongs to the machinery that parks a goroutine (the
/// runtime, `sync` internals, netpoll, `time.Sleep`...), so that the
/// blocking frame is found below it.
pub fn is_parking(f: &str) -> bool {
    if f.starts_with("runtime.")
        || f.starts_with("internal/poll.")
        || f.starts_with("internal/sync.")
        || f.starts_with("internal/runtime/")
        || f.starts_with("syscall.")
        || f.starts_with("internal/syscall/")
        || f == "time.Sleep"
        || f == "os/signal.signal_recv"
    {
        return true;
    }
    if let Some(rest) = f.strip_prefix("sync.") {
        return rest.starts_with("runtime_")
            || rest.starts_with("(*Mutex)")
            || rest.starts_with("(*RWMutex)")
            || rest.starts_with("(*WaitGroup)")
            || rest.starts_with("(*Cond)");
    }
    false
}

/// Whether a frame name is an address (`0x47f7aa`): a frame without a
/// function name, such as the runtime frames that Go's `debug=1` text
/// pages leave unnamed.
pub fn is_address(f: &str) -> bool {
    f.strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The package path of a Go function name: `net/http` for
/// `net/http.(*conn).serve`, `main` for `main.compute`.
pub fn package_of(f: &str) -> &str {
    let slash = f.rfind('/').map(|i| i + 1).unwrap_or(0);
    match f.get(slash..).and_then(|tail| tail.find('.')) {
        Some(dot) => f.get(..slash + dot).unwrap_or(f),
        None => f,
    }
}

/// Whether a function is from Go's standard library (or the runtime): its
/// package path has no dot in its first element and is not `main`.
///
/// A module path without a dot (`example/foo`) is taken for the standard
/// library; that is a known limit of the heuristic.
pub fn is_std(f: &str) -> bool {
    let pkg = package_of(f);
    if pkg == "main" || pkg.is_empty() || f.starts_with("0x") {
        return false;
    }
    let first = pkg.split('/').next().unwrap_or(pkg);
    !first.contains('.')
}

/// Whether a function is user code: neither parking machinery nor the
/// standard library.
pub fn is_user(f: &str) -> bool {
    !is_parking(f) && !is_std(f)
}

/// The function that a closure belongs to: `main.handle` for
/// `main.handle.func1` or `main.handle.func1.2`; `None` for other names.
pub fn closure_parent(f: &str) -> Option<&str> {
    let pkg_len = package_of(f).len();
    let tail = f.get(pkg_len..)?;
    // Offsets of each `.segment` after the package.
    let mut pos = 0usize;
    for seg in tail.split('.') {
        let is_closure = ["func", "gowrap"].iter().any(|p| {
            seg.strip_prefix(p)
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        });
        if is_closure && pos > 0 {
            // `pos` points at the dot before this segment.
            let parent = f.get(..pkg_len + pos - 1)?;
            return (parent.len() > pkg_len + 1).then_some(parent);
        }
        pos += seg.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_std() {
        assert_eq!(package_of("main.compute"), "main");
        assert_eq!(package_of("net/http.(*conn).serve"), "net/http");
        assert_eq!(package_of("github.com/a/b.(*T).M"), "github.com/a/b");
        assert!(is_std("net/http.(*conn).serve"));
        assert!(is_std("runtime.gopark"));
        assert!(!is_std("main.compute"));
        assert!(!is_std("github.com/a/b.F"));
        assert!(is_user("main.compute"));
        assert!(!is_user("sync.(*Mutex).Lock"));
        assert!(is_parking("sync.runtime_SemacquireMutex"));
        assert!(is_parking("internal/sync.(*Mutex).lockSlow"));
        assert!(is_address("0x47f7aa"));
        assert!(!is_address("0x"));
        assert!(!is_address("main.f"));
        assert!(!is_parking("sync.(*Once).Do"));
    }

    #[test]
    fn closures() {
        assert_eq!(closure_parent("main.handle.func1"), Some("main.handle"));
        assert_eq!(closure_parent("main.handle.func1.2"), Some("main.handle"));
        assert_eq!(
            closure_parent("github.com/a/b.(*S).run.func3"),
            Some("github.com/a/b.(*S).run")
        );
        assert_eq!(closure_parent("main.compute"), None);
        assert_eq!(closure_parent("main.func1"), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(
            BlockKind::from_function("runtime.chansend1"),
            Some(BlockKind::ChanSend)
        );
        assert_eq!(BlockKind::from_state("IO wait"), Some(BlockKind::IoWait));
        assert_eq!(
            BlockKind::from_state("chan receive, locked to thread"),
            Some(BlockKind::ChanReceive)
        );
        assert_eq!(BlockKind::from_state("weird"), Some(BlockKind::Parked));
        assert_eq!(BlockKind::Select.describe(), "select");
    }
}
