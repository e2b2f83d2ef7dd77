//! One-click unsubscribe tokens (RFC 8058): every e-mail of the notifier
//! carries a link to `POST /unsubscribe?token=…` that turns one switch of
//! one customer off without a sign-in.
//!
//! A token is `<payload>.<signature>`, both base64url: the payload names the
//! customer (`sub`), the switch and when the token was issued; the signature
//! is an HMAC-SHA256 of a purpose label and the payload under the
//! `UnsubscribeKey` secret, which signs nothing else. Changing one byte, or
//! putting another customer or switch into the payload, fails the check.
//! Tokens do not expire: an unsubscribe link must keep working in an old
//! e-mail, and all it can do is turn e-mails off.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::config::{self, MissingVariable};
use crate::domain::profile::NotificationKind;
use crate::error::ApiError;
use crate::seal::{Label, SealKey};

/// Variable holding the signing key of unsubscribe tokens.
pub const UNSUBSCRIBE_KEY_VARIABLE: &str = "UNSUBSCRIBE_KEY";

/// Fewest characters of a signing key.
pub use crate::seal::MIN_KEY_CHARS;

/// Longest token accepted, in characters; ours stay far below it.
pub const MAX_TOKEN_CHARS: usize = 512;

/// Label mixed into every signature, so that a MAC made for another purpose
/// with the same key could never pass as an unsubscribe token.
const PURPOSE: Label<'static> = Label::Prefix(b"cabinet/unsubscribe/v1|");

/// The key that signs and checks unsubscribe tokens; it prints as
/// `UnsubscribeKey(SealKey(***))`.
#[derive(Debug, Clone)]
pub struct UnsubscribeKey(SealKey);

/// The key is missing or too short to sign with.
#[derive(Debug, thiserror::Error)]
pub enum UnsubscribeKeyError {
    /// `UNSUBSCRIBE_KEY` is not set.
    #[error(transparent)]
    Missing(#[from] MissingVariable),
    /// It is shorter than [`MIN_KEY_CHARS`].
    #[error("{UNSUBSCRIBE_KEY_VARIABLE} must hold at least {MIN_KEY_CHARS} characters")]
    TooShort,
}

/// What a valid token asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The customer (`sub`) whose switch goes off.
    pub customer_id: String,
    /// Which switch.
    pub kind: NotificationKind,
    /// When the token was issued (Unix seconds).
    pub issued_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    sub: String,
    list: String,
    iat: i64,
}

impl UnsubscribeKey {
    /// A key of `secret`, which must have at least [`MIN_KEY_CHARS`] characters.
    pub fn new(secret: &str) -> Result<Self, UnsubscribeKeyError> {
        SealKey::new(secret)
            .map(Self)
            .map_err(|_| UnsubscribeKeyError::TooShort)
    }

    /// The key of `UNSUBSCRIBE_KEY`.
    pub fn from_env() -> Result<Self, UnsubscribeKeyError> {
        Self::new(&config::required(UNSUBSCRIBE_KEY_VARIABLE)?)
    }

    /// A token that turns `kind` off for `customer_id`, issued at `issued_at`.
    pub fn issue(&self, customer_id: &str, kind: NotificationKind, issued_at: i64) -> String {
        let payload = Payload {
            sub: customer_id.to_string(),
            list: kind.as_str().to_string(),
            iat: issued_at,
        };
        let payload = serde_json::to_vec(&payload).expect("a payload of strings serialises");
        self.0.seal(PURPOSE, &payload)
    }

    /// What `token` asks for, if this key issued it; 400
    /// `invalid_unsubscribe_token` otherwise.
    pub fn verify(&self, token: &str) -> Result<Unsubscribe, ApiError> {
        let bytes = self
            .0
            .open(PURPOSE, token, MAX_TOKEN_CHARS)
            .map_err(|error| invalid_token(error.reason()))?;
        let payload: Payload =
            serde_json::from_slice(&bytes).map_err(|_| invalid_token("payload does not read"))?;
        let kind = NotificationKind::parse(&payload.list)
            .ok_or_else(|| invalid_token("unknown switch"))?;
        Ok(Unsubscribe {
            customer_id: payload.sub,
            kind,
            issued_at: payload.iat,
        })
    }
}

/// 400 of a token that is not one of ours; `why` goes to the log only.
fn invalid_token(why: &str) -> ApiError {
    tracing::info!(why, "unsubscribe token refused");
    let mut problem = ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_unsubscribe_token",
        "Ссылка для отказа от писем повреждена или устарела. Отключить письма можно в профиле личного кабинета.",
    );
    problem.errors.push(crate::error::FieldError::new(
        "token",
        "invalid_unsubscribe_token",
        "Параметр «token» ссылки для отказа от писем не прошёл проверку.",
    ));
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> UnsubscribeKey {
        UnsubscribeKey::new("unsubscribe-test-key-0123456789abcdef").unwrap()
    }

    #[test]
    fn a_token_reads_back_what_it_was_issued_for() {
        let token = key().issue("sub-1", NotificationKind::Message, 1_700_000_000);
        assert_eq!(
            key().verify(&token).unwrap(),
            Unsubscribe {
                customer_id: "sub-1".into(),
                kind: NotificationKind::Message,
                issued_at: 1_700_000_000,
            }
        );
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn a_changed_byte_another_customer_or_another_key_is_refused() {
        let token = key().issue("sub-1", NotificationKind::Status, 1);
        let mut bytes = token.clone().into_bytes();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(
            key().verify(&tampered).unwrap_err().code,
            "invalid_unsubscribe_token"
        );

        let (_, signature) = token.split_once('.').unwrap();
        let other = key().issue("sub-2", NotificationKind::Status, 1);
        let (payload, _) = other.split_once('.').unwrap();
        assert!(key().verify(&format!("{payload}.{signature}")).is_err());

        let foreign = UnsubscribeKey::new("another-key-of-enough-length-0123456789").unwrap();
        assert!(foreign.verify(&token).is_err());
        for junk in ["", ".", "abc", "a.b", &"x".repeat(MAX_TOKEN_CHARS + 1)] {
            let error = key().verify(junk).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{junk}");
        }
    }

    /// The token issued, for sub-1's message e-mails at 1 700 000 000, by
    /// the code before tokens were sealed with [`crate::seal`]: links in
    /// e-mails already sent must keep working.
    const TOKEN_OF_EARLIER_RELEASES: &str = "eyJzdWIiOiJzdWItMSIsImxpc3QiOiJtZXNzYWdlX2VtYWlscyIsImlhdCI6MTcwMDAwMDAwMH0.3FHjak-eZAohLZ_IWr7tqTvWutThS5hb-xjqGXBZWn4";

    #[test]
    fn tokens_keep_their_wire_format() {
        assert_eq!(
            key().issue("sub-1", NotificationKind::Message, 1_700_000_000),
            TOKEN_OF_EARLIER_RELEASES
        );
        assert_eq!(
            key().verify(TOKEN_OF_EARLIER_RELEASES).unwrap(),
            Unsubscribe {
                customer_id: "sub-1".into(),
                kind: NotificationKind::Message,
                issued_at: 1_700_000_000,
            }
        );
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(matches!(
            UnsubscribeKey::new("short"),
            Err(UnsubscribeKeyError::TooShort)
        ));
    }
}
