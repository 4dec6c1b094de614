//! Interned strings, and the byte strings they stand for.
//!
//! profile.proto strings are bytes: real profilers write invalid UTF-8
//! (truncated C strings, Latin-1 file names), and pprof keeps those bytes
//! through `-proto` and prints them as they are. This crate's strings are
//! `&str`, so that every report and filter works on text; a byte that is
//! not part of valid UTF-8 is held as one character of a private-use block,
//! U+10FF00 + the byte (so it counts as one character when a report pads a
//! column, as Go counts it). The mapping is exact both ways: [`from_bytes`]
//! and [`to_bytes`] are inverses on every byte string (a real character of
//! that block in the input is itself held byte by byte), and valid UTF-8
//! outside that block is held unchanged at no cost.
//!
//! Writers give the bytes back: the encoder writes the original bytes,
//! [`Unescape`] turns a stream of text into pprof's bytes for the text
//! reports, and [`lossy`] shows each invalid byte as U+FFFD where pprof
//! would (JSON, SVG).
//!
//! ```
//! use pprof_model::strings::{from_bytes, lossy, to_bytes};
//!
//! let held = from_bytes(b"main.f\xff");
//! assert_eq!(held.chars().count(), 7);
//! assert_eq!(&*to_bytes(&held), b"main.f\xff");
//! assert_eq!(lossy(&held), "main.f\u{FFFD}");
//! assert_eq!(from_bytes(b"plain"), "plain");
//! ```

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Index of a string in a profile's [`StringTable`].
///
/// Within one profile, two equal `StrId`s always name equal strings and equal
/// strings always have equal `StrId`s, so ids can be compared and hashed
/// instead of the text. `StrId::EMPTY` (index 0) is the empty string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, bytemuck::Zeroable)]
pub struct StrId(pub u32);

impl StrId {
    /// The empty string, present in every table at index 0.
    pub const EMPTY: StrId = StrId(0);

    /// Whether this is the empty string.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A deduplicated string table. Entry 0 is always `""`.
///
/// The strings are held end to end in one buffer (not each in an
/// allocation of its own): a profile's table is made with no allocation
/// per string, and looking strings up reads memory close together.
#[derive(Clone)]
pub struct StringTable {
    /// The strings, end to end.
    text: String,
    /// Where each string ends in `text`; it starts where the one before
    /// it ends.
    ends: Vec<usize>,
    /// The ids of the strings, found by the hash of their text.
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for StringTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Default for StringTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for StringTable {
    fn eq(&self, other: &Self) -> bool {
        // The same strings in the same order: the same text, cut in the
        // same places.
        self.ends == other.ends && self.text == other.text
    }
}

impl StringTable {
    /// A table holding only the empty string.
    pub fn new() -> Self {
        let mut table = StringTable {
            text: String::new(),
            ends: Vec::new(),
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        };
        table.add(table.hasher.hash_one(""), "");
        table
    }

    /// Returns the id of `s`, adding it to the table if it is new.
    pub fn intern(&mut self, s: &str) -> StrId {
        let hash = self.hasher.hash_one(s);
        match self.find(hash, s) {
            Some(id) => id,
            None => self.add(hash, s),
        }
    }

    /// The id of the string `s` whose hash is `hash`, if the table holds it.
    fn find(&self, hash: u64, s: &str) -> Option<StrId> {
        let (text, ends) = (&self.text, &self.ends);
        let same = |&id: &u32| text_of(text, ends, id as usize) == Some(s);
        self.index.find(hash, same).map(|&id| StrId(id))
    }

    /// Adds `s`, which the table does not hold, whose hash is `hash`.
    fn add(&mut self, hash: u64, s: &str) -> StrId {
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        let rehash = id_hash(&self.text, &self.ends, &self.hasher);
        self.index.insert_unique(hash, id, rehash);
        StrId(id)
    }

