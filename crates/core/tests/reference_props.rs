//! Property tests for image references: references generated from the grammar round-trip
//! through the strict and normalized parses, and familiar strings read back as canonical ones.
#![cfg(not(target_arch = "wasm32"))]

use ociscope_core::reference::{grammar, AnyReference, Reference, ReferenceError};
use ociscope_core::Digest;
use proptest::prelude::*;

/// One path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn path_component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,3}"
}

/// A path component without '.', so the normalized parse never takes it for a domain.
fn familiar_component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((_|__|-{1,3})[a-z0-9]{1,6}){0,3}"
        .prop_filter("localhost is always a domain", |c| c != "localhost")
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(path_component(), 1..4).prop_map(|c| c.join("/"))
}

fn familiar_path() -> impl Strategy<Value = String> {
    (
        familiar_component(),
        prop::collection::vec(path_component(), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut all = vec![first];
            all.extend(rest);
            all.join("/")
        })
}

fn port() -> impl Strategy<Value = String> {
    prop::option::of("[0-9]{1,5}").prop_map(|p| p.map(|p| format!(":{p}")).unwrap_or_default())
}

/// A domain the normalized parse keeps as a domain: a dotted name, localhost, an IPv4 address or
/// an IPv6 literal, or any host with a port.
fn qualified_domain() -> impl Strategy<Value = String> {
    let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?";
    prop_oneof![
        (
            prop::collection::vec(label, 2..4).prop_map(|l| l.join(".")),
            port()
        )
            .prop_map(|(h, p)| format!("{h}{p}")),
        (label, "[0-9]{1,5}").prop_map(|(h, p)| format!("{h}:{p}")),
        port().prop_map(|p| format!("localhost{p}")),
        (prop::collection::vec(0u8..=255, 4), port())
            .prop_map(|(o, p)| format!("{}.{}.{}.{}{p}", o[0], o[1], o[2], o[3])),
        ("[a-fA-F0-9]{0,8}:[a-fA-F0-9:]{0,12}", port()).prop_map(|(h, p)| format!("[{h}]{p}")),
        Just("index.docker.io".to_string()),
        Just("docker.io".to_string()),
    ]
}

fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}",
        "[A-Za-z0-9_][A-Za-z0-9_.-]{127}",
    ]
}

fn digest() -> impl Strategy<Value = Digest> {
    prop_oneof![
        "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}")),
        "[0-9a-f]{128}".prop_map(|h| format!("sha512:{h}")),
    ]
    .prop_map(|d| Digest::parse(&d).expect("generated digest is valid"))
}

/// Parts of a generated reference and the string they make.
#[derive(Clone, Debug)]
struct Generated {
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Generated {
    fn text(&self) -> String {
        let mut s = String::new();
        if let Some(domain) = &self.domain {
            s.push_str(domain);
            s.push('/');
        }
        s.push_str(&self.path);
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest.as_str());
        }
        s
    }
}

fn generated(
    domain: impl Strategy<Value = Option<String>>,
    path: impl Strategy<Value = String>,
) -> impl Strategy<Value = Generated> {
    (
        domain,
        path,
        prop::option::of(tag()),
        prop::option::of(digest()),
    )
        .prop_map(|(domain, path, tag, digest)| Generated {
            domain,
            path,
            tag,
            digest,
        })
}

/// Any reference the grammar allows (the domain may be absent or any valid domain).
fn any_reference() -> impl Strategy<Value = Generated> {
    generated(prop::option::of(qualified_domain()), path())
}

