//! Signed launch context: a short-lived JWT from the EPR naming the patient and the user's
//! organisation and role, verified against the key the organisation configured. When the
//! policy requires it, an unsigned link is refused; a signed one must name the same patient
//! as the link, come from the configured issuer, be addressed to the viewer and be fresh.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{LaunchError, PatientContext};

/// What the organisation configured for signed context.
#[derive(Debug, Clone)]
pub struct SignedContextPolicy {
    /// Refuse links without a signed context.
    pub required: bool,
    /// The EPR's public key (PEM, RSA or EC P-256).
    pub public_key_pem: Option<Vec<u8>>,
    /// The expected `iss`.
    pub issuer: String,
    /// The expected `aud`.
    pub audience: String,
    /// Longest accepted lifetime (`exp - iat`), in seconds.
    pub max_lifetime_secs: u64,
}

/// What a verified context asserts about the user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContextClaims {
    /// The patient's NHS number.
    pub nhs_number: String,
    /// The user's organisation.
    #[serde(default)]
    pub ods: Option<String>,
    /// The user's RBAC role.
    #[serde(default)]
    pub role: Option<String>,
    /// Issued at.
    pub iat: u64,
    /// Expiry.
    pub exp: u64,
}

/// Checks the link's signed context against the policy. Returns the verified claims, or
/// `None` when the link is unsigned and the policy allows that.
pub fn verify_signed_context(
    context: &PatientContext,
    policy: &SignedContextPolicy,
) -> Result<Option<ContextClaims>, LaunchError> {
    let Some(token) = &context.signed_context else {
        return if policy.required {
            Err(LaunchError::Unsigned)
        } else {
            Ok(None)
        };
    };
    let bad = |why: &str| LaunchError::BadSignature(why.to_owned());
    let pem = policy
        .public_key_pem
        .as_deref()
        .ok_or_else(|| bad("no verification key is configured"))?;
    let header = decode_header(token).map_err(|_| bad("the token is malformed"))?;
    let key = match header.alg {
        Algorithm::RS256 | Algorithm::RS512 => DecodingKey::from_rsa_pem(pem),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
        _ => return Err(bad("the token's algorithm is not accepted")),
    }
    .map_err(|_| bad("the configured key cannot verify this token"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[policy.issuer.as_str()]);
    validation.set_audience(&[policy.audience.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    validation.leeway = 30;
    let claims = decode::<ContextClaims>(token, &key, &validation)
        .map_err(|e| bad(&format!("{:?}", e.kind()).to_lowercase()))?
        .claims;
    if claims.exp.saturating_sub(claims.iat) > policy.max_lifetime_secs {
        return Err(bad("the token lives longer than allowed"));
    }
    if claims.nhs_number != context.nhs_number.as_digits() {
        return Err(bad("the token names a different patient"));
    }
    Ok(Some(claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{parse_link, LaunchRequest};
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    // A throwaway P-256 key pair made for these tests only.
    const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq7jvIb+grdXrtFt1
swZzXuSsrjySDTRJMcMrH1u4+tGhRANCAASRxDKXkeO0Nbow9kcNyKEvZORnT4Sz
D/4ax7Peef4j1LWyttw/4JtknWMhV+Yf6MGg/pqmLhMF0/bUBGBQWQ7l
-----END PRIVATE KEY-----";
    const EC_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkcQyl5HjtDW6MPZHDcihL2TkZ0+E
sw/+Gsez3nn+I9S1srbcP+CbZJ1jIVfmH+jBoP6api4TBdP21ARgUFkO5Q==
-----END PUBLIC KEY-----";

    fn policy(required: bool) -> SignedContextPolicy {
        SignedContextPolicy {
            required,
            public_key_pem: Some(EC_PUBLIC.as_bytes().to_vec()),
            issuer: "https://epr.example.nhs.uk".into(),
            audience: "nir-viewer".into(),
            max_lifetime_secs: 300,
        }
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn token(nhs: &str, lifetime: u64, iss: &str) -> String {
        let claims = json!({
            "iss": iss, "aud": "nir-viewer", "iat": now(), "exp": now() + lifetime,
            "nhs_number": nhs, "ods": "RX1", "role": "R8000"
        });
        let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
        encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap()
    }

    fn context(ctx: Option<String>) -> PatientContext {
        let mut link = "nir-viewer://open?nhs=9912003888".to_owned();
        if let Some(ctx) = ctx {
            link.push_str("&ctx=");
            link.push_str(&ctx);
        }
        match parse_link(&link).unwrap() {
            LaunchRequest::Open(context) => context,
            LaunchRequest::Smart(_) => unreachable!(),
        }
    }

    #[test]
    fn accepts_a_fresh_token_for_the_same_patient() {
        let claims = verify_signed_context(
            &context(Some(token("9912003888", 120, "https://epr.example.nhs.uk"))),
            &policy(true),
        )
        .unwrap()
        .unwrap();
        assert_eq!(claims.ods.as_deref(), Some("RX1"));
    }

    #[test]
    fn refuses_unsigned_when_required_and_allows_it_otherwise() {
        assert_eq!(
            verify_signed_context(&context(None), &policy(true)),
            Err(LaunchError::Unsigned)
        );
        assert_eq!(
            verify_signed_context(&context(None), &policy(false)),
            Ok(None)
        );
    }

    #[test]
    fn refuses_other_patients_issuers_long_lives_and_tampering() {
        let p = policy(true);
        let other = token("9000000009", 120, "https://epr.example.nhs.uk");
        assert!(verify_signed_context(&context(Some(other)), &p).is_err());
        let wrong_issuer = token("9912003888", 120, "https://evil.example");
        assert!(verify_signed_context(&context(Some(wrong_issuer)), &p).is_err());
        let long = token("9912003888", 3600, "https://epr.example.nhs.uk");
        assert!(verify_signed_context(&context(Some(long)), &p).is_err());
        // Change one character of the payload (never a no-op, unlike touching the last one).
        let signed = token("9912003888", 120, "https://epr.example.nhs.uk");
        let at = signed.find('.').unwrap() + 5;
        let original = signed.as_bytes()[at];
        let replacement = if original == b'A' { "B" } else { "A" };
        let tampered = format!("{}{}{}", &signed[..at], replacement, &signed[at + 1..]);
        assert_ne!(tampered, signed);
        assert!(verify_signed_context(&context(Some(tampered)), &p).is_err());
    }
}
