//! Where datasets live: a local directory, or a prefix of a bucket in an
//! object store (Amazon S3 or an S3-compatible service such as MinIO),
//! read through the `object_store` crate.
//!
//! A dataset source is a directory (`/data/fleet`) or a url
//! (`s3://BUCKET/PREFIX`), with the same selectors after a `?`
//! ([`crate::Selection`]). An S3 bucket is configured as the
//! `object_store` crate's [`AmazonS3Builder::from_env`] reads it:
//!
//! | variable | holds |
//! |---|---|
//! | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | credentials (or the usual instance or web-identity credentials) |
//! | `AWS_REGION` | the bucket's region |
//! | `AWS_ENDPOINT` | an S3-compatible service, e.g. `http://127.0.0.1:9000` |
//! | `AWS_ALLOW_HTTP` | `true` for an endpoint on plain http |
//!
//! Every engine reads through [`Stores`], which makes a bucket's store the
//! first time a url names it and counts what is read
//! ([`crate::progress::CountingStore`]). The Ballista nodes of
//! `pprof-fleet-node` use it too, so a cluster whose nodes see the same
//! variables reads `s3://` datasets as well.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::object_store::local::LocalFileSystem;
use datafusion::object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use url::Url;

use crate::progress::{CountingStore, ReadCounter};
use crate::Error;

/// The url schemes of object stores that hold datasets.
pub const SCHEMES: &[&str] = &["s3"];

/// Where a dataset is: a local directory or an object store url.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// A directory of this machine.
    Local(PathBuf),
    /// A prefix in an object store (`s3://BUCKET/PREFIX`), held with a
    /// trailing `/`.
    Url(Url),
}

impl Root {
    /// The dataset at `text`: an object store url when `text` starts with
    /// one of [`SCHEMES`] and `://`, a local path otherwise. `None` for a
    /// local path that is not a dataset directory.
    pub fn parse(text: &str) -> Option<Result<Root, Error>> {
        if is_store_url(text) {
            return Some(Root::url(text));
        }
        let dir = PathBuf::from(text);
        crate::dataset::is_dataset(&dir).then_some(Ok(Root::Local(dir)))
    }

    /// The dataset at object store url `text`.
    pub fn url(text: &str) -> Result<Root, Error> {
        let bad = |why: String| Error::Invalid(format!("{text}: {why}"));
        let mut url = Url::parse(text).map_err(|e| bad(e.to_string()))?;
        if !SCHEMES.contains(&url.scheme()) {
            return Err(bad(format!(
                "not an object store url ({})",
                SCHEMES.join(", ")
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no bucket".to_string()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("selectors go after the dataset's url, once".to_string()));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Root::Url(url))
    }

    /// The url of `rel` (a `/`-separated path inside the dataset) for
    /// DataFusion: `file:///...` or the store's url.
    pub fn url_of(&self, rel: &str) -> String {
        match self {
            Root::Local(dir) => format!("{}", dir.join(rel).display()),
            Root::Url(u) => format!("{u}{rel}"),
        }
    }

    /// The local directory, when the dataset is one.
    pub fn local(&self) -> Option<&Path> {
        match self {
            Root::Local(d) => Some(d),
            Root::Url(_) => None,
        }
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Root::Local(d) => write!(f, "{}", d.display()),
            Root::Url(u) => f.write_str(u.as_str().trim_end_matches('/')),
        }
    }
}

impl From<&Path> for Root {
    fn from(dir: &Path) -> Root {
        Root::Local(dir.to_path_buf())
    }
}

impl From<PathBuf> for Root {
    fn from(dir: PathBuf) -> Root {
        Root::Local(dir)
    }
}

impl From<&PathBuf> for Root {
    fn from(dir: &PathBuf) -> Root {
        Root::Local(dir.clone())
    }
}

/// Whether `text` is an object store url of one of [`SCHEMES`].
pub fn is_store_url(text: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme))
}

/// The object stores of an engine: local files, and each bucket made on
/// first use from the environment (see the [module](self)); all read
/// through a [`CountingStore`] sharing one [`ReadCounter`].
#[derive(Debug)]
pub struct Stores {
    known: DefaultObjectStoreRegistry,
    counter: Arc<ReadCounter>,
    /// Serializes making a bucket's store, so it is made once.
    making: std::sync::Mutex<()>,
}

impl Stores {
    /// The stores, counting what is read into `counter`.
    pub fn new(counter: Arc<ReadCounter>) -> Stores {
        let known = DefaultObjectStoreRegistry::new();
        let local = Url::parse("file://").ok();
        let stores = Stores {
            known,
            counter,
            making: std::sync::Mutex::new(()),
        };
        if let Some(u) = local {
            let fs: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
            stores.known.register_store(&u, stores.counting(fs));
        }
        stores
    }

