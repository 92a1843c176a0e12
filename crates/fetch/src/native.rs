//! Off wasm32 there is no Fetch API: the transport builds (so a workspace builds natively) and
//! every request fails with `Unsupported`.

use bytes::Bytes;
use ociscope_core::client::{BodyStream, Request, Response, Transport, TransportError};
use ociscope_core::spec::ErrorKind;

use crate::{FetchBody, FetchTransport};

impl BodyStream for FetchBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        Ok(None)
    }
}

impl Transport for FetchTransport {
    type Body = FetchBody;

    async fn send(&self, request: Request) -> Result<Response<FetchBody>, TransportError> {
        Err(TransportError {
            kind: ErrorKind::Unsupported,
            message: format!(
                "{} {}: the Fetch transport runs only on wasm32 (a browser page, a worker or \
                 Node); natively use ociscope-native",
                request.method, request.url
            ),
        })
    }

    async fn sleep(&self, _ms: u64) {}

    fn now_unix_secs(&self) -> Option<u64> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use ociscope_core::client::Options;
    use ociscope_core::spec::{ErrorKind, Spec};

    fn block_on<F: Future>(f: F) -> F::Output {
        match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the native stub never waits"),
        }
    }

    #[test]
    fn natively_every_request_is_unsupported_and_not_retried() {
        let spec = crate::connect("http://127.0.0.1:9", Options::default()).unwrap();
        let e = block_on(spec.ping()).unwrap_err();
        assert_eq!(e.kind(), Some(ErrorKind::Unsupported), "{e}");
        assert!(e.to_string().contains("only on wasm32"), "{e}");
    }
}
