//! Free text and the other typed single values: `BoundedText` (multi-line
//! and single-line), file names with their `Content-Disposition`,
//! confirmation codes and passwords. Each accepted value parses to itself
//! and keeps the bounds of its kind.

#![no_main]

use cabinet::domain::file::FileName;
use cabinet::domain::registration::{CODE_MAX_CHARS, ConfirmationCode};
use cabinet::domain::{BoundedText, Password, char_count};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use unicode_normalization::UnicodeNormalization;

/// The bounds, in characters, of the texts of the forms.
const BOUNDS: [(usize, usize); 8] = [
    (1, 5),
    (3, 200),
    (10, 5000),
    (1, 300),
    (10, 200),
    (30, 5000),
    (10, 2000),
    (1, 1000),
];

fn check_text(raw: &str, min: usize, max: usize, single_line: bool) {
    let parse = |text: &str| {
        if single_line {
            BoundedText::parse_line(text, min, max)
        } else {
            BoundedText::parse(text, min, max)
        }
    };
    if let Ok(text) = parse(raw) {
        let value = text.as_str();
        assert_eq!(value, value.trim());
        assert!(char_count(value) <= max);
        assert!(char_count(value) >= min.max(1));
        assert!(!value.chars().any(|c| matches!(c, '\u{202a}'..='\u{202e}')));
        if single_line {
            assert!(!value.chars().any(|c| c.is_control() || c == '\u{2028}'));
        }
        assert_eq!(parse(value), Ok(text.clone()));
    }
}

fn check_file_name(raw: &str) {
    let Ok(name) = FileName::parse(raw) else {
        return;
    };
    let value = name.as_str();
    assert_eq!(value, value.trim());
    assert_eq!(value, value.nfc().collect::<String>());
    assert!(!value.chars().any(char::is_control));
    assert_eq!(FileName::parse(value).ok(), Some(name.clone()));

    // The header is ASCII, one line, its quoted name unbroken, and its
    // UTF-8 form decodes back to the name (with path separators made `_`).
    let header = name.content_disposition();
    assert!(header.is_ascii() && !header.contains(['\r', '\n']));
    let rest = header
        .strip_prefix("attachment; filename=\"")
        .expect("the header starts with the quoted name");
    let (quoted, extended) = rest
        .split_once("\"; filename*=UTF-8''")
        .expect("the quoted name is followed by the UTF-8 one");
    assert!(!quoted.contains(['"', '\\', '/']));
    assert!(!extended.contains([' ', '"', ';', '/', '\\', '\'']));
    let decoded = percent_decode_str(extended)
        .decode_utf8()
        .expect("the UTF-8 name decodes");
    assert_eq!(decoded, value.replace(['/', '\\'], "_"));
}

fn check_code(raw: &str) {
    if let Ok(code) = ConfirmationCode::parse("code", Some(raw)) {
        let value = code.expose();
        assert!(!value.is_empty() && char_count(value) <= CODE_MAX_CHARS);
        assert!(!value.chars().any(|c| c.is_whitespace() || c.is_control()));
        assert_eq!(
            ConfirmationCode::parse("code", Some(value)).ok(),
            Some(code)
        );
    }
}

fn check_password(raw: &str) {
    if let Ok(password) = Password::parse(raw) {
        assert_eq!(password.expose(), raw, "a password is kept as typed");
        assert_eq!(Password::parse(raw).ok(), Some(password));
    }
}

fuzz_target!(|raw: &str| {
    for (min, max) in BOUNDS {
        check_text(raw, min, max, false);
        check_text(raw, min, max, true);
    }
    check_file_name(raw);
    check_code(raw);
    check_password(raw);
});
