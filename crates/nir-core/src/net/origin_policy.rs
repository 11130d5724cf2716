//! Where the clinician's bearer token may go. Pointers (a DocumentReference's
//! `attachment.url`, the Retrieve URL (0008,1190) of a KOS manifest) come from whoever
//! registered them, so an address taken from one is checked against one list before any
//! request leaves: the NIR base (`[nir] base_url`, `retrieve_url`), the provider origins the
//! organisation lists (`[network] provider_origins`) and, in training mode, the sandbox's own
//! loopback origin. Origins are compared as RFC 6454 §4 defines them (scheme, host, port);
//! in live mode only `https` passes (RFC 6750 §5.3: bearer tokens only over TLS). A refusal
//! names the host, never the path or query, which may carry identifiers. A policy built by
//! [`OriginPolicy::tokenless`] lets requests go anywhere but never with a token: it is the
//! default of clients that hold none, so forgetting the policy cannot leak one.

use std::fmt;

use crate::config::Config;

/// What a request to an allowed address may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// The bearer token (and NIR's headers) may be sent.
    WithToken,
    /// The request may be sent, but without any credential.
    WithoutToken,
}

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// Not `http` or `https`.
    Scheme,
    /// `http` where only `https` is allowed.
    NotHttps,
    /// The origin is not on the list.
    NotListed,
    /// The address carries a user name or password of its own.
    Credentials,
}

/// An address the token may not go to: the host (and a non-default port) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OriginRefusal {
    /// The host as the address names it, with its port when one is given; no path or query.
    pub host: String,
    /// Why it was refused.
    pub reason: RefusalReason,
}

impl fmt::Display for OriginRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = &self.host;
        match self.reason {
            RefusalReason::Scheme => write!(f, "the address at {host} is not an https address"),
            RefusalReason::NotHttps => write!(
                f,
                "the address at {host} uses plain http; only https is allowed"
            ),
            RefusalReason::NotListed => write!(
                f,
                "{host} is not one of the addresses your organisation allows the viewer to use"
            ),
            RefusalReason::Credentials => {
                write!(f, "the address at {host} carries a user name or password")
            }
        }
    }
}

impl OriginRefusal {
    /// The message the clinician sees: the host, and what to do.
    pub fn user_message(&self) -> String {
        format!(
            "The record points to {}, and was not opened: {self}. Your sign-in is only sent to \
             the National Imaging Registry and the imaging providers your organisation lists. \
             Report the record to your IT service desk.",
            self.host
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// Only these origins, each request with the token.
    Listed {
        origins: Vec<url::Origin>,
        https_only: bool,
    },
    /// Any http(s) origin, never with a token.
    Tokenless,
}

/// The list of origins a session's requests may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    rule: Rule,
}

impl OriginPolicy {
    /// A live session's policy: NIR's base and retrieve endpoints and the listed provider
    /// origins, `https` only.
    pub fn for_live(config: &Config) -> Self {
        let mut urls = vec![&config.nir.base_url];
        urls.extend(config.nir.retrieve_url.as_ref());
        urls.extend(config.network.provider_origins.iter());
        Self::listed(urls, true)
    }

    /// Training mode's policy: the sandbox's own (loopback, plain http) origin only.
    pub fn for_training(sandbox_base: &url::Url) -> Self {
        Self::listed([sandbox_base], false)
    }

    /// Exactly the origins of `urls`; `https_only` refuses plain http even to them.
    pub fn listed<'a>(urls: impl IntoIterator<Item = &'a url::Url>, https_only: bool) -> Self {
        let origins = urls
            .into_iter()
            .map(url::Url::origin)
            .filter(url::Origin::is_tuple)
            .collect();
        Self {
            rule: Rule::Listed {
                origins,
                https_only,
            },
        }
    }

    /// Any http(s) address, but never with a token: for clients that hold none (a DICOMweb
    /// server named on the command line) and the default of one built without a policy.
    pub fn tokenless() -> Self {
        Self {
            rule: Rule::Tokenless,
        }
    }

    /// Whether a request to `url` may be sent, and with what.
    pub fn check(&self, url: &url::Url) -> Result<Grant, OriginRefusal> {
        let refuse = |reason| OriginRefusal {
            host: host_of(url),
            reason,
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse(RefusalReason::Scheme));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(RefusalReason::Credentials));
        }
        match &self.rule {
            Rule::Tokenless => Ok(Grant::WithoutToken),
            Rule::Listed {
                origins,
                https_only,
            } => {
                if *https_only && url.scheme() != "https" {
                    return Err(refuse(RefusalReason::NotHttps));
                }
                if origins.contains(&url.origin()) {
                    Ok(Grant::WithToken)
                } else {
                    Err(refuse(RefusalReason::NotListed))
                }
            }
        }
    }
}

