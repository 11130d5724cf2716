//! An RSA private key that signs compact JWS (RS256 or RS512) and publishes its public half
//! as a JWK whose `kid` is the RFC 7638 thumbprint. Used for the viewer's `private_key_jwt`
//! client assertions and by the sandbox's mock identity provider. The key is kept inside
//! aws-lc; its PKCS#8 export is zeroized.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RsaEncoding, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::AuthError;

/// The RSA signature algorithms this key can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (what CIS2 asks of client assertions).
    Rs512,
}

impl RsaAlgorithm {
    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs512 => "RS512",
        }
    }

    fn encoding(self) -> &'static dyn RsaEncoding {
        match self {
            Self::Rs256 => &RSA_PKCS1_SHA256,
            Self::Rs512 => &RSA_PKCS1_SHA512,
        }
    }
}

/// An RSA signing key with its key id.
pub struct RsaSigningKey {
    key_pair: KeyPair,
    kid: String,
}

impl std::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl RsaSigningKey {
    /// A new random 2048-bit key.
    pub fn generate() -> Result<Self, AuthError> {
        let key_pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| AuthError::ClientKey("RSA key generation failed".into()))?;
        Ok(Self::from_key_pair(key_pair))
    }

    /// Loads an unencrypted PKCS#8 DER RSA private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, AuthError> {
        let key_pair = KeyPair::from_pkcs8(der)
            .map_err(|e| AuthError::ClientKey(format!("not a PKCS#8 RSA private key ({e})")))?;
        Ok(Self::from_key_pair(key_pair))
    }

    /// Loads a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, AuthError> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|line| *line != "-----BEGIN PRIVATE KEY-----")
            .skip(1)
            .take_while(|line| !line.starts_with("-----END"))
            .collect();
        if body.is_empty() {
            return Err(AuthError::ClientKey(
                "expected a PEM block `BEGIN PRIVATE KEY` (PKCS#8)".into(),
            ));
        }
        let der = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| AuthError::ClientKey(format!("PEM body is not base64 ({e})")))?,
        );
        Self::from_pkcs8_der(&der)
    }

    fn from_key_pair(key_pair: KeyPair) -> Self {
        let (n, e) = public_components(&key_pair);
        // RFC 7638: the thumbprint input has the required members in lexicographic order.
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        Self { key_pair, kid }
    }

    /// The PKCS#8 DER of the private key (for the key store).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, AuthError> {
        let der = self
            .key_pair
            .as_der()
            .map_err(|_| AuthError::ClientKey("the key could not be exported".into()))?;
        Ok(Zeroizing::new(der.as_ref().to_vec()))
    }

    /// The key id (RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, naming `alg` and `use: sig`.
    pub fn public_jwk(&self, alg: RsaAlgorithm) -> serde_json::Value {
        let (n, e) = public_components(&self.key_pair);
        serde_json::json!({
            "kty": "RSA", "use": "sig", "alg": alg.name(), "kid": self.kid, "n": n, "e": e,
        })
    }

    /// Signs `claims` as a compact JWS with header `{alg, typ: JWT, kid}`.
    pub fn sign_jwt<C: Serialize>(
        &self,
        alg: RsaAlgorithm,
        claims: &C,
    ) -> Result<String, AuthError> {
        let header = serde_json::json!({ "alg": alg.name(), "typ": "JWT", "kid": self.kid });
        let header = serde_json::to_vec(&header)
            .map_err(|e| AuthError::ClientKey(format!("JWT header: {e}")))?;
        let claims = serde_json::to_vec(claims)
            .map_err(|e| AuthError::ClientKey(format!("JWT claims: {e}")))?;
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key_pair
            .sign(
                alg.encoding(),
                &rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| AuthError::ClientKey("signing failed".into()))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

fn public_components(key_pair: &KeyPair) -> (String, String) {
    let public = key_pair.public_key();
    (
        URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, jwk::Jwk, Algorithm, DecodingKey, Validation};

    #[test]
    fn signed_tokens_verify_against_the_published_jwk() {
        let key = RsaSigningKey::generate().unwrap();
        let claims = serde_json::json!({ "sub": "client", "exp": 4_000_000_000u64 });
        let token = key.sign_jwt(RsaAlgorithm::Rs512, &claims).unwrap();
        let jwk: Jwk = serde_json::from_value(key.public_jwk(RsaAlgorithm::Rs512)).unwrap();
        let decoding = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(Algorithm::RS512);
        validation.validate_aud = false;
        let data = decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "client");
        assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
    }

    #[test]
    fn pkcs8_round_trip_keeps_the_key_id() {
        let key = RsaSigningKey::generate().unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let again = RsaSigningKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(key.kid(), again.kid());
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&*der)
        );
        assert_eq!(
            RsaSigningKey::from_pkcs8_pem(&pem).unwrap().kid(),
            key.kid()
        );
        assert!(RsaSigningKey::from_pkcs8_pem("not a key").is_err());
        assert!(RsaSigningKey::from_pkcs8_der(b"junk").is_err());
    }
}
