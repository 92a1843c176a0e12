#![no_main]
//! Range grammars (and the small single-value headers: Retry-After, OCI-Chunk-Min-Length,
//! Docker-Content-Digest, OCI-Filters-Applied) never panic and round-trip what they parse.
use libfuzzer_sys::fuzz_target;
use ociscope_core::headers::range::{
    ByteRangeSet, ChunkRange, ContentRange, RangeOutcome, UploadRange,
};
use ociscope_core::headers::{chunk, content_digest, filters, retry_after::RetryAfter};

fuzz_target!(|data: &[u8]| {
    let (size, text) = match data {
        [a, b, rest @ ..] => (u64::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, data),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(progress) = UploadRange::parse(text) {
        let again = UploadRange::parse(&progress.to_string()).unwrap();
        // `0-0` means nothing received: one received byte formats the same way.
        let expected = if progress.received == 1 {
            0
        } else {
            progress.received
        };
        assert_eq!(again.received, expected);
    }
    if let Ok(chunk) = ChunkRange::parse(text) {
        assert_eq!(ChunkRange::parse(&chunk.to_string()), Ok(chunk));
        assert_eq!(ChunkRange::for_chunk(chunk.start, chunk.len()), Some(chunk));
    }
    if let Ok(set) = ByteRangeSet::parse(text) {
        assert_eq!(ByteRangeSet::parse(&set.to_string()).as_ref(), Ok(&set));
        for range in &set.0 {
            match range.resolve(size) {
                Ok(resolved) => {
                    assert!(resolved.start <= resolved.end && resolved.end < size);
                    assert!(resolved.content_range().answers(range));
                }
                Err(reason) => assert_eq!(reason.size(), size),
            }
        }
    }
    match RangeOutcome::for_request(Some(text), size) {
        RangeOutcome::Partial(r) => assert!(r.end < size),
        RangeOutcome::Full | RangeOutcome::Unsatisfiable(_) => {}
    }
    if let Ok(content_range) = ContentRange::parse(text) {
        assert_eq!(
            ContentRange::parse(&content_range.to_string()),
            Ok(content_range)
        );
    }
    if let Ok(retry) = RetryAfter::parse(text) {
        assert_eq!(RetryAfter::parse(&retry.to_string()), Ok(retry));
        let _ = retry.delay_secs(size);
    }
    if let Ok(n) = chunk::parse_chunk_min_length(text) {
        assert_eq!(
            chunk::parse_chunk_min_length(&chunk::format_chunk_min_length(n)),
            Ok(n)
        );
    }
    if let Ok(digest) = content_digest::parse_content_digest(text) {
        let formatted = content_digest::format_content_digest(&digest);
        assert_eq!(
            content_digest::parse_content_digest(&formatted).as_ref(),
            Ok(&digest)
        );
    }
    if let Ok(list) = filters::parse_filters_applied(text) {
        let formatted = filters::format_filters_applied(&list);
        assert_eq!(
            filters::parse_filters_applied(&formatted).as_ref(),
            Ok(&list)
        );
    }
});
