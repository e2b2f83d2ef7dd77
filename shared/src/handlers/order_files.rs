//! Files of an order: checking an upload against what S3 holds (the
//! customer's routes), and download links (the same for the customer and
//! the provider's executors).

use http::StatusCode;

use crate::domain::file::file_not_found;
#[cfg(feature = "orders-api")]
use crate::domain::file::{FileName, FileUse, upload_not_found, verify_upload};
use crate::domain::order::Order;
#[cfg(feature = "orders-api")]
use crate::error::{ApiError, FieldError};
use crate::files::{FileStore, order_file_key};
use crate::http::{ApiResult, json};

/// A pending upload that passed its checks.
#[cfg(feature = "orders-api")]
pub(crate) struct VerifiedUpload {
    /// The name it carries.
    pub name: FileName,
    /// Its media type.
    pub content_type: &'static str,
    /// Its size in bytes.
    pub size: u64,
}

/// What S3 holds at `pending`, checked for `use_` (HeadObject): 404 when
/// nothing is there; an object that fails a check is deleted and answered
/// with a 422 naming the field.
#[cfg(feature = "orders-api")]
pub(crate) async fn verify(
    files: &FileStore,
    pending: &str,
    use_: FileUse,
) -> Result<VerifiedUpload, ApiError> {
    let object = files.head(pending).await?.ok_or_else(upload_not_found)?;
    match verify_upload(use_, &object) {
        Ok((name, content_type)) => Ok(VerifiedUpload {
            name,
            content_type,
            size: object.size,
        }),
        Err(error) => {
            tracing::info!(
                code = error.code,
                "an upload failed its checks and is deleted"
            );
            files.delete_quietly(pending).await;
            Err(error)
        }
    }
}

/// The same checks for the document `index` of a submission: a failure
/// names `documents[index]`.
#[cfg(feature = "orders-api")]
pub(crate) async fn verify_document(
    files: &FileStore,
    pending: &str,
    index: usize,
) -> Result<VerifiedUpload, Vec<FieldError>> {
    verify(files, pending, FileUse::Document)
        .await
        .map_err(|error| {
            let field = format!("documents[{index}]");
            if error.errors.is_empty() {
                vec![FieldError::new(
                    field,
                    error.code,
                    format!("«Документы»: {}", error.detail),
                )]
            } else {
                error
                    .errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("{field}.{}", e.field), e.code, e.detail))
                    .collect()
            }
        })
}

/// `GET …/orders/{number}/files/{fileId}`: a short-lived link that saves
/// file `file_id` of `order` under its name.
pub(crate) async fn download(files: &FileStore, order: &Order, file_id: &str) -> ApiResult {
    let file = order.file(file_id).ok_or_else(file_not_found)?;
    let link = files
        .download_link(
            &order_file_key(&order.number, &file.id),
            &file.name,
            &file.content_type,
        )
        .await?;
    tracing::info!(number = %order.number, file = %file.id, "download link issued");
    json(StatusCode::OK, &link)
}
