//! Domain crate of the customer cabinet of the chamber portal.
//!
//! Every Lambda function of the cabinet is a thin `main.rs` that builds its
//! clients once and hands requests to a handler of this crate. The rules of
//! the cabinet live in [`domain`] and [`catalog`] as types that parse; AWS
//! calls live behind the adapters enabled by the crate's features.

pub mod catalog;
pub mod config;
pub mod domain;
pub mod error;
pub mod html;
pub mod http;
pub mod runtime;

#[cfg(feature = "cognito")]
pub mod cognito;
// Executor accounts need the group names of `identity`.
#[cfg(all(feature = "cognito", feature = "jwt"))]
pub mod cognito_admin;
#[cfg(feature = "s3")]
pub mod files;
#[cfg(feature = "jwt")]
pub mod identity;
// Decoding of stream records and the e-mails of the notifier.
#[cfg(any(feature = "notifier", feature = "parsers"))]
pub mod notify;
// Signed cursors of the order lists.
#[cfg(any(
    feature = "orders-api",
    feature = "backoffice-api",
    feature = "notifier",
    feature = "parsers"
))]
pub mod paging;
// Signed tokens handed to clients: paging cursors and unsubscribe links.
#[cfg(any(
    feature = "orders-api",
    feature = "backoffice-api",
    feature = "notifier",
    feature = "profile-api",
    feature = "parsers"
))]
pub mod seal;
// SigV4 POST policies of browser uploads.
#[cfg(feature = "s3")]
pub mod post_policy;
#[cfg(feature = "dynamodb")]
pub mod store;
pub mod table;
// One-click unsubscribe tokens: issued by the notifier, honoured by profile.
#[cfg(any(feature = "profile-api", feature = "notifier", feature = "parsers"))]
pub mod unsubscribe;

pub mod handlers;
// The OpenAPI document of the API, for `cargo xtask openapi` and its tests.
#[cfg(feature = "openapi")]
pub mod openapi;

pub use error::{ApiError, FieldError};
