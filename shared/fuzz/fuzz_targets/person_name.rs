//! Names of people (`PersonName::parse`, and the patronymic rule of
//! sign-up and profile): an accepted name is composed (NFC), trimmed,
//! 1 to 100 characters starting with a letter, and parses to itself.

#![no_main]

use cabinet::domain::PersonName;
use cabinet::domain::person::NAME_MAX_CHARS;
use cabinet::domain::registration::parse_patronymic;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

fuzz_target!(|raw: &str| {
    if let Ok(name) = PersonName::parse(raw) {
        let text = name.as_str();
        assert_eq!(text, text.trim());
        assert_eq!(text, text.nfc().collect::<String>());
        let count = text.chars().count();
        assert!((1..=NAME_MAX_CHARS).contains(&count));
        assert!(text.chars().next().is_some_and(char::is_alphabetic));
        assert!(!text.chars().any(char::is_control));
        assert_eq!(PersonName::parse(text), Ok(name.clone()));
    }
    match parse_patronymic("patronymic", Some(raw)) {
        Ok(None) => assert!(raw.trim().is_empty()),
        Ok(Some(name)) => assert_eq!(PersonName::parse(raw), Ok(name)),
        Err(error) => {
            assert_eq!(error.field, "patronymic");
            assert!(PersonName::parse(raw).is_err());
        }
    }
});
