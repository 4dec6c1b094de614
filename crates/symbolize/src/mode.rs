//! The `-symbolize` setting: where symbols come from and how names are
//! demangled, parsed from pprof's syntax
//! (`[local|fastlocal|remote|none][:force][:demangle=none|full|templates|default]`).

use std::fmt;
use std::str::FromStr;

/// Where symbols come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SymbolSource {
    /// Local binaries first, then the profile's server for what is left
    /// (pprof's default).
    #[default]
    LocalThenRemote,
    /// Local binaries only (`local`).
    Local,
    /// Local binaries only (`fastlocal`). pprof uses it to skip `addr2line`
    /// for `nm`; the in-process symbolizer is fast either way, so it reads
    /// the same debug information as [`SymbolSource::Local`].
    FastLocal,
    /// The profile's server only (`remote`).
    Remote,
    /// No symbolization and no demangling (`none` or `no`).
    None,
}

impl SymbolSource {
    /// Whether local binaries are read.
    pub fn local(self) -> bool {
        matches!(
            self,
            SymbolSource::LocalThenRemote | SymbolSource::Local | SymbolSource::FastLocal
        )
    }

    /// Whether the profile's server is asked (`/debug/pprof/symbol`).
    pub fn remote(self) -> bool {
        matches!(self, SymbolSource::LocalThenRemote | SymbolSource::Remote)
    }
}

/// How C++ and Rust names are demangled (pprof's `demangle=` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Demangle {
    /// Demangled and simplified: no parameters, no template arguments.
    #[default]
    Default,
    /// Names as found in the binary (`demangle=none`).
    None,
    /// Demangled in full, with parameters (`demangle=full`).
    Full,
    /// Demangled without parameters but with template arguments
    /// (`demangle=templates`).
    Templates,
}

impl Demangle {
    /// The option's value as written after `demangle=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Demangle::Default => "default",
            Demangle::None => "none",
            Demangle::Full => "full",
            Demangle::Templates => "templates",
        }
    }
}

/// The whole `-symbolize` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SymbolizeMode {
    /// Where symbols come from. Default: local binaries, then the server.
    pub source: SymbolSource,
    /// Symbolize mappings that already have symbols, and demangle names
    /// again (`force`; any `demangle=` other than `default` implies it).
    /// Default: false.
    pub force: bool,
    /// Demangling. Default: [`Demangle::Default`].
    pub demangle: Demangle,
    /// Local symbolization fills only the locations that have no lines
    /// yet, even under `force`, and keeps the others' frames (the frames
    /// that `-text_frames` read from the `#` lines of Go `debug=1` texts).
    /// Not part of pprof's syntax (nor of [`SymbolizeMode::parse`] and
    /// `Display`): pprof rewrites every location of a mapping it
    /// symbolizes. Default: false.
    pub keep_named: bool,
}

/// A `-symbolize` value with a part pprof does not know. pprof warns (see
/// [`crate::Warning::UnrecognizedMode`]) and uses the parts it knows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unrecognized symbolization option: {value}")]
pub struct ModeError {
    /// The whole value as given.
    pub value: String,
    /// The mode made of the parts that were understood.
    pub partial: SymbolizeMode,
}

impl SymbolizeMode {
    /// The mode for `-symbolize=none`.
    pub const NONE: SymbolizeMode = SymbolizeMode {
        source: SymbolSource::None,
        force: false,
        demangle: Demangle::Default,
        keep_named: false,
    };

