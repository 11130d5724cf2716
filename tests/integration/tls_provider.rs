//! An OpenID provider's public face over real TLS on loopback, for the conformance checks of
//! a configuration: a test CA and a server certificate for 127.0.0.1 made with the
//! `openssl` command line, and a small HTTPS responder serving the discovery document and a
//! JWKS (anything else answers 404). The responder stops when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use nir_viewer::auth::signing_key::{RsaAlgorithm, RsaSigningKey};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The longest request head the responder reads.
const HEAD_LIMIT: usize = 16 * 1024;

/// A running provider; its directory holds the CA bundle to trust.
pub struct TlsProvider {
    pub dir: PathBuf,
    pub base: url::Url,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsProvider {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs (installed by make deps-test)");
    assert!(status.success(), "openssl {args:?}");
}

/// Writes `ca.pem` and a server certificate `leaf.pem`/`leaf.key` for 127.0.0.1 into `dir`.
pub fn make_certificates(dir: &Path) {
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=nir-viewer test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
}

fn answer(path: &str, base: &url::Url, jwk: &serde_json::Value) -> (u16, String) {
    let issuer = base.join("oidc").unwrap();
    match path {
        "/oidc/.well-known/openid-configuration" => (
            200,
            serde_json::json!({
                "issuer": issuer.as_str(),
                "authorization_endpoint": base.join("oidc/authorize").unwrap().as_str(),
                "token_endpoint": base.join("oidc/token").unwrap().as_str(),
                "jwks_uri": base.join("oidc/jwks").unwrap().as_str(),
            })
            .to_string(),
        ),
        "/oidc/jwks" => (200, serde_json::json!({ "keys": [jwk] }).to_string()),
        _ => (404, "{}".into()),
    }
}

/// A TLS acceptor serving the `leaf.pem`/`leaf.key` that [`make_certificates`] wrote in `dir`.
pub fn tls_acceptor(dir: &Path) -> tokio_rustls::TlsAcceptor {
    let _already = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("leaf.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

impl TlsProvider {
    pub async fn start() -> Self {
        let _already = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let dir = std::env::temp_dir().join(format!("nir-tls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        make_certificates(&dir);
        let acceptor = tls_acceptor(&dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base =
            url::Url::parse(&format!("https://{}/", listener.local_addr().unwrap())).unwrap();
        let jwk = RsaSigningKey::generate()
            .unwrap()
            .public_jwk(RsaAlgorithm::Rs256);
        let served = base.clone();
        let task = tokio::spawn(async move {
            // Bounded: a test makes a handful of requests.
            for _ in 0..64 {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let (base, jwk) = (served.clone(), jwk.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_LIMIT {
                        match tls.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&head);
                    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                    let (status, body) = answer(&path, &base, &jwk);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self { dir, base, task }
    }

    /// The CA bundle that makes the server trusted.
    pub fn ca_bundle(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}