impl Default for OriginPolicy {
    fn default() -> Self {
        Self::tokenless()
    }
}

/// `host` or `host:port` of an address; never its path, query or user name.
fn host_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("an address without a host");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    fn live() -> OriginPolicy {
        OriginPolicy::listed(
            [
                &url("https://nir.example.nhs.uk/FHIR/R4/"),
                &url("https://pacs.example.nhs.uk"),
            ],
            true,
        )
    }

    #[test]
    fn listed_origins_get_the_token_whatever_the_path() {
        let policy = live();
        for allowed in [
            "https://nir.example.nhs.uk/FHIR/R4/DocumentReference?x=1",
            "https://pacs.example.nhs.uk/dicomweb/studies/1.2.3/metadata",
            "https://pacs.example.nhs.uk:443/other",
            "https://PACS.example.nhs.uk/upper-case-host",
        ] {
            assert_eq!(
                policy.check(&url(allowed)),
                Ok(Grant::WithToken),
                "{allowed}"
            );
        }
    }

    #[test]
    fn another_host_port_or_scheme_is_refused_naming_only_the_host() {
        let policy = live();
        for (refused, host, reason) in [
            (
                "https://attacker.example/studies/1.2.3?patient=9912003888",
                "attacker.example",
                RefusalReason::NotListed,
            ),
            (
                "https://pacs.example.nhs.uk:8443/x",
                "pacs.example.nhs.uk:8443",
                RefusalReason::NotListed,
            ),
            (
                "https://pacs.example.nhs.uk.attacker.example/x",
                "pacs.example.nhs.uk.attacker.example",
                RefusalReason::NotListed,
            ),
            (
                "http://pacs.example.nhs.uk/x",
                "pacs.example.nhs.uk",
                RefusalReason::NotHttps,
            ),
            (
                "ftp://pacs.example.nhs.uk/x",
                "pacs.example.nhs.uk",
                RefusalReason::Scheme,
            ),
            (
                "https://nir.example.nhs.uk@attacker.example/x",
                "attacker.example",
                RefusalReason::Credentials,
            ),
        ] {
            let refusal = policy.check(&url(refused)).unwrap_err();
            assert_eq!(refusal.host, host, "{refused}");
            assert_eq!(refusal.reason, reason, "{refused}");
            let message = refusal.user_message();
            assert!(message.contains(host), "{message}");
            assert!(
                !message.contains("9912003888") && !message.contains("/x"),
                "{message}"
            );
        }
    }

    #[test]
    fn training_allows_the_sandbox_origin_over_http_only() {
        let policy = OriginPolicy::for_training(&url("http://127.0.0.1:8642/"));
        assert_eq!(
            policy.check(&url("http://127.0.0.1:8642/wado/north/studies/1/metadata")),
            Ok(Grant::WithToken)
        );
        assert!(policy.check(&url("http://127.0.0.1:8643/")).is_err());
        assert!(policy.check(&url("http://localhost:8642/")).is_err());
    }

    #[test]
    fn the_live_policy_is_built_from_the_configuration() {
        let config = crate::config::parse(
            "[nir]\nflavour = \"xca\"\nbase_url = \"https://nir.example.nhs.uk/iti38\"\n\
             retrieve_url = \"https://retrieve.example.nhs.uk/iti39\"\n\
             [network]\nprovider_origins = [\"https://pacs.example.nhs.uk\"]\n",
        )
        .unwrap();
        let policy = OriginPolicy::for_live(&config);
        for allowed in [
            "https://nir.example.nhs.uk/other",
            "https://retrieve.example.nhs.uk/wado",
            "https://pacs.example.nhs.uk/wado",
        ] {
            assert_eq!(
                policy.check(&url(allowed)),
                Ok(Grant::WithToken),
                "{allowed}"
            );
        }
        assert!(policy
            .check(&url("https://elsewhere.example.nhs.uk/"))
            .is_err());
    }

    #[test]
    fn tokenless_sends_anywhere_without_the_token() {
        let policy = OriginPolicy::default();
        assert_eq!(
            policy.check(&url("http://10.0.0.1/dicomweb")),
            Ok(Grant::WithoutToken)
        );
        assert!(policy.check(&url("file:///etc/passwd")).is_err());
    }
}
