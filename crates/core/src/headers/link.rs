//! `Link` (RFC 8288): pagination of catalog, tags and referrers lists.
//!
//! Parsing keeps every link and its parameters (names lowercased, values unescaped, the first
//! `rel` wins as RFC 8288 requires); `rel` may hold several space-separated relation types.
//! Unquoted parameter values are accepted leniently (any visible characters but `;`, `,`, `"`).
//! [`resolve_url`] is a small RFC 3986 resolver for what registries send: absolute URLs,
//! network-path (`//host/…`), absolute-path, query-only and relative-path references.

use std::fmt;

use super::grammar::{write_quoted, Cursor};
use super::names::LINK;
use super::HeaderError;

/// One link of a `Link` header: a target and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkValue {
    /// The target URI reference, as sent (between `<` and `>`).
    pub target: String,
    /// Parameters in order: lowercased name and unescaped value (None for a bare name).
    pub params: Vec<(String, Option<String>)>,
}

impl LinkValue {
    /// A link to `target` with no parameters.
    pub fn new(target: impl Into<String>) -> LinkValue {
        LinkValue {
            target: target.into(),
            params: Vec::new(),
        }
    }

    /// A `rel="next"` link to `target`.
    pub fn next(target: impl Into<String>) -> LinkValue {
        LinkValue::new(target).with_param("rel", "next")
    }

    /// This link with one more parameter.
    pub fn with_param(mut self, name: &str, value: impl Into<String>) -> LinkValue {
        self.params
            .push((name.to_ascii_lowercase(), Some(value.into())));
        self
    }

    /// The value of the first parameter with this name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_deref())
    }

    /// The relation types of the first `rel` parameter.
    pub fn rels(&self) -> impl Iterator<Item = &str> {
        self.param("rel").unwrap_or("").split_ascii_whitespace()
    }

    /// True if one of the relation types is `rel` (case-insensitive).
    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels().any(|r| r.eq_ignore_ascii_case(rel))
    }

    /// Parses every link of one `Link` header value.
    pub fn parse_all(value: &str) -> Result<Vec<LinkValue>, HeaderError> {
        let mut c = Cursor::new(value);
        let mut links = Vec::new();
        loop {
            c.skip_list_separators();
            if c.at_end() {
                break;
            }
            if !c.eat('<') {
                return Err(HeaderError::syntax(
                    LINK,
                    value,
                    c.pos,
                    "expected '<' starting a link",
                ));
            }
            let target = c.take_while(|ch| ch != '>');
            if !c.eat('>') {
                return Err(HeaderError::syntax(
                    LINK,
                    value,
                    c.pos,
                    "unterminated link target",
                ));
            }
            let mut link = LinkValue::new(target.trim());
            loop {
                c.skip_ows();
                if c.eat(';') {
                    c.skip_ows();
                    if matches!(c.peek(), None | Some(';' | ',')) {
                        continue;
                    }
                    let Some(name) = c.token() else {
                        return Err(HeaderError::syntax(
                            LINK,
                            value,
                            c.pos,
                            "expected a parameter name",
                        ));
                    };
                    c.skip_ows();
                    let param_value = if c.eat('=') {
                        c.skip_ows();
                        if c.peek() == Some('"') {
                            let quoted = c.quoted_string().map_err(|reason| {
                                HeaderError::syntax(LINK, value, c.pos, reason)
                            })?;
                            Some(quoted)
                        } else {
                            let raw = c.lenient_value(&[';']);
                            if raw.is_empty() {
                                return Err(HeaderError::syntax(
                                    LINK,
                                    value,
                                    c.pos,
                                    "expected a parameter value",
                                ));
                            }
                            Some(raw.to_string())
                        }
                    } else {
                        None
                    };
                    link.params.push((name.to_ascii_lowercase(), param_value));
                } else if matches!(c.peek(), None | Some(',')) {
                    break;
                } else {
                    return Err(HeaderError::syntax(
                        LINK,
                        value,
                        c.pos,
                        "expected ';' or ','",
                    ));
                }
            }
            links.push(link);
        }
        Ok(links)
    }
}

