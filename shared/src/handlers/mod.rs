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
