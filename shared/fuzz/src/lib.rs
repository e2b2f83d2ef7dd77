//! Helpers shared by the fuzz targets: requests as a function receives them,
//! the checks every refusal must pass, and sealed tokens tampered with.

use cabinet::ApiError;
use lambda_http::{Body, Request};

/// A `POST` with `body` declared as `application/json`, as API Gateway hands
/// it to a handler.
pub fn json_request(body: &[u8]) -> Request {
    http::Request::builder()
        .method("POST")
        .uri("/fuzz")
        .header("content-type", "application/json")
        .body(Body::Binary(body.to_vec()))
        .expect("a fixed method, path and header make a request")
}

/// A refusal of outside input is the client's fault: a 4xx with a stable
/// code and a detail, never a 5xx.
pub fn assert_client_error(error: &ApiError) {
    assert!(
        error.status.is_client_error(),
        "input refused with {} ({})",
        error.status,
        error.code
    );
    assert!(!error.code.is_empty(), "a refusal without a code");
    assert!(!error.detail.is_empty(), "a refusal without a detail");
    if error.status == http::StatusCode::UNPROCESSABLE_ENTITY {
        assert!(!error.errors.is_empty(), "a refused form names no field");
    }
    for field in &error.errors {
        assert!(!field.code.is_empty(), "a field error without a code");
        assert!(!field.detail.is_empty(), "a field error without a detail");
    }
}

/// `token` with one byte changed, dropped or added at `position` (its
/// remainder by 3 picks which), or `None` when that is not UTF-8 or leaves
/// the token as it was.
pub fn tampered(token: &str, position: usize, byte: u8) -> Option<String> {
    let mut bytes = token.as_bytes().to_vec();
    let at = position % (bytes.len() + 1);
    match position % 3 {
        0 if at < bytes.len() => bytes[at] = byte,
        1 if at < bytes.len() => {
            bytes.remove(at);
        }
        _ => bytes.insert(at, byte),
    }
    String::from_utf8(bytes)
        .ok()
        .filter(|changed| changed != token)
}
