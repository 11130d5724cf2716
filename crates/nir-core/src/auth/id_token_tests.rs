//! Unit tests of ID token validation: one test per rejection rule.

use super::*;
use crate::auth::signing_key::{RsaAlgorithm, RsaSigningKey};

const ISSUER: &str = "http://127.0.0.1:1/oidc";
const CLIENT: &str = "nir-viewer-test";

fn policy() -> IdTokenPolicy {
    IdTokenPolicy::smartcard(ISSUER, CLIENT)
}

fn good_claims() -> serde_json::Value {
    let now = now_seconds();
    serde_json::json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "555000000001", "iat": now, "exp": now + 300,
        "nonce": "n-1", "acr": "AAL3_ANY", "amr": ["N3_SMARTCARD"], "name": "TRAINING Clinician",
        "nhsid_useruid": "555000000001", "selected_roleid": "900000000101",
        "nhsid_nrbac_roles": [
            { "person_roleid": "900000000101", "role_code": "S8000:G8000:R8000",
              "role_name": "Clinical Practitioner", "org_code": "X26" },
            { "person_roleid": "900000000102", "role_code": "S0001:G0001:R0260",
              "org_code": "X26" }
        ]
    })
}

fn jwks_of(key: &RsaSigningKey, alg: RsaAlgorithm) -> JwkSet {
    serde_json::from_value(serde_json::json!({ "keys": [key.public_jwk(alg)] })).unwrap()
}

fn check(token: &str, jwks: &JwkSet) -> Result<SignInClaims, IdTokenError> {
    validate(token, jwks, &policy(), "n-1")
}

fn with(change: impl FnOnce(&mut serde_json::Value)) -> Result<SignInClaims, IdTokenError> {
    let key = RsaSigningKey::generate().unwrap();
    let mut claims = good_claims();
    change(&mut claims);
    let token = key.sign_jwt(RsaAlgorithm::Rs256, &claims).unwrap();
    check(&token, &jwks_of(&key, RsaAlgorithm::Rs256))
}

#[test]
fn accepts_a_smartcard_sign_in_in_an_allowed_role() {
    let claims = with(|_| {}).unwrap();
    assert_eq!(claims.selected_role_id.as_deref(), Some("900000000101"));
    assert_eq!(
        claims.roles.as_ref().map(Vec::len),
        Some(2),
        "ID token roles kept as a fallback"
    );
    assert!(!format!("{claims:?}").contains("TRAINING"));
    let without_roles = with(|c| {
        c.as_object_mut().unwrap().remove("nhsid_nrbac_roles");
    })
    .unwrap();
    assert!(without_roles.roles.is_none());
}

#[test]
fn accepts_rs512() {
    let key = RsaSigningKey::generate().unwrap();
    let token = key.sign_jwt(RsaAlgorithm::Rs512, &good_claims()).unwrap();
    assert!(check(&token, &jwks_of(&key, RsaAlgorithm::Rs512)).is_ok());
}

#[test]
fn accepts_es256_and_refuses_it_against_an_rsa_key() {
    use jsonwebtoken::{encode, jwk::Jwk, EncodingKey, Header};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let encoding = EncodingKey::from_ec_der(pkcs8.as_ref());
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some("ec-1".into());
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("ec-1".into());
    let token = encode(&header, &good_claims(), &encoding).unwrap();
    let ec_set = JwkSet { keys: vec![jwk] };
    assert!(check(&token, &ec_set).is_ok());
    let rsa = RsaSigningKey::generate().unwrap();
    assert!(matches!(
        check(&token, &jwks_of(&rsa, RsaAlgorithm::Rs256)),
        Err(IdTokenError::UnknownKey(_))
    ));
}

#[test]
fn refuses_alg_none() {
    let key = RsaSigningKey::generate().unwrap();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(good_claims().to_string());
    let token = format!("{header}.{body}.");
    assert_eq!(
        check(&token, &jwks_of(&key, RsaAlgorithm::Rs256)),
        Err(IdTokenError::Algorithm("none".into()))
    );
}

#[test]
fn refuses_hmac_signed_with_the_public_key() {
    // The classic confusion attack: HS256 keyed with the provider's public modulus.
    let key = RsaSigningKey::generate().unwrap();
    let jwk = key.public_jwk(RsaAlgorithm::Rs256);
    let secret = jwk["n"].as_str().unwrap().as_bytes().to_vec();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &good_claims(),
        &jsonwebtoken::EncodingKey::from_secret(&secret).unwrap(),
    )
    .unwrap();
    assert_eq!(
        check(&token, &jwks_of(&key, RsaAlgorithm::Rs256)),
        Err(IdTokenError::Algorithm("HS256".into()))
    );
}

