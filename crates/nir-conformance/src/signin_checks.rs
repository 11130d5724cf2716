//! Sign-in checks. Against the sandbox: a real authorization-code + PKCE sign-in with its
//! mock CIS2, approved headlessly (`login_hint` + `prompt=none`, as the training sign-in page
//! does), the ID token validated by the auth module, and the access token then accepted by
//! the data endpoints. Against a configuration: TLS trust, the OIDC discovery document, the
//! JWKS and the client configuration; the interactive browser sign-in only when asked for.

use std::sync::Arc;

use super::{Check, Report};
use nir_core::auth::browser::{BrowserLauncher, SystemBrowser};
use nir_core::auth::client_auth::ClientCredentials;
use nir_core::auth::discovery::{discover, discovery_url, fetch_jwks};
use nir_core::auth::flow::{sign_in, SignedIn};
use nir_core::auth::keystore::KeyStore;
use nir_core::auth::settings::{AuthSettings, TRAINING_CLIENT_ID};
use nir_core::auth::AuthError;
use nir_core::config::Config;
use nir_core::error::UserFacing;
use nir_core::net::{build_client, NetworkSettings};

/// The sandbox's smartcard test user.
const TEST_USER: &str = "clinician";

/// Plays the person at the browser for the sandbox's mock CIS2: asks it to approve the
/// test user at once and follows the redirect back to the loopback listener.
struct AutoApprove;

impl BrowserLauncher for AutoApprove {
    fn open(&self, url: &url::Url) -> Result<(), AuthError> {
        let mut target = url.clone();
        target
            .query_pairs_mut()
            .append_pair("login_hint", TEST_USER)
            .append_pair("prompt", "none");
        let client = build_client(&NetworkSettings::default())?;
        tokio::spawn(async move {
            // The provider redirects to the loopback listener; the client follows it.
            let _answered = client.get(target).send().await;
        });
        Ok(())
    }
}

/// Signs in headlessly against the mock CIS2 of the sandbox at `base`; `name` names the
/// check.
pub async fn sandbox_sign_in(base: &url::Url, name: &str, report: &mut Report) -> Option<SignedIn> {
    let issuer = match base.join("oidc") {
        Ok(issuer) => issuer,
        Err(error) => {
            report.record(Check::fail(name, error.to_string()));
            return None;
        }
    };
    let mut settings = AuthSettings::training(issuer);
    settings.sign_in_timeout_seconds = 60;
    let http = match build_client(&NetworkSettings::default()) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail(name, error.to_string()));
            return None;
        }
    };
    let credentials = ClientCredentials::Public {
        client_id: TRAINING_CLIENT_ID.into(),
    };
    match sign_in(&settings, &http, credentials, &AutoApprove).await {
        Ok(signed_in) => {
            report.record(Check::pass(
                name,
                format!(
                    "signed in as the smartcard test user; ID token valid (signature, issuer, audience, nonce, assurance), role {}",
                    signed_in.identity.role_code
                ),
            ));
            Some(signed_in)
        }
        Err(error) => {
            report.record(Check::fail(name, sign_in_reason(&error)));
            None
        }
    }
}

fn sign_in_reason(error: &AuthError) -> String {
    format!("{} ({error})", error.user_message())
}

