//! The redaction rules applied to every log line. Patterns catch what has a recognisable
//! shape (NHS numbers in any spacing, DICOM UIDs, DICOM person names, bearer tokens and
//! JWTs); names in free text have no shape, so the session registers the current patient's
//! name here and it is removed wherever it appears.

use std::borrow::Cow;
use std::sync::{OnceLock, RwLock};

use regex::{Regex, RegexBuilder};

struct Rules {
    token: Regex,
    jwt: Regex,
    uid: Regex,
    nhs_number: Regex,
    person_name: Regex,
}

fn rules() -> &'static Option<Rules> {
    static RULES: OnceLock<Option<Rules>> = OnceLock::new();
    RULES.get_or_init(|| {
        Some(Rules {
            token: Regex::new(r"(?i)\b(bearer|token[=:])\s*[A-Za-z0-9._~+/=-]+").ok()?,
            jwt: Regex::new(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?").ok()?,
            uid: Regex::new(r"\b\d+(\.\d+){3,}\b").ok()?,
            nhs_number: Regex::new(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b").ok()?,
            person_name: Regex::new(r"[\p{L}'-]+\^[\p{L}'^ -]*").ok()?,
        })
    })
}

fn sensitive_terms() -> &'static RwLock<Vec<Regex>> {
    static TERMS: OnceLock<RwLock<Vec<Regex>>> = OnceLock::new();
    TERMS.get_or_init(|| RwLock::new(Vec::new()))
}

/// Adds a term (e.g. the current patient's name) that must never appear in a log line.
pub fn register_sensitive_term(term: &str) {
    let term = term.trim();
    if term.len() < 2 {
        return;
    }
    let pattern = regex::escape(term).replace(r"\ ", r"[\s^]+");
    if let Ok(regex) = RegexBuilder::new(&pattern).case_insensitive(true).build() {
        let mut terms = sensitive_terms().write().unwrap_or_else(|p| p.into_inner());
        terms.push(regex);
    }
}

/// Forgets the registered terms (on patient switch or wipe).
pub fn forget_sensitive_terms() {
    let mut terms = sensitive_terms().write().unwrap_or_else(|p| p.into_inner());
    terms.clear();
}

/// Returns the text with every identifying item replaced by a placeholder. If the rules
/// cannot be built the whole line is withheld rather than risk a leak.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Some(rules) = rules() else {
        return Cow::Borrowed("[log line withheld: redaction unavailable]\n");
    };
    let mut out = rules.token.replace_all(text, "$1 [TOKEN]").into_owned();
    out = rules.jwt.replace_all(&out, "[TOKEN]").into_owned();
    out = rules.uid.replace_all(&out, "[UID]").into_owned();
    out = rules
        .nhs_number
        .replace_all(&out, "[NHS-NUMBER]")
        .into_owned();
    out = rules.person_name.replace_all(&out, "[NAME]").into_owned();
    let terms = sensitive_terms().read().unwrap_or_else(|p| p.into_inner());
    for term in terms.iter() {
        out = term.replace_all(&out, "[REDACTED]").into_owned();
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn leaves_ordinary_text_alone() {
        let line = "retrieved 412 instances from network north in 2.5 s (status 200)";
        assert_eq!(redact(line), line);
    }

    #[test]
    fn replaces_each_kind_of_identifier() {
        assert_eq!(redact("nhs 9912003888"), "nhs [NHS-NUMBER]");
        assert_eq!(redact("uid 1.2.840.10008.1.2.1"), "uid [UID]");
        assert_eq!(
            redact("Authorization: Bearer x.y.z"),
            "Authorization: Bearer [TOKEN]"
        );
        assert_eq!(redact("name DOE^JANE, seen"), "name [NAME], seen");
        assert_eq!(redact("VAN DER BERG^JAN PIET"), "VAN DER [NAME]");
    }
}
