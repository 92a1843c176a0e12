//! Runs every case of the corpus's `references.json` against `ociscope_core::reference`.
//!
//! Each case is mapped by its `api` onto the matching operation; every field the case states
//! (`valid`, `error`, `string`, `normalized`, `familiar`, `name`, `domain`, `path`, `tag`,
//! `digest`, `result_kind`) is checked. Cases where ociscope's documented policy deliberately
//! differs are listed in [`DIVERGENCES`] and asserted to have ociscope's behaviour instead.

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use ociscope_conformance::{json, str_field, Tally, REFERENCES_JSON};
use ociscope_core::reference::{grammar, AnyReference, Reference, ReferenceError, MAX_PATH_LEN};
use ociscope_core::{Digest, DigestError};
use serde_json::Value;

/// Cases whose expectation ociscope deliberately does not follow, with the reason (see the
/// policies in the `reference` module doc). Each is checked for ociscope's own behaviour.
const DIVERGENCES: &[(&str, &str)] = &[
    (
        "ref-014",
        "sha512 references are accepted (OCI registers sha512, containers/image accepts them); \
         the peer test fails only because its test binary lacks sha512",
    ),
    (
        "ref-048",
        "peer_conflict: only the path is limited to 255 characters (current \
         distribution/reference); containers/image's older copy limits the whole name",
    ),
    (
        "ref-071",
        "builders take a validated Digest; a sha256 digest with 37 hex digits is not one, \
         so the peer's grammar-only WithDigest result cannot be built",
    ),
    ("ref-072", "as ref-071: a 37-hex sha256 digest is refused"),
    ("ref-073", "as ref-071: a 37-hex sha256 digest is refused"),
    ("ref-074", "as ref-071: a 37-hex sha256 digest is refused"),
    ("ref-075", "as ref-071: a 37-hex sha256 digest is refused"),
];

/// How many cases of each api the corpus README announces (315 in all).
const GROUPS: &[(&str, usize)] = &[
    ("parse", 52),
    ("parse_normalized_named", 97),
    ("parse_docker_ref", 11),
    ("parse_any", 14),
    ("parse_named", 8),
    ("with_name", 14),
    ("with_tag", 6),
    ("with_digest", 5),
    ("regexp_domain", 30),
    ("regexp_name", 61),
    ("regexp_reference", 12),
    ("regexp_identifier", 5),
];

/// The peer error name matching one of ours.
fn peer_error(error: &ReferenceError) -> &'static str {
    match error {
        ReferenceError::InvalidFormat { .. } => "ErrReferenceInvalidFormat",
        ReferenceError::TagInvalidFormat { .. } => "ErrTagInvalidFormat",
        ReferenceError::DigestInvalidFormat(_) => "digest.ErrDigestInvalidFormat",
        ReferenceError::DigestInvalidLength(_) => "digest.ErrDigestInvalidLength",
        ReferenceError::DigestUnsupported { .. } => "digest.ErrDigestUnsupported",
        ReferenceError::NameContainsUppercase { .. } => "ErrNameContainsUppercase",
        ReferenceError::NameEmpty => "ErrNameEmpty",
        ReferenceError::NameTooLong { .. } => "ErrNameTooLong",
        ReferenceError::NameNotCanonical { .. } => "ErrNameNotCanonical",
        ReferenceError::NameIsImageId { .. } => "invalid repository name (64-byte hexadecimal)",
    }
}

type Outcome = Result<(), String>;

fn expect_eq(what: &str, got: &str, want: &str) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// A field the case states, as `Some(None)` for JSON null and `Some(Some(s))` for a string.
fn stated<'a>(case: &'a Value, key: &str) -> Option<Option<&'a str>> {
    case.get(key).map(Value::as_str)
}

fn expect_opt(case: &Value, key: &str, got: Option<&str>) -> Outcome {
    match stated(case, key) {
        Some(want) if want != got => Err(format!("{key}: got {got:?}, want {want:?}")),
        _ => Ok(()),
    }
}

