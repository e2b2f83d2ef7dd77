//! Order items (R5–R8): orders, their messages, and the idempotency records
//! of submissions. The orders and back-office functions may touch only
//! items whose partition key starts with `ORDER#` or `IDEMPOTENCY#` (and
//! read the catalog and profiles), and query only their own index (IAM
//! `dynamodb:LeadingKeys`).
//!
//! | item | `pk` | `sk` | index keys | holds |
//! |---|---|---|---|---|
//! | order | `ORDER#<number>` | `ORDER` | `gsi1pk = CUSTOMER#<sub>`, `gsi2pk = PROVIDER#<id>`, both sort keys `<created_at>#<number>` | [`Order`], its status history and files inside; `file_ids`, the ids of its files |
//! | message | `ORDER#<number>` | `HISTORY#<at>#<random>` | — | `kind = message` and a [`Message`] |
//! | idempotency record | `IDEMPOTENCY#<sub>` | `KEY#<Idempotency-Key>` | — | `request_hash`, `number`, `created_at`, `expires_at` (TTL, +24 h) |
//!
//! Access patterns, each one request:
//! - the card: one `Query` of `pk = ORDER#<number>` newest first, the order
//!   and its newest 200 messages (shown in time order; `history_truncated`
//!   when older ones were left out);
//! - a customer's orders, newest first: `Query` of index `gsi1`; a
//!   provider's queue: `Query` of index `gsi2`; a status filter is a
//!   `FilterExpression`, so a page may come back short while a next page
//!   remains;
//! - a change of status: one conditional `UpdateItem` of the order, which
//!   appends to the history inside it, so the status and its history never
//!   disagree, and of two conflicting changes only one passes its condition;
//! - a file: one conditional `UpdateItem` of the order that appends it to
//!   `files` and `file_ids`, if the order is the customer's, still takes
//!   files, holds fewer than the limit and lacks this id;
//! - a message: one `TransactWriteItems`: a `ConditionCheck` that the order
//!   exists, is the writer's and still takes messages, and the `Put` of the
//!   message item;
//! - a submission: a read of the idempotency record first, so a retry is
//!   answered from what its first request made, whatever the catalog or
//!   the profile say by then; then a conditional `PutItem` of the record that
//!   claims the key and an order number, then a conditional `PutItem` of the
//!   order under that number. A retry, or a concurrent duplicate, finds the
//!   claim and completes the same order, so a key makes one order however
//!   the requests interleave or fail in between (R5.4).
//!
//! Why not one transaction for a submission and for a change of status: the
//! local emulator (moto 5.2.5) copies the whole table at the start of
//! every transaction and restores that copy when one of its conditions
//! fails, wiping what concurrent requests wrote meanwhile: with two
//! conflicting transactions, the winner's write was lost in 25 rounds out
//! of 25. Single-item conditional writes are atomic there as on AWS, and
//! the protocols above need nothing more.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::AsyncSleep;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{PK, SK, StoreError};
use crate::domain::file::{AttachedFile, MAX_FILES_PER_ORDER};
use crate::domain::order::{
    Card, Executor, Message, Order, OrderNumber, OrderStatus, OrderSummary, Rating, ServiceRef,
    StatusChange, timestamp,
};
use crate::paging::StartKey;

pub use crate::table::{HISTORY_SK_PREFIX, MESSAGE_KIND, ORDER_PK_PREFIX, ORDER_SK};

/// Attribute of an order item listing the ids of its files, which a
/// condition can search (`contains`).
pub const FILE_IDS: &str = "file_ids";
/// Prefix of a customer's partition of index `gsi1`.
pub const CUSTOMER_PK_PREFIX: &str = "CUSTOMER#";
/// Prefix of a provider's partition of index `gsi2`.
pub const PROVIDER_PK_PREFIX: &str = "PROVIDER#";
/// Prefix of the partition key of a customer's idempotency records.
pub const IDEMPOTENCY_PK_PREFIX: &str = "IDEMPOTENCY#";
/// Prefix of the sort key of an idempotency record.
pub const IDEMPOTENCY_SK_PREFIX: &str = "KEY#";
/// How long an `Idempotency-Key` keeps its order, in seconds.
pub const IDEMPOTENCY_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// Numbers tried before a submission gives up; a collision of random
/// numbers on one day is about one in a billion.
const NUMBER_ATTEMPTS: usize = 3;
/// History entries (messages) a card shows at most: the newest. 200 of the
/// largest messages the API takes (a subject of 200 and a text of 5,000
/// Cyrillic characters) make a card of about 2.1 MB.
pub const CARD_HISTORY_LIMIT: usize = 200;
/// Attempts of a write that DynamoDB refused for a concurrent transaction
/// on the same item.
const CONFLICT_ATTEMPTS: u32 = 5;

type Item = HashMap<String, AttributeValue>;

/// Partition key of order `number`.
pub fn order_pk(number: &OrderNumber) -> String {
    format!("{ORDER_PK_PREFIX}{number}")
}

