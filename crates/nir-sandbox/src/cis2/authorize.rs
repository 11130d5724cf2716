//! `GET /authorize`: checks the request (known client, loopback redirect URI, `code`
//! response type, PKCE S256), then either shows the sign-in page listing the test users or,
//! with `login_hint=<user>&prompt=none`, approves at once and redirects with a code. An
//! `expires_in` parameter (seconds) shortens the tokens of that sign-in so tests can see
//! them expire.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::grants::CodeGrant;
use super::users::{self, USERS};
use super::{lock, opaque_token, MockCis2, TRAINING_CLIENT_ID};

/// Handles `GET /authorize`.
pub async fn authorize(
    State(provider): State<Arc<MockCis2>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str);
    let client_id = param("client_id").unwrap_or_default();
    let known_client =
        client_id == TRAINING_CLIENT_ID || lock(&provider.clients).contains_key(client_id);
    if !known_client {
        return error_page("The client_id is not registered with this provider.");
    }
    let Some(redirect_uri) = param("redirect_uri").and_then(loopback_redirect) else {
        return error_page("The redirect_uri must be an http loopback address (RFC 8252).");
    };
    let state = param("state");
    let refuse = |error: &str| redirect_with(&redirect_uri, &[("error", error)], state);
    if param("response_type") != Some("code") {
        return refuse("unsupported_response_type");
    }
    let challenge = param("code_challenge").unwrap_or_default();
    if param("code_challenge_method") != Some("S256") || !(43..=128).contains(&challenge.len()) {
        return refuse("invalid_request");
    }
    if param("prompt") != Some("none") {
        return sign_in_page(&params);
    }
    let Some(user) = param("login_hint").and_then(users::find) else {
        return refuse("login_required");
    };
    let lifetime = param("expires_in")
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|seconds| (1..=3600).contains(seconds))
        .unwrap_or(user.token_lifetime);
    let Ok(code) = opaque_token("code") else {
        return refuse("server_error");
    };
    let grant = CodeGrant {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.as_str().to_owned(),
        code_challenge: challenge.to_owned(),
        nonce: param("nonce").map(str::to_owned),
        user_id: user.id,
        token_lifetime: Duration::from_secs(lifetime),
        issued: Instant::now(),
    };
    lock(&provider.grants).add_code(code.clone(), grant);
    redirect_with(&redirect_uri, &[("code", &code)], state)
}

/// Accepts only `http` redirect URIs on a loopback host.
fn loopback_redirect(uri: &str) -> Option<url::Url> {
    let url = url::Url::parse(uri).ok()?;
    let loopback = match url.host()? {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(name) => name == "localhost",
    };
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

fn redirect_with(redirect_uri: &url::Url, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut target = redirect_uri.clone();
    {
        let mut query = target.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in error</title>\
         </head><body><h1>Sign-in cannot continue</h1><p>{}</p></body></html>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The training sign-in page: one link per user, each approving with `prompt=none`.
fn sign_in_page(params: &HashMap<String, String>) -> Response {
    let mut items = String::new();
    for user in USERS {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
            if name != "login_hint" && name != "prompt" {
                query.append_pair(name, value);
            }
        }
        query.append_pair("login_hint", user.id);
        query.append_pair("prompt", "none");
        items.push_str(&format!(
            "<li><a href=\"authorize?{}\">{}</a> <small>({}, {})</small></li>",
            escape(&query.finish()),
            escape(user.name),
            escape(user.id),
            escape(user.summary),
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>NHS CIS2 (training sandbox)</title></head><body>\
         <h1>Training sign-in</h1><p>Synthetic users of the nir-viewer sandbox. \
         Choose one to sign in.</p><ul>{items}</ul></body></html>"
    ))
    .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_redirects_are_accepted() {
        assert!(loopback_redirect("http://127.0.0.1:5000/callback").is_some());
        assert!(loopback_redirect("http://[::1]:5000/callback").is_some());
        assert!(loopback_redirect("http://localhost:5000/callback").is_some());
        assert!(loopback_redirect("https://127.0.0.1/callback").is_none());
        assert!(loopback_redirect("http://evil.example/callback").is_none());
        assert!(loopback_redirect("not a url").is_none());
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x&y\">"),
            "&lt;a href=&quot;x&amp;y&quot;&gt;"
        );
    }
}
