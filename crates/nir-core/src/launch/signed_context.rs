//! Signed launch context: a short-lived JWT (RFC 7519) from the EPR naming the patient and
//! the user's organisation and role, verified against the key the organisation configured.
//! When the policy requires it, an unsigned link is refused; a signed one must name the same
//! patient as the link, come from the configured issuer, be addressed to the viewer, be
//! fresh (`iat` not in the future beyond a small leeway, RFC 7519 §4.1.6), carry a `jti`
//! (§4.1.7) so that a replay can be refused, and name the organisation and role of the user
//! who takes it. The signature and claims are checked when the link arrives; the times and
//! the user are checked again when the signed-in clinician takes it.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{LaunchError, PatientContext};
use crate::auth::id_token::Identity;

/// Clock difference tolerated between the EPR and this machine, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// Longest `jti` accepted (it is remembered until the token expires).
const MAX_JTI_CHARS: usize = 256;

/// The EPR's verification key as the configuration gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextKey {
    /// No key configured (training mode, or a live configuration without signed context).
    None,
    /// The key's PEM (RSA or EC P-256).
    Pem(Vec<u8>),
    /// A key is configured but could not be read; links that need it are refused with why.
    Unreadable(String),
}

/// What the organisation configured for signed context.
#[derive(Debug, Clone)]
pub struct SignedContextPolicy {
    /// Refuse links without a signed context.
    pub required: bool,
    /// The EPR's public key.
    pub key: ContextKey,
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
    /// The user's organisation (ODS code).
    #[serde(default)]
    pub ods: Option<String>,
    /// The user's RBAC role code.
    #[serde(default)]
    pub role: Option<String>,
    /// The token's unique id, remembered to refuse a replay.
    #[serde(default)]
    pub jti: Option<String>,
    /// Issued at.
    pub iat: u64,
    /// Expiry.
    pub exp: u64,
}

fn bad(why: &str) -> LaunchError {
    LaunchError::BadSignature(why.to_owned())
}

/// Seconds since the Unix epoch, as JWT times are written.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Checks the link's signed context against the policy when the link arrives. Returns the
/// verified claims, or `None` when the link is unsigned and the policy allows that.
pub fn verify_signed_context(
    context: &PatientContext,
    policy: &SignedContextPolicy,
    now: u64,
) -> Result<Option<ContextClaims>, LaunchError> {
    let Some(token) = &context.signed_context else {
        return if policy.required {
            Err(LaunchError::Unsigned)
        } else {
            Ok(None)
        };
    };
    let pem = match &policy.key {
        ContextKey::Pem(pem) => pem.as_slice(),
        ContextKey::None => return Err(bad("no verification key is configured")),
        ContextKey::Unreadable(why) => {
            return Err(bad(&format!(
                "the configured verification key could not be read ({why})"
            )))
        }
    };
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
    validation.leeway = LEEWAY_SECS;
    let claims = decode::<ContextClaims>(token, &key, &validation)
        .map_err(|e| bad(&format!("{:?}", e.kind()).to_lowercase()))?
        .claims;
    check_times(&claims, now)?;
    if claims.exp.saturating_sub(claims.iat) > policy.max_lifetime_secs {
        return Err(bad("the token lives longer than allowed"));
    }
    if claims.nhs_number != context.nhs_number.as_digits() {
        return Err(bad("the token names a different patient"));
    }
    match claims.jti.as_deref() {
        Some(jti) if !jti.is_empty() && jti.chars().count() <= MAX_JTI_CHARS => {}
        _ => return Err(bad("the token has no usable 'jti'")),
    }
    if claims.ods.as_deref().is_none_or(str::is_empty) {
        return Err(bad(
            "the token does not name the user's organisation ('ods')",
        ));
    }
    if claims.role.as_deref().is_none_or(str::is_empty) {
        return Err(bad("the token does not name the user's role ('role')"));
    }
    Ok(Some(claims))
}

/// The time checks, made when the link arrives and again when it is taken: not issued in
/// the future, not expired, each with [`LEEWAY_SECS`].
pub fn check_times(claims: &ContextClaims, now: u64) -> Result<(), LaunchError> {
    if claims.iat > now.saturating_add(LEEWAY_SECS) {
        return Err(bad("the token is issued in the future"));
    }
    if claims.exp.saturating_add(LEEWAY_SECS) <= now {
        return Err(bad("the token has expired"));
    }
    if claims.exp < claims.iat {
        return Err(bad("the token expires before it is issued"));
    }
    Ok(())
}

