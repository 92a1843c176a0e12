//! Token scopes (`repository:library/ubuntu:pull,push`) as used by the Docker token protocol.
//!
//! A scope is `type:name:actions`. The type is everything before the first `:` (it may carry a
//! class, `repository(plugin)`), the actions everything after the last `:` (comma-separated), and
//! the name what lies between, so names holding `:` (`localhost:5000/x`) survive. Several scopes
//! in one string are separated by spaces.

use std::fmt;

use super::grammar::percent_encode;
use super::HeaderError;

const SCOPE: &str = "scope";

/// The `pull` action.
pub const PULL: &str = "pull";
/// The `push` action.
pub const PUSH: &str = "push";
/// The `delete` action.
pub const DELETE: &str = "delete";
/// The wildcard action (`*`), granting every action.
pub const ALL: &str = "*";

/// One access scope: resource type, resource name and actions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The resource type (`repository`, `registry`, `repository(plugin)`).
    pub resource_type: String,
    /// The resource name (`library/ubuntu`, `catalog`).
    pub name: String,
    /// The actions (`pull`, `push`, `delete`, `*`).
    pub actions: Vec<String>,
}

impl Scope {
    /// A scope with these parts (not validated; see [`Scope::parse`] for the rules).
    pub fn new(resource_type: &str, name: &str, actions: &[&str]) -> Scope {
        Scope {
            resource_type: resource_type.to_string(),
            name: name.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// A `repository:<name>:<actions>` scope.
    pub fn repository(name: &str, actions: &[&str]) -> Scope {
        Scope::new("repository", name, actions)
    }

    /// `repository:<name>:pull`.
    pub fn pull(name: &str) -> Scope {
        Scope::repository(name, &[PULL])
    }

    /// `repository:<name>:pull,push`.
    pub fn pull_push(name: &str) -> Scope {
        Scope::repository(name, &[PULL, PUSH])
    }

    /// `registry:catalog:*`, needed to list repositories.
    pub fn catalog() -> Scope {
        Scope::new("registry", "catalog", &[ALL])
    }

    /// Parses one scope (`type:name:action[,action…]`).
    pub fn parse(text: &str) -> Result<Scope, HeaderError> {
        let bad = |at: usize, reason| HeaderError::syntax(SCOPE, text, at, reason);
        if let Some(at) = text.find(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(bad(at, "whitespace or control character in a scope"));
        }
        let first = text
            .find(':')
            .ok_or_else(|| bad(0, "expected type:name:actions"))?;
        let last = text.rfind(':').unwrap_or(first);
        if last == first {
            return Err(bad(first, "expected type:name:actions"));
        }
        let (resource_type, name, actions) =
            (&text[..first], &text[first + 1..last], &text[last + 1..]);
        if resource_type.is_empty() {
            return Err(bad(0, "empty resource type"));
        }
        if name.is_empty() {
            return Err(bad(first + 1, "empty resource name"));
        }
        let actions: Vec<String> = actions.split(',').map(str::to_string).collect();
        if actions.iter().any(String::is_empty) {
            return Err(bad(last + 1, "empty action"));
        }
        Ok(Scope {
            resource_type: resource_type.to_string(),
            name: name.to_string(),
            actions,
        })
    }

    /// Parses space-separated scopes (as in a challenge's `scope` parameter).
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, HeaderError> {
        text.split_ascii_whitespace().map(Scope::parse).collect()
    }

    /// True if this scope grants `action` (directly or through `*`).
    pub fn allows(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action || a == ALL)
    }

    /// True if this scope grants everything `other` asks for (same resource, superset of actions).
    pub fn covers(&self, other: &Scope) -> bool {
        self.resource_type == other.resource_type
            && self.name == other.name
            && other.actions.iter().all(|a| self.allows(a))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.resource_type,
            self.name,
            self.actions.join(",")
        )
    }
}

impl std::str::FromStr for Scope {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::parse(s)
    }
}

