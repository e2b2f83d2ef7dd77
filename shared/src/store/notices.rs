//! Notice items: one per e-mail the notifier owes, so that each is sent once
//! however often its stream record is delivered (R9.3).
//!
//! | `pk` | `sk` | attributes |
//! |---|---|---|
//! | `NOTICE#<number>` | `STATUS#<at of the change>#<status>` or the message's `HISTORY#…` | `state` (`sending` / `sent`), `claim` (random), `lease_until` (Unix s), `expires_at` (TTL) |
//!
//! Notices have a partition of their own rather than the order's: the card
//! is one `Query` of the order's partition and shows everything in it.
//!
//! Before sending, a notifier claims the notice with a conditional `PutItem`
//! (no such item, or a `sending` claim whose lease ran out); after SES took
//! the e-mail, it marks the notice `sent`; when SES refused it, it deletes
//! its own claim so that a retry may send. A redelivered record, a retried
//! batch or a concurrent invocation finds the claim and sends nothing.
//!
//! What remains: a notifier that stops after SES took the e-mail and before
//! the mark leaves a `sending` claim; once its lease ran out, a retry sends
//! the e-mail a second time. No write can close this window, since SES and
//! DynamoDB do not commit together.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use rand::Rng;

use super::{PK, SK, StoreError};
use crate::domain::order::OrderNumber;

/// Prefix of the partition key of an order's notices.
pub const NOTICE_PK_PREFIX: &str = "NOTICE#";
/// How long a claim keeps others from sending, in seconds: longer than the
/// notifier's timeout (`Timeout` of `NotifierFunction`, 30 s), so a claim
/// is never taken over while its notifier may still run.
pub const LEASE_SECONDS: i64 = 120;
/// How long a notice is kept, in seconds: longer than a stream keeps
/// records (24 hours), so no delivery of a record outlives its notice.
pub const NOTICE_KEPT_SECONDS: i64 = 7 * 24 * 60 * 60;

const SENDING: &str = "sending";
const SENT: &str = "sent";

/// Partition key of the notices of order `number`.
pub fn notice_pk(number: &OrderNumber) -> String {
    format!("{NOTICE_PK_PREFIX}{number}")
}

/// Sort key of the notice of a change of status to `status` at `at`.
pub fn status_notice_sk(at: &str, status: &str) -> String {
    format!("STATUS#{at}#{status}")
}

/// Sort key of the notice of the message item `message_sk`: the same key.
pub fn message_notice_sk(message_sk: &str) -> String {
    message_sk.to_string()
}

/// One notice: which order and which event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeKey {
    /// The order.
    pub number: OrderNumber,
    /// The notice's sort key.
    pub sk: String,
}

/// The outcome of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Ours: send, then [`NoticeTable::mark_sent`] or [`NoticeTable::release`]
    /// with this token.
    Claimed(String),
    /// The e-mail was sent already.
    AlreadySent,
    /// Another notifier holds a live claim: it is sending now.
    HeldElsewhere,
}

/// The notice items of one table.
#[derive(Debug, Clone)]
pub struct NoticeTable {
    client: Client,
    table: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl NoticeTable {
    /// Notice items of `table`, written through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Claims `key` at `now` (Unix seconds).
    pub async fn claim(&self, key: &NoticeKey, now: i64) -> Result<Claim, StoreError> {
        let token = format!("{:032x}", rand::rng().random::<u128>());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(notice_pk(&key.number)))
            .item(SK, s(&key.sk))
            .item("state", s(SENDING))
            .item("claim", s(&token))
            .item("lease_until", n(now + LEASE_SECONDS))
            .item("expires_at", n(now + NOTICE_KEPT_SECONDS))
            .condition_expression(
                "attribute_not_exists(#pk) OR (#state = :sending AND lease_until < :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed(token)),
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => {
                self.existing(key).await
            }
            Err(error) => Err(error.into()),
        }
    }

    /// What holds `key` after a claim failed.
    async fn existing(&self, key: &NoticeKey) -> Result<Claim, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(notice_pk(&key.number)))
            .key(SK, s(&key.sk))
            .consistent_read(true)
            .send()
            .await?
            .item;
        let state = item
            .as_ref()
            .and_then(|item| item.get("state"))
            .and_then(|v| v.as_s().ok());
        Ok(match state.map(String::as_str) {
            Some(SENT) => Claim::AlreadySent,
            _ => Claim::HeldElsewhere,
        })
    }

    /// Records that the e-mail of `key`, claimed with `token`, was sent.
    pub async fn mark_sent(&self, key: &NoticeKey, token: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(notice_pk(&key.number)))
            .key(SK, s(&key.sk))
            .update_expression("SET #state = :sent REMOVE lease_until")
            .condition_expression("claim = :claim")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sent", s(SENT))
            .expression_attribute_values(":claim", s(token))
            .send()
            .await?;
        Ok(())
    }

    /// Gives up the claim `token` of `key`, so that a retry may send.
    pub async fn release(&self, key: &NoticeKey, token: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(notice_pk(&key.number)))
            .key(SK, s(&key.sk))
            .condition_expression("claim = :claim AND #state = :sending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":claim", s(token))
            .expression_attribute_values(":sending", s(SENDING))
            .send()
            .await;
        match result {
            // Someone took the claim over after our lease: theirs now.
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => Ok(()),
            Err(error) => Err(error.into()),
            Ok(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_keys_name_the_event_and_stay_apart_from_other_items() {
        let number = OrderNumber::parse("261204-7KQ2MX").unwrap();
        assert_eq!(notice_pk(&number), "NOTICE#261204-7KQ2MX");
        assert_ne!(
            status_notice_sk("2026-12-04T11:00:00.000Z", "done"),
            status_notice_sk("2026-12-04T11:00:00.000Z", "cancelled")
        );
        assert_eq!(
            message_notice_sk("HISTORY#2026-12-04T12:00:00.000Z#0000abcd"),
            "HISTORY#2026-12-04T12:00:00.000Z#0000abcd"
        );
    }
}
