//! Proof Key for Code Exchange (RFC 7636) with the S256 method only, plus the random
//! `state` and `nonce` values of an authorization request. Every value comes from the
//! operating system's CSPRNG and is base64url without padding; the verifier is zeroized.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::AuthError;

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    /// The secret verifier (43 characters), sent only to the token endpoint.
    pub verifier: Zeroizing<String>,
    /// `BASE64URL(SHA256(verifier))`, sent in the authorization request.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce").finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh verifier of 32 random bytes and its challenge.
    pub fn generate() -> Result<Self, AuthError> {
        let verifier = Zeroizing::new(random_urlsafe(32)?);
        let challenge = s256_challenge(&verifier);
        Ok(Self {
            verifier,
            challenge,
        })
    }
}

/// The S256 code challenge of a verifier.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `bytes` random bytes, base64url-encoded without padding (for state, nonce, verifier).
pub fn random_urlsafe(bytes: usize) -> Result<String, AuthError> {
    let mut buffer = Zeroizing::new(vec![0u8; bytes]);
    aws_lc_rs::rand::fill(&mut buffer)
        .map_err(|_| AuthError::Settings("the system random generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(&*buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_have_the_required_length_alphabet_and_are_unique() {
        let first = Pkce::generate().unwrap();
        let second = Pkce::generate().unwrap();
        assert_eq!(first.verifier.len(), 43);
        assert!(first
            .verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(*first.verifier, *second.verifier);
        assert_eq!(first.challenge, s256_challenge(&first.verifier));
        assert!(!format!("{first:?}").contains(first.verifier.as_str()));
    }
}
