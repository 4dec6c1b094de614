//! Small profiles built in code for the tests.

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, MappingId, Profile};

/// Builds profiles frame by frame, functions named in `src/demo.go`, all
/// locations in one mapping `/bin/demo`.
pub struct Builder {
    b: ProfileBuilder,
    bin: MappingId,
}

impl Builder {
    /// A profile with the given `(type, unit)` sample types and one mapping.
    pub fn new(types: &[(&str, &str)]) -> Builder {
        let mut b = ProfileBuilder::new(types);
        let bin = b.mapping("/bin/demo", 0x1000, 0x100000);
        let m = &mut b.profile_mut().mappings[bin.index()];
        m.has_filenames = true;
        m.has_line_numbers = true;
        m.has_inline_frames = true;
        Builder { b, bin }
    }

    /// The profile built so far.
    pub fn p(&self) -> &Profile {
        self.b.profile()
    }

    /// The profile.
    pub fn build(self) -> Profile {
        self.b.build()
    }

    /// A location at `address` whose frames are `frames` (innermost first:
    /// all but the last are inlined into the last), each `(function, line)`.
    pub fn loc(&mut self, address: u64, frames: &[(&str, i64)]) -> LocationId {
        let frames: Vec<_> = frames
            .iter()
            .map(|(f, l)| (self.b.function(f, "src/demo.go", 1), *l))
            .collect();
        self.b.location(Some(self.bin), address, &frames)
    }

    /// A location with no symbol information.
    pub fn raw_loc(&mut self, address: u64) -> LocationId {
        self.b.location(Some(self.bin), address, &[])
    }

    /// A sample with leaf-first locations.
    pub fn sample(&mut self, locs: &[LocationId], values: &[i64]) {
        self.b.sample(locs, values);
    }

    /// A sample carrying string labels.
    pub fn labelled(&mut self, locs: &[LocationId], values: &[i64], labels: &[(&str, &str)]) {
        self.b.labelled_sample(locs, values, labels);
        self.b.profile_mut().sort_labels();
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
    b.build()
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
    b.build()
}
