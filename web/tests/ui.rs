//! The app in headless Chromium, on in-browser registries: navigation from the catalog to
//! referrers, catalog paging and filtering, deletes with confirmation, and registry data that
//! tries to become markup or script staying inert.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p ociscope-web`
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_core::spec::{collect_all, collect_referrers, ManifestRef, Spec};
use ociscope_core::Digest;
use ociscope_demo::DemoOptions;
use ociscope_web::registry::{self, Registry};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::{blob, choose, click, image, image_at, query, repo, sleep, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn navigates_catalog_repository_tag_index_platform_referrers_and_back() {
    let demo = registry::demo(&DemoOptions {
        repositories: 30,
        tags: 20,
    })
    .await
    .unwrap();
    registry::install("mem:flow", demo);
    let app = Mounted::at("?registry=mem:flow");

    // Catalog: filter to the featured repository, then open it.
    let filter = app.find("#catalog-filter", "").await;
    app.find("a.repo-link", "demo/artifacts").await;
    type_into(&filter, "hello");
    app.until("the filter to keep one repository", |a| {
        a.all("a.repo-link").len() == 1
    })
    .await;
    click(&app.find("a.repo-link", "demo/hello").await);

    // Tags: every tag of the index, with details.
    let latest = app.find("a.tag-link", "latest").await;
    assert!(query().contains("repo=demo/hello"), "{}", query());
    app.find(".tag-row .kind", "OCI index").await;
    click(&latest);

    // Index: a table of platforms linking to each image.
    app.find("#platforms a.platform-link", "").await;
    let rows = app.all("#platforms tbody tr");
    assert_eq!(rows.len(), 5, "{}", app.text());
    let first = rows[0].text_content().unwrap();
    assert!(
        first.contains("linux") && first.contains("amd64"),
        "{first}"
    );
    assert!(app.text().contains("docker pull demo/hello:latest"));
    click(&app.all("#platforms a.platform-link")[0]);

    // Platform image: configuration, history, layers, total size.
    app.find("#layers tbody tr", "").await;
    app.find("#config", "Entrypoint".to_lowercase().as_str())
        .await;
    app.find("#history", "").await;
    assert!(app.text().contains("Total size"));
    let image_query = query();
    assert!(image_query.contains("ref=sha256:"), "{image_query}");

    // Referrers: grouped by artifact type with friendly names.
    app.find(".referrer-group h4", "SBOM (SPDX JSON)").await;
    app.find(".referrer-group h4", "Cosign signature").await;
    app.find(".referrer-group h4", "Notation signature").await;
    assert_eq!(app.all(".referrer-group").len(), 3);
    let referrer = app.all(".referrer-group a.referrer-link")[0].clone();
    click(&referrer);
    // A referrer opens like any manifest, pointing back at its subject.
    let subject = app.find("a.subject-link", "sha256:").await;
    assert!(image_query.contains(&subject.text_content().unwrap()));

    // The back button returns to the image.
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .back()
        .unwrap();
    app.until("back to the image", |_| query() == image_query)
        .await;
    app.find(".referrer-group h4", "SBOM").await;

    // Raw JSON with digests as links to blobs.
    click(&app.find("a.raw-toggle", "Show raw JSON").await);
    let digest_link = app.find("pre.json a.json-digest", "sha256:").await;
    click(&digest_link);
    app.find("#blob-size", "bytes").await;
    assert!(query().contains("blob=sha256:"));
}

#[wasm_bindgen_test]
async fn catalog_loads_pages_as_it_scrolls_renders_only_visible_rows_filters_and_groups() {
    let reg = MemoryRegistry::new();
    for i in 0..1200 {
        let ns = ["alpha", "beta", "gamma"][i % 3];
        blob(
            &reg,
            &format!("{ns}/repo-{i:04}"),
            "application/octet-stream",
            b"x",
        )
        .await;
    }
    registry::install("mem:big", Registry::memory(reg));
    let app = Mounted::at("?registry=mem:big");
    app.find("#catalog-summary", "500 repositories, more to load")
        .await;
    let rendered = app.all(".vlist .vrow").len();
    assert!(rendered > 10 && rendered < 40, "{rendered} rows rendered");

    // Scrolling to the end loads the next pages.
    for expected in ["1000 repositories, more to load", "1200 repositories"] {
        let list = app.find(".vlist", "").await;
        list.set_scroll_top(list.scroll_height());
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        app.find("#catalog-summary", expected).await;
    }
    assert!(!app.text().contains("more to load"));
    let rendered = app.all(".vlist .vrow").len();
    assert!(rendered < 40, "{rendered} rows rendered after scrolling");
    let list = app.find(".vlist", "").await;
    list.set_scroll_top(list.scroll_height());
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    app.find("a.repo-link", "gamma/repo-1199").await;

    // Filter, then group by namespace with counts.
    type_into(&app.find("#catalog-filter", "").await, "beta repo-00");
    app.find("#catalog-summary", "33 of 1200 repositories match")
        .await;
    click(&app.find("#catalog-grouped", "").await);
    let group = app.find(".group-row", "beta/").await;
    assert!(group.text_content().unwrap().contains("33 repositories"));
}

#[wasm_bindgen_test]
async fn deleting_a_manifest_confirms_and_names_the_tags_that_go_with_it() {
    let reg = MemoryRegistry::new();
    let none = BTreeMap::new();
    let labels = serde_json::json!({});
    image(&reg, "team/app", &["a", "b"], b"one", &none, &labels).await;
    image(&reg, "team/app", &["c"], b"two", &none, &labels).await;
    registry::install("mem:delete", Registry::memory(reg.clone()));
    let app = Mounted::at("?registry=mem:delete&repo=team/app&ref=a");

    click(&app.find("#delete-manifest", "Delete manifest").await);
    app.find("#delete-consequence", "every tag on it: a, b.")
        .await;
    // Cancel keeps everything.
    click(&app.find(".dialog button", "Cancel").await);
    app.until("the dialog to close", |a| a.all(".dialog").is_empty())
        .await;
    click(&app.find("#delete-manifest", "Delete manifest").await);
    app.find("#delete-consequence", "every tag on it").await;
    click(&app.find("#delete-confirm", "Delete").await);

    // Back on the tags, with only the other manifest's tag left.
    app.find("#tags-summary", "1 of 1 tag").await;
    let tags: Vec<String> = app
        .all("a.tag-link")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(tags, ["c"]);

    // A registry that forbids deletes: the dialog explains.
    let locked = MemoryRegistry::with_options(MemoryOptions {
        delete_enabled: false,
        ..MemoryOptions::default()
    });
    image(&locked, "team/app", &["v1"], b"one", &none, &labels).await;
    registry::install("mem:locked", Registry::memory(locked));
    drop(app);
    let app = Mounted::at("?registry=mem:locked&repo=team/app&ref=v1");
    click(&app.find("#delete-tag", "Delete tag v1").await);
    app.find("#delete-consequence", "digest only").await;
    click(&app.find("#delete-confirm", "Delete").await);
    app.find(".dialog .error-box", "does not allow").await;
    app.find(".dialog .error-box", "REGISTRY_STORAGE_DELETE_ENABLED")
        .await;
}

#[wasm_bindgen_test]
async fn markup_and_script_urls_from_the_registry_stay_inert_text() {
    let reg = MemoryRegistry::new();
    let payload = "<img src=x onerror=window.__xss=1>";
    let annotations: BTreeMap<String, String> = [
        ("evil.markup", payload),
        ("evil.link", "javascript:window.__xss=1"),
        ("org.opencontainers.image.source", "https://example.com/src"),
        ("<b>key</b>", "<script>window.__xss=1</script>"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let labels = serde_json::json!({"evil": payload, "url": "JavaScript:window.__xss=1"});
    image(&reg, "x/y", &["t"], b"layer", &annotations, &labels).await;
    registry::install("mem:xss", Registry::memory(reg));
    let app = Mounted::at("?registry=mem:xss&repo=x/y&ref=t&raw=1");

    app.find("#annotations", payload).await;
    app.find("#labels", payload).await;
    app.find("#history", payload).await;
    app.find("pre.json", "javascript:window.__xss=1").await;
    sleep(200).await;

    // The payloads are text: no element and no script URL was made from them.
    assert!(app.all("img").is_empty(), "an <img> was created");
    assert!(app.all("script").is_empty(), "a <script> was created");
    assert!(app.all("b").is_empty(), "a <b> was created");
    for a in app.all("a") {
        let href = a.get_attribute("href").unwrap_or_default().to_lowercase();
        assert!(!href.starts_with("javascript:"), "script link {href}");
        assert!(a.get_attribute("onerror").is_none());
    }
    let source = app.find("#annotations a", "https://example.com/src").await;
    assert_eq!(
        source.get_attribute("rel").as_deref(),
        Some("noopener noreferrer nofollow")
    );
    let flagged = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__xss".into()).unwrap();
    assert!(flagged.is_undefined(), "a payload ran");
}

#[wasm_bindgen_test]
async fn names_tags_and_digests_in_the_address_are_checked_before_any_request() {
    let reg = MemoryRegistry::new();
    let none = BTreeMap::new();
    image(
        &reg,
        "team/app",
        &["v1"],
        b"one",
        &none,
        &serde_json::json!({}),
    )
    .await;
    registry::install("mem:names", Registry::memory(reg));

    let app = Mounted::at("?registry=mem:names&repo=Team/App");
    let e = app.find(".error-box", "Not a valid repository name").await;
    assert!(
        e.text_content().unwrap().contains("\"Team/App\""),
        "{}",
        app.text()
    );
    assert!(app.all("a.tag-link").is_empty());
    drop(app);

    let app = Mounted::at("?registry=mem:names&repo=team/app&ref=-v1");
    let e = app.find(".error-box", "Not a valid tag").await;
    assert!(
        e.text_content().unwrap().contains("\"-v1\""),
        "{}",
        app.text()
    );
    drop(app);

    let app = Mounted::at("?registry=mem:names&repo=team/app&blob=sha256:zz");
    app.find(".error-box", "blob digest").await;
    drop(app);

    // The same repository and tag, written validly, open.
    let app = Mounted::at("?registry=mem:names&repo=team/app&ref=v1");
    app.find("#layers tbody tr", "").await;
}

/// Puts a file with `content` into the upload form's file input.
async fn choose_file(app: &Mounted, name: &str, content: &[u8]) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("text/plain");
    let file =
        web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options).unwrap();
    let input: web_sys::HtmlInputElement = app.find("#upload-file", "").await.unchecked_into();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    input.set_files(transfer.files().as_ref());
}

#[wasm_bindgen_test]
async fn uploads_into_an_in_page_registry_after_refusing_a_bad_tag() {
    let reg = MemoryRegistry::new();
    registry::install("mem:upload", Registry::memory(reg.clone()));
    let app = Mounted::at("?tool=upload&registry=mem:upload&repo=team/files");
    let data: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    choose_file(&app, "notes.txt", &data).await;
    assert_eq!(
        app.find("#upload-repo", "")
            .await
            .unchecked_into::<web_sys::HtmlInputElement>()
            .value(),
        "team/files",
        "the address's repository fills the form"
    );
    type_into(&app.find("#upload-tag", "").await, ".v1");
    click(&app.find("#upload-start", "Upload").await);
    app.find(".error-box", "Not a valid tag").await;
    let digest = Digest::sha256_of(&data);
    assert!(
        reg.stat_blob(&repo("team/files"), &digest).await.is_err(),
        "nothing was sent"
    );

    type_into(&app.find("#upload-tag", "").await, "v1");
    click(&app.find("#upload-start", "Upload").await);
    let done = app.find("#upload-done", "tagged").await;
    assert!(done.text_content().unwrap().contains(digest.as_str()));
    assert_eq!(
        reg.stat_blob(&repo("team/files"), &digest)
            .await
            .unwrap()
            .size,
        data.len() as u64
    );
    let got = reg
        .get_manifest(&repo("team/files"), &ManifestRef::Tag(tag("v1")))
        .await
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&got.content).unwrap();
    assert_eq!(manifest["layers"][0]["digest"], digest.as_str());
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "notes.txt"
    );
}

