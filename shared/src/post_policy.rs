//! Browser uploads straight to S3 with a POST policy signed by AWS
//! Signature Version 4. The SDK presigns GET and PUT but not POST, and only
//! a POST policy lets S3 itself refuse a file over the size limit
//! (`content-length-range`), of another type or after the slot expired.
//!
//! The policy fixes the bucket, the exact key, the exact `Content-Type`,
//! every metadata field, the size range and the expiry; S3 refuses a form
//! that differs from it in anything.

use std::collections::BTreeMap;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;
use time::macros::format_description;

type HmacSha256 = Hmac<Sha256>;

/// The credentials that sign: those of the function's role on Lambda.
#[derive(Clone)]
pub struct SigningCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials (always set on Lambda).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// One upload to allow.
#[derive(Debug, Clone)]
pub struct PostUpload<'a> {
    /// Bucket.
    pub bucket: &'a str,
    /// Region of the bucket.
    pub region: &'a str,
    /// The exact key of the object.
    pub key: &'a str,
    /// The exact `Content-Type` of the object.
    pub content_type: &'a str,
    /// Smallest and largest size allowed, in bytes.
    pub size_range: (u64, u64),
    /// Metadata fields (`x-amz-meta-…`) the object must carry, exactly.
    pub metadata: Vec<(String, String)>,
    /// When the signature is made.
    pub now: OffsetDateTime,
    /// When the policy stops working.
    pub expires_at: OffsetDateTime,
}

/// The form fields of a signed upload: the client sends them all, then the
/// `file` field, as `multipart/form-data`.
pub fn sign_post(
    upload: &PostUpload<'_>,
    credentials: &SigningCredentials,
) -> BTreeMap<String, String> {
    let date = upload
        .now
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year][month][day]"))
        .expect("a UTC date formats as digits");
    let amz_date = upload
        .now
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("a UTC time formats as digits");
    let credential = format!(
        "{}/{date}/{}/s3/aws4_request",
        credentials.access_key_id, upload.region
    );

    let mut fields = BTreeMap::new();
    fields.insert("key".to_string(), upload.key.to_string());
    fields.insert("Content-Type".to_string(), upload.content_type.to_string());
    for (name, value) in &upload.metadata {
        fields.insert(name.clone(), value.clone());
    }
    fields.insert(
        "x-amz-algorithm".to_string(),
        "AWS4-HMAC-SHA256".to_string(),
    );
    fields.insert("x-amz-credential".to_string(), credential);
    fields.insert("x-amz-date".to_string(), amz_date);
    if let Some(token) = &credentials.session_token {
        fields.insert("x-amz-security-token".to_string(), token.clone());
    }

    let mut conditions = vec![json!({ "bucket": upload.bucket })];
    conditions.extend(fields.iter().map(|(name, value)| json!({ name: value })));
    conditions.push(json!([
        "content-length-range",
        upload.size_range.0,
        upload.size_range.1
    ]));
    let policy = json!({
        "expiration": expiration(upload.expires_at),
        "conditions": Value::Array(conditions),
    });
    let encoded = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let key = signing_key(&credentials.secret_access_key, &date, upload.region, "s3");
    fields.insert(
        "x-amz-signature".to_string(),
        hex(&hmac(&key, encoded.as_bytes())),
    );
    fields.insert("policy".to_string(), encoded);
    fields
}

/// `at` as a policy's `expiration`: ISO 8601 in UTC with milliseconds.
fn expiration(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC time of this era formats as ISO 8601")
}

/// The SigV4 signing key of `secret` for a day, region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_signing_key_matches_the_aws_documentation() {
        // AWS General Reference, "Examples of how to derive a signing key
        // for Signature Version 4".
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    fn upload() -> PostUpload<'static> {
        PostUpload {
            bucket: "cabinet-attachments",
            region: "eu-central-1",
            key: "pending/profiles/sub-1/0123456789abcdef0123456789abcdef",
            content_type: "image/png",
            size_range: (1, 5_242_880),
            metadata: vec![("x-amz-meta-name".into(), "0YTQvtGC0L4ucG5n".into())],
            now: datetime!(2026-12-04 10:00:00 UTC),
            expires_at: datetime!(2026-12-04 10:15:00 UTC),
        }
    }

    fn credentials(token: Option<&str>) -> SigningCredentials {
        SigningCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_string),
        }
    }

    #[test]
    fn the_signature_is_hmac_of_the_encoded_policy_under_the_day_key() {
        let fields = sign_post(&upload(), &credentials(None));
        // Computed apart from this code, with Python's hmac and hashlib:
        // the signing key of the secret above for 20261204/eu-central-1/s3,
        // then HMAC-SHA256 of the base64 policy under it.
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "20261204",
            "eu-central-1",
            "s3",
        );
        assert_eq!(
            hex(&key),
            "3e107e1dcfa1fe6b82bc5fa7b2af59d6935f23371ae77ee4bdfad10d4a6dd038"
        );
        assert_eq!(
            fields["x-amz-signature"],
            hex(&hmac(&key, fields["policy"].as_bytes()))
        );
    }

    #[test]
    fn the_policy_fixes_bucket_key_type_metadata_size_and_expiry() {
        let fields = sign_post(&upload(), &credentials(Some("session-token")));
        let policy: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(&fields["policy"])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(policy["expiration"], "2026-12-04T10:15:00.000Z");
        let conditions = policy["conditions"].as_array().unwrap();
        for expected in [
            json!({"bucket": "cabinet-attachments"}),
            json!({"key": "pending/profiles/sub-1/0123456789abcdef0123456789abcdef"}),
            json!({"Content-Type": "image/png"}),
            json!({"x-amz-meta-name": "0YTQvtGC0L4ucG5n"}),
            json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
            json!({"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261204/eu-central-1/s3/aws4_request"}),
            json!({"x-amz-date": "20261204T100000Z"}),
            json!({"x-amz-security-token": "session-token"}),
            json!(["content-length-range", 1, 5_242_880]),
        ] {
            assert!(
                conditions.contains(&expected),
                "{expected} in {conditions:?}"
            );
        }
        assert_eq!(fields["x-amz-security-token"], "session-token");
        // Every field the client sends, but the signature and the policy
        // itself, is a condition of the policy.
        for (name, value) in &fields {
            if name != "policy" && name != "x-amz-signature" {
                assert!(conditions.contains(&json!({ name: value })), "{name}");
            }
        }
        let without = sign_post(&upload(), &credentials(None));
        assert!(!without.contains_key("x-amz-security-token"));
    }
}
