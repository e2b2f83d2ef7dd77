//! The table's DynamoDB stream as Lambda's event source mapping delivers
//! it: records read with the DynamoDB Streams API, shaped as the records of
//! a Lambda event, and the template's filter patterns applied to them. The
//! local stream pump of `cargo xtask dev` and the tests share it.

use anyhow::{Context, Result};
use aws_sdk_dynamodbstreams as streams;
use serde_json::{Map, Value, json};
use streams::types::{AttributeValue, Record, ShardIteratorType};

/// Reads every shard of one stream from its start, then what arrives.
pub struct StreamReader {
    client: streams::Client,
    stream_arn: String,
    /// The id and next iterator of each shard still open.
    iterators: Vec<(String, String)>,
}

impl StreamReader {
    /// A reader of `stream_arn` from its oldest record.
    pub async fn open(sdk: &aws_config::SdkConfig, stream_arn: &str) -> Result<Self> {
        let client = streams::Client::new(sdk);
        let description = client
            .describe_stream()
            .stream_arn(stream_arn)
            .send()
            .await
            .context("describing the stream")?;
        let mut iterators = Vec::new();
        for shard in description
            .stream_description()
            .map(|d| d.shards())
            .unwrap_or_default()
        {
            let Some(shard_id) = shard.shard_id() else {
                continue;
            };
            let iterator = client
                .get_shard_iterator()
                .stream_arn(stream_arn)
                .shard_id(shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .context("getting a shard iterator")?;
            if let Some(iterator) = iterator.shard_iterator() {
                iterators.push((shard_id.to_string(), iterator.to_string()));
            }
        }
        Ok(Self {
            client,
            stream_arn: stream_arn.to_string(),
            iterators,
        })
    }

    /// The records that arrived since the last read, at most `limit` per
    /// shard, as records of a Lambda event.
    pub async fn read(&mut self, limit: i32) -> Result<Vec<Value>> {
        let shards = self.read_shards(limit).await?;
        Ok(shards
            .into_iter()
            .flat_map(|(_, records)| records)
            .collect())
    }

    /// As [`read`](Self::read), each shard's records apart under its id,
    /// as Lambda delivers batches of one shard each.
    pub async fn read_shards(&mut self, limit: i32) -> Result<Vec<(String, Vec<Value>)>> {
        let mut shards = Vec::new();
        let mut next = Vec::new();
        for (shard_id, iterator) in std::mem::take(&mut self.iterators) {
            let output = self
                .client
                .get_records()
                .shard_iterator(&iterator)
                .limit(limit)
                .send()
                .await
                .context("reading stream records")?;
            let records: Vec<Value> = output
                .records()
                .iter()
                .map(|r| lambda_record(r, &self.stream_arn))
                .collect();
            if let Some(iterator) = output.next_shard_iterator() {
                next.push((shard_id.clone(), iterator.to_string()));
            }
            shards.push((shard_id, records));
        }
        self.iterators = next;
        Ok(shards)
    }
}

/// A stream record as Lambda puts it into a DynamoDB event.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let mut dynamodb = Map::new();
    if let Some(data) = record.dynamodb() {
        if let Some(at) = data.approximate_creation_date_time() {
            dynamodb.insert("ApproximateCreationDateTime".into(), json!(at.secs()));
        }
        for (name, image) in [
            ("Keys", data.keys()),
            ("NewImage", data.new_image()),
            ("OldImage", data.old_image()),
        ] {
            if let Some(image) = image {
                dynamodb.insert(name.into(), item_json(image));
            }
        }
        if let Some(sequence) = data.sequence_number() {
            dynamodb.insert("SequenceNumber".into(), json!(sequence));
        }
        if let Some(size) = data.size_bytes() {
            dynamodb.insert("SizeBytes".into(), json!(size));
        }
        if let Some(view) = data.stream_view_type() {
            dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
        }
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": record.event_version().unwrap_or("1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or(crate::LOCAL_REGION),
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    })
}

fn item_json(item: &std::collections::HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), attribute_json(value)))
            .collect(),
    )
}

