//! The executors' back office (R8.1, R8.4): a provider's queue of orders and
//! its workflow, behind a verified bearer access token.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /executor/orders?status=a,b&limit=&cursor=` | — | 200 [`ListView`] |
//! | `GET /executor/orders/{number}` | — | 200 [`CardView`] |
//! | `POST /executor/orders/{number}/take` | [`TakeForm`] or nothing | 200 [`CardView`] |
//! | `POST /executor/orders/{number}/messages` | [`MessageForm`] | 201 [`HistoryView::Message`] |
//! | `POST /executor/orders/{number}/complete` | nothing (or `{}`) | 200 [`CardView`] |
//! | `POST /executor/orders/{number}/reject` | [`RejectForm`] | 200 [`CardView`] |
//! | `GET /executor/orders/{number}/files/{fileId}` | — | 200 [`DownloadLink`](crate::files::DownloadLink) |
//!
//! An executor is a user of the pool in group `executors` and in exactly one
//! group `provider:<id>` (see [`Identity::provider_id`]); anyone else gets
//! 403 `not_an_executor`. An order of another provider is answered exactly
//! like a missing one, 404.
//!
//! The executor's name and e-mail, recorded when they take an order and
//! shown to the customer from then on (R7.5), come from `GetUser` with the
//! executor's own token: no IAM permission is needed for it.

use std::collections::HashMap;

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::SetupError;
use super::order_files;
use super::order_list;
use crate::cognito::{CognitoError, Operation};
use crate::config;
use crate::domain::order::{
    Actor, Card, Executor, Message, Order, OrderNumber, Role, StatusChange, Transition,
    changed_meanwhile, moscow_date, order_closed, order_not_found, status_conflict, timestamp,
};
use crate::domain::order_form::{MessageForm, RejectForm, TakeForm, iso_date};
use crate::domain::order_view::{CardView, HistoryView, Viewer};
use crate::error::ApiError;
use crate::files::FileStore;
use crate::http::{
    ApiResult, Query, bearer_token, json, json_body, optional_json_body, path_segments,
};
use crate::identity::{Identity, TokenVerifier, VerifierConfig};
use crate::paging::CursorKey;
use crate::runtime::Handler;
use crate::store::orders::{OrdersTable, Party, StatusUpdate};

/// The handler of the back-office function.
pub struct BackofficeApi {
    orders: OrdersTable,
    cognito: aws_sdk_cognitoidentityprovider::Client,
    verifier: TokenVerifier,
    cursors: CursorKey,
    files: FileStore,
}

/// A verified executor and the provider they work for.
struct Staff {
    identity: Identity,
    provider_id: String,
}

impl Staff {
    fn party(&self) -> Party<'_> {
        Party::Provider(&self.provider_id)
    }
}

enum Route {
    Queue,
    Card(String),
    Take(String),
    Messages(String),
    Complete(String),
    Reject(String),
    File(String, String),
}

/// `POST …/complete` takes no fields; an empty body or `{}` will do.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct NoFields {}

impl BackofficeApi {
    /// The handler working on orders in `table` through `db`, reading the
    /// executors' names through `cognito` with their own tokens, accepting
    /// the tokens `verifier` accepts, signing cursors with `cursors` and
    /// reading files from `files`.
    pub fn new(
        db: aws_sdk_dynamodb::Client,
        table: String,
        cognito: aws_sdk_cognitoidentityprovider::Client,
        verifier: TokenVerifier,
        cursors: CursorKey,
        files: FileStore,
    ) -> Self {
        Self {
            orders: OrdersTable::new(db, table),
            cognito,
            verifier,
            cursors,
            files,
        }
    }