/// Sort key of an order in both indexes: newest last, so a backward query
/// lists newest first.
pub fn list_sk(created_at: &str, number: &OrderNumber) -> String {
    format!("{created_at}#{number}")
}

/// Whose orders a request reads or writes: a customer's own, or the queue
/// of an executor's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party<'a> {
    /// The customer with this `sub`.
    Customer(&'a str),
    /// Executors of the provider with this id.
    Provider(&'a str),
}

impl Party<'_> {
    /// The party's partition of its index.
    pub fn partition(&self) -> String {
        match self {
            Self::Customer(id) => format!("{CUSTOMER_PK_PREFIX}{id}"),
            Self::Provider(id) => format!("{PROVIDER_PK_PREFIX}{id}"),
        }
    }

    /// Whether `order` is the party's.
    pub fn owns(&self, order: &Order) -> bool {
        match self {
            Self::Customer(id) => order.belongs_to(id),
            Self::Provider(id) => order.is_for_provider(id),
        }
    }

    fn index(&self) -> &'static str {
        match self {
            Self::Customer(_) => "gsi1",
            Self::Provider(_) => "gsi2",
        }
    }

    /// The attribute holding the party's partition on an order item.
    fn partition_attribute(&self) -> &'static str {
        match self {
            Self::Customer(_) => "gsi1pk",
            Self::Provider(_) => "gsi2pk",
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The orders of the page, newest first; fewer than asked, even none,
    /// when a filter left some out.
    pub orders: Vec<OrderSummary>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<StartKey>,
}

/// What a submission came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// A new order.
    Created(Order),
    /// The order an earlier request with the same key and the same content
    /// made.
    Replayed(Order),
    /// The key was used for a different request within the window.
    KeyReused,
}

/// A submission to store.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The customer's `sub`.
    pub customer_id: &'a str,
    /// The `Idempotency-Key`.
    pub key: &'a str,
    /// SHA-256 of the canonical request, hex.
    pub request_hash: &'a str,
    /// When it arrived.
    pub now: OffsetDateTime,
}

impl<'a> Submission<'a> {
    /// A submission arriving now.
    pub fn arriving_now(customer_id: &'a str, key: &'a str, request_hash: &'a str) -> Self {
        Self {
            customer_id,
            key,
            request_hash,
            now: OffsetDateTime::now_utc(),
        }
    }
}

/// A change of status to store.
#[derive(Debug, Clone, Copy)]
pub struct StatusUpdate<'a> {
    /// The history entry; its `from` is the status the write requires.
    pub change: &'a StatusChange,
    /// The executor who takes the order, at «В работе».
    pub executor: Option<&'a Executor>,
    /// The expected completion date, `YYYY-MM-DD`, when one was given.
    pub expected_completion: Option<&'a str>,
}

/// The order item as written: the order with its keys.
#[derive(Serialize)]
struct OrderItem<'a> {
    pk: String,
    sk: &'static str,
    gsi1pk: String,
    gsi1sk: String,
    gsi2pk: String,
    gsi2sk: String,
    /// The ids of the order's files, see [`FILE_IDS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    file_ids: Vec<&'a str>,
    #[serde(flatten)]
    order: &'a Order,
}

impl<'a> OrderItem<'a> {
    fn new(order: &'a Order) -> Self {
        let sort = list_sk(&order.created_at, &order.number);
        Self {
            pk: order_pk(&order.number),
            sk: ORDER_SK,
            gsi1pk: Party::Customer(&order.customer_id).partition(),
            gsi1sk: sort.clone(),
            gsi2pk: Party::Provider(&order.provider.id).partition(),
            gsi2sk: sort,
            file_ids: order.files.iter().map(|file| file.id.as_str()).collect(),
            order,
        }
    }
}

#[derive(Serialize)]
struct MessageItem<'a> {
    pk: String,
    sk: String,
    kind: &'static str,
    #[serde(flatten)]
    message: &'a Message,
}

#[derive(Deserialize)]
struct HistoryKind {
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct IdempotencyItem {
    pk: String,
    sk: String,
    request_hash: String,
    number: OrderNumber,
    created_at: String,
    expires_at: i64,
}

/// What a list page reads of an order (its projection).
#[derive(Deserialize)]
struct SummaryItem {
    number: OrderNumber,
    service: ServiceRef,
    provider: ProviderName,
    status: OrderStatus,
    form: SubjectOnly,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    expected_completion: Option<String>,
}

#[derive(Deserialize)]
struct ProviderName {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct SubjectOnly {
    subject: String,
}

/// The attributes a list reads, with the names they stand for. `name` and
/// `status` are reserved words of DynamoDB, so every name goes through a
/// placeholder.
const SUMMARY_PROJECTION: &str = "#number, #service, #provider.#id, #provider.#name, #status, \
     #form.#subject, #created_at, #updated_at, #expected_completion";
const SUMMARY_NAMES: [(&str, &str); 11] = [
    ("#number", "number"),
    ("#service", "service"),
    ("#provider", "provider"),
    ("#id", "id"),
    ("#name", "name"),
    ("#status", "status"),
    ("#form", "form"),
    ("#subject", "subject"),
    ("#created_at", "created_at"),
    ("#updated_at", "updated_at"),
    ("#expected_completion", "expected_completion"),
];

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn to_value<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn from_item<T: for<'de> Deserialize<'de>>(item: Item, what: &str) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Malformed(format!("{what}: {e}")))
}

