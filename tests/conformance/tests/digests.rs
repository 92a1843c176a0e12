//! Every digest case of the corpus (`digests.json`) against `ociscope_core::digest`.
//!
//! Mapping of peer checks onto ociscope's policy (module doc of `digest.rs`):
//! - go-digest `Parse` valid ⇒ `Digest::parse` succeeds; `ErrDigestInvalidFormat` /
//!   `ErrDigestInvalidLength` ⇒ the same error kind; `ErrDigestUnsupported` ⇒ parses by grammar but
//!   `verifier()` reports `Unsupported`. go-digest registers sha384, ociscope verifies only sha256
//!   and sha512, so the sha384 case parses and is reported unsupported for verification.
//! - go-digest `Verifier()` panics ⇒ parse succeeds, `verifier()` is `Unsupported` (never a panic).
//! - image-spec descriptor checks ⇒ `Digest::parse` validity.
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use ociscope_conformance::{json, str_field, Tally, DIGESTS_JSON};
use ociscope_core::digest::{is_valid_algorithm_name, Algorithm, Digest, DigestError, Digester};
use ociscope_core::manifest::Manifest;
use wasm_bindgen_test::wasm_bindgen_test;

fn content_of(case: &serde_json::Value) -> Vec<u8> {
    if let Some(text) = str_field(case, "content_utf8") {
        return text.as_bytes().to_vec();
    }
    if let Some(hex) = str_field(case, "content_hex") {
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
    }
    if let Some(repeat) = case.get("content_repeat") {
        let byte = u8::from_str_radix(repeat["byte_hex"].as_str().unwrap(), 16).unwrap();
        return vec![byte; repeat["count"].as_u64().unwrap() as usize];
    }
    let file = str_field(case, "content_file").expect("case has content");
    ociscope_conformance::file(file)
        .unwrap_or_else(|| panic!("corpus file {file}"))
        .to_vec()
}

#[wasm_bindgen_test(unsupported = test)]
fn parse_cases() {
    let corpus = json(DIGESTS_JSON);
    let mut tally = Tally::new("digest parse");
    for case in corpus["parse_cases"].as_array().unwrap() {
        let input = str_field(case, "input").unwrap();
        let check = str_field(case, "check").unwrap();
        let valid = case["valid"].as_bool().unwrap();
        let error = str_field(case, "error");
        let parsed = Digest::parse(input);
        let ctx = format!("{input:?} ({check})");
        if check.starts_with("go-digest Parse") {
            match error {
                None => {
                    let d = parsed.unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert_eq!(d.as_str(), input, "{ctx}");
                    if let Some(alg) = str_field(case, "algorithm") {
                        assert_eq!(d.algorithm(), alg, "{ctx}");
                    }
                    // sha384 is registered in go-digest, not verifiable here (policy above).
                    let verifiable = matches!(d.algorithm(), "sha256" | "sha512");
                    assert_eq!(d.verifier(None).is_ok(), verifiable, "{ctx}");
                }
                Some("ErrDigestInvalidFormat") => assert!(
                    matches!(parsed, Err(DigestError::InvalidFormat { .. })),
                    "{ctx}: {parsed:?}"
                ),
                Some("ErrDigestInvalidLength") => assert!(
                    matches!(parsed, Err(DigestError::InvalidLength { .. })),
                    "{ctx}: {parsed:?}"
                ),
                Some("ErrDigestUnsupported") => {
                    let d = parsed.unwrap_or_else(|e| panic!("{ctx}: grammar-valid, got {e}"));
                    assert!(
                        matches!(d.verifier(None), Err(DigestError::Unsupported(_))),
                        "{ctx}"
                    );
                }
                Some(other) => panic!("{ctx}: unmapped peer error {other}"),
            }
            assert!(!valid || error.is_none(), "{ctx}");
        } else if check.contains("Verifier()") {
            let d = parsed.unwrap_or_else(|e| panic!("{ctx}: grammar-valid, got {e}"));
            assert!(
                matches!(d.verifier(None), Err(DigestError::Unsupported(_))),
                "{ctx}"
            );
        } else {
            assert_eq!(parsed.is_ok(), valid, "{ctx}: {parsed:?}");
            let grammar = case["oci_grammar_match"].as_bool().unwrap();
            if valid {
                assert!(grammar, "{ctx}");
            }
        }
        tally.ran();
    }
    tally.finish(41);
}

