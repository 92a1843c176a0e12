//! What an error means for the person using the app, and what they can do about it.

use ociscope_core::spec::{Error, ErrorKind};
use ociscope_core::ErrorCode;

/// An error as shown: a headline and advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    /// What happened, in a sentence.
    pub title: String,
    /// What to do about it.
    pub advice: String,
    /// The error as the registry or transport reported it.
    pub detail: String,
}

/// Explains `error` raised while doing `action` (e.g. "listing repositories").
pub fn explain(action: &str, error: &Error) -> Explained {
    let detail = error.to_string();
    let (title, advice) = match (error.status(), error.kind()) {
        (_, Some(ErrorKind::Cors)) => (
            format!("The browser blocked the answer while {action}"),
            format!(
                "The registry sent no CORS headers for this page's origin. It must answer \
                 preflights (OPTIONS) with a 2xx status, without asking for credentials, and \
                 send Access-Control-Allow-Origin (this origin), Access-Control-Allow-Methods \
                 ({}), Access-Control-Allow-Headers ({}) and Access-Control-Expose-Headers \
                 ({}). Or open the app from the registry's own origin (ociscope-server --app \
                 serves it beside /v2/).",
                ociscope_fetch::ALLOW_METHODS,
                ociscope_fetch::ALLOW_HEADERS,
                ociscope_fetch::EXPOSE_HEADERS
            ),
        ),
        (_, Some(ErrorKind::Network)) => (
            format!("The registry could not be reached while {action}"),
            "Check the registry URL and that it is running, and your connection.".to_string(),
        ),
        (Some(401), _) => (
            format!("The registry wants credentials for {action}"),
            "Sign in with a user name and password, or a token (the form below or on the connect page).".to_string(),
        ),
        (Some(403), _) => (
            format!("Access denied while {action}"),
            "Your credentials are not allowed to do this; ask the registry's owner for access."
                .to_string(),
        ),
        _ if error.has_code(ErrorCode::NameInvalid) => (
            format!("Not a valid repository name, while {action}"),
            "Repository names are lowercase letters and digits in components separated by \
             '.', '_', '__' or '-', joined by '/', at most 255 characters (e.g. team/app)."
                .to_string(),
        ),
        _ if error.has_code(ErrorCode::TagInvalid) => (
            format!("Not a valid tag, while {action}"),
            "Tags are up to 128 letters, digits, '_', '.' and '-', not starting with '.' or \
             '-' (e.g. v1.2.3)."
                .to_string(),
        ),
        _ if error.has_code(ErrorCode::Unsupported) || error.status() == Some(405) => (
            format!("The registry does not allow {action}"),
            "It has this operation disabled (for CNCF distribution, deletes need \
             REGISTRY_STORAGE_DELETE_ENABLED=true)."
                .to_string(),
        ),
        _ if error.has_code(ErrorCode::BlobUploadUnknown)
            || error.has_code(ErrorCode::BlobUploadInvalid) =>
        (
            format!("The registry no longer holds the upload, while {action}"),
            "Uploads expire, can be cancelled elsewhere, and some registries (CNCF \
             distribution 2.8) drop one whose request broke off; start it over."
                .to_string(),
        ),
        _ if error.is_not_found() => (
            format!("Not found while {action}"),
            "It may have been deleted, or the name, tag or digest is mistyped.".to_string(),
        ),
        (Some(429), _) => (
            format!("Rate limited while {action}"),
            "Wait a moment and try again.".to_string(),
        ),
        (Some(s), _) if s >= 500 => (
            format!("The registry failed while {action}"),
            "The registry reported an internal error; try again later or check its logs."
                .to_string(),
        ),
        (_, Some(ErrorKind::Unsupported)) => (
            format!("Not possible while {action}"),
            "This registry or this content does not support it.".to_string(),
        ),
        _ => (
            format!("Failed while {action}"),
            "See the details below.".to_string(),
        ),
    };
    Explained {
        title,
        advice,
        detail,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ociscope_core::RegistryError;

    fn status(code: ErrorCode, status: u16) -> Error {
        let mut e = RegistryError::with_message(code, "m");
        e.status = status;
        Error::Registry(e)
    }

    #[test]
    fn cors_names_the_headers() {
        let e = explain(
            "listing repositories",
            &Error::other(ErrorKind::Cors, "blocked"),
        );
        assert!(e.title.contains("blocked"));
        assert!(e.advice.contains("Access-Control-Allow-Origin"));
        assert!(e.advice.contains("Access-Control-Expose-Headers"));
    }

    #[test]
    fn statuses_and_codes() {
        assert!(explain("x", &status(ErrorCode::Unauthorized, 401))
            .advice
            .contains("password"));
        assert!(explain("deleting", &status(ErrorCode::Unsupported, 405))
            .advice
            .contains("REGISTRY_STORAGE_DELETE_ENABLED"));
        let name = ociscope_core::spec::RepoName::new("Team/App").unwrap_err();
        let e = explain("reading the address", &name);
        assert!(e.title.starts_with("Not a valid repository name"), "{e:?}");
        assert!(e.detail.contains("Team/App"), "{e:?}");
        let tag = ociscope_core::spec::Tag::new("-x").unwrap_err();
        assert!(explain("uploading", &tag)
            .title
            .starts_with("Not a valid tag"));
        let gone = explain("uploading", &status(ErrorCode::BlobUploadInvalid, 404));
        assert!(
            gone.title.contains("no longer holds the upload"),
            "{gone:?}"
        );
        let nf = explain("loading", &status(ErrorCode::ManifestUnknown, 404));
        assert!(nf.title.starts_with("Not found"));
        assert_eq!(
            nf.detail,
            status(ErrorCode::ManifestUnknown, 404).to_string()
        );
    }
}
