//! Reading requests and writing answers the same way in every function.

use http::{HeaderMap, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{ApiError, FieldError};

/// Result of a handler: the answer, or a problem to render.
pub type ApiResult = Result<Response<Body>, ApiError>;

/// Parses the JSON body of `request` into `T`.
///
/// The body must be declared as `application/json` (a `charset=utf-8`
/// parameter is fine); anything else is a 415. Malformed JSON, a wrong type or
/// an unknown field is a 400 naming the field, so nothing the client sent is
/// dropped without a word.
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    check_json_content_type(request.headers())?;
    let bytes: &[u8] = request.body().as_ref();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "empty_body",
            "Тело запроса пустое: ожидается JSON-объект.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(describe_json_error)?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request(
            "invalid_json",
            "Тело запроса не является корректным JSON: после объекта есть лишние символы.",
        )
    })?;
    Ok(value)
}

/// The JSON body of `request` as `T`, or `T::default()` when there is no
/// body at all: for actions whose form is optional (a cancellation's reason,
/// a take's expected date).
pub fn optional_json_body<T: DeserializeOwned + Default>(request: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(request)
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let unsupported = || {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Передайте тело запроса в формате JSON с заголовком Content-Type: application/json.",
        )
    };
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)?;
    let mut parts = value.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(unsupported());
    }
    for parameter in parts {
        let (name, raw) = parameter.split_once('=').unwrap_or((parameter, ""));
        let charset = raw.trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8") {
            return Err(unsupported());
        }
    }
    Ok(())
}

fn describe_json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if let Some(field) = unknown_field(&inner) {
        // The path already ends with the unknown field, except at the top.
        return unknown_field_error(if path == "." { field } else { path });
    }
    if let Some(field) = quoted_after(&inner, "duplicate field `") {
        let field = if path == "." {
            field
        } else {
            format!("{path}.{field}")
        };
        let detail = format!("Поле «{field}» передано дважды: оставьте одно значение.");
        let mut problem = ApiError::bad_request("duplicate_field", detail.clone());
        problem
            .errors
            .push(FieldError::new(field, "duplicate_field", detail));
        return problem;
    }
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::bad_request(
            "invalid_json",
            format!(
                "Тело запроса не является корректным JSON (строка {}, позиция {}).",
                inner.line(),
                inner.column()
            ),
        );
    }
    if path == "." || path.starts_with('[') {
        return ApiError::bad_request(
            "invalid_json",
            "Тело запроса должно быть JSON-объектом с полями формы.",
        );
    }
    let detail = format!("Поле «{path}» имеет неверный тип значения.");
    let mut problem = ApiError::bad_request("invalid_field_type", detail.clone());
    problem
        .errors
        .push(FieldError::new(path, "invalid_type", detail));
    problem
}

fn unknown_field(error: &serde_json::Error) -> Option<String> {
    quoted_after(error, "unknown field `")
}

/// The name serde quotes after `prefix` in its message, as in
/// "unknown field `x`" or "duplicate field `x`".
fn quoted_after(error: &serde_json::Error, prefix: &str) -> Option<String> {
    let message = error.to_string();
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_string)
}

fn unknown_field_error(field: String) -> ApiError {
    let mut problem = ApiError::bad_request(
        "unknown_field",
        format!("Поле «{field}» не предусмотрено этой формой."),
    );
    problem.errors.push(FieldError::new(
        field.clone(),
        "unknown_field",
        format!("Поле «{field}» не предусмотрено этой формой."),
    ));
    problem
}

/// A JSON answer with `status`.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> ApiResult {
    let body = serde_json::to_string(value).map_err(ApiError::internal)?;
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::Text(body))
        .map_err(ApiError::internal)
}

/// A public JSON answer that browsers and CDNs may cache for `max_age` seconds.
pub fn cacheable_json<T: Serialize>(value: &T, max_age: u32) -> ApiResult {
    let body = serde_json::to_string(value).map_err(ApiError::internal)?;
    cacheable_text("application/json", body, max_age)
}

