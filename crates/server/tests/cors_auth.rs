//! CORS preflights and headers; Basic auth; the bearer-token flow end to end with scopes.

mod common;

use common::*;
use ociscope_core::headers::{AuthChallenge, Scope};
use ociscope_server::{basic_authorization, AuthMode, Config, Credentials};

fn creds(s: &str) -> Credentials {
    s.parse().unwrap()
}

fn bearer(r: &Resp) -> ociscope_core::headers::BearerChallenge {
    let value = r.header("www-authenticate").expect("a challenge");
    match AuthChallenge::parse_all(value).unwrap().remove(0) {
        AuthChallenge::Bearer(b) => b,
        other => panic!("not a bearer challenge: {other:?}"),
    }
}

#[test]
fn cors_preflight_and_exposed_headers() {
    let s = server(Config::default());
    let base = s.url();
    let r = request(
        "OPTIONS",
        &format!("{base}/v2/a/blobs/uploads/"),
        &[
            ("origin", "http://app.example"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "content-type, authorization",
            ),
        ],
        "",
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type, authorization")
    );
    assert_eq!(r.header("allow"), Some("POST, OPTIONS"));
    assert!(r.header("access-control-max-age").is_some());
    let img = Image::new("c", None, None);
    img.push(&base, "a", "t");
    let r = request(
        "GET",
        &format!("{base}/v2/a/manifests/t"),
        &[("origin", "http://app.example")],
        "",
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap()
        .to_string();
    for h in [
        "docker-content-digest",
        "location",
        "link",
        "range",
        "www-authenticate",
        "oci-subject",
        "docker-upload-uuid",
    ] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
    assert!(r.header("access-control-allow-credentials").is_none());
}

#[test]
fn basic_auth_and_grants() {
    let s = server(Config {
        auth: AuthMode::Basic,
        users: vec![creds("alice:s3cret"), creds("bob:pw")],
        grants: vec!["alice:*:*".parse().unwrap(), "bob:*:pull".parse().unwrap()],
        ..Config::default()
    });
    let base = s.url();
    let alice = basic_authorization("alice", "s3cret");
    let bob = basic_authorization("bob", "pw");
    let r = get(&format!("{base}/v2/"));
    assert_eq!((r.status, r.code().as_str()), (401, "UNAUTHORIZED"));
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Basic realm="ociscope""#)
    );
    let wrong = basic_authorization("alice", "nope");
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/"),
            &[("authorization", &wrong)],
            ""
        )
        .status,
        401
    );
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/"),
            &[("authorization", &alice)],
            ""
        )
        .status,
        200
    );
    // Alice pushes; Bob may pull but not push.
    let blob = b"auth blob".to_vec();
    let d = sha256(&blob);
    let r = request(
        "POST",
        &format!("{base}/v2/x/blobs/uploads/?digest={d}"),
        &[("authorization", &alice)],
        blob.clone(),
    );
    assert_eq!(r.status, 201);
    let r = request(
        "GET",
        &format!("{base}/v2/x/blobs/{d}"),
        &[("authorization", &bob)],
        "",
    );
    assert_eq!((r.status, r.body.clone()), (200, blob.clone()));
    let r = request(
        "POST",
        &format!("{base}/v2/x/blobs/uploads/"),
        &[("authorization", &bob)],
        "",
    );
    assert_eq!((r.status, r.code().as_str()), (403, "DENIED"));
    let r = request(
        "DELETE",
        &format!("{base}/v2/x/blobs/{d}"),
        &[("authorization", &bob)],
        "",
    );
    assert_eq!(r.status, 403);
    // Without credentials: challenged, and the 401 is readable cross-origin.
    let r = request(
        "GET",
        &format!("{base}/v2/x/blobs/{d}"),
        &[("origin", "http://app.example")],
        "",
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    // Preflights are answered without credentials.
    let r = request(
        "OPTIONS",
        &format!("{base}/v2/x/blobs/{d}"),
        &[
            ("origin", "http://app.example"),
            ("access-control-request-method", "GET"),
        ],
        "",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example")
    );
}

fn token(base: &str, authorization: Option<&str>, scopes: &[&str]) -> Resp {
    let mut url = format!("{base}/token?service=ociscope");
    for s in scopes {
        url.push_str(&format!("&scope={}", s.replace(' ', "%20")));
    }
    let headers: Vec<(&str, &str)> = authorization
        .map(|a| ("authorization", a))
        .into_iter()
        .collect();
    request("GET", &url, &headers, "")
}

