//! What a query has read so far: an object store that counts the bytes
//! and files DataFusion reads through it, for progress lines and for
//! showing how much of a dataset a selection touched.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::object_store::path::Path;
use datafusion::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};
use futures::stream::BoxStream;

/// Bytes and files read so far (shared by the store and its readers).
#[derive(Debug, Default)]
pub struct ReadCounter {
    bytes: AtomicU64,
    files: Mutex<HashSet<Path>>,
}

impl ReadCounter {
    /// Bytes read (ranges asked for) since the last [`ReadCounter::reset`].
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Distinct files read from.
    pub fn files(&self) -> usize {
        self.files.lock().map(|f| f.len()).unwrap_or(0)
    }

    /// Starts counting again.
    pub fn reset(&self) {
        self.bytes.store(0, Ordering::Relaxed);
        if let Ok(mut f) = self.files.lock() {
            f.clear();
        }
    }

    fn add(&self, path: &Path, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if let Ok(mut f) = self.files.lock() {
            if !f.contains(path) {
                f.insert(path.clone());
            }
        }
    }
}

/// An [`ObjectStore`] that counts what is read from `inner`.
#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn ObjectStore>,
    counter: Arc<ReadCounter>,
}

impl CountingStore {
    /// Counts reads of `inner` in `counter`.
    pub fn new(inner: Arc<dyn ObjectStore>, counter: Arc<ReadCounter>) -> CountingStore {
        CountingStore { inner, counter }
    }
}

impl fmt::Display for CountingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let r = self.inner.get_opts(location, options).await?;
        self.counter.add(location, r.range.end - r.range.start);
        Ok(r)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        let r = self.inner.get_ranges(location, ranges).await?;
        let n: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        self.counter.add(location, n);
        Ok(r)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

/// Bytes as pprof prints sizes (`12.50MB`), for progress lines.
pub fn size(bytes: u64) -> String {
    pprof_model::measurement::label(i64::try_from(bytes).unwrap_or(i64::MAX), "bytes")
}
