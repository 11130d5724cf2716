//! The RFC 8252 loopback redirect: a one-shot HTTP listener on 127.0.0.1 at a random port
//! that waits (bounded in time and in requests) for the browser to arrive at the exact
//! redirect path carrying the `state` this sign-in sent, hands back the authorization
//! response, and answers the browser with a small page saying the tab can be closed.
//! Requests for any other path get 404, and requests at the path without that `state` get
//! 400; neither ends the wait. RFC 6749 §10.12 has the client reject responses whose
//! `state` is not its own, and RFC 8252 §8.3 notes that any local program can reach the
//! loopback port: a stray or forged request must not end (or decide) the sign-in.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zeroize::Zeroizing;

use super::error::AuthError;

/// Requests accepted before giving up (favicon probes and the like do not count as the
/// redirect, but they are bounded too).
const MAX_REQUESTS: usize = 16;
/// Largest request head read from the browser.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Longest wait for a single connection to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

const DONE_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>nir-viewer sign-in</title></head><body><h1>Sign-in received</h1>\
<p>You can close this tab and return to the viewer.</p></body></html>";

/// What the provider sent back through the browser.
pub struct AuthorizationResponse {
    /// The authorization code.
    pub code: Zeroizing<String>,
    /// The `state` echoed by the provider.
    pub state: String,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationResponse")
            .finish_non_exhaustive()
    }
}

/// A bound loopback listener waiting for one redirect.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    path: String,
    redirect_uri: url::Url,
}

impl LoopbackRedirect {
    /// Binds 127.0.0.1 on a random port; `path` is the exact redirect path (e.g. `/callback`).
    pub async fn bind(path: &str) -> Result<Self, AuthError> {
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(AuthError::Settings(format!(
                "redirect path {path:?} is not a plain path"
            )));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| AuthError::Redirect(format!("cannot listen on 127.0.0.1 ({e})")))?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Redirect(e.to_string()))?
            .port();
        let redirect_uri = url::Url::parse(&format!("http://127.0.0.1:{port}{path}"))
            .map_err(|e| AuthError::Settings(format!("redirect path {path:?} ({e})")))?;
        Ok(Self {
            listener,
            path: path.to_owned(),
            redirect_uri,
        })
    }

    /// The `redirect_uri` to put in the authorization request.
    pub fn redirect_uri(&self) -> &url::Url {
        &self.redirect_uri
    }

    /// Waits up to `limit` for the browser to bring the authorization response that
    /// carries `expected_state`.
    pub async fn wait(
        self,
        limit: Duration,
        expected_state: &str,
    ) -> Result<AuthorizationResponse, AuthError> {
        tokio::time::timeout(limit, self.accept_redirect(expected_state))
            .await
            .map_err(|_| AuthError::TimedOut(limit.as_secs()))?
    }

    async fn accept_redirect(
        self,
        expected_state: &str,
    ) -> Result<AuthorizationResponse, AuthError> {
        for _ in 0..MAX_REQUESTS {
            let (mut socket, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| AuthError::Redirect(format!("accept failed ({e})")))?;
            let Ok(Ok(target)) = tokio::time::timeout(READ_TIMEOUT, read_target(&mut socket)).await
            else {
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            if path != self.path {
                respond(&mut socket, "404 Not Found", "<p>Not found.</p>").await;
                continue;
            }
            if !carries_state(query, expected_state) {
                respond(
                    &mut socket,
                    "400 Bad Request",
                    "<p>This is not the sign-in the viewer is waiting for.</p>",
                )
                .await;
                continue;
            }
            respond(&mut socket, "200 OK", DONE_PAGE).await;
            return parse_response(query);
        }
        Err(AuthError::Redirect(format!(
            "no request brought this sign-in's response after {MAX_REQUESTS} attempts"
        )))
    }
}

/// Reads the request head and returns the request target of a GET.
async fn read_target(socket: &mut TcpStream) -> Result<String, AuthError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = socket
            .read(&mut chunk)
            .await
            .map_err(|e| AuthError::Redirect(e.to_string()))?;
        if read == 0 || head.len() + read > MAX_HEAD_BYTES {
            return Err(AuthError::Redirect(
                "incomplete or oversized request".into(),
            ));
        }
        head.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next().unwrap_or_default().split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Ok(target.to_owned()),
        _ => Err(AuthError::Redirect("not a GET request".into())),
    }
}

async fn respond(socket: &mut TcpStream, status: &str, body: &str) {
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser closing early does not change the outcome of the sign-in.
    let _ignored = socket.write_all(reply.as_bytes()).await;
    let _ignored = socket.shutdown().await;
}

