//! Orders («Заявки»): the statuses and the workflow between them (R8.2,
//! R8.3), the order number (R5.2), what an order holds, and who may see
//! what of it (R7.5).
//!
//! The workflow is a pure state machine: [`Transition::apply`] says whether
//! a change is allowed from a status and where it leads. Storage makes the
//! same check again as a condition of its write, so two conflicting changes
//! at the same moment cannot both succeed.

use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime};

use super::file::{AttachedFile, MAX_FILES_PER_ORDER};
use crate::error::ApiError;

/// Status of an order (R8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// «Новая»: submitted, waiting at the provider for an executor.
    Submitted,
    /// «В работе»: an executor took it.
    InProgress,
    /// «Выполнена»: the executor finished it.
    Done,
    /// «Отменена»: the customer cancelled it.
    Cancelled,
    /// «Отклонена»: the provider refused it, with a reason.
    Rejected,
}

impl OrderStatus {
    /// Every status, in the order of the workflow.
    pub const EVERY: [OrderStatus; 5] = [
        Self::Submitted,
        Self::InProgress,
        Self::Done,
        Self::Cancelled,
        Self::Rejected,
    ];

    /// The machine value used in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
        }
    }

    /// The Russian title the customer and the executor read.
    pub fn title(self) -> &'static str {
        match self {
            Self::Submitted => "Новая",
            Self::InProgress => "В работе",
            Self::Done => "Выполнена",
            Self::Cancelled => "Отменена",
            Self::Rejected => "Отклонена",
        }
    }

    /// The status named `raw` (a machine value; ASCII case and surrounding
    /// spaces ignored).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::EVERY
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(raw))
    }

    /// Whether nothing can happen to the order any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Rejected)
    }

    /// Whether the customer and the executor may still write messages: not
    /// once the order was cancelled or rejected. A finished order still
    /// takes questions about its result.
    pub fn accepts_messages(self) -> bool {
        !matches!(self, Self::Cancelled | Self::Rejected)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The customer who submitted it.
    Customer,
    /// Staff of the order's provider.
    Executor,
}

/// A change of status someone may ask for (R8.2, R8.4, R7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// An executor takes a new order into work.
    Take,
    /// The executor finishes an order in work.
    Complete,
    /// An executor refuses an order, with a reason.
    Reject,
    /// The customer cancels an order before it is finished.
    Cancel,
}

impl Transition {
    /// Who may ask for it.
    pub fn role(self) -> Role {
        match self {
            Self::Cancel => Role::Customer,
            Self::Take | Self::Complete | Self::Reject => Role::Executor,
        }
    }

    /// The statuses it may start from.
    pub fn sources(self) -> &'static [OrderStatus] {
        match self {
            Self::Take => &[OrderStatus::Submitted],
            Self::Complete => &[OrderStatus::InProgress],
            Self::Reject | Self::Cancel => &[OrderStatus::Submitted, OrderStatus::InProgress],
        }
    }

    /// The status it leads to.
    pub fn target(self) -> OrderStatus {
        match self {
            Self::Take => OrderStatus::InProgress,
            Self::Complete => OrderStatus::Done,
            Self::Reject => OrderStatus::Rejected,
            Self::Cancel => OrderStatus::Cancelled,
        }
    }

    /// The status after this transition from `current`, or why it is not
    /// allowed.
    pub fn apply(self, current: OrderStatus) -> Result<OrderStatus, TransitionRefused> {
        if self.sources().contains(&current) {
            Ok(self.target())
        } else {
            Err(TransitionRefused {
                transition: self,
                current,
            })
        }
    }

    /// Russian infinitive naming the action, for messages.
    fn verb(self) -> &'static str {
        match self {
            Self::Take => "взять в работу",
            Self::Complete => "завершить",
            Self::Reject => "отклонить",
            Self::Cancel => "отменить",
        }
    }
}

/// A transition that the current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    /// What was asked for.
    pub transition: Transition,
    /// The status the order is in.
    pub current: OrderStatus,
}

