//! Cross-repository blob mount: `POST …/blobs/uploads/?mount=<digest>&from=<repo>`.

use crate::digest::Digest;
use crate::headers::names::LOCATION;
use crate::headers::Scope;
use crate::spec::{Error, Mount};

use super::registry::with_query;
use super::transport::{Method, Transport};
use super::upload::{session, HttpBlobWriter};
use super::{protocol, Call, HttpSpec};

/// 201 → mounted; 202 → the registry opened an upload instead, handed back as a writer so the
/// caller uploads without opening another session.
pub async fn mount<T: Transport>(
    spec: &HttpSpec<T>,
    from: &str,
    to: &str,
    digest: &Digest,
) -> Result<Mount<HttpBlobWriter<T>>, Error> {
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
        201 => Ok(Mount::Mounted),
        202 => {
            let headers = &answered.response.headers;
            let loc = headers
                .get(LOCATION)
                .ok_or_else(|| protocol("mount answered 202 without Location"))?;
            let location = crate::headers::resolve_url(&answered.url, loc)
                .map_err(|e| protocol(e.to_string()))?;
            Ok(Mount::Upload(session(spec, to, location, 0, headers, None)))
        }
        s => Err(protocol(format!("mount answered {s}, expected 201 or 202"))),
    }
}
