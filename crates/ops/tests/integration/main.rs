//! Integration tests of pprof-ops.

mod merge;
mod props;
mod units;
