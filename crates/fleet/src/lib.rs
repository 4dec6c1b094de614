//! Profiles at fleet scale: samples as Apache Arrow record batches, stored
//! as Parquet datasets, queried and merged by Apache DataFusion.
//!
//! # Schema
//!
//! One row per sample ([`convert::schema`]):
//!
//! | column | type | holds |
//! |---|---|---|
//! | `profile` | Utf8 | the profile's name (the source it was read from) |
//! | `time` | Timestamp(ns, UTC) | the profile's `time_nanos` |
//! | `seq` | Int64 | profile ordinal × 2³² + sample index (row order) |
//! | `stack_id` | FixedSizeBinary(16) | 128-bit hash of the stack's content |
//! | `leaf` | Utf8 | the leaf function's name |
//! | `stack` | List(Utf8) | function names, leaf first (inlined frames too) |
//! | `labels` | List(Struct{key, str, num, unit}) | the sample's labels, in order |
//! | `labels_id` | FixedSizeBinary(16) | 128-bit hash of the labels' content |
//! | `TYPE/UNIT` | Int64 | one column per sample type (`cpu/nanoseconds`) |
//!
//! Strings are pprof-model's text, in which invalid UTF-8 bytes are held
//! as private-use characters ([`pprof_model::strings`]), so they are valid
//! Arrow `Utf8` and come back as the same bytes. Parquet dictionary-encodes
//! the repeated columns (`profile`, `leaf`, the names of `stack`, label
//! keys and values). Everything of a profile that is not per sample
//! (mappings, locations, functions, header) is kept beside the rows as the
//! profile's *skeleton*: the profile without its samples plus one empty
//! sample per distinct stack, from which the stack ids resolve to
//! locations ([`convert::skeleton`]). A profile is rebuilt exactly from its
//! skeleton and rows ([`convert::from_batches`]).
//!
//! # Datasets
//!
//! A dataset directory ([`dataset`]) holds `samples/` (Parquet, hive-style
//! partitions such as `samples/service=checkout/date=2026-12-01/part-00000001.parquet`)
//! and `profiles/` (each profile's skeleton and header as `.pb.gz`).
//! [`query::Engine`] registers a dataset (or `.pb.gz` files, read straight
//! into batches one partition per file by [`pbtable::table`]) as the
//! table `samples` for SQL, and rebuilds the merged profile of a selection
//! ([`query::Selection`]) from a DataFusion aggregation.
//!
//! # Clusters
//!
//! The same plans run on an Apache Ballista cluster ([`cluster`]):
//! [`Engine::remote`] opens a session on a scheduler (`df://HOST:PORT`),
//! whose executors read the dataset's Parquet files; the binary
//! `pprof-fleet-node` runs a scheduler or an executor.
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//!
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.main", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 3)]);
//! b.sample(&[l], &[5]);
//! let p = b.build();
//!
//! let skeleton = pprof_fleet::convert::skeleton(&p);
//! let ids = pprof_fleet::convert::StackIds::new(&p);
//! let batch = pprof_fleet::convert::to_batch(&p, "p.pb.gz", 1, &[0], &ids)?;
//! assert_eq!(batch.num_rows(), 1);
//! let back = pprof_fleet::convert::from_batches(&skeleton, &[batch])?;
//! assert_eq!(back.to_raw_string(), p.to_raw_string());
//! # Ok::<(), pprof_fleet::Error>(())
//! ```
#![deny(missing_docs)]

pub mod cluster;
pub mod convert;
pub mod dataset;
pub mod pbtable;
pub mod progress;
pub mod query;
pub mod store;

use std::path::PathBuf;

/// What went wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Arrow refused the data (a bug or an unexpected schema).
    #[error("arrow: {0}")]
    Arrow(datafusion::arrow::error::ArrowError),
    /// A file of a dataset could not be read or written.
    #[error("{}: {}", .path.display(), pprof_fetch::io_message(.err))]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        err: std::io::Error,
    },
    /// A file could not be written.
    #[error(transparent)]
    Save(#[from] pprof_fetch::save::SaveError),
    /// A Parquet file could not be written or read.
    #[error("{}: {message}", .path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// Parquet's reason.
        message: String,
    },
    /// A profile file of a dataset could not be decoded.
    #[error("{}: {err}", .path.display())]
    Profile {
        /// The file.
        path: PathBuf,
        /// The decoder's reason.
        err: Box<pprof_model::Error>,
    },
    /// A source could not be loaded.
    #[error(transparent)]
    Fetch(Box<pprof_fetch::Error>),
    /// Rows whose columns are not this crate's schema.
    #[error("not a profile table: {0}")]
    Schema(String),
    /// A row's stack id is in no skeleton of the dataset.
    #[error("a sample's stack is in none of the dataset's profiles")]
    UnknownStack,
    /// DataFusion failed to plan or run a query.
    #[error("{0}")]
    DataFusion(String),
    /// The profiles of a selection cannot be merged.
    #[error("{0}")]
    Merge(Box<pprof_ops::Error>),
    /// A selector (`DIR?key=value&from=...`), partition key or dataset
    /// layout that does not fit.
    #[error("{0}")]
    Invalid(String),
    /// A Ballista scheduler that cannot be reached or refused the session
    /// ([`Engine::remote`]).
    #[error("{0}")]
    Cluster(String),
    /// An object store (such as S3) that cannot be reached or refused a
    /// read or a listing: the url and the store's reason.
    #[error("{0}")]
    Store(String),
    /// A selection that matches no sample.
    #[error("{}: no profile matches the selection", .0)]
    Empty(String),
}

/// `s` on one line (messages of other crates may span several), with an
/// S3 error document (`<Error><Code>..</Code><Message>..</Message>`)
/// cut down to its code and message.
pub(crate) fn one_line(s: &str) -> String {
    let s = s.replace('\n', " ");
    let Some(at) = s.find("<?xml").or_else(|| s.find("<Error>")) else {
        return s;
    };
    let doc = &s[at..];
    let tag = |t: &str| {
        let (_, rest) = doc.split_once(&format!("<{t}>"))?;
        rest.split_once(&format!("</{t}>")).map(|(v, _)| v)
    };
    match (tag("Code"), tag("Message")) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        _ => s[..at].trim_end_matches([' ', ':']).to_string(),
    }
}

impl From<pprof_fetch::Error> for Error {
    fn from(e: pprof_fetch::Error) -> Error {
        Error::Fetch(Box::new(e))
    }
}

impl From<pprof_ops::Error> for Error {
    fn from(e: pprof_ops::Error) -> Error {
        Error::Merge(Box::new(e))
    }
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Error {
        Error::DataFusion(one_line(&e.to_string()))
    }
}

pub use cluster::set_cluster;
pub use dataset::{is_dataset, DatasetWriter, PartitionKey};
pub use query::{
    set_hook_progress, source_hook, write_table, Engine, ProgressSink, Selection, TableFormat,
};
pub use store::Root;
