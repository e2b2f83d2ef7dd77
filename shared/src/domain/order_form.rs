//! What customers and executors send about orders, parsed into checked
//! values: the order form (R5.1), the idempotency key (R5.4), messages
//! (R7.4), the rating (R7.6), cancellation and rejection reasons, the
//! expected completion date, and the list's filter and page size (R6.2).
//!
//! Every form names all of its wrong fields at once (422), so the customer
//! fixes them in one go.

use std::collections::BTreeMap;
use std::fmt;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use time::macros::format_description;
use time::{Date, Duration};

use super::file::{MAX_DOCUMENTS_PER_SUBMISSION, UploadId};
use super::order::{Contact, OrderStatus};
use super::profile::Profile;
use super::registration::{
    labels as person, parse_login, parse_name, parse_patronymic, parse_phone, required,
};
use super::text::{BoundedText, TextError};
use super::{Email, MobilePhone, PersonName};
use crate::catalog::is_valid_id;
use crate::error::{ApiError, FieldError};

/// Russian labels of the fields of the order forms.
pub mod labels {
    /// `service_id`.
    pub const SERVICE: &str = "Услуга";
    /// `provider_id`.
    pub const PROVIDER: &str = "Организация, оказывающая услугу";
    /// `subject` of an order.
    pub const SUBJECT: &str = "Тема заявки";
    /// `text` of an order.
    pub const TEXT: &str = "Текст заявки";
    /// `contact`.
    pub const CONTACT: &str = "Контактные данные";
    /// `contact.organization`.
    pub const ORGANIZATION: &str = "Организация";
    /// `subject` of a message.
    pub const MESSAGE_SUBJECT: &str = "Тема сообщения";
    /// `text` of a message.
    pub const MESSAGE_TEXT: &str = "Текст сообщения";
    /// `score`.
    pub const SCORE: &str = "Оценка";
    /// `comment`.
    pub const COMMENT: &str = "Комментарий к оценке";
    /// `reason` of a cancellation.
    pub const CANCEL_REASON: &str = "Причина отмены";
    /// `reason` of a rejection.
    pub const REJECTION_REASON: &str = "Причина отклонения";
    /// `expected_completion`.
    pub const EXPECTED_COMPLETION: &str = "Плановая дата выполнения";
}

/// Bounds of the order's subject, in characters.
pub const ORDER_SUBJECT_CHARS: (usize, usize) = (3, 200);
/// Bounds of the order's text, in characters.
pub const ORDER_TEXT_CHARS: (usize, usize) = (10, 5000);
/// Bounds of the organization's name, in characters.
pub const ORGANIZATION_CHARS: (usize, usize) = (1, 300);
/// Bounds of a message's subject, in characters (R7.4: at least 10).
pub const MESSAGE_SUBJECT_CHARS: (usize, usize) = (10, 200);
/// Bounds of a message's text, in characters (R7.4: at least 30).
pub const MESSAGE_TEXT_CHARS: (usize, usize) = (30, 5000);
/// Bounds of a rating's comment, in characters (R7.6: at least 10).
pub const COMMENT_CHARS: (usize, usize) = (10, 2000);
/// Bounds of a cancellation's reason, in characters.
pub const CANCEL_REASON_CHARS: (usize, usize) = (1, 1000);
/// Bounds of a rejection's reason, in characters.
pub const REJECTION_REASON_CHARS: (usize, usize) = (5, 1000);
/// How far ahead an expected completion date may lie, in days.
pub const MAX_COMPLETION_DAYS: i64 = 366;
/// Orders on one page of a list when the client does not say.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Most orders on one page of a list.
pub const MAX_PAGE_SIZE: i32 = 50;
/// Longest `Idempotency-Key`, in characters.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;

/// How a text field is read: [`LINE`] or [`FREE`].
type TextKind = fn(&str, usize, usize) -> Result<BoundedText, TextError>;
/// One line (subjects, an organization's name): no CR, LF, TAB or other
/// control character, which could split a mail header or a list row.
const LINE: TextKind = BoundedText::parse_line;
/// Free text with line breaks: an order's or message's text, a rating's
/// comment, the reasons of a cancellation or rejection (explanations that
/// may run to paragraphs).
const FREE: TextKind = BoundedText::parse;

fn text(
    field: &str,
    label: &str,
    raw: Option<&str>,
    (min, max): (usize, usize),
    kind: TextKind,
) -> Result<BoundedText, FieldError> {
    kind(raw.unwrap_or_default(), min, max)
        .map_err(|error| FieldError::new(field, error.code(), error.describe(label)))
}

/// A text that may be left out: absent or blank is `None`.
fn optional_text(
    field: &str,
    label: &str,
    raw: Option<&str>,
    bounds: (usize, usize),
    kind: TextKind,
) -> Result<Option<BoundedText>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => text(field, label, Some(raw), bounds, kind).map(Some),
    }
}

fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

