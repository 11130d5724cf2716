//! Cross-module and whole-binary tests. One test binary (see `autotests = false` in the
//! crate manifest) with one module per area; helpers shared between areas live in `support`.

// Tests may unwrap: a panic is exactly how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod audit_delivery;
mod auth;
mod cli;
mod conformance;
mod dicomweb;
mod hostile;
mod imaging_corpus;
mod launch;
mod live_double;
mod managed_config;
mod observability;
mod origin_policy;
mod page_boundary;
mod registry;
mod sandbox;
mod support;
mod tls_provider;
mod viewer;
mod viewer_races;
mod xca_gateway;
