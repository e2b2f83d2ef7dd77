//! What the API shows of orders, to a customer and to an executor: the
//! card (R7.1), the list (R6.1), a new order (R5.2), a message and a
//! rating. Every status is shown both as its machine value and its Russian
//! title.
//!
//! The rule of R7.5 lives here: a customer sees the executor's name and
//! e-mail only once the order is «В работе» or later, and before that an
//! executor appears in the history by role alone.

use std::borrow::Cow;

use serde::Serialize;

use super::file::AttachedFile;
use super::order::{
    Actor, Card, Contact, Message, Order, OrderNumber, OrderStatus, OrderSummary, ProviderRef,
    Rating, Role, ServiceRef, StatusChange,
};

/// Who looks at an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The customer who submitted it, in the cabinet.
    Customer,
    /// An executor of its provider, in the back office.
    Executor,
}

impl Viewer {
    /// The address of the card of order `number` for this viewer.
    pub fn link(self, number: &OrderNumber) -> String {
        match self {
            Self::Customer => number.link(),
            Self::Executor => format!("/executor{}", number.link()),
        }
    }
}

/// A status with its Russian title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusView {
    /// Machine value (`in_progress`).
    pub code: OrderStatus,
    /// Russian title («В работе»).
    pub title: &'static str,
}

impl From<OrderStatus> for StatusView {
    fn from(status: OrderStatus) -> Self {
        Self {
            code: status,
            title: status.title(),
        }
    }
}

/// The answer to a submission (R5.2).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedView<'a> {
    /// The order's number.
    pub number: &'a OrderNumber,
    /// The address of its card.
    pub link: String,
    /// Its status: «Новая».
    pub status: StatusView,
    /// When it was submitted.
    pub created_at: &'a str,
}

impl<'a> CreatedView<'a> {
    /// The answer showing the new `order`.
    pub fn of(order: &'a Order) -> Self {
        Self {
            number: &order.number,
            link: order.number.link(),
            status: order.status.into(),
            created_at: &order.created_at,
        }
    }
}

/// One order of a list.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryView<'a> {
    /// The number.
    pub number: &'a OrderNumber,
    /// The address of its card.
    pub link: String,
    /// The current status.
    pub status: StatusView,
    /// The service.
    pub service: &'a ServiceRef,
    /// The provider.
    pub provider: ProviderNameView<'a>,
    /// «Тема заявки».
    pub subject: &'a str,
    /// When it was submitted.
    pub created_at: &'a str,
    /// When its status last changed.
    pub updated_at: &'a str,
    /// When the provider expects to finish it; `null` if it did not say.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub expected_completion: Option<&'a str>,
}

/// A provider in a list: id and name.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderNameView<'a> {
    /// Catalog id.
    pub id: &'a str,
    /// Russian name.
    pub name: &'a str,
}

