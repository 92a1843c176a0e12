//! Property tests: header grammars and registry error bodies round-trip and never panic.
#![cfg(not(target_arch = "wasm32"))]

use ociscope_core::headers::chunk::{format_chunk_min_length, parse_chunk_min_length};
use ociscope_core::headers::filters::{format_filters_applied, parse_filters_applied};
use ociscope_core::headers::link::{find_next, format_links, resolve_url, LinkValue};
use ociscope_core::headers::range::{
    ByteRange, ByteRangeSet, ChunkRange, ContentRange, RangeOutcome, UploadRange,
};
use ociscope_core::headers::retry_after::{HttpDate, RetryAfter};
use ociscope_core::headers::scope::{merge_scopes, scopes_cover, Scope};
use ociscope_core::headers::www_authenticate::{
    format_challenges, AuthChallenge, BearerChallenge, Challenge,
};
use ociscope_core::registry_error::{ErrorCode, ErrorInfo, RegistryError};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn lower_token() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,10}"
}

/// Values a quoted string can carry: printable text with quotes, backslashes, tabs, non-ASCII.
fn quoted_value() -> impl Strategy<Value = String> {
    "[ -~\t\u{a0}-\u{ff}é世]{0,24}"
}

fn challenge() -> impl Strategy<Value = Challenge> {
    let token68 = "[A-Za-z0-9._~+/-]{1,16}=*".prop_map(Some);
    let params = prop::collection::vec((lower_token(), quoted_value()), 0..5);
    (token(), prop_oneof![Just(None), token68], params).prop_map(|(scheme, token68, params)| {
        Challenge {
            scheme,
            params: if token68.is_some() {
                Vec::new()
            } else {
                params
            },
            token68,
        }
    })
}

fn scope() -> impl Strategy<Value = Scope> {
    (
        prop_oneof![
            Just("repository".to_string()),
            Just("registry".to_string()),
            Just("repository(plugin)".to_string())
        ],
        "[a-z0-9]{1,6}(/[a-z0-9._-]{1,6}){0,2}(:[0-9]{1,4}/[a-z]{1,4})?",
        prop::collection::vec(
            prop_oneof![Just("pull"), Just("push"), Just("delete"), Just("*")],
            1..4,
        ),
    )
        .prop_map(|(t, name, actions)| Scope::new(&t, &name, &actions))
}

