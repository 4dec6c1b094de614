//! Every report on arbitrary valid profiles: no panic, well-formed JSON,
//! and the text report agrees with the profile's totals.

use pprof_report::{generate, generate_json, top_proto, Options, OutputFormat, Report};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reports_never_panic(
        p in pprof_model::arbitrary::profile(2),
        cum in any::<bool>(),
        mean in any::<bool>(),
        count in 0usize..4,
    ) {
        for format in [OutputFormat::Text, OutputFormat::Tree, OutputFormat::Traces, OutputFormat::Tags, OutputFormat::Comments] {
            let mut o = Options::for_sample(&p, 1, mean);
            o.output_format = format;
            o.cum_sort = cum;
            o.node_count = count;
            o.node_fraction = 0.005;
            o.edge_fraction = 0.001;
            o.num_label_units = pprof_ops::num_label_units(&p).0;
            let rpt = Report::new(&p, o);
            let mut out = Vec::new();
            generate(&mut out, &rpt).expect("report");
            if format != OutputFormat::Comments {
                let mut json = Vec::new();
                generate_json(&mut json, &rpt).expect("json");
                let ends = json.ends_with(b"}\n");
                prop_assert!(ends, "json must end with a closing brace");
                let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&json);
                prop_assert!(parsed.is_ok(), "json must parse: {:?}", parsed.err());
            }
            if format == OutputFormat::Text {
                let tp = top_proto(&rpt);
                let rows = pprof_report::text_items(&rpt).items.len();
                prop_assert_eq!(tp.samples.len(), rows);
            }
        }
    }

    /// Untrimmed, the flat values of the text report add up to the value of
    /// every sample that has a stack, and its total is the profile's total.
    #[test]
    fn text_report_keeps_the_totals(p in pprof_model::arbitrary::profile(2)) {
        let mut o = Options::for_sample(&p, 1, false);
        o.node_count = 0;
        o.node_fraction = 0.0;
        o.edge_fraction = 0.0;
        let rpt = Report::new(&p, o);
        let tr = pprof_report::text_items(&rpt);
        let flat: i64 = tr.items.iter().map(|i| i.flat).sum();
        let value = |s: pprof_model::SampleRef<'_>| s.values.get(1).copied().unwrap_or(0);
        let with_stack: i64 = p
            .samples
            .iter()
            .filter(|s| !s.locations.is_empty())
            .map(value)
            .sum();
        prop_assert_eq!(flat, with_stack);
        // pprof's total: the magnitudes of all samples (of the base's only
        // when -diff_base labels some).
        if !p.samples.iter().any(|s| pprof_ops::is_diff_base_sample(&p, s)) {
            let all: i64 = p.samples.iter().map(|s| value(s).abs()).sum();
            prop_assert_eq!(tr.total, all);
        }
    }
}