    /// The handler configured from the environment: `TABLE_NAME`,
    /// `BUCKET_NAME`, `CURSOR_KEY`, `USER_POOL_ID`, `USER_POOL_CLIENT_ID`,
    /// `AWS_REGION`, and on the local stack `COGNITO_JWKS_URL`.
    pub async fn from_env() -> Result<Self, SetupError> {
        let table = config::required("TABLE_NAME")?;
        let cursors = CursorKey::from_env()?;
        let verifier = TokenVerifier::new(VerifierConfig::from_env()?)?;
        let sdk = verifier.prefetch_while(config::aws()).await;
        let files = FileStore::from_env(&sdk)?;
        Ok(Self::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            table,
            aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            verifier,
            cursors,
            files,
        ))
    }

    async fn answer(&self, request: &Request) -> ApiResult {
        let segments = path_segments(request);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = match segments.as_slice() {
            ["executor", "orders"] => Route::Queue,
            ["executor", "orders", number] => Route::Card(number.to_string()),
            ["executor", "orders", number, action] => {
                let number = number.to_string();
                match *action {
                    "take" => Route::Take(number),
                    "messages" => Route::Messages(number),
                    "complete" => Route::Complete(number),
                    "reject" => Route::Reject(number),
                    _ => return Err(unknown_path()),
                }
            }
            ["executor", "orders", number, "files", id] => {
                Route::File(number.to_string(), id.to_string())
            }
            _ => return Err(unknown_path()),
        };
        let parameters = match (&route, request.method()) {
            (Route::Queue, &Method::GET) => order_list::PARAMETERS,
            _ => &[],
        };
        let query = Query::parse(request, parameters)?;
        match (route, request.method()) {
            (Route::Queue, &Method::GET) => self.queue(request, &query).await,
            (Route::Card(number), &Method::GET) => self.card(request, &number).await,
            (Route::Take(number), &Method::POST) => self.take(request, &number).await,
            (Route::Messages(number), &Method::POST) => self.message(request, &number).await,
            (Route::Complete(number), &Method::POST) => self.complete(request, &number).await,
            (Route::Reject(number), &Method::POST) => self.reject(request, &number).await,
            (Route::File(number, id), &Method::GET) => self.download(request, &number, &id).await,
            _ => Err(ApiError::method_not_allowed()),
        }
    }

    /// `GET /executor/orders`: the provider's queue, newest first.
    async fn queue(&self, request: &Request, query: &Query) -> ApiResult {
        let staff = self.identify(request).await?;
        order_list::page(
            &self.orders,
            &self.cursors,
            query,
            staff.party(),
            Viewer::Executor,
        )
        .await
    }

    /// `GET /executor/orders/{number}/files/{fileId}`: a download link for
    /// a file of an order of the executor's provider.
    async fn download(&self, request: &Request, number: &str, file_id: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;
        let order = self.provider_order(&staff, &number).await?;
        order_files::download(&self.files, &order, file_id).await
    }

    /// `GET /executor/orders/{number}`.
    async fn card(&self, request: &Request, number: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;

        let card = self.provider_card(&staff, &number).await?;

        json(StatusCode::OK, &CardView::of(&card, Viewer::Executor))
    }

    /// `POST /executor/orders/{number}/take`: into work, with the
    /// executor's name and e-mail recorded and an optional expected
    /// completion date.
    async fn take(&self, request: &Request, number: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: TakeForm = optional_json_body(request)?;
        let now = OffsetDateTime::now_utc();
        let expected = form.parse(moscow_date(now))?.map(iso_date);

        let order = self.provider_order(&staff, &number).await?;
        Transition::Take
            .apply(order.status)
            .map_err(status_conflict)?;
        let executor = self.executor(&staff.identity).await?;
        let change = Self::change(&order, Transition::Take, &executor, None, now);
        let update = StatusUpdate {
            change: &change,
            executor: Some(&executor),
            expected_completion: expected.as_deref(),
        };
        self.apply(&staff, &number, Transition::Take, update).await
    }

    /// `POST /executor/orders/{number}/complete`.
    async fn complete(&self, request: &Request, number: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;
        let _: NoFields = optional_json_body(request)?;

        let order = self.provider_order(&staff, &number).await?;
        Transition::Complete
            .apply(order.status)
            .map_err(status_conflict)?;
        let executor = self.executor(&staff.identity).await?;
        let now = OffsetDateTime::now_utc();
        let change = Self::change(&order, Transition::Complete, &executor, None, now);
        let update = StatusUpdate {
            change: &change,
            executor: None,
            expected_completion: None,
        };
        self.apply(&staff, &number, Transition::Complete, update)
            .await
    }

    /// `POST /executor/orders/{number}/reject`, with the reason the customer
    /// will read.
    async fn reject(&self, request: &Request, number: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: RejectForm = json_body(request)?;
        let reason = form.parse()?;

        let order = self.provider_order(&staff, &number).await?;
        Transition::Reject
            .apply(order.status)
            .map_err(status_conflict)?;
        let executor = self.executor(&staff.identity).await?;
        let now = OffsetDateTime::now_utc();
        let change = Self::change(
            &order,
            Transition::Reject,
            &executor,
            Some(reason.into_inner()),
            now,
        );
        let update = StatusUpdate {
            change: &change,
            executor: None,
            expected_completion: None,
        };
        self.apply(&staff, &number, Transition::Reject, update)
            .await
    }

    /// `POST /executor/orders/{number}/messages`: a reply to the customer.
    async fn message(&self, request: &Request, number: &str) -> ApiResult {
        let staff = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: MessageForm = json_body(request)?;
        let draft = form.parse()?;

        let order = self.provider_order(&staff, &number).await?;
        if !order.status.accepts_messages() {
            return Err(order_closed(order.status));
        }
        let executor = self.executor(&staff.identity).await?;
        let message = Message {
            at: timestamp(OffsetDateTime::now_utc()),
            author: actor(&executor),
            subject: draft.subject.into_inner(),
            text: draft.text.into_inner(),
        };
        if !self
            .orders
            .add_message(&number, staff.party(), &message)
            .await?
        {
            let order = self.provider_order(&staff, &number).await?;
            return Err(order_closed(order.status));
        }

        tracing::info!(number = %number, "executor wrote a message");
        json(
            StatusCode::CREATED,
            &HistoryView::message(&message, &order, Viewer::Executor),
        )
    }

    /// The history entry of `transition` of `order` by `executor`.
    fn change(
        order: &Order,
        transition: Transition,
        executor: &Executor,
        reason: Option<String>,
        now: OffsetDateTime,
    ) -> StatusChange {
        StatusChange {
            at: timestamp(now),
            actor: actor(executor),
            from: Some(order.status),
            to: transition.target(),
            reason,
        }
    }

    /// Writes `update` and answers the card, or the 409 of a change that
    /// lost to a concurrent one.
    async fn apply(
        &self,
        staff: &Staff,
        number: &OrderNumber,
        transition: Transition,
        update: StatusUpdate<'_>,
    ) -> ApiResult {
        if !self
            .orders
            .change_status(number, staff.party(), update)
            .await?
        {
            let order = self.provider_order(staff, number).await?;
            return Err(changed_meanwhile(transition, order.status));
        }
        tracing::info!(number = %number, to = %transition.target(), "order status changed by an executor");
        let card = self.provider_card(staff, number).await?;
        json(StatusCode::OK, &CardView::of(&card, Viewer::Executor))
    }

    /// The caller as an executor: 401 without a valid token, 403 for anyone
    /// not bound to exactly one provider.
    async fn identify(&self, request: &Request) -> Result<Staff, ApiError> {
        let token = bearer_token(request).ok_or_else(ApiError::unauthorized)?;
        let identity = self.verifier.verify(token).await?;
        let provider_id = identity
            .provider_id()
            .map(str::to_string)
            .ok_or_else(not_an_executor)?;
        Ok(Staff {
            identity,
            provider_id,
        })
    }

    /// Order `number` if it went to the executor's provider; 404 otherwise.
    async fn provider_order(&self, staff: &Staff, number: &OrderNumber) -> Result<Order, ApiError> {
        self.orders
            .get(number)
            .await?
            .filter(|order| staff.party().owns(order))
            .ok_or_else(order_not_found)
    }

    async fn provider_card(&self, staff: &Staff, number: &OrderNumber) -> Result<Card, ApiError> {
        self.orders
            .card(number)
            .await?
            .filter(|card| staff.party().owns(&card.order))
            .ok_or_else(order_not_found)
    }

    /// The executor's id, name and e-mail from their account (`GetUser`).
    async fn executor(&self, identity: &Identity) -> Result<Executor, ApiError> {
        let output = self
            .cognito
            .get_user()
            .access_token(identity.access_token.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::CheckToken, e))?;
        let values: HashMap<&str, &str> = output
            .user_attributes()
            .iter()
            .filter_map(|a| Some((a.name(), a.value()?)))
            .collect();
        if values.get("sub").copied() != Some(identity.user_id.as_str()) {
            tracing::warn!("GetUser answered for another account than the token's subject");
            return Err(ApiError::unauthorized());
        }
        let email = values.get("email").copied().unwrap_or_default().to_string();
        let name = executor_name(&values).unwrap_or_else(|| email.clone());
        Ok(Executor {
            id: identity.user_id.clone(),
            name,
            email,
        })
    }
}

