//! Merging profiles of one program (like the ladder's `merge/m*.pb.gz`) and
//! compacting one profile, throughput in bytes of uncompressed protobuf.

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
    let medium = generate(&Shape::medium());
    group.throughput(Throughput::Bytes(
        pprof_model::encode_uncompressed(&medium).len() as u64,
    ));
    group.bench_function("compact/medium", |b| b.iter(|| pprof_ops::compact(&medium)));
    group.finish();
}

criterion_group!(benches, merge);
criterion_main!(benches);
