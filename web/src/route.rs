//! Where the app is: the view named by the page's query string, parsed and printed.
//!
//! Every view has its own URL: `?registry=URL&repo=a/b&ref=tag-or-digest&blob=digest`. Query
//! parameters (not path segments) because repository names contain slashes. `tool=parse` opens
//! the reference-parsing tool; `tool=upload` with a registry (and optionally a repository)
//! the upload page; `tool=bulk-delete` with a registry and a repository the bulk delete of its
//! tags; `tool=copy` with a registry, a repository and a reference the copy (or retag) of that
//! manifest; `tool=files` with a registry, a repository and a blob the files inside that
//! layer, and with a reference instead the merged filesystem of that image's layers;
//! `tool=compare` with a registry, a repository and a reference compares that
//! manifest `with` another (a tag or digest of the same repository); `tool=store` (a
//! registry optional) the images kept in this browser; `raw=1` shows a manifest's JSON.

/// The query parameters that name a view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// The registry: `demo:` (in-browser demo) or an `http(s)://` URL.
    pub registry: Option<String>,
    /// A repository name such as `library/ubuntu`.
    pub repo: Option<String>,
    /// A tag or digest within the repository.
    pub reference: Option<String>,
    /// A blob digest within the repository.
    pub blob: Option<String>,
    /// A tool page instead of a registry view (`parse`).
    pub tool: Option<String>,
    /// Show the raw JSON of the manifest.
    pub raw: bool,
    /// The other side of a comparison (`tool=compare`): a tag or digest.
    pub with: Option<String>,
}

/// Which view a route shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// Pick a registry.
    Connect,
    /// The reference-parsing tool.
    ParseTool,
    /// The repositories of a registry.
    Catalog,
    /// The tags of a repository.
    Tags,
    /// One manifest.
    Manifest,
    /// One blob.
    Blob,
    /// Upload a file into a registry.
    Upload,
    /// Delete tags of a repository in bulk.
    BulkDelete,
    /// Copy or retag one manifest.
    Copy,
    /// Push an image from a tarball.
    PushTarball,
    /// Download one manifest as a tarball.
    DownloadTarball,
    /// The images kept in this browser's content store.
    Store,
    /// Compare two manifests.
    Compare,
    /// The files inside a layer.
    Files,
    /// The merged filesystem of an image's layers.
    ImageFiles,
}

impl Page {
    /// True for the pages the catalog bundle renders (see [`crate::bundle`]): the start page,
    /// the reference tool and a registry's catalog, what a first navigation shows. Any other
    /// page, including one added later, is in the tools bundle only. (`index.html` repeats this
    /// rule to preload the tools bundle for other pages; a mismatch costs time, not function.)
    pub fn in_catalog_bundle(&self) -> bool {
        matches!(self, Page::Connect | Page::ParseTool | Page::Catalog)
    }

    /// True for the pages of an open registry; a tool page that needs none (a new one is
    /// listed here) renders through `tools::page_without_registry`.
    pub fn needs_registry(&self) -> bool {
        !matches!(self, Page::Connect | Page::ParseTool | Page::Store)
    }
}

impl Route {
    /// Parses a query string (with or without its leading `?`); unknown parameters are ignored,
    /// empty values read as absent.
    pub fn parse(query: &str) -> Route {
        let mut route = Route::default();
        for (key, value) in parse_query(query) {
            let value = Some(value).filter(|v| !v.is_empty());
            match key.as_str() {
                "registry" => route.registry = value,
                "repo" => route.repo = value,
                "ref" => route.reference = value,
                "blob" => route.blob = value,
                "tool" => route.tool = value,
                "raw" => route.raw = value.as_deref() == Some("1"),
                "with" => route.with = value,
                _ => {}
            }
        }
        route
    }

