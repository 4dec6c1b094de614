//! Issue 12, finding 6: each cause of a fetch or model error is printed
//! once: a message shows its cause or exposes it as `source()`, never both.

use pprof_fetch::{fetch, FetchOptions};

fn assert_each_cause_once(e: &dyn std::error::Error, needle: &str) {
    let c = pprof_testkit::error_chain(e);
    for (i, outer) in c.iter().enumerate() {
        for inner in &c[i + 1..] {
            assert!(
                !outer.contains(inner.as_str()),
                "{inner:?} repeated in {outer:?}"
            );
        }
    }
    let all = c.join(": ");
    assert_eq!(all.matches(needle).count(), 1, "{all}");
    assert!(!all.contains("os error"), "{all}");
}

#[test]
fn issue12_each_cause_is_printed_once() {
    let dir = std::env::temp_dir().join(format!("pprof-fetch-causes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = FetchOptions::default();

    let missing = dir.join("missing.pb.gz");
    let e = fetch(&missing.to_string_lossy(), &o).unwrap_err();
    assert_each_cause_once(&e, "no such file or directory");
    assert!(e.to_string().contains("missing.pb.gz"), "{e}");

    let gz = dir.join("broken.pb.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]).unwrap();
    let e = fetch(&gz.to_string_lossy(), &o).unwrap_err();
    assert_each_cause_once(&e, "decompressing profile");

    // A decoded profile that breaks an invariant: a sample with a dangling
    // location id (pprof: "sample has nil location").
    let bad = dir.join("dangling.pb");
    let mut b = vec![0x0a, 0x04, 0x08, 0x01, 0x10, 0x02];
    b.extend([0x12, 0x06, 0x0a, 0x01, 0x07, 0x12, 0x01, 0x01]);
    for s in [&b""[..], b"samples", b"count"] {
        b.push(0x32);
        b.push(s.len() as u8);
        b.extend_from_slice(s);
    }
    std::fs::write(&bad, &b).unwrap();
    let e = fetch(&bad.to_string_lossy(), &o).unwrap_err();
    assert_each_cause_once(&e, "sample has nil location");

    // The model's own errors.
    let e = pprof_model::decode(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff]).unwrap_err();
    assert_each_cause_once(&e, "decompressing profile");
    std::fs::remove_dir_all(&dir).unwrap();
}
