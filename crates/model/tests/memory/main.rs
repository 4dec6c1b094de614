//! Issue 12: decoding under a limited address space. Each test runs itself
//! again in a child process under `ulimit -v`, where a reservation the data
//! does not back, or a decode that outgrows its budget, would abort.

use std::process::Command;

use pprof_model::{decode, Error, ValidationError};

/// Set in the child process: do the work instead of spawning.
const CHILD: &str = "PPROF_MODEL_MEMORY_CHILD";

/// Runs test `name` of this binary in a child limited to `kib` KiB of
/// address space and checks that it passed (an allocation failure aborts
/// the child instead).
fn run_limited(name: &str, kib: u64) {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kib} && exec \"$0\" --exact {name} --test-threads=1"
        ))
        .arg(exe)
        .env(CHILD, "1")
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} under ulimit -v {kib}: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

/// A valid profile's head: one sample type and its strings.
fn head() -> Vec<u8> {
    let mut b = vec![0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00];
    for s in ["samples", "count"] {
        b.push(0x32);
        b.push(s.len() as u8);
        b.extend_from_slice(s.as_bytes());
    }
    b
}

/// A gzip trailer is the file's word for the uncompressed size: one that
/// claimed 4 GiB made the decoder reserve 4 GiB, an abort under
/// `ulimit -v 2000000`. Now the bad trailer is a decompression error.
#[test]
fn issue12_gzip_trailer_claiming_4gib_under_ulimit() {
    if !in_child() {
        return run_limited("issue12_gzip_trailer_claiming_4gib_under_ulimit", 2_000_000);
    }
    let mut gz = gzip(&[head(), b"\x12\x02\x10\x05".to_vec()].concat());
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&[0xff; 4]);
    let result = decode(&gz);
    assert!(matches!(result, Err(Error::Decompress(_))), "{result:?}");
}

/// 2-byte empty samples took a whole `Sample` each once decoded (50 M of
/// them, 97 KB gzipped, took 7.7 GB before failing). 10 M of them (20 MB,
/// 40 KB gzipped) would take 1.5 GB that way; in the flat sample table
/// they are read to pprof's own error in well under 1 GB of address space.
#[test]
fn issue12_empty_samples_fail_within_the_budget_under_ulimit() {
    if !in_child() {
        return run_limited(
            "issue12_empty_samples_fail_within_the_budget_under_ulimit",
            1_000_000,
        );
    }
    let mut raw = head();
    raw.reserve(20_000_000);
    for _ in 0..10_000_000 {
        raw.extend_from_slice(b"\x12\x00");
    }
    let gz = gzip(&raw);
    drop(raw);
    assert!(gz.len() < 256 << 10, "{} bytes gzipped", gz.len());
    let result = decode(&gz);
    assert!(
        matches!(
            result,
            Err(Error::Invalid(ValidationError::ValueCount {
                sample: 0,
                ..
            }))
        ),
        "{result:?}"
    );
}
