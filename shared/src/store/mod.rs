//! DynamoDB adapter: one table holds every kind of item, told apart by the
//! prefixes of their keys (see the table design in README.md).

pub mod catalog;
pub mod profile;

/// Partition key attribute of every item.
pub const PK: &str = "pk";
/// Sort key attribute of every item.
pub const SK: &str = "sk";
