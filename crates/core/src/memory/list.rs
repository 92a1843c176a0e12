//! Ordered pagination of repository and tag names.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::spec::{Page, PageRequest};

/// One page of `names` (the keys, already in lexical order) after `req.start_after`.
///
/// At most `req.size` entries (capped by `cap`); no size means all (or `cap`). A size of 0 gives
/// an empty page without a next one. `next` is set only when more names remain; it repeats
/// the size and starts after the last name given. `req.continuation` is ignored: this
/// registry's continuations are plain `start_after` names.
pub(crate) fn page<V>(names: &BTreeMap<String, V>, req: &PageRequest, cap: Option<usize>) -> Page {
    let size = req.limit(cap);
    let mut rest = match &req.start_after {
        Some(after) => names.range::<str, _>((Bound::Excluded(after.as_str()), Bound::Unbounded)),
        None => names.range::<str, _>(..),
    };
    let items: Vec<String> = rest.by_ref().take(size).map(|(k, _)| k.clone()).collect();
    let next = match (items.last(), rest.next()) {
        (Some(last), Some(_)) => Some(PageRequest {
            size: req.size,
            start_after: Some(last.clone()),
            continuation: None,
        }),
        _ => None,
    };
    Page { items, next }
}