/// Checks the invariants every normalized reference has.
fn check_normalized(r: &Reference) -> Result<(), TestCaseError> {
    prop_assert!(r.domain().is_some(), "{r} has no domain");
    let canonical = r.to_string();
    prop_assert_eq!(&Reference::parse_normalized(&canonical), &Ok(r.clone()));
    prop_assert_eq!(&Reference::parse_canonical(&canonical), &Ok(r.clone()));
    prop_assert_eq!(&Reference::parse_strict(&canonical), &Ok(r.clone()));
    let familiar = r.familiar();
    prop_assert_eq!(
        &Reference::parse_normalized(&familiar),
        &Ok(r.clone()),
        "familiar {}",
        familiar
    );
    let json = serde_json::to_string(r).expect("serializes");
    prop_assert_eq!(
        serde_json::from_str::<Reference>(&json).ok(),
        Some(r.clone())
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn strict_parse_prints_its_input(g in any_reference()) {
        let text = g.text();
        let r = Reference::parse_strict(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(r.to_string(), text.clone());
        prop_assert_eq!(r.tag(), g.tag.as_deref());
        prop_assert_eq!(r.digest(), g.digest.as_ref());
        match &g.domain {
            Some(domain) => {
                prop_assert_eq!(r.domain(), Some(domain.as_str()));
                prop_assert_eq!(r.path(), g.path.as_str());
            }
            // Without a domain the grammar may still read the first component as one.
            None => prop_assert_eq!(r.name(), g.path.as_str()),
        }
        prop_assert_eq!(Reference::parse_strict(&r.to_string()), Ok(r.clone()));
        prop_assert!(grammar::is_reference(&text));
        prop_assert!(grammar::is_name(r.name()));
    }

    #[test]
    fn qualified_references_keep_their_domain(
        g in generated(qualified_domain().prop_map(Some), path())
    ) {
        let text = g.text();
        let r = Reference::parse_normalized(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let given = g.domain.as_deref().unwrap_or_default();
        let want = if given == "index.docker.io" { "docker.io" } else { given };
        prop_assert_eq!(r.domain(), Some(want));
        if want == "docker.io" && !g.path.contains('/') {
            prop_assert_eq!(r.path(), format!("library/{}", g.path));
        } else {
            prop_assert_eq!(r.path(), g.path.as_str());
            if given == want {
                prop_assert_eq!(r.to_string(), text.clone());
            }
        }
        prop_assert_eq!(r.tag(), g.tag.as_deref());
        prop_assert_eq!(r.digest(), g.digest.as_ref());
        check_normalized(&r)?;
    }

    #[test]
    fn familiar_references_go_to_docker_hub(g in generated(Just(None), familiar_path())) {
        let text = g.text();
        let r = Reference::parse_normalized(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(r.domain(), Some("docker.io"));
        let want_path = if g.path.contains('/') { g.path.clone() } else { format!("library/{}", g.path) };
        prop_assert_eq!(r.path(), want_path.as_str());
        check_normalized(&r)?;
        // The familiar form of a familiar input is the input, unless it spelled out `library/`.
        if !g.path.starts_with("library/") || g.path.matches('/').count() > 1 {
            prop_assert_eq!(r.familiar(), text.clone());
        }
    }

    #[test]
    fn normalized_parse_of_any_grammar_reference(g in any_reference()) {
        let text = g.text();
        match Reference::parse_normalized(&text) {
            Ok(r) => {
                check_normalized(&r)?;
                prop_assert_eq!(r.tag(), g.tag.as_deref());
                prop_assert_eq!(r.digest(), g.digest.as_ref());
            }
            // The only refusal: a first component with a '.' that is not a valid domain.
            Err(ReferenceError::InvalidFormat { .. }) => {
                let first = text.split('/').next().unwrap_or_default();
                prop_assert!(first.contains('.') && !grammar::is_domain(first), "{text}");
            }
            Err(e) => return Err(TestCaseError::fail(format!("{text}: {e}"))),
        }
    }

    #[test]
    fn docker_parse_has_a_tag_or_a_digest(g in any_reference()) {
        if let Ok(r) = Reference::parse_docker(&g.text()) {
            prop_assert!(r.tag().is_some() != r.digest().is_some(), "{r}");
            prop_assert_eq!(Reference::parse_docker(&r.to_string()), Ok(r.clone()));
        }
    }

    #[test]
    fn any_reference_round_trips(g in any_reference(), id in "[0-9a-f]{64}") {
        for text in [g.text(), id.clone()] {
            if let Ok(any) = AnyReference::parse(&text) {
                prop_assert_eq!(AnyReference::parse(&any.to_string()), Ok(any.clone()));
            }
        }
        prop_assert!(matches!(AnyReference::parse(&id), Ok(AnyReference::Digest(_))));
    }

    #[test]
    fn builders_match_the_parse(g in any_reference()) {
        let name = Reference::with_name(&g.domain.as_ref().map_or(g.path.clone(), |d| format!("{d}/{}", g.path)))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut built = name.clone();
        if let Some(tag) = &g.tag {
            built = built.with_tag(tag).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        if let Some(digest) = &g.digest {
            built = built.with_digest(digest.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        prop_assert_eq!(built.to_string(), g.text());
        prop_assert_eq!(Reference::parse_strict(&g.text()), Ok(built.clone()));
        prop_assert_eq!(built.name_only(), name);
        prop_assert!(built.without_digest().digest().is_none());
    }

    /// Arbitrary text, biased towards the grammar's characters: nothing panics, and successes
    /// keep their invariants.
    #[test]
    fn arbitrary_text_never_panics(text in prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9:/@._\\-\\[\\]%é]{0,40}",
    ]) {
        if let Ok(r) = Reference::parse_strict(&text) {
            prop_assert_eq!(r.to_string(), text.clone());
        }
        if let Ok(r) = Reference::parse_normalized(&text) {
            check_normalized(&r)?;
        }
        if let Ok(r) = Reference::parse_canonical(&text) {
            prop_assert_eq!(r.to_string(), text.clone());
        }
        let _ = Reference::parse_docker(&text);
        let _ = Reference::with_name(&text);
        let _ = AnyReference::parse(&text);
        let _ = grammar::split_reference(&text);
    }
}
