//! ociscope-native: a [`Transport`] over hyper 1 and tokio, so native code and tests can use
//! `HttpSpec`. Plain HTTP only (no TLS): enough for loopback registries.
//!
//! Decisions: one TCP connection per request (no pool: simple and enough on loopback); no
//! redirects followed (the client does that); must run inside a tokio runtime.
//!
//! [`content::DiskStore`] is the content store on disk for native programs.

pub mod content;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ociscope_core::client::{
    Body, BodyStream, Headers, HttpSpec, Options, Registry, Request, Response, Transport,
    TransportError,
};
use ociscope_core::spec::{Error, ErrorKind};

/// HTTP/1.1 over a fresh TCP connection per request.
#[derive(Clone, Debug, Default)]
pub struct NativeTransport;

/// A hyper response body, chunk by chunk.
pub struct NativeBody(Incoming);

impl BodyStream for NativeBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        loop {
            match self.0.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(TransportError::network(format!("reading body: {e}"))),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Ok(Some(data));
                        }
                    }
                }
            }
        }
    }
}

fn net(what: &str, e: impl std::fmt::Display) -> TransportError {
    TransportError::network(format!("{what}: {e}"))
}

impl Transport for NativeTransport {
    type Body = NativeBody;

    async fn send(&self, request: Request) -> Result<Response<NativeBody>, TransportError> {
        let uri: hyper::Uri = request.url.parse().map_err(|e| net("bad URL", e))?;
        if uri.scheme_str() != Some("http") {
            return Err(TransportError::network(format!(
                "{}: only plain http is supported by the native transport",
                request.url
            )));
        }
        let host = uri.host().ok_or_else(|| net("URL", "no host"))?;
        let port = uri.port_u16().unwrap_or(80);
        let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        let addr_host = host.trim_start_matches('[').trim_end_matches(']');
        let stream = tokio::net::TcpStream::connect((addr_host, port))
            .await
            .map_err(|e| net(&format!("connect to {authority}"), e))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| net("HTTP handshake", e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let mut builder = hyper::Request::builder()
            .method(request.method.as_str())
            .uri(path)
            .header("host", authority);
        for (name, value) in &request.headers.0 {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = match request.body {
            Body::Empty => Full::new(Bytes::new()),
            Body::Bytes(b) => Full::new(b),
            // Never given: this transport does not say it `sends_external`.
            Body::External(_) => {
                return Err(TransportError {
                    kind: ErrorKind::InvalidArgument,
                    message: "this transport sends bytes in memory only, not external bodies"
                        .to_string(),
                })
            }
        };
        let req = builder.body(body).map_err(|e| net("building request", e))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| net(&format!("{} {}", request.method, request.url), e))?;
        let mut headers = Headers::default();
        for (name, value) in resp.headers() {
            headers.push(
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        Ok(Response {
            status: resp.status().as_u16(),
            headers,
            body: NativeBody(resp.into_body()),
        })
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    fn now_unix_secs(&self) -> Option<u64> {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }
}

/// An `HttpSpec` over the native transport for the registry at `address`.
pub fn connect(address: &str, options: Options) -> Result<HttpSpec<NativeTransport>, Error> {
    Ok(HttpSpec::new(
        NativeTransport,
        Registry::parse(address)?,
        options,
    ))
}
