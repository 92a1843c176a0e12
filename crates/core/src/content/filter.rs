//! Filters for walking content and listing ingests.
//!
//! A [`Filter`] is a list of [`Condition`]s that must all hold (an empty filter matches
//! everything). It is built in code or parsed from a small syntax, conditions separated by
//! commas:
//!
//! | text | condition |
//! |---|---|
//! | `digest==sha256:…` | [`Condition::Digest`] |
//! | `size>=N`, `size<=N`, `size==N` | [`Condition::SizeAtLeast`] / [`Condition::SizeAtMost`] / both |
//! | `labels.KEY` | [`Condition::Label`] (present) |
//! | `labels.KEY==VALUE` | [`Condition::LabelEquals`] |
//! | `labels.KEY~=GLOB` | [`Condition::LabelGlob`] (`*`, `?`; `ociscope_core::glob`) |
//!
//! Label keys and values cannot hold `,` in the text form (build the filter in code for
//! those).

use crate::digest::Digest;
use crate::glob::glob_match;

use super::{Error, Info, Status};

/// One condition on a piece of content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Exactly this digest.
    Digest(Digest),
    /// At least this many bytes.
    SizeAtLeast(u64),
    /// At most this many bytes.
    SizeAtMost(u64),
    /// The label is present.
    Label(String),
    /// The label has this value.
    LabelEquals(String, String),
    /// The label's value matches this glob.
    LabelGlob(String, String),
}

impl Condition {
    /// True when `info` satisfies the condition.
    pub fn matches(&self, info: &Info) -> bool {
        match self {
            Condition::Digest(d) => &info.digest == d,
            Condition::SizeAtLeast(n) => info.size >= *n,
            Condition::SizeAtMost(n) => info.size <= *n,
            Condition::Label(k) => info.labels.contains_key(k),
            Condition::LabelEquals(k, v) => info.labels.get(k) == Some(v),
            Condition::LabelGlob(k, g) => info.labels.get(k).is_some_and(|v| glob_match(g, v)),
        }
    }
}

/// Conditions that must all hold; empty = everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// The conditions.
    pub conditions: Vec<Condition>,
}

impl Filter {
    /// Matches everything.
    pub fn everything() -> Filter {
        Filter::default()
    }

    /// This filter with one more condition.
    pub fn and(mut self, condition: Condition) -> Filter {
        self.conditions.push(condition);
        self
    }

    /// True when `info` satisfies every condition.
    pub fn matches(&self, info: &Info) -> bool {
        self.conditions.iter().all(|c| c.matches(info))
    }

    /// Parses the text form (see the module doc); [`Error::InvalidArgument`] says which part
    /// is wrong.
    pub fn parse(text: &str) -> Result<Filter, Error> {
        let mut filter = Filter::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = |why: &str| {
                Error::InvalidArgument(format!(
                    "filter {:?}: {why}",
                    part.chars().take(100).collect::<String>()
                ))
            };
            let size = |n: &str| n.trim().parse::<u64>().map_err(|_| bad("not a size"));
            if let Some(d) = part.strip_prefix("digest==") {
                let d = Digest::parse(d.trim()).map_err(|e| bad(&e.to_string()))?;
                filter.conditions.push(Condition::Digest(d));
            } else if let Some(n) = part.strip_prefix("size>=") {
                filter.conditions.push(Condition::SizeAtLeast(size(n)?));
            } else if let Some(n) = part.strip_prefix("size<=") {
                filter.conditions.push(Condition::SizeAtMost(size(n)?));
            } else if let Some(n) = part.strip_prefix("size==") {
                let n = size(n)?;
                filter.conditions.push(Condition::SizeAtLeast(n));
                filter.conditions.push(Condition::SizeAtMost(n));
            } else if let Some(rest) = part.strip_prefix("labels.") {
                let condition = if let Some((k, g)) = rest.split_once("~=") {
                    Condition::LabelGlob(k.to_string(), g.to_string())
                } else if let Some((k, v)) = rest.split_once("==") {
                    Condition::LabelEquals(k.to_string(), v.to_string())
                } else {
                    Condition::Label(rest.to_string())
                };
                let key = match &condition {
                    Condition::Label(k)
                    | Condition::LabelEquals(k, _)
                    | Condition::LabelGlob(k, _) => k,
                    _ => "",
                };
                if key.is_empty() {
                    return Err(bad("empty label key"));
                }
                filter.conditions.push(condition);
            } else {
                return Err(bad(
                    "expected digest==D, size>=N, size<=N, size==N, labels.K, labels.K==V or labels.K~=GLOB",
                ));
            }
        }
        Ok(filter)
    }
}

/// Which ingests to list: by ref glob (`*`, `?`), or all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusFilter {
    /// A glob the ref must match; `None` = every ingest.
    pub reference: Option<String>,
}

impl StatusFilter {
    /// Every ingest.
    pub fn everything() -> StatusFilter {
        StatusFilter::default()
    }

    /// Ingests whose ref matches `glob`.
    pub fn reference(glob: impl Into<String>) -> StatusFilter {
        StatusFilter {
            reference: Some(glob.into()),
        }
    }

    /// True when `status` is listed.
    pub fn matches(&self, status: &Status) -> bool {
        self.reference
            .as_deref()
            .is_none_or(|g| glob_match(g, &status.reference))
    }
}
