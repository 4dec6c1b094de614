//! Combining profiles as pprof's fetch step does: several sources are
//! unit-reconciled and merged ([`combine_profiles`]), and a `-base` or
//! `-diff_base` profile is subtracted ([`apply_base`]).

use pprof_model::{Dialect, Profile, ValueType};

use crate::error::{Error, Result};
use crate::merge::merge_owned;
use crate::scale::{normalize, scale, set_label, BASE_LABEL_KEY};
use crate::units::scale_profiles;

/// Gives a profile without mappings one empty mapping (id 1, all
/// addresses 0) used by all its locations, as pprof's fetch step does
/// before symbolization (Go driver's `locateBinaries`). In place. Returns
/// whether a mapping was added.
pub fn add_fake_mapping(p: &mut Profile) -> bool {
    if !p.mappings.is_empty() {
        return false;
    }
    p.mappings.push(pprof_model::Mapping {
        id: 1,
        ..Default::default()
    });
    for l in &mut p.locations {
        l.mapping = Some(pprof_model::MappingId(0));
    }
    true
}

/// pprof's `combineProfiles`: reconciles the sample types and units of
/// `profiles` and merges them. Consumes the inputs, which are changed in
/// place first.
///
/// Today's pprof ([`Dialect::Go127`]) first keeps only the sample types
/// that every profile has ([`compatibilize_sample_types`]) and returns a
/// lone profile as it is, without the merge (its ids, zero-valued samples
/// and unused entries stay). go1.19's merges even a single profile, which
/// renumbers its ids, and fails on differing sample types.
pub fn combine_profiles(mut profiles: Vec<Profile>, dialect: Dialect) -> Result<Profile> {
    if dialect == Dialect::Go127 {
        compatibilize_sample_types(&mut profiles)?;
    }
    {
        let mut refs: Vec<&mut Profile> = profiles.iter_mut().collect();
        scale_profiles(&mut refs)?;
    }
    if dialect == Dialect::Go127 && profiles.len() == 1 {
        if let Some(p) = profiles.pop() {
            return Ok(p);
        }
    }
    merge_owned(profiles)
}

/// Today's pprof's `CompatibilizeSampleTypes`: keeps, in every profile, the
/// sample types (by name) that all of them have, in the first profile's
/// order, and moves the sample values to match. A profile whose default
/// sample type is dropped gets the first kept type as default. In place.
///
/// Fails with [`Error::NoCommonSampleTypes`] when no type is common.
///
/// ```
/// use pprof_model::build::ProfileBuilder;
///
/// let mut a = ProfileBuilder::new(&[("alloc", "count"), ("space", "bytes")]);
/// a.sample(&[], &[1, 100]);
/// let mut b = ProfileBuilder::new(&[("space", "bytes"), ("cpu", "nanoseconds")]);
/// b.sample(&[], &[200, 5]);
/// let mut ps = vec![a.build(), b.build()];
/// pprof_ops::compatibilize_sample_types(&mut ps)?;
/// assert_eq!(ps[0].samples.at(0).values, vec![100]);
/// assert_eq!(ps[1].samples.at(0).values, vec![200]);
/// # Ok::<(), pprof_ops::Error>(())
/// ```
pub fn compatibilize_sample_types(profiles: &mut [Profile]) -> Result<()> {
    let Some(first) = profiles.first() else {
        return Ok(());
    };
    // A type is common when its name occurs as many times as there are
    // profiles (pprof counts occurrences, so a profile naming a type twice
    // counts twice).
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in profiles.iter() {
        for st in &p.sample_types {
            *counts.entry(p.str(st.r#type)).or_insert(0) += 1;
        }
    }
    let common: Vec<String> = first
        .sample_types
        .iter()
        .map(|st| first.str(st.r#type))
        .filter(|t| counts.get(t) == Some(&profiles.len()))
        .map(str::to_string)
        .collect();
    if common.is_empty() {
        return Err(Error::NoCommonSampleTypes);
    }
    for p in profiles.iter_mut() {
        keep_sample_types(p, &common)?;
    }
    Ok(())
}

/// Reorders and drops the sample types of `p` to be `types` (by name).
fn keep_sample_types(p: &mut Profile, types: &[String]) -> Result<()> {
    let current = p.str(p.default_sample_type).to_string();
    let mut default = types[0].as_str();
    let mut remap = Vec::with_capacity(types.len());
    for t in types {
        if *t == current {
            default = t;
        }
        let Some(i) = p.sample_types.iter().position(|st| p.str(st.r#type) == t) else {
            return Err(Error::SampleTypeNotFound(t.clone()));
        };
        remap.push(i);
    }
    let identity = remap.iter().enumerate().all(|(i, &j)| i == j);
    if identity && remap.len() == p.sample_types.len() {
        return Ok(());
    }
    p.default_sample_type = p.intern(default);
    let old: Vec<ValueType> = std::mem::take(&mut p.sample_types);
    p.sample_types = remap.iter().map(|&i| old[i]).collect();
    let mut values = vec![0i64; remap.len()];
    p.samples.rewrite(|s| {
        for (v, &i) in values.iter_mut().zip(&remap) {
            *v = s.values.get(i).copied().unwrap_or(0);
        }
        s.values.clear();
        s.values.extend_from_slice(&values);
        true
    });
    Ok(())
}

/// Subtracts `base` from `p` as pprof's `-base` does, or marks it for
/// `-diff_base` when `diff_base` is true (its samples get the label
/// `pprof::base=true`). With `normalize` (`-normalize`), `p` is first
/// scaled so its totals match the base's. The base is then negated and
/// the two are combined with [`combine_profiles`].
pub fn apply_base(
    mut p: Profile,
    mut base: Profile,
    diff_base: bool,
    normalize_first: bool,
    dialect: Dialect,
) -> Result<Profile> {
    if diff_base {
        set_label(&mut base, BASE_LABEL_KEY, &["true"]);
    }
    if normalize_first {
        normalize(&mut p, &base)?;
    }
    scale(&mut base, -1.0);
    combine_profiles(vec![p, base], dialect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::profile_with_stacks;

    #[test]
    fn fake_mapping() {
        let mut p = profile_with_stacks(&[&["a", "main"]]);
        assert!(add_fake_mapping(&mut p));
        assert!(!add_fake_mapping(&mut p));
        assert_eq!(p.mappings.len(), 1);
        assert!(p
            .locations
            .iter()
            .all(|l| l.mapping == Some(pprof_model::MappingId(0))));
    }

    #[test]
    fn base_subtracts() {
        let p = profile_with_stacks(&[&["a", "main"], &["a", "main"], &["b", "main"]]);
        let b = profile_with_stacks(&[&["a", "main"], &["b", "main"]]);
        let d = apply_base(p.clone(), b.clone(), false, false, Dialect::Go119).unwrap();
        assert_eq!(d.samples.len(), 1);
        assert_eq!(d.samples.at(0).values, vec![1]);
        let d = apply_base(p, b, true, false, Dialect::Go127).unwrap();
        // diff_base samples stay separate because of their label.
        assert_eq!(d.samples.len(), 4);
        let base_total: i64 = d
            .samples
            .iter()
            .filter(|s| crate::is_diff_base_sample(&d, s))
            .map(|s| s.values[0])
            .sum();
        assert_eq!(base_total, -2);
    }
}
