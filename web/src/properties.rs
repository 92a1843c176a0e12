//! Property tests: every helper that shapes text a registry (or an address) supplies, fed
//! arbitrary Unicode — non-ASCII, control characters, markup, very long — must return without
//! panicking (a panic in wasm freezes the app) and keep its documented promise. Native only
//! (proptest); `format` and `route` hold their own.

use std::collections::HashMap;

use ociscope_core::spec::{Error, ErrorKind, Tag};
use ociscope_core::{media_type, Descriptor, Digest, ErrorCode, RegistryError};
use ociscope_tools::config::{shell_words, ImageConfig};
use proptest::prelude::*;

use crate::{bulk_delete, credentials, explain, json_segments, listing, recent, safe_url};
use crate::{version_sort, views};

/// Text as hostile as a registry may send: any Unicode, plus runs of the characters that
/// break naive code (multi-byte, right-to-left marks, NUL and other controls, markup).
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9<>&\"'ü😀\u{202e}\u{0}\u{1b}\n\t:@/.-]{0,40}",
        ".{0,300}",
    ]
}

fn descriptor(media: String, artifact_type: Option<String>) -> Descriptor {
    let mut d = Descriptor::new(media, Digest::sha256_of(b"x"), 1);
    d.artifact_type = artifact_type;
    d
}

