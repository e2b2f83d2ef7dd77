//! DynamoDB adapter: one table holds every kind of item, told apart by the
//! prefixes of their keys (see the table design in README.md).

pub mod catalog;
#[cfg(feature = "notifier")]
pub mod notices;
#[cfg(any(
    feature = "orders-api",
    feature = "backoffice-api",
    feature = "notifier"
))]
pub mod orders;
pub mod profile;

/// Partition key attribute of every item.
pub const PK: &str = "pk";
/// Sort key attribute of every item.
pub const SK: &str = "sk";

use std::fmt;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::error::ApiError;

/// A failed read or write of the table, classified once for every kind of
/// item: what retrying may fix, what it will not, and stored data this code
/// cannot read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB timed out, throttled or failed on its side; retrying may help.
    #[error("DynamoDB is unavailable: {0}")]
    Unavailable(String),
    /// DynamoDB refused the call (permissions, missing table, bad request).
    #[error("DynamoDB refused the call: {0}")]
    Refused(String),
    /// A stored item does not have the shape this code reads, or content
    /// could not be turned into an item.
    #[error("an item does not convert: {0}")]
    Malformed(String),
}

/// Whether a DynamoDB error `code` names a failure that a later retry may
/// not meet: throttling, DynamoDB's own faults, and a transaction in flight
/// on the same item (`TransactionConflictException`), which outlived our
/// own retries only because the item is busy.
pub fn is_transient_code(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "ThrottlingException"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionConflictException"
    )
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    fn from(error: SdkError<E, R>) -> Self {
        let transient = match &error {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
            SdkError::ServiceError(_) => error.code().is_some_and(is_transient_code),
            _ => false,
        };
        // The code and message of a service error name the failure without
        // the request's values; anything else keeps its whole context.
        let message = match (&error, error.code()) {
            (SdkError::ServiceError(_), Some(code)) => {
                format!("{code}: {}", error.message().unwrap_or_default())
            }
            _ => DisplayErrorContext(&error).to_string(),
        };
        if transient {
            Self::Unavailable(message)
        } else {
            Self::Refused(message)
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => ApiError::unavailable(error),
            StoreError::Refused(_) | StoreError::Malformed(_) => ApiError::internal(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_items_and_throttling_are_transient_and_refusals_are_not() {
        for code in [
            "TransactionConflictException",
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "InternalServerError",
            "ServiceUnavailable",
        ] {
            assert!(is_transient_code(code), "{code}");
        }
        for code in [
            "ConditionalCheckFailedException",
            "TransactionCanceledException",
            "ResourceNotFoundException",
            "AccessDeniedException",
            "ValidationException",
        ] {
            assert!(!is_transient_code(code), "{code}");
        }
    }

    #[test]
    fn a_transient_failure_is_a_503_and_a_refusal_a_500() {
        let unavailable: ApiError = StoreError::Unavailable("busy".into()).into();
        assert_eq!(unavailable.into_response().status(), 503);
        let refused: ApiError = StoreError::Refused("denied".into()).into();
        assert_eq!(refused.into_response().status(), 500);
    }
}
