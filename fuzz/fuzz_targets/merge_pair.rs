//! Two profiles decoded from halves of the input, merged, compacted and
//! diffed: errors are fine, panics are not; a merge keeps per-type totals.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let cut = (data[0] as usize * data.len() / 256).max(1).min(data.len() - 1);
    let (a, b) = data[1..].split_at(cut.min(data.len() - 1) - 1);
    let (Ok(pa), Ok(pb)) = (pprof_model::decode(a), pprof_model::decode(b)) else {
        return;
    };
    if let Ok(m) = pprof_ops::merge(&[&pa, &pb]) {
        assert!(m.check_valid().is_ok());
        let _ = pprof_ops::compact(&m);
    }
    let mut base = pb.clone();
    pprof_ops::scale(&mut base, -1.0);
    let _ = pprof_ops::merge(&[&pa, &base]);
});
