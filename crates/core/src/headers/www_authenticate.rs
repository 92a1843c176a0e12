//! `WWW-Authenticate` (RFC 7235): authentication challenges, generic and typed (Basic, Bearer).
//!
//! One header value may hold several challenges (`Basic realm="x", Bearer realm="y",service="z"`)
//! and a response may carry several header values; both are handled. Parameter names are
//! lowercased; values are unescaped. Unquoted values are accepted leniently (registries send
//! `realm=https://…`), and output always quotes. Schemes compare case-insensitively.
//!
//! A `Bearer` challenge without `realm` cannot start the token flow, so it stays
//! [`AuthChallenge::Other`]; so does a Basic or Bearer challenge carrying a token68.

use std::fmt;

use super::grammar::{is_tchar, write_quoted, Cursor};
use super::names::WWW_AUTHENTICATE;
use super::scope::{format_scopes, merge_scopes, token_query, Scope};
use super::HeaderError;

/// One challenge: a scheme with either a token68 or auth-params.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme as sent (`Bearer`).
    pub scheme: String,
    /// The token68 following the scheme, if the challenge has one instead of params.
    pub token68: Option<String>,
    /// Auth-params in order: lowercased name and unescaped value.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A challenge with this scheme and no parameters.
    pub fn new(scheme: impl Into<String>) -> Challenge {
        Challenge {
            scheme: scheme.into(),
            token68: None,
            params: Vec::new(),
        }
    }

    /// True if the scheme is `scheme` (case-insensitive).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The value of the first parameter with this name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses every challenge of one header value.
    pub fn parse_all(value: &str) -> Result<Vec<Challenge>, HeaderError> {
        let err = |at, reason| HeaderError::syntax(WWW_AUTHENTICATE, value, at, reason);
        let mut c = Cursor::new(value);
        let mut out = Vec::new();
        loop {
            c.skip_list_separators();
            if c.at_end() {
                break;
            }
            let scheme = c
                .token()
                .ok_or_else(|| err(c.pos, "expected an auth-scheme"))?;
            let mut challenge = Challenge::new(scheme);
            let spaces = c.skip_ows();
            if c.at_end() || c.peek() == Some(',') {
                out.push(challenge);
                continue;
            }
            if spaces == 0 {
                return Err(err(c.pos, "expected a space after the auth-scheme"));
            }
            if let Some(token68) = try_token68(&mut c) {
                challenge.token68 = Some(token68.to_string());
                out.push(challenge);
                continue;
            }
            loop {
                let (name, param) = parse_param(&mut c).map_err(|(at, reason)| err(at, reason))?;
                challenge.params.push((name, param));
                c.skip_ows();
                if c.at_end() {
                    break;
                }
                if !c.eat(',') {
                    return Err(err(c.pos, "expected ',' after an auth-param"));
                }
                let save = c.pos;
                c.skip_list_separators();
                if c.at_end() {
                    break;
                }
                if !looks_like_param(&c) {
                    c.pos = save;
                    break;
                }
            }
            out.push(challenge);
        }
        if out.is_empty() {
            return Err(HeaderError::Empty {
                header: WWW_AUTHENTICATE,
            });
        }
        Ok(out)
    }

    /// Parses the challenges of several header values, in order.
    pub fn parse_values<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Challenge>, HeaderError> {
        let mut out = Vec::new();
        for value in values {
            out.extend(Challenge::parse_all(value)?);
        }
        if out.is_empty() {
            return Err(HeaderError::Empty {
                header: WWW_AUTHENTICATE,
            });
        }
        Ok(out)
    }
}

/// Tries `token68 OWS (end | ',')` at the cursor; restores it on failure.
fn try_token68<'a>(c: &mut Cursor<'a>) -> Option<&'a str> {
    let start = c.pos;
    let body = c.take_while(|ch| ch.is_ascii_alphanumeric() || "-._~+/".contains(ch));
    if body.is_empty() {
        c.pos = start;
        return None;
    }
    c.take_while(|ch| ch == '=');
    let end = c.pos;
    c.skip_ows();
    if c.at_end() || c.peek() == Some(',') {
        Some(&c.text[start..end])
    } else {
        c.pos = start;
        None
    }
}

