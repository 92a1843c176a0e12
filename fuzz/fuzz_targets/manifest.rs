#![no_main]
use libfuzzer_sys::fuzz_target;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::manifest::{detect, Manifest, ManifestKind, ParseOptions};
use ociscope_core::media_type;

fuzz_target!(|data: &[u8]| {
    let content_types = ManifestKind::ALL
        .iter()
        .map(|k| Some(k.media_type()))
        .chain([None, Some("application/json"), Some(media_type::OCI_CONFIG)]);
    for content_type in content_types {
        if let Ok(m) = Manifest::parse(data, content_type) {
            // What parsed once parses again the same way under its own media type.
            assert_eq!(m.bytes(), data);
            let again = Manifest::parse(data, Some(m.media_type())).expect("reparse");
            assert_eq!(again, m);
            assert!(m.verify(m.digest()).is_ok());
            let _ = (
                m.children(),
                m.platforms(),
                m.image_size(),
                m.artifact_type(),
            );
            let _ = m.referenced_digests();
        }
    }
    let small = ParseOptions { max_size: 64 };
    let _ = Manifest::parse_with(data, None, &small);
    let _ = detect(data);
    if let Ok(d) = Descriptor::from_json(data) {
        let _ = d.decoded_data();
        assert!(d.validate().is_ok(), "a parsed descriptor is valid");
    }
});
