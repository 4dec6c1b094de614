//! Combining profiles as pprof's fetch step does: several sources are
//! unit-reconciled and merged ([`combine_profiles`]), and a `-base` or
//! `-diff_base` profile is subtracted ([`apply_base`]).

use pprof_model::Profile;

use crate::error::Result;
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

/// Reconciles the units of `profiles` (see
/// [`crate::scale_profiles`]) and merges them. Go pprof does
/// this even for a single profile, which renumbers its ids. Consumes the
/// inputs, which are scaled in place first.
pub fn combine_profiles(mut profiles: Vec<Profile>) -> Result<Profile> {
    {
        let mut refs: Vec<&mut Profile> = profiles.iter_mut().collect();
        scale_profiles(&mut refs)?;
    }
    merge_owned(profiles)
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
) -> Result<Profile> {
    if diff_base {
        set_label(&mut base, BASE_LABEL_KEY, &["true"]);
    }
    if normalize_first {
        normalize(&mut p, &base)?;
    }
    scale(&mut base, -1.0);
    combine_profiles(vec![p, base])
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
        let d = apply_base(p.clone(), b.clone(), false, false).unwrap();
        assert_eq!(d.samples.len(), 1);
        assert_eq!(d.samples[0].values, vec![1]);
        let d = apply_base(p, b, true, false).unwrap();
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
