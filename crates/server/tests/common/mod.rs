//! Test helpers: a tiny blocking HTTP client (hyper, one connection per request), temporary
//! directories, digests, image builders, and the CNCF distribution registry as a child process.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::Request;
use hyper_util::rt::TokioIo;
use ociscope_core::memory::MemoryRegistry;
use ociscope_server::{spawn, Config, Running};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// An answer: status, headers and the whole body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The first error code of an error body.
    pub fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", String::from_utf8_lossy(&self.body)))
            .to_string()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request on a fresh connection; `Err` when the connection fails or breaks.
pub fn try_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Resp, String> {
    let body = body.into();
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad url {url}: {e}"))?;
    let authority = uri.authority().ok_or("no authority")?.to_string();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = Request::builder()
            .method(method)
            .uri(&path)
            .header("host", &authority);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| format!("request: {e}"))?;
        let res = tokio::time::timeout(Duration::from_secs(30), sender.send_request(req))
            .await
            .map_err(|_| "timeout".to_string())?
            .map_err(|e| format!("send: {e}"))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Resp {
            status,
            headers,
            body,
        })
    })
}

/// Sends one request; panics when the connection fails.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Resp {
    try_request(method, url, headers, body).unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// GET without headers.
pub fn get(url: &str) -> Resp {
    request("GET", url, &[], Bytes::new())
}

/// Writes raw bytes to `addr` and reads the answer's head (status line and headers), waiting
/// at most 5 s; used for requests hyper's client will not send (lying Content-Length…).
pub fn raw_head(addr: &str, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).expect("write");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// A server over a fresh MemoryRegistry with `config`, on 127.0.0.1:0.
pub fn server(config: Config) -> Running {
    spawn("127.0.0.1:0", MemoryRegistry::new, config).expect("server starts")
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ociscope-server-{label}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A small image: config, layers and manifest, with their digests.
pub struct Image {
    pub config: Vec<u8>,
    pub layers: Vec<Vec<u8>>,
    pub manifest: Vec<u8>,
}

impl Image {
    /// An OCI image whose content depends on `seed`, with an optional subject and artifact type.
    pub fn new(seed: &str, subject: Option<(&str, u64)>, artifact_type: Option<&str>) -> Image {
        let config = json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "config": {"Labels": {"seed": seed}}
        })
        .to_string()
        .into_bytes();
        let layers = vec![
            format!("layer one of {seed}").repeat(50).into_bytes(),
            format!("layer two of {seed}").into_bytes(),
        ];
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(&config),
                "size": config.len()
            },
            "layers": layers.iter().map(|l| json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": sha256(l),
                "size": l.len()
            })).collect::<Vec<_>>()
        });
        if let Some((digest, size)) = subject {
            manifest["subject"] = json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest,
                "size": size
            });
        }
        if let Some(t) = artifact_type {
            manifest["artifactType"] = json!(t);
        }
        Image {
            config,
            layers,
            manifest: serde_json::to_vec(&manifest).unwrap(),
        }
    }

    pub fn digest(&self) -> String {
        sha256(&self.manifest)
    }

    pub fn blobs(&self) -> Vec<&Vec<u8>> {
        std::iter::once(&self.config)
            .chain(self.layers.iter())
            .collect()
    }

    /// Pushes blobs (monolithic POST) and the manifest under `reference`.
    pub fn push(&self, base: &str, repo: &str, reference: &str) {
        for blob in self.blobs() {
            let r = request(
                "POST",
                &format!("{base}/v2/{repo}/blobs/uploads/?digest={}", sha256(blob)),
                &[("content-type", "application/octet-stream")],
                blob.clone(),
            );
            assert_eq!(r.status, 201, "blob push: {}", r.text());
        }
        let r = request(
            "PUT",
            &format!("{base}/v2/{repo}/manifests/{reference}"),
            &[("content-type", "application/vnd.oci.image.manifest.v1+json")],
            self.manifest.clone(),
        );
        assert_eq!(r.status, 201, "manifest push: {}", r.text());
    }

    /// Writes the image as an OCI layout in `dir`, tagged `tag`.
    pub fn write_layout(&self, dir: &Path, tag: &str) {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        for blob in self
            .blobs()
            .into_iter()
            .chain(std::iter::once(&self.manifest))
        {
            let d = sha256(blob);
            std::fs::write(blobs.join(&d["sha256:".len()..]), blob).unwrap();
        }
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": self.digest(),
                "size": self.manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": tag}
            }]
        });
        std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    }
}

/// Waits until `GET {url}/v2/` answers (any status).
pub fn wait_until_serving(url: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if try_request("GET", &format!("{url}/v2/"), &[], Bytes::new()).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("process exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{url} did not answer");
}

#[allow(unused_imports)] // each test binary uses some of them
pub use ociscope_testkit::{Distribution, PASSWORD as HTPASSWD_PASSWORD};

/// The built `ociscope-server` binary, started with `args` (plus `--listen 127.0.0.1:0`); it
/// reads the `listening on` line for the URL and kills the process on drop.
pub struct Binary {
    pub child: Child,
    pub url: String,
}

impl Binary {
    pub fn start(args: &[&str]) -> Binary {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Binary { child, url }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