    /// The ids of the byte strings `list` (held as [`from_bytes`] makes
    /// them), added to the table when new, in order. The texts are made and
    /// hashed on two threads for long lists: only the lookups are serial.
    pub fn intern_all_bytes(&mut self, list: &[&[u8]]) -> Vec<StrId> {
        let hasher = &self.hasher;
        let made = |r: std::ops::Range<usize>| -> Vec<(u64, Cow<'_, str>)> {
            let part = list.get(r).unwrap_or(&[]);
            (part.iter())
                .map(|b| {
                    let text = from_bytes(b);
                    (hasher.hash_one(&*text), text)
                })
                .collect()
        };
        let (first, second) = crate::chunks::in_halves(list.len(), PARALLEL_STRINGS, made);
        let rehash = id_hash(&self.text, &self.ends, hasher);
        self.index.reserve(list.len(), rehash);
        self.ends.reserve(list.len());
        let bytes: usize = list.iter().map(|b| b.len()).sum();
        self.text.reserve(bytes);
        (first.into_iter().chain(second.into_iter().flatten()))
            .map(|(hash, text)| match self.find(hash, &text) {
                Some(id) => id,
                None => self.add(hash, &text),
            })
            .collect()
    }

    /// Returns the id of the byte string `bytes` (held as [`from_bytes`]
    /// makes it), adding it if it is new.
    pub fn intern_bytes(&mut self, bytes: &[u8]) -> StrId {
        self.intern(&from_bytes(bytes))
    }

    /// The bytes of `id`, as they were read ([`to_bytes`]).
    pub fn bytes(&self, id: StrId) -> Cow<'_, [u8]> {
        to_bytes(self.get(id))
    }

    /// Returns the id of `s` if the table holds it.
    pub fn lookup(&self, s: &str) -> Option<StrId> {
        self.find(self.hasher.hash_one(s), s)
    }

    /// The text of `id`. An id from another table may give a wrong string or
    /// the empty string, but never panics.
    pub fn get(&self, id: StrId) -> &str {
        text_of(&self.text, &self.ends, id.index()).unwrap_or("")
    }

    /// Number of distinct strings, the empty string included.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always false: the empty string is always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// An estimate of the memory the table takes: the text, and each
    /// string's end and slot in the lookup map.
    pub(crate) fn heap_bytes(&self) -> u64 {
        const PER_STRING: usize = 8 /* end */ + 8 /* map slot */;
        (self.text.len() + self.ends.len() * PER_STRING) as u64
    }

    /// All strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| text_of(&self.text, &self.ends, i).unwrap_or(""))
    }

    /// Whether any string holds bytes that are not UTF-8 (as
    /// [`from_bytes`] keeps them): only then can a text made of the table's
    /// strings need [`Unescape`].
    pub fn holds_bytes(&self) -> bool {
        self.text.as_bytes().contains(&LEAD)
    }
}

/// The hash of the text of a table's id, for moving it when the index
/// grows.
fn id_hash<'t>(
    text: &'t str,
    ends: &'t [usize],
    hasher: &'t foldhash::fast::RandomState,
) -> impl Fn(&u32) -> u64 + 't {
    move |&id| hasher.hash_one(text_of(text, ends, id as usize).unwrap_or(""))
}

/// String `i` of a table's `text` and `ends`.
#[inline]
fn text_of<'t>(text: &'t str, ends: &[usize], i: usize) -> Option<&'t str> {
    let end = *ends.get(i)?;
    let start = ends.get(i.wrapping_sub(1)).copied().unwrap_or(0);
    text.get(start..end)
}

/// Strings per half from which [`StringTable::intern_all_bytes`] makes
/// and hashes them on two threads.
const PARALLEL_STRINGS: usize = 8192;

/// First character of the block that holds raw bytes: byte `b` is
/// `char::from_u32(ESCAPE_BASE + b)`.
const ESCAPE_BASE: u32 = 0x10FF00;

/// The leading UTF-8 byte of every character from U+100000 up, the escape
/// block included; text without it needs no conversion.
const LEAD: u8 = 0xF4;

