//! Configuration read once at start from the environment.

use std::env;

/// A variable the function cannot start without is missing or empty.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is required but not set")]
pub struct MissingVariable(pub &'static str);

/// The value of a required variable.
pub fn required(name: &'static str) -> Result<String, MissingVariable> {
    match env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
        _ => Err(MissingVariable(name)),
    }
}

/// The value of an optional variable, `None` when unset or blank.
pub fn optional(name: &str) -> Option<String> {
    env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The SDK configuration shared by every client of a function: region and
/// credentials from the Lambda environment; `AWS_ENDPOINT_URL` (set only by
/// the local stack) points every client at the local emulator.
///
/// Calls give up well inside the functions' 10 s timeout, so a hung
/// dependency is answered with a 503 rather than a killed invocation.
pub async fn aws() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(2))
        .operation_attempt_timeout(std::time::Duration::from_secs(3))
        .operation_timeout(std::time::Duration::from_secs(7))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await
}
