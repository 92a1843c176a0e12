//! Human-readable sizes, dates and pull commands.
//!
//! Rule: every function here takes text a registry sent (dates, digests, tags, media types),
//! which may be anything (non-ASCII, control characters, very long), and never panics on it:
//! no byte-index slicing of text, only `str::get` and `char` iteration. Property tests below
//! feed arbitrary Unicode to each.

/// A byte count in binary units: `0 B`, `1023 B`, `1.5 KiB`, `12.3 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// An RFC 3339 timestamp shortened for tables: `2024-05-01 12:34` (UTC as written); other
/// text is returned as it is.
pub(crate) fn date(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let shaped = at(4) == Some(b'-')
        && at(7) == Some(b'-')
        && matches!(at(10), Some(b'T' | b't' | b' '))
        && at(13) == Some(b':');
    // `get` returns `None` when a bound falls inside a multi-byte character.
    match (shaped, rfc3339.get(..10), rfc3339.get(11..16)) {
        (true, Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM` (UTC), as tar writes modification times.
pub(crate) fn epoch(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Days to a civil date (Howard Hinnant's algorithm), valid for any u64 / 86400.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// A short form of a digest for tables: algorithm and the first 12 hex digits.
pub fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) if hex.chars().nth(12).is_some() => {
            format!("{alg}:{}", hex.chars().take(12).collect::<String>())
        }
        _ => digest.to_string(),
    }
}

/// Tags as a comma-separated list.
pub(crate) fn tag_list<'a>(tags: impl IntoIterator<Item = &'a ociscope_core::spec::Tag>) -> String {
    tags.into_iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `repo:tag` or `repo@digest` (a reference with a `:` is a digest).
pub(crate) fn reference(repo: &str, reference: &str) -> String {
    let sep = if reference.contains(':') { '@' } else { ':' };
    format!("{repo}{sep}{reference}")
}

/// The `docker pull` command of `host/repo` at a tag or digest (digests joined with `@`).
pub(crate) fn pull_command(host: &str, repo: &str, reference: &str) -> String {
    if host.is_empty() {
        format!("docker pull {}", self::reference(repo, reference))
    } else {
        format!("docker pull {host}/{}", self::reference(repo, reference))
    }
}

/// A count with its noun, singular or plural: `1 tag`, `3 tags`.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// A short name for a manifest media type: `OCI index`, `Docker image`, …; others as given.
pub(crate) fn kind_label(media_type: &str) -> String {
    use ociscope_core::media_type as mt;
    let label = match media_type {
        mt::OCI_INDEX => "OCI index",
        mt::OCI_MANIFEST => "OCI manifest",
        mt::DOCKER_MANIFEST_LIST => "Docker manifest list",
        mt::DOCKER_MANIFEST_V2 => "Docker image",
        mt::DOCKER_MANIFEST_V1 | mt::DOCKER_MANIFEST_V1_SIGNED => "Docker schema 1",
        other => return other.to_string(),
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1024), "1.0 KiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(5 * 1024 * 1024 + 300 * 1024), "5.3 MiB");
        assert_eq!(size(700 * 1024 * 1024), "700 MiB");
        assert_eq!(size(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn dates_shortened_when_rfc3339() {
        assert_eq!(date("2024-05-01T12:34:56.789Z"), "2024-05-01 12:34");
        assert_eq!(date("yesterday"), "yesterday");
        assert_eq!(date(""), "");
    }

    #[test]
    fn digests_shortened() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(short_digest(&d), "sha256:abababababab");
        assert_eq!(short_digest("weird"), "weird");
    }

    #[test]
    fn pull_commands_by_tag_and_digest() {
        assert_eq!(
            pull_command("r.example:5000", "a/b", "v1"),
            "docker pull r.example:5000/a/b:v1"
        );
        assert_eq!(
            pull_command("r.example", "a", "sha256:00"),
            "docker pull r.example/a@sha256:00"
        );
        assert_eq!(pull_command("", "a", "v1"), "docker pull a:v1");
        assert_eq!(count(1, "tag", "tags"), "1 tag");
        assert_eq!(count(2, "tag", "tags"), "2 tags");
    }

    #[test]
    fn epoch_seconds_as_utc_dates() {
        assert_eq!(epoch(0), "1970-01-01 00:00");
        assert_eq!(epoch(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(epoch(951_782_400), "2000-02-29 00:00");
        let _ = epoch(u64::MAX);
    }

    #[test]
    fn non_ascii_text_is_kept_whole() {
        // A multi-byte character across the cut points (byte 10, 16; the 12th digit).
        assert_eq!(date("2024-05-01T12:3ü:00Z"), "2024-05-01T12:3ü:00Z");
        assert_eq!(date("2024-05-0ü1T12:34"), "2024-05-0ü1T12:34");
        assert_eq!(date("2024-05-01T12:34ü"), "2024-05-01 12:34");
        assert_eq!(short_digest("sha256:aéééééééééééé"), "sha256:aééééééééééé");
        assert_eq!(short_digest("sha256:😀"), "sha256:😀");
    }

    #[test]
    fn kind_labels() {
        assert_eq!(
            kind_label("application/vnd.oci.image.index.v1+json"),
            "OCI index"
        );
        assert_eq!(
            kind_label("application/vnd.docker.distribution.manifest.v2+json"),
            "Docker image"
        );
        assert_eq!(kind_label("text/plain"), "text/plain");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn helpers_never_panic_and_keep_the_text(text in "\\PC*", any_text in any::<String>()) {
            for t in [&text, &any_text] {
                let d = date(t);
                prop_assert!(d == *t || d.get(..10).is_some_and(|p| t.starts_with(p)), "{d:?} from {t:?}");
                let s = short_digest(t);
                prop_assert!(t.starts_with(&s) || s == *t, "{s:?} from {t:?}");
                prop_assert!(reference("r", t).ends_with(t.as_str()));
                prop_assert!(pull_command(t, t, t).starts_with("docker pull "));
                prop_assert!(kind_label(t).chars().count() > 0 || t.is_empty());
                let _ = count(t.len(), t, t);
            }
        }

        #[test]
        fn dates_shaped_like_rfc3339_with_any_tail(tail in any::<String>(), sep in "[Tt ]") {
            let t = format!("2024-05-01{sep}12:34{tail}");
            prop_assert_eq!(date(&t), "2024-05-01 12:34");
        }

        #[test]
        fn sizes_always_have_a_unit(n in any::<u64>()) {
            let s = size(n);
            prop_assert!(s.ends_with('B'), "{}", s);
        }
    }
}
