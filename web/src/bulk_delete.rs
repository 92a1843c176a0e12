//! Choosing the tags of a repository to delete in bulk, and what deleting them removes.
//!
//! Rules:
//! - **Name pattern**: a glob matched against the whole tag, case-sensitive (tags are): `*` any
//!   run of characters, `?` one character, anything else itself. An empty pattern matches
//!   nothing (clearing the field never selects everything; `*` does).
//! - **Older than a day** (`YYYY-MM-DD`): a tag matches when its creation date (the image
//!   configuration's `created`, else the manifest's `org.opencontainers.image.created`
//!   annotation) falls on an earlier day, as the timestamp writes it. A tag whose date is not
//!   known never matches an age filter: nothing is deleted on a guess.
//! - **Not in use by another tag** (the guard): a matching tag is kept when a tag that stays
//!   points at the same manifest, or at an index that lists its manifest. A tag kept this way
//!   stays, so it protects others in turn (followed to a fixed point). Each kept tag names the
//!   tag that uses it.
//! - A tag whose details could not be loaded is never selected.
//! - **What is removed** ([`Mode`]): the tags alone (their manifests stay, reachable by digest),
//!   or the manifests they point at, one delete per manifest, which removes every tag on it:
//!   the ones not selected that go too are named before anything is deleted, and so are the
//!   indexes that list a manifest going away.

use std::collections::{BTreeMap, BTreeSet};

use ociscope_core::glob::glob_match;
use ociscope_core::spec::Tag;
use ociscope_core::Digest;

/// One tag with what its manifest says, as loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The tag.
    pub tag: Tag,
    /// The manifest it points at.
    pub digest: Digest,
    /// Its creation date (RFC 3339), when known.
    pub created: Option<String>,
    /// The manifests it lists, when it is an index.
    pub children: Vec<Digest>,
}

/// Which tags to select.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// A glob over the tag name (empty: no tag).
    pub pattern: String,
    /// Only tags created before this day (`YYYY-MM-DD`), when set.
    pub older_than: Option<String>,
    /// Keep the tags that a tag which stays still uses.
    pub keep_in_use: bool,
}

/// What a bulk delete removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Each selected tag; manifests stay.
    Tags,
    /// The manifest of each selected tag, with every tag on it.
    Manifests,
}

/// Checks a day as `YYYY-MM-DD` (what a date input gives); `None` when it is not one.
pub fn parse_day(text: &str) -> Option<String> {
    let text = text.trim();
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    (shaped && digits(0..4) && digits(5..7) && digits(8..10)).then(|| text.to_string())
}

/// True when `created` (RFC 3339) falls on a day before `day` (`YYYY-MM-DD`).
pub fn created_before(created: &str, day: &str) -> bool {
    match (created.get(..10).and_then(parse_day), parse_day(day)) {
        (Some(c), Some(d)) => c < d,
        _ => false,
    }
}

/// The tags a filter selects, and the ones it matched but keeps because another tag uses them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The tags to delete, in the candidates' order.
    pub selected: Vec<Candidate>,
    /// Matching tags that stay, each with a tag (that stays) using its manifest.
    pub kept: Vec<(Candidate, Tag)>,
}

/// Selects among `candidates` (every loaded tag of the repository) as `filter` says.
pub fn select(candidates: &[Candidate], filter: &Filter) -> Selection {
    let matched: Vec<bool> = candidates
        .iter()
        .map(|c| {
            glob_match(filter.pattern.trim(), &c.tag)
                && filter.older_than.as_deref().is_none_or(|day| {
                    c.created
                        .as_deref()
                        .is_some_and(|created| created_before(created, day))
                })
        })
        .collect();
    let mut kept_by: BTreeMap<usize, Tag> = BTreeMap::new();
    if filter.keep_in_use {
        loop {
            // Every manifest a staying tag uses, with one such tag.
            let mut used: BTreeMap<&Digest, &Tag> = BTreeMap::new();
            for (i, c) in candidates.iter().enumerate() {
                if !matched[i] || kept_by.contains_key(&i) {
                    used.entry(&c.digest).or_insert(&c.tag);
                    for child in &c.children {
                        used.entry(child).or_insert(&c.tag);
                    }
                }
            }
            let newly: Vec<(usize, Tag)> = candidates
                .iter()
                .enumerate()
                .filter(|(i, _)| matched[*i] && !kept_by.contains_key(i))
                .filter_map(|(i, c)| used.get(&c.digest).map(|t| (i, (*t).clone())))
                .collect();
            if newly.is_empty() {
                break;
            }
            kept_by.extend(newly);
        }
    }
    let mut selection = Selection::default();
    for (i, c) in candidates.iter().enumerate() {
        match (matched[i], kept_by.get(&i)) {
            (true, Some(user)) => selection.kept.push((c.clone(), user.clone())),
            (true, None) => selection.selected.push(c.clone()),
            (false, _) => {}
        }
    }
    selection
}

