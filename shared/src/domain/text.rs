//! Free text whose length is counted in Unicode characters after trimming.

/// Number of Unicode scalar values in `text` (never bytes).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// Zero-width format characters, which a reader does not see: U+00AD,
/// U+200B–U+200F, U+2060–U+2064, U+FEFF.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Number of characters a reader sees: neither white space nor
/// [invisible](is_invisible) ones.
fn visible_count(text: &str) -> usize {
    text.chars()
        .filter(|&c| !c.is_whitespace() && !is_invisible(c))
        .count()
}

/// Characters that reorder the text around them (U+202A–U+202E,
/// U+2066–U+2069); a message needs none, and they can disguise what it says.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a text of the given kind may not hold `c`: bidi controls never,
/// control characters never except line breaks and tabs in multi-line
/// text. A single-line text also refuses the Unicode line and paragraph
/// separators (U+2028, U+2029), which break a line as LF does.
fn is_forbidden(c: char, lines: Lines) -> bool {
    let line_break = matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}');
    match lines {
        Lines::Multi => (c.is_control() && !line_break) || is_bidi_control(c),
        Lines::Single => c.is_control() || line_break || is_bidi_control(c),
    }
}

/// Whether a text may span several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    /// One line: a subject, a name, a title (no CR, LF, TAB or other
    /// control character; they could split a mail header or a file name).
    Single,
    /// Free text with line breaks and tabs: an order's or message's text.
    Multi,
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
    /// Holds control characters (in multi-line text, other than line
    /// breaks and tabs) or bidi controls.
    ControlCharacters,
}

impl BoundedText {
    /// Trims `raw`, a multi-line text, and checks its length in characters.
    pub fn parse(raw: &str, min: usize, max: usize) -> Result<Self, TextError> {
        Self::parse_as(raw, min, max, Lines::Multi)
    }

    /// Trims `raw`, a single-line text, and checks its length in
    /// characters: any control character inside, CR, LF and TAB included,
    /// refuses it.
    pub fn parse_line(raw: &str, min: usize, max: usize) -> Result<Self, TextError> {
        Self::parse_as(raw, min, max, Lines::Single)
    }

    /// Trims `raw`, a text of the given kind, and checks its length.
    fn parse_as(raw: &str, min: usize, max: usize, lines: Lines) -> Result<Self, TextError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().any(|c| is_forbidden(c, lines)) {
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

    #[test]
    fn a_single_line_refuses_line_breaks_tabs_and_bidi_controls() {
        for raw in [
            "Тема\r\nBcc: x@y",
            "Тема\nвторая",
            "Тема\rвторая",
            "Тема\tс табуляцией",
            "Тема\u{2028}вторая",
            "Тема\u{85}вторая",
            "invoice\u{202e}fdp.exe",
        ] {
            assert_eq!(
                BoundedText::parse_line(raw, 1, 200),
                Err(TextError::ControlCharacters),
                "{raw:?}"
            );
        }
        // Surrounding line breaks are trimmed, not refused.
        assert_eq!(
            BoundedText::parse_line("\r\n Тема заявки \n", 1, 200)
                .unwrap()
                .as_str(),
            "Тема заявки"
        );
        assert!(BoundedText::parse("Тема\r\nвторая строка", 1, 200).is_ok());
        assert_eq!(
            BoundedText::parse_line("\u{200b}", 1, 200),
            Err(TextError::Empty)
        );
    }
}