    fn counting(&self, inner: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
        Arc::new(CountingStore::new(inner, self.counter.clone()))
    }

    /// A runtime whose object stores are these (DataFusion's defaults
    /// otherwise; spill files in `temp_dir` when given).
    pub fn runtime_env(
        counter: Arc<ReadCounter>,
        temp_dir: Option<&str>,
    ) -> datafusion::error::Result<Arc<RuntimeEnv>> {
        let mut b =
            RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(Stores::new(counter)));
        if let Some(dir) = temp_dir {
            b = b.with_temp_file_path(dir);
        }
        b.build_arc()
    }
}

impl ObjectStoreRegistry for Stores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        if let Ok(s) = self.known.get_store(url) {
            return Ok(s);
        }
        if !SCHEMES.contains(&url.scheme()) {
            return self.known.get_store(url);
        }
        let _one = self.making.lock();
        if let Ok(s) = self.known.get_store(url) {
            return Ok(s);
        }
        let bucket = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
        let s3 = AmazonS3Builder::from_env()
            .with_url(bucket.as_str())
            .build()
            .map_err(|e| {
                datafusion::error::DataFusionError::External(
                    format!("{bucket}: {}", crate::one_line(&e.to_string())).into(),
                )
            })?;
        let store = self.counting(Arc::new(s3));
        self.known.register_store(url, store.clone());
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_error_documents_shrink_to_their_code_and_message() {
        let e = "Generic S3 error: Error performing GET http://h/b/k in 2ms - Server returned \
                 non-2xx status code: 404 Not Found: <?xml version=\"1.0\"?>\n<Error>\
                 <Code>NoSuchKey</Code><Message>The key does not exist</Message></Error>";
        assert_eq!(crate::one_line(e), "NoSuchKey: The key does not exist");
        assert_eq!(crate::one_line("a\nb"), "a b");
        assert_eq!(crate::one_line("status 500: <Error>oops"), "status 500");
    }

    #[test]
    fn urls() {
        assert!(is_store_url("s3://b/x"));
        assert!(!is_store_url("/tmp/s3://x"));
        assert!(!is_store_url("http://host/debug/pprof/heap"));
        let r = Root::url("s3://bucket/fleet/ds").unwrap();
        assert_eq!(r.to_string(), "s3://bucket/fleet/ds");
        assert_eq!(r.url_of("samples/"), "s3://bucket/fleet/ds/samples/");
        assert_eq!(
            Root::url("s3://bucket").unwrap().url_of("profiles/1.pb.gz"),
            "s3://bucket/profiles/1.pb.gz"
        );
        // Datasets are written locally, never to a directory named "s3:".
        let Err(e) = crate::DatasetWriter::create("s3://b/x", vec![]) else {
            panic!("a dataset written to s3://");
        };
        assert!(
            matches!(&e, Error::Invalid(m) if m.contains("aws s3 sync")),
            "{e}"
        );
        assert!(!Path::new("s3:").exists());
        for bad in ["s3:///x", "s3://b/x?service=a", "gs://b/x"] {
            assert!(
                matches!(Root::url(bad), Err(Error::Invalid(m)) if m.starts_with(bad)),
                "{bad}"
            );
        }
    }
}