/// The cancellation reason of a transaction item whose condition failed.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Whether the order `item` already holds `change` in its history: the same
/// moment, actor and target status.
fn history_holds(item: &Item, change: &StatusChange) -> bool {
    let text = |entry: &Item, name: &str| entry.get(name).and_then(|v| v.as_s().ok()).cloned();
    let Some(Ok(history)) = item.get("status_history").map(AttributeValue::as_l) else {
        return false;
    };
    history
        .iter()
        .filter_map(|entry| entry.as_m().ok())
        .any(|entry| {
            let actor = entry
                .get("actor")
                .and_then(|a| a.as_m().ok())
                .and_then(|a| text(a, "id"));
            text(entry, "at").as_deref() == Some(change.at.as_str())
                && text(entry, "to").as_deref() == Some(change.to.as_str())
                && actor.as_deref() == Some(change.actor.id.as_str())
        })
}

/// Whether the order `item` already holds `rating`: the same moment and score.
fn rating_holds(item: &Item, rating: &Rating) -> bool {
    let Some(Ok(held)) = item.get("rating").map(AttributeValue::as_m) else {
        return false;
    };
    let at = held.get("rated_at").and_then(|v| v.as_s().ok());
    let score = held.get("score").and_then(|v| v.as_n().ok());
    at == Some(&rating.rated_at) && score == Some(&rating.score.to_string())
}

/// Whether the order `item` already lists file `id` in its `file_ids`.
fn file_ids_hold(item: &Item, id: &str) -> bool {
    let Some(Ok(ids)) = item.get(FILE_IDS).map(AttributeValue::as_l) else {
        return false;
    };
    ids.iter()
        .any(|held| held.as_s().is_ok_and(|held| held == id))
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.code() == Some("ConditionalCheckFailedException")
}

fn is_transaction_conflict<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.code() == Some("TransactionConflictException")
}

/// The order items of one table.
#[derive(Debug, Clone)]
pub struct OrdersTable {
    client: Client,
    table: String,
}

impl OrdersTable {
    /// Order items of `table`, read and written through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Stores a submission once per key (R5.4): claims `submission.key` with
    /// a number from `next_number`, then creates the order `build` makes for
    /// that number and time of submission. A key already claimed with the
    /// same request hash gives back its order (creating it if the request
    /// that claimed it stopped before); with another hash, `KeyReused`.
    pub async fn submit<N, B>(
        &self,
        submission: Submission<'_>,
        mut next_number: N,
        build: B,
    ) -> Result<Submitted, StoreError>
    where
        N: FnMut() -> OrderNumber + Send,
        B: Fn(&OrderNumber, &str) -> Order + Send + Sync,
    {
        let (mut record, claimed) = match self.claim(&submission, next_number()).await? {
            Claim::Won(record) => (record, true),
            Claim::Held(record) if record.request_hash != submission.request_hash => {
                return Ok(Submitted::KeyReused);
            }
            Claim::Held(record) => {
                // Usually the order is there already: answer it without a write.
                let existing = self.get(&record.number).await?;
                if let Some(order) = existing.filter(|order| {
                    order.belongs_to(submission.customer_id)
                        && order.idempotency_key == submission.key
                }) {
                    return Ok(Submitted::Replayed(order));
                }
                (record, false)
            }
        };
        for _ in 0..NUMBER_ATTEMPTS {
            let order = build(&record.number, &record.created_at);
            if self.put_new(&order).await? {
                return Ok(if claimed {
                    Submitted::Created(order)
                } else {
                    Submitted::Replayed(order)
                });
            }
            let existing = self
                .get(&record.number)
                .await?
                .ok_or_else(|| StoreError::Malformed("an order vanished".into()))?;
            if existing.belongs_to(submission.customer_id)
                && existing.idempotency_key == submission.key
            {
                // A concurrent request with the same key created it first.
                return Ok(if claimed {
                    Submitted::Created(existing)
                } else {
                    Submitted::Replayed(existing)
                });
            }
            tracing::warn!(number = %record.number, "order number taken; drawing another");
            record = self.renumber(&submission, record, next_number()).await?;
        }
        Err(StoreError::Refused(format!(
            "no free order number in {NUMBER_ATTEMPTS} attempts"
        )))
    }

