//! The per-session facts every discovery request carries: the correlation id of the
//! clinician's session, the ODS code of their organisation, and where the bearer token
//! comes from. Each request also gets a fresh `X-Request-ID`.

use std::sync::Arc;

use crate::net::AccessTokens;

pub use crate::net::{CORRELATION_ID_HEADER, ODS_HEADER, REQUEST_ID_HEADER};

/// SignInState context shared by every request of one sign-in.
#[derive(Clone)]
pub struct RequestContext {
    /// `X-Correlation-ID` for the session.
    pub correlation_id: String,
    /// ODS code of the clinician's organisation.
    pub ods_code: String,
    /// Source of the bearer token.
    pub tokens: Arc<dyn AccessTokens>,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("correlation_id", &self.correlation_id)
            .field("ods_code", &self.ods_code)
            .finish_non_exhaustive()
    }
}

impl RequestContext {
    /// Adds the session headers, a fresh request id and the bearer token when there is one.
    pub fn apply(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut builder = builder
            .header(REQUEST_ID_HEADER, uuid::Uuid::new_v4().to_string())
            .header(CORRELATION_ID_HEADER, &self.correlation_id)
            .header(ODS_HEADER, &self.ods_code);
        if let Some(token) = self.tokens.bearer() {
            builder = builder.bearer_auth(token.as_str());
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    struct Fixed;
    impl AccessTokens for Fixed {
        fn bearer(&self) -> Option<Zeroizing<String>> {
            Some(Zeroizing::new("tok".into()))
        }
    }

    #[test]
    fn every_request_gets_fresh_id_and_session_headers() {
        let session = RequestContext {
            correlation_id: "corr-1".into(),
            ods_code: "X26".into(),
            tokens: Arc::new(Fixed),
        };
        let client = reqwest::Client::new();
        let a = session
            .apply(client.get("http://127.0.0.1/"))
            .build()
            .unwrap();
        let b = session
            .apply(client.get("http://127.0.0.1/"))
            .build()
            .unwrap();
        assert_ne!(
            a.headers()[REQUEST_ID_HEADER],
            b.headers()[REQUEST_ID_HEADER]
        );
        assert_eq!(a.headers()[CORRELATION_ID_HEADER], "corr-1");
        assert_eq!(a.headers()[ODS_HEADER], "X26");
        assert_eq!(a.headers()["authorization"], "Bearer tok");
        assert!(a.headers()["authorization"].is_sensitive());
        assert!(!format!("{session:?}").contains("tok\""));
    }
}
