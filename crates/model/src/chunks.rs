//! Work on two threads: large outputs (text or bytes) made in chunks and
//! written in order (this thread and another each take the next chunk not
//! yet taken, this one writing them in order, at most a few chunks ahead,
//! so the output never sits in memory whole and neither thread waits for
//! the other's larger chunk; text that repeats pieces made once borrows
//! them, [`Pieces`]), and a function over the two halves of a
//! range at once ([`in_halves`]), or over runs of it that two threads take
//! in turn ([`in_runs`], over [`deal`]).

use std::io::Write;
use std::ops::Range;

/// Chunks the other thread may have ready before they are written.
const AHEAD: usize = 2;

/// The buffer a chunk is made in: text, bytes, or [`Pieces`].
pub trait Chunk: Send {
    /// An empty buffer with room for `n` bytes of its own.
    fn with_capacity(n: usize) -> Self;
    /// Empties the buffer, keeping its room.
    fn clear(&mut self);
    /// The bytes the buffer holds itself (what the next one is sized by).
    fn held(&self) -> usize;
    /// Writes what the buffer holds, in order.
    fn write_to<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()>;
}

impl Chunk for String {
    fn with_capacity(n: usize) -> Self {
        String::with_capacity(n)
    }
    fn clear(&mut self) {
        String::clear(self);
    }
    fn held(&self) -> usize {
        self.len()
    }
    fn write_to<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(self.as_bytes())
    }
}

impl Chunk for Vec<u8> {
    fn with_capacity(n: usize) -> Self {
        Vec::with_capacity(n)
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn held(&self) -> usize {
        self.len()
    }
    fn write_to<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(self)
    }
}

/// Output made of text it holds and pieces of text it borrows (made once
/// and repeated many times, such as a location's frame lines), in order.
/// It is written with vectored writes (`writev`), so the borrowed pieces
/// are never copied by this process: a writer that takes vectored writes
/// (a file, standard output) hands them to the system as they are; any
/// other gets them one at a time, or copies them into its buffer.
///
/// ```
/// use pprof_model::chunks::{Chunk, Pieces};
/// let frames = String::from("main.f\nmain.g\n");
/// let mut out = Pieces::default();
/// out.text().push_str("-- ");
/// out.borrow(&frames.as_bytes()[7..]);
/// out.text().push_str("end\n");
/// let mut written = Vec::new();
/// out.write_to(&mut written)?;
/// assert_eq!(written, b"-- main.g\nend\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Default)]
pub struct Pieces<'t> {
    /// The text held.
    own: String,
    /// The order of the pieces: ends of runs of `own`, and borrowed
    /// pieces between them.
    parts: Vec<Part<'t>>,
    /// Where the run of `own` not yet in `parts` starts.
    run: usize,
}

/// One piece of [`Pieces`].
enum Part<'t> {
    /// `own` up to here, from the end of the run before.
    Own(usize),
    Borrowed(&'t [u8]),
}

impl<'t> Pieces<'t> {
    /// Pieces shorter than this are copied: a vectored write's slice
    /// costs about as much as copying a few dozen bytes.
    const COPIED: usize = 16;
    /// Bytes handed to one vectored write, at least (so that a buffered
    /// writer passes them on instead of copying them into its buffer)...
    const WRITE_BYTES: usize = 1 << 18;
    /// ...or slices, at most (the system takes 1024 per call).
    const WRITE_SLICES: usize = 4096;

    /// The text held, to append to (after the pieces so far).
    pub fn text(&mut self) -> &mut String {
        &mut self.own
    }

    /// Appends `piece` without copying it.
    pub fn borrow(&mut self, piece: &'t [u8]) {
        if piece.len() < Self::COPIED {
            if let Ok(text) = std::str::from_utf8(piece) {
                self.own.push_str(text);
                return;
            }
        }
        if self.own.len() > self.run {
            self.parts.push(Part::Own(self.own.len()));
            self.run = self.own.len();
        }
        self.parts.push(Part::Borrowed(piece));
    }