fn catalog_id(field: &str, label: &str, raw: Option<&str>) -> Result<String, FieldError> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(required(field, label));
    }
    if !is_valid_id(raw) {
        return Err(FieldError::new(
            field,
            "invalid_id",
            format!("«{label}»: такого идентификатора нет в каталоге."),
        ));
    }
    Ok(raw.to_string())
}

/// The body of `POST /orders` as the client sent it.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderForm {
    /// Catalog id of the service.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub service_id: Option<String>,
    /// Catalog id of the provider chosen on the service's contacts tab.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub provider_id: Option<String>,
    /// «Тема заявки».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub subject: Option<String>,
    /// «Текст заявки».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub text: Option<String>,
    /// The customer's contact details; a field left out is taken from the
    /// profile.
    pub contact: Option<ContactForm>,
    /// Upload ids of the documents sent with the order (R5.1), each from
    /// `POST /orders/uploads` and uploaded.
    pub documents: Option<Vec<String>>,
}

/// The `contact` object of the order form. A field that is absent (or
/// `null`) is taken from the profile; an optional field sent blank means
/// the customer has none.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactForm {
    /// «Имя».
    pub first_name: Option<String>,
    /// «Фамилия».
    pub last_name: Option<String>,
    /// «Отчество».
    pub patronymic: Option<String>,
    /// «Электронная почта».
    pub email: Option<String>,
    /// «Мобильный телефон».
    pub phone: Option<String>,
    /// «Организация»; the profile has none.
    pub organization: Option<String>,
}

/// A checked order form; the contact may still lack what the profile gives.
pub struct OrderDraft {
    /// Catalog id of the service, in the form of an id.
    pub service_id: String,
    /// Catalog id of the provider, in the form of an id.
    pub provider_id: String,
    /// «Тема заявки».
    pub subject: BoundedText,
    /// «Текст заявки».
    pub text: BoundedText,
    /// The contact details the customer sent.
    pub contact: ContactDraft,
    /// The documents sent with it, distinct, at most
    /// [`MAX_DOCUMENTS_PER_SUBMISSION`].
    pub documents: Vec<UploadId>,
}

impl fmt::Debug for OrderDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderDraft")
            .field("service_id", &self.service_id)
            .field("provider_id", &self.provider_id)
            .finish_non_exhaustive()
    }
}

/// The contact details as sent: `None` where the profile is to fill in;
/// for the optional fields `Some(None)` where the customer has none.
#[derive(Default)]
pub struct ContactDraft {
    /// Whether the form had a `contact` object at all.
    pub sent: bool,
    /// «Имя».
    pub first_name: Option<PersonName>,
    /// «Фамилия».
    pub last_name: Option<PersonName>,
    /// «Отчество».
    pub patronymic: Option<Option<PersonName>>,
    /// «Электронная почта».
    pub email: Option<Email>,
    /// «Мобильный телефон».
    pub phone: Option<MobilePhone>,
    /// «Организация».
    pub organization: Option<BoundedText>,
}