fn link() -> impl Strategy<Value = LinkValue> {
    (
        "[!-;=?-~]{0,30}",
        prop::collection::vec((lower_token(), prop::option::of(quoted_value())), 0..4),
    )
        .prop_map(|(target, params)| LinkValue {
            target: target.trim().to_string(),
            params,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn challenges_round_trip(challenges in prop::collection::vec(challenge(), 1..4)) {
        let text = format_challenges(&challenges);
        prop_assert_eq!(Challenge::parse_all(&text).unwrap(), challenges.clone());
        let typed: Vec<AuthChallenge> = challenges.into_iter().map(AuthChallenge::from).collect();
        prop_assert_eq!(AuthChallenge::parse_all(&format_challenges(&typed)).unwrap(), typed);
    }

    #[test]
    fn bearer_challenges_round_trip(
        realm in quoted_value(),
        service in prop::option::of(quoted_value()),
        scopes in prop::collection::vec(scope(), 0..3),
        error in prop::option::of(lower_token()),
    ) {
        let mut bearer = BearerChallenge::new(realm).with_scopes(&scopes);
        bearer.service = service;
        bearer.error = error;
        let parsed = AuthChallenge::parse_all(&bearer.to_string()).unwrap();
        prop_assert_eq!(&parsed, &vec![AuthChallenge::Bearer(bearer.clone())]);
        prop_assert_eq!(bearer.scopes().unwrap(), scopes);
    }

    #[test]
    fn any_authenticate_value_parses_stably(value in "\\PC{0,60}") {
        if let Ok(parsed) = Challenge::parse_all(&value) {
            let again = Challenge::parse_all(&format_challenges(&parsed)).unwrap();
            prop_assert_eq!(again, parsed);
        }
    }

    #[test]
    fn links_round_trip(links in prop::collection::vec(link(), 0..4)) {
        let text = format_links(&links);
        prop_assert_eq!(LinkValue::parse_all(&text).unwrap(), links);
    }

    #[test]
    fn any_link_value_parses_stably(value in "\\PC{0,60}") {
        if let Ok(parsed) = LinkValue::parse_all(&value) {
            prop_assert_eq!(LinkValue::parse_all(&format_links(&parsed)).unwrap(), parsed);
            let _ = find_next([value.as_str()]);
        }
    }

    #[test]
    fn network_path_references_change_host(reference in "//[a-z]{1,5}(/[a-z]{0,3}){0,2}") {
        prop_assert_eq!(resolve_url("http://x/a/b", &reference).unwrap(), format!("http:{reference}"));
    }

    #[test]
    fn resolution_stays_on_origin(path in "(/[a-z0-9._]{0,5}){0,4}", reference in "[a-z0-9./?=&]{0,20}") {
        prop_assume!(!reference.starts_with("//"));
        let base = format!("https://r.example:5000{path}");
        let resolved = resolve_url(&base, &reference).unwrap();
        let rest = resolved.strip_prefix("https://r.example:5000").unwrap();
        prop_assert!(rest.is_empty() || rest.starts_with(['/', '?', '#']), "{}", resolved);
        let path = rest.split(['?', '#']).next().unwrap();
        // A reference with a path has its dot segments removed (an empty one keeps the base's).
        if !reference.is_empty() && !reference.starts_with('?') {
            prop_assert!(!path.split('/').any(|s| s == ".." || s == "."), "{}", resolved);
        }
    }

    #[test]
    fn scopes_round_trip_and_merge(scopes in prop::collection::vec(scope(), 0..6)) {
        for s in &scopes {
            prop_assert_eq!(&Scope::parse(&s.to_string()).unwrap(), s);
        }
        let merged = merge_scopes(scopes.clone());
        prop_assert!(scopes_cover(&merged, &scopes));
        prop_assert_eq!(merge_scopes(merged.clone()), merged.clone());
        for (i, a) in merged.iter().enumerate() {
            for b in &merged[i + 1..] {
                prop_assert!(a.resource_type != b.resource_type || a.name != b.name);
            }
        }
    }

    #[test]
    fn upload_ranges_round_trip(received in any::<u64>()) {
        prop_assume!(received != 1);
        let text = UploadRange::new(received).to_string();
        prop_assert_eq!(UploadRange::parse(&text).unwrap().received, received);
    }

    #[test]
    fn chunk_ranges_round_trip(offset in any::<u64>(), len in any::<u64>()) {
        if let Some(chunk) = ChunkRange::for_chunk(offset, len) {
            prop_assert_eq!(chunk.len(), len);
            prop_assert_eq!(ChunkRange::parse(&chunk.to_string()).unwrap(), chunk);
        } else {
            prop_assert!(len == 0 || offset.checked_add(len - 1).is_none());
        }
    }

    #[test]
    fn byte_ranges_resolve_inside_the_blob(first in 0u64..2000, extra in 0u64..2000, size in 0u64..3000, suffix in 0u64..4000) {
        let ranges = [
            ByteRange::FromTo { first, last: first + extra },
            ByteRange::From(first),
            ByteRange::Suffix(suffix),
        ];
        let set = ByteRangeSet(ranges.to_vec());
        prop_assert_eq!(ByteRangeSet::parse(&set.to_string()).unwrap(), set);
        for range in ranges {
            let header = ByteRangeSet::single(range).to_string();
            match range.resolve(size) {
                Ok(r) => {
                    prop_assert!(r.start <= r.end && r.end < size && r.total == size);
                    if let ByteRange::Suffix(n) = range {
                        prop_assert_eq!(r.len(), n.min(size));
                    }
                    let content_range = r.content_range();
                    prop_assert_eq!(ContentRange::parse(&content_range.to_string()).unwrap(), content_range);
                    prop_assert!(content_range.answers(&range));
                    prop_assert_eq!(RangeOutcome::for_request(Some(&header), size), RangeOutcome::Partial(r));
                }
                Err(reason) => {
                    prop_assert_eq!(reason.size(), size);
                    let content_range = reason.content_range();
                    prop_assert_eq!(ContentRange::parse(&content_range.to_string()).unwrap(), content_range);
                    prop_assert_eq!(RangeOutcome::for_request(Some(&header), size), RangeOutcome::Unsatisfiable(reason));
                }
            }
        }
    }

    #[test]
    fn range_parsers_never_panic(value in "\\PC{0,40}") {
        let _ = UploadRange::parse(&value);
        let _ = ChunkRange::parse(&value);
        let _ = ContentRange::parse(&value);
        let _ = RangeOutcome::for_request(Some(&value), 100);
        if let Ok(set) = ByteRangeSet::parse(&value) {
            prop_assert_eq!(ByteRangeSet::parse(&set.to_string()).unwrap(), set);
        }
    }

    #[test]
    fn retry_after_round_trips(secs in 0u64..=253_402_300_799, delay in any::<u64>()) {
        let date = RetryAfter::Date(HttpDate::from_unix_secs(secs).unwrap());
        prop_assert_eq!(RetryAfter::parse(&date.to_string()).unwrap(), date);
        prop_assert_eq!(RetryAfter::parse(&delay.to_string()).unwrap(), RetryAfter::Seconds(delay));
    }

    #[test]
    fn small_headers_round_trip(n in any::<u64>(), filters in prop::collection::vec(token(), 0..4)) {
        prop_assert_eq!(parse_chunk_min_length(&format_chunk_min_length(n)).unwrap(), n);
        prop_assert_eq!(parse_filters_applied(&format_filters_applied(&filters)).unwrap(), filters);
    }

    #[test]
    fn registry_error_bodies_never_fail(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..300)) {
        let error = RegistryError::from_response(status, &body);
        prop_assert_eq!(error.status, status);
        prop_assert!(!error.to_string().is_empty());
        let back = RegistryError::from_response(status, error.to_body().as_bytes());
        prop_assert!(!back.errors.is_empty());
    }

    #[test]
    fn registry_error_bodies_round_trip(
        entries in prop::collection::vec(("[A-Z_]{1,20}", quoted_value(), prop::option::of("[a-z]{0,8}")), 1..4),
        status in 400u16..600,
    ) {
        let errors = entries
            .into_iter()
            .map(|(code, message, detail)| ErrorInfo {
                code: ErrorCode::parse(&code),
                message,
                detail: detail.map(serde_json::Value::String),
            })
            .collect();
        let error = RegistryError::from_errors(status, errors);
        prop_assert_eq!(RegistryError::from_response(status, error.to_body().as_bytes()), error);
    }
}