    /// The answer an earlier request with the key of `submission` already
    /// settled, read before anything else so that a retry does not depend on
    /// the catalog or the profile as they stand now (R5.4): `KeyReused` when
    /// a live record holds the key for another request, `Replayed` when it
    /// holds it for this one and its order exists; `None` when the key is
    /// free, or claimed by a request whose order is not written yet.
    pub async fn settled(
        &self,
        submission: &Submission<'_>,
    ) -> Result<Option<Submitted>, StoreError> {
        let pk = format!("{IDEMPOTENCY_PK_PREFIX}{}", submission.customer_id);
        let sk = format!("{IDEMPOTENCY_SK_PREFIX}{}", submission.key);
        let Some(record) = self.record(&pk, &sk).await? else {
            return Ok(None);
        };
        if record.expires_at < submission.now.unix_timestamp() {
            // Past its window: the key is free again.
            return Ok(None);
        }
        if record.request_hash != submission.request_hash {
            return Ok(Some(Submitted::KeyReused));
        }
        Ok(self
            .get(&record.number)
            .await?
            .filter(|order| {
                order.belongs_to(submission.customer_id) && order.idempotency_key == submission.key
            })
            .map(Submitted::Replayed))
    }

    /// Claims the key of `submission` for `number`, unless a live record
    /// holds it already.
    async fn claim(
        &self,
        submission: &Submission<'_>,
        number: OrderNumber,
    ) -> Result<Claim, StoreError> {
        let now = submission.now.unix_timestamp();
        let record = IdempotencyItem {
            pk: format!("{IDEMPOTENCY_PK_PREFIX}{}", submission.customer_id),
            sk: format!("{IDEMPOTENCY_SK_PREFIX}{}", submission.key),
            request_hash: submission.request_hash.to_string(),
            number,
            created_at: timestamp(submission.now),
            expires_at: now + IDEMPOTENCY_WINDOW_SECONDS,
        };
        // A record past its window that TTL has not yet removed frees its key.
        for _ in 0..2 {
            let written = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_item(&record)?))
                .condition_expression("attribute_not_exists(#pk) OR #expires_at < :now")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#expires_at", "expires_at")
                .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
                .send()
                .await;
            match written {
                Ok(_) => return Ok(Claim::Won(record)),
                Err(error) if is_condition_failure(&error) => {}
                Err(error) => return Err(error.into()),
            }
            if let Some(held) = self.record(&record.pk, &record.sk).await? {
                return Ok(Claim::Held(held));
            }
            // Expired and removed between the two calls: claim again.
        }
        Err(StoreError::Refused(
            "an idempotency record comes and goes".into(),
        ))
    }

    async fn record(&self, pk: &str, sk: &str) -> Result<Option<IdempotencyItem>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await?;
        output
            .item
            .map(|item| from_item(item, "idempotency record"))
            .transpose()
    }

    /// Points the claim of `submission` at `fresh` instead of the number
    /// another order took; answers the record as it then stands (another
    /// request may have renumbered it first).
    async fn renumber(
        &self,
        submission: &Submission<'_>,
        record: IdempotencyItem,
        fresh: OrderNumber,
    ) -> Result<IdempotencyItem, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(&record.pk))
            .key(SK, s(&record.sk))
            .update_expression("SET #number = :fresh")
            .condition_expression("#number = :taken AND #request_hash = :hash")
            .expression_attribute_names("#number", "number")
            .expression_attribute_names("#request_hash", "request_hash")
            .expression_attribute_values(":fresh", s(fresh.as_str()))
            .expression_attribute_values(":taken", s(record.number.as_str()))
            .expression_attribute_values(":hash", s(submission.request_hash))
            .send()
            .await;
        match result {
            Ok(_) => Ok(IdempotencyItem {
                number: fresh,
                ..record
            }),
            Err(error) if is_condition_failure(&error) => self
                .record(&record.pk, &record.sk)
                .await?
                .ok_or_else(|| StoreError::Malformed("an idempotency record vanished".into())),
            Err(error) => Err(error.into()),
        }
    }

    /// Writes `order` unless an item with its number exists; `false` then.
    async fn put_new(&self, order: &Order) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&OrderItem::new(order))?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Order `number`, whoever it belongs to; `None` when there is none.
    pub async fn get(&self, number: &OrderNumber) -> Result<Option<Order>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(order_pk(number)))
            .key(SK, s(ORDER_SK))
            .consistent_read(true)
            .send()
            .await?;
        output.item.map(|item| from_item(item, "order")).transpose()
    }

    /// Order `number` with its newest [`CARD_HISTORY_LIMIT`] history
    /// entries, oldest first: one `Query` newest first (the order item,
    /// `sk = ORDER`, sorts after every `HISTORY#…`, so it comes first),
    /// continued only across the 1 MB pages of DynamoDB until that many are
    /// read. Older entries are left out and `history_truncated` says so; the
    /// card stays far below Lambda's 6 MB response limit however many
    /// messages an order collects.
    pub async fn card(&self, number: &OrderNumber) -> Result<Option<Card>, StoreError> {
        // The order item, the entries shown, and one more to tell whether
        // older ones exist.
        let wanted = CARD_HISTORY_LIMIT + 2;
        let mut items: Vec<Item> = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let remaining = i32::try_from(wanted - items.len())
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(order_pk(number)))
                .consistent_read(true)
                .scan_index_forward(false)
                .limit(remaining)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key.filter(|key| !key.is_empty());
            if start.is_none() || items.len() >= wanted {
                break;
            }
        }

        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return Ok(None);
        };
        if !matches!(first.get(SK), Some(AttributeValue::S(sk)) if sk == ORDER_SK) {
            // History without its order is not an order.
            return Ok(None);
        }
        let order = from_item::<Order>(first, "order")?;
        let (history, history_truncated) = newest_history(items.collect(), CARD_HISTORY_LIMIT);
        let mut messages = Vec::new();
        // Newest first as read; the card shows them oldest first.
        for item in history.into_iter().rev() {
            match item.get(SK) {
                Some(AttributeValue::S(sk)) if sk.starts_with(HISTORY_SK_PREFIX) => {}
                _ => {
                    return Err(StoreError::Malformed(
                        "an unexpected item of an order".into(),
                    ));
                }
            }
            let kind: HistoryKind = from_item(item.clone(), "history entry")?;
            // Kinds a later version adds are not shown by this one.
            if kind.kind == MESSAGE_KIND {
                messages.push(from_item::<Message>(item, "message")?);
            }
        }
        Ok(Some(Card {
            order,
            messages,
            history_truncated,
        }))
    }

    /// One page of `party`'s orders, newest first: at most `limit` orders
    /// read, those in `statuses` kept (all when empty), starting after
    /// `start`.
    pub async fn page(
        &self,
        party: Party<'_>,
        statuses: &[OrderStatus],
        limit: i32,
        start: Option<&StartKey>,
    ) -> Result<Page, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(party.index())
            .key_condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", party.partition_attribute())
            .expression_attribute_values(":owner", s(party.partition()))
            .scan_index_forward(false)
            .limit(limit)
            .projection_expression(SUMMARY_PROJECTION);
        for (placeholder, name) in SUMMARY_NAMES {
            query = query.expression_attribute_names(placeholder, name);
        }
        if !statuses.is_empty() {
            let placeholders: Vec<String> =
                (0..statuses.len()).map(|i| format!(":status{i}")).collect();
            query = query.filter_expression(format!("#status IN ({})", placeholders.join(", ")));
            for (placeholder, status) in placeholders.iter().zip(statuses) {
                query = query.expression_attribute_values(placeholder, s(status.as_str()));
            }
        }
        if let Some(start) = start {
            let key = start.iter().map(|(k, v)| (k.clone(), s(v))).collect();
            query = query.set_exclusive_start_key(Some(key));
        }
        let output = query.send().await?;

        let orders = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<SummaryItem>(item, "order summary").map(SummaryItem::into))
            .collect::<Result<_, _>>()?;
        let next = output
            .last_evaluated_key
            .filter(|key| !key.is_empty())
            .map(|key| {
                key.into_iter()
                    .map(|(name, value)| match value {
                        AttributeValue::S(text) => Ok((name, text)),
                        _ => Err(StoreError::Malformed(format!("key {name} is not a string"))),
                    })
                    .collect::<Result<StartKey, _>>()
            })
            .transpose()?;
        Ok(Page { orders, next })
    }

    /// Moves order `number` from `update.change.from` to `update.change.to`
    /// if it is `party`'s and still in that status, appending the change to
    /// its history; `false` when the order is not in that status (any more)
    /// or not the party's.
    pub async fn change_status(
        &self,
        number: &OrderNumber,
        party: Party<'_>,
        update: StatusUpdate<'_>,
    ) -> Result<bool, StoreError> {
        let change = update.change;
        let from = change
            .from
            .ok_or_else(|| StoreError::Refused("a change of status needs its source".into()))?;
        let mut set = vec![
            "#status = :to",
            "#version = #version + :one",
            "#updated_at = :at",
            "#history = list_append(#history, :change)",
        ];
        let mut names = vec![
            ("#status", "status"),
            ("#version", "version"),
            ("#updated_at", "updated_at"),
            ("#history", "status_history"),
            ("#owner", party.partition_attribute()),
        ];
        let mut values = vec![
            (":to", s(change.to.as_str())),
            (":from", s(from.as_str())),
            (":one", AttributeValue::N("1".into())),
            (":at", s(&change.at)),
            (":change", AttributeValue::L(vec![to_value(change)?])),
            (":owner", s(party.partition())),
        ];
        if let Some(executor) = update.executor {
            set.push("#executor = :executor");
            names.push(("#executor", "executor"));
            values.push((":executor", to_value(executor)?));
        }
        if let Some(date) = update.expected_completion {
            set.push("#expected = :expected");
            names.push(("#expected", "expected_completion"));
            values.push((":expected", s(date)));
        }
        if let Some(reason) = &change.reason {
            let attribute = match change.to {
                OrderStatus::Rejected => "rejection_reason",
                _ => "cancel_reason",
            };
            set.push("#reason = :reason");
            names.push(("#reason", attribute));
            values.push((":reason", s(reason)));
        }
        let expression = format!("SET {}", set.join(", "));
        let condition = "#status = :from AND #owner = :owner";
        let applied = |item: &Item| history_holds(item, change);
        self.conditional_update(number, &expression, condition, &names, values, &applied)
            .await
    }

    /// Records the customer's `rating` of order `number` if it is theirs,
    /// done and not rated yet; `false` otherwise.
    pub async fn rate(
        &self,
        number: &OrderNumber,
        customer_id: &str,
        rating: &Rating,
    ) -> Result<bool, StoreError> {
        let customer = Party::Customer(customer_id);
        let names = [
            ("#rating", "rating"),
            ("#updated_at", "updated_at"),
            ("#status", "status"),
            ("#owner", customer.partition_attribute()),
        ];
        let values = vec![
            (":rating", to_value(rating)?),
            (":at", s(&rating.rated_at)),
            (":done", s(OrderStatus::Done.as_str())),
            (":owner", s(customer.partition())),
        ];
        let applied = |item: &Item| rating_holds(item, rating);
        self.conditional_update(
            number,
            "SET #rating = :rating, #updated_at = :at",
            "#owner = :owner AND #status = :done AND attribute_not_exists(#rating)",
            &names,
            values,
            &applied,
        )
        .await
    }

    /// Appends `file` to the files of order `number` if the order is the
    /// customer's, still takes files (not cancelled or rejected), holds
    /// fewer than [`MAX_FILES_PER_ORDER`] and does not have this file yet;
    /// `false` otherwise. The ids of the files are kept in `file_ids` too,
    /// so that a repeated confirmation cannot add a file twice.
    pub async fn attach_file(
        &self,
        number: &OrderNumber,
        customer_id: &str,
        file: &AttachedFile,
    ) -> Result<bool, StoreError> {
        let customer = Party::Customer(customer_id);
        let names = [
            ("#files", "files"),
            ("#ids", FILE_IDS),
            ("#status", "status"),
            ("#owner", customer.partition_attribute()),
        ];
        let max =
            i64::try_from(MAX_FILES_PER_ORDER).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let values = vec![
            (":file", AttributeValue::L(vec![to_value(file)?])),
            (":id", s(file.id.as_str())),
            (":ids", AttributeValue::L(vec![s(file.id.as_str())])),
            (":empty", AttributeValue::L(Vec::new())),
            (":max", AttributeValue::N(max.to_string())),
            (":cancelled", s(OrderStatus::Cancelled.as_str())),
            (":rejected", s(OrderStatus::Rejected.as_str())),
            (":owner", s(customer.partition())),
        ];
        self.conditional_update(
            number,
            "SET #files = list_append(if_not_exists(#files, :empty), :file), \
             #ids = list_append(if_not_exists(#ids, :empty), :ids)",
            "#owner = :owner AND NOT #status IN (:cancelled, :rejected) \
             AND (attribute_not_exists(#files) OR size(#files) < :max) \
             AND NOT contains(#ids, :id)",
            &names,
            values,
            &|item: &Item| file_ids_hold(item, file.id.as_str()),
        )
        .await
    }

    /// One conditional `UpdateItem` of order `number`; `false` when the
    /// condition does not hold. Retried when DynamoDB refuses it for a
    /// transaction in flight on the same order (a message being written).
    ///
    /// When the SDK resends a write whose first answer was lost (a timeout
    /// after DynamoDB applied it), the resent write fails its condition
    /// against its own result; `applied` recognises that result in the item
    /// DynamoDB returns with the failure, and the write counts as done.
    async fn conditional_update(
        &self,
        number: &OrderNumber,
        expression: &str,
        condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
        applied: &(dyn Fn(&Item) -> bool + Sync),
    ) -> Result<bool, StoreError> {
        let names: HashMap<String, String> = names
            .iter()
            .map(|(placeholder, name)| (placeholder.to_string(), name.to_string()))
            .collect();
        let values: HashMap<String, AttributeValue> = values
            .into_iter()
            .map(|(placeholder, value)| (placeholder.to_string(), value))
            .collect();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(PK, s(order_pk(number)))
                .key(SK, s(ORDER_SK))
                .update_expression(expression)
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            match result {
                Ok(_) => return Ok(true),
                Err(error) if is_condition_failure(&error) => {
                    let current = error.as_service_error().and_then(|e| match e {
                        UpdateItemError::ConditionalCheckFailedException(failed) => failed.item(),
                        _ => None,
                    });
                    return Ok(current.is_some_and(applied));
                }
                Err(error) if is_transaction_conflict(&error) && attempt < CONFLICT_ATTEMPTS => {
                    self.back_off(attempt).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Adds `message` to order `number` if the order is `party`'s and still
    /// takes messages; `false` otherwise. One transaction checks the order
    /// and writes the message, so no message lands on an order cancelled or
    /// rejected at the same moment.
    pub async fn add_message(
        &self,
        number: &OrderNumber,
        party: Party<'_>,
        message: &Message,
    ) -> Result<bool, StoreError> {
        let suffix: u32 = rand::rng().random();
        let item = MessageItem {
            pk: order_pk(number),
            sk: format!("{HISTORY_SK_PREFIX}{}#{suffix:08x}", message.at),
            kind: MESSAGE_KIND,
            message,
        };
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(order_pk(number)))
            .key(SK, s(ORDER_SK))
            .condition_expression("#owner = :owner AND NOT #status IN (:cancelled, :rejected)")
            .expression_attribute_names("#owner", party.partition_attribute())
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":owner", s(party.partition()))
            .expression_attribute_values(":cancelled", s(OrderStatus::Cancelled.as_str()))
            .expression_attribute_values(":rejected", s(OrderStatus::Rejected.as_str()))
            .build()
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(true),
                Err(error) => error,
            };
            let reasons: Vec<String> = error
                .as_service_error()
                .filter(|e| e.is_transaction_canceled_exception())
                .map(|e| match e {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) => cancelled
                        .cancellation_reasons()
                        .iter()
                        .filter_map(|r| r.code().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            let outcome = if is_transaction_conflict(&error) {
                Cancellation::Conflict
            } else {
                Cancellation::of(&reasons)
            };
            match outcome {
                Cancellation::AlreadyWritten => return Ok(true),
                Cancellation::ConditionFailed => return Ok(false),
                Cancellation::Conflict if attempt < CONFLICT_ATTEMPTS => {
                    self.back_off(attempt).await;
                }
                // Still busy after our retries: the client may retry later.
                Cancellation::Conflict => {
                    return Err(StoreError::Unavailable(format!(
                        "a transaction kept conflicting after {attempt} attempts: {reasons:?}"
                    )));
                }
                Cancellation::Other => return Err(error.into()),
            }
        }
    }

    /// Waits a little, longer with each `attempt`, with jitter so that
    /// concurrent writers part.
    async fn back_off(&self, attempt: u32) {
        let millis = rand::rng().random_range(10..40) * u64::from(attempt);
        if let Some(sleep) = self.client.config().sleep_impl() {
            sleep.sleep(Duration::from_millis(millis)).await;
        }
    }
}

