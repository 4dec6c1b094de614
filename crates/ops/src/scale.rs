//! Scaling sample values, normalizing against a base profile, and the
//! label edits used for `-base`/`-diff_base` comparisons.
//!
//! All functions here edit the profile in place (`&mut Profile`), as Go's
//! methods of the same names do.

use pprof_model::{Label, Profile, StrId};

use crate::error::{Error, Result};
use pprof_model::gofmt::int64;

/// The label key that marks samples of a `-diff_base` profile.
pub const BASE_LABEL_KEY: &str = "pprof::base";

/// Multiplies every sample value by `ratio`, rounding to the nearest
/// integer (Go's `Profile.Scale`). A ratio of exactly 1 changes nothing.
/// Samples whose values all become zero are removed.
pub fn scale(p: &mut Profile, ratio: f64) {
    if ratio == 1.0 {
        return;
    }
    let ratios = vec![ratio; p.sample_types.len()];
    // Lengths agree by construction.
    let _ = scale_n(p, &ratios);
}

/// Multiplies the values of sample type `i` by `ratios[i]`, rounding half
/// away from zero (Go's `Profile.ScaleN`).
///
/// Only the columns whose ratio is not 1 decide whether a sample is kept:
/// a sample is removed when all of those become zero. All-one ratios leave
/// the profile untouched.
pub fn scale_n(p: &mut Profile, ratios: &[f64]) -> Result<()> {
    if ratios.len() != p.sample_types.len() {
        return Err(Error::RatioCount {
            got: ratios.len(),
            want: p.sample_types.len(),
        });
    }
    if ratios.iter().all(|&r| r == 1.0) {
        return Ok(());
    }
    p.samples.retain_mut(|s| {
        let mut keep = false;
        for (v, &r) in s.values.iter_mut().zip(ratios) {
            if r != 1.0 {
                let nv = int64((*v as f64 * r).round());
                *v = nv;
                keep = keep || nv != 0;
            }
        }
        keep
    });
    Ok(())
}

/// Scales `p` so that the total of each sample type equals the total of
/// the same type in `base` (Go's `Profile.Normalize`). A type whose total
/// in `p` is zero is scaled by 0. Fails when the profiles' types differ.
pub fn normalize(p: &mut Profile, base: &Profile) -> Result<()> {
    crate::merge::compatible(p, base)?;
    let n = p.sample_types.len();
    let mut base_vals = vec![0i64; n];
    for s in &base.samples {
        for (t, v) in base_vals.iter_mut().zip(s.values) {
            *t = t.wrapping_add(*v);
        }
    }
    let mut src_vals = vec![0i64; n];
    for s in &p.samples {
        for (t, v) in src_vals.iter_mut().zip(s.values) {
            *t = t.wrapping_add(*v);
        }
    }
    let ratios: Vec<f64> = base_vals
        .iter()
        .zip(&src_vals)
        .map(|(&b, &s)| if s == 0 { 0.0 } else { b as f64 / s as f64 })
        .collect();
    scale_n(p, &ratios)
}

/// Sets the string label `key` of every sample to exactly `values`,
/// replacing any previous values of that key (Go's `Profile.SetLabel`).
pub fn set_label(p: &mut Profile, key: &str, values: &[&str]) {
    let k = p.intern(key);
    let vals: Vec<StrId> = values.iter().map(|v| p.intern(v)).collect();
    let mut any = false;
    p.samples.rewrite(|s| {
        s.labels.retain(|l| !(l.is_str() && l.key == k));
        for &v in &vals {
            s.labels.push(Label {
                key: k,
                str: v,
                num: 0,
                num_unit: StrId::EMPTY,
            });
            any = true;
        }
        true
    });
    if any {
        p.sort_labels();
    }
}

/// Removes the string label `key` from every sample (Go's
/// `Profile.RemoveLabel`). Numeric labels are kept.
pub fn remove_label(p: &mut Profile, key: &str) {
    let Some(k) = p.strings.lookup(key) else {
        return;
    };
    p.samples.rewrite(|s| {
        s.labels.retain(|l| !(l.is_str() && l.key == k));
        true
    });
}

/// Whether `sample` (of `p`) carries the `pprof::base=true` label that
/// marks samples from a `-diff_base` profile.
pub fn is_diff_base_sample<'a>(
    p: &'a Profile,
    sample: impl Into<pprof_model::SampleRef<'a>>,
) -> bool {
    p.has_label(sample, BASE_LABEL_KEY, "true")
}

/// Prepares a base profile for comparison as the driver does: its values
/// are negated, and for `-diff_base` (`diff_base = true`) every sample is
/// labelled `pprof::base=true`. Merge the result with the source profiles
/// afterwards (see [`crate::merge`]).
pub fn prepare_base(base: &mut Profile, diff_base: bool) {
    scale(base, -1.0);
    if diff_base {
        set_label(base, BASE_LABEL_KEY, &["true"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::{Sample, ValueType};

    fn prof(vals: &[[i64; 2]]) -> Profile {
        let mut p = Profile::new();
        for t in ["a", "b"] {
            let ty = p.intern(t);
            let unit = p.intern("count");
            p.sample_types.push(ValueType { r#type: ty, unit });
        }
        for v in vals {
            p.samples.push(Sample {
                values: v.to_vec(),
                ..Default::default()
            });
        }
        p
    }

    #[test]
    fn scale_rounds_and_drops() {
        let mut p = prof(&[[3, 5], [1, 0], [0, 7]]);
        scale_n(&mut p, &[0.5, 1.0]).unwrap();
        // 1.5 -> 2, 0.5 -> 1 (half away from zero), 0 stays 0 and the
        // sample is dropped although column b is 7.
        let vals: Vec<_> = p.samples.iter().map(|s| s.values.to_vec()).collect();
        assert_eq!(vals, vec![vec![2, 5], vec![1, 0]]);
        assert!(scale_n(&mut p, &[1.0]).is_err());
        scale(&mut p, -1.0);
        assert_eq!(p.samples.at(0).values, vec![-2, -5]);
    }

    #[test]
    fn normalize_to_base() {
        let mut p = prof(&[[1, 2], [1, 2]]);
        let b = prof(&[[10, 0]]);
        normalize(&mut p, &b).unwrap();
        let vals: Vec<_> = p.samples.iter().map(|s| s.values.to_vec()).collect();
        assert_eq!(vals, vec![vec![5, 0], vec![5, 0]]);
    }

    #[test]
    fn labels_and_base() {
        let mut p = prof(&[[1, 2]]);
        prepare_base(&mut p, true);
        assert_eq!(p.samples.at(0).values, vec![-1, -2]);
        assert!(is_diff_base_sample(&p, p.samples.at(0)));
        set_label(&mut p, "x", &["1", "2"]);
        assert_eq!(
            p.label_values(&p.samples.at(0), "x").collect::<Vec<_>>(),
            ["1", "2"]
        );
        remove_label(&mut p, BASE_LABEL_KEY);
        assert!(!is_diff_base_sample(&p, p.samples.at(0)));
        assert_eq!(p.samples.at(0).labels.len(), 2);
    }
}
