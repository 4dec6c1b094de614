//! `.pb.gz` files (any source pprof-fetch reads) as a DataFusion table,
//! one partition per file, each decoded only when its partition runs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use pprof_model::Profile;

use crate::convert;
use crate::Error;

/// Rows converted at a time.
const BATCH_ROWS: usize = 64 * 1024;

/// The files named by `sources`: files as given, directories walked for
/// the files in them (sorted by name; hidden files skipped).
pub fn profile_files(sources: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for s in sources {
        let p = PathBuf::from(s);
        if p.is_dir() {
            let mut found = Vec::new();
            walk(&p, &mut found)?;
            found.sort();
            out.extend(found.into_iter().map(|f| f.to_string_lossy().into_owned()));
        } else {
            out.push(s.clone());
        }
    }
    Ok(out)
}

pub(crate) fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|err| Error::Io {
        path: dir.to_path_buf(),
        err,
    })?;
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// A table over profile files, one partition per file: the schema is the
/// first file's ([`convert::schema`]), which is read to find it; a later
/// file's value columns that the first file does not have are left out,
/// and those it lacks are null.
pub fn table(files: Vec<String>) -> Result<StreamingTable, Error> {
    let Some(first) = files.first() else {
        return Err(Error::Invalid("no profile to query".into()));
    };
    let p = load(first)?;
    let schema = convert::schema(&p);
    let parts: Vec<Arc<dyn PartitionStream>> = files
        .into_iter()
        .enumerate()
        .map(|(i, path)| {
            Arc::new(FilePartition {
                path,
                ordinal: i as u32 + 1,
                schema: schema.clone(),
            }) as Arc<dyn PartitionStream>
        })
        .collect();
    StreamingTable::try_new(schema, parts).map_err(Error::from)
}

fn load(path: &str) -> Result<Profile, Error> {
    let opts = pprof_fetch::FetchOptions::from_env().map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(pprof_fetch::fetch(path, &opts)?)
}

/// One file of a [`PprofTable`].
struct FilePartition {
    path: String,
    ordinal: u32,
    schema: SchemaRef,
}

impl fmt::Debug for FilePartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FilePartition({})", self.path)
    }
}

impl PartitionStream for FilePartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (path, ordinal, schema) = (self.path.clone(), self.ordinal, self.schema.clone());
        let s2 = schema.clone();
        let batches = async move {
            let r = tokio::task::spawn_blocking(move || file_batches(&path, ordinal, &s2)).await;
            let batches = match r {
                Ok(Ok(b)) => b.into_iter().map(Ok).collect(),
                Ok(Err(e)) => vec![Err(datafusion::error::DataFusionError::External(Box::new(
                    e,
                )))],
                Err(e) => vec![Err(datafusion::error::DataFusionError::External(Box::new(
                    e,
                )))],
            };
            futures::stream::iter(batches)
        };
        use futures::StreamExt;
        let stream = futures::stream::once(batches).flatten();
        Box::pin(RecordBatchStreamAdapter::new(schema, stream))
    }
}

/// The rows of the profile at `path`, shaped to `schema`.
fn file_batches(path: &str, ordinal: u32, schema: &SchemaRef) -> Result<Vec<RecordBatch>, Error> {
    let p = load(path)?;
    let ids = convert::StackIds::new(&p);
    let rows: Vec<usize> = (0..p.samples.len()).collect();
    let mut out = Vec::new();
    for chunk in rows.chunks(BATCH_ROWS) {
        let b = convert::to_batch(&p, path, ordinal, chunk, &ids)?;
        out.push(conform(&b, schema)?);
    }
    Ok(out)
}

/// `batch` with the columns of `schema`, by name (missing ones null).
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, Error> {
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(c) => c.clone(),
            None => new_null_array(f.data_type(), batch.num_rows()),
        })
        .collect();
    RecordBatch::try_new(schema.clone(), columns).map_err(Error::Arrow)
}
