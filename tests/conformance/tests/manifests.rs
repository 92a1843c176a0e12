//! Every document and blob of the corpus's `manifests/index.json`, run through
//! `ociscope_core::manifest` (and `descriptor` for the descriptor documents).
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use ociscope_conformance::{file, json, str_field, Tally, MANIFESTS_INDEX_JSON};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::manifest::{detect, Manifest, ManifestError, ManifestKind};
use ociscope_core::platform::Platform;
use ociscope_core::{Algorithm, Digest};
use serde_json::Value;

/// Documents where the corpus has no verdict (`valid: null`) or where our policy deliberately
/// differs from the peer's: the verdict we assert instead, and why.
const OUR_VERDICTS: &[(&str, bool, &str)] = &[
    (
        "oci-schema-manifest-05-failure-empty-layer-at-least-one.json",
        true,
        "the image-spec's old JSON schema says minItems 1, but its prose says layers SHOULD have \
         one entry (not MUST) and the distribution-spec conformance suite pushes a manifest \
         without layers and expects it stored: accepted",
    ),
    (
        "cimage-v2s2-nomime.manifest.json",
        false,
        "valid=null. Docker schema 2 requires its mediaType field: refused with MissingMediaType, \
         even though detect() guesses Docker schema 2 as containers/image does",
    ),
    (
        "cimage-ociv1.invalid-layer-mediatype.manifest.json",
        true,
        "valid=null. Layer media types are not restricted beyond the RFC 6838 grammar \
         (as the image-spec schema); `tar+unknown` is accepted",
    ),
    (
        "cimage-ociv1.artifact.json",
        false,
        "containers/image accepts it; its config digest \"\" and `layers: null` break the \
         image-spec schema, which we follow (descriptors need a valid digest, layers an array)",
    ),
    (
        "cimage-ociv1-nomime.artifact.json",
        false,
        "as cimage-ociv1.artifact.json: config digest \"\" and `layers: null` are refused",
    ),
];

fn kind_of(name: &str) -> Option<ManifestKind> {
    Some(match name {
        "image-manifest" | "oci-manifest" => ManifestKind::OciManifest,
        "image-index" | "oci-index" => ManifestKind::OciIndex,
        "docker-v2" => ManifestKind::DockerV2,
        "docker-manifest-list" => ManifestKind::DockerManifestList,
        "docker-v1-signed" => ManifestKind::DockerV1Signed,
        "docker-v1" => ManifestKind::DockerV1,
        _ => return None,
    })
}

fn check_descriptor(id: &str, what: &str, ours: &Descriptor, want: &Value) {
    assert_eq!(
        Some(ours.media_type.as_str()),
        str_field(want, "mediaType"),
        "{id}: {what} mediaType"
    );
    assert_eq!(
        Some(ours.digest.as_str()),
        str_field(want, "digest"),
        "{id}: {what} digest"
    );
    assert_eq!(Some(ours.size), want["size"].as_u64(), "{id}: {what} size");
    assert_eq!(
        ours.artifact_type.as_deref(),
        str_field(want, "artifactType"),
        "{id}: {what} artifactType"
    );
}

fn check_platform(id: &str, i: usize, ours: Option<&Platform>, want: &Value) {
    if want.is_null() {
        assert!(ours.is_none(), "{id}: platform {i} should be absent");
        return;
    }
    let p = ours.unwrap_or_else(|| panic!("{id}: platform {i} missing"));
    let strings = |key: &str| -> Vec<String> {
        want.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        Some(p.os.as_str()),
        str_field(want, "os"),
        "{id}: platform {i} os"
    );
    assert_eq!(
        Some(p.architecture.as_str()),
        str_field(want, "architecture"),
        "{id}: platform {i} architecture"
    );
    assert_eq!(
        p.variant.as_deref(),
        str_field(want, "variant"),
        "{id}: platform {i} variant"
    );
    assert_eq!(
        p.os_version.as_deref(),
        str_field(want, "os.version"),
        "{id}: platform {i} os.version"
    );
    assert_eq!(
        p.os_features,
        strings("os.features"),
        "{id}: platform {i} os.features"
    );
    assert_eq!(
        p.features,
        strings("features"),
        "{id}: platform {i} features"
    );
}

