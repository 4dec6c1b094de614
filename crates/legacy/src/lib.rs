//! Readers of legacy profile formats: gperftools, Go debug=1 text, Java, goroutine dumps.
#![deny(missing_docs)]
