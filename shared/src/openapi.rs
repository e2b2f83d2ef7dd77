//! The OpenAPI 3.1 document of the cabinet's HTTP API, generated from the
//! types the handlers read and write, so that a renamed field or a new
//! route changes the document.
//!
//! Each operation below is a descriptor for `utoipa`: method, path,
//! parameters, request body and success answers, with Russian summaries and
//! examples. The problems an operation can answer are not typed by hand:
//! [`problems_of`] builds them with the very constructors and parsers the
//! handlers call (an empty form through its own `parse`, a foreign query
//! through [`Query::parse`] with the route's own list, Cognito's refusals
//! through [`problem_for`]), and [`Problems`] adds them to the document as
//! `application/problem+json` answers with one example per `code`.
//!
//! `cargo xtask openapi` writes the document to `shared/api/openapi.json`,
//! which the catalog function serves at `GET /openapi.json`; the tests of
//! the xtask crate fail when the committed file differs from this module.

use std::collections::BTreeMap;

use lambda_http::{Body, Request};
use serde_json::{Value, json};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::catalog::{
    Audience, InvalidParameter, ProviderFilter, ProviderFilterParams, ServicePage,
};
use crate::cognito::{CognitoError, Operation as CognitoCall, problem_for};
use crate::domain::file::{
    ConfirmForm as UploadConfirmForm, FileUse, StoredObject, UploadForm, file_not_found,
    files_closed, too_many_files, upload_not_found, verify_upload,
};
use crate::domain::order::{
    OrderStatus, Transition, changed_meanwhile, order_closed, order_not_found, status_conflict,
};
use crate::domain::order_form::{
    CancelForm, IdempotencyKey, MessageForm, OrderForm, RatingForm, RejectForm, TakeForm,
    not_offered, parse_page_size, parse_status_filter,
};
use crate::domain::order_view::{
    CardView, CreatedView, FileView, HistoryView, ListView, RatingView,
};
use crate::domain::profile::{EmailConfirmationForm, ProfileForm};
use crate::domain::registration::{
    ConfirmationCode, RegistrationForm, labels, parse_login, parse_new_password,
};
use crate::error::{ApiError, FieldError, PROBLEM_JSON, Problem};
use crate::files::{DownloadLink, UploadSlot};
use crate::handlers::ORDER_LIST_PARAMETERS;
use crate::handlers::auth::{
    ChangeForm, CodeSent, ConfirmForm, EmailForm, RefreshForm, ResetForm, SignInForm, SignOutForm,
    SignedUp, TokenAnswer, new_password_required, parse_secret, parse_token,
};
use crate::handlers::backoffice::{NoFields, not_an_executor};
use crate::handlers::catalog::{
    CategoriesAnswer, FaqAnswer, PROVIDERS_PARAMETERS, ProvidersAnswer, SERVICES_PARAMETERS,
    ServicesAnswer, bad_parameter, not_imported, unknown_category,
};
use crate::handlers::orders::{already_rated, executors_cannot_order, key_reused, not_completed};
use crate::handlers::profile::{
    ProfileAnswer, UNSUBSCRIBE_PARAMETERS, UnsubscribeAnswer, changed_meanwhile as profile_changed,
    email_change_in_progress, missing_token, no_pending_email,
};
use crate::http::{Query, json_body};
use crate::paging::{CursorKey, CursorScope};
use crate::unsubscribe::UnsubscribeKey;

/// Name of the security scheme of the protected operations.
pub const BEARER: &str = "bearer";

/// The document, as `GET /openapi.json` serves it.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as the committed file holds it: pretty JSON, keys in a
/// stable order, ending with a newline.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the document is plain JSON values");
    text.push('\n');
    text
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Личный кабинет заказчика портала ТПП РФ",
        version = env!("CARGO_PKG_VERSION"),
        description = "HTTP API личного кабинета заказчика: регистрация и вход, профиль, \
каталог услуг системы ТПП и «Вопрос-ответ», заказ услуг и заявки, рабочее место исполнителя.\n\n\
Тела запросов передаются в JSON с заголовком `Content-Type: application/json`. Каждая ошибка — \
документ `application/problem+json` (RFC 9457) со стабильным машинным кодом `code`, \
пояснением на русском языке `detail` и списком ошибок по полям `errors`. Поле или параметр \
запроса, которых форма не предусматривает, — ошибка 400, а не молчаливый пропуск.\n\n\
Защищённые операции требуют заголовка `Authorization: Bearer <токен доступа>`: токена доступа \
(access token) пула пользователей Cognito, полученного при входе (`POST /auth/sign-in`).\n\n\
Развёрнутый API доступен по адресу HttpApi из выходных параметров стека (`ApiUrl`); \
локальный стенд `cargo xtask dev` — по адресу http://127.0.0.1:9000 (порт задаёт CABINET_API_PORT).",
        license(name = "MIT"),
    ),
    servers(
        (url = "http://127.0.0.1:9000", description = "Локальный стенд (`cargo xtask dev`)"),
        (url = "/", description = "API Gateway: адрес HttpApi из выходных параметров стека"),
    ),
    paths(
        sign_up, confirm, resend_code, sign_in, refresh, sign_out, forgot_password,
        reset_password, change_password,
        read_profile, update_profile, confirm_email, unsubscribe, photo_upload, set_photo,
        remove_photo,
        categories, services, service, providers, faq, openapi_json, docs,
        list_orders, submit_order, order_card, cancel_order, order_message, rate_order,
        new_order_upload, order_upload, attach_file, order_file,
        queue, executor_card, take, executor_message, complete, reject, executor_file,
    ),
    components(schemas(Problem, FieldError, GatewayMessage, OneClickForm)),
    modifiers(&Security, &OptionalBodies, &SharedExamples, &Problems),
    tags(
        (name = "auth", description = "Регистрация и вход (R1)"),
        (name = "profile", description = "Профиль заказчика (R2)"),
        (name = "catalog", description = "Услуги и функции, «Вопрос-ответ» и описание API; без входа (R3, R4, R10.3)"),
        (name = "orders", description = "Заявки заказчика (R5–R7)"),
        (name = "executor", description = "Рабочее место исполнителя (R8.4)"),
    ),
)]
struct ApiDoc;

/// The answer of API Gateway itself, before any function runs: its JWT
/// authorizer refusing a token (401), or a body over its limit (413).
#[derive(ToSchema)]
#[allow(dead_code)]
struct GatewayMessage {
    /// API Gateway's English message (`Unauthorized`).
    message: String,
}

/// What mail programs send to `POST /unsubscribe` (RFC 8058); the handler
/// reads the token from the query and never the body.
#[derive(ToSchema)]
#[allow(dead_code)]
struct OneClickForm {
    /// `One-Click`.
    #[schema(rename = "List-Unsubscribe")]
    list_unsubscribe: String,
}

/// Declares the bearer scheme: the Cognito access token of the user pool.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_string());
        scheme.description = Some(
            "Токен доступа (access token) пула пользователей Cognito, выданный при входе \
             `POST /auth/sign-in` или обновлённый `POST /auth/refresh`; действует час."
                .to_string(),
        );
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// An optional body is written `Option<Form>` above, which utoipa renders
/// as a body whose schema also allows `null`; but a `null` body is refused
/// (it is no form), and no body at all is what is optional. So the schema
/// becomes the form's alone and the body is marked not required.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::Required;
        use utoipa::openapi::schema::Schema;
        for item in openapi.paths.paths.values_mut() {
            let operations = [item.put.as_mut(), item.post.as_mut()];
            for operation in operations.into_iter().flatten() {
                let Some(body) = operation.request_body.as_mut() else {
                    continue;
                };
                for content in body.content.values_mut() {
                    let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
                        continue;
                    };
                    let form = one_of.items.iter().find(|item| {
                        !matches!(item, RefOr::T(Schema::Object(object))
                            if object.schema_type == utoipa::openapi::schema::SchemaType::Type(utoipa::openapi::Type::Null))
                    });
                    if let Some(form) = form.cloned() {
                        content.schema = Some(form);
                        body.required = Some(Required::False);
                    }
                }
            }
        }
    }
}

/// Gives the answers that several operations share the same example.
struct SharedExamples;

impl Modify for SharedExamples {
    fn modify(&self, openapi: &mut Document) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let executor = path.starts_with("/executor/");
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if !status.starts_with('2') {
                        continue;
                    }
                    for content in response.content.values_mut() {
                        let Some(RefOr::Ref(schema)) = &content.schema else {
                            continue;
                        };
                        let name = schema.ref_location.rsplit('/').next().unwrap_or_default();
                        if content.example.is_none() {
                            content.example = shared_example(name, executor);
                        }
                    }
                }
            }
        }
    }
}

