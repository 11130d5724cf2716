//! Sign-in end to end: the authorization-code flow with PKCE through a browser double
//! against the sandbox's mock CIS2 and against an independent provider
//! (`oauth2-mock-server`, started from `tests/oidc/`), covering the happy path and every
//! rejection; the client key in a real Secret Service keyring; card removal locking; and
//! the session against time, sleep and lost tokens.

mod browser_double;
mod card_removal;
mod clocks_and_locks;
mod independent_provider;
mod managed_settings;
mod os_keyring;
mod sandbox_provider;

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::auth::tokens::Tokens;
use nir_viewer::net::AccessTokens;

/// Runs the background refresher of `tokens` (which must be due for refresh) until it has
/// replaced the first token, polling for up to ten seconds and failing if it never does;
/// then clears the tokens and waits for the refresher to stop.
async fn assert_refreshed_in_background(tokens: &Arc<Tokens>) {
    let first = tokens.bearer().unwrap();
    let refresher = tokens.spawn_refresher(Duration::from_millis(100), |error| {
        panic!("refresh failed: {error}")
    });
    let mut current = first.clone();
    for _ in 0..200 {
        // Between expiry and the refresh landing, no token is handed out.
        if let Some(token) = tokens.bearer() {
            current = token;
            if *current != *first {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_ne!(*current, *first, "the refresher replaced the token");
    tokens.clear();
    tokio::time::timeout(Duration::from_secs(30), refresher)
        .await
        .unwrap()
        .unwrap();
}
