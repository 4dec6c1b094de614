//! Fixed bugs, each named after what broke.

use crate::fixtures::{bin, run, stdout, TempDir};

/// go1.19's pprof drops samples without any location in every report,
/// even when no filter option is given (its name filter always runs);
/// today's keeps them when no name filter is set.
#[test]
fn samples_without_locations_are_dropped_without_filters_by_go119() {
    let d = TempDir::new("nostack");
    let text = "heap profile: 3: 24 [3: 24] @ heap/1\n\
                1: 8 [1: 8] @\n\
                2: 16 [2: 16] @ 0x401000 0x402000\n";
    let f = d.path("heap.txt");
    std::fs::write(&f, text).unwrap();
    let f = f.to_string_lossy().into_owned();
    let raw_samples = |compat: &str| {
        let o = bin()
            .env("PPROF_TOOLS_COMPAT", compat)
            .args(["-raw", "-symbolize=none", &f])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let raw = stdout(&o);
        let samples: Vec<String> = raw
            .lines()
            .skip_while(|l| *l != "Samples:")
            .skip(2)
            .take_while(|l| *l != "Locations")
            .filter(|l| l.contains(':') && !l.trim_start().starts_with("bytes"))
            .map(str::to_string)
            .collect();
        (raw, samples)
    };
    let (raw, samples) = raw_samples("go1.19");
    assert_eq!(samples.len(), 1, "{raw}");
    assert!(!samples[0].trim_end().ends_with(':'), "{raw}");
    let (raw, samples) = raw_samples("");
    assert_eq!(samples.len(), 2, "{raw}");
    assert!(samples[0].trim_end().ends_with(':'), "{raw}");
    // The total of the reports has it in both (pprof sums the samples
    // before its filters).
    let top = stdout(&run(&["-top", "-symbolize=none", &f]));
    assert!(top.contains("of 24B total"), "{top}");
}
