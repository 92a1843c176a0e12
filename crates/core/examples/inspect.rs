//! Reads one input per line on stdin and prints one JSON object per line.
//!
//! Usage: `cargo run -p ociscope-core --example inspect -- <mode> [FILE…]`
//! - `ref`: strict parse; `ref-normalized`: Docker Hub normalization. Prints
//!   `{input, ok, error, domain, path, tag, digest, canonical, familiar}`.
//! - `digest`: prints `{input, ok, error, algorithm, encoded}`.
//! - `manifest FILE…`: parses each file (no stdin) and prints its summary.

use std::io::{BufRead, Write};

use ociscope_core::manifest::Manifest;
use ociscope_core::{Digest, Reference};
use serde_json::{json, Value};

fn reference(input: &str, normalized: bool) -> Value {
    let parsed = if normalized {
        Reference::parse_normalized(input)
    } else {
        Reference::parse_strict(input)
    };
    match parsed {
        Ok(r) => json!({
            "input": input, "ok": true, "error": null,
            "domain": r.domain(), "path": r.path(), "tag": r.tag(),
            "digest": r.digest().map(|d| d.to_string()),
            "canonical": r.to_string(), "familiar": r.familiar(),
        }),
        Err(e) => json!({
            "input": input, "ok": false, "error": e.to_string(),
            "domain": null, "path": null, "tag": null, "digest": null,
            "canonical": null, "familiar": null,
        }),
    }
}

fn digest(input: &str) -> Value {
    match Digest::parse(input) {
        Ok(d) => json!({
            "input": input, "ok": true, "error": null,
            "algorithm": d.algorithm(), "encoded": d.encoded(),
        }),
        Err(e) => json!({
            "input": input, "ok": false, "error": e.to_string(),
            "algorithm": null, "encoded": null,
        }),
    }
}

fn manifest(file: &str) -> Value {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return json!({"file": file, "ok": false, "error": e.to_string()}),
    };
    match Manifest::parse(&bytes, None) {
        Ok(m) => json!({
            "file": file, "ok": true, "error": null,
            "kind": format!("{:?}", m.kind()), "mediaType": m.media_type(),
            "digest": m.digest().to_string(), "size": m.size(),
            "artifactType": m.artifact_type(),
            "config": m.config().map(|c| c.digest.to_string()),
            "layers": m.layers().iter().map(|l| json!({
                "mediaType": l.media_type, "digest": l.digest.to_string(), "size": l.size,
            })).collect::<Vec<_>>(),
            "manifests": m.manifests().iter().map(|d| json!({
                "mediaType": d.media_type, "digest": d.digest.to_string(), "size": d.size,
                "platform": d.platform.as_ref().map(|p| p.to_string()),
            })).collect::<Vec<_>>(),
            "subject": m.subject().map(|s| s.digest.to_string()),
            "annotations": m.annotations(),
            "imageSize": m.image_size(),
        }),
        Err(e) => json!({"file": file, "ok": false, "error": e.to_string()}),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first() else {
        eprintln!("usage: inspect <ref|ref-normalized|digest|manifest FILE…>");
        std::process::exit(2);
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if mode == "manifest" {
        for file in &args[1..] {
            writeln!(out, "{}", manifest(file)).expect("stdout");
        }
        return;
    }
    let handle: fn(&str) -> Value = match mode.as_str() {
        "ref" => |s| reference(s, false),
        "ref-normalized" => |s| reference(s, true),
        "digest" => digest,
        other => {
            eprintln!("unknown mode {other:?}: use ref, ref-normalized, digest or manifest");
            std::process::exit(2);
        }
    };
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is UTF-8 text");
        writeln!(out, "{}", handle(&line)).expect("stdout");
    }
}
