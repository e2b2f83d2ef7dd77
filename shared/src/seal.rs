//! Sealed tokens: a payload the client carries and hands back, which it can
//! read but not change, such as paging cursors and unsubscribe links.
//!
//! A token is `<payload>.<signature>`, both base64url without padding; the
//! signature is an HMAC-SHA256, under a secret of the server, of a label
//! and the base64url payload. The label says what the token is for, so a
//! token made for one purpose or list does not open for another. How the
//! label and the payload are laid out in the MAC input is part of the wire
//! format of each kind of token: tokens already handed out must keep
//! opening, so a [`Label`] layout never changes once in use.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Fewest characters of a signing key.
pub const MIN_KEY_CHARS: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A secret that seals and opens tokens.
#[derive(Clone)]
pub struct SealKey(Vec<u8>);

/// Never prints the key.
impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(***)")
    }
}

/// The secret is shorter than [`MIN_KEY_CHARS`].
#[derive(Debug, thiserror::Error)]
#[error("a signing key must hold at least {MIN_KEY_CHARS} characters")]
pub struct ShortKey;

/// What a token is for, and how that goes into the MAC input before and
/// around the base64url payload.
#[derive(Debug, Clone, Copy)]
pub enum Label<'a> {
    /// The bytes of a fixed purpose, then the payload.
    Prefix(&'a [u8]),
    /// Each part, then the payload, written as `<length>:<part>|` with the
    /// length in bytes, so that no two lists of parts share an input.
    Framed(&'a [&'a str]),
}

/// Why a token does not open; for the log, never for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// Longer than the caller accepts.
    TooLong,
    /// No `.` between payload and signature.
    NoSignature,
    /// The signature is not base64url.
    SignatureNotBase64,
    /// The signature is not this key's for this label and payload.
    SignatureMismatch,
    /// Signed, but the payload is not base64url.
    PayloadNotBase64,
}

impl SealError {
    /// The reason as a fixed string, for a log field.
    pub fn reason(self) -> &'static str {
        match self {
            Self::TooLong => "too long",
            Self::NoSignature => "no signature",
            Self::SignatureNotBase64 => "signature is not base64url",
            Self::SignatureMismatch => "signature does not match",
            Self::PayloadNotBase64 => "payload is not base64url",
        }
    }
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for SealError {}

impl SealKey {
    /// A key of `secret`, which must have at least [`MIN_KEY_CHARS`] characters.
    pub fn new(secret: &str) -> Result<Self, ShortKey> {
        if secret.chars().count() < MIN_KEY_CHARS {
            return Err(ShortKey);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    /// The token of `payload` for `label`.
    pub fn seal(&self, label: Label<'_>, payload: &[u8]) -> String {
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let signature = URL_SAFE_NO_PAD.encode(self.mac(label, &payload).finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The payload of `token`, if this key sealed it for `label` and it has
    /// at most `max_len` bytes. The signature is checked, in constant time,
    /// before the payload is decoded.
    pub fn open(
        &self,
        label: Label<'_>,
        token: &str,
        max_len: usize,
    ) -> Result<Vec<u8>, SealError> {
        if token.len() > max_len {
            return Err(SealError::TooLong);
        }
        let (payload, signature) = token.split_once('.').ok_or(SealError::NoSignature)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SealError::SignatureNotBase64)?;
        self.mac(label, payload)
            .verify_slice(&signature)
            .map_err(|_| SealError::SignatureMismatch)?;
        URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| SealError::PayloadNotBase64)
    }

    fn mac(&self, label: Label<'_>, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        match label {
            Label::Prefix(purpose) => {
                mac.update(purpose);
                mac.update(payload.as_bytes());
            }
            Label::Framed(parts) => {
                for part in parts.iter().copied().chain([payload]) {
                    mac.update(part.len().to_string().as_bytes());
                    mac.update(b":");
                    mac.update(part.as_bytes());
                    mac.update(b"|");
                }
            }
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SealKey {
        SealKey::new("seal-test-key-0123456789abcdefghij").unwrap()
    }

    const PURPOSE: Label<'static> = Label::Prefix(b"test/v1|");

    #[test]
    fn a_sealed_payload_opens_for_its_label_only() {
        let token = key().seal(PURPOSE, b"{\"a\":1}");
        assert_eq!(key().open(PURPOSE, &token, 100).unwrap(), b"{\"a\":1}");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        for other in [
            Label::Prefix(b"test/v2|"),
            Label::Framed(&["test/v1|"]),
            Label::Framed(&[]),
        ] {
            assert_eq!(
                key().open(other, &token, 100),
                Err(SealError::SignatureMismatch)
            );
        }
        let foreign = SealKey::new("another-seal-key-0123456789abcdef").unwrap();
        assert_eq!(
            foreign.open(PURPOSE, &token, 100),
            Err(SealError::SignatureMismatch)
        );
    }

    #[test]
    fn framed_parts_cannot_be_shifted() {
        let token = key().seal(Label::Framed(&["ab", "c"]), b"x");
        assert!(key().open(Label::Framed(&["ab", "c"]), &token, 100).is_ok());
        assert_eq!(
            key().open(Label::Framed(&["a", "bc"]), &token, 100),
            Err(SealError::SignatureMismatch)
        );
    }

    #[test]
    fn each_fault_is_named() {
        let token = key().seal(PURPOSE, b"payload");
        assert_eq!(
            key().open(PURPOSE, &token, token.len() - 1),
            Err(SealError::TooLong)
        );
        assert_eq!(key().open(PURPOSE, "abc", 100), Err(SealError::NoSignature));
        assert_eq!(
            key().open(PURPOSE, "abc.%%%", 100),
            Err(SealError::SignatureNotBase64)
        );
        assert_eq!(
            key().open(PURPOSE, "abc.AAAA", 100),
            Err(SealError::SignatureMismatch)
        );
        // A signature that matches a payload that is not base64url.
        let signature = URL_SAFE_NO_PAD.encode(key().mac(PURPOSE, "é").finalize().into_bytes());
        assert_eq!(
            key().open(PURPOSE, &format!("é.{signature}"), 100),
            Err(SealError::PayloadNotBase64)
        );
    }

    #[test]
    fn a_short_key_is_refused_and_a_key_never_printed() {
        assert!(SealKey::new("short").is_err());
        assert!(SealKey::new(&"ключ".repeat(8)).is_ok());
        assert!(!format!("{:?}", key()).contains("seal-test"));
    }
}
