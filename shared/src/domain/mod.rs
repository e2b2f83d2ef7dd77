//! Rules of the cabinet as types that parse: once a value of one of these
//! types exists, it is valid.

pub mod email;
pub mod file;
pub mod order;
pub mod order_form;
pub mod order_view;
pub mod password;
pub mod person;
pub mod phone;
pub mod profile;
pub mod registration;
pub mod text;

pub use email::Email;
pub use password::Password;
pub use person::PersonName;
pub use phone::MobilePhone;
pub use text::{BoundedText, char_count};
