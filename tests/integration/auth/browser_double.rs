//! A stand-in for the person at the browser: receives the authorization URL, optionally
//! tampers with `state` or `nonce` (as an attacker would), signs in as a named test user
//! (`login_hint` + `prompt=none`, which the mock CIS2 auto-approves and other providers
//! ignore) and follows the redirect back to the viewer's loopback listener.

use std::sync::{Arc, Mutex};

use nir_viewer::auth::browser::BrowserLauncher;
use nir_viewer::auth::AuthError;
use nir_viewer::net::{build_client, NetworkSettings};

/// What the double changes in the authorization request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Nothing: an honest sign-in.
    Nothing,
    /// Replaces `state` (the response then belongs to another sign-in).
    State,
    /// Replaces `nonce` (the ID token then answers another request).
    Nonce,
}

/// The browser double.
#[derive(Debug, Clone)]
pub struct FakeBrowser {
    /// Test user to sign in as.
    pub user: &'static str,
    /// Tampering to do.
    pub tamper: Tamper,
    /// Extra query parameters for the provider (e.g. `expires_in`).
    pub extra: Vec<(&'static str, &'static str)>,
    /// The HTTP status the browser ended on (the loopback listener's answer).
    pub landed: Arc<Mutex<Option<u16>>>,
}

impl FakeBrowser {
    /// An honest browser signing in as `user`.
    pub fn as_user(user: &'static str) -> Self {
        Self {
            user,
            tamper: Tamper::Nothing,
            extra: Vec::new(),
            landed: Arc::default(),
        }
    }

    /// The same, tampering with the request.
    pub fn tampering(user: &'static str, tamper: Tamper) -> Self {
        Self {
            tamper,
            ..Self::as_user(user)
        }
    }
}

impl BrowserLauncher for FakeBrowser {
    fn open(&self, url: &url::Url) -> Result<(), AuthError> {
        let mut target = url.clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let value = match (self.tamper, name.as_ref()) {
                    (Tamper::State, "state") | (Tamper::Nonce, "nonce") => "tampered".to_owned(),
                    _ => value.into_owned(),
                };
                (name.into_owned(), value)
            })
            .collect();
        {
            let mut query = target.query_pairs_mut();
            query.clear().extend_pairs(&pairs);
            query
                .append_pair("login_hint", self.user)
                .append_pair("prompt", "none");
            query.extend_pairs(&self.extra);
        }
        let client = build_client(&NetworkSettings::default())?;
        let landed = Arc::clone(&self.landed);
        tokio::spawn(async move {
            // The provider redirects to the loopback listener; the client follows it.
            if let Ok(response) = client.get(target).send().await {
                *landed.lock().unwrap() = Some(response.status().as_u16());
            }
        });
        Ok(())
    }
}
