//! Paging cursors (`CursorKey::seal` / `CursorKey::open`, over
//! `seal::SealKey`): a cursor we sealed opens to the same key for its own
//! list; changed in any way, or presented to another list, filter or key,
//! it is refused with a 400 and never opens as another value; anything a
//! client makes up is refused the same way.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cabinet::paging::{CursorKey, CursorScope, StartKey};
use cabinet_fuzz::{assert_client_error, tampered};
use libfuzzer_sys::fuzz_target;

/// The key of the unit tests of `paging`, so that the cursor sealed there
/// (in `shared/fuzz/corpus/cursor`) opens here.
const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// The list that cursor was sealed for.
const PROVIDER_LIST: CursorScope<'static> = CursorScope {
    owner: "PROVIDER#chamber-moscow",
    filter: "in_progress",
};

/// A cursor to seal and a change to make to it.
#[derive(Arbitrary, Debug)]
struct Input {
    owner: String,
    filter: String,
    key: StartKey,
    /// Where a change goes, and what it is.
    position: usize,
    byte: u8,
}

fn refused(result: Result<StartKey, cabinet::ApiError>) {
    let error = result.expect_err("a cursor that is not ours opened");
    assert_client_error(&error);
    assert_eq!(error.code, "invalid_cursor");
}

/// A cursor as a client sends it: it opens only if it is, byte for byte,
/// the one we seal for the key it opens to.
fn check_raw(key: &CursorKey, raw: &str) {
    for scope in [
        PROVIDER_LIST,
        CursorScope {
            owner: "CUSTOMER#sub-1",
            filter: "",
        },
    ] {
        match key.open(scope, raw) {
            Ok(start) => assert_eq!(key.seal(scope, &start), raw),
            Err(error) => {
                assert_client_error(&error);
                assert_eq!(error.code, "invalid_cursor");
            }
        }
    }
}

fn check_sealed(key: &CursorKey, input: Input) {
    let scope = CursorScope {
        owner: &input.owner,
        filter: &input.filter,
    };
    let cursor = key.seal(scope, &input.key);
    if cursor.len() <= cabinet::paging::MAX_CURSOR_CHARS {
        assert_eq!(key.open(scope, &cursor).ok(), Some(input.key.clone()));
    }

    // One byte changed, dropped, or one added: refused.
    if let Some(tampered) = tampered(&cursor, input.position, input.byte) {
        refused(key.open(scope, &tampered));
    }

    // Another list, another filter, another key.
    let other_owner = format!("{}#", input.owner);
    refused(key.open(
        CursorScope {
            owner: &other_owner,
            filter: &input.filter,
        },
        &cursor,
    ));
    let other_filter = format!("{},", input.filter);
    refused(key.open(
        CursorScope {
            owner: &input.owner,
            filter: &other_filter,
        },
        &cursor,
    ));
    let foreign = CursorKey::new("another-fuzz-key-0123456789abcdef").expect("long enough");
    refused(foreign.open(scope, &cursor));
}

fuzz_target!(|data: &[u8]| {
    let key = CursorKey::new(SECRET).expect("the fuzz key is long enough");
    if let Ok(raw) = std::str::from_utf8(data) {
        check_raw(&key, raw);
    }
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check_sealed(&key, input);
    }
});