    /// The pieces in order.
    fn slices(&self) -> impl Iterator<Item = &[u8]> {
        let own = self.own.as_bytes();
        let mut from = 0;
        let parts = self.parts.iter().map(move |p| match p {
            Part::Own(end) => {
                let run = own.get(from..*end).unwrap_or(&[]);
                from = *end;
                run
            }
            Part::Borrowed(b) => b,
        });
        parts.chain(std::iter::once(own.get(self.run..).unwrap_or(&[])))
    }
}

impl Chunk for Pieces<'_> {
    fn with_capacity(n: usize) -> Self {
        Pieces {
            own: String::with_capacity(n),
            ..Pieces::default()
        }
    }
    fn clear(&mut self) {
        self.own.clear();
        self.parts.clear();
        self.run = 0;
    }
    fn held(&self) -> usize {
        self.own.len()
    }
    fn write_to<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        let mut batch: Vec<std::io::IoSlice<'_>> = Vec::new();
        let mut bytes = 0;
        for s in self.slices().filter(|s| !s.is_empty()) {
            batch.push(std::io::IoSlice::new(s));
            bytes += s.len();
            if bytes >= Self::WRITE_BYTES || batch.len() >= Self::WRITE_SLICES {
                write_all_vectored(w, &mut batch)?;
                bytes = 0;
            }
        }
        write_all_vectored(w, &mut batch)
    }
}

/// Writes all of `slices` with vectored writes, and empties it.
fn write_all_vectored<W: Write + ?Sized>(
    w: &mut W,
    slices: &mut Vec<std::io::IoSlice<'_>>,
) -> std::io::Result<()> {
    let mut left = &mut slices[..];
    while !left.is_empty() {
        match w.write_vectored(left) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut left, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    slices.clear();
    Ok(())
}

/// Writes chunks `0..chunks` to `w` in order, chunk `i` being what
/// `format(state, i, buf)` puts in an empty `buf` (a `String` for text,
/// a `Vec<u8>` for bytes, [`Pieces`] for text that repeats borrowed
/// pieces; see [`Chunk`]). Each thread makes
/// its own `state` with `new_state` (caches, scratch buffers). With more
/// than one chunk and more than one core, a second thread formats chunks
/// too: each thread takes the next chunk no thread has taken, so chunks
/// of unequal cost keep both busy to the end. The first write error stops
/// both threads and is returned.
///
/// ```
/// let mut out = Vec::new();
/// pprof_model::chunks::write_in_order(&mut out, 5, || (), |_, i, text: &mut String| {
///     text.push_str(&format!("{i},"));
/// })?;
/// assert_eq!(out, b"0,1,2,3,4,");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_in_order<S, C: Chunk, W: Write + ?Sized>(
    w: &mut W,
    chunks: usize,
    new_state: impl Fn() -> S + Sync,
    format: impl Fn(&mut S, usize, &mut C) + Sync,
) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if chunks < 2 || !two {
        let mut state = new_state();
        let mut text = C::with_capacity(0);
        for i in 0..chunks {
            text.clear();
            format(&mut state, i, &mut text);
            text.write_to(w)?;
        }
        return Ok(());
    }
    // The next chunk no thread has taken.
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, C)>(AHEAD);
        // Written chunks go back to be filled again, so that no chunk
        // grows from empty (copying itself as it doubles) on fresh pages.
        let (back_tx, back_rx) = std::sync::mpsc::sync_channel::<C>(AHEAD + 1);
        let (format, new_state, next) = (&format, &new_state, &next);
        scope.spawn(move || {
            let mut state = new_state();
            let mut last = 0;
            loop {
                let i = next.fetch_add(1, Relaxed);
                if i >= chunks {
                    return;
                }
                let mut buf = back_rx
                    .try_recv()
                    .unwrap_or_else(|_| C::with_capacity(last + last / 4));
                buf.clear();
                format(&mut state, i, &mut buf);
                last = buf.held();
                // The receiver is gone after a write error: stop.
                if tx.send((i, buf)).is_err() {
                    return;
                }
            }
        });
        let result = (|| {
            let mut state = new_state();
            // Chunks made and not written yet, by number; the other
            // thread's come in the order it took them.
            let mut ready: std::collections::BTreeMap<usize, C> = Default::default();
            let mut spare: Vec<C> = Vec::new();
            let mut last = 0;
            let mut written = 0;
            while written < chunks {
                if let Some(c) = ready.remove(&written) {
                    c.write_to(w)?;
                    written += 1;
                    // Back to the other thread, or kept here when it has
                    // enough.
                    if let Err(std::sync::mpsc::TrySendError::Full(c)) = back_tx.try_send(c) {
                        spare.push(c);
                    }
                    continue;
                }
                // The chunk to write next is the other thread's: take its
                // finished chunks, or make one more here while it works,
                // unless this thread is already far enough ahead.
                if let Ok((i, c)) = rx.try_recv() {
                    ready.insert(i, c);
                    continue;
                }
                let i = next.load(Relaxed);
                if i < chunks
                    && i < written + 2 * AHEAD
                    && next.compare_exchange(i, i + 1, Relaxed, Relaxed).is_ok()
                {
                    let mut buf = spare
                        .pop()
                        .unwrap_or_else(|| C::with_capacity(last + last / 4));
                    buf.clear();
                    format(&mut state, i, &mut buf);
                    last = buf.held();
                    ready.insert(i, buf);
                    continue;
                }
                let (i, c) = rx
                    .recv()
                    .map_err(|_| std::io::Error::other("formatting thread failed"))?;
                ready.insert(i, c);
            }
            Ok(())
        })();
        // After an error, the other thread takes no more chunks.
        next.store(chunks, Relaxed);
        result
    })
}

