//! What the mock provider remembers between requests, in memory only: authorization codes
//! (single use, one minute), access tokens with their expiry, refresh tokens (rotated on
//! use) and the `jti` of client assertions already seen. Every table is capped, and
//! expired entries are dropped as new ones arrive, so a long-running sandbox stays small.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Most entries any table holds.
const CAPACITY: usize = 4096;
/// How long an authorization code can be redeemed.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// How long a refresh token lasts.
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A pending authorization code.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The client it was issued to.
    pub client_id: String,
    /// The exact redirect URI of the request.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The nonce to put in the ID token.
    pub nonce: Option<String>,
    /// The user who signed in.
    pub user_id: &'static str,
    /// Access token lifetime for this sign-in.
    pub token_lifetime: Duration,
    /// Issue time.
    pub issued: Instant,
}

/// A live access or refresh token.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The client it was issued to.
    pub client_id: String,
    /// Its user.
    pub user_id: &'static str,
    /// Access token lifetime to use when refreshing.
    pub token_lifetime: Duration,
    /// When it stops working.
    pub expires: Instant,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued, revoked, or forgotten.
    Unknown,
    /// Past its expiry.
    Expired,
}

/// The provider's memory.
#[derive(Debug, Default)]
pub struct Grants {
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, TokenGrant>,
    refresh: HashMap<String, TokenGrant>,
    assertion_ids: HashSet<String>,
}

fn make_room<V>(table: &mut HashMap<String, V>, expired: impl Fn(&V) -> bool) {
    table.retain(|_, value| !expired(value));
    if table.len() >= CAPACITY {
        table.clear();
    }
}

impl Grants {
    /// Remembers a code.
    pub fn add_code(&mut self, code: String, grant: CodeGrant) {
        make_room(&mut self.codes, |g| g.issued.elapsed() > CODE_LIFETIME);
        self.codes.insert(code, grant);
    }

    /// Takes a code (codes are single use); `None` if unknown or too old.
    pub fn take_code(&mut self, code: &str) -> Option<CodeGrant> {
        self.codes
            .remove(code)
            .filter(|grant| grant.issued.elapsed() <= CODE_LIFETIME)
    }

    /// Remembers an access token.
    pub fn add_access(&mut self, token: String, grant: TokenGrant) {
        make_room(&mut self.access, |g| g.expires < Instant::now());
        self.access.insert(token, grant);
    }

    /// Remembers a refresh token.
    pub fn add_refresh(&mut self, token: String, grant: TokenGrant) {
        make_room(&mut self.refresh, |g| g.expires < Instant::now());
        self.refresh.insert(token, grant);
    }

    /// The grant behind a live access token.
    pub fn access(&self, token: &str) -> Result<&TokenGrant, TokenProblem> {
        let grant = self.access.get(token).ok_or(TokenProblem::Unknown)?;
        if grant.expires < Instant::now() {
            return Err(TokenProblem::Expired);
        }
        Ok(grant)
    }

    /// Takes a refresh token (rotation: each is used once).
    pub fn take_refresh(&mut self, token: &str) -> Result<TokenGrant, TokenProblem> {
        let grant = self.refresh.remove(token).ok_or(TokenProblem::Unknown)?;
        if grant.expires < Instant::now() {
            return Err(TokenProblem::Expired);
        }
        Ok(grant)
    }

    /// Forgets a token of either kind; `true` if it was known.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.access.remove(token).is_some() | self.refresh.remove(token).is_some()
    }

    /// Records a client assertion id; `false` if it was seen before (a replay).
    pub fn first_use_of_assertion(&mut self, jti: &str) -> bool {
        if self.assertion_ids.len() >= CAPACITY {
            self.assertion_ids.clear();
        }
        self.assertion_ids.insert(jti.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(lifetime: Duration) -> TokenGrant {
        TokenGrant {
            client_id: "c".into(),
            user_id: "clinician",
            token_lifetime: lifetime,
            expires: Instant::now() + lifetime,
        }
    }

    #[test]
    fn codes_and_refresh_tokens_are_single_use() {
        let mut grants = Grants::default();
        let code = CodeGrant {
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            code_challenge: "x".into(),
            nonce: None,
            user_id: "clinician",
            token_lifetime: Duration::from_secs(300),
            issued: Instant::now(),
        };
        grants.add_code("k".into(), code);
        assert!(grants.take_code("k").is_some());
        assert!(grants.take_code("k").is_none());
        grants.add_refresh("r".into(), grant(Duration::from_secs(60)));
        assert!(grants.take_refresh("r").is_ok());
        assert_eq!(grants.take_refresh("r").unwrap_err(), TokenProblem::Unknown);
    }

    #[test]
    fn access_tokens_expire_and_can_be_revoked() {
        let mut grants = Grants::default();
        grants.add_access("live".into(), grant(Duration::from_secs(60)));
        let mut dead = grant(Duration::from_secs(60));
        dead.expires = Instant::now() - Duration::from_secs(1);
        grants.add_access("dead".into(), dead);
        assert!(grants.access("live").is_ok());
        assert_eq!(grants.access("dead").unwrap_err(), TokenProblem::Expired);
        assert!(grants.revoke("live"));
        assert_eq!(grants.access("live").unwrap_err(), TokenProblem::Unknown);
        assert!(grants.first_use_of_assertion("j1"));
        assert!(!grants.first_use_of_assertion("j1"));
    }
}
