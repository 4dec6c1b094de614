//! DataFusion over profiles: SQL over a dataset or `.pb.gz` files, and
//! the merged profile of a selection of a dataset.
//!
//! # Selectors
//!
//! A dataset source is `DIR` or `DIR?SELECTORS`, selectors joined by `&`:
//!
//! * `from=TIME`: profiles collected at or after `TIME`;
//! * `to=TIME`: profiles collected before `TIME`;
//! * `KEY=VALUE`: samples whose label `KEY` is `VALUE` (a key given twice
//!   takes either value). A key the dataset is partitioned by selects
//!   directories, so that only their files are read.
//!
//! `TIME` is a date (`2026-12-01`, midnight UTC) or an RFC 3339 time
//! (`2026-12-01T10:30:00Z`). The selected rows are grouped by stack and
//! labels with their values summed, in DataFusion; the headers of the
//! profiles with selected rows are merged as pprof merges profiles.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::functions_aggregate::expr_fn::{min, sum};
use datafusion::prelude::{col, lit, DataFrame, Expr, ParquetReadOptions};
use futures::StreamExt;
use pprof_model::{Function, FunctionId, Label, Location, LocationId, Mapping, MappingId, Profile};
use rustc_hash::FxHashMap;

use crate::convert::{self, RowReader, LABELS, LABELS_ID, SEQ, STACK_ID, TIME};
use crate::dataset::{self, SAMPLES_DIR};
use crate::pbtable;
use crate::progress::{size, ReadCounter};
use crate::store::{Root, Stores};
use crate::Error;
use datafusion::object_store::path::Path as ObjectPath;
use datafusion::object_store::{ObjectStore, ObjectStoreExt};

/// The table name queries use.
pub const TABLE: &str = "samples";

/// Merged samples handed to pprof's merge at a time ([`Builder`]).
const PART_SAMPLES: usize = 1 << 20;

/// The column of a merged sample's first row (its `seq`).
const FIRST: &str = "first";

/// Column `name` of `batch`, which must be an Int64 column.
fn int64_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a datafusion::arrow::array::PrimitiveArray<Int64Type>, Error> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| Error::Schema(format!("no int64 column {name}")))
}

/// An object store's error `e` about `what` (a dataset or one of its
/// files), on one line.
fn store_error(what: &dyn std::fmt::Display, e: &dyn std::fmt::Display) -> Error {
    Error::Store(format!("{what}: {}", crate::one_line(&e.to_string())))
}

/// Label keys, each with the values it accepts.
pub type LabelSelectors = Vec<(String, Vec<String>)>;

/// What a dataset source selects (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// Earliest collection time (ns since the epoch), inclusive.
    pub from: Option<i64>,
    /// Latest collection time (ns since the epoch), exclusive.
    pub to: Option<i64>,
    /// Label keys and the values accepted for each.
    pub labels: LabelSelectors,
}

impl Selection {
    /// Splits a source into a dataset and its selection, when the part
    /// before any `?` is a dataset directory or an object store url
    /// ([`Root::parse`]); `None` otherwise.
    pub fn parse_source(source: &str) -> Option<Result<(Root, Selection), Error>> {
        let (dir, query) = match source.split_once('?') {
            Some((d, q)) => (d, Some(q)),
            None => (source, None),
        };
        let root = Root::parse(dir)?;
        Some(root.and_then(|r| Selection::parse(query.unwrap_or("")).map(|s| (r, s))))
    }

    /// Reads `from=...&to=...&KEY=VALUE...`.
    pub fn parse(query: &str) -> Result<Selection, Error> {
        let mut s = Selection::default();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(Error::Invalid(format!(
                    "selector {part:?}: want KEY=VALUE, from=TIME or to=TIME"
                )));
            };
            match k {
                "from" => s.from = Some(parse_time(v)?),
                "to" => s.to = Some(parse_time(v)?),
                _ => match s.labels.iter_mut().find(|(key, _)| key == k) {
                    Some((_, vals)) => vals.push(v.to_string()),
                    None => s.labels.push((k.to_string(), vec![v.to_string()])),
                },
            }
        }
        Ok(s)
    }
}

