//! What an in-memory registry allows, so it can play registries with different features.

/// Features and limits of a [`super::MemoryRegistry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryOptions {
    /// Smallest chunk an upload sends (the registry's `OCI-Chunk-Min-Length`); chunk-size hints
    /// are raised to it. The default, 1, means no minimum, as CNCF distribution.
    pub min_chunk_len: usize,
    /// Deletes of manifests, tags and blobs are allowed; when false they fail with `UNSUPPORTED`
    /// (405), as on a registry with deletes disabled.
    pub delete_enabled: bool,
    /// Cross-repository blob mounts are allowed; when false `mount_blob` answers `Ok(false)`
    /// (the registry's "start an upload instead").
    pub mount_enabled: bool,
    /// The referrers API is served; when false `list_referrers` fails with `UNSUPPORTED`, as a
    /// registry without the API (clients then fall back to the `sha256-<hex>` tag schema).
    pub referrers_enabled: bool,
    /// Most names one list page returns, whatever the request asks (a capped catalog);
    /// `None` = no cap.
    pub page_limit: Option<usize>,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            min_chunk_len: 1,
            delete_enabled: true,
            mount_enabled: true,
            referrers_enabled: true,
            page_limit: None,
        }
    }
}