impl<'a> SummaryView<'a> {
    /// `summary` as `viewer` sees it in a list.
    pub fn of(summary: &'a OrderSummary, viewer: Viewer) -> Self {
        Self {
            number: &summary.number,
            link: viewer.link(&summary.number),
            status: summary.status.into(),
            service: &summary.service,
            provider: ProviderNameView {
                id: &summary.provider_id,
                name: &summary.provider_name,
            },
            subject: &summary.subject,
            created_at: &summary.created_at,
            updated_at: &summary.updated_at,
            expected_completion: summary.expected_completion.as_deref(),
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListView<'a> {
    /// The orders of the page, newest first. It may hold fewer than the
    /// page size, even none, while `next_cursor` is not `null`.
    pub items: Vec<SummaryView<'a>>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The card of an order (R7.1).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardView<'a> {
    /// The number.
    pub number: &'a OrderNumber,
    /// The address of the card.
    pub link: String,
    /// The current status.
    pub status: StatusView,
    /// The service.
    pub service: &'a ServiceRef,
    /// The provider.
    pub provider: &'a ProviderRef,
    /// What the customer filled in.
    pub form: FormView<'a>,
    /// Attached files, oldest first (R7.1): the documents of the
    /// submission and those attached later.
    pub files: Vec<FileView<'a>>,
    /// Who works on it: `null` until an executor took it into work (R7.5).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub executor: Option<ExecutorView<'a>>,
    /// When the provider expects to finish it; `null` if it did not say.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub expected_completion: Option<&'a str>,
    /// The customer's reason for cancelling, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub cancel_reason: Option<&'a str>,
    /// The provider's reason for rejecting, if rejected.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<&'a str>,
    /// The customer's rating, once given (R7.6).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rating: Option<RatingView<'a>>,
    /// When it was submitted.
    pub created_at: &'a str,
    /// When its status or rating last changed.
    pub updated_at: &'a str,
    /// What the viewer can do now: `cancel`, `message`, `attach_file`, `rate` for the
    /// customer; `take`, `complete`, `reject`, `message` for an executor.
    pub actions: Vec<&'static str>,
    /// Status changes, files attached and messages, oldest first: every
    /// change of status and file, and the newest 200 messages.
    pub history: Vec<HistoryView<'a>>,
    /// Whether older messages exist that `history` leaves out.
    pub history_truncated: bool,
}

/// A file of an order as shown on its card.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileView<'a> {
    /// Its id.
    pub id: &'a str,
    /// The name the customer gave it, as given.
    pub name: &'a str,
    /// Its media type.
    #[serde(rename = "type")]
    pub content_type: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// When it was attached.
    pub uploaded_at: &'a str,
    /// Who attached it.
    pub author: ActorView<'a>,
    /// The route that gives a download link for it.
    pub download: String,
}

impl<'a> FileView<'a> {
    /// `file` of `order` as `viewer` sees it.
    pub fn of(file: &'a AttachedFile, order: &Order, viewer: Viewer) -> Self {
        Self {
            id: file.id.as_str(),
            name: file.name.as_str(),
            content_type: &file.content_type,
            size: file.size,
            uploaded_at: &file.uploaded_at,
            author: actor(&file.author, order, viewer),
            download: format!("{}/files/{}", viewer.link(&order.number), file.id),
        }
    }
}

/// The form of an order as shown on its card.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormView<'a> {
    /// «Тема заявки».
    pub subject: &'a str,
    /// «Текст заявки».
    pub text: &'a str,
    /// The customer's contact details.
    pub contact: &'a Contact,
}

/// The executor as the customer sees them from «В работе» on.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutorView<'a> {
    /// Full name.
    pub name: &'a str,
    /// Contact e-mail.
    pub email: &'a str,
}

/// A rating as shown.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingView<'a> {
    /// 1 to 5.
    pub score: u8,
    /// The comment, `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: Option<&'a str>,
    /// When it was given.
    pub rated_at: &'a str,
}

impl<'a> From<&'a Rating> for RatingView<'a> {
    fn from(rating: &'a Rating) -> Self {
        Self {
            score: rating.score,
            comment: rating.comment.as_deref(),
            rated_at: &rating.rated_at,
        }
    }
}

/// Who did something, as shown: the role, and the name where the viewer may
/// see it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorView<'a> {
    /// `customer` or `executor`.
    pub role: Role,
    /// The executor's name as recorded, or the customer's from the order's
    /// contact; `null` for an executor the customer may not see yet.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true))]
    pub name: Option<Cow<'a, str>>,
}

/// One entry of the history.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryView<'a> {
    /// A change of status; the first one, without `from`, is the submission.
    Status {
        /// When.
        at: &'a str,
        /// Who.
        actor: ActorView<'a>,
        /// The status before; `null` for the submission.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        from: Option<StatusView>,
        /// The status after.
        to: StatusView,
        /// The reason of a cancellation or a rejection.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        reason: Option<&'a str>,
    },
    /// A message.
    Message {
        /// When.
        at: &'a str,
        /// Who wrote it.
        author: ActorView<'a>,
        /// «Тема сообщения».
        subject: &'a str,
        /// «Текст сообщения».
        text: &'a str,
    },
    /// A file attached.
    File {
        /// When.
        at: &'a str,
        /// Who attached it.
        author: ActorView<'a>,
        /// Its id.
        file_id: &'a str,
        /// Its name.
        name: &'a str,
    },
}

impl<'a> HistoryView<'a> {
    /// `change` as `viewer` sees it on `order`.
    pub fn status(change: &'a StatusChange, order: &Order, viewer: Viewer) -> Self {
        Self::Status {
            at: &change.at,
            actor: actor(&change.actor, order, viewer),
            from: change.from.map(StatusView::from),
            to: change.to.into(),
            reason: change.reason.as_deref(),
        }
    }

    /// `message` as `viewer` sees it on `order`.
    pub fn message(message: &'a Message, order: &Order, viewer: Viewer) -> Self {
        Self::Message {
            at: &message.at,
            author: actor(&message.author, order, viewer),
            subject: &message.subject,
            text: &message.text,
        }
    }

    /// The attaching of `file` as `viewer` sees it on `order`.
    pub fn file(file: &'a AttachedFile, order: &Order, viewer: Viewer) -> Self {
        Self::File {
            at: &file.uploaded_at,
            author: actor(&file.author, order, viewer),
            file_id: file.id.as_str(),
            name: file.name.as_str(),
        }
    }

