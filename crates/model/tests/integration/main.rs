//! Integration tests of pprof-model.

mod bad_input;
mod roundtrip;
