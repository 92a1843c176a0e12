//! What a failed check says, and helpers to turn `Spec` results into failures.

use std::fmt;

use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::Error;

/// Why a check failed: what was being done and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Turns a `Spec` result into a check result that says what was being done.
pub trait Context<T> {
    /// On error, a failure `"<what>: <error>"`.
    fn context(self, what: &str) -> Result<T, Failure>;
}

impl<T> Context<T> for Result<T, Error> {
    fn context(self, what: &str) -> Result<T, Failure> {
        self.map_err(|e| Failure(format!("{what}: {e} ({e:?})")))
    }
}

/// Fails with a formatted message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Failure(format!($($fmt)+)));
        }
    };
}

/// Expects an error (any); a success is a failure saying what was wrongly accepted.
pub fn expect_err<T: fmt::Debug>(result: Result<T, Error>, what: &str) -> Result<Error, Failure> {
    match result {
        Ok(v) => Err(Failure(format!("{what}: expected an error, got Ok({v:?})"))),
        Err(e) => Ok(e),
    }
}

/// Expects an error carrying the spec code `code`.
pub fn expect_code<T: fmt::Debug>(
    result: Result<T, Error>,
    code: ErrorCode,
    what: &str,
) -> Result<Error, Failure> {
    let e = expect_err(result, what)?;
    if e.has_code(code.clone()) {
        Ok(e)
    } else {
        Err(Failure(format!(
            "{what}: expected error code {}, got: {e} ({e:?})",
            code.as_str()
        )))
    }
}