/// `f` of every index of `0..len` in order, computed in runs on two
/// threads at once as [`in_runs`] does.
///
/// ```
/// let squares = pprof_model::chunks::map_in_runs(5, 1, |i| i * i);
/// assert_eq!(squares, [0, 1, 4, 9, 16]);
/// ```
pub fn map_in_runs<T: Send>(len: usize, min_half: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let runs = in_runs(len, min_half, |r| r.map(&f).collect::<Vec<T>>());
    let mut all = Vec::with_capacity(len);
    for run in runs {
        all.extend(run);
    }
    all
}

/// Runs that a pass shared by two threads is cut into ([`in_runs`], the
/// decoder's runs of samples): enough that both finish together, few
/// enough that each run is long.
pub const RUNS: usize = 16;

/// `f` over consecutive runs of `0..len` (16 of them, fewer when `len` is
/// smaller) on two threads at once, each thread taking the next run not
/// taken, so that both finish together however the cores are shared;
/// the results in the order of the runs, which cover `0..len` in order.
/// One run, `f(0..len)` on this thread, unless `len` is at least twice
/// `min_half` and the machine has more than one core (as [`in_halves`]).
///
/// ```
/// let items: Vec<u64> = (1..=1000).collect();
/// let sums = pprof_model::chunks::in_runs(items.len(), 100, |r| items[r].iter().sum::<u64>());
/// assert_eq!(sums.iter().sum::<u64>(), 500_500);
/// ```
pub fn in_runs<R: Send>(
    len: usize,
    min_half: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    let two = len >= min_half.max(1).saturating_mul(2)
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if !two {
        return vec![f(0..len)];
    }
    let runs = RUNS.min(len);
    let bound = |k: usize| (len as u128 * k as u128 / runs as u128) as usize;
    deal(runs, |k| f(bound(k)..bound(k + 1)))
}

/// `f(k)` for every `k` of `0..n` on two threads at once (one when `n` is
/// below 2 or the machine has one core), each thread taking the next `k`
/// not taken, so that both finish together however the cores are shared;
/// the results in the order of `k`. A panic of `f` on the other thread
/// goes on on this one.
///
/// ```
/// let squares = pprof_model::chunks::deal(4, |k| k * k);
/// assert_eq!(squares, [0, 1, 4, 9]);
/// ```
pub fn deal<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let two = n >= 2 && std::thread::available_parallelism().is_ok_and(|c| c.get() > 1);
    if !two {
        return (0..n).map(f).collect();
    }
    let turns = Turns::new(n);
    let work = || turns.iter().map(|k| (k, f(k))).collect::<Vec<_>>();
    let mut done = std::thread::scope(|scope| {
        let h = scope.spawn(work);
        let mut done = work();
        match h.join() {
            Ok(more) => done.extend(more),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        done
    });
    done.sort_unstable_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

/// The indexes of `0..n` taken in turn by threads: each index goes to the
/// one thread that asks for it first, so that a thread that is free takes
/// the next piece of work ([`deal`], and workers that keep their own sums
/// across the pieces they take).
///
/// ```
/// let turns = pprof_model::chunks::Turns::new(3);
/// assert_eq!(turns.iter().collect::<Vec<_>>(), [0, 1, 2]);
/// assert_eq!(turns.take(), None);
/// ```
#[derive(Debug)]
pub struct Turns {
    next: std::sync::atomic::AtomicUsize,
    n: usize,
}

impl Turns {
    /// The indexes of `0..n`, none taken yet.
    pub fn new(n: usize) -> Turns {
        Turns {
            next: std::sync::atomic::AtomicUsize::new(0),
            n,
        }
    }

    /// The next index not taken; `None` once all are.
    pub fn take(&self) -> Option<usize> {
        let k = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (k < self.n).then_some(k)
    }

    /// The indexes this thread takes, until none is left.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::from_fn(|| self.take())
    }
}

