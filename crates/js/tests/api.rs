//! Rust-side tests of the JavaScript API, run in Node (`wasm-pack test --node`) and in headless
//! Chromium (`WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome`: the same tests,
//! not configured for one runtime). No registry: the live round trips are the consumers'
//! (tests/npm). They call the exported functions as JavaScript would and look at the values and
//! OciErrors that come back.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use ociscope_js::digest::{digest_of, verify, Digester};
use ociscope_js::error::{is_oci_error, OciError};
use ociscope_js::manifest::parse_manifest;
use ociscope_js::reference::parse_reference;
use ociscope_js::registry::Registry;
use ociscope_js::tools::{detect_manifest_kind, manifest_children};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn obj(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o
}

/// Asserts an OciError with `code` that is also an `Error`.
fn assert_code(e: JsValue, code: &str) {
    assert!(is_oci_error(&e), "not an OciError: {e:?}");
    assert!(
        e.is_instance_of::<OciError>(),
        "not an instance of the OciError class"
    );
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&e, "name").as_deref(), Some("OciError"));
    assert_eq!(
        text(&e, "code").as_deref(),
        Some(code),
        "{:?}",
        text(&e, "message")
    );
}

#[wasm_bindgen_test]
fn references_strict_and_normalized() {
    let r = parse_reference("localhost:5000/a/b:v1", None).unwrap();
    assert_eq!(text(&r, "domain").as_deref(), Some("localhost:5000"));
    assert_eq!(text(&r, "path").as_deref(), Some("a/b"));
    assert_eq!(text(&r, "tag").as_deref(), Some("v1"));
    assert!(get(&r, "digest").is_undefined());
    let n = parse_reference("redis", Some(obj(&[("normalize", JsValue::TRUE)]))).unwrap();
    assert_eq!(
        text(&n, "canonical").as_deref(),
        Some("docker.io/library/redis")
    );
    assert_eq!(text(&n, "familiar").as_deref(), Some("redis"));
    assert_code(parse_reference("a//b", None).unwrap_err(), "NAME_INVALID");
    assert_code(
        parse_reference("x", Some(obj(&[("normalize", "yes".into())]))).unwrap_err(),
        "INVALID_ARGUMENT",
    );
}

#[wasm_bindgen_test]
fn digester_matches_known_digests() {
    let mut d = Digester::new(None).unwrap();
    d.update(b"ab");
    d.update(b"c");
    assert_eq!(
        d.digest(),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(d.size(), 3.0);
    assert_eq!(
        digest_of(b"abc", Some("sha512".into())).unwrap(),
        "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
         2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
    assert!(verify(b"abc", &d.digest()).unwrap());
    assert!(!verify(b"abd", &d.digest()).unwrap());
    assert_code(
        verify(b"abc", "sha256:short").unwrap_err(),
        "DIGEST_INVALID",
    );
    assert_code(
        Digester::new(Some("md5".into())).err().unwrap(),
        "INVALID_ARGUMENT",
    );
}

#[wasm_bindgen_test]
fn manifests_parse_with_kind_and_children() {
    let empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
        "manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json",
        "digest":"{empty}","size":2,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}],
        "annotations":{{"a":"b"}}}}"#
    );
    let m = parse_manifest(index.as_bytes(), None).unwrap();
    assert_eq!(text(&m, "kind").as_deref(), Some("ociIndex"));
    let manifests: js_sys::Array = get(&m, "manifests").dyn_into().unwrap();
    assert_eq!(manifests.length(), 1);
    let platform = get(&manifests.get(0), "platform");
    assert_eq!(text(&platform, "variant").as_deref(), Some("v8"));
    assert_eq!(text(&get(&m, "annotations"), "a").as_deref(), Some("b"));
    let children: js_sys::Array = get(&m, "children").dyn_into().unwrap();
    assert_eq!(text(&children.get(0), "role").as_deref(), Some("manifest"));
    assert_eq!(get(&m, "size").as_f64(), Some(index.len() as f64));
    assert_code(parse_manifest(b"{", None).unwrap_err(), "MANIFEST_INVALID");
    assert_code(parse_manifest(b"[]", None).unwrap_err(), "MANIFEST_INVALID");
}

