//! Line scanning and number parsing with the exact semantics of the Go
//! standard library functions the reference readers use (`bufio.Scanner`
//! with line splitting, `strconv.ParseInt`/`ParseUint`, `strings.TrimSpace`).

use crate::error::{Error, Result};

/// Longest line (without its newline) that Go's default scanner accepts.
const MAX_LINE: usize = 64 * 1024 - 1;

/// A line scanner mirroring `bufio.Scanner` + `bufio.ScanLines`.
///
/// Lines end at `\n`; one trailing `\r` is dropped. After the last line,
/// [`Scanner::text`] keeps returning that line when the input does not end
/// with a newline, and returns `""` when it does, as Go's scanner does.
pub(crate) struct Scanner<'a> {
    data: &'a str,
    pos: usize,
    token: &'a str,
    done: bool,
    err: Option<Error>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(data: &'a str) -> Self {
        Scanner {
            data,
            pos: 0,
            token: "",
            done: false,
            err: None,
        }
    }

    /// Advances to the next line; false at the end of input or on error.
    pub(crate) fn scan(&mut self) -> bool {
        if self.done {
            return false;
        }
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            // Go's scanner only clears the token when the input ended with
            // a newline (or was empty): the final split sees no data.
            if self.pos == 0 || self.data.as_bytes()[self.pos - 1] == b'\n' {
                self.token = "";
            }
            self.done = true;
            return false;
        }
        let (line, adv) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        if line.len() > MAX_LINE {
            self.token = "";
            self.done = true;
            self.err = Some(Error::LineTooLong);
            return false;
        }
        self.pos += adv;
        self.token = line.strip_suffix('\r').unwrap_or(line);
        true
    }

    /// The current line.
    pub(crate) fn text(&self) -> &'a str {
        self.token
    }

    /// The error that stopped scanning, if any.
    pub(crate) fn err(&self) -> Result<()> {
        match &self.err {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// Go's `strings.TrimSpace` (Unicode white space, like `str::trim`).
pub(crate) fn trim(s: &str) -> &str {
    s.trim()
}

/// pprof's `isSpaceOrComment`.
pub(crate) fn is_space_or_comment(line: &str) -> bool {
    let t = trim(line);
    t.is_empty() || t.starts_with('#')
}

fn digit_value(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u64),
        b'a'..=b'z' => Some((c - b'a' + 10) as u64),
        b'A'..=b'Z' => Some((c - b'A' + 10) as u64),
        _ => None,
    }
}

/// Whether underscores in a base-0 literal are placed as Go allows: only
/// between digits, or between the base prefix and a digit.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'+' || b[0] == b'-') {
        i = 1;
    }
    // last: 0 = start, 1 = digit or prefix, 2 = underscore, 3 = other
    let mut last = 0u8;
    let mut hex = false;
    if b.len() >= i + 2 && b[i] == b'0' {
        let p = b[i + 1].to_ascii_lowercase();
        if p == b'b' || p == b'o' || p == b'x' {
            i += 2;
            last = 1;
            hex = p == b'x';
        }
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            last = 1;
        } else if c == b'_' {
            if last != 1 {
                return false;
            }
            last = 2;
        } else {
            if last == 2 {
                return false;
            }
            last = 3;
        }
        i += 1;
    }
    last != 2
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0, 10 or 16.
pub(crate) fn parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let full = s;
    let mut digits = s.as_bytes();
    let mut base = base as u64;
    let base0 = base == 0;
    if base0 {
        base = 10;
        if digits[0] == b'0' {
            if digits.len() >= 3 {
                match digits[1].to_ascii_lowercase() {
                    b'b' => {
                        base = 2;
                        digits = &digits[2..];
                    }
                    b'o' => {
                        base = 8;
                        digits = &digits[2..];
                    }
                    b'x' => {
                        base = 16;
                        digits = &digits[2..];
                    }
                    _ => {
                        base = 8;
                        digits = &digits[1..];
                    }
                }
            } else {
                base = 8;
                digits = &digits[1..];
            }
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        if c == b'_' && base0 {
            underscores = true;
            continue;
        }
        let d = digit_value(c)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    if underscores && !underscores_ok(full) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0, 10 or 16.
pub(crate) fn parse_int(s: &str, base: u32) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body, base)?;
    if base == 0 && body.contains('_') && !underscores_ok(s) {
        return None;
    }
    const CUTOFF: u64 = 1 << 63;
    if neg {
        if u > CUTOFF {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        if u >= CUTOFF {
            return None;
        }
        Some(u as i64)
    }
}

/// Finds every `0x[0-9a-f]+` in `s` and parses it (pprof's `parseHexAddresses`).
pub(crate) fn parse_hex_addresses(s: &str) -> Result<Vec<u64>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'0' && b[i + 1] == b'x' && is_lower_hex(b[i + 2]) {
            let start = i;
            let mut j = i + 2;
            while j < b.len() && is_lower_hex(b[j]) {
                j += 1;
            }
            let text = &s[start..j];
            match parse_uint(&text[2..], 16) {
                Some(v) => out.push(v),
                None => return Err(format!("failed to parse as hex 64-bit number: {text}")),
            }
            i = j;
        } else {
            i += 1;
        }
    }
    Ok(out)
}