/// Checks every stated field of a case against a reference.
fn check_reference(case: &Value, reference: &Reference, normalized: bool) -> Outcome {
    if let Some(want) = str_field(case, "string") {
        expect_eq("string", &reference.to_string(), want)?;
    }
    if let Some(want) = str_field(case, "normalized") {
        expect_eq("normalized", &reference.to_string(), want)?;
    }
    if let Some(want) = str_field(case, "familiar") {
        expect_eq("familiar", &reference.familiar(), want)?;
    }
    if let Some(want) = str_field(case, "name") {
        expect_eq("name", reference.name(), want)?;
    }
    if let Some(want) = str_field(case, "domain") {
        expect_eq("domain", reference.domain().unwrap_or(""), want)?;
    }
    if let Some(want) = str_field(case, "path") {
        expect_eq("path", reference.path(), want)?;
    }
    expect_opt(case, "tag", reference.tag())?;
    expect_opt(case, "digest", reference.digest().map(Digest::as_str))?;
    if normalized {
        // Invariants of normalized references: fully qualified, reparse to themselves, and
        // their familiar form reads back as the same reference.
        if reference.domain().is_none() {
            return Err("normalized reference has no domain".into());
        }
        let again = Reference::parse_normalized(&reference.to_string());
        if again.as_ref() != Ok(reference) {
            return Err(format!("canonical string does not reparse: {again:?}"));
        }
        let familiar = Reference::parse_normalized(&reference.familiar());
        if familiar.as_ref() != Ok(reference) {
            return Err(format!("familiar string does not reparse: {familiar:?}"));
        }
    }
    Ok(())
}

/// Checks validity, error kind and (when valid) the stated fields of a parse result.
fn check_result(
    case: &Value,
    result: Result<Reference, ReferenceError>,
    normalized: bool,
) -> Outcome {
    let valid = case["valid"]
        .as_bool()
        .ok_or("case has no boolean `valid`")?;
    match (result, valid) {
        (Ok(reference), true) => check_reference(case, &reference, normalized),
        (Ok(reference), false) => Err(format!("accepted as {reference}, want an error")),
        (Err(error), true) => Err(format!("refused ({error}), want valid")),
        (Err(error), false) => match str_field(case, "error") {
            Some(want) => expect_eq("error", peer_error(&error), want),
            None => Ok(()),
        },
    }
}

/// The name a with_tag / with_digest case starts from.
fn builder_name(case: &Value) -> Result<Reference, ReferenceError> {
    let input = str_field(case, "input").unwrap_or_default();
    if str_field(case, "source").is_some_and(|s| s.contains("normalize_test")) {
        Reference::parse_normalized(input)
    } else {
        Reference::with_name(input)
    }
}

fn digest_arg(case: &Value) -> Result<Digest, ReferenceError> {
    Digest::parse(str_field(case, "digest_arg").unwrap_or_default()).map_err(ReferenceError::from)
}

fn tag_arg(case: &Value) -> &str {
    str_field(case, "tag_arg").unwrap_or_default()
}

fn check_grammar(case: &Value, matched: bool) -> Outcome {
    let valid = case["valid"]
        .as_bool()
        .ok_or("case has no boolean `valid`")?;
    if matched == valid {
        Ok(())
    } else {
        Err(format!("grammar match {matched}, want {valid}"))
    }
}

