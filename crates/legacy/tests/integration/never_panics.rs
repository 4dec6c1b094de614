use proptest::prelude::*;

/// Headers that route input into each reader, so that random lines reach
/// the record parsers and not only the format detection.
const HEADERS: [&str; 12] = [
    "",
    "heap profile: 1: 2 [3: 4] @ heap/2\n",
    "heap profile: 1: 2 [1: 2] @ heapprofile\n",
    "heap profile: 1: 2 [3: 4] @ growthz\n",
    "goroutine profile: total 3\n",
    "--- threadz 1 ---\n",
    "--- Thread 1 (name: a/1) stack: ---\n",
    "--- mutex:\ncycles/second=1000\nsampling period=3\n",
    "--- contentionz 1 ---\nformat = java\nresolution = ns\nsampling period = 2\n",
    "--- heapz 1 ---\nformat = java\nresolution = bytes\n",
    "goroutine 1 [chan send, 2 minutes]:\n",
    "panic: x\n\ngoroutine 1 [running]:\n",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~\t]{0,60}",
        "[0-9]{1,20}(: *[0-9]{1,20} *\\[ *[0-9]{1,20}: *[0-9]{1,20} *\\])? @( 0x[0-9a-f]{1,17}){0,5}",
        "[0-9a-f]{1,16}-[0-9a-f]{1,16} [-rwxp]{4} [0-9a-f]{1,8} [0-9]{2}:[0-9]{2} [0-9]{1,5} [ -~]{0,20}",
        "\t[ -~]{0,30}:[0-9]{0,6}( \\+0x[0-9a-f]{1,4})?",
        "(created by [a-z.]{1,10}( in goroutine [0-9]{1,3})?|--- Memory map: ---|MAPPED_LIBRARIES:|same as previous thread|[a-z=/ ]{1,20})",
        " *0x[0-9a-f]{1,18} [ -~]{0,30}",
        "#\t0x[0-9a-f]{1,17}(\t+[a-z.()*]{0,12}\\+0x[0-9a-f]{1,17}\t+[a-z/.]{0,10}:[0-9]{1,20})?",
    ]
}

/// Parses with and without frame names from `#` lines; both must give a
/// valid profile or an error, the same samples' values either way.
fn parse_both(data: &[u8]) -> Result<(), TestCaseError> {
    let plain = pprof_legacy::parse(data);
    let opts = pprof_legacy::ParseOptions::default().with_text_frames(true);
    let named = pprof_legacy::parse_with(data, &opts);
    if let Ok(p) = &plain {
        prop_assert!(p.check_valid().is_ok());
        let _ = p.to_raw_string();
    }
    match (&plain, &named) {
        (Ok(a), Ok(b)) => {
            prop_assert!(b.check_valid().is_ok());
            let _ = b.to_raw_string();
            let values = |p: &pprof_model::Profile| {
                p.samples
                    .iter()
                    .map(|s| s.values.to_vec())
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(values(a), values(b));
        }
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "{plain:?} vs {named:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_both(&data)?;
        let _ = pprof_legacy::parse_goroutine_dump(&data);
    }

    #[test]
    fn arbitrary_lines_never_panic(
        header in 0..HEADERS.len(),
        lines in proptest::collection::vec(line(), 0..20),
        newline_at_end in any::<bool>(),
    ) {
        let mut text = HEADERS[header].to_string();
        text.push_str(&lines.join("\n"));
        if newline_at_end {
            text.push('\n');
        }
        parse_both(text.as_bytes())?;
        let _ = pprof_legacy::parse_goroutine_dump(text.as_bytes());
    }

    #[test]
    fn arbitrary_cpu_words_never_panic(
        words in proptest::collection::vec(prop_oneof![0u64..8, any::<u64>()], 0..40),
        java in any::<bool>(),
        tail in "[ -~\n]{0,80}",
    ) {
        let mut b: Vec<u8> = [0u64, 3, java as u64, 100, 0]
            .iter()
            .chain(words.iter())
            .flat_map(|w| w.to_le_bytes())
            .collect();
        b.extend_from_slice(tail.as_bytes());
        if let Ok(p) = pprof_legacy::parse(&b) {
            prop_assert!(p.check_valid().is_ok());
        }
    }
}