/// Pushes an image dated `created` into `ci/app` with `tags`; `n` makes its content unique.
async fn dated(
    reg: &MemoryRegistry,
    tags: &[&str],
    n: u8,
    created: &str,
) -> ociscope_core::Descriptor {
    let none = BTreeMap::new();
    image_at(
        reg,
        "ci/app",
        tags,
        &[n],
        &none,
        &serde_json::json!({}),
        created,
    )
    .await
}

#[wasm_bindgen_test]
async fn bulk_delete_selects_by_pattern_age_and_use_confirms_once_and_deletes() {
    let reg = MemoryRegistry::new();
    let a = dated(&reg, &["pr-1"], 1, "2023-03-01T00:00:00Z").await;
    let b = dated(&reg, &["pr-2"], 2, "2024-06-01T00:00:00Z").await;
    dated(&reg, &["pr-3", "stable"], 3, "2023-05-01T00:00:00Z").await;
    dated(&reg, &["v1"], 4, "2022-01-01T00:00:00Z").await;
    registry::install("mem:bulk", Registry::memory(reg.clone()));
    let app = Mounted::at("?registry=mem:bulk&repo=ci/app");
    click(&app.find("a.bulk-delete-link", "Delete tags in bulk").await);
    assert!(query().contains("tool=bulk-delete"), "{}", query());
    app.find("#bulk-summary", "5 of 5 tags selected").await;

    // A pattern; the guard keeps pr-3, which `stable` (not matching) still points at.
    type_into(&app.find("#bulk-pattern", "").await, "pr-*");
    app.find(
        "#bulk-summary",
        "2 of 5 tags selected; 1 kept because another tag uses them",
    )
    .await;
    let kept = app.find("#bulk-kept li", "pr-3").await;
    assert!(kept.text_content().unwrap().contains("used by stable"));
    // Without the guard pr-3 is selected too; with an age only the older ones are.
    click(&app.find("#bulk-keep-in-use", "").await);
    app.find("#bulk-summary", "3 of 5 tags selected").await;
    type_into(&app.find("#bulk-older", "").await, "2024-01-01");
    app.find("#bulk-summary", "2 of 5 tags selected").await;
    click(&app.find("#bulk-keep-in-use", "").await);
    app.find("#bulk-summary", "1 of 5 tags selected; 1 kept")
        .await;
    type_into(&app.find("#bulk-older", "").await, "");
    app.find("#bulk-summary", "2 of 5 tags selected").await;
    let selected: Vec<String> = app
        .all("#bulk-selected li code.tag")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(selected, ["pr-1", "pr-2"]);

    // Manifests: one confirmation listing both; cancel changes nothing.
    click(&app.find("#bulk-mode-manifests", "").await);
    click(&app.find("#bulk-start", "Delete 2 manifests").await);
    let list = app.find("#bulk-confirm-list", "(tag pr-1)").await;
    assert!(list.text_content().unwrap().contains("(tag pr-2)"));
    assert_eq!(app.all("#bulk-confirm-list li").len(), 2);
    click(&app.find(".dialog button", "Cancel").await);
    app.until("the dialog to close", |a| a.all(".dialog").is_empty())
        .await;
    let ci = repo("ci/app");
    reg.stat_manifest(&ci, &ManifestRef::Tag(tag("pr-1")))
        .await
        .expect("cancel deleted nothing");

    click(&app.find("#bulk-start", "Delete 2 manifests").await);
    click(&app.find("#bulk-confirm", "Delete").await);
    app.find("#bulk-done", "2 deleted.").await;
    assert!(app.all("#bulk-failures li").is_empty());
    for (t, d) in [("pr-1", &a), ("pr-2", &b)] {
        assert!(
            reg.stat_manifest(&ci, &ManifestRef::Tag(tag(t)))
                .await
                .is_err(),
            "{t}"
        );
        assert!(reg
            .stat_manifest(&ci, &ManifestRef::Digest(d.digest.clone()))
            .await
            .is_err());
    }
    for t in ["pr-3", "stable", "v1"] {
        reg.stat_manifest(&ci, &ManifestRef::Tag(tag(t)))
            .await
            .unwrap_or_else(|e| panic!("{t} stays: {e}"));
    }
    app.find("#bulk-summary", "0 of 3 tags selected; 1 kept")
        .await;
}