#[wasm_bindgen_test]
fn bad_client_arguments_are_oci_errors() {
    assert_code(
        Registry::connect("ftp://nope", None).err().unwrap(),
        "INVALID_ARGUMENT",
    );
    let half = obj(&[("username", "u".into())]);
    assert_code(
        Registry::connect("http://127.0.0.1:1", Some(half))
            .err()
            .unwrap(),
        "INVALID_ARGUMENT",
    );
    let extra = obj(&[("token", "t".into()), ("user", "u".into())]);
    assert_code(
        Registry::connect("http://127.0.0.1:1", Some(extra))
            .err()
            .unwrap(),
        "INVALID_ARGUMENT",
    );
    let r = Registry::connect("http://127.0.0.1:1/mirror", None).unwrap();
    assert_eq!(r.url(), "http://127.0.0.1:1/mirror");
    assert_code(r.tags("UPPER", None).unwrap_err(), "NAME_INVALID");
    assert_code(r.stat_manifest("a", "bad tag!").unwrap_err(), "TAG_INVALID");
    assert_code(r.get_blob("a", "sha256:zz").unwrap_err(), "DIGEST_INVALID");
    assert_code(
        r.push_blob("a", JsValue::from(3), None).unwrap_err(),
        "INVALID_ARGUMENT",
    );
    assert_code(
        r.push_manifest("a", b"{}", "x", Some(vec!["-bad".into()]))
            .unwrap_err(),
        "TAG_INVALID",
    );
    assert_code(
        r.read_blob(
            "a",
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            Some(-1.0),
        )
        .unwrap_err(),
        "INVALID_ARGUMENT",
    );
}

#[wasm_bindgen_test]
async fn a_closed_port_is_a_network_error_or_in_a_page_cors() {
    let r = Registry::connect("http://127.0.0.1:1", None).unwrap();
    let e = wasm_bindgen_futures::JsFuture::from(r.ping())
        .await
        .unwrap_err();
    // Node has no CORS: a closed port is NETWORK. A page cannot tell a closed port from a CORS
    // refusal of another origin (both are "Failed to fetch"), and ociscope-fetch calls it CORS.
    let in_page = Reflect::has(&js_sys::global(), &"document".into()).unwrap_or(false);
    let code = text(&e, "code").unwrap_or_default();
    if in_page {
        assert!(code == "NETWORK" || code == "CORS", "{code}");
        assert_code(e, &code);
    } else {
        assert_code(e, "NETWORK");
    }
}

#[wasm_bindgen_test]
fn kinds_detected_and_children_read_leniently() {
    let empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let image = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.empty.v1+json",
        "digest":"{empty}","size":2}},"layers":[]}}"#
    );
    let kind = |bytes: &[u8], media_type: Option<&str>| {
        detect_manifest_kind(bytes, media_type.map(str::to_string))
            .unwrap()
            .as_string()
    };
    assert_eq!(kind(image.as_bytes(), None).as_deref(), Some("ociManifest"));
    assert_eq!(
        kind(
            image.as_bytes(),
            Some("application/vnd.docker.distribution.manifest.list.v2+json")
        )
        .as_deref(),
        Some("dockerManifestList")
    );
    assert_eq!(kind(b"{}", None), None);
    assert_eq!(kind(b"\xff", Some("text/plain")), None);
    let odd = format!(
        r#"{{"mediaType":"application/x-future","blobs":[{{"mediaType":"a/b","digest":"{empty}","size":2}},{{"digest":1}}]}}"#
    );
    let c = manifest_children(odd.as_bytes(), None).unwrap();
    assert!(get(&c, "kind").is_undefined());
    let blobs: js_sys::Array = get(&c, "blobs").dyn_into().unwrap();
    assert_eq!(text(&blobs.get(0), "digest").as_deref(), Some(empty));
    assert_eq!(get(&c, "skipped").as_f64(), Some(1.0));
    assert_code(
        manifest_children(b"3", None).unwrap_err(),
        "MANIFEST_INVALID",
    );
}

#[wasm_bindgen_test]
fn the_fetch_option_must_be_a_function() {
    let bad = obj(&[("fetch", "yes".into())]);
    assert_code(
        Registry::connect("http://127.0.0.1:1", Some(bad))
            .err()
            .unwrap(),
        "INVALID_ARGUMENT",
    );
    let f = js_sys::Function::new_with_args("request", "return fetch(request)");
    assert!(Registry::connect("http://127.0.0.1:1", Some(obj(&[("fetch", f.into())]))).is_ok());
}
