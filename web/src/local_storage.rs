//! The browser's localStorage, where the app remembers small things across reloads (recent
//! registries, unfinished uploads and keeps); every call is a no-op where storage is unavailable.

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The value kept under `key`, if any.
pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Keeps `value` under `key` (ignored when storage is unavailable or full).
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// A stored JSON list; anything unreadable (absent, foreign, half a value) reads as none.
pub fn decode_list<T: serde::de::DeserializeOwned>(stored: &str) -> Vec<T> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// The JSON list kept under `key` (none when storage is unavailable or the value unreadable).
pub fn load_list<T: serde::de::DeserializeOwned>(key: &str) -> Vec<T> {
    get(key).map(|s| decode_list(&s)).unwrap_or_default()
}

/// Keeps `list` as JSON under `key` (ignored when storage is unavailable or full).
pub fn save_list<T: serde::Serialize>(key: &str, list: &[T]) {
    set(key, &encode_list(list));
}

/// A list as stored JSON.
pub fn encode_list<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_string())
}

/// `list` with `record` in place of every item `same` matches, newest last, at most `max`
/// long (the oldest dropped first).
pub fn upsert_bounded<T: Clone>(
    list: &[T],
    record: T,
    max: usize,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<T> {
    let mut out: Vec<T> = list.iter().filter(|r| !same(r, &record)).cloned().collect();
    out.push(record);
    let extra = out.len().saturating_sub(max);
    out.drain(..extra);
    out
}