impl TransitionRefused {
    /// Russian explanation naming the current status.
    pub fn detail(&self) -> String {
        format!(
            "Заявку нельзя {}: она в статусе «{}». Обновите карточку заявки.",
            self.transition.verb(),
            self.current.title()
        )
    }
}

/// Crockford's base32 alphabet: no I, L, O or U, so a number read aloud or
/// retyped is not mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of random characters of an order number.
const SUFFIX_LENGTH: usize = 6;

/// The number of an order, `YYMMDD-XXXXXX` (R5.2): the date of submission in
/// Moscow and six random characters of Crockford's base32, e.g.
/// `261204-7KQ2MX`. Readable over the phone, unlike a UUID; unique because
/// storage refuses a second order with the same number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber(String);

impl OrderNumber {
    /// The number of an order submitted at `at`, its suffix made of the low
    /// 30 bits of `random`.
    pub fn new(at: OffsetDateTime, random: u32) -> Self {
        let date = moscow_date(at)
            .format(format_description!("[year repr:last_two][month][day]"))
            .expect("a calendar date formats as digits");
        let suffix: String = (0..SUFFIX_LENGTH)
            .map(|i| CROCKFORD[((random >> (5 * i)) & 31) as usize] as char)
            .collect();
        Self(format!("{date}-{suffix}"))
    }

    /// The number written as `raw`, or `None` when it cannot be one. Lower
    /// case is accepted, as people retype numbers.
    pub fn parse(raw: &str) -> Option<Self> {
        let upper = raw.trim().to_ascii_uppercase();
        let (date, suffix) = upper.split_once('-')?;
        let valid = date.len() == 6
            && date.bytes().all(|b| b.is_ascii_digit())
            && suffix.len() == SUFFIX_LENGTH
            && suffix.bytes().all(|b| CROCKFORD.contains(&b));
        valid.then_some(Self(upper))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of the order's card in the cabinet's API (R5.2).
    pub fn link(&self) -> String {
        format!("/orders/{}", self.0)
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderNumber({})", self.0)
    }
}

impl TryFrom<String> for OrderNumber {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not an order number"))
    }
}

impl From<OrderNumber> for String {
    fn from(number: OrderNumber) -> Self {
        number.0
    }
}

/// The calendar date in Moscow (UTC+3 all year since 2014) at `at`.
pub fn moscow_date(at: OffsetDateTime) -> Date {
    at.to_offset(offset!(+3)).date()
}

/// `at` as stored and shown: RFC 3339 in UTC with milliseconds,
/// `2026-12-04T16:23:00.123Z`. Strings of this form sort as their times do.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(offset!(UTC))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC time of this era formats as RFC 3339")
}

/// The service an order is for, as the catalog named it at submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRef {
    /// Catalog id of the service.
    pub id: String,
    /// Russian title.
    pub title: String,
}

/// The provider an order went to, as the catalog named it at submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderRef {
    /// Catalog id of the provider; executors are bound to it.
    pub id: String,
    /// Russian name.
    pub name: String,
    /// Kind of organisation (`chamber`, `department`, …).
    pub kind: String,
    /// City of the office.
    pub city: String,
}

/// The customer's contact details on an order: from the profile unless the
/// customer changed them in the form.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// «Имя».
    pub first_name: String,
    /// «Фамилия».
    pub last_name: String,
    /// «Отчество», when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// «Электронная почта».
    pub email: String,
    /// «Мобильный телефон», `+7XXXXXXXXXX`.
    pub phone: String,
    /// «Организация», when the customer orders for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl Contact {
    /// «Фамилия Имя Отчество», the order executors' names take on the card;
    /// an empty patronymic is left out.
    pub fn full_name(&self) -> String {
        [
            Some(self.last_name.as_str()),
            Some(self.first_name.as_str()),
            self.patronymic.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// Masks personal data so that a contact never reaches a log.
impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Contact(***)")
    }
}