/// Merges scopes on the same resource into one, keeping first-seen order and unique actions.
pub fn merge_scopes(scopes: impl IntoIterator<Item = Scope>) -> Vec<Scope> {
    let mut out: Vec<Scope> = Vec::new();
    for scope in scopes {
        match out
            .iter_mut()
            .find(|s| s.resource_type == scope.resource_type && s.name == scope.name)
        {
            Some(existing) => {
                for action in scope.actions {
                    if !existing.actions.contains(&action) {
                        existing.actions.push(action);
                    }
                }
            }
            None => {
                let mut scope = scope;
                let mut unique: Vec<String> = Vec::new();
                for action in scope.actions.drain(..) {
                    if !unique.contains(&action) {
                        unique.push(action);
                    }
                }
                scope.actions = unique;
                out.push(scope);
            }
        }
    }
    out
}

/// True if every scope wanted is covered by one of the scopes held (for a token cache).
pub fn scopes_cover(held: &[Scope], wanted: &[Scope]) -> bool {
    let held = merge_scopes(held.iter().cloned());
    wanted.iter().all(|w| held.iter().any(|h| h.covers(w)))
}

/// Space-separated scopes, as a challenge's `scope` parameter carries them.
pub fn format_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The query of a token request: `service=…&scope=…&scope=…`, percent-encoded.
pub fn token_query(service: Option<&str>, scopes: &[Scope]) -> String {
    let mut parts = Vec::new();
    if let Some(service) = service {
        parts.push(format!("service={}", percent_encode(service)));
    }
    for scope in scopes {
        parts.push(format!("scope={}", percent_encode(&scope.to_string())));
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_repository_scopes() {
        let s = Scope::parse("repository:library/ubuntu:pull").unwrap();
        assert_eq!(s, Scope::pull("library/ubuntu"));
        let s = Scope::parse("repository:localhost:5000/app:pull,push").unwrap();
        assert_eq!(s.name, "localhost:5000/app");
        assert_eq!(s.actions, ["pull", "push"]);
        let s = Scope::parse("repository(plugin):vieux/sshfs:pull").unwrap();
        assert_eq!(s.resource_type, "repository(plugin)");
        assert_eq!(
            Scope::parse("registry:catalog:*").unwrap(),
            Scope::catalog()
        );
    }

    #[test]
    fn rejects_malformed_scopes() {
        for bad in [
            "",
            "repository",
            "repository:x",
            ":x:pull",
            "repository::pull",
            "repository:x:",
            "repository:x:pull,",
            "repository:x y:pull",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_merge_and_cover() {
        let list = Scope::parse_list("repository:a:pull  repository:b:push repository:a:push,pull")
            .unwrap();
        assert_eq!(list.len(), 3);
        let merged = merge_scopes(list);
        assert_eq!(
            format_scopes(&merged),
            "repository:a:pull,push repository:b:push"
        );
        assert!(merged[0].covers(&Scope::pull("a")));
        assert!(!merged[1].covers(&Scope::pull("b")));
        assert!(Scope::catalog().covers(&Scope::new("registry", "catalog", &["list"])));
        assert!(scopes_cover(
            &[Scope::pull("a"), Scope::repository("a", &[PUSH])],
            &[Scope::pull_push("a")]
        ));
        assert!(!scopes_cover(&[Scope::pull("a")], &[Scope::pull("b")]));
        assert_eq!(
            merge_scopes([Scope::repository("x", &["pull", "pull"])])[0].actions,
            ["pull"]
        );
    }

    #[test]
    fn token_query_is_encoded() {
        assert_eq!(
            token_query(
                Some("registry.docker.io"),
                &[Scope::pull("library/ubuntu"), Scope::pull_push("me/app")]
            ),
            "service=registry.docker.io&scope=repository%3Alibrary%2Fubuntu%3Apull&scope=repository%3Ame%2Fapp%3Apull%2Cpush"
        );
        assert_eq!(token_query(None, &[]), "");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "repository:a/b:pull",
            "registry:catalog:*",
            "repository:h:1/x:delete,pull",
        ] {
            assert_eq!(Scope::parse(text).unwrap().to_string(), text);
        }
    }
}
