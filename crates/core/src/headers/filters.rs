//! `OCI-Filters-Applied`: the filters a registry applied to a referrers list (`artifactType`).

use super::grammar::is_token;
use super::names::OCI_FILTERS_APPLIED;
use super::HeaderError;

/// The `artifactType` filter of the referrers API.
pub const ARTIFACT_TYPE: &str = "artifactType";

/// Parses a comma-separated list of filter names (whitespace and empty items ignored).
pub fn parse_filters_applied(value: &str) -> Result<Vec<String>, HeaderError> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if !is_token(item) {
            return Err(HeaderError::invalid(
                OCI_FILTERS_APPLIED,
                value,
                "filter names must be tokens separated by commas",
            ));
        }
        out.push(item.to_string());
    }
    Ok(out)
}

/// True if the header lists `filter` (case-sensitive, as the spec names it).
pub fn filter_applied(filters: &[String], filter: &str) -> bool {
    filters.iter().any(|f| f == filter)
}

/// Formats the header value a server sends.
pub fn format_filters_applied<S: AsRef<str>>(filters: &[S]) -> String {
    filters
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_and_formats() {
        let f = parse_filters_applied("artifactType").unwrap();
        assert!(filter_applied(&f, ARTIFACT_TYPE));
        let f = parse_filters_applied(" artifactType , annotation,,").unwrap();
        assert_eq!(f, ["artifactType", "annotation"]);
        assert_eq!(format_filters_applied(&f), "artifactType,annotation");
        assert_eq!(parse_filters_applied("").unwrap(), Vec::<String>::new());
        assert!(parse_filters_applied("artifact type").is_err());
        assert!(parse_filters_applied("\"artifactType\"").is_err());
    }
}
