//! Go's regular expression syntax (`regexp/syntax` with Perl flags, as
//! `regexp.Compile` parses it: Go 1.19's, and today's with `(?<name>re)`
//! and the Unicode classes added since), translated to the `regex` crate.
//!
//! The two dialects share RE2's syntax, but differ at the edges: Go takes
//! `\Q...\E`, octal escapes, `\p{^Greek}`, `(?P<1>...)`, a `{` that starts
//! no repeat, and `-`, `&`, `~` or `[` anywhere in a class as literals;
//! it rejects `a**`, counts over 1000, the flags `x`, `u` and `R`, and
//! Unicode names it does not know. [`translate`] parses a pattern with
//! Go's rules, returns Go's error for it, or an equivalent pattern for the
//! `regex` crate.

use pprof_model::Dialect;
use regex_syntax::ast::{Ast, RepetitionKind, RepetitionRange};

/// Unicode classes that today's Go knows and go1.19's did not (Unicode 14
/// to 17), but for Unicode 17's four new scripts, which the `regex` crate
/// does not know yet (`Beria_Erfe`, `Sidetic`, `Tai_Yo`, `Tolong_Siki`:
/// refused as go1.19 refused them).
const UNICODE_NAMES_SINCE_GO119: &[&str] = &[
    "Cn",
    "Cypro_Minoan",
    "Garay",
    "Gurung_Khema",
    "Kawi",
    "Kirat_Rai",
    "LC",
    "Nag_Mundari",
    "Ol_Onal",
    "Old_Uyghur",
    "Sunuwar",
    "Tangsa",
    "Todhri",
    "Toto",
    "Tulu_Tigalari",
    "Vithkuqi",
];

/// Unicode classes that Go 1.19 knows: its general categories and scripts
/// (`unicode.Categories`, `unicode.Scripts`), and `Any`.
const UNICODE_NAMES: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Any",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "C",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Cc",
    "Cf",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Co",
    "Common",
    "Coptic",
    "Cs",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "L",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Ll",
    "Lm",
    "Lo",
    "Lt",
    "Lu",
    "Lycian",
    "Lydian",
    "M",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Mc",
    "Me",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Mn",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "N",
    "Nabataean",
    "Nandinagari",
    "Nd",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nl",
    "No",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "P",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Pc",
    "Pd",
    "Pe",
    "Pf",
    "Phags_Pa",
    "Phoenician",
    "Pi",
    "Po",
    "Ps",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "S",
    "Samaritan",
    "Saurashtra",
    "Sc",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sk",
    "Sm",
    "So",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Z",
    "Zanabazar_Square",
    "Zl",
    "Zp",
    "Zs",
];

/// POSIX classes that Go knows, `[:alpha:]` and `[:^alpha:]` forms.
const POSIX_NAMES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// A syntax error as Go words it: `error parsing regexp: CODE: `EXPR``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoError {
    code: &'static str,
    expr: String,
}

impl std::fmt::Display for GoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

fn err(code: &'static str, expr: &str) -> GoError {
    GoError {
        code,
        expr: expr.to_string(),
    }
}

const INVALID_ESCAPE: &str = "invalid escape sequence";
const INVALID_RANGE: &str = "invalid character class range";
const INVALID_NAMED: &str = "invalid named capture";
const INVALID_PERL: &str = "invalid or unsupported Perl syntax";
const NESTED_REPEAT: &str = "invalid nested repetition operator";
const REPEAT_SIZE: &str = "invalid repeat count";
const MISSING_BRACKET: &str = "missing closing ]";
const MISSING_PAREN: &str = "missing closing )";
const MISSING_ARGUMENT: &str = "missing argument to repetition operator";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const UNEXPECTED_PAREN: &str = "unexpected )";

