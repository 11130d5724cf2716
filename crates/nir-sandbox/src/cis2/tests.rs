//! Router-level tests of the mock CIS2 (no port: `tower::ServiceExt::oneshot`).

use super::*;
use axum::body::Body;
use axum::http::Request;
use nir_core::auth::client_auth::{client_assertion, ASSERTION_TYPE};
use nir_core::auth::pkce::{s256_challenge, Pkce};
use tower::ServiceExt;

const ISSUER: &str = "http://127.0.0.1:9/oidc";
const REDIRECT: &str = "http://127.0.0.1:5555/callback";

fn provider() -> Arc<MockCis2> {
    Arc::new(MockCis2::new(url::Url::parse(ISSUER).unwrap()).unwrap())
}

async fn call(
    provider: &Arc<MockCis2>,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = Arc::clone(provider)
        .router()
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

async fn get(provider: &Arc<MockCis2>, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    call(provider, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_form(
    provider: &Arc<MockCis2>,
    uri: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = call(provider, request).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn authorize_uri(client_id: &str, user: &str, challenge: &str, extra: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state=st&nonce=nn\
         &code_challenge={challenge}&code_challenge_method=S256&login_hint={user}&prompt=none{extra}",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    )
}

/// Signs `user` in automatically and returns the code from the redirect.
async fn code_for(
    provider: &Arc<MockCis2>,
    client_id: &str,
    user: &str,
    challenge: &str,
) -> String {
    let (status, headers, _) = get(provider, &authorize_uri(client_id, user, challenge, "")).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = url::Url::parse(headers[header::LOCATION].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT));
    let pairs: HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "st");
    pairs["code"].clone()
}

#[tokio::test]
async fn publishes_discovery_and_keys_without_caching() {
    let provider = provider();
    let (status, headers, body) = get(&provider, "/.well-known/openid-configuration").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["issuer"], ISSUER);
    assert_eq!(doc["token_endpoint"], format!("{ISSUER}/token"));
    let (_, _, body) = get(&provider, "/jwks").await;
    let jwks: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert!(jwks["keys"][0].get("d").is_none());
}

#[tokio::test]
async fn the_sign_in_page_lists_every_test_user() {
    let provider = provider();
    let uri = authorize_uri(
        TRAINING_CLIENT_ID,
        "x",
        &s256_challenge(&"v".repeat(43)),
        "",
    )
    .replace("&prompt=none", "");
    let (status, _, body) = get(&provider, &uri).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(body).unwrap();
    for user in users::USERS {
        assert!(
            page.contains(&format!("login_hint={}", user.id)),
            "{}",
            user.id
        );
    }
}

#[tokio::test]
async fn refuses_bad_authorization_requests() {
    let provider = provider();
    let challenge = s256_challenge(&"v".repeat(43));
    let (status, _, _) = get(
        &provider,
        &authorize_uri("stranger", "clinician", &challenge, ""),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown client gets a page, not a redirect"
    );
    let evil = authorize_uri(TRAINING_CLIENT_ID, "clinician", &challenge, "")
        .replace("127.0.0.1%3A5555", "evil.example");
    assert_eq!(get(&provider, &evil).await.0, StatusCode::BAD_REQUEST);
    let plain = authorize_uri(TRAINING_CLIENT_ID, "clinician", &challenge, "")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let (status, headers, _) = get(&provider, &plain).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .contains("error=invalid_request"));
    let (_, headers, _) = get(
        &provider,
        &authorize_uri(TRAINING_CLIENT_ID, "nobody", &challenge, ""),
    )
    .await;
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .contains("error=login_required"));
}

