//! Synthetic profiles for the benchmarks, shaped like the ladder of
//! `shared/bench/genprofile.py`: a layered synthetic program of Go-style
//! functions, stacks drawn as Zipf-distributed random walks from a few
//! roots (hot stacks, shared prefixes, a long tail), ~20% of locations with
//! inlined frames, three mappings, optional string and numeric labels, and
//! samples unique by (stack, labels). Deterministic for given parameters.

use std::collections::HashMap;

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    StrId, ValueType,
};

/// Parameters of a synthetic profile.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Distinct samples.
    pub samples: usize,
    /// Functions of the synthetic program.
    pub functions: usize,
    /// Mean stack depth.
    pub depth: usize,
    /// Add string and numeric labels.
    pub labels: bool,
    /// Seed of the program.
    pub seed: u64,
    /// Seed of the sample draws.
    pub sample_seed: u64,
}

impl Shape {
    /// The ladder's `small`: 10k samples, 2k functions, labels.
    pub fn small() -> Shape {
        Shape {
            samples: 10_000,
            functions: 2_000,
            depth: 20,
            labels: true,
            seed: 1,
            sample_seed: 1,
        }
    }
    /// The ladder's `medium`: 100k samples, 10k functions, labels.
    pub fn medium() -> Shape {
        Shape {
            samples: 100_000,
            functions: 10_000,
            depth: 20,
            labels: true,
            seed: 2,
            sample_seed: 2,
        }
    }
    /// One of the ladder's `merge/m*` inputs: 16k samples, 5k functions.
    pub fn merge_part(k: u64) -> Shape {
        Shape {
            samples: 16_000,
            functions: 5_000,
            depth: 20,
            labels: true,
            seed: 4,
            sample_seed: 100 + k,
        }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Zipf-like choice in 0..n (exponent ~1.1).
    fn zipf(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let u = self.unit();
        let x = (n as f64).powf(u) - 1.0;
        (x as usize).min(n - 1)
    }
}

/// Generates a gzip-compressed profile of the given shape.
pub fn generate_gz(shape: &Shape) -> Vec<u8> {
    pprof_model::encode(&generate(shape))
}

/// Generates a profile of the given shape.
pub fn generate(shape: &Shape) -> Profile {
    let mut prog = Rng(shape.seed);
    let mut p = Profile::new();
    let cpu = [
        p.intern("samples"),
        p.intern("count"),
        p.intern("cpu"),
        p.intern("nanoseconds"),
    ];
    p.sample_types = vec![
        ValueType {
            r#type: cpu[0],
            unit: cpu[1],
        },
        ValueType {
            r#type: cpu[2],
            unit: cpu[3],
        },
    ];
    p.period_type = ValueType {
        r#type: cpu[2],
        unit: cpu[3],
    };
    p.period = 10_000_000;
    p.time_nanos = 1_700_000_000_000_000_000;
    p.duration_nanos = 30_000_000_000;
    let files = [
        p.intern("/usr/local/bin/server"),
        p.intern("/lib/x86_64-linux-gnu/libc.so.6"),
        p.intern("[vdso]"),
    ];
    for (i, f) in files.iter().enumerate() {
        let start = 0x400000u64 + (i as u64) * 0x1000_0000;
        p.mappings.push(Mapping {
            id: i as u64 + 1,
            start,
            limit: start + 0x0800_0000,
            file: *f,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
            ..Default::default()
        });
    }
    // functions in layers
    let nf = shape.functions.max(8);
    let pkgs = [
        "server", "handler", "storage", "codec", "cache", "runtime", "net/http", "sync",
    ];
    let types = ["Server", "Conn", "Ledger", "Mutex", "Encoder", "Pool"];
    let mut fn_file: Vec<StrId> = Vec::with_capacity(nf);
    for i in 0..nf {
        let pkg = pkgs[prog.zipf(pkgs.len())];
        let name = match i % 3 {
            0 => format!(
                "github.com/acme/repo/internal/{pkg}.(*{}).Method{i}",
                types[i % types.len()]
            ),
            1 => format!("github.com/acme/repo/internal/{pkg}.func{i}"),
            _ => format!("{pkg}.helper{i}.func{}", i % 7 + 1),
        };
        let name = p.intern(&name);
        let file = p.intern(&format!(
            "github.com/acme/repo/internal/{pkg}/file{}.go",
            i % 97
        ));
        fn_file.push(file);
        p.functions.push(Function {
            id: i as u64 + 1,
            name,
            system_name: name,
            filename: file,
            start_line: (i % 500) as i64 + 1,
        });
    }
    // locations: 4 per function, ~20% with an inlined frame
    let nl = nf * 4;
    for i in 0..nl {
        let f = i / 4;
        let mut lines = Vec::with_capacity(2);
        if prog.next().is_multiple_of(5) {
            lines.push(Line {
                function: FunctionId(prog.zipf(nf) as u32),
                line: (prog.next() % 800) as i64 + 1,
                column: 0,
            });
        }
        lines.push(Line {
            function: FunctionId(f as u32),
            line: (prog.next() % 800) as i64 + 1,
            column: 0,
        });
        let m: usize = if f % 50 == 49 {
            1
        } else if f % 211 == 210 {
            2
        } else {
            0
        };
        p.locations.push(Location {
            id: i as u64 + 1,
            mapping: Some(MappingId(m as u32)),
            address: p.mappings[m].start + (i as u64) * 16,
            lines,
            is_folded: false,
        });
    }
    // layered call graph: callees of function f are later functions
    let label_keys = [
        p.intern("handler"),
        p.intern("method"),
        p.intern("tenant"),
        p.intern("worker"),
        p.intern("request_bytes"),
    ];
    let bytes = p.intern("bytes");
    let handlers: Vec<StrId> = (0..64)
        .map(|i| p.intern(&format!("/api/v1/endpoint{i}")))
        .collect();
    let methods: Vec<StrId> = ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .map(|m| p.intern(m))
        .collect();
    let tenants: Vec<StrId> = (0..1000)
        .map(|i| p.intern(&format!("tenant-{i:04}")))
        .collect();

    let mut draws = Rng(shape
        .sample_seed
        .wrapping_mul(7919)
        .wrapping_add(shape.seed));
    let mut seen: HashMap<(Vec<LocationId>, Vec<Label>), usize> =
        HashMap::with_capacity(shape.samples);
    let mut guard = 0usize;
    while p.samples.len() < shape.samples && guard < shape.samples * 20 {
        guard += 1;
        let depth = (shape.depth as f64 * (0.5 + draws.unit())) as usize + 1;
        let mut stack = Vec::with_capacity(depth);
        let mut f = draws.zipf(8);
        for _ in 0..depth {
            let loc = f * 4 + draws.zipf(4);
            stack.push(LocationId(loc as u32));
            let step = 1 + draws.zipf(nf / 8 + 1);
            f = (f + step) % nf;
        }
        stack.reverse();
        let mut labels = Vec::new();
        if shape.labels {
            if draws.unit() < 0.8 {
                labels.push(Label {
                    key: label_keys[0],
                    str: handlers[draws.zipf(64)],
                    num: 0,
                    num_unit: StrId::EMPTY,
                });
            }
            if draws.unit() < 0.8 {
                labels.push(Label {
                    key: label_keys[1],
                    str: methods[draws.zipf(4)],
                    num: 0,
                    num_unit: StrId::EMPTY,
                });
            }
            if draws.unit() < 0.6 {
                labels.push(Label {
                    key: label_keys[2],
                    str: tenants[draws.zipf(1000)],
                    num: 0,
                    num_unit: StrId::EMPTY,
                });
            }
            if draws.unit() < 0.9 {
                labels.push(Label {
                    key: label_keys[3],
                    str: StrId::EMPTY,
                    num: draws.zipf(64) as i64 + 1,
                    num_unit: StrId::EMPTY,
                });
            }
            if draws.unit() < 0.7 {
                labels.push(Label {
                    key: label_keys[4],
                    str: StrId::EMPTY,
                    num: (draws.next() % 65536) as i64 + 1,
                    num_unit: bytes,
                });
            }
            pprof_model::sort_labels(&p.strings, &mut labels);
        }
        let n = 1 + draws.zipf(50) as i64;
        match seen.get(&(stack.clone(), labels.clone())) {
            Some(&i) => {
                p.samples.values_mut(i)[0] += n;
                p.samples.values_mut(i)[1] += n * 10_000_000;
            }
            None => {
                seen.insert((stack.clone(), labels.clone()), p.samples.len());
                p.samples.push(Sample {
                    locations: stack,
                    values: vec![n, n * 10_000_000],
                    labels,
                });
            }
        }
    }
    let _ = fn_file;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_requested_shape() {
        let shape = Shape {
            samples: 500,
            functions: 100,
            depth: 10,
            labels: true,
            seed: 1,
            sample_seed: 2,
        };
        let p = generate(&shape);
        assert_eq!(p.samples.len(), 500);
        p.check_valid().unwrap();
        let back = pprof_model::decode(&generate_gz(&shape)).unwrap();
        assert_eq!(back.samples.len(), 500);
        // deterministic
        assert_eq!(generate(&shape), p);
    }
}
