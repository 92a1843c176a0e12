//! Platforms (`os/architecture/variant`) of image index entries: parsing, printing,
//! normalization and matching in the manner of containerd's `platforms` package.
//!
//! Normalization (as containerd's `Normalize`): names are lowercased; `macos` becomes `darwin`;
//! `x86_64`/`x86-64` become `amd64` (variant `v1` dropped, it is the baseline); `i386` becomes
//! `386`; `aarch64` becomes `arm64` with variant `8`/`v8`/`v8.0` dropped (an arm64 platform
//! without variant *is* v8, the default) and `9`/`9.0`/`v9.0` written `v9`; `armhf` becomes
//! `arm/v7`, `armel` `arm/v6`; `arm` without a variant becomes `arm/v7`, and bare numbers
//! `5`/`6`/`7`/`8` gain a `v`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// The platform an image runs on, with the OCI field names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "a platform object")]
pub struct Platform {
    /// CPU architecture (`amd64`, `arm64`, …), GOARCH values.
    pub architecture: String,
    /// Operating system (`linux`, `windows`, …), GOOS values.
    pub os: String,
    /// Operating system version (e.g. a Windows build `10.0.17763.1879`).
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// Operating system features required (e.g. `win32k`).
    #[serde(
        rename = "os.features",
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub os_features: Vec<String>,
    /// CPU variant (`v7`, `v8`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// CPU features (Docker manifest lists; reserved by OCI).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub features: Vec<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Why a platform string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// Not `os/architecture` or `os/architecture/variant`.
    #[error("invalid platform {input:?}: expected os/architecture[/variant], e.g. linux/arm64/v8")]
    Format {
        /// The rejected text (truncated to 200 characters).
        input: String,
    },
    /// A component holds characters other than `[A-Za-z0-9_.-]`.
    #[error("invalid platform {input:?}: component {component:?} may hold only letters, digits, '_', '.' and '-'")]
    Component {
        /// The rejected text (truncated to 200 characters).
        input: String,
        /// The offending component.
        component: String,
    },
}

fn valid_component(c: &str) -> bool {
    !c.is_empty()
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

impl Platform {
    /// A platform with this os and architecture and no variant.
    pub fn new(os: &str, architecture: &str) -> Platform {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            ..Platform::default()
        }
    }

    /// Parses `os/architecture[/variant]` (e.g. `linux/arm64/v8`, `windows/amd64`), as written.
    ///
    /// Both os and architecture are required (there is no host default here). The result is not
    /// normalized: call [`Platform::normalize`] for that.
    pub fn parse(input: &str) -> Result<Platform, PlatformError> {
        let truncated = || input.chars().take(200).collect::<String>();
        let parts: Vec<&str> = input.split('/').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(PlatformError::Format { input: truncated() });
        }
        if let Some(bad) = parts.iter().find(|c| !valid_component(c)) {
            return Err(PlatformError::Component {
                input: truncated(),
                component: bad.chars().take(200).collect(),
            });
        }
        Ok(Platform {
            os: parts[0].to_string(),
            architecture: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
            ..Platform::default()
        })
    }

    /// The platform in containerd's normal form (see the module documentation).
    pub fn normalize(&self) -> Platform {
        let mut os = self.os.to_ascii_lowercase();
        if os == "macos" {
            os = "darwin".to_string();
        }
        let (architecture, variant) = normalize_arch(
            &self.architecture.to_ascii_lowercase(),
            &self
                .variant
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        );
        Platform {
            os,
            architecture,
            variant: (!variant.is_empty()).then_some(variant),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
            features: self.features.clone(),
        }
    }

    /// Does this platform (an available one, e.g. an index entry) satisfy `wanted`?
    ///
    /// Both sides are normalized first; then os, architecture and variant must be equal (so
    /// `linux/arm64` and `linux/aarch64/v8` match, `linux/arm` and `linux/arm/v7` match, but
    /// `linux/arm/v6` does not satisfy `linux/arm/v7`). When both give an `os.version`, their
    /// first three dot-separated parts (a Windows build) must agree. Every `os.features` and
    /// `features` entry `wanted` lists must be present here. Compatible-but-different platforms
    /// (arm/v6 on an arm/v7 host) are the business of [`Platform::runs_on`].
    pub fn matches(&self, wanted: &Platform) -> bool {
        let have = self.normalize();
        let want = wanted.normalize();
        have.os == want.os
            && have.architecture == want.architecture
            && have.variant == want.variant
            && os_version_matches(have.os_version.as_deref(), want.os_version.as_deref())
            && want
                .os_features
                .iter()
                .all(|f| have.os_features.contains(f))
            && want.features.iter().all(|f| have.features.contains(f))
    }

    /// Can an image for this platform run on `host`? Like containerd's `Only`: an exact
    /// [`matches`](Platform::matches), or an older variant of the same family (`arm/v6` on
    /// `arm/v7`, `amd64/v2` on `amd64/v3`), 32-bit arm (v5–v8) on `arm64`, or `386` on `amd64`.
    pub fn runs_on(&self, host: &Platform) -> bool {
        compatible_platforms(&host.normalize())
            .iter()
            .any(|candidate| self.matches(candidate))
    }
}

