//! Text reports of pprof profiles: top, traces, tags, peek, tree, list.
#![deny(missing_docs)]