    /// The query string of this route, starting with `?` (just `?` for the start page).
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let fields = [
            ("tool", &self.tool),
            ("registry", &self.registry),
            ("repo", &self.repo),
            ("ref", &self.reference),
            ("blob", &self.blob),
            ("with", &self.with),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                pairs.push((key, v));
            }
        }
        if self.raw {
            pairs.push(("raw", "1"));
        }
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect();
        format!("?{}", body.join("&"))
    }

    /// The view this route shows.
    pub fn page(&self) -> Page {
        if self.tool.as_deref() == Some("parse") {
            return Page::ParseTool;
        }
        if self.tool.as_deref() == Some("store") {
            return Page::Store;
        }
        if self.tool.as_deref() == Some("upload") && self.registry.is_some() {
            return Page::Upload;
        }
        if self.tool.as_deref() == Some("push-tarball") && self.registry.is_some() {
            return Page::PushTarball;
        }
        if self.tool.as_deref() == Some("download")
            && self.registry.is_some()
            && self.repo.is_some()
            && self.reference.is_some()
        {
            return Page::DownloadTarball;
        }
        if self.tool.as_deref() == Some("bulk-delete")
            && self.registry.is_some()
            && self.repo.is_some()
        {
            return Page::BulkDelete;
        }
        if self.tool.as_deref() == Some("copy")
            && self.registry.is_some()
            && self.repo.is_some()
            && self.reference.is_some()
        {
            return Page::Copy;
        }
        if self.tool.as_deref() == Some("files")
            && self.registry.is_some()
            && self.repo.is_some()
            && self.blob.is_some()
        {
            return Page::Files;
        }
        if self.tool.as_deref() == Some("files")
            && self.registry.is_some()
            && self.repo.is_some()
            && self.reference.is_some()
        {
            return Page::ImageFiles;
        }
        if self.tool.as_deref() == Some("compare")
            && self.registry.is_some()
            && self.repo.is_some()
            && self.reference.is_some()
        {
            return Page::Compare;
        }
        match (&self.registry, &self.repo, &self.reference, &self.blob) {
            (None, ..) => Page::Connect,
            (Some(_), None, ..) => Page::Catalog,
            (Some(_), Some(_), _, Some(_)) => Page::Blob,
            (Some(_), Some(_), Some(_), None) => Page::Manifest,
            (Some(_), Some(_), None, None) => Page::Tags,
        }
    }

    /// The start page (connect).
    pub fn home() -> Route {
        Route::default()
    }

    /// The catalog of `registry`.
    pub fn catalog(registry: &str) -> Route {
        Route {
            registry: Some(registry.to_string()),
            ..Route::default()
        }
    }

    /// The tags of `repo` in this route's registry.
    pub fn tags(&self, repo: &str) -> Route {
        Route {
            registry: self.registry.clone(),
            repo: Some(repo.to_string()),
            ..Route::default()
        }
    }

    /// The manifest `reference` (tag or digest) of this route's repository.
    pub fn manifest(&self, reference: &str) -> Route {
        Route {
            reference: Some(reference.to_string()),
            ..self.tags(self.repo.as_deref().unwrap_or_default())
        }
    }

    /// The blob `digest` of this route's repository.
    pub fn blob(&self, digest: &str) -> Route {
        Route {
            blob: Some(digest.to_string()),
            ..self.tags(self.repo.as_deref().unwrap_or_default())
        }
    }

    /// This route with the raw JSON shown or hidden.
    pub fn with_raw(&self, raw: bool) -> Route {
        Route {
            raw,
            ..self.clone()
        }
    }

    /// The upload page of this route's registry, into its repository when it names one.
    pub fn upload(&self) -> Route {
        Route {
            registry: self.registry.clone(),
            repo: self.repo.clone(),
            tool: Some("upload".into()),
            ..Route::default()
        }
    }

    /// The bulk delete page of this route's repository.
    pub fn bulk_delete(&self) -> Route {
        Route {
            tool: Some("bulk-delete".into()),
            ..self.tags(self.repo.as_deref().unwrap_or_default())
        }
    }

    /// The copy page of this route's manifest.
    pub fn copy(&self) -> Route {
        Route {
            tool: Some("copy".into()),
            ..self.manifest(self.reference.as_deref().unwrap_or_default())
        }
    }

    /// The comparison of this route's manifest with `other` (a tag or digest; empty: none yet).
    pub fn compare(&self, other: &str) -> Route {
        Route {
            tool: Some("compare".into()),
            with: Some(other.to_string()).filter(|o| !o.is_empty()),
            ..self.manifest(self.reference.as_deref().unwrap_or_default())
        }
    }

    /// The files inside the layer `digest` of this route's repository.
    pub fn files(&self, digest: &str) -> Route {
        Route {
            tool: Some("files".into()),
            ..self.blob(digest)
        }
    }

    /// The merged filesystem of this route's image.
    pub fn image_files(&self) -> Route {
        Route {
            tool: Some("files".into()),
            ..self.manifest(self.reference.as_deref().unwrap_or_default())
        }
    }

    /// The reference-parsing tool.
    pub fn parse_tool() -> Route {
        Route {
            tool: Some("parse".into()),
            ..Route::default()
        }
    }
}

