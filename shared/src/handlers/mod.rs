//! Request handlers, one module per function.

#[cfg(feature = "auth-api")]
pub mod auth;
#[cfg(feature = "backoffice-api")]
pub mod backoffice;
#[cfg(feature = "catalog-api")]
pub mod catalog;
#[cfg(feature = "notifier")]
pub mod notifier;
#[cfg(any(feature = "orders-api", feature = "backoffice-api"))]
mod order_files;
#[cfg(any(feature = "orders-api", feature = "backoffice-api"))]
mod order_list;
#[cfg(feature = "orders-api")]
pub mod orders;
#[cfg(feature = "profile-api")]
pub mod profile;

#[cfg(any(feature = "orders-api", feature = "backoffice-api"))]
pub use order_list::PARAMETERS as ORDER_LIST_PARAMETERS;

/// A function cannot start: a setting is missing or unusable. Each function
/// has the variants of the settings it reads.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A required variable is not set.
    #[error(transparent)]
    Missing(#[from] crate::config::MissingVariable),
    /// The cursor signing key is missing or weak.
    #[cfg(any(feature = "orders-api", feature = "backoffice-api"))]
    #[error(transparent)]
    CursorKey(#[from] crate::paging::CursorKeyError),
    /// The unsubscribe key is missing or weak.
    #[cfg(any(feature = "profile-api", feature = "notifier"))]
    #[error(transparent)]
    UnsubscribeKey(#[from] crate::unsubscribe::UnsubscribeKeyError),
    /// The token verifier could not be built.
    #[cfg(feature = "jwt")]
    #[error(transparent)]
    Verifier(#[from] crate::identity::VerifierSetupError),
}