impl fmt::Display for LinkValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.target)?;
        for (name, value) in &self.params {
            write!(f, "; {name}")?;
            if let Some(value) = value {
                f.write_str("=")?;
                write_quoted(f, value)?;
            }
        }
        Ok(())
    }
}

/// Formats several links as one `Link` header value.
pub fn format_links(links: &[LinkValue]) -> String {
    links
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The target of the first `rel="next"` link across all `Link` header values, unresolved.
pub fn find_next<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<String>, HeaderError> {
    for value in values {
        if let Some(link) = LinkValue::parse_all(value)?
            .into_iter()
            .find(|link| link.has_rel("next"))
        {
            return Ok(Some(link.target));
        }
    }
    Ok(None)
}

/// The absolute URL of the next page: the `rel="next"` target resolved against `request_url`.
pub fn next_link<'a>(
    values: impl IntoIterator<Item = &'a str>,
    request_url: &str,
) -> Result<Option<String>, HeaderError> {
    match find_next(values)? {
        Some(target) => resolve_url(request_url, &target).map(Some),
        None => Ok(None),
    }
}

/// The `Link` header value a server sends to point at the next page: `<target>; rel="next"`.
pub fn format_next_link(target: &str) -> String {
    LinkValue::next(target).to_string()
}

/// True if `s` starts with a URI scheme followed by `:` (`https:`).
fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(colon) => {
            let scheme = &s[..colon];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !scheme.contains(['/', '?', '#'])
        }
        None => false,
    }
}

/// Resolves a URI reference against an absolute base URL (`scheme://authority/path?query`).
pub fn resolve_url(base: &str, reference: &str) -> Result<String, HeaderError> {
    let reference = reference.trim();
    if has_scheme(reference) {
        return Ok(reference.to_string());
    }
    let bad_base =
        || HeaderError::invalid(LINK, base, "base URL must be absolute (scheme://host/…)");
    let scheme_end = base.find("://").ok_or_else(bad_base)?;
    let scheme = &base[..scheme_end];
    if !has_scheme(&base[..=scheme_end]) {
        return Err(bad_base());
    }
    let after = &base[scheme_end + 3..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..authority_end];
    let rest = &after[authority_end..];
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q..])),
        None => (rest, None),
    };
    if let Some(network) = reference.strip_prefix("//") {
        return Ok(format!("{scheme}://{network}"));
    }
    let split = reference.find(['?', '#']).unwrap_or(reference.len());
    let (ref_path, ref_tail) = reference.split_at(split);
    let origin = format!("{scheme}://{authority}");
    let out = if ref_path.is_empty() {
        if ref_tail.starts_with('?') {
            format!("{origin}{path}{ref_tail}")
        } else {
            format!("{origin}{path}{}{ref_tail}", query.unwrap_or(""))
        }
    } else if ref_path.starts_with('/') {
        format!("{origin}{}{ref_tail}", remove_dot_segments(ref_path))
    } else {
        let directory = match path.rfind('/') {
            Some(slash) => &path[..=slash],
            None => "/",
        };
        let merged = format!("{directory}{ref_path}");
        format!("{origin}{}{ref_tail}", remove_dot_segments(&merged))
    };
    Ok(out)
}

