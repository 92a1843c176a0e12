use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const D1: &str = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";
const D2: &str = "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";

fn oci_manifest(extra: &str) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{D1}","size":10}},"layers":[{{"mediaType":"{}","digest":"{D2}","size":20}}]{extra}}}"#,
        media_type::OCI_MANIFEST,
        media_type::OCI_CONFIG,
        media_type::OCI_LAYER_TAR_GZIP
    )
}

fn index(media: &str, extra: &str) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{media}","manifests":[
            {{"mediaType":"{m}","digest":"{D1}","size":1,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
            {{"mediaType":"{m}","digest":"{D2}","size":2,"platform":{{"os":"linux","architecture":"amd64"}}}},
            {{"mediaType":"{m}","digest":"{D2}","size":3}}]{extra}}}"#,
        m = media_type::OCI_MANIFEST
    )
}

#[test]
fn size_limit_applies_before_parsing() {
    let options = ParseOptions { max_size: 10 };
    let err = Manifest::parse_with(b"not even json, but long", None, &options).unwrap_err();
    assert_eq!(
        err,
        ManifestError::TooLarge {
            size: 23,
            limit: 10
        }
    );
    assert!(err.to_string().contains("limit"));
    let big = vec![b' '; DEFAULT_MAX_SIZE + 1];
    assert!(matches!(
        Manifest::parse(&big, None),
        Err(ManifestError::TooLarge { .. })
    ));
    let doc = oci_manifest("");
    let exact = ParseOptions {
        max_size: doc.len(),
    };
    assert!(Manifest::parse_with(doc.as_bytes(), None, &exact).is_ok());
}

#[test]
fn content_types() {
    let doc = oci_manifest("");
    for ct in [
        None,
        Some(""),
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/plain"),
        Some("application/octet-stream"),
        Some("application/vnd.oci.image.manifest.v1+json"),
        Some("Application/VND.OCI.Image.Manifest.v1+JSON; charset=utf-8"),
    ] {
        let m = Manifest::parse(doc.as_bytes(), ct).unwrap_or_else(|e| panic!("{ct:?}: {e}"));
        assert_eq!(m.kind(), ManifestKind::OciManifest);
    }
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), Some(media_type::OCI_CONFIG)),
        Err(ManifestError::UnsupportedContentType(_))
    ));
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), Some(media_type::OCI_INDEX)),
        Err(ManifestError::MediaTypeMismatch {
            requested: ManifestKind::OciIndex,
            ..
        })
    ));
}

#[test]
fn accessors() {
    let doc = oci_manifest(&format!(
        r#","subject":{{"mediaType":"{}","digest":"{D2}","size":5}},"annotations":{{"a":"b"}},"x":1"#,
        media_type::OCI_MANIFEST
    ));
    let m = Manifest::parse(doc.as_bytes(), None).unwrap();
    assert_eq!(m.media_type(), media_type::OCI_MANIFEST);
    assert_eq!(m.digest(), &Digest::sha256_of(doc.as_bytes()));
    assert_eq!(m.size(), doc.len() as u64);
    assert_eq!(m.image_size(), Some(30));
    assert_eq!(m.artifact_type(), Some(media_type::OCI_CONFIG));
    assert_eq!(m.artifact_type_field(), None);
    assert_eq!(m.annotations()["a"], "b");
    let roles: Vec<ChildRole> = m.children().iter().map(|c| c.role).collect();
    assert_eq!(
        roles,
        [ChildRole::Config, ChildRole::Layer, ChildRole::Subject]
    );
    assert_eq!(
        m.referenced_digests().len(),
        2,
        "subject is not needed content"
    );
    assert_eq!(m.content().image().unwrap().extra["x"], 1);
    let d = m.descriptor();
    assert_eq!(d.artifact_type.as_deref(), Some(media_type::OCI_CONFIG));
    assert!(m.verify(&d.digest).is_ok());
    assert!(matches!(
        m.verify(&Digest::parse(D1).unwrap()),
        Err(ManifestError::Digest(_))
    ));
    assert!(m.platforms().is_empty());
}

#[test]
fn index_platforms() {
    let doc = index(
        media_type::OCI_INDEX,
        r#","artifactType":"application/x.y""#,
    );
    let m = Manifest::parse(doc.as_bytes(), None).unwrap();
    assert_eq!(m.kind(), ManifestKind::OciIndex);
    assert_eq!(m.artifact_type(), Some("application/x.y"));
    assert_eq!(m.image_size(), None);
    let platforms = m.platforms();
    assert_eq!(platforms.len(), 3);
    assert_eq!(platforms[0].unwrap().to_string(), "linux/arm64/v8");
    assert!(platforms[2].is_none());
    let arm = m.manifests_for(&Platform::parse("linux/aarch64").unwrap());
    assert_eq!(arm.len(), 1);
    assert_eq!(arm[0].size, 1);
    let docker = index(media_type::DOCKER_MANIFEST_LIST, "");
    let list = Manifest::parse(docker.as_bytes(), None).unwrap();
    assert_eq!(list.kind(), ManifestKind::DockerManifestList);
    assert_eq!(list.artifact_type(), None);
}