/// Runs one case by its api, following the corpus expectation.
fn run_case(case: &Value) -> Outcome {
    let input = str_field(case, "input").ok_or("case has no input")?;
    let api = str_field(case, "api").ok_or("case has no api")?;
    match api {
        "parse" => {
            let result = Reference::parse_strict(input);
            if let Ok(reference) = &result {
                expect_eq("strict to_string", &reference.to_string(), input)?;
            }
            check_result(case, result, false)
        }
        "parse_normalized_named" => check_result(case, Reference::parse_normalized(input), true),
        "parse_docker_ref" => check_result(case, Reference::parse_docker(input), true),
        "parse_named" => {
            let result = Reference::parse_canonical(input);
            if let Ok(reference) = &result {
                expect_eq("canonical to_string", &reference.to_string(), input)?;
            }
            check_result(case, result, true)
        }
        "parse_any" => {
            let valid = case["valid"]
                .as_bool()
                .ok_or("case has no boolean `valid`")?;
            match (AnyReference::parse(input), valid) {
                (Ok(any), true) => {
                    if let Some(want) = str_field(case, "normalized") {
                        expect_eq("normalized", &any.to_string(), want)?;
                    }
                    expect_opt(case, "digest", any.digest().map(Digest::as_str))?;
                    let kind = match &any {
                        AnyReference::Named(reference) => {
                            check_reference(case, reference, true)?;
                            "named"
                        }
                        AnyReference::Digest(_) => "digest_only",
                    };
                    if let Some(want) = str_field(case, "result_kind") {
                        expect_eq("result_kind", kind, want)?;
                    }
                    let again = AnyReference::parse(&any.to_string());
                    if again.as_ref() != Ok(&any) {
                        return Err(format!("string does not reparse: {again:?}"));
                    }
                    Ok(())
                }
                (Ok(any), false) => Err(format!("accepted as {any}, want an error")),
                (Err(error), true) => Err(format!("refused ({error}), want valid")),
                (Err(_), false) => Ok(()),
            }
        }
        "with_name" => {
            let result = Reference::with_name(input);
            if let Ok(reference) = &result {
                expect_eq("name", reference.name(), input)?;
                if reference.tag().is_some() || reference.digest().is_some() {
                    return Err("with_name result has a tag or digest".into());
                }
            }
            check_result(case, result, false)
        }
        "with_tag" => {
            let result = builder_name(case).and_then(|name| {
                let name = match case.get("digest_arg") {
                    Some(_) => name.with_digest(digest_arg(case)?)?,
                    None => name,
                };
                name.with_tag(tag_arg(case))
            });
            check_result(case, result, false)
        }
        "with_digest" => {
            let result = builder_name(case).and_then(|name| {
                let name = match case.get("tag_arg") {
                    Some(_) => name.with_tag(tag_arg(case))?,
                    None => name,
                };
                name.with_digest(digest_arg(case)?)
            });
            check_result(case, result, false)
        }
        "regexp_domain" => check_grammar(case, grammar::is_domain(input)),
        "regexp_identifier" => check_grammar(case, grammar::is_identifier(input)),
        "regexp_name" => {
            let split = grammar::split_name(input);
            check_grammar(case, split.is_some())?;
            if let Some((domain, path)) = split {
                if let Some(want) = str_field(case, "domain") {
                    expect_eq("domain", domain.unwrap_or(""), want)?;
                }
                if let Some(want) = str_field(case, "path") {
                    expect_eq("path", path, want)?;
                }
                expect_eq("is_name", &grammar::is_name(input).to_string(), "true")?;
            }
            Ok(())
        }
        "regexp_reference" => {
            let split = grammar::split_reference(input);
            check_grammar(case, split.is_some())?;
            if let Some(parts) = split {
                if let Some(want) = str_field(case, "name") {
                    expect_eq("name", parts.name, want)?;
                }
                expect_opt(case, "tag", parts.tag)?;
                expect_opt(case, "digest", parts.digest)?;
            }
            Ok(())
        }
        other => Err(format!("unknown api {other:?}")),
    }
}