/// A date (midnight UTC) or an RFC 3339 time, as ns since the epoch.
pub fn parse_time(text: &str) -> Result<i64, Error> {
    let bad = || {
        Error::Invalid(format!(
            "time {text:?}: want a date (2026-12-01) or an RFC 3339 time (2026-12-01T10:30:00Z)"
        ))
    };
    let ts = match text.parse::<jiff::Timestamp>() {
        Ok(t) => t,
        Err(_) => {
            let d: jiff::civil::Date = text.parse().map_err(|_| bad())?;
            d.to_zoned(jiff::tz::TimeZone::UTC)
                .map_err(|_| bad())?
                .timestamp()
        }
    };
    i64::try_from(ts.as_nanosecond()).map_err(|_| bad())
}

/// The runtime an engine drives its queries on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::DataFusion(format!("starting the query runtime: {e}")))
}

/// Bytes read at the end of a Parquet file for its footer at once.
const FOOTER_HINT: usize = 64 * 1024;

/// The session configuration of every engine, local or remote.
pub(crate) fn session_config() -> SessionConfig {
    let mut config = SessionConfig::new();
    // Strings as Utf8 (this crate's schema), not Utf8View.
    config
        .options_mut()
        .execution
        .parquet
        .schema_force_view_types = false;
    // A dataset's footers are a few KB: read the last 64 KB of a file for
    // its metadata (DataFusion's 512 KB is most of a profile's file).
    config.options_mut().execution.parquet.metadata_size_hint = Some(FOOTER_HINT);
    // No statistics gathered from every file of a table when a query is
    // planned: that reads the footer of each file the partitions keep
    // (1,440 for a day of a 2,000-profile dataset, ~0.9 s), and each file
    // read is pruned by its row groups' statistics when opened anyway.
    config.options_mut().execution.collect_statistics = false;
    config
}

/// Where an [`Engine`] reports progress: a line to show, or `None` to
/// clear it.
pub type ProgressSink = Arc<dyn Fn(Option<&str>) + Send + Sync>;

/// DataFusion with a runtime of its own, driven from synchronous code
/// (in this process, [`Engine::new`], or on a Ballista cluster,
/// [`Engine::remote`]).
pub struct Engine {
    rt: tokio::runtime::Runtime,
    ctx: SessionContext,
    /// The dataset registered last, if the table is one.
    dataset: std::sync::Mutex<Option<Root>>,
    // Ballista (crate::cluster): the scheduler's url of a remote engine.
    pub(crate) cluster: Option<String>,
    /// What queries read from local files.
    read: Arc<ReadCounter>,
    progress: Option<ProgressSink>,
}

impl Engine {
    /// A session on every core.
    pub fn new() -> Result<Engine, Error> {
        let rt = runtime()?;
        // Files and objects are read through stores that count what is read.
        let read = Arc::new(ReadCounter::default());
        let env = Stores::runtime_env(read.clone(), None)?;
        let ctx = SessionContext::new_with_config_rt(session_config(), env);
        Ok(Engine::from_parts(rt, ctx, None, read))
    }

    /// An engine on `ctx`, driven by `rt`; `cluster` is the scheduler of
    /// a Ballista session; `read` counts what the stores of `ctx` read.
    pub(crate) fn from_parts(
        rt: tokio::runtime::Runtime,
        ctx: SessionContext,
        cluster: Option<String>,
        read: Arc<ReadCounter>,
    ) -> Engine {
        Engine {
            rt,
            ctx,
            dataset: std::sync::Mutex::new(None),
            cluster,
            read,
            progress: None,
        }
    }

    /// Reports progress of long queries to `sink` (Parquet bytes and files
    /// read, rate; profiles rebuilt), a few times a second.
    pub fn with_progress(mut self, sink: ProgressSink) -> Engine {
        self.progress = Some(sink);
        self
    }

