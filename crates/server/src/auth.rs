//! Authentication and authorization: HTTP Basic on every request, or bearer tokens from the
//! server's own token endpoint, with per-repository grants.
//!
//! Decisions:
//! - Grants (`--grant USER:REPO-GLOB:ACTIONS`, actions `pull`, `push`, `delete` or `*`) say who
//!   may do what; the user `anonymous` stands for requests without credentials. With no grants
//!   at all, every authenticated user may do everything and anonymous requests nothing.
//! - Listing the catalog (`registry:catalog:*`) is granted to users who may pull every
//!   repository (a grant whose pattern is `*`).
//! - `/v2/` needs valid credentials (Basic) or any valid token (Bearer), so clients discover the
//!   challenge there, as with CNCF distribution.
//! - Basic mode: no credentials and no anonymous grant → 401 with a Basic challenge; valid
//!   credentials but no grant → 403 `DENIED`.
//! - Bearer mode: a missing, unknown or expired token → 401 with `Bearer realm,service,scope`;
//!   a token without the scope → 401 with `error="insufficient_scope"` (Docker token spec).
//!   The realm is `http://<Host>/token`, the service `ociscope`.
//! - Tokens are opaque random strings kept in memory (from the standard library's randomly
//!   keyed SipHash: unpredictable enough for a test and demo server, not a security product).

use std::cell::{Cell, RefCell};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::time::{Duration, Instant};

use ociscope_core::headers::scope::{format_scopes, scopes_cover, ALL, DELETE, PULL, PUSH};
use ociscope_core::headers::{names, BasicChallenge, BearerChallenge, Scope};
use ociscope_core::ErrorCode;

use crate::config::{AuthMode, Config, Credentials};
use crate::error::HttpError;
use ociscope_core::glob::glob_match;

/// The user name that stands for requests without credentials in grants.
pub const ANONYMOUS: &str = "anonymous";
/// The `service` of bearer challenges and tokens.
pub const SERVICE: &str = "ociscope";
/// The realm of Basic challenges.
pub const BASIC_REALM: &str = "ociscope";

/// One grant: `user` may do `actions` on repositories matching `pattern`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// User name (`anonymous` for requests without credentials).
    pub user: String,
    /// Glob on repository names (`*` matches any run of characters, `/` included).
    pub pattern: String,
    /// Actions: `pull`, `push`, `delete` or `*`.
    pub actions: Vec<String>,
}

impl Grant {
    fn allows(&self, who: &str, repo: &str, action: &str) -> bool {
        self.user == who
            && glob_match(&self.pattern, repo)
            && self.actions.iter().any(|a| a == action || a == ALL)
    }
}

impl FromStr for Grant {
    type Err = String;

    /// Parses `user:repo-glob:actions` (actions comma-separated).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let help = "expected USER:REPO-GLOB:ACTIONS, actions among pull,push,delete,*";
        let (user, rest) = s.split_once(':').ok_or_else(|| format!("{s:?}: {help}"))?;
        let (pattern, actions) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("{s:?}: {help}"))?;
        if user.is_empty() || pattern.is_empty() {
            return Err(format!("{s:?}: {help}"));
        }
        let actions: Vec<String> = actions.split(',').map(|a| a.trim().to_string()).collect();
        if let Some(bad) = actions
            .iter()
            .find(|a| ![PULL, PUSH, DELETE, ALL].contains(&a.as_str()))
        {
            return Err(format!("{s:?}: unknown action {bad:?}; {help}"));
        }
        Ok(Grant {
            user: user.to_string(),
            pattern: pattern.to_string(),
            actions,
        })
    }
}

/// What a request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Only to be authenticated (`/v2/`).
    Authenticated,
    /// These scopes.
    Scopes(Vec<Scope>),
}

struct Token {
    scopes: Vec<Scope>,
    expires: Instant,
}

/// Decides who may do what, and issues tokens.
pub struct Authorizer {
    mode: AuthMode,
    users: Vec<Credentials>,
    grants: Vec<Grant>,
    lifetime: Duration,
    tokens: RefCell<HashMap<String, Token>>,
    counter: Cell<u64>,
    keys: RandomState,
}

