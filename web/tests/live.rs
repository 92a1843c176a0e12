//! The app in headless Chromium against live registries on loopback, reached through the
//! Fetch transport: ociscope-server with the demo content (catalog to referrers, deletes,
//! inert markup), a CNCF distribution the test fills from the browser (referrers through the
//! tag-schema fallback), a registry behind basic auth (sign in from the error page) and a
//! server that sends no CORS headers (the explained error).
//!
//! Needs the registries `tests/app_live.sh` starts; their addresses arrive at compile time in
//! `OCISCOPE_LIVE_*` variables. Run it through that script.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use ociscope_core::client::Options;
use ociscope_core::spec::{collect_all, ManifestRef, Spec};
use ociscope_demo::DemoOptions;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::{click, image, query, repo as name, sleep, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

/// The address of a registry the harness started, or a failure saying how to run the tests.
macro_rules! live {
    ($name:literal) => {
        option_env!($name).unwrap_or_else(|| {
            panic!(concat!(
                $name,
                " is unset: run these tests through tests/app_live.sh, which starts the registries"
            ))
        })
    };
}

/// ociscope-server with the demo content and CORS.
fn server() -> &'static str {
    live!("OCISCOPE_LIVE_SERVER")
}

/// A URL-safe run-unique suffix, so reruns against the same registry do not collide.
fn unique() -> String {
    format!("{:x}", js_sys::Date::now() as u64)
}

#[wasm_bindgen_test]
async fn demo_on_ociscope_server_from_catalog_to_referrers_and_blobs() {
    let app = Mounted::at(&format!("?registry={}", server()));

    // Catalog: paged (the demo has thousands of repositories), then filtered to one.
    app.find("#catalog-summary", "more to load").await;
    type_into(&app.find("#catalog-filter", "").await, "hello");
    app.until("the filter to keep one repository", |a| {
        a.all("a.repo-link").len() == 1
    })
    .await;
    click(&app.find("a.repo-link", "demo/hello").await);

    // Tags, then the multi-platform index.
    app.find(".tag-row .kind", "OCI index").await;
    click(&app.find("a.tag-link", "latest").await);
    app.find("#platforms a.platform-link", "").await;
    assert_eq!(app.all("#platforms tbody tr").len(), 5, "{}", app.text());
    let host = server().trim_start_matches("http://");
    assert!(
        app.text()
            .contains(&format!("docker pull {host}/demo/hello:latest")),
        "{}",
        app.text()
    );
    click(&app.all("#platforms a.platform-link")[0]);

    // The image: config, history, layers; its referrers grouped by type.
    app.find("#layers tbody tr", "").await;
    app.find("#history", "").await;
    app.find(".referrer-group h4", "SBOM (SPDX JSON)").await;
    app.find(".referrer-group h4", "Cosign signature").await;
    let image_query = query();
    click(&app.all(".referrer-group a.referrer-link")[0]);
    let subject = app.find("a.subject-link", "sha256:").await;
    assert!(image_query.contains(&subject.text_content().unwrap()));

    // A blob, downloaded and verified, previewed.
    click(&app.find("a.raw-toggle", "Show raw JSON").await);
    click(&app.find("pre.json a.json-digest", "sha256:").await);
    app.find("#blob-size", "bytes").await;
    assert!(query().contains("blob=sha256:"));
}

#[wasm_bindgen_test]
async fn cncf_distribution_filled_from_the_browser_shows_referrers_through_the_fallback() {
    let address = live!("OCISCOPE_LIVE_DISTRIBUTION");
    let spec = ociscope_fetch::connect(address, Options::default()).unwrap();
    // Idempotent: pushing the same content again changes nothing.
    ociscope_demo::populate(
        &spec,
        &DemoOptions {
            repositories: 12,
            tags: 12,
        },
    )
    .await
    .unwrap();

    let app = Mounted::at(&format!("?registry={address}&repo=demo/hello&ref=latest"));
    app.find("#platforms a.platform-link", "").await;
    click(&app.all("#platforms a.platform-link")[0]);
    app.find("#layers tbody tr", "").await;
    app.find(".referrer-group h4", "SBOM (SPDX JSON)").await;
    app.find(".referrer-group h4", "Notation signature").await;
    drop(app);

    let app = Mounted::at(&format!("?registry={address}"));
    app.find("a.repo-link", "demo/artifacts").await;
    app.find("a.repo-link", "demo/hello").await;
}

#[wasm_bindgen_test]
async fn deleting_over_http_confirms_names_the_tags_and_removes_them() {
    let spec = ociscope_fetch::connect(server(), Options::default()).unwrap();
    let repo = format!("live/delete-{}", unique());
    let labels = serde_json::json!({});
    let none = BTreeMap::new();
    image(&spec, &repo, &["a", "b"], b"one", &none, &labels).await;
    image(&spec, &repo, &["c"], b"two", &none, &labels).await;

    let app = Mounted::at(&format!("?registry={}&repo={repo}&ref=a", server()));
    click(&app.find("#delete-manifest", "Delete manifest").await);
    app.find("#delete-consequence", "every tag on it: a, b.")
        .await;
    click(&app.find("#delete-confirm", "Delete").await);
    app.find("#tags-summary", "1 of 1 tag").await;

    let tags = collect_all(&spec, Some(&name(&repo)), 100, None)
        .await
        .unwrap();
    assert_eq!(tags, ["c"], "the registry still holds other tags");
}