#[wasm_bindgen_test]
async fn bulk_delete_failures_stay_listed_with_their_reason() {
    let reg = MemoryRegistry::with_options(MemoryOptions {
        delete_enabled: false,
        ..MemoryOptions::default()
    });
    dated(&reg, &["v1"], 1, "2022-01-01T00:00:00Z").await;
    dated(&reg, &["v2"], 2, "2022-01-01T00:00:00Z").await;
    dated(&reg, &["keep"], 3, "2022-01-01T00:00:00Z").await;
    registry::install("mem:bulk-locked", Registry::memory(reg.clone()));
    let app = Mounted::at("?tool=bulk-delete&registry=mem:bulk-locked&repo=ci/app");
    app.find("#bulk-summary", "3 of 3 tags selected").await;
    type_into(&app.find("#bulk-pattern", "").await, "v?");
    app.find("#bulk-summary", "2 of 3 tags selected").await;
    click(&app.find("#bulk-start", "Delete 2 tags").await);
    app.find("#bulk-confirm-list", "tag v1").await;
    click(&app.find("#bulk-confirm", "Delete").await);
    app.find("#bulk-done", "0 deleted.").await;
    let failures: Vec<String> = app
        .all("#bulk-failures li")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    for f in &failures {
        assert!(f.contains("does not allow deleting"), "{f}");
    }
    assert!(failures.iter().any(|f| f.contains("tag v1")));
    assert!(failures.iter().any(|f| f.contains("tag v2")));
    // Still there, and still selected for another try.
    app.find("#bulk-summary", "2 of 3 tags selected").await;
    reg.stat_manifest(&repo("ci/app"), &ManifestRef::Tag(tag("v1")))
        .await
        .unwrap();
}