/// An attribute value in DynamoDB JSON (`{"S": "…"}`).
fn attribute_json(value: &AttributeValue) -> Value {
    use base64::Engine;
    let base64 = |blob: &aws_sdk_dynamodbstreams::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(blob.as_ref())
    };
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::B(b) => json!({"B": base64(b)}),
        AttributeValue::Ss(v) => json!({"SS": v}),
        AttributeValue::Ns(v) => json!({"NS": v}),
        AttributeValue::Bs(v) => json!({"BS": v.iter().map(base64).collect::<Vec<_>>()}),
        AttributeValue::M(m) => json!({"M": item_json(m)}),
        AttributeValue::L(l) => json!({"L": l.iter().map(attribute_json).collect::<Vec<_>>()}),
        _ => json!({"NULL": true}),
    }
}

/// Whether `record` passes one of `patterns` (Lambda's filter criteria:
/// each pattern is an object whose leaves are lists of accepted values,
/// strings, numbers, `{"prefix": …}` or `{"exists": …}`).
pub fn passes(patterns: &[Value], record: &Value) -> bool {
    patterns.is_empty()
        || patterns
            .iter()
            .any(|pattern| matches(pattern, Some(record)))
}

fn matches(pattern: &Value, value: Option<&Value>) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(name, inner)| matches(inner, value.and_then(|v| v.get(name)))),
        Value::Array(accepted) => accepted.iter().any(|rule| leaf(rule, value)),
        _ => false,
    }
}

fn leaf(rule: &Value, value: Option<&Value>) -> bool {
    match rule {
        Value::Object(rule) => {
            if let Some(prefix) = rule.get("prefix").and_then(Value::as_str) {
                return value
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.starts_with(prefix));
            }
            if let Some(exists) = rule.get("exists").and_then(Value::as_bool) {
                return value.is_some() == exists;
            }
            false
        }
        scalar => value == Some(scalar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, pk: &str, sk: &str, kind: Option<&str>) -> Value {
        let mut image = json!({"pk": {"S": pk}, "sk": {"S": sk}});
        if let Some(kind) = kind {
            image["kind"] = json!({"S": kind});
        }
        json!({
            "eventName": name,
            "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "NewImage": image},
        })
    }

    #[test]
    fn the_templates_patterns_pass_only_orders_and_messages() {
        let template = crate::template::Template::load(&crate::workspace_root()).unwrap();
        let trigger = template.stream_trigger().unwrap();
        let passes = |r: &Value| passes(&trigger.patterns, r);
        assert!(passes(&record("INSERT", "ORDER#1", "ORDER", None)));
        assert!(passes(&record("MODIFY", "ORDER#1", "ORDER", None)));
        assert!(!passes(&record("REMOVE", "ORDER#1", "ORDER", None)));
        assert!(passes(&record(
            "INSERT",
            "ORDER#1",
            "HISTORY#a",
            Some("message")
        )));
        assert!(!passes(&record(
            "INSERT",
            "ORDER#1",
            "HISTORY#a",
            Some("file")
        )));
        assert!(!passes(&record(
            "MODIFY",
            "ORDER#1",
            "HISTORY#a",
            Some("message")
        )));
        assert!(!passes(&record("INSERT", "NOTICE#1", "STATUS#a", None)));
        assert!(!passes(&record("MODIFY", "USER#1", "PROFILE", None)));
        assert!(!passes(&record("INSERT", "IDEMPOTENCY#1", "KEY#a", None)));
    }

    #[test]
    fn leaves_match_values_prefixes_and_existence() {
        let pattern = json!({"a": ["x", 1], "b": [{"prefix": "p"}], "c": [{"exists": false}]});
        assert!(matches(&pattern, Some(&json!({"a": 1, "b": "pq"}))));
        assert!(!matches(&pattern, Some(&json!({"a": 2, "b": "pq"}))));
        assert!(!matches(&pattern, Some(&json!({"a": "x", "b": "q"}))));
        assert!(!matches(
            &pattern,
            Some(&json!({"a": "x", "b": "p", "c": 0}))
        ));
    }
}
