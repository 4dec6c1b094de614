//! From a loaded profile to the bytes of one report (pprof's
//! `generateRawReport` and `generateReport`).

use std::io::Write;

use pprof_model::Profile;

use crate::config::{Config, Granularity};
use crate::focus;
use crate::format::{Command, OutputFormat};
use crate::{Error, Result};

/// pprof's `applyCommandOverrides`: the settings each format forces.
pub fn apply_command_overrides(format: OutputFormat, mut cfg: Config) -> Config {
    let mut trim = cfg.trim;
    match format {
        OutputFormat::Disasm => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            cfg.no_inlines = true;
        }
        OutputFormat::WebList => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            cfg.no_inlines = false;
        }
        OutputFormat::Peek => trim = false,
        OutputFormat::List => {
            trim = false;
            cfg.granularity = Granularity::Lines;
        }
        OutputFormat::Text | OutputFormat::Top | OutputFormat::TopProto => {
            if cfg.node_count == -1 {
                cfg.node_count = 0;
            }
        }
        _ => {
            if cfg.node_count == -1 {
                cfg.node_count = 80;
            }
        }
    }
    if matches!(
        format,
        OutputFormat::Proto | OutputFormat::Raw | OutputFormat::Callgrind | OutputFormat::Kcachegrind
    ) {
        trim = false;
        cfg.granularity = Granularity::Addresses;
        cfg.no_inlines = false;
    }
    if !trim {
        cfg.node_count = 0;
        cfg.node_fraction = 0.0;
        cfg.edge_fraction = 0.0;
    }
    cfg
}

/// The sample value a report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleChoice {
    /// Index into the sample values.
    pub index: usize,
    /// Sample type name, `mean_`-prefixed with `-mean`.
    pub type_name: String,
    /// Unit of the values.
    pub unit: String,
}

/// pprof's `SampleIndexByName`: an empty name picks the default sample type
/// (else the last), a number picks by position, a name by type (with an
/// optional `inuse_` prefix ignored).
pub fn sample_index_by_name(p: &Profile, name: &str) -> Result<usize> {
    let n = p.sample_types.len();
    let types: Vec<&str> = p.sample_types.iter().map(|t| p.str(t.r#type)).collect();
    if name.is_empty() {
        let dst = p.str(p.default_sample_type);
        if !dst.is_empty() {
            if let Some(i) = types.iter().position(|t| *t == dst) {
                return Ok(i);
            }
        }
        return Ok(n.saturating_sub(1));
    }
    if let Ok(i) = name.parse::<i64>() {
        if i < 0 || i as usize >= n {
            return Err(Error::Option(format!(
                "sample_index {name} is outside the range [0..{}]",
                n as i64 - 1
            )));
        }
        return Ok(i as usize);
    }
    let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
    if let Some(i) = types.iter().position(|t| *t == name || *t == no_inuse) {
        return Ok(i);
    }
    Err(Error::Option(format!(
        "sample_index {name:?} must be one of: [{}]",
        types.join(" ")
    )))
}

/// pprof's `sampleFormat`.
pub fn sample_choice(p: &Profile, cfg: &Config) -> Result<SampleChoice> {
    if p.sample_types.is_empty() {
        return Err(Error::Option("profile has no samples".into()));
    }
    let index = sample_index_by_name(p, &cfg.sample_index)?;
    let vt = p.sample_types.get(index).copied().unwrap_or_default();
    let mut type_name = p.str(vt.r#type).to_string();
    if cfg.mean {
        type_name = format!("mean_{type_name}");
    }
    Ok(SampleChoice {
        index,
        type_name,
        unit: p.str(vt.unit).to_string(),
    })
}

/// Runs the report step on `p` and writes the result to `out`. Returns
/// notices for standard error.
pub(crate) fn generate(
    mut p: Profile,
    cmd: &Command,
    cfg: &Config,
    _json: bool,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    let (units, unit_notices) = focus::num_label_units(&p);
    notices.extend(unit_notices);
    let cfg = apply_command_overrides(cmd.format, cfg.clone());
    focus::tag_roots_leaves(&mut p, &cfg, &mut notices);

    let relative = cfg.relative_percentages;
    if relative {
        focus::apply_focus(&mut p, &units, &cfg, &mut notices)?;
    }
    let _choice = sample_choice(&p, &cfg)?;
    if cfg.divide_by == 0.0 {
        return Err(Error::Option("zero divisor specified".into()));
    }
    let _symbol = match &cmd.regexp {
        Some(re) => Some(regex::Regex::new(re).map_err(|e| {
            Error::Option(format!(
                "parsing argument regexp {re:?}: {}",
                focus::regex_message(&e)
            ))
        })?),
        None => None,
    };
    // The report total is taken here, before the filters (unless
    // -relative_percentages).
    if !relative {
        focus::apply_focus(&mut p, &units, &cfg, &mut notices)?;
    }
    focus::aggregate(&mut p, &cfg)?;

    match cmd.format {
        OutputFormat::Raw => {
            out.write_all(p.to_raw_string().as_bytes())?;
        }
        OutputFormat::Proto => {
            let r = 1.0 / cfg.divide_by;
            if r > 0.0 && r != 1.0 {
                for s in &mut p.samples {
                    for v in &mut s.values {
                        *v = (*v as f64 * r) as i64;
                    }
                }
            }
            pprof_model::write_to(&p, &mut *out).map_err(|e| match e {
                pprof_model::Error::Io(io) => Error::Io(io),
                other => Error::Model(other),
            })?;
        }
        other => return Err(Error::NotImplemented(other.name())),
    }
    Ok(notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_follow_pprof() {
        let c = apply_command_overrides(OutputFormat::Top, Config::default());
        assert_eq!(c.node_count, 0);
        assert_eq!(c.node_fraction, 0.005);
        let c = apply_command_overrides(OutputFormat::Dot, Config::default());
        assert_eq!(c.node_count, 80);
        let c = apply_command_overrides(OutputFormat::Raw, Config::default());
        assert_eq!(c.granularity, Granularity::Addresses);
        assert_eq!((c.node_count, c.node_fraction, c.edge_fraction), (0, 0.0, 0.0));
        let c = apply_command_overrides(OutputFormat::List, Config::default());
        assert_eq!(c.granularity, Granularity::Lines);
        assert_eq!(c.node_count, 0);
    }

    #[test]
    fn sample_index_rules() {
        use pprof_model::ValueType;
        let mut p = Profile::new();
        for (t, u) in [("alloc_objects", "count"), ("space", "bytes")] {
            let vt = ValueType {
                r#type: p.intern(t),
                unit: p.intern(u),
            };
            p.sample_types.push(vt);
        }
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 1);
        assert_eq!(sample_index_by_name(&p, "0").unwrap(), 0);
        assert_eq!(sample_index_by_name(&p, "inuse_space").unwrap(), 1);
        assert_eq!(
            sample_index_by_name(&p, "5").unwrap_err().to_string(),
            "sample_index 5 is outside the range [0..1]"
        );
        assert_eq!(
            sample_index_by_name(&p, "bogus").unwrap_err().to_string(),
            "sample_index \"bogus\" must be one of: [alloc_objects space]"
        );
        p.default_sample_type = p.intern("alloc_objects");
        assert_eq!(sample_index_by_name(&p, "").unwrap(), 0);
    }
}
