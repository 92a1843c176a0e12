//! Embeds the shared conformance corpus so its cases run natively and in wasm32 alike.
//!
//! The corpus is found at `$OCISCOPE_CONFORMANCE`, or `../shared/conformance` beside the
//! repository. A missing corpus is a build error: tests that silently run nothing are defects.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=OCISCOPE_CONFORMANCE");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = std::env::var_os("OCISCOPE_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../../shared/conformance"));
    let dir = dir.canonicalize().unwrap_or_else(|_| {
        panic!(
            "conformance corpus not found at {} (set OCISCOPE_CONFORMANCE to its folder)",
            dir.display()
        )
    });
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out = String::new();
    for (name, file) in [
        ("REFERENCES_JSON", "references.json"),
        ("DIGESTS_JSON", "digests.json"),
    ] {
        writeln!(out, "/// `{file}` of the corpus.").unwrap();
        writeln!(
            out,
            "pub const {name}: &str = include_str!({:?});",
            path(&dir, file)
        )
        .unwrap();
    }
    writeln!(out, "/// `manifests/index.json` of the corpus.").unwrap();
    writeln!(
        out,
        "pub const MANIFESTS_INDEX_JSON: &str = include_str!({:?});",
        path(&dir, "manifests/index.json")
    )
    .unwrap();
    for (name, sub) in [
        ("MANIFEST_FILES", "manifests"),
        ("BLOB_FILES", "manifests/blobs"),
    ] {
        let mut files: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "index.json")
            .collect();
        files.sort();
        writeln!(out, "/// Every file of `{sub}/`, by name.").unwrap();
        writeln!(out, "pub const {name}: &[(&str, &[u8])] = &[").unwrap();
        for f in files {
            writeln!(
                out,
                "    ({f:?}, include_bytes!({:?})),",
                path(&dir, &format!("{sub}/{f}"))
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("corpus.rs");
    std::fs::write(dest, out).unwrap();
}

fn path(dir: &Path, file: &str) -> String {
    let p = dir.join(file);
    println!("cargo:rerun-if-changed={}", p.display());
    p.to_string_lossy().into_owned()
}
