//! Decoding of the DynamoDB stream events Lambda hands the notifier, and
//! what each record means to it.
//!
//! Both steps are pure functions over JSON, so they can be tested (and
//! fuzzed) without AWS: [`decode_event`] turns the event into records,
//! undecodable ones kept as errors beside their sequence number, and
//! [`classify`] says whether a record is a change of an order's status, an
//! executor's new message, or nothing to send.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::domain::order::{Message, Order, OrderNumber, OrderStatus, Role, StatusChange};
use crate::table::{HISTORY_SK_PREFIX, MESSAGE_KIND, ORDER_PK_PREFIX, ORDER_SK};

/// What happened to the item of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    /// A new item.
    Insert,
    /// A changed item.
    Modify,
    /// A deleted item (by us or by TTL).
    Remove,
}

/// One record of the stream, its images as plain JSON (the DynamoDB type
/// tags removed).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// `dynamodb.SequenceNumber`: what a batch item failure names.
    pub sequence_number: String,
    /// `eventName`.
    pub event_name: EventName,
    /// `pk` of the item.
    pub pk: String,
    /// `sk` of the item.
    pub sk: String,
    /// The item before, when the stream has it.
    pub old_image: Option<Value>,
    /// The item after, when the stream has it.
    pub new_image: Option<Value>,
}

/// A record, or an entry of the event, that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undecodable stream record: {0}")]
pub struct DecodeError(pub String);

/// One entry of an event: its sequence number when it has one, and the
/// record or why it cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The sequence number, `None` when even that is missing.
    pub sequence_number: Option<String>,
    /// The record.
    pub record: Result<StreamRecord, DecodeError>,
}

/// The records of a Lambda DynamoDB stream event, in order. An event that is
/// not an object with a `Records` list is one undecodable entry.
pub fn decode_event(event: &Value) -> Vec<Entry> {
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        return vec![Entry {
            sequence_number: None,
            record: Err(DecodeError("the event has no Records list".into())),
        }];
    };
    records
        .iter()
        .map(|record| Entry {
            sequence_number: record
                .pointer("/dynamodb/SequenceNumber")
                .and_then(Value::as_str)
                .map(str::to_string),
            record: decode_record(record),
        })
        .collect()
}

/// One record of the event.
pub fn decode_record(record: &Value) -> Result<StreamRecord, DecodeError> {
    let event_name = match record.get("eventName").and_then(Value::as_str) {
        Some("INSERT") => EventName::Insert,
        Some("MODIFY") => EventName::Modify,
        Some("REMOVE") => EventName::Remove,
        other => return Err(DecodeError(format!("eventName {other:?}"))),
    };
    let dynamodb = record
        .get("dynamodb")
        .and_then(Value::as_object)
        .ok_or_else(|| DecodeError("no dynamodb object".into()))?;
    let sequence_number = dynamodb
        .get("SequenceNumber")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| DecodeError("no SequenceNumber".into()))?
        .to_string();
    let keys = image(dynamodb.get("Keys"))?.ok_or_else(|| DecodeError("no Keys".into()))?;
    let key = |name: &str| {
        keys.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| DecodeError(format!("key {name} is not a string")))
    };
    Ok(StreamRecord {
        sequence_number,
        event_name,
        pk: key("pk")?,
        sk: key("sk")?,
        old_image: image(dynamodb.get("OldImage"))?,
        new_image: image(dynamodb.get("NewImage"))?,
    })
}

/// An item in DynamoDB JSON (`{"name": {"S": "…"}}`) as plain JSON.
fn image(value: Option<&Value>) -> Result<Option<Value>, DecodeError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let map = value
        .as_object()
        .ok_or_else(|| DecodeError("an image is not an object".into()))?;
    Ok(Some(Value::Object(attributes(map)?)))
}

fn attributes(map: &Map<String, Value>) -> Result<Map<String, Value>, DecodeError> {
    map.iter()
        .map(|(name, value)| Ok((name.clone(), attribute(value)?)))
        .collect()
}

