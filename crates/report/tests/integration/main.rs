//! Integration tests: small profiles built in code, every text report
//! compared with golden files in `tests/fixtures` (regenerate with
//! `PPROF_UPDATE_GOLDEN=1 cargo test -p pprof-report`), plus checks of the
//! rules behind the numbers.

mod fixture;
mod golden;
mod props;
mod rules;