#[wasm_bindgen_test]
async fn markup_from_a_live_registry_stays_inert() {
    let spec = ociscope_fetch::connect(server(), Options::default()).unwrap();
    let repo = format!("live/xss-{}", unique());
    let payload = "<img src=x onerror=window.__xss=1>";
    let annotations: BTreeMap<String, String> = [
        ("evil.markup", payload),
        ("evil.link", "javascript:window.__xss=1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let labels = serde_json::json!({"evil": payload});
    image(&spec, &repo, &["t"], b"layer", &annotations, &labels).await;

    let app = Mounted::at(&format!("?registry={}&repo={repo}&ref=t&raw=1", server()));
    app.find("#annotations", payload).await;
    app.find("#labels", payload).await;
    sleep(200).await;
    assert!(app.all("img").is_empty(), "an <img> was created");
    assert!(app.all("script").is_empty(), "a <script> was created");
    for a in app.all("a") {
        let href = a.get_attribute("href").unwrap_or_default().to_lowercase();
        assert!(!href.starts_with("javascript:"), "script link {href}");
    }
    let flagged = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__xss".into()).unwrap();
    assert!(flagged.is_undefined(), "a payload ran");
}

#[wasm_bindgen_test]
async fn a_registry_behind_basic_auth_asks_for_credentials_then_opens() {
    let address = live!("OCISCOPE_LIVE_AUTH");
    let app = Mounted::at(&format!("?registry={address}"));
    app.find(".error-box", "wants credentials").await;

    // A wrong password is refused again, then the right one opens the catalog.
    type_into(&app.find("#cred-user", "").await, "live");
    type_into(&app.find("#cred-secret", "").await, "wrong");
    click(&app.find("#cred-submit", "Sign in").await);
    sleep(300).await;
    app.find(".error-box", "wants credentials").await;
    type_into(&app.find("#cred-user", "").await, "live");
    type_into(&app.find("#cred-secret", "").await, "secret");
    click(&app.find("#cred-submit", "Sign in").await);
    app.find("a.repo-link", "demo/hello").await;
}

#[wasm_bindgen_test]
async fn a_registry_without_cors_headers_is_explained() {
    let address = live!("OCISCOPE_LIVE_NO_CORS");
    let app = Mounted::at(&format!("?registry={address}"));
    let error = app.find(".error-box", "blocked").await;
    let text = error.text_content().unwrap();
    assert!(text.contains("Access-Control-Allow-Origin"), "{text}");
    assert!(text.contains("Access-Control-Expose-Headers"), "{text}");
}

#[wasm_bindgen_test]
async fn uploads_a_file_in_chunks_to_cncf_distribution_and_tags_it() {
    let address = live!("OCISCOPE_LIVE_DISTRIBUTION");
    let repo = format!("live/upload-{}", unique());
    // Two chunks of 5 MiB and a short one.
    let data: Vec<u8> = (0..10 * 1024 * 1024 + 5).map(|i| (i % 251) as u8).collect();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&data[..]));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("application/x-test");
    let file = web_sys::File::new_with_u8_array_sequence_and_options(&parts, "data.bin", &options)
        .unwrap();

    let app = Mounted::at(&format!("?tool=upload&registry={address}"));
    let input: web_sys::HtmlInputElement = app.find("#upload-file", "").await.unchecked_into();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    input.set_files(transfer.files().as_ref());
    type_into(&app.find("#upload-repo", "").await, &repo);
    type_into(&app.find("#upload-tag", "").await, "v1");
    click(&app.find("#upload-start", "Upload").await);
    let done = app.find("#upload-done", "tagged").await;
    let digest = ociscope_core::Digest::sha256_of(&data);
    assert!(
        done.text_content().unwrap().contains(digest.as_str()),
        "{}",
        app.text()
    );

    // The registry holds the bytes and an artifact manifest naming the file.
    let spec = ociscope_fetch::connect(address, Options::default()).unwrap();
    let blob = spec.stat_blob(&name(&repo), &digest).await.unwrap();
    assert_eq!(blob.size, data.len() as u64);
    let got = spec
        .get_manifest(&name(&repo), &ManifestRef::Tag(tag("v1")))
        .await
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&got.content).unwrap();
    let layer = &manifest["layers"][0];
    assert_eq!(layer["digest"], digest.as_str());
    assert_eq!(layer["mediaType"], "application/x-test");
    assert_eq!(
        layer["annotations"]["org.opencontainers.image.title"],
        "data.bin"
    );

    // The link opens the artifact like any manifest.
    click(&app.find("#upload-done a", "v1").await);
    app.find("#layers", "application/x-test").await;
    app.find("#layers .layer-title", "data.bin").await;
}

#[wasm_bindgen_test]
async fn an_upload_to_a_bad_repository_name_is_refused_before_sending() {
    let app = Mounted::at(&format!("?tool=upload&registry={}", server()));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&b"x"[..]));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "x.txt").unwrap();
    let input: web_sys::HtmlInputElement = app.find("#upload-file", "").await.unchecked_into();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    input.set_files(transfer.files().as_ref());
    type_into(&app.find("#upload-repo", "").await, "Not/Valid");
    click(&app.find("#upload-start", "Upload").await);
    app.find(".error-box", "Not a valid repository name").await;
    app.find(".error-box", "\"Not/Valid\"").await;
}
