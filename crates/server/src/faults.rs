//! Fault injection: rules that make some requests fail, drawn from a seeded generator so that a
//! run can be reproduced.
//!
//! Syntax of a rule (`--fault`): `KIND[:[METHOD ]PATH]:RATE`
//! - `KIND`: `429` (Too Many Requests with `Retry-After: 1`), `503` (Service Unavailable),
//!   `reset` (read part of the request, then drop the connection without an answer),
//!   `truncate` (send half of a blob or manifest body, then drop the connection),
//!   `corrupt` (flip the bits of the first byte of a blob or manifest body);
//! - `METHOD`: an HTTP method or `*` (any); `PATH`: a glob on the request path (no query) where
//!   `*` matches any run of characters, `/` included; both optional (any request);
//! - `RATE`: probability in `[0, 1]`.
//!
//! Examples: `429:0.1`, `503:GET /v2/*/manifests/*:1`, `reset:PATCH /v2/*/blobs/uploads/*:0.5`.
//!
//! Each request draws one number per rule that matches it, in rule order, from one splitmix64
//! generator seeded by `--seed`; the first rule whose draw falls under its rate fires. The same
//! seed and the same sequence of requests give the same faults. `truncate` and `corrupt` only
//! change blob and manifest GET bodies; on other requests they fire without effect.

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use ociscope_core::glob::glob_match;

/// What a fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `TOOMANYREQUESTS` with `Retry-After: 1`.
    TooManyRequests,
    /// 503 `UNAVAILABLE`.
    Unavailable,
    /// The connection is dropped without an answer.
    Reset,
    /// The body stops half-way and the connection is dropped.
    Truncate,
    /// The body's first byte is altered.
    Corrupt,
}

impl FaultKind {
    fn parse(text: &str) -> Option<FaultKind> {
        Some(match text {
            "429" => FaultKind::TooManyRequests,
            "503" => FaultKind::Unavailable,
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate,
            "corrupt" => FaultKind::Corrupt,
            _ => return None,
        })
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultKind::TooManyRequests => "429",
            FaultKind::Unavailable => "503",
            FaultKind::Reset => "reset",
            FaultKind::Truncate => "truncate",
            FaultKind::Corrupt => "corrupt",
        })
    }
}

/// One fault rule: what, on which requests, how often.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// What the fault does.
    pub kind: FaultKind,
    /// The method it applies to (`None`: any).
    pub method: Option<String>,
    /// A glob on the path it applies to (`None`: any).
    pub path: Option<String>,
    /// Probability that a matching request gets the fault.
    pub rate: f64,
}

impl FaultRule {
    /// True if the rule applies to this request.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| glob_match(p, path))
    }
}

impl FromStr for FaultRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let help = "expected KIND[:[METHOD ]PATH]:RATE with KIND one of 429, 503, reset, truncate, corrupt";
        let (kind, rest) = s.split_once(':').ok_or_else(|| format!("{s:?}: {help}"))?;
        let kind = FaultKind::parse(kind.trim())
            .ok_or_else(|| format!("{s:?}: unknown fault kind {kind:?}; {help}"))?;
        let (pattern, rate) = match rest.rsplit_once(':') {
            Some((pattern, rate)) => (Some(pattern.trim()), rate),
            None => (None, rest),
        };
        let rate: f64 = rate
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: rate {rate:?} is not a number"))?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("{s:?}: rate {rate} is not between 0 and 1"));
        }
        let (method, path) = match pattern.filter(|p| !p.is_empty()) {
            None => (None, None),
            Some(p) => match p.split_once(' ') {
                Some((m, path)) => (Some(m.trim()), Some(path.trim())),
                None if p.starts_with('/') || p.contains('*') && !p.chars().all(|c| c == '*') => {
                    (None, Some(p))
                }
                None => (Some(p), None),
            },
        };
        if let Some(m) = method {
            if !(m == "*" || !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic())) {
                return Err(format!(
                    "{s:?}: method {m:?} is neither a method name nor *"
                ));
            }
        }
        Ok(FaultRule {
            kind,
            method: method.filter(|m| *m != "*").map(str::to_ascii_uppercase),
            path: path.filter(|p| *p != "*").map(str::to_string),
            rate,
        })
    }
}

/// splitmix64: a tiny, well-mixed, reproducible generator.
#[derive(Debug)]
pub struct SplitMix64 {
    state: Cell<u64>,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 {
            state: Cell::new(seed),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let s = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The rules and the generator that decides them.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: SplitMix64,
}

impl Faults {
    /// Rules decided by a generator seeded with `seed`.
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Faults {
        Faults {
            rules,
            rng: SplitMix64::new(seed),
        }
    }

    /// The fault this request gets, if any.
    pub fn decide(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut fired = None;
        for rule in &self.rules {
            if rule.matches(method, path) {
                let draw = self.rng.next_f64();
                if fired.is_none() && draw < rule.rate {
                    fired = Some(rule.kind);
                }
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules() {
        let r: FaultRule = "429:0.1".parse().unwrap();
        assert_eq!(
            (r.kind, r.method, r.path, r.rate),
            (FaultKind::TooManyRequests, None, None, 0.1)
        );
        let r: FaultRule = "reset:PATCH /v2/*/blobs/uploads/*:0.5".parse().unwrap();
        assert_eq!(r.kind, FaultKind::Reset);
        assert_eq!(r.method.as_deref(), Some("PATCH"));
        assert_eq!(r.path.as_deref(), Some("/v2/*/blobs/uploads/*"));
        assert!(r.matches("patch", "/v2/a/b/blobs/uploads/x"));
        assert!(!r.matches("PUT", "/v2/a/b/blobs/uploads/x"));
        let r: FaultRule = "503:/v2/_catalog:1".parse().unwrap();
        assert_eq!((r.method, r.path.as_deref()), (None, Some("/v2/_catalog")));
        let r: FaultRule = "truncate:GET:1".parse().unwrap();
        assert_eq!((r.method.as_deref(), r.path), (Some("GET"), None));
        let r: FaultRule = "corrupt:* *:1".parse().unwrap();
        assert_eq!((r.method, r.path), (None, None));
        for bad in [
            "",
            "429",
            "418:0.5",
            "429:2",
            "429:x",
            "reset:P@T /v2:0.5",
            "503:-0.1",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn same_seed_same_faults() {
        let rules = vec!["429:0.3".parse().unwrap(), "503:GET *:0.3".parse().unwrap()];
        let run = |seed| {
            let f = Faults::new(rules.clone(), seed);
            (0..200)
                .map(|i| f.decide(if i % 2 == 0 { "GET" } else { "PUT" }, "/v2/"))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let faults = run(7);
        let n429 = faults
            .iter()
            .filter(|f| **f == Some(FaultKind::TooManyRequests))
            .count();
        assert!((30..90).contains(&n429), "about 30% of 200: {n429}");
        assert!(faults.contains(&Some(FaultKind::Unavailable)));
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs of splitmix64 seeded with 0 (the reference implementation's values).
        let g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
