//! `copyImage`: ociscope_tools::copy between two `Registry` clients.

use js_sys::Promise;
use ociscope_core::spec::Tag;
use ociscope_core::Platform;
use ociscope_tools::copy::{self, CopyOptions, Event, Item, Role, Transfer};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::error::{from_copy_error, invalid, to_js, IntoJs};
use crate::registry::{manifest_ref, repo_name, report, Registry};
use crate::types::{
    CopyEventName, CopyImageOptions, CopyItem, CopyProgress, CopyReport, CopyRole, CopyTransfer,
    Descriptor,
};

/// Copies `reference` (tag or digest) of `srcRepo` in `src` to `dstRepo` in `dst`: every
/// manifest and blob under it, optionally its referrers, then the tags (see
/// `ociscope_tools::copy`). Rejects with the first failure's code; `detail` lists them all.
#[wasm_bindgen(js_name = copyImage, unchecked_return_type = "Promise<CopyReport>")]
pub fn copy_image(
    src: &Registry,
    #[wasm_bindgen(js_name = "srcRepo")] src_repo: &str,
    reference: &str,
    dst: &Registry,
    #[wasm_bindgen(js_name = "dstRepo")] dst_repo: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "CopyImageOptions")] options: Option<
        js_sys::Object,
    >,
) -> Result<Promise, JsValue> {
    let (src_repo, dst_repo) = (repo_name(src_repo)?, repo_name(dst_repo)?);
    let reference = manifest_ref(reference)?;
    let options: CopyImageOptions = crate::options(options, "copyImage options")?;
    let mut platforms = Vec::with_capacity(options.platforms.len());
    for p in &options.platforms {
        platforms.push(Platform::parse(p).map_err(|e| invalid(format!("platform {p:?}: {e}")))?);
    }
    let copy_options = CopyOptions {
        same_registry: options.same_registry,
        platforms,
        referrers: options.referrers,
        tags: Tag::all(options.tags).js()?,
        ..CopyOptions::default()
    };
    let (src, dst) = (src.client().clone(), dst.client().clone());
    let on_progress = options.on_progress;
    Ok(future_to_promise(async move {
        let progress = |p: &copy::Progress| {
            if on_progress.is_function() {
                if let Ok(v) = to_js(&progress_of(p)) {
                    report(&on_progress, &v);
                }
            }
        };
        let done = copy::copy_image(
            &src,
            &src_repo,
            &reference,
            &dst,
            &dst_repo,
            &copy_options,
            &progress,
        )
        .await
        .map_err(|e| from_copy_error(&e))?;
        to_js(&CopyReport {
            roots: done.roots.iter().map(Descriptor::from).collect(),
            tags: done.tags.iter().map(|t| t.to_string()).collect(),
            copied: done.copied,
            mounted: done.mounted,
            present: done.present,
            bytes_copied: done.bytes_copied,
            retried: done.retried,
        })
    }))
}

fn item(i: &Item) -> CopyItem {
    CopyItem {
        name: i.name.clone(),
        role: match i.role {
            Role::Blob => CopyRole::Blob,
            Role::Manifest => CopyRole::Manifest,
            Role::Referrer => CopyRole::Referrer,
            Role::Root => CopyRole::Root,
        },
        descriptor: Descriptor::from(&i.descriptor),
    }
}

fn transfer(t: Transfer) -> CopyTransfer {
    match t {
        Transfer::Present => CopyTransfer::Present,
        Transfer::Mounted => CopyTransfer::Mounted,
        Transfer::Pushed => CopyTransfer::Pushed,
        Transfer::Streamed => CopyTransfer::Streamed,
        Transfer::Foreign => CopyTransfer::Foreign,
    }
}

fn progress_of(p: &copy::Progress) -> CopyProgress {
    let mut out = CopyProgress {
        event: CopyEventName::Done,
        item: None,
        item_bytes: None,
        transfer: None,
        tag: None,
        error: None,
        items_done: p.items_done,
        items_total: p.items_total,
        bytes_done: p.bytes_done,
        bytes_total: p.bytes_total,
    };
    match p.event {
        Event::Planned => out.event = CopyEventName::Planned,
        Event::Start(i) => (out.event, out.item) = (CopyEventName::Start, Some(item(i))),
        Event::Bytes(i, n) => {
            (out.event, out.item, out.item_bytes) = (CopyEventName::Bytes, Some(item(i)), Some(n))
        }
        Event::Finish(i, t) => {
            (out.event, out.item, out.transfer) =
                (CopyEventName::Finish, Some(item(i)), Some(transfer(t)))
        }
        Event::Skip(i) => (out.event, out.item) = (CopyEventName::Skip, Some(item(i))),
        Event::Retry(i, e) => {
            (out.event, out.item, out.error) =
                (CopyEventName::Retry, Some(item(i)), Some(e.to_string()))
        }
        Event::Failed(i, e) => {
            (out.event, out.item, out.error) =
                (CopyEventName::Failed, Some(item(i)), Some(e.to_string()))
        }
        Event::Tagged(t) => (out.event, out.tag) = (CopyEventName::Tagged, Some(t.to_string())),
        Event::Done => out.event = CopyEventName::Done,
    }
    out
}