/// The example of an answer named `schema` that several operations give,
/// as the customer sees it or, when `executor`, as an executor does.
fn shared_example(schema: &str, executor: bool) -> Option<Value> {
    let link = |number: &str| {
        if executor {
            format!("/executor/orders/{number}")
        } else {
            format!("/orders/{number}")
        }
    };
    let customer = json!({"role": "customer", "name": "Петров Иван Сергеевич"});
    let executor_actor = json!({"role": "executor", "name": "Смирнов Алексей"});
    Some(match schema {
        "ProfileAnswer" => json!({
            "first_name": "Мария",
            "last_name": "Демидова",
            "patronymic": null,
            "email": "demo@cabinet.example.ru",
            "pending_email": null,
            "phone": "+79001234567",
            "notifications": {"status_emails": true, "message_emails": true},
            "photo": {
                "name": "портрет.jpg",
                "type": "image/jpeg",
                "size": 184320,
                "uploaded_at": "2026-12-04T08:30:12.512Z",
                "url": "https://cabinet-files.s3.eu-central-1.amazonaws.com/photos/7d9c3f6e/3f2a9c0d?X-Amz-Signature=…",
                "url_expires_at": "2026-12-04T08:35:12Z"
            },
            "updated_at": "2026-12-04T08:30:12.512Z"
        }),
        "UploadSlot" => json!({
            "upload_id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e",
            "url": "https://cabinet-files.s3.eu-central-1.amazonaws.com/",
            "fields": {
                "key": "uploads/customer/7d9c3f6e/3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e",
                "Content-Type": "application/pdf",
                "x-amz-meta-name": "%D0%98%D0%BD%D0%B2%D0%BE%D0%B9%D1%81.pdf",
                "policy": "eyJleHBpcmF0aW9uIjoiMjAyNi0xMi0wNFQwOTozMDowMFoifQ==",
                "x-amz-algorithm": "AWS4-HMAC-SHA256",
                "x-amz-credential": "ASIA…/20261204/eu-central-1/s3/aws4_request",
                "x-amz-date": "20261204T091500Z",
                "x-amz-signature": "5d41402abc4b2a76b9719d911017c592…"
            },
            "expires_at": "2026-12-04T09:30:00Z",
            "max_size": 10485760
        }),
        "DownloadLink" => json!({
            "url": "https://cabinet-files.s3.eu-central-1.amazonaws.com/orders/261204-7KQ2MX/3f2a9c0d?X-Amz-Signature=…",
            "expires_at": "2026-12-05T10:46:03Z"
        }),
        "ListView" => json!({
            "items": [{
                "number": "261204-7KQ2MX",
                "link": link("261204-7KQ2MX"),
                "status": {"code": "in_progress", "title": "В работе"},
                "service": {"id": "origin-st1", "title": "Сертификат о происхождении товара формы СТ-1"},
                "provider": {"id": "chamber-moscow", "name": "Московская торгово-промышленная палата"},
                "subject": "Сертификат СТ-1 на партию станков",
                "created_at": "2026-12-04T09:15:27.431Z",
                "updated_at": "2026-12-04T11:02:40.250Z",
                "expected_completion": "2026-12-11"
            }],
            "next_cursor": null
        }),
        "HistoryView" if executor => json!({
            "kind": "message",
            "at": "2026-12-05T12:20:00.000Z",
            "author": executor_actor,
            "subject": "Сертификат готов",
            "text": "Сертификат оформлен, забрать оригинал можно в офисе палаты с 9 до 18 часов."
        }),
        "HistoryView" => json!({
            "kind": "message",
            "at": "2026-12-05T10:40:00.000Z",
            "author": customer,
            "subject": "Уточнение по партии",
            "text": "Добавьте, пожалуйста, в сертификат ещё две позиции из приложенного инвойса."
        }),
        "CardView" => json!({
            "number": "261204-7KQ2MX",
            "link": link("261204-7KQ2MX"),
            "status": {"code": "in_progress", "title": "В работе"},
            "service": {"id": "origin-st1", "title": "Сертификат о происхождении товара формы СТ-1"},
            "provider": {
                "id": "chamber-moscow",
                "name": "Московская торгово-промышленная палата",
                "kind": "chamber",
                "city": "Москва"
            },
            "form": {
                "subject": "Сертификат СТ-1 на партию станков",
                "text": "Прошу оформить сертификат о происхождении товара формы СТ-1 на партию токарных станков для поставки в Казахстан.",
                "contact": {
                    "first_name": "Иван",
                    "last_name": "Петров",
                    "patronymic": "Сергеевич",
                    "email": "ivan.petrov@example.ru",
                    "phone": "+79001234567",
                    "organization": "ООО «Станкомаш»"
                }
            },
            "files": [{
                "id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e",
                "name": "Инвойс №17.pdf",
                "type": "application/pdf",
                "size": 245760,
                "uploaded_at": "2026-12-04T09:15:27.431Z",
                "author": customer,
                "download": format!("{}/files/3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e", link("261204-7KQ2MX"))
            }],
            "executor": {"name": "Смирнов Алексей", "email": "executor.moscow@cabinet.example.ru"},
            "expected_completion": "2026-12-11",
            "cancel_reason": null,
            "rejection_reason": null,
            "rating": null,
            "created_at": "2026-12-04T09:15:27.431Z",
            "updated_at": "2026-12-04T11:02:40.250Z",
            "actions": if executor { json!(["complete", "reject", "message"]) } else { json!(["cancel", "message", "attach_file"]) },
            "history": [
                {
                    "kind": "status",
                    "at": "2026-12-04T09:15:27.431Z",
                    "actor": customer,
                    "from": null,
                    "to": {"code": "submitted", "title": "Новая"},
                    "reason": null
                },
                {
                    "kind": "file",
                    "at": "2026-12-04T09:15:27.431Z",
                    "author": customer,
                    "file_id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e",
                    "name": "Инвойс №17.pdf"
                },
                {
                    "kind": "status",
                    "at": "2026-12-04T11:02:40.250Z",
                    "actor": executor_actor,
                    "from": {"code": "submitted", "title": "Новая"},
                    "to": {"code": "in_progress", "title": "В работе"},
                    "reason": null
                }
            ],
            "history_truncated": false
        }),
        _ => return None,
    })
}

/// Adds to every operation the problems its handler can answer. Each
/// distinct problem is one example under `components.examples`, which the
/// answers refer to: many operations share the same refusals.
struct Problems;

impl Modify for Problems {
    fn modify(&self, openapi: &mut Document) {
        let mut examples = ProblemExamples::default();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("GET", item.get.as_mut()),
                ("PUT", item.put.as_mut()),
                ("POST", item.post.as_mut()),
                ("DELETE", item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    add_problems(operation, &problems_of(method, path), &mut examples);
                }
            }
        }
        // utoipa's `Components` has no field for `examples`; its extensions
        // are written flat into the same object, which is where OpenAPI
        // keeps reusable examples.
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .extensions
            .get_or_insert_with(Default::default)
            .insert("examples".to_string(), Value::Object(examples.named));
    }
}

/// The examples of problems, each under a name made of its `code`.
#[derive(Default)]
struct ProblemExamples {
    named: serde_json::Map<String, Value>,
}

impl ProblemExamples {
    /// The name of `problem`'s example, registered on first use.
    fn name_of(&mut self, problem: &ApiError) -> String {
        let example = json!({
            "summary": problem.detail,
            "value": problem.to_problem(),
        });
        let mut n = 1;
        loop {
            let name = if n == 1 {
                problem.code.to_string()
            } else {
                format!("{}-{n}", problem.code)
            };
            match self.named.get(&name) {
                Some(known) if *known == example => return name,
                Some(_) => n += 1,
                None => {
                    self.named.insert(name.clone(), example);
                    return name;
                }
            }
        }
    }
}

fn add_problems(operation: &mut Operation, problems: &[ApiError], examples: &mut ProblemExamples) {
    let mut by_status: BTreeMap<u16, Vec<&ApiError>> = BTreeMap::new();
    for problem in problems {
        by_status
            .entry(problem.status.as_u16())
            .or_default()
            .push(problem);
    }
    let protected = operation.security.is_some();
    for (status, problems) in by_status {
        let response = problem_response(status, &problems, protected, examples);
        operation
            .responses
            .responses
            .insert(status.to_string(), RefOr::T(response));
    }
}

fn problem_response(
    status: u16,
    problems: &[&ApiError],
    protected: bool,
    examples: &mut ProblemExamples,
) -> Response {
    let mut codes: Vec<&str> = Vec::new();
    for problem in problems {
        if !codes.contains(&problem.code) {
            codes.push(problem.code);
        }
    }
    let title = problems[0].to_problem().title;
    let references = problems.iter().map(|problem| {
        let name = examples.name_of(problem);
        let reference = utoipa::openapi::Ref::new(format!("#/components/examples/{name}"));
        (
            name,
            RefOr::<utoipa::openapi::example::Example>::Ref(reference),
        )
    });
    let content = ContentBuilder::new()
        .schema(Some(Problem::schema_ref()))
        .examples_from_iter(references)
        .build();
    let mut description = format!("{title}: {}.", codes.join(", "));
    let no_store = utoipa::openapi::HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String))
        .description(Some("`no-store`"))
        .build();
    let mut response = ResponseBuilder::new()
        .content(PROBLEM_JSON, content)
        .header("Cache-Control", no_store);
    if status == 401 && protected {
        description.push_str(
            " В AWS токен сначала проверяет JWT-авторизатор API Gateway; его отказ — \
             `application/json` с полем `message`.",
        );
        response = response.content("application/json", gateway_content("Unauthorized"));
    }
    response.description(description).build()
}

fn gateway_content(message: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(GatewayMessage::schema_ref()))
        .example(Some(json!({ "message": message })))
        .build()
}

