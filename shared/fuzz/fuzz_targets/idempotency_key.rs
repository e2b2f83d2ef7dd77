//! The `Idempotency-Key` header of `POST /orders`
//! (`IdempotencyKey::parse`): an accepted key is the trimmed header, 1 to
//! 128 of `A-Z a-z 0-9 _ -`, and parses to itself; a refused one is a 400.

#![no_main]

use cabinet::domain::order_form::IdempotencyKey;
use cabinet_fuzz::assert_client_error;
use http::StatusCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    match IdempotencyKey::parse(Some(raw)) {
        Ok(key) => {
            let value = key.as_str();
            assert_eq!(value, raw.trim());
            assert!((1..=128).contains(&value.len()));
            assert!(
                value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(IdempotencyKey::parse(Some(value)).ok(), Some(key));
        }
        Err(error) => {
            assert_client_error(&error);
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
        }
    }
    // The same check on the header as API Gateway hands it over.
    if let Ok(value) = http::HeaderValue::from_str(raw)
        && let Ok(text) = value.to_str()
    {
        assert_eq!(
            IdempotencyKey::parse(Some(text)).ok(),
            IdempotencyKey::parse(Some(raw)).ok()
        );
    }
});
