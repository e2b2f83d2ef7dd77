//! Names of people: first name, last name, patronymic.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::text::{BoundedText, TextError};

/// Longest name accepted, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// A first name, last name or patronymic: 1 to 100 characters after trimming,
/// letters of any script with spaces, hyphens, apostrophes and dots between.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// Its length or characters are out of bounds.
    Text(TextError),
    /// Holds digits or signs a name has not.
    UnexpectedCharacters,
}

impl PersonName {
    /// Composes, trims and checks `raw`. A name pasted in decomposed form
    /// (`И` and a combining breve, as some keyboards give `Й`) is composed
    /// first, so it is stored and compared as typed elsewhere.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let composed: String = raw.nfc().collect();
        let text = BoundedText::parse(&composed, 1, NAME_MAX_CHARS).map_err(NameError::Text)?;
        let ok = text.as_str().chars().all(|c| {
            (c.is_alphabetic() && !is_invisible_letter(c))
                || matches!(c, ' ' | '-' | '\'' | '’' | '.')
        }) && text
            .as_str()
            .chars()
            .next()
            .is_some_and(char::is_alphabetic);
        if ok {
            Ok(Self(text.into_inner()))
        } else {
            Err(NameError::UnexpectedCharacters)
        }
    }

    /// The checked name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Letters that show nothing: Hangul fillers count as alphabetic, but a name
/// made of them would look empty.
fn is_invisible_letter(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

/// Masks the name so that it never reaches a log whole.
impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(***)")
    }
}

impl NameError {
    /// Stable machine code of the failure.
    pub fn code(self) -> &'static str {
        match self {
            Self::Text(error) => error.code(),
            Self::UnexpectedCharacters => "invalid_characters",
        }
    }

    /// Russian explanation naming the field by its `label`.
    pub fn describe(self, label: &str) -> String {
        match self {
            Self::Text(error) => error.describe(label),
            Self::UnexpectedCharacters => format!(
                "Поле «{label}» может содержать только буквы, пробелы, дефисы, апострофы и точки."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_names() {
        for raw in [
            "Иван",
            " Анна-Мария ",
            "Д'Артаньян",
            "Hans Müller",
            "Ёлкина",
        ] {
            assert!(PersonName::parse(raw).is_ok(), "{raw}");
        }
        assert_eq!(PersonName::parse("  Пётр ").unwrap().as_str(), "Пётр");
    }

    #[test]
    fn composes_decomposed_letters() {
        assert_eq!(PersonName::parse("И\u{306}осиф").unwrap().as_str(), "Йосиф");
        assert_eq!(PersonName::parse("Се\u{308}ма").unwrap().as_str(), "Сёма");
    }

    #[test]
    fn refuses_invisible_letters() {
        for raw in ["\u{3164}", "\u{115F}", "\u{FFA0}", "Иван\u{3164}"] {
            assert_eq!(
                PersonName::parse(raw),
                Err(NameError::UnexpectedCharacters),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn refuses_digits_blank_and_long() {
        assert_eq!(
            PersonName::parse("Иван2"),
            Err(NameError::UnexpectedCharacters)
        );
        assert_eq!(
            PersonName::parse("-Иван"),
            Err(NameError::UnexpectedCharacters)
        );
        assert_eq!(
            PersonName::parse(""),
            Err(NameError::Text(TextError::Empty))
        );
        assert_eq!(
            PersonName::parse(&"я".repeat(101)),
            Err(NameError::Text(TextError::TooLong { max: 100 }))
        );
    }
}
