//! Loading several sources at once and handing them over in order, so
//! that a caller can merge each source as soon as it and the ones before it
//! are loaded, while the next ones load on the other cores.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Runs `load(i)` for every `i` in `0..n` on up to `threads` threads (the
/// calling thread included) and hands each result to `consume(i, result)`
/// on the calling thread, in index order, as soon as it is ready.
///
/// At most `lookahead` loaded results wait for `consume` at any time (so a
/// large merge does not hold every decoded source at once); when the next
/// result is not ready, the calling thread loads a pending source itself
/// rather than wait. The first error of `consume` stops the work and is
/// returned.
///
/// ```
/// let words = ["a", "b", "c", "d"];
/// let mut seen = Vec::new();
/// pprof_fetch::ordered::load_in_order(words.len(), 2, 2, |i| words[i].to_uppercase(), |i, w| {
///     seen.push((i, w));
///     Ok::<(), ()>(())
/// })
/// .unwrap();
/// assert_eq!(seen, [(0, "A".into()), (1, "B".into()), (2, "C".into()), (3, "D".into())]);
/// ```
pub fn load_in_order<T, E>(
    n: usize,
    threads: usize,
    lookahead: usize,
    load: impl Fn(usize) -> T + Sync,
    mut consume: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
{
    let workers = threads.min(n).saturating_sub(1);
    if workers == 0 {
        for i in 0..n {
            consume(i, load(i))?;
        }
        return Ok(());
    }
    let lookahead = lookahead.max(1);
    struct Shared<T> {
        slots: Vec<Option<T>>,
        consumed: usize,
    }
    let shared = Mutex::new(Shared {
        slots: (0..n).map(|_| None).collect(),
        consumed: 0,
    });
    let changed = Condvar::new();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    let run = |i: usize| {
        let r = load(i);
        if let Some(slot) = lock().slots.get_mut(i) {
            *slot = Some(r);
        }
        changed.notify_all();
    };
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        {
            let mut g = lock();
            while i >= g.consumed + lookahead && !stop.load(Ordering::Relaxed) {
                g = changed.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        run(i);
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(worker);
        }
        let result = (|| {
            for i in 0..n {
                let r = loop {
                    let mut g = lock();
                    if let Some(r) = g.slots.get_mut(i).and_then(Option::take) {
                        g.consumed = i + 1;
                        break r;
                    }
                    // Rather than wait for source i, load one that no
                    // worker has taken yet (if it is not too far ahead).
                    let j = next.load(Ordering::Relaxed);
                    if j < n && j < g.consumed + 2 * lookahead {
                        drop(g);
                        if next
                            .compare_exchange(j, j + 1, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                        {
                            run(j);
                        }
                        continue;
                    }
                    drop(changed.wait(g).unwrap_or_else(|e| e.into_inner()));
                };
                changed.notify_all();
                consume(i, r)?;
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
            next.store(n, Ordering::Relaxed);
            changed.notify_all();
        }
        result
    })
}

/// The number of threads to load sources with: the machine's cores, at
/// most 8.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_on_any_thread_count() {
        for threads in [1, 2, 4, 16] {
            for n in [0, 1, 2, 7, 50] {
                let mut got = Vec::new();
                load_in_order(
                    n,
                    threads,
                    3,
                    |i| i * 10,
                    |i, v| {
                        got.push((i, v));
                        Ok::<(), ()>(())
                    },
                )
                .unwrap();
                let want: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 10)).collect();
                assert_eq!(got, want, "threads {threads}, n {n}");
            }
        }
    }

    #[test]
    fn stops_at_the_first_error() {
        let loaded = AtomicUsize::new(0);
        let r = load_in_order(
            100,
            4,
            2,
            |i| {
                loaded.fetch_add(1, Ordering::Relaxed);
                i
            },
            |i, _| if i == 3 { Err(i) } else { Ok(()) },
        );
        assert_eq!(r, Err(3));
        // Workers stop soon after: they never run far ahead of the consumer.
        assert!(loaded.load(Ordering::Relaxed) < 20);
    }
}
