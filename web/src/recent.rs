//! Registries used recently, remembered in the browser's localStorage.

/// How many registries are remembered.
pub const MAX_RECENT: usize = 8;

/// The localStorage key.
const KEY: &str = "ociscope.recent-registries";

/// `list` with `registry` moved (or added) to the front, without duplicates, at most
/// [`MAX_RECENT`] long.
pub fn remember(list: &[String], registry: &str) -> Vec<String> {
    std::iter::once(registry.to_string())
        .chain(list.iter().filter(|r| *r != registry).cloned())
        .take(MAX_RECENT)
        .collect()
}

/// Reads a stored list (one registry per line); blank lines dropped.
pub fn decode(stored: &str) -> Vec<String> {
    stored
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_RECENT)
        .map(str::to_string)
        .collect()
}

/// The remembered registries, most recent first (empty when storage is unavailable).
pub fn load() -> Vec<String> {
    crate::local_storage::get(KEY)
        .map(|s| decode(&s))
        .unwrap_or_default()
}

/// Remembers `registry` as the most recent one (ignored when storage is unavailable).
pub fn save(registry: &str) {
    let list = remember(&load(), registry);
    crate::local_storage::set(KEY, &list.join("\n"));
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn most_recent_first_without_duplicates_and_capped() {
        let list: Vec<String> = (0..MAX_RECENT).map(|i| format!("r{i}")).collect();
        let next = remember(&list, "r3");
        assert_eq!(next[0], "r3");
        assert_eq!(next.len(), MAX_RECENT);
        assert_eq!(next.iter().filter(|r| *r == "r3").count(), 1);
        let next = remember(&list, "new");
        assert_eq!(next[0], "new");
        assert_eq!(next.len(), MAX_RECENT);
        assert!(!next.contains(&format!("r{}", MAX_RECENT - 1)));
        assert_eq!(decode("a\n\n b \n"), ["a", "b"]);
    }
}
