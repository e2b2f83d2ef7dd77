//! The events the benchmark hands to functions, and how their answers and
//! the emulator's request log are read.

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::runtime_api::Answer;

/// An API Gateway HTTP API (payload 2.0) event, as API Gateway sends it.
pub fn http_event(
    method: &str,
    path_and_query: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Vec<u8> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut header_map = Map::new();
    header_map.insert("accept".into(), "application/json".into());
    header_map.insert("host".into(), "api.cabinet.example.ru".into());
    if let Some(token) = token {
        header_map.insert("authorization".into(), format!("Bearer {token}").into());
    }
    if body.is_some() {
        header_map.insert("content-type".into(), "application/json".into());
    }
    for (name, value) in headers {
        header_map.insert((*name).into(), (*value).into());
    }
    let parameters: Map<String, Value> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), Value::from(v)))
        .collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": header_map,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "bench",
            "domainName": "api.cabinet.example.ru",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "cabinet-bench",
            },
            "requestId": "bench",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "04/Dec/2026:00:00:00 +0000",
            "timeEpoch": 1_796_342_400_000u64,
        },
        "isBase64Encoded": false,
    });
    if !parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(parameters);
    }
    if let Some(body) = body {
        event["body"] = Value::from(body.to_string());
    }
    serde_json::to_vec(&event).expect("JSON serialises")
}

/// A DynamoDB stream event of one record that is no order's: the notifier's
/// cheapest complete invocation.
pub fn stream_event_without_orders() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Records": [{
            "eventID": "bench-1",
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/bench/stream/2026-12-04T00:00:00.000",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_796_342_400u64,
                "Keys": { "pk": { "S": "CATALOG" }, "sk": { "S": "FAQ" } },
                "NewImage": { "pk": { "S": "CATALOG" }, "sk": { "S": "FAQ" } },
                "SequenceNumber": "100000000000000000001",
                "SizeBytes": 40,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }],
    }))
    .expect("JSON serialises")
}

/// One request of the journey: what it is called in the report, the status
/// it must answer, and its event.
pub struct Call {
    pub label: String,
    pub status: u16,
    method: String,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    headers: Vec<(String, String)>,
    pub event: Vec<u8>,
}

impl Call {
    /// A request without a body.
    pub fn new(label: &str, status: u16, method: &str, path: &str, token: Option<&str>) -> Self {
        let mut call = Self {
            label: label.to_string(),
            status,
            method: method.to_string(),
            path: path.to_string(),
            token: token.map(str::to_string),
            body: None,
            headers: Vec::new(),
            event: Vec::new(),
        };
        call.rebuild();
        call
    }

    /// A stream batch for the notifier: answered with batch item failures,
    /// not an HTTP status (so `status` is 0).
    pub fn stream(label: &str, event: &Value) -> Self {
        Self {
            label: label.to_string(),
            status: 0,
            method: String::new(),
            path: String::new(),
            token: None,
            body: None,
            headers: Vec::new(),
            event: serde_json::to_vec(event).expect("JSON serialises"),
        }
    }

    /// With a JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self.rebuild();
        self
    }

    /// With one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self.rebuild();
        self
    }

    fn rebuild(&mut self) {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.event = http_event(
            &self.method,
            &self.path,
            self.token.as_deref(),
            self.body.as_ref(),
            &headers,
        );
    }
}

