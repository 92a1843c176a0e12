//! Faults no real registry produces on demand, through a scripted transport: 429 with
//! Retry-After, 5xx and network errors, a 401 in the middle of an upload, a chunk lost on the
//! way, truncated bodies, cross-origin redirects, lying digests, oversized manifests.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

use super::*;
use crate::digest::DigestError;
use crate::headers::names::{
    CONTENT_LENGTH, CONTENT_RANGE, DOCKER_CONTENT_DIGEST, RETRY_AFTER, WWW_AUTHENTICATE,
};
use crate::media_type;
use crate::spec::{BlobReader, BlobWriter, Mount, RepoName, ResumeAt, Tag};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Runs a future whose every step is ready at once (the scripted transport never waits).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("scripted futures never wait"),
    }
}

/// One scripted answer.
enum Step {
    /// Status, headers, body chunks, and whether the body then fails (cut short).
    Answer(u16, Vec<(&'static str, String)>, Vec<Bytes>, bool),
    /// The exchange fails.
    Fail,
    /// The exchange fails with this kind (a CORS refusal, an abort).
    FailWith(ErrorKind),
}

fn answer(status: u16, headers: &[(&'static str, &str)], body: &[u8]) -> Step {
    let headers = headers.iter().map(|(n, v)| (*n, v.to_string())).collect();
    let chunks = if body.is_empty() {
        vec![]
    } else {
        vec![Bytes::copy_from_slice(body)]
    };
    Step::Answer(status, headers, chunks, false)
}

#[derive(Default)]
struct Scripted {
    steps: RefCell<VecDeque<Step>>,
    sent: RefCell<Vec<Request>>,
    slept: RefCell<Vec<u64>>,
    /// Takes external bodies (as Fetch does).
    external: bool,
}

struct ScriptedBody(VecDeque<Bytes>, bool);

impl BodyStream for ScriptedBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        match self.0.pop_front() {
            Some(c) => Ok(Some(c)),
            None if self.1 => Err(TransportError::network("connection reset mid-body")),
            None => Ok(None),
        }
    }
}

impl Transport for &Scripted {
    type Body = ScriptedBody;

    async fn send(&self, request: Request) -> Result<Response<ScriptedBody>, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        match self.steps.borrow_mut().pop_front() {
            Some(Step::Answer(status, headers, chunks, cut)) => {
                let mut h = Headers::default();
                for (n, v) in headers {
                    h.push(n, v);
                }
                Ok(Response {
                    status,
                    headers: h,
                    body: ScriptedBody(chunks.into(), cut),
                })
            }
            Some(Step::Fail) => Err(TransportError::network("connection refused")),
            Some(Step::FailWith(kind)) => Err(TransportError {
                kind,
                message: format!("{kind:?}"),
            }),
            None => panic!("unscripted request {} {}", request.method, request.url),
        }
    }

    async fn sleep(&self, ms: u64) {
        self.slept.borrow_mut().push(ms);
    }

    fn sends_external(&self) -> bool {
        self.external
    }
}

const BASE: &str = "http://reg.test:5000";

/// A repository name the test knows is valid.
fn n(name: &str) -> RepoName {
    RepoName::new(name).unwrap()
}

fn client(script: &Scripted, credentials: Credentials) -> HttpSpec<&Scripted> {
    let options = Options {
        credentials,
        ..Options::default()
    };
    HttpSpec::new(script, Registry::parse(BASE).unwrap(), options)
}

fn script(steps: Vec<Step>) -> Scripted {
    Scripted {
        steps: RefCell::new(steps.into()),
        ..Scripted::default()
    }
}

fn sent(s: &Scripted) -> Vec<(Method, String, Option<String>)> {
    s.sent
        .borrow()
        .iter()
        .map(|r| {
            (
                r.method,
                r.url.clone(),
                r.headers.get("authorization").map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_429_is_retried_after_the_time_the_registry_asked() {
    let m = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let d = Digest::sha256_of(m);
    let s = script(vec![
        answer(429, &[(RETRY_AFTER, "2")], b""),
        answer(503, &[], b""),
        answer(200, &[("content-type", media_type::OCI_INDEX)], m),
    ]);
    let got = block_on(
        client(&s, Credentials::Anonymous).get_manifest(&n("a"), &ManifestRef::Digest(d.clone())),
    )
    .unwrap();
    assert_eq!(got.descriptor.digest, d);
    assert_eq!(s.sent.borrow().len(), 3);
    let slept = s.slept.borrow().clone();
    assert_eq!(slept[0], 2_000);
    assert!((100..=400).contains(&slept[1]), "back-off {slept:?}");
}

#[test]
fn retries_are_bounded_and_only_for_idempotent_requests() {
    let s = script((0..4).map(|_| answer(503, &[], b"")).collect());
    let e = block_on(client(&s, Credentials::Anonymous).ping()).unwrap_err();
    assert!(e.has_code(ErrorCode::Unavailable), "{e:?}");
    assert_eq!(s.sent.borrow().len(), 4, "max_attempts requests in all");

    // The POST that opens an upload is safe to resend (a second session only expires): after
    // a network error, a 429 (waiting its Retry-After) and a 503, the fourth attempt opens it.
    let s = script(vec![
        Step::Fail,
        answer(429, &[("retry-after", "1")], b""),
        answer(503, &[], b""),
        answer(202, &[("location", "/v2/a/blobs/uploads/u1")], b""),
    ]);
    let w = block_on(client(&s, Credentials::Anonymous).start_upload(&n("a"), None)).unwrap();
    assert!(w.id().ends_with("/v2/a/blobs/uploads/u1"), "{}", w.id());
    assert_eq!(s.sent.borrow().len(), 4);
    assert_eq!(s.slept.borrow()[1], 1_000);

    // 429s until retries run out: the error carries the Retry-After in its detail.
    let s = script(
        (0..4)
            .map(|_| answer(429, &[("retry-after", "7")], b""))
            .collect(),
    );
    let e = block_on(client(&s, Credentials::Anonymous).ping()).unwrap_err();
    let Error::Registry(r) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(r.errors[0].code, ErrorCode::TooManyRequests);
    assert_eq!(
        r.errors[0].detail,
        Some(serde_json::json!({ "Retry-After": 7 }))
    );

    // GET after a network error: retried.
    let s = script(vec![Step::Fail, answer(200, &[], b"{}")]);
    block_on(client(&s, Credentials::Anonymous).ping()).unwrap();
    assert_eq!(s.sent.borrow().len(), 2);
}

#[test]
fn a_commit_answered_503_is_sent_again_and_a_lost_answer_is_confirmed_by_a_head() {
    let d = Digest::sha256_of(b"abc");
    let stored = [("docker-content-digest", d.as_str())];
    // 503 to the PUT: the blob is not there, the upload holds 0 bytes, so the PUT goes again.
    let s = script(vec![
        answer(202, &[("location", "/v2/a/blobs/uploads/u1")], b""),
        answer(503, &[], b""),
        answer(404, &[], b""),
        answer(
            204,
            &[("range", "0-0"), ("location", "/v2/a/blobs/uploads/u1")],
            b"",
        ),
        answer(201, &stored, b""),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), None)).unwrap();
    block_on(w.write(b"abc")).unwrap();
    assert_eq!(block_on(w.commit(&d)).unwrap().size, 3);
    let log = sent(&s);
    let methods: Vec<Method> = log.iter().map(|l| l.0).collect();
    assert_eq!(
        methods,
        [
            Method::Post,
            Method::Put,
            Method::Head,
            Method::Get,
            Method::Put
        ]
    );
    // The answer to the PUT is lost, but the blob is there whole: committed, nothing resent.
    let s = script(vec![
        answer(202, &[("location", "/v2/a/blobs/uploads/u2")], b""),
        Step::Fail,
        answer(
            200,
            &[
                ("content-length", "3"),
                ("docker-content-digest", d.as_str()),
            ],
            b"",
        ),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), None)).unwrap();
    block_on(w.write(b"abc")).unwrap();
    assert_eq!(block_on(w.commit(&d)).unwrap().size, 3);
    assert_eq!(s.sent.borrow().len(), 3);
    // A monolithic push goes through the same commit: a 503 to its PUT is sent again too.
    let s = script(vec![
        answer(404, &[], b""),
        answer(202, &[("location", "/v2/a/blobs/uploads/u3")], b""),
        answer(503, &[], b""),
        answer(404, &[], b""),
        answer(204, &[("range", "0-0")], b""),
        answer(201, &stored, b""),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let desc = Descriptor::new("application/octet-stream", d.clone(), 3);
    block_on(spec.push_blob(&n("a"), &desc, Bytes::from_static(b"abc"))).unwrap();
    assert_eq!(s.sent.borrow().len(), 6);
}

#[test]
fn cors_refusals_and_aborts_are_not_retried() {
    for kind in [ErrorKind::Cors, ErrorKind::Aborted] {
        let s = script(vec![Step::FailWith(kind), answer(200, &[], b"{}")]);
        let e = block_on(client(&s, Credentials::Anonymous).ping()).unwrap_err();
        assert_eq!(e.kind(), Some(kind), "{e:?}");
        assert_eq!(s.sent.borrow().len(), 1, "{kind:?} sent once");
        assert!(s.slept.borrow().is_empty(), "{kind:?}: no back-off");
    }
    // A network failure of the same GET is retried.
    let s = script(vec![Step::Fail, answer(200, &[], b"{}")]);
    block_on(client(&s, Credentials::Anonymous).ping()).unwrap();
    assert_eq!(s.sent.borrow().len(), 2);
}

fn bearer(error: &str) -> String {
    format!(r#"Bearer realm="http://auth.test/token",service="reg"{error}"#)
}

#[test]
fn a_401_in_the_middle_of_an_upload_fetches_a_new_token_and_resends_the_chunk() {
    let loc = "/v2/a/blobs/uploads/u1?_state=s0";
    let s = script(vec![
        // POST: challenged, token fetched, POST again.
        answer(
            401,
            &[(
                WWW_AUTHENTICATE,
                &bearer(r#",scope="repository:a:pull,push""#),
            )],
            b"",
        ),
        answer(200, &[], br#"{"token":"t1"}"#),
        answer(
            202,
            &[("location", loc), ("oci-chunk-min-length", "4")],
            b"",
        ),
        // PATCH: the token expired mid-upload.
        answer(
            401,
            &[(WWW_AUTHENTICATE, &bearer(r#",error="invalid_token""#))],
            b"",
        ),
        answer(200, &[], br#"{"access_token":"t2"}"#),
        answer(
            202,
            &[
                ("location", "/v2/a/blobs/uploads/u1?_state=s1"),
                ("range", "0-3"),
            ],
            b"",
        ),
        // PUT commit with the rest.
        answer(
            201,
            &[(DOCKER_CONTENT_DIGEST, Digest::sha256_of(b"abcdef").as_str())],
            b"",
        ),
    ]);
    let spec = client(&s, Credentials::basic("u", "p"));
    let mut w = block_on(spec.start_upload(&n("a"), Some(2))).unwrap();
    assert_eq!(w.chunk_size(), 4, "raised to OCI-Chunk-Min-Length");
    block_on(w.write(b"abcdef")).unwrap();
    assert_eq!(
        w.id(),
        "http://reg.test:5000/v2/a/blobs/uploads/u1?_state=s1"
    );
    let d = block_on(w.commit(&Digest::sha256_of(b"abcdef"))).unwrap();
    assert_eq!(d.size, 6);
    let log = sent(&s);
    assert_eq!(log[1].0, Method::Get);
    assert!(
        log[1]
            .1
            .starts_with("http://auth.test/token?service=reg&scope=repository%3Aa%3Apull%2Cpush"),
        "{}",
        log[1].1
    );
    assert_eq!(
        log[1].2.as_deref(),
        Some("Basic dTpw"),
        "Basic goes to the token realm"
    );
    assert_eq!(log[0].2, None);
    assert_eq!(log[2].2.as_deref(), Some("Bearer t1"));
    assert_eq!(log[3].2.as_deref(), Some("Bearer t1"));
    assert_eq!(log[5].2.as_deref(), Some("Bearer t2"));
    let patch = &s.sent.borrow()[5];
    assert_eq!(patch.method, Method::Patch);
    assert_eq!(patch.headers.get(CONTENT_RANGE), Some("0-3"));
    assert_eq!(patch.body, Body::Bytes(Bytes::from_static(b"abcd")));
    let put = &s.sent.borrow()[6];
    assert!(
        put.url.ends_with(&format!(
            "_state=s1&digest={}",
            Digest::sha256_of(b"abcdef").as_str().replace(':', "%3A")
        )),
        "{}",
        put.url
    );
    assert_eq!(put.body, Body::Bytes(Bytes::from_static(b"ef")));
    assert_eq!(put.headers.get(CONTENT_RANGE), Some("4-5"));
}

#[test]
fn a_chunk_lost_on_the_way_is_resent_from_where_the_registry_stands() {
    let s = script(vec![
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=0")], b""),
        // The PATCH of bytes 0..8 dies; the registry kept 3 of them.
        Step::Fail,
        answer(
            204,
            &[
                ("location", "/v2/a/blobs/uploads/u?_state=3"),
                ("range", "0-2"),
            ],
            b"",
        ),
        answer(
            202,
            &[
                ("location", "/v2/a/blobs/uploads/u?_state=8"),
                ("range", "0-7"),
            ],
            b"",
        ),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(8))).unwrap();
    // A full chunk is sent once a byte beyond it arrives (the last bytes go with the PUT).
    block_on(w.write(b"012345678")).unwrap();
    assert_eq!(w.size(), 9);
    let resent = &s.sent.borrow()[3];
    assert_eq!(resent.method, Method::Patch);
    assert!(resent.url.ends_with("_state=3"));
    assert_eq!(resent.headers.get(CONTENT_RANGE), Some("3-7"));
    assert_eq!(resent.body, Body::Bytes(Bytes::from_static(b"34567")));
    assert_eq!(
        s.sent.borrow()[2].method,
        Method::Get,
        "asked where the upload stands"
    );
}

#[test]
fn a_truncated_blob_is_an_error_never_good_content() {
    let data = b"0123456789";
    let d = Digest::sha256_of(data);
    // The connection ends cleanly after 5 of 10 bytes.
    let s = script(vec![answer(200, &[(CONTENT_LENGTH, "10")], &data[..5])]);
    let mut r = block_on(client(&s, Credentials::Anonymous).get_blob(&n("a"), &d)).unwrap();
    let e = block_on(r.read_to_end(100)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Digest(DigestError::SizeMismatch { .. }) | Error::Digest(_)
        ),
        "{e:?}"
    );
    // The connection resets after 5 bytes.
    let s = script(vec![Step::Answer(
        200,
        vec![(CONTENT_LENGTH, "10".into())],
        vec![Bytes::from_static(b"01234")],
        true,
    )]);
    let mut r = block_on(client(&s, Credentials::Anonymous).get_blob(&n("a"), &d)).unwrap();
    let e = block_on(r.read_to_end(100)).unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::Network));
    // Other bytes of the right length.
    let s = script(vec![answer(200, &[(CONTENT_LENGTH, "10")], b"9876543210")]);
    let mut r = block_on(client(&s, Credentials::Anonymous).get_blob(&n("a"), &d)).unwrap();
    assert!(matches!(
        block_on(r.read_to_end(100)),
        Err(Error::Digest(_))
    ));
}

#[test]
fn credentials_never_follow_a_redirect_to_another_origin() {
    let data = b"blob";
    let d = Digest::sha256_of(data);
    let s = script(vec![
        answer(401, &[(WWW_AUTHENTICATE, r#"Basic realm="reg""#)], b""),
        answer(307, &[("location", "http://cdn.test/blob?sig=1")], b""),
        answer(200, &[(CONTENT_LENGTH, "4")], data),
    ]);
    let spec = client(&s, Credentials::basic("u", "p"));
    let mut r = block_on(spec.get_blob(&n("a"), &d)).unwrap();
    assert_eq!(&block_on(r.read_to_end(10)).unwrap()[..], data);
    let log = sent(&s);
    assert_eq!(log[1].2.as_deref(), Some("Basic dTpw"));
    assert_eq!(log[2].1, "http://cdn.test/blob?sig=1");
    assert_eq!(log[2].2, None, "no credentials to the redirect target");
}

#[test]
fn manifests_are_checked_against_digests_and_size() {
    let m = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let other = Digest::sha256_of(b"other");
    // Docker-Content-Digest names other bytes.
    let s = script(vec![answer(
        200,
        &[
            ("content-type", media_type::OCI_INDEX),
            (DOCKER_CONTENT_DIGEST, other.as_str()),
        ],
        m,
    )]);
    let e = block_on(
        client(&s, Credentials::Anonymous)
            .get_manifest(&n("a"), &ManifestRef::Tag(Tag::new("t").unwrap())),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Digest(_)), "{e:?}");
    // Asked by digest, answered other bytes.
    let s = script(vec![answer(
        200,
        &[("content-type", media_type::OCI_INDEX)],
        m,
    )]);
    let e = block_on(
        client(&s, Credentials::Anonymous).get_manifest(&n("a"), &ManifestRef::Digest(other)),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Digest(_)), "{e:?}");
    // Over 4 MiB by Content-Length: refused before reading.
    let s = script(vec![answer(200, &[(CONTENT_LENGTH, "5000000")], b"")]);
    let e = block_on(
        client(&s, Credentials::Anonymous)
            .get_manifest(&n("a"), &ManifestRef::Tag(Tag::new("t").unwrap())),
    )
    .unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestInvalid), "{e:?}");
    // Over 4 MiB without Content-Length: refused while reading.
    let big = vec![b' '; (MAX_MANIFEST_BYTES + 1) as usize];
    let s = script(vec![answer(200, &[], &big)]);
    let e = block_on(
        client(&s, Credentials::Anonymous)
            .get_manifest(&n("a"), &ManifestRef::Tag(Tag::new("t").unwrap())),
    )
    .unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestInvalid), "{e:?}");
    // No content type: detected from the bytes.
    let s = script(vec![answer(200, &[], m)]);
    let got = block_on(
        client(&s, Credentials::Anonymous)
            .get_manifest(&n("a"), &ManifestRef::Tag(Tag::new("t").unwrap())),
    )
    .unwrap();
    assert_eq!(got.descriptor.media_type, media_type::OCI_INDEX);
}

#[test]
fn a_mount_answered_with_an_upload_hands_the_session_back() {
    let d = Digest::sha256_of(b"x");
    let s = script(vec![
        answer(
            202,
            &[
                ("location", "/v2/b/blobs/uploads/u9"),
                ("oci-chunk-min-length", "4"),
            ],
            b"",
        ),
        answer(
            201,
            &[
                ("docker-content-digest", d.as_str()),
                ("location", "/v2/b/blobs/x"),
            ],
            b"",
        ),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let Mount::Upload(mut w) = block_on(spec.mount_blob(&n("a"), &n("b"), &d)).unwrap() else {
        panic!("a 202 is not a mount");
    };
    assert_eq!(w.size(), 0);
    block_on(w.write(b"x")).unwrap();
    block_on(w.commit(&d)).unwrap();
    assert_eq!(spec.chunk_min_length(), Some(4));
    let log = sent(&s);
    assert!(
        log[0]
            .1
            .ends_with(&format!("?mount={}&from=a", d.as_str().replace(':', "%3A"))),
        "{}",
        log[0].1
    );
    assert_eq!(log.len(), 2, "no second POST: {log:?}");
    assert_eq!(log[1].0, Method::Put);
    assert!(
        log[1]
            .1
            .starts_with("http://reg.test:5000/v2/b/blobs/uploads/u9?"),
        "{}",
        log[1].1
    );
}

#[test]
fn referrers_are_filtered_here_unless_the_registry_says_it_filtered() {
    let subject = Digest::sha256_of(b"subject");
    let index = |types: &[&str]| {
        let entries: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    r#"{{"mediaType":"{}","digest":"{}","size":1,"artifactType":"{t}"}}"#,
                    media_type::OCI_MANIFEST,
                    Digest::sha256_of(&[i as u8])
                )
            })
            .collect();
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[{}]}}"#,
            media_type::OCI_INDEX,
            entries.join(",")
        )
    };
    let s = script(vec![answer(200, &[], index(&["x/a", "x/b"]).as_bytes())]);
    let spec = client(&s, Credentials::Anonymous);
    let got =
        block_on(spec.list_referrers(&n("r"), &subject, Some("x/a"), &PageRequest::default()))
            .unwrap();
    assert_eq!(got.items.len(), 1);
    assert!(s.sent.borrow()[0].url.ends_with("?artifactType=x%2Fa"));
    assert_eq!(spec.has_referrers_api(), Some(true));
    // The registry filtered (it says so): its answer is taken as is.
    let s = script(vec![answer(
        200,
        &[("oci-filters-applied", "artifactType")],
        index(&["x/a", "x/b"]).as_bytes(),
    )]);
    let got = block_on(client(&s, Credentials::Anonymous).list_referrers(
        &n("r"),
        &subject,
        Some("x/a"),
        &PageRequest::default(),
    ))
    .unwrap();
    assert_eq!(got.items.len(), 2);
    // No API (a bare 404): the fallback tag, remembered for next time.
    let s = script(vec![
        answer(404, &[], b"404 page not found"),
        answer(
            200,
            &[("content-type", media_type::OCI_INDEX)],
            index(&["x/a", "x/b", "x/a"]).as_bytes(),
        ),
        answer(404, &[], b""),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let got =
        block_on(spec.list_referrers(&n("r"), &subject, Some("x/a"), &PageRequest::default()))
            .unwrap();
    assert_eq!(got.items.len(), 2);
    assert!(s.sent.borrow()[1]
        .url
        .ends_with(&format!("/manifests/{}", subject.referrers_tag())));
    assert_eq!(spec.has_referrers_api(), Some(false));
    assert!(
        block_on(spec.list_referrers(&n("r"), &subject, None, &PageRequest::default()))
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(s.sent.borrow().len(), 3, "the API is not asked again");
    // No API behind a browser: distribution's 404 carries no CORS headers, so the request
    // fails as a CORS refusal; the fallback tag answers (with CORS), remembered likewise.
    let s = script(vec![
        Step::FailWith(ErrorKind::Cors),
        answer(
            200,
            &[("content-type", media_type::OCI_INDEX)],
            index(&["x/a"]).as_bytes(),
        ),
    ]);
    let spec = client(&s, Credentials::Anonymous);
    let got =
        block_on(spec.list_referrers(&n("r"), &subject, None, &PageRequest::default())).unwrap();
    assert_eq!(got.items.len(), 1);
    assert_eq!(spec.has_referrers_api(), Some(false));
    // A registry with no CORS at all: the fallback fails too, and that is the error.
    let s = script(vec![
        Step::FailWith(ErrorKind::Cors),
        Step::FailWith(ErrorKind::Cors),
    ]);
    let e = block_on(client(&s, Credentials::Anonymous).list_referrers(
        &n("r"),
        &subject,
        None,
        &PageRequest::default(),
    ))
    .unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::Cors));
}

#[test]
fn a_bodyless_404_gets_the_code_of_what_was_asked() {
    let s = script(vec![answer(404, &[], b""), answer(404, &[], b"")]);
    let spec = client(&s, Credentials::Anonymous);
    let e = block_on(spec.stat_manifest(&n("a"), &ManifestRef::Tag(Tag::new("t").unwrap())))
        .unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestUnknown), "{e:?}");
    let e = block_on(spec.stat_blob(&n("a"), &Digest::sha256_of(b""))).unwrap_err();
    assert!(e.has_code(ErrorCode::BlobUnknown), "{e:?}");
}

#[test]
fn bad_names_and_ids_are_refused_before_any_request() {
    let s = script(vec![]);
    let spec = client(&s, Credentials::Anonymous);
    assert!(block_on(spec.resume_upload(&n("a"), "x y", ResumeAt::RegistryOffset, None)).is_err());
    let d = Descriptor::new("a/b", Digest::sha256_of(b"abc"), 4);
    let e = block_on(spec.push_blob(&n("a"), &d, Bytes::from_static(b"abc"))).unwrap_err();
    assert!(e.has_code(ErrorCode::SizeInvalid), "{e:?}");
    assert!(s.sent.borrow().is_empty());
}

/// An external source of `len` bytes (the transport "reads" it; the script only sees ranges).
#[derive(Debug)]
struct Sized(u64);

impl crate::client::ExternalSource for Sized {
    fn len(&self) -> u64 {
        self.0
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn external_range(r: &Request) -> Option<(u64, u64)> {
    match &r.body {
        Body::External(e) => Some(e.range()),
        _ => None,
    }
}

#[test]
fn external_bytes_go_in_whole_chunks_and_the_last_with_the_put() {
    let mut s = script(vec![
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=0")], b""),
        answer(
            202,
            &[
                ("location", "/v2/a/blobs/uploads/u?_state=4"),
                ("range", "0-3"),
            ],
            b"",
        ),
        answer(
            202,
            &[
                ("location", "/v2/a/blobs/uploads/u?_state=8"),
                ("range", "0-7"),
            ],
            b"",
        ),
        answer(201, &[], b""),
    ]);
    s.external = true;
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(4))).unwrap();
    assert!(w.takes_external());
    let all = crate::client::External::new(std::sync::Arc::new(Sized(10)));
    block_on(w.write_external(all.slice(0, 4))).unwrap();
    assert_eq!(
        s.sent.borrow().len(),
        1,
        "a whole chunk waits for what follows"
    );
    block_on(w.write_external(all.slice(4, 8))).unwrap();
    block_on(w.write_external(all.slice(8, 10))).unwrap();
    assert_eq!(w.size(), 10);
    let d = block_on(w.commit(&Digest::sha256_of(b"0123456789"))).unwrap();
    assert_eq!(d.size, 10);
    let sent = s.sent.borrow();
    assert_eq!(
        sent.iter().map(external_range).collect::<Vec<_>>(),
        vec![None, Some((0, 4)), Some((4, 8)), Some((8, 10))]
    );
    assert_eq!(sent[2].headers.get(CONTENT_RANGE), Some("4-7"));
    assert_eq!(sent[3].method, Method::Put);
    assert_eq!(sent[3].headers.get(CONTENT_RANGE), Some("8-9"));
}

#[test]
fn external_bytes_refused_as_too_large_go_again_in_smaller_requests() {
    const MIB: u64 = 1 << 20;
    let mut s = script(vec![
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=0")], b""),
        // 8 MiB refused as GHCR refuses requests over 4 MiB; the upload stands at 0.
        answer(416, &[], b""),
        answer(204, &[("location", "/v2/a/blobs/uploads/u?_state=0")], b""),
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=4")], b""),
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=8")], b""),
        answer(202, &[("location", "/v2/a/blobs/uploads/u?_state=12")], b""),
        answer(201, &[], b""),
    ]);
    s.external = true;
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(8 * MIB as usize))).unwrap();
    let all = crate::client::External::new(std::sync::Arc::new(Sized(16 * MIB)));
    block_on(w.write_external(all.slice(0, 16 * MIB))).unwrap();
    assert_eq!(w.size(), 16 * MIB);
    block_on(w.commit(&Digest::sha256_of(b"x"))).unwrap();
    assert_eq!(spec.request_limit(), Some(4 * MIB));
    let ranges: Vec<_> = s.sent.borrow().iter().filter_map(external_range).collect();
    assert_eq!(
        ranges,
        vec![
            (0, 8 * MIB),
            (0, 4 * MIB),
            (4 * MIB, 8 * MIB),
            (8 * MIB, 12 * MIB),
            (12 * MIB, 16 * MIB)
        ]
    );
}

