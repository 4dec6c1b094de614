//! Every report on arbitrary valid profiles: no panic, and the text report
//! agrees with the graph totals.

use pprof_report::{generate, generate_json, top_proto, Options, OutputFormat, Report};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reports_never_panic(p in pprof_model::arbitrary::profile(2), cum in any::<bool>(), count in 0usize..4) {
        for format in [OutputFormat::Text, OutputFormat::Tree, OutputFormat::Traces, OutputFormat::Tags, OutputFormat::Comments] {
            let mut o = Options::for_sample(&p, 1, cum);
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
            }
            if format == OutputFormat::Text {
                let tp = top_proto(&rpt);
                let rows = pprof_report::text_items(&rpt).items.len();
                prop_assert_eq!(tp.samples.len(), rows);
            }
        }
    }
}