/// A `$ref` to the schema a type derives.
trait SchemaRef {
    fn schema_ref() -> RefOr<utoipa::openapi::schema::Schema>;
}

impl<T: ToSchema> SchemaRef for T {
    fn schema_ref() -> RefOr<utoipa::openapi::schema::Schema> {
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
    }
}

// ---------------------------------------------------------------------------
// What can go wrong, built as the handlers build it.
// ---------------------------------------------------------------------------

/// Every problem the operation `method path` can answer, one example each,
/// made by the same code the handler runs. Panics for an operation it does
/// not know, so a new route cannot go undocumented.
pub fn problems_of(method: &str, path: &str) -> Vec<ApiError> {
    let mut problems = match (method, path) {
        ("POST", "/auth/sign-up") => [
            query(&[]),
            json_form::<RegistrationForm>("phone"),
            vec![ApiError::validation(
                RegistrationForm::default()
                    .parse()
                    .expect_err("an empty registration form is invalid"),
            )],
            cognito(CognitoCall::SignUp),
        ]
        .concat(),
        ("POST", "/auth/confirm") => [
            query(&[]),
            json_form::<ConfirmForm>("code"),
            vec![ApiError::validation(vec![
                parse_login("email", None).expect_err("no login is invalid"),
                ConfirmationCode::parse("code", None).expect_err("no code is invalid"),
            ])],
            cognito(CognitoCall::ConfirmSignUp),
        ]
        .concat(),
        ("POST", "/auth/resend-code") => [
            query(&[]),
            json_form::<EmailForm>("email"),
            vec![missing_login()],
            cognito(CognitoCall::ResendCode),
        ]
        .concat(),
        ("POST", "/auth/sign-in") => [
            query(&[]),
            json_form::<SignInForm>("password"),
            vec![
                ApiError::validation(vec![
                    parse_login("email", Some("иван@")).expect_err("not an address"),
                    parse_secret("password", labels::PASSWORD, None)
                        .expect_err("no password is invalid"),
                ]),
                new_password_required(),
            ],
            cognito(CognitoCall::SignIn),
        ]
        .concat(),
        ("POST", "/auth/refresh") => [
            query(&[]),
            json_form::<RefreshForm>("refresh_token"),
            vec![ApiError::validation(vec![
                parse_token("refresh_token", Some("не токен"))
                    .expect_err("spaces and Cyrillic are no token"),
            ])],
            cognito(CognitoCall::Refresh),
        ]
        .concat(),
        ("POST", "/auth/sign-out") => [
            query(&[]),
            bearer(),
            json_form::<SignOutForm>("refresh_token"),
            vec![ApiError::validation(vec![
                parse_token("refresh_token", Some("не токен"))
                    .expect_err("spaces and Cyrillic are no token"),
            ])],
            cognito(CognitoCall::SignOut),
        ]
        .concat(),
        ("POST", "/auth/forgot-password") => [
            query(&[]),
            json_form::<EmailForm>("email"),
            vec![missing_login()],
            cognito(CognitoCall::ForgotPassword),
        ]
        .concat(),
        ("POST", "/auth/reset-password") => [
            query(&[]),
            json_form::<ResetForm>("new_password"),
            vec![ApiError::validation(vec![
                parse_login("email", None).expect_err("no login is invalid"),
                ConfirmationCode::parse("code", Some("12\u{7}"))
                    .expect_err("a control character is no part of a code"),
                parse_new_password("new_password", labels::NEW_PASSWORD, Some("qwerty"))
                    .expect_err("a six-letter password is weak"),
            ])],
            cognito(CognitoCall::ResetPassword),
        ]
        .concat(),
        ("POST", "/auth/change-password") => [
            query(&[]),
            bearer(),
            json_form::<ChangeForm>("old_password"),
            vec![ApiError::validation(vec![FieldError::new(
                "new_password",
                "same_password",
                format!("«{}»: совпадает с текущим паролем.", labels::NEW_PASSWORD),
            )])],
            cognito(CognitoCall::CheckToken),
            cognito(CognitoCall::ChangePassword),
        ]
        .concat(),
        ("GET", "/profile") => [
            query(&[]),
            bearer(),
            cognito(CognitoCall::CheckToken),
            store(),
        ]
        .concat(),
        ("PUT", "/profile") => [
            query(&[]),
            bearer(),
            json_form::<ProfileForm>("notifications"),
            vec![
                ProfileForm::default()
                    .parse()
                    .expect_err("an empty profile is invalid"),
                email_change_in_progress(),
                profile_changed(),
            ],
            cognito(CognitoCall::CheckToken),
            cognito(CognitoCall::UpdateEmail),
            store(),
        ]
        .concat(),
        ("POST", "/profile/email/confirm") => [
            query(&[]),
            bearer(),
            json_form::<EmailConfirmationForm>("code"),
            vec![
                EmailConfirmationForm::default()
                    .parse()
                    .expect_err("an empty code is invalid"),
                no_pending_email(),
                email_change_in_progress(),
            ],
            cognito(CognitoCall::CheckToken),
            cognito(CognitoCall::VerifyEmail),
            store(),
        ]
        .concat(),
        ("POST", "/unsubscribe") => [
            query(UNSUBSCRIBE_PARAMETERS),
            vec![missing_token(), foreign_unsubscribe_token()],
            store(),
        ]
        .concat(),
        ("POST", "/profile/photo/upload") => [
            query(&[]),
            bearer(),
            json_form::<UploadForm>("size"),
            vec![declared_photo()],
            files(),
        ]
        .concat(),
        ("PUT", "/profile/photo") => [
            query(&[]),
            bearer(),
            json_form::<UploadConfirmForm>("upload_id"),
            vec![
                UploadConfirmForm::default()
                    .parse()
                    .expect_err("no upload id is invalid"),
                upload_not_found(),
                uploaded_photo(),
                profile_changed(),
            ],
            cognito(CognitoCall::CheckToken),
            store(),
            files(),
        ]
        .concat(),
        ("DELETE", "/profile/photo") => [
            query(&[]),
            bearer(),
            vec![profile_changed()],
            cognito(CognitoCall::CheckToken),
            store(),
            files(),
        ]
        .concat(),
        ("GET", "/catalog/categories") | ("GET", "/faq") => {
            [query(&[]), vec![not_imported()], store()].concat()
        }
        ("GET", "/catalog/services") => [
            query(SERVICES_PARAMETERS),
            vec![
                bad_parameter(InvalidParameter::unknown_value(
                    "audience",
                    &Audience::parse("everyone").expect_err("«everyone» is no audience"),
                )),
                unknown_category("ved-nothing"),
                not_imported(),
            ],
            store(),
        ]
        .concat(),
        ("GET", "/catalog/services/{serviceId}") => {
            [query(&[]), vec![unknown_service()], store()].concat()
        }
        ("GET", "/catalog/services/{serviceId}/providers") => [
            query(PROVIDERS_PARAMETERS),
            vec![
                bad_parameter(
                    ProviderFilter::parse(ProviderFilterParams {
                        kind: Some("bank"),
                        region: None,
                        federal_district: None,
                        city: None,
                        q: None,
                    })
                    .expect_err("«bank» is no kind of provider"),
                ),
                unknown_service(),
            ],
            store(),
        ]
        .concat(),
        ("GET", "/openapi.json") | ("GET", "/docs") => query(&[]),
        ("GET", "/orders") => [list_query(), customer(), store()].concat(),
        ("POST", "/orders") => [
            query(&[]),
            customer(),
            vec![
                IdempotencyKey::parse(None).expect_err("a missing key is refused"),
                IdempotencyKey::parse(Some("ключ заявки"))
                    .expect_err("Cyrillic and spaces are no key"),
            ],
            json_form::<OrderForm>("documents"),
            vec![
                OrderForm::default()
                    .parse()
                    .expect_err("an empty order form is invalid"),
                not_offered(
                    "provider_id",
                    "«Организация, оказывающая услугу»: «chamber-sochi» не оказывает услугу \
                     «Карнет АТА». Выберите организацию на вкладке «Контакты» этой услуги.",
                ),
                key_reused(),
                ApiError::validation(vec![FieldError::new(
                    "documents[0]",
                    upload_not_found().code,
                    format!("«Документы»: {}", upload_not_found().detail),
                )]),
            ],
            store(),
            files(),
        ]
        .concat(),
        ("GET", "/orders/{number}") => {
            [query(&[]), customer(), vec![order_not_found()], store()].concat()
        }
        ("POST", "/orders/{number}/cancel") => [
            query(&[]),
            customer(),
            json_form::<CancelForm>("reason"),
            vec![
                CancelForm {
                    reason: Some("x".repeat(2001)),
                }
                .parse()
                .expect_err("a reason of 2001 characters is too long"),
                order_not_found(),
                refused(Transition::Cancel, OrderStatus::Done),
                changed_meanwhile(Transition::Cancel, OrderStatus::Cancelled),
            ],
            store(),
        ]
        .concat(),
        ("POST", "/orders/{number}/messages") => {
            [query(&[]), customer(), message_problems(), store()].concat()
        }
        ("POST", "/orders/{number}/rating") => [
            query(&[]),
            customer(),
            json_form::<RatingForm>("score"),
            vec![
                RatingForm {
                    score: Some(6),
                    comment: Some("Хорошо".to_string()),
                }
                .parse()
                .expect_err("6 is out of range and the comment short"),
                order_not_found(),
                already_rated(),
                not_completed(OrderStatus::InProgress),
            ],
            store(),
        ]
        .concat(),
        ("POST", "/orders/uploads") => [
            query(&[]),
            customer(),
            json_form::<UploadForm>("size"),
            vec![declared_document()],
            files(),
        ]
        .concat(),
        ("POST", "/orders/{number}/uploads") => [
            query(&[]),
            customer(),
            json_form::<UploadForm>("size"),
            vec![
                declared_document(),
                order_not_found(),
                files_closed(OrderStatus::Done),
                too_many_files(),
            ],
            store(),
            files(),
        ]
        .concat(),
        ("POST", "/orders/{number}/files") => [
            query(&[]),
            customer(),
            json_form::<UploadConfirmForm>("upload_id"),
            vec![
                UploadConfirmForm::default()
                    .parse()
                    .expect_err("no upload id is invalid"),
                order_not_found(),
                upload_not_found(),
                uploaded_document(),
                files_closed(OrderStatus::Cancelled),
                too_many_files(),
            ],
            store(),
            files(),
        ]
        .concat(),
        ("GET", "/orders/{number}/files/{fileId}") => [
            query(&[]),
            customer(),
            vec![order_not_found(), file_not_found()],
            store(),
            files(),
        ]
        .concat(),
        ("GET", "/executor/orders") => [list_query(), executor(), store()].concat(),
        ("GET", "/executor/orders/{number}") => {
            [query(&[]), executor(), vec![order_not_found()], store()].concat()
        }
        ("POST", "/executor/orders/{number}/take") => [
            query(&[]),
            executor(),
            json_form::<TakeForm>("expected_completion"),
            vec![
                TakeForm {
                    expected_completion: Some("31.12.2026".to_string()),
                }
                .parse(time::macros::date!(2026 - 12 - 04))
                .expect_err("a date not in ISO form is invalid"),
                order_not_found(),
                refused(Transition::Take, OrderStatus::Cancelled),
            ],
            cognito(CognitoCall::CheckToken),
            store(),
        ]
        .concat(),
        ("POST", "/executor/orders/{number}/messages") => [
            query(&[]),
            executor(),
            message_problems(),
            cognito(CognitoCall::CheckToken),
            store(),
        ]
        .concat(),
        ("POST", "/executor/orders/{number}/complete") => [
            query(&[]),
            executor(),
            json_form::<NoFields>("comment"),
            vec![
                order_not_found(),
                refused(Transition::Complete, OrderStatus::Submitted),
            ],
            cognito(CognitoCall::CheckToken),
            store(),
        ]
        .concat(),
        ("POST", "/executor/orders/{number}/reject") => [
            query(&[]),
            executor(),
            json_form::<RejectForm>("reason"),
            vec![
                RejectForm::default()
                    .parse()
                    .expect_err("a rejection needs a reason"),
                order_not_found(),
                refused(Transition::Reject, OrderStatus::Done),
            ],
            cognito(CognitoCall::CheckToken),
            store(),
        ]
        .concat(),
        ("GET", "/executor/orders/{number}/files/{fileId}") => [
            query(&[]),
            executor(),
            vec![order_not_found(), file_not_found()],
            store(),
            files(),
        ]
        .concat(),
        _ => panic!("no problems are listed for {method} {path}: add them to problems_of"),
    };
    // Any handler can fail on our side.
    problems.push(ApiError::internal("an example of our own fault"));
    // One example per distinct answer.
    let mut seen = Vec::new();
    problems.retain(|problem| {
        let key = (problem.status, problem.code, problem.detail.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    problems
}

/// A request for `body` at `uri`, as API Gateway would hand it over.
fn request(uri: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut builder = http::Request::builder().method("POST").uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    builder
        .body(Body::Text(body.to_string()))
        .expect("a request with a static URI builds")
}

/// The answers to a query the route does not take: an unknown parameter,
/// and a value that is not percent-encoded UTF-8.
fn query(allowed: &[&str]) -> Vec<ApiError> {
    let foreign = Query::parse(&request("/?utm_source=mail", None, ""), allowed)
        .expect_err("no route takes utm_source");
    let mut problems = vec![foreign];
    if let Some(name) = allowed.first() {
        let broken = Query::parse(&request(&format!("/?{name}=%D0"), None, ""), allowed)
            .expect_err("half a UTF-8 character is refused");
        problems.push(broken);
    }
    problems
}

/// The query problems of the order lists: the parsers' own refusals.
fn list_query() -> Vec<ApiError> {
    let key = CursorKey::new("a-key-that-only-builds-an-example-0123456789")
        .expect("a long key is accepted");
    let scope = CursorScope {
        owner: "CUSTOMER#example",
        filter: "",
    };
    [
        query(ORDER_LIST_PARAMETERS),
        vec![
            parse_status_filter(Some("archived")).expect_err("«archived» is no status"),
            parse_page_size(Some("500")).expect_err("500 is over the page limit"),
            key.open(scope, "не-курсор")
                .expect_err("a made-up cursor does not open"),
        ],
    ]
    .concat()
}

/// The answers of [`json_body`] to a body that is not the form `T`: not
/// JSON, empty, of another media type, with an unknown or repeated field,
/// or with `field` of the wrong type.
fn json_form<T: serde::de::DeserializeOwned>(field: &str) -> Vec<ApiError> {
    let refused = |content_type: Option<&str>, body: &str| {
        json_body::<T>(&request("/", content_type, body))
            .err()
            .expect("the body is no valid form")
    };
    let json = Some("application/json");
    vec![
        refused(Some("text/plain"), "{}"),
        refused(json, "{,}"),
        refused(json, " "),
        refused(json, "{\"utm_source\": \"mail\"}"),
        refused(json, &format!("{{\"{field}\": null, \"{field}\": null}}")),
        refused(json, &format!("{{\"{field}\": [[]]}}")),
    ]
}

/// The refusals of a bearer token: none or not ours (401), and the key
/// set of the user pool out of reach (503).
fn bearer() -> Vec<ApiError> {
    vec![
        ApiError::unauthorized(),
        ApiError::unavailable("the JWKS of the user pool is out of reach"),
    ]
}

/// A customer's route: an executor's token is refused as well.
fn customer() -> Vec<ApiError> {
    [bearer(), vec![executors_cannot_order()]].concat()
}

/// An executor's route: a token without a provider is refused as well.
fn executor() -> Vec<ApiError> {
    [bearer(), vec![not_an_executor()]].concat()
}

/// The table or the bucket is throttling us or out of reach (503), or
/// refused something it should not have (500).
fn store() -> Vec<ApiError> {
    vec![
        ApiError::unavailable("DynamoDB is out of reach"),
        ApiError::internal("DynamoDB refused a request"),
    ]
}

/// S3 out of reach; the same answers as [`store`].
fn files() -> Vec<ApiError> {
    store()
}

/// The Cognito error codes [`problem_for`] tells apart.
#[cfg(test)]
const COGNITO_CODES: [&str; 16] = [
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "UsernameExistsException",
    "AliasExistsException",
    "InvalidPasswordException",
    "PasswordHistoryPolicyViolationException",
    "CodeMismatchException",
    "ExpiredCodeException",
    "TooManyFailedAttemptsException",
    "LimitExceededException",
    "PasswordResetRequiredException",
    "InvalidParameterException",
    "CodeDeliveryFailureException",
    "TooManyRequestsException",
    "InternalErrorException",
];

/// Of [`COGNITO_CODES`], those the Cognito API reference lists among the
/// errors of `call`'s operation: a route documents only the refusals its
/// Cognito call can give.
fn cognito_errors(call: CognitoCall) -> &'static [&'static str] {
    use CognitoCall as Op;
    match call {
        Op::SignUp => &[
            "CodeDeliveryFailureException",
            "InternalErrorException",
            "InvalidParameterException",
            "InvalidPasswordException",
            "LimitExceededException",
            "NotAuthorizedException",
            "TooManyRequestsException",
            "UsernameExistsException",
        ],
        Op::ConfirmSignUp => &[
            "AliasExistsException",
            "CodeMismatchException",
            "ExpiredCodeException",
            "InternalErrorException",
            "InvalidParameterException",
            "LimitExceededException",
            "NotAuthorizedException",
            "TooManyFailedAttemptsException",
            "TooManyRequestsException",
            "UserNotFoundException",
        ],
        Op::ResendCode | Op::ForgotPassword => &[
            "CodeDeliveryFailureException",
            "InternalErrorException",
            "InvalidParameterException",
            "LimitExceededException",
            "NotAuthorizedException",
            "TooManyRequestsException",
            "UserNotFoundException",
        ],
        Op::SignIn | Op::Refresh => &[
            "InternalErrorException",
            "InvalidParameterException",
            "NotAuthorizedException",
            "PasswordResetRequiredException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
        Op::SignOut | Op::CheckToken => &[
            "InternalErrorException",
            "InvalidParameterException",
            "NotAuthorizedException",
            "PasswordResetRequiredException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
        Op::RevokeToken => &[
            "InternalErrorException",
            "InvalidParameterException",
            "TooManyRequestsException",
        ],
        Op::ResetPassword => &[
            "CodeMismatchException",
            "ExpiredCodeException",
            "InternalErrorException",
            "InvalidParameterException",
            "InvalidPasswordException",
            "LimitExceededException",
            "NotAuthorizedException",
            "PasswordHistoryPolicyViolationException",
            "TooManyFailedAttemptsException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
        Op::ChangePassword => &[
            "InternalErrorException",
            "InvalidParameterException",
            "InvalidPasswordException",
            "LimitExceededException",
            "NotAuthorizedException",
            "PasswordHistoryPolicyViolationException",
            "PasswordResetRequiredException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
        Op::UpdateEmail => &[
            "AliasExistsException",
            "CodeDeliveryFailureException",
            "CodeMismatchException",
            "ExpiredCodeException",
            "InternalErrorException",
            "InvalidParameterException",
            "NotAuthorizedException",
            "PasswordResetRequiredException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
        Op::VerifyEmail => &[
            "AliasExistsException",
            "CodeMismatchException",
            "ExpiredCodeException",
            "InternalErrorException",
            "InvalidParameterException",
            "LimitExceededException",
            "NotAuthorizedException",
            "PasswordResetRequiredException",
            "TooManyRequestsException",
            "UserNotConfirmedException",
            "UserNotFoundException",
        ],
    }
}

/// Every answer of [`problem_for`] to a failed Cognito `call`: its
/// operation's documented errors, "password attempts exceeded" where a
/// password is checked, and no answer at all.
fn cognito(call: CognitoCall) -> Vec<ApiError> {
    let mut problems: Vec<ApiError> = cognito_errors(call)
        .iter()
        .map(|code| problem_for(&CognitoError::service(call, code, 400)))
        .collect();
    if matches!(
        call,
        CognitoCall::SignIn | CognitoCall::ChangePassword | CognitoCall::ResetPassword
    ) {
        let mut attempts = CognitoError::service(call, "NotAuthorizedException", 400);
        attempts.attempts_exceeded = true;
        problems.push(problem_for(&attempts));
    }
    problems.push(problem_for(&CognitoError {
        operation: call,
        code: None,
        status: None,
        attempts_exceeded: false,
        kind: "timeout",
    }));
    problems
}

fn missing_login() -> ApiError {
    ApiError::validation(vec![
        parse_login("email", None).expect_err("no login is invalid"),
    ])
}

fn foreign_unsubscribe_token() -> ApiError {
    UnsubscribeKey::new("a-key-that-only-builds-an-example-0123456789")
        .expect("a long key is accepted")
        .verify("не-токен")
        .expect_err("a made-up token is refused")
}

fn unknown_service() -> ApiError {
    ApiError::not_found("Услуга «origin-xx» не найдена в каталоге.")
}

fn declared_photo() -> ApiError {
    UploadForm {
        name: Some("портрет.gif".to_string()),
        content_type: Some("image/gif".to_string()),
        size: Some(6 * 1024 * 1024),
    }
    .parse(FileUse::Photo)
    .expect_err("a GIF of 6 MB is no photo")
}

fn declared_document() -> ApiError {
    UploadForm {
        name: None,
        content_type: Some("application/x-msdownload".to_string()),
        size: Some(0),
    }
    .parse(FileUse::Document)
    .expect_err("an empty program without a name is no document")
}

fn uploaded_photo() -> ApiError {
    checked_upload(FileUse::Photo)
}

fn uploaded_document() -> ApiError {
    checked_upload(FileUse::Document)
}

/// An object in the bucket that is not what was declared.
fn checked_upload(use_: FileUse) -> ApiError {
    let object = StoredObject {
        size: 0,
        content_type: Some("text/html".to_string()),
        name: Some("скан.html".to_string()),
    };
    verify_upload(use_, &object).expect_err("an empty HTML page is refused")
}

fn refused(transition: Transition, from: OrderStatus) -> ApiError {
    status_conflict(
        transition
            .apply(from)
            .expect_err("the transition is not allowed from this status"),
    )
}

fn message_problems() -> Vec<ApiError> {
    [
        json_form::<MessageForm>("subject"),
        vec![
            MessageForm {
                subject: Some("Вопрос".to_string()),
                text: Some("Когда будет готово?".to_string()),
            }
            .parse()
            .expect_err("a subject of 6 and a text of 19 characters are too short"),
            order_not_found(),
            order_closed(OrderStatus::Cancelled),
        ],
    ]
    .concat()
}

// ---------------------------------------------------------------------------
// The operations.
// ---------------------------------------------------------------------------

//
// Each descriptor is a function that is never called: `utoipa` reads its
// attributes. Answers shared by several operations (a profile, a card, an
// upload slot …) get their example from [`shared_example`].

/// The path parameter of an order's number.
const NUMBER: &str = "Номер заявки `ГГММДД-XXXXXX`: дата подачи по Москве и шесть знаков \
                      (цифры и латинские буквы без I, L, O, U); регистр не важен.";

#[utoipa::path(
    post, path = "/auth/sign-up", tag = "auth", operation_id = "signUp",
    summary = "Регистрация",
    description = "Создаёт неподтверждённую учётную запись и отправляет код подтверждения на \
электронную почту (R1.1). Адрес обрезается по краям и приводится к нижнему регистру (R1.5). \
Пароль — не короче 8 символов, со строчной и заглавной латинскими буквами и цифрой. Телефон \
принимается в российской записи (`8 (900) 123-45-67`, `+7 900 123-45-67`) и хранится как \
`+79001234567`.",
    request_body(content = RegistrationForm, content_type = "application/json",
        example = json!({
            "email": "ivan.petrov@example.ru",
            "password": "Zakaz2026pass",
            "first_name": "Иван",
            "last_name": "Петров",
            "patronymic": "Сергеевич",
            "phone": "8 (900) 123-45-67"
        })),
    responses(
        (status = 201, description = "Учётная запись создана; код отправлен на адрес.",
            body = SignedUp, headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({
                "user_id": "7d9c3f6e-2b1a-4c8d-9e0f-1a2b3c4d5e6f",
                "email": "ivan.petrov@example.ru",
                "confirmation": {"delivery": "email", "destination": "i***@e***.ru"}
            })),
    ),
)]
#[allow(dead_code)]
fn sign_up() {}

#[utoipa::path(
    post, path = "/auth/confirm", tag = "auth", operation_id = "confirmSignUp",
    summary = "Подтверждение адреса электронной почты",
    description = "Подтверждает учётную запись кодом из письма (R1.1).",
    request_body(content = ConfirmForm, content_type = "application/json",
        example = json!({"email": "ivan.petrov@example.ru", "code": "483920"})),
    responses((status = 204, description = "Адрес подтверждён; можно войти.")),
)]
#[allow(dead_code)]
fn confirm() {}

#[utoipa::path(
    post, path = "/auth/resend-code", tag = "auth", operation_id = "resendCode",
    summary = "Повторная отправка кода подтверждения",
    description = "Отправляет новый код подтверждения. Ответ одинаков и для незарегистрированного \
адреса: API не сообщает, есть ли такая учётная запись.",
    request_body(content = EmailForm, content_type = "application/json",
        example = json!({"email": "ivan.petrov@example.ru"})),
    responses(
        (status = 202, description = "Код отправлен (если учётная запись есть).", body = CodeSent,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({"confirmation": {"delivery": "email", "destination": "i***@e***.ru"}})),
    ),
)]
#[allow(dead_code)]
fn resend_code() {}

#[utoipa::path(
    post, path = "/auth/sign-in", tag = "auth", operation_id = "signIn",
    summary = "Вход",
    description = "Выдаёт токены по адресу электронной почты и паролю (R1.2). Неверный пароль и \
незарегистрированный адрес дают один и тот же ответ 401 `invalid_credentials`.",
    request_body(content = SignInForm, content_type = "application/json",
        example = json!({"email": "ivan.petrov@example.ru", "password": "Zakaz2026pass"})),
    responses(
        (status = 200, description = "Вход выполнен.", body = TokenAnswer,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({
                "access_token": "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiI3ZDljM2Y2ZSJ9.c2lnbmF0dXJl",
                "id_token": "eyJraWQiOiJrMiIsImFsZyI6IlJTMjU2In0.eyJlbWFpbCI6Iml2YW4ifQ.c2lnbmF0dXJl",
                "refresh_token": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.ZW5jcnlwdGVk.dG9rZW4",
                "expires_in": 3600,
                "token_type": "Bearer"
            })),
    ),
)]
#[allow(dead_code)]
fn sign_in() {}