/// The demo, small, in a memory registry installed as `key`.
async fn small_demo(key: &str) -> (MemoryRegistry, ociscope_demo::DemoSummary) {
    let reg = MemoryRegistry::new();
    let summary = ociscope_demo::populate(
        &reg,
        &DemoOptions {
            repositories: 3,
            tags: 3,
        },
    )
    .await
    .unwrap();
    registry::install(key, Registry::memory(reg.clone()));
    (reg, summary)
}

#[wasm_bindgen_test]
async fn copies_an_index_with_referrers_to_another_registry_planning_first_and_tagging_last() {
    let (_, summary) = small_demo("mem:copy-src").await;
    let dst = MemoryRegistry::new();
    registry::install("mem:copy-dst", Registry::memory(dst.clone()));
    let app = Mounted::at("?registry=mem:copy-src&repo=demo/hello&ref=latest");
    click(&app.find("a.copy-link", "Copy or retag").await);
    assert!(query().contains("tool=copy"), "{}", query());
    app.find("#copy-platform-4", "").await;

    choose(&app.find("#copy-registry", "").await, "mem:copy-dst");
    type_into(&app.find("#copy-repo", "").await, "mirror/hello");
    type_into(&app.find("#copy-tags", "").await, "v1, stable");
    click(&app.find("#copy-referrers", "").await);
    click(&app.find("#copy-plan", "Plan").await);
    let plan = app
        .find("#copy-plan-summary", "then the tags v1, stable")
        .await;
    let text = plan.text_content().unwrap();
    assert!(text.contains("0 already there"), "{text}");
    let rows = app.all("#copy-items tr");
    // The index, 5 images with a config and 2 layers each, 3 referrers with their blobs.
    assert!(rows.len() > 20, "{} rows", rows.len());
    assert!(app.text().contains("referrer"), "{}", app.text());
    assert!(
        collect_all(&dst, None, 10, None).await.unwrap().is_empty(),
        "planning copies nothing"
    );

    click(&app.find("#copy-start", "Copy").await);
    app.find("#copy-done", "tagged v1, stable").await;
    assert!(app.all("#copy-items td.copy-state").iter().all(|td| {
        let s = td.text_content().unwrap();
        s == "copied" || s == "already there"
    }));
    let mirror = repo("mirror/hello");
    for t in ["v1", "stable"] {
        let d = dst
            .stat_manifest(&mirror, &ManifestRef::Tag(tag(t)))
            .await
            .unwrap();
        assert_eq!(d.digest, summary.index.digest, "{t}");
    }
    let referrers = collect_referrers(&dst, &mirror, &summary.signed.digest, None, None)
        .await
        .unwrap();
    assert_eq!(referrers.len(), 3);

    // The result links to the copy, which opens in the destination registry.
    click(&app.find("a.copy-target", "mirror/hello:v1").await);
    app.find("#platforms a.platform-link", "").await;
    assert!(query().contains("registry=mem:copy-dst"), "{}", query());
}

