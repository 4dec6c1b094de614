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
    /// A number too large for 64-bit floating point.
    FloatRange,
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
            (Syntax::Flag, ValueProblem::IntRange | ValueProblem::FloatRange) => {
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
            (Syntax::Config, ValueProblem::FloatRange) => {
                format!(
                    "strconv.ParseFloat: parsing {}: value out of range",
                    quote(t)
                )
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

/// A number's sign (whether it is `-`) and what follows it.
fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0 (the command line:
/// prefixes `0x`, `0o`, `0b`, a leading `0` for octal, underscores between
/// digits by Go's rule) or base 10 (`strconv.Atoi`, no underscores).
pub fn parse_go_int(s: &str, any_base: bool) -> Result<i64, ValueProblem> {
    let (neg, body) = split_sign(s);
    if any_base && body.contains('_') && !underscores_ok(body) {
        return Err(ValueProblem::Int);
    }
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
    let digits = if any_base {
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

/// Go's `strconv.ParseFloat(s, 64)`: decimal numbers with an optional
/// exponent (`0.5`, `.5`, `5.`, `1e-3`), hexadecimal ones with a binary
/// exponent (`0x1.8p1`), `inf`/`infinity`/`nan` in any case, each with an
/// optional sign, and underscores between digits (`1_000.5`). A value
/// too large for 64 bits is [`ValueProblem::FloatRange`] (Go's `ErrRange`);
/// anything else that is no number is [`ValueProblem::Float`].
pub fn parse_go_float(s: &str) -> Result<f64, ValueProblem> {
    let (negative, body) = split_sign(s);
    let sign = |v: f64| if negative { -v } else { v };
    match body.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Ok(sign(f64::INFINITY)),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    if body.contains('_') && !underscores_ok(body) {
        return Err(ValueProblem::Float);
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => hex_float(hex),
        None => decimal_float(&digits),
    }
    .ok_or(ValueProblem::Float)?;
    if value.is_infinite() {
        return Err(ValueProblem::FloatRange);
    }
    Ok(sign(value))
}

/// Go's rule for underscores in a number (`strconv`'s `underscoreOK`),
/// integer or float: each one between two digits, or between a base
/// prefix and a digit.
fn underscores_ok(body: &str) -> bool {
    let b = body.as_bytes();
    let hex =
        b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X' | b'b' | b'B' | b'o' | b'O');
    let is_hex = hex && matches!(b[1], b'x' | b'X');
    // What came last: a digit (or the base prefix), an underscore, or
    // anything else.
    #[derive(PartialEq)]
    enum Saw {
        Start,
        Digit,
        Underscore,
        Other,
    }
    let (mut saw, rest) = if hex {
        (Saw::Digit, &b[2..])
    } else {
        (Saw::Start, b)
    };
    for &c in rest {
        if c.is_ascii_digit() || (is_hex && c.is_ascii_hexdigit()) {
            saw = Saw::Digit;
        } else if c == b'_' {
            if saw != Saw::Digit {
                return false;
            }
            saw = Saw::Underscore;
        } else if saw == Saw::Underscore {
            return false;
        } else {
            saw = Saw::Other;
        }
    }
    saw != Saw::Underscore
}

/// `digits[.digits][e[±]digits]`, at least one mantissa digit.
fn decimal_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !all_digits(e) {
            return None;
        }
    }
    s.parse().ok()
}

/// `hexdigits[.hexdigits]p[±]digits` (the binary exponent is required),
/// rounded to the nearest value as Go rounds it.
fn hex_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = s.split_once(['p', 'P'])?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.len() + frac.len() == 0 {
        return None;
    }
    let e_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if e_digits.is_empty() || !e_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Far past the range either way: the exponent only has to stay large.
    let e_abs = e_digits.parse::<i64>().unwrap_or(i64::MAX).min(1 << 20);
    let mut exp = if exponent.starts_with('-') {
        -e_abs
    } else {
        e_abs
    };
    // The first 60 bits or so of the mantissa, and whether any digit
    // after them is not zero (which decides a tie when rounding).
    let (mut bits, mut sticky) = (0u64, false);
    for (i, c) in int.chars().chain(frac.chars()).enumerate() {
        let d = u64::from(c.to_digit(16)?);
        let fractional = i >= int.len();
        if bits >> 56 == 0 {
            bits = bits << 4 | d;
            if fractional {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !fractional {
                exp += 4;
            }
        }
    }
    if bits == 0 {
        return Some(0.0);
    }
    if sticky {
        bits |= 1;
    }
    // (u64 to f64 rounds to nearest, ties to even; scaling by a power of
    // two is exact for normal results.)
    let mut v = bits as f64;
    while exp > 0 {
        let step = exp.min(1000);
        v *= 2f64.powi(step as i32);
        exp -= step;
    }
    while exp < 0 {
        let step = (-exp).min(1000);
        v /= 2f64.powi(step as i32);
        exp += step;
    }
    Some(v)
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
        // Underscores as Go 1.27's strconv.ParseInt(s, 0, 64) takes them
        // (base 10 takes none).
        for (text, want) in [
            ("1_0", Ok(10)),
            ("0x_a", Ok(10)),
            ("0_7", Ok(7)),
            ("0b1_0", Ok(2)),
            ("0o1_7", Ok(15)),
            ("0x1_", Err(ValueProblem::Int)),
            ("1__0", Err(ValueProblem::Int)),
            ("_1", Err(ValueProblem::Int)),
        ] {
            assert_eq!(parse_go_int(text, true), want, "{text}");
        }
        assert_eq!(parse_go_int("1_0", false), Err(ValueProblem::Int));
        assert_eq!(parse_go_float("0.5"), Ok(0.5));
        assert_eq!(parse_go_float("1e-3"), Ok(0.001));
        assert_eq!(parse_go_float("-Inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("abc"), Err(ValueProblem::Float));
        assert_eq!(parse_go_float(""), Err(ValueProblem::Float));
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

    /// What Go 1.27's `strconv.ParseFloat(s, 64)` gives for each text.
    #[test]
    fn floats_parse_as_go_parses_them() {
        use ValueProblem::{Float as Syntax, FloatRange as Range};
        let cases: &[(&str, Result<f64, ValueProblem>)] = &[
            ("0x1p-3", Ok(0.125)),
            ("0X1P-3", Ok(0.125)),
            ("0x1.8p1", Ok(3.0)),
            ("0x.8p0", Ok(0.5)),
            ("0x1.p0", Ok(1.0)),
            ("0x_1p0", Ok(1.0)),
            ("0x1_0p0", Ok(16.0)),
            ("-0x1p-3", Ok(-0.125)),
            ("0x1p+3", Ok(8.0)),
            ("0x1.fffffffffffff8p0", Ok(2.0)),
            ("0x1.fffffffffffff7p0", Ok(1.9999999999999998)),
            ("0x1p-1074", Ok(5e-324)),
            ("0x1p-1075", Ok(0.0)),
            ("1_000.5", Ok(1000.5)),
            ("1_0e1_0", Ok(1e11)),
            (".5", Ok(0.5)),
            ("5.", Ok(5.0)),
            ("1E+3", Ok(1000.0)),
            ("+Infinity", Ok(f64::INFINITY)),
            ("0x1p", Err(Syntax)),
            ("0x1", Err(Syntax)),
            ("0x", Err(Syntax)),
            ("0xp1", Err(Syntax)),
            ("00x1p0", Err(Syntax)),
            ("1_.5", Err(Syntax)),
            ("1._5", Err(Syntax)),
            ("_1", Err(Syntax)),
            ("1_", Err(Syntax)),
            ("1e_3", Err(Syntax)),
            ("1__0", Err(Syntax)),
            ("1.5e", Err(Syntax)),
            ("infinit", Err(Syntax)),
            ("0b101", Err(Syntax)),
            ("0o7", Err(Syntax)),
            ("0x1p1024", Err(Range)),
            ("1e400", Err(Range)),
        ];
        for (text, want) in cases {
            assert_eq!(&parse_go_float(text), want, "{text}");
        }
        assert!(parse_go_float("NaN").is_ok_and(f64::is_nan));
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