#[utoipa::path(
    post, path = "/auth/refresh", tag = "auth", operation_id = "refreshTokens",
    summary = "Обновление токенов",
    description = "Выдаёт новые токены доступа и идентификации по токену обновления (R1.2); \
нового токена обновления в ответе нет.",
    request_body(content = RefreshForm, content_type = "application/json",
        example = json!({"refresh_token": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.ZW5jcnlwdGVk.dG9rZW4"})),
    responses(
        (status = 200, description = "Токены обновлены.", body = TokenAnswer,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({
                "access_token": "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiI3ZDljM2Y2ZSJ9.c2lnbmF0dXJl",
                "id_token": "eyJraWQiOiJrMiIsImFsZyI6IlJTMjU2In0.eyJlbWFpbCI6Iml2YW4ifQ.c2lnbmF0dXJl",
                "expires_in": 3600,
                "token_type": "Bearer"
            })),
    ),
)]
#[allow(dead_code)]
fn refresh() {}

#[utoipa::path(
    post, path = "/auth/sign-out", tag = "auth", operation_id = "signOut",
    summary = "Выход",
    description = "Завершает все сеансы владельца токена; переданный токен обновления \
отзывается. Тело необязательно.",
    request_body(content = Option<SignOutForm>, content_type = "application/json",
        example = json!({"refresh_token": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.ZW5jcnlwdGVk.dG9rZW4"})),
    responses((status = 204, description = "Сеансы завершены.")),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn sign_out() {}

#[utoipa::path(
    post, path = "/auth/forgot-password", tag = "auth", operation_id = "forgotPassword",
    summary = "Восстановление пароля: запрос кода",
    description = "Отправляет на адрес код для нового пароля (R1.3). Ответ одинаков и для \
незарегистрированного адреса.",
    request_body(content = EmailForm, content_type = "application/json",
        example = json!({"email": "ivan.petrov@example.ru"})),
    responses(
        (status = 202, description = "Код отправлен (если учётная запись есть).", body = CodeSent,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({"confirmation": {"delivery": "email", "destination": "i***@e***.ru"}})),
    ),
)]
#[allow(dead_code)]
fn forgot_password() {}

#[utoipa::path(
    post, path = "/auth/reset-password", tag = "auth", operation_id = "resetPassword",
    summary = "Восстановление пароля: новый пароль",
    description = "Задаёт новый пароль по коду из письма (R1.3).",
    request_body(content = ResetForm, content_type = "application/json",
        example = json!({"email": "ivan.petrov@example.ru", "code": "271828", "new_password": "Novyi2026pass"})),
    responses((status = 204, description = "Пароль изменён; можно войти с новым.")),
)]
#[allow(dead_code)]
fn reset_password() {}

