//! Loading profiles from files, stdin and HTTP.
#![deny(missing_docs)]
