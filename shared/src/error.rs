//! One error type for every endpoint, rendered as `application/problem+json`
//! (RFC 9457) with a stable machine `code`, a Russian `detail` and, for
//! invalid input, one entry per offending field.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

/// Media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What is wrong with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Name of the field as the client sent it (`phone`, `address.city`).
    pub field: String,
    /// Stable machine code (`required`, `too_long`, `invalid_phone`, …).
    pub code: &'static str,
    /// Russian explanation that names the field.
    pub detail: String,
}

impl FieldError {
    /// An error of `field` with a machine `code` and a Russian `detail`.
    pub fn new(field: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            detail: detail.into(),
        }
    }
}

/// A failure answered to the client. Everything but [`ApiError::internal`]
/// is the client's to fix and changes nothing on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// Stable machine code the frontend may branch on.
    pub code: &'static str,
    /// Russian explanation for the customer.
    pub detail: String,
    /// Per-field errors of invalid input; empty otherwise.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// Any error with its status, code and Russian detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 422: the input parsed but breaks the rules of one or more fields.
    /// The detail repeats every field's own message, so a client that shows
    /// only `detail` still names each field in Russian.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let details: Vec<&str> = errors.iter().map(|e| e.detail.as_str()).collect();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail: format!("Проверьте данные. {}", details.join(" ")),
            errors,
        }
    }

    /// 400: the request itself is malformed (not JSON, wrong types, bad query).
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: no identity, or one that failed verification.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Войдите в личный кабинет: требуется действующий токен доступа.",
        )
    }

    /// 404: nothing here, or nothing this caller may see.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 405: the path exists but not with this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Этот метод не поддерживается для данного адреса.",
        )
    }

    /// 500: our own fault. The cause goes to the log (without personal data),
    /// never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Внутренняя ошибка сервиса. Повторите попытку позже.",
        )
    }

    /// 503: a dependency is unavailable or throttling us; retrying may help.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Сервис временно недоступен. Повторите попытку через минуту.",
        )
    }

    /// The problem document sent to the client.
    pub fn to_problem(&self) -> Problem<'_> {
        Problem {
            problem_type: format!("urn:problem:cabinet:{}", self.code),
            title: title(self.status).to_string(),
            status: self.status.as_u16(),
            code: self.code,
            detail: &self.detail,
            errors: &self.errors,
        }
    }

    /// The HTTP answer carrying this problem. A refusal (4xx) is logged by
    /// its codes only: details and field names may quote what the caller
    /// sent. Server errors were logged with their cause when they were made.
    pub fn into_response(self) -> Response<Body> {
        if self.status.is_client_error() {
            let fields: Vec<&str> = self.errors.iter().map(|e| e.code).collect();
            tracing::info!(
                status = self.status.as_u16(),
                code = self.code,
                ?fields,
                "request refused"
            );
        }
        let body = serde_json::to_string(&self.to_problem())
            .expect("a problem document is plain strings and numbers");
        Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, PROBLEM_JSON)
            .header(http::header::CACHE_CONTROL, "no-store")
            .body(Body::Text(body))
            .expect("status and headers are statically valid")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl std::error::Error for ApiError {}

/// Short Russian summary of a status, the same for every problem with it.
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Неверный запрос",
        401 => "Требуется вход",
        403 => "Доступ запрещён",
        404 => "Не найдено",
        405 => "Метод не поддерживается",
        409 => "Конфликт",
        413 => "Слишком большой запрос",
        415 => "Неподдерживаемый формат",
        422 => "Неверные данные",
        428 => "Требуется условие",
        429 => "Слишком много попыток",
        503 => "Сервис недоступен",
        500..=599 => "Внутренняя ошибка",
        _ => "Ошибка",
    }
}

/// `application/problem+json` body (RFC 9457) with our extensions.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem<'a> {
    /// URI naming the kind of problem; one per `code`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short Russian summary of the status.
    pub title: String,
    /// HTTP status, repeated for clients that lose it.
    pub status: u16,
    /// Stable machine code.
    pub code: &'a str,
    /// Russian explanation for the customer.
    pub detail: &'a str,
    /// Per-field errors, present only when there are some.
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<FieldError>))]
    pub errors: &'a [FieldError],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_names_every_field() {
        let error = ApiError::validation(vec![
            FieldError::new("first_name", "required", "Укажите имя."),
            FieldError::new("phone", "required", "Укажите мобильный телефон."),
        ]);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
        let Body::Text(text) = response.body() else {
            panic!("problem body is text");
        };
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(json["code"], "validation_failed");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][1]["field"], "phone");
        let detail = json["detail"].as_str().unwrap();
        assert!(detail.contains("Укажите имя.") && detail.contains("Укажите мобильный телефон."));
        assert_eq!(json["title"], "Неверные данные");
    }

    #[test]
    fn problem_without_field_errors_omits_the_list() {
        let response = ApiError::unauthorized().into_response();
        let Body::Text(text) = response.body() else {
            panic!("problem body is text");
        };
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(json.get("errors").is_none());
        assert_eq!(json["type"], "urn:problem:cabinet:unauthorized");
    }
}
