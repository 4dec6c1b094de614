//! Call graphs of pprof profiles: nodes, edges, trimming, granularity.
#![deny(missing_docs)]
