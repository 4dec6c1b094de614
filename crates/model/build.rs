//! Generates the prost types for `proto/profile.proto` without a system
//! `protoc`: protox parses the schema in pure Rust and hands prost-build a
//! file descriptor set.

fn main() {
    let proto_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../proto");
    let proto = format!("{proto_dir}/profile.proto");
    println!("cargo:rerun-if-changed={proto}");
    let fds = match protox::compile([&proto], [proto_dir]) {
        Ok(fds) => fds,
        Err(e) => panic!("cannot parse {proto}: {e}"),
    };
    let mut config = prost_build::Config::new();
    if let Err(e) = config.compile_fds(fds) {
        panic!("cannot generate Rust code for {proto}: {e}");
    }
}
