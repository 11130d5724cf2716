//! Reading a plain-text report (`text/plain`, IHE RAD TF-3 formatCode `urn:ihe:rad:TEXT`):
//! UTF-8 by default (RFC 6657 leaves the default to the sender; UTF-8 is what XDS
//! repositories send), US-ASCII and ISO-8859-1 when the media type declares them, anything
//! else refused. A byte-order mark is dropped, line ends become `\n`, control characters
//! other than tab and newline are refused (the document is binary), and the text is bounded.

/// Longest text shown (a report of this length is already many pages).
pub const TEXT_LIMIT: usize = 1 << 20;

/// Why a plain-text report cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Longer than the viewer shows.
    #[error("its text is longer than the viewer shows")]
    TooLong,
    /// A charset the viewer does not read.
    #[error("its text is in a character set the viewer does not read ({0})")]
    Charset(String),
    /// Not valid in the declared charset.
    #[error("its text is not valid {0}")]
    Invalid(&'static str),
    /// Control characters: not text at all.
    #[error("it is declared as text but holds binary data")]
    Binary,
}

/// The `charset` parameter of a media type, lower case, if any.
pub fn charset_of(media_type: &str) -> Option<String> {
    media_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// Decodes a plain-text report in `charset` (UTF-8 when none is declared).
pub fn decode_text(bytes: &[u8], charset: Option<&str>) -> Result<String, TextError> {
    if bytes.len() > TEXT_LIMIT {
        return Err(TextError::TooLong);
    }
    let text = match charset.unwrap_or("utf-8") {
        "utf-8" | "utf8" => {
            let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            std::str::from_utf8(bytes)
                .map_err(|_| TextError::Invalid("UTF-8"))?
                .to_owned()
        }
        "us-ascii" | "ascii" => {
            if !bytes.is_ascii() {
                return Err(TextError::Invalid("US-ASCII"));
            }
            String::from_utf8_lossy(bytes).into_owned()
        }
        // ISO-8859-1 maps each byte to the code point of the same value.
        "iso-8859-1" | "latin1" | "iso_8859-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        other => return Err(TextError::Charset(other.to_owned())),
    };
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\u{c}')
    {
        return Err(TextError::Binary);
    }
    Ok(text.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utf8_and_the_simple_declared_charsets() {
        assert_eq!(
            decode_text("\u{feff}Findings:\r\n  none – clear.\r\n".as_bytes(), None).unwrap(),
            "Findings:\n  none – clear."
        );
        assert_eq!(decode_text(b"Caf\xe9", Some("iso-8859-1")).unwrap(), "Café");
        assert_eq!(decode_text(b"plain", Some("us-ascii")).unwrap(), "plain");
        assert_eq!(
            charset_of("text/plain; charset=\"ISO-8859-1\"").as_deref(),
            Some("iso-8859-1")
        );
        assert_eq!(charset_of("text/plain"), None);
    }

    #[test]
    fn refuses_invalid_binary_unknown_and_huge_text() {
        assert_eq!(
            decode_text(b"Caf\xe9", None).unwrap_err(),
            TextError::Invalid("UTF-8")
        );
        assert_eq!(
            decode_text(b"Caf\xe9", Some("us-ascii")).unwrap_err(),
            TextError::Invalid("US-ASCII")
        );
        assert_eq!(
            decode_text(b"%PDF\x00\x01", None).unwrap_err(),
            TextError::Binary
        );
        assert!(matches!(
            decode_text(b"x", Some("shift_jis")),
            Err(TextError::Charset(_))
        ));
        assert_eq!(
            decode_text(&vec![b'a'; TEXT_LIMIT + 1], None).unwrap_err(),
            TextError::TooLong
        );
    }
}
