//! Fixed bugs, each named after what broke.

use crate::fixtures::{run, stdout, TempDir};

/// pprof drops samples without any location in every report, even when no
/// filter option is given (its name filter always runs).
#[test]
fn samples_without_locations_are_dropped_without_filters() {
    let d = TempDir::new("nostack");
    let text = "heap profile: 3: 24 [3: 24] @ heap/1\n\
                1: 8 [1: 8] @\n\
                2: 16 [2: 16] @ 0x401000 0x402000\n";
    let f = d.path("heap.txt");
    std::fs::write(&f, text).unwrap();
    let f = f.to_string_lossy().into_owned();
    let o = run(&["-raw", "-symbolize=none", &f]);
    assert_eq!(o.status.code(), Some(0));
    let raw = stdout(&o);
    let samples: Vec<&str> = raw
        .lines()
        .skip_while(|l| *l != "Samples:")
        .skip(2)
        .take_while(|l| *l != "Locations")
        .filter(|l| l.contains(':') && !l.trim_start().starts_with("bytes"))
        .collect();
    assert_eq!(samples.len(), 1, "{raw}");
    assert!(!samples[0].trim_end().ends_with(':'), "{raw}");
}
