//! The local stream pump: what Lambda's event source mapping does on AWS,
//! for `cargo xtask dev`. `cargo lambda watch` has no stream trigger, so the
//! pump polls the table's stream on the emulator, keeps the records the
//! template's filter patterns pass, and invokes the notifier through the
//! Lambda Invoke endpoint of `cargo lambda watch` in batches of the
//! template's `BatchSize`. When the answer reports failed records
//! (`batchItemFailures`), it invokes again from the first failed record, up
//! to the template's `MaximumRetryAttempts`; then the records still failing
//! are appended to a local file, standing in for the on-failure queue, and
//! the pump moves on.
//!
//! Unlike Lambda it does not split a batch on a function error
//! (`BisectBatchOnFunctionError`): an invocation that fails as a whole is
//! retried whole, and its records end in the file.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::stream::{StreamReader, passes};
use crate::template::StreamTrigger;

/// How often an idle stream is polled.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The pump of one stream into one function.
pub struct Pump {
    reader: StreamReader,
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
        let records = self.reader.read(self.trigger.batch_size).await?;
        let read = records.len();
        let passing: Vec<Value> = records
            .into_iter()
            .filter(|r| passes(&self.trigger.patterns, r))
            .collect();
        let size = usize::try_from(self.trigger.batch_size.max(1))?;
        for batch in passing.chunks(size) {
            self.deliver(batch.to_vec()).await?;
        }
        Ok(read)
    }

    async fn deliver(&self, mut batch: Vec<Value>) -> Result<()> {
        let mut retries = 0;
        loop {
            let answer = self.invoke(&batch).await;
            let Some(first) = resume_from(&batch, answer.as_ref().ok()) else {
                return Ok(());
            };
            batch.drain(..first);
            if retries == self.trigger.maximum_retry_attempts {
                return self.give_up(&batch, answer.as_ref().ok());
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

    /// Appends the records still failing to the failures file.
    fn give_up(&self, batch: &[Value], answer: Option<&Value>) -> Result<()> {
        let failed = failed_sequences(answer);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.failures)
            .with_context(|| format!("opening {}", self.failures.display()))?;
        for record in batch {
            let sequence = sequence_of(record);
            if failed.is_empty() || failed.iter().any(|f| Some(f.as_str()) == sequence) {
                writeln!(file, "{record}")?;
            }
        }
        eprintln!(
            "stream pump: gave up on records after {} retries; see {}",
            self.trigger.maximum_retry_attempts,
            self.failures.display()
        );
        Ok(())
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
}