    /// What the queries since the last [`Engine::register`] read from
    /// the files and objects of datasets: bytes and distinct files.
    pub fn bytes_read(&self) -> (u64, usize) {
        (self.read.bytes(), self.read.files())
    }

    /// Runs `fut` to its end, with a progress line of what it reads when
    /// a sink is set.
    fn run_reporting<F: std::future::Future>(&self, what: &str, fut: F) -> F::Output {
        let Some(sink) = &self.progress else {
            return self.block_on(fut);
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        let start = std::time::Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let secs = start.elapsed().as_secs_f64();
                    if secs < 0.5 || done.load(std::sync::atomic::Ordering::Relaxed) {
                        continue;
                    }
                    let bytes = self.read.bytes();
                    sink(Some(&format!(
                        "{what}: {} read from {} files, {}/s, {secs:.0}s",
                        size(bytes),
                        self.read.files(),
                        size((bytes as f64 / secs) as u64),
                    )));
                }
            });
            let out = self.block_on(fut);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            out
        })
    }

    fn clear_progress(&self) {
        if let Some(sink) = &self.progress {
            sink(None);
        }
    }

    /// The session (to register more tables or run plans).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs `fut` to its end on the engine's runtime.
    pub fn block_on<F: std::future::Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// Registers `sources` as the table [`TABLE`]: one dataset directory,
    /// or `.pb.gz` files and directories of them.
    pub fn register(&self, sources: &[String]) -> Result<(), Error> {
        self.read.reset();
        let _ = self.ctx.deregister_table(TABLE);
        if let Ok(mut d) = self.dataset.lock() {
            *d = None;
        }
        if let [one] = sources {
            if let Some(root) = Root::parse(one) {
                return self.register_dataset(&root?).map(drop);
            }
        }
        // Ballista (crate::cluster): executors read Parquet only.
        if let Some(url) = &self.cluster {
            return Err(crate::cluster::not_a_dataset(url));
        }
        let files = pbtable::profile_files(sources)?;
        let table = pbtable::table(files)?;
        self.ctx
            .register_table(TABLE, Arc::new(table))
            .map_err(Error::from)?;
        Ok(())
    }

    /// Registers the dataset at `root` as the table; returns its partition
    /// keys.
    fn register_dataset(&self, root: &Root) -> Result<Vec<String>, Error> {
        let keys = self.partition_keys(root)?;
        let cols: Vec<(String, DataType)> =
            keys.iter().map(|k| (k.clone(), DataType::Utf8)).collect();
        let url = root.url_of(&format!("{SAMPLES_DIR}/"));
        // The schema the writer kept, when there is one: inferring it reads
        // the footer of every file.
        let schema = match self.read_file(root, dataset::SCHEMA_FILE) {
            Ok(data) => Some(dataset::read_schema(&data)?),
            Err(_) => None,
        };
        let mut opts = ParquetReadOptions::default().table_partition_cols(cols);
        if let Some(s) = &schema {
            opts = opts.schema(s);
        }
        let _ = self.ctx.deregister_table(TABLE);
        self.block_on(self.ctx.register_parquet(TABLE, &url, opts))
            .map_err(|e| name_bad_file(root, Error::from(e)))?;
        if let Ok(mut d) = self.dataset.lock() {
            *d = Some(root.clone());
        }
        Ok(keys)
    }

    /// The partition keys of the dataset at `root` (the `KEY=VALUE`
    /// directories under `samples/`, down to the first file).
    pub fn partition_keys(&self, root: &Root) -> Result<Vec<String>, Error> {
        let url = match root {
            Root::Local(dir) => return Ok(dataset::partition_keys(dir)),
            Root::Url(u) => u,
        };
        let (store, mut at) = self.store_of(root, url)?;
        at = at.join(SAMPLES_DIR);
        let listing = |at: &ObjectPath| {
            self.block_on(store.list_with_delimiter(Some(at)))
                .map_err(|e| store_error(&format!("listing {root}/{SAMPLES_DIR}/"), &e))
        };
        let mut keys = Vec::new();
        loop {
            let listed = listing(&at)?;
            let next = listed.common_prefixes.iter().find_map(|p| {
                let (k, _) = p.filename()?.split_once('=')?;
                Some((k.to_string(), p.clone()))
            });
            match next {
                Some((k, p)) => {
                    keys.push(k);
                    at = p;
                }
                // Without partitions the files are right under samples/:
                // a prefix without any is not a dataset.
                None if keys.is_empty() && listed.objects.is_empty() => {
                    return Err(Error::Invalid(format!(
                        "{root}: not a dataset (no {SAMPLES_DIR}/ under it)"
                    )));
                }
                None => break,
            }
        }
        Ok(keys)
    }

    /// The store that holds `url` (of dataset `root`), and the path of
    /// `url` in it.
    fn store_of(
        &self,
        root: &Root,
        url: &url::Url,
    ) -> Result<(Arc<dyn ObjectStore>, ObjectPath), Error> {
        let store = self
            .ctx
            .runtime_env()
            .object_store_registry
            .get_store(url)
            .map_err(|e| store_error(root, &e))?;
        let path = ObjectPath::from_url_path(url.path()).map_err(|e| store_error(root, &e))?;
        Ok((store, path))
    }

    /// Reads the profile file `rel` (a skeleton or a header) of the
    /// dataset at `root`.
    fn read_profile(&self, root: &Root, rel: &str) -> Result<Profile, Error> {
        let data = self.read_file(root, rel)?;
        dataset::decode_profile(&root.url_of(rel), &data)
    }

    /// Reads the file `rel` of the dataset at `root`.
    fn read_file(&self, root: &Root, rel: &str) -> Result<Vec<u8>, Error> {
        let url = match root {
            Root::Local(dir) => {
                let path = dir.join(rel);
                return std::fs::read(&path).map_err(|err| Error::Io { path, err });
            }
            Root::Url(u) => u.join(rel).map_err(|e| store_error(root, &e))?,
        };
        let (store, path) = self.store_of(root, &url)?;
        let bytes = self
            .block_on(async { store.get(&path).await?.bytes().await })
            .map_err(|e| store_error(&url, &e))?;
        Ok(bytes.to_vec())
    }

    /// Runs `query` over the registered table.
    pub fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, Error> {
        let r = self
            .run_reporting("query", async {
                let df = self.ctx.sql(query).await?;
                df.collect().await
            })
            .map_err(Error::from);
        self.clear_progress();
        match (r, self.dataset.lock().ok().and_then(|d| d.clone())) {
            (Err(e), Some(root)) => Err(name_bad_file(&root, e)),
            (r, _) => r,
        }
    }

    /// The merged profile of the samples of `dataset` (a directory or a
    /// [`Root`]) that `sel` selects.
    pub fn load(&self, dataset: impl Into<Root>, sel: &Selection) -> Result<Profile, Error> {
        let root = dataset.into();
        let r = self.load_selected(&root, sel);
        self.clear_progress();
        r.map_err(|e| match e {
            // Rows that match no profile: a damaged dataset, named.
            Error::UnknownStack => Error::Invalid(format!("{root}: {e}")),
            e => name_bad_file(&root, e),
        })
    }

    fn load_selected(&self, root: &Root, sel: &Selection) -> Result<Profile, Error> {
        let partitions = self.register_dataset(root)?;
        let df = self.block_on(self.ctx.table(TABLE))?;
        let (df, post) = select(df, sel, &partitions)?;
        // The profiles with selected rows, in dataset order.
        let ordinal = (col(SEQ) / lit(1i64 << 32)).alias("ordinal");
        let ords = self.run_reporting(
            "selecting",
            df.clone()
                .aggregate(vec![ordinal], vec![])?
                .sort(vec![col("ordinal").sort(true, false)])?
                .collect(),
        )?;
        let mut ordinals = Vec::new();
        for b in &ords {
            let a = b.column(0).as_primitive::<Int64Type>();
            ordinals.extend(a.iter().flatten().filter_map(|o| u32::try_from(o).ok()));
        }
        let Some(&first) = ordinals.first() else {
            return Err(Error::Empty(root.to_string()));
        };
        if ordinals.len() == 1 {
            // One profile: its selected samples as they are, in their
            // order and unmerged, as pprof reads one source.
            return self.one_profile(root, first, df, &post);
        }
        let first_header = self.read_profile(root, &dataset::header_name(first))?;
        let names = convert::value_columns(&first_header);
        let schema = df.schema().clone();
        let mut aggs: Vec<Expr> = Vec::new();
        for n in &names {
            if schema.has_column_with_unqualified_name(n) {
                aggs.push(sum(col(quoted(n))).alias(n.as_str()));
            }
        }
        aggs.push(min(col(SEQ)).alias(FIRST));
        // Samples are equal when their stacks and labels are: grouped on
        // the two 16-byte ids, each group's first row (in dataset order)
        // placing it, as pprof's merge orders samples by first use.
        let rows = self.run_reporting(
            "merging",
            df.clone()
                .aggregate(vec![col(STACK_ID), col(LABELS_ID)], aggs)?
                .sort(vec![col(FIRST).sort(true, false)])?
                .collect(),
        )?;
        let mut b = Builder::new(self, root, first)?;
        // The labels of each merged sample are those of its first row:
        // read in one more pass over the selected rows' labels.
        let merged: usize = rows.iter().map(RecordBatch::num_rows).sum();
        let mut firsts: FxHashMap<i64, u32> = FxHashMap::default();
        firsts.reserve(merged);
        let mut at = 0u32;
        for batch in &rows {
            for seq in int64_column(batch, FIRST)?.iter() {
                if let Some(seq) = seq {
                    firsts.insert(seq, at);
                }
                at += 1;
            }
        }
        let mut spans = vec![(0u32, 0u32); merged];
        let mut arena: Vec<Label> = Vec::new();
        let out = &mut b.out;
        self.run_reporting("labels", async {
            let mut stream = df
                .select(vec![col(SEQ), col(LABELS)])?
                .execute_stream()
                .await?;
            let mut labels = Vec::new();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let seqs = int64_column(&batch, SEQ)?;
                let r = RowReader::new(&batch, &[])?;
                for (row, seq) in seqs.iter().enumerate() {
                    let Some(&at) = seq.and_then(|q| firsts.get(&q)) else {
                        continue;
                    };
                    r.labels(row, out, &mut labels)?;
                    let start = arena.len() as u32;
                    arena.extend_from_slice(&labels);
                    spans[at as usize] = (start, arena.len() as u32);
                }
            }
            Ok::<(), Error>(())
        })?;
        drop(firsts);
        // The merged samples go to pprof's merge (which numbers locations
        // and samples as pprof does, and merges the headers) in parts, so
        // that only one part is held twice; each batch of rows is released
        // once read.
        let mut m = pprof_ops::StreamingMerge::new(&b.out);
        let mut parts = 0usize;
        let mut values = Vec::new();
        let mut at = 0;
        for batch in rows {
            let r = RowReader::new(&batch, &names)?;
            for row in 0..batch.num_rows() {
                let (start, end) = spans[at];
                at += 1;
                let labels = &arena[start as usize..end as usize];
                if !selected(&b.out, labels, &post) {
                    continue;
                }
                let locs = b.resolve(&r.stack_id(row)?, &ordinals)?;
                r.values(row, &mut values);
                b.out.samples.push_parts(&locs, &values, labels);
            }
            if b.out.samples.len() >= PART_SAMPLES {
                b.hand_over(&mut m, &mut parts)?;
            }
        }
        drop((arena, spans));
        b.hand_over(&mut m, &mut parts)?;
        let n = ordinals.len();
        for (k, &o) in ordinals[1..].iter().enumerate() {
            if let Some(sink) = self.progress.as_ref().filter(|_| k % 64 == 0) {
                sink(Some(&format!("headers: {}/{n} profiles", k + 1)));
            }
            let h = self.read_profile(root, &dataset::header_name(o))?;
            m.add_owned(h)?;
        }
        Ok(m.finish())
    }
}

