//! Text formatting that matches Go's standard library, for byte-identical
//! reports: `time.Duration.String()` and `time.Time.String()`, `%q`,
//! `filepath.Base`, OS error texts, XML escaping for the SVG and HTML
//! writers and `html/template`'s escaping of text; and Go's
//! `strconv.ParseBool`, for flags read as Go reads them; Go's `int64(f)`
//! conversion of a float ([`int64`]), for values scaled as pprof scales
//! them; and decimal
//! integers appended to a string without the formatting machinery
//! ([`push_int`], [`push_uint`], [`push_int_padded`]), for the writers of
//! large reports.

/// Go's `int64(f)` on amd64: the float truncated toward zero, with NaN and
/// values out of the int64 range becoming -2^63 (Rust's `as` saturates
/// instead).
///
/// ```
/// use pprof_model::gofmt::int64;
///
/// assert_eq!(int64(-2.9), -2);
/// assert_eq!(int64(1e300), i64::MIN);
/// assert_eq!(int64(f64::NAN), i64::MIN);
/// ```
pub fn int64(f: f64) -> i64 {
    // 2^63 is exact as a float; the range is [-2^63, 2^63).
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `strconv.ParseBool`: `1`, `t`, `T`, `TRUE`, `true`, `True` and
/// `0`, `f`, `F`, `FALSE`, `false`, `False`; anything else is `None`.
///
/// ```
/// assert_eq!(pprof_model::gofmt::parse_bool("T"), Some(true));
/// assert_eq!(pprof_model::gofmt::parse_bool("yes"), None);
/// ```
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

use crate::Dialect;

/// Formats nanoseconds like Go's `time.Duration.String()`: `1h2m3.5s`,
/// `1.5ms`, `0s`.
pub fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out: Vec<u8> = Vec::with_capacity(32);
    // Built backwards, then reversed.
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".to_string();
        }
        out.push(b's');
        let prec;
        if u < 1_000 {
            prec = 0;
            out.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            // "µ" reversed byte order
            out.push(0xb5);
            out.push(0xc2);
        } else {
            prec = 6;
            out.push(b'm');
        }
        u = frac_rev(&mut out, u, prec);
        int_rev(&mut out, u);
    } else {
        out.push(b's');
        u = frac_rev(&mut out, u, 9);
        int_rev(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            int_rev(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                int_rev(&mut out, u);
            }
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn frac_rev(out: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    v
}

fn int_rev(out: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        out.push(b'0');
        return;
    }
    while v > 0 {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

/// Truncates `s` to at most `n` characters, like Go's `%.Nv` on a string.
pub fn truncate_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Formats nanoseconds since the epoch like Go's `time.Time.String()` in
/// the local time zone (`TZ`): `2006-01-02 15:04:05.999999999 -0700 MST`.
pub fn time_string(nanos: i64) -> String {
    let ts = match jiff::Timestamp::from_nanosecond(nanos as i128) {
        Ok(ts) => ts,
        Err(_) => return format!("{nanos}"),
    };
    let zoned = ts.to_zoned(jiff::tz::TimeZone::system());
    let frac = zoned.subsec_nanosecond();
    let mut s = zoned.strftime("%Y-%m-%d %H:%M:%S").to_string();
    if frac != 0 {
        let f = format!("{frac:09}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s.push(' ');
    s.push_str(&zoned.strftime("%z").to_string());
    s.push(' ');
    s.push_str(&zone_abbrev(&zoned));
    s
}

/// The zone as Go's `MST` layout element prints it: the abbreviation, or
/// for a zone without one the offset shortened to `+03` (`+0530` when
/// minutes matter).
fn zone_abbrev(z: &jiff::Zoned) -> String {
    let abbrev = z.strftime("%Z").to_string();
    if abbrev.is_empty() || abbrev.starts_with('+') || abbrev.starts_with('-') {
        let offset = z.strftime("%z").to_string();
        let short = offset.trim_end_matches("00");
        if short.len() >= 3 {
            short.to_string()
        } else {
            offset
        }
    } else {
        abbrev
    }
}

/// The time of a report header's `Time:` line, in the local time zone
/// (`TZ`): `2026-11-26 21:34:24 UTC` (Go's layout `2006-01-02 15:04:05
/// MST`, today's pprof) or, for [`Dialect::Go119`], `Nov 26, 2026 at
/// 9:34pm (UTC)` (layout `Jan 2, 2006 at 3:04pm (MST)`).
pub fn header_time(nanos: i64, dialect: Dialect) -> String {
    header_time_in(nanos, jiff::tz::TimeZone::system(), dialect)
}

/// [`header_time`] in the zone `tz`.
fn header_time_in(nanos: i64, tz: jiff::tz::TimeZone, dialect: Dialect) -> String {
    let Ok(ts) = jiff::Timestamp::from_nanosecond(i128::from(nanos)) else {
        return nanos.to_string();
    };
    let z = ts.to_zoned(tz);
    let zone = zone_abbrev(&z);
    if dialect == Dialect::Go127 {
        return format!("{} {zone}", z.strftime("%Y-%m-%d %H:%M:%S"));
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS
        .get(usize::try_from(z.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or("");
    let h = z.hour();
    let (h12, ampm) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    format!(
        "{} {}, {} at {}:{:02}{} ({})",
        month,
        z.day(),
        z.year(),
        h12,
        z.minute(),
        ampm,
        zone
    )
}

/// The last element of a slash-separated path, like Go's `filepath.Base`
/// on Unix: trailing slashes are ignored, `""` gives `"."` and a path of
/// slashes only gives `"/"`.
pub fn path_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// An I/O error's text as Go prints it: the operating system's message
/// lower-cased at the start and without Rust's ` (os error N)` suffix
/// (`no such file or directory`, `no space left on device`); other errors
/// as they are.
///
/// ```
/// let e = std::io::Error::from_raw_os_error(28);
/// assert_eq!(pprof_model::gofmt::io_error_text(&e), "no space left on device");
/// ```
pub fn io_error_text(err: &std::io::Error) -> String {
    let mut s = err.to_string();
    if err.raw_os_error().is_none() {
        return s;
    }
    if let Some(pos) = s.find(" (os error ") {
        s.truncate(pos);
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => s,
    }
}

/// Quotes text like Go's `%q`: double quotes, backslash escapes for quotes,
/// backslashes and control characters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Appends `s` to `out` escaped for XML and HTML text and attribute values
/// (`&`, `<`, `>`, `"`, `'`). Characters that XML 1.0 forbids (most C0
/// controls, U+FFFE, U+FFFF) become U+FFFD so that the document stays
/// well-formed.
pub fn xml_escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Appends `s` to `out` escaped as Go's `html/template` escapes text:
/// `&`, `<`, `>`, `"`, `'` and `+` become character references and NUL
/// becomes U+FFFD (pprof's HTML pages, `-weblist`).
///
/// ```
/// let mut out = String::new();
/// pprof_model::gofmt::html_escape_into(&mut out, "i<n; i++ \"x\"");
/// assert_eq!(out, "i&lt;n; i&#43;&#43; &#34;x&#34;");
/// ```
pub fn html_escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '+' => out.push_str("&#43;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `s` escaped for XML and HTML (see [`xml_escape_into`]).
///
/// ```
/// assert_eq!(pprof_model::gofmt::xml_escape("a<b & 'c'"), "a&lt;b &amp; &#39;c&#39;");
/// ```
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    xml_escape_into(&mut out, s);
    out
}

/// Appends `v` in decimal (`{}` of a `u64`).
///
/// ```
/// let mut s = String::from("id ");
/// pprof_model::gofmt::push_uint(&mut s, 1234);
/// assert_eq!(s, "id 1234");
/// ```
#[inline]
pub fn push_uint(out: &mut String, v: u64) {
    push_digits(out, false, v, 0);
}

/// Appends `v` in decimal right-aligned in `width` characters (`{:>width}`
/// of a `u64`).
#[inline]
pub fn push_uint_padded(out: &mut String, v: u64, width: usize) {
    push_digits(out, false, v, width);
}

/// Appends `v` in decimal (`{}` of an `i64`).
///
/// ```
/// let mut s = String::new();
/// pprof_model::gofmt::push_int(&mut s, i64::MIN);
/// assert_eq!(s, i64::MIN.to_string());
/// ```
#[inline]
pub fn push_int(out: &mut String, v: i64) {
    push_digits(out, v < 0, v.unsigned_abs(), 0);
}

/// Appends `v` in decimal right-aligned in `width` characters (`{:>width}`
/// of an `i64`).
///
/// ```
/// let mut s = String::new();
/// pprof_model::gofmt::push_int_padded(&mut s, -42, 6);
/// assert_eq!(s, "   -42");
/// ```
#[inline]
pub fn push_int_padded(out: &mut String, v: i64, width: usize) {
    push_digits(out, v < 0, v.unsigned_abs(), width);
}

/// Appends `v` in lowercase hexadecimal with at least `width` digits,
/// zero-padded (`{:0width$x}` of a `u64`).
///
/// ```
/// let mut s = String::from("0x");
/// pprof_model::gofmt::push_hex(&mut s, 0x4a1f, 8);
/// assert_eq!(s, "0x00004a1f");
/// ```
#[inline]
pub fn push_hex(out: &mut String, v: u64, width: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'0'; 16];
    let len = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
    for (i, b) in buf[16 - len..].iter_mut().enumerate() {
        let shift = 4 * (len - 1 - i);
        *b = DIGITS[((v >> shift) & 0xf) as usize];
    }
    for _ in len..width {
        out.push('0');
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[16 - len..]).unwrap_or_default());
}

#[inline]
fn push_digits(out: &mut String, neg: bool, abs: u64, width: usize) {
    const SPACES: &str = "                                ";
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(abs);
    let mut pad = width.saturating_sub(digits.len() + usize::from(neg));
    while pad > 0 {
        let n = pad.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        pad -= n;
    }
    if neg {
        out.push('-');
    }
    out.push_str(digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_like_display() {
        for v in [
            0u64,
            1,
            9,
            10,
            15,
            16,
            0xabc,
            0x4000_0000,
            u64::MAX,
            1 << 63,
        ] {
            for width in [0, 1, 4, 16, 20] {
                let mut s = String::new();
                push_hex(&mut s, v, width);
                assert_eq!(s, format!("{v:0width$x}"), "{v:#x} in {width}");
            }
        }
    }

    #[test]
    fn integers_like_display() {
        for v in [0, 1, -1, 9, 10, -10, 99_999, i64::MAX, i64::MIN, 1 << 40] {
            let mut s = String::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
            for w in [0, 1, 5, 10, 25, 40, 70] {
                let mut s = String::new();
                push_int_padded(&mut s, v, w);
                assert_eq!(s, format!("{v:>w$}"));
            }
        }
        for v in [0, 7, u64::MAX] {
            let mut s = String::new();
            push_uint(&mut s, v);
            assert_eq!(s, v.to_string());
            let mut s = String::new();
            push_uint_padded(&mut s, v, 6);
            assert_eq!(s, format!("{v:>6}"));
        }
    }

    #[test]
    fn path_base_like_go() {
        assert_eq!(path_base(""), ".");
        assert_eq!(path_base("///"), "/");
        assert_eq!(path_base("/usr/bin/app"), "app");
        assert_eq!(path_base("a/b/"), "b");
        assert_eq!(path_base("x"), "x");
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(quote("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\x01\"");
        assert_eq!(quote("plain"), "\"plain\"");
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(1), "1ns");
        assert_eq!(duration_string(1_100), "1.1µs");
        assert_eq!(duration_string(2_200_000), "2.2ms");
        assert_eq!(duration_string(3_100_000_000), "3.1s");
        assert_eq!(duration_string(3_014_915_000), "3.014915s");
        assert_eq!(duration_string(61_000_000_000), "1m1s");
        assert_eq!(duration_string(3_723_000_000_000), "1h2m3s");
        assert_eq!(duration_string(-1_500_000), "-1.5ms");
        assert_eq!(truncate_chars("3.014915s", 4), "3.01");
        assert_eq!(truncate_chars("1.1µs", 4), "1.1µ");
    }

    #[test]
    fn header_times_like_go() {
        let utc = jiff::tz::TimeZone::UTC;
        let t = 1_700_000_000_000_000_000; // 2023-11-14 22:13:20 UTC
        let at = |tz: &jiff::tz::TimeZone, t, d| header_time_in(t, tz.clone(), d);
        assert_eq!(at(&utc, t, Dialect::Go119), "Nov 14, 2023 at 10:13pm (UTC)");
        assert_eq!(at(&utc, 0, Dialect::Go119), "Jan 1, 1970 at 12:00am (UTC)");
        assert_eq!(at(&utc, t, Dialect::Go127), "2023-11-14 22:13:20 UTC");
        assert_eq!(at(&utc, 0, Dialect::Go127), "1970-01-01 00:00:00 UTC");
        let plus3 = jiff::tz::TimeZone::fixed(jiff::tz::offset(3));
        assert_eq!(
            at(&plus3, t, Dialect::Go119),
            "Nov 15, 2023 at 1:13am (+03)"
        );
        assert_eq!(at(&plus3, t, Dialect::Go127), "2023-11-15 01:13:20 +03");
        // Fractions of a second are not shown.
        assert_eq!(
            at(&utc, t + 999_999_999, Dialect::Go127),
            "2023-11-14 22:13:20 UTC"
        );
    }
}
