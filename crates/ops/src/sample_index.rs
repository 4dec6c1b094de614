//! Choosing the sample value to report: `-sample_index` by name or number
//! (Go's `SampleIndexByName`), the legacy shorthand flags
//! ([`LEGACY_SAMPLE_FLAGS`]: `-inuse_space`, `-alloc_objects`,
//! `-total_delay`, `-contentions`, `-mean_delay`, ...) and `-mean`.

use pprof_model::Profile;

use crate::error::{Error, Result};

/// The index of the sample type selected by `-sample_index=name`.
///
/// An empty name selects the default sample type, or the last type when
/// there is none. A number selects by position. A name matches a type
/// exactly or after dropping an `inuse_` prefix (so `inuse_space` selects
/// `space`).
pub fn sample_index_by_name(p: &Profile, name: &str) -> Result<usize> {
    let types: Vec<&str> = p.sample_types.iter().map(|t| p.str(t.r#type)).collect();
    sample_type_index(&types, p.str(p.default_sample_type), name)
}

/// [`sample_index_by_name`] over a list of sample type names and the
/// default type's name (empty when unset), for callers that hold the
/// names rather than a profile.
pub fn sample_type_index(types: &[&str], default_type: &str, name: &str) -> Result<usize> {
    let n = types.len();
    if name.is_empty() {
        if !default_type.is_empty() {
            if let Some(i) = types.iter().position(|t| *t == default_type) {
                return Ok(i);
            }
        }
        return n
            .checked_sub(1)
            .ok_or(Error::SampleIndexRange(name.to_string(), -1));
    }
    if let Some(i) = parse_go_int(name) {
        if i < 0 || i >= n as i64 {
            return Err(Error::SampleIndexRange(name.to_string(), n as i64 - 1));
        }
        return Ok(i as usize);
    }
    let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
    if let Some(i) = types.iter().position(|t| *t == name || *t == no_inuse) {
        return Ok(i);
    }
    Err(Error::SampleIndexName {
        name: go_quote(name),
        valid: format!("[{}]", types.join(" ")),
    })
}

/// Parses like Go's `strconv.Atoi`: optional sign, decimal digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `%q` (see [`pprof_model::gofmt::quote`]).
pub(crate) fn go_quote(s: &str) -> String {
    pprof_model::gofmt::quote(s)
}

/// pprof's legacy value-selection flags, in the order pprof applies them:
/// the flag's name, the sample type it selects, and whether it also turns
/// on `-mean`.
pub const LEGACY_SAMPLE_FLAGS: &[(&str, &str, bool)] = &[
    ("total_delay", "delay", false),
    ("mean_delay", "delay", true),
    ("contentions", "contentions", false),
    ("inuse_space", "inuse_space", false),
    ("inuse_objects", "inuse_objects", false),
    ("alloc_space", "alloc_space", false),
    ("alloc_objects", "alloc_objects", false),
];

/// The resolved value selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SampleSelection {
    /// The effective `-sample_index` value (may be empty).
    pub sample_index: String,
    /// Whether values are divided by the first value (`-mean`).
    pub mean: bool,
    /// Messages for standard error, such as
    /// `Multiple value selections, ignoring -alloc_space`.
    pub notices: Vec<String>,
}

/// Combines `-sample_index`, `-mean` and the legacy flags given (by
/// name, see [`LEGACY_SAMPLE_FLAGS`]) as pprof's command line does: the
/// first flag set, in the table's order, fills an empty `-sample_index`;
/// later ones are ignored with a notice.
pub fn resolve_sample_selection(sample_index: &str, mean: bool, given: &[&str]) -> SampleSelection {
    let mut si = sample_index.to_string();
    let mut mean = mean;
    let mut notices = Vec::new();
    for &(flag, ty, sets_mean) in LEGACY_SAMPLE_FLAGS {
        if !given.contains(&flag) {
            continue;
        }
        mean |= sets_mean;
        if si.is_empty() {
            si = ty.to_string();
        } else {
            notices.push(format!("Multiple value selections, ignoring -{flag}"));
        }
    }
    SampleSelection {
        sample_index: si,
        mean,
        notices,
    }
}

/// The value selection used by reports (Go driver's `sampleFormat`): the
/// selected index, the index to divide by for `-mean` (always 0), and the
/// sample type name to display (`mean_` prefixed with `-mean`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFormat {
    /// Index of the reported value.
    pub index: usize,
    /// Index of the divisor for `-mean`.
    pub mean_divisor: Option<usize>,
    /// Sample type name as displayed.
    pub type_name: String,
    /// Unit of the reported value.
    pub unit: String,
}

/// Resolves the reported value for `sample_index` and `mean`. Fails with
/// "profile has no samples" when the profile has no sample types.
pub fn sample_format(p: &Profile, sample_index: &str, mean: bool) -> Result<SampleFormat> {
    if p.sample_types.is_empty() {
        return Err(Error::Message("profile has no samples".into()));
    }
    let index = sample_index_by_name(p, sample_index)?;
    let st = p.sample_types[index];
    let mut type_name = p.str(st.r#type).to_string();
    if mean {
        type_name.insert_str(0, "mean_");
    }
    Ok(SampleFormat {
        index,
        mean_divisor: mean.then_some(0),
        type_name,
        unit: p.str(st.unit).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::ValueType;

    fn heap() -> Profile {
        let mut p = Profile::new();
        for t in ["alloc_objects", "alloc_space", "inuse_objects", "space"] {
            let ty = p.intern(t);
            let u = p.intern("count");
            p.sample_types.push(ValueType {
                r#type: ty,
                unit: u,
            });
        }
        p
    }

    #[test]
    fn by_name() {
        let mut p = heap();
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 3);
        p.default_sample_type = p.intern("alloc_space");
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 1);
        assert_eq!(sample_index_by_name(&p, "2").unwrap(), 2);
        assert_eq!(sample_index_by_name(&p, "inuse_space").unwrap(), 3);
        assert_eq!(
            sample_index_by_name(&p, "9").unwrap_err().to_string(),
            "sample_index 9 is outside the range [0..3]"
        );
        assert_eq!(
            sample_index_by_name(&p, "bogus").unwrap_err().to_string(),
            "sample_index \"bogus\" must be one of: [alloc_objects alloc_space inuse_objects space]"
        );
    }

    #[test]
    fn legacy_flags() {
        let s = resolve_sample_selection("", false, &["alloc_space", "mean_delay"]);
        assert_eq!(s.sample_index, "delay");
        assert!(s.mean);
        assert_eq!(
            s.notices,
            vec!["Multiple value selections, ignoring -alloc_space"]
        );
        let p = heap();
        let fmt = sample_format(&p, "alloc_space", true).unwrap();
        assert_eq!(
            (fmt.index, fmt.mean_divisor, fmt.type_name.as_str()),
            (1, Some(0), "mean_alloc_space")
        );
        assert!(sample_format(&Profile::new(), "", false).is_err());
    }
}
