//! Query strings, path parameters and the `Authorization` header
//! (`http::Query::parse`, `decode_query_component`, `bearer_token`, and the
//! values read from them: order numbers, upload ids, the status filter, the
//! page size). Nothing panics, a refusal is a 400 naming the parameter, and
//! percent-encoded names and values decode back to what was encoded.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cabinet::domain::file::UploadId;
use cabinet::domain::order::OrderNumber;
use cabinet::domain::order_form::{MAX_PAGE_SIZE, parse_page_size, parse_status_filter};
use cabinet::http::{Query, bearer_token, decode_query_component};
use cabinet_fuzz::assert_client_error;
use http::StatusCode;
use lambda_http::{Body, Request};
use libfuzzer_sys::fuzz_target;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// Names and values to encode into a query.
#[derive(Arbitrary, Debug)]
struct Pairs {
    pairs: Vec<(String, String)>,
    plus_for_space: bool,
}

const ALLOWED: [&str; 5] = ["q", "status", "limit", "cursor", "token"];

fn get(uri: &str) -> Option<Request> {
    http::Request::builder().uri(uri).body(Body::Empty).ok()
}

/// `text` percent-encoded as a browser would, a space as `+` or `%20`.
fn encode(text: &str, plus_for_space: bool) -> String {
    if plus_for_space {
        text.split(' ')
            .map(|part| utf8_percent_encode(part, NON_ALPHANUMERIC).to_string())
            .collect::<Vec<_>>()
            .join("+")
    } else {
        utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
    }
}

fn check_raw(raw: &str) {
    let _ = decode_query_component(raw);
    if let Some(request) = get(&format!("/p?{raw}")) {
        match Query::parse(&request, &ALLOWED) {
            Ok(query) => {
                for name in ALLOWED {
                    if let Some(value) = query.get(name) {
                        assert!(!value.is_empty() && value == value.trim());
                    }
                }
                let _ = parse_status_filter(query.get("status").as_deref())
                    .map_err(|error| assert_client_error(&error));
                match parse_page_size(query.get("limit").as_deref()) {
                    Ok(size) => assert!((1..=MAX_PAGE_SIZE).contains(&size)),
                    Err(error) => assert_client_error(&error),
                }
            }
            Err(error) => {
                assert_client_error(&error);
                assert_eq!(error.status, StatusCode::BAD_REQUEST);
                assert_eq!(error.errors.len(), 1, "the parameter is named");
            }
        }
    }
    // A path segment.
    if let Some(number) = OrderNumber::parse(raw) {
        assert_eq!(OrderNumber::parse(number.as_str()), Some(number.clone()));
        assert_eq!(number.as_str(), number.as_str().to_ascii_uppercase());
    }
    if let Some(id) = UploadId::parse(raw) {
        assert_eq!(UploadId::parse(id.as_str()), Some(id.clone()));
    }
    // The `Authorization` header.
    if let Ok(value) = http::HeaderValue::from_str(raw) {
        let request = http::Request::builder()
            .header("authorization", value)
            .body(Body::Empty)
            .expect("a valid header value makes a request");
        if let Some(token) = bearer_token(&request) {
            assert!(!token.is_empty() && token == token.trim());
        }
        let token = raw.trim();
        if !token.is_empty()
            && let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {token}"))
        {
            let request = http::Request::builder()
                .header("authorization", value)
                .body(Body::Empty)
                .expect("a valid header value makes a request");
            if request.headers()["authorization"].to_str().is_ok() {
                assert_eq!(bearer_token(&request), Some(token));
            }
        }
    }
}

fn check_round_trip(pairs: &[(String, String)], plus_for_space: bool) {
    for (name, value) in pairs {
        let encoded = encode(value, plus_for_space);
        assert_eq!(
            decode_query_component(&encoded).as_deref(),
            Some(value.as_str())
        );
        assert_eq!(
            decode_query_component(&encode(name, plus_for_space)).as_deref(),
            Some(name.as_str())
        );
    }
    let query = pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                encode(name, plus_for_space),
                encode(value, plus_for_space)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let request = get(&format!("/p?{query}")).expect("an encoded query makes a URI");
    let names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    let parsed = Query::parse(&request, &names).expect("an encoded query parses");
    for name in &names {
        let joined = pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let expected = Some(joined.trim()).filter(|v| !v.is_empty());
        assert_eq!(parsed.get(name).as_deref(), expected);
    }
    // A name it does not take is refused and named.
    if let Some((name, _)) = pairs.first() {
        let others: Vec<&str> = names.iter().copied().filter(|n| n != name).collect();
        let error = Query::parse(&request, &others).expect_err("an unknown name is refused");
        assert_eq!(error.code, "unknown_parameter");
        assert_eq!(error.errors[0].field, *name);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = std::str::from_utf8(data) {
        check_raw(raw);
    }
    if let Ok(input) = Pairs::arbitrary_take_rest(Unstructured::new(data)) {
        check_round_trip(&input.pairs, input.plus_for_space);
    }
});