/// Is the cursor at `token BWS "="` (the start of an auth-param, not of a new challenge)?
fn looks_like_param(c: &Cursor<'_>) -> bool {
    let rest = &c.text[c.pos..];
    let after_token = rest.trim_start_matches(is_tchar);
    after_token.len() < rest.len() && after_token.trim_start_matches([' ', '\t']).starts_with('=')
}

/// Parses `token BWS "=" BWS (token | quoted-string)`.
fn parse_param(c: &mut Cursor<'_>) -> Result<(String, String), (usize, &'static str)> {
    let name = c.token().ok_or((c.pos, "expected an auth-param name"))?;
    c.skip_ows();
    if !c.eat('=') {
        return Err((c.pos, "expected '=' after an auth-param name"));
    }
    c.skip_ows();
    let value = if c.peek() == Some('"') {
        c.quoted_string().map_err(|reason| (c.pos, reason))?
    } else {
        let raw = c.lenient_value(&[]);
        if raw.is_empty() {
            return Err((c.pos, "expected an auth-param value"));
        }
        raw.to_string()
    };
    Ok((name.to_ascii_lowercase(), value))
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        if let Some(token68) = &self.token68 {
            return write!(f, " {token68}");
        }
        for (i, (name, value)) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { "," })?;
            write!(f, "{name}=")?;
            write_quoted(f, value)?;
        }
        Ok(())
    }
}

/// Formats several challenges as one `WWW-Authenticate` header value.
pub fn format_challenges<T: fmt::Display>(challenges: &[T]) -> String {
    challenges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `Basic` challenge (RFC 7617).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BasicChallenge {
    /// The protection space (`realm`), required by RFC 7617 but sometimes missing.
    pub realm: Option<String>,
    /// Other parameters (`charset`, ECR's `service`…).
    pub other: Vec<(String, String)>,
}

impl BasicChallenge {
    /// A Basic challenge for this realm.
    pub fn new(realm: impl Into<String>) -> BasicChallenge {
        BasicChallenge {
            realm: Some(realm.into()),
            other: Vec::new(),
        }
    }

    /// The generic form of this challenge.
    pub fn to_challenge(&self) -> Challenge {
        let mut challenge = Challenge::new("Basic");
        if let Some(realm) = &self.realm {
            challenge.params.push(("realm".into(), realm.clone()));
        }
        challenge.params.extend(self.other.iter().cloned());
        challenge
    }
}

/// A `Bearer` challenge (RFC 6750, Docker token protocol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BearerChallenge {
    /// Where to request a token.
    pub realm: String,
    /// The service the token is for.
    pub service: Option<String>,
    /// The scope parameter as sent (space-separated scopes); see [`BearerChallenge::scopes`].
    pub scope: Option<String>,
    /// The error of a failed token (`invalid_token`, `insufficient_scope`).
    pub error: Option<String>,
    /// A human-readable explanation of `error`.
    pub error_description: Option<String>,
    /// Other parameters, and repeats of the ones above.
    pub other: Vec<(String, String)>,
}

impl BearerChallenge {
    /// A Bearer challenge pointing at this token realm.
    pub fn new(realm: impl Into<String>) -> BearerChallenge {
        BearerChallenge {
            realm: realm.into(),
            service: None,
            scope: None,
            error: None,
            error_description: None,
            other: Vec::new(),
        }
    }

    /// This challenge with a service.
    pub fn with_service(mut self, service: impl Into<String>) -> BearerChallenge {
        self.service = Some(service.into());
        self
    }

    /// This challenge asking for these scopes.
    pub fn with_scopes(mut self, scopes: &[Scope]) -> BearerChallenge {
        self.scope = (!scopes.is_empty()).then(|| format_scopes(scopes));
        self
    }

