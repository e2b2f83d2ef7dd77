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
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{self, MissingVariable};
use crate::error::ApiError;

/// Variable holding the signing key of cursors.
pub const CURSOR_KEY_VARIABLE: &str = "CURSOR_KEY";

/// Fewest characters of a signing key.
pub const MIN_KEY_CHARS: usize = 32;

/// Longest cursor accepted, in characters; ours stay far below it.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// The key attributes a page of a DynamoDB `Query` stopped at
/// (`LastEvaluatedKey`), all of them strings.
pub type StartKey = BTreeMap<String, String>;

type HmacSha256 = Hmac<Sha256>;

/// The signing key of cursors.
#[derive(Clone)]
pub struct CursorKey(Vec<u8>);

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

/// Never prints the key.
impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorKey(***)")
    }
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
        if secret.chars().count() < MIN_KEY_CHARS {
            return Err(CursorKeyError::TooShort);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    /// The key of `CURSOR_KEY`.
    pub fn from_env() -> Result<Self, CursorKeyError> {
        Self::new(&config::required(CURSOR_KEY_VARIABLE)?)
    }

    /// The cursor of the page that follows `key` in the list `scope`.
    pub fn seal(&self, scope: CursorScope<'_>, key: &StartKey) -> String {
        let payload = serde_json::to_vec(key).expect("a map of strings serialises");
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let signature = URL_SAFE_NO_PAD.encode(self.mac(scope, &payload).finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The key `cursor` continues after, if this key sealed it for `scope`.
    pub fn open(&self, scope: CursorScope<'_>, cursor: &str) -> Result<StartKey, ApiError> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(invalid_cursor("too long"));
        }
        let (payload, signature) = cursor
            .split_once('.')
            .ok_or_else(|| invalid_cursor("no signature"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| invalid_cursor("signature is not base64url"))?;
        self.mac(scope, payload)
            .verify_slice(&signature)
            .map_err(|_| invalid_cursor("signature does not match"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| invalid_cursor("payload is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| invalid_cursor("payload is not a key"))
    }

    /// The MAC of `payload` bound to `scope`. Lengths prefix the parts, so
    /// no two scopes share an input.
    fn mac(&self, scope: CursorScope<'_>, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in [scope.owner, scope.filter, payload] {
            mac.update(part.len().to_string().as_bytes());
            mac.update(b":");
            mac.update(part.as_bytes());
            mac.update(b"|");
        }
        mac
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
        let payload = URL_SAFE_NO_PAD.encode(b"[1,2]");
        let signature = URL_SAFE_NO_PAD.encode(key().mac(MINE, &payload).finalize().into_bytes());
        refused(key().open(MINE, &format!("{payload}.{signature}")));
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
