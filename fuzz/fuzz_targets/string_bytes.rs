//! Arbitrary bytes as a profile string: `from_bytes` then `to_bytes` (and
//! the `Unescape` writer, fed in two cut pieces) give the bytes back, and
//! `lossy` is valid text with one character per original character or
//! invalid byte.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use pprof_model::strings::{from_bytes, lossy, to_bytes, Unescape};

fuzz_target!(|data: &[u8]| {
    let held = from_bytes(data);
    assert_eq!(&*to_bytes(&held), data);
    let text = held.as_bytes();
    let cut = data.first().map_or(0, |&b| b as usize % (text.len() + 1));
    let mut out = Vec::new();
    let mut w = Unescape::new(&mut out);
    w.write_all(&text[..cut]).unwrap();
    w.write_all(&text[cut..]).unwrap();
    w.finish().unwrap();
    assert_eq!(out, data);
    assert_eq!(lossy(&held).chars().count(), held.chars().count() - pua_multi(&held));
});

/// Characters of the escape block that stood for one real 4-byte character
/// count as four held characters but one shown character.
fn pua_multi(held: &str) -> usize {
    let raw = to_bytes(held);
    let shown = String::from_utf8_lossy(&raw);
    shown
        .chars()
        .filter(|&c| u32::from(c) >= 0x10FF00)
        .count()
        * 3
}
