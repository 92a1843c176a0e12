//! Every `descriptor_cases` entry of the corpus's `digests.json` (image-spec TestDescriptor),
//! run through `ociscope_core::descriptor::Descriptor`.
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use ociscope_conformance::{json, str_field, Tally, DIGESTS_JSON};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn every_descriptor_case() {
    let corpus = json(DIGESTS_JSON);
    let cases = corpus["descriptor_cases"].as_array().unwrap();
    let mut tally = Tally::new("descriptor");
    let (mut accepted, mut refused) = (0, 0);
    for case in cases {
        let id = str_field(case, "id").unwrap();
        let reason = str_field(case, "reason").unwrap_or("");
        let document = str_field(case, "document").unwrap();
        let valid = case["valid"]
            .as_bool()
            .expect("every descriptor case has a verdict");
        match (Descriptor::from_json(document.as_bytes()), valid) {
            (Ok(d), true) => {
                // What was parsed is what the document says, and it survives a round trip.
                let raw: serde_json::Value = serde_json::from_str(document).unwrap();
                assert_eq!(
                    Some(d.media_type.as_str()),
                    str_field(&raw, "mediaType"),
                    "{id}"
                );
                assert_eq!(Some(d.digest.as_str()), str_field(&raw, "digest"), "{id}");
                assert_eq!(Some(d.size), raw["size"].as_u64(), "{id}");
                assert_eq!(
                    d.artifact_type.as_deref(),
                    str_field(&raw, "artifactType"),
                    "{id}"
                );
                assert!(media_type::is_valid(&d.media_type), "{id}");
                d.validate().unwrap();
                let back = serde_json::to_value(&d).unwrap();
                assert_eq!(back, raw, "{id}: serializes back to the same JSON");
                if d.data.is_some() {
                    let data = d.decoded_data().unwrap_or_else(|e| panic!("{id}: {e}"));
                    assert_eq!(data.map(|b| b.len() as u64), Some(d.size), "{id}");
                }
                accepted += 1;
            }
            (Err(e), false) => {
                println!("refused {id} ({reason}): {e}");
                refused += 1;
            }
            (Ok(_), false) => panic!("{id}: accepted but invalid: {reason}"),
            (Err(e), true) => panic!("{id}: refused but valid ({reason}): {e}"),
        }
        tally.ran();
    }
    println!("descriptor cases accepted: {accepted}, refused: {refused}");
    tally.finish(cases.len());
}
