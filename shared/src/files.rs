//! The S3 adapter of the cabinet's files: upload slots (signed POST
//! policies), checks of what arrived, moves out of the pending area and
//! short-lived download links. File bytes never pass through a function.
//!
//! | object | key |
//! |---|---|
//! | an upload not yet confirmed | `pending/<scope>/<upload id>` |
//! | a file of an order | `orders/<number>/files/<id>` |
//! | a profile photo | `profiles/<sub>/photo/<id>` |
//!
//! The scope of a pending upload (`customers/<sub>` for a new order's
//! documents, `orders/<number>` for an extra file, `profiles/<sub>` for a
//! photo) is rebuilt from the confirming request, so nobody confirms an
//! upload of another scope. The bucket's lifecycle rule removes pending
//! uploads nobody confirmed after a day. The declared name travels as
//! object metadata fixed by the policy (`x-amz-meta-name`, base64url of its
//! UTF-8), so a key never holds it.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::ProvideCredentials;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use base64::Engine;
use rand::Rng;
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::{self, MissingVariable};
use crate::domain::file::{
    DOWNLOAD_LINK_SECONDS, FileName, FileUse, StoredObject, UPLOAD_SLOT_SECONDS, UploadDeclaration,
    UploadId,
};
use crate::domain::order::{OrderNumber, timestamp};
use crate::error::ApiError;
use crate::post_policy::{PostUpload, SigningCredentials, sign_post};

/// Metadata field of an upload that carries the declared name.
const NAME_METADATA: &str = "name";

/// Where an upload is headed, which decides its pending key.
#[derive(Debug, Clone, Copy)]
pub enum UploadScope<'a> {
    /// A document for an order the customer with this `sub` is about to submit.
    NewOrder(&'a str),
    /// An extra file of this order.
    Order(&'a OrderNumber),
    /// The photo of the customer with this `sub`.
    Profile(&'a str),
}

impl UploadScope<'_> {
    /// The pending key of upload `id` of this scope.
    pub fn pending_key(&self, id: &UploadId) -> String {
        match self {
            Self::NewOrder(sub) => format!("pending/customers/{sub}/{id}"),
            Self::Order(number) => format!("pending/orders/{number}/{id}"),
            Self::Profile(sub) => format!("pending/profiles/{sub}/{id}"),
        }
    }
}

/// The key of file `id` of order `number`.
pub fn order_file_key(number: &OrderNumber, id: &UploadId) -> String {
    format!("orders/{number}/files/{id}")
}

/// The key of photo `id` of the customer `sub`.
pub fn photo_key(sub: &str, id: &UploadId) -> String {
    format!("profiles/{sub}/photo/{id}")
}

/// A new random upload id.
pub fn new_upload_id() -> UploadId {
    UploadId::new(rand::rng().random())
}

/// The answer to a request for an upload slot.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadSlot {
    /// Pass to confirm the upload.
    pub upload_id: UploadId,
    /// Where to POST the form.
    pub url: String,
    /// The form fields to send, before the `file` field.
    pub fields: BTreeMap<String, String>,
    /// When the slot stops accepting the upload.
    pub expires_at: String,
    /// The largest file the slot takes, in bytes.
    pub max_size: u64,
}

/// A short-lived download link.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadLink {
    /// Presigned GET of the object, saving it under its name.
    pub url: String,
    /// When the link stops working.
    pub expires_at: String,
}

/// The cabinet's bucket of files.
#[derive(Debug, Clone)]
pub struct FileStore {
    client: Client,
    bucket: String,
    region: String,
    upload_url: String,
    sdk: aws_config::SdkConfig,
    upload_ttl: Duration,
}

impl FileStore {
    /// The files of `bucket`, reached with `sdk`. With an endpoint override
    /// (the local emulator) objects are addressed by path, otherwise by the
    /// bucket's virtual host.
    pub fn new(sdk: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        let bucket = bucket.into();
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        let (client, upload_url) = match sdk.endpoint_url() {
            Some(endpoint) => {
                let config = aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(true)
                    .build();
                let url = format!("{}/{bucket}", endpoint.trim_end_matches('/'));
                (Client::from_conf(config), url)
            }
            None => (
                Client::new(sdk),
                format!("https://{bucket}.s3.{region}.amazonaws.com/"),
            ),
        };
        Self {
            client,
            bucket,
            region,
            upload_url,
            sdk: sdk.clone(),
            upload_ttl: Duration::from_secs(UPLOAD_SLOT_SECONDS),
        }
    }

