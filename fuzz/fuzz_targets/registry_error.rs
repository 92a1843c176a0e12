#![no_main]
//! Any status and body become a typed registry error; its serialized body parses back.
use libfuzzer_sys::fuzz_target;
use ociscope_core::registry_error::{ErrorCode, RegistryError};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => (500, data),
    };
    let error = RegistryError::from_response(status, body);
    assert_eq!(error.status, status);
    let _ = error.to_string();
    let _ = error.code();
    let _ = error.is_not_found();
    let _ = error.has_code(ErrorCode::Denied);
    let back = RegistryError::from_response(status, error.to_body().as_bytes());
    assert!(!back.errors.is_empty());
    if !error.errors.is_empty() {
        assert_eq!(back.errors.len(), error.errors.len());
        for (a, b) in error.errors.iter().zip(&back.errors) {
            assert_eq!(a.code, b.code);
            assert_eq!(a.message, b.message);
            assert_eq!(a.detail.is_some(), b.detail.is_some());
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let code = ErrorCode::parse(text);
        assert_eq!(ErrorCode::parse(code.as_str()), code);
    }
});
