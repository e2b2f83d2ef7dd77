//! The local stream pump: what Lambda's event source mapping does on AWS,
//! for `cargo xtask dev`. `cargo lambda watch` has no stream trigger, so the
//! pump polls the table's stream on the emulator, keeps the records the
//! template's filter patterns pass, and invokes the notifier through the
//! Lambda Invoke endpoint of `cargo lambda watch` in batches of the
//! template's `BatchSize`. When the answer reports failed records
//! (`batchItemFailures`), it invokes again from the first failed record, up
//! to the template's `MaximumRetryAttempts`; then it appends a line to a
//! local file, standing in for the on-failure queue, and moves on.
//!
//! That line is what Lambda sends the queue: where the failed batch lies in
//! the stream (shard, first and last sequence number, stream ARN), the
//! function and why it was given up on; never the records, which hold
//! customers' data. An operator reads them again from the stream while it
//! keeps them (24 hours), from those numbers.
//!
//! Unlike Lambda it does not split a batch on a function error
//! (`BisectBatchOnFunctionError`): an invocation that fails as a whole is
//! retried whole, and the whole batch is reported.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use cabinet::domain::order::timestamp;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::stream::{StreamReader, passes};
use crate::template::StreamTrigger;

/// How often an idle stream is polled.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The pump of one stream into one function.
pub struct Pump {
    reader: StreamReader,
    stream_arn: String,
    trigger: StreamTrigger,
    invoke_url: String,
    failures: PathBuf,
    http: reqwest::Client,
}

impl Pump {
    /// A pump of `stream_arn` into the trigger's function, served by
    /// `cargo lambda watch` on `api_port`, writing given-up records to
    /// `failures`.
    pub async fn new(
        sdk: &aws_config::SdkConfig,
        stream_arn: &str,
        trigger: StreamTrigger,
        api_port: u16,
        failures: PathBuf,
    ) -> Result<Self> {
        Ok(Self {
            reader: StreamReader::open(sdk, stream_arn).await?,
            stream_arn: stream_arn.to_string(),
            invoke_url: format!(
                "http://127.0.0.1:{api_port}/2015-03-31/functions/{}/invocations",
                trigger.function
            ),
            trigger,
            failures,
            http: reqwest::Client::new(),
        })
    }

    /// Polls and delivers until the process ends.
    pub async fn run(mut self) {
        loop {
            match self.poll().await {
                Ok(0) => tokio::time::sleep(POLL_EVERY).await,
                Ok(_) => {}
                Err(error) => {
                    eprintln!("stream pump: {error:#}");
                    tokio::time::sleep(POLL_EVERY * 2).await;
                }
            }
        }
    }

    /// Reads what arrived and delivers it; answers how many records were read.
    async fn poll(&mut self) -> Result<usize> {
        let shards = self.reader.read_shards(self.trigger.batch_size).await?;
        let mut read = 0;
        let size = usize::try_from(self.trigger.batch_size.max(1))?;
        for (shard_id, records) in shards {
            read += records.len();
            let passing: Vec<Value> = records
                .into_iter()
                .filter(|r| passes(&self.trigger.patterns, r))
                .collect();
            for batch in passing.chunks(size) {
                self.deliver(&shard_id, batch.to_vec()).await?;
            }
        }
        Ok(read)
    }

    async fn deliver(&self, shard_id: &str, mut batch: Vec<Value>) -> Result<()> {
        let mut retries = 0;
        loop {
            let answer = self.invoke(&batch).await;
            let Some(first) = resume_from(&batch, answer.as_ref().ok()) else {
                return Ok(());
            };
            batch.drain(..first);
            if retries == self.trigger.maximum_retry_attempts {
                let failure = BatchFailure {
                    function: &self.trigger.function,
                    stream_arn: &self.stream_arn,
                    shard_id,
                    invocations: retries + 1,
                    function_failed: answer.is_err(),
                };
                return self.give_up(&failure.describe(&batch, OffsetDateTime::now_utc()));
            }
            retries += 1;
            tokio::time::sleep(Duration::from_millis(500 * u64::from(retries))).await;
        }
    }

    /// The function's answer, or an error when the invocation failed.
    async fn invoke(&self, batch: &[Value]) -> Result<Value> {
        let response = self
            .http
            .post(&self.invoke_url)
            .json(&json!({ "Records": batch }))
            .send()
            .await
            .context("invoking the notifier")?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() || body.get("errorType").is_some() {
            anyhow::bail!("the notifier failed with {status}: {body}");
        }
        Ok(body)
    }

    /// Appends `failure`, one line, to the failures file.
    fn give_up(&self, failure: &Value) -> Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.failures)
            .with_context(|| format!("opening {}", self.failures.display()))?;
        writeln!(file, "{failure}")?;
        eprintln!(
            "stream pump: gave up on a batch after {} retries; its place in the stream is in {}",
            self.trigger.maximum_retry_attempts,
            self.failures.display()
        );
        Ok(())
    }
}

/// A batch given up on, as Lambda reports it to an on-failure destination.
pub struct BatchFailure<'a> {
    /// The function's name.
    pub function: &'a str,
    /// The stream the batch came from.
    pub stream_arn: &'a str,
    /// The shard the batch came from.
    pub shard_id: &'a str,
    /// How many times the batch was invoked.
    pub invocations: u32,
    /// Whether the last invocation failed as a whole (rather than
    /// reporting records in `batchItemFailures`).
    pub function_failed: bool,
}

