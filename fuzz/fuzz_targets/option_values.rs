//! Arbitrary text as the value of any option, on the command line or in
//! the shell (every value parser: Go's integers, floats, durations, sizes,
//! booleans, choices): a value or pprof's error, never a panic, and a value
//! taken reads back as text that the option takes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pprof_driver::settings::{Settings, OPTIONS};
use pprof_driver::value::Syntax;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let option = &OPTIONS[usize::from(pick >> 1) % OPTIONS.len()];
    let syntax = if pick & 1 == 0 {
        Syntax::Flag
    } else {
        Syntax::Config
    };
    let mut s = Settings::default();
    if s.set(option.name, text, syntax).is_ok() {
        let again = s.text(option.name).expect("a known option has text");
        let mut t = Settings::default();
        if let Err(e) = t.set(option.name, &again, Syntax::Config) {
            panic!("-{}={text:?} reads back as {again:?}: {e}", option.name);
        }
    }
});
