//! E-mail addresses (`Email::parse` and the login rules of
//! `registration::parse_login`): an accepted address is in its normal
//! form (trimmed, lower case, at most 254 characters), which parses to
//! itself; a login is also ASCII and at most 128 characters.

#![no_main]

use cabinet::domain::Email;
use cabinet::domain::registration::{masked_destination, parse_login};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(email) = Email::parse(raw) {
        let normal = email.as_str();
        assert_eq!(normal, normal.trim());
        assert_eq!(normal, normal.to_lowercase());
        assert!(normal.chars().count() <= 254);
        let (local, domain) = normal.rsplit_once('@').expect("an address has an @");
        assert!(!local.is_empty() && domain.contains('.'));
        assert_eq!(Email::parse(normal), Ok(email.clone()));
        assert_eq!(email.to_string(), normal);
        // What a code's answer shows: the first letters and the top level.
        let masked = masked_destination(&email);
        let tld = domain.rsplit('.').next().expect("split yields one part");
        assert!(masked.starts_with(local.chars().next().expect("a local part")));
        assert!(masked.contains("***@") && masked.ends_with(&format!("***.{tld}")));
    }
    if let Ok(login) = parse_login("email", Some(raw)) {
        assert!(login.as_str().is_ascii());
        assert!(login.as_str().len() <= 128);
        assert_eq!(parse_login("email", Some(login.as_str())).ok(), Some(login));
    }
});
