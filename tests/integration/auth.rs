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