impl BatchFailure<'_> {
    /// The message of the on-failure destination for `batch` (the records
    /// still failing, in stream order), given up on `at`: the batch's place
    /// in the stream and why, without the records themselves.
    pub fn describe(&self, batch: &[Value], at: OffsetDateTime) -> Value {
        let arrival = |record: Option<&Value>| {
            record
                .and_then(|r| r.pointer("/dynamodb/ApproximateCreationDateTime"))
                .and_then(Value::as_i64)
                .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
                .map(timestamp)
        };
        let mut response = json!({ "statusCode": 200, "executedVersion": "$LATEST" });
        if self.function_failed {
            response["functionError"] = json!("Unhandled");
        }
        json!({
            "version": "1.0",
            "timestamp": timestamp(at),
            "requestContext": {
                "functionArn": format!(
                    "arn:aws:lambda:{}:123456789012:function:{}",
                    crate::LOCAL_REGION,
                    self.function
                ),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.invocations,
            },
            "responseContext": response,
            "DDBStreamBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": batch.first().and_then(sequence_of),
                "endSequenceNumber": batch.last().and_then(sequence_of),
                "approximateArrivalOfFirstRecord": arrival(batch.first()),
                "approximateArrivalOfLastRecord": arrival(batch.last()),
                "batchSize": batch.len(),
                "streamArn": self.stream_arn,
            },
        })
    }
}

fn sequence_of(record: &Value) -> Option<&str> {
    record
        .pointer("/dynamodb/SequenceNumber")
        .and_then(Value::as_str)
}

fn failed_sequences(answer: Option<&Value>) -> Vec<String> {
    answer
        .and_then(|a| a.get("batchItemFailures"))
        .and_then(Value::as_array)
        .map(|failures| {
            failures
                .iter()
                .map(|f| {
                    f.get("itemIdentifier")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where Lambda resumes `batch` after `answer` (`None`: the invocation
/// failed as a whole): `None` when every record succeeded, otherwise the
/// index of the first record reported failed, or 0 when the answer names a
/// record that is not in the batch or none at all.
pub fn resume_from(batch: &[Value], answer: Option<&Value>) -> Option<usize> {
    let Some(answer) = answer else {
        return Some(0);
    };
    let failed = failed_sequences(Some(answer));
    if failed.is_empty() {
        return None;
    }
    let positions: Option<Vec<usize>> = failed
        .iter()
        .map(|f| {
            batch
                .iter()
                .position(|r| sequence_of(r) == Some(f.as_str()))
        })
        .collect();
    Some(positions.and_then(|p| p.into_iter().min()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Vec<Value> {
        ["1", "2", "3"]
            .iter()
            .map(|s| json!({"dynamodb": {"SequenceNumber": s}}))
            .collect()
    }

    #[test]
    fn lambda_resumes_from_the_first_reported_failure() {
        let ok = json!({"batchItemFailures": []});
        assert_eq!(resume_from(&batch(), Some(&ok)), None);
        let two = json!({"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]});
        assert_eq!(resume_from(&batch(), Some(&two)), Some(1));
        let unknown = json!({"batchItemFailures": [{"itemIdentifier": "9"}]});
        assert_eq!(resume_from(&batch(), Some(&unknown)), Some(0));
        let empty_id = json!({"batchItemFailures": [{"itemIdentifier": ""}]});
        assert_eq!(resume_from(&batch(), Some(&empty_id)), Some(0));
        assert_eq!(resume_from(&batch(), None), Some(0));
    }

    #[test]
    fn a_failure_names_the_batch_s_place_in_the_stream_and_never_its_records() {
        let records: Vec<Value> = ["101", "102", "103"]
            .iter()
            .enumerate()
            .map(|(i, sequence)| {
                json!({"dynamodb": {
                    "SequenceNumber": sequence,
                    "ApproximateCreationDateTime": 1_796_000_000 + i as i64,
                    "NewImage": {"email": {"S": "ivan@example.ru"}, "subject": {"S": "Тема"}},
                }})
            })
            .collect();
        let failure = BatchFailure {
            function: "notifier",
            stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/s",
            shard_id: "shardId-1",
            invocations: 6,
            function_failed: false,
        };
        let at = OffsetDateTime::from_unix_timestamp(1_796_000_100).unwrap();
        let message = failure.describe(&records[1..], at);

        let info = &message["DDBStreamBatchInfo"];
        assert_eq!(info["shardId"], "shardId-1");
        assert_eq!(info["startSequenceNumber"], "102");
        assert_eq!(info["endSequenceNumber"], "103");
        assert_eq!(info["batchSize"], 2);
        assert_eq!(info["streamArn"], failure.stream_arn);
        assert_eq!(
            info["approximateArrivalOfFirstRecord"],
            "2026-11-30T00:53:21.000Z"
        );
        assert_eq!(
            message["requestContext"]["condition"],
            "RetryAttemptsExhausted"
        );
        assert_eq!(message["requestContext"]["approximateInvokeCount"], 6);
        assert!(message["responseContext"].get("functionError").is_none());
        let text = message.to_string();
        assert!(
            !text.contains("ivan@example.ru") && !text.contains("Тема"),
            "{text}"
        );
        assert!(!text.contains("NewImage"), "{text}");
    }
}
