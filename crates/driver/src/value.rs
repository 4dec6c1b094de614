//! Values of settings written as text: the two syntaxes pprof reads them in
//! (Go's `flag` package on the command line; pprof's `config.set` in the
//! shell and in web addresses), and the errors each reports.

use std::fmt;
use std::time::Duration;

use pprof_model::gofmt::quote;

/// Which reader a value's text comes from; they differ on numbers and
/// booleans as pprof's do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Syntax {
    /// The command line (Go's `flag` package): booleans as
    /// `strconv.ParseBool`, integers as `strconv.ParseInt(s, 0, 64)` (so
    /// `0x10` and `010` work).
    Flag,
    /// The shell's `name=value` and the web interface's query parameters
    /// (pprof's `config.set`): booleans also `yes`/`no`/`y`/`n` and empty
    /// for true, integers as `strconv.Atoi` (decimal only).
    Config,
}

/// What is wrong with a setting's text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueProblem {
    /// Not a boolean.
    Bool,
    /// Not an integer.
    Int,
    /// An integer that does not fit in 64 bits.
    IntRange,
    /// Not a number.
    Float,
    /// Not one of the choices.
    Choice,
    /// Not a duration in Go's syntax (`10s`, `1m30s`, `500ms`).
    Duration,
    /// Not a size in bytes (`512KiB`, `2MB`, `1048576`).
    Size,
}

/// A setting's text that could not be read, with what pprof says about it
/// in each syntax (see [`ValueError::message`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
#[non_exhaustive]
pub struct ValueError {
    /// The setting's name.
    pub name: String,
    /// The text given.
    pub text: String,
    /// The syntax it was read in.
    pub syntax: Syntax,
    /// What is wrong.
    pub problem: ValueProblem,
}

impl ValueError {
    /// pprof's message: Go's `flag` package's on the command line
    /// (`invalid value "x" for flag -nodecount: parse error`), `strconv`'s
    /// or pprof's own in the shell (`strconv.Atoi: parsing "x": invalid
    /// syntax`, `invalid "sort" value "x"`).
    pub fn message(&self) -> String {
        let (n, t) = (&self.name, &self.text);
        match (self.syntax, &self.problem) {
            (Syntax::Flag, ValueProblem::Bool) => {
                format!("invalid boolean value {} for -{n}: parse error", quote(t))
            }
            (Syntax::Flag, ValueProblem::IntRange) => {
                format!(
                    "invalid value {} for flag -{n}: value out of range",
                    quote(t)
                )
            }
            (Syntax::Flag, ValueProblem::Choice) => {
                format!("invalid {} value {}", quote(n), quote(t))
            }
            (Syntax::Flag, ValueProblem::Duration) => format!(
                "invalid value {} for flag -{n}: want a duration such as 10s or 1m30s",
                quote(t)
            ),
            (Syntax::Flag, ValueProblem::Size) => format!(
                "invalid value {} for flag -{n}: want a size such as 512KiB or 2MB",
                quote(t)
            ),
            (Syntax::Flag, _) => format!("invalid value {} for flag -{n}: parse error", quote(t)),
            (Syntax::Config, ValueProblem::Bool) => {
                format!("illegal value \"{t}\" for bool variable")
            }
            (Syntax::Config, ValueProblem::Int) => {
                format!("strconv.Atoi: parsing {}: invalid syntax", quote(t))
            }
            (Syntax::Config, ValueProblem::IntRange) => {
                format!("strconv.Atoi: parsing {}: value out of range", quote(t))
            }
            (Syntax::Config, ValueProblem::Float) => {
                format!("strconv.ParseFloat: parsing {}: invalid syntax", quote(t))
            }
            (Syntax::Config, ValueProblem::Choice) => {
                format!("invalid {} value {}", quote(n), quote(t))
            }
            (Syntax::Config, ValueProblem::Duration) => {
                format!("time: invalid duration {}", quote(t))
            }
            (Syntax::Config, ValueProblem::Size) => {
                format!("invalid size {} (such as 512KiB or 2MB)", quote(t))
            }
        }
    }
}

/// Go's `strconv.ParseBool` ([`pprof_model::gofmt::parse_bool`]).
pub use pprof_model::gofmt::parse_bool as parse_flag_bool;

