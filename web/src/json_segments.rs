//! A JSON document pretty-printed as text pieces, with every digest turned into a link target.

use ociscope_core::{media_type, Digest};
use serde_json::{Map, Value};

/// Where a digest in a document leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A manifest (its descriptor's media type is a manifest type).
    Manifest(String),
    /// A blob (config, layer or other content).
    Blob(String),
}

/// One piece of the printed document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text as printed (JSON syntax and values).
    Text(String),
    /// A quoted digest value that links to its target.
    Link {
        /// The text as printed, quotes included.
        text: String,
        /// Where it leads.
        target: Target,
    },
}

struct Printer {
    out: Vec<Segment>,
}

impl Printer {
    fn text(&mut self, s: &str) {
        match self.out.last_mut() {
            Some(Segment::Text(t)) => t.push_str(s),
            _ => self.out.push(Segment::Text(s.to_string())),
        }
    }

    fn quoted(s: &str) -> String {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }

    fn value(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Object(map) => self.object(map, indent),
            Value::Array(items) if items.is_empty() => self.text("[]"),
            Value::Array(items) => {
                self.text("[\n");
                for (i, item) in items.iter().enumerate() {
                    self.text(&"  ".repeat(indent + 1));
                    self.value(item, indent + 1);
                    self.text(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                self.text(&"  ".repeat(indent));
                self.text("]");
            }
            other => self.text(&other.to_string()),
        }
    }

    fn object(&mut self, map: &Map<String, Value>, indent: usize) {
        if map.is_empty() {
            self.text("{}");
            return;
        }
        let media = map.get("mediaType").and_then(Value::as_str);
        self.text("{\n");
        for (i, (key, v)) in map.iter().enumerate() {
            self.text(&"  ".repeat(indent + 1));
            self.text(&Printer::quoted(key));
            self.text(": ");
            match (key.as_str(), v) {
                ("digest" | "blobSum", Value::String(s)) if Digest::parse(s).is_ok() => {
                    let manifest = key == "digest" && media.is_some_and(media_type::is_manifest);
                    let target = if manifest {
                        Target::Manifest(s.clone())
                    } else {
                        Target::Blob(s.clone())
                    };
                    self.out.push(Segment::Link {
                        text: Printer::quoted(s),
                        target,
                    });
                }
                _ => self.value(v, indent + 1),
            }
            self.text(if i + 1 < map.len() { ",\n" } else { "\n" });
        }
        self.text(&"  ".repeat(indent));
        self.text("}");
    }
}

/// Pretty-prints `bytes` as JSON pieces; `None` when they are not JSON.
pub fn segments(bytes: &[u8]) -> Option<Vec<Segment>> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let mut p = Printer { out: Vec::new() };
    p.value(&value, 0);
    Some(p.out)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn digest(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    #[test]
    fn digests_link_to_manifests_or_blobs_by_media_type() {
        let doc = serde_json::json!({
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest('a'), "size": 1},
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest('b'), "size": 2}],
            "annotations": {"digest": "not-a-digest"}
        });
        let segs = segments(doc.to_string().as_bytes()).unwrap();
        let links: Vec<&Target> = segs
            .iter()
            .filter_map(|s| match s {
                Segment::Link { target, .. } => Some(target),
                _ => None,
            })
            .collect();
        assert_eq!(
            links,
            [&Target::Blob(digest('a')), &Target::Manifest(digest('b'))]
        );
        let printed: String = segs
            .iter()
            .map(|s| match s {
                Segment::Text(t) | Segment::Link { text: t, .. } => t.as_str(),
            })
            .collect();
        let reparsed: Value = serde_json::from_str(&printed).unwrap();
        assert_eq!(reparsed, doc);
        assert!(printed.contains("\n  \"config\": {\n"));
    }

    #[test]
    fn not_json_is_none_and_strings_stay_escaped() {
        assert_eq!(segments(b"<html>"), None);
        let segs = segments(br#"{"a":"<img src=x onerror=alert(1)>\"q"}"#).unwrap();
        assert_eq!(
            segs,
            [Segment::Text(
                "{\n  \"a\": \"<img src=x onerror=alert(1)>\\\"q\"\n}".into()
            )]
        );
    }
}
