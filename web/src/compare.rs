//! What differs between two images: configuration (env, entrypoint, cmd, labels, user,
//! working dir, ports, platform, created), layers shared, added and removed, and the size
//! change.
//!
//! Rules: environment variables are matched by name (the text before the first `=`), labels
//! by key, ports as written; a layer is shared when the same digest is in both images (at any
//! position), removed when only the first has it, added when only the second does. Sizes are
//! compressed sizes (config and layers, as the manifests say). Only what differs is listed.

use std::collections::{BTreeMap, BTreeSet};

use ociscope_core::Descriptor;
use ociscope_tools::config::{shell_words, ImageConfig};

/// One side of a comparison: an image's manifest and configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Side {
    /// The image's configuration, when it has an image configuration that loaded.
    pub config: Option<ImageConfig>,
    /// Its layers, in order.
    pub layers: Vec<Descriptor>,
    /// Config and layers, in bytes.
    pub size: u64,
}

/// A value that differs: what the first image has and what the second has (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// What differs: a field name, an environment variable, a label key or a port.
    pub name: String,
    /// In the first image.
    pub from: Option<String>,
    /// In the second image.
    pub to: Option<String>,
}

/// Where a layer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerStatus {
    /// In both images.
    Shared,
    /// Only in the first.
    Removed,
    /// Only in the second.
    Added,
}

/// Two images compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Configuration fields that differ (platform, created, entrypoint, cmd, user, working
    /// dir).
    pub fields: Vec<Difference>,
    /// Environment variables that differ, by name.
    pub env: Vec<Difference>,
    /// Labels that differ, by key.
    pub labels: Vec<Difference>,
    /// Exposed ports that only one image has.
    pub ports: Vec<Difference>,
    /// Every layer of both: the first image's in order, then the ones only the second has.
    pub layers: Vec<(Descriptor, LayerStatus)>,
    /// Size of the first image.
    pub size_from: u64,
    /// Size of the second image.
    pub size_to: u64,
}

impl Comparison {
    /// Bytes of layers with `status` (a digest counted once).
    pub fn layer_bytes(&self, status: LayerStatus) -> u64 {
        let mut seen = BTreeSet::new();
        self.layers
            .iter()
            .filter(|(d, s)| *s == status && seen.insert(d.digest.clone()))
            .map(|(d, _)| d.size)
            .sum()
    }

    /// The second image's size minus the first's.
    pub fn size_change(&self) -> i128 {
        i128::from(self.size_to) - i128::from(self.size_from)
    }

    /// True when nothing in the configuration differs.
    pub fn same_config(&self) -> bool {
        self.fields.is_empty()
            && self.env.is_empty()
            && self.labels.is_empty()
            && self.ports.is_empty()
    }
}

fn diff_maps(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<Difference> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| Difference {
            name: k.clone(),
            from: a.get(k).cloned(),
            to: b.get(k).cloned(),
        })
        .collect()
}

fn env_map(env: &[String]) -> BTreeMap<String, String> {
    env.iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect()
}

fn words(w: &[String]) -> Option<String> {
    (!w.is_empty()).then(|| shell_words(w))
}

/// The fields compared one to one, as shown.
fn fields(c: &ImageConfig) -> Vec<(&'static str, Option<String>)> {
    vec![
        (
            "platform",
            match (&c.os, c.architecture_with_variant()) {
                (Some(os), Some(a)) => Some(format!("{os}/{a}")),
                _ => None,
            },
        ),
        ("created", c.created.clone()),
        ("entrypoint", words(&c.entrypoint)),
        ("cmd", words(&c.cmd)),
        ("user", c.user.clone()),
        ("working dir", c.working_dir.clone()),
    ]
}

