//! Parquet datasets of profiles: writing them one profile at a time, and
//! finding their files.
//!
//! Layout of a dataset directory `DIR`:
//!
//! * `DIR/samples/[KEY=VALUE/...]part-NNNNNNNN.parquet`: the rows of
//!   profile `NNNNNNNN` (its ordinal in the dataset) whose partition keys
//!   have those values (hive-style; values percent-encoded), zstd
//!   compressed, dictionary encoded.
//! * `DIR/profiles/NNNNNNNN.pb.gz`: the profile's skeleton
//!   ([`crate::convert::skeleton`]); `DIR/profiles/NNNNNNNN.head.pb.gz`:
//!   its header ([`crate::convert::header`]); `DIR/profiles/schema.arrow`:
//!   the rows' schema with every value column of the dataset ([`SCHEMA_FILE`]).
//!
//! Every file is written to a temporary file and renamed into place
//! ([`pprof_fetch::save::OutputFile`]), so a reader never sees half a file.

use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use pprof_fetch::save::OutputFile;
use pprof_model::Profile;

use crate::convert;
use crate::Error;

/// The directory of a dataset's Parquet files.
pub const SAMPLES_DIR: &str = "samples";
/// The directory of a dataset's skeletons and headers.
pub const PROFILES_DIR: &str = "profiles";
/// Rows written at a time (a batch), which bounds the memory of a write.
const BATCH_ROWS: usize = 64 * 1024;
/// Rows of a Parquet row group.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Whether `path` is a dataset directory (it has `samples/` and
/// `profiles/`).
pub fn is_dataset(path: &Path) -> bool {
    path.join(SAMPLES_DIR).is_dir() && path.join(PROFILES_DIR).is_dir()
}

/// A key that partitions a dataset's rows into directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionKey {
    /// `date=YYYY-MM-DD`: the profile's collection day (UTC).
    Date,
    /// `KEY=VALUE`: the sample's first string label `KEY`
    /// (`__HIVE_DEFAULT_PARTITION__` when it has none).
    Label(String),
}

/// The value of a partition column for samples without the label.
pub const NO_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

impl PartitionKey {
    /// Reads a comma-separated list such as `service,date`: `date` is the
    /// day, anything else a label key.
    pub fn parse_list(text: &str) -> Result<Vec<PartitionKey>, Error> {
        let mut keys = Vec::new();
        for k in text.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            if !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return Err(Error::Invalid(format!(
                    "partition key {k:?}: only letters, digits, '_', '-' and '.' are allowed"
                )));
            }
            let key = if k == "date" {
                PartitionKey::Date
            } else {
                PartitionKey::Label(k.to_string())
            };
            if keys.contains(&key) {
                return Err(Error::Invalid(format!("partition key {k:?} given twice")));
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// The column (and directory) name.
    pub fn name(&self) -> &str {
        match self {
            PartitionKey::Date => "date",
            PartitionKey::Label(k) => k,
        }
    }
}

/// `YYYY-MM-DD` of a time in ns since the epoch, UTC.
pub fn date_of(time_nanos: i64) -> String {
    let days = time_nanos.div_euclid(86_400_000_000_000);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Percent-encodes a partition value for a directory name.
pub fn encode_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b' ' | b':' | b'+') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() || out == "." || out == ".." {
        return format!("%{}", hex_all(v));
    }
    out
}

fn hex_all(v: &str) -> String {
    v.bytes().map(|b| format!("{b:02X}")).collect()
}

/// What [`DatasetWriter::add`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Rows (samples).
    pub rows: u64,
    /// Parquet files.
    pub files: u64,
    /// Bytes of the files written (Parquet and profiles).
    pub bytes: u64,
}

/// Writes profiles into a dataset directory, one at a time (each profile's
/// rows are written in batches of a bounded size and released).
pub struct DatasetWriter {
    dir: PathBuf,
    keys: Vec<PartitionKey>,
    next: u32,
    props: WriterProperties,
    /// The value columns of every profile written, as [`SCHEMA_FILE`]
    /// holds them; `None` for a dataset written before that file existed
    /// (readers then infer the schema from every Parquet file).
    columns: Option<Vec<String>>,
}

/// The schema of a dataset's rows (every value column of its profiles),
/// an Arrow IPC file without batches: readers take it instead of reading
/// the footer of every Parquet file.
pub const SCHEMA_FILE: &str = "profiles/schema.arrow";