/// What the customer filled in (R5.1).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderContent {
    /// «Тема заявки».
    pub subject: String,
    /// «Текст заявки».
    pub text: String,
    /// The customer's contact details.
    pub contact: Contact,
}

/// Masks the customer's words so that they never reach a log.
impl fmt::Debug for OrderContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OrderContent(***)")
    }
}

/// Who did something to an order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// In which role.
    pub role: Role,
    /// Their id in the user pool (`sub`).
    pub id: String,
    /// Their name, for executors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Actor {
    /// The customer `id`.
    pub fn customer(id: &str) -> Self {
        Self {
            role: Role::Customer,
            id: id.to_string(),
            name: None,
        }
    }
}

/// Masks the name so that it never reaches a log.
impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("role", &self.role)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// One change of status in an order's history. The first one has no `from`:
/// it is the submission.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// When (see [`timestamp`]).
    pub at: String,
    /// Who changed it.
    pub actor: Actor,
    /// The status before, `None` for the submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    /// The status after.
    pub to: OrderStatus,
    /// Why, for a cancellation or a rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl fmt::Debug for StatusChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusChange")
            .field("at", &self.at)
            .field("actor", &self.actor)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The executor who took an order: shown to the customer from «В работе»
/// on (R7.5).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executor {
    /// Their id in the user pool (`sub`).
    pub id: String,
    /// Their full name.
    pub name: String,
    /// Their contact e-mail.
    pub email: String,
}

/// Masks personal data so that an executor never reaches a log.
impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The customer's rating of a finished order (R7.6).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    /// The customer's comment, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When it was given.
    pub rated_at: String,
}

impl fmt::Debug for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rating")
            .field("score", &self.score)
            .finish_non_exhaustive()
    }
}

/// An order as stored: what was submitted and everything that happened to
/// its status. Messages are kept apart, as [`Message`]s.
///
/// The history of status changes lives inside the order (at most four
/// entries: the workflow has no cycles), so that a status and its history
/// change in one conditional write and can never disagree.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order's number.
    pub number: OrderNumber,
    /// The customer's id (`sub`).
    pub customer_id: String,
    /// The `Idempotency-Key` it was submitted with (R5.4).
    pub idempotency_key: String,
    /// The service ordered.
    pub service: ServiceRef,
    /// The provider chosen.
    pub provider: ProviderRef,
    /// What the customer filled in.
    pub form: OrderContent,
    /// The current status.
    pub status: OrderStatus,
    /// Every change of status, oldest first, the submission included.
    pub status_history: Vec<StatusChange>,
    /// When it was submitted (see [`timestamp`]).
    pub created_at: String,
    /// When its status or rating last changed.
    pub updated_at: String,
    /// 1 at submission, +1 on each change of status.
    pub version: u64,
    /// Who took it into work, once someone did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<Executor>,
    /// When the provider expects to finish it, `YYYY-MM-DD`, if it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_completion: Option<String>,
    /// The customer's reason for cancelling, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// The provider's reason for rejecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The customer's rating, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// Files attached, oldest first: the documents of the submission and
    /// extra ones (R5.1, R7.3); at most [`MAX_FILES_PER_ORDER`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<AttachedFile>,
}