#[test]
fn refuses_a_signature_from_another_key() {
    let provider = RsaSigningKey::generate().unwrap();
    let forger = RsaSigningKey::generate().unwrap();
    let token = forger
        .sign_jwt(RsaAlgorithm::Rs256, &good_claims())
        .unwrap();
    // Present the forger's token under the provider's kid.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "kid": provider.kid() });
    parts[0] = URL_SAFE_NO_PAD.encode(header.to_string());
    let token = parts.join(".");
    assert_eq!(
        check(&token, &jwks_of(&provider, RsaAlgorithm::Rs256)),
        Err(IdTokenError::Signature)
    );
}

#[test]
fn refuses_a_tampered_payload() {
    let key = RsaSigningKey::generate().unwrap();
    let token = key.sign_jwt(RsaAlgorithm::Rs256, &good_claims()).unwrap();
    let mut claims = good_claims();
    claims["selected_roleid"] = "900000000102".into();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    assert_eq!(
        check(&parts.join("."), &jwks_of(&key, RsaAlgorithm::Rs256)),
        Err(IdTokenError::Signature)
    );
}

#[test]
fn refuses_wrong_issuer_audience_and_azp() {
    assert_eq!(
        with(|c| c["iss"] = "http://other/oidc".into()),
        Err(IdTokenError::Issuer)
    );
    assert_eq!(
        with(|c| c["aud"] = "someone-else".into()),
        Err(IdTokenError::Audience)
    );
    assert_eq!(
        with(|c| c["aud"] = serde_json::json!([CLIENT, "another"])),
        Err(IdTokenError::Audience)
    );
    assert_eq!(
        with(|c| c["azp"] = "another".into()),
        Err(IdTokenError::Audience)
    );
}

#[test]
fn refuses_expired_and_future_tokens_beyond_the_leeway() {
    let now = now_seconds();
    assert_eq!(
        with(|c| c["exp"] = (now - 600).into()),
        Err(IdTokenError::Expired)
    );
    assert!(
        with(|c| c["exp"] = (now - 30).into()).is_ok(),
        "within leeway"
    );
    assert_eq!(
        with(|c| c["iat"] = (now + 600).into()),
        Err(IdTokenError::IssuedAt)
    );
    assert!(matches!(
        with(|c| {
            c.as_object_mut().unwrap().remove("exp");
        }),
        Err(IdTokenError::Malformed(_))
    ));
}

#[test]
fn refuses_a_wrong_or_missing_nonce() {
    assert_eq!(
        with(|c| c["nonce"] = "n-2".into()),
        Err(IdTokenError::Nonce)
    );
    assert_eq!(
        with(|c| {
            c.as_object_mut().unwrap().remove("nonce");
        }),
        Err(IdTokenError::Nonce)
    );
}

#[test]
fn refuses_password_sign_in_and_low_acr() {
    assert!(matches!(
        with(|c| c["acr"] = "AAL1_USERPASS".into()),
        Err(IdTokenError::Assurance(_))
    ));
    assert!(matches!(
        with(|c| c["acr"] = "AAL2_ANY".into()),
        Err(IdTokenError::Assurance(_))
    ));
    assert!(with(|c| c["acr"] = "AAL3_FIDO2".into()).is_ok());
}

#[test]
fn smartcard_only_when_the_organisation_asks_for_it() {
    let key = RsaSigningKey::generate().unwrap();
    let jwks = jwks_of(&key, RsaAlgorithm::Rs256);
    let mut smartcard_only = policy();
    smartcard_only.accepted_amr = vec!["N3_SMARTCARD".into()];
    let sign = |amr: &str| {
        let mut claims = good_claims();
        claims["amr"] = serde_json::json!([amr]);
        key.sign_jwt(RsaAlgorithm::Rs256, &claims).unwrap()
    };
    assert!(validate(&sign("N3_SMARTCARD"), &jwks, &smartcard_only, "n-1").is_ok());
    assert!(matches!(
        validate(&sign("FIDO2"), &jwks, &smartcard_only, "n-1"),
        Err(IdTokenError::Assurance(_))
    ));
    assert!(validate(&sign("FIDO2"), &jwks, &policy(), "n-1").is_ok());
}

#[test]
fn refuses_garbage() {
    let key = RsaSigningKey::generate().unwrap();
    let jwks = jwks_of(&key, RsaAlgorithm::Rs256);
    assert!(matches!(check("", &jwks), Err(IdTokenError::Malformed(_))));
    assert!(matches!(
        check("a.b.c", &jwks),
        Err(IdTokenError::Malformed(_))
    ));
    assert!(matches!(
        check("%%%.x.y", &jwks),
        Err(IdTokenError::Malformed(_))
    ));
}
