//! Making the units of several profiles agree before they are merged
//! (Go's `ScaleProfiles`), over the unit tables of
//! [`pprof_model::measurement`].

use pprof_model::measurement::{compatible_value_types, scale};
use pprof_model::Profile;

use crate::error::{Error, Result};

/// The finest of a set of compatible value types, given as
/// `(type, unit)` pairs. Returns `None` for fewer than two types (nothing
/// to reconcile) and an error when two types are incompatible.
pub fn common_value_type<'a>(types: &[(&'a str, &'a str)]) -> Result<Option<(&'a str, &'a str)>> {
    if types.len() <= 1 {
        return Ok(None);
    }
    let mut min = types[0];
    for &t in &types[1..] {
        if !compatible_value_types(min.0, min.1, t.0, t.1) {
            return Err(Error::IncompatibleTypes(
                format!("{{{} {}}}", min.0, min.1),
                format!("{{{} {}}}", t.0, t.1),
            ));
        }
        if scale(1, t.1, min.1).0 < 1.0 {
            min = t;
        }
    }
    Ok(Some(min))
}

/// Makes the units of `profiles` agree so they can be merged: every
/// sample type (and the period type) is converted to the finest unit used
/// by any profile, scaling values in place (Go's `ScaleProfiles`).
///
/// Mutates the profiles. Samples whose scaled values all become zero are
/// dropped, as [`crate::scale_n`] does.
pub fn scale_profiles(profiles: &mut [&mut Profile]) -> Result<()> {
    if profiles.is_empty() {
        return Ok(());
    }
    // Every decoded profile has a period type (possibly empty), so all
    // take part, as in Go.
    let period_types: Vec<(String, String)> = profiles
        .iter()
        .map(|p| {
            (
                p.str(p.period_type.r#type).to_string(),
                p.str(p.period_type.unit).to_string(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = period_types
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let period_type = common_value_type(&refs)
        .map_err(|e| context("period type", e))?
        .map(|(t, u)| (t.to_string(), u.to_string()));

    let n = profiles[0].sample_types.len();
    for p in profiles.iter().skip(1) {
        if p.sample_types.len() != n {
            return Err(Error::SampleTypeCount(n, p.sample_types.len()));
        }
    }
    let mut common: Vec<Option<(String, String)>> = Vec::with_capacity(n);
    for i in 0..n {
        let owned: Vec<(String, String)> = profiles
            .iter()
            .map(|p| {
                let st = p.sample_types[i];
                (p.str(st.r#type).to_string(), p.str(st.unit).to_string())
            })
            .collect();
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let c = common_value_type(&refs).map_err(|e| context("sample types", e))?;
        common.push(c.map(|(t, u)| (t.to_string(), u.to_string())));
    }

    for p in profiles.iter_mut() {
        if let Some((_, unit)) = &period_type {
            let from = p.str(p.period_type.unit).to_string();
            let (v, _) = scale(p.period, &from, unit);
            p.period = pprof_model::gofmt::int64(v);
            p.period_type.unit = p.intern(unit);
        }
        let mut ratios = vec![1.0; p.sample_types.len()];
        for (i, c) in common.iter().enumerate() {
            if let Some((_, unit)) = c {
                let from = p.str(p.sample_types[i].unit).to_string();
                ratios[i] = scale(1, &from, unit).0;
                p.sample_types[i].unit = p.intern(unit);
            }
        }
        crate::scale::scale_n(p, &ratios).map_err(|e| context("scale", e))?;
    }
    Ok(())
}

fn context(context: &'static str, e: Error) -> Error {
    Error::Context {
        context,
        inner: Box::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types() {
        let t = [("space", "bytes"), ("space", "kilobytes")];
        assert_eq!(
            common_value_type(&t).ok().flatten(),
            Some(("space", "bytes"))
        );
        let t = [("cpu", "ms"), ("cpu", "nanoseconds")];
        assert_eq!(
            common_value_type(&t).ok().flatten(),
            Some(("cpu", "nanoseconds"))
        );
        assert!(common_value_type(&[("a", "bytes"), ("b", "bytes")]).is_err());
        assert!(common_value_type(&[("a", "bytes")])
            .ok()
            .flatten()
            .is_none());
        assert!(compatible_value_types(
            "samples", "count", "sample", "count"
        ));
    }
}