    /// This challenge reporting an error (`insufficient_scope`) and its description.
    pub fn with_error(mut self, error: &str, description: Option<&str>) -> BearerChallenge {
        self.error = Some(error.to_string());
        self.error_description = description.map(str::to_string);
        self
    }

    /// The scopes asked for, parsed.
    pub fn scopes(&self) -> Result<Vec<Scope>, HeaderError> {
        Scope::parse_list(self.scope.as_deref().unwrap_or(""))
    }

    /// True when the token was refused for lacking scope (`error="insufficient_scope"`).
    pub fn is_insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }

    /// The token request URL: realm plus `service` and the merged scopes of the challenge and
    /// `extra` (scope items of the challenge that do not parse are passed through as sent).
    pub fn token_url(&self, extra: &[Scope]) -> String {
        let mut parsed = Vec::new();
        let mut raw = Vec::new();
        for item in self.scope.as_deref().unwrap_or("").split_ascii_whitespace() {
            match Scope::parse(item) {
                Ok(scope) => parsed.push(scope),
                Err(_) => raw.push(item),
            }
        }
        let merged = merge_scopes(parsed.into_iter().chain(extra.iter().cloned()));
        let mut query = token_query(self.service.as_deref(), &merged);
        for item in raw {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str("scope=");
            query.push_str(&super::grammar::percent_encode(item));
        }
        if query.is_empty() {
            return self.realm.clone();
        }
        let joiner = if self.realm.contains('?') {
            if self.realm.ends_with(['?', '&']) {
                ""
            } else {
                "&"
            }
        } else {
            "?"
        };
        format!("{}{joiner}{query}", self.realm)
    }

    /// The generic form of this challenge.
    pub fn to_challenge(&self) -> Challenge {
        let mut challenge = Challenge::new("Bearer");
        challenge.params.push(("realm".into(), self.realm.clone()));
        for (name, value) in [
            ("service", &self.service),
            ("scope", &self.scope),
            ("error", &self.error),
            ("error_description", &self.error_description),
        ] {
            if let Some(value) = value {
                challenge.params.push((name.into(), value.clone()));
            }
        }
        challenge.params.extend(self.other.iter().cloned());
        challenge
    }
}

/// A challenge, typed when it is Basic or Bearer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthChallenge {
    /// `Basic realm="…"`.
    Basic(BasicChallenge),
    /// `Bearer realm="…",service="…",scope="…"`.
    Bearer(BearerChallenge),
    /// Any other scheme, or a Basic/Bearer challenge that does not fit the typed forms.
    Other(Challenge),
}

impl AuthChallenge {
    /// Parses and types every challenge of one header value.
    pub fn parse_all(value: &str) -> Result<Vec<AuthChallenge>, HeaderError> {
        Ok(Challenge::parse_all(value)?
            .into_iter()
            .map(AuthChallenge::from)
            .collect())
    }

    /// Parses and types the challenges of several header values, in order.
    pub fn parse_values<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<AuthChallenge>, HeaderError> {
        Ok(Challenge::parse_values(values)?
            .into_iter()
            .map(AuthChallenge::from)
            .collect())
    }

    /// The generic form of this challenge.
    pub fn to_challenge(&self) -> Challenge {
        match self {
            AuthChallenge::Basic(basic) => basic.to_challenge(),
            AuthChallenge::Bearer(bearer) => bearer.to_challenge(),
            AuthChallenge::Other(other) => other.clone(),
        }
    }

    /// The challenge a client should answer: the first Bearer, else the first Basic.
    pub fn preferred(challenges: &[AuthChallenge]) -> Option<&AuthChallenge> {
        challenges
            .iter()
            .find(|c| matches!(c, AuthChallenge::Bearer(_)))
            .or_else(|| {
                challenges
                    .iter()
                    .find(|c| matches!(c, AuthChallenge::Basic(_)))
            })
    }
}

