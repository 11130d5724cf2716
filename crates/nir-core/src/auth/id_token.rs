//! ID token validation (OpenID Connect Core §3.1.3.7) with CIS2's extra demands: the
//! signature verifies against the provider's JWKS with RS256, RS512 or ES256 only (`none`
//! and HMAC are refused before any key is touched), `iss`, `aud`/`azp`, `exp` and `iat`
//! within a small leeway, the `nonce` sent and an `acr`/`amr` meeting the configured
//! assurance (smartcard, AAL3 by default). The role is decided afterwards, with the person's
//! roles from UserInfo (see `userinfo`).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::error::IdTokenError;
use super::userinfo::RbacRole;

/// What a signed-in person must have proved, and in which role they may use the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenPolicy {
    /// The expected `iss`.
    pub issuer: String,
    /// This client's id: must be in `aud`.
    pub client_id: String,
    /// Clock tolerance for `exp` and `iat`.
    pub leeway: Duration,
    /// `amr` values any one of which is enough (e.g. `smartcard`, `sc`); empty: not checked.
    pub accepted_amr: Vec<String>,
    /// `acr` values accepted (e.g. `AAL3`); empty: not checked.
    pub accepted_acr: Vec<String>,
}

impl IdTokenPolicy {
    /// The default assurance (AAL3 by the smartcard defaults of `settings`), one minute of
    /// leeway.
    pub fn smartcard(issuer: &str, client_id: &str) -> Self {
        let assurance = super::settings::Assurance::Aal3;
        Self {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            leeway: Duration::from_secs(60),
            accepted_amr: assurance.default_amr(),
            accepted_acr: assurance.default_acr(),
        }
    }
}

/// What a valid ID token says about the person, before the role is decided.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInClaims {
    /// `sub`.
    pub subject: String,
    /// `nhsid_useruid`, when the token carries it.
    pub user_uid: Option<String>,
    /// `name`, when the token carries it.
    pub name: Option<String>,
    /// `selected_roleid`: the role profile chosen at sign-in.
    pub selected_role_id: Option<String>,
    /// `nhsid_nrbac_roles`, only when the provider put them in the ID token (a fallback:
    /// CIS2 returns them from UserInfo).
    pub roles: Option<Vec<RbacRole>>,
}

impl std::fmt::Debug for SignInClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInClaims")
            .field("selected_role_id", &self.selected_role_id.is_some())
            .field("roles", &self.roles.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// Who signed in, in which role, for which organisation.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`.
    pub subject: String,
    /// `nhsid_useruid` (the UUID of the person), when present.
    pub user_uid: Option<String>,
    /// `name`, for the title bar.
    pub name: Option<String>,
    /// `selected_roleid`: the role profile chosen at sign-in.
    pub role_id: String,
    /// The RBAC role code of that profile (e.g. `S8000:G8000:R8000`).
    pub role_code: String,
    /// The role's display name.
    pub role_name: Option<String>,
    /// ODS code of the organisation the role belongs to.
    pub ods: Option<String>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("role_code", &self.role_code)
            .field("ods", &self.ods)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    iat: Option<u64>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    aud: serde_json::Value,
    #[serde(default)]
    acr: Option<String>,
    #[serde(default)]
    amr: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nhsid_useruid: Option<String>,
    #[serde(default)]
    selected_roleid: Option<String>,
    #[serde(default)]
    nhsid_nrbac_roles: Option<Vec<RbacRole>>,
}

/// Validates `token` and returns what it says about the person.
pub fn validate(
    token: &str,
    jwks: &JwkSet,
    policy: &IdTokenPolicy,
    expected_nonce: &str,
) -> Result<SignInClaims, IdTokenError> {
    let (alg, kid) = read_header(token)?;
    let key = select_key(jwks, alg, kid.as_deref())?;
    let mut validation = Validation::new(alg);
    validation.leeway = policy.leeway.as_secs();
    validation.set_issuer(&[policy.issuer.as_str()]);
    validation.set_audience(&[policy.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => IdTokenError::Signature,
            ErrorKind::ExpiredSignature => IdTokenError::Expired,
            ErrorKind::InvalidIssuer => IdTokenError::Issuer,
            ErrorKind::InvalidAudience => IdTokenError::Audience,
            ErrorKind::InvalidAlgorithm => IdTokenError::Algorithm(format!("{alg:?}")),
            _ => IdTokenError::Malformed(e.to_string()),
        })?
        .claims;
    check_times_and_parties(&claims, policy, expected_nonce)?;
    check_assurance(&claims, policy)?;
    Ok(SignInClaims {
        subject: claims.sub,
        user_uid: claims.nhsid_useruid,
        name: claims.name,
        selected_role_id: claims.selected_roleid,
        roles: claims.nhsid_nrbac_roles,
    })
}