#[wasm_bindgen_test(unsupported = test)]
fn algorithm_names() {
    let corpus = json(DIGESTS_JSON);
    let mut tally = Tally::new("digest algorithm names");
    for case in corpus["algorithm_names"].as_array().unwrap() {
        let input = str_field(case, "input").unwrap();
        let valid = case["valid_name"].as_bool().unwrap();
        let check = str_field(case, "check").unwrap();
        if check.contains("Algorithm.Set") {
            // Selecting an algorithm to compute: only the ones ociscope implements.
            assert_eq!(Algorithm::from_name(input).is_some(), valid, "{input}");
        } else {
            assert_eq!(is_valid_algorithm_name(input), valid, "{input}");
        }
        tally.ran();
    }
    tally.finish(8);
}

#[wasm_bindgen_test(unsupported = test)]
fn content_vectors_one_shot_and_streamed() {
    let corpus = json(DIGESTS_JSON);
    let mut tally = Tally::new("digest content vectors");
    for case in corpus["content_vectors"].as_array().unwrap() {
        let content = content_of(case);
        assert_eq!(content.len() as u64, case["size"].as_u64().unwrap());
        for (alg, key) in [(Algorithm::Sha256, "sha256"), (Algorithm::Sha512, "sha512")] {
            let expected = Digest::parse(str_field(case, key).unwrap()).unwrap();
            assert_eq!(Digest::of(alg, &content), expected, "{}", case["id"]);
            // Streamed in uneven chunks, checked by a verifier with the expected size.
            let mut digester = Digester::new(alg);
            let mut verifier = expected.verifier(Some(content.len() as u64)).unwrap();
            for chunk in content.chunks(7919) {
                digester.update(chunk);
                verifier.update(chunk);
            }
            assert_eq!(digester.finish(), expected);
            assert_eq!(verifier.finish(), Ok(()));
        }
        // Algorithms the corpus also lists but ociscope does not compute are refused, not guessed.
        for key in ["sha384", "blake3"] {
            if let Some(text) = str_field(case, key) {
                let d = Digest::parse(text).unwrap();
                assert!(matches!(
                    d.verify(&content),
                    Err(DigestError::Unsupported(_))
                ));
            }
        }
        tally.ran();
    }
    tally.finish(10);
}

/// The digest a verifier would compute for a corpus file: manifests of Docker schema 1 are
/// digested over their JWS payload, every other file over its exact bytes.
fn content_digest_matches(
    file: Option<&str>,
    content: &[u8],
    digest: &Digest,
) -> Result<bool, String> {
    if let Some(file) = file {
        if file.starts_with("manifests/") && !file.starts_with("manifests/blobs/") {
            let parsed = Manifest::parse(content, None).map_err(|e| e.to_string())?;
            let algorithm = digest.verifiable_algorithm().map_err(|e| e.to_string())?;
            return Ok(parsed.digest_with(algorithm) == *digest);
        }
    }
    Ok(digest.verify(content).is_ok())
}

#[wasm_bindgen_test(unsupported = test)]
fn verify_cases() {
    let corpus = json(DIGESTS_JSON);
    let mut tally = Tally::new("digest verify");
    for case in corpus["verify_cases"].as_array().unwrap() {
        let content = content_of(case);
        let text = str_field(case, "digest").unwrap();
        let matches = case["matches"].as_bool().unwrap();
        let expect_error = case["expect_error"].as_bool().unwrap_or(false);
        let ctx = format!("{text:?} over {:?}", str_field(case, "content_file"));
        match Digest::parse(text) {
            // A digest that does not parse, or whose algorithm is unknown, never matches.
            Err(_) => assert!(!matches, "{ctx}"),
            Ok(d) if d.known_algorithm().is_none() => assert!(!matches, "{ctx}"),
            Ok(d) => match content_digest_matches(str_field(case, "content_file"), &content, &d) {
                Ok(m) => {
                    assert!(!expect_error, "{ctx}: expected an error");
                    assert_eq!(m, matches, "{ctx}");
                }
                Err(e) => assert!(expect_error, "{ctx}: unexpected error {e}"),
            },
        }
        if let Some(size) = case.get("expected_size").and_then(|s| s.as_u64()) {
            assert_eq!(content.len() as u64, size, "{ctx}");
        }
        tally.ran();
    }
    tally.finish(18);
}