#[utoipa::path(
    post, path = "/auth/change-password", tag = "auth", operation_id = "changePassword",
    summary = "Смена пароля",
    description = "Меняет пароль вошедшего заказчика; нужен текущий пароль (R2.1).",
    request_body(content = ChangeForm, content_type = "application/json",
        example = json!({"old_password": "Zakaz2026pass", "new_password": "Novyi2026pass"})),
    responses((status = 204, description = "Пароль изменён.")),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn change_password() {}

#[utoipa::path(
    get, path = "/profile", tag = "profile", operation_id = "readProfile",
    summary = "Профиль",
    description = "Профиль вошедшего заказчика (R2.1). При первом обращении создаётся из данных \
учётной записи. Ссылка на фотографию действует пять минут.",
    responses(
        (status = 200, description = "Профиль.", body = ProfileAnswer,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn read_profile() {}

#[utoipa::path(
    put, path = "/profile", tag = "profile", operation_id = "updateProfile",
    summary = "Изменение профиля",
    description = "Заменяет профиль целиком: передавайте все поля (R2.1). «Имя», «Фамилия», \
«Электронная почта» и «Мобильный телефон» обязательны: если пусто хоть одно, не меняется \
ничего, а ответ называет каждое пропущенное поле (R2.2). Пропущенное `patronymic` очищает \
отчество; пропущенное `notifications` сохраняет оба переключателя, пропущенное \
`notifications.message_emails` — этот переключатель (R2.4). Новый адрес электронной почты \
становится `pending_email` до подтверждения кодом.",
    request_body(content = ProfileForm, content_type = "application/json",
        example = json!({
            "first_name": "Мария",
            "last_name": "Демидова",
            "patronymic": "Андреевна",
            "email": "demo@cabinet.example.ru",
            "phone": "+7 900 123-45-67",
            "notifications": {"status_emails": true, "message_emails": false}
        })),
    responses(
        (status = 200, description = "Профиль сохранён.", body = ProfileAnswer,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn update_profile() {}

#[utoipa::path(
    post, path = "/profile/email/confirm", tag = "profile", operation_id = "confirmEmail",
    summary = "Подтверждение нового адреса электронной почты",
    description = "Подтверждает `pending_email` кодом, отправленным на новый адрес; после этого \
он становится логином.",
    request_body(content = EmailConfirmationForm, content_type = "application/json",
        example = json!({"code": "604512"})),
    responses(
        (status = 200, description = "Адрес подтверждён.", body = ProfileAnswer,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn confirm_email() {}

#[utoipa::path(
    post, path = "/unsubscribe", tag = "profile", operation_id = "unsubscribe",
    summary = "Отказ от писем по ссылке из письма",
    description = "Выключает письма одного вида по подписанной ссылке из письма, без входа \
(R2.4, RFC 8058). Тело не читается: почтовые программы присылают \
`List-Unsubscribe=One-Click`.",
    params(("token" = String, Query, description = "Подписанный токен из ссылки в письме.",
        example = "eyJzdWIiOiI3ZDljM2Y2ZSIsImxpc3QiOiJzdGF0dXNfZW1haWxzIn0.c2lnbmF0dXJl")),
    request_body(content = Option<OneClickForm>,
        content_type = "application/x-www-form-urlencoded",
        description = "Не читается; любое тело допустимо.",
        example = json!({"List-Unsubscribe": "One-Click"})),
    responses(
        (status = 200, description = "Письма этого вида выключены.", body = UnsubscribeAnswer,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({"unsubscribed": "status_emails"})),
    ),
)]
#[allow(dead_code)]
fn unsubscribe() {}

#[utoipa::path(
    post, path = "/profile/photo/upload", tag = "profile", operation_id = "photoUploadSlot",
    summary = "Загрузка фотографии: адрес для загрузки",
    description = "Выдаёт подписанную форму для загрузки фотографии прямо в хранилище (R2.3): \
JPEG, PNG или WebP, от 1 байта до 5 МБ. Отправьте `fields` и файл последним полем `file` \
формой `multipart/form-data` на `url`, затем `PUT /profile/photo` с `upload_id`.",
    request_body(content = UploadForm, content_type = "application/json",
        example = json!({"name": "портрет.jpg", "type": "image/jpeg", "size": 184320})),
    responses(
        (status = 201, description = "Адрес для загрузки выдан; действует 15 минут.",
            body = UploadSlot, headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn photo_upload() {}

#[utoipa::path(
    put, path = "/profile/photo", tag = "profile", operation_id = "setPhoto",
    summary = "Установка фотографии",
    description = "Делает загруженный файл фотографией профиля (R2.3); прежняя фотография \
удаляется. Файл, не прошедший проверку, удаляется, ответ — 422.",
    request_body(content = UploadConfirmForm, content_type = "application/json",
        example = json!({"upload_id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"})),
    responses(
        (status = 200, description = "Фотография установлена.", body = ProfileAnswer,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn set_photo() {}

#[utoipa::path(
    delete, path = "/profile/photo", tag = "profile", operation_id = "removePhoto",
    summary = "Удаление фотографии",
    description = "Удаляет фотографию профиля (R2.3); без фотографии ответ тот же.",
    responses(
        (status = 200, description = "Профиль без фотографии.", body = ProfileAnswer,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn remove_photo() {}

#[utoipa::path(
    get, path = "/catalog/categories", tag = "catalog", operation_id = "catalogCategories",
    summary = "Классификатор услуг",
    description = "Категории услуг системы ТПП деревом, с услугами каждой категории (R3.1).",
    responses(
        (status = 200, description = "Классификатор.", body = CategoriesAnswer,
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({"categories": [{
                "id": "ved",
                "title": "Внешнеэкономическая деятельность",
                "services": [],
                "children": [{
                    "id": "ved-origin",
                    "title": "Сертификация происхождения товаров",
                    "services": [{
                        "id": "origin-st1",
                        "title": "Сертификат о происхождении товара формы СТ-1",
                        "category": "ved-origin",
                        "audience": "all"
                    }],
                    "children": []
                }]
            }]})),
    ),
)]
#[allow(dead_code)]
fn categories() {}

#[utoipa::path(
    get, path = "/catalog/services", tag = "catalog", operation_id = "catalogServices",
    summary = "Список услуг",
    description = "Услуги в порядке каталога (R3.1, R3.2); категория включает подкатегории.",
    params(
        ("category" = Option<String>, Query, description = "Идентификатор категории.",
            example = "ved-origin"),
        ("audience" = Option<Audience>, Query,
            description = "`all` — общие услуги, `members` — для членов ТПП РФ, `partners` — \
услуги партнёров; без параметра — все.", example = "members"),
    ),
    responses(
        (status = 200, description = "Услуги.", body = ServicesAnswer,
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({"services": [{
                "id": "origin-st1",
                "title": "Сертификат о происхождении товара формы СТ-1",
                "category": "ved-origin",
                "audience": "all"
            }]})),
    ),
)]
#[allow(dead_code)]
fn services() {}

#[utoipa::path(
    get, path = "/catalog/services/{serviceId}", tag = "catalog", operation_id = "catalogService",
    summary = "Страница услуги",
    description = "Описание услуги, документы для скачивания и организации, которые её \
оказывают (R3.3).",
    params(("serviceId" = String, Path, description = "Идентификатор услуги.",
        example = "origin-st1")),
    responses(
        (status = 200, description = "Страница услуги.", body = ServicePage,
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({
                "id": "origin-st1",
                "title": "Сертификат о происхождении товара формы СТ-1",
                "description": "Оформление сертификата формы СТ-1 для вывоза товаров в государства — участники Соглашения о правилах определения страны происхождения товаров в СНГ.",
                "audience": "all",
                "category": {"id": "ved-origin", "title": "Сертификация происхождения товаров"},
                "breadcrumbs": [
                    {"id": "ved", "title": "Внешнеэкономическая деятельность"},
                    {"id": "ved-origin", "title": "Сертификация происхождения товаров"}
                ],
                "documents": [{"title": "Образец заявления", "file": "st1-application.docx"}],
                "providers": [{
                    "id": "chamber-moscow",
                    "kind": "chamber",
                    "name": "Московская торгово-промышленная палата",
                    "region": "г. Москва",
                    "city": "Москва",
                    "federal_district": "Центральный",
                    "email": "services@moscow.tpp.example"
                }]
            })),
    ),
)]
#[allow(dead_code)]
fn service() {}

#[utoipa::path(
    get, path = "/catalog/services/{serviceId}/providers", tag = "catalog",
    operation_id = "catalogProviders",
    summary = "Контакты: организации, оказывающие услугу",
    description = "Вкладка «Контакты» с фильтром (R3.4). `region`, `federal_district` и `city` \
сравниваются с целым значением из `facets`; `q` — слова названия, каждое должно встретиться. \
Регистр и пунктуация не важны, «ё» и «е» не различаются.",
    params(
        ("serviceId" = String, Path, description = "Идентификатор услуги.",
            example = "origin-st1"),
        ("kind" = Option<String>, Query,
            description = "Вид организации: `chamber`, `department`, `subsidiary`, `partner` \
или несколько через запятую.", example = "chamber,subsidiary"),
        ("region" = Option<String>, Query, description = "Регион.", example = "г. Москва"),
        ("federal_district" = Option<String>, Query, description = "Федеральный округ.",
            example = "Центральный"),
        ("city" = Option<String>, Query, description = "Город.", example = "Москва"),
        ("q" = Option<String>, Query, description = "Слова названия.",
            example = "московская палата"),
    ),
    responses(
        (status = 200, description = "Организации, прошедшие фильтр, и значения фильтров.",
            body = ProvidersAnswer,
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({
                "service_id": "origin-st1",
                "total": 69,
                "providers": [{
                    "id": "chamber-moscow",
                    "kind": "chamber",
                    "name": "Московская торгово-промышленная палата",
                    "region": "г. Москва",
                    "city": "Москва",
                    "federal_district": "Центральный",
                    "email": "services@moscow.tpp.example"
                }],
                "facets": {
                    "kinds": [{"value": "chamber", "title": "Территориальная ТПП"}],
                    "regions": ["г. Москва", "Московская область"],
                    "federal_districts": ["Центральный"],
                    "cities": ["Москва"]
                }
            })),
    ),
)]
#[allow(dead_code)]
fn providers() {}

#[utoipa::path(
    get, path = "/faq", tag = "catalog", operation_id = "faq",
    summary = "Вопрос-ответ",
    description = "Частые вопросы по разделам (R4.1).",
    responses(
        (status = 200, description = "Разделы с вопросами.", body = FaqAnswer,
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({"sections": [{
                "section": "Регистрация и вход",
                "questions": [{
                    "question": "Как зарегистрироваться в личном кабинете?",
                    "answer": "Нажмите «Войти» в правом верхнем углу портала и выберите регистрацию."
                }]
            }]})),
    ),
)]
#[allow(dead_code)]
fn faq() {}

