//! Registry data that is hostile in every way a registry may send it — non-ASCII at every
//! position of a date, very long values, control characters, markup, right-to-left marks,
//! emoji — in every view (catalog, tags, manifest, configuration, history, referrers, blob,
//! raw JSON) and in a shared address: each renders it, as inert text, and nothing panics.
//!
//! The first tests reproduce what a new user met (a `created` date with a non-ASCII character
//! near its start froze the manifest and tags views; a `ref` with non-ASCII text in a shared
//! link panicked the app) on an in-page registry; the last pushes the hostile image into the
//! live `ociscope-server` that `tests/app_live.sh` starts (through Fetch) and walks every view.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::Spec;
use ociscope_core::{media_type, Descriptor};
use ociscope_web::registry::{self, Registry};
use wasm_bindgen_test::*;

mod common;
use common::{blob, click, repo, sleep, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

const MARKUP: &str = "<img src=x onerror=window.__xss=1><script>window.__xss=1</script><b>b</b>";
const CONTROLS: &str = "nul\u{0}esc\u{1b}[31mbell\u{7}del\u{7f}cr\rtab\t";
const RTL: &str = "\u{202e}gnp.exe \u{200f}مرحبا بالعالم\u{200e} שלום";
const EMOJI: &str = "😀👩‍👩‍👧‍👦🏳️‍🌈 ﷽ Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍";

/// A date with `ü` at position `i` (0..20): every cut point a formatter might use.
fn date_with_non_ascii_at(i: usize) -> String {
    let mut chars: Vec<char> = "2024-05-01T12:34:56Z".chars().collect();
    if i < chars.len() {
        chars[i] = 'ü';
    }
    chars.into_iter().collect()
}

/// The hostile strings every text field gets.
fn hostile_values() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = (0..20)
        .map(|i| (format!("date.{i:02}"), date_with_non_ascii_at(i)))
        .collect();
    v.push(("markup".into(), MARKUP.into()));
    v.push(("controls".into(), CONTROLS.into()));
    v.push(("rtl".into(), RTL.into()));
    v.push(("emoji".into(), EMOJI.into()));
    v.push(("long".into(), "long-ü-".repeat(10_000)));
    v.push(("script-url".into(), "javascript:window.__xss=1".into()));
    v.push((format!("key {MARKUP} {RTL}"), "key-is-hostile".into()));
    v
}

/// Pushes an image whose configuration, history, annotations and layer title are hostile, a
/// text layer previewable as a blob, and a referrer with hostile annotations; returns the
/// image's and the text layer's descriptors.
async fn push_hostile<S: Spec>(reg: &S, name: &str, created: &str) -> (Descriptor, Descriptor) {
    let values: BTreeMap<String, String> = hostile_values().into_iter().collect();
    let history: Vec<serde_json::Value> = values
        .iter()
        .map(|(k, v)| serde_json::json!({"created": v, "created_by": format!("{k}: {v}"), "comment": v}))
        .collect();
    let config = serde_json::json!({
        "created": created,
        "author": format!("{RTL} {MARKUP}"),
        "architecture": "amd64", "os": "linux", "variant": EMOJI,
        "config": {
            "Labels": values,
            "Env": values.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "Entrypoint": [MARKUP, CONTROLS], "Cmd": [RTL, EMOJI],
            "User": EMOJI, "WorkingDir": format!("/{RTL}"),
            "ExposedPorts": {format!("80/{MARKUP}"): {}}, "Volumes": {format!("/{EMOJI}"): {}},
        },
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": history,
    });
    let config = blob(
        reg,
        name,
        media_type::OCI_CONFIG,
        config.to_string().as_bytes(),
    )
    .await;
    let text = format!("{MARKUP}\n{RTL}\n{EMOJI}\n{}", date_with_non_ascii_at(3));
    let mut text_layer = blob(reg, name, "text/plain", text.as_bytes()).await;
    text_layer.annotations.insert(
        "org.opencontainers.image.title".into(),
        format!("{MARKUP}{RTL}"),
    );
    let mut annotations = values.clone();
    annotations.insert("org.opencontainers.image.created".into(), created.into());
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
        "config": config, "layers": [text_layer], "annotations": annotations,
    });
    let image = reg
        .push_manifest(
            &repo(name),
            media_type::OCI_MANIFEST,
            Bytes::from(manifest.to_string()),
            &[tag("hostile"), tag(&"t".repeat(128))],
        )
        .await
        .unwrap();
    let empty = blob(reg, name, media_type::OCI_EMPTY, b"{}").await;
    let referrer = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
        "artifactType": "application/vnd.example.hostile+json",
        "config": empty, "layers": [empty], "subject": image, "annotations": values,
    });
    reg.push_manifest(
        &repo(name),
        media_type::OCI_MANIFEST,
        Bytes::from(referrer.to_string()),
        &[],
    )
    .await
    .unwrap();
    (image, text_layer)
}

