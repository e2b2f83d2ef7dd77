//! One-click unsubscribe tokens (`UnsubscribeKey::issue` / `verify`): a
//! token reads back exactly what it was issued for; changed in any way, or
//! made up, it is refused with a 400, so one customer's token never turns
//! off another customer's e-mails.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cabinet::domain::profile::NotificationKind;
use cabinet::unsubscribe::{MAX_TOKEN_CHARS, Unsubscribe, UnsubscribeKey};
use cabinet_fuzz::{assert_client_error, tampered};
use libfuzzer_sys::fuzz_target;

/// The key of the unit tests of `unsubscribe`, so that the token issued
/// there (in `shared/fuzz/corpus/unsubscribe_token`) verifies here.
const SECRET: &str = "unsubscribe-test-key-0123456789abcdef";

/// A token to issue and a change to make to it.
#[derive(Arbitrary, Debug)]
struct Input {
    customer_id: String,
    message: bool,
    issued_at: i64,
    position: usize,
    byte: u8,
}

fn refused(key: &UnsubscribeKey, token: &str) {
    let error = key
        .verify(token)
        .expect_err("a token that is not ours was accepted");
    assert_client_error(&error);
    assert_eq!(error.code, "invalid_unsubscribe_token");
}

/// A token as a link carries it: it verifies only if it is, byte for byte,
/// the one we issue for what it asks.
fn check_raw(key: &UnsubscribeKey, raw: &str) {
    match key.verify(raw) {
        Ok(asked) => assert_eq!(
            key.issue(&asked.customer_id, asked.kind, asked.issued_at),
            raw
        ),
        Err(error) => {
            assert_client_error(&error);
            assert_eq!(error.code, "invalid_unsubscribe_token");
        }
    }
}

fn check_issued(key: &UnsubscribeKey, input: Input) {
    let kind = if input.message {
        NotificationKind::Message
    } else {
        NotificationKind::Status
    };
    let token = key.issue(&input.customer_id, kind, input.issued_at);
    // Another customer's token never reads as this customer's.
    let other = format!("{}x", input.customer_id);
    if let Ok(asked) = key.verify(&key.issue(&other, kind, input.issued_at)) {
        assert_ne!(asked.customer_id, input.customer_id);
    }
    if token.len() <= MAX_TOKEN_CHARS {
        assert_eq!(
            key.verify(&token).ok(),
            Some(Unsubscribe {
                customer_id: input.customer_id.clone(),
                kind,
                issued_at: input.issued_at,
            })
        );
    } else {
        refused(key, &token);
    }

    if let Some(tampered) = tampered(&token, input.position, input.byte) {
        refused(key, &tampered);
    }

    let foreign = UnsubscribeKey::new("another-fuzz-key-0123456789abcdef").expect("long enough");
    refused(&foreign, &token);
}

fuzz_target!(|data: &[u8]| {
    let key = UnsubscribeKey::new(SECRET).expect("the fuzz key is long enough");
    if let Ok(raw) = std::str::from_utf8(data) {
        check_raw(&key, raw);
    }
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check_issued(&key, input);
    }
});