impl Engine {
    /// The rows of `df` (all of profile `ordinal`) on that profile's
    /// skeleton, in sample order, less those the label selectors `post`
    /// leave out.
    fn one_profile(
        &self,
        root: &Root,
        ordinal: u32,
        df: DataFrame,
        post: &LabelSelectors,
    ) -> Result<Profile, Error> {
        let rows = self.run_reporting(
            "reading",
            df.sort(vec![col(SEQ).sort(true, false)])?.collect(),
        )?;
        let skel = self.read_profile(root, &dataset::skeleton_name(ordinal))?;
        let mut p = convert::from_batches(&skel, &rows)?;
        if !post.is_empty() {
            let keep: Vec<bool> = p
                .samples
                .iter()
                .map(|s| selected(&p, s.labels, post))
                .collect();
            let mut i = 0;
            p.samples.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        Ok(p)
    }
}

/// Whether a sample with `labels` (strings of `p`) has, for each key of
/// `post`, a string label of that key with one of its values.
fn selected(p: &Profile, labels: &[pprof_model::Label], post: &LabelSelectors) -> bool {
    post.iter().all(|(k, vals)| {
        labels
            .iter()
            .any(|l| l.is_str() && p.str(l.key) == k && vals.iter().any(|v| p.str(l.str) == v))
    })
}

/// `e`, or when DataFusion failed on a Parquet file of the local dataset
/// `root` that cannot be read (from its footer to its last page), the
/// error naming that file (DataFusion's messages do not always say which
/// file it was).
fn name_bad_file(root: &Root, e: Error) -> Error {
    let (Error::DataFusion(_), Some(dir)) = (&e, root.local()) else {
        return e;
    };
    let mut files = Vec::new();
    crate::pbtable::walk(&dir.join(SAMPLES_DIR), &mut files).ok();
    files.sort();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "parquet"))
    {
        let check = std::fs::File::open(f)
            .map_err(|e| e.to_string())
            .and_then(|file| read_whole(file).map_err(|e| e.to_string()));
        if let Err(message) = check {
            return Error::Parquet {
                path: f.clone(),
                message,
            };
        }
    }
    e
}