/// One attribute value in DynamoDB JSON as plain JSON. Binary values stay
/// their base64 text; sets become lists.
pub fn attribute(value: &Value) -> Result<Value, DecodeError> {
    let object = value
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| DecodeError("an attribute is not a one-key object".into()))?;
    let (tag, inner) = object.iter().next().expect("the object has one key");
    let text = || {
        inner
            .as_str()
            .map(|s| Value::String(s.to_string()))
            .ok_or_else(|| DecodeError(format!("{tag} is not a string")))
    };
    let list = || {
        inner
            .as_array()
            .ok_or_else(|| DecodeError(format!("{tag} is not a list")))
    };
    match tag.as_str() {
        "S" | "B" => text(),
        "N" => number(inner),
        "BOOL" => inner
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| DecodeError("BOOL is not a boolean".into())),
        "NULL" => Ok(Value::Null),
        "M" => inner
            .as_object()
            .ok_or_else(|| DecodeError("M is not an object".into()))
            .and_then(attributes)
            .map(Value::Object),
        "L" => list()?
            .iter()
            .map(attribute)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        "SS" | "BS" => list()?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| Value::String(s.to_string()))
                    .ok_or_else(|| DecodeError(format!("{tag} holds a non-string")))
            })
            .collect::<Result<_, _>>()
            .map(Value::Array),
        "NS" => list()?
            .iter()
            .map(number)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Err(DecodeError(format!("unknown attribute type {other}"))),
    }
}

fn number(inner: &Value) -> Result<Value, DecodeError> {
    let raw = inner
        .as_str()
        .ok_or_else(|| DecodeError("N is not a string".into()))?;
    if let Ok(n) = raw.parse::<i64>() {
        return Ok(Value::from(n));
    }
    raw.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| DecodeError("N is not a number".into()))
}

/// What a record asks of the notifier.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The order's status changed (a new order counts as submitted): the
    /// order as it is now and the change, the last of its history.
    StatusChanged {
        /// The order after the change.
        order: Box<Order>,
        /// The change.
        change: StatusChange,
    },
    /// An executor wrote a message on order `number`.
    ExecutorMessage {
        /// The order.
        number: OrderNumber,
        /// Sort key of the message item: it names the message for good.
        message_sk: String,
        /// The message.
        message: Message,
    },
    /// Nothing to send: another kind of item, a removal, a change that kept
    /// the status, a customer's own message.
    Skip(&'static str),
}

#[derive(Deserialize)]
struct StatusOnly {
    status: OrderStatus,
}

#[derive(Deserialize)]
struct KindOnly {
    #[serde(default)]
    kind: Option<String>,
}

/// What `record` asks of the notifier, or why an item it should understand
/// cannot be read.
pub fn classify(record: &StreamRecord) -> Result<Event, DecodeError> {
    let Some(number) = record.pk.strip_prefix(ORDER_PK_PREFIX) else {
        return Ok(Event::Skip("not an order's item"));
    };
    if record.event_name == EventName::Remove {
        return Ok(Event::Skip("a removal"));
    }
    if record.sk == ORDER_SK {
        return status_change(record);
    }
    if record.sk.starts_with(HISTORY_SK_PREFIX) && record.event_name == EventName::Insert {
        let number = OrderNumber::parse(number)
            .ok_or_else(|| DecodeError("the key holds no order number".into()))?;
        return executor_message(record, number);
    }
    Ok(Event::Skip("neither an order nor a new history item"))
}

/// `image` read as `T`. The error names the attribute that did not read,
/// never its value: serde's own messages may quote stored text, which
/// holds personal data, and this error goes to the log.
fn read<T: serde::de::DeserializeOwned>(image: &Value, what: &str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(image.clone()).map_err(|error| {
        DecodeError(format!(
            "{what}: attribute `{}` does not read",
            error.path()
        ))
    })
}

