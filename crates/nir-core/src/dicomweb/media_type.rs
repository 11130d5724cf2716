//! Media types as they appear in `Content-Type` and `Accept` headers: a `type/subtype`
//! followed by `;`-separated parameters whose values may be tokens or quoted strings (with
//! backslash escapes, and `;` allowed inside the quotes). DICOMweb servers differ in how
//! they quote `type`, `boundary` and `transfer-syntax`, so everything here accepts both.

/// A parsed media type: lower-cased essence plus parameters in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// `type/subtype`, lower-cased, e.g. `multipart/related`.
    pub essence: String,
    /// Parameters with lower-cased names and unquoted values.
    pub parameters: Vec<(String, String)>,
}

impl MediaType {
    /// Parses a header value; `None` when there is no `type/subtype` at all.
    pub fn parse(value: &str) -> Option<Self> {
        let mut pieces = split_unquoted(value, b';').into_iter();
        let essence = pieces.next()?.trim().to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/')?;
        if kind.is_empty() || subtype.is_empty() || essence.contains(char::is_whitespace) {
            return None;
        }
        let parameters = pieces
            .filter_map(|piece| {
                let (name, raw) = piece.split_once('=')?;
                let name = name.trim().to_ascii_lowercase();
                (!name.is_empty()).then(|| (name, unquote(raw.trim())))
            })
            .collect();
        Some(Self {
            essence,
            parameters,
        })
    }

    /// The value of a parameter, matched case-insensitively.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Splits on `separator` outside double quotes.
fn split_unquoted(value: &str, separator: u8) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, &byte) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if in_quotes && byte == b'\\' {
            escaped = true;
        } else if byte == b'"' {
            in_quotes = !in_quotes;
        } else if byte == separator && !in_quotes {
            pieces.push(&value[start..index]);
            start = index + 1;
        }
    }
    pieces.push(&value[start..]);
    pieces
}

/// Removes surrounding quotes and backslash escapes; tokens are returned as they are.
fn unquote(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"') else {
        return raw.to_string();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_and_unquoted_parameters() {
        let parsed = MediaType::parse(
            "Multipart/Related; type=\"application/dicom\"; BOUNDARY=abc-123; transfer-syntax=*",
        )
        .unwrap();
        assert_eq!(parsed.essence, "multipart/related");
        assert_eq!(parsed.parameter("type"), Some("application/dicom"));
        assert_eq!(parsed.parameter("boundary"), Some("abc-123"));
        assert_eq!(parsed.parameter("transfer-syntax"), Some("*"));
    }

    #[test]
    fn keeps_separators_and_escapes_inside_quotes() {
        let parsed =
            MediaType::parse(r#"multipart/related; boundary="a;b=\"c\""; type=x/y"#).unwrap();
        assert_eq!(parsed.parameter("boundary"), Some("a;b=\"c\""));
        assert_eq!(parsed.parameter("type"), Some("x/y"));
    }

    #[test]
    fn unquoted_type_parameter_is_accepted() {
        let parsed = MediaType::parse("multipart/related;type=application/dicom").unwrap();
        assert_eq!(parsed.parameter("type"), Some("application/dicom"));
    }

    #[test]
    fn rejects_values_without_a_subtype() {
        assert!(MediaType::parse("").is_none());
        assert!(MediaType::parse("multipart").is_none());
        assert!(MediaType::parse("/related").is_none());
        assert!(MediaType::parse("multi part/related").is_none());
    }
}