fn read_header(token: &str) -> Result<(Algorithm, Option<String>), IdTokenError> {
    let encoded = token
        .split('.')
        .next()
        .ok_or_else(|| IdTokenError::Malformed("empty token".into()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed("header is not base64url".into()))?;
    let header: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| IdTokenError::Malformed("header is not JSON".into()))?;
    let name = header["alg"].as_str().unwrap_or("(missing)");
    let alg = match name {
        "RS256" => Algorithm::RS256,
        "RS512" => Algorithm::RS512,
        "ES256" => Algorithm::ES256,
        other => {
            let shown: String = other.chars().take(16).collect();
            return Err(IdTokenError::Algorithm(shown));
        }
    };
    if token.split('.').count() != 3 {
        return Err(IdTokenError::Malformed("not a compact JWS".into()));
    }
    Ok((alg, header["kid"].as_str().map(str::to_owned)))
}

/// The JWKS key for `kid` whose type fits `alg` (RSA keys for RS*, P-256 keys for ES256).
fn select_key(
    jwks: &JwkSet,
    alg: Algorithm,
    kid: Option<&str>,
) -> Result<DecodingKey, IdTokenError> {
    let fits = |params: &AlgorithmParameters| {
        matches!(
            (alg, params),
            (Algorithm::ES256, AlgorithmParameters::EllipticCurve(_))
                | (
                    Algorithm::RS256 | Algorithm::RS512,
                    AlgorithmParameters::RSA(_)
                )
        )
    };
    let mut candidates = jwks.keys.iter().filter(|jwk| {
        fits(&jwk.algorithm)
            && kid.is_none_or(|kid| jwk.common.key_id.as_deref() == Some(kid))
            && jwk
                .common
                .key_algorithm
                .is_none_or(|named| named.to_string() == format!("{alg:?}"))
    });
    let unknown = || IdTokenError::UnknownKey(kid.unwrap_or("(none)").chars().take(64).collect());
    let jwk = candidates.next().ok_or_else(unknown)?;
    if kid.is_none() && candidates.next().is_some() {
        return Err(unknown());
    }
    DecodingKey::from_jwk(jwk).map_err(|_| unknown())
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn check_times_and_parties(
    claims: &Claims,
    policy: &IdTokenPolicy,
    expected_nonce: &str,
) -> Result<(), IdTokenError> {
    match claims.iat {
        Some(iat) if iat <= now_seconds() + policy.leeway.as_secs() => {}
        _ => return Err(IdTokenError::IssuedAt),
    }
    let audiences = claims.aud.as_array().map_or(1, Vec::len);
    match &claims.azp {
        Some(azp) if azp != &policy.client_id => return Err(IdTokenError::Audience),
        None if audiences > 1 => return Err(IdTokenError::Audience),
        _ => {}
    }
    if claims.nonce.as_deref() != Some(expected_nonce) {
        return Err(IdTokenError::Nonce);
    }
    Ok(())
}

fn check_assurance(claims: &Claims, policy: &IdTokenPolicy) -> Result<(), IdTokenError> {
    if !policy.accepted_amr.is_empty()
        && !claims.amr.iter().any(|m| policy.accepted_amr.contains(m))
    {
        return Err(IdTokenError::Assurance(format!(
            "amr has none of {}",
            policy.accepted_amr.join(", ")
        )));
    }
    if !policy.accepted_acr.is_empty()
        && !claims
            .acr
            .as_ref()
            .is_some_and(|acr| policy.accepted_acr.contains(acr))
    {
        return Err(IdTokenError::Assurance(format!(
            "acr is not one of {}",
            policy.accepted_acr.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
#[path = "id_token_tests.rs"]
mod tests;
