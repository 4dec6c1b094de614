//! Small profiles that tests of several crates share, a place on disk to
//! put them, and the build of the native program that profiles itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};

/// A goroutine profile: `main.main` starts 50 `main.compute` goroutines
/// that park in `runtime.gopark`, 3 in `main.serve`, and runs itself.
pub fn goroutine_profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    let bin = b.mapping("/srv/bin/leakdemo", 0x400000, 0x800000);
    let funcs = [
        ("runtime.gopark", "runtime/proc.go", 360),
        ("main.compute", "leakdemo/main.go", 23),
        ("main.main", "leakdemo/main.go", 40),
        ("main.serve", "leakdemo/main.go", 50),
    ];
    let locs: Vec<LocationId> = funcs
        .iter()
        .enumerate()
        .map(|(i, (name, file, line))| {
            let f = b.function(name, file, line - 2);
            b.location(Some(bin), 0x401000 + 0x100 * i as u64, &[(f, *line)])
        })
        .collect();
    let stack = |ids: &[usize]| ids.iter().map(|&i| locs[i]).collect::<Vec<_>>();
    b.sample(&stack(&[0, 1, 2]), &[50]);
    b.sample(&stack(&[0, 3, 2]), &[3]);
    b.sample(&stack(&[2]), &[1]);
    b.build()
}

/// A profile written as `.pb.gz` into a directory of its own under the
/// system's temporary directory; the directory goes when this is dropped.
pub struct ProfileFile {
    /// The directory (a test may write more files into it).
    pub dir: PathBuf,
    /// The profile's path, as a command line takes it.
    pub path: String,
}

impl ProfileFile {
    /// Writes `profile` to `NAME.pb.gz` in a new directory whose name holds
    /// `tag` and the process id, so concurrent tests do not meet.
    pub fn new(tag: &str, name: &str, profile: &Profile) -> ProfileFile {
        let dir = std::env::temp_dir().join(format!("pprof-testkit-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{name}.pb.gz"));
        std::fs::write(&path, pprof_model::encode(profile)).expect("write the profile");
        ProfileFile {
            path: path.to_string_lossy().into_owned(),
            dir,
        }
    }
}

impl Drop for ProfileFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Compiles the C fixture of pprof-symbolize's tests into `binary`:
/// `cwork.c` and the sampler `sampler.c`, both from `sources` (that crate's
/// `tests/fixtures`), built by the C compiler `cc` with `-O2 -g`, frame
/// pointers kept (in leaf functions too), as a PIE executable. Run with a
/// file and a number of milliseconds, it writes a CPU profile of itself.
///
/// Panics, showing the compiler's output, when the build fails.
pub fn compile_c_fixture(cc: &Path, sources: &Path, binary: &Path) {
    let mut cmd = Command::new(cc);
    cmd.args([
        "-O2",
        "-g",
        "-fno-omit-frame-pointer",
        "-mno-omit-leaf-frame-pointer",
    ])
    .args(["-fpie", "-pie", "-o"])
    .arg(binary)
    .arg(sources.join("cwork.c"))
    .arg(sources.join("sampler.c"));
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
