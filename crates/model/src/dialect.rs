//! Which `go tool pprof` the output follows.

/// The version of Go's pprof whose behaviour and output pprof-tools
/// reproduces. Library crates take it in their options; the command line
/// chooses it once (`PPROF_TOOLS_COMPAT=go1.19`).
///
/// The two differ in report headers (`Time:` layout), `-raw` (column
/// numbers, `Doc:`), `-tags` (totals against the profile total, values in
/// the report's units), the loading of a single source (today's pprof does
/// not merge it, so zero-valued samples and the original ids survive) and
/// the merge of profiles whose sample types differ.
///
/// ```
/// use pprof_model::Dialect;
///
/// assert_eq!(Dialect::default(), Dialect::Go127);
/// assert_eq!("go1.19".parse::<Dialect>(), Ok(Dialect::Go119));
/// assert_eq!(Dialect::Go119.to_string(), "go1.19");
/// assert!("go1.5".parse::<Dialect>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Today's pprof, as bundled with Go 1.27.3 (google/pprof of 2026-05).
    #[default]
    Go127,
    /// The pprof of go1.19.8 (google/pprof of 2022-07).
    Go119,
}

impl Dialect {
    /// Every dialect, newest first.
    pub const ALL: [Dialect; 2] = [Dialect::Go127, Dialect::Go119];

    /// The name used on the command line: `go1.27` or `go1.19`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Go127 => "go1.27",
            Dialect::Go119 => "go1.19",
        }
    }

    /// Whether this is go1.19's pprof.
    pub fn is_go119(self) -> bool {
        self == Dialect::Go119
    }

    /// The exit status of `go tool pprof` on any error, usage errors
    /// included: today's pprof exits 2, and so does the go command that
    /// runs it; go1.19's go command turned every failure of a tool into 1.
    ///
    /// ```
    /// use pprof_model::Dialect;
    ///
    /// assert_eq!(Dialect::Go127.error_exit_code(), 2);
    /// assert_eq!(Dialect::Go119.error_exit_code(), 1);
    /// ```
    pub fn error_exit_code(self) -> u8 {
        match self {
            Dialect::Go127 => 2,
            Dialect::Go119 => 1,
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A dialect name that is not one of [`Dialect::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown pprof dialect {given:?} (expected go1.27 or go1.19)")]
pub struct UnknownDialect {
    /// The name as given.
    pub given: String,
}

impl std::str::FromStr for Dialect {
    type Err = UnknownDialect;

    /// Accepts `go1.27` and `go1.19`, also with a patch version
    /// (`go1.19.8`, `go1.27.3`) and without the `go` prefix.
    fn from_str(s: &str) -> Result<Dialect, UnknownDialect> {
        let v = s.trim();
        let v = v.strip_prefix("go").unwrap_or(v);
        let minor = v
            .strip_prefix("1.")
            .map(|r| r.split('.').next().unwrap_or(""));
        match minor {
            Some("27") => Ok(Dialect::Go127),
            Some("19") => Ok(Dialect::Go119),
            _ => Err(UnknownDialect {
                given: s.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(d.name().parse::<Dialect>(), Ok(d));
        }
        assert_eq!("go1.19.8".parse::<Dialect>(), Ok(Dialect::Go119));
        assert_eq!("1.27.3".parse::<Dialect>(), Ok(Dialect::Go127));
        assert_eq!(
            "go1.190".parse::<Dialect>(),
            Err(UnknownDialect {
                given: "go1.190".into()
            })
        );
        assert!("".parse::<Dialect>().is_err());
        assert!("go2".parse::<Dialect>().is_err());
    }
}