#[test]
fn external_bytes_are_refused_where_they_cannot_go() {
    let s = script(vec![answer(
        202,
        &[("location", "/v2/a/blobs/uploads/u?_state=0")],
        b"",
    )]);
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(4))).unwrap();
    assert!(!w.takes_external());
    let all = crate::client::External::new(std::sync::Arc::new(Sized(10)));
    let e = block_on(w.write_external(all.slice(0, 4))).unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::Unsupported), "{e}");

    let mut s = script(vec![answer(
        202,
        &[("location", "/v2/a/blobs/uploads/u?_state=0")],
        b"",
    )]);
    s.external = true;
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(4))).unwrap();
    block_on(w.write_external(all.slice(0, 2))).unwrap();
    let e = block_on(w.write_external(all.slice(3, 4))).unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::InvalidArgument), "a gap: {e}");
    assert_eq!(w.size(), 2, "what was held stays");

    let mut s = script(vec![answer(
        202,
        &[("location", "/v2/a/blobs/uploads/u?_state=0")],
        b"",
    )]);
    s.external = true;
    let spec = client(&s, Credentials::Anonymous);
    let mut w = block_on(spec.start_upload(&n("a"), Some(4))).unwrap();
    block_on(w.write(b"ab")).unwrap();
    let e = block_on(w.write_external(all.slice(2, 4))).unwrap_err();
    assert_eq!(
        e.kind(),
        Some(ErrorKind::InvalidArgument),
        "bytes and external: {e}"
    );
}