impl Handler for BackofficeApi {
    async fn handle(&self, request: Request) -> Response<Body> {
        self.answer(&request)
            .await
            .unwrap_or_else(ApiError::into_response)
    }
}

/// «Фамилия Имя Отчество» of the account's attributes, `None` when it has
/// no name at all.
fn executor_name(values: &HashMap<&str, &str>) -> Option<String> {
    let parts: Vec<&str> = ["family_name", "given_name", "middle_name"]
        .iter()
        .filter_map(|name| values.get(name).map(|v| v.trim()))
        .filter(|v| !v.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn actor(executor: &Executor) -> Actor {
    Actor {
        role: Role::Executor,
        id: executor.id.clone(),
        name: Some(executor.name.clone()),
    }
}

fn parse_number(raw: &str) -> Result<OrderNumber, ApiError> {
    OrderNumber::parse(raw).ok_or_else(order_not_found)
}

fn unknown_path() -> ApiError {
    ApiError::not_found("Такого адреса нет в разделе исполнителя.")
}

pub(crate) fn not_an_executor() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_an_executor",
        "Раздел доступен только исполнителям, привязанным к организации, оказывающей услуги. Обратитесь к администратору.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_family_given_middle_and_skips_blanks() {
        let values = HashMap::from([
            ("given_name", "Пётр"),
            ("family_name", "Сидоров"),
            ("middle_name", " "),
            ("email", "sidorov@tpp.example.ru"),
        ]);
        assert_eq!(executor_name(&values).as_deref(), Some("Сидоров Пётр"));
        assert_eq!(executor_name(&HashMap::from([("email", "x@y.ru")])), None);
    }

    #[test]
    fn the_event_fixtures_are_api_gateway_requests_of_the_routes() {
        let n = "261204-7KQ2MX";
        for (text, method, path) in [
            (
                include_str!("../../../events/backoffice-queue.json"),
                Method::GET,
                vec!["executor", "orders"],
            ),
            (
                include_str!("../../../events/backoffice-card.json"),
                Method::GET,
                vec!["executor", "orders", n],
            ),
            (
                include_str!("../../../events/backoffice-file.json"),
                Method::GET,
                vec![
                    "executor",
                    "orders",
                    n,
                    "files",
                    "5f0c2a9d4b7e41c8a3d6e9f1b2c4d7e0",
                ],
            ),
            (
                include_str!("../../../events/backoffice-take.json"),
                Method::POST,
                vec!["executor", "orders", n, "take"],
            ),
            (
                include_str!("../../../events/backoffice-message.json"),
                Method::POST,
                vec!["executor", "orders", n, "messages"],
            ),
            (
                include_str!("../../../events/backoffice-complete.json"),
                Method::POST,
                vec!["executor", "orders", n, "complete"],
            ),
            (
                include_str!("../../../events/backoffice-reject.json"),
                Method::POST,
                vec!["executor", "orders", n, "reject"],
            ),
        ] {
            let request = lambda_http::request::from_str(text)
                .expect("an events/backoffice-*.json file is an HTTP API v2 event");
            assert_eq!(request.method(), method);
            assert_eq!(path_segments(&request), path);
            assert!(bearer_token(&request).is_some());
        }
        let take =
            lambda_http::request::from_str(include_str!("../../../events/backoffice-take.json"))
                .expect("an HTTP API v2 event");
        let form: TakeForm = optional_json_body(&take).expect("a take form");
        assert!(form.expected_completion.is_some());
        let complete = lambda_http::request::from_str(include_str!(
            "../../../events/backoffice-complete.json"
        ))
        .expect("an HTTP API v2 event");
        let _: NoFields = optional_json_body(&complete).expect("no body is no fields");
        let reject =
            lambda_http::request::from_str(include_str!("../../../events/backoffice-reject.json"))
                .expect("an HTTP API v2 event");
        let form: RejectForm = json_body(&reject).expect("a reject form");
        assert!(form.parse().is_ok(), "the fixture's reason is valid");
        let message =
            lambda_http::request::from_str(include_str!("../../../events/backoffice-message.json"))
                .expect("an HTTP API v2 event");
        let form: MessageForm = json_body(&message).expect("a message form");
        assert!(form.parse().is_ok(), "the fixture's message is valid");
    }
}
