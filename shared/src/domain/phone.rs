//! Russian mobile phone numbers (R2.5).

use std::fmt;

/// A Russian mobile number in one normal form, `+79001234567` (E.164), however
/// it was typed: `8 (900) 123-45-67`, `+7 900 123-45-67`, `8-900-123-45-67`
/// or `9001234567`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

/// Why a number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but white space.
    Empty,
    /// Holds letters or signs other than spaces, brackets, hyphens and dots;
    /// most often an extension (`доб. 12`), which a mobile number has not.
    UnexpectedCharacters,
    /// Too few or too many digits for a Russian number.
    WrongLength,
    /// A Russian number, but not a mobile one (mobile numbers begin with 9).
    NotMobile,
}

/// Signs people put between the digits: spaces (also the no-break and thin
/// ones word processors insert), brackets, dots and dashes (also the en and
/// em dashes and the no-break hyphen that autocorrect makes of a hyphen).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '('
            | ')'
            | '-'
            | '.'
            | '\u{a0}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2013}'
            | '\u{2014}'
    )
}

impl MobilePhone {
    /// Parses a number typed the Russian way into its normal form.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if !rest.chars().all(|c| c.is_ascii_digit() || is_separator(c)) {
            return Err(PhoneError::UnexpectedCharacters);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let national = match (international, digits.len()) {
            (true, 11) if digits.starts_with('7') => &digits[1..],
            (false, 11) if digits.starts_with('8') || digits.starts_with('7') => &digits[1..],
            (false, 10) => digits.as_str(),
            _ => return Err(PhoneError::WrongLength),
        };
        if !national.starts_with('9') {
            return Err(PhoneError::NotMobile);
        }
        Ok(Self(format!("+7{national}")))
    }

    /// The normal form, `+7` and ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Masks the number so that it never reaches a log whole.
impl fmt::Debug for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MobilePhone(***)")
    }
}

impl PhoneError {
    /// Stable machine code of the failure.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            _ => "invalid_phone",
        }
    }

    /// Russian explanation, to follow the field's label («Мобильный телефон»: …).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Empty => "укажите номер.",
            Self::UnexpectedCharacters => {
                "номер указан неверно: допустимы только цифры, пробелы, скобки и дефисы, без добавочного номера."
            }
            Self::WrongLength => {
                "номер указан неверно: ожидается 10 цифр после +7 или 8, например 8 (900) 123-45-67."
            }
            Self::NotMobile => {
                "ожидается номер мобильного телефона: он начинается с 9 после +7 или 8."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_spellings_become_one_normal_form() {
        for raw in [
            "8 (900) 000-00-00",
            "+7 900 000-00-00",
            "8-900-000-00-00",
            "9000000000",
            "+79000000000",
            "7 900 000 00 00",
            " 8(900)000.00.00 ",
            "8–900–000–00–00",
            "+7\u{2009}900\u{2009}000\u{2011}00\u{2011}00",
        ] {
            assert_eq!(
                MobilePhone::parse(raw).unwrap().as_str(),
                "+79000000000",
                "{raw}"
            );
        }
    }

    #[test]
    fn refuses_extensions_and_short_numbers() {
        assert_eq!(
            MobilePhone::parse("8 (900) 000-00-00 доб. 12"),
            Err(PhoneError::UnexpectedCharacters)
        );
        assert_eq!(
            MobilePhone::parse("+7 900 000-00-00 ext 5"),
            Err(PhoneError::UnexpectedCharacters)
        );
        assert_eq!(MobilePhone::parse("112"), Err(PhoneError::WrongLength));
        assert_eq!(
            MobilePhone::parse("000-00-00"),
            Err(PhoneError::WrongLength)
        );
        assert_eq!(
            MobilePhone::parse("8 900 000-00-00 1"),
            Err(PhoneError::WrongLength)
        );
        assert_eq!(
            MobilePhone::parse("+1 900 000 00 00"),
            Err(PhoneError::WrongLength)
        );
        assert_eq!(
            MobilePhone::parse("+8 900 000 00 00"),
            Err(PhoneError::WrongLength)
        );
        assert_eq!(
            MobilePhone::parse("8 9+00 000 00 00"),
            Err(PhoneError::UnexpectedCharacters)
        );
    }

    #[test]
    fn refuses_landlines_and_blank() {
        assert_eq!(
            MobilePhone::parse("8 (495) 000-00-00"),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(MobilePhone::parse("  "), Err(PhoneError::Empty));
    }

    #[test]
    fn debug_hides_the_number() {
        let phone = MobilePhone::parse("9001234567").unwrap();
        assert!(!format!("{phone:?}").contains("123"));
    }
}
