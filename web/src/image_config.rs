//! The parts of an image configuration (OCI or Docker) the manifest view shows.
//!
//! Read leniently from JSON: a field of an unexpected type is treated as absent, so a
//! malformed config still shows what it can.

use std::collections::BTreeMap;

use serde_json::Value;

/// One step of an image's history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryStep {
    /// When the step ran.
    pub created: Option<String>,
    /// The command that made it.
    pub created_by: Option<String>,
    /// A comment.
    pub comment: Option<String>,
    /// True when the step made no layer.
    pub empty_layer: bool,
}

/// What an image configuration says about the image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// Creation time (RFC 3339).
    pub created: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Operating system.
    pub os: Option<String>,
    /// CPU architecture (with variant when given).
    pub architecture: Option<String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Default command.
    pub cmd: Vec<String>,
    /// Environment, `NAME=value`.
    pub env: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Exposed ports such as `80/tcp`.
    pub exposed_ports: Vec<String>,
    /// Volumes.
    pub volumes: Vec<String>,
    /// History, oldest first.
    pub history: Vec<HistoryStep>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn keys(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Object(o)) => o.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

impl ImageConfig {
    /// Reads a configuration from its JSON bytes; `None` if they are not a JSON object.
    pub fn from_json(bytes: &[u8]) -> Option<ImageConfig> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let root = value.as_object()?;
        let config = root.get("config").or_else(|| root.get("container_config"));
        let config = config.and_then(Value::as_object);
        let field = |name: &str| config.and_then(|c| c.get(name));
        let labels = match field("Labels") {
            Some(Value::Object(o)) => o
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => BTreeMap::new(),
        };
        let architecture =
            text(root.get("architecture")).map(|a| match text(root.get("variant")) {
                Some(v) => format!("{a}/{v}"),
                None => a,
            });
        let history = match root.get("history") {
            Some(Value::Array(steps)) => steps
                .iter()
                .filter_map(Value::as_object)
                .map(|s| HistoryStep {
                    created: text(s.get("created")),
                    created_by: text(s.get("created_by")),
                    comment: text(s.get("comment")),
                    empty_layer: s.get("empty_layer").and_then(Value::as_bool) == Some(true),
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(ImageConfig {
            created: text(root.get("created")),
            author: text(root.get("author")),
            os: text(root.get("os")),
            architecture,
            entrypoint: strings(field("Entrypoint")),
            cmd: strings(field("Cmd")),
            env: strings(field("Env")),
            labels,
            working_dir: text(field("WorkingDir")),
            user: text(field("User")),
            exposed_ports: keys(field("ExposedPorts")),
            volumes: keys(field("Volumes")),
            history,
        })
    }
}

/// Shows a command as a shell would read it: words joined by spaces, quoted when needed.
pub fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn reads_every_field_shown() {
        let json = br#"{
            "created": "2024-01-02T03:04:05Z", "author": "me", "os": "linux",
            "architecture": "arm64", "variant": "v8",
            "config": {
                "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"],
                "Env": ["PATH=/bin"], "Labels": {"a": "b"}, "WorkingDir": "/app",
                "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "User": "1000"
            },
            "history": [
                {"created_by": "ADD file", "created": "2024-01-01T00:00:00Z"},
                {"created_by": "ENV X=1", "empty_layer": true}
            ]
        }"#;
        let c = ImageConfig::from_json(json).unwrap();
        assert_eq!(c.created.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(c.author.as_deref(), Some("me"));
        assert_eq!(c.architecture.as_deref(), Some("arm64/v8"));
        assert_eq!(c.entrypoint, ["/bin/sh", "-c"]);
        assert_eq!(c.cmd, ["echo hi"]);
        assert_eq!(c.env, ["PATH=/bin"]);
        assert_eq!(c.labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(c.working_dir.as_deref(), Some("/app"));
        assert_eq!(c.exposed_ports, ["53/udp", "80/tcp"]);
        assert_eq!(c.history.len(), 2);
        assert!(!c.history[0].empty_layer);
        assert!(c.history[1].empty_layer);
        assert_eq!(c.history[1].created_by.as_deref(), Some("ENV X=1"));
    }

    #[test]
    fn lenient_with_wrong_types_and_refuses_non_objects() {
        let c = ImageConfig::from_json(br#"{"created": 5, "config": {"Cmd": "sh", "Env": 3}}"#)
            .unwrap();
        assert_eq!(c.created, None);
        assert_eq!(c.cmd, ["sh"]);
        assert!(c.env.is_empty());
        assert_eq!(ImageConfig::from_json(b"[1]"), None);
        assert_eq!(ImageConfig::from_json(b"not json"), None);
    }

    #[test]
    fn shell_words_quote_when_needed() {
        let w = |v: &[&str]| shell_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&["/bin/sh", "-c", "echo hi"]), "/bin/sh -c 'echo hi'");
        assert_eq!(w(&["it's"]), r"'it'\''s'");
        assert_eq!(w(&[""]), "''");
    }
}