/// The newest `limit` of `entries` (read newest first), and whether older
/// ones were left out.
fn newest_history(mut entries: Vec<Item>, limit: usize) -> (Vec<Item>, bool) {
    let truncated = entries.len() > limit;
    entries.truncate(limit);
    (entries, truncated)
}

/// What the cancellation reasons of a refused transaction come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cancellation {
    /// The message is already in the table: this request's own, written by
    /// an attempt whose answer was lost.
    AlreadyWritten,
    /// A condition of the transaction does not hold: an answer, not a fault.
    ConditionFailed,
    /// Another transaction was in flight on one of its items: transient.
    Conflict,
    /// Anything else (validation, capacity of the item): not retried here.
    Other,
}

impl Cancellation {
    /// Classifies the cancellation reason codes of a
    /// `TransactionCanceledException`, one per item of the transaction
    /// (`None` for the items that were fine). A failed condition decides,
    /// whatever else happened: retrying cannot make it hold.
    ///
    /// The message's key is new to each request (its time and a random
    /// suffix), so when the order passed its check and only the `Put` found
    /// its key taken, the item is this request's own: an attempt whose
    /// answer was lost wrote it, and the SDK resent the request.
    fn of(reasons: &[String]) -> Self {
        if let [check, put] = reasons
            && check != CONDITION_FAILED
            && put == CONDITION_FAILED
        {
            Self::AlreadyWritten
        } else if reasons.iter().any(|code| code == CONDITION_FAILED) {
            Self::ConditionFailed
        } else if reasons.iter().any(|code| code == "TransactionConflict") {
            Self::Conflict
        } else {
            Self::Other
        }
    }
}