impl OrderForm {
    /// Checks every field the form carries and names all wrong ones at once.
    /// Whether the service and the provider exist is for the catalog to say.
    pub fn parse(self) -> Result<OrderDraft, ApiError> {
        let mut errors = Vec::new();
        let service_id = collect(
            &mut errors,
            catalog_id("service_id", labels::SERVICE, self.service_id.as_deref()),
        );
        let provider_id = collect(
            &mut errors,
            catalog_id("provider_id", labels::PROVIDER, self.provider_id.as_deref()),
        );
        let subject = collect(
            &mut errors,
            text(
                "subject",
                labels::SUBJECT,
                self.subject.as_deref(),
                ORDER_SUBJECT_CHARS,
                LINE,
            ),
        );
        let text = collect(
            &mut errors,
            text(
                "text",
                labels::TEXT,
                self.text.as_deref(),
                ORDER_TEXT_CHARS,
                FREE,
            ),
        );
        let contact = match self.contact {
            None => ContactDraft::default(),
            Some(form) => form.parse(&mut errors),
        };
        let documents = parse_documents(&mut errors, self.documents.unwrap_or_default());
        match (service_id, provider_id, subject, text) {
            (Some(service_id), Some(provider_id), Some(subject), Some(text))
                if errors.is_empty() =>
            {
                Ok(OrderDraft {
                    service_id,
                    provider_id,
                    subject,
                    text,
                    contact,
                    documents,
                })
            }
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The upload ids of `raw`: each one well-formed and sent once, at most
/// [`MAX_DOCUMENTS_PER_SUBMISSION`] of them.
fn parse_documents(errors: &mut Vec<FieldError>, raw: Vec<String>) -> Vec<UploadId> {
    if raw.len() > MAX_DOCUMENTS_PER_SUBMISSION {
        errors.push(FieldError::new(
            "documents",
            "too_many",
            format!(
                "«Документы»: с заявкой можно отправить не больше {MAX_DOCUMENTS_PER_SUBMISSION} файлов; остальные приложите в карточке заявки."
            ),
        ));
        return Vec::new();
    }
    let mut documents: Vec<UploadId> = Vec::with_capacity(raw.len());
    for (index, raw) in raw.iter().enumerate() {
        let field = format!("documents[{index}]");
        match UploadId::parse(raw) {
            None => errors.push(FieldError::new(
                field,
                "invalid_upload_id",
                "«Документы»: это не номер загрузки, выданный при загрузке файла.",
            )),
            Some(id) if documents.contains(&id) => errors.push(FieldError::new(
                field,
                "duplicate",
                "«Документы»: этот файл уже указан в списке.",
            )),
            Some(id) => documents.push(id),
        }
    }
    documents
}

impl ContactForm {
    fn parse(self, errors: &mut Vec<FieldError>) -> ContactDraft {
        let name = |errors: &mut Vec<FieldError>, field: &str, label: &str, raw: Option<String>| {
            raw.and_then(|raw| {
                collect(
                    errors,
                    parse_name(&format!("contact.{field}"), label, Some(&raw)),
                )
            })
        };
        let first_name = name(errors, "first_name", person::FIRST_NAME, self.first_name);
        let last_name = name(errors, "last_name", person::LAST_NAME, self.last_name);
        // Absent: take the profile's; blank: none.
        let patronymic = match self.patronymic.as_deref() {
            None => None,
            Some(raw) => collect(errors, parse_patronymic("contact.patronymic", Some(raw))),
        };
        let email = self
            .email
            .and_then(|raw| collect(errors, parse_login("contact.email", Some(&raw))));
        let phone = self
            .phone
            .and_then(|raw| collect(errors, parse_phone("contact.phone", Some(&raw))));
        let organization = collect(
            errors,
            optional_text(
                "contact.organization",
                labels::ORGANIZATION,
                self.organization.as_deref(),
                ORGANIZATION_CHARS,
                LINE,
            ),
        )
        .flatten();
        ContactDraft {
            sent: true,
            first_name,
            last_name,
            patronymic,
            email,
            phone,
            organization,
        }
    }
}

impl OrderDraft {
    /// The request in one canonical form: the same order sent twice, however
    /// it was spaced or cased, gives the same text (R5.4). Fields the
    /// profile fills in are absent, so a retry is the same request even if
    /// the profile changed meanwhile.
    pub fn canonical(&self) -> String {
        let contact = &self.contact;
        let mut fields: BTreeMap<&str, Value> = BTreeMap::new();
        fields.insert("service_id", json!(self.service_id));
        fields.insert("provider_id", json!(self.provider_id));
        fields.insert("subject", json!(self.subject.as_str()));
        fields.insert("text", json!(self.text.as_str()));
        if contact.sent {
            let mut values: BTreeMap<&str, Value> = BTreeMap::new();
            let mut put = |name, value: Option<Value>| {
                if let Some(value) = value {
                    values.insert(name, value);
                }
            };
            put(
                "first_name",
                contact.first_name.as_ref().map(|v| json!(v.as_str())),
            );
            put(
                "last_name",
                contact.last_name.as_ref().map(|v| json!(v.as_str())),
            );
            put(
                "patronymic",
                contact
                    .patronymic
                    .as_ref()
                    .map(|v| json!(v.as_ref().map(PersonName::as_str))),
            );
            put("email", contact.email.as_ref().map(|v| json!(v.as_str())));
            put("phone", contact.phone.as_ref().map(|v| json!(v.as_str())));
            put(
                "organization",
                contact.organization.as_ref().map(|v| json!(v.as_str())),
            );
            fields.insert("contact", json!(values));
        }
        // Absent when none, so forms without documents keep their hash.
        if !self.documents.is_empty() {
            let ids: Vec<&str> = self.documents.iter().map(UploadId::as_str).collect();
            fields.insert("documents", json!(ids));
        }
        serde_json::to_string(&fields).expect("strings and maps serialise")
    }
}

impl ContactDraft {
    /// Whether every mandatory field was sent, so the profile is not needed.
    pub fn is_complete(&self) -> bool {
        self.first_name.is_some()
            && self.last_name.is_some()
            && self.email.is_some()
            && self.phone.is_some()
            && self.patronymic.is_some()
    }

    /// The contact details of the order: what was sent, the rest from
    /// `profile`. Names every mandatory field neither gives; without a
    /// profile and without a `contact` object, names `contact` itself.
    pub fn complete(self, profile: Option<&Profile>) -> Result<Contact, ApiError> {
        if profile.is_none() && !self.sent {
            return Err(ApiError::validation(vec![FieldError::new(
                "contact",
                "required",
                format!(
                    "«{}»: профиль ещё не заполнен, укажите имя, фамилию, электронную почту и мобильный телефон в заявке.",
                    labels::CONTACT
                ),
            )]));
        }
        let mut errors = Vec::new();
        let first_name = collect(
            &mut errors,
            fill(
                self.first_name,
                profile,
                "first_name",
                person::FIRST_NAME,
                |p| {
                    parse_name(
                        "contact.first_name",
                        person::FIRST_NAME,
                        Some(&p.first_name),
                    )
                },
            ),
        );
        let last_name = collect(
            &mut errors,
            fill(
                self.last_name,
                profile,
                "last_name",
                person::LAST_NAME,
                |p| parse_name("contact.last_name", person::LAST_NAME, Some(&p.last_name)),
            ),
        );
        let email = collect(
            &mut errors,
            fill(self.email, profile, "email", person::EMAIL, |p| {
                parse_login("contact.email", Some(&p.email))
            }),
        );
        let phone = collect(
            &mut errors,
            fill(self.phone, profile, "phone", person::PHONE, |p| {
                parse_phone("contact.phone", Some(&p.phone))
            }),
        );
        // A patronymic in the profile that no longer passes is left out
        // rather than blocking the order: it is optional.
        let patronymic = match self.patronymic {
            Some(given) => given,
            None => profile
                .and_then(|p| p.patronymic.as_deref())
                .and_then(|raw| PersonName::parse(raw).ok()),
        };
        match (first_name, last_name, email, phone) {
            (Some(first_name), Some(last_name), Some(email), Some(phone)) if errors.is_empty() => {
                Ok(Contact {
                    first_name: first_name.as_str().to_string(),
                    last_name: last_name.as_str().to_string(),
                    patronymic: patronymic.map(|p| p.as_str().to_string()),
                    email: email.as_str().to_string(),
                    phone: phone.as_str().to_string(),
                    organization: self.organization.map(BoundedText::into_inner),
                })
            }
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The value sent, else the profile's (checked by `from_profile`), else a
/// `required` error of `contact.<field>`.
fn fill<T>(
    sent: Option<T>,
    profile: Option<&Profile>,
    field: &str,
    label: &str,
    from_profile: impl FnOnce(&Profile) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    if let Some(value) = sent {
        return Ok(value);
    }
    let profile = profile.ok_or_else(|| required(&format!("contact.{field}"), label))?;
    from_profile(profile).map_err(|error| {
        FieldError::new(
            error.field,
            error.code,
            format!(
                "«{label}» в профиле не подходит для заявки: укажите значение в заявке или исправьте профиль."
            ),
        )
    })
}

/// The `Idempotency-Key` header of `POST /orders` (R5.4): 1 to 128
/// characters of `A-Z a-z 0-9 _ -`, chosen by the client once per form.
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks the header's value; absent is a 400 `idempotency_key_required`.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Err(ApiError::bad_request(
                "idempotency_key_required",
                "Передайте заголовок Idempotency-Key: один и тот же для повторных отправок одной заявки.",
            ));
        }
        let valid = raw.len() <= IDEMPOTENCY_KEY_MAX_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                format!(
                    "Заголовок Idempotency-Key должен содержать от 1 до {IDEMPOTENCY_KEY_MAX_CHARS} латинских букв, цифр, знаков «-» и «_»."
                ),
            ));
        }
        Ok(Self(raw.to_string()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

/// The body of `POST …/messages`.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageForm {
    /// «Тема сообщения».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub subject: Option<String>,
    /// «Текст сообщения».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub text: Option<String>,
}

/// A checked message (R7.4): subject of at least 10 and text of at least 30
/// characters, counted in characters after trimming.
pub struct MessageDraft {
    /// «Тема сообщения».
    pub subject: BoundedText,
    /// «Текст сообщения».
    pub text: BoundedText,
}

impl fmt::Debug for MessageDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageDraft(***)")
    }
}