#[utoipa::path(
    get, path = "/openapi.json", tag = "catalog", operation_id = "openapiDocument",
    summary = "Описание API (OpenAPI 3.1)",
    description = "Этот документ. Он порождается из типов и обработчиков кода командой \
`cargo xtask openapi`.",
    responses(
        (status = 200, description = "Документ OpenAPI 3.1.", body = Object,
            content_type = "application/json",
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!({"openapi": "3.1.0", "info": {"title": "Личный кабинет заказчика портала ТПП РФ", "version": "0.1.0"}})),
    ),
)]
#[allow(dead_code)]
fn openapi_json() {}

#[utoipa::path(
    get, path = "/docs", tag = "catalog", operation_id = "openapiPage",
    summary = "Описание API для чтения",
    description = "Этот документ страницей HTML без внешних скриптов, шрифтов и стилей.",
    responses(
        (status = 200, description = "Страница HTML.", body = String,
            content_type = "text/html",
            headers(("Cache-Control" = String, description = "`public, max-age=300`")),
            example = json!("<!DOCTYPE html><html lang=\"ru\">…</html>")),
    ),
)]
#[allow(dead_code)]
fn docs() {}

#[utoipa::path(
    get, path = "/orders", tag = "orders", operation_id = "listOrders",
    summary = "Список заявок",
    description = "Заявки вошедшего заказчика, новые первыми (R6.1), страницами (R6.2). \
Страница может быть короче `limit` и даже пустой, пока `next_cursor` не `null`.",
    params(
        ("status" = Option<String>, Query,
            description = "Статусы через запятую: `submitted`, `in_progress`, `done`, \
`cancelled`, `rejected`.", example = "submitted,in_progress"),
        ("limit" = Option<i32>, Query, description = "Размер страницы, от 1 до 50; по умолчанию 20.",
            minimum = 1, maximum = 50, example = 20),
        ("cursor" = Option<String>, Query,
            description = "`next_cursor` предыдущей страницы с теми же `status`.",
            example = "eyJwayI6IkNVU1RPTUVSIzdkOWMzZjZlIn0.c2lnbmF0dXJl"),
    ),
    responses(
        (status = 200, description = "Страница списка.", body = ListView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn list_orders() {}

#[utoipa::path(
    post, path = "/orders", tag = "orders", operation_id = "submitOrder",
    summary = "Заказ услуги",
    description = "Подаёт заявку на услугу выбранной организации (R5.1). Организация должна \
оказывать эту услугу (R5.3). Повтор с тем же `Idempotency-Key` и тем же телом не создаёт \
вторую заявку, а возвращает первую с заголовком `Idempotent-Replayed: true` (R5.4). Без \
`contact` контактные данные берутся из профиля. `documents` — `upload_id` файлов, \
загруженных через `POST /orders/uploads`.",
    params(("Idempotency-Key" = String, Header,
        description = "Ключ формы: до 128 латинских букв, цифр, `-` и `_`; новый для каждой \
новой заявки.", example = "3b7e4c1a-5d2f-4e8b-9a6c-0f1e2d3c4b5a")),
    request_body(content = OrderForm, content_type = "application/json",
        example = json!({
            "service_id": "origin-st1",
            "provider_id": "chamber-moscow",
            "subject": "Сертификат СТ-1 на партию станков",
            "text": "Прошу оформить сертификат о происхождении товара формы СТ-1 на партию токарных станков для поставки в Казахстан.",
            "contact": {
                "first_name": "Иван",
                "last_name": "Петров",
                "patronymic": "Сергеевич",
                "email": "ivan.petrov@example.ru",
                "phone": "+79001234567",
                "organization": "ООО «Станкомаш»"
            },
            "documents": ["3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"]
        })),
    responses(
        (status = 201, description = "Заявка подана (или повтор той же формы).",
            body = CreatedView,
            headers(
                ("Location" = String, description = "Адрес карточки заявки, `/orders/{number}`."),
                ("Idempotent-Replayed" = String,
                    description = "`true`, если это ответ на повтор уже поданной формы."),
                ("Cache-Control" = String, description = "`no-store`"),
            ),
            example = json!({
                "number": "261204-7KQ2MX",
                "link": "/orders/261204-7KQ2MX",
                "status": {"code": "submitted", "title": "Новая"},
                "created_at": "2026-12-04T09:15:27.431Z"
            })),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn submit_order() {}

#[utoipa::path(
    get, path = "/orders/{number}", tag = "orders", operation_id = "orderCard",
    summary = "Карточка заявки",
    description = "Услуга, организация, форма, файлы, статус и история заявки (R7.1). Имя и \
адрес исполнителя видны с статуса «В работе» (R7.5). Чужая заявка — 404 (R7.7).",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    responses(
        (status = 200, description = "Карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn order_card() {}

#[utoipa::path(
    post, path = "/orders/{number}/cancel", tag = "orders", operation_id = "cancelOrder",
    summary = "Отмена заявки",
    description = "Отменяет заявку до её завершения (R7.2). Тело необязательно.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = Option<CancelForm>, content_type = "application/json",
        example = json!({"reason": "Документы оформлены в другой палате."})),
    responses(
        (status = 200, description = "Заявка отменена; карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn cancel_order() {}

#[utoipa::path(
    post, path = "/orders/{number}/messages", tag = "orders", operation_id = "customerMessage",
    summary = "Сообщение исполнителю",
    description = "Тема — не короче 10 символов, текст — не короче 30; пробелы по краям не \
считаются (R7.4).",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = MessageForm, content_type = "application/json",
        example = json!({
            "subject": "Уточнение по партии",
            "text": "Добавьте, пожалуйста, в сертификат ещё две позиции из приложенного инвойса."
        })),
    responses(
        (status = 201, description = "Сообщение записано в историю.", body = HistoryView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn order_message() {}

#[utoipa::path(
    post, path = "/orders/{number}/rating", tag = "orders", operation_id = "rateOrder",
    summary = "Оценка качества услуги",
    description = "Оценка от 1 до 5 и необязательный комментарий не короче 10 символов; один \
раз, только для выполненной заявки (R7.6).",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = RatingForm, content_type = "application/json",
        example = json!({"score": 5, "comment": "Сертификат оформили за один день."})),
    responses(
        (status = 201, description = "Оценка принята.", body = RatingView,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({
                "score": 5,
                "comment": "Сертификат оформили за один день.",
                "rated_at": "2026-12-08T14:02:11.009Z"
            })),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn rate_order() {}

#[utoipa::path(
    post, path = "/orders/uploads", tag = "orders", operation_id = "newOrderUploadSlot",
    summary = "Загрузка документа новой заявки",
    description = "Выдаёт подписанную форму для загрузки документа будущей заявки (R5.1); \
`upload_id` передаётся затем в `documents` формы `POST /orders`.",
    request_body(content = UploadForm, content_type = "application/json",
        example = json!({"name": "Инвойс №17.pdf", "type": "application/pdf", "size": 245760})),
    responses(
        (status = 201, description = "Адрес для загрузки выдан; действует 15 минут.",
            body = UploadSlot, headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn new_order_upload() {}

#[utoipa::path(
    post, path = "/orders/{number}/uploads", tag = "orders", operation_id = "orderUploadSlot",
    summary = "Загрузка дополнительного файла заявки",
    description = "Выдаёт подписанную форму для загрузки файла к поданной заявке (R7.3); затем \
`POST /orders/{number}/files` с `upload_id`.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = UploadForm, content_type = "application/json",
        example = json!({"name": "Доверенность.pdf", "type": "application/pdf", "size": 102400})),
    responses(
        (status = 201, description = "Адрес для загрузки выдан; действует 15 минут.",
            body = UploadSlot, headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn order_upload() {}

#[utoipa::path(
    post, path = "/orders/{number}/files", tag = "orders", operation_id = "attachFile",
    summary = "Прикрепление загруженного файла к заявке",
    description = "Прикрепляет загруженный файл к заявке (R7.3); повтор с тем же `upload_id` \
отвечает тем же. Файл, не прошедший проверку, удаляется, ответ — 422.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = UploadConfirmForm, content_type = "application/json",
        example = json!({"upload_id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"})),
    responses(
        (status = 201, description = "Файл прикреплён.", body = FileView,
            headers(("Cache-Control" = String, description = "`no-store`")),
            example = json!({
                "id": "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e",
                "name": "Доверенность.pdf",
                "type": "application/pdf",
                "size": 102400,
                "uploaded_at": "2026-12-05T10:41:03.118Z",
                "author": {"role": "customer", "name": "Петров Иван Сергеевич"},
                "download": "/orders/261204-7KQ2MX/files/3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"
            })),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn attach_file() {}

#[utoipa::path(
    get, path = "/orders/{number}/files/{fileId}", tag = "orders", operation_id = "orderFile",
    summary = "Ссылка для скачивания файла заявки",
    description = "Временная ссылка на файл заявки; действует пять минут.",
    params(
        ("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX"),
        ("fileId" = String, Path, description = "Идентификатор файла (`id` в карточке).",
            example = "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"),
    ),
    responses(
        (status = 200, description = "Ссылка для скачивания.", body = DownloadLink,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn order_file() {}

#[utoipa::path(
    get, path = "/executor/orders", tag = "executor", operation_id = "executorQueue",
    summary = "Заявки организации",
    description = "Заявки организации исполнителя, новые первыми (R8.4); параметры — как у \
списка заказчика.",
    params(
        ("status" = Option<String>, Query,
            description = "Статусы через запятую: `submitted`, `in_progress`, `done`, \
`cancelled`, `rejected`.", example = "submitted"),
        ("limit" = Option<i32>, Query, description = "Размер страницы, от 1 до 50; по умолчанию 20.",
            minimum = 1, maximum = 50, example = 20),
        ("cursor" = Option<String>, Query,
            description = "`next_cursor` предыдущей страницы с теми же `status`.",
            example = "eyJwayI6IlBST1ZJREVSI2NoYW1iZXItbW9zY293In0.c2lnbmF0dXJl"),
    ),
    responses(
        (status = 200, description = "Страница списка.", body = ListView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn queue() {}

#[utoipa::path(
    get, path = "/executor/orders/{number}", tag = "executor", operation_id = "executorCard",
    summary = "Карточка заявки для исполнителя",
    description = "Карточка заявки своей организации; `actions` — доступные исполнителю \
действия.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    responses(
        (status = 200, description = "Карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn executor_card() {}

#[utoipa::path(
    post, path = "/executor/orders/{number}/take", tag = "executor", operation_id = "takeOrder",
    summary = "Взять заявку в работу",
    description = "Статус «В работе»; исполнитель становится виден заказчику (R7.5, R8.1). \
Тело необязательно.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = Option<TakeForm>, content_type = "application/json",
        example = json!({"expected_completion": "2026-12-11"})),
    responses(
        (status = 200, description = "Заявка в работе; карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn take() {}

#[utoipa::path(
    post, path = "/executor/orders/{number}/messages", tag = "executor",
    operation_id = "executorMessage",
    summary = "Ответ заказчику",
    description = "Те же правила, что у сообщения заказчика: тема от 10, текст от 30 символов.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = MessageForm, content_type = "application/json",
        example = json!({
            "subject": "Сертификат готов",
            "text": "Сертификат оформлен, забрать оригинал можно в офисе палаты с 9 до 18 часов."
        })),
    responses(
        (status = 201, description = "Сообщение записано в историю.", body = HistoryView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn executor_message() {}

#[utoipa::path(
    post, path = "/executor/orders/{number}/complete", tag = "executor",
    operation_id = "completeOrder",
    summary = "Заявка выполнена",
    description = "Статус «Выполнена» (R8.2). Тело необязательно и не имеет полей.",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = Option<NoFields>, content_type = "application/json",
        example = json!({})),
    responses(
        (status = 200, description = "Заявка выполнена; карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn complete() {}

#[utoipa::path(
    post, path = "/executor/orders/{number}/reject", tag = "executor", operation_id = "rejectOrder",
    summary = "Отклонение заявки",
    description = "Статус «Отклонена» с причиной, которую увидит заказчик (R8.2).",
    params(("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX")),
    request_body(content = RejectForm, content_type = "application/json",
        example = json!({"reason": "Товар произведён не в России: сертификат СТ-1 выдать нельзя."})),
    responses(
        (status = 200, description = "Заявка отклонена; карточка.", body = CardView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn reject() {}

#[utoipa::path(
    get, path = "/executor/orders/{number}/files/{fileId}", tag = "executor",
    operation_id = "executorFile",
    summary = "Ссылка для скачивания файла заявки",
    description = "Временная ссылка на файл заявки своей организации; действует пять минут.",
    params(
        ("number" = String, Path, description = NUMBER, example = "261204-7KQ2MX"),
        ("fileId" = String, Path, description = "Идентификатор файла (`id` в карточке).",
            example = "3f2a9c0d4b1e4f6a8c7d5e9b0a1c2d3e"),
    ),
    responses(
        (status = 200, description = "Ссылка для скачивания.", body = DownloadLink,
            headers(("Cache-Control" = String, description = "`no-store`"))),
    ),
    security(("bearer" = [])),
)]
#[allow(dead_code)]
fn executor_file() {}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_CALL: [CognitoCall; 13] = [
        CognitoCall::SignUp,
        CognitoCall::ConfirmSignUp,
        CognitoCall::ResendCode,
        CognitoCall::SignIn,
        CognitoCall::Refresh,
        CognitoCall::SignOut,
        CognitoCall::RevokeToken,
        CognitoCall::ForgotPassword,
        CognitoCall::ResetPassword,
        CognitoCall::ChangePassword,
        CognitoCall::CheckToken,
        CognitoCall::UpdateEmail,
        CognitoCall::VerifyEmail,
    ];

    #[test]
    fn routes_document_only_the_cognito_errors_the_mapping_tells_apart() {
        for call in EVERY_CALL {
            for code in cognito_errors(call) {
                assert!(COGNITO_CODES.contains(code), "{call:?}: {code}");
            }
        }
        for code in COGNITO_CODES {
            assert!(
                EVERY_CALL
                    .iter()
                    .any(|call| cognito_errors(*call).contains(&code)),
                "{code} is told apart but no operation answers it"
            );
        }
    }

    #[test]
    fn a_token_check_documents_no_password_or_address_problem() {
        let codes: Vec<&str> = cognito(CognitoCall::CheckToken)
            .iter()
            .map(|problem| problem.code)
            .collect();
        for never in [
            "weak_password",
            "password_reused",
            "wrong_code",
            "email_taken",
        ] {
            assert!(!codes.contains(&never), "{never} in {codes:?}");
        }
        assert!(codes.contains(&"unauthorized"), "{codes:?}");
    }
}