fn os_version_matches(have: Option<&str>, want: Option<&str>) -> bool {
    match (have, want) {
        (Some(h), Some(w)) => {
            let prefix = |v: &str| v.split('.').take(3).collect::<Vec<_>>().join(".");
            prefix(h) == prefix(w)
        }
        _ => true,
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (arch, variant) = match arch {
        "i386" => ("386", ""),
        "x86_64" | "x86-64" | "amd64" => ("amd64", if variant == "v1" { "" } else { variant }),
        "aarch64" | "arm64" => (
            "arm64",
            match variant {
                "8" | "v8" | "v8.0" => "",
                "9" | "9.0" | "v9.0" => "v9",
                other => other,
            },
        ),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => {
            return (
                "arm".to_string(),
                match variant {
                    "" | "7" => "v7".to_string(),
                    "5" | "6" | "8" => format!("v{variant}"),
                    other => other.to_string(),
                },
            )
        }
        other => (other, variant),
    };
    (arch.to_string(), variant.to_string())
}

fn numbered_variant(variant: Option<&str>) -> Option<u32> {
    variant?.strip_prefix('v')?.parse().ok()
}

/// The normalized platforms an image may target to run on `host` (itself first).
fn compatible_platforms(host: &Platform) -> Vec<Platform> {
    let with = |arch: &str, variant: Option<String>| Platform {
        architecture: arch.to_string(),
        variant,
        ..host.clone()
    };
    let mut out = vec![host.clone()];
    match host.architecture.as_str() {
        "amd64" => {
            if let Some(n) = numbered_variant(host.variant.as_deref()) {
                for v in (1..n).rev() {
                    out.push(with("amd64", (v > 1).then(|| format!("v{v}"))));
                }
            }
            out.push(with("386", None));
        }
        "arm" => {
            if let Some(n) = numbered_variant(host.variant.as_deref()) {
                for v in (5..n).rev() {
                    out.push(with("arm", Some(format!("v{v}"))));
                }
            }
        }
        "arm64" if host.variant.is_none() => {
            for v in (5..=8).rev() {
                out.push(with("arm", Some(format!("v{v}"))));
            }
        }
        _ => {}
    }
    out
}

impl fmt::Display for Platform {
    /// Writes `os/architecture[/variant]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display() {
        let arm = p("linux/arm64/v8");
        assert_eq!(arm.os, "linux");
        assert_eq!(arm.architecture, "arm64");
        assert_eq!(arm.variant.as_deref(), Some("v8"));
        assert_eq!(arm.to_string(), "linux/arm64/v8");
        assert_eq!(p("linux/amd64").to_string(), "linux/amd64");
        assert_eq!(p("windows/amd64").variant, None);
        for bad in [
            "",
            "linux",
            "linux/",
            "/amd64",
            "a/b/c/d",
            "linux/am d64",
            "linux//v7",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Platform::parse("linux/amd64/").is_err());
        assert!(matches!(
            Platform::parse("x").unwrap_err().to_string(),
            s if s.contains("os/architecture")
        ));
    }

    #[test]
    fn normalize_like_containerd() {
        let cases = [
            ("linux/x86_64", "linux/amd64"),
            ("linux/x86-64/v1", "linux/amd64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
            ("Linux/AARCH64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/arm64/8", "linux/arm64"),
            ("linux/arm64/v8.0", "linux/arm64"),
            ("linux/arm64/9", "linux/arm64/v9"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("linux/i386", "linux/386"),
            ("macos/arm64", "darwin/arm64"),
            ("linux/s390x", "linux/s390x"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).normalize().to_string(), want, "{input}");
        }
    }

    #[test]
    fn matching() {
        assert!(p("linux/arm64/v8").matches(&p("linux/arm64")));
        assert!(p("linux/arm64").matches(&p("linux/aarch64/v8")));
        assert!(p("linux/amd64").matches(&p("linux/x86_64")));
        assert!(p("linux/arm").matches(&p("linux/armhf")));
        assert!(!p("linux/arm/v6").matches(&p("linux/arm/v7")));
        assert!(!p("linux/arm64").matches(&p("linux/amd64")));
        assert!(!p("windows/amd64").matches(&p("linux/amd64")));
        assert!(!p("linux/arm64/v9").matches(&p("linux/arm64")));

        let mut win = p("windows/amd64");
        win.os_version = Some("10.0.17763.1879".into());
        let mut want = p("windows/amd64");
        want.os_version = Some("10.0.17763.2000".into());
        assert!(win.matches(&want));
        want.os_version = Some("10.0.20348.1".into());
        assert!(!win.matches(&want));
        assert!(win.matches(&p("windows/amd64")), "no wanted version: any");

        let mut want = p("windows/amd64");
        want.os_features = vec!["win32k".into()];
        assert!(!p("windows/amd64").matches(&want));
        win.os_features = vec!["win32k".into()];
        assert!(win.matches(&want));
    }

    #[test]
    fn runs_on_compatible_hosts() {
        assert!(p("linux/arm/v6").runs_on(&p("linux/arm/v7")));
        assert!(!p("linux/arm/v7").runs_on(&p("linux/arm/v6")));
        assert!(p("linux/arm/v7").runs_on(&p("linux/arm64")));
        assert!(p("linux/386").runs_on(&p("linux/amd64")));
        assert!(p("linux/amd64").runs_on(&p("linux/amd64/v3")));
        assert!(p("linux/amd64/v2").runs_on(&p("linux/amd64/v3")));
        assert!(!p("linux/amd64/v3").runs_on(&p("linux/amd64")));
        assert!(!p("linux/amd64").runs_on(&p("linux/arm64")));
        assert!(p("linux/arm64/v8").runs_on(&p("linux/arm64")));
    }

    #[test]
    fn serde_names() {
        let json = r#"{"architecture":"amd64","os":"windows","os.version":"10.0.1",
            "os.features":["win32k"],"variant":"v2","features":["sse4"],"unknown":1}"#;
        let plat: Platform = serde_json::from_str(json).unwrap();
        assert_eq!(plat.os_version.as_deref(), Some("10.0.1"));
        assert_eq!(plat.os_features, ["win32k"]);
        assert_eq!(plat.features, ["sse4"]);
        let back = serde_json::to_value(&plat).unwrap();
        assert_eq!(back["os.version"], "10.0.1");
        assert_eq!(back["os.features"][0], "win32k");
        assert!(serde_json::from_str::<Platform>(r#"{"os":"linux"}"#).is_err());
        let plain = serde_json::to_string(&p("linux/amd64")).unwrap();
        assert_eq!(plain, r#"{"architecture":"amd64","os":"linux"}"#);
    }
}
