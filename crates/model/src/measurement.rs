//! Units of measurement: converting sample values between units
//! (`bytes` to `MB`, `nanoseconds` to `s`), choosing a readable unit
//! automatically, formatting labels and percentages the way pprof prints
//! them (pprof's `internal/measurement`). Making the units of several
//! profiles agree before a merge is `pprof_ops::scale_profiles`.
//!
//! Three unit families are known: memory (`B`, `kB`, `MB`, ... in powers of
//! 1024), time (`ns`, `us`, `ms`, `s`, `hrs`) and Google compute units
//! (`n*GCU` ... `P*GCU`). Unit names are matched case-insensitively, with a
//! trailing `s` dropped from names longer than two characters.
//!
//! The target unit `"auto"` or `"minimum"` picks the largest unit in which
//! the value is at least 1. Values in unknown units are returned unchanged,
//! and their unit is dropped when it is `count`, `sample`, `unit`,
//! `minimum` or `auto`.

struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

struct UnitFamily {
    default_name: &'static str,
    default_factor: f64,
    units: &'static [Unit],
}

const NS: f64 = 1.0;
const US: f64 = 1e3;
const MS: f64 = 1e6;
const SEC: f64 = 1e9;
const HOUR: f64 = 3600.0 * 1e9;

static FAMILIES: &[UnitFamily] = &[
    UnitFamily {
        default_name: "B",
        default_factor: 1.0,
        units: &[
            Unit {
                name: "B",
                aliases: &["b", "byte"],
                factor: 1.0,
            },
            Unit {
                name: "kB",
                aliases: &["kb", "kbyte", "kilobyte"],
                factor: (1u64 << 10) as f64,
            },
            Unit {
                name: "MB",
                aliases: &["mb", "mbyte", "megabyte"],
                factor: (1u64 << 20) as f64,
            },
            Unit {
                name: "GB",
                aliases: &["gb", "gbyte", "gigabyte"],
                factor: (1u64 << 30) as f64,
            },
            Unit {
                name: "TB",
                aliases: &["tb", "tbyte", "terabyte"],
                factor: (1u64 << 40) as f64,
            },
            Unit {
                name: "PB",
                aliases: &["pb", "pbyte", "petabyte"],
                factor: (1u64 << 50) as f64,
            },
        ],
    },
    UnitFamily {
        default_name: "s",
        default_factor: SEC,
        units: &[
            Unit {
                name: "ns",
                aliases: &["ns", "nanosecond"],
                factor: NS,
            },
            Unit {
                name: "us",
                aliases: &["μs", "us", "microsecond"],
                factor: US,
            },
            Unit {
                name: "ms",
                aliases: &["ms", "millisecond"],
                factor: MS,
            },
            Unit {
                name: "s",
                aliases: &["s", "sec", "second"],
                factor: SEC,
            },
            Unit {
                name: "hrs",
                aliases: &["hour", "hr"],
                factor: HOUR,
            },
        ],
    },
    UnitFamily {
        default_name: "GCU",
        default_factor: 1.0,
        units: &[
            Unit {
                name: "n*GCU",
                aliases: &["nanogcu"],
                factor: 1e-9,
            },
            Unit {
                name: "u*GCU",
                aliases: &["microgcu"],
                factor: 1e-6,
            },
            Unit {
                name: "m*GCU",
                aliases: &["milligcu"],
                factor: 1e-3,
            },
            Unit {
                name: "GCU",
                aliases: &["gcu"],
                factor: 1.0,
            },
            Unit {
                name: "k*GCU",
                aliases: &["kilogcu"],
                factor: 1e3,
            },
            Unit {
                name: "M*GCU",
                aliases: &["megagcu"],
                factor: 1e6,
            },
            Unit {
                name: "G*GCU",
                aliases: &["gigagcu"],
                factor: 1e9,
            },
            Unit {
                name: "T*GCU",
                aliases: &["teragcu"],
                factor: 1e12,
            },
            Unit {
                name: "P*GCU",
                aliases: &["petagcu"],
                factor: 1e15,
            },
        ],
    },
];

impl UnitFamily {
    fn sniff(&self, unit: &str) -> Option<&'static Unit> {
        let lower = unit.to_lowercase();
        let mut u = lower.as_str();
        if u.len() > 2 {
            u = u.strip_suffix('s').unwrap_or(u);
        }
        self.units.iter().find(|x| x.aliases.contains(&u))
    }

    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut f = 0.0;
        let mut name = "";
        for u in self.units {
            if u.factor >= f && value / u.factor >= 1.0 {
                f = u.factor;
                name = u.name;
            }
        }
        if f == 0.0 {
            None
        } else {
            Some((value / f, name))
        }
    }

    fn convert<'a>(&self, value: i64, from: &str, to: &'a str) -> Option<(f64, &'a str)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            if let Some(r) = self.auto_scale(v) {
                return Some(r);
            }
            return Some((v / self.default_factor, self.default_name));
        }
        let (divisor, name) = self.fixed_target(to);
        Some((v / divisor, name))
    }

    /// The divisor and canonical name of the fixed (not `auto`) target
    /// unit `to` in this family; an unknown name means the family's
    /// default unit.
    fn fixed_target(&self, to: &str) -> (f64, &'static str) {
        match self.sniff(to) {
            Some(t) => (t.factor, t.name),
            None => (self.default_factor, self.default_name),
        }
    }
}

