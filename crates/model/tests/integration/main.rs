//! Integration tests of pprof-model.

mod bad_input;
mod issue12;
mod roundtrip;