impl Authorizer {
    /// The authorizer of this configuration.
    pub fn new(config: &Config) -> Authorizer {
        Authorizer {
            mode: config.auth,
            users: config.users.clone(),
            grants: config.grants.clone(),
            lifetime: Duration::from_secs(config.token_lifetime_secs),
            tokens: RefCell::new(HashMap::new()),
            counter: Cell::new(0),
            keys: RandomState::new(),
        }
    }

    /// True when requests need credentials of some kind.
    pub fn enabled(&self) -> bool {
        self.mode != AuthMode::None
    }

    /// True when the token endpoint is served.
    pub fn issues_tokens(&self) -> bool {
        self.mode == AuthMode::Bearer
    }

    /// The user of Basic credentials: `Ok(None)` without credentials, `Err` for wrong ones.
    fn basic_user(&self, authorization: Option<&str>) -> Result<Option<String>, ()> {
        let Some(value) = authorization else {
            return Ok(None);
        };
        let (scheme, rest) = value.trim().split_once(' ').ok_or(())?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(());
        }
        let decoded = base64_decode(rest.trim()).ok_or(())?;
        let text = String::from_utf8(decoded).map_err(|_| ())?;
        let given: Credentials = text.parse().map_err(|_| ())?;
        self.users
            .contains(&given)
            .then_some(Some(given.user))
            .ok_or(())
    }

    fn allowed(&self, user: Option<&str>, scope: &Scope, action: &str) -> bool {
        if self.grants.is_empty() {
            return user.is_some();
        }
        let who = user.unwrap_or(ANONYMOUS);
        match scope.resource_type.as_str() {
            "repository" => self
                .grants
                .iter()
                .any(|g| g.allows(who, &scope.name, action)),
            "registry" if scope.name == "catalog" => self
                .grants
                .iter()
                .any(|g| g.user == who && g.pattern == "*" && g.allows(who, "", PULL)),
            _ => false,
        }
    }

    fn anonymous_has_grants(&self) -> bool {
        self.grants.iter().any(|g| g.user == ANONYMOUS)
    }

    /// The scope granted to `user` out of `wanted` (actions not granted are dropped).
    fn grant(&self, user: Option<&str>, wanted: &Scope) -> Option<Scope> {
        let actions: Vec<String> = if wanted.actions.iter().any(|a| a == ALL) {
            let all = [PULL, PUSH, DELETE];
            let granted: Vec<String> = all
                .iter()
                .filter(|a| self.allowed(user, wanted, a))
                .map(|a| a.to_string())
                .collect();
            if granted.len() == all.len()
                || wanted.resource_type == "registry" && !granted.is_empty()
            {
                vec![ALL.to_string()]
            } else {
                granted
            }
        } else {
            wanted
                .actions
                .iter()
                .filter(|a| self.allowed(user, wanted, a))
                .cloned()
                .collect()
        };
        (!actions.is_empty()).then(|| Scope {
            resource_type: wanted.resource_type.clone(),
            name: wanted.name.clone(),
            actions,
        })
    }

    /// Checks a request; `host` is its `Host` header (for the token realm).
    pub fn check(
        &self,
        authorization: Option<&str>,
        host: &str,
        access: &Access,
    ) -> Result<(), HttpError> {
        match self.mode {
            AuthMode::None => Ok(()),
            AuthMode::Basic => self.check_basic(authorization, access),
            AuthMode::Bearer => self.check_bearer(authorization, host, access),
        }
    }

    fn check_basic(&self, authorization: Option<&str>, access: &Access) -> Result<(), HttpError> {
        let challenge = || {
            HttpError::new(ErrorCode::Unauthorized, "authentication required").header(
                names::WWW_AUTHENTICATE,
                BasicChallenge::new(BASIC_REALM).to_string(),
            )
        };
        let user = self.basic_user(authorization).map_err(|_| challenge())?;
        match access {
            Access::Authenticated => {
                if user.is_some() || self.anonymous_has_grants() {
                    Ok(())
                } else {
                    Err(challenge())
                }
            }
            Access::Scopes(scopes) => {
                let ok = scopes.iter().all(|s| {
                    s.actions
                        .iter()
                        .all(|a| self.allowed(user.as_deref(), s, a))
                });
                match (ok, user) {
                    (true, _) => Ok(()),
                    (false, None) => Err(challenge()),
                    (false, Some(user)) => Err(HttpError::new(
                        ErrorCode::Denied,
                        format!("user {user:?} may not {}", format_scopes(scopes)),
                    )),
                }
            }
        }
    }

    fn check_bearer(
        &self,
        authorization: Option<&str>,
        host: &str,
        access: &Access,
    ) -> Result<(), HttpError> {
        let wanted: &[Scope] = match access {
            Access::Authenticated => &[],
            Access::Scopes(s) => s,
        };
        let challenge = |error: Option<&str>| {
            let mut c = BearerChallenge::new(format!("http://{host}/token")).with_service(SERVICE);
            if !wanted.is_empty() {
                c = c.with_scopes(wanted);
            }
            if let Some(error) = error {
                c = c.with_error(error, None);
            }
            HttpError::new(ErrorCode::Unauthorized, "authentication required")
                .header(names::WWW_AUTHENTICATE, c.to_string())
        };
        let Some(value) = authorization else {
            return Err(challenge(None));
        };
        let token = match value.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(challenge(Some("invalid_token"))),
        };
        let mut tokens = self.tokens.borrow_mut();
        let now = Instant::now();
        tokens.retain(|_, t| t.expires > now);
        let Some(held) = tokens.get(token) else {
            return Err(challenge(Some("invalid_token")));
        };
        if scopes_cover(&held.scopes, wanted) {
            Ok(())
        } else {
            Err(challenge(Some("insufficient_scope")))
        }
    }

    /// Answers `GET /token?service=…&scope=…`: a JSON token with the scopes granted.
    pub fn issue_token(
        &self,
        authorization: Option<&str>,
        query: &[(String, String)],
    ) -> Result<String, HttpError> {
        let user = self.basic_user(authorization).map_err(|_| {
            HttpError::new(ErrorCode::Unauthorized, "invalid credentials").header(
                names::WWW_AUTHENTICATE,
                BasicChallenge::new(BASIC_REALM).to_string(),
            )
        })?;
        let mut granted = Vec::new();
        for (key, value) in query {
            if key != "scope" {
                continue;
            }
            let scopes = Scope::parse_list(value).map_err(|e| {
                HttpError::with_status(400, ErrorCode::Unsupported, format!("invalid scope: {e}"))
            })?;
            granted.extend(scopes.iter().filter_map(|s| self.grant(user.as_deref(), s)));
        }
        let token = self.random_token();
        let expires_in = self.lifetime.as_secs();
        self.tokens.borrow_mut().insert(
            token.clone(),
            Token {
                scopes: granted,
                expires: Instant::now() + self.lifetime,
            },
        );
        Ok(serde_json::json!({
            "token": token,
            "access_token": token,
            "expires_in": expires_in,
        })
        .to_string())
    }

    fn random_token(&self) -> String {
        (0..4)
            .map(|_| {
                let n = self.counter.get().wrapping_add(1);
                self.counter.set(n);
                let mut h = self.keys.build_hasher();
                h.write_u64(n);
                format!("{:016x}", h.finish())
            })
            .collect()
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard padded base64 of `bytes` (for Basic credentials).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard padded base64; `None` when malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || pad > 0 && !last {
            return None;
        }
        let mut n = 0u32;
        for &b in &chunk[..4 - pad] {
            let v = ALPHABET.iter().position(|&a| a == b)? as u32;
            n = n << 6 | v;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

/// The `Authorization` value of Basic credentials.
pub fn basic_authorization(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:{password}").as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "user:pa:ss", "\u{e9}t\u{e9}"] {
            let enc = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&enc).unwrap(), text.as_bytes(), "{text}");
        }
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        for bad in ["a", "ab=c", "a===", "ab$c", "YQ==YQ=="] {
            assert!(base64_decode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn grants_parse() {
        let g: Grant = "alice:library/*:pull,push".parse().unwrap();
        assert_eq!(g.pattern, "library/*");
        assert!(g.allows("alice", "library/x", PUSH));
        assert!(!g.allows("alice", "library/x", DELETE));
        assert!(!g.allows("bob", "library/x", PULL));
        for bad in ["alice", "alice:x", ":x:pull", "alice:x:fly"] {
            assert!(bad.parse::<Grant>().is_err(), "{bad}");
        }
    }
}