/// Splits params into the first occurrence of each known name and everything else.
fn take_known(
    params: Vec<(String, String)>,
    known: &[&str],
) -> (Vec<Option<String>>, Vec<(String, String)>) {
    let mut found = vec![None; known.len()];
    let mut other = Vec::new();
    for (name, value) in params {
        match known.iter().position(|k| *k == name) {
            Some(i) if found[i].is_none() => found[i] = Some(value),
            _ => other.push((name, value)),
        }
    }
    (found, other)
}

impl From<Challenge> for AuthChallenge {
    fn from(challenge: Challenge) -> Self {
        if challenge.token68.is_some() {
            return AuthChallenge::Other(challenge);
        }
        if challenge.is_scheme("basic") {
            let (mut found, other) = take_known(challenge.params, &["realm"]);
            return AuthChallenge::Basic(BasicChallenge {
                realm: found[0].take(),
                other,
            });
        }
        if challenge.is_scheme("bearer") && challenge.param("realm").is_some() {
            let (found, other) = take_known(
                challenge.params,
                &["realm", "service", "scope", "error", "error_description"],
            );
            let mut found = found.into_iter();
            let mut next = || found.next().flatten();
            return AuthChallenge::Bearer(BearerChallenge {
                realm: next().unwrap_or_default(),
                service: next(),
                scope: next(),
                error: next(),
                error_description: next(),
                other,
            });
        }
        AuthChallenge::Other(challenge)
    }
}

impl fmt::Display for BasicChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_challenge().fmt(f)
    }
}

impl fmt::Display for BearerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_challenge().fmt(f)
    }
}