/// A public answer of `text` with its `content_type`, that browsers and
/// CDNs may cache for `max_age` seconds.
pub fn cacheable_text(
    content_type: &'static str,
    text: impl Into<String>,
    max_age: u32,
) -> ApiResult {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, format!("public, max-age={max_age}"))
        .body(Body::Text(text.into()))
        .map_err(ApiError::internal)
}

/// 204 with no body.
pub fn no_content() -> ApiResult {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

/// The request path split into its segments, as API Gateway received it.
/// Percent-encoded segments are decoded.
pub fn path_segments(request: &Request) -> Vec<String> {
    request
        .raw_http_path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// The query string of a request, decoded and checked against the
/// parameters a route takes: an unknown parameter or a value that is not
/// valid percent-encoded UTF-8 is a 400 naming it, so nothing the client sent
/// is ignored.
#[derive(Debug, Default)]
pub struct Query {
    values: Vec<(String, String)>,
}

impl Query {
    /// Decodes the query of `request`, which may use only `allowed` names.
    pub fn parse(request: &Request, allowed: &[&str]) -> Result<Self, ApiError> {
        let raw = request.uri().query().unwrap_or_default();
        let mut values = Vec::new();
        for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode_query_component(raw_key)
                .ok_or_else(|| invalid_parameter(raw_key, "Имя параметра"))?;
            if !allowed.contains(&key.as_str()) {
                let detail = if allowed.is_empty() {
                    format!("Параметр «{key}» не предусмотрен: этот адрес не принимает параметров.")
                } else {
                    format!(
                        "Параметр «{key}» не предусмотрен; допустимы: {}.",
                        allowed.join(", ")
                    )
                };
                let mut problem = ApiError::bad_request("unknown_parameter", detail.clone());
                problem
                    .errors
                    .push(FieldError::new(key, "unknown_parameter", detail));
                return Err(problem);
            }
            let value = decode_query_component(raw_value)
                .ok_or_else(|| invalid_parameter(&key, &format!("Значение параметра «{key}»")))?;
            values.push((key, value));
        }
        Ok(Self { values })
    }

    /// The value of parameter `name`, trimmed, or `None` when absent or
    /// blank. Repeated parameters are joined with commas, as API Gateway does.
    pub fn get(&self, name: &str) -> Option<String> {
        let joined = self
            .values
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let trimmed = joined.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    }
}

fn invalid_parameter(name: &str, subject: &str) -> ApiError {
    let detail = format!(
        "{subject} закодировано неверно: ожидается UTF-8 в процентной кодировке (например, %D0%A2 для «Т»)."
    );
    let mut problem = ApiError::bad_request("invalid_parameter", detail.clone());
    problem
        .errors
        .push(FieldError::new(name, "invalid_encoding", detail));
    problem
}

/// Decodes one component of a query string: `+` is a space, `%XX` a byte;
/// `None` when the bytes are not UTF-8.
pub fn decode_query_component(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|value| value.into_owned())
}

