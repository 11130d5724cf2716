//! `nir-viewer keys`: manage the client key used for `private_key_jwt`. `generate` creates a
//! new RSA key in the OS keyring, `import FILE` stores a PKCS#8 PEM key, `show` prints the
//! public JWK to register with CIS2, `delete` removes the key. Every command that leaves a key
//! in place prints its public JWK (never the private key) on standard output.

use std::path::PathBuf;
use std::process::ExitCode;

use zeroize::Zeroizing;

use super::error::AuthError;
use super::keystore::KeyStore;
use super::signing_key::{RsaAlgorithm, RsaSigningKey};

/// Arguments of `nir-viewer keys`.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    /// What to do with the client key.
    #[command(subcommand)]
    pub action: KeysAction,
}

/// The `keys` actions.
#[derive(Debug, clap::Subcommand)]
pub enum KeysAction {
    /// Generate a new RSA key in the OS keyring and print its public JWK.
    Generate {
        /// Replace a key that is already stored.
        #[arg(long)]
        force: bool,
    },
    /// Store the PKCS#8 PEM private key in FILE and print its public JWK.
    Import {
        /// PEM file holding `-----BEGIN PRIVATE KEY-----`.
        file: PathBuf,
    },
    /// Print the public JWK of the stored key.
    Show,
    /// Remove the stored key.
    Delete,
}

/// Runs `nir-viewer keys` against the viewer's keyring entry.
pub fn run(args: &KeysArgs) -> ExitCode {
    let outcome = KeyStore::client_key().and_then(|store| execute(&args.action, &store));
    match outcome {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("nir-viewer keys: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Performs `action` on `store` and returns what to print.
pub fn execute(action: &KeysAction, store: &KeyStore) -> Result<String, AuthError> {
    let key = match action {
        KeysAction::Generate { force } => {
            if !force && store.load()?.is_some() {
                return Err(AuthError::KeyStore(
                    "a client key is already stored; use --force to replace it".into(),
                ));
            }
            let key = RsaSigningKey::generate()?;
            store.save(&key)?;
            key
        }
        KeysAction::Import { file } => {
            let pem = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
                AuthError::ClientKey(format!("cannot read {}: {e}", file.display()))
            })?);
            let key = RsaSigningKey::from_pkcs8_pem(&pem)?;
            store.save(&key)?;
            key
        }
        KeysAction::Show => store
            .load()?
            .ok_or_else(|| AuthError::KeyStore("no client key is stored".into()))?,
        KeysAction::Delete => {
            return Ok(if store.delete()? {
                "client key deleted".into()
            } else {
                "no client key was stored".into()
            });
        }
    };
    serde_json::to_string_pretty(&key.public_jwk(RsaAlgorithm::Rs512))
        .map_err(|e| AuthError::ClientKey(format!("JWK output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_show_import_and_delete() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = KeyStore::new("nir-viewer-test", "keys-command").unwrap();
        assert!(execute(&KeysAction::Show, &store).is_err());
        let generated = execute(&KeysAction::Generate { force: false }, &store).unwrap();
        let jwk: serde_json::Value = serde_json::from_str(&generated).unwrap();
        assert_eq!(jwk["alg"], "RS512");
        assert!(jwk.get("d").is_none(), "never print the private exponent");
        assert!(execute(&KeysAction::Generate { force: false }, &store).is_err());
        assert_eq!(execute(&KeysAction::Show, &store).unwrap(), generated);

        let other = RsaSigningKey::generate().unwrap();
        let dir = std::env::temp_dir().join(format!("nir-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key.pem");
        let der = other.to_pkcs8_der().unwrap();
        let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &*der);
        std::fs::write(
            &file,
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
        )
        .unwrap();
        let imported = execute(&KeysAction::Import { file: file.clone() }, &store);
        std::fs::remove_dir_all(&dir).unwrap();
        let imported: serde_json::Value = serde_json::from_str(&imported.unwrap()).unwrap();
        assert_eq!(imported["kid"], other.kid());

        assert_eq!(
            execute(&KeysAction::Delete, &store).unwrap(),
            "client key deleted"
        );
        assert!(execute(&KeysAction::Show, &store).is_err());
    }
}
