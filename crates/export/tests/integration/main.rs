//! Integration tests of pprof-export.

mod callgrind;
mod dot;
mod external;
mod fixtures;
mod flame;
mod folded;
mod svg;
mod xmlcheck;
