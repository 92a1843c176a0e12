//! `ociscope-server --storage s3://…` (a build with the `s3` feature) against moto's S3 server
//! on loopback (a mock of AWS; see `crates/storage/tests/s3.rs` for why moto): the behaviour
//! suite through the binary, and what is pushed survives a restart of the binary.

mod common;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

/// The moto_server executable: `$OCISCOPE_MOTO_SERVER`, else where `scripts/setup` puts it.
fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("OCISCOPE_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME");
    cache.join("ociscope/moto-5.2.5/bin/moto_server")
}

/// moto's S3 server with one bucket; killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start(bucket: &str) -> Moto {
        let port = free_port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (bash scripts/setup installs it)");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let request = format!(
                    "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
                     Connection: close\r\n\r\n"
                );
                let mut answer = String::new();
                if s.write_all(request.as_bytes()).is_ok() && s.read_to_string(&mut answer).is_ok()
                {
                    assert!(
                        answer.starts_with("HTTP/1.1 200"),
                        "create bucket: {answer}"
                    );
                    break;
                }
            }
            assert!(Instant::now() < deadline, "moto_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary over `s3://bucket/prefix` on moto, configured through AWS_* variables.
fn start_binary(moto: &Moto, url: &str) -> Binary {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .args(["--listen", "127.0.0.1:0", "--storage", url])
        .env("AWS_ENDPOINT", &moto.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "ociscope-test")
        .env("AWS_SECRET_ACCESS_KEY", "ociscope-test-secret")
        .env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false")
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

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_through_the_server_on_s3() {
    let moto = Moto::start("suite");
    let bin = start_binary(&moto, "s3://suite/registry");
    let spec = ociscope_native::connect(&bin.url, Default::default()).expect("client");
    let ctx = Ctx::new("s3").with_capabilities(Capabilities::all());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.not_applicable(), 1, "only the fallback-tag check");
}

#[test]
fn content_survives_a_restart_on_s3() {
    let moto = Moto::start("keep");
    let img = Image::new("on s3", None, None);
    {
        let bin = start_binary(&moto, "s3://keep/r");
        img.push(&bin.url, "team/app", "v1");
    }
    let bin = start_binary(&moto, "s3://keep/r");
    let r = get(&format!("{}/v2/team/app/manifests/v1", bin.url));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, img.manifest);
    for blob in img.blobs() {
        let r = get(&format!("{}/v2/team/app/blobs/{}", bin.url, sha256(blob)));
        assert_eq!(&r.body, blob);
    }
    let cat = get(&format!("{}/v2/_catalog", bin.url)).json();
    assert_eq!(cat["repositories"], serde_json::json!(["team/app"]));
}