/// Removes `.` and `..` segments from an absolute path (RFC 3986 section 5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::new();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate().skip(1) {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const CATALOG: &str = "https://registry.example:5000/v2/_catalog?n=2";

    #[test]
    fn distribution_catalog_link() {
        let value = r#"</v2/_catalog?last=b&n=2>; rel="next""#;
        assert_eq!(
            find_next([value]).unwrap().as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link([value], CATALOG).unwrap().as_deref(),
            Some("https://registry.example:5000/v2/_catalog?last=b&n=2")
        );
    }

    #[test]
    fn unquoted_rel_several_rels_and_links() {
        let value = r#"<https://ghcr.io/v2/o/r/tags/list?last=v1&n=100>; rel=next"#;
        assert_eq!(
            next_link([value], "https://ghcr.io/v2/o/r/tags/list?n=100")
                .unwrap()
                .as_deref(),
            Some("https://ghcr.io/v2/o/r/tags/list?last=v1&n=100")
        );
        let value = r#"</v2/a/tags/list?n=1&last=x>; rel="prev", </v2/a/tags/list?n=1&last=z>; title="a, b; c"; rel="last next""#;
        let links = LinkValue::parse_all(value).unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].param("title"), Some("a, b; c"));
        assert_eq!(links[1].rels().collect::<Vec<_>>(), ["last", "next"]);
        assert_eq!(
            find_next([value]).unwrap().as_deref(),
            Some("/v2/a/tags/list?n=1&last=z")
        );
    }

    #[test]
    fn first_rel_wins_and_case_is_ignored() {
        let links = LinkValue::parse_all(r#"<x>; REL="NEXT"; rel=prev"#).unwrap();
        assert!(links[0].has_rel("next"));
        assert!(!links[0].has_rel("prev"));
    }

    #[test]
    fn several_header_values_and_absent_next() {
        let values = [r#"<a>; rel="prev""#, r#"<b>; rel="next""#];
        assert_eq!(find_next(values).unwrap().as_deref(), Some("b"));
        assert_eq!(find_next([r#"<a>; rel="prev""#]).unwrap(), None);
        assert_eq!(find_next(std::iter::empty()).unwrap(), None);
        assert_eq!(find_next([""]).unwrap(), None);
    }

    #[test]
    fn bare_params_escapes_and_commas_in_targets() {
        let links =
            LinkValue::parse_all(r#"<http://x/a,b>;crossorigin; title="say \"hi\"" ,"#).unwrap();
        assert_eq!(links[0].target, "http://x/a,b");
        assert_eq!(links[0].params[0], ("crossorigin".into(), None));
        assert_eq!(links[0].param("title"), Some(r#"say "hi""#));
        let again = LinkValue::parse_all(&links[0].to_string()).unwrap();
        assert_eq!(again, links);
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "/v2/_catalog; rel=next",
            "</v2/_catalog; rel=next",
            r#"<x>; rel="next"#,
            "<x>; =next",
            "<x> rel=next",
            "<x>; rel=",
            "<x>; rel=\"a\nb\"",
        ] {
            assert!(
                matches!(LinkValue::parse_all(bad), Err(HeaderError::Syntax { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_next_link() {
        let value = format_next_link("/v2/_catalog?last=b&n=2");
        assert_eq!(value, r#"</v2/_catalog?last=b&n=2>; rel="next""#);
        assert_eq!(
            find_next([value.as_str()]).unwrap().as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        let links = vec![
            LinkValue::next("/a"),
            LinkValue::new("/b").with_param("rel", "prev"),
        ];
        assert_eq!(LinkValue::parse_all(&format_links(&links)).unwrap(), links);
    }

    #[test]
    fn resolves_references() {
        let base = "https://r.example/v2/lib/app/tags/list?n=10#frag";
        let cases = [
            ("https://other.example/x?y", "https://other.example/x?y"),
            ("//cdn.example/p", "https://cdn.example/p"),
            (
                "/v2/lib/app/tags/list?last=a",
                "https://r.example/v2/lib/app/tags/list?last=a",
            ),
            (
                "list?last=a",
                "https://r.example/v2/lib/app/tags/list?last=a",
            ),
            ("../../x/tags/list", "https://r.example/v2/lib/x/tags/list"),
            ("./", "https://r.example/v2/lib/app/tags/"),
            ("?last=z", "https://r.example/v2/lib/app/tags/list?last=z"),
            ("", "https://r.example/v2/lib/app/tags/list?n=10"),
            ("#f", "https://r.example/v2/lib/app/tags/list?n=10#f"),
            ("/a/./b/../c", "https://r.example/a/c"),
            ("/../../..", "https://r.example/"),
        ];
        for (reference, expected) in cases {
            assert_eq!(
                resolve_url(base, reference).unwrap(),
                expected,
                "{reference}"
            );
        }
        assert_eq!(resolve_url("http://h:1", "x").unwrap(), "http://h:1/x");
        assert_eq!(resolve_url("http://h:1?q", "/y").unwrap(), "http://h:1/y");
        assert!(resolve_url("/v2/_catalog", "x").is_err());
        assert!(resolve_url("1http://x/", "x").is_err());
        assert!(resolve_url("", "").is_err());
    }
}
