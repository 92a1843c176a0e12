//! Deleting a tag or a manifest, after a confirmation that says what else goes with it.

use futures::stream::{self, StreamExt};
use leptos::html;
use leptos::prelude::*;
use ociscope_core::spec::{Error, ManifestRef, PageRequest, RepoName, Spec, Tag};
use ociscope_core::Digest;

use crate::components::dialog::Dialog;
use crate::components::error_box::{no_registry, ErrorBox};
use crate::nav::use_nav;
use crate::registry::{use_registry, Registry};

/// Most tags examined when looking for other tags on a digest.
const MAX_TAGS_EXAMINED: usize = 5000;
/// Tags resolved at once while looking.
const IN_FLIGHT: usize = 4;

/// What is deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteTarget {
    /// One tag; its manifest stays.
    Tag(Tag),
    /// A manifest and every tag on it.
    Manifest,
}

/// Every tag of `repo` that points at `digest` (examining at most [`MAX_TAGS_EXAMINED`]),
/// resolved [`IN_FLIGHT`] at a time. A name the registry lists that is not a valid tag cannot
/// be asked for, so it is skipped.
pub async fn tags_on(
    registry: &Registry,
    repo: &RepoName,
    digest: &Digest,
) -> Result<Vec<Tag>, Error> {
    let mut all = Vec::new();
    let mut req = PageRequest::first(crate::paging::PAGE_SIZE);
    loop {
        let page = registry.list_tags(repo, &req).await?;
        let empty = page.items.is_empty();
        all.extend(page.items);
        match page.next {
            Some(next) if !empty && next != req && all.len() < MAX_TAGS_EXAMINED => req = next,
            _ => break,
        }
    }
    all.truncate(MAX_TAGS_EXAMINED);
    let found: Vec<Option<Tag>> = stream::iter(all.into_iter().filter_map(|t| Tag::new(t).ok()))
        .map(|tag| async move {
            let d = registry
                .stat_manifest(repo, &ManifestRef::Tag(tag.clone()))
                .await
                .ok()?;
            (d.digest == *digest).then_some(tag)
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    Ok(found.into_iter().flatten().collect())
}

/// What the confirmation says for `target`, given the tags on the manifest.
pub fn consequence(target: &DeleteTarget, digest: &str, tags: &[Tag]) -> String {
    match target {
        DeleteTarget::Tag(tag) => {
            let others: Vec<&Tag> = tags.iter().filter(|t| *t != tag).collect();
            if others.is_empty() {
                format!(
                    "Only the tag {tag} is removed. The manifest {digest} stays, reachable by \
                     digest only (no other tag points at it)."
                )
            } else {
                format!(
                    "Only the tag {tag} is removed. The manifest {digest} stays, still tagged {}.",
                    crate::format::tag_list(others)
                )
            }
        }
        DeleteTarget::Manifest => {
            if tags.is_empty() {
                format!("The manifest {digest} is removed. No tag points at it.")
            } else {
                format!(
                    "The manifest {digest} is removed, and with it every tag on it: {}.",
                    crate::format::tag_list(tags)
                )
            }
        }
    }
}

/// Delete buttons for a manifest (and its tag, when opened by tag), with the confirmation.
#[component]
pub fn DeleteActions(
    /// The repository.
    repo: RepoName,
    /// The tag the manifest was opened by, if any.
    tag: Option<Tag>,
    /// The manifest's digest.
    digest: Digest,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let open = RwSignal::new(None::<DeleteTarget>);
    let registry = StoredValue::new(registry);
    let repo = StoredValue::new(repo);
    let digest = StoredValue::new(digest);
    let cancel_ref = NodeRef::<html::Button>::new();
    // The other tags on the manifest, looked for each time the confirmation opens.
    let is_open = Memo::new(move |_| open.with(Option::is_some));
    let tags = LocalResource::new(move || {
        let opened = is_open.get();
        let (registry, repo, digest) = (registry.get_value(), repo.get_value(), digest.get_value());
        async move {
            if opened {
                Some(tags_on(&registry, &repo, &digest).await)
            } else {
                None
            }
        }
    });
    // The deletion; once done, the repository's tags are shown.
    let delete = Action::new_local(move |target: &DeleteTarget| {
        let target = target.clone();
        let (registry, repo, digest) = (registry.get_value(), repo.get_value(), digest.get_value());
        async move {
            let result = match &target {
                DeleteTarget::Tag(t) => registry.delete_tag(&repo, t).await,
                DeleteTarget::Manifest => registry.delete_manifest(&repo, &digest).await,
            };
            if result.is_ok() {
                nav.go(nav.current().tags(&repo));
            }
            result
        }
    });
    let ask = move |target: DeleteTarget| {
        delete.clear();
        open.set(Some(target));
    };
    Effect::new(move |_| {
        if open.with(Option::is_some) {
            if let Some(b) = cancel_ref.get() {
                let _ = b.focus();
            }
        }
    });
    let confirm = move |_| {
        if let Some(target) = open.get_untracked() {
            delete.dispatch_local(target);
        }
    };
    let close = move || open.set(None);
    let tag_button = tag.clone().map(|t| {
        let label = format!("Delete tag {t}");
        view! {
            <button type="button" class="danger" id="delete-tag" on:click=move |_| ask(DeleteTarget::Tag(t.clone()))>
                {label}
            </button>
        }
    });
    view! {
        <div class="actions">
            {tag_button}
            <button type="button" class="danger" id="delete-manifest" on:click=move |_| ask(DeleteTarget::Manifest)>
                "Delete manifest"
            </button>
        </div>
        {move || {
            open.get().map(|target| {
                let title = match &target {
                    DeleteTarget::Tag(t) => format!("Delete tag {t}?"),
                    DeleteTarget::Manifest => "Delete this manifest?".to_string(),
                };
                let target_for_text = target.clone();
                view! {
                    <Dialog labelled_by="delete-title" on_close=Callback::new(move |()| close())>
                            <h3 id="delete-title">{title}</h3>
                            <p id="delete-consequence">
                                {move || match tags.get().flatten() {
                                    None => "Looking for other tags on this manifest…".to_string(),
                                    Some(Ok(found)) => consequence(&target_for_text, digest.get_value().as_ref(), &found),
                                    Some(Err(e)) => format!("Could not list the other tags on this manifest ({e}); deleting the manifest removes every tag on it."),
                                }}
                            </p>
                            <p>"This cannot be undone."</p>
                            {move || {
                                delete
                                    .value()
                                    .get()
                                    .and_then(Result::err)
                                    .map(|e| view! { <ErrorBox action="deleting" error=e/> })
                            }}
                            <div class="actions">
                                <button type="button" node_ref=cancel_ref on:click=move |_| close()>
                                    "Cancel"
                                </button>
                                <button
                                    type="button"
                                    class="danger"
                                    id="delete-confirm"
                                    disabled=move || delete.pending().get()
                                    on:click=confirm
                                >
                                    "Delete"
                                </button>
                            </div>
                    </Dialog>
                }
            })
        }}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn consequences_name_what_goes_and_what_stays() {
        let tags = Tag::all(["1.0", "latest"]).unwrap();
        let latest = DeleteTarget::Tag(Tag::new("latest").unwrap());
        let t = consequence(&latest, "sha256:x", &tags);
        assert!(t.contains("still tagged 1.0."), "{t}");
        let t = consequence(&latest, "sha256:x", &tags[1..]);
        assert!(t.contains("digest only"), "{t}");
        let m = consequence(&DeleteTarget::Manifest, "sha256:x", &tags);
        assert!(m.contains("every tag on it: 1.0, latest."), "{m}");
        let m = consequence(&DeleteTarget::Manifest, "sha256:x", &[]);
        assert!(m.contains("No tag points at it"), "{m}");
    }
}
