//! Shared pieces of the RFC 9110 grammar: tokens, quoted strings, optional whitespace.

use std::fmt::{self, Write};

/// Is `c` a `tchar` (a character allowed in a token).
pub(crate) fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Is `c` allowed inside a quoted string or as an escaped character (HTAB, SP, VCHAR, obs-text).
pub(crate) fn is_qchar(c: char) -> bool {
    c == '\t' || !c.is_control()
}

/// Is `s` a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tchar)
}

/// A position in a header value being parsed.
pub(crate) struct Cursor<'a> {
    /// The whole value.
    pub(crate) text: &'a str,
    /// Byte offset of the next character.
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    /// The next character, if any.
    pub(crate) fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// True when every character was consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Consumes `c` if it is next.
    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns how many were skipped.
    pub(crate) fn skip_ows(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Skips whitespace and empty list elements (`, ,`).
    pub(crate) fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | ',')) {
            self.pos += 1;
        }
    }

    /// Consumes characters while `f` holds; returns them.
    pub(crate) fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.text[start..self.pos]
    }

    /// Consumes a token (1*tchar), or None if there is none here.
    pub(crate) fn token(&mut self) -> Option<&'a str> {
        let token = self.take_while(is_tchar);
        (!token.is_empty()).then_some(token)
    }

    /// Consumes a quoted string (cursor on the opening quote); returns its unescaped content.
    pub(crate) fn quoted_string(&mut self) -> Result<String, &'static str> {
        if !self.eat('"') {
            return Err("expected '\"'");
        }
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string"),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) if is_qchar(c) => {
                            out.push(c);
                            self.pos += c.len_utf8();
                        }
                        _ => return Err("invalid escape in quoted string"),
                    }
                }
                Some(c) if is_qchar(c) => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
                Some(_) => return Err("control character in quoted string"),
            }
        }
    }

    /// Consumes an unquoted parameter value, leniently: any visible characters but `"`, `,`
    /// and those in `stop` (registries send `realm=https://…` unquoted).
    pub(crate) fn lenient_value(&mut self, stop: &[char]) -> &'a str {
        self.take_while(|c| {
            !c.is_whitespace() && !c.is_control() && c != '"' && c != ',' && !stop.contains(&c)
        })
    }
}

/// Writes `value` as a quoted string, escaping `"` and `\`; control characters (which header
/// values cannot carry) become spaces.
pub(crate) fn write_quoted(out: &mut impl Write, value: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            c if is_qchar(c) => out.write_char(c)?,
            _ => out.write_char(' ')?,
        }
    }
    out.write_char('"')
}

/// Percent-encodes `s` for a URL query component (everything but unreserved characters).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Parses a non-negative decimal integer made only of ASCII digits.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn quoted_strings_unescape_and_reject_bad_input() {
        let mut c = Cursor::new(r#""a \"b\" \\ c"rest"#);
        assert_eq!(c.quoted_string().unwrap(), r#"a "b" \ c"#);
        assert_eq!(&c.text[c.pos..], "rest");
        assert!(Cursor::new("\"open").quoted_string().is_err());
        assert!(Cursor::new("\"a\nb\"").quoted_string().is_err());
        assert!(Cursor::new("\"a\\").quoted_string().is_err());
        assert_eq!(Cursor::new("\"é\"").quoted_string().unwrap(), "é");
    }

    #[test]
    fn write_quoted_round_trips() {
        let mut s = String::new();
        write_quoted(&mut s, "x \"y\" \\z\u{1}").unwrap();
        assert_eq!(s, r#""x \"y\" \\z ""#);
        assert_eq!(Cursor::new(&s).quoted_string().unwrap(), "x \"y\" \\z ");
    }

    #[test]
    fn numbers_and_encoding() {
        assert_eq!(parse_u64("0012"), Some(12));
        assert_eq!(parse_u64("+1"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("99999999999999999999999"), None);
        assert_eq!(
            percent_encode("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }
}
