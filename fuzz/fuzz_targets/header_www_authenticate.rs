#![no_main]
//! `WWW-Authenticate` and scope parsing never panic; what parses formats and parses back.
use libfuzzer_sys::fuzz_target;
use ociscope_core::headers::scope::{merge_scopes, Scope};
use ociscope_core::headers::www_authenticate::{format_challenges, AuthChallenge, Challenge};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(challenges) = Challenge::parse_all(text) {
        let formatted = format_challenges(&challenges);
        assert_eq!(Challenge::parse_all(&formatted).as_ref(), Ok(&challenges));
        let typed: Vec<AuthChallenge> = challenges.into_iter().map(AuthChallenge::from).collect();
        assert_eq!(
            AuthChallenge::parse_all(&format_challenges(&typed)).as_ref(),
            Ok(&typed)
        );
        for challenge in &typed {
            if let AuthChallenge::Bearer(bearer) = challenge {
                let _ = bearer.scopes();
                let url = bearer.token_url(&[Scope::pull("a/b")]);
                assert!(url.starts_with(&bearer.realm));
            }
        }
        let _ = AuthChallenge::preferred(&typed);
    }
    let _ = Challenge::parse_values(text.split('\n'));
    if let Ok(scope) = Scope::parse(text) {
        assert_eq!(Scope::parse(&scope.to_string()).as_ref(), Ok(&scope));
    }
    if let Ok(scopes) = Scope::parse_list(text) {
        let merged = merge_scopes(scopes.clone());
        assert!(scopes.iter().all(|s| merged.iter().any(|m| m.covers(s))));
    }
});
