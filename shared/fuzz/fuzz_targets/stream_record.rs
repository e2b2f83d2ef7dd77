//! Decoding of the DynamoDB stream events of the notifier
//! (`notify::stream::decode_event`, `decode_record`, `attribute`,
//! `classify`): any JSON decodes without a panic, every failure is an
//! `Err` beside the record's sequence number, what decodes is consistent
//! with the event, and an attribute in DynamoDB JSON decodes to the plain
//! JSON it encodes.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cabinet::domain::order::{OrderNumber, Role};
use cabinet::notify::stream::{Event, attribute, classify, decode_event};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

/// A plain JSON value of the kinds the table stores.
#[derive(Arbitrary, Debug)]
enum Plain {
    S(String),
    N(i64),
    Bool(bool),
    Null,
    L(Vec<Plain>),
    M(Vec<(String, Plain)>),
    Ss(Vec<String>),
}

impl Plain {
    /// How deep the value nests; a stream event read by the runtime nests
    /// at most 128 levels (serde_json's limit).
    fn depth(&self) -> usize {
        match self {
            Self::L(items) => 1 + items.iter().map(Self::depth).max().unwrap_or(0),
            Self::M(entries) => 1 + entries.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 1,
        }
    }

    /// The value in DynamoDB JSON, as a stream record carries it.
    fn dynamo(&self) -> Value {
        match self {
            Self::S(s) => json!({ "S": s }),
            Self::N(n) => json!({ "N": n.to_string() }),
            Self::Bool(b) => json!({ "BOOL": b }),
            Self::Null => json!({ "NULL": true }),
            Self::L(items) => json!({ "L": items.iter().map(Self::dynamo).collect::<Vec<_>>() }),
            Self::M(entries) => {
                let map: Map<String, Value> = entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.dynamo()))
                    .collect();
                json!({ "M": map })
            }
            Self::Ss(items) => json!({ "SS": items }),
        }
    }

    /// The value as plain JSON.
    fn plain(&self) -> Value {
        match self {
            Self::S(s) => json!(s),
            Self::N(n) => json!(n),
            Self::Bool(b) => json!(b),
            Self::Null => Value::Null,
            Self::L(items) => Value::Array(items.iter().map(Self::plain).collect()),
            Self::M(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.plain()))
                    .collect(),
            ),
            Self::Ss(items) => json!(items),
        }
    }
}

fn check_event(event: &Value) {
    let entries = decode_event(event);
    match event.get("Records").and_then(Value::as_array) {
        Some(records) => assert_eq!(entries.len(), records.len()),
        None => assert!(entries.len() == 1 && entries[0].record.is_err()),
    }
    for entry in entries {
        let Ok(record) = entry.record else {
            continue;
        };
        assert!(!record.sequence_number.is_empty());
        assert_eq!(
            entry.sequence_number.as_ref(),
            Some(&record.sequence_number)
        );
        match classify(&record) {
            Ok(Event::StatusChanged { order, change }) => {
                assert!(record.pk.starts_with("ORDER#"));
                assert_eq!(change.to, order.status);
                assert_eq!(order.status_history.last(), Some(&change));
            }
            Ok(Event::ExecutorMessage {
                number,
                message_sk,
                message,
            }) => {
                assert_eq!(
                    OrderNumber::parse(record.pk.trim_start_matches("ORDER#")),
                    Some(number)
                );
                assert_eq!(message_sk, record.sk);
                assert_eq!(message.author.role, Role::Executor);
            }
            Ok(Event::Skip(why)) => assert!(!why.is_empty()),
            Err(error) => assert!(!error.0.is_empty()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Any JSON at all, as the event or as one attribute.
    if let Ok(event) = serde_json::from_slice::<Value>(data) {
        check_event(&event);
        check_event(&json!({ "Records": [event.clone()] }));
        let _ = attribute(&event);
    }

    // A value the table could hold decodes back from DynamoDB JSON.
    if let Ok(value) = Plain::arbitrary_take_rest(Unstructured::new(data))
        && value.depth() <= 100
    {
        assert_eq!(attribute(&value.dynamo()).ok(), Some(value.plain()));
    }
});
