//! Paging cursors of the order lists (R6.2): opaque to the client and
//! tamper-evident.
//!
//! A cursor carries the key a list's next page starts after, in base64url,
//! followed by an HMAC-SHA256 of that key together with the list it was
//! made for: whose list (the index partition) and which filter. Changing one
//! byte of it, presenting it to another customer's or provider's list, or
//! with another filter, makes it fail its check, and the answer is a 400
//! `invalid_cursor`, never a read of someone else's orders or a 500.

use std::collections::BTreeMap;

use crate::config::{self, MissingVariable};
use crate::error::ApiError;
use crate::seal::{Label, SealKey};

/// Variable holding the signing key of cursors.
pub const CURSOR_KEY_VARIABLE: &str = "CURSOR_KEY";

/// Fewest characters of a signing key.
pub use crate::seal::MIN_KEY_CHARS;

/// Longest cursor accepted, in characters; ours stay far below it.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// The key attributes a page of a DynamoDB `Query` stopped at
/// (`LastEvaluatedKey`), all of them strings.
pub type StartKey = BTreeMap<String, String>;

/// The signing key of cursors; it prints as `CursorKey(SealKey(***))`.
#[derive(Debug, Clone)]
pub struct CursorKey(SealKey);

/// The key is missing or too short to sign with.
#[derive(Debug, thiserror::Error)]
pub enum CursorKeyError {
    /// `CURSOR_KEY` is not set.
    #[error(transparent)]
    Missing(#[from] MissingVariable),
    /// It is shorter than [`MIN_KEY_CHARS`].
    #[error("{CURSOR_KEY_VARIABLE} must hold at least {MIN_KEY_CHARS} characters")]
    TooShort,
}

/// The list a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorScope<'a> {
    /// Whose list: the partition of the index it pages through.
    pub owner: &'a str,
    /// The filter of the list, in a canonical form.
    pub filter: &'a str,
}

impl CursorKey {
    /// A key of `secret`, which must have at least [`MIN_KEY_CHARS`] characters.
    pub fn new(secret: &str) -> Result<Self, CursorKeyError> {
        SealKey::new(secret)
            .map(Self)
            .map_err(|_| CursorKeyError::TooShort)
    }

    /// The key of `CURSOR_KEY`.
    pub fn from_env() -> Result<Self, CursorKeyError> {
        Self::new(&config::required(CURSOR_KEY_VARIABLE)?)
    }

    /// The cursor of the page that follows `key` in the list `scope`.
    pub fn seal(&self, scope: CursorScope<'_>, key: &StartKey) -> String {
        let payload = serde_json::to_vec(key).expect("a map of strings serialises");
        self.0.seal(Label::Framed(&scope.parts()), &payload)
    }

    /// The key `cursor` continues after, if this key sealed it for `scope`.
    pub fn open(&self, scope: CursorScope<'_>, cursor: &str) -> Result<StartKey, ApiError> {
        let bytes = self
            .0
            .open(Label::Framed(&scope.parts()), cursor, MAX_CURSOR_CHARS)
            .map_err(|error| invalid_cursor(error.reason()))?;
        serde_json::from_slice(&bytes).map_err(|_| invalid_cursor("payload is not a key"))
    }
}

impl<'a> CursorScope<'a> {
    /// What a cursor's signature binds it to: owner, then filter, each
    /// framed by its length, so no two scopes share a MAC input.
    fn parts(self) -> [&'a str; 2] {
        [self.owner, self.filter]
    }
}

/// The 400 of a cursor that is not one of ours for this list.
fn invalid_cursor(reason: &str) -> ApiError {
    tracing::info!(reason, "paging cursor refused");
    ApiError::bad_request(
        "invalid_cursor",
        "Ссылка на следующую страницу списка повреждена или относится к другому списку. Откройте список заново.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn start() -> StartKey {
        StartKey::from([
            ("pk".into(), "ORDER#261204-7KQ2MX".into()),
            ("sk".into(), "ORDER".into()),
            ("gsi1pk".into(), "CUSTOMER#sub-1".into()),
            (
                "gsi1sk".into(),
                "2026-12-04T10:00:00.000Z#261204-7KQ2MX".into(),
            ),
        ])
    }

    const MINE: CursorScope<'static> = CursorScope {
        owner: "CUSTOMER#sub-1",
        filter: "",
    };

    fn refused(result: Result<StartKey, ApiError>) {
        let error = result.unwrap_err();
        assert_eq!(error.code, "invalid_cursor");
        assert_eq!(error.status, http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_cursor_opens_to_its_key_for_its_list() {
        let cursor = key().seal(MINE, &start());
        assert!(!cursor.contains('+') && !cursor.contains('/') && !cursor.contains('='));
        assert_eq!(key().open(MINE, &cursor).unwrap(), start());
    }

    #[test]
    fn any_changed_character_is_refused() {
        let cursor = key().seal(MINE, &start());
        for i in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != cursor {
                refused(key().open(MINE, &tampered));
            }
        }
    }

    #[test]
    fn a_cursor_of_another_list_filter_or_key_is_refused() {
        let cursor = key().seal(MINE, &start());
        let other_owner = CursorScope {
            owner: "CUSTOMER#sub-2",
            filter: "",
        };
        refused(key().open(other_owner, &cursor));
        let other_filter = CursorScope {
            owner: "CUSTOMER#sub-1",
            filter: "done",
        };
        refused(key().open(other_filter, &cursor));
        let other_key = CursorKey::new("another-key-another-key-another-key").unwrap();
        refused(other_key.open(MINE, &cursor));
    }

    #[test]
    fn scopes_cannot_be_shifted_between_owner_and_filter() {
        let a = CursorScope {
            owner: "ab",
            filter: "c",
        };
        let b = CursorScope {
            owner: "a",
            filter: "bc",
        };
        refused(key().open(b, &key().seal(a, &start())));
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for garbage in [
            "",
            ".",
            "abc",
            "abc.def",
            "%%%.%%%",
            "é.é",
            &"a".repeat(2000),
        ] {
            refused(key().open(MINE, garbage));
        }
        // A correctly signed payload that is not a key.
        let sealed = key().0.seal(Label::Framed(&MINE.parts()), b"[1,2]");
        refused(key().open(MINE, &sealed));
    }

    /// A cursor sealed, for [`start`] in the list below, by the code before
    /// cursors were sealed with [`crate::seal`]: cursors already in clients'
    /// hands must keep opening.
    const CURSOR_OF_EARLIER_RELEASES: &str = "eyJnc2kxcGsiOiJDVVNUT01FUiNzdWItMSIsImdzaTFzayI6IjIwMjYtMTItMDRUMTA6MDA6MDAuMDAwWiMyNjEyMDQtN0tRMk1YIiwicGsiOiJPUkRFUiMyNjEyMDQtN0tRMk1YIiwic2siOiJPUkRFUiJ9.hgFqYNZowKo9O-eNNsEdzldufuJfWfCp_HVPgeSN2aQ";

    #[test]
    fn cursors_keep_their_wire_format() {
        let scope = CursorScope {
            owner: "PROVIDER#chamber-moscow",
            filter: "in_progress",
        };
        assert_eq!(key().seal(scope, &start()), CURSOR_OF_EARLIER_RELEASES);
        assert_eq!(
            key().open(scope, CURSOR_OF_EARLIER_RELEASES).unwrap(),
            start()
        );
    }

    #[test]
    fn a_short_key_is_refused_and_never_printed() {
        assert!(matches!(
            CursorKey::new("short"),
            Err(CursorKeyError::TooShort)
        ));
        assert!(!format!("{:?}", key()).contains("0123"));
    }
}
