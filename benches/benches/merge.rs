//! Merging profiles of one program (like the ladder's `merge/m*.pb.gz`) and
//! compacting one profile, throughput in bytes of uncompressed protobuf.
//! `merge/files_to_proto/50` is the whole `pprof-tools -proto m1 ... m50`
//! path: 50 gzipped files read, decoded and merged on the available cores,
//! and the result encoded and gzipped.

// The allocator of the `pprof-tools` binary, so that the numbers are the CLI's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pprof_benches::{generate, Shape};

fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    group.sample_size(10);
    for n in [2usize, 10] {
        let parts: Vec<_> = (0..n as u64)
            .map(|k| generate(&Shape::merge_part(k)))
            .collect();
        let bytes: usize = parts
            .iter()
            .map(|p| pprof_model::encode_uncompressed(p).len())
            .sum();
        let refs: Vec<&pprof_model::Profile> = parts.iter().collect();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("parts", n), &refs, |b, refs| {
            b.iter(|| pprof_ops::merge(refs).expect("compatible profiles"))
        });
    }
    // 50 files like the ladder's merge/m*.pb.gz, through the driver.
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut paths = Vec::new();
    let mut bytes = 0usize;
    for k in 0..50u64 {
        let p = generate(&Shape::merge_part(k));
        bytes += pprof_model::encode_uncompressed(&p).len();
        let path = dir.path().join(format!("m{}.pb.gz", k + 1));
        std::fs::write(&path, pprof_model::encode(&p)).expect("write a part");
        paths.push(path.display().to_string());
    }
    let mut settings = pprof_tools::Settings::default();
    settings.symbolize = "none".into();
    let pipeline = pprof_tools::Pipeline::new(pprof_tools::Sources::new(paths), settings);
    let cmd = pprof_tools::Command {
        format: pprof_tools::OutputFormat::Proto,
        regexp: None,
    };
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::new("files_to_proto", 50), |b| {
        b.iter(|| {
            let mut out = std::io::sink();
            pipeline.run(&cmd, &mut out).expect("merge of 50 parts")
        })
    });

    let medium = generate(&Shape::medium());
    group.throughput(Throughput::Bytes(
        pprof_model::encode_uncompressed(&medium).len() as u64,
    ));
    group.bench_function("compact/medium", |b| b.iter(|| pprof_ops::compact(&medium)));
    group.finish();
}

criterion_group!(benches, merge);
criterion_main!(benches);
