//! Graph exports of pprof profiles: dot, svg, callgrind, flame graphs, folded stacks.
#![deny(missing_docs)]
