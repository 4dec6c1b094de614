//! Integration tests of pprof-leak.
