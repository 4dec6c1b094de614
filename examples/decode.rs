//! Decodes a profile and prints what it holds.
//!
//! `cargo run --release -p pprof-examples --example decode -- FILE.pb.gz`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        return Err("usage: decode FILE".into());
    };
    let data = std::fs::read(&path)?;
    let start = Instant::now();
    let raw = pprof_model::maybe_decompress(&data, &Default::default())
        .map_err(|e| format!("{path}: {e}"))?;
    let inflated = start.elapsed();
    let p = pprof_model::decode_uncompressed(&raw).map_err(|e| format!("{path}: {e}"))?;
    let elapsed = start.elapsed();
    eprintln!(
        "inflate {:.3}s, parse {:.3}s",
        inflated.as_secs_f64(),
        (elapsed - inflated).as_secs_f64()
    );
    let mut totals = vec![0i64; p.sample_types.len()];
    for s in &p.samples {
        for (t, v) in totals.iter_mut().zip(s.values) {
            *t += v;
        }
    }
    println!(
        "{path}: {} samples, {} locations, {} functions, {} mappings, {} strings, totals {:?}, decoded in {:.3}s",
        p.samples.len(),
        p.locations.len(),
        p.functions.len(),
        p.mappings.len(),
        p.strings.len(),
        totals,
        elapsed.as_secs_f64()
    );
    Ok(())
}