/// The checks of a configuration's sign-in settings; the signed-in session when
/// `interactive` asked for (and completed) a browser sign-in.
pub async fn config_checks(
    config: &Config,
    network: &NetworkSettings,
    interactive: bool,
    report: &mut Report,
) -> Option<SignedIn> {
    let http = match build_client(network) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail("TLS trust", error.to_string()));
            return None;
        }
    };
    tls_trust(config, network, &http, report).await;
    let settings = match client_settings(config) {
        Ok(settings) => settings,
        Err(reason) => {
            report.record(Check::fail("sign-in: client configuration", reason));
            return None;
        }
    };
    let credentials = client_credentials(&settings, report);
    let metadata = match discover(&http, &settings.issuer).await {
        Ok(metadata) => {
            report.record(Check::pass(
                "sign-in: OIDC discovery document",
                format!("issuer matches; token endpoint {}", metadata.token_endpoint),
            ));
            metadata
        }
        Err(error) => {
            report.record(Check::fail(
                "sign-in: OIDC discovery document",
                sign_in_reason(&error),
            ));
            return None;
        }
    };
    match fetch_jwks(&http, &metadata.jwks_uri).await {
        Ok(jwks) => {
            let signing = jwks
                .keys
                .iter()
                .filter(|k| matches!(k.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)))
                .count();
            report.record(Check::expect(
                "sign-in: JWKS",
                signing > 0,
                format!("{} keys, {signing} RSA signing keys", jwks.keys.len()),
            ));
        }
        Err(error) => report.record(Check::fail("sign-in: JWKS", sign_in_reason(&error))),
    }
    if !interactive {
        report.record(Check::not_run(
            "sign-in: interactive",
            "give --interactive to sign in through the browser",
        ));
        return None;
    }
    let credentials = credentials?;
    match sign_in(&settings, &http, credentials, &SystemBrowser).await {
        Ok(signed_in) => {
            report.record(Check::pass(
                "sign-in: interactive",
                format!("ID token valid; role {}", signed_in.identity.role_code),
            ));
            Some(signed_in)
        }
        Err(error) => {
            report.record(Check::fail("sign-in: interactive", sign_in_reason(&error)));
            None
        }
    }
}

/// The auth settings the viewer would use for `config`, or what is missing.
pub fn client_settings(config: &Config) -> Result<AuthSettings, String> {
    let settings = config.auth.sign_in_settings()?;
    if settings.allowed_roles.is_empty() {
        return Err("auth.allowed_roles is empty: nobody could sign in".into());
    }
    Ok(settings)
}

fn client_credentials(settings: &AuthSettings, report: &mut Report) -> Option<ClientCredentials> {
    let name = "sign-in: client configuration";
    let key = KeyStore::client_key().and_then(|store| store.load());
    match key {
        Ok(Some(key)) => {
            report.record(Check::pass(
                name,
                format!(
                    "client {} with its private_key_jwt key in the keyring; {} roles allowed",
                    settings.client_id,
                    settings.allowed_roles.len()
                ),
            ));
            Some(ClientCredentials::PrivateKeyJwt {
                client_id: settings.client_id.clone(),
                key: Arc::new(key),
            })
        }
        Ok(None) => {
            report.record(Check::fail(
                name,
                "no client key in the keyring: run 'nir-viewer keys generate'",
            ));
            None
        }
        Err(error) => {
            report.record(Check::fail(name, sign_in_reason(&error)));
            None
        }
    }
}

/// A TLS handshake with every configured HTTPS host, verified against the configured CA
/// bundle (or the platform's roots). Any HTTP answer proves the handshake.
async fn tls_trust(
    config: &Config,
    network: &NetworkSettings,
    http: &reqwest::Client,
    report: &mut Report,
) {
    let roots = if network.ca_bundle_pem.is_some() {
        "the configured CA bundle"
    } else {
        "the platform's roots"
    };
    let mut targets = vec![("NIR", config.nir.base_url.clone())];
    if let Some(issuer) = &config.auth.issuer {
        if let Ok(url) = discovery_url(issuer) {
            targets.push(("CIS2", url));
        }
    }
    for (label, url) in targets {
        let name = format!("TLS trust: {label}");
        let host = url.host_str().unwrap_or("?").to_owned();
        match http.get(url).send().await {
            Ok(_) => report.record(Check::pass(
                name,
                format!("{host} verified against {roots}"),
            )),
            Err(error) => report.record(Check::fail(
                name,
                format!("{host}: {}", error_chain(&error.without_url())),
            )),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