/// Translates the Go pattern `s` into a pattern for the `regex` crate
/// that matches the same strings, or returns Go's error for `s`, in the
/// syntax of `dialect`'s Go (today's also takes `(?<name>re)`).
pub(crate) fn translate(s: &str, dialect: Dialect) -> Result<String, GoError> {
    let mut out = String::with_capacity(s.len() + 8);
    let mut t = s;
    // Open groups; a repeat needs an operand (Go's parse stack top).
    let mut depth = 0usize;
    let mut operand = false;
    // Where the previous token began, when it was a repeat operator.
    let mut last_repeat: Option<&str> = None;
    // Where in `out` the flag groups written since the last atom begin: in
    // Go a repeat after `(?i)` applies to the atom before it, so the
    // repeat is written before those groups.
    let mut flags_at: Option<usize> = None;
    while let Some(c) = t.chars().next() {
        let mut repeat: Option<&str> = None;
        let mut keep_flags_at = false;
        match c {
            '(' => {
                if let Some(rest) = t.strip_prefix("(?") {
                    let at = out.len();
                    let (rest, opened) = perl_flags(t, rest, dialect, &mut out)?;
                    t = rest;
                    if opened {
                        depth += 1;
                        operand = false;
                    } else {
                        flags_at = flags_at.or(Some(at));
                        keep_flags_at = true;
                    }
                } else {
                    out.push('(');
                    depth += 1;
                    operand = false;
                    t = &t[1..];
                }
            }
            '|' => {
                out.push('|');
                operand = false;
                t = &t[1..];
            }
            ')' => {
                if depth == 0 {
                    return Err(err(UNEXPECTED_PAREN, s));
                }
                depth -= 1;
                out.push(')');
                operand = true;
                t = &t[1..];
            }
            '^' | '$' | '.' => {
                out.push(c);
                operand = true;
                t = &t[1..];
            }
            '[' => {
                t = class(t, dialect, &mut out)?;
                operand = true;
            }
            '*' | '+' | '?' => {
                let mut after = &t[1..];
                after = after.strip_prefix('?').unwrap_or(after);
                check_repeat(t, after, last_repeat, operand)?;
                push_repeat(&mut out, &t[..t.len() - after.len()], &mut flags_at);
                keep_flags_at = flags_at.is_some();
                repeat = Some(t);
                t = after;
            }
            '{' => match parse_repeat(t) {
                None => {
                    out.push_str(r"\{");
                    operand = true;
                    t = &t[1..];
                }
                Some((min, max, after)) => {
                    let op = &t[..t.len() - after.len()];
                    if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                        return Err(err(REPEAT_SIZE, op));
                    }
                    let after = after.strip_prefix('?').unwrap_or(after);
                    check_repeat(t, after, last_repeat, operand)?;
                    push_repeat(&mut out, &t[..t.len() - after.len()], &mut flags_at);
                    keep_flags_at = flags_at.is_some();
                    repeat = Some(t);
                    t = after;
                }
            },
            '\\' => {
                t = top_escape(t, dialect, &mut out)?;
                operand = true;
            }
            _ => {
                push_literal(&mut out, c);
                operand = true;
                t = &t[c.len_utf8()..];
            }
        }
        last_repeat = repeat;
        if !keep_flags_at {
            flags_at = None;
        }
    }
    if depth != 0 {
        return Err(err(MISSING_PAREN, s));
    }
    check_repeat_sizes(&out)?;
    Ok(out)
}

/// Writes the repeat operator `op`, before the flag groups that follow the
/// atom it repeats, if any.
fn push_repeat(out: &mut String, op: &str, flags_at: &mut Option<usize>) {
    match *flags_at {
        Some(at) => {
            out.insert_str(at, op);
            *flags_at = Some(at + op.len());
        }
        None => out.push_str(op),
    }
}

/// Go's checks on a repeat operator starting at `before` and ending where
/// `after` starts.
fn check_repeat(
    before: &str,
    after: &str,
    last_repeat: Option<&str>,
    operand: bool,
) -> Result<(), GoError> {
    if let Some(last) = last_repeat {
        return Err(err(NESTED_REPEAT, &last[..last.len() - after.len()]));
    }
    if !operand {
        return Err(err(MISSING_ARGUMENT, &before[..before.len() - after.len()]));
    }
    Ok(())
}

/// Parses `{min}`, `{min,}` (max -1) or `{min,max}` at the start of `s`;
/// numbers too large become -1 for min. `None` when `s` is not of that
/// form (the `{` is then a literal).
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (min, s) = parse_int(s)?;
    let (mut min, max, s) = if let Some(s) = s.strip_prefix(',') {
        if let Some(rest) = s.strip_prefix('}') {
            return Some((min, -1, rest));
        }
        let (max, s) = parse_int(s)?;
        if max < 0 {
            (-1, max, s)
        } else {
            (min, max, s)
        }
    } else {
        (min, min, s)
    };
    let rest = s.strip_prefix('}')?;
    if max < -1 {
        min = -1;
    }
    Some((min, max, rest))
}

