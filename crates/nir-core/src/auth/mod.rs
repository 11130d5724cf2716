//! Sign-in and access: the OpenID Connect authorization-code flow with PKCE against NHS
//! CIS2 (system browser, loopback redirect), strict ID token validation, `private_key_jwt`
//! client authentication with the key in the OS keyring, tokens held only in memory and
//! refreshed before expiry, and the session that locks on idle, on sleep, when its tokens
//! are lost or when the smartcard that signed in leaves its reader (time counted on a clock
//! that runs through suspend). Each concern lives in its own file below; [`flow::sign_in`]
//! ties them together.

pub mod attempt;
pub mod browser;
pub mod client_auth;
pub mod clock;
pub mod discovery;
pub mod error;
pub mod establish;
pub mod flow;
pub mod id_token;
pub mod keys_command;
pub mod keystore;
pub mod loopback;
pub mod pkce;
pub mod settings;
pub mod sign_in_state;
pub mod signing_key;
pub mod sleep_watch;
pub mod smartcard;
pub mod token_endpoint;
pub mod tokens;
pub mod userinfo;

pub use error::{AuthError, IdTokenError, RoleError};
