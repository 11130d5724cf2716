//! Client authentication at the token and revocation endpoints. CIS2 wants
//! `private_key_jwt` (RFC 7523): a JWT signed RS512 with the client's key, naming the key by
//! `kid`, valid for one minute, with a unique `jti` so it cannot be replayed. Training
//! against the sandbox uses a public client id with no assertion.

use std::sync::Arc;

use zeroize::Zeroizing;

use super::error::AuthError;
use super::signing_key::{RsaAlgorithm, RsaSigningKey};

/// The assertion type of RFC 7523 §2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Lifetime of one client assertion.
const ASSERTION_LIFETIME_SECONDS: u64 = 60;

/// How this client proves who it is.
#[derive(Debug, Clone)]
pub enum ClientCredentials {
    /// A public client: only `client_id` is sent (sandbox training).
    Public {
        /// The client id.
        client_id: String,
    },
    /// `private_key_jwt` with the key from the keyring.
    PrivateKeyJwt {
        /// The client id (also `iss` and `sub` of the assertion).
        client_id: String,
        /// The signing key.
        key: Arc<RsaSigningKey>,
    },
}

impl ClientCredentials {
    /// The client id.
    pub fn client_id(&self) -> &str {
        match self {
            Self::Public { client_id } | Self::PrivateKeyJwt { client_id, .. } => client_id,
        }
    }

    /// Form fields that authenticate a request to `endpoint`.
    pub fn form_fields(
        &self,
        endpoint: &url::Url,
    ) -> Result<Vec<(&'static str, Zeroizing<String>)>, AuthError> {
        let mut fields = vec![("client_id", Zeroizing::new(self.client_id().to_owned()))];
        if let Self::PrivateKeyJwt { client_id, key } = self {
            fields.push((
                "client_assertion_type",
                Zeroizing::new(ASSERTION_TYPE.into()),
            ));
            fields.push((
                "client_assertion",
                client_assertion(client_id, endpoint, key)?,
            ));
        }
        Ok(fields)
    }
}

/// A fresh client assertion for `audience` (the endpoint it is sent to).
pub fn client_assertion(
    client_id: &str,
    audience: &url::Url,
    key: &RsaSigningKey,
) -> Result<Zeroizing<String>, AuthError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| AuthError::ClientKey("the system clock is before 1970".into()))?
        .as_secs();
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience.as_str(),
        "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECONDS,
    });
    key.sign_jwt(RsaAlgorithm::Rs512, &claims)
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, jwk::Jwk, Algorithm, DecodingKey, Validation};

    #[test]
    fn assertions_are_rs512_short_lived_unique_and_name_the_key() {
        let key = RsaSigningKey::generate().unwrap();
        let endpoint = url::Url::parse("https://cis2.example/token").unwrap();
        let first = client_assertion("client-1", &endpoint, &key).unwrap();
        let second = client_assertion("client-1", &endpoint, &key).unwrap();
        let header = decode_header(first.as_str()).unwrap();
        assert_eq!(header.alg, Algorithm::RS512);
        assert_eq!(header.kid.as_deref(), Some(key.kid()));
        let jwk: Jwk = serde_json::from_value(key.public_jwk(RsaAlgorithm::Rs512)).unwrap();
        let mut validation = Validation::new(Algorithm::RS512);
        validation.set_audience(&[endpoint.as_str()]);
        validation.set_issuer(&["client-1"]);
        let decoding = DecodingKey::from_jwk(&jwk).unwrap();
        let a = decode::<serde_json::Value>(first.as_str(), &decoding, &validation).unwrap();
        let b = decode::<serde_json::Value>(second.as_str(), &decoding, &validation).unwrap();
        assert_eq!(a.claims["sub"], "client-1");
        assert_ne!(a.claims["jti"], b.claims["jti"]);
        let lifetime = a.claims["exp"].as_u64().unwrap() - a.claims["iat"].as_u64().unwrap();
        assert!(lifetime <= 300, "CIS2 allows at most five minutes");
    }

    #[test]
    fn public_clients_send_only_their_id() {
        let credentials = ClientCredentials::Public {
            client_id: "nir-viewer-training".into(),
        };
        let endpoint = url::Url::parse("http://127.0.0.1:1/oidc/token").unwrap();
        let fields = credentials.form_fields(&endpoint).unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].0, "client_id");
    }
}