#[wasm_bindgen_test]
async fn retags_one_platform_in_place_and_refuses_a_bad_tag_before_planning() {
    let (reg, summary) = small_demo("mem:retag").await;
    let app = Mounted::at("?registry=mem:retag&repo=demo/hello");
    let row = app.find(".tag-row", "latest").await;
    let copy = row.query_selector("a.tag-copy-link").unwrap().unwrap();
    click(&copy);
    assert!(query().contains("tool=copy"), "{}", query());
    assert!(query().contains("ref=latest"), "{}", query());
    let arm = app.find("#copy-platform-1", "").await;
    type_into(&app.find("#copy-tags", "").await, "-arm");
    click(&app.find("#copy-plan", "Plan").await);
    app.find(".error-box", "Not a valid tag").await;

    type_into(&app.find("#copy-tags", "").await, "arm-only");
    click(&arm);
    click(&app.find("#copy-plan", "Plan").await);
    app.find("#copy-plan-summary", "0 of").await;
    app.find("#copy-plan-summary", "then the tags arm-only")
        .await;
    click(&app.find("#copy-start", "Copy").await);
    app.find("#copy-done", "tagged arm-only").await;
    let hello = repo("demo/hello");
    let d = reg
        .stat_manifest(&hello, &ManifestRef::Tag(tag("arm-only")))
        .await
        .unwrap();
    assert_eq!(d.digest, summary.images[1].digest, "the linux/arm64 image");
    // `latest` still names the whole index.
    let latest = reg
        .stat_manifest(&hello, &ManifestRef::Tag(tag("latest")))
        .await
        .unwrap();
    assert_eq!(latest.digest, summary.index.digest);
}