/// One delete request of a bulk delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// Delete one tag.
    Tag(Tag),
    /// Delete a manifest: the selected tags on it, the other tags that go with it, and the
    /// tags of indexes (staying) that list it.
    Manifest {
        /// The manifest.
        digest: Digest,
        /// Selected tags pointing at it.
        tags: Vec<Tag>,
        /// Tags not selected that point at it and go too.
        also: Vec<Tag>,
        /// Tags of indexes that list it and stay, broken by the delete.
        listed_by: Vec<Tag>,
    },
}

impl Deletion {
    /// What the deletion is called in lists: the tag, or the manifest with its tags.
    pub fn label(&self) -> String {
        match self {
            Deletion::Tag(t) => format!("tag {t}"),
            Deletion::Manifest { digest, tags, .. } => {
                let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
                format!(
                    "manifest {} (tag {})",
                    crate::format::short_digest(digest.as_str()),
                    names.join(", ")
                )
            }
        }
    }

    /// The tags that no longer exist once this deletion succeeded.
    pub fn removed_tags(&self) -> Vec<Tag> {
        match self {
            Deletion::Tag(t) => vec![t.clone()],
            Deletion::Manifest { tags, also, .. } => tags.iter().chain(also).cloned().collect(),
        }
    }
}

/// The delete requests for `selected` out of `candidates` (every loaded tag), in `mode`.
pub fn plan(selected: &[Candidate], candidates: &[Candidate], mode: Mode) -> Vec<Deletion> {
    if mode == Mode::Tags {
        return selected
            .iter()
            .map(|c| Deletion::Tag(c.tag.clone()))
            .collect();
    }
    let chosen: BTreeSet<&Tag> = selected.iter().map(|c| &c.tag).collect();
    let mut by_digest: Vec<(&Digest, Vec<Tag>)> = Vec::new();
    for c in selected {
        match by_digest.iter_mut().find(|(d, _)| *d == &c.digest) {
            Some((_, tags)) => tags.push(c.tag.clone()),
            None => by_digest.push((&c.digest, vec![c.tag.clone()])),
        }
    }
    let going: BTreeSet<&Digest> = by_digest.iter().map(|(d, _)| *d).collect();
    by_digest
        .into_iter()
        .map(|(digest, tags)| {
            let others = candidates.iter().filter(|c| !chosen.contains(&c.tag));
            let (mut also, mut listed_by) = (Vec::new(), Vec::new());
            for c in others {
                if &c.digest == digest {
                    also.push(c.tag.clone());
                } else if c.children.contains(digest) && !going.contains(&c.digest) {
                    listed_by.push(c.tag.clone());
                }
            }
            Deletion::Manifest {
                digest: digest.clone(),
                tags,
                also,
                listed_by,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn digest(n: u8) -> Digest {
        Digest::sha256_of(&[n])
    }

    fn c(tag: &str, d: u8, created: Option<&str>, children: &[u8]) -> Candidate {
        Candidate {
            tag: Tag::new(tag).unwrap(),
            digest: digest(d),
            created: created.map(str::to_string),
            children: children.iter().map(|n| digest(*n)).collect(),
        }
    }

    fn names(cs: &[Candidate]) -> Vec<&str> {
        cs.iter().map(|c| c.tag.as_str()).collect()
    }

    #[test]
    fn days_and_dates() {
        assert_eq!(parse_day(" 2024-05-01 ").as_deref(), Some("2024-05-01"));
        for bad in ["2024-5-01", "2024/05/01", "yesterday", "", "2024-05-01T00"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert!(created_before("2024-04-30T23:59:59Z", "2024-05-01"));
        assert!(!created_before("2024-05-01T00:00:00Z", "2024-05-01"));
        assert!(!created_before("not a date", "2024-05-01"));
        assert!(!created_before("2024-04-30T00:00:00Z", "someday"));
    }

    #[test]
    fn pattern_and_age_select_and_unknown_dates_never_match_an_age() {
        let all = vec![
            c("pr-1", 1, Some("2023-01-01T00:00:00Z"), &[]),
            c("pr-2", 2, Some("2024-06-01T00:00:00Z"), &[]),
            c("pr-3", 3, None, &[]),
            c("v1", 4, Some("2023-01-01T00:00:00Z"), &[]),
        ];
        let mut f = Filter {
            pattern: "pr-*".into(),
            ..Filter::default()
        };
        assert_eq!(names(&select(&all, &f).selected), ["pr-1", "pr-2", "pr-3"]);
        f.older_than = Some("2024-01-01".into());
        assert_eq!(names(&select(&all, &f).selected), ["pr-1"]);
        f.pattern = "*".into();
        assert_eq!(names(&select(&all, &f).selected), ["pr-1", "v1"]);
        f.pattern = " ".into();
        assert!(
            select(&all, &f).selected.is_empty(),
            "an empty pattern selects nothing"
        );
    }

    #[test]
    fn the_guard_keeps_what_staying_tags_use_to_a_fixed_point() {
        let all = vec![
            // `old` and `stable` share a manifest; only `old` matches.
            c("old", 1, None, &[]),
            c("stable", 1, None, &[]),
            // `img-a` is listed by index `multi`, which matches but `latest` keeps it.
            c("img-a", 2, None, &[]),
            c("multi", 3, None, &[2]),
            c("latest", 3, None, &[]),
            // Free to go.
            c("old-2", 4, None, &[]),
        ];
        let f = Filter {
            pattern: "*".into(),
            older_than: None,
            keep_in_use: true,
        };
        // With everything matching, nothing is in use by a staying tag.
        assert_eq!(select(&all, &f).selected.len(), 6);

        let matching = |p: &str| Filter {
            pattern: p.into(),
            older_than: None,
            keep_in_use: true,
        };
        let s = select(&all, &matching("old*"));
        assert_eq!(names(&s.selected), ["old-2"]);
        assert_eq!(s.kept.len(), 1);
        assert_eq!(
            (s.kept[0].0.tag.as_str(), s.kept[0].1.as_str()),
            ("old", "stable")
        );

        // `multi` is kept by `latest` (same manifest), and then keeps `img-a` (its child).
        let s = select(
            &all,
            &Filter {
                pattern: "*i*".into(),
                ..matching("")
            },
        );
        assert!(names(&s.selected).is_empty(), "{s:?}");
        let kept: Vec<(&str, &str)> = s
            .kept
            .iter()
            .map(|(c, by)| (c.tag.as_str(), by.as_str()))
            .collect();
        assert_eq!(kept, [("img-a", "multi"), ("multi", "latest")]);

        // Without the guard the same pattern selects them.
        let s = select(
            &all,
            &Filter {
                pattern: "*i*".into(),
                ..Filter::default()
            },
        );
        assert_eq!(names(&s.selected), ["img-a", "multi"]);
    }

    #[test]
    fn plans_one_delete_per_manifest_naming_what_goes_along() {
        let all = vec![
            c("a", 1, None, &[]),
            c("b", 1, None, &[]),
            c("c", 1, None, &[]),
            c("child", 2, None, &[]),
            c("index", 3, None, &[2]),
        ];
        let chosen = vec![all[0].clone(), all[1].clone(), all[3].clone()];
        assert_eq!(
            plan(&chosen, &all, Mode::Tags),
            [
                Deletion::Tag(all[0].tag.clone()),
                Deletion::Tag(all[1].tag.clone()),
                Deletion::Tag(all[3].tag.clone())
            ]
        );
        let p = plan(&chosen, &all, Mode::Manifests);
        assert_eq!(p.len(), 2);
        let Deletion::Manifest {
            digest: d,
            tags,
            also,
            listed_by,
        } = &p[0]
        else {
            panic!("{p:?}")
        };
        assert_eq!(d, &digest(1));
        assert_eq!(names_of(tags), ["a", "b"]);
        assert_eq!(names_of(also), ["c"]);
        assert!(listed_by.is_empty());
        assert_eq!(names_of(&p[0].removed_tags()), ["a", "b", "c"]);
        let Deletion::Manifest { listed_by, .. } = &p[1] else {
            panic!("{p:?}")
        };
        assert_eq!(names_of(listed_by), ["index"]);
        assert!(
            p[1].label().starts_with("manifest sha256:"),
            "{}",
            p[1].label()
        );
        // An index going too is not reported as broken.
        let chosen = vec![all[3].clone(), all[4].clone()];
        let p = plan(&chosen, &all, Mode::Manifests);
        assert!(matches!(&p[0], Deletion::Manifest { listed_by, .. } if listed_by.is_empty()));
    }

    fn names_of(tags: &[Tag]) -> Vec<&str> {
        tags.iter().map(Tag::as_str).collect()
    }
}
