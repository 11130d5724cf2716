//! The NHS number: ten digits whose last is a modulus-11 check digit. Input may carry
//! spaces or dashes (as people type and EPRs print it); it is shown 3-3-4. The type never
//! prints the number through `Debug`, so it cannot leak into logs by accident.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::error::{ErrorCode, UserFacing};

/// A validated NHS number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

/// Why a string is not an NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    /// Something other than digits, spaces or dashes.
    #[error("an NHS number holds only digits, spaces and dashes")]
    InvalidCharacter,
    /// Not exactly ten digits.
    #[error("an NHS number has 10 digits, this has {0}")]
    WrongLength(usize),
    /// The modulus-11 check digit does not match.
    #[error("the check digit does not match")]
    BadCheckDigit,
}

impl UserFacing for NhsNumberError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidNhsNumber
    }

    fn user_message(&self) -> String {
        format!("This is not a valid NHS number: {self}. Check it and type it again.")
    }
}

impl NhsNumber {
    /// Parses and validates; spaces and dashes between digits are ignored.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = Vec::with_capacity(10);
        for ch in input.trim().chars() {
            match ch {
                '0'..='9' => digits.push(ch as u8 - b'0'),
                ' ' | '-' => {}
                _ => return Err(NhsNumberError::InvalidCharacter),
            }
        }
        let digits: [u8; 10] = digits
            .as_slice()
            .try_into()
            .map_err(|_| NhsNumberError::WrongLength(digits.len()))?;
        if check_digit(&digits[..9]) != Some(digits[9]) {
            return Err(NhsNumberError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    /// The ten digits with no separators, as sent to NIR and found in DICOM PatientID.
    pub fn as_digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The form shown to people: `999 123 4567`.
    pub fn formatted(&self) -> String {
        let d = self.as_digits();
        format!("{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

/// The modulus-11 check digit of the first nine digits; `None` when the remainder makes
/// the number invalid (check value 10).
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(&d, weight)| u32::from(d) * weight)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        check => u8::try_from(check).ok(),
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for NhsNumber {
    /// Display is deliberate (UI, requests); it shows the 3-3-4 form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl fmt::Debug for NhsNumber {
    /// Debug is what ends up in logs and panics: it never shows the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NhsNumber(<redacted>)")
    }
}

impl Serialize for NhsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_digits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_published_test_numbers() {
        for n in [
            "9912003888",
            "9000000009",
            "9000000017",
            "9278693472",
            "6700028191",
            "4409815415",
        ] {
            assert!(NhsNumber::parse(n).is_ok(), "{n} should be valid");
        }
    }

    #[test]
    fn accepts_spaces_and_dashes_and_shows_3_3_4() {
        let n = NhsNumber::parse(" 991-200 3888 ").unwrap();
        assert_eq!(n.as_digits(), "9912003888");
        assert_eq!(n.formatted(), "991 200 3888");
    }

    #[test]
    fn rejects_wrong_check_digit_length_and_characters() {
        assert_eq!(
            NhsNumber::parse("9912003887"),
            Err(NhsNumberError::BadCheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("991200388"),
            Err(NhsNumberError::WrongLength(9))
        );
        assert_eq!(
            NhsNumber::parse("99120038881"),
            Err(NhsNumberError::WrongLength(11))
        );
        assert_eq!(
            NhsNumber::parse("99120O3888"),
            Err(NhsNumberError::InvalidCharacter)
        );
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::WrongLength(0)));
    }

    #[test]
    fn rejects_numbers_whose_check_value_is_ten() {
        // 123456789 gives a weighted sum of 210, 210 % 11 = 1, check value 10: never issued.
        for last in 0..=9 {
            let candidate = format!("123456789{last}");
            assert!(NhsNumber::parse(&candidate).is_err());
        }
    }

    #[test]
    fn debug_never_shows_the_number() {
        let n = NhsNumber::parse("9912003888").unwrap();
        assert!(!format!("{n:?}").contains("9912003888"));
        assert!(!format!("{n:?}").contains("3888"));
    }
}
