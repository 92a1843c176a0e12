//! The files inside one layer (`tool=files`, like `dive`): listed while the layer streams
//! ([`crate::layer_stream`]), with path, size, mode, owner, modification time, link targets and
//! whiteouts; a search by path; a tree with folder sizes; a small text file opened in place
//! and any file downloaded — each by streaming the layer again up to that file, holding only
//! that file. While the layer streams the view is redrawn at most every [`REDRAW_MS`] (a
//! redraw per chunk cost more than listing it).
//!
//! Async work: the listing is a task of its own (`spawn_local`): it streams entries and
//! progress into signals for as long as the layer downloads. Opening or downloading one file
//! is an `Action`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{Error, ErrorKind, RepoName};
use ociscope_core::Digest;
use ociscope_tools::layer::{tree, FileEntry, Kind, Sink, TreeNode};
use wasm_bindgen::JsCast;

use crate::components::error_box::{no_registry, ErrorBox};
use crate::components::virtual_list::VirtualList;
use crate::format;
use crate::layer_stream::{self, Progress};
use crate::registry::{use_registry, Registry};

/// Largest file opened as text in the page.
pub const OPEN_LIMIT: u64 = 256 * 1024;
/// Largest file downloaded (held in memory once, the layer never is).
pub const DOWNLOAD_LIMIT: u64 = 512 * 1024 * 1024;
/// Shortest time between two redraws of the listing while it runs, in ms.
pub const REDRAW_MS: f64 = 100.0;
const ROW_HEIGHT: f64 = 28.0;
const LIST_HEIGHT: f64 = 520.0;

/// One row of the tree as shown: its depth and node path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRow {
    /// Nesting depth (0 under the root).
    pub depth: usize,
    /// The node's path.
    pub path: String,
    /// Its name.
    pub name: String,
    /// Bytes at or beneath it.
    pub size: u64,
    /// Files at or beneath it.
    pub files: u64,
    /// True when it has children.
    pub folder: bool,
}