#[test]
fn detection_without_media_type() {
    let no_mt = oci_manifest("").replace(
        &format!(r#""mediaType":"{}","#, media_type::OCI_MANIFEST),
        "",
    );
    assert_eq!(detect(no_mt.as_bytes()), Some(ManifestKind::OciManifest));
    assert_eq!(
        Manifest::parse(no_mt.as_bytes(), None).unwrap().kind(),
        ManifestKind::OciManifest
    );
    let docker_config = no_mt.replace(media_type::OCI_CONFIG, media_type::DOCKER_CONFIG);
    assert_eq!(
        detect(docker_config.as_bytes()),
        Some(ManifestKind::DockerV2)
    );
    assert!(matches!(
        Manifest::parse(docker_config.as_bytes(), None),
        Err(ManifestError::MissingMediaType {
            kind: ManifestKind::DockerV2
        })
    ));
    assert_eq!(
        detect(br#"{"schemaVersion":2,"manifests":[]}"#),
        Some(ManifestKind::OciIndex)
    );
    let empty_index = Manifest::parse(br#"{"schemaVersion":2,"manifests":[]}"#, None).unwrap();
    assert!(empty_index.manifests().is_empty());
    for (doc, want) in [
        (&b"{}"[..], ManifestError::MissingSchemaVersion),
        (br#"{"schemaVersion":2}"#, ManifestError::Undetectable),
        (
            br#"{"schemaVersion":"2"}"#,
            ManifestError::UnknownSchemaVersion("\"2\"".into()),
        ),
        (br#"[1,2]"#, ManifestError::NotAnObject),
        (
            br#"{"schemaVersion":2,"mediaType":"application/x"}"#,
            ManifestError::UnknownMediaType("application/x".into()),
        ),
    ] {
        assert_eq!(Manifest::parse(doc, None).unwrap_err(), want);
    }
    // No config: still refused, whatever the layers.
    assert!(Manifest::parse(br#"{"schemaVersion":2,"layers":[]}"#, None).is_err());
}

#[test]
fn schema_version_must_fit_the_kind() {
    let doc = oci_manifest("").replace(r#""schemaVersion":2"#, r#""schemaVersion":1"#);
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), None),
        Err(ManifestError::SchemaVersionMismatch {
            kind: ManifestKind::OciManifest,
            expected: 2,
            ..
        })
    ));
}

#[test]
fn duplicate_fields_are_refused() {
    let doc = oci_manifest(&format!(
        r#","config":{{"mediaType":"{}","digest":"{D2}","size":1}}"#,
        media_type::OCI_CONFIG
    ));
    let err = Manifest::parse(doc.as_bytes(), None).unwrap_err();
    assert!(err.to_string().contains("duplicate field"), "{err}");
}

#[test]
fn ambiguity_ignores_null_fields() {
    let doc = oci_manifest(r#","manifests":null"#);
    assert!(Manifest::parse(doc.as_bytes(), None).is_ok());
    let doc = oci_manifest(r#","history":[]"#);
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), None),
        Err(ManifestError::Ambiguous {
            field: "history",
            ..
        })
    ));
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn schema1(signatures: &str) -> String {
    format!(
        r#"{{"schemaVersion":1,"name":"a/b","tag":"t","architecture":"amd64","fsLayers":[{{"blobSum":"{D1}"}}],"history":[{{"v1Compatibility":"{{}}"}}]{signatures}}}"#
    )
}

fn signature(format_length: &str, tail: &[u8]) -> String {
    let protected = format!(
        r#"{{"formatLength":{format_length},"formatTail":"{}"}}"#,
        b64url(tail)
    );
    format!(
        r#"{{"header":{{"alg":"ES256"}},"signature":"c2ln","protected":"{}"}}"#,
        b64url(protected.as_bytes())
    )
}

#[test]
fn schema1_signed_digest_is_over_the_payload() {
    let unsigned = schema1("");
    let body_len = unsigned.len() - 1; // all but the closing brace
    let sig = signature(&body_len.to_string(), b"}");
    let signed = format!("{},\"signatures\":[{sig}]}}", &unsigned[..body_len]);
    let m = Manifest::parse(signed.as_bytes(), None).unwrap();
    assert_eq!(m.kind(), ManifestKind::DockerV1Signed);
    assert_eq!(m.jws_payload(), Some(unsigned.as_bytes()));
    assert_eq!(m.digest(), &Digest::sha256_of(unsigned.as_bytes()));
    let u = Manifest::parse(unsigned.as_bytes(), None).unwrap();
    assert_eq!(u.kind(), ManifestKind::DockerV1);
    assert_eq!(
        u.digest(),
        m.digest(),
        "signed and unsigned share the digest"
    );
    assert_eq!(m.referenced_digests().len(), 1);
    assert!(m.children().is_empty());
    // Served under either schema 1 type, signatures decide the kind.
    let as_unsigned = Manifest::parse(signed.as_bytes(), Some(media_type::DOCKER_MANIFEST_V1));
    assert_eq!(as_unsigned.unwrap().kind(), ManifestKind::DockerV1Signed);
    let as_signed = Manifest::parse(
        unsigned.as_bytes(),
        Some(media_type::DOCKER_MANIFEST_V1_SIGNED),
    );
    assert_eq!(as_signed.unwrap().kind(), ManifestKind::DockerV1);
    // Two signatures describing the same payload are fine; different ones are not.
    let two = format!("{},\"signatures\":[{sig},{sig}]}}", &unsigned[..body_len]);
    assert!(Manifest::parse(two.as_bytes(), None).is_ok());
    let other = signature(&(body_len - 1).to_string(), b"}");
    let conflict = format!("{},\"signatures\":[{sig},{other}]}}", &unsigned[..body_len]);
    assert!(matches!(
        Manifest::parse(conflict.as_bytes(), None),
        Err(ManifestError::Signature(m)) if m.contains("another payload")
    ));
}

#[test]
fn schema1_bad_signatures_are_refused() {
    for (sigs, what) in [
        (r#","signatures":[]"#.to_string(), "empty"),
        (
            format!(",\"signatures\":[{}]", signature("99999999", b"}")),
            "exceeds",
        ),
        (
            format!(",\"signatures\":[{}]", signature("-1", b"}")),
            "non-negative",
        ),
        (
            format!(",\"signatures\":[{}]", signature("1.5", b"}")),
            "non-negative",
        ),
        (
            r#","signatures":[{"header":{},"signature":"","protected":"!!"}]"#.to_string(),
            "base64url",
        ),
        (
            format!(
                r#","signatures":[{{"header":{{}},"signature":"","protected":"{}"}}]"#,
                b64url(b"{}")
            ),
            "formatLength",
        ),
    ] {
        let doc = schema1(&sigs);
        match Manifest::parse(doc.as_bytes(), None) {
            Err(ManifestError::Signature(m)) => assert!(m.contains(what), "{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    let unpaired = schema1("").replace(
        r#","history":[{"v1Compatibility":"{}"}]"#,
        r#","history":[]"#,
    );
    assert!(matches!(
        Manifest::parse(unpaired.as_bytes(), None),
        Err(ManifestError::Invalid { message, .. }) if message.contains("pair")
    ));
}

#[test]
fn image_manifests_without_layers_are_accepted() {
    // The image-spec says layers SHOULD have one entry, not MUST (see the module doc).
    let empty = oci_manifest("").replace(
        &format!(
            r#"[{{"mediaType":"{}","digest":"{D2}","size":20}}]"#,
            media_type::OCI_LAYER_TAR_GZIP
        ),
        "[]",
    );
    let m = Manifest::parse(empty.as_bytes(), None).unwrap();
    assert_eq!(m.kind(), ManifestKind::OciManifest);
    assert!(m.layers().is_empty());
    assert_eq!(m.image_size(), Some(10));
    let docker = empty
        .replace(media_type::OCI_MANIFEST, media_type::DOCKER_MANIFEST_V2)
        .replace(media_type::OCI_CONFIG, media_type::DOCKER_CONFIG);
    let m = Manifest::parse(docker.as_bytes(), None).unwrap();
    assert_eq!(m.kind(), ManifestKind::DockerV2);
    assert_eq!(m.image_size(), Some(10));
}

#[test]
fn artifact_type_is_validated() {
    let doc = oci_manifest(r#","artifactType":"not a type""#);
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), None),
        Err(ManifestError::Invalid { message, .. }) if message.contains("artifactType")
    ));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut doc = String::from(r#"{"schemaVersion":2,"x":"#);
    doc.push_str(&"[".repeat(100_000));
    assert!(matches!(
        Manifest::parse(doc.as_bytes(), None),
        Err(ManifestError::NotJson(_))
    ));
}

#[test]
fn every_kind_round_trips_its_media_type() {
    for kind in ManifestKind::ALL {
        assert_eq!(ManifestKind::from_media_type(kind.media_type()), Some(kind));
        assert!(media_type::is_manifest(kind.media_type()));
        assert_eq!(kind.is_index(), media_type::is_index(kind.media_type()));
    }
    assert_eq!(ManifestKind::ALL.len(), media_type::ACCEPT.len());
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            for ct in [None, Some(media_type::OCI_MANIFEST), Some(media_type::DOCKER_MANIFEST_V1_SIGNED)] {
                let _ = Manifest::parse(&bytes, ct);
            }
            let _ = detect(&bytes);
        }

        #[test]
        fn mutated_manifests_never_panic(cut in 0usize..400, byte in any::<u8>()) {
            let mut doc = oci_manifest("").into_bytes();
            let at = cut % doc.len();
            doc[at] = byte;
            for kind in ManifestKind::ALL {
                let _ = Manifest::parse(&doc, Some(kind.media_type()));
            }
            let _ = Manifest::parse(&doc[..at], None);
        }
    }
}