/// pprof's `stringToBool` (the shell and web addresses): Go's words plus
/// `yes`/`y`/`no`/`n` in any case, and empty for true.
pub fn parse_config_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0 (the command line:
/// prefixes `0x`, `0o`, `0b`, a leading `0` for octal, underscores between
/// digits after a prefix) or base 10 (`strconv.Atoi`).
pub fn parse_go_int(s: &str, any_base: bool) -> Result<i64, ValueProblem> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if !any_base {
        (10, lower.as_str())
    } else if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let digits = if any_base && radix != 10 {
        digits.replace('_', "")
    } else {
        digits.to_string()
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(ValueProblem::Int);
    }
    let mag = u64::from_str_radix(&digits, radix).map_err(|_| ValueProblem::IntRange)?;
    if neg {
        if mag == 1u64 << 63 {
            Ok(i64::MIN)
        } else {
            i64::try_from(mag)
                .map(|v| -v)
                .map_err(|_| ValueProblem::IntRange)
        }
    } else {
        i64::try_from(mag).map_err(|_| ValueProblem::IntRange)
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal and exponent forms,
/// `inf`/`infinity`/`nan` in any case, and underscores between digits.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let special = matches!(
        body.to_ascii_lowercase().as_str(),
        "inf" | "infinity" | "nan"
    );
    let plain = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'));
    if !(special || plain) || body.is_empty() || body.starts_with('_') || body.ends_with('_') {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

/// Go's `time.ParseDuration` for lengths of time: decimal numbers, each
/// with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such as `300ms`,
/// `1.5h` or `2h45m`; `0` alone needs no unit. Negative durations and ones
/// beyond Go's (about 292 years) are refused.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = |t: &str| t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let n = digits(rest);
        let whole = &rest[..n];
        rest = &rest[n..];
        let mut fraction = "";
        if let Some(after) = rest.strip_prefix('.') {
            let f = digits(after);
            fraction = &after[..f];
            rest = &after[f..];
        }
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let u = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u128 = match &rest[..u] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        rest = &rest[u..];
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        // Digits past nanoseconds change nothing (Go drops them too).
        let fraction = &fraction[..fraction.len().min(18)];
        let scale = 10u128.pow(fraction.len() as u32);
        let fraction: u128 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().ok()?
        };
        total = total.checked_add(whole.checked_mul(unit)? + fraction * unit / scale)?;
        if total > i64::MAX as u128 {
            return None;
        }
    }
    Some(Duration::from_nanos(u64::try_from(total).ok()?))
}

/// Go's `%v` of a float64: the shortest digits that read back the same,
/// in exponent form below 1e-4 and from 1e6 on (`1e-05`, `1e+06`).
pub fn go_float_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Syntax::Flag => "command line",
            Syntax::Config => "setting",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_numbers() {
        assert_eq!(parse_go_int("0x10", true), Ok(16));
        assert_eq!(parse_go_int("010", true), Ok(8));
        assert_eq!(parse_go_int("010", false), Ok(10));
        assert_eq!(parse_go_int("0x10", false), Err(ValueProblem::Int));
        assert_eq!(parse_go_int("-5", false), Ok(-5));
        assert_eq!(parse_go_int("5x", true), Err(ValueProblem::Int));
        assert_eq!(
            parse_go_int("99999999999999999999", true),
            Err(ValueProblem::IntRange)
        );
        assert_eq!(parse_go_int("-9223372036854775808", true), Ok(i64::MIN));
        assert_eq!(parse_go_float("0.5"), Some(0.5));
        assert_eq!(parse_go_float("1e-3"), Some(0.001));
        assert_eq!(parse_go_float("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("abc"), None);
        assert_eq!(parse_go_float(""), None);
    }

    #[test]
    fn go_durations() {
        let d = parse_go_duration;
        assert_eq!(d("10s"), Some(Duration::from_secs(10)));
        assert_eq!(d("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(d("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(d("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(d(".5us"), Some(Duration::from_nanos(500)));
        assert_eq!(d("2\u{b5}s"), Some(Duration::from_micros(2)));
        assert_eq!(d("0"), Some(Duration::ZERO));
        assert_eq!(d("+3m"), Some(Duration::from_secs(180)));
        assert_eq!(
            d("2562047h47m16.854775807s"),
            Some(Duration::from_nanos(i64::MAX as u64))
        );
        for bad in [
            "",
            "10",
            "1x",
            "-1s",
            "s",
            ".s",
            "1.2.3s",
            "2562047h48m",
            " 1s",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_float_like_percent_v() {
        assert_eq!(go_float_text(0.005), "0.005");
        assert_eq!(go_float_text(1.0), "1");
        assert_eq!(go_float_text(0.00001), "1e-05");
        assert_eq!(go_float_text(100000.0), "100000");
        assert_eq!(go_float_text(1e6), "1e+06");
        assert_eq!(go_float_text(f64::INFINITY), "+Inf");
    }

    #[test]
    fn messages_in_each_syntax() {
        let e = |syntax, problem| ValueError {
            name: "nodecount".into(),
            text: "x\u{1}".into(),
            syntax,
            problem,
        };
        assert_eq!(
            e(Syntax::Flag, ValueProblem::Int).message(),
            "invalid value \"x\\x01\" for flag -nodecount: parse error"
        );
        assert_eq!(
            e(Syntax::Config, ValueProblem::Int).message(),
            "strconv.Atoi: parsing \"x\\x01\": invalid syntax"
        );
    }
}