fn escape_char(b: u8) -> char {
    // U+10FF00..=U+10FFFF are valid scalar values.
    char::from_u32(ESCAPE_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The byte that the character `c` holds, when it is one of the
/// private-use characters [`from_bytes`] holds bytes in.
///
/// ```
/// use pprof_model::strings::{from_bytes, held_byte};
///
/// let held = from_bytes(b"a\xff");
/// let bytes: Vec<Option<u8>> = held.chars().map(held_byte).collect();
/// assert_eq!(bytes, [None, Some(0xff)]);
/// ```
pub fn held_byte(c: char) -> Option<u8> {
    escaped_byte(c)
}

fn escaped_byte(c: char) -> Option<u8> {
    let v = u32::from(c);
    (v >= ESCAPE_BASE).then(|| (v - ESCAPE_BASE) as u8)
}

/// Text for the byte string `bytes`: itself when it is valid UTF-8 (the
/// usual case, borrowed), otherwise with each byte that is not part of a
/// valid character held as one private-use character (see the module
/// documentation). [`to_bytes`] gives `bytes` back.
pub fn from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if !bytes.contains(&LEAD) => Cow::Borrowed(s),
        _ => Cow::Owned(escape_slow(bytes)),
    }
}

fn escape_slow(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if escaped_byte(c).is_some() {
                let mut buf = [0; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    out.push(escape_char(b));
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            out.push(escape_char(b));
        }
    }
    out
}

/// The byte string that [`from_bytes`] made `text` from: each held byte
/// back in place. Borrowed when there is none.
pub fn to_bytes(text: &str) -> Cow<'_, [u8]> {
    if !text.as_bytes().contains(&LEAD) {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match escaped_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// `text` as valid Unicode for places that need it (JSON, SVG, a web
/// page): each invalid byte of the original becomes U+FFFD, as Go's
/// `encoding/json` shows it.
pub fn lossy(text: &str) -> Cow<'_, str> {
    let bytes = to_bytes(text);
    if matches!(bytes, Cow::Borrowed(_)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    Cow::Owned(out)
}

/// A writer that passes text through, with each byte held by [`from_bytes`]
/// written back as that byte: pprof's text reports print a profile's bytes
/// as they are. Only for text (UTF-8) streams; call [`Unescape::finish`]
/// at the end.
///
/// ```
/// use std::io::Write;
/// use pprof_model::strings::{from_bytes, Unescape};
///
/// let mut out = Vec::new();
/// let mut w = Unescape::new(&mut out);
/// write!(w, "{:<8}|", from_bytes(b"f\xfe"))?;
/// w.finish()?;
/// assert_eq!(out, b"f\xfe      |");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Unescape<W: std::io::Write> {
    inner: W,
    /// Whether to look for held bytes at all.
    active: bool,
    /// The start of a 4-byte character cut by the end of a write.
    pending: Vec<u8>,
    buf: Vec<u8>,
}

impl<W: std::io::Write> Unescape<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Unescape {
            inner,
            active: true,
            pending: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Wraps `inner` for a text made of the strings of `table` (and of
    /// text of its own): when no string of the table holds bytes, the text
    /// passes through without being searched.
    pub fn over(inner: W, table: &StringTable) -> Self {
        Unescape {
            active: table.holds_bytes(),
            ..Unescape::new(inner)
        }
    }

    /// Writes what is pending (a character cut short is written as it
    /// came), flushes, and returns the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        let rest = std::mem::take(&mut self.pending);
        self.inner.write_all(&rest)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: std::io::Write> std::io::Write for Unescape<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if !self.active || (self.pending.is_empty() && !data.contains(&LEAD)) {
            self.inner.write_all(data)?;
            return Ok(data.len());
        }
        let mut input = std::mem::take(&mut self.pending);
        input.extend_from_slice(data);
        self.buf.clear();
        let mut i = 0;
        while i < input.len() {
            let Some(at) = input[i..].iter().position(|&b| b == LEAD) else {
                self.buf.extend_from_slice(&input[i..]);
                break;
            };
            self.buf.extend_from_slice(&input[i..i + at]);
            i += at;
            if input.len() - i < 4 {
                self.pending.extend_from_slice(&input[i..]);
                break;
            }
            let c = &input[i..i + 4];
            // U+10FF00..U+10FFFF is F4 8F BC..BF 80..BF.
            if c[1] == 0x8F && (0xBC..=0xBF).contains(&c[2]) && (0x80..=0xBF).contains(&c[3]) {
                self.buf.push(((c[2] & 0x03) << 6) | (c[3] & 0x3F));
            } else {
                self.buf.extend_from_slice(c);
            }
            i += 4;
        }
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    /// Passes vectored writes on when no string holds bytes (the text is
    /// not searched then); otherwise writes the first slice.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        if !self.active {
            return self.inner.write_vectored(bufs);
        }
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(b) => self.write(b),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn unescape_vectored_writes_pass_on_or_unescape() {
        let mut held = StringTable::new();
        let id = held.intern_bytes(b"f\xfe");
        let escaped = held.get(id).to_string();
        for (table, want) in [
            (StringTable::new(), escaped.clone().into_bytes()),
            (held, b"f\xfe".to_vec()),
        ] {
            let mut out = Vec::new();
            let mut w = Unescape::over(&mut out, &table);
            let bytes = escaped.as_bytes();
            // The escaped character cut between two slices.
            let (a, b) = bytes.split_at(2);
            let mut slices = [std::io::IoSlice::new(a), std::io::IoSlice::new(b)];
            let mut left = &mut slices[..];
            while !left.is_empty() {
                let n = w.write_vectored(left).unwrap();
                std::io::IoSlice::advance_slices(&mut left, n);
            }
            w.finish().unwrap();
            assert_eq!(out, want);
        }
    }

