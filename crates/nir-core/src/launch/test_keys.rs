//! A throwaway P-256 key pair made for the launch tests only, and signed contexts made with it.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::signed_context::{unix_now, ContextKey, SignedContextPolicy};
use crate::auth::id_token::Identity;

pub const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq7jvIb+grdXrtFt1
swZzXuSsrjySDTRJMcMrH1u4+tGhRANCAASRxDKXkeO0Nbow9kcNyKEvZORnT4Sz
D/4ax7Peef4j1LWyttw/4JtknWMhV+Yf6MGg/pqmLhMF0/bUBGBQWQ7l
-----END PRIVATE KEY-----";
pub const EC_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkcQyl5HjtDW6MPZHDcihL2TkZ0+E
sw/+Gsez3nn+I9S1srbcP+CbZJ1jIVfmH+jBoP6api4TBdP21ARgUFkO5Q==
-----END PUBLIC KEY-----";

/// A signed-in user (the same person each time) working for `ods` in role `role_code`.
pub fn identity(ods: Option<&str>, role_code: &str) -> Identity {
    Identity {
        subject: "555000000001".into(),
        user_uid: None,
        name: None,
        role_id: "555000000001-1".into(),
        role_code: role_code.into(),
        role_name: None,
        ods: ods.map(str::to_owned),
    }
}

/// The EPR issuer the test policy trusts.
pub const ISSUER: &str = "https://epr.example.nhs.uk";

pub fn policy(required: bool) -> SignedContextPolicy {
    SignedContextPolicy {
        required,
        key: ContextKey::Pem(EC_PUBLIC.as_bytes().to_vec()),
        issuer: ISSUER.into(),
        audience: "nir-viewer".into(),
        max_lifetime_secs: 300,
    }
}

/// Claims of a fresh context for `nhs` from `iss`, living `lifetime` seconds.
pub fn claims(nhs: &str, lifetime: u64, iss: &str) -> Value {
    let now = unix_now();
    json!({
        "iss": iss, "aud": "nir-viewer", "iat": now, "exp": now + lifetime,
        "nhs_number": nhs, "ods": "RX1", "role": "R8000", "jti": "launch-1"
    })
}

pub fn sign(claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    encode(&Header::new(Algorithm::ES256), claims, &key).unwrap()
}

pub fn token(nhs: &str, lifetime: u64, iss: &str) -> String {
    sign(&claims(nhs, lifetime, iss))
}
