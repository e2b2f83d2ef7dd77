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

/// The root certificates of Amazon Trust Services, which sign every AWS
/// endpoint the functions call (see `certs/README.md`); the only roots the
/// functions trust.
pub const AWS_ROOTS_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The SDK configuration shared by every client of a function: region and
/// credentials from the Lambda environment; `AWS_ENDPOINT_URL` (set only by
/// the local stack) points every client at the local emulator.
///
/// TLS trusts [`AWS_ROOTS_PEM`] only: five certificates parsed from memory,
/// instead of the system's whole store read from disk at every cold start.
///
/// Calls give up well inside the functions' 10 s timeout, so a hung
/// dependency is answered with a 503 rather than a killed invocation.
pub async fn aws() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(2))
        .operation_attempt_timeout(std::time::Duration::from_secs(3))
        .operation_timeout(std::time::Duration::from_secs(7))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(tls_context())
                .build_https(),
        )
        .timeout_config(timeouts)
        .load()
        .await
}

/// TLS for the SDK: trusting [`AWS_ROOTS_PEM`] only.
fn tls_context() -> aws_smithy_http_client::tls::TlsContext {
    use aws_smithy_http_client::tls::{TlsContext, TrustStore};
    let roots = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_ROOTS_PEM);
    TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("the bundled roots are valid PEM certificates")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_roots_are_amazons_five() {
        let text = std::str::from_utf8(AWS_ROOTS_PEM).expect("PEM is ASCII");
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(text.contains(&format!("# {name}")), "{name} is missing");
        }
        // Building the context parses them; a broken file would panic here.
        let _context = tls_context();
    }
}
