//! Regular expressions with Go-style error messages.
//!
//! pprof reports a bad option as `parsing focus regexp: error parsing
//! regexp: missing closing ): `(``. The Rust `regex` crate accepts the
//! same RE2 syntax but words its errors differently, so the common syntax
//! errors are re-worded here from the parser's error kind and span.

use pprof_model::Dialect;
use regex::Regex;
use regex_syntax::ast::{parse::Parser, ErrorKind};

use crate::error::{Error, Result};

/// Compiles `pattern` for option `option` (such as `focus`) with the
/// syntax of `dialect`'s Go and Go's message on failure (see
/// [`go_regex_in`]).
pub fn compile_go_regex(option: &str, pattern: &str, dialect: Dialect) -> Result<Regex> {
    go_regex_in(pattern, dialect).map_err(|message| Error::Regex {
        option: option.to_string(),
        message,
    })
}

/// Compiles `pattern` as today's Go `regexp.Compile` reads it: Go's
/// syntax (translated to the `regex` crate's, so that `\Q..\E`, octal
/// escapes or a literal `{` work and `a**` fails) and Go's error message.
pub fn go_regex(pattern: &str) -> std::result::Result<Regex, String> {
    go_regex_in(pattern, Dialect::Go127)
}

/// [`go_regex`] with the syntax of `dialect`'s Go (go1.19's has no
/// `(?<name>re)`).
pub fn go_regex_in(pattern: &str, dialect: Dialect) -> std::result::Result<Regex, String> {
    let translated = crate::gosyntax::translate(pattern, dialect).map_err(|e| e.to_string())?;
    Regex::new(&translated).map_err(|e| go_regex_error(pattern, &e))
}

/// The message Go's `regexp.Compile` would give for `pattern`, such as
/// ``error parsing regexp: missing closing ): `(` ``. Errors without a Go
/// equivalent keep the last line of the Rust message.
pub fn go_regex_error(pattern: &str, err: &regex::Error) -> String {
    if let Err(e) = Parser::new().parse(pattern) {
        let span = e.span();
        let mut text = pattern
            .get(span.start.offset..span.end.offset)
            .unwrap_or("");
        if text.is_empty() {
            // Point spans: take the character they point at.
            text = from_char(pattern, span.start.offset);
        }
        let from_start = pattern.get(span.start.offset..).unwrap_or("");
        let go = match e.kind() {
            ErrorKind::GroupUnclosed => Some(("missing closing )", pattern)),
            ErrorKind::GroupUnopened => Some(("unexpected )", pattern)),
            ErrorKind::ClassUnclosed => Some(("missing closing ]", from_start)),
            ErrorKind::RepetitionMissing => Some(("missing argument to repetition operator", text)),
            ErrorKind::EscapeUnrecognized | ErrorKind::ClassEscapeInvalid => {
                Some(("invalid escape sequence", text))
            }
            ErrorKind::EscapeUnexpectedEof => Some(("trailing backslash at end of expression", "")),
            ErrorKind::ClassRangeInvalid => Some(("invalid character class range", text)),
            ErrorKind::UnsupportedLookAround | ErrorKind::FlagUnrecognized => {
                Some(("invalid or unsupported Perl syntax", text))
            }
            _ => None,
        };
        if let Some((code, expr)) = go {
            return format!("error parsing regexp: {code}: `{expr}`");
        }
    }
    let msg = err.to_string();
    let line = msg
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid regexp")
        .trim();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

fn from_char(pattern: &str, at: usize) -> &str {
    let Some(rest) = pattern.get(at..) else {
        return "";
    };
    match rest.chars().next() {
        Some(c) => &rest[..c.len_utf8()],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(p: &str) -> String {
        match compile_go_regex("focus", p, Dialect::Go119) {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        }
    }

    /// `(?<name>re)` is Go 1.22's: go1.19's pprof refuses it.
    #[test]
    fn each_dialect_has_its_gos_syntax() {
        assert!(crate::compile_regex_option("focus", "(?<n>main)", Dialect::Go127).is_ok());
        assert_eq!(
            msg("(?<n>main)"),
            "parsing focus regexp: error parsing regexp: invalid or unsupported Perl syntax: `(?<`"
        );
        assert!(go_regex("(?<n>main)").is_ok());
    }

    #[test]
    fn go_messages() {
        assert_eq!(
            msg("("),
            "parsing focus regexp: error parsing regexp: missing closing ): `(`"
        );
        assert_eq!(
            msg("a)"),
            "parsing focus regexp: error parsing regexp: unexpected ): `a)`"
        );
        assert_eq!(
            msg("x[a-"),
            "parsing focus regexp: error parsing regexp: missing closing ]: `[a-`"
        );
        assert_eq!(
            msg("*a"),
            "parsing focus regexp: error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            msg(r"\q"),
            "parsing focus regexp: error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            msg("[z-a]"),
            "parsing focus regexp: error parsing regexp: invalid character class range: `z-a`"
        );
        assert_eq!(msg("ok.*"), "");
    }

    #[test]
    fn what_go_rejects_and_rust_accepts() {
        let go = |p: &str| msg(p).replace("parsing focus regexp: error parsing regexp: ", "");
        // Messages as go1.19.8's pprof prints them.
        assert_eq!(go("a**"), "invalid nested repetition operator: `**`");
        assert_eq!(go("a*+"), "invalid nested repetition operator: `*+`");
        assert_eq!(go("a{2}*"), "invalid nested repetition operator: `{2}*`");
        assert_eq!(go("a*?*"), "invalid nested repetition operator: `*?*`");
        assert_eq!(go("x(?i)y**"), "invalid nested repetition operator: `**`");
        assert_eq!(go("a{1001}"), "invalid repeat count: `{1001}`");
        assert_eq!(go("a{2,1001}"), "invalid repeat count: `{2,1001}`");
        assert_eq!(go("(?<n>a)"), "invalid or unsupported Perl syntax: `(?<`");
        assert_eq!(go("(?x)a"), "invalid or unsupported Perl syntax: `(?x`");
        assert_eq!(go("(?u)a"), "invalid or unsupported Perl syntax: `(?u`");
        assert_eq!(go("(?R)a"), "invalid or unsupported Perl syntax: `(?R`");
        assert_eq!(go("(?i-u)a"), "invalid or unsupported Perl syntax: `(?i-u`");
        assert_eq!(
            go("(?i-u:a)"),
            "invalid or unsupported Perl syntax: `(?i-u`"
        );
        // Accepted by both.
        for ok in [
            "a*?", "a+?b", "(a*)*", "(?i)a", "(?P<n>a)", "a{1000}", "(?s:.)",
        ] {
            assert_eq!(msg(ok), "", "{ok}");
        }
    }
}
