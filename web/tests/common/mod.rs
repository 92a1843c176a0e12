//! What the app's browser tests share: mounting the app at a URL, waiting for elements,
//! clicking and typing.
#![allow(dead_code)] // Each test file uses its own subset.

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::spec::{RepoName, Spec, Tag};
use ociscope_core::{media_type, Descriptor, Digest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// How long a view may take to appear (debug wasm is slow).
pub const TIMEOUT_MS: f64 = 15_000.0;

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A mounted app in its own container; unmounted and removed on drop.
pub struct Mounted {
    root: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

impl Mounted {
    /// Sets the page's query to `query`, then mounts the app.
    pub fn at(query: &str) -> Mounted {
        let window = web_sys::window().unwrap();
        let history = window.history().unwrap();
        history
            .replace_state_with_url(&JsValue::NULL, "", Some(query))
            .unwrap();
        let document = window.document().unwrap();
        // A failed test before this one (its panic) left the panic box: not this test's.
        if let Some(left) = document.get_element_by_id(ociscope_web::panic_screen::ID) {
            left.remove();
        }
        let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&root).unwrap();
        let handle = leptos::mount::mount_to(root.clone(), ociscope_web::App);
        Mounted {
            root,
            _handle: Box::new(handle),
        }
    }

    pub fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect()
    }

    /// Waits for an element matching `selector` whose text contains `text`.
    pub async fn find(&self, selector: &str, text: &str) -> Element {
        let start = now();
        loop {
            if let Some(e) = self
                .all(selector)
                .into_iter()
                .find(|e| e.text_content().unwrap_or_default().contains(text))
            {
                return e;
            }
            if now() - start > TIMEOUT_MS {
                panic!(
                    "no {selector} containing {text:?} appeared; page text: {}",
                    self.root.text_content().unwrap_or_default()
                );
            }
            sleep(20).await;
        }
    }

    /// Waits until `check` holds.
    pub async fn until(&self, what: &str, check: impl Fn(&Mounted) -> bool) {
        let start = now();
        while !check(self) {
            if now() - start > TIMEOUT_MS {
                panic!(
                    "timed out waiting for {what}; page text: {}",
                    self.root.text_content().unwrap_or_default()
                );
            }
            sleep(20).await;
        }
    }

    pub fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }
}

pub fn click(e: &Element) {
    e.unchecked_ref::<HtmlElement>().click();
}

pub fn type_into(e: &Element, value: &str) {
    let input: &HtmlInputElement = e.unchecked_ref();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

pub fn query() -> String {
    web_sys::window().unwrap().location().search().unwrap()
}

/// A repository name the test knows to be valid.
pub fn repo(name: &str) -> RepoName {
    RepoName::new(name).expect("a valid repository name")
}

/// A tag the test knows to be valid.
pub fn tag(name: &str) -> Tag {
    Tag::new(name).expect("a valid tag")
}

/// Pushes `content` as a blob of `repo`.
pub async fn blob<S: Spec>(reg: &S, repo: &str, media: &str, content: &[u8]) -> Descriptor {
    let d = Descriptor::new(media, Digest::sha256_of(content), content.len() as u64);
    reg.push_blob(&self::repo(repo), &d, Bytes::copy_from_slice(content))
        .await
        .unwrap()
}

/// Pushes a one-layer OCI image with these manifest annotations and config labels.
pub async fn image<S: Spec>(
    reg: &S,
    repo: &str,
    tags: &[&str],
    layer: &[u8],
    annotations: &BTreeMap<String, String>,
    labels: &serde_json::Value,
) -> Descriptor {
    image_at(
        reg,
        repo,
        tags,
        layer,
        annotations,
        labels,
        "2024-01-02T03:04:05Z",
    )
    .await
}

/// [`image`] with the configuration's `created` date.
pub async fn image_at<S: Spec>(
    reg: &S,
    repo: &str,
    tags: &[&str],
    layer: &[u8],
    annotations: &BTreeMap<String, String>,
    labels: &serde_json::Value,
    created: &str,
) -> Descriptor {
    let config = serde_json::json!({
        "created": created,
        "architecture": "amd64", "os": "linux",
        "config": {"Labels": labels, "Cmd": ["<script>alert(1)</script>"]},
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": [{"created_by": "<img src=x onerror=window.__xss=1>"}]
    });
    let config = blob(
        reg,
        repo,
        media_type::OCI_CONFIG,
        config.to_string().as_bytes(),
    )
    .await;
    let layer = blob(reg, repo, media_type::OCI_LAYER_TAR, layer).await;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": config,
        "layers": [layer],
        "annotations": annotations,
    });
    let tags: Vec<Tag> = tags.iter().map(|t| tag(t)).collect();
    reg.push_manifest(
        &self::repo(repo),
        media_type::OCI_MANIFEST,
        Bytes::from(manifest.to_string()),
        &tags,
    )
    .await
    .unwrap()
}

/// Picks `value` in a `<select>` (or sets any form control's value) and says it changed.
pub fn choose(e: &Element, value: &str) {
    js_sys::Reflect::set(e, &"value".into(), &value.into()).unwrap();
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    e.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}
