//! The outcome of each check and the suite's summary.

use std::fmt;

use crate::Failure;

/// How one check ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The registry behaved as the spec requires.
    Passed,
    /// It did not; the failure says how.
    Failed(Failure),
    /// The check needs a capability the context declares absent (the reason).
    NotApplicable(&'static str),
}

/// One check's name and outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The check's name (its function name without `check_`).
    pub name: &'static str,
    /// How it ended.
    pub outcome: Outcome,
}

/// Every check's outcome, in the order they ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Outcomes in run order.
    pub results: Vec<CheckResult>,
}

impl Report {
    /// Records one outcome.
    pub fn push(&mut self, name: &'static str, outcome: Outcome) {
        self.results.push(CheckResult { name, outcome });
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed))
    }

    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// How many checks did not apply.
    pub fn not_applicable(&self) -> usize {
        self.count(|o| matches!(o, Outcome::NotApplicable(_)))
    }

    /// True when no check failed.
    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    /// The outcome of the check named `name`.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.name == name)
            .map(|r| &r.outcome)
    }

    /// `spec suite: N passed, N failed, N not applicable`.
    pub fn summary(&self) -> String {
        format!(
            "spec suite: {} passed, {} failed, {} not applicable",
            self.passed(),
            self.failed(),
            self.not_applicable()
        )
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            match &r.outcome {
                Outcome::Passed => writeln!(f, "  pass  {}", r.name)?,
                Outcome::Failed(why) => writeln!(f, "  FAIL  {}: {why}", r.name)?,
                Outcome::NotApplicable(why) => writeln!(f, "  n/a   {} ({why})", r.name)?,
            }
        }
        write!(f, "{}", self.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_each_outcome() {
        let mut r = Report::default();
        r.push("a", Outcome::Passed);
        r.push("b", Outcome::Failed(Failure::new("boom")));
        r.push("c", Outcome::NotApplicable("no deletes"));
        r.push("d", Outcome::Passed);
        assert_eq!(
            r.summary(),
            "spec suite: 2 passed, 1 failed, 1 not applicable"
        );
        assert!(!r.is_success());
        let text = r.to_string();
        assert!(text.contains("FAIL  b: boom"), "{text}");
        assert!(text.contains("n/a   c (no deletes)"), "{text}");
        assert_eq!(r.outcome("d"), Some(&Outcome::Passed));
    }
}