/// The bearer token of the `Authorization` header, if any.
pub fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Form {
        name: Option<String>,
        #[allow(dead_code)]
        count: Option<u32>,
    }

    fn request(content_type: Option<&str>, body: &str) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/x");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Body::Text(body.to_string())).unwrap()
    }

    #[test]
    fn accepts_json_with_utf8_charset() {
        let form: Form = json_body(&request(
            Some("application/json; charset=utf-8"),
            r#"{"name":"Иван"}"#,
        ))
        .unwrap();
        assert_eq!(form.name.as_deref(), Some("Иван"));
    }

    #[test]
    fn refuses_missing_or_foreign_content_type() {
        for ct in [
            None,
            Some("text/plain"),
            Some("application/json; charset=koi8-r"),
        ] {
            let error = json_body::<Form>(&request(ct, "{}")).unwrap_err();
            assert_eq!(error.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        }
    }

    #[test]
    fn names_the_field_of_a_wrong_type() {
        let error =
            json_body::<Form>(&request(Some("application/json"), r#"{"count":"x"}"#)).unwrap_err();
        assert_eq!(error.code, "invalid_field_type");
        assert_eq!(error.errors[0].field, "count");
    }

    #[test]
    fn names_an_unknown_field() {
        let error =
            json_body::<Form>(&request(Some("application/json"), r#"{"nmae":"x"}"#)).unwrap_err();
        assert_eq!(error.code, "unknown_field");
        assert_eq!(error.errors[0].field, "nmae");
    }

    #[test]
    fn names_a_duplicated_field() {
        let error = json_body::<Form>(&request(
            Some("application/json"),
            r#"{"name":"a","name":"b"}"#,
        ))
        .unwrap_err();
        assert_eq!(error.code, "duplicate_field");
        assert_eq!(error.errors[0].field, "name");
    }

    #[test]
    fn refuses_broken_and_non_object_json() {
        for body in ["{", "[1]", "[\"x\"]", "42", "", "{} {}"] {
            let error = json_body::<Form>(&request(Some("application/json"), body)).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
        }
    }

    /// Bodies schemathesis sent as `application/json` that are not UTF-8 at
    /// all; API Gateway hands such a body over base64-encoded, so it arrives
    /// as binary.
    #[test]
    fn refuses_a_json_body_that_is_not_utf8_as_broken_json() {
        let bodies: [&[u8]; 3] = [
            b",\xb0\x0f",
            b"\x05\x18g\x1c\xd2\xe9\xc3\xb3o\x07\x06=",
            b"\xff\xfe",
        ];
        for bytes in bodies {
            let request = http::Request::builder()
                .method("POST")
                .uri("/x")
                .header("content-type", "application/json")
                .body(Body::Binary(bytes.to_vec()))
                .unwrap();
            let error = json_body::<Form>(&request).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bytes:?}");
            assert_eq!(error.code, "invalid_json", "{bytes:?}");
            let optional = optional_json_body::<Option<String>>(&request).unwrap_err();
            assert_eq!(optional.code, "invalid_json", "{bytes:?}");
        }
    }

    fn get(uri: &str) -> Request {
        http::Request::builder().uri(uri).body(Body::Empty).unwrap()
    }

    #[test]
    fn decodes_query_components() {
        let request = get("/p?q=%D0%A2%D0%9F%D0%9F+%D0%A0%D0%A4&empty=&kind=chamber&kind=partner");
        let query = Query::parse(&request, &["q", "empty", "kind"]).unwrap();
        assert_eq!(query.get("q").as_deref(), Some("ТПП РФ"));
        assert_eq!(query.get("empty"), None);
        assert_eq!(query.get("kind").as_deref(), Some("chamber,partner"));
        assert_eq!(query.get("absent"), None);
    }

    #[test]
    fn refuses_unknown_parameters_and_broken_encoding() {
        let error = Query::parse(&get("/p?categroy=x"), &["category"]).unwrap_err();
        assert_eq!(error.code, "unknown_parameter");
        assert_eq!(error.errors[0].field, "categroy");
        for uri in ["/p?q=%D0", "/p?q=%FF%FE", "/p?q=%ZZ%D0"] {
            let error = Query::parse(&get(uri), &["q"]).unwrap_err();
            assert_eq!(error.code, "invalid_parameter", "{uri}");
            assert_eq!(error.errors[0].field, "q", "{uri}");
        }
    }

    #[test]
    fn reads_bearer_tokens() {
        let request = http::Request::builder()
            .header("authorization", "Bearer abc.def")
            .body(Body::Empty)
            .unwrap();
        assert_eq!(bearer_token(&request), Some("abc.def"));
        let request = http::Request::builder()
            .header("authorization", "Basic abc")
            .body(Body::Empty)
            .unwrap();
        assert_eq!(bearer_token(&request), None);
    }
}
