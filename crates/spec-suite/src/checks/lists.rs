//! Tag and repository lists: lexical order, small pages, `start_after`.

use ociscope_core::spec::{Page, PageRequest, RepoName, Spec};

use crate::fixtures::push_image;
use crate::{ensure, Context, Ctx, Failure};

/// Pages followed before a list is called endless.
const MAX_PAGES: usize = 1000;

/// Follows pages from `req` on, while `keep` accepts the names, and returns them in order.
async fn follow<S: Spec>(
    spec: &S,
    repo: Option<&RepoName>,
    mut req: PageRequest,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<String>, Failure> {
    let mut out: Vec<String> = Vec::new();
    for _ in 0..MAX_PAGES {
        let what = format!(
            "list {} page {req:?}",
            repo.map_or("repositories", |r| r.as_str())
        );
        let page: Page = match repo {
            Some(r) => spec.list_tags(r, &req).await,
            None => spec.list_repositories(&req).await,
        }
        .context(&what)?;
        for item in page.items {
            if let Some(last) = out.last() {
                ensure!(
                    item.as_str() > last.as_str(),
                    "{what}: {item:?} after {last:?}, not in lexical order (or repeated)"
                );
            }
            if !keep(&item) {
                return Ok(out);
            }
            out.push(item);
        }
        match page.next {
            Some(next) => {
                ensure!(next != req, "{what}: next page is the same request");
                req = next;
            }
            None => return Ok(out),
        }
    }
    Err(Failure(format!("more than {MAX_PAGES} pages")))
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Tags come in lexical order through pages of 2 and 3, and from `start_after` on.
pub async fn check_list_tags_paginated<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("list-tags")?;
    let tags = ["9", "10", "Z", "a", "b.1", "b_2", "latest"];
    push_image(spec, ctx, &repo, "list tags", &tags).await?;
    let all = sorted(&tags);
    for size in [2, 3, 100] {
        let got = follow(spec, Some(&repo), PageRequest::first(size), |_| true).await?;
        ensure!(
            got == all,
            "tags in pages of {size}: {got:?}, expected {all:?}"
        );
    }
    let got = follow(spec, Some(&repo), PageRequest::default(), |_| true).await?;
    ensure!(
        got == all,
        "tags without a page size: {got:?}, expected {all:?}"
    );
    let after = PageRequest {
        size: Some(2),
        start_after: Some("Z".into()),
        continuation: None,
    };
    let got = follow(spec, Some(&repo), after, |_| true).await?;
    let want: Vec<String> = all.iter().filter(|t| t.as_str() > "Z").cloned().collect();
    ensure!(got == want, "tags after \"Z\": {got:?}, expected {want:?}");
    Ok(())
}

/// Repositories come in lexical order through pages of 2, from `start_after` on.
pub async fn check_list_repositories_paginated<S: Spec>(
    spec: &S,
    ctx: &Ctx,
) -> Result<(), Failure> {
    let base = ctx.repo("list-repos")?;
    let names = ["r-b", "r-a", "r-c.x", "r-c"];
    for n in names {
        let repo = base.join(n).map_err(|e| Failure(e.to_string()))?;
        push_image(spec, ctx, &repo, "list repos", &["t"]).await?;
    }
    let mut want: Vec<String> = names.iter().map(|n| format!("{base}/{n}")).collect();
    want.sort();
    let inside = format!("{base}/");
    for size in [2, 3] {
        let req = PageRequest {
            size: Some(size),
            start_after: Some(base.to_string()),
            continuation: None,
        };
        let got = follow(spec, None, req, |r| r.starts_with(&inside)).await?;
        ensure!(
            got == want,
            "repositories after {base:?} in pages of {size}: {got:?}, expected {want:?}"
        );
    }
    let req = PageRequest {
        size: Some(2),
        start_after: Some(want[1].clone()),
        continuation: None,
    };
    let got = follow(spec, None, req, |r| r.starts_with(&inside)).await?;
    ensure!(
        got == want[2..],
        "repositories after {:?}: {got:?}, expected {:?}",
        want[1],
        &want[2..]
    );
    Ok(())
}