/// Whether the query carries exactly one `state`, equal to `expected`.
fn carries_state(query: &str, expected: &str) -> bool {
    let mut states = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "state")
        .map(|(_, value)| value);
    match (states.next(), states.next()) {
        (Some(state), None) => constant_time_eq(state.as_bytes(), expected.as_bytes()),
        _ => false,
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses the query of the redirect: `code` + `state`, or an OAuth `error`.
pub fn parse_response(query: &str) -> Result<AuthorizationResponse, AuthError> {
    let mut code = None;
    let mut state = None;
    let mut error = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "code" => code = Some(Zeroizing::new(value.into_owned())),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    if let Some(error) = error {
        let safe: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(AuthError::Refused(safe));
    }
    match (code, state) {
        (Some(code), Some(state)) if !code.is_empty() => Ok(AuthorizationResponse { code, state }),
        _ => Err(AuthError::Redirect(
            "the response lacks code or state".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(uri: &str) -> String {
        let url = url::Url::parse(uri).unwrap();
        let mut socket = TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
            .await
            .unwrap();
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let request = format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        socket.read_to_string(&mut reply).await.unwrap();
        reply
    }

    #[tokio::test]
    async fn receives_the_code_at_the_exact_path_only() {
        let redirect = LoopbackRedirect::bind("/callback").await.unwrap();
        let uri = redirect.redirect_uri().clone();
        assert_eq!(uri.host_str(), Some("127.0.0.1"));
        assert_ne!(uri.port(), Some(0));
        let waiting = tokio::spawn(redirect.wait(Duration::from_secs(30), "s1"));
        let base = format!("http://127.0.0.1:{}", uri.port().unwrap());
        assert!(get(&format!("{base}/favicon.ico"))
            .await
            .starts_with("HTTP/1.1 404"));
        let page = get(&format!("{uri}?code=abc&state=s1")).await;
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("close this tab"));
        let response = waiting.await.unwrap().unwrap();
        assert_eq!(response.code.as_str(), "abc");
        assert_eq!(response.state, "s1");
    }

    #[tokio::test]
    async fn gives_up_after_the_time_limit() {
        let redirect = LoopbackRedirect::bind("/cb").await.unwrap();
        let outcome = redirect.wait(Duration::from_millis(300), "s").await;
        assert!(matches!(outcome, Err(AuthError::TimedOut(0))));
    }

    #[tokio::test]
    async fn requests_without_this_sign_ins_state_are_turned_away_and_the_wait_goes_on() {
        let redirect = LoopbackRedirect::bind("/callback").await.unwrap();
        let uri = redirect.redirect_uri().clone();
        let waiting = tokio::spawn(redirect.wait(Duration::from_secs(30), "right"));
        for stray in [
            format!("{uri}?code=forged&state=wrong"),
            format!("{uri}?code=forged"),
            format!("{uri}"),
            format!("{uri}?error=access_denied&state=wrong"),
            format!("{uri}?code=forged&state=right&state=wrong"),
        ] {
            let reply = get(&stray).await;
            assert!(reply.starts_with("HTTP/1.1 400"), "{stray}: {reply}");
            assert!(!waiting.is_finished(), "{stray} ended the wait");
        }
        let base = format!("http://127.0.0.1:{}", uri.port().unwrap());
        assert!(get(&format!("{base}/favicon.ico?state=right"))
            .await
            .starts_with("HTTP/1.1 404"));
        assert!(!waiting.is_finished());
        let page = get(&format!("{uri}?code=genuine&state=right")).await;
        assert!(page.starts_with("HTTP/1.1 200"));
        let response = waiting.await.unwrap().unwrap();
        assert_eq!(response.code.as_str(), "genuine");
    }

    #[tokio::test]
    async fn the_providers_error_with_the_right_state_ends_the_wait() {
        let redirect = LoopbackRedirect::bind("/callback").await.unwrap();
        let uri = redirect.redirect_uri().clone();
        let waiting = tokio::spawn(redirect.wait(Duration::from_secs(30), "right"));
        get(&format!("{uri}?error=access_denied&state=right")).await;
        assert!(matches!(
            waiting.await.unwrap(),
            Err(AuthError::Refused(code)) if code == "access_denied"
        ));
    }

    #[tokio::test]
    async fn stray_requests_are_bounded_in_number() {
        let redirect = LoopbackRedirect::bind("/callback").await.unwrap();
        let uri = redirect.redirect_uri().clone();
        let waiting = tokio::spawn(redirect.wait(Duration::from_secs(60), "right"));
        for _ in 0..MAX_REQUESTS {
            get(&format!("{uri}?code=c&state=wrong")).await;
        }
        let outcome = tokio::time::timeout(Duration::from_secs(30), waiting)
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(outcome, Err(AuthError::Redirect(_))),
            "{outcome:?}"
        );
    }

    #[test]
    fn provider_errors_and_incomplete_responses_are_rejected() {
        assert!(matches!(
            parse_response("error=access_denied&state=x"),
            Err(AuthError::Refused(code)) if code == "access_denied"
        ));
        assert!(matches!(
            parse_response("state=x"),
            Err(AuthError::Redirect(_))
        ));
        assert!(matches!(
            parse_response("code=c"),
            Err(AuthError::Redirect(_))
        ));
    }

    #[tokio::test]
    async fn refuses_paths_with_queries() {
        assert!(LoopbackRedirect::bind("/cb?x=1").await.is_err());
        assert!(LoopbackRedirect::bind("cb").await.is_err());
    }
}
