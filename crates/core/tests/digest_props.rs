//! Property tests: the streaming digester and verifier agree with one-shot hashing over any
//! chunking, and digest strings round-trip.
#![cfg(not(target_arch = "wasm32"))]

use ociscope_core::digest::{Algorithm, Digest, DigestError, Digester};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::Sha256), Just(Algorithm::Sha512)]
}

/// Content and a list of cut points splitting it into chunks (empty chunks included).
fn chunked() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    proptest::collection::vec(any::<u8>(), 0..4096).prop_flat_map(|content| {
        let len = content.len();
        (
            Just(content),
            proptest::collection::vec(0..=len, 0..24).prop_map(|mut cuts| {
                cuts.sort_unstable();
                cuts
            }),
        )
    })
}

fn chunks<'a>(content: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        out.push(&content[start..cut]);
        start = cut;
    }
    out.push(&content[start..]);
    out
}

proptest! {
    #[test]
    fn streaming_equals_one_shot(alg in algorithm(), (content, cuts) in chunked()) {
        let one_shot = Digest::of(alg, &content);
        let mut digester = Digester::new(alg);
        let mut verifier = one_shot.verifier(Some(content.len() as u64)).unwrap();
        for chunk in chunks(&content, &cuts) {
            digester.update(chunk);
            verifier.update(chunk);
        }
        prop_assert_eq!(digester.size(), content.len() as u64);
        prop_assert_eq!(digester.finish(), one_shot);
        prop_assert_eq!(verifier.finish(), Ok(()));
    }

    #[test]
    fn verifier_rejects_any_changed_byte(
        alg in algorithm(),
        (content, cuts) in chunked(),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        prop_assume!(!content.is_empty());
        let expected = Digest::of(alg, &content);
        let mut altered = content.clone();
        altered[flip.index(content.len())] ^= 1 << bit;
        let mut verifier = expected.verifier(Some(content.len() as u64)).unwrap();
        for chunk in chunks(&altered, &cuts) {
            verifier.update(chunk);
        }
        let rejected = matches!(verifier.finish(), Err(DigestError::Mismatch { .. }));
        prop_assert!(rejected);
    }

    #[test]
    fn verifier_rejects_truncation(alg in algorithm(), (content, cuts) in chunked()) {
        prop_assume!(!content.is_empty());
        let expected = Digest::of(alg, &content);
        let mut verifier = expected.verifier(Some(content.len() as u64)).unwrap();
        for chunk in chunks(&content[..content.len() - 1], &cuts[..cuts.iter().filter(|&&c| c < content.len()).count()]) {
            verifier.update(chunk);
        }
        let rejected = matches!(verifier.finish(), Err(DigestError::SizeMismatch { .. }));
        prop_assert!(rejected);
    }

    #[test]
    fn digest_strings_round_trip(
        alg in "[a-z0-9]{1,8}([+._-][a-z0-9]{1,8}){0,3}",
        encoded in "[a-zA-Z0-9=_-]{1,80}",
    ) {
        let text = format!("{alg}:{encoded}");
        if let Ok(d) = Digest::parse(&text) {
            prop_assert_eq!(d.as_str(), text.as_str());
            prop_assert_eq!(d.algorithm(), alg.as_str());
            prop_assert_eq!(d.encoded(), encoded.as_str());
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        } else {
            // Only the registered algorithms' rules can refuse a grammar-valid digest.
            prop_assert!(matches!(alg.as_str(), "sha256" | "sha512" | "blake3"));
        }
    }

    #[test]
    fn any_text_parses_or_errors(text in "\\PC{0,160}") {
        let _ = Digest::parse(&text);
    }
}
