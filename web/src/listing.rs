//! The catalog as rows: filtered, optionally grouped by namespace with counts.

/// One row of the catalog list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A namespace heading with how many of its repositories are listed.
    Group {
        /// The namespace (`a/b` of `a/b/c`; empty for top-level names).
        namespace: String,
        /// Repositories listed under it.
        count: usize,
    },
    /// A repository.
    Repo(String),
}

/// The namespace of a repository name: everything before its last `/`.
pub fn namespace(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(ns, _)| ns)
}

/// True when `name` contains every whitespace-separated word of `filter` (case-insensitive).
pub fn matches(name: &str, filter: &str) -> bool {
    let lower = name.to_lowercase();
    filter
        .split_whitespace()
        .all(|word| lower.contains(&word.to_lowercase()))
}

/// The rows for `names` (in lexical order) that match `filter`, grouped when asked.
pub fn rows(names: &[String], filter: &str, grouped: bool) -> Vec<Row> {
    let kept: Vec<&String> = names.iter().filter(|n| matches(n, filter)).collect();
    if !grouped {
        return kept.into_iter().cloned().map(Row::Repo).collect();
    }
    let mut sorted = kept;
    sorted.sort_by(|a, b| namespace(a).cmp(namespace(b)).then_with(|| a.cmp(b)));
    let mut out = Vec::with_capacity(sorted.len() + 16);
    let mut i = 0;
    while i < sorted.len() {
        let ns = namespace(sorted[i]);
        let end = sorted[i..]
            .iter()
            .position(|n| namespace(n) != ns)
            .map_or(sorted.len(), |p| i + p);
        out.push(Row::Group {
            namespace: ns.to_string(),
            count: end - i,
        });
        out.extend(sorted[i..end].iter().map(|n| Row::Repo((*n).clone())));
        i = end;
    }
    out
}

/// How many rows are repositories.
pub fn repo_count(rows: &[Row]) -> usize {
    rows.iter().filter(|r| matches!(r, Row::Repo(_))).count()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn filter_by_words_case_insensitive() {
        let n = names(&["team-a/web", "team-b/web", "team-a/db", "solo"]);
        assert_eq!(rows(&n, "-A WEB", false), [Row::Repo("team-a/web".into())]);
        assert_eq!(rows(&n, "", false).len(), 4);
        assert_eq!(rows(&n, "zzz", true), []);
    }

    #[test]
    fn grouped_by_namespace_with_counts() {
        let n = names(&["a/x/1", "a/x/2", "b/y", "top", "a/z"]);
        let r = rows(&n, "", true);
        assert_eq!(
            r,
            [
                Row::Group {
                    namespace: "".into(),
                    count: 1
                },
                Row::Repo("top".into()),
                Row::Group {
                    namespace: "a".into(),
                    count: 1
                },
                Row::Repo("a/z".into()),
                Row::Group {
                    namespace: "a/x".into(),
                    count: 2
                },
                Row::Repo("a/x/1".into()),
                Row::Repo("a/x/2".into()),
                Row::Group {
                    namespace: "b".into(),
                    count: 1
                },
                Row::Repo("b/y".into()),
            ]
        );
        assert_eq!(repo_count(&r), 5);
        assert_eq!(namespace("a/b/c"), "a/b");
    }
}