/// A decimal number without leading zeros; -2 when too large.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits >= 2 && s.starts_with('0')) {
        return None;
    }
    let mut n: i64 = 0;
    for b in s[..digits].bytes() {
        if n >= 100_000_000 {
            n = -2;
            break;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some((n, &s[digits..]))
}

/// Parses `(?P<name>`, `(?<name>` (today's Go: since Go 1.22), `(?flags)`
/// or `(?flags:` (`t` starts with `(?`, `rest` follows it) and writes the
/// equivalent; returns what follows and whether a group was opened.
fn perl_flags<'a>(
    t: &'a str,
    rest: &'a str,
    dialect: Dialect,
    out: &mut String,
) -> Result<(&'a str, bool), GoError> {
    let name_at = if t.len() > 4 && rest.starts_with("P<") {
        Some(4)
    } else if dialect == Dialect::Go127 && t.len() > 3 && rest.starts_with('<') {
        Some(3)
    } else {
        None
    };
    if let Some(name_at) = name_at {
        let Some(end) = t.find('>') else {
            return Err(err(INVALID_NAMED, t));
        };
        let name = &t[name_at..end];
        if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return Err(err(INVALID_NAMED, &t[..end + 1]));
        }
        // Names do not change what matches: a plain capture.
        out.push('(');
        return Ok((&t[end + 1..], true));
    }
    let mut negated = false;
    let mut saw_flag = false;
    // Flags set and cleared; a flag both set and cleared ends cleared.
    let (mut on, mut off) = (String::new(), String::new());
    let mut r = rest;
    while let Some(c) = r.chars().next() {
        r = &r[c.len_utf8()..];
        match c {
            'i' | 'm' | 's' | 'U' => {
                let set = if negated { &mut off } else { &mut on };
                if !set.contains(c) {
                    set.push(c);
                }
                saw_flag = true;
            }
            '-' if !negated => {
                negated = true;
                saw_flag = false;
            }
            ':' | ')' if !negated || saw_flag => {
                on.retain(|f| !off.contains(f));
                let mut flags = on;
                if !off.is_empty() {
                    flags.push('-');
                    flags.push_str(&off);
                }
                if c == ':' {
                    out.push_str("(?");
                    out.push_str(&flags);
                    out.push(':');
                    return Ok((r, true));
                }
                if !flags.is_empty() {
                    out.push_str("(?");
                    out.push_str(&flags);
                    out.push(')');
                }
                return Ok((r, false));
            }
            _ => break,
        }
    }
    Err(err(INVALID_PERL, &t[..t.len() - r.len()]))
}

/// An escape outside a class at the start of `t`.
fn top_escape<'a>(t: &'a str, dialect: Dialect, out: &mut String) -> Result<&'a str, GoError> {
    let next = t[1..].chars().next();
    match next {
        Some('A') => out.push_str(r"\A"),
        Some('b') => out.push_str(r"\b"),
        Some('B') => out.push_str(r"\B"),
        Some('z') => out.push_str(r"\z"),
        Some('C') => return Err(err(INVALID_ESCAPE, &t[..2])),
        Some('Q') => {
            let body = &t[2..];
            let (lit, rest) = match body.find(r"\E") {
                Some(i) => (&body[..i], &body[i + 2..]),
                None => (body, ""),
            };
            lit.chars().for_each(|c| push_literal(out, c));
            return Ok(rest);
        }
        Some('p' | 'P') => {
            let (text, rest) = unicode_class(t, dialect)?;
            out.push_str(&text);
            return Ok(rest);
        }
        Some(c @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) => {
            out.push_str(perl_class(c));
            return Ok(&t[2..]);
        }
        _ => {
            let (c, rest) = escape(t)?;
            push_literal(out, c);
            return Ok(rest);
        }
    }
    Ok(&t[2..])
}

/// Go's ASCII-only Perl classes, as classes for the `regex` crate.
fn perl_class(c: char) -> &'static str {
    match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => r"[\t\n\x0C\r ]",
        'S' => r"[^\t\n\x0C\r ]",
        'w' => "[0-9A-Za-z_]",
        _ => "[^0-9A-Za-z_]",
    }
}

