//! Integration tests of the `pprof-tools` binary: flag syntax, errors and
//! exit codes, and the `-raw`/`-proto` round trip, on fixtures built with
//! `pprof_model`.

mod cli;
mod dialect;
mod dump_vs_proto;
mod fixtures;
#[cfg(feature = "fleet")]
mod fleet;
mod go;
mod http;
mod issue12;
mod leak;
mod native;
mod regression;
mod remote_symbols;
mod roundtrip;
mod settings_table;
mod shell;
mod shell_remote;
mod web;