impl MessageForm {
    /// Checks both fields, naming each wrong one.
    pub fn parse(self) -> Result<MessageDraft, ApiError> {
        let mut errors = Vec::new();
        let subject = collect(
            &mut errors,
            text(
                "subject",
                labels::MESSAGE_SUBJECT,
                self.subject.as_deref(),
                MESSAGE_SUBJECT_CHARS,
                LINE,
            ),
        );
        let text = collect(
            &mut errors,
            text(
                "text",
                labels::MESSAGE_TEXT,
                self.text.as_deref(),
                MESSAGE_TEXT_CHARS,
                FREE,
            ),
        );
        match (subject, text) {
            (Some(subject), Some(text)) => Ok(MessageDraft { subject, text }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The body of `POST /orders/{number}/rating`.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingForm {
    /// «Оценка», a whole number from 1 to 5.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5))]
    pub score: Option<i64>,
    /// «Комментарий к оценке», optional.
    pub comment: Option<String>,
}

/// A checked rating (R7.6).
#[derive(PartialEq, Eq)]
pub struct RatingDraft {
    /// 1 to 5.
    pub score: u8,
    /// At least 10 characters after trimming, when given.
    pub comment: Option<BoundedText>,
}

impl fmt::Debug for RatingDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RatingDraft")
            .field("score", &self.score)
            .finish_non_exhaustive()
    }
}

impl RatingForm {
    /// Checks the score and the comment; a blank comment is no comment.
    pub fn parse(self) -> Result<RatingDraft, ApiError> {
        let mut errors = Vec::new();
        let score = match self.score {
            None => {
                errors.push(required("score", labels::SCORE));
                None
            }
            Some(score @ 1..=5) => Some(score as u8),
            Some(_) => {
                errors.push(FieldError::new(
                    "score",
                    "out_of_range",
                    format!("«{}»: поставьте от 1 до 5.", labels::SCORE),
                ));
                None
            }
        };
        let comment = collect(
            &mut errors,
            optional_text(
                "comment",
                labels::COMMENT,
                self.comment.as_deref(),
                COMMENT_CHARS,
                FREE,
            ),
        );
        match (score, comment) {
            (Some(score), Some(comment)) => Ok(RatingDraft { score, comment }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The body of `POST /orders/{number}/cancel`; it may be left out.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelForm {
    /// «Причина отмены», optional.
    pub reason: Option<String>,
}

impl CancelForm {
    /// The reason, if one was given.
    pub fn parse(self) -> Result<Option<BoundedText>, ApiError> {
        optional_text(
            "reason",
            labels::CANCEL_REASON,
            self.reason.as_deref(),
            CANCEL_REASON_CHARS,
            FREE,
        )
        .map_err(|error| ApiError::validation(vec![error]))
    }
}

/// The body of `POST /executor/orders/{number}/reject`.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RejectForm {
    /// «Причина отклонения», required: the customer must learn why.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub reason: Option<String>,
}

impl RejectForm {
    /// The reason.
    pub fn parse(self) -> Result<BoundedText, ApiError> {
        text(
            "reason",
            labels::REJECTION_REASON,
            self.reason.as_deref(),
            REJECTION_REASON_CHARS,
            FREE,
        )
        .map_err(|error| ApiError::validation(vec![error]))
    }
}

/// The body of `POST /executor/orders/{number}/take`; it may be left out.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TakeForm {
    /// «Плановая дата выполнения», `YYYY-MM-DD`, optional.
    pub expected_completion: Option<String>,
}

impl TakeForm {
    /// The expected completion date, if given: a real date from `today`
    /// (in Moscow) to [`MAX_COMPLETION_DAYS`] ahead.
    pub fn parse(self, today: Date) -> Result<Option<Date>, ApiError> {
        let Some(raw) = self
            .expected_completion
            .as_deref()
            .map(str::trim)
            .filter(|raw| !raw.is_empty())
        else {
            return Ok(None);
        };
        let field = "expected_completion";
        let label = labels::EXPECTED_COMPLETION;
        let date = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                field,
                "invalid_date",
                format!("«{label}»: укажите дату в виде ГГГГ-ММ-ДД, например 2026-12-31."),
            )])
        })?;
        if date < today || date > today + Duration::days(MAX_COMPLETION_DAYS) {
            return Err(ApiError::validation(vec![FieldError::new(
                field,
                "out_of_range",
                format!(
                    "«{label}»: дата должна быть не раньше сегодняшней и не позже чем через год."
                ),
            )]));
        }
        Ok(Some(date))
    }
}