/// The rows of `root` shown when the folders in `open` are expanded (folders first, then
/// files, each by name).
pub fn tree_rows(root: &TreeNode, open: &BTreeSet<String>) -> Vec<TreeRow> {
    fn walk(node: &TreeNode, depth: usize, open: &BTreeSet<String>, out: &mut Vec<TreeRow>) {
        let mut children: Vec<&TreeNode> = node.children.values().collect();
        children.sort_by_key(|c| (c.children.is_empty(), c.name.clone()));
        for c in children {
            out.push(TreeRow {
                depth,
                path: c.path.clone(),
                name: c.name.clone(),
                size: c.size,
                files: c.files,
                folder: !c.children.is_empty(),
            });
            if open.contains(&c.path) {
                walk(c, depth + 1, open, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, 0, open, &mut out);
    out
}

/// A file opened in the page: its path and its text (or why it cannot be shown).
type Opened = Option<(String, Result<String, Error>)>;

/// What opening or downloading one file gave: its path, and its text, the bytes saved, or why
/// it failed.
#[derive(Clone)]
enum Extracted {
    /// Opened as text.
    Text(String, Result<String, Error>),
    /// Downloaded: this many bytes.
    Saved(String, u64),
    /// Could not be downloaded.
    Failed(String, Error),
}

/// How the listing stands.
#[derive(Clone, Debug)]
enum Status {
    Running,
    Done { ms: f64 },
    Failed(Error),
}

/// Grabs the content of one path, up to a limit.
struct Grab {
    path: String,
    limit: u64,
    bytes: Vec<u8>,
    found: bool,
    done: Rc<std::cell::Cell<bool>>,
    too_large: bool,
}

impl Sink for Grab {
    fn entry(&mut self, e: &FileEntry) -> bool {
        if e.path != self.path || e.kind != Kind::File {
            return false;
        }
        self.found = true;
        self.bytes.clear();
        if e.size > self.limit {
            self.too_large = true;
            self.done.set(true);
            return false;
        }
        true
    }
    fn data(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }
    fn end(&mut self) {
        self.done.set(true);
    }
}

/// Streams the layer up to `path` and returns its content.
async fn extract(
    registry: &Registry,
    repo: &RepoName,
    digest: &Digest,
    path: &str,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let done = Rc::new(std::cell::Cell::new(false));
    let mut grab = Grab {
        path: path.to_string(),
        limit,
        bytes: Vec::new(),
        found: false,
        done: done.clone(),
        too_large: false,
    };
    let stop = move || done.get();
    layer_stream::list(registry, repo, digest, &mut grab, &mut |_| {}, &stop).await?;
    if grab.too_large {
        return Err(Error::other(
            ErrorKind::Unsupported,
            format!("{path} is over {}", format::size(limit)),
        ));
    }
    if !grab.found {
        return Err(Error::other(
            ErrorKind::InvalidArgument,
            format!("{path} is not in this layer"),
        ));
    }
    Ok(grab.bytes)
}

fn save(name: &str, bytes: &[u8]) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence(&parts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(a) = document.create_element("a") {
            let a: web_sys::HtmlAnchorElement = a.unchecked_into();
            a.set_href(&url);
            a.set_download(name.rsplit('/').next().unwrap_or("file"));
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn owner(e: &FileEntry) -> String {
    match (&e.uname, &e.gname) {
        (Some(u), Some(g)) => format!("{u}:{g}"),
        _ => format!("{}:{}", e.uid, e.gid),
    }
}

/// Lists the layer in a task of its own: entries and progress stream into the signals (in
/// batches, at most every [`REDRAW_MS`]) for as long as the layer downloads; it stops when the
/// view is gone.
fn start_listing(
    registry: Registry,
    repo: RepoName,
    digest: Digest,
    entries: RwSignal<Vec<FileEntry>, LocalStorage>,
    progress: RwSignal<Progress>,
    status: RwSignal<Status, LocalStorage>,
) {
    spawn_local(async move {
        let start = js_sys::Date::now();
        let batch = RefCell::new(Vec::new());
        let mut collect = |e: &FileEntry| batch.borrow_mut().push(e.clone());
        // The view is redrawn at most every REDRAW_MS, not after every chunk: a redraw
        // costs as much as listing many chunks (the list's window and the summary).
        let latest = std::cell::Cell::new(Progress::default());
        let shown_at = std::cell::Cell::new(f64::NEG_INFINITY);
        let mut report = |p: Progress| {
            latest.set(p);
            let now = js_sys::Date::now();
            if now - shown_at.get() < REDRAW_MS {
                return;
            }
            shown_at.set(now);
            let mut b = batch.borrow_mut();
            if !b.is_empty() {
                let taken = std::mem::take(&mut *b);
                // `try_*`: the view may be gone by now.
                entries.try_update(|v| v.extend(taken));
            }
            progress.try_set(p);
        };
        let result = layer_stream::list(
            &registry,
            &repo,
            &digest,
            &mut collect,
            &mut report,
            &|| entries.try_with_untracked(|_| ()).is_none(),
        )
        .await;
        let rest = std::mem::take(&mut *batch.borrow_mut());
        entries.try_update(|v| v.extend(rest));
        progress.try_set(latest.get());
        status.try_set(match result {
            Ok(()) => Status::Done {
                ms: js_sys::Date::now() - start,
            },
            Err(e) => Status::Failed(e),
        });
    });
}

/// A file opened in the page: its text, or why it could not be opened or downloaded.
#[component]
fn OpenedFile(path: String, text: Result<String, Error>) -> impl IntoView {
    view! {
        <div class="file-opened" id="file-opened">
            <h3><code>{path}</code></h3>
            {match text {
                Ok(t) => view! { <pre class="text-preview">{t}</pre> }.into_any(),
                Err(e) => view! { <ErrorBox action="opening the file" error=e/> }.into_any(),
            }}
        </div>
    }
}

/// Opening (`false`) or downloading (`true`) one file of the layer, by path: an action that
/// streams the layer again up to that file.
fn extract_action(
    registry: Registry,
    repo: RepoName,
    digest: Digest,
) -> Action<(String, bool), Extracted> {
    Action::new_local(move |(path, download): &(String, bool)| {
        let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
        let (path, download) = (path.clone(), *download);
        async move {
            let limit = if download { DOWNLOAD_LIMIT } else { OPEN_LIMIT };
            let got = extract(&registry, &repo, &digest, &path, limit).await;
            if download {
                return match got {
                    Ok(bytes) => {
                        save(&path, &bytes);
                        Extracted::Saved(path, bytes.len() as u64)
                    }
                    Err(e) => Extracted::Failed(path, e),
                };
            }
            let text = got.and_then(|b| {
                String::from_utf8(b).map_err(|_| {
                    Error::other(
                        ErrorKind::Unsupported,
                        "not UTF-8 text; download it instead",
                    )
                })
            });
            Extracted::Text(path, text)
        }
    })
}

/// The line above the listing: entries, bytes read and listed, and how the listing stands.
fn summary_text(
    progress: RwSignal<Progress>,
    entries: RwSignal<Vec<FileEntry>, LocalStorage>,
    status: RwSignal<Status, LocalStorage>,
) -> String {
    let p = progress.get();
    let (n, bytes) = entries.with(|v| (v.len(), v.iter().map(|e| e.size).sum::<u64>()));
    let state = match status.get() {
        Status::Running => "listing…".to_string(),
        Status::Done { ms } => {
            let secs = (ms / 1000.0).max(0.001);
            format!(
                "done in {:.1} s ({:.0} files/s, {:.1} MB/s)",
                secs,
                n as f64 / secs,
                p.listed as f64 / 1e6 / secs
            )
        }
        Status::Failed(_) => "failed".to_string(),
    };
    format!(
        "{} in {} of files; {} read, {} of tar listed; {state}",
        format::count(n, "entry", "entries"),
        format::size(bytes),
        format::size(p.read),
        format::size(p.listed),
    )
}

/// One entry of the listing: mode, owner, size, time, path (and link target); a file can be
/// opened (when small) or downloaded.
#[component]
fn FileRow(
    entry: FileEntry,
    /// Asked to open (`false`) or download (`true`) the file at a path.
    on_file: Callback<(String, bool)>,
) -> impl IntoView {
    let e = entry;
    let class = match e.kind {
        Kind::Whiteout | Kind::Opaque => "file-row whiteout",
        Kind::Dir => "file-row dir",
        _ => "file-row",
    };
    let label = match e.kind {
        Kind::Whiteout => format!("{} (removed: whiteout)", e.path),
        Kind::Opaque => format!("{}/ (opaque: lower layers hidden)", e.path),
        _ => e.path.clone(),
    };
    let link = e.link.clone().map(|l| {
        let arrow = if e.kind == Kind::Hardlink {
            " ⇒ "
        } else {
            " → "
        };
        view! { <span class="link-target">{arrow}{l}</span> }
    });
    let actions = (e.kind == Kind::File).then(|| {
        let (p1, p2) = (e.path.clone(), e.path.clone());
        view! {
            {(e.size <= OPEN_LIMIT).then(|| view! {
                <button type="button" class="file-open" on:click=move |_| on_file.run((p1.clone(), false))>"open"</button>
            })}
            <button type="button" class="file-download" on:click=move |_| on_file.run((p2.clone(), true))>"download"</button>
        }
    });
    view! {
        <div class=class>
            <code class="file-mode">{e.mode_string()}</code>
            <span class="file-owner">{owner(&e)}</span>
            <span class="file-size">{if e.kind == Kind::File { format::size(e.size) } else { String::new() }}</span>
            <span class="file-mtime">{format::epoch(e.mtime)}</span>
            <span class="file-path" title=e.path.clone()>{label}{link}</span>
            <span class="file-actions">{actions}</span>
        </div>
    }
}

/// One row of the tree: a folder (opens and closes) or a file, with its size and file count.
#[component]
fn FolderRow(row: TreeRow, open: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let r = row;
    let indent = format!("padding-left: {}rem", r.depth as f64 * 1.2);
    let path = r.path.clone();
    let is_open = open.with(|o| o.contains(&r.path));
    let toggle = move |_| {
        let p = path.clone();
        open.update(|o| {
            if !o.remove(&p) {
                o.insert(p);
            }
        });
    };
    view! {
        <div class="tree-row" style=indent>
            {if r.folder {
                view! {
                    <button type="button" class="tree-toggle" aria-expanded=is_open.to_string() on:click=toggle>
                        {if is_open { "▾ " } else { "▸ " }}{r.name.clone()}"/"
                    </button>
                }
                .into_any()
            } else {
                view! { <span class="tree-name">{r.name.clone()}</span> }.into_any()
            }}
            <span class="tree-size">{format::size(r.size)}</span>
            <span class="tree-files muted">{format::count(r.files as usize, "file", "files")}</span>
        </div>
    }
}

/// The files view.
#[component]
pub fn FilesView(
    /// The repository.
    repo: RepoName,
    /// The layer.
    digest: Digest,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let entries: RwSignal<Vec<FileEntry>, LocalStorage> = RwSignal::new_local(Vec::new());
    let progress = RwSignal::new(Progress::default());
    let status: RwSignal<Status, LocalStorage> = RwSignal::new_local(Status::Running);
    let search = RwSignal::new(String::new());
    let as_tree = RwSignal::new(false);
    let open: RwSignal<BTreeSet<String>> = RwSignal::new(BTreeSet::new());
    start_listing(
        registry.clone(),
        repo.clone(),
        digest.clone(),
        entries,
        progress,
        status,
    );
    let shown = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        entries.with(|v| {
            v.iter()
                .enumerate()
                .filter(|(_, e)| q.is_empty() || e.path.to_lowercase().contains(&q))
                .map(|(i, _)| i)
                .collect::<Vec<usize>>()
        })
    });
    let rows = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        let root = entries.with(|v| {
            tree(
                v.iter()
                    .filter(|e| q.is_empty() || e.path.to_lowercase().contains(&q)),
            )
        });
        open.with(|o| tree_rows(&root, o))
    });
    let extract_file = extract_action(registry.clone(), repo.clone(), digest.clone());
    // The file opened last stays shown while a file downloads and after (a download that
    // worked has nothing to show); opening another replaces it.
    let opened = Memo::new_with_compare(
        move |previous: Option<&Opened>| -> Opened {
            let opening = extract_file.input().with(|i| matches!(i, Some((_, false))));
            if opening {
                return None;
            }
            match extract_file.value().get() {
                Some(Extracted::Text(path, text)) => Some((path, text)),
                Some(Extracted::Failed(path, e)) => Some((path, Err(e))),
                Some(Extracted::Saved(..)) | None => previous.cloned().flatten(),
            }
        },
        |_, _| true,
    );
    // What a download is doing, or did.
    let extract_status = move || {
        if extract_file.pending().get() {
            return extract_file
                .input()
                .get()
                .filter(|(_, download)| *download)
                .map(|(path, _)| format!("downloading {path}…"))
                .unwrap_or_default();
        }
        match extract_file.value().get() {
            Some(Extracted::Saved(path, n)) => {
                format!("downloaded {path} ({})", format::size(n))
            }
            _ => String::new(),
        }
    };
    let on_file = Callback::new(move |(path, download): (String, bool)| {
        extract_file.dispatch_local((path, download));
    });
    let list_row = move |i: usize| match shown
        .with(|s| s.get(i).copied())
        .and_then(|i| entries.with(|v| v.get(i).cloned()))
    {
        Some(entry) => view! { <FileRow entry=entry on_file=on_file/> }.into_any(),
        None => ().into_any(),
    };
    let tree_row = move |i: usize| match rows.with(|rows| rows.get(i).cloned()) {
        Some(row) => view! { <FolderRow row=row open=open/> }.into_any(),
        None => ().into_any(),
    };
    let summary = move || summary_text(progress, entries, status);
    view! {
        <section class="files">
            <h2>"Files in layer " <code>{format::short_digest(digest.as_str())}</code></h2>
            <p id="files-summary" aria-live="polite">{summary}</p>
            {move || match status.get() {
                Status::Failed(e) => view! { <ErrorBox action="listing the layer's files" error=e/> }.into_any(),
                _ => ().into_any(),
            }}
            <div class="toolbar">
                <label class="inline" for="files-search">"Search paths"</label>
                <input
                    id="files-search"
                    type="search"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || search.get()
                    on:input=move |e| search.set(event_target_value(&e))
                />
                <span class="sorts" role="group" aria-label="view">
                    <button type="button" class="sort" id="files-as-list" aria-pressed=move || (!as_tree.get()).to_string() on:click=move |_| as_tree.set(false)>"list"</button>
                    <button type="button" class="sort" id="files-as-tree" aria-pressed=move || as_tree.get().to_string() on:click=move |_| as_tree.set(true)>"tree"</button>
                </span>
            </div>
            <p id="file-status" aria-live="polite">{extract_status}</p>
            {move || opened.get().map(|(path, text)| view! { <OpenedFile path=path text=text/> })}
            {move || if as_tree.get() {
                view! {
                    <VirtualList
                        count=Signal::derive(move || rows.with(Vec::len))
                        row_height=ROW_HEIGHT
                        height=LIST_HEIGHT
                        row=tree_row
                        label="folders"
                    />
                }
                .into_any()
            } else {
                view! {
                    <VirtualList
                        count=Signal::derive(move || shown.with(Vec::len))
                        row_height=ROW_HEIGHT
                        height=LIST_HEIGHT
                        row=list_row
                        reset_on=Signal::derive(move || search.get())
                        label="files"
                    />
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use ociscope_tools::layer::FileEntry;

    use super::*;

    fn file(path: &str, size: u64) -> FileEntry {
        FileEntry {
            path: path.into(),
            kind: Kind::File,
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            uname: None,
            gname: None,
            mtime: 0,
            link: None,
        }
    }

    #[test]
    fn tree_rows_show_folders_first_and_expand_on_request() {
        let entries = [file("usr/bin/a", 5), file("usr/lib/b", 7), file("top", 1)];
        let root = tree(&entries);
        let names = |rows: Vec<TreeRow>| {
            rows.into_iter()
                .map(|r| (r.depth, r.name, r.size))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(tree_rows(&root, &BTreeSet::new())),
            [(0, "usr".into(), 12), (0, "top".into(), 1)]
        );
        let open: BTreeSet<String> = ["usr".to_string(), "usr/bin".to_string()].into();
        assert_eq!(
            names(tree_rows(&root, &open)),
            [
                (0, "usr".into(), 12),
                (1, "bin".into(), 5),
                (2, "a".into(), 5),
                (1, "lib".into(), 7),
                (0, "top".into(), 1)
            ]
        );
    }
}
