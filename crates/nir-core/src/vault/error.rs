//! Errors of the vault, with the message a clinician sees.

use crate::error::{ErrorCode, UserFacing};

/// Why the vault refused to keep something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Keeping the item would exceed the memory budget.
    #[error("{needed} bytes needed but only {available} of {budget} bytes are free")]
    OverBudget {
        /// Size of what was offered.
        needed: usize,
        /// What is still free.
        available: usize,
        /// The configured budget.
        budget: usize,
    },
    /// A study would not fit in what the budget has left, with what is held and what other
    /// retrievals have reserved.
    #[error("a study needs {needed} bytes but only {available} of {budget} bytes are free")]
    StudyTooLarge {
        /// The study's size.
        needed: usize,
        /// What is still free.
        available: usize,
        /// The configured budget.
        budget: usize,
    },
    /// The item's patient is not open: closed (or the session locked) after the work that
    /// produced the item began.
    #[error("the patient this item belongs to is no longer open")]
    PatientClosed,
}

impl UserFacing for VaultError {
    fn code(&self) -> ErrorCode {
        match self {
            VaultError::OverBudget { .. } => ErrorCode::MemoryBudget,
            VaultError::StudyTooLarge { .. } => ErrorCode::StudyTooLarge,
            VaultError::PatientClosed => ErrorCode::PatientClosed,
        }
    }

    fn user_message(&self) -> String {
        match self {
            VaultError::OverBudget { needed, budget, .. } => format!(
                "This needs {} MB but the viewer may use only {} MB of memory. Close other \
                 studies, or ask your IT service desk to raise the memory budget.",
                needed.div_ceil(1 << 20),
                budget / (1 << 20)
            ),
            VaultError::StudyTooLarge {
                needed,
                available,
                budget,
            } => format!(
                "This study is larger than the memory allowed: it needs {} MB, and {} MB of \
                 the viewer's {} MB are free. Close other studies, or ask your IT service desk \
                 to raise the memory budget.",
                needed.div_ceil(1 << 20),
                available / (1 << 20),
                budget / (1 << 20)
            ),
            VaultError::PatientClosed => "The patient was closed before this finished, so \
                 nothing from it was kept."
                .into(),
        }
    }
}
