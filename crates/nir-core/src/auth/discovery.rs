//! OpenID Connect discovery: fetches the provider's metadata from
//! `<issuer>/.well-known/openid-configuration` and its signing keys from `jwks_uri`, using
//! the one HTTP client of `net::build_client`. The metadata's `issuer` must equal the
//! configured issuer exactly (OIDC Discovery §4.3), otherwise nothing from it is trusted.

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;

use super::error::AuthError;

/// The parts of the provider metadata the viewer uses.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer identifier; equals the configured issuer.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: url::Url,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: url::Url,
    /// The provider's signing keys.
    pub jwks_uri: url::Url,
    /// Claims about the signed-in user.
    #[serde(default)]
    pub userinfo_endpoint: Option<url::Url>,
    /// RFC 7009 token revocation, when the provider supports it.
    #[serde(default)]
    pub revocation_endpoint: Option<url::Url>,
}

/// The discovery document's address for an issuer (path-appending form).
pub fn discovery_url(issuer: &url::Url) -> Result<url::Url, AuthError> {
    let base = issuer.as_str().trim_end_matches('/');
    url::Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| AuthError::Settings(format!("issuer {issuer} gives no discovery URL ({e})")))
}

/// Fetches and checks the provider metadata of `issuer`.
pub async fn discover(
    client: &reqwest::Client,
    issuer: &url::Url,
) -> Result<ProviderMetadata, AuthError> {
    let metadata: ProviderMetadata = get_json(client, discovery_url(issuer)?, "discovery").await?;
    if !same_issuer(&metadata.issuer, issuer.as_str()) {
        return Err(AuthError::Discovery {
            endpoint: "discovery",
            reason: "the document names a different issuer".into(),
        });
    }
    Ok(metadata)
}

/// Fetches the provider's JSON Web Key Set.
pub async fn fetch_jwks(
    client: &reqwest::Client,
    jwks_uri: &url::Url,
) -> Result<JwkSet, AuthError> {
    get_json(client, jwks_uri.clone(), "jwks").await
}

/// Issuers compare as strings; a single trailing slash is tolerated on either side.
pub fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: url::Url,
    endpoint: &'static str,
) -> Result<T, AuthError> {
    let failure = |reason: String| AuthError::Discovery { endpoint, reason };
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| failure(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(failure(format!("HTTP {}", response.status())));
    }
    response
        .json::<T>()
        .await
        .map_err(|e| failure(format!("unreadable JSON ({})", e.without_url())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_appends_the_well_known_path() {
        let issuer = url::Url::parse("http://127.0.0.1:8080/oidc").unwrap();
        assert_eq!(
            discovery_url(&issuer).unwrap().as_str(),
            "http://127.0.0.1:8080/oidc/.well-known/openid-configuration"
        );
        let slash = url::Url::parse("https://am.nhsidentity.spineservices.nhs.uk/").unwrap();
        assert!(discovery_url(&slash)
            .unwrap()
            .as_str()
            .ends_with(".uk/.well-known/openid-configuration"));
    }

    #[test]
    fn issuers_compare_exactly_apart_from_a_trailing_slash() {
        assert!(same_issuer("http://a/oidc", "http://a/oidc/"));
        assert!(!same_issuer("http://a/oidc", "http://a/other"));
    }

    #[tokio::test]
    async fn rejects_metadata_naming_another_issuer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 2048];
            let _ = socket.read(&mut buffer).await.unwrap();
            let body = r#"{"issuer":"http://evil.example","authorization_endpoint":"http://x/a","token_endpoint":"http://x/t","jwks_uri":"http://x/j"}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
        });
        let client = crate::net::build_client(&crate::net::NetworkSettings::default()).unwrap();
        let issuer = url::Url::parse(&format!("http://{address}/oidc")).unwrap();
        let outcome = discover(&client, &issuer).await;
        assert!(matches!(
            outcome,
            Err(AuthError::Discovery {
                endpoint: "discovery",
                ..
            })
        ));
        server.await.unwrap();
    }
}