impl fmt::Display for AuthChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_challenge().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn bearer(value: &str) -> BearerChallenge {
        match AuthChallenge::parse_all(value).unwrap().remove(0) {
            AuthChallenge::Bearer(b) => b,
            other => panic!("not bearer: {other:?}"),
        }
    }

    #[test]
    fn docker_hub_challenge() {
        let b = bearer(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#,
        );
        assert_eq!(b.realm, "https://auth.docker.io/token");
        assert_eq!(b.service.as_deref(), Some("registry.docker.io"));
        assert_eq!(b.scopes().unwrap(), [Scope::pull("library/ubuntu")]);
        assert_eq!(
            b.token_url(&[]),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fubuntu%3Apull"
        );
        assert_eq!(
            b.token_url(&[Scope::pull_push("library/ubuntu"), Scope::pull("library/debian")]),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fubuntu%3Apull%2Cpush&scope=repository%3Alibrary%2Fdebian%3Apull"
        );
    }

    #[test]
    fn ghcr_and_insufficient_scope() {
        let b = bearer(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull""#,
        );
        assert_eq!(b.service.as_deref(), Some("ghcr.io"));
        let b = bearer(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push",error="insufficient_scope""#,
        );
        assert!(b.is_insufficient_scope());
        assert_eq!(b.scopes().unwrap()[0].actions, ["pull", "push"]);
        let b = bearer(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(
            b.error_description.as_deref(),
            Some("The access token expired")
        );
    }

    #[test]
    fn ecr_like_basic() {
        let all = AuthChallenge::parse_all(r#"Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com""#).unwrap();
        let AuthChallenge::Basic(basic) = &all[0] else {
            panic!("{all:?}")
        };
        assert_eq!(
            basic.realm.as_deref(),
            Some("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/")
        );
        assert_eq!(
            basic.other,
            [("service".to_string(), "ecr.amazonaws.com".to_string())]
        );
    }

    #[test]
    fn several_challenges_in_one_value_and_across_values() {
        let all =
            AuthChallenge::parse_all(r#"Basic realm="x", Bearer realm="y",service="z""#).unwrap();
        assert_eq!(all.len(), 2);
        assert!(matches!(&all[0], AuthChallenge::Basic(b) if b.realm.as_deref() == Some("x")));
        assert!(
            matches!(&all[1], AuthChallenge::Bearer(b) if b.realm == "y" && b.service.as_deref() == Some("z"))
        );
        assert!(matches!(
            AuthChallenge::preferred(&all),
            Some(AuthChallenge::Bearer(_))
        ));

        let all = Challenge::parse_values([
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"""#,
            "Basic realm=simple",
        ])
        .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].param("type"), Some("1"));
        assert_eq!(all[0].param("TITLE"), Some(r#"Login to "apps""#));
        assert_eq!(all[1].param("realm"), Some("simple"));
        assert!(
            AuthChallenge::preferred(&AuthChallenge::parse_all("Negotiate").unwrap()).is_none()
        );
    }

    #[test]
    fn token68_and_bare_schemes() {
        let all =
            Challenge::parse_all("Negotiate, NTLM abc+/def==, Basic realm=\"r\", Foo").unwrap();
        let schemes: Vec<_> = all.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Negotiate", "NTLM", "Basic", "Foo"]);
        assert_eq!(all[1].token68.as_deref(), Some("abc+/def=="));
        assert_eq!(all[2].param("realm"), Some("r"));
        assert!(matches!(
            AuthChallenge::from(all[1].clone()),
            AuthChallenge::Other(_)
        ));
    }

    #[test]
    fn lenient_and_odd_spacing() {
        let b = bearer(
            r#"bearer  realm = https://r.example/token , service="s" ,, scope="repository:a:pull repository:b:pull""#,
        );
        assert_eq!(b.realm, "https://r.example/token");
        assert_eq!(b.scopes().unwrap().len(), 2);
        let all = AuthChallenge::parse_all("Bearer service=\"x\"").unwrap();
        assert!(matches!(&all[0], AuthChallenge::Other(c) if c.is_scheme("bearer")));
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            " , ",
            "=",
            "Bearer realm=\"unterminated",
            "Bearer realm=\"a\" junk",
            "Bearer,realm=\"a\"",
            "Basic\trealm=\"x\"\"y\"",
            "Bearer realm=\"a\nb\"",
            "\"Bearer\"",
        ] {
            assert!(Challenge::parse_all(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Challenge::parse_all(""),
            Err(HeaderError::Empty { .. })
        ));
        // `realm=` alone is a valid token68 by the grammar.
        assert_eq!(
            Challenge::parse_all("Bearer realm=").unwrap()[0]
                .token68
                .as_deref(),
            Some("realm=")
        );
        assert!(Challenge::parse_values(std::iter::empty()).is_err());
    }

    #[test]
    fn server_side_challenges_round_trip() {
        let b = BearerChallenge::new("https://auth.example/token")
            .with_service("registry.example")
            .with_scopes(&[Scope::pull("a/b"), Scope::pull_push("c")])
            .with_error("insufficient_scope", Some("needs \"push\""));
        let text = b.to_string();
        assert_eq!(
            text,
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull repository:c:pull,push",error="insufficient_scope",error_description="needs \"push\"""#
        );
        assert_eq!(bearer(&text), b);
        let both = vec![
            AuthChallenge::Basic(BasicChallenge::new("x")),
            AuthChallenge::Bearer(BearerChallenge::new("y").with_service("z")),
        ];
        let text = format_challenges(&both);
        assert_eq!(text, r#"Basic realm="x", Bearer realm="y",service="z""#);
        assert_eq!(AuthChallenge::parse_all(&text).unwrap(), both);
    }

    #[test]
    fn token_url_with_existing_query_and_raw_scopes() {
        let b = BearerChallenge {
            scope: Some("weird repository:a:pull".into()),
            ..BearerChallenge::new("https://a.example/token?x=1")
        };
        assert_eq!(
            b.token_url(&[]),
            "https://a.example/token?x=1&scope=repository%3Aa%3Apull&scope=weird"
        );
        assert_eq!(
            BearerChallenge::new("https://t").token_url(&[]),
            "https://t"
        );
    }
}