fn is_lower_hex(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

/// Go's `strings.NewReplacer(pairs...).Replace(s)`: at each position the
/// first pair (in argument order) whose old string matches is replaced.
pub(crate) fn replace_all(s: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < s.len() {
        let rest = &s[i..];
        for (old, new) in pairs {
            if !old.is_empty() && rest.starts_with(old.as_str()) {
                out.push_str(new);
                i += old.len();
                continue 'outer;
            }
        }
        let ch_len = rest.chars().next().map(char::len_utf8).unwrap_or(1);
        out.push_str(&rest[..ch_len]);
        i += ch_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_token_stickiness() {
        let mut s = Scanner::new("a\r\nb");
        assert!(s.scan());
        assert_eq!(s.text(), "a");
        assert!(s.scan());
        assert_eq!(s.text(), "b");
        assert!(!s.scan());
        assert_eq!(s.text(), "b");
        let mut s = Scanner::new("a\n");
        assert!(s.scan());
        assert!(!s.scan());
        assert_eq!(s.text(), "");
    }

    #[test]
    fn scanner_long_line() {
        let long = "x".repeat(MAX_LINE + 1);
        let mut s = Scanner::new(&long);
        assert!(!s.scan());
        assert_eq!(s.err(), Err(Error::LineTooLong));
    }

    #[test]
    fn go_parse_int() {
        assert_eq!(parse_int("010", 0), Some(8));
        assert_eq!(parse_int("09", 0), None);
        assert_eq!(parse_int("0x1f", 0), Some(31));
        assert_eq!(parse_int("1_000", 0), Some(1000));
        assert_eq!(parse_int("1__0", 0), None);
        assert_eq!(parse_int("-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808", 10), None);
        assert_eq!(parse_int("0", 0), Some(0));
        assert_eq!(parse_int("0x", 0), None);
        assert_eq!(parse_uint("ffffffffffffffff", 16), Some(u64::MAX));
        assert_eq!(parse_uint("1ffffffffffffffff", 16), None);
    }

    #[test]
    fn hex_addresses() {
        assert_eq!(
            parse_hex_addresses(" 0x10 0xab x0x1"),
            Ok(vec![16, 0xab, 1])
        );
        assert!(parse_hex_addresses("0x1ffffffffffffffff").is_err());
        assert_eq!(parse_hex_addresses("0x 0xg"), Ok(vec![]));
    }

    #[test]
    fn replacer() {
        let pairs = vec![
            ("$a".to_string(), "1".to_string()),
            ("$ab".to_string(), "2".to_string()),
        ];
        assert_eq!(replace_all("x$ab$c", &pairs), "x1b$c");
    }
}