proptest! {
    #[test]
    fn version_sort_is_a_total_order(a in hostile(), b in hostile(), c in hostile()) {
        use std::cmp::Ordering;
        prop_assert_eq!(version_sort::compare(&a, &b), version_sort::compare(&b, &a).reverse());
        prop_assert_eq!(version_sort::compare(&a, &a), Ordering::Equal);
        let mut v = vec![a.clone(), b.clone(), c.clone()];
        version_sort::sort(&mut v);
        prop_assert!(v.windows(2).all(|w| version_sort::compare(&w[0], &w[1]) != Ordering::Greater));
    }

    #[test]
    fn only_http_urls_become_links(url in hostile(), rest in hostile()) {
        for u in [url.clone(), format!("https://{rest}"), format!("javascript:{rest}")] {
            if let Some(target) = safe_url::link_target(&u) {
                let lower = target.to_ascii_lowercase();
                prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"));
                prop_assert!(!target.chars().any(|c| c.is_control() || c.is_whitespace()));
            }
        }
    }

    #[test]
    fn errors_with_any_message_are_explained(message in hostile(), action in hostile(), status in 100u16..600) {
        let mut registry = RegistryError::with_message(ErrorCode::ManifestUnknown, message.clone());
        registry.status = status;
        for e in [Error::Registry(registry), Error::other(ErrorKind::Cors, message.clone()), Error::other(ErrorKind::Network, message.clone())] {
            let x = explain::explain(&action, &e);
            prop_assert!(!x.title.is_empty() && !x.advice.is_empty());
        }
    }

    #[test]
    fn json_with_any_strings_prints_back_to_the_same_document(key in hostile(), value in hostile(), digest_like in hostile()) {
        let doc = serde_json::json!({
            key.clone(): value,
            "digest": format!("sha256:{digest_like}"),
            "config": {"mediaType": media_type::OCI_CONFIG, "digest": Digest::sha256_of(key.as_bytes()).to_string()},
            "list": [key, 1, null, {"": []}],
        });
        let segments = json_segments::segments(doc.to_string().as_bytes()).expect("JSON");
        let printed: String = segments.iter().map(|s| match s {
            json_segments::Segment::Text(t) => t.as_str(),
            json_segments::Segment::Link { text, .. } => text.as_str(),
        }).collect();
        let back: serde_json::Value = serde_json::from_str(&printed).expect("reparses");
        prop_assert_eq!(back, doc);
    }

    #[test]
    fn any_bytes_as_json_or_preview(bytes in prop::collection::vec(any::<u8>(), 0..200), text in hostile()) {
        let _ = json_segments::segments(&bytes);
        let _ = views::blob::preview_of(&bytes);
        let _ = views::blob::preview_of(text.as_bytes());
    }

    #[test]
    fn listing_filters_and_groups_any_names(names in prop::collection::vec(hostile(), 0..20), filter in hostile()) {
        for n in &names {
            prop_assert!(n.starts_with(listing::namespace(n)));
            let _ = listing::matches(n, &filter);
        }
        for grouped in [false, true] {
            let rows = listing::rows(&names, &filter, grouped);
            prop_assert!(listing::repo_count(&rows) <= names.len());
        }
    }

    #[test]
    fn days_and_dates_from_anywhere(created in hostile(), day in hostile()) {
        let _ = bulk_delete::created_before(&created, &day);
        if let Some(d) = bulk_delete::parse_day(&day) {
            prop_assert_eq!(d.len(), 10);
        }
        prop_assert!(!bulk_delete::created_before(&created, "not a day"));
    }

    #[test]
    fn stored_values_of_any_shape_decode(stored in hostile(), registry in hostile()) {
        let _ = credentials::decode(&stored);
        let _ = credentials::key(&registry);
        let _ = recent::decode(&stored);
        let list = recent::remember(&recent::decode(&stored), &registry);
        prop_assert_eq!(list.first(), Some(&registry));
    }

    #[test]
    fn referrers_group_under_any_artifact_type(types in prop::collection::vec((hostile(), prop::option::of(hostile())), 0..10)) {
        let n = types.len();
        let groups = views::referrers::group(types.into_iter().map(|(m, a)| descriptor(m, a)).collect());
        prop_assert_eq!(groups.values().map(Vec::len).sum::<usize>(), n);
    }

    #[test]
    fn tags_typed_by_hand_and_confirmations(text in hostile(), digest in hostile()) {
        let _ = views::copy::parse_tags(&text);
        let tags = Tag::all(["a", "latest"]).expect("valid tags");
        for target in [views::delete::DeleteTarget::Manifest, views::delete::DeleteTarget::Tag(tags[0].clone())] {
            prop_assert!(views::delete::consequence(&target, &digest, &tags).contains(digest.as_str()));
        }
    }

    #[test]
    fn tags_sort_by_any_dates(tags in prop::collection::vec(hostile(), 0..12), dates in prop::collection::vec(prop::option::of(hostile()), 0..12)) {
        let mut details = HashMap::new();
        for (t, created) in tags.iter().zip(dates) {
            details.insert(t.clone(), Ok(views::tags::TagInfo {
                digest: Digest::sha256_of(t.as_bytes()),
                media_type: t.clone(),
                size: Some(t.len() as u64),
                created,
                platforms: None,
                children: Vec::new(),
                platform_details: Vec::new(),
            }));
        }
        for by in [views::tags::SortBy::Name, views::tags::SortBy::NameDesc, views::tags::SortBy::Created, views::tags::SortBy::Size] {
            let mut sorted = tags.clone();
            views::tags::sort_tags(&mut sorted, by, &details);
            sorted.sort();
            let mut original = tags.clone();
            original.sort();
            prop_assert_eq!(sorted, original);
        }
    }

    #[test]
    fn image_configs_with_any_strings(created in hostile(), word in hostile(), key in hostile()) {
        let json = serde_json::json!({
            "created": created, "author": word, "os": word, "architecture": key, "variant": word,
            "os.version": word, "os.features": [word],
            "config": {"Entrypoint": [word, key], "Cmd": word, "Env": [format!("{key}={word}")],
                       "Labels": {key.clone(): word}, "User": word, "WorkingDir": word,
                       "ExposedPorts": {key.clone(): {}}, "Volumes": {word.clone(): {}}},
            "history": [{"created": created, "created_by": word, "comment": key}],
        });
        let c = ImageConfig::from_json(json.to_string().as_bytes()).expect("an object");
        let _ = c.platform().map(|p| p.to_string());
        let _ = c.architecture_with_variant();
        let _ = shell_words(&c.entrypoint);
        let _ = shell_words(&c.cmd);
        let _ = c.created.as_deref().map(crate::format::date);
        for h in &c.history {
            let _ = h.created.as_deref().map(crate::format::date);
        }
    }
}