/// `\pL`, `\p{Name}`, `\p{^Name}` or the `\P` forms at the start of `s`:
/// the class for the `regex` crate and what follows.
fn unicode_class(s: &str, dialect: Dialect) -> Result<(String, &str), GoError> {
    let mut negated = s.as_bytes().get(1) == Some(&b'P');
    let body = &s[2..];
    let Some(c) = body.chars().next() else {
        // `\p` at the very end: Go reads no name.
        return Err(err(INVALID_RANGE, s));
    };
    let (seq, name, rest) = if c != '{' {
        let n = c.len_utf8();
        (&s[..2 + n], &body[..n], &body[n..])
    } else {
        let Some(end) = s.find('}') else {
            return Err(err(INVALID_RANGE, s));
        };
        (&s[..end + 1], &s[3..end], &s[end + 1..])
    };
    let name = match name.strip_prefix('^') {
        Some(n) => {
            negated = !negated;
            n
        }
        None => name,
    };
    let known = UNICODE_NAMES.contains(&name)
        || (dialect == Dialect::Go127 && UNICODE_NAMES_SINCE_GO119.contains(&name));
    if !known {
        return Err(err(INVALID_RANGE, seq));
    }
    let p = if negated { 'P' } else { 'p' };
    Ok((format!("\\{p}{{{name}}}"), rest))
}

/// A single-character escape at the start of `s` (after Go's special
/// cases): the character and what follows.
fn escape(s: &str) -> Result<(char, &str), GoError> {
    let t = &s[1..];
    let Some(c) = t.chars().next() else {
        return Err(err(TRAILING_BACKSLASH, ""));
    };
    let mut t = &t[c.len_utf8()..];
    let invalid = |t: &str| err(INVALID_ESCAPE, &s[..s.len() - t.len()]);
    let octal = |t: &str| {
        t.as_bytes()
            .first()
            .is_some_and(|b| (b'0'..=b'7').contains(b))
    };
    match c {
        '1'..='7' | '0' if c == '0' || octal(t) => {
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                if !octal(t) {
                    break;
                }
                r = r * 8 + (t.as_bytes()[0] - b'0') as u32;
                t = &t[1..];
            }
            Ok((char::from_u32(r).unwrap_or('\0'), t))
        }
        'x' => {
            let Some(c) = t.chars().next() else {
                return Err(invalid(t));
            };
            t = &t[c.len_utf8()..];
            if c == '{' {
                let mut r: u32 = 0;
                let mut n = 0;
                loop {
                    let Some(c) = t.chars().next() else {
                        return Err(invalid(t));
                    };
                    t = &t[c.len_utf8()..];
                    if c == '}' {
                        break;
                    }
                    let Some(v) = c.to_digit(16) else {
                        return Err(invalid(t));
                    };
                    r = r * 16 + v;
                    if r > 0x10FFFF {
                        return Err(invalid(t));
                    }
                    n += 1;
                }
                if n == 0 {
                    return Err(invalid(t));
                }
                // Surrogates cannot be in a Rust string: nothing matches.
                return Ok((char::from_u32(r).unwrap_or('\u{FFFD}'), t));
            }
            let x = c.to_digit(16);
            let Some(d) = t.chars().next() else {
                return Err(invalid(t));
            };
            t = &t[d.len_utf8()..];
            match (x, d.to_digit(16)) {
                (Some(x), Some(y)) => Ok((char::from_u32(x * 16 + y).unwrap_or('\0'), t)),
                _ => Err(invalid(t)),
            }
        }
        'a' => Ok(('\x07', t)),
        'f' => Ok(('\x0C', t)),
        'n' => Ok(('\n', t)),
        'r' => Ok(('\r', t)),
        't' => Ok(('\t', t)),
        'v' => Ok(('\x0B', t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c, t)),
        _ => Err(invalid(t)),
    }
}

/// Appends `c` as a literal for the `regex` crate.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()) {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

