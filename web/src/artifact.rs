//! Friendly names for the artifact types people meet among referrers.

/// A broad family of referrer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A signature over the subject.
    Signature,
    /// A software bill of materials.
    Sbom,
    /// An attestation (provenance, vulnerability scan, …).
    Attestation,
    /// Anything else.
    Other,
}

/// A known artifact type: its name for people and its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    /// What people call it.
    pub name: &'static str,
    /// Its family.
    pub family: Family,
}

const KNOWN: &[(&str, &str, Family)] = &[
    (
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "Cosign signature",
        Family::Signature,
    ),
    (
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "Cosign signature",
        Family::Signature,
    ),
    (
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "Sigstore bundle",
        Family::Signature,
    ),
    (
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "Sigstore bundle",
        Family::Signature,
    ),
    (
        "application/vnd.cncf.notary.signature",
        "Notation signature",
        Family::Signature,
    ),
    ("application/spdx+json", "SBOM (SPDX JSON)", Family::Sbom),
    ("text/spdx", "SBOM (SPDX tag-value)", Family::Sbom),
    (
        "application/vnd.cyclonedx+json",
        "SBOM (CycloneDX JSON)",
        Family::Sbom,
    ),
    (
        "application/vnd.cyclonedx+xml",
        "SBOM (CycloneDX XML)",
        Family::Sbom,
    ),
    (
        "application/vnd.cyclonedx",
        "SBOM (CycloneDX)",
        Family::Sbom,
    ),
    (
        "application/vnd.in-toto+json",
        "in-toto attestation",
        Family::Attestation,
    ),
    (
        "application/vnd.dsse.envelope.v1+json",
        "DSSE attestation envelope",
        Family::Attestation,
    ),
    (
        "application/vnd.dev.cosign.attestation.v1+json",
        "Cosign attestation",
        Family::Attestation,
    ),
];

/// The known artifact type `media_type` (parameters and case ignored), if any.
pub fn known(media_type: &str) -> Option<Known> {
    let lower = media_type.trim().to_ascii_lowercase();
    let essence = lower.split(';').next().unwrap_or_default().trim();
    KNOWN
        .iter()
        .find(|(t, ..)| *t == lower || *t == essence)
        .map(|&(_, name, family)| Known { name, family })
}

/// The name to show for an artifact type: the friendly one, else the type itself.
pub fn friendly_name(media_type: &str) -> String {
    match known(media_type) {
        Some(k) => k.name.to_string(),
        None if media_type.is_empty() => "unknown artifact type".to_string(),
        None => media_type.to_string(),
    }
}

/// The family of an artifact type (`Other` when unknown).
pub fn family(media_type: &str) -> Family {
    known(media_type).map_or(Family::Other, |k| k.family)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn common_types_have_names_and_families() {
        assert_eq!(
            friendly_name("application/vnd.dev.cosign.artifact.sig.v1+json"),
            "Cosign signature"
        );
        assert_eq!(
            family("application/vnd.cncf.notary.signature"),
            Family::Signature
        );
        assert_eq!(friendly_name("application/spdx+json"), "SBOM (SPDX JSON)");
        assert_eq!(family("application/vnd.cyclonedx+json"), Family::Sbom);
        assert_eq!(family("application/vnd.in-toto+json"), Family::Attestation);
    }

    #[test]
    fn case_and_parameters_ignored_unknown_kept() {
        assert_eq!(
            friendly_name("Application/SPDX+JSON; charset=utf-8"),
            "SBOM (SPDX JSON)"
        );
        assert_eq!(
            friendly_name("application/vnd.example.thing"),
            "application/vnd.example.thing"
        );
        assert_eq!(family("application/vnd.example.thing"), Family::Other);
        assert_eq!(friendly_name(""), "unknown artifact type");
    }
}