/// Fails unless the function answered without an error and, for an HTTP
/// answer, with a status below 400.
pub fn expect_success(answer: &Answer) -> Result<()> {
    if answer.error {
        bail!(
            "the function reported an error: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let value: Value = serde_json::from_slice(&answer.body).context("answer is not JSON")?;
    if let Some(status) = value.get("statusCode").and_then(Value::as_u64) {
        if status >= 400 {
            bail!("answered {status}: {}", value["body"]);
        }
    }
    Ok(())
}

/// The answer to a stream batch, which must report no failed record.
pub fn expect_no_failures(answer: &Answer) -> Result<Value> {
    if answer.error {
        bail!(
            "the function reported an error: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let value: Value = serde_json::from_slice(&answer.body).context("answer is not JSON")?;
    match value["batchItemFailures"].as_array() {
        Some(failures) if failures.is_empty() => Ok(value),
        None => Ok(value),
        Some(failures) => bail!("records failed: {failures:?}"),
    }
}

/// The JSON body of an HTTP answer that must have `status`.
pub fn expect_status(answer: &Answer, status: u16) -> Result<Value> {
    if answer.error {
        bail!(
            "the function reported an error: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let value: Value = serde_json::from_slice(&answer.body).context("answer is not JSON")?;
    let got = value["statusCode"].as_u64().unwrap_or_default();
    let body = match value["body"].as_str() {
        Some(text) if value["isBase64Encoded"].as_bool() == Some(true) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .context("body is not base64")?;
            String::from_utf8(bytes).context("body is not UTF-8")?
        }
        Some(text) => text.to_string(),
        None => String::new(),
    };
    if got != u64::from(status) {
        bail!("answered {got} instead of {status}: {body}");
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&body).context("body is not JSON")
}

/// The AWS operation of one line of the emulator's request log
/// (`METHOD<TAB>PATH<TAB>X-Amz-Target<TAB>copy`).
pub fn operation(line: &str) -> String {
    let mut fields = line.split('\t');
    let method = fields.next().unwrap_or_default();
    let path = fields.next().unwrap_or_default();
    let target = fields.next().unwrap_or_default();
    let copy = fields.next().unwrap_or_default() == "copy";
    if let Some((service, action)) = target.split_once('.') {
        let service = match service {
            s if s.starts_with("DynamoDBStreams") => "DynamoDB Streams",
            s if s.starts_with("DynamoDB") => "DynamoDB",
            s if s.starts_with("AWSCognitoIdentityProviderService") => "Cognito",
            s if s.starts_with("secretsmanager") => "Secrets Manager",
            other => other,
        };
        return format!("{service} {action}");
    }
    if path.ends_with("/.well-known/jwks.json") {
        return "Cognito JWKS".to_string();
    }
    if path.starts_with("/v2/email/outbound-emails") {
        return "SES SendEmail".to_string();
    }
    let object = path.trim_start_matches('/').contains('/');
    let s3 = match (method, object, copy) {
        ("HEAD", true, _) => "HeadObject",
        ("GET", true, _) => "GetObject",
        ("PUT", true, true) => "CopyObject",
        ("PUT", true, false) => "PutObject",
        ("DELETE", true, _) => "DeleteObject",
        ("POST", false, _) => "PostObject",
        _ => return format!("{method} {path}"),
    };
    format!("S3 {s3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_operation_of_each_kind_of_request() {
        assert_eq!(
            operation("POST\t/\tDynamoDB_20120810.Query\t"),
            "DynamoDB Query"
        );
        assert_eq!(
            operation("POST\t/\tAWSCognitoIdentityProviderService.GetUser\t"),
            "Cognito GetUser"
        );
        assert_eq!(
            operation("GET\t/us-east-1_abc/.well-known/jwks.json\t\t"),
            "Cognito JWKS"
        );
        assert_eq!(
            operation("POST\t/v2/email/outbound-emails\t\t"),
            "SES SendEmail"
        );
        assert_eq!(operation("HEAD\t/bucket/pending/a\t\t"), "S3 HeadObject");
        assert_eq!(operation("PUT\t/bucket/orders/a\t\tcopy"), "S3 CopyObject");
    }

    #[test]
    fn an_http_event_carries_the_query_token_and_body() {
        let event: Value = serde_json::from_slice(&http_event(
            "POST",
            "/orders?limit=5",
            Some("t"),
            Some(&json!({ "a": 1 })),
            &[("idempotency-key", "k")],
        ))
        .unwrap();
        assert_eq!(event["rawPath"], "/orders");
        assert_eq!(event["queryStringParameters"]["limit"], "5");
        assert_eq!(event["headers"]["authorization"], "Bearer t");
        assert_eq!(event["headers"]["idempotency-key"], "k");
        assert_eq!(event["body"], "{\"a\":1}");
    }
}