/// Shows the keys of an order but none of the customer's data.
impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Order")
            .field("number", &self.number)
            .field("status", &self.status)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Order {
    /// Whether the customer `user_id` submitted it (R7.7).
    pub fn belongs_to(&self, user_id: &str) -> bool {
        self.customer_id == user_id
    }

    /// Whether it went to provider `provider_id` (R8.4).
    pub fn is_for_provider(&self, provider_id: &str) -> bool {
        self.provider.id == provider_id
    }

    /// Whether the customer may see who the executor is (R7.5): only once an
    /// executor took the order into work, from «В работе» on.
    pub fn reveals_executor(&self) -> bool {
        self.executor.is_some() && self.status != OrderStatus::Submitted
    }

    /// Whether the customer may attach another file: while it takes
    /// messages and holds fewer than [`MAX_FILES_PER_ORDER`] files.
    pub fn accepts_files(&self) -> bool {
        self.status.accepts_messages() && self.files.len() < MAX_FILES_PER_ORDER
    }

    /// The file `id` of the order, if it has one.
    pub fn file(&self, id: &str) -> Option<&AttachedFile> {
        self.files.iter().find(|file| file.id.as_str() == id)
    }

    /// What the customer can do with it now.
    pub fn customer_actions(&self) -> Vec<&'static str> {
        let mut actions = Vec::new();
        if Transition::Cancel.apply(self.status).is_ok() {
            actions.push("cancel");
        }
        if self.status.accepts_messages() {
            actions.push("message");
        }
        if self.accepts_files() {
            actions.push("attach_file");
        }
        if self.status == OrderStatus::Done && self.rating.is_none() {
            actions.push("rate");
        }
        actions
    }

    /// What an executor of its provider can do with it now.
    pub fn executor_actions(&self) -> Vec<&'static str> {
        let mut actions = Vec::new();
        for (transition, name) in [
            (Transition::Take, "take"),
            (Transition::Complete, "complete"),
            (Transition::Reject, "reject"),
        ] {
            if transition.apply(self.status).is_ok() {
                actions.push(name);
            }
        }
        if self.status.accepts_messages() {
            actions.push("message");
        }
        actions
    }
}

/// A message between the customer and the executors (R7.4, R8.4), kept as
/// an item of its own next to the order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// When it was written (see [`timestamp`]).
    pub at: String,
    /// Who wrote it.
    pub author: Actor,
    /// «Тема».
    pub subject: String,
    /// «Текст сообщения».
    pub text: String,
}

/// Masks the text so that a message never reaches a log.
impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("at", &self.at)
            .field("author", &self.author)
            .finish_non_exhaustive()
    }
}

/// An order with its messages: everything its card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The order, its status history inside.
    pub order: Order,
    /// Its newest messages, oldest first.
    pub messages: Vec<Message>,
    /// Whether older messages exist that the card leaves out.
    pub history_truncated: bool,
}

/// One order of a list: what the list shows of it.
#[derive(Clone, PartialEq, Eq)]
pub struct OrderSummary {
    /// The number.
    pub number: OrderNumber,
    /// The service.
    pub service: ServiceRef,
    /// Catalog id of the provider.
    pub provider_id: String,
    /// Russian name of the provider.
    pub provider_name: String,
    /// The current status.
    pub status: OrderStatus,
    /// «Тема заявки».
    pub subject: String,
    /// When it was submitted.
    pub created_at: String,
    /// When its status last changed.
    pub updated_at: String,
    /// When the provider expects to finish it, if it said.
    pub expected_completion: Option<String>,
}

impl fmt::Debug for OrderSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderSummary")
            .field("number", &self.number)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------- problems

/// 404 of an order that does not exist or is not the caller's: the same
/// answer, so nobody learns of others' orders.
pub fn order_not_found() -> ApiError {
    ApiError::not_found("Заявка не найдена. Проверьте номер заявки.")
}

/// 409 of a transition the current status does not allow.
pub fn status_conflict(refused: TransitionRefused) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "status_conflict", refused.detail())
}

/// 409 for a change that lost to a concurrent one: the current status
/// either forbids it now, or the caller should look again before repeating.
pub fn changed_meanwhile(transition: Transition, current: OrderStatus) -> ApiError {
    match transition.apply(current) {
        Err(refused) => status_conflict(refused),
        Ok(_) => ApiError::new(
            StatusCode::CONFLICT,
            "status_conflict",
            format!(
                "Статус заявки только что изменился: теперь она «{}». Обновите карточку заявки и повторите действие, если оно ещё нужно.",
                current.title()
            ),
        ),
    }
}

/// 409 of a message to an order that no longer takes messages.
pub fn order_closed(status: OrderStatus) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "order_closed",
        format!(
            "Заявка в статусе «{}»: сообщения по ней больше не принимаются.",
            status.title()
        ),
    )
}

#[cfg(test)]
pub(crate) mod samples {
    //! The order the unit tests of the crate start from.

