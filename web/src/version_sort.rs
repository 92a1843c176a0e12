//! Version-aware ordering of tags: `v1.9` before `v1.10`, `2` before `10`.

use std::cmp::Ordering;

/// One run of a tag: digits (compared as numbers) or anything else (compared as text).
#[derive(Debug, PartialEq, Eq)]
enum Chunk<'a> {
    Number(&'a str),
    Text(&'a str),
}

fn chunks(s: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    while start < bytes.len() {
        let digit = bytes[start].is_ascii_digit();
        let mut end = start + 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() == digit {
            end += 1;
        }
        let part = &s[start..end];
        out.push(if digit {
            Chunk::Number(part)
        } else {
            Chunk::Text(part)
        });
        start = end;
    }
    out
}

fn compare_numbers(a: &str, b: &str) -> Ordering {
    let a_trim = a.trim_start_matches('0');
    let b_trim = b.trim_start_matches('0');
    a_trim
        .len()
        .cmp(&b_trim.len())
        .then_with(|| a_trim.cmp(b_trim))
        .then_with(|| a.len().cmp(&b.len()))
}

/// Compares two tags version-aware: digit runs as numbers (of any length), other runs
/// byte-wise; a number sorts before text at the same position; ties broken byte-wise.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let o = match (x, y) {
            (Chunk::Number(x), Chunk::Number(y)) => compare_numbers(x, y),
            (Chunk::Text(x), Chunk::Text(y)) => x.cmp(y),
            (Chunk::Number(_), Chunk::Text(_)) => Ordering::Less,
            (Chunk::Text(_), Chunk::Number(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// Sorts tags in place, version-aware ascending.
pub fn sort(tags: &mut [String]) {
    tags.sort_by(|a, b| compare(a, b));
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn sorted(input: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = input.iter().map(|s| s.to_string()).collect();
        sort(&mut v);
        v
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(
            sorted(&["v1.10", "v1.9", "v1.2.3", "v1.10.1", "v2", "v1"]),
            ["v1", "v1.2.3", "v1.9", "v1.10", "v1.10.1", "v2"]
        );
        assert_eq!(sorted(&["10", "9", "100", "1"]), ["1", "9", "10", "100"]);
    }

    #[test]
    fn huge_numbers_and_leading_zeros_do_not_overflow() {
        let big = "123456789012345678901234567890";
        assert_eq!(compare(big, "9"), Ordering::Greater);
        assert_eq!(compare("007", "7"), Ordering::Greater);
        assert_eq!(compare("7", "007"), Ordering::Less);
        assert_eq!(compare("v1", "v1"), Ordering::Equal);
    }

    #[test]
    fn text_after_numbers_and_suffixes() {
        assert_eq!(
            sorted(&["latest", "1.0-rc1", "1.0", "1.0-alpha", "alpine"]),
            ["1.0", "1.0-alpha", "1.0-rc1", "alpine", "latest"]
        );
    }
}