    /// Parses pprof's syntax: parts separated by `:`, case-insensitive,
    /// the last of `local`/`fastlocal`/`remote` winning, `none` or `no`
    /// anywhere turning everything off, `force`, and `demangle=MODE`
    /// (which, but for `default`, implies `force`). An empty value is the
    /// default mode. A part pprof does not know gives an error holding the
    /// mode made of the other parts, which is what pprof goes on with.
    pub fn parse(value: &str) -> Result<SymbolizeMode, ModeError> {
        let mut mode = SymbolizeMode::default();
        let mut bad = false;
        for part in value.to_ascii_lowercase().split(':') {
            match part {
                "" => {}
                "none" | "no" => return Ok(SymbolizeMode::NONE),
                "local" => mode.source = SymbolSource::Local,
                "fastlocal" => mode.source = SymbolSource::FastLocal,
                "remote" => mode.source = SymbolSource::Remote,
                "force" => mode.force = true,
                other => match other.strip_prefix("demangle=").unwrap_or(other) {
                    "default" => {}
                    "none" => mode.set_demangle(Demangle::None),
                    "full" => mode.set_demangle(Demangle::Full),
                    "templates" => mode.set_demangle(Demangle::Templates),
                    _ => bad = true,
                },
            }
        }
        if bad {
            return Err(ModeError {
                value: value.to_string(),
                partial: mode,
            });
        }
        Ok(mode)
    }

    /// Like [`SymbolizeMode::parse`], but an unknown part gives the mode of
    /// the known parts and the warning lines pprof prints for it.
    pub fn parse_lenient(value: &str) -> (SymbolizeMode, Option<crate::Warning>) {
        match SymbolizeMode::parse(value) {
            Ok(m) => (m, None),
            Err(e) => (
                e.partial,
                Some(crate::Warning::UnrecognizedMode { value: e.value }),
            ),
        }
    }

    fn set_demangle(&mut self, d: Demangle) {
        self.demangle = d;
        self.force = true;
    }
}

impl FromStr for SymbolizeMode {
    type Err = ModeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SymbolizeMode::parse(s)
    }
}

impl fmt::Display for SymbolizeMode {
    /// The mode in pprof's syntax, such that parsing it gives it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<&str> = Vec::new();
        match self.source {
            SymbolSource::None => return f.write_str("none"),
            SymbolSource::LocalThenRemote => {}
            SymbolSource::Local => parts.push("local"),
            SymbolSource::FastLocal => parts.push("fastlocal"),
            SymbolSource::Remote => parts.push("remote"),
        }
        let demangle = match self.demangle {
            Demangle::Default => None,
            Demangle::None => Some("demangle=none"),
            Demangle::Full => Some("demangle=full"),
            Demangle::Templates => Some("demangle=templates"),
        };
        if self.force && demangle.is_none() {
            parts.push("force");
        }
        parts.extend(demangle);
        f.write_str(&parts.join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pprof_syntax() {
        assert_eq!(SymbolizeMode::parse("").unwrap(), SymbolizeMode::default());
        let m = SymbolizeMode::parse("Local:force").unwrap();
        assert_eq!((m.source, m.force), (SymbolSource::Local, true));
        let m = SymbolizeMode::parse("remote:local").unwrap();
        assert_eq!(m.source, SymbolSource::Local);
        assert_eq!(
            SymbolizeMode::parse("local:none:force").unwrap(),
            SymbolizeMode::NONE
        );
        let m = SymbolizeMode::parse("demangle=templates").unwrap();
        assert_eq!((m.demangle, m.force), (Demangle::Templates, true));
        let m = SymbolizeMode::parse("fastlocal:demangle=default").unwrap();
        assert_eq!(
            (m.source, m.demangle, m.force),
            (SymbolSource::FastLocal, Demangle::Default, false)
        );
        // pprof also accepts the demangle modes without their prefix.
        assert_eq!(
            SymbolizeMode::parse("full").unwrap().demangle,
            Demangle::Full
        );
        let e = SymbolizeMode::parse("local:bogus").unwrap_err();
        assert_eq!(e.partial.source, SymbolSource::Local);
        assert_eq!(e.value, "local:bogus");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "",
            "none",
            "local",
            "fastlocal:force",
            "remote:demangle=full",
            "demangle=none",
            "local:demangle=templates",
        ] {
            let m = SymbolizeMode::parse(s).unwrap();
            assert_eq!(m.to_string(), s);
            assert_eq!(SymbolizeMode::parse(&m.to_string()).unwrap(), m);
        }
    }
}
