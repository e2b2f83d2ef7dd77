//! The notifier (R9): reads batches of the table's stream and e-mails the
//! customer about every change of an order's status and every new message of
//! an executor, unless they turned that kind of e-mail off (R2.4, R9.2).
//!
//! Records are handled in order, each on its own: a record that cannot be
//! handled is reported in `batchItemFailures` (Lambda's
//! `ReportBatchItemFailures`) and holds no other back. Each e-mail is sent
//! once however often its record arrives (see [`crate::store::notices`]).
//!
//! An executor's message whose order item does not exist is dropped with a
//! warning, not reported: a message is written only together with a check
//! that its order exists, the order is read consistently, and orders are
//! never deleted, so no retry could ever find it.
//!
//! Where e-mails go: the confirmed address of the customer's profile item
//! (`USER#<sub>`, `PROFILE`), with its switches. A customer who never opened
//! the profile has no such item; the notifier then sends nothing, because
//! it knows neither the account's address nor a switch that an unsubscribe
//! link could turn off (README, Known limitations).

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::SetupError;
use crate::config;
use crate::domain::order::{Message, Order, OrderNumber, StatusChange};
use crate::domain::profile::NotificationKind;
use crate::notify::letter::{Letter, Links, message_letter, status_letter};
use crate::notify::stream::{Event, decode_event};
use crate::store::StoreError;
use crate::store::notices::{Claim, NoticeKey, NoticeTable, message_notice_sk, status_notice_sk};
use crate::store::orders::OrdersTable;
use crate::store::profile::ProfileTable;
use crate::unsubscribe::UnsubscribeKey;

/// The answer to Lambda: the records to retry.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct BatchResponse {
    /// One entry per failed record.
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
}

/// A failed record.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ItemFailure {
    /// Its sequence number (empty when the record had none, which makes
    /// Lambda retry the whole batch).
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// Where the links of the e-mails lead and who sends them.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The verified SES identity e-mails are sent from.
    pub sender: String,
    /// The portal's base address (`https://portal.example.ru`).
    pub portal_base_url: String,
    /// The API's base address, where `/unsubscribe` is served.
    pub api_base_url: String,
}

/// The handler of the notifier function.
pub struct Notifier {
    notices: NoticeTable,
    orders: OrdersTable,
    profiles: ProfileTable,
    ses: aws_sdk_sesv2::Client,
    mail: MailConfig,
    unsubscribe: UnsubscribeKey,
}

/// Why a record failed; only the kind of failure reaches the log.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("the record does not decode: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another invocation is sending this notice")]
    HeldElsewhere,
    #[error("SES refused the e-mail: {0}")]
    Ses(String),
}

/// What a record came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Sent,
    AlreadySent,
    Skipped(&'static str),
    /// An executor's message on order `number`, which does not exist: no
    /// e-mail can ever be sent for it.
    OrderMissing(OrderNumber),
}

impl Notifier {
    /// The notifier reading and writing `table` through `db`, sending
    /// through `ses`.
    pub fn new(
        db: aws_sdk_dynamodb::Client,
        table: String,
        ses: aws_sdk_sesv2::Client,
        mail: MailConfig,
        unsubscribe: UnsubscribeKey,
    ) -> Self {
        Self {
            notices: NoticeTable::new(db.clone(), table.clone()),
            orders: OrdersTable::new(db.clone(), table.clone()),
            profiles: ProfileTable::new(db, table),
            ses,
            mail,
            unsubscribe,
        }
    }

