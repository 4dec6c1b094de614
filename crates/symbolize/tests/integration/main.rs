//! Integration tests of pprof-symbolize on programs compiled at test time
//! (C with gcc/cc, Rust with rustc), profiled by themselves with
//! `tests/fixtures/sampler.c` (gperftools' CPU profile format), and checked
//! against binutils' `addr2line`. Tests that need a compiler or binutils
//! use pprof-testkit: they skip locally and fail on CI when it is missing.

mod addr2line_client;
mod fixtures;
mod loader;
mod robust;
mod unit;