/// Reads every row of a Parquet file, for the first error in it: damage
/// in its footer, its page headers or its compressed pages.
fn read_whole(file: std::fs::File) -> Result<(), datafusion::arrow::error::ArrowError> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    for batch in reader {
        batch?;
    }
    Ok(())
}

/// A column name for `col` (which would otherwise split at dots and fold
/// case).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Applies the selection's time and partition filters to `df`; returns the
/// label selectors left for the rows (keys that are not partition keys).
fn select(
    mut df: DataFrame,
    sel: &Selection,
    partitions: &[String],
) -> Result<(DataFrame, LabelSelectors), Error> {
    let ts = |n: i64| {
        lit(ScalarValue::TimestampNanosecond(
            Some(n),
            Some("UTC".into()),
        ))
    };
    let by_date = partitions.iter().any(|p| p == "date");
    if let Some(from) = sel.from {
        df = df.filter(col(TIME).gt_eq(ts(from)))?;
        if by_date {
            df = df.filter(col("date").gt_eq(lit(dataset::date_of(from))))?;
        }
    }
    if let Some(to) = sel.to {
        df = df.filter(col(TIME).lt(ts(to)))?;
        if by_date {
            df = df.filter(col("date").lt_eq(lit(dataset::date_of(to - 1))))?;
        }
    }
    let mut post = Vec::new();
    for (k, vals) in &sel.labels {
        if partitions.iter().any(|p| p == k) {
            let list = vals
                .iter()
                .map(|v| lit(dataset::encode_value(v)))
                .collect::<Vec<_>>();
            df = df.filter(col(quoted(k)).in_list(list, false))?;
        } else {
            post.push((k.clone(), vals.clone()));
        }
    }
    Ok((df, post))
}