/// The date as stored and shown, `YYYY-MM-DD`.
pub fn iso_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .expect("a calendar date formats")
}

/// The statuses of `?status=a,b` (R6.2), in workflow order without
/// repetitions; empty when the list is not filtered.
pub fn parse_status_filter(raw: Option<&str>) -> Result<Vec<OrderStatus>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut wanted = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let status = OrderStatus::parse(part).ok_or_else(|| {
            let allowed: Vec<&str> = OrderStatus::EVERY.map(OrderStatus::as_str).to_vec();
            let mut problem = ApiError::bad_request(
                "invalid_query",
                format!(
                    "Фильтр по статусу: неизвестный статус «{part}». Допустимые значения: {}.",
                    allowed.join(", ")
                ),
            );
            problem.errors.push(FieldError::new(
                "status",
                "unknown_value",
                problem.detail.clone(),
            ));
            problem
        })?;
        wanted.push(status);
    }
    if wanted.is_empty() {
        // `?status=,,,` names no status: answering every order would look
        // like a filter that was applied.
        let detail = "Фильтр по статусу пуст: укажите один или несколько статусов через запятую.";
        let mut problem = ApiError::bad_request("invalid_query", detail);
        problem
            .errors
            .push(FieldError::new("status", "empty_value", detail));
        return Err(problem);
    }
    Ok(OrderStatus::EVERY
        .into_iter()
        .filter(|status| wanted.contains(status))
        .collect())
}