/// The state of a key after a claim.
enum Claim {
    /// This request claimed it.
    Won(IdempotencyItem),
    /// An earlier or concurrent request holds it.
    Held(IdempotencyItem),
}

impl From<SummaryItem> for OrderSummary {
    fn from(item: SummaryItem) -> Self {
        Self {
            number: item.number,
            service: item.service,
            provider_id: item.provider.id,
            provider_name: item.provider.name,
            status: item.status,
            subject: item.form.subject,
            created_at: item.created_at,
            updated_at: item.updated_at,
            expected_completion: item.expected_completion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::samples::{sample_message, sample_order};
    use crate::domain::order::{Contact, OrderContent};

    /// A new order, with an organization to read back.
    fn order() -> Order {
        let sample = sample_order(OrderStatus::Submitted);
        let contact = Contact {
            organization: Some("ООО «Ромашка»".into()),
            ..sample.form.contact
        };
        Order {
            form: OrderContent {
                contact,
                ..sample.form
            },
            ..sample
        }
    }

    #[test]
    fn the_order_item_carries_both_index_keys_and_reads_back() {
        let order = order();
        let item = to_item(&OrderItem::new(&order)).unwrap();
        assert_eq!(item[PK], s("ORDER#261204-7KQ2MX"));
        assert_eq!(item[SK], s("ORDER"));
        assert_eq!(item["gsi1pk"], s("CUSTOMER#sub-1"));
        assert_eq!(item["gsi2pk"], s("PROVIDER#chamber-moscow"));
        let sort = s("2026-12-04T10:00:00.000Z#261204-7KQ2MX");
        assert_eq!(item["gsi1sk"], sort);
        assert_eq!(item["gsi2sk"], sort);
        assert_eq!(item["status"], s("submitted"));
        assert_eq!(item["version"], AttributeValue::N("1".into()));
        assert!(!item.contains_key("executor"), "absent, not null");
        let AttributeValue::L(history) = &item["status_history"] else {
            panic!("the history is a list");
        };
        assert_eq!(history.len(), 1);
        let back: Order = from_item(item, "order").unwrap();
        assert_eq!(back, order);
    }

    #[test]
    fn a_message_item_sorts_by_time_under_the_order() {
        let message = Message {
            at: "2026-12-04T10:05:00.000Z".into(),
            ..sample_message()
        };
        let item = to_item(&MessageItem {
            pk: order_pk(&order().number),
            sk: format!("{HISTORY_SK_PREFIX}{}#0000002a", message.at),
            kind: MESSAGE_KIND,
            message: &message,
        })
        .unwrap();
        assert_eq!(item["kind"], s("message"));
        assert!(matches!(&item[SK], AttributeValue::S(sk) if sk.as_str() < ORDER_SK));
        let kind: HistoryKind = from_item(item.clone(), "kind").unwrap();
        assert_eq!(kind.kind, MESSAGE_KIND);
        let back: Message = from_item(item, "message").unwrap();
        assert_eq!(back, message);
    }

    #[test]
    fn cancellation_reasons_tell_a_failed_condition_from_a_busy_order() {
        let codes = |list: &[&str]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Cancellation::of(&codes(&["ConditionalCheckFailed", "None"])),
            Cancellation::ConditionFailed
        );
        assert_eq!(
            Cancellation::of(&codes(&["ConditionalCheckFailed", "TransactionConflict"])),
            Cancellation::ConditionFailed
        );
        assert_eq!(
            Cancellation::of(&codes(&["None", "TransactionConflict"])),
            Cancellation::Conflict
        );
        assert_eq!(
            Cancellation::of(&codes(&["None", "ConditionalCheckFailed"])),
            Cancellation::AlreadyWritten
        );
        assert_eq!(
            Cancellation::of(&codes(&["None", "ValidationError"])),
            Cancellation::Other
        );
        assert_eq!(Cancellation::of(&[]), Cancellation::Other);
    }

    #[test]
    fn a_card_keeps_the_newest_entries_and_says_when_older_were_left_out() {
        let entries = |n: usize| -> Vec<Item> {
            (0..n)
                .rev()
                .map(|i| HashMap::from([(SK.to_string(), s(format!("HISTORY#{i:03}")))]))
                .collect()
        };
        let (kept, truncated) = newest_history(entries(5), 3);
        assert!(truncated);
        let keys: Vec<_> = kept.iter().map(|item| item[SK].clone()).collect();
        assert_eq!(keys, [s("HISTORY#004"), s("HISTORY#003"), s("HISTORY#002")]);
        let (kept, truncated) = newest_history(entries(3), 3);
        assert!(!truncated);
        assert_eq!(kept.len(), 3);
        let (kept, truncated) = newest_history(Vec::new(), 3);
        assert!(!truncated && kept.is_empty());
    }

    #[test]
    fn a_resent_attachment_is_recognised_by_its_file_id() {
        let item = HashMap::from([(
            FILE_IDS.to_string(),
            AttributeValue::L(vec![s("a1"), s("b2")]),
        )]);
        assert!(file_ids_hold(&item, "b2"));
        assert!(!file_ids_hold(&item, "c3"));
        assert!(!file_ids_hold(&HashMap::new(), "a1"));
    }

    #[test]
    fn parties_read_their_own_index() {
        let customer = Party::Customer("sub-1");
        let provider = Party::Provider("chamber-moscow");
        assert_eq!(customer.partition(), "CUSTOMER#sub-1");
        assert_eq!(provider.partition(), "PROVIDER#chamber-moscow");
        assert_eq!(customer.index(), "gsi1");
        assert_eq!(provider.index(), "gsi2");
        assert!(customer.owns(&order()));
        assert!(provider.owns(&order()));
        assert!(!Party::Customer("sub-2").owns(&order()));
        assert!(!Party::Provider("chamber-spb").owns(&order()));
    }

    #[test]
    fn every_projected_attribute_has_its_placeholder() {
        for placeholder in SUMMARY_PROJECTION.split([',', '.']).map(str::trim) {
            assert!(
                SUMMARY_NAMES.iter().any(|(p, _)| *p == placeholder),
                "{placeholder}"
            );
        }
    }
}