#[test]
fn bearer_token_flow_with_scopes() {
    let s = server(Config {
        auth: AuthMode::Bearer,
        users: vec![creds("alice:s3cret"), creds("bob:pw"), creds("carol:c")],
        grants: vec![
            "alice:team/*:pull,push,delete".parse().unwrap(),
            "bob:team/*:pull".parse().unwrap(),
            "carol:*:pull".parse().unwrap(),
            "anonymous:public/*:pull".parse().unwrap(),
        ],
        ..Config::default()
    });
    let base = s.url();
    let host = s.addr().to_string();
    // /v2/ without a token: a challenge naming the realm and service.
    let r = get(&format!("{base}/v2/"));
    assert_eq!(r.status, 401);
    let c = bearer(&r);
    assert_eq!(c.realm, format!("http://{host}/token"));
    assert_eq!(c.service.as_deref(), Some("ociscope"));
    assert!(c.scope.is_none());
    // A repository request names its scope.
    let r = get(&format!("{base}/v2/team/app/tags/list"));
    assert_eq!(r.status, 401);
    assert_eq!(bearer(&r).scopes().unwrap(), vec![Scope::pull("team/app")]);
    // Alice gets a pull,push token with her password, and pushes.
    let alice = basic_authorization("alice", "s3cret");
    let t = token(&base, Some(&alice), &["repository:team/app:pull,push"]);
    assert_eq!(t.status, 200);
    let tok = t.json()["token"].as_str().unwrap().to_string();
    assert_eq!(t.json()["access_token"].as_str(), Some(tok.as_str()));
    let auth = format!("Bearer {tok}");
    let img = Image::new("tok", None, None);
    for blob in img.blobs() {
        let r = request(
            "POST",
            &format!("{base}/v2/team/app/blobs/uploads/?digest={}", sha256(blob)),
            &[("authorization", &auth)],
            blob.clone(),
        );
        assert_eq!(r.status, 201);
    }
    let r = request(
        "PUT",
        &format!("{base}/v2/team/app/manifests/v1"),
        &[
            ("authorization", &auth),
            ("content-type", "application/vnd.oci.image.manifest.v1+json"),
        ],
        img.manifest.clone(),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/"),
            &[("authorization", &auth)],
            ""
        )
        .status,
        200
    );
    // The token does not cover delete, nor another repository.
    let r = request(
        "DELETE",
        &format!("{base}/v2/team/app/manifests/v1"),
        &[("authorization", &auth)],
        "",
    );
    assert_eq!(r.status, 401);
    let c = bearer(&r);
    assert!(c.is_insufficient_scope());
    assert_eq!(
        c.scopes().unwrap(),
        vec![Scope::repository("team/app", &["delete"])]
    );
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/team/other/tags/list"),
            &[("authorization", &auth)],
            ""
        )
        .status,
        401
    );
    // Bob asks for pull,push and is granted pull only.
    let t = token(
        &base,
        Some(&basic_authorization("bob", "pw")),
        &["repository:team/app:pull,push"],
    );
    let bob = format!("Bearer {}", t.json()["token"].as_str().unwrap());
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/team/app/manifests/v1"),
            &[("authorization", &bob)],
            ""
        )
        .status,
        200
    );
    let r = request(
        "POST",
        &format!("{base}/v2/team/app/blobs/uploads/"),
        &[("authorization", &bob)],
        "",
    );
    assert_eq!(r.status, 401);
    assert!(bearer(&r).is_insufficient_scope());
    // Wrong password at the token endpoint.
    assert_eq!(
        token(
            &base,
            Some(&basic_authorization("bob", "x")),
            &["repository:team/app:pull"]
        )
        .status,
        401
    );
    // Anonymous tokens: public pulls only.
    let t = token(
        &base,
        None,
        &["repository:public/x:pull", "repository:team/app:pull"],
    );
    let anon = format!("Bearer {}", t.json()["token"].as_str().unwrap());
    let r = request(
        "GET",
        &format!("{base}/v2/public/x/tags/list"),
        &[("authorization", &anon)],
        "",
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "NAME_UNKNOWN"),
        "authorized, repository absent"
    );
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/team/app/tags/list"),
            &[("authorization", &anon)],
            ""
        )
        .status,
        401
    );
    // The catalog needs registry:catalog:*, granted to those who may pull everything.
    let r = get(&format!("{base}/v2/_catalog"));
    assert_eq!(bearer(&r).scopes().unwrap(), vec![Scope::catalog()]);
    let t = token(&base, Some(&alice), &["registry:catalog:*"]);
    let a = format!("Bearer {}", t.json()["token"].as_str().unwrap());
    assert_eq!(
        request(
            "GET",
            &format!("{base}/v2/_catalog"),
            &[("authorization", &a)],
            ""
        )
        .status,
        401
    );
    let t = token(
        &base,
        Some(&basic_authorization("carol", "c")),
        &["registry:catalog:*"],
    );
    let c = format!("Bearer {}", t.json()["token"].as_str().unwrap());
    let r = request(
        "GET",
        &format!("{base}/v2/_catalog"),
        &[("authorization", &c)],
        "",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["repositories"], serde_json::json!(["team/app"]));
    // Unknown tokens are invalid.
    let r = request(
        "GET",
        &format!("{base}/v2/"),
        &[("authorization", "Bearer nope")],
        "",
    );
    assert_eq!(r.status, 401);
    assert_eq!(bearer(&r).error.as_deref(), Some("invalid_token"));
}
