//! One blob: its size and type, a verified download, and a preview of small JSON or text.

use leptos::prelude::*;
use ociscope_core::spec::{BlobReader, Error, RepoName, Spec};
use ociscope_core::Digest;
use wasm_bindgen::JsCast;

use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::components::json_view::JsonView;
use crate::format;
use crate::nav::use_nav;
use crate::registry::{use_registry, Registry};

/// Largest blob previewed.
pub const PREVIEW_LIMIT: u64 = 256 * 1024;

/// What a preview shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preview {
    /// A JSON document.
    Json(Vec<u8>),
    /// UTF-8 text.
    Text(String),
    /// Bytes that are neither.
    Binary,
}

/// Classifies blob content for preview.
pub fn preview_of(bytes: &[u8]) -> Preview {
    if serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
        return Preview::Json(bytes.to_vec());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(|c| c.is_control() && !c.is_whitespace()) => {
            Preview::Text(s.to_string())
        }
        _ => Preview::Binary,
    }
}

/// Reads the blob verified and hands it to the browser as a download named after its digest.
async fn download(registry: Registry, repo: RepoName, digest: Digest) -> Result<u64, Error> {
    let parts = js_sys::Array::new();
    // The reader verifies the digest: a mismatch fails before the last chunk is handed over.
    let mut reader = registry.get_blob(&repo, &digest).await?;
    while let Some(chunk) = reader.next_chunk().await? {
        parts.push(&js_sys::Uint8Array::from(chunk.as_ref()));
    }
    let descriptor = reader.descriptor().clone();
    let fail = |what: &str| {
        Error::other(
            ociscope_core::spec::ErrorKind::Unsupported,
            format!("the browser refused to {what}"),
        )
    };
    let blob =
        web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| fail("make a file"))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("make a download"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("find the page"))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fail("make a link"))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(&digest.to_string().replace(':', "-"));
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(descriptor.size)
}

/// The blob view.
#[component]
pub fn BlobView(
    /// The repository.
    repo: RepoName,
    /// The blob's digest.
    digest: Digest,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let base = use_nav().current();
    let stat = {
        let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
        LocalResource::new(move || {
            let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
            async move {
                let d = registry.stat_blob(&repo, &digest).await?;
                let preview = if d.size <= PREVIEW_LIMIT {
                    Some(preview_of(
                        &registry
                            .get_blob(&repo, &digest)
                            .await?
                            .read_to_end(PREVIEW_LIMIT)
                            .await?,
                    ))
                } else {
                    None
                };
                Ok::<_, Error>((d.size, preview))
            }
        })
    };
    // The download: one click, one verified read handed to the browser.
    let save = {
        let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
        Action::new_local(move |(): &()| download(registry.clone(), repo.clone(), digest.clone()))
    };
    view! {
        <section class="blob">
            <h2>"Blob " <code>{digest.to_string()}</code></h2>
            <p>"in " <code>{repo.to_string()}</code></p>
            {move || match stat.get() {
                None => view! { <Loading what="the blob"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox action="loading the blob" error=e/> }.into_any(),
                Some(Ok((size, preview))) => {
                    let base = base.clone();
                    view! {
                        <p id="blob-size">{format!("{} ({size} bytes)", format::size(size))}</p>
                        {match preview {
                            None => view! { <p class="none">"Too large to preview; download it."</p> }.into_any(),
                            Some(Preview::Json(bytes)) => view! {
                                <h3>"Preview (JSON, verified)"</h3>
                                <JsonView bytes=bytes base=base/>
                            }.into_any(),
                            Some(Preview::Text(text)) => view! {
                                <h3>"Preview (text, verified)"</h3>
                                <pre class="text-preview">{text}</pre>
                            }.into_any(),
                            Some(Preview::Binary) => view! { <p class="none">"Binary content; download it to look inside."</p> }.into_any(),
                        }}
                    }
                    .into_any()
                }
            }}
            <button type="button" id="download" on:click=move |_| { save.dispatch_local(()); } disabled=move || save.pending().get()>
                "Download (digest verified)"
            </button>
            <span role="status">
                {move || match save.value().get().filter(|_| !save.pending().get()) {
                    None => ().into_any(),
                    Some(Ok(n)) => view! { <span class="ok" id="download-ok">{format!("Verified {} and downloaded.", format::size(n))}</span> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox action="downloading the blob" error=e/> }.into_any(),
                }}
            </span>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn previews_json_text_and_binary() {
        assert_eq!(
            preview_of(b"{\"a\":1}"),
            Preview::Json(b"{\"a\":1}".to_vec())
        );
        assert_eq!(
            preview_of(b"# notes\nhello\n"),
            Preview::Text("# notes\nhello\n".into())
        );
        assert_eq!(preview_of(&[0x1f, 0x8b, 0, 1]), Preview::Binary);
        assert_eq!(preview_of(&[0xff, 0xfe]), Preview::Binary);
    }
}