/// When the signed-in clinician takes a signed launch: the times still hold, and the
/// token's organisation and role are those of the role the clinician selected at sign-in
/// (`ods` the role's organisation, `role` its RBAC code in full or its final job-role part).
pub fn bind_to_user(
    claims: &ContextClaims,
    identity: &Identity,
    now: u64,
) -> Result<(), LaunchError> {
    check_times(claims, now)?;
    let same_ods = match (claims.ods.as_deref(), identity.ods.as_deref()) {
        (Some(claimed), Some(signed_in)) => claimed.eq_ignore_ascii_case(signed_in),
        _ => false,
    };
    if !same_ods {
        return Err(bad("the launch was made for another organisation"));
    }
    let job_role = identity.role_code.rsplit(':').next().unwrap_or_default();
    let same_role = claims
        .role
        .as_deref()
        .is_some_and(|r| r == identity.role_code || (!job_role.is_empty() && r == job_role));
    if !same_role {
        return Err(bad("the launch was made for another role"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::test_keys::{claims, identity, policy, sign, token};
    use crate::launch::{parse_link, LaunchRequest};
    use serde_json::json;

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

    fn verify(token: String) -> Result<Option<ContextClaims>, LaunchError> {
        verify_signed_context(&context(Some(token)), &policy(true), unix_now())
    }

    #[test]
    fn accepts_a_fresh_token_for_the_same_patient() {
        let claims = verify(token("9912003888", 120, "https://epr.example.nhs.uk"))
            .unwrap()
            .unwrap();
        assert_eq!(claims.ods.as_deref(), Some("RX1"));
        assert_eq!(claims.jti.as_deref(), Some("launch-1"));
    }

    #[test]
    fn refuses_unsigned_when_required_and_allows_it_otherwise() {
        assert_eq!(
            verify_signed_context(&context(None), &policy(true), unix_now()),
            Err(LaunchError::Unsigned)
        );
        assert_eq!(
            verify_signed_context(&context(None), &policy(false), unix_now()),
            Ok(None)
        );
    }

    #[test]
    fn refuses_other_patients_issuers_long_lives_and_tampering() {
        let other = token("9000000009", 120, "https://epr.example.nhs.uk");
        assert!(verify(other).is_err());
        let wrong_issuer = token("9912003888", 120, "https://evil.example");
        assert!(verify(wrong_issuer).is_err());
        let long = token("9912003888", 3600, "https://epr.example.nhs.uk");
        assert!(verify(long).is_err());
        // Change one character of the payload (never a no-op, unlike touching the last one).
        let signed = token("9912003888", 120, "https://epr.example.nhs.uk");
        let at = signed.find('.').unwrap() + 5;
        let original = signed.as_bytes()[at];
        let replacement = if original == b'A' { "B" } else { "A" };
        let tampered = format!("{}{}{}", &signed[..at], replacement, &signed[at + 1..]);
        assert_ne!(tampered, signed);
        assert!(verify(tampered).is_err());
    }

    #[test]
    fn refuses_a_token_issued_in_the_future() {
        let mut future = claims("9912003888", 120, "https://epr.example.nhs.uk");
        future["iat"] = json!(unix_now() + 600);
        future["exp"] = json!(unix_now() + 700);
        let error = verify(sign(&future)).unwrap_err();
        assert!(
            error.to_string().contains("issued in the future"),
            "{error}"
        );
        // Within the leeway a clock a few seconds ahead is tolerated.
        let mut skewed = claims("9912003888", 120, "https://epr.example.nhs.uk");
        skewed["iat"] = json!(unix_now() + 10);
        assert!(verify(sign(&skewed)).is_ok());
    }

    #[test]
    fn refuses_a_token_without_jti_ods_or_role() {
        for missing in ["jti", "ods", "role"] {
            let mut partial = claims("9912003888", 120, "https://epr.example.nhs.uk");
            partial.as_object_mut().unwrap().remove(missing);
            let error = verify(sign(&partial)).unwrap_err();
            assert!(error.to_string().contains(missing), "{missing}: {error}");
        }
    }

    #[test]
    fn an_unreadable_key_refuses_signed_links_with_a_message() {
        let mut p = policy(false);
        p.key = ContextKey::Unreadable("permission denied".into());
        let signed = context(Some(token("9912003888", 120, "https://epr.example.nhs.uk")));
        let error = verify_signed_context(&signed, &p, unix_now()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("key could not be read (permission denied)"),
            "{error}"
        );
        // An unsigned link does not need the key.
        assert_eq!(
            verify_signed_context(&context(None), &p, unix_now()),
            Ok(None)
        );
    }

    #[test]
    fn a_taken_launch_is_bound_to_the_signed_in_role_and_organisation() {
        let claims = verify(token("9912003888", 120, "https://epr.example.nhs.uk"))
            .unwrap()
            .unwrap();
        let now = unix_now();
        assert_eq!(
            bind_to_user(&claims, &identity(Some("RX1"), "S8000:G8000:R8000"), now),
            Ok(())
        );
        assert_eq!(
            bind_to_user(&claims, &identity(Some("rx1"), "R8000"), now),
            Ok(())
        );
        let other_org = bind_to_user(&claims, &identity(Some("RY2"), "S8000:G8000:R8000"), now);
        assert!(other_org
            .unwrap_err()
            .to_string()
            .contains("another organisation"));
        let no_org = bind_to_user(&claims, &identity(None, "S8000:G8000:R8000"), now);
        assert!(no_org.is_err());
        let other_role = bind_to_user(&claims, &identity(Some("RX1"), "S8000:G8000:R8001"), now);
        assert!(other_role.unwrap_err().to_string().contains("another role"));
    }

    #[test]
    fn time_is_checked_again_when_the_launch_is_taken() {
        let claims = verify(token("9912003888", 120, "https://epr.example.nhs.uk"))
            .unwrap()
            .unwrap();
        let later = claims.exp + LEEWAY_SECS + 1;
        let error = bind_to_user(&claims, &identity(Some("RX1"), "R8000"), later).unwrap_err();
        assert!(error.to_string().contains("expired"), "{error}");
    }
}