/// The value columns of a schema read from [`SCHEMA_FILE`]'s bytes.
pub fn read_schema(data: &[u8]) -> Result<SchemaRef, Error> {
    let r = FileReader::try_new(std::io::Cursor::new(data), None).map_err(Error::Arrow)?;
    Ok(r.schema())
}

fn value_names(schema: &SchemaRef) -> Vec<String> {
    let base = convert::schema_with_values(&[]).fields().len();
    schema
        .fields()
        .iter()
        .skip(base)
        .map(|f| f.name().clone())
        .collect()
}

impl DatasetWriter {
    /// Opens (creating it if needed) the dataset `dir`, partitioned by
    /// `keys`; profiles added get ordinals after the ones already there.
    pub fn create(dir: impl AsRef<Path>, keys: Vec<PartitionKey>) -> Result<DatasetWriter, Error> {
        let dir = dir.as_ref().to_path_buf();
        if let Some(url) = dir.to_str().filter(|d| crate::store::is_store_url(d)) {
            return Err(Error::Invalid(format!(
                "{url}: datasets are written to a local directory; copy it to the bucket \
                 (e.g. aws s3 sync DIR {url}) and read it from there"
            )));
        }
        for sub in [SAMPLES_DIR, PROFILES_DIR] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|err| Error::Io { path: d, err })?;
        }
        // Files of one dataset share one layout of partitions.
        let existing = partition_keys(&dir);
        let has_files = std::fs::read_dir(dir.join(SAMPLES_DIR))
            .map(|mut e| e.next().is_some())
            .unwrap_or(false);
        let wanted: Vec<&str> = keys.iter().map(PartitionKey::name).collect();
        if has_files && existing != wanted {
            return Err(Error::Invalid(format!(
                "{} is partitioned by [{}], not [{}]",
                dir.display(),
                existing.join(","),
                wanted.join(",")
            )));
        }
        let profiles = dir.join(PROFILES_DIR);
        let mut next = 1;
        let entries = std::fs::read_dir(&profiles).map_err(|err| Error::Io {
            path: profiles.clone(),
            err,
        })?;
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_suffix(".pb.gz")
                .and_then(|s| s.parse::<u32>().ok())
            {
                next = next.max(n.saturating_add(1));
            }
        }
        let columns = match std::fs::read(dir.join(SCHEMA_FILE)) {
            Ok(data) => Some(value_names(&read_schema(&data)?)),
            Err(_) if !has_files => Some(Vec::new()),
            Err(_) => None,
        };
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_dictionary_enabled(true)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        Ok(DatasetWriter {
            dir,
            keys,
            next,
            props,
            columns,
        })
    }

    /// The ordinal the next profile gets.
    pub fn next_ordinal(&self) -> u32 {
        self.next
    }

    /// Writes `p`, named `name`, into the dataset.
    pub fn add(&mut self, name: &str, p: &Profile) -> Result<Written, Error> {
        let ordinal = self.next;
        self.next = self
            .next
            .checked_add(1)
            .ok_or_else(|| Error::Invalid(format!("{}: too many profiles", self.dir.display())))?;
        let mut written = Written::default();
        // The schema first, so that no reader sees a column it lacks.
        if let Some(cols) = &mut self.columns {
            let before = cols.len();
            for c in convert::value_columns(p) {
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
            if cols.len() != before || before == 0 {
                let schema = convert::schema_with_values(cols);
                let mut w = FileWriter::try_new(Vec::new(), &schema).map_err(Error::Arrow)?;
                w.finish().map_err(Error::Arrow)?;
                let data = w.into_inner().map_err(Error::Arrow)?;
                written.bytes += write_bytes(&self.dir.join(SCHEMA_FILE), &data)?;
            }
        }
        written.bytes += write_bytes(
            &header_path(&self.dir, ordinal),
            &pprof_model::encode(&convert::header(p)),
        )?;
        written.bytes += write_bytes(
            &skeleton_path(&self.dir, ordinal),
            &pprof_model::encode(&convert::skeleton(p)),
        )?;
        // The rows of each partition, in sample order.
        let mut parts: Vec<(PathBuf, Vec<usize>)> = Vec::new();
        let date = date_of(p.time_nanos);
        for (i, s) in p.samples.iter().enumerate() {
            let mut rel = PathBuf::new();
            for k in &self.keys {
                let v = match k {
                    PartitionKey::Date => date.clone(),
                    PartitionKey::Label(key) => s
                        .labels
                        .iter()
                        .find(|l| l.is_str() && p.str(l.key) == key)
                        .map(|l| encode_value(p.str(l.str)))
                        .unwrap_or_else(|| NO_VALUE.to_string()),
                };
                rel.push(format!("{}={v}", k.name()));
            }
            match parts.iter_mut().find(|(r, _)| *r == rel) {
                Some((_, rows)) => rows.push(i),
                None => parts.push((rel, vec![i])),
            }
        }
        if parts.is_empty() {
            // A profile without samples still has a (empty) file, so that
            // its header takes part in merges of its partition.
            let mut rel = PathBuf::new();
            for k in &self.keys {
                let v = match k {
                    PartitionKey::Date => date.clone(),
                    PartitionKey::Label(_) => NO_VALUE.to_string(),
                };
                rel.push(format!("{}={v}", k.name()));
            }
            parts.push((rel, Vec::new()));
        }
        let ids = convert::StackIds::new(p);
        let schema = convert::schema(p);
        for (rel, rows) in parts {
            let dir = self.dir.join(SAMPLES_DIR).join(rel);
            std::fs::create_dir_all(&dir).map_err(|err| Error::Io {
                path: dir.clone(),
                err,
            })?;
            let path = dir.join(format!("part-{ordinal:08}.parquet"));
            let perr = |e: datafusion::parquet::errors::ParquetError| Error::Parquet {
                path: path.clone(),
                message: e.to_string(),
            };
            let out = OutputFile::create(&path)?;
            let mut w = ArrowWriter::try_new(out, schema.clone(), Some(self.props.clone()))
                .map_err(perr)?;
            for chunk in rows.chunks(BATCH_ROWS) {
                let batch: RecordBatch = convert::to_batch(p, name, ordinal, chunk, &ids)?;
                w.write(&batch).map_err(perr)?;
            }
            let out = w.into_inner().map_err(perr)?;
            out.commit()?;
            written.rows += rows.len() as u64;
            written.files += 1;
            written.bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        }
        Ok(written)
    }
}