/// Nothing in the page became markup or ran, and no panic box appeared.
async fn assert_inert(app: &Mounted) {
    sleep(100).await;
    assert!(app.all("img").is_empty(), "an <img> was created");
    assert!(app.all("script").is_empty(), "a <script> was created");
    assert!(app.all("b").is_empty(), "a <b> was created");
    for a in app.all("a") {
        let href = a.get_attribute("href").unwrap_or_default().to_lowercase();
        assert!(!href.starts_with("javascript:"), "script link {href}");
    }
    let window = web_sys::window().unwrap();
    let flagged = js_sys::Reflect::get(&window, &"__xss".into()).unwrap();
    assert!(flagged.is_undefined(), "a payload ran");
    let document = window.document().unwrap();
    assert!(
        document.get_element_by_id("panic-screen").is_none(),
        "the app panicked: {}",
        document.body().unwrap().text_content().unwrap_or_default()
    );
}

#[wasm_bindgen_test]
async fn a_created_date_with_non_ascii_near_its_start_shows_in_the_manifest_and_tags_views() {
    let reg = MemoryRegistry::new();
    let created = "2024-05-01T12:3ü:00Z";
    push_hostile(&reg, "a/b", created).await;
    registry::install("mem:date", Registry::memory(reg));

    let app = Mounted::at("?registry=mem:date&repo=a/b&ref=hostile");
    app.find("#config", created).await;
    app.find("#history", &date_with_non_ascii_at(15)).await;
    assert!(!app.text().contains("Loading the image configuration"));
    assert_inert(&app).await;
    drop(app);

    let app = Mounted::at("?registry=mem:date&repo=a/b");
    app.find("#tags-summary", "details of 2 loaded (0 loading)")
        .await;
    app.find(".tag-row .created", created).await;
    assert_inert(&app).await;
}

#[wasm_bindgen_test]
async fn a_shared_link_with_non_ascii_in_every_field_explains_itself() {
    let reg = MemoryRegistry::new();
    push_hostile(&reg, "a/b", "2024-05-01T12:34:56Z").await;
    registry::install("mem:link", Registry::memory(reg));
    let cases = [
        ("ref=%C3%BCber", "Not a valid tag"),
        (
            "ref=sha256:a%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
            "tag or digest",
        ),
        ("ref=%F0%9F%98%80%E2%80%AE", "tag or digest"),
        (
            "blob=sha256:%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC",
            "blob digest",
        ),
        ("ref=%00%1B%3Cb%3E", "tag or digest"),
    ];
    for (param, expected) in cases {
        let app = Mounted::at(&format!("?registry=mem:link&repo=a/b&{param}"));
        app.find(".error-box", expected).await;
        assert_inert(&app).await;
        drop(app);
    }
    let app = Mounted::at("?registry=mem:link&repo=%C3%BC/%E2%80%AE");
    app.find(".error-box", "Not a valid repository name").await;
    assert_inert(&app).await;
}

#[wasm_bindgen_test]
async fn a_hostile_image_in_a_live_registry_renders_inert_in_every_view() {
    let server = option_env!("OCISCOPE_LIVE_SERVER")
        .unwrap_or_else(|| panic!("OCISCOPE_LIVE_SERVER is unset: run through tests/app_live.sh"));
    let spec = ociscope_fetch::connect(server, ociscope_core::client::Options::default()).unwrap();
    let unique = format!("{:x}", js_sys::Date::now() as u64);
    let name = format!("hostile/{}-{unique}", "n".repeat(200));
    let created = date_with_non_ascii_at(2);
    let (image, text_layer) = push_hostile(&spec, &name, &created).await;

    // Catalog: the long name is listed and opens.
    let app = Mounted::at(&format!("?registry={server}"));
    type_into(&app.find("#catalog-filter", "").await, &unique);
    click(&app.find("button.load-all", "Load all").await);
    click(&app.find("a.repo-link", &name).await);

    // Tags: both tags, with their dates, nothing left loading.
    app.find("#tags-summary", "details of 2 loaded (0 loading)")
        .await;
    app.find(".tag-row .created", &created).await;
    assert_inert(&app).await;
    click(&app.find("a.tag-link", "hostile").await);

    // Manifest, configuration, history, annotations, layers, referrers.
    app.find("#config", EMOJI).await;
    app.find("#config", RTL).await;
    app.find("#labels", MARKUP).await;
    app.find("#labels", CONTROLS).await;
    app.find("#annotations", &"long-ü-".repeat(100)).await;
    for i in 0..20 {
        app.find("#history", &date_with_non_ascii_at(i)).await;
    }
    app.find("#layers .layer-title", RTL).await;
    app.find(".referrer-group h4", "application/vnd.example.hostile+json")
        .await;
    assert_inert(&app).await;

    // Raw JSON: every string printed, digests still links.
    click(&app.find("a.raw-toggle", "Show raw JSON").await);
    app.find("pre.json", "javascript:window.__xss=1").await;
    app.find("pre.json a.json-digest", "sha256:").await;
    assert_inert(&app).await;

    // The referrer opens like any manifest, its hostile annotations as text.
    click(&app.find(".referrer-group a.referrer-link", "").await);
    app.find("a.subject-link", image.digest.as_str()).await;
    app.find("#annotations", EMOJI).await;
    assert_inert(&app).await;
    drop(app);

    // The text layer as a blob: previewed as text.
    let app = Mounted::at(&format!(
        "?registry={server}&repo={name}&blob={}",
        text_layer.digest
    ));
    app.find("#blob-size", "bytes").await;
    app.find("pre.text-preview", RTL).await;
    app.find("pre.text-preview", MARKUP).await;
    assert_inert(&app).await;
}