    use super::*;

    /// Customer `sub-1`'s order of an ATA carnet from the Moscow chamber,
    /// submitted at 10:00 on 4 December 2026, now in `status`, with no
    /// executor, messages, files or rating; tests adjust it with struct
    /// update syntax.
    pub(crate) fn sample_order(status: OrderStatus) -> Order {
        Order {
            number: OrderNumber::parse("261204-7KQ2MX").expect("the sample number is well formed"),
            customer_id: "sub-1".into(),
            idempotency_key: "key-1".into(),
            service: ServiceRef {
                id: "ata-carnet".into(),
                title: "Карнет АТА".into(),
            },
            provider: ProviderRef {
                id: "chamber-moscow".into(),
                name: "Московская ТПП".into(),
                kind: "chamber".into(),
                city: "Москва".into(),
            },
            form: OrderContent {
                subject: "Карнет".into(),
                text: "Прошу оформить карнет.".into(),
                contact: Contact {
                    first_name: "Иван".into(),
                    last_name: "Петров".into(),
                    patronymic: None,
                    email: "ivan@example.ru".into(),
                    phone: "+79001234567".into(),
                    organization: None,
                },
            },
            status,
            status_history: vec![StatusChange {
                at: "2026-12-04T10:00:00.000Z".into(),
                actor: Actor::customer("sub-1"),
                from: None,
                to: OrderStatus::Submitted,
                reason: None,
            }],
            created_at: "2026-12-04T10:00:00.000Z".into(),
            updated_at: "2026-12-04T10:00:00.000Z".into(),
            version: 1,
            executor: None,
            expected_completion: None,
            cancel_reason: None,
            rejection_reason: None,
            rating: None,
            files: Vec::new(),
        }
    }

    /// The executor of the provider who takes [`sample_order`] into work.
    pub(crate) fn sample_executor() -> Executor {
        Executor {
            id: "executor-1".into(),
            name: "Сидоров Пётр".into(),
            email: "sidorov@tpp.example.ru".into(),
        }
    }

    /// [`sample_executor`] as the author of a history entry.
    pub(crate) fn sample_executor_actor() -> Actor {
        let executor = sample_executor();
        Actor {
            role: Role::Executor,
            id: executor.id,
            name: Some(executor.name),
        }
    }

