//! The bearer token source the whole session shares: empty until sign-in, then the signed-in
//! user's tokens, emptied again on lock or sign-out.

use std::sync::{Arc, RwLock};

use zeroize::Zeroizing;

use crate::net::AccessTokens;

/// A replaceable source of bearer tokens.
#[derive(Default)]
pub struct TokenSlot {
    inner: RwLock<Option<Arc<dyn AccessTokens>>>,
}

impl TokenSlot {
    /// Puts the signed-in user's tokens in place.
    pub fn set(&self, tokens: Arc<dyn AccessTokens>) {
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = Some(tokens);
    }

    /// Forgets the tokens.
    pub fn clear(&self) {
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether someone is signed in.
    pub fn is_set(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

impl AccessTokens for TokenSlot {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()?
            .bearer()
    }
}