/// A conversion between two fixed units, looked up once: converting a
/// value then costs a multiplication and a division, with exactly the
/// result of [`scale`].
///
/// ```
/// use pprof_model::measurement::{scale, Conversion};
/// let c = Conversion::new("nanoseconds", "ms").unwrap();
/// assert_eq!(c.apply(2_500_000), 2.5);
/// assert_eq!(c.apply(-7), scale(-7, "nanoseconds", "ms").0);
/// // The target of an automatic choice depends on the value.
/// assert!(Conversion::new("bytes", "auto").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conversion {
    factor: f64,
    divisor: f64,
}

impl Conversion {
    /// The conversion [`scale`] applies from `from_unit` to `to_unit`, or
    /// `None` when `to_unit` is `auto` or `minimum` and the unit would be
    /// chosen per value.
    pub fn new(from_unit: &str, to_unit: &str) -> Option<Conversion> {
        let fixed = |factor, divisor| Some(Conversion { factor, divisor });
        for fam in FAMILIES {
            if let Some(from) = fam.sniff(from_unit) {
                if to_unit == "minimum" || to_unit == "auto" {
                    return None;
                }
                return fixed(from.factor, fam.fixed_target(to_unit).0);
            }
        }
        fixed(1.0, 1.0)
    }

    /// `value` in the target unit: `scale(value, from_unit, to_unit).0`.
    pub fn apply(&self, value: i64) -> f64 {
        // Negating is exact, so scaling |value| and restoring the sign, as
        // `scale` does, gives this same result.
        value as f64 * self.factor / self.divisor
    }
}

/// Converts `value` from `from_unit` to `to_unit`, returning the scaled
/// value and the canonical name of the unit it is expressed in.
///
/// `to_unit` may be `"auto"` or `"minimum"` to pick a readable unit. The
/// returned unit is empty when it is not worth printing (counts, samples).
pub fn scale<'a>(value: i64, from_unit: &str, to_unit: &'a str) -> (f64, &'a str) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from_unit, to_unit);
        return (-v, u);
    }
    for fam in FAMILIES {
        if let Some(r) = fam.convert(value, from_unit, to_unit) {
            return r;
        }
    }
    match to_unit {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, ""),
        _ => (value as f64, to_unit),
    }
}

/// Whether `unit` belongs to one of the known unit families.
pub fn is_known_unit(unit: &str) -> bool {
    FAMILIES.iter().any(|f| f.sniff(unit).is_some())
}

/// The label pprof prints for `value` in `unit`, auto-scaled
/// (`label(1536, "bytes") == "1.50kB"`).
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// The label pprof prints for `value` converted from `from_unit` to
/// `to_unit`: two decimals, a trailing `.00` dropped, then the unit.
pub fn scaled_label(value: i64, from_unit: &str, to_unit: &str) -> String {
    let (v, u) = scale(value, from_unit, to_unit);
    let mut s = go_format_f(v, 2);
    if s.ends_with(".00") {
        s.truncate(s.len() - 3);
    }
    if s == "0" || s == "-0" {
        return "0".to_string();
    }
    s.push_str(u);
    s
}

/// `value` as a percentage of `total`, as pprof prints it: `"  100%"` near
/// 100, `"%5.2f%%"` from 1 up, `"%5.2g%%"` below 1. A zero total gives 0.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_string()
    } else if ratio >= 1.0 {
        format!("{:>5}%", go_format_f(ratio, 2))
    } else {
        format!("{:>5}%", go_format_g(ratio, 2))
    }
}

/// Formats `v` like Go's `%.{prec}f`.
pub fn go_format_f(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    format!("{v:.prec$}")
}

