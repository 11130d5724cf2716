//! Check results and the plain-text report: one line per check, as it completes.

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It met its criterion.
    Pass,
    /// It did not; the reason says why.
    Fail,
    /// It was not asked for (e.g. the interactive sign-in); counted neither way.
    NotRun,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Pass or fail.
    pub outcome: Outcome,
    /// Why, in plain words.
    pub reason: String,
}

impl Check {
    /// A passing check.
    pub fn pass(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Pass,
            reason: reason.into(),
        }
    }

    /// A failing check.
    pub fn fail(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Fail,
            reason: reason.into(),
        }
    }

    /// A check left out on purpose; the reason says how to run it.
    pub fn not_run(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::NotRun,
            reason: reason.into(),
        }
    }

    /// Pass when `ok`, else fail, with the same reason.
    pub fn expect(name: impl Into<String>, ok: bool, reason: impl Into<String>) -> Self {
        if ok {
            Self::pass(name, reason)
        } else {
            Self::fail(name, reason)
        }
    }
}

/// All checks of a run.
#[derive(Debug, Default)]
pub struct Report {
    checks: Vec<Check>,
}

impl Report {
    /// Adds a check and prints its line.
    pub fn record(&mut self, check: Check) {
        let word = match check.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::NotRun => "NOT RUN",
        };
        println!("{word} {}: {}", check.name, check.reason);
        self.checks.push(check);
    }

    /// The checks so far.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Number of failures.
    pub fn failed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .count()
    }

    /// Number of passes.
    pub fn passed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Pass)
            .count()
    }

    /// `N passed, N failed` (checks not run are listed above it, counted in neither).
    pub fn summary_line(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failed())
    }
}
