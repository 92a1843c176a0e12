#![no_main]
use libfuzzer_sys::fuzz_target;
use ociscope_core::Digest;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(digest) = Digest::parse(text) {
            assert_eq!(digest.as_str(), text);
            assert_eq!(Digest::parse(digest.as_str()).as_ref(), Ok(&digest));
            if let Ok(verifier) = digest.verifier(Some(data.len() as u64)) {
                let mut verifier = verifier;
                verifier.update(data);
                let _ = verifier.finish();
            }
        }
    }
});
