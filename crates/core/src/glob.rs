//! Tiny glob patterns (fault rules and grants in the server, tag filters in the app): `*` matches any run of characters (including
//! `/`), `?` one character, everything else itself.

/// True if `text` matches `pattern`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn globs() {
        assert!(glob_match(
            "/v2/*/blobs/uploads/*",
            "/v2/a/b/blobs/uploads/123"
        ));
        assert!(glob_match("*", ""));
        assert!(glob_match("library/*", "library/x/y"));
        assert!(!glob_match("library/*", "other/x"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*b*b", "abxbb"));
        assert!(!glob_match("/v2/*/manifests/*", "/v2/a/blobs/x"));
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("pr-*", "pr-12"));
        assert!(!glob_match("pr-*", "v1-pr-12"));
        assert!(glob_match("v1.?.*", "v1.2.3"));
        assert!(!glob_match("v1.?", "v1.10"));
        assert!(glob_match("*-rc*", "v2-rc1"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(!glob_match("V1", "v1"), "case-sensitive");
    }
}