/// Formats `v` like Go's `%.{prec}g` (shortest of `%e`/`%f` with `prec`
/// significant digits, trailing zeros removed, two-digit exponents).
pub fn go_format_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let prec = prec.max(1);
    let neg = v.is_sign_negative();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let a = v.abs();
    if a == 0.0 {
        out.push('0');
        return out;
    }
    // Digits rounded to `prec` significant places, exactly and half-to-even.
    let e = format!("{:.*e}", prec - 1, a);
    let (mant, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let nd = digits.len() as i64;
    let dp = exp + 1;
    let mut eprec = prec as i64;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if exp < -4 || exp >= eprec {
        let p = (prec as i64).min(nd);
        out.push(digits[0] as char);
        if p > 1 {
            out.push('.');
            for &d in &digits[1..p as usize] {
                out.push(d as char);
            }
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let ea = exp.unsigned_abs();
        if ea < 10 {
            out.push('0');
        }
        out.push_str(&ea.to_string());
        return out;
    }
    let mut p = prec as i64;
    if p > dp {
        p = nd;
    }
    let frac = (p - dp).max(0);
    // integer part
    if dp <= 0 {
        out.push('0');
    } else {
        for i in 0..dp {
            out.push(digits.get(i as usize).map_or('0', |&d| d as char));
        }
    }
    if frac > 0 {
        out.push('.');
        for i in 0..frac {
            let idx = dp + i;
            let c = if idx < 0 {
                '0'
            } else {
                digits.get(idx as usize).map_or('0', |&d| d as char)
            };
            out.push(c);
        }
    }
    out
}

/// Whether two value types can be combined: their type names agree once a
/// trailing `s` is dropped, and their units are equal or of one family.
pub fn compatible_value_types(t1: &str, u1: &str, t2: &str, u2: &str) -> bool {
    let a = t1.strip_suffix('s').unwrap_or(t1);
    let b = t2.strip_suffix('s').unwrap_or(t2);
    if a != b {
        return false;
    }
    if u1 == u2 {
        return true;
    }
    FAMILIES
        .iter()
        .any(|f| f.sniff(u1).is_some() && f.sniff(u2).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling() {
        assert_eq!(scale(1536, "bytes", "auto"), (1.5, "kB"));
        assert_eq!(scale(1_000_000_000, "nanoseconds", "auto"), (1.0, "s"));
        assert_eq!(scale(3, "count", "auto"), (3.0, ""));
        assert_eq!(scale(3, "widgets", "widgets"), (3.0, "widgets"));
        assert_eq!(scale(-2048, "b", "kilobytes"), (-2.0, "kB"));
        assert_eq!(scale(5, "ms", "bogus"), (0.005, "s"));
        assert_eq!(scale(0, "bytes", "auto"), (0.0, "B"));
        assert_eq!(scale(7200 * 1_000_000_000, "ns", "auto"), (2.0, "hrs"));
        // "μs" loses its trailing "s" when sniffed, so it is not recognised.
        assert_eq!(scale(5, "μs", "ns"), (5.0, "ns"));
        assert_eq!(scale(i64::MIN, "count", "count").1, "");
    }

    proptest::proptest! {
        #[test]
        fn conversion_matches_scale(
            v in proptest::prelude::any::<i64>(),
            from in 0usize..8,
            to in 0usize..10,
        ) {
            const UNITS: [&str; 10] = [
                "nanoseconds", "ms", "bytes", "MB", "count", "widgets", "GCU",
                "hours", "bogus", "auto",
            ];
            let (from, to) = (UNITS[from % 8], UNITS[to]);
            match Conversion::new(from, to) {
                Some(c) => proptest::prop_assert_eq!(
                    c.apply(v).to_bits(),
                    scale(v, from, to).0.to_bits()
                ),
                None => proptest::prop_assert!(to == "auto" && is_known_unit(from)),
            }
        }
    }

    #[test]
    fn labels() {
        assert_eq!(label(1536, "bytes"), "1.50kB");
        assert_eq!(label(1024, "bytes"), "1kB");
        assert_eq!(label(0, "nanoseconds"), "0");
        assert_eq!(label(1_020_000_000, "nanoseconds"), "1.02s");
        assert_eq!(label(42, "count"), "42");
        assert_eq!(scaled_label(1_020_000_000, "nanoseconds", "ms"), "1020ms");
        assert_eq!(scaled_label(-1, "ns", "s"), "0");
    }

    #[test]
    fn percentages() {
        assert_eq!(percentage(1, 1), "  100%");
        assert_eq!(percentage(0, 0), "    0%");
        assert_eq!(percentage(1, 4), "25.00%");
        assert_eq!(percentage(1, 200), "  0.5%");
        assert_eq!(percentage(3, 1000), "  0.3%");
        assert_eq!(percentage(1, 1_000_000), "0.0001%");
        assert_eq!(percentage(1, 100_000_000), "1e-06%");
        assert_eq!(percentage(123, 10000), " 1.23%");
        assert_eq!(percentage(12, 1000), " 1.20%");
        assert_eq!(percentage(-5, 10), "50.00%");
    }

    #[test]
    fn format_g() {
        assert_eq!(go_format_g(0.012, 2), "0.012");
        assert_eq!(go_format_g(0.99996, 2), "1");
        assert_eq!(go_format_g(123.0, 2), "1.2e+02");
        assert_eq!(go_format_g(12.0, 2), "12");
        assert_eq!(go_format_g(0.00001234, 2), "1.2e-05");
        assert_eq!(go_format_g(-0.5, 2), "-0.5");
        assert_eq!(go_format_g(0.0, 2), "0");
        assert_eq!(go_format_f(2.5, 0), "2");
    }
}