fn write_bytes(path: &Path, data: &[u8]) -> Result<u64, Error> {
    pprof_fetch::save::write_file(path, data)?;
    Ok(data.len() as u64)
}

/// Where profile `ordinal`'s skeleton is in a dataset (`/`-separated).
pub fn skeleton_name(ordinal: u32) -> String {
    format!("{PROFILES_DIR}/{ordinal:08}.pb.gz")
}

/// Where profile `ordinal`'s header is in a dataset (`/`-separated).
pub fn header_name(ordinal: u32) -> String {
    format!("{PROFILES_DIR}/{ordinal:08}.head.pb.gz")
}

/// The path of profile `ordinal`'s skeleton in dataset `dir`.
pub fn skeleton_path(dir: &Path, ordinal: u32) -> PathBuf {
    dir.join(skeleton_name(ordinal))
}

/// The path of profile `ordinal`'s header in dataset `dir`.
pub fn header_path(dir: &Path, ordinal: u32) -> PathBuf {
    dir.join(header_name(ordinal))
}

/// Reads a profile file of a dataset (a skeleton or a header).
pub fn read_profile(path: &Path) -> Result<Profile, Error> {
    let data = std::fs::read(path).map_err(|err| Error::Io {
        path: path.to_path_buf(),
        err,
    })?;
    decode_profile(&path.display().to_string(), &data)
}

/// Decodes `data`, a profile file of a dataset read from `name`.
pub(crate) fn decode_profile(name: &str, data: &[u8]) -> Result<Profile, Error> {
    pprof_model::decode(data).map_err(|err| Error::Profile {
        path: PathBuf::from(name),
        err: Box::new(err),
    })
}

/// The partition keys of a dataset, from the directory names under
/// `samples/` (`KEY=VALUE` directories down to the first file).
pub fn partition_keys(dir: &Path) -> Vec<String> {
    let mut keys = Vec::new();
    let mut d = dir.join(SAMPLES_DIR);
    loop {
        let Ok(entries) = std::fs::read_dir(&d) else {
            break;
        };
        let next = entries.flatten().find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (k, _) = name.split_once('=')?;
            e.file_type()
                .ok()?
                .is_dir()
                .then(|| (k.to_string(), e.path()))
        });
        match next {
            Some((k, path)) => {
                keys.push(k);
                d = path;
            }
            None => break,
        }
    }
    keys
}
