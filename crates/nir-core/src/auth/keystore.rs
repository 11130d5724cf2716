//! The client's private key in the operating system's keyring (Secret Service on Linux,
//! Credential Manager on Windows, Keychain on macOS) through the `keyring` crate. The key
//! is stored as PKCS#8 DER under a fixed service and account name; it is read into memory
//! only to sign client assertions, and the bytes read are zeroized.

use zeroize::Zeroizing;

use super::error::AuthError;
use super::signing_key::RsaSigningKey;

/// Keyring service name of the viewer's entries.
pub const SERVICE: &str = "nir-viewer";
/// Keyring account of the CIS2 client key.
pub const CLIENT_KEY_ACCOUNT: &str = "cis2-client-key";

/// One keyring entry holding an RSA private key.
pub struct KeyStore {
    entry: keyring::Entry,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore").finish_non_exhaustive()
    }
}

impl KeyStore {
    /// The entry of the CIS2 client key.
    pub fn client_key() -> Result<Self, AuthError> {
        Self::new(SERVICE, CLIENT_KEY_ACCOUNT)
    }

    /// The entry `service`/`account` (tests use their own names).
    pub fn new(service: &str, account: &str) -> Result<Self, AuthError> {
        let entry =
            keyring::Entry::new(service, account).map_err(|e| keystore_error("open", &e))?;
        Ok(Self { entry })
    }

    /// Stores `key`, replacing any key already there.
    pub fn save(&self, key: &RsaSigningKey) -> Result<(), AuthError> {
        let der = key.to_pkcs8_der()?;
        self.entry
            .set_secret(&der)
            .map_err(|e| keystore_error("store", &e))
    }

    /// The stored key, or `None` when there is none.
    pub fn load(&self) -> Result<Option<RsaSigningKey>, AuthError> {
        match self.entry.get_secret() {
            Ok(secret) => {
                let der = Zeroizing::new(secret);
                RsaSigningKey::from_pkcs8_der(&der).map(Some)
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keystore_error("read", &e)),
        }
    }

    /// Removes the stored key; `false` when there was none.
    pub fn delete(&self) -> Result<bool, AuthError> {
        match self.entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keystore_error("delete", &e)),
        }
    }
}

fn keystore_error(action: &str, error: &keyring::Error) -> AuthError {
    let reason = match error {
        keyring::Error::BadEncoding(_) => "the stored value is not valid".to_owned(),
        other => other.to_string(),
    };
    AuthError::KeyStore(format!(
        "cannot {action} the client key in the OS keyring: {reason}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The real Secret Service backend is exercised by tests/integration/auth_keys.rs; here the
    // keyring crate's mock stands in so the logic above the store runs anywhere.
    #[test]
    fn saves_loads_and_deletes_through_the_keyring_api() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = KeyStore::new("nir-viewer-test", "unit").unwrap();
        assert!(store.load().unwrap().is_none());
        let key = RsaSigningKey::generate().unwrap();
        store.save(&key).unwrap();
        assert_eq!(store.load().unwrap().unwrap().kid(), key.kid());
        assert!(store.delete().unwrap());
        assert!(!store.delete().unwrap());
        assert!(store.load().unwrap().is_none());
    }
}
