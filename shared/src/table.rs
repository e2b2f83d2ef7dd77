//! Keys of the order items of the one table, which more than the DynamoDB
//! adapter reads: the notifier tells the items of a stream record apart by
//! them without any SDK client (see the table design in README.md).

/// Prefix of the partition key of an order and its history.
pub const ORDER_PK_PREFIX: &str = "ORDER#";
/// Sort key of the order item.
pub const ORDER_SK: &str = "ORDER";
/// Prefix of the sort key of a message (and of later history items).
pub const HISTORY_SK_PREFIX: &str = "HISTORY#";
/// `kind` of a message item.
pub const MESSAGE_KIND: &str = "message";
