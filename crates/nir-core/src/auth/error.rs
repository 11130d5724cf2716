//! Everything that can go wrong while signing in, holding tokens or watching the smartcard,
//! as one error type for the `auth` module. Messages name the failing item (which claim,
//! which endpoint) but never carry a token, a code or a person's details; the user-facing
//! text tells a clinician what to do next.

use crate::error::{ErrorCode, UserFacing};

/// Why sign-in, token handling or the card watch failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The provider's discovery document or key set could not be fetched or understood.
    #[error("identity provider discovery failed at {endpoint}: {reason}")]
    Discovery {
        /// Which document (discovery or JWKS).
        endpoint: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// An HTTP exchange with the provider failed.
    #[error("request to the identity provider's {endpoint} endpoint failed: {reason}")]
    Provider {
        /// Which endpoint (token, revoke, userinfo).
        endpoint: &'static str,
        /// What went wrong (status and OAuth error code only).
        reason: String,
    },
    /// The redirect listener could not start or received something unusable.
    #[error("the sign-in redirect could not be received: {0}")]
    Redirect(String),
    /// Nobody completed sign-in in the browser in time.
    #[error("sign-in was not completed within {0} seconds")]
    TimedOut(u64),
    /// The provider answered the authorization request with an error.
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    /// The `state` returned to the redirect does not match the one sent.
    #[error("the sign-in response does not belong to this sign-in (state mismatch)")]
    StateMismatch,
    /// The ID token failed validation.
    #[error("the ID token is not acceptable: {0}")]
    IdToken(#[from] IdTokenError),
    /// The person's role does not let them in, or their roles could not be read.
    #[error(transparent)]
    Role(#[from] RoleError),
    /// The system browser could not be opened.
    #[error("the system browser could not be opened: {0}")]
    Browser(String),
    /// The client's private key could not be stored, loaded or used.
    #[error("the client key store failed: {0}")]
    KeyStore(String),
    /// The client key is not a usable RSA private key.
    #[error("the client key is not usable: {0}")]
    ClientKey(String),
    /// There is no session (signed out or locked) for an operation that needs one.
    #[error("not signed in")]
    NotSignedIn,
    /// The sign-in settings are not usable.
    #[error("the sign-in settings are not valid: {0}")]
    Settings(String),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    /// Smartcard assurance is configured but the card cannot be watched.
    #[error("smartcard assurance is required but the card cannot be watched: {0}")]
    Smartcard(#[from] super::smartcard::SmartcardError),
}

/// Why an ID token was rejected. One variant per check, so tests and logs can tell which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// The token is not a well-formed signed JWT.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header names an algorithm outside RS256, RS512 and ES256 (including `none`, HMAC).
    #[error("algorithm {0} is not accepted")]
    Algorithm(String),
    /// No key in the provider's JWKS matches the token's `kid` and algorithm.
    #[error("no matching signing key (kid {0})")]
    UnknownKey(String),
    /// The signature does not verify against the provider's key.
    #[error("signature does not verify")]
    Signature,
    /// `iss` is not the configured issuer.
    #[error("issuer does not match")]
    Issuer,
    /// `aud` does not contain this client, or `azp` names another client.
    #[error("audience does not match this client")]
    Audience,
    /// `exp` is in the past (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway) or missing.
    #[error("issued-at time is not plausible")]
    IssuedAt,
    /// `nonce` is missing or does not match the one sent.
    #[error("nonce does not match")]
    Nonce,
    /// `acr`/`amr` do not meet the configured assurance (e.g. no smartcard).
    #[error("authentication assurance too low: {0}")]
    Assurance(String),
}

/// Why the person's role does not let them in. CIS2 sends the selected role in the ID
/// token and the person's roles from UserInfo; each way this can fail has its own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The person has no RBAC role profiles at all.
    #[error("the person has no RBAC roles")]
    NoRoles,
    /// No role was selected at sign-in (`selected_roleid` missing).
    #[error("no role was selected")]
    NoneSelected,
    /// `selected_roleid` names none of the person's role profiles.
    #[error("the selected role is not among the person's roles")]
    NotTheirs,
    /// The selected role's code contains none of the allowed role codes.
    #[error("role not allowed: {0}")]
    NotAllowed(String),
    /// UserInfo could not be fetched or understood, and the ID token carries no roles.
    #[error("the person's roles could not be read: {0}")]
    Unreadable(String),
}

impl UserFacing for AuthError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::IdToken(IdTokenError::Assurance(_)) => ErrorCode::AuthSmartcardRequired,
            Self::Role(RoleError::NotAllowed(_)) => ErrorCode::AuthRoleNotAllowed,
            Self::Role(RoleError::NoRoles) => ErrorCode::AuthNoRoles,
            Self::Role(RoleError::NoneSelected | RoleError::NotTheirs) => {
                ErrorCode::AuthRoleNotSelected
            }
            Self::Role(RoleError::Unreadable(_)) => ErrorCode::AuthRolesUnreadable,
            Self::IdToken(_) | Self::StateMismatch => ErrorCode::AuthResponseRejected,
            Self::TimedOut(_) => ErrorCode::AuthTimedOut,
            Self::Refused(_) => ErrorCode::AuthRefused,
            Self::Browser(_) => ErrorCode::AuthBrowser,
            Self::KeyStore(_) | Self::ClientKey(_) => ErrorCode::AuthClientKey,
            Self::NotSignedIn => ErrorCode::AuthNotSignedIn,
            Self::Smartcard(_) => ErrorCode::AuthSmartcardUnwatched,
            Self::Settings(_) | Self::Net(_) => ErrorCode::AuthConfiguration,
            Self::Discovery { .. } | Self::Provider { .. } | Self::Redirect(_) => {
                ErrorCode::AuthProviderUnavailable
            }
        }
    }

    fn user_message(&self) -> String {
        match self.code().as_str() {
            "auth-smartcard-required" => {
                "Sign in with your smartcard: this viewer needs smartcard-level assurance.".into()
            }
            "auth-role-not-allowed" => "The role you selected does not give access to imaging \
                records in this viewer. Sign in again and choose a clinical role."
                .into(),
            "auth-no-roles" => "Your account has no roles (RBAC role profiles), so it cannot \
                be used with this viewer. Ask your registration authority to assign you a role."
                .into(),
            "auth-role-not-selected" => "No usable role was chosen at sign-in. Sign in again \
                and choose one of your roles."
                .into(),
            "auth-roles-unreadable" => "Your roles could not be read from the identity \
                service, so access cannot be checked. Please try again; if this continues, \
                contact your IT service desk."
                .into(),
            "auth-response-rejected" => "The sign-in response could not be trusted, so it was \
                discarded. Please sign in again."
                .into(),
            "auth-timed-out" => "Sign-in was not completed in time. Please try again.".into(),
            "auth-refused" => "The identity service did not sign you in. Please try again.".into(),
            "auth-browser" => "The web browser could not be opened for sign-in.".into(),
            "auth-not-signed-in" => "You are not signed in.".into(),
            "auth-smartcard-unwatched" => match self {
                Self::Smartcard(super::smartcard::SmartcardError::NoCard) => {
                    "Your organisation requires a smartcard: insert it in the reader and sign \
                     in again."
                        .into()
                }
                Self::Smartcard(super::smartcard::SmartcardError::NoService) => {
                    "Your organisation requires a smartcard, but the smartcard service (PC/SC) \
                     is not running on this computer. Contact your IT service desk."
                        .into()
                }
                other => format!(
                    "Your organisation requires a smartcard, but the card reader cannot be \
                     used ({other}). Check the reader and sign in again."
                ),
            },
            "auth-client-key" | "auth-configuration" => {
                format!("Sign-in is not set up correctly ({self}). Contact your IT service desk.")
            }
            _ => {
                "The identity service could not be reached. Check the network and try again.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<AuthError>();
    }

    #[test]
    fn smartcard_and_role_failures_have_their_own_codes() {
        let no_card = AuthError::from(IdTokenError::Assurance("amr lacks smartcard".into()));
        assert_eq!(no_card.code(), "auth-smartcard-required");
        assert!(no_card.user_message().contains("smartcard"));
        let role = AuthError::from(RoleError::NotAllowed("R0260".into()));
        assert_eq!(role.code(), "auth-role-not-allowed");
        let codes = [
            AuthError::from(RoleError::NoRoles).code(),
            AuthError::from(RoleError::NoneSelected).code(),
            AuthError::from(RoleError::Unreadable("HTTP 500".into())).code(),
            role.code(),
        ];
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len(), "{codes:?}");
        assert!(AuthError::from(RoleError::NoRoles)
            .user_message()
            .contains("no roles"));
        assert_eq!(AuthError::StateMismatch.code(), "auth-response-rejected");
    }
}
