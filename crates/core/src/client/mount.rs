//! Cross-repository blob mount: `POST …/blobs/uploads/?mount=<digest>&from=<repo>`.

use crate::digest::Digest;
use crate::headers::names::LOCATION;
use crate::headers::Scope;
use crate::spec::Error;

use super::registry::{check_repo, with_query};
use super::transport::{Method, Transport};
use super::{protocol, Call, HttpSpec};

/// 201 → mounted (`true`); 202 → the registry opened an upload instead: it is cancelled and
/// the answer is `false`, so the caller uploads.
pub async fn mount<T: Transport>(
    spec: &HttpSpec<T>,
    from: &str,
    to: &str,
    digest: &Digest,
) -> Result<bool, Error> {
    check_repo(from)?;
    let url = spec.registry().repo_url(to, "blobs/uploads/")?;
    let url = with_query(&with_query(&url, "mount", digest.as_str()), "from", from);
    let call = Call::new(
        Method::Post,
        url,
        vec![Scope::pull_push(to), Scope::pull(from)],
    )
    .once();
    let answered = spec.exchange(&call).await?;
    match answered.response.status {
        201 => Ok(true),
        202 => {
            if let Some(loc) = answered.response.headers.get(LOCATION) {
                let location = crate::headers::resolve_url(&answered.url, loc)
                    .map_err(|e| protocol(e.to_string()))?;
                let cancel = Call::new(Method::Delete, location, vec![Scope::pull_push(to)]);
                // A session left behind expires on its own; the answer stands either way.
                let _ = spec.exchange(&cancel).await;
            }
            Ok(false)
        }
        s => Err(protocol(format!("mount answered {s}, expected 201 or 202"))),
    }
}
