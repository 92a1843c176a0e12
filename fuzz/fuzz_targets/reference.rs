#![no_main]
//! Feeds arbitrary UTF-8 to every reference parser; successes must keep their invariants.
use libfuzzer_sys::fuzz_target;
use ociscope_core::reference::{grammar, AnyReference, Reference};

/// Invariants of a reference from the normalized parse.
fn check_normalized(r: &Reference) {
    assert!(r.domain().is_some(), "normalized {r} has no domain");
    let canonical = r.to_string();
    assert_eq!(Reference::parse_normalized(&canonical).as_ref(), Ok(r));
    assert_eq!(Reference::parse_canonical(&canonical).as_ref(), Ok(r));
    assert_eq!(Reference::parse_strict(&canonical).as_ref(), Ok(r));
    assert_eq!(Reference::parse_normalized(&r.familiar()).as_ref(), Ok(r));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let split = grammar::split_reference(text);
    match Reference::parse_strict(text) {
        Ok(r) => {
            assert_eq!(r.to_string(), text);
            assert_eq!(Reference::parse_strict(&r.to_string()).as_ref(), Ok(&r));
            let parts = split.expect("a strict reference matches the grammar");
            assert_eq!(parts.name, r.name());
            assert_eq!(parts.domain, r.domain());
            assert_eq!(parts.path, r.path());
            assert_eq!(parts.tag, r.tag());
            if let Ok(n) = r.normalize() {
                check_normalized(&n);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if let Ok(r) = Reference::parse_normalized(text) {
        check_normalized(&r);
        let docker = Reference::parse_docker(text).expect("normalized input is a docker ref");
        assert!(docker.tag().is_some() != docker.digest().is_some());
    }
    if let Ok(r) = Reference::parse_canonical(text) {
        assert_eq!(r.to_string(), text);
    }
    if let Ok(r) = Reference::with_name(text) {
        assert_eq!(r.name(), text);
        assert!(grammar::is_name(text));
        assert_eq!(Reference::parse_strict(text).as_ref(), Ok(&r));
    }
    if let Ok(any) = AnyReference::parse(text) {
        assert_eq!(AnyReference::parse(&any.to_string()).as_ref(), Ok(&any));
    }
    let _ = grammar::is_domain(text);
    let _ = grammar::is_identifier(text);
});