/// A class `[...]` at the start of `s`, in Go's grammar; writes it for the
/// `regex` crate (every item escaped, so that its nested classes and set
/// operators never apply) and returns what follows.
fn class<'a>(s: &'a str, dialect: Dialect, out: &mut String) -> Result<&'a str, GoError> {
    let mut t = &s[1..];
    out.push('[');
    if let Some(rest) = t.strip_prefix('^') {
        out.push('^');
        t = rest;
    }
    let mut first = true;
    while t.is_empty() || !t.starts_with(']') || first {
        first = false;
        if t.len() > 2 && t.starts_with("[:") {
            if let Some(i) = t[2..].find(":]") {
                let name = &t[..i + 4];
                let bare = &name[2..name.len() - 2];
                let known = POSIX_NAMES.contains(&bare.strip_prefix('^').unwrap_or(bare));
                if !known {
                    return Err(err(INVALID_RANGE, name));
                }
                out.push_str(name);
                t = &t[name.len()..];
                continue;
            }
        }
        if t.starts_with(r"\p") || t.starts_with(r"\P") {
            let (text, rest) = unicode_class(t, dialect)?;
            out.push_str(&text);
            t = rest;
            continue;
        }
        if let Some(c @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) =
            t.strip_prefix('\\').and_then(|r| r.chars().next())
        {
            out.push_str(perl_class(c));
            t = &t[2..];
            continue;
        }
        let range_start = t;
        let (lo, rest) = class_char(t, s)?;
        t = rest;
        let mut hi = lo;
        if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
            let (h, rest) = class_char(&t[1..], s)?;
            t = rest;
            if h < lo {
                return Err(err(
                    INVALID_RANGE,
                    &range_start[..range_start.len() - t.len()],
                ));
            }
            hi = h;
        }
        push_class_char(out, lo);
        if hi != lo {
            out.push('-');
            push_class_char(out, hi);
        }
    }
    out.push(']');
    Ok(&t[1..])
}

/// One class character (possibly escaped) at the start of `s`.
fn class_char<'a>(s: &'a str, whole: &str) -> Result<(char, &'a str), GoError> {
    let Some(c) = s.chars().next() else {
        return Err(err(MISSING_BRACKET, whole));
    };
    if c == '\\' {
        return escape(s);
    }
    Ok((c, &s[c.len_utf8()..]))
}