fn new_image(record: &StreamRecord) -> Result<&Value, DecodeError> {
    record
        .new_image
        .as_ref()
        .ok_or_else(|| DecodeError("no new image".into()))
}

fn status_change(record: &StreamRecord) -> Result<Event, DecodeError> {
    let image = new_image(record)?;
    let now: StatusOnly = read(image, "new status")?;
    match record.event_name {
        EventName::Insert if now.status != OrderStatus::Submitted => {
            return Err(DecodeError("a new order that is not submitted".into()));
        }
        EventName::Modify => {
            let old = record
                .old_image
                .as_ref()
                .ok_or_else(|| DecodeError("no old image".into()))?;
            let before: StatusOnly = read(old, "old status")?;
            if before.status == now.status {
                return Ok(Event::Skip("the status did not change"));
            }
        }
        _ => {}
    }
    let order: Order = read(image, "order")?;
    let change = order
        .status_history
        .last()
        .filter(|change| change.to == order.status)
        .cloned()
        .ok_or_else(|| DecodeError("the history does not end at the status".into()))?;
    Ok(Event::StatusChanged {
        order: Box::new(order),
        change,
    })
}

fn executor_message(record: &StreamRecord, number: OrderNumber) -> Result<Event, DecodeError> {
    let image = new_image(record)?;
    let kind: KindOnly = read(image, "kind")?;
    if kind.kind.as_deref() != Some(MESSAGE_KIND) {
        return Ok(Event::Skip("a history item that is not a message"));
    }
    let message: Message = read(image, "message")?;
    if message.author.role != Role::Executor {
        return Ok(Event::Skip("the customer's own message"));
    }
    Ok(Event::ExecutorMessage {
        number,
        message_sk: record.sk.clone(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn order_image(status: &str, history: Value) -> Value {
        json!({
            "pk": {"S": "ORDER#261204-7KQ2MX"}, "sk": {"S": "ORDER"},
            "number": {"S": "261204-7KQ2MX"},
            "customer_id": {"S": "sub-1"},
            "idempotency_key": {"S": "k"},
            "service": {"M": {"id": {"S": "ata-carnet"}, "title": {"S": "Карнет АТА"}}},
            "provider": {"M": {"id": {"S": "chamber-moscow"}, "name": {"S": "ТПП Москвы"},
                               "kind": {"S": "chamber"}, "city": {"S": "Москва"}}},
            "form": {"M": {"subject": {"S": "Тема"}, "text": {"S": "Текст"},
                "contact": {"M": {"first_name": {"S": "Иван"}, "last_name": {"S": "Петров"},
                    "email": {"S": "ivan@example.ru"}, "phone": {"S": "+79001234567"}}}}},
            "status": {"S": status},
            "status_history": history,
            "created_at": {"S": "2026-12-04T10:00:00.000Z"},
            "updated_at": {"S": "2026-12-04T10:00:00.000Z"},
            "version": {"N": "1"},
        })
    }

    fn change(from: Option<&str>, to: &str, at: &str) -> Value {
        let mut entry = json!({
            "at": {"S": at},
            "actor": {"M": {"role": {"S": "customer"}, "id": {"S": "sub-1"}}},
            "to": {"S": to},
        });
        if let Some(from) = from {
            entry["from"] = json!({"S": from});
        }
        json!({"M": entry})
    }

    fn record(
        name: &str,
        seq: &str,
        keys: (&str, &str),
        old: Option<Value>,
        new: Option<Value>,
    ) -> Value {
        let mut dynamodb = json!({
            "Keys": {"pk": {"S": keys.0}, "sk": {"S": keys.1}},
            "SequenceNumber": seq,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        });
        if let Some(old) = old {
            dynamodb["OldImage"] = old;
        }
        if let Some(new) = new {
            dynamodb["NewImage"] = new;
        }
        json!({"eventID": "1", "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": dynamodb})
    }

    fn classify_value(value: Value) -> Result<Event, DecodeError> {
        classify(&decode_record(&value)?)
    }

    const ORDER_KEYS: (&str, &str) = ("ORDER#261204-7KQ2MX", "ORDER");

    #[test]
    fn attribute_values_lose_their_type_tags() {
        let value = json!({"M": {
            "s": {"S": "текст"}, "n": {"N": "42"}, "f": {"N": "1.5"}, "b": {"BOOL": true},
            "z": {"NULL": true}, "l": {"L": [{"S": "a"}, {"N": "1"}]}, "ss": {"SS": ["x"]},
            "ns": {"NS": ["1", "2"]}, "bin": {"B": "AAE="},
        }});
        assert_eq!(
            attribute(&value).unwrap(),
            json!({"s": "текст", "n": 42, "f": 1.5, "b": true, "z": null, "l": ["a", 1],
                   "ss": ["x"], "ns": [1, 2], "bin": "AAE="})
        );
        for bad in [
            json!({"X": "1"}),
            json!({"N": "abc"}),
            json!({"S": 1}),
            json!({}),
            json!({"S": "a", "N": "1"}),
            json!("S"),
        ] {
            assert!(attribute(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_order_is_a_change_to_submitted() {
        let history = json!({"L": [change(None, "submitted", "2026-12-04T10:00:00.000Z")]});
        let event = classify_value(record(
            "INSERT",
            "100",
            ORDER_KEYS,
            None,
            Some(order_image("submitted", history)),
        ))
        .unwrap();
        let Event::StatusChanged { order, change } = event else {
            panic!("a status change: {event:?}");
        };
        assert_eq!(order.number.as_str(), "261204-7KQ2MX");
        assert_eq!(change.to, OrderStatus::Submitted);
        assert_eq!(change.from, None);
    }

    #[test]
    fn a_modify_changing_the_status_is_a_change_and_one_keeping_it_is_skipped() {
        let first = change(None, "submitted", "2026-12-04T10:00:00.000Z");
        let second = change(Some("submitted"), "cancelled", "2026-12-04T11:00:00.000Z");
        let before = order_image("submitted", json!({"L": [first.clone()]}));
        let after = order_image("cancelled", json!({"L": [first, second]}));
        let event = classify_value(record(
            "MODIFY",
            "101",
            ORDER_KEYS,
            Some(before.clone()),
            Some(after.clone()),
        ))
        .unwrap();
        assert!(matches!(event, Event::StatusChanged { ref change, .. }
            if change.to == OrderStatus::Cancelled && change.at == "2026-12-04T11:00:00.000Z"));

        let rated = classify_value(record(
            "MODIFY",
            "102",
            ORDER_KEYS,
            Some(after.clone()),
            Some(after.clone()),
        ))
        .unwrap();
        assert!(matches!(rated, Event::Skip(_)));
    }

    #[test]
    fn removals_other_items_and_customers_messages_are_skipped() {
        let history = json!({"L": [change(None, "submitted", "2026-12-04T10:00:00.000Z")]});
        let removed = record(
            "REMOVE",
            "1",
            ORDER_KEYS,
            Some(order_image("submitted", history)),
            None,
        );
        assert!(matches!(classify_value(removed), Ok(Event::Skip(_))));
        let profile = record(
            "MODIFY",
            "2",
            ("USER#sub-1", "PROFILE"),
            Some(json!({})),
            Some(json!({})),
        );
        assert!(matches!(classify_value(profile), Ok(Event::Skip(_))));
        let ttl = record(
            "REMOVE",
            "3",
            ("IDEMPOTENCY#sub-1", "KEY#k"),
            Some(json!({})),
            None,
        );
        assert!(matches!(classify_value(ttl), Ok(Event::Skip(_))));
        let notice = record(
            "INSERT",
            "4",
            ("ORDER#261204-7KQ2MX", "NOTICE#x"),
            None,
            Some(json!({})),
        );
        assert!(matches!(classify_value(notice), Ok(Event::Skip(_))));

        let message = |role: &str| {
            json!({
                "pk": {"S": "ORDER#261204-7KQ2MX"}, "sk": {"S": "HISTORY#2026-12-04T12:00:00.000Z#0000abcd"},
                "kind": {"S": "message"}, "at": {"S": "2026-12-04T12:00:00.000Z"},
                "author": {"M": {"role": {"S": role}, "id": {"S": "sub-9"}, "name": {"S": "Пётр Сидоров"}}},
                "subject": {"S": "Ответ"}, "text": {"S": "Готово"},
            })
        };
        let keys = (
            "ORDER#261204-7KQ2MX",
            "HISTORY#2026-12-04T12:00:00.000Z#0000abcd",
        );
        let own = record("INSERT", "5", keys, None, Some(message("customer")));
        assert!(matches!(classify_value(own), Ok(Event::Skip(_))));
        let reply = record("INSERT", "6", keys, None, Some(message("executor")));
        assert!(matches!(classify_value(reply),
            Ok(Event::ExecutorMessage { ref message_sk, .. }) if message_sk == keys.1));
    }

    #[test]
    fn an_order_that_does_not_read_is_an_error_not_a_skip() {
        let broken = record(
            "MODIFY",
            "7",
            ORDER_KEYS,
            Some(json!({"status": {"S": "submitted"}})),
            Some(json!({"status": {"S": "done"}})),
        );
        assert!(classify_value(broken).is_err());
        let unknown = record(
            "INSERT",
            "8",
            ORDER_KEYS,
            None,
            Some(json!({"status": {"S": "lost"}})),
        );
        assert!(classify_value(unknown).is_err());
    }

    #[test]
    fn the_event_fixture_is_a_submission_a_take_and_an_executors_reply() {
        let event: Value =
            serde_json::from_str(include_str!("../../../events/notifier-stream.json"))
                .expect("events/notifier-stream.json is JSON");
        let events: Vec<Event> = decode_event(&event)
            .into_iter()
            .map(|entry| classify(&entry.record.unwrap()).unwrap())
            .collect();
        assert!(matches!(&events[0], Event::StatusChanged { change, .. }
            if change.to == OrderStatus::Submitted));
        assert!(matches!(&events[1], Event::StatusChanged { order, change }
            if change.to == OrderStatus::InProgress && order.executor.is_some()));
        assert!(matches!(&events[2], Event::ExecutorMessage { number, .. }
            if number.as_str() == "261204-7KQ2MX"));
    }

    #[test]
    fn an_error_names_the_attribute_but_not_its_value() {
        let history = json!({"L": [change(None, "submitted", "2026-12-04T10:00:00.000Z")]});
        let mut image = order_image("submitted", history);
        image["form"]["M"]["contact"]["M"]["email"] = json!({"N": "79001234567"});
        let error =
            classify_value(record("INSERT", "9", ORDER_KEYS, None, Some(image))).unwrap_err();
        assert!(error.0.contains("form.contact.email"), "{error}");
        assert!(!error.0.contains("79001234567"), "{error}");
    }

    #[test]
    fn an_event_keeps_the_sequence_number_of_a_record_it_cannot_read() {
        let event = json!({"Records": [
            record("INSERT", "10", ORDER_KEYS, None, None),
            {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "11", "Keys": {"pk": {"Q": 1}}}},
            {"garbage": true},
        ]});
        let entries = decode_event(&event);
        assert_eq!(entries.len(), 3);
        assert!(entries[0].record.is_ok());
        assert_eq!(entries[1].sequence_number.as_deref(), Some("11"));
        assert!(entries[1].record.is_err());
        assert_eq!(entries[2].sequence_number, None);
        assert_eq!(decode_event(&json!([])).len(), 1);
    }
}
