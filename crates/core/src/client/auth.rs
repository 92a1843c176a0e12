//! Authentication: anonymous, Basic, and Bearer tokens fetched from the realm a registry's
//! `WWW-Authenticate` challenge names, cached per scope.
//!
//! Decisions: credentials go only to the registry's origin and to the token realm, never to a
//! redirect target elsewhere (the caller checks origins before asking for a header). Basic
//! credentials are sent to the registry only after it challenged Basic. Tokens carry no clock
//! here: an expired token shows as a 401, which drops it and fetches a new one once.

use std::cell::RefCell;

use bytes::Bytes;
use serde_json::Value;

use crate::descriptor::encode_standard;
use crate::headers::names::{AUTHORIZATION, WWW_AUTHENTICATE};
use crate::headers::scope::scopes_cover;
use crate::headers::{AuthChallenge, BearerChallenge, Scope};
use crate::registry_error::{ErrorCode, RegistryError};
use crate::spec::{Error, ErrorKind};

use super::transport::{Headers, Method, Request};

/// What the client proves itself with.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing: anonymous tokens where the registry hands them out.
    #[default]
    Anonymous,
    /// A user name and password (Basic to the registry or to the token realm).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// A ready bearer token, sent as is.
    Token(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credentials::Token(_) => f.write_str("Token(***)"),
        }
    }
}

impl Credentials {
    /// Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Basic { username, password } => Some(format!(
                "Basic {}",
                encode_standard(format!("{username}:{password}").as_bytes())
            )),
            _ => None,
        }
    }
}

/// What to do after a 401.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Send the request again (now with Basic credentials).
    Retry,
    /// Fetch a token with this request, store it with [`Auth::store_token`], then retry.
    FetchToken(Request, Vec<Scope>),
    /// Nothing more can be tried: report the 401.
    GiveUp,
}

/// The client's authentication state.
#[derive(Debug, Default)]
pub struct Auth {
    credentials: Credentials,
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    basic: bool,
    bearer: Option<BearerChallenge>,
    tokens: Vec<(Vec<Scope>, String)>,
}

impl Auth {
    /// Authentication with these credentials.
    pub fn new(credentials: Credentials) -> Auth {
        Auth {
            credentials,
            state: RefCell::default(),
        }
    }

    /// The `Authorization` value for a registry request needing `scopes`, if any is known.
    pub fn header(&self, scopes: &[Scope]) -> Option<String> {
        if let Credentials::Token(t) = &self.credentials {
            return Some(format!("Bearer {t}"));
        }
        let state = self.state.borrow();
        if state.bearer.is_some() {
            return state
                .tokens
                .iter()
                .rev()
                .find(|(held, _)| scopes_cover(held, scopes))
                .map(|(_, t)| format!("Bearer {t}"));
        }
        if state.basic {
            return self.credentials.basic_header();
        }
        None
    }

    /// Decides what to do about a 401 whose challenge headers are `headers`; `sent` is the
    /// `Authorization` the refused request carried.
    pub fn on_unauthorized(
        &self,
        headers: &Headers,
        scopes: &[Scope],
        sent: Option<&str>,
    ) -> Result<Answer, Error> {
        let challenges = AuthChallenge::parse_values(headers.get_all(WWW_AUTHENTICATE))
            .map_err(|e| Error::other(ErrorKind::Protocol, e.to_string()))?;
        let mut state = self.state.borrow_mut();
        match AuthChallenge::preferred(&challenges) {
            Some(AuthChallenge::Basic(_)) => {
                if state.basic || self.credentials.basic_header().is_none() {
                    return Ok(Answer::GiveUp);
                }
                state.basic = true;
                Ok(Answer::Retry)
            }
            Some(AuthChallenge::Bearer(challenge)) => {
                if matches!(self.credentials, Credentials::Token(_)) {
                    return Ok(Answer::GiveUp);
                }
                // The token that was refused is dropped; a second refusal of a fresh one ends.
                if let Some(sent) = sent.and_then(|s| s.strip_prefix("Bearer ")) {
                    let before = state.tokens.len();
                    state.tokens.retain(|(_, t)| t != sent);
                    if before == state.tokens.len() {
                        return Ok(Answer::GiveUp);
                    }
                }
                let mut wanted: Vec<Scope> = challenge.scopes().unwrap_or_default();
                wanted.extend(scopes.iter().cloned());
                let url = challenge.token_url(scopes);
                let mut headers = Headers::default();
                if let Some(basic) = self.credentials.basic_header() {
                    headers.push(AUTHORIZATION, basic);
                }
                state.bearer = Some(challenge.clone());
                Ok(Answer::FetchToken(
                    Request {
                        method: Method::Get,
                        url,
                        headers,
                        body: Default::default(),
                    },
                    wanted,
                ))
            }
            _ => Ok(Answer::GiveUp),
        }
    }

