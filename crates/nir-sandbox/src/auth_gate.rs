//! The `--require-auth` gate: every data endpoint (FHIR, XCA, WADO/QIDO) demands an
//! `Authorization: Bearer` token that a [`BearerVerifier`] (the mock CIS2 provider in the
//! app, a test verifier in tests) accepts. The gate also records whether this request is
//! the first made with its token, which the token-expiry scenario needs.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Checks a bearer access token. Implemented by the mock CIS2 provider.
pub trait BearerVerifier: Send + Sync {
    /// `Ok(())` when the token is valid now; `Err(reason)` (no token text) otherwise.
    fn verify(&self, token: &str) -> Result<(), String>;
}

/// The verifier used until a real one is wired in: accepts nothing.
#[derive(Debug, Default)]
pub struct RejectAllVerifier;

impl BearerVerifier for RejectAllVerifier {
    fn verify(&self, _token: &str) -> Result<(), String> {
        Err("no token issuer is configured for this sandbox".into())
    }
}

/// A verifier accepting exactly the tokens it was given (for tests and tools).
#[derive(Default)]
pub struct FixedTokensVerifier(pub Vec<String>);

impl BearerVerifier for FixedTokensVerifier {
    fn verify(&self, token: &str) -> Result<(), String> {
        if self.0.iter().any(|t| t == token) {
            Ok(())
        } else {
            Err("unknown token".into())
        }
    }
}

/// What the gate learned about the request's token, attached as a request extension.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenUse {
    /// True when authentication is required and this is the token's first data request.
    pub first_use: bool,
}

/// Gate state: the verifier and the (hashed) tokens already seen.
pub struct AuthGate {
    /// Whether tokens are demanded at all.
    pub require_auth: bool,
    verifier: Arc<dyn BearerVerifier>,
    seen: Mutex<HashSet<u64>>,
}

impl AuthGate {
    /// A gate using `verifier` when `require_auth` is set.
    pub fn new(require_auth: bool, verifier: Arc<dyn BearerVerifier>) -> Self {
        Self {
            require_auth,
            verifier,
            seen: Mutex::new(HashSet::new()),
        }
    }

    /// Records the token; true when it had not been seen before.
    fn first_use(&self, token: &str) -> bool {
        let mut hasher = DefaultHasher::new();
        token.hash(&mut hasher);
        let digest = hasher.finish();
        match self.seen.lock() {
            Ok(mut seen) => seen.insert(digest),
            Err(poisoned) => poisoned.into_inner().insert(digest),
        }
    }
}

/// A 401 with the RFC 6750 challenge.
pub fn unauthorized(error: &str, description: &str) -> Response {
    let challenge = format!(
        "Bearer realm=\"nir-sandbox\", error=\"{error}\", error_description=\"{description}\""
    );
    let mut response = (StatusCode::UNAUTHORIZED, description.to_string()).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The middleware: passes through when auth is off, otherwise verifies the bearer token.
pub async fn require_bearer(
    State(gate): State<Arc<AuthGate>>,
    mut request: Request,
    next: Next,
) -> Response {
    if !gate.require_auth {
        request.extensions_mut().insert(TokenUse::default());
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let Some(token) = token else {
        let mut response = (StatusCode::UNAUTHORIZED, "a bearer token is required").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"nir-sandbox\""),
        );
        return response;
    };
    if let Err(reason) = gate.verifier.verify(&token) {
        tracing::info!(reason = %reason, "sandbox refused a bearer token");
        return unauthorized("invalid_token", "The access token is not valid");
    }
    let first_use = gate.first_use(&token);
    request.extensions_mut().insert(TokenUse { first_use });
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    fn app(require_auth: bool) -> Router {
        let gate = Arc::new(AuthGate::new(
            require_auth,
            Arc::new(FixedTokensVerifier(vec!["good".into()])),
        ));
        Router::new()
            .route(
                "/data",
                get(|axum::Extension(u): axum::Extension<TokenUse>| async move {
                    format!("{}", u.first_use)
                }),
            )
            .layer(axum::middleware::from_fn_with_state(gate, require_bearer))
    }

    async fn call(app: &Router, token: Option<&str>) -> (StatusCode, String, Option<String>) {
        let mut request = Request::get("/data");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = app
            .clone()
            .oneshot(request.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        (
            status,
            String::from_utf8_lossy(&body).into_owned(),
            challenge,
        )
    }

    #[tokio::test]
    async fn open_without_require_auth() {
        let app = app(false);
        assert_eq!(call(&app, None).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn demands_and_verifies_tokens_and_tracks_first_use() {
        let app = app(true);
        let (status, _, challenge) = call(&app, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(challenge.unwrap().starts_with("Bearer"));
        let (status, _, challenge) = call(&app, Some("bad")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(challenge.unwrap().contains("invalid_token"));
        assert_eq!(call(&app, Some("good")).await.1, "true");
        assert_eq!(call(&app, Some("good")).await.1, "false");
    }
}