/// The page size of `?limit=`: [`DEFAULT_PAGE_SIZE`] when absent, at most
/// [`MAX_PAGE_SIZE`].
pub fn parse_page_size(raw: Option<&str>) -> Result<i32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.trim().parse::<i32>() {
        Ok(size @ 1..=MAX_PAGE_SIZE) => Ok(size),
        _ => {
            let mut problem = ApiError::bad_request(
                "invalid_query",
                format!("Размер страницы (limit) — целое число от 1 до {MAX_PAGE_SIZE}."),
            );
            problem.errors.push(FieldError::new(
                "limit",
                "out_of_range",
                problem.detail.clone(),
            ));
            Err(problem)
        }
    }
}

/// The 422 of an order whose service or provider the catalog does not
/// have, or whose provider does not offer the service (R5.3).
pub fn not_offered(field: &'static str, detail: impl Into<String>) -> ApiError {
    let detail = detail.into();
    let mut problem = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "service_not_offered",
        detail.clone(),
    );
    problem
        .errors
        .push(FieldError::new(field, "not_offered", detail));
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::profile::Notifications;
    use time::macros::date;

    fn fields(error: &ApiError) -> Vec<(&str, &str)> {
        error
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect()
    }

    fn form() -> OrderForm {
        OrderForm {
            service_id: Some("ata-carnet".into()),
            provider_id: Some("chamber-moscow".into()),
            subject: Some("  Карнет АТА для выставки ".into()),
            text: Some("Прошу оформить карнет АТА на образцы для выставки.".into()),
            contact: None,
            documents: None,
        }
    }

    #[test]
    fn documents_are_distinct_upload_ids_and_part_of_the_fingerprint() {
        let id = |n: u128| UploadId::new(n).as_str().to_string();
        let with = |documents: Vec<String>| OrderForm {
            documents: Some(documents),
            ..form()
        };
        let draft = with(vec![id(1), id(2)]).parse().unwrap();
        assert_eq!(draft.documents, [UploadId::new(1), UploadId::new(2)]);
        let plain = form().parse().unwrap().canonical();
        assert_eq!(with(Vec::new()).parse().unwrap().canonical(), plain);
        assert_ne!(draft.canonical(), plain);
        assert_ne!(with(vec![id(2), id(1)]).parse().unwrap().canonical(), plain);

        let error = with(vec![id(1), "../x".into(), id(1)]).parse().unwrap_err();
        assert_eq!(
            fields(&error),
            [
                ("documents[1]", "invalid_upload_id"),
                ("documents[2]", "duplicate")
            ]
        );
        let many = (0..=MAX_DOCUMENTS_PER_SUBMISSION as u128).map(id).collect();
        assert_eq!(
            fields(&with(many).parse().unwrap_err()),
            [("documents", "too_many")]
        );
    }

    fn profile() -> Profile {
        Profile {
            user_id: "sub-1".into(),
            first_name: "Иван".into(),
            last_name: "Петров".into(),
            patronymic: Some("Сергеевич".into()),
            email: "ivan@example.ru".into(),
            pending_email: None,
            phone: "+79001234567".into(),
            notifications: Notifications::default(),
        }
    }

    #[test]
    fn a_complete_form_is_trimmed() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.subject.as_str(), "Карнет АТА для выставки");
        assert_eq!(draft.service_id, "ata-carnet");
        assert!(!draft.contact.sent);
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let error = OrderForm {
            service_id: None,
            provider_id: Some("Chamber Moscow".into()),
            subject: Some(" ".into()),
            text: Some("коротко".into()),
            contact: Some(ContactForm {
                phone: Some("123".into()),
                email: Some("nope".into()),
                first_name: Some("Иван2".into()),
                ..ContactForm::default()
            }),
            documents: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&error),
            [
                ("service_id", "required"),
                ("provider_id", "invalid_id"),
                ("subject", "required"),
                ("text", "too_short"),
                ("contact.first_name", "invalid_characters"),
                ("contact.email", "invalid_email"),
                ("contact.phone", "invalid_phone"),
            ]
        );
    }

    #[test]
    fn without_contact_everything_comes_from_the_profile() {
        let contact = form()
            .parse()
            .unwrap()
            .contact
            .complete(Some(&profile()))
            .unwrap();
        assert_eq!(contact.first_name, "Иван");
        assert_eq!(contact.patronymic.as_deref(), Some("Сергеевич"));
        assert_eq!(contact.email, "ivan@example.ru");
        assert_eq!(contact.phone, "+79001234567");
        assert_eq!(contact.organization, None);
    }

    #[test]
    fn sent_fields_replace_the_profile_and_blank_optional_ones_mean_none() {
        let mut input = form();
        input.contact = Some(ContactForm {
            phone: Some("8 (912) 345-67-89".into()),
            patronymic: Some(" ".into()),
            organization: Some(" ООО «Ромашка» ".into()),
            ..ContactForm::default()
        });
        let draft = input.parse().unwrap();
        assert!(!draft.contact.is_complete());
        let contact = draft.contact.complete(Some(&profile())).unwrap();
        assert_eq!(contact.first_name, "Иван");
        assert_eq!(contact.phone, "+79123456789");
        assert_eq!(contact.patronymic, None);
        assert_eq!(contact.organization.as_deref(), Some("ООО «Ромашка»"));
    }

    #[test]
    fn no_profile_and_no_contact_names_the_contact() {
        let error = form().parse().unwrap().contact.complete(None).unwrap_err();
        assert_eq!(fields(&error), [("contact", "required")]);
        assert!(error.errors[0].detail.contains(labels::CONTACT));
    }

    #[test]
    fn no_profile_and_a_partial_contact_names_each_missing_field() {
        let mut input = form();
        input.contact = Some(ContactForm {
            first_name: Some("Анна".into()),
            ..ContactForm::default()
        });
        let error = input.parse().unwrap().contact.complete(None).unwrap_err();
        assert_eq!(
            fields(&error),
            [
                ("contact.last_name", "required"),
                ("contact.email", "required"),
                ("contact.phone", "required"),
            ]
        );
    }

    #[test]
    fn a_complete_contact_needs_no_profile() {
        let mut input = form();
        input.contact = Some(ContactForm {
            first_name: Some("Анна".into()),
            last_name: Some("Смирнова".into()),
            patronymic: Some(String::new()),
            email: Some("Anna@Example.ru".into()),
            phone: Some("+7 900 000-00-01".into()),
            organization: None,
        });
        let draft = input.parse().unwrap();
        assert!(draft.contact.is_complete());
        let contact = draft.contact.complete(None).unwrap();
        assert_eq!(contact.email, "anna@example.ru");
        assert_eq!(contact.patronymic, None);
    }

    #[test]
    fn a_profile_value_that_does_not_pass_is_named_with_a_hint() {
        let mut broken = profile();
        broken.phone = "+1 555 0100".into();
        let error = form()
            .parse()
            .unwrap()
            .contact
            .complete(Some(&broken))
            .unwrap_err();
        assert_eq!(error.errors.len(), 1);
        assert_eq!(error.errors[0].field, "contact.phone");
        assert!(error.errors[0].detail.contains("в профиле"));
    }

    #[test]
    fn the_canonical_request_ignores_spacing_and_case() {
        let one = form().parse().unwrap().canonical();
        let mut spaced = form();
        spaced.subject = Some("Карнет АТА для выставки".into());
        spaced.service_id = Some(" ata-carnet ".into());
        assert_eq!(spaced.parse().unwrap().canonical(), one);

        let mut other = form();
        other.text = Some("Прошу оформить карнет АТА на образцы для ярмарки.".into());
        assert_ne!(other.parse().unwrap().canonical(), one);

        let mut with_contact = form();
        with_contact.contact = Some(ContactForm {
            email: Some("IVAN@example.ru".into()),
            ..ContactForm::default()
        });
        let canonical = with_contact.parse().unwrap().canonical();
        assert_ne!(canonical, one);
        assert!(canonical.contains(r#""contact":{"email":"ivan@example.ru"}"#));
    }

    #[test]
    fn idempotency_keys_are_short_and_plain() {
        assert_eq!(
            IdempotencyKey::parse(Some(" a1-B2_c3 ")).unwrap().as_str(),
            "a1-B2_c3"
        );
        assert_eq!(
            IdempotencyKey::parse(None).unwrap_err().code,
            "idempotency_key_required"
        );
        assert_eq!(
            IdempotencyKey::parse(Some("  ")).unwrap_err().code,
            "idempotency_key_required"
        );
        for bad in ["ключ", "a b", "a/b", &"k".repeat(129)] {
            let error = IdempotencyKey::parse(Some(bad)).unwrap_err();
            assert_eq!(error.code, "invalid_idempotency_key", "{bad}");
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
        }
        assert!(IdempotencyKey::parse(Some(&"k".repeat(128))).is_ok());
    }

    fn message(subject: &str, text: &str) -> Result<MessageDraft, ApiError> {
        MessageForm {
            subject: Some(subject.into()),
            text: Some(text.into()),
        }
        .parse()
    }

    #[test]
    fn a_message_counts_characters_after_trimming() {
        // Ten Cyrillic letters are twenty bytes but ten characters.
        let subject = "абвгдеёжзи";
        let text = "я".repeat(30);
        assert!(message(&format!("  {subject}  "), &format!("\n{text}\n")).is_ok());
        let error = message(&subject[..subject.len() - 2], &text[2..]).unwrap_err();
        assert_eq!(
            fields(&error),
            [("subject", "too_short"), ("text", "too_short")]
        );
        assert!(error.errors[0].detail.contains("не менее 10"));
        assert!(error.errors[1].detail.contains("не менее 30"));
        let error = message("          ", &text).unwrap_err();
        assert_eq!(fields(&error), [("subject", "required")]);
        let error = MessageForm::default().parse().unwrap_err();
        assert_eq!(
            fields(&error),
            [("subject", "required"), ("text", "required")]
        );
    }

    #[test]
    fn subjects_are_one_line_and_texts_may_span_several() {
        let error = OrderForm {
            subject: Some("Тема\r\nBcc: x@y".into()),
            text: Some("Первая строка текста.\r\nВторая строка\tс табуляцией.".into()),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(&error), [("subject", "invalid_characters")]);
        let error = message("Тема сообщения\nBcc: x@y", &"я\n".repeat(30)).unwrap_err();
        assert_eq!(fields(&error), [("subject", "invalid_characters")]);
        let comment = rating(Some(5), Some("Спасибо.\nВсё сделали в срок."));
        assert!(comment.is_ok());
        let reason = CancelForm {
            reason: Some("Передумал.\nОформлю позже.".into()),
        };
        assert!(reason.parse().is_ok());
    }

    fn rating(score: Option<i64>, comment: Option<&str>) -> Result<RatingDraft, ApiError> {
        RatingForm {
            score,
            comment: comment.map(str::to_string),
        }
        .parse()
    }

    #[test]
    fn a_rating_is_one_to_five_with_an_optional_comment_of_ten_characters() {
        for score in 1..=5 {
            assert_eq!(rating(Some(score), None).unwrap().score, score as u8);
        }
        for score in [0, 6, -1, 100] {
            assert_eq!(
                fields(&rating(Some(score), None).unwrap_err()),
                [("score", "out_of_range")]
            );
        }
        assert_eq!(
            fields(&rating(None, None).unwrap_err()),
            [("score", "required")]
        );
        assert_eq!(rating(Some(4), Some("   ")).unwrap().comment, None);
        assert_eq!(
            fields(&rating(Some(4), Some("  коротко  ")).unwrap_err()),
            [("comment", "too_short")]
        );
        let draft = rating(Some(4), Some(" Всё отлично ")).unwrap();
        assert_eq!(draft.comment.unwrap().as_str(), "Всё отлично");
    }

    #[test]
    fn reasons_of_cancel_and_reject() {
        assert_eq!(CancelForm::default().parse().unwrap(), None);
        assert_eq!(
            CancelForm {
                reason: Some(" передумал ".into())
            }
            .parse()
            .unwrap()
            .unwrap()
            .as_str(),
            "передумал"
        );
        let error = RejectForm::default().parse().unwrap_err();
        assert_eq!(fields(&error), [("reason", "required")]);
        assert!(error.errors[0].detail.contains(labels::REJECTION_REASON));
        assert!(
            RejectForm {
                reason: Some("Услуга не оказывается для физических лиц".into())
            }
            .parse()
            .is_ok()
        );
    }

    #[test]
    fn an_expected_completion_date_is_real_and_ahead() {
        let today = date!(2026 - 12 - 04);
        let take = |raw: Option<&str>| {
            TakeForm {
                expected_completion: raw.map(str::to_string),
            }
            .parse(today)
        };
        assert_eq!(take(None).unwrap(), None);
        assert_eq!(take(Some(" ")).unwrap(), None);
        assert_eq!(take(Some("2026-12-04")).unwrap(), Some(today));
        assert_eq!(
            iso_date(take(Some("2027-01-15")).unwrap().unwrap()),
            "2027-01-15"
        );
        for (raw, code) in [
            ("2026-12-03", "out_of_range"),
            ("2028-01-01", "out_of_range"),
            ("2026-02-30", "invalid_date"),
            ("04.12.2026", "invalid_date"),
        ] {
            assert_eq!(
                fields(&take(Some(raw)).unwrap_err()),
                [("expected_completion", code)],
                "{raw}"
            );
        }
    }

    #[test]
    fn the_status_filter_takes_several_statuses_once_each() {
        assert_eq!(parse_status_filter(None).unwrap(), []);
        assert_eq!(
            parse_status_filter(Some("done, submitted,done")).unwrap(),
            [OrderStatus::Submitted, OrderStatus::Done]
        );
        let error = parse_status_filter(Some("submitted,new")).unwrap_err();
        assert_eq!(error.code, "invalid_query");
        assert!(error.detail.contains("«new»"));
    }

    #[test]
    fn a_status_filter_of_commas_only_is_refused() {
        let error = parse_status_filter(Some(",,,")).unwrap_err();
        assert_eq!(error.code, "invalid_query");
        assert_eq!(error.errors[0].field, "status");
    }

    #[test]
    fn the_page_size_is_bounded() {
        assert_eq!(parse_page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(parse_page_size(Some("50")).unwrap(), 50);
        assert_eq!(parse_page_size(Some("1")).unwrap(), 1);
        for bad in ["0", "51", "-3", "ten", "2.5"] {
            assert_eq!(
                parse_page_size(Some(bad)).unwrap_err().code,
                "invalid_query"
            );
        }
    }
}
