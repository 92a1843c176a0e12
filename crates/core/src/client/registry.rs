//! A registry's address (scheme, host, port, optional path prefix) and the URLs of its API.

use crate::digest::Digest;
use crate::reference::grammar::{is_remote_name, is_tag};
use crate::spec::{Error, ManifestRef};

/// Where a registry answers: `http://127.0.0.1:5000`, `https://example.com/prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP literal (IPv6 in brackets).
    pub host: String,
    /// Port, when not the scheme's default.
    pub port: Option<u16>,
    /// Path before `/v2/`, without trailing slash (empty for none).
    pub prefix: String,
}

impl Registry {
    /// Parses `scheme://host[:port][/prefix]`; a bare `host[:port]` means `https`.
    pub fn parse(address: &str) -> Result<Registry, Error> {
        let bad =
            |why: &str| Error::invalid(format!("invalid registry address {address:?}: {why}"));
        let (scheme, rest) = match address.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("https".to_string(), address),
        };
        if scheme != "http" && scheme != "https" {
            return Err(bad("the scheme must be http or https"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains(['@', '?', '#', ' ']) {
            return Err(bad("expected host[:port]"));
        }
        let (host, port) = if let Some(end) = authority.strip_prefix('[').and_then(|a| a.find(']'))
        {
            let host = &authority[..end + 2];
            match &authority[end + 2..] {
                "" => (host, None),
                p => (
                    host,
                    Some(p.strip_prefix(':').ok_or_else(|| bad("bad port"))?),
                ),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let port = match port {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("bad port"))?),
            None => None,
        };
        let default = if scheme == "http" { 80 } else { 443 };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut prefix = path.trim_end_matches('/').to_string();
        if let Some(p) = prefix.strip_suffix("/v2") {
            prefix = p.to_string();
        }
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        Ok(Registry {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.filter(|p| *p != default),
            prefix,
        })
    }

    /// `scheme://host[:port]`, the origin credentials are sent to.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// `scheme://host[:port]/prefix/v2/`.
    pub fn base(&self) -> String {
        format!("{}{}/v2/", self.origin(), self.prefix)
    }

    /// True when `url` is on this registry's origin (where credentials may go).
    pub fn same_origin(&self, url: &str) -> bool {
        match Registry::parse(url) {
            Ok(other) if url.contains("://") => {
                other.scheme == self.scheme && other.host == self.host && other.port == self.port
            }
            _ => false,
        }
    }

    /// `…/v2/<repo>/<tail>`, after checking the repository name.
    pub fn repo_url(&self, repo: &str, tail: &str) -> Result<String, Error> {
        check_repo(repo)?;
        Ok(format!("{}{repo}/{tail}", self.base()))
    }

    /// `…/v2/<repo>/manifests/<tag or digest>`.
    pub fn manifest_url(&self, repo: &str, reference: &ManifestRef) -> Result<String, Error> {
        if let ManifestRef::Tag(t) = reference {
            if !is_tag(t) {
                return Err(Error::invalid(format!("invalid tag {t:?}")));
            }
        }
        self.repo_url(repo, &format!("manifests/{reference}"))
    }

    /// `…/v2/<repo>/blobs/<digest>`.
    pub fn blob_url(&self, repo: &str, digest: &Digest) -> Result<String, Error> {
        self.repo_url(repo, &format!("blobs/{digest}"))
    }
}

/// Refuses repository names outside the distribution grammar (they would change the URL).
pub fn check_repo(repo: &str) -> Result<(), Error> {
    if is_remote_name(repo) {
        Ok(())
    } else {
        Err(Error::code(
            crate::registry_error::ErrorCode::NameInvalid,
            format!("invalid repository name {repo:?}: lower-case path components joined by /"),
        ))
    }
}

/// Percent-encodes a query parameter value (everything but unreserved characters).
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `name=value` appended to its query.
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{name}={}", encode_query(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_addresses() {
        let r = Registry::parse("http://127.0.0.1:5000").unwrap();
        assert_eq!(r.base(), "http://127.0.0.1:5000/v2/");
        let r = Registry::parse("registry.example/mirror/v2/").unwrap();
        assert_eq!(r.base(), "https://registry.example/mirror/v2/");
        let r = Registry::parse("https://Example.com:443").unwrap();
        assert_eq!(r.origin(), "https://example.com");
        let r = Registry::parse("http://[::1]:8080").unwrap();
        assert_eq!(r.origin(), "http://[::1]:8080");
        assert!(Registry::parse("ftp://x").is_err());
        assert!(Registry::parse("http://h:99999").is_err());
        assert!(Registry::parse("http://user@h").is_err());
    }

    #[test]
    fn origin_checks_scheme_host_and_port() {
        let r = Registry::parse("http://127.0.0.1:5000").unwrap();
        assert!(r.same_origin("http://127.0.0.1:5000/v2/x/blobs/uploads/1?_state=a"));
        assert!(!r.same_origin("http://127.0.0.1:5001/v2/"));
        assert!(!r.same_origin("https://127.0.0.1:5000/v2/"));
        assert!(!r.same_origin("http://evil.example/v2/"));
        assert!(!r.same_origin("/v2/relative"));
    }

    #[test]
    fn builds_escaped_urls() {
        let r = Registry::parse("http://h:1").unwrap();
        let d = Digest::sha256_of(b"x");
        assert_eq!(
            r.blob_url("a/b", &d).unwrap(),
            format!("http://h:1/v2/a/b/blobs/{d}")
        );
        assert!(r.repo_url("../etc", "x").is_err());
        assert!(r.repo_url("A", "x").is_err());
        assert_eq!(
            with_query("http://h/x?a=1", "artifactType", "application/vnd.x+json"),
            "http://h/x?a=1&artifactType=application%2Fvnd.x%2Bjson"
        );
    }
}
