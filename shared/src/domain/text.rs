//! Free text whose length is counted in Unicode characters after trimming.

/// Number of Unicode scalar values in `text` (never bytes).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// Number of characters a reader sees: neither white space nor zero-width
/// format characters (U+200B–U+200F, U+2060–U+2064, U+FEFF, U+00AD).
fn visible_count(text: &str) -> usize {
    text.chars()
        .filter(|&c| {
            !c.is_whitespace()
                && !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
        })
        .count()
}

/// Characters that reorder the text around them (U+202A–U+202E,
/// U+2066–U+2069); a message needs none, and they can disguise what it says.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text trimmed of surrounding white space with a length, in characters,
/// between `min` and `max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but white space.
    Empty,
    /// Fewer characters than the minimum.
    TooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// More characters than the maximum.
    TooLong {
        /// The maximum, in characters.
        max: usize,
    },
    /// Holds control characters other than line breaks and tabs.
    ControlCharacters,
}

impl BoundedText {
    /// Trims `raw` and checks its length in characters.
    pub fn parse(raw: &str, min: usize, max: usize) -> Result<Self, TextError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed
            .chars()
            .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c))
        {
            return Err(TextError::ControlCharacters);
        }
        // The minimum counts what a reader sees: zero-width and other format
        // characters make no text longer.
        if visible_count(trimmed) < min {
            return Err(if visible_count(trimmed) == 0 {
                TextError::Empty
            } else {
                TextError::TooShort { min }
            });
        }
        let count = char_count(trimmed);
        if count < min {
            return Err(TextError::TooShort { min });
        }
        if count > max {
            return Err(TextError::TooLong { max });
        }
        Ok(Self(trimmed.to_string()))
    }

    /// The checked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The checked text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TextError {
    /// Stable machine code of the failure.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::ControlCharacters => "invalid_characters",
        }
    }

    /// Russian explanation naming the field by its `label`.
    pub fn describe(self, label: &str) -> String {
        match self {
            Self::Empty => format!("Заполните поле «{label}»."),
            Self::TooShort { min } => {
                format!("Поле «{label}» должно содержать не менее {min} символов.")
            }
            Self::TooLong { max } => {
                format!("Поле «{label}» должно содержать не более {max} символов.")
            }
            Self::ControlCharacters => {
                format!("Поле «{label}» содержит недопустимые управляющие символы.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        // 10 Cyrillic letters are 20 bytes but 10 characters.
        assert!(BoundedText::parse("абвгдеёжзи", 10, 10).is_ok());
        assert_eq!(
            BoundedText::parse("абвгдеёжз", 10, 100),
            Err(TextError::TooShort { min: 10 })
        );
    }

    #[test]
    fn surrounding_spaces_do_not_count() {
        assert_eq!(
            BoundedText::parse("   короткая   ", 10, 100),
            Err(TextError::TooShort { min: 10 })
        );
        assert_eq!(
            BoundedText::parse("  ровно десять  ".trim(), 10, 100)
                .unwrap()
                .as_str(),
            "ровно десять"
        );
    }

    #[test]
    fn invisible_characters_do_not_count() {
        let zero_width = "\u{200b}".repeat(10);
        assert_eq!(
            BoundedText::parse(&zero_width, 3, 200),
            Err(TextError::Empty)
        );
        let padded = format!("ab{}", "\u{2060}".repeat(20));
        assert_eq!(
            BoundedText::parse(&padded, 10, 200),
            Err(TextError::TooShort { min: 10 })
        );
        assert_eq!(
            BoundedText::parse("текст \u{202e}наоборот", 1, 200),
            Err(TextError::ControlCharacters)
        );
    }

    #[test]
    fn refuses_blank_long_and_control_text() {
        assert_eq!(BoundedText::parse(" \n\t ", 1, 5), Err(TextError::Empty));
        assert_eq!(
            BoundedText::parse("шесть!", 1, 5),
            Err(TextError::TooLong { max: 5 })
        );
        assert_eq!(
            BoundedText::parse("a\u{0}b", 1, 5),
            Err(TextError::ControlCharacters)
        );
        assert!(BoundedText::parse("строка\nвторая", 1, 50).is_ok());
    }
}
