//! Request handlers, one module per function.

#[cfg(feature = "auth-api")]
pub mod auth;
#[cfg(feature = "catalog-api")]
pub mod catalog;
#[cfg(feature = "profile-api")]
pub mod profile;