    /// The notifier configured from the environment: `TABLE_NAME`,
    /// `SENDER_EMAIL`, `PORTAL_BASE_URL`, `API_BASE_URL`, `UNSUBSCRIBE_KEY`.
    pub async fn from_env() -> Result<Self, SetupError> {
        let table = config::required("TABLE_NAME")?;
        let mail = MailConfig {
            sender: config::required("SENDER_EMAIL")?,
            portal_base_url: config::required("PORTAL_BASE_URL")?
                .trim_end_matches('/')
                .to_string(),
            api_base_url: config::required("API_BASE_URL")?
                .trim_end_matches('/')
                .to_string(),
        };
        let unsubscribe = UnsubscribeKey::from_env()?;
        let sdk = config::aws().await;
        Ok(Self::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            table,
            aws_sdk_sesv2::Client::new(&sdk),
            mail,
            unsubscribe,
        ))
    }

    /// Handles one DynamoDB stream event and answers the records to retry.
    pub async fn handle(&self, event: &Value) -> BatchResponse {
        let mut response = BatchResponse::default();
        for entry in decode_event(event) {
            let sequence = entry.sequence_number.clone().unwrap_or_default();
            let outcome = match entry.record {
                Ok(record) => match crate::notify::stream::classify(&record) {
                    Ok(event) => self.act(event).await,
                    Err(error) => Err(Failure::Decode(error.0)),
                },
                Err(error) => Err(Failure::Decode(error.0)),
            };
            match outcome {
                Ok(Outcome::OrderMissing(number)) => tracing::warn!(
                    sequence,
                    number = number.as_str(),
                    "stream record dropped: the order of the executor's message does not exist"
                ),
                Ok(outcome) => tracing::info!(sequence, ?outcome, "stream record handled"),
                Err(failure) => {
                    tracing::error!(sequence, error = %failure, "stream record failed");
                    response.batch_item_failures.push(ItemFailure {
                        item_identifier: sequence,
                    });
                }
            }
        }
        response
    }

    async fn act(&self, event: Event) -> Result<Outcome, Failure> {
        match event {
            Event::Skip(why) => Ok(Outcome::Skipped(why)),
            Event::StatusChanged { order, change } => self.status_changed(&order, &change).await,
            Event::ExecutorMessage {
                number,
                message_sk,
                message,
            } => self.executor_message(&number, &message_sk, &message).await,
        }
    }

    async fn status_changed(
        &self,
        order: &Order,
        change: &StatusChange,
    ) -> Result<Outcome, Failure> {
        let key = NoticeKey {
            number: order.number.clone(),
            sk: status_notice_sk(&change.at, change.to.as_str()),
        };
        self.notify(order, NotificationKind::Status, key, |to, links| {
            status_letter(to, order, change, links)
        })
        .await
    }

    async fn executor_message(
        &self,
        number: &OrderNumber,
        message_sk: &str,
        message: &Message,
    ) -> Result<Outcome, Failure> {
        let Some(order) = self.orders.get(number).await? else {
            return Ok(Outcome::OrderMissing(number.clone()));
        };
        let key = NoticeKey {
            number: number.clone(),
            sk: message_notice_sk(message_sk),
        };
        self.notify(&order, NotificationKind::Message, key, |to, links| {
            message_letter(to, &order, message, links)
        })
        .await
    }

    /// Sends the letter `compose` writes to the customer of `order`, once
    /// per `key`, if they want e-mails of `kind`.
    async fn notify(
        &self,
        order: &Order,
        kind: NotificationKind,
        key: NoticeKey,
        compose: impl FnOnce(&str, &Links) -> Letter,
    ) -> Result<Outcome, Failure> {
        let Some(stored) = self.profiles.get(&order.customer_id).await? else {
            return Ok(Outcome::Skipped("the customer has no profile item"));
        };
        let profile = stored.profile;
        if !profile.notifications.allows(kind) {
            return Ok(Outcome::Skipped("the customer turned these e-mails off"));
        }
        let now = OffsetDateTime::now_utc();
        let token = match self.notices.claim(&key, now.unix_timestamp()).await? {
            Claim::Claimed(token) => token,
            Claim::AlreadySent => return Ok(Outcome::AlreadySent),
            Claim::HeldElsewhere => return Err(Failure::HeldElsewhere),
        };
        let links = Links {
            portal: self.mail.portal_base_url.clone(),
            unsubscribe: format!(
                "{}/unsubscribe?token={}",
                self.mail.api_base_url,
                self.unsubscribe
                    .issue(&order.customer_id, kind, now.unix_timestamp())
            ),
        };
        let letter = compose(&profile.email, &links);
        if let Err(error) = self.send(&letter, now).await {
            self.notices.release(&key, &token).await?;
            return Err(error);
        }
        self.notices.mark_sent(&key, &token).await?;
        Ok(Outcome::Sent)
    }

    async fn send(&self, letter: &Letter, now: OffsetDateTime) -> Result<(), Failure> {
        use aws_sdk_sesv2::primitives::Blob;
        use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

        let raw = RawMessage::builder()
            .data(Blob::new(letter.to_mime(&self.mail.sender, now)))
            .build()
            .map_err(|e| Failure::Ses(e.to_string()))?;
        self.ses
            .send_email()
            .from_email_address(&self.mail.sender)
            .destination(Destination::builder().to_addresses(&letter.to).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(|e| {
                use aws_sdk_sesv2::error::ProvideErrorMetadata;
                Failure::Ses(e.code().unwrap_or("no answer").to_string())
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_has_lambdas_shape() {
        let response = BatchResponse {
            batch_item_failures: vec![ItemFailure {
                item_identifier: "42".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "42"}]})
        );
        assert_eq!(
            serde_json::to_value(BatchResponse::default()).unwrap(),
            serde_json::json!({"batchItemFailures": []})
        );
    }
}