    /// The executor's question on [`sample_order`] at 11:00.
    pub(crate) fn sample_message() -> Message {
        Message {
            at: "2026-12-04T11:00:00.000Z".into(),
            author: sample_executor_actor(),
            subject: "Уточнение по заявке".into(),
            text: "Пришлите, пожалуйста, список образцов для карнета.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{sample_executor, sample_order};
    use super::*;
    use time::macros::datetime;

    use OrderStatus::*;
    use Transition::*;

    #[test]
    fn the_contact_s_full_name_puts_the_family_name_first() {
        let mut contact = sample_order(Submitted).form.contact;
        contact.patronymic = Some("Сергеевич".into());
        assert_eq!(contact.full_name(), "Петров Иван Сергеевич");
        contact.patronymic = Some(String::new());
        assert_eq!(contact.full_name(), "Петров Иван");
        contact.patronymic = None;
        assert_eq!(contact.full_name(), "Петров Иван");
    }

    #[test]
    fn every_allowed_transition_and_no_other() {
        let allowed = [
            (Take, Submitted, InProgress),
            (Complete, InProgress, Done),
            (Reject, Submitted, Rejected),
            (Reject, InProgress, Rejected),
            (Cancel, Submitted, Cancelled),
            (Cancel, InProgress, Cancelled),
        ];
        for transition in [Take, Complete, Reject, Cancel] {
            for from in OrderStatus::EVERY {
                let expected = allowed
                    .iter()
                    .find(|(t, f, _)| *t == transition && *f == from)
                    .map(|(_, _, to)| *to);
                match (transition.apply(from), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected),
                    (Err(refused), None) => {
                        assert_eq!(refused.current, from);
                        assert_eq!(refused.transition, transition);
                    }
                    (got, expected) => {
                        panic!("{transition:?} from {from:?}: {got:?}, expected {expected:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn final_statuses_allow_nothing() {
        for status in OrderStatus::EVERY.into_iter().filter(|s| s.is_final()) {
            for transition in [Take, Complete, Reject, Cancel] {
                assert!(
                    transition.apply(status).is_err(),
                    "{transition:?} {status:?}"
                );
            }
        }
        assert!(!Submitted.is_final());
        assert!(!InProgress.is_final());
    }

    #[test]
    fn only_the_customer_cancels() {
        assert_eq!(Cancel.role(), Role::Customer);
        for transition in [Take, Complete, Reject] {
            assert_eq!(transition.role(), Role::Executor);
        }
    }

    #[test]
    fn a_refusal_names_the_current_status_in_russian() {
        let refused = Cancel.apply(Done).unwrap_err();
        assert_eq!(
            refused.detail(),
            "Заявку нельзя отменить: она в статусе «Выполнена». Обновите карточку заявки."
        );
        assert!(
            Take.apply(Cancelled)
                .unwrap_err()
                .detail()
                .contains("«Отменена»")
        );
    }

    #[test]
    fn statuses_parse_from_their_machine_values_and_have_titles() {
        for status in OrderStatus::EVERY {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
            assert!(!status.title().is_empty());
        }
        assert_eq!(OrderStatus::parse(" In_Progress "), Some(InProgress));
        assert_eq!(OrderStatus::parse("new"), None);
        assert_eq!(InProgress.title(), "В работе");
        assert_eq!(Done.title(), "Выполнена");
    }

    #[test]
    fn messages_stop_when_cancelled_or_rejected() {
        assert!(Submitted.accepts_messages());
        assert!(InProgress.accepts_messages());
        assert!(Done.accepts_messages());
        assert!(!Cancelled.accepts_messages());
        assert!(!Rejected.accepts_messages());
    }

    #[test]
    fn the_number_carries_the_moscow_date_and_crockford_characters() {
        // 22:30 UTC on 3 December is already 4 December in Moscow.
        let number = OrderNumber::new(datetime!(2026-12-03 22:30 UTC), 0);
        assert_eq!(number.as_str(), "261204-000000");
        let number = OrderNumber::new(datetime!(2026-12-04 10:00 UTC), u32::MAX);
        assert_eq!(number.as_str(), "261204-ZZZZZZ");
        let number = OrderNumber::new(datetime!(2026-12-04 10:00 UTC), 0b11111_01010_00001);
        assert_eq!(number.as_str(), "261204-1AZ000");
        assert_eq!(number.link(), "/orders/261204-1AZ000");
    }

    #[test]
    fn numbers_parse_back_and_refuse_anything_else() {
        let number = OrderNumber::new(datetime!(2026-12-04 10:00 UTC), 123_456_789);
        assert_eq!(OrderNumber::parse(number.as_str()), Some(number.clone()));
        assert_eq!(
            OrderNumber::parse(&number.as_str().to_lowercase()),
            Some(number)
        );
        for raw in [
            "",
            "261204",
            "261204-7KQ2M",
            "261204-7KQ2MXX",
            "26120A-7KQ2MX",
            "261204-7KQ2MU",
            "261204_7KQ2MX",
            "../etc",
            "261204-7KQ2MX-1",
        ] {
            assert_eq!(OrderNumber::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn numbers_are_stored_as_strings_and_checked_when_read() {
        let number = OrderNumber::parse("261204-7KQ2MX").unwrap();
        assert_eq!(
            serde_json::to_value(&number).unwrap(),
            serde_json::json!("261204-7KQ2MX")
        );
        assert!(serde_json::from_value::<OrderNumber>(serde_json::json!("bogus")).is_err());
    }

    #[test]
    fn timestamps_have_milliseconds_in_utc_and_sort_as_times() {
        let earlier = timestamp(datetime!(2026-12-04 19:05:01.5 +3));
        let later = timestamp(datetime!(2026-12-04 16:05:01.502 UTC));
        assert_eq!(earlier, "2026-12-04T16:05:01.500Z");
        assert_eq!(later, "2026-12-04T16:05:01.502Z");
        assert!(earlier < later);
    }

    #[test]
    fn the_executor_is_revealed_only_once_taken_into_work() {
        let mut new = sample_order(Submitted);
        assert!(!new.reveals_executor());
        // An executor on a new order (never the case when storage follows
        // the workflow) is still hidden.
        new.executor = Some(sample_executor());
        assert!(!new.reveals_executor());
        for status in [InProgress, Done, Cancelled, Rejected] {
            let mut taken = sample_order(status);
            taken.executor = Some(sample_executor());
            assert!(taken.reveals_executor(), "{status:?}");
        }
        assert!(!sample_order(Rejected).reveals_executor());
    }

    #[test]
    fn actions_follow_the_status() {
        assert_eq!(
            sample_order(Submitted).customer_actions(),
            ["cancel", "message", "attach_file"]
        );
        assert_eq!(
            sample_order(InProgress).customer_actions(),
            ["cancel", "message", "attach_file"]
        );
        assert_eq!(
            sample_order(Done).customer_actions(),
            ["message", "attach_file", "rate"]
        );
        let mut rated = sample_order(Done);
        rated.rating = Some(Rating {
            score: 5,
            comment: None,
            rated_at: "2026-12-05T10:00:00.000Z".into(),
        });
        assert_eq!(rated.customer_actions(), ["message", "attach_file"]);
        assert!(sample_order(Cancelled).customer_actions().is_empty());
        let mut full = sample_order(InProgress);
        full.files = (0..MAX_FILES_PER_ORDER as u128)
            .map(|n| AttachedFile {
                id: crate::domain::file::UploadId::new(n),
                name: crate::domain::file::FileName::parse("скан.pdf").unwrap(),
                content_type: "application/pdf".into(),
                size: 1,
                uploaded_at: "2026-12-05T10:00:00.000Z".into(),
                author: Actor::customer("sub-1"),
            })
            .collect();
        assert_eq!(full.customer_actions(), ["cancel", "message"]);
        assert!(full.file(full.files[3].id.as_str()).is_some());
        assert!(full.file("0").is_none());

        assert_eq!(
            sample_order(Submitted).executor_actions(),
            ["take", "reject", "message"]
        );
        assert_eq!(
            sample_order(InProgress).executor_actions(),
            ["complete", "reject", "message"]
        );
        assert_eq!(sample_order(Done).executor_actions(), ["message"]);
        assert!(sample_order(Rejected).executor_actions().is_empty());
    }

    #[test]
    fn ownership_is_by_customer_and_by_provider() {
        let order = sample_order(Submitted);
        assert!(order.belongs_to("sub-1"));
        assert!(!order.belongs_to("sub-2"));
        assert!(order.is_for_provider("chamber-moscow"));
        assert!(!order.is_for_provider("chamber-spb"));
    }

    #[test]
    fn a_lost_race_names_the_status_that_won() {
        let error = changed_meanwhile(Transition::Cancel, OrderStatus::Done);
        assert_eq!(error.status, StatusCode::CONFLICT);
        assert_eq!(error.code, "status_conflict");
        assert!(error.detail.contains("«Выполнена»"));
        // Cancelling is still possible from «В работе», but the customer
        // asked to cancel a new order: they decide again.
        let error = changed_meanwhile(Transition::Cancel, OrderStatus::InProgress);
        assert_eq!(error.code, "status_conflict");
        assert!(error.detail.contains("«В работе»"));
    }

    #[test]
    fn debug_hides_personal_data() {
        let mut order = sample_order(InProgress);
        order.executor = Some(sample_executor());
        let text = format!("{order:?} {:?}", order.form);
        for secret in ["Иван", "Петров", "ivan@", "+7900", "карнет", "Сидоров"]
        {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
        assert!(text.contains("261204-7KQ2MX"));
    }
}