    fn at(&self) -> &str {
        match self {
            Self::Status { at, .. } | Self::Message { at, .. } | Self::File { at, .. } => at,
        }
    }
}

/// `actor` as `viewer` sees them on `order`: an executor's name is hidden
/// from the customer until the order reveals its executor (R7.5). Customer
/// entries record no name (only the order's customer acts as one), so the
/// name is that of the order's contact, the person the executor deals with.
fn actor<'a>(actor: &'a Actor, order: &Order, viewer: Viewer) -> ActorView<'a> {
    let name = match (actor.role, viewer) {
        (Role::Customer, _) => Some(order.form.contact.full_name())
            .filter(|name| !name.is_empty())
            .map(Cow::Owned),
        (Role::Executor, Viewer::Customer) if !order.reveals_executor() => None,
        (Role::Executor, _) => actor.name.as_deref().map(Cow::Borrowed),
    };
    ActorView {
        role: actor.role,
        name,
    }
}

impl<'a> CardView<'a> {
    /// The card of `card` as `viewer` sees it.
    pub fn of(card: &'a Card, viewer: Viewer) -> Self {
        let order = &card.order;
        let executor = order
            .executor
            .as_ref()
            .filter(|_| viewer == Viewer::Executor || order.reveals_executor())
            .map(|executor| ExecutorView {
                name: &executor.name,
                email: &executor.email,
            });
        let mut history: Vec<HistoryView<'a>> = order
            .status_history
            .iter()
            .map(|change| HistoryView::status(change, order, viewer))
            .chain(
                card.messages
                    .iter()
                    .map(|message| HistoryView::message(message, order, viewer)),
            )
            .chain(
                order
                    .files
                    .iter()
                    .map(|file| HistoryView::file(file, order, viewer)),
            )
            .collect();
        // Stable: at the same instant a change of status comes first.
        history.sort_by(|a, b| a.at().cmp(b.at()));
        Self {
            number: &order.number,
            link: viewer.link(&order.number),
            status: order.status.into(),
            service: &order.service,
            provider: &order.provider,
            form: FormView {
                subject: &order.form.subject,
                text: &order.form.text,
                contact: &order.form.contact,
            },
            files: order
                .files
                .iter()
                .map(|file| FileView::of(file, order, viewer))
                .collect(),
            executor,
            expected_completion: order.expected_completion.as_deref(),
            cancel_reason: order.cancel_reason.as_deref(),
            rejection_reason: order.rejection_reason.as_deref(),
            rating: order.rating.as_ref().map(RatingView::from),
            created_at: &order.created_at,
            updated_at: &order.updated_at,
            actions: match viewer {
                Viewer::Customer => order.customer_actions(),
                Viewer::Executor => order.executor_actions(),
            },
            history,
            history_truncated: card.history_truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::file::{FileName, UploadId};
    use crate::domain::order::samples::{
        sample_executor, sample_executor_actor, sample_message, sample_order,
    };

    fn card(status: OrderStatus) -> Card {
        let mut order = sample_order(status);
        if status != OrderStatus::Submitted {
            order.status_history.push(StatusChange {
                at: "2026-12-04T12:00:00.000Z".into(),
                actor: sample_executor_actor(),
                from: Some(OrderStatus::Submitted),
                to: status,
                reason: None,
            });
            order.executor = Some(sample_executor());
        }
        Card {
            order: Order {
                updated_at: "2026-12-04T12:00:00.000Z".into(),
                version: 2,
                ..order
            },
            messages: vec![sample_message()],
            history_truncated: false,
        }
    }

    fn view(card: &Card, viewer: Viewer) -> Value {
        serde_json::to_value(CardView::of(card, viewer)).unwrap()
    }

    #[test]
    fn the_history_interleaves_status_changes_and_messages_in_time_order() {
        let value = view(&card(OrderStatus::InProgress), Viewer::Customer);
        let kinds: Vec<&str> = value["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["status", "message", "status"]);
        assert_eq!(value["history"][0]["from"], Value::Null);
        assert_eq!(
            value["history"][2]["to"],
            json!({"code": "in_progress", "title": "В работе"})
        );
        assert_eq!(
            value["status"],
            json!({"code": "in_progress", "title": "В работе"})
        );
        assert_eq!(value["files"], json!([]));
        assert_eq!(value["link"], "/orders/261204-7KQ2MX");
        assert_eq!(value["history_truncated"], false);
        let mut truncated = card(OrderStatus::InProgress);
        truncated.history_truncated = true;
        for viewer in [Viewer::Customer, Viewer::Executor] {
            assert_eq!(view(&truncated, viewer)["history_truncated"], true);
        }
    }

    #[test]
    fn the_customer_sees_the_executor_only_from_in_progress_on() {
        let new = card(OrderStatus::Submitted);
        let value = view(&new, Viewer::Customer);
        assert_eq!(value["executor"], Value::Null);
        // An executor's reply before taking the order shows no name.
        assert_eq!(
            value["history"][1]["author"],
            json!({"role": "executor", "name": null})
        );
        let text = value.to_string();
        assert!(!text.contains("Сидоров"), "{text}");
        assert!(!text.contains("sidorov@"), "{text}");

        let taken = view(&card(OrderStatus::InProgress), Viewer::Customer);
        assert_eq!(
            taken["executor"],
            json!({"name": "Сидоров Пётр", "email": "sidorov@tpp.example.ru"})
        );
        assert_eq!(taken["history"][1]["author"]["name"], "Сидоров Пётр");
    }

    #[test]
    fn executors_see_names_and_their_own_links_and_actions() {
        let value = view(&card(OrderStatus::Submitted), Viewer::Executor);
        assert_eq!(value["history"][1]["author"]["name"], "Сидоров Пётр");
        assert_eq!(value["link"], "/executor/orders/261204-7KQ2MX");
        assert_eq!(value["actions"], json!(["take", "reject", "message"]));
        let customer = view(&card(OrderStatus::Submitted), Viewer::Customer);
        assert_eq!(
            customer["actions"],
            json!(["cancel", "message", "attach_file"])
        );
    }

    #[test]
    fn files_show_on_the_card_and_in_the_history_with_each_viewer_s_link() {
        let mut card = card(OrderStatus::InProgress);
        card.order.files.push(AttachedFile {
            id: UploadId::new(7),
            name: FileName::parse("Договор №5 (копия).pdf").unwrap(),
            content_type: "application/pdf".into(),
            size: 1234,
            uploaded_at: "2026-12-04T11:30:00.000Z".into(),
            author: Actor::customer("sub-1"),
        });
        let id = UploadId::new(7).as_str().to_string();
        let value = view(&card, Viewer::Customer);
        assert_eq!(
            value["files"],
            json!([{
                "id": id,
                "name": "Договор №5 (копия).pdf",
                "type": "application/pdf",
                "size": 1234,
                "uploaded_at": "2026-12-04T11:30:00.000Z",
                "author": {"role": "customer", "name": "Петров Иван"},
                "download": format!("/orders/261204-7KQ2MX/files/{id}"),
            }])
        );
        let kinds: Vec<&str> = value["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["status", "message", "file", "status"]);
        assert_eq!(value["history"][2]["name"], "Договор №5 (копия).pdf");
        let executor = view(&card, Viewer::Executor);
        assert_eq!(
            executor["files"][0]["download"],
            format!("/executor/orders/261204-7KQ2MX/files/{id}")
        );
    }

    #[test]
    fn customer_entries_carry_the_contact_s_name_for_both_viewers() {
        let mut card = card(OrderStatus::InProgress);
        card.order.form.contact.patronymic = Some("Сергеевич".into());
        card.messages.push(Message {
            at: "2026-12-04T13:00:00.000Z".into(),
            author: Actor::customer("sub-1"),
            subject: "Вопрос о сроках".into(),
            text: "Успеете ли вы оформить карнет до начала выставки?".into(),
        });
        for viewer in [Viewer::Customer, Viewer::Executor] {
            let value = view(&card, viewer);
            let authors: Vec<&Value> = value["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| {
                    if entry["kind"] == "status" {
                        &entry["actor"]
                    } else {
                        &entry["author"]
                    }
                })
                .collect();
            assert_eq!(
                authors,
                [
                    &json!({"role": "customer", "name": "Петров Иван Сергеевич"}),
                    &json!({"role": "executor", "name": "Сидоров Пётр"}),
                    &json!({"role": "executor", "name": "Сидоров Пётр"}),
                    &json!({"role": "customer", "name": "Петров Иван Сергеевич"}),
                ],
                "{viewer:?}"
            );
        }
        let message = HistoryView::message(&card.messages[1], &card.order, Viewer::Customer);
        assert_eq!(
            serde_json::to_value(message).unwrap()["author"]["name"],
            "Петров Иван Сергеевич"
        );
    }

    #[test]
    fn the_answer_to_a_submission_carries_number_and_link() {
        let card = card(OrderStatus::Submitted);
        let value = serde_json::to_value(CreatedView::of(&card.order)).unwrap();
        assert_eq!(
            value,
            json!({
                "number": "261204-7KQ2MX",
                "link": "/orders/261204-7KQ2MX",
                "status": {"code": "submitted", "title": "Новая"},
                "created_at": "2026-12-04T10:00:00.000Z",
            })
        );
    }
}
