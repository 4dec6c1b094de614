//! Integration tests of pprof-legacy on hand-written fixtures.

mod binary;
mod dumps;
mod java;
mod never_panics;
mod text_formats;

use pprof_model::Profile;

/// Reads a fixture of this crate.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Addresses of a sample's locations, leaf first.
pub fn addrs(p: &Profile, sample: usize) -> Vec<u64> {
    p.samples
        .at(sample)
        .locations
        .iter()
        .map(|l| p.location(*l).address)
        .collect()
}

/// `type/unit` of every sample type.
pub fn types(p: &Profile) -> Vec<String> {
    p.sample_types
        .iter()
        .map(|t| format!("{}/{}", p.str(t.r#type), p.str(t.unit)))
        .collect()
}

/// The numeric label `key` of a sample.
pub fn num_label(p: &Profile, sample: usize, key: &str) -> Option<i64> {
    p.samples
        .at(sample)
        .labels
        .iter()
        .find(|l| !l.is_str() && p.str(l.key) == key)
        .map(|l| l.num)
}

/// pprof's heap unsampling: each value divided by 1 - exp(-avg/rate).
pub fn unsample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    let avg = size as f64 / count as f64;
    let p = 1.0 - (-avg / rate as f64).exp();
    ((count as f64 / p) as i64, (size as f64 / p) as i64)
}