    /// The files of the bucket named by `BUCKET_NAME`.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, MissingVariable> {
        Ok(Self::new(sdk, config::required("BUCKET_NAME")?))
    }

    /// The same store with slots that live `ttl` instead of 15 minutes.
    pub fn with_upload_ttl(mut self, ttl: Duration) -> Self {
        self.upload_ttl = ttl;
        self
    }

    /// A slot for uploading `declaration` as `use_` to `key`: a POST policy
    /// that S3 enforces (exact key and type, 1 byte to the use's limit, the
    /// name as metadata, the expiry).
    pub async fn upload_slot(
        &self,
        id: UploadId,
        key: &str,
        declaration: &UploadDeclaration,
        use_: FileUse,
    ) -> Result<UploadSlot, ApiError> {
        let credentials = self.credentials().await?;
        let now = OffsetDateTime::now_utc();
        let expires_at = now + self.upload_ttl;
        let name = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(declaration.name.as_str().as_bytes());
        let upload = PostUpload {
            bucket: &self.bucket,
            region: &self.region,
            key,
            content_type: declaration.content_type,
            size_range: (1, use_.max_bytes()),
            metadata: vec![(format!("x-amz-meta-{NAME_METADATA}"), name)],
            now,
            expires_at,
        };
        Ok(UploadSlot {
            upload_id: id,
            url: self.upload_url.clone(),
            fields: sign_post(&upload, &credentials),
            expires_at: timestamp(expires_at),
            max_size: use_.max_bytes(),
        })
    }

    /// What S3 holds under `key`, `None` when nothing.
    pub async fn head(&self, key: &str) -> Result<Option<StoredObject>, ApiError> {
        let result = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        let head = match result {
            Ok(head) => head,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => {
                return Ok(None);
            }
            Err(error) => return Err(sdk_error(error)),
        };
        let name = head
            .metadata()
            .and_then(|m| m.get(NAME_METADATA))
            .and_then(|encoded| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(encoded)
                    .ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok());
        Ok(Some(StoredObject {
            size: head
                .content_length()
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            content_type: head.content_type().map(str::to_string),
            name,
        }))
    }

    /// Copies `from` to `to` with `content_type`, without the upload's
    /// metadata (the name lives in DynamoDB from now on).
    pub async fn copy(&self, from: &str, to: &str, content_type: &str) -> Result<(), ApiError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .content_type(content_type)
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Deletes `key`; nothing there is fine.
    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Deletes `key` and logs a failure instead of answering it: for
    /// clean-ups after the answer is decided.
    pub async fn delete_quietly(&self, key: &str) {
        if let Err(error) = self.delete(key).await {
            tracing::warn!(code = error.code, "an object could not be deleted");
        }
    }

    /// A link that downloads `key` as `name` of `content_type`, for a few
    /// minutes.
    pub async fn download_link(
        &self,
        key: &str,
        name: &FileName,
        content_type: &str,
    ) -> Result<DownloadLink, ApiError> {
        let ttl = Duration::from_secs(DOWNLOAD_LINK_SECONDS);
        let presigning = PresigningConfig::expires_in(ttl).map_err(ApiError::internal)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(name.content_disposition())
            .response_content_type(content_type)
            .presigned(presigning)
            .await
            .map_err(sdk_error)?;
        Ok(DownloadLink {
            url: request.uri().to_string(),
            expires_at: timestamp(OffsetDateTime::now_utc() + ttl),
        })
    }

    /// The function's credentials now (on Lambda, its role's session).
    async fn credentials(&self) -> Result<SigningCredentials, ApiError> {
        let provider = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| ApiError::internal("the SDK configuration has no credentials"))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(ApiError::unavailable)?;
        Ok(SigningCredentials {
            access_key_id: credentials.access_key_id().to_string(),
            secret_access_key: credentials.secret_access_key().to_string(),
            session_token: credentials.session_token().map(str::to_string),
        })
    }
}

fn sdk_error<E, R>(error: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(_) => matches!(
            error.code(),
            Some("SlowDown" | "InternalError" | "ServiceUnavailable" | "RequestTimeout")
        ),
        _ => false,
    };
    let message = format!("S3: {}", DisplayErrorContext(&error));
    if transient {
        ApiError::unavailable(message)
    } else {
        ApiError::internal(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_of_scopes_and_ids_never_of_names() {
        let id = UploadId::new(1);
        let number = OrderNumber::parse("261204-7KQ2MX").unwrap();
        assert_eq!(
            UploadScope::NewOrder("sub-1").pending_key(&id),
            format!("pending/customers/sub-1/{id}")
        );
        assert_eq!(
            UploadScope::Order(&number).pending_key(&id),
            format!("pending/orders/261204-7KQ2MX/{id}")
        );
        assert_eq!(
            UploadScope::Profile("sub-1").pending_key(&id),
            format!("pending/profiles/sub-1/{id}")
        );
        assert_eq!(
            order_file_key(&number, &id),
            format!("orders/261204-7KQ2MX/files/{id}")
        );
        assert_eq!(
            photo_key("sub-1", &id),
            format!("profiles/sub-1/photo/{id}")
        );
    }
}