/// The merged profile being built: the first profile's skeleton, with the
/// locations of stacks found only in later skeletons copied in.
struct Builder<'a> {
    engine: &'a Engine,
    root: &'a Root,
    out: Profile,
    stacks: HashMap<[u8; 16], Vec<LocationId>>,
    /// How many of the selected profiles' skeletons were read.
    read: usize,
    /// The next ids of new mappings, functions and locations.
    next: [u64; 3],
}

impl<'a> Builder<'a> {
    fn new(engine: &'a Engine, root: &'a Root, first: u32) -> Result<Builder<'a>, Error> {
        let skel = engine.read_profile(root, &dataset::skeleton_name(first))?;
        let stacks = convert::stacks_of(&skel);
        let out = skel.clone_with_samples(|_| false);
        let next = [
            out.mappings.iter().map(|m| m.id).max().unwrap_or(0) + 1,
            out.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1,
            out.locations.iter().map(|l| l.id).max().unwrap_or(0) + 1,
        ];
        Ok(Builder {
            engine,
            root,
            out,
            stacks,
            read: 1,
            next,
        })
    }

    /// Adds the samples built so far to `m` (with the first skeleton's
    /// header when `parts` is 0) and keeps building on the same tables.
    fn hand_over(
        &mut self,
        m: &mut pprof_ops::StreamingMerge,
        parts: &mut usize,
    ) -> Result<(), Error> {
        let tables = self.out.clone_with_samples(|_| false);
        let part = std::mem::replace(&mut self.out, tables);
        if *parts == 0 {
            m.add_owned(part)?;
        } else {
            m.add_samples(part)?;
        }
        *parts += 1;
        Ok(())
    }

    /// The locations (in the merged profile) of stack `id`, reading the
    /// next skeletons of `ordinals` until one has it.
    fn resolve(&mut self, id: &[u8; 16], ordinals: &[u32]) -> Result<Vec<LocationId>, Error> {
        loop {
            if let Some(l) = self.stacks.get(id) {
                return Ok(l.clone());
            }
            let Some(&o) = ordinals.get(self.read) else {
                return Err(Error::UnknownStack);
            };
            self.read += 1;
            let skel = self
                .engine
                .read_profile(self.root, &dataset::skeleton_name(o))?;
            self.import(&skel);
        }
    }

    /// Copies the stacks of `skel` that are not known yet.
    fn import(&mut self, skel: &Profile) {
        let ids = convert::StackIds::new(skel);
        let mut locs: HashMap<LocationId, LocationId> = HashMap::new();
        let mut funcs: HashMap<FunctionId, FunctionId> = HashMap::new();
        let mut maps: HashMap<MappingId, MappingId> = HashMap::new();
        for s in skel.samples.iter() {
            let id = ids.stack(s.locations);
            if self.stacks.contains_key(&id) {
                continue;
            }
            let mut stack = Vec::with_capacity(s.locations.len());
            for &l in s.locations {
                let new = match locs.get(&l) {
                    Some(&n) => n,
                    None => {
                        let n = self.copy_location(skel, l, &mut funcs, &mut maps);
                        locs.insert(l, n);
                        n
                    }
                };
                stack.push(new);
            }
            self.stacks.insert(id, stack);
        }
    }

    fn copy_location(
        &mut self,
        skel: &Profile,
        l: LocationId,
        funcs: &mut HashMap<FunctionId, FunctionId>,
        maps: &mut HashMap<MappingId, MappingId>,
    ) -> LocationId {
        let out = &mut self.out;
        let next = &mut self.next;
        let src = skel.location(l);
        let mapping = src.mapping.map(|m| {
            *maps.entry(m).or_insert_with(|| {
                let sm = skel.mapping(m);
                let id = MappingId(out.mappings.len() as u32);
                next[0] += 1;
                let file = out.intern(skel.str(sm.file));
                let build_id = out.intern(skel.str(sm.build_id));
                out.mappings.push(Mapping {
                    id: next[0] - 1,
                    file,
                    build_id,
                    ..sm.clone()
                });
                id
            })
        });
        let mut lines = src.lines.clone();
        for line in &mut lines {
            line.function = *funcs.entry(line.function).or_insert_with(|| {
                let sf = skel.function(line.function);
                let id = FunctionId(out.functions.len() as u32);
                next[1] += 1;
                let f = Function {
                    id: next[1] - 1,
                    name: out.intern(skel.str(sf.name)),
                    system_name: out.intern(skel.str(sf.system_name)),
                    filename: out.intern(skel.str(sf.filename)),
                    start_line: sf.start_line,
                };
                out.functions.push(f);
                id
            });
        }
        let id = LocationId(out.locations.len() as u32);
        next[2] += 1;
        out.locations.push(Location {
            id: next[2] - 1,
            mapping,
            address: src.address,
            lines,
            is_folded: src.is_folded,
        });
        id
    }
}