/// Compares `from` with `to`.
pub fn compare(from: &Side, to: &Side) -> Comparison {
    let empty = ImageConfig::default();
    let (a, b) = (
        from.config.as_ref().unwrap_or(&empty),
        to.config.as_ref().unwrap_or(&empty),
    );
    let fields = fields(a)
        .into_iter()
        .zip(fields(b))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((name, x), (_, y))| Difference {
            name: name.to_string(),
            from: x,
            to: y,
        })
        .collect();
    let ports = |c: &ImageConfig| -> BTreeMap<String, String> {
        c.exposed_ports
            .iter()
            .map(|p| (p.clone(), "exposed".to_string()))
            .collect()
    };
    let in_to: BTreeSet<_> = to.layers.iter().map(|d| &d.digest).collect();
    let in_from: BTreeSet<_> = from.layers.iter().map(|d| &d.digest).collect();
    let mut layers: Vec<(Descriptor, LayerStatus)> = from
        .layers
        .iter()
        .map(|d| {
            let status = if in_to.contains(&d.digest) {
                LayerStatus::Shared
            } else {
                LayerStatus::Removed
            };
            (d.clone(), status)
        })
        .collect();
    layers.extend(
        to.layers
            .iter()
            .filter(|d| !in_from.contains(&d.digest))
            .map(|d| (d.clone(), LayerStatus::Added)),
    );
    Comparison {
        fields,
        env: diff_maps(&env_map(&a.env), &env_map(&b.env)),
        labels: diff_maps(&a.labels, &b.labels),
        ports: diff_maps(&ports(a), &ports(b)),
        layers,
        size_from: from.size,
        size_to: to.size,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use ociscope_core::{media_type, Digest};

    use super::*;

    fn layer(content: &[u8]) -> Descriptor {
        Descriptor::new(
            media_type::OCI_LAYER_TAR_GZIP,
            Digest::sha256_of(content),
            content.len() as u64,
        )
    }

    fn side(json: &str, layers: &[&[u8]]) -> Side {
        let layers: Vec<Descriptor> = layers.iter().map(|l| layer(l)).collect();
        Side {
            config: ImageConfig::from_json(json.as_bytes()),
            size: layers.iter().map(|l| l.size).sum(),
            layers,
        }
    }

    #[test]
    fn config_differences_by_name_and_key() {
        let a = side(
            r#"{"os":"linux","architecture":"amd64","config":{"Env":["PATH=/bin","A=1","GONE=x"],
                "Cmd":["sh"],"User":"root","Labels":{"v":"1","same":"s"},"ExposedPorts":{"80/tcp":{}}}}"#,
            &[],
        );
        let b = side(
            r#"{"os":"linux","architecture":"arm64","config":{"Env":["PATH=/bin","A=2","NEW"],
                "Cmd":["sh"],"Entrypoint":["/init"],"Labels":{"v":"2","same":"s","added":"y"},
                "ExposedPorts":{"443/tcp":{}}}}"#,
            &[],
        );
        let c = compare(&a, &b);
        let d = |name: &str, from: Option<&str>, to: Option<&str>| Difference {
            name: name.into(),
            from: from.map(Into::into),
            to: to.map(Into::into),
        };
        assert_eq!(
            c.fields,
            [
                d("platform", Some("linux/amd64"), Some("linux/arm64")),
                d("entrypoint", None, Some("/init")),
                d("user", Some("root"), None),
            ]
        );
        assert_eq!(
            c.env,
            [
                d("A", Some("1"), Some("2")),
                d("GONE", Some("x"), None),
                d("NEW", None, Some(""))
            ]
        );
        assert_eq!(
            c.labels,
            [d("added", None, Some("y")), d("v", Some("1"), Some("2"))]
        );
        assert_eq!(
            c.ports,
            [
                d("443/tcp", None, Some("exposed")),
                d("80/tcp", Some("exposed"), None)
            ]
        );
        assert!(!c.same_config());
        assert!(compare(&a, &a).same_config());
    }

    #[test]
    fn layers_shared_added_removed_and_the_size_change() {
        let a = side("{}", &[b"base", b"old-app"]);
        let b = side("{}", &[b"base", b"new-app-bigger", b"extra"]);
        let c = compare(&a, &b);
        let statuses: Vec<(u64, LayerStatus)> =
            c.layers.iter().map(|(d, s)| (d.size, *s)).collect();
        assert_eq!(
            statuses,
            [
                (4, LayerStatus::Shared),
                (7, LayerStatus::Removed),
                (14, LayerStatus::Added),
                (5, LayerStatus::Added),
            ]
        );
        assert_eq!(c.layer_bytes(LayerStatus::Shared), 4);
        assert_eq!(c.layer_bytes(LayerStatus::Removed), 7);
        assert_eq!(c.layer_bytes(LayerStatus::Added), 19);
        assert_eq!(c.size_change(), 23 - 11);
        // An image without a configuration compares by layers alone.
        let bare = Side {
            config: None,
            ..a.clone()
        };
        assert!(compare(&bare, &a).same_config());
    }
}