fn push_class_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()) {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

/// Go's limit on nested counted repeats: a `{m,n}` (m or n at least 2)
/// may not make more than 1000 copies of what it repeats, counting the
/// repeats inside it (`(a{500}){3}` is too many). Checked on the
/// translated pattern, whose repeat operators are the original's text.
fn check_repeat_sizes(pattern: &str) -> Result<(), GoError> {
    let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(pattern) else {
        return Ok(());
    };
    let mut failures: Vec<(usize, String)> = Vec::new();
    collect_repeat_failures(&ast, pattern, &mut failures);
    match failures.into_iter().min_by_key(|(at, _)| *at) {
        Some((_, text)) => Err(GoError {
            code: REPEAT_SIZE,
            expr: text,
        }),
        None => Ok(()),
    }
}

fn counted(r: &regex_syntax::ast::Repetition) -> Option<(u32, Option<u32>)> {
    match &r.op.kind {
        RepetitionKind::Range(RepetitionRange::Exactly(n)) => Some((*n, Some(*n))),
        RepetitionKind::Range(RepetitionRange::AtLeast(n)) => Some((*n, None)),
        RepetitionKind::Range(RepetitionRange::Bounded(m, n)) => Some((*m, Some(*n))),
        _ => None,
    }
}

fn collect_repeat_failures(ast: &Ast, pattern: &str, out: &mut Vec<(usize, String)>) {
    if let Ast::Repetition(r) = ast {
        if let Some((min, max)) = counted(r) {
            if (min >= 2 || max.is_some_and(|m| m >= 2)) && !repeat_valid(ast, 1000) {
                let span = &r.op.span;
                let text = pattern
                    .get(span.start.offset..span.end.offset)
                    .unwrap_or("");
                out.push((span.start.offset, text.to_string()));
            }
        }
    }
    for sub in children(ast) {
        collect_repeat_failures(sub, pattern, out);
    }
}

fn repeat_valid(ast: &Ast, mut n: u32) -> bool {
    if let Ast::Repetition(r) = ast {
        if let Some((min, max)) = counted(r) {
            let m = max.unwrap_or(min);
            if max == Some(0) {
                return true;
            }
            if m > n {
                return false;
            }
            n = n.checked_div(m).unwrap_or(n);
        }
    }
    children(ast).iter().all(|sub| repeat_valid(sub, n))
}

fn children(ast: &Ast) -> Vec<&Ast> {
    match ast {
        Ast::Repetition(r) => vec![&r.ast],
        Ast::Group(g) => vec![&g.ast],
        Ast::Alternation(a) => a.asts.iter().collect(),
        Ast::Concat(c) => c.asts.iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_err(p: &str) -> String {
        match translate(p, Dialect::Go119) {
            Err(e) => e.to_string().replace("error parsing regexp: ", ""),
            Ok(t) => format!("ok: {t}"),
        }
    }

    fn matches(p: &str, text: &str) -> bool {
        let t = translate(p, Dialect::Go119).expect("Go accepts it");
        regex::Regex::new(&t)
            .expect("translation compiles")
            .is_match(text)
    }

    /// Today's Go knows the Unicode classes added since go1.19's.
    #[test]
    fn todays_go_knows_newer_unicode_classes() {
        for p in [r"\p{Kawi}", r"[\p{LC}x]", r"\P{Cn}"] {
            assert!(translate(p, Dialect::Go127).is_ok(), "{p}");
            let e = translate(p, Dialect::Go119).unwrap_err();
            assert!(
                e.to_string().contains("invalid character class range"),
                "{e}"
            );
        }
    }

    /// Today's Go (1.22 on) also names a group with `(?<name>re)`.
    #[test]
    fn todays_go_takes_angle_named_groups() {
        let t = translate("(?<n>a)b", Dialect::Go127).expect("today's Go takes it");
        assert!(regex::Regex::new(&t).unwrap().is_match("ab"));
        // Go 1.27.3's messages.
        for (p, message) in [
            ("(?<1-x>a)", "invalid named capture: `(?<1-x>`"),
            ("(?<n", "invalid named capture: `(?<n`"),
            ("(?<>a)", "invalid named capture: `(?<>`"),
            ("(?<", "invalid or unsupported Perl syntax: `(?<`"),
        ] {
            let e = translate(p, Dialect::Go127).unwrap_err();
            assert_eq!(e.to_string(), format!("error parsing regexp: {message}"));
        }
    }

    #[test]
    fn errors_as_go_words_them() {
        // Each message as go1.19.8's regexp.Compile returns it.
        let cases = [
            ("a**", "invalid nested repetition operator: `**`"),
            ("a*?*", "invalid nested repetition operator: `*?*`"),
            ("a{2}*", "invalid nested repetition operator: `{2}*`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("a{3,2}", "invalid repeat count: `{3,2}`"),
            ("(a{500}){3}", "invalid repeat count: `{3}`"),
            ("*a", "missing argument to repetition operator: `*`"),
            ("(?i)*", "missing argument to repetition operator: `*`"),
            ("a|*", "missing argument to repetition operator: `*`"),
            ("(?<n>a)", "invalid or unsupported Perl syntax: `(?<`"),
            ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
            ("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`"),
            ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"),
            ("(?P<>a)", "invalid named capture: `(?P<>`"),
            ("(?P<n", "invalid named capture: `(?P<n`"),
            ("(", "missing closing ): `(`"),
            ("a)", "unexpected ): `a)`"),
            ("[a", "missing closing ]: `[a`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("[a--b]", "invalid character class range: `a--`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            (
                r"\p{IsLatin}",
                r"invalid character class range: `\p{IsLatin}`",
            ),
            (r"\pX", r"invalid character class range: `\pX`"),
            (r"\C", r"invalid escape sequence: `\C`"),
            (r"\1", r"invalid escape sequence: `\1`"),
            (r"\q", r"invalid escape sequence: `\q`"),
            (r"\x{zz}", r"invalid escape sequence: `\x{z`"),
            ("a\\", "trailing backslash at end of expression: ``"),
        ];
        for (p, want) in cases {
            assert_eq!(go_err(p), want, "{p}");
        }
    }

    #[test]
    fn go_only_syntax_matches_like_go() {
        assert!(matches(r"\Q(*digest).Write\E", "sha256.(*digest).Write"));
        assert!(!matches(r"\Qa.b\E", "axb"));
        assert!(matches(r"\101\x42\x{43}", "ABC"));
        assert!(matches(r"\p{^Greek}", "a"));
        assert!(!matches(r"\P{^Greek}", "a"));
        assert!(matches("(?P<1a>x)(?P<n>y)(?P<n>z)", "xyz"));
        assert!(matches("(?)a", "a"));
        assert!(matches("a{,2}", "a{,2}"));
        assert!(matches("x{2", "x{2"));
        assert!(matches(r"\<main\>", "<main>"));
        assert!(matches("[a&&b]", "&"));
        assert!(matches("[a[bc]]", "[]"));
        assert!(matches(r"[\d-z]", "-"));
        assert!(matches(r"[]a]", "]"));
        assert!(matches("(?ii-s)A", "a"));
        assert!(matches(r"a(?i)*b", "aab"));
        // Go's \d, \s, \w and \b are ASCII.
        assert!(!matches(r"^\d$", "٣"));
        assert!(!matches(r"^\w$", "é"));
    }
}