/// Runs a case listed in [`DIVERGENCES`]: checks the case is the one described and that
/// ociscope has its documented behaviour.
fn run_divergence(case: &Value) -> Outcome {
    let id = str_field(case, "id").unwrap_or_default();
    let input = str_field(case, "input").unwrap_or_default();
    match id {
        "ref-014" => {
            if case.get("valid_if_sha512_supported") != Some(&Value::Bool(true)) {
                return Err("expected valid_if_sha512_supported: true".into());
            }
            let reference = Reference::parse_strict(input).map_err(|e| format!("refused: {e}"))?;
            expect_eq("string", &reference.to_string(), input)?;
            let digest = reference.digest().ok_or("no digest")?;
            expect_eq("algorithm", digest.algorithm(), "sha512")
        }
        "ref-048" => {
            if case.get("peer_conflict") != Some(&Value::Bool(true)) {
                return Err("expected peer_conflict: true".into());
            }
            let reference = Reference::parse_strict(input).map_err(|e| format!("refused: {e}"))?;
            expect_eq("string", &reference.to_string(), input)?;
            if reference.path().len() != MAX_PATH_LEN || reference.name().len() <= MAX_PATH_LEN {
                return Err("case no longer has a 255-char path in a longer name".into());
            }
            Ok(())
        }
        "ref-071" | "ref-072" | "ref-073" | "ref-074" | "ref-075" => {
            if case["valid"] != Value::Bool(true) {
                return Err("expected a case the peer accepts".into());
            }
            let arg = str_field(case, "digest_arg").unwrap_or_default();
            match Digest::parse(arg) {
                Err(DigestError::InvalidLength {
                    expected: 64,
                    actual: 37,
                    ..
                }) => {}
                other => return Err(format!("digest_arg {arg:?} parsed as {other:?}")),
            }
            match digest_arg(case) {
                Err(ReferenceError::DigestInvalidLength(_)) => {}
                other => return Err(format!("want DigestInvalidLength, got {other:?}")),
            }
            // The name (and tag) part still builds; only the digest is refused.
            let name = builder_name(case).map_err(|e| format!("name refused: {e}"))?;
            if case.get("tag_arg").is_some() {
                name.with_tag(tag_arg(case))
                    .map_err(|e| format!("tag refused: {e}"))?;
            }
            // The peer's string holds that digest: the strict parse refuses it the same way.
            let peer_string = str_field(case, "string").unwrap_or_default();
            match Reference::parse_strict(peer_string) {
                Err(ReferenceError::DigestInvalidLength(_)) => Ok(()),
                other => Err(format!("strict parse of {peer_string:?}: {other:?}")),
            }
        }
        other => Err(format!("no divergence check written for {other}")),
    }
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn references_corpus() {
    let corpus = json(REFERENCES_JSON);
    let cases = corpus.as_array().expect("references.json is a list");
    let mut tallies: BTreeMap<&str, Tally> = GROUPS
        .iter()
        .map(|&(api, _)| (api, Tally::new(api)))
        .collect();
    let mut total = Tally::new("references");
    let mut failures = Vec::new();
    let mut diverged = Vec::new();
    for case in cases {
        let id = str_field(case, "id").unwrap_or("?");
        let api = str_field(case, "api").unwrap_or("?");
        let outcome = match DIVERGENCES.iter().find(|(d, _)| *d == id) {
            Some((_, reason)) => {
                diverged.push(id);
                run_divergence(case).map_err(|e| format!("{e} (divergence: {reason})"))
            }
            None => run_case(case),
        };
        if let Err(message) = outcome {
            failures.push(format!("{id} [{api}] {:?}: {message}", shorten(case)));
        }
        match tallies.get_mut(api) {
            Some(tally) => tally.ran(),
            None => failures.push(format!("{id}: api {api:?} has no group")),
        }
        total.ran();
    }
    for &(api, expected) in GROUPS {
        if let Some(tally) = tallies.remove(api) {
            tally.finish(expected);
        }
    }
    total.finish(315);
    say(&format!(
        "conformance: references deliberately diverging (checked for ociscope's policy): {}",
        diverged.join(", ")
    ));
    assert_eq!(
        diverged.len(),
        DIVERGENCES.len(),
        "every listed divergence must be a corpus case"
    );
    assert!(
        failures.is_empty(),
        "{} of {} reference cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Prints a line natively, or to the browser console in wasm32.
fn say(line: &str) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}

fn shorten(case: &Value) -> String {
    let input = str_field(case, "input").unwrap_or_default();
    if input.chars().count() > 80 {
        format!(
            "{}…({} chars)",
            input.chars().take(60).collect::<String>(),
            input.chars().count()
        )
    } else {
        input.to_string()
    }
}

/// The group table and the corpus agree: every api has a group and the counts match the README.
#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn corpus_groups_match_readme() {
    let corpus = json(REFERENCES_JSON);
    let cases = corpus.as_array().expect("references.json is a list");
    for &(api, expected) in GROUPS {
        let n = cases
            .iter()
            .filter(|c| str_field(c, "api") == Some(api))
            .count();
        assert_eq!(n, expected, "cases with api {api}");
    }
    assert_eq!(GROUPS.iter().map(|g| g.1).sum::<usize>(), cases.len());
}

/// serde round trip: serialize as the canonical string, deserialize with the normalized parse.
#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn serde_uses_canonical_strings() {
    let corpus = json(REFERENCES_JSON);
    let mut ran = 0;
    for case in corpus.as_array().expect("references.json is a list") {
        if str_field(case, "api") != Some("parse_normalized_named") || case["valid"] != true {
            continue;
        }
        let input = str_field(case, "input").unwrap_or_default();
        let reference = Reference::parse_normalized(input).expect("valid case parses");
        let text = serde_json::to_string(&reference).expect("serializes");
        assert_eq!(text, serde_json::to_string(&reference.to_string()).unwrap());
        let from_input: Reference =
            serde_json::from_value(Value::String(input.to_string())).expect("deserializes");
        assert_eq!(from_input, reference);
        let back: Reference = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, reference);
        ran += 1;
    }
    assert_eq!(ran, 73);
}