/// `f` over the two halves of `0..len` at once, the second half on
/// another thread, when each half has at least `min_half` items and the
/// machine has more than one core; otherwise `f` over all of `0..len`, and
/// `None` for the second half.
///
/// ```
/// let items: Vec<u64> = (1..=1000).collect();
/// let sum = |r: std::ops::Range<usize>| items[r].iter().sum::<u64>();
/// let (first, second) = pprof_model::chunks::in_halves(items.len(), 100, sum);
/// assert_eq!(first + second.unwrap_or(0), 500_500);
/// ```
pub fn in_halves<R: Send>(
    len: usize,
    min_half: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> (R, Option<R>) {
    let two = len >= min_half.max(1).saturating_mul(2)
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if !two {
        return (f(0..len), None);
    }
    let mid = len / 2;
    let f = &f;
    std::thread::scope(|scope| {
        let h = scope.spawn(move || f(mid..len));
        let first = f(0..mid);
        // A worker that panicked has its half done again here.
        let second = h.join().unwrap_or_else(|_| f(mid..len));
        (first, Some(second))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_out_in_order_with_per_thread_state() {
        for n in [0, 1, 2, 3, 10, 101] {
            let mut out = Vec::new();
            write_in_order(
                &mut out,
                n,
                || 0usize,
                |calls, i, text: &mut String| {
                    *calls += 1;
                    text.push_str(&format!("[{i}]"));
                },
            )
            .unwrap();
            let want: String = (0..n).map(|i| format!("[{i}]")).collect();
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    /// Chunks of very unequal cost: each is made exactly once, by one of
    /// the threads, and they come out in order.
    #[test]
    fn each_chunk_is_made_once_whatever_it_costs() {
        let made = std::sync::Mutex::new(Vec::new());
        let mut out = Vec::new();
        write_in_order(
            &mut out,
            200,
            || (),
            |_, i, text: &mut String| {
                if i % 17 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                text.push_str(&format!("[{i}]"));
                made.lock().unwrap().push(i);
            },
        )
        .unwrap();
        let want: String = (0..200).map(|i| format!("[{i}]")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let mut made = made.into_inner().unwrap();
        made.sort_unstable();
        assert_eq!(made, (0..200).collect::<Vec<_>>());
    }

    /// A writer that takes at most `most` bytes of at most two slices
    /// per vectored write.
    struct Trickle {
        out: Vec<u8>,
        most: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.write_vectored(&[std::io::IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            let mut n = 0;
            for b in bufs.iter().take(2) {
                let take = b.len().min(self.most - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pieces_are_written_in_order_however_writes_are_cut() {
        let shared = "alpha\nbeta\ngamma-delta-epsilon-zeta\n".repeat(50);
        let mut pieces = Pieces::with_capacity(8);
        let mut want = String::new();
        for i in 0..2000 {
            let own = format!("<{i}>");
            pieces.text().push_str(&own);
            want.push_str(&own);
            // Short pieces (copied) and long ones (borrowed).
            let piece = &shared[i % 40..(i % 40) + [3, 20, 200][i % 3]];
            pieces.borrow(piece.as_bytes());
            want.push_str(piece);
        }
        pieces.text().push_str("end");
        want.push_str("end");
        assert!(pieces.held() < want.len() / 2, "long pieces are not copied");
        for most in [1, 7, 1 << 20] {
            let mut w = Trickle {
                out: Vec::new(),
                most,
            };
            pieces.write_to(&mut w).unwrap();
            assert_eq!(String::from_utf8(w.out).unwrap(), want, "{most}");
        }
        let mut all = Vec::new();
        pieces.write_to(&mut all).unwrap();
        assert_eq!(all, want.as_bytes());
        pieces.clear();
        let mut none = Vec::new();
        pieces.write_to(&mut none).unwrap();
        assert!(none.is_empty() && pieces.held() == 0);
    }

    #[test]
    fn pieces_chunks_come_out_as_text_chunks() {
        let shared = "frame line\n".repeat(10);
        let text = |i: usize| format!("[{i}]{}", &shared[..(i % 10) * 11]);
        let mut want = Vec::new();
        write_in_order(
            &mut want,
            300,
            || (),
            |_, i, t: &mut String| {
                t.push_str(&text(i));
            },
        )
        .unwrap();
        let mut got = Vec::new();
        write_in_order(
            &mut got,
            300,
            || (),
            |_, i, p: &mut Pieces<'_>| {
                p.text().push_str(&format!("[{i}]"));
                p.borrow(&shared.as_bytes()[..(i % 10) * 11]);
            },
        )
        .unwrap();
        assert_eq!(got, want);
    }

    /// A writer that fails after `left` bytes.
    struct Failing {
        left: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.left {
                return Err(std::io::Error::other("full"));
            }
            self.left -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn halves_cover_every_item_once() {
        let items: Vec<usize> = (0..101).collect();
        for min_half in [1, 50, 51, usize::MAX] {
            let (a, b) = in_halves(items.len(), min_half, |r| items[r].to_vec());
            let two = min_half <= 50 && std::thread::available_parallelism().unwrap().get() > 1;
            assert_eq!(b.is_some(), two, "{min_half}");
            let all: Vec<usize> = a.into_iter().chain(b.unwrap_or_default()).collect();
            assert_eq!(all, items);
        }
        for (len, min_half) in [(0, 1), (1, 1), (101, 1), (101, 50), (101, 51)] {
            let doubled = map_in_runs(len, min_half, |i| 2 * i);
            assert_eq!(
                doubled,
                (0..len).map(|i| 2 * i).collect::<Vec<_>>(),
                "{len}"
            );
        }
    }

    #[test]
    fn dealt_work_is_done_once_each_and_given_in_order() {
        for n in [0, 1, 2, 17, 100] {
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let got = deal(n, |k| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                k * 3
            });
            assert_eq!(got, (0..n).map(|k| k * 3).collect::<Vec<_>>());
            assert_eq!(calls.into_inner(), n);
        }
    }

    #[test]
    fn runs_cover_every_item_once_in_order() {
        let two = std::thread::available_parallelism().unwrap().get() > 1;
        for (len, min_half) in [
            (0, 1),
            (1, 1),
            (5, 1),
            (15, 1),
            (16, 1),
            (17, 1),
            (101, 50),
            (101, 51),
            (1000, 3),
        ] {
            let runs = in_runs(len, min_half, |r| r.collect::<Vec<usize>>());
            let split = two && len >= 2 * min_half;
            assert_eq!(runs.len(), if split { len.min(16) } else { 1 }, "{len}");
            assert!(!split || runs.iter().all(|r| !r.is_empty()), "{len}");
            let all: Vec<usize> = runs.into_iter().flatten().collect();
            assert_eq!(all, (0..len).collect::<Vec<_>>(), "{len} {min_half}");
        }
    }

    #[test]
    fn a_write_error_stops_and_is_returned() {
        let mut w = Failing { left: 10 };
        let r = write_in_order(
            &mut w,
            1000,
            || (),
            |_, _, text: &mut String| text.push_str("xxxx"),
        );
        assert_eq!(r.unwrap_err().to_string(), "full");
        let shared = "y".repeat(100);
        let mut w = Failing { left: 250 };
        let r = write_in_order(
            &mut w,
            1000,
            || (),
            |_, _, p: &mut Pieces<'_>| {
                p.text().push_str("xxxx");
                p.borrow(shared.as_bytes());
            },
        );
        assert_eq!(r.unwrap_err().to_string(), "full");
    }
}