/// Checks every fact the corpus states about a document we accept.
fn check_facts(id: &str, case: &Value, m: &Manifest, bytes: &[u8]) {
    // A document the corpus calls invalid that our verdict accepts is checked as the kind it
    // was meant to be.
    let stated = match str_field(case, "kind") {
        Some("invalid") => str_field(case, "intended_kind"),
        other => other,
    };
    let kind = kind_of(stated.unwrap()).expect("known kind");
    assert_eq!(m.kind(), kind, "{id}: kind");
    if let Some(mt) = str_field(case, "mediaType") {
        assert_eq!(m.media_type(), mt, "{id}: mediaType");
    }
    assert_eq!(m.bytes(), bytes, "{id}: bytes kept exactly");
    assert_eq!(Some(m.size()), case["size_bytes"].as_u64(), "{id}: size");
    assert_eq!(
        Some(Digest::sha256_of(m.bytes()).as_str()),
        str_field(case, "sha256"),
        "{id}: sha256 of the bytes"
    );
    if let Some(payload_digest) = str_field(case, "jws_payload_sha256") {
        assert_eq!(kind, ManifestKind::DockerV1Signed, "{id}");
        assert_eq!(
            m.digest().as_str(),
            payload_digest,
            "{id}: JWS payload digest"
        );
        assert_eq!(
            m.jws_payload().map(|p| p.len() as u64),
            case["jws_payload_length"].as_u64(),
            "{id}: JWS payload length"
        );
        assert_eq!(
            Some(Digest::of(Algorithm::Sha512, m.bytes()).as_str()),
            str_field(case, "sha512"),
            "{id}: sha512 of the bytes"
        );
    } else {
        assert!(m.jws_payload().is_none(), "{id}: no JWS payload");
        assert_eq!(
            Some(m.digest().as_str()),
            str_field(case, "sha256"),
            "{id}: digest"
        );
        assert_eq!(
            Some(m.digest_with(Algorithm::Sha512).as_str()),
            str_field(case, "sha512"),
            "{id}: sha512 digest"
        );
    }
    if let Some(peer) = str_field(case, "peer_digest") {
        assert_eq!(m.digest().as_str(), peer, "{id}: peer digest");
        m.verify(&Digest::parse(peer).unwrap()).unwrap();
    }
    m.verify(&m.digest_with(Algorithm::Sha512)).unwrap();

    // Config, layers, manifests, subject.
    match case.get("config").filter(|c| c.is_object()) {
        Some(config) => check_descriptor(id, "config", m.config().expect("config"), config),
        None => assert!(m.config().is_none(), "{id}: no config"),
    }
    if let Some(d) = str_field(case, "config_digest") {
        assert_eq!(
            m.config().map(|c| c.digest.as_str()),
            Some(d),
            "{id}: config digest"
        );
    }
    assert_eq!(
        m.layers().len() as u64,
        case["layers_count"].as_u64().unwrap_or(0),
        "{id}: layers count"
    );
    if let Some(layers) = case.get("layers").and_then(Value::as_array) {
        assert_eq!(layers.len(), m.layers().len(), "{id}: layers listed");
        for (i, (ours, want)) in m.layers().iter().zip(layers).enumerate() {
            check_descriptor(id, &format!("layer {i}"), ours, want);
        }
    }
    if let Some(image) = m.content().image() {
        let sum = image.config.size + image.layers.iter().map(|l| l.size).sum::<u64>();
        assert_eq!(m.image_size(), Some(sum), "{id}: image size");
    } else {
        assert_eq!(m.image_size(), None, "{id}: no image size");
    }
    assert_eq!(
        m.manifests().len() as u64,
        case["manifests_count"].as_u64().unwrap_or(0),
        "{id}: manifests count"
    );
    if let Some(manifests) = case.get("manifests").and_then(Value::as_array) {
        assert_eq!(
            manifests.len(),
            m.manifests().len(),
            "{id}: manifests listed"
        );
        for (i, (ours, want)) in m.manifests().iter().zip(manifests).enumerate() {
            check_descriptor(id, &format!("manifest {i}"), ours, want);
        }
    }
    match case.get("platforms").and_then(Value::as_array) {
        Some(platforms) => {
            let ours = m.platforms();
            assert_eq!(ours.len(), platforms.len(), "{id}: platforms count");
            for (i, (p, want)) in ours.into_iter().zip(platforms).enumerate() {
                check_platform(id, i, p, want);
            }
        }
        None => assert!(
            m.platforms().iter().all(Option::is_none),
            "{id}: the corpus lists no platforms"
        ),
    }
    assert_eq!(
        m.subject().map(|s| s.digest.as_str()),
        str_field(case, "subject_digest"),
        "{id}: subject"
    );
    let children = m.children();
    assert_eq!(
        children.len(),
        usize::from(m.config().is_some())
            + m.layers().len()
            + m.manifests().len()
            + usize::from(m.subject().is_some()),
        "{id}: children"
    );

    // artifactType: the field, and the OCI rule (field, else config mediaType).
    assert_eq!(
        m.artifact_type_field(),
        str_field(case, "artifactType"),
        "{id}: artifactType field"
    );
    let rule = str_field(case, "artifactType").or(match kind {
        ManifestKind::OciManifest => case["config"]["mediaType"].as_str(),
        _ => None,
    });
    assert_eq!(m.artifact_type(), rule, "{id}: effective artifactType");

    let annotations: BTreeMap<String, String> = case
        .get("annotations")
        .map(|a| serde_json::from_value(a.clone()).unwrap())
        .unwrap_or_default();
    assert_eq!(m.annotations(), &annotations, "{id}: annotations");

    // Schema 1 facts.
    if let Some(s1) = m.content().schema1() {
        assert_eq!(
            Some(s1.name.as_str()),
            str_field(case, "name"),
            "{id}: name"
        );
        assert_eq!(Some(s1.tag.as_str()), str_field(case, "tag"), "{id}: tag");
        assert_eq!(
            Some(s1.architecture.as_str()),
            str_field(case, "architecture"),
            "{id}: architecture"
        );
        assert_eq!(
            Some(s1.fs_layers.len() as u64),
            case["fsLayers_count"].as_u64(),
            "{id}: fsLayers"
        );
        let sums: Vec<&str> = s1.blob_sums().map(Digest::as_str).collect();
        let want: Vec<&str> = case["blobSums"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(sums, want, "{id}: blobSums");
        assert_eq!(
            m.referenced_digests().len(),
            sums.len(),
            "{id}: referenced digests"
        );
        assert_eq!(
            Some(s1.history.len() as u64),
            case["history_count"].as_u64(),
            "{id}: history"
        );
        assert_eq!(
            s1.signatures.len() as u64,
            case["signatures_count"].as_u64().unwrap_or(0),
            "{id}: signatures"
        );
    }

    // A config blob of the corpus must verify against the config descriptor.
    if let Some(blob) = str_field(case, "config_blob_file") {
        let content = file(&format!("manifests/{blob}")).expect("config blob in corpus");
        m.config().unwrap().verify(content).unwrap();
    }

    // Parsing again with the detected media type gives the same manifest.
    let again = Manifest::parse(bytes, Some(m.media_type())).unwrap();
    assert_eq!(&again, m, "{id}: parse with its own media type");
    let d = m.descriptor();
    assert_eq!(
        (&d.digest, d.size),
        (m.digest(), m.size()),
        "{id}: descriptor"
    );
}

/// The error variant expected for refused documents whose cause the corpus states.
fn check_error_cause(id: &str, err: &ManifestError) {
    let ok = if id.starts_with("cimage-ambiguous-") {
        matches!(err, ManifestError::Ambiguous { .. })
    } else if id.ends_with("-mediatype-xxx.json") {
        matches!(err, ManifestError::MediaTypeMismatch { .. })
    } else if (id.starts_with("dist-") && id.ends_with("-no-mediatype.json"))
        || id == "cimage-v2s2-nomime.manifest.json"
    {
        matches!(err, ManifestError::MissingMediaType { .. })
    } else if id == "cimage-unknown-version.manifest.json" {
        matches!(err, ManifestError::UnknownSchemaVersion(_))
    } else if id == "cimage-non-json.manifest.bin" || id.contains("manifest-01-failure") {
        matches!(err, ManifestError::NotJson(_))
    } else if id == "cimage-v2s1-invalid-signatures.manifest.json"
        || id.starts_with("oci-schema-")
        || id.contains(".artifact.json")
        || id.contains("nomime.artifact")
    {
        matches!(err, ManifestError::Invalid { .. })
    } else {
        true
    };
    assert!(ok, "{id}: refused for an unexpected reason: {err:?}");
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn every_manifest_document() {
    let index = json(MANIFESTS_INDEX_JSON);
    let documents = index["documents"].as_array().unwrap();
    let mut tally = Tally::new("manifest documents");
    let mut rejections = Tally::new("manifest rejected_when_parsed_as");
    let mut accepted = 0;
    let mut refused = 0;
    for case in documents {
        let id = str_field(case, "file").unwrap();
        let bytes = file(&format!("manifests/{id}")).unwrap_or_else(|| panic!("{id} in corpus"));
        let requested = str_field(case, "requested_as");

        // Kind detection agrees with containers/image GuessMIMEType where the corpus states it.
        if let Some(guess) = str_field(case, "guessed_media_type") {
            let ours = detect(bytes).map(ManifestKind::media_type).unwrap_or("");
            assert_eq!(ours, guess, "{id}: detected kind");
        }

        if str_field(case, "kind") == Some("descriptor") {
            let d = Descriptor::from_json(bytes)
                .unwrap_or_else(|e| panic!("{id}: descriptor refused: {e}"));
            check_descriptor(id, "descriptor", &d, &case["descriptor"]);
            if d.data.is_some() {
                d.decoded_data().unwrap();
            }
            assert!(
                Manifest::parse(bytes, None).is_err(),
                "{id}: not a manifest"
            );
            assert_eq!(case["valid"], Value::Bool(true), "{id}");
            tally.ran();
            accepted += 1;
            continue;
        }

        let ours = OUR_VERDICTS.iter().find(|(f, _, _)| *f == id);
        let valid = match ours {
            Some((_, verdict, _)) => *verdict,
            None => case["valid"]
                .as_bool()
                .unwrap_or_else(|| panic!("{id}: valid=null must be listed in OUR_VERDICTS")),
        };
        match (Manifest::parse(bytes, requested), valid) {
            (Ok(m), true) => {
                check_facts(id, case, &m, bytes);
                accepted += 1;
            }
            (Err(e), false) => {
                println!("refused {id}: {e}");
                check_error_cause(id, &e);
                refused += 1;
            }
            (Ok(m), false) => panic!("{id}: accepted as {} but should be refused", m.kind()),
            (Err(e), true) => panic!("{id}: refused but valid: {e}"),
        }

        for rejection in case["rejected_when_parsed_as"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let as_kind = kind_of(str_field(rejection, "as").unwrap()).expect("known kind");
            let result = Manifest::parse(bytes, Some(as_kind.media_type()));
            assert!(
                result.is_err(),
                "{id}: must be refused when parsed as {as_kind}"
            );
            rejections.ran();
        }
        tally.ran();
    }
    println!("manifest documents accepted: {accepted}, refused: {refused}");
    tally.finish(documents.len());
    let listed = documents
        .iter()
        .filter_map(|c| c["rejected_when_parsed_as"].as_array())
        .map(Vec::len)
        .sum();
    rejections.finish(listed);
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn our_verdicts_name_real_documents() {
    let index = json(MANIFESTS_INDEX_JSON);
    for (id, _, reason) in OUR_VERDICTS {
        assert!(!reason.is_empty());
        assert!(
            index["documents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| str_field(c, "file") == Some(id)),
            "{id} is not in the corpus"
        );
    }
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn every_blob() {
    let index = json(MANIFESTS_INDEX_JSON);
    let blobs = index["blobs"].as_array().unwrap();
    let mut tally = Tally::new("manifest blobs");
    for case in blobs {
        let path = str_field(case, "file").unwrap();
        let bytes = file(&format!("manifests/{path}")).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(
            Some(bytes.len() as u64),
            case["size_bytes"].as_u64(),
            "{path}"
        );
        let sha256 = Digest::parse(str_field(case, "sha256").unwrap()).unwrap();
        let sha512 = Digest::parse(str_field(case, "sha512").unwrap()).unwrap();
        assert_eq!(Digest::sha256_of(bytes), sha256, "{path}");
        assert_eq!(Digest::of(Algorithm::Sha512, bytes), sha512, "{path}");
        sha512.verify(bytes).unwrap();
        assert_eq!(
            Some(sha256.as_str()),
            str_field(case, "peer_digest"),
            "{path}"
        );
        // An image configuration is not a manifest.
        let err = Manifest::parse(bytes, None).unwrap_err();
        assert!(
            matches!(err, ManifestError::MissingSchemaVersion),
            "{path}: {err:?}"
        );
        tally.ran();
    }
    tally.finish(blobs.len());
}