/// How [`write_table`] prints a query's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableFormat {
    /// A table with borders (DataFusion's).
    Pretty,
    /// CSV with a header line.
    Csv,
    /// One JSON object per row, one per line.
    Json,
}

/// Writes `batches` to `w` in `format`.
pub fn write_table(
    batches: &[RecordBatch],
    format: TableFormat,
    w: &mut dyn std::io::Write,
) -> Result<(), Error> {
    use datafusion::arrow::{csv, json};
    let io = |err: std::io::Error| Error::Io {
        path: PathBuf::from("<output>"),
        err,
    };
    match format {
        TableFormat::Pretty => {
            let t = datafusion::arrow::util::pretty::pretty_format_batches(batches)
                .map_err(Error::Arrow)?;
            writeln!(w, "{t}").map_err(io)?;
        }
        TableFormat::Csv => {
            let mut cw = csv::WriterBuilder::new().with_header(true).build(w);
            for b in batches {
                cw.write(b).map_err(Error::Arrow)?;
            }
        }
        TableFormat::Json => {
            let mut jw = json::LineDelimitedWriter::new(w);
            for b in batches {
                jw.write(b).map_err(Error::Arrow)?;
            }
            jw.finish().map_err(Error::Arrow)?;
        }
    }
    Ok(())
}

