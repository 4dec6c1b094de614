//! The report paths of the `pprof-tools` driver on the ladder's `medium`
//! shape (100k samples with labels): graph building plus the text, DOT,
//! traces, raw, callgrind and proto writers (proto also copying the sample
//! records it was read from), throughput in bytes of uncompressed
//! protobuf. Each iteration reports on a fresh copy of the profile, since
//! a report applies its filters in place; the copy is not timed.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pprof_benches::{generate, generate_gz, Shape};
use pprof_tools::{write_report, Command, OutputFormat, Settings};

fn run(p: &pprof_model::Profile, format: OutputFormat, regexp: Option<&str>) -> u64 {
    let cmd = Command {
        format,
        regexp: regexp.map(str::to_string),
    };
    // Output is counted, not kept: -traces of the large profile is 2.5 GB.
    let mut out = CountingSink(0);
    write_report(p, &cmd, &Settings::default(), &mut out).expect("report");
    out.0
}

/// The profile of gzip `data`, decoded keeping its sample records
/// ([`pprof_model::DecodeOptions::keep_records`]).
fn with_records(data: &[u8]) -> pprof_model::Profile {
    let mut opts = pprof_model::DecodeOptions::default();
    opts.keep_records = true;
    let mut d = pprof_model::decompress_decoding(data, &opts).expect("gzip data");
    d.profile(&opts).expect("valid profile")
}

/// A writer that only counts the bytes written to it.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    /// Takes every slice at once, as `/dev/null` does.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let n: usize = bufs.iter().map(|b| b.len()).sum();
        self.0 += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn reports(c: &mut Criterion) {
    let medium = generate(&Shape::medium());
    let bytes = pprof_model::encode_uncompressed(&medium).len() as u64;
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    let cases: [(&str, OutputFormat, Option<&str>); 6] = [
        ("top/medium", OutputFormat::Top, None),
        ("dot/medium", OutputFormat::Dot, None),
        ("traces/medium", OutputFormat::Traces, None),
        ("raw/medium", OutputFormat::Raw, None),
        ("callgrind/medium", OutputFormat::Callgrind, None),
        ("peek/medium", OutputFormat::Peek, Some("Mutex")),
    ];
    for (name, format, regexp) in cases {
        group.bench_function(name, |b| {
            // Reports read the profile without changing it: no copy per run.
            b.iter(|| run(&medium, format, regexp))
        });
    }
    // -proto of the profile decoded as the CLI decodes a lone source for
    // it, and as any other: copying the sample records, and encoding.
    let kept = with_records(&generate_gz(&Shape::medium()));
    group.bench_function("proto-records/medium", |b| {
        b.iter(|| run(&kept, OutputFormat::Proto, None))
    });
    group.bench_function("proto/medium", |b| {
        b.iter(|| run(&medium, OutputFormat::Proto, None))
    });
    // The ladder's large profile (shared/bench/gen-ladder.sh), when
    // PPROF_BENCH_DATA points at it: the graph reports on 1.1M samples
    // with labels of their own (two threads per graph and tag pass), and
    // the -raw, -traces and -proto writers.
    if let Ok(dir) = std::env::var("PPROF_BENCH_DATA") {
        let path = std::path::Path::new(&dir).join("large.pb.gz");
        if let Ok(data) = std::fs::read(&path) {
            let large = pprof_model::decode(&data).expect("valid profile");
            group.throughput(Throughput::Bytes(data.len() as u64));
            let cases: [(&str, OutputFormat, Option<&str>); 7] = [
                ("top/ladder-large", OutputFormat::Top, None),
                ("dot/ladder-large", OutputFormat::Dot, None),
                ("callgrind/ladder-large", OutputFormat::Callgrind, None),
                ("peek/ladder-large", OutputFormat::Peek, Some("Mutex")),
                ("raw/ladder-large", OutputFormat::Raw, None),
                ("traces/ladder-large", OutputFormat::Traces, None),
                ("proto/ladder-large", OutputFormat::Proto, None),
            ];
            for (name, format, regexp) in cases {
                group.bench_function(name, |b| b.iter(|| run(&large, format, regexp)));
            }
            // Loaded as the CLI loads a lone source for -proto: unedited
            // samples are written as the records they were read from.
            let kept = with_records(&data);
            group.bench_function("proto-records/ladder-large", |b| {
                b.iter(|| run(&kept, OutputFormat::Proto, None))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
