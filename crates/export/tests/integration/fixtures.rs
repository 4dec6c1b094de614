//! Small profiles built in code for the tests.

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// Builds profiles frame by frame.
pub struct Builder {
    pub p: Profile,
}

impl Builder {
    /// A profile with the given `(type, unit)` sample types and one mapping.
    pub fn new(types: &[(&str, &str)]) -> Builder {
        let mut p = Profile::new();
        for (t, u) in types {
            let vt = ValueType {
                r#type: p.intern(t),
                unit: p.intern(u),
            };
            p.sample_types.push(vt);
        }
        let file = p.intern("/bin/demo");
        p.mappings.push(Mapping {
            id: 1,
            start: 0x1000,
            limit: 0x100000,
            file,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
            ..Default::default()
        });
        Builder { p }
    }

    /// The function named `name` (in `demo.go`), created on first use.
    pub fn func(&mut self, name: &str) -> FunctionId {
        let n = self.p.intern(name);
        if let Some(i) = self.p.functions.iter().position(|f| f.name == n) {
            return FunctionId(i as u32);
        }
        let file = self.p.intern("src/demo.go");
        let id = self.p.functions.len() as u64 + 1;
        self.p.functions.push(Function {
            id,
            name: n,
            system_name: n,
            filename: file,
            start_line: 1,
        });
        FunctionId(id as u32 - 1)
    }

    /// A location at `address` whose frames are `frames` (innermost first:
    /// all but the last are inlined into the last), each `(function, line)`.
    pub fn loc(&mut self, address: u64, frames: &[(&str, i64)]) -> LocationId {
        let lines = frames
            .iter()
            .map(|(f, l)| Line {
                function: self.func(f),
                line: *l,
            })
            .collect();
        let id = self.p.locations.len() as u64 + 1;
        self.p.locations.push(Location {
            id,
            mapping: Some(MappingId(0)),
            address,
            lines,
            is_folded: false,
        });
        LocationId(id as u32 - 1)
    }

    /// A location with no symbol information.
    pub fn raw_loc(&mut self, address: u64) -> LocationId {
        let id = self.p.locations.len() as u64 + 1;
        self.p.locations.push(Location {
            id,
            mapping: Some(MappingId(0)),
            address,
            lines: vec![],
            is_folded: false,
        });
        LocationId(id as u32 - 1)
    }

    /// A sample with leaf-first locations.
    pub fn sample(&mut self, locs: &[LocationId], values: &[i64]) {
        self.p.samples.push(Sample {
            locations: locs.to_vec(),
            values: values.to_vec(),
            labels: vec![],
        });
    }

    /// A sample carrying string labels.
    pub fn labelled(&mut self, locs: &[LocationId], values: &[i64], labels: &[(&str, &str)]) {
        let labels = labels
            .iter()
            .map(|(k, v)| Label {
                key: self.p.intern(k),
                str: self.p.intern(v),
                num: 0,
                num_unit: Default::default(),
            })
            .collect();
        self.p.samples.push(Sample {
            locations: locs.to_vec(),
            values: values.to_vec(),
            labels,
        });
        self.p.sort_labels();
    }
}

/// A CPU-like profile: main -> run -> {work (inlined mix), fib -> fib}.
///
/// Values (samples, cpu ns): work+mix 30/3000, work 20/2000, fib->fib 40/4000,
/// fib 10/1000. Total 100 samples, 10000 ns.
pub fn cpu() -> Profile {
    let mut b = Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    let run = b.loc(0x1200, &[("main.run", 20)]);
    let work_mix = b.loc(0x1300, &[("main.mix", 31), ("main.work", 30)]);
    let work = b.loc(0x1310, &[("main.work", 32)]);
    let fib = b.loc(0x1400, &[("main.fib", 40)]);
    let fib2 = b.loc(0x1410, &[("main.fib", 41)]);
    b.sample(&[work_mix, run, main], &[30, 3000]);
    b.sample(&[work, run, main], &[20, 2000]);
    b.sample(&[fib2, fib, run, main], &[40, 4000]);
    b.sample(&[fib, run, main], &[10, 1000]);
    b.p
}

/// The shape of a goroutine leak: many goroutines parked in
/// main.compute -> runtime.chansend1 -> runtime.gopark, a few elsewhere.
pub fn leak() -> Profile {
    let mut b = Builder::new(&[("goroutine", "count")]);
    let gopark = b.loc(0x2000, &[("runtime.gopark", 1)]);
    let chansend = b.loc(0x2100, &[("runtime.chansend1", 2)]);
    let compute = b.loc(0x2200, &[("main.compute", 3)]);
    let sleep = b.loc(0x2300, &[("time.Sleep", 4)]);
    let main = b.loc(0x2400, &[("main.main", 5)]);
    let rt = b.loc(0x2500, &[("runtime.main", 6)]);
    b.sample(&[gopark, chansend, compute], &[113]);
    b.sample(&[gopark, sleep, compute], &[1]);
    b.sample(&[gopark, sleep, main, rt], &[2]);
    b.p
}