    /// Stores the token of a token endpoint's answer (`token` or `access_token`) for `scopes`.
    pub fn store_token(&self, status: u16, body: &Bytes, scopes: Vec<Scope>) -> Result<(), Error> {
        if !(200..300).contains(&status) {
            let mut e = RegistryError::from_response(status, body);
            if e.errors.is_empty() {
                e.errors.push(
                    crate::registry_error::ErrorInfo::new(ErrorCode::Unauthorized)
                        .with_message(format!("the token endpoint answered {status}")),
                );
            }
            return Err(Error::Registry(e));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            Error::other(
                ErrorKind::Protocol,
                format!("token answer is not JSON: {e}"),
            )
        })?;
        let token = ["token", "access_token"]
            .iter()
            .find_map(|k| {
                value
                    .get(k)
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
            })
            .ok_or_else(|| Error::other(ErrorKind::Protocol, "token answer holds no token"))?;
        self.state
            .borrow_mut()
            .tokens
            .push((scopes, token.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn challenge(value: &str) -> Headers {
        let mut h = Headers::default();
        h.push(WWW_AUTHENTICATE, value);
        h
    }

    #[test]
    fn basic_only_after_a_basic_challenge() {
        let auth = Auth::new(Credentials::basic("u", "p"));
        assert_eq!(auth.header(&[]), None);
        let a = auth
            .on_unauthorized(&challenge(r#"Basic realm="r""#), &[], None)
            .unwrap();
        assert_eq!(a, Answer::Retry);
        assert_eq!(auth.header(&[]).as_deref(), Some("Basic dTpw"));
        // Refused again with Basic: give up rather than loop.
        let a = auth
            .on_unauthorized(&challenge(r#"Basic realm="r""#), &[], Some("Basic dTpw"))
            .unwrap();
        assert_eq!(a, Answer::GiveUp);
        // Anonymous clients cannot answer Basic.
        let anon = Auth::new(Credentials::Anonymous);
        let a = anon
            .on_unauthorized(&challenge(r#"Basic realm="r""#), &[], None)
            .unwrap();
        assert_eq!(a, Answer::GiveUp);
    }

    #[test]
    fn bearer_tokens_are_fetched_from_the_realm_and_cached_per_scope() {
        let auth = Auth::new(Credentials::basic("u", "p"));
        let pull = [Scope::pull("a")];
        let h = challenge(
            r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull""#,
        );
        let Answer::FetchToken(req, scopes) = auth.on_unauthorized(&h, &pull, None).unwrap() else {
            panic!("expected a token fetch");
        };
        assert!(
            req.url
                .starts_with("https://auth.example/token?service=reg&scope=repository%3Aa%3Apull"),
            "{}",
            req.url
        );
        assert_eq!(req.headers.get(AUTHORIZATION), Some("Basic dTpw"));
        auth.store_token(200, &Bytes::from_static(br#"{"token":"t1"}"#), scopes)
            .unwrap();
        assert_eq!(auth.header(&pull).as_deref(), Some("Bearer t1"));
        // A push scope is not covered by the pull token.
        assert_eq!(auth.header(&[Scope::pull_push("a")]), None);
        // The token refused: dropped, and a new one fetched.
        let a = auth.on_unauthorized(&h, &pull, Some("Bearer t1")).unwrap();
        assert!(matches!(a, Answer::FetchToken(..)));
        assert_eq!(auth.header(&pull), None);
        // A fresh request refused with a token we do not hold: give up.
        let a = auth
            .on_unauthorized(&h, &pull, Some("Bearer other"))
            .unwrap();
        assert_eq!(a, Answer::GiveUp);
    }

    #[test]
    fn token_endpoint_failures_are_typed() {
        let auth = Auth::default();
        let e = auth.store_token(401, &Bytes::new(), vec![]).unwrap_err();
        assert!(e.has_code(ErrorCode::Unauthorized));
        let e = auth
            .store_token(200, &Bytes::from_static(b"{}"), vec![])
            .unwrap_err();
        assert_eq!(e.kind(), Some(ErrorKind::Protocol));
        auth.store_token(200, &Bytes::from_static(br#"{"access_token":"x"}"#), vec![])
            .unwrap();
    }
}