#[wasm_bindgen_test]
async fn a_copy_that_fails_names_each_failed_item_and_tags_nothing() {
    let src = MemoryRegistry::new();
    let none = BTreeMap::new();
    let pushed = image(
        &src,
        "team/app",
        &["v1"],
        b"layer",
        &none,
        &serde_json::json!({}),
    )
    .await;
    let app_repo = repo("team/app");
    let manifest = src
        .get_manifest(&app_repo, &ManifestRef::Digest(pushed.digest.clone()))
        .await
        .unwrap()
        .parse()
        .unwrap();
    // The source lost a layer: the copy cannot read it.
    let layer = manifest.layers()[0].digest.clone();
    src.delete_blob(&app_repo, &layer).await.unwrap();
    registry::install("mem:broken-src", Registry::memory(src));
    let dst = MemoryRegistry::new();
    registry::install("mem:broken-dst", Registry::memory(dst.clone()));

    let app = Mounted::at("?tool=copy&registry=mem:broken-src&repo=team/app&ref=v1");
    choose(&app.find("#copy-registry", "").await, "mem:broken-dst");
    click(&app.find("#copy-plan", "Plan").await);
    click(&app.find("#copy-start", "Copy").await);
    app.find("#copy-stopped", "Nothing was tagged.").await;
    let failure = app.find("#copy-failures li", "layer 1/1").await;
    let text = failure.text_content().unwrap();
    assert!(text.contains(layer.as_str()), "{text}");
    assert!(text.contains("Not found"), "{text}");
    app.find("#copy-items td.copy-state", "failed:").await;
    assert!(dst
        .stat_manifest(&app_repo, &ManifestRef::Tag(tag("v1")))
        .await
        .is_err());
}