/// The [`pprof_fetch::SourceHook`] of a program that reads datasets as
/// sources: a dataset directory, with or without selectors, becomes the
/// merged profile of its selection ([`Engine::load`]), merged on the
/// Ballista cluster of [`crate::cluster::set_cluster`] when one is set.
pub fn source_hook(source: &str) -> Option<Result<Profile, pprof_fetch::ErrorKind>> {
    let parsed = Selection::parse_source(source)?;
    let hook_err = |e: Error| pprof_fetch::ErrorKind::Hook(Box::new(e));
    let engine = || {
        let e = crate::cluster::engine()?;
        Ok::<Engine, Error>(match HOOK_PROGRESS.get() {
            Some(&sink) => e.with_progress(Arc::new(sink)),
            None => e,
        })
    };
    Some(
        parsed
            .and_then(|(root, sel)| engine()?.load(root, &sel))
            .map_err(hook_err),
    )
}

static HOOK_PROGRESS: std::sync::OnceLock<fn(Option<&str>)> = std::sync::OnceLock::new();

/// Where [`source_hook`]'s queries report progress (see
/// [`Engine::with_progress`]); once per process, false when already set.
pub fn set_hook_progress(sink: fn(Option<&str>)) -> bool {
    HOOK_PROGRESS.set(sink).is_ok()
}
