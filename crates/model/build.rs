//! Generates the prost types for `proto/profile.proto` without a system
//! `protoc`: protox parses the schema in pure Rust and hands prost-build a
//! file descriptor set.

fn main() {
    // Read when the script runs, not when it is built: a build script
    // built for one checkout can be run for another in the same target
    // directory.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let proto_dir = format!("{manifest_dir}/../../proto");
    let proto = format!("{proto_dir}/profile.proto");
    println!("cargo:rerun-if-changed={proto}");
    let fds = match protox::compile([&proto], [&proto_dir]) {
        Ok(fds) => fds,
        Err(e) => panic!("cannot parse {proto}: {e}"),
    };
    let mut config = prost_build::Config::new();
    if let Err(e) = config.compile_fds(fds) {
        panic!("cannot generate Rust code for {proto}: {e}");
    }
}
