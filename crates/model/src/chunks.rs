//! Work on two threads: large outputs (text or bytes) made in chunks and
//! written in order (while this thread formats and writes the even chunks, another
//! formats the odd ones, at most a few chunks ahead, so the output never
//! sits in memory whole), and a function over the two halves of a range
//! at once ([`in_halves`]).

use std::io::Write;
use std::ops::Range;

/// Chunks the other thread may have ready before they are written.
const AHEAD: usize = 2;

/// The buffer a chunk is made in: text or bytes.
pub trait Chunk: Send {
    /// An empty buffer with room for `n` bytes.
    fn with_capacity(n: usize) -> Self;
    /// Empties the buffer, keeping its room.
    fn clear(&mut self);
    /// What the buffer holds.
    fn bytes(&self) -> &[u8];
}

impl Chunk for String {
    fn with_capacity(n: usize) -> Self {
        String::with_capacity(n)
    }
    fn clear(&mut self) {
        String::clear(self);
    }
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Chunk for Vec<u8> {
    fn with_capacity(n: usize) -> Self {
        Vec::with_capacity(n)
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// Writes chunks `0..chunks` to `w` in order, chunk `i` being what
/// `format(state, i, buf)` puts in an empty `buf` (a `String` for text,
/// a `Vec<u8>` for bytes; see [`Chunk`]). Each thread makes
/// its own `state` with `new_state` (caches, scratch buffers). With more
/// than one chunk and more than one core, odd chunks are made on a second
/// thread. The first write error stops both threads and is returned.
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
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let mut text = C::with_capacity(0);
    if chunks < 2 || !two {
        let mut state = new_state();
        for i in 0..chunks {
            text.clear();
            format(&mut state, i, &mut text);
            w.write_all(text.bytes())?;
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<C>(AHEAD);
        // Written chunks go back to be filled again, so that no chunk
        // grows from empty (copying itself as it doubles) on fresh pages.
        let (back_tx, back_rx) = std::sync::mpsc::sync_channel::<C>(AHEAD + 1);
        let (format, new_state) = (&format, &new_state);
        scope.spawn(move || {
            let mut state = new_state();
            let mut last = 0;
            for i in (1..chunks).step_by(2) {
                let mut odd = back_rx
                    .try_recv()
                    .unwrap_or_else(|_| C::with_capacity(last + last / 4));
                odd.clear();
                format(&mut state, i, &mut odd);
                last = odd.bytes().len();
                // The receiver is gone after a write error: stop.
                if tx.send(odd).is_err() {
                    return;
                }
            }
        });
        let mut state = new_state();
        for i in 0..chunks {
            if i % 2 == 0 {
                text.clear();
                format(&mut state, i, &mut text);
                w.write_all(text.bytes())?;
            } else {
                let odd = rx
                    .recv()
                    .map_err(|_| std::io::Error::other("formatting thread failed"))?;
                w.write_all(odd.bytes())?;
                // Full only if the other thread has stopped: drop it then.
                let _ = back_tx.try_send(odd);
            }
        }
        Ok(())
    })
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
    }
}
