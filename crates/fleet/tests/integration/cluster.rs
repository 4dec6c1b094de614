//! The same merges and queries on a Ballista cluster: one scheduler and
//! two executors of `pprof-fleet-node` on loopback ports, against the
//! engine of this process.

use pprof_fleet::{Engine, Selection};
use pprof_model::Profile;

use crate::common::{csv, five_services, service_dataset, Cluster};

/// A dataset partitioned by service and date, merged and queried on the
/// cluster and in this process: the same profiles and rows.
#[test]
fn a_ballista_cluster_merges_as_this_process_does() {
    let ps = five_services();
    let data = service_dataset(&ps);
    let dir = data.path();

    let mut cluster = Cluster::start();
    let local = Engine::new().unwrap();
    let remote = Engine::remote(&cluster.url).unwrap_or_else(|e| panic!("{e}{}", cluster.logs()));
    assert_eq!(remote.cluster(), Some(cluster.url.as_str()));
    assert_eq!(local.cluster(), None);

    let want = |which: &[usize]| {
        let refs: Vec<&Profile> = which.iter().map(|&i| &ps[i].1).collect();
        pprof_ops::merge(&refs).unwrap().to_raw_string()
    };
    for (sel, which) in [
        ("", &[0, 1, 2, 3, 4][..]),
        (
            "service=checkout&from=2026-12-01T00:30:00Z&to=2026-12-02T12:00:00Z",
            &[0, 2][..],
        ),
        ("service=cart&service=search", &[1, 3][..]),
    ] {
        let sel_parsed = Selection::parse(sel).unwrap();
        let here = local.load(dir, &sel_parsed).unwrap().to_raw_string();
        let there = remote
            .load(dir, &sel_parsed)
            .unwrap_or_else(|e| panic!("{sel:?} on the cluster: {e}{}", cluster.logs()))
            .to_raw_string();
        assert_eq!(there, here, "{sel:?}");
        assert_eq!(here, want(which), "{sel:?}");
    }
    // The tasks ran on the executors: they wrote their shuffle files.
    assert!(cluster.files_written() > 0, "{}", cluster.logs());

    // Nothing selected is the same error there.
    let none = remote.load(dir, &Selection::parse("service=none").unwrap());
    assert!(
        matches!(none, Err(pprof_fleet::Error::Empty(_))),
        "{:?}",
        none.err()
    );

    // SQL over the dataset with its partition columns.
    let q = "SELECT service, date, leaf, count(*) AS samples, sum(\"cpu/nanoseconds\") AS cpu \
             FROM samples GROUP BY service, date, leaf ORDER BY service, date, cpu DESC, leaf";
    let source = [dir.to_string_lossy().into_owned()];
    local.register(&source).unwrap();
    remote.register(&source).unwrap();
    let here = csv(&local.sql(q).unwrap());
    let there = csv(&remote
        .sql(q)
        .unwrap_or_else(|e| panic!("{e}{}", cluster.logs())));
    assert_eq!(there, here);
    assert_eq!(here.lines().count(), 1 + 5 * 3, "{here}");
    assert!(
        here.contains("search,2026-12-02,runtime.mallocgc,1,120000000\n"),
        "{here}"
    );

    // `.pb.gz` files are read in this process only.
    let pbdir = tempfile::tempdir().unwrap();
    let pb = pbdir.path().join("a.pb.gz");
    std::fs::write(&pb, pprof_model::encode(&ps[0].1)).unwrap();
    let e = remote
        .register(&[pb.to_string_lossy().into_owned()])
        .unwrap_err();
    assert!(
        matches!(&e, pprof_fleet::Error::Invalid(m) if m.contains("pprof-tools export -parquet")),
        "{e}"
    );

    // The process-wide cluster of the CLI's source hook.
    assert!(pprof_fleet::set_cluster(cluster.url.clone()));
    assert!(!pprof_fleet::set_cluster("df://127.0.0.1:1".into()));
    let source = format!("{}?service=checkout&from=2026-12-02", dir.display());
    let hooked = pprof_fleet::source_hook(&source)
        .expect("a dataset source")
        .unwrap_or_else(|e| panic!("{e:?}{}", cluster.logs()));
    assert_eq!(hooked.to_raw_string(), want(&[2, 4]));
}
