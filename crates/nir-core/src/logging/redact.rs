//! The redaction rules applied to every log line. Patterns catch what has a recognisable
//! shape (NHS numbers in any spacing, DICOM UIDs, DICOM person names, bearer tokens and
//! JWTs); names in free text have no shape, so the session registers the current patient's
//! name here and it is removed wherever it appears. A term held through
//! [`hold_sensitive_term`] is unregistered when its [`SensitiveTerm`] is dropped, so the
//! terms of a patient go when the patient's state is wiped.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Registered terms; those held by a [`SensitiveTerm`] carry its number.
type Terms = RwLock<Vec<(Option<u64>, Regex)>>;

fn sensitive_terms() -> &'static Terms {
    static TERMS: OnceLock<Terms> = OnceLock::new();
    TERMS.get_or_init(|| RwLock::new(Vec::new()))
}

/// The pattern for a term: its words in order, separated by any run of spaces, carets or
/// commas, case-insensitive, and whole words only where the term starts or ends with one.
fn term_pattern(term: &str) -> Option<Regex> {
    let words: Vec<String> = term
        .split(|c: char| c.is_whitespace() || c == '^' || c == ',')
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    let joined = words.join(r"[\s^,]+");
    if joined.chars().count() < 2 {
        return None;
    }
    let edge = |c: Option<char>| {
        if c.is_some_and(char::is_alphanumeric) {
            r"\b"
        } else {
            ""
        }
    };
    let pattern = format!(
        "{}{joined}{}",
        edge(term.trim().chars().next()),
        edge(term.trim().chars().last())
    );
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .build()
        .ok()
}

/// Adds a term (e.g. the current patient's name) that must never appear in a log line,
/// until [`forget_sensitive_terms`].
pub fn register_sensitive_term(term: &str) {
    if let Some(regex) = term_pattern(term) {
        let mut terms = sensitive_terms().write().unwrap_or_else(|p| p.into_inner());
        terms.push((None, regex));
    }
}

/// A term registered for as long as this value lives.
pub struct SensitiveTerm {
    id: u64,
}

impl fmt::Debug for SensitiveTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SensitiveTerm(..)")
    }
}

impl Drop for SensitiveTerm {
    fn drop(&mut self) {
        let mut terms = sensitive_terms().write().unwrap_or_else(|p| p.into_inner());
        terms.retain(|(id, _)| *id != Some(self.id));
    }
}

/// Registers a term that must never appear in a log line while the returned value lives;
/// `None` when the term is too short to register (a single character).
pub fn hold_sensitive_term(term: &str) -> Option<SensitiveTerm> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let regex = term_pattern(term)?;
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut terms = sensitive_terms().write().unwrap_or_else(|p| p.into_inner());
    terms.push((Some(id), regex));
    Some(SensitiveTerm { id })
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
    for (_, term) in terms.iter() {
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

    #[test]
    fn a_held_term_is_redacted_in_any_spacing_until_dropped() {
        let held = super::hold_sensitive_term("Quenby  Oakhurst-Vale").unwrap();
        assert_eq!(
            redact("seen Quenby Oakhurst-Vale and quenby, oakhurst-vale"),
            "seen [REDACTED] and [REDACTED]"
        );
        let short = super::hold_sensitive_term("Li").unwrap();
        assert_eq!(
            redact("Li came; the client limit"),
            "[REDACTED] came; the client limit"
        );
        assert!(super::hold_sensitive_term("x").is_none());
        drop((held, short));
        assert_eq!(redact("Quenby Oakhurst-Vale"), "Quenby Oakhurst-Vale");
        assert_eq!(redact("Li"), "Li");
    }
}
