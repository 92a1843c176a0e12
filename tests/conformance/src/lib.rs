//! The shared conformance corpus, embedded at build time, and helpers to read its cases.

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

/// Parses one of the corpus JSON files.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("corpus JSON parses")
}

/// The bytes of a file of the corpus given by its path relative to the corpus root.
pub fn file(relative: &str) -> Option<&'static [u8]> {
    let (list, name) = if let Some(name) = relative.strip_prefix("manifests/blobs/") {
        (BLOB_FILES, name)
    } else if let Some(name) = relative.strip_prefix("manifests/") {
        (MANIFEST_FILES, name)
    } else {
        return None;
    };
    list.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// A string field of a case, or `None` when absent or null.
pub fn str_field<'a>(case: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    case.get(key).and_then(|v| v.as_str())
}

/// Counts the cases a test ran and prints the total, so the test output states it.
pub struct Tally {
    what: &'static str,
    ran: usize,
}

impl Tally {
    /// A tally for one group of cases.
    pub fn new(what: &'static str) -> Tally {
        Tally { what, ran: 0 }
    }

    /// Records one case as run.
    pub fn ran(&mut self) {
        self.ran += 1;
    }

    /// Prints the count and fails if fewer than `at_least` cases ran.
    pub fn finish(self, at_least: usize) {
        let line = format!("conformance: {} cases ran: {}", self.what, self.ran);
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!("{line}");
        #[cfg(not(target_arch = "wasm32"))]
        println!("{line}");
        assert!(
            self.ran >= at_least,
            "only {} {} cases ran, expected at least {at_least}",
            self.ran,
            self.what
        );
    }
}