    #[test]
    fn unescape_searches_only_tables_that_hold_bytes() {
        let mut plain = StringTable::new();
        plain.intern("main.main");
        assert!(!plain.holds_bytes());
        let mut held = plain.clone();
        let id = held.intern_bytes(b"f\xfe");
        assert!(held.holds_bytes());
        let text = format!("{}|", held.get(id));
        for (table, want) in [(&held, &b"f\xfe|"[..]), (&plain, text.as_bytes())] {
            let mut out = Vec::new();
            let mut w = Unescape::over(&mut out, table);
            w.write_all(text.as_bytes()).unwrap();
            w.finish().unwrap();
            assert_eq!(out, want);
        }
    }

    #[test]
    fn bytes_round_trip() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain",
            b"\xff\xfe",
            b"caf\xc3\xa9",
            b"\xf0\x9f\x98",
            "\u{10FF41}x".as_bytes(),
            "\u{100000}".as_bytes(),
            b"\xf4\x8f\xbc",
        ];
        for &c in cases {
            let held = from_bytes(c);
            assert_eq!(&*to_bytes(&held), c, "{c:?}");
            let mut out = Vec::new();
            let mut w = Unescape::new(&mut out);
            // One byte at a time: characters cut across writes.
            for b in held.as_bytes() {
                w.write_all(std::slice::from_ref(b)).unwrap();
            }
            w.finish().unwrap();
            assert_eq!(out, c, "{c:?}");
        }
        assert!(matches!(from_bytes(b"ok"), Cow::Borrowed(_)));
        assert_eq!(from_bytes(b"a\xffb").chars().count(), 3);
        assert_eq!(
            lossy(&from_bytes(b"\xf0\x9f\x98!")),
            "\u{FFFD}\u{FFFD}\u{FFFD}!"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_round_trip(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64), cut in 0usize..300) {
            let held = from_bytes(&data);
            proptest::prop_assert_eq!(&*to_bytes(&held), &data[..]);
            let text = held.as_bytes();
            let cut = cut.min(text.len());
            let mut out = Vec::new();
            let mut w = Unescape::new(&mut out);
            w.write_all(&text[..cut]).unwrap();
            w.write_all(&text[cut..]).unwrap();
            w.finish().unwrap();
            proptest::prop_assert_eq!(out, data);
        }
    }

    proptest::proptest! {
        /// Whatever strings are interned, in whatever order (repeats, the
        /// empty string and invalid UTF-8 included), each id gives its
        /// string back and is found by it, the table holds each distinct
        /// string once, in order of first appearance, and tables compare
        /// equal exactly when they hold the same strings in the same order.
        #[test]
        fn interned_strings_come_back_by_id(
            list in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..4), 0..40),
            other in proptest::collection::vec(proptest::collection::vec(0u8..2, 0..3), 0..4),
        ) {
            // Few distinct bytes, so that strings repeat and run into each
            // other ("ab" + "c" against "a" + "bc"); 3 is made invalid UTF-8.
            let bytes = |list: &[Vec<u8>]| -> Vec<Vec<u8>> {
                list.iter()
                    .map(|b| b.iter().map(|&x| if x == 3 { 0xff } else { b'a' + x }).collect())
                    .collect()
            };
            let (list, other) = (bytes(&list), bytes(&other));
            let mut t = StringTable::new();
            let mut firsts: Vec<&[u8]> = vec![b""];
            for b in &list {
                let id = t.intern_bytes(b);
                proptest::prop_assert_eq!(&*t.bytes(id), &b[..]);
                if !firsts.contains(&&b[..]) {
                    firsts.push(b);
                }
            }
            proptest::prop_assert_eq!(t.len(), firsts.len());
            let held: Vec<Vec<u8>> = t.iter().map(|s| to_bytes(s).into_owned()).collect();
            proptest::prop_assert_eq!(&held, &firsts);
            for (i, b) in firsts.iter().enumerate() {
                proptest::prop_assert_eq!(t.lookup(&from_bytes(b)), Some(StrId(i as u32)));
            }
            let copy = t.clone();
            proptest::prop_assert_eq!(&copy, &t);
            let mut more = t.clone();
            more.intern("zz");
            proptest::prop_assert_ne!(&more, &t);
            // Another table is equal exactly when it holds the same
            // strings (not just the same text cut in other places).
            let mut u = StringTable::new();
            for b in &other {
                u.intern_bytes(b);
            }
            let strings = |t: &StringTable| t.iter().map(str::to_string).collect::<Vec<_>>();
            proptest::prop_assert_eq!(u == t, strings(&u) == strings(&t));
        }
    }

    #[test]
    fn table_keeps_distinct_byte_strings_apart() {
        let mut t = StringTable::new();
        let a = t.intern_bytes(b"\xff");
        let b = t.intern_bytes(b"\xfe");
        assert_ne!(a, b);
        assert_eq!(&*t.bytes(a), b"\xff");
        assert_eq!(t.intern_bytes(b"\xff"), a);
    }

    #[test]
    fn intern_dedups() {
        let mut t = StringTable::new();
        let a = t.intern("a");
        assert_eq!(t.intern("a"), a);
        assert_eq!(t.intern(""), StrId::EMPTY);
        assert_eq!(t.get(a), "a");
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(StrId(99)), "");
        // The same text cut in other places is other strings.
        let (mut x, mut y) = (StringTable::new(), StringTable::new());
        let ([xa, xb], [ya, yb]) = (
            ["ab", "c"].map(|s| x.intern(s)),
            ["a", "bc"].map(|s| y.intern(s)),
        );
        assert_ne!(x, y);
        assert_eq!((xa, xb), (ya, yb));
        assert_eq!((x.get(xb), y.get(yb)), ("c", "bc"));
    }

    /// A long list (made on two threads) and a short one give the ids
    /// that interning each string in turn gives, duplicates, the empty
    /// string and invalid UTF-8 included, also for strings already held.
    #[test]
    fn interning_a_list_gives_the_ids_of_interning_each() {
        let mut texts: Vec<Vec<u8>> = (0..3 * PARALLEL_STRINGS)
            .map(|i| format!("main.f{}", i % (2 * PARALLEL_STRINGS)).into_bytes())
            .collect();
        texts[5] = b"\xff\xfe".to_vec();
        texts[3 * PARALLEL_STRINGS - 1] = b"\xff\xfe".to_vec();
        texts[7] = Vec::new();
        for n in [0, 1, 10, texts.len()] {
            let list: Vec<&[u8]> = texts.iter().take(n).map(|t| &t[..]).collect();
            let mut one = StringTable::new();
            let held = one.intern("main.f3");
            let want: Vec<StrId> = list.iter().map(|b| one.intern_bytes(b)).collect();
            let mut all = StringTable::new();
            assert_eq!(all.intern("main.f3"), held);
            assert_eq!(all.intern_all_bytes(&list), want, "{n} strings");
            assert_eq!(
                all.iter().collect::<Vec<_>>(),
                one.iter().collect::<Vec<_>>()
            );
            for (b, &id) in list.iter().zip(&want) {
                assert_eq!(all.lookup(&from_bytes(b)), Some(id));
            }
        }
        assert!(
            texts.len() >= 2 * PARALLEL_STRINGS,
            "long enough for two threads"
        );
    }
}
