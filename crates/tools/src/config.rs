//! What an image configuration (OCI `application/vnd.oci.image.config.v1+json` or Docker
//! `application/vnd.docker.container.image.v1+json`) says about its image: platform, created,
//! author, entrypoint, cmd, env, labels, working dir, user, ports, volumes, history.
//!
//! Read leniently from JSON: a field of an unexpected type is treated as absent, so a malformed
//! config still shows what it can; only bytes that are not a JSON object give `None`. The
//! runtime fields are read from `config`, else from Docker's older `container_config`.

use std::collections::BTreeMap;

use ociscope_core::Platform;
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
    /// Operating system (`linux`, `windows`).
    pub os: Option<String>,
    /// CPU architecture (`amd64`, `arm64`), without the variant.
    pub architecture: Option<String>,
    /// CPU variant (`v7`, `v8`).
    pub variant: Option<String>,
    /// Operating system version (`os.version`, e.g. a Windows build).
    pub os_version: Option<String>,
    /// Operating system features required (`os.features`).
    pub os_features: Vec<String>,
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
            architecture: text(root.get("architecture")),
            variant: text(root.get("variant")),
            os_version: text(root.get("os.version")),
            os_features: strings(root.get("os.features")),
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

    /// The platform the config names, when it has both an os and an architecture.
    pub fn platform(&self) -> Option<Platform> {
        let (os, architecture) = (self.os.as_deref()?, self.architecture.as_deref()?);
        let mut p = Platform::new(os, architecture);
        p.variant = self.variant.clone();
        p.os_version = self.os_version.clone();
        p.os_features = self.os_features.clone();
        Some(p)
    }

    /// The architecture with its variant, as people write it (`arm64/v8`).
    pub fn architecture_with_variant(&self) -> Option<String> {
        let a = self.architecture.as_deref()?;
        Some(match &self.variant {
            Some(v) => format!("{a}/{v}"),
            None => a.to_string(),
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
                "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "User": "1000",
                "Volumes": {"/data": {}}
            },
            "history": [
                {"created_by": "ADD file", "created": "2024-01-01T00:00:00Z"},
                {"created_by": "ENV X=1", "empty_layer": true}
            ]
        }"#;
        let c = ImageConfig::from_json(json).unwrap();
        assert_eq!(c.created.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(c.author.as_deref(), Some("me"));
        assert_eq!(c.architecture.as_deref(), Some("arm64"));
        assert_eq!(c.architecture_with_variant().as_deref(), Some("arm64/v8"));
        assert_eq!(c.entrypoint, ["/bin/sh", "-c"]);
        assert_eq!(c.cmd, ["echo hi"]);
        assert_eq!(c.env, ["PATH=/bin"]);
        assert_eq!(c.labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(c.working_dir.as_deref(), Some("/app"));
        assert_eq!(c.user.as_deref(), Some("1000"));
        assert_eq!(c.exposed_ports, ["53/udp", "80/tcp"]);
        assert_eq!(c.volumes, ["/data"]);
        assert_eq!(c.history.len(), 2);
        assert!(!c.history[0].empty_layer);
        assert!(c.history[1].empty_layer);
        assert_eq!(c.history[1].created_by.as_deref(), Some("ENV X=1"));
        assert_eq!(c.platform().unwrap().to_string(), "linux/arm64/v8");
    }

    #[test]
    fn windows_platforms_keep_version_and_features() {
        let c = ImageConfig::from_json(
            br#"{"os": "windows", "architecture": "amd64", "os.version": "10.0.17763.1879",
                 "os.features": ["win32k"]}"#,
        )
        .unwrap();
        let p = c.platform().unwrap();
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763.1879"));
        assert_eq!(p.os_features, ["win32k"]);
        assert_eq!(p.variant, None);
        let no_arch = ImageConfig::from_json(br#"{"os": "linux"}"#).unwrap();
        assert_eq!(no_arch.platform(), None);
    }

    #[test]
    fn lenient_with_wrong_types_and_refuses_non_objects() {
        let c = ImageConfig::from_json(
            br#"{"created": 5, "config": {"Cmd": "sh", "Env": 3}, "os.features": 1}"#,
        )
        .unwrap();
        assert_eq!(c.created, None);
        assert_eq!(c.cmd, ["sh"]);
        assert!(c.env.is_empty());
        assert!(c.os_features.is_empty());
        let old = ImageConfig::from_json(br#"{"container_config": {"Cmd": ["a"]}}"#).unwrap();
        assert_eq!(old.cmd, ["a"]);
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