#[tokio::test]
async fn code_flow_with_pkce_refresh_exchange_and_revocation() {
    let provider = provider();
    let pkce = Pkce::generate().unwrap();
    let code = code_for(&provider, TRAINING_CLIENT_ID, "clinician", &pkce.challenge).await;
    let wrong = Pkce::generate().unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", TRAINING_CLIENT_ID),
        ("redirect_uri", REDIRECT),
    ];
    let mut fields = base.to_vec();
    fields.extend([
        ("code", code.as_str()),
        ("code_verifier", wrong.verifier.as_str()),
    ]);
    let (status, body) = post_form(&provider, "/token", &fields).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let code = code_for(&provider, TRAINING_CLIENT_ID, "clinician", &pkce.challenge).await;
    let mut fields = base.to_vec();
    fields.extend([
        ("code", code.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ]);
    let (status, tokens) = post_form(&provider, "/token", &fields).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        post_form(&provider, "/token", &fields).await.0,
        StatusCode::BAD_REQUEST,
        "codes are single use"
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert!(provider.verify_access_token(access).is_ok());
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(serde_json::json!({"keys": [provider.public_jwk()]})).unwrap();
    let policy = nir_core::auth::id_token::IdTokenPolicy::smartcard(ISSUER, TRAINING_CLIENT_ID);
    let claims = nir_core::auth::id_token::validate(
        tokens["id_token"].as_str().unwrap(),
        &jwks,
        &policy,
        "nn",
    )
    .unwrap();
    assert!(claims.selected_role_id.is_some());
    assert!(claims.roles.is_none(), "CIS2 sends the roles from UserInfo");

    let userinfo = Request::get("/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = call(&provider, userinfo).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("nhsid_nrbac_roles"));

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", TRAINING_CLIENT_ID),
        ("refresh_token", refresh),
    ];
    let (status, refreshed) = post_form(&provider, "/token", &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    assert_eq!(
        post_form(&provider, "/token", &fields).await.0,
        StatusCode::BAD_REQUEST,
        "rotated"
    );

    let new_access = refreshed["access_token"].as_str().unwrap();
    let fields = [
        (
            "grant_type",
            nir_core::auth::token_endpoint::TOKEN_EXCHANGE_GRANT,
        ),
        ("client_id", TRAINING_CLIENT_ID),
        ("subject_token", new_access),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:access_token",
        ),
    ];
    let (status, exchanged) = post_form(&provider, "/token", &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert!(provider
        .verify_access_token(exchanged["access_token"].as_str().unwrap())
        .is_ok());

    let (status, _) = post_form(
        &provider,
        "/revoke",
        &[("client_id", TRAINING_CLIENT_ID), ("token", new_access)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(provider.verify_access_token(new_access).is_err());
}

#[tokio::test]
async fn short_expiry_on_request_makes_tokens_expire() {
    let provider = provider();
    let pkce = Pkce::generate().unwrap();
    let uri = authorize_uri(
        TRAINING_CLIENT_ID,
        "clinician",
        &pkce.challenge,
        "&expires_in=1",
    );
    let (_, headers, _) = get(&provider, &uri).await;
    let location = url::Url::parse(headers[header::LOCATION].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let fields = [
        ("grant_type", "authorization_code"),
        ("client_id", TRAINING_CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("code", code.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let (_, tokens) = post_form(&provider, "/token", &fields).await;
    assert_eq!(tokens["expires_in"], 1);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let mut verdict = Ok(());
    for _ in 0..100 {
        verdict = provider.verify_access_token(&access);
        if verdict.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(verdict, Err("The access token expired".to_owned()));
}

#[tokio::test]
async fn registered_clients_must_prove_their_key() {
    let provider = provider();
    let key = nir_core::auth::signing_key::RsaSigningKey::generate().unwrap();
    provider
        .register_client("viewer-1", &key.public_jwk(RsaAlgorithm::Rs512))
        .unwrap();
    let token_url = url::Url::parse(&format!("{ISSUER}/token")).unwrap();
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", "viewer-1"),
        ("refresh_token", "x"),
    ];
    let (status, body) = post_form(&provider, "/token", &fields).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    let assertion = client_assertion("viewer-1", &token_url, &key).unwrap();
    let mut signed = fields.to_vec();
    signed.extend([
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ]);
    let (status, body) = post_form(&provider, "/token", &signed).await;
    assert_eq!(
        body["error"], "invalid_grant",
        "authenticated, then the grant is judged"
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = post_form(&provider, "/token", &signed).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "replay"
    );

    let impostor = nir_core::auth::signing_key::RsaSigningKey::generate().unwrap();
    let forged = client_assertion("viewer-1", &token_url, &impostor).unwrap();
    let mut forged_fields = fields.to_vec();
    forged_fields.extend([
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", forged.as_str()),
    ]);
    assert_eq!(
        post_form(&provider, "/token", &forged_fields).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(provider
        .register_client("bad", &serde_json::json!({"kty": "oct", "k": "AAAA"}))
        .is_err());
}
