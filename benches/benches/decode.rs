//! Decoding throughput (bytes of compressed input per second).

// The allocator of the `pprof-tools` binary, so that the numbers are the CLI's
// (as in the merge bench).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pprof_benches::{generate_gz, Shape};

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    for (name, shape) in [("small", Shape::small()), ("medium", Shape::medium())] {
        let data = generate_gz(&shape);
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &data, |b, data| {
            b.iter(|| pprof_model::decode(data).expect("valid profile"))
        });
        group.bench_with_input(BenchmarkId::new("inflate-first", name), &data, |b, data| {
            b.iter(|| inflate_first(data))
        });
        // A file: read by the inflating thread (large gzip files), against
        // reading the whole first.
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(format!("{name}.pb.gz"));
        std::fs::write(&path, &data).expect("written");
        let source = path.display().to_string();
        let opts = pprof_tools::fetch::FetchOptions::default();
        group.bench_with_input(BenchmarkId::new("file", name), &source, |b, source| {
            b.iter(|| pprof_tools::fetch::fetch(source, &opts).expect("valid profile"))
        });
        group.bench_with_input(
            BenchmarkId::new("file-read-first", name),
            &source,
            |b, source| {
                b.iter(|| {
                    let data = pprof_tools::fetch::read_source(source, &opts).expect("readable");
                    pprof_tools::fetch::parse_data(&data, &opts).expect("valid profile")
                })
            },
        );
    }
    // Files made by shared/bench/gen-ladder.sh, when PPROF_BENCH_DATA points at them.
    if let Ok(dir) = std::env::var("PPROF_BENCH_DATA") {
        for name in ["medium.pb.gz", "large.pb.gz"] {
            let path = std::path::Path::new(&dir).join(name);
            if let Ok(data) = std::fs::read(&path) {
                group.throughput(Throughput::Bytes(data.len() as u64));
                group.bench_with_input(BenchmarkId::new("ladder", name), &data, |b, data| {
                    b.iter(|| pprof_model::decode(data).expect("valid profile"))
                });
                // Inflating the whole first, then decoding: what decoding
                // while inflating saves.
                group.bench_with_input(
                    BenchmarkId::new("ladder-inflate-first", name),
                    &data,
                    |b, data| b.iter(|| inflate_first(data)),
                );
            }
        }
    }
    group.finish();
}

/// Decodes gzip data without overlapping inflating and decoding.
fn inflate_first(data: &[u8]) -> pprof_model::Profile {
    let opts = pprof_model::DecodeOptions::default();
    let raw = pprof_model::maybe_decompress(data, &opts).expect("valid gzip");
    pprof_model::decode_uncompressed_with(&raw, &opts).expect("valid profile")
}

criterion_group!(benches, decode);
criterion_main!(benches);