/// Splits a query string into decoded key/value pairs.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// Percent-encodes everything but unreserved characters and `/` and `:` (kept readable).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (space); malformed escapes stay as written.
pub fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_the_first_navigations_pages_are_in_the_catalog_bundle() {
        let page = |q: &str| Route::parse(q).page();
        for q in [
            "",
            "?tool=parse",
            "?registry=http://r",
            "?registry=http://r&tool=parse",
        ] {
            assert!(page(q).in_catalog_bundle(), "{q}");
        }
        for q in [
            "?registry=http://r&repo=a",
            "?registry=http://r&repo=a&ref=v1",
            "?registry=http://r&repo=a&blob=sha256:ab",
            "?registry=http://r&repo=a&blob=sha256:ab&tool=files",
            "?registry=http://r&repo=a&ref=v1&tool=compare&with=v2",
            "?registry=http://r&repo=a&ref=v1&tool=copy",
            "?registry=http://r&tool=upload",
            "?registry=http://r&tool=push-tarball",
            "?registry=http://r&tool=store",
            "?tool=store",
        ] {
            assert!(!page(q).in_catalog_bundle(), "{q}");
        }
    }

    #[test]
    fn the_store_page_needs_no_registry() {
        assert_eq!(Route::parse("?tool=store").page(), Page::Store);
        let with = Route::parse("?tool=store&registry=http://r:5000");
        assert_eq!(with.page(), Page::Store);
        assert_eq!(with.to_query(), "?tool=store&registry=http://r:5000");
    }

    #[test]
    fn round_trips_every_field_with_slashes_and_colons() {
        let route = Route {
            registry: Some("https://r.example:5000".into()),
            repo: Some("a/b/c".into()),
            reference: Some("sha256:abc".into()),
            blob: None,
            tool: None,
            raw: true,
            with: None,
        };
        let q = route.to_query();
        assert_eq!(
            q,
            "?registry=https://r.example:5000&repo=a/b/c&ref=sha256:abc&raw=1"
        );
        assert_eq!(Route::parse(&q), route);
    }

    #[test]
    fn upload_page_keeps_registry_and_repository() {
        let tags = Route::catalog("demo:").tags("a/b");
        let up = tags.manifest("v1").upload();
        assert_eq!(up.page(), Page::Upload);
        assert_eq!(up.to_query(), "?tool=upload&registry=demo:&repo=a/b");
        assert_eq!(Route::parse(&up.to_query()), up);
        // Without a registry there is nothing to upload to: the start page.
        assert_eq!(Route::parse("?tool=upload").page(), Page::Connect);
        let bulk = tags.manifest("v1").bulk_delete();
        assert_eq!(bulk.page(), Page::BulkDelete);
        assert_eq!(bulk.to_query(), "?tool=bulk-delete&registry=demo:&repo=a/b");
        assert_eq!(Route::parse(&bulk.to_query()), bulk);
        let copy = tags.manifest("v1").with_raw(true).copy();
        assert_eq!(copy.page(), Page::Copy);
        assert_eq!(copy.to_query(), "?tool=copy&registry=demo:&repo=a/b&ref=v1");
        assert_eq!(Route::parse(&copy.to_query()), copy);
        let compare = tags.manifest("v1").compare("v2");
        assert_eq!(compare.page(), Page::Compare);
        assert_eq!(
            compare.to_query(),
            "?tool=compare&registry=demo:&repo=a/b&ref=v1&with=v2"
        );
        assert_eq!(Route::parse(&compare.to_query()), compare);
        assert_eq!(tags.manifest("v1").compare("").with, None);
        let files = tags.files("sha256:00");
        assert_eq!(files.page(), Page::Files);
        assert_eq!(
            files.to_query(),
            "?tool=files&registry=demo:&repo=a/b&blob=sha256:00"
        );
        assert_eq!(
            Route::parse("?tool=copy&registry=demo:&repo=a/b").page(),
            Page::Tags,
            "nothing to copy without a reference"
        );
        // Without a repository there are no tags to delete: the catalog.
        assert_eq!(
            Route::parse("?tool=bulk-delete&registry=demo:").page(),
            Page::Catalog
        );
    }

    #[test]
    fn encodes_separators_and_decodes_them_back() {
        let route = Route::catalog("https://h/x?y=1&z=#f");
        let q = route.to_query();
        assert_eq!(q, "?registry=https://h/x%3Fy%3D1%26z%3D%23f");
        assert_eq!(Route::parse(&q), route);
        assert_eq!(decode_component("a+b%2Fc%zz%4"), "a b/c%zz%4");
    }

    #[test]
    fn pages_follow_the_parameters() {
        assert_eq!(Route::parse("").page(), Page::Connect);
        assert_eq!(Route::parse("?tool=parse").page(), Page::ParseTool);
        let cat = Route::parse("?registry=demo:");
        assert_eq!(cat.page(), Page::Catalog);
        assert_eq!(cat.tags("x/y").page(), Page::Tags);
        assert_eq!(cat.tags("x/y").manifest("v1").page(), Page::Manifest);
        assert_eq!(cat.tags("x/y").blob("sha256:00").page(), Page::Blob);
        assert_eq!(Route::parse("?registry=&repo=").page(), Page::Connect);
    }

    #[test]
    fn unknown_and_repeated_parameters() {
        let r = Route::parse("?x=1&repo=a&repo=b&raw=yes");
        assert_eq!(r.repo.as_deref(), Some("b"));
        assert!(!r.raw);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use ociscope_core::spec::{ManifestRef, RepoName, Tag};
    use ociscope_core::{Digest, Reference};
    use proptest::prelude::*;

    use super::*;

    fn field() -> impl Strategy<Value = Option<String>> {
        prop::option::of(any::<String>().prop_filter("empty reads as absent", |s| !s.is_empty()))
    }

    proptest! {
        #[test]
        fn any_query_parses_and_names_a_page(query in any::<String>(), ascii in "[?&=%+a-z0-9:/.-]*") {
            for q in [&query, &ascii] {
                let route = Route::parse(q);
                let _ = route.page();
                // What the app then does with the address: parse names, never panic.
                if let Some(r) = &route.repo { let _ = RepoName::new(r.as_str()); }
                if let Some(r) = &route.reference { let _ = ManifestRef::parse(r); let _ = Tag::new(r.as_str()); }
                if let Some(b) = &route.blob { let _ = Digest::parse(b); }
                let _ = Reference::parse_normalized(q);
                let _ = Reference::parse_strict(q);
            }
        }

        #[test]
        fn every_route_round_trips_through_its_query(
            registry in field(), repo in field(), reference in field(), blob in field(),
            tool in field(), raw in any::<bool>(), with in field(),
        ) {
            let route = Route { registry, repo, reference, blob, tool, raw, with };
            prop_assert_eq!(Route::parse(&route.to_query()), route.clone());
            // Derived routes (as built from views that have a repository), empty values read back
            // as absent.
            let derived = [route.manifest("x"), route.blob("y"), route.copy(), route.upload(), route.bulk_delete(), route.compare("z"), route.files("f"), route.image_files()];
            let present = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
            for r in derived {
                let expected = Route {
                    registry: present(&r.registry), repo: present(&r.repo),
                    reference: present(&r.reference), blob: present(&r.blob),
                    tool: present(&r.tool), raw: r.raw, with: present(&r.with),
                };
                prop_assert_eq!(Route::parse(&r.to_query()), expected);
            }
        }

        #[test]
        fn components_decode_back_and_bad_escapes_stay(text in any::<String>()) {
            prop_assert_eq!(decode_component(&encode_component(&text)), text.clone());
            let _ = decode_component(&text);
            let _ = parse_query(&text);
        }
    }
}
