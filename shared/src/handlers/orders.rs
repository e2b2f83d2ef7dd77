//! The customer's orders (R5–R7), behind a verified bearer access token.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /orders` + `Idempotency-Key` | [`OrderForm`] | 201 [`CreatedView`], `Location` |
//! | `GET /orders?status=a,b&limit=&cursor=` | — | 200 [`ListView`] |
//! | `GET /orders/{number}` | — | 200 [`CardView`] |
//! | `POST /orders/{number}/cancel` | [`CancelForm`] or nothing | 200 [`CardView`] |
//! | `POST /orders/{number}/messages` | [`MessageForm`] | 201 [`HistoryView::Message`] |
//! | `POST /orders/{number}/rating` | [`RatingForm`] | 201 [`RatingView`] |
//! | `POST /orders/uploads` | [`UploadForm`] | 201 [`UploadSlot`] for a document of a new order |
//! | `POST /orders/{number}/uploads` | [`UploadForm`] | 201 [`UploadSlot`] for an extra file |
//! | `POST /orders/{number}/files` | [`ConfirmForm`] | 201 [`FileView`] |
//! | `GET /orders/{number}/files/{fileId}` | — | 200 [`DownloadLink`](crate::files::DownloadLink) |
//!
//! A customer sees and acts on their own orders only (R7.7): another
//! customer's order is answered exactly like a missing one, 404. Members
//! of group `executors` are refused on every route, 403
//! `executors_cannot_order`: an executor must not order from, and rate,
//! their own provider.

use http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use rand::Rng;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::SetupError;
use super::order_files::{self, VerifiedUpload};
use super::order_list;
use crate::config;
use crate::domain::file::{
    AttachedFile, ConfirmForm, FileUse, UploadForm, UploadId, files_closed, too_many_files,
};
use crate::domain::order::{
    Actor, Card, Message, Order, OrderContent, OrderNumber, OrderStatus, ProviderRef, Rating,
    ServiceRef, StatusChange, Transition, changed_meanwhile, order_closed, order_not_found,
    status_conflict, timestamp,
};
use crate::domain::order_form::{
    CancelForm, IdempotencyKey, MessageForm, OrderDraft, OrderForm, RatingForm, not_offered,
};
use crate::domain::order_view::{CardView, CreatedView, FileView, HistoryView, RatingView, Viewer};
use crate::error::ApiError;
use crate::error::FieldError;
use crate::files::{FileStore, UploadScope, UploadSlot, new_upload_id, order_file_key};
use crate::http::{
    ApiResult, Query, bearer_token, json, json_body, optional_json_body, path_segments,
};
use crate::identity::{Identity, TokenVerifier, VerifierConfig};
use crate::paging::CursorKey;
use crate::runtime::Handler;
use crate::store::catalog::CatalogTable;
use crate::store::orders::{OrdersTable, Party, StatusUpdate, Submission, Submitted};
use crate::store::profile::ProfileTable;

/// Header that makes a submission safe to repeat (R5.4).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Header of a 201 that repeats an earlier submission's answer.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "idempotent-replayed";

/// The handler of the orders function.
pub struct OrdersApi {
    orders: OrdersTable,
    catalog: CatalogTable,
    profiles: ProfileTable,
    verifier: TokenVerifier,
    cursors: CursorKey,
    files: FileStore,
}

enum Route {
    NewUpload,
    Uploads(String),
    Files(String),
    File(String, String),
    Orders,
    Card(String),
    Cancel(String),
    Messages(String),
    Rating(String),
}

impl OrdersApi {
    /// The handler keeping orders in `table` through `db`, reading the
    /// catalog and profiles from the same table, accepting the tokens
    /// `verifier` accepts, signing cursors with `cursors` and keeping files
    /// in `files`.
    pub fn new(
        db: aws_sdk_dynamodb::Client,
        table: String,
        verifier: TokenVerifier,
        cursors: CursorKey,
        files: FileStore,
    ) -> Self {
        Self {
            orders: OrdersTable::new(db.clone(), table.clone()),
            catalog: CatalogTable::new(db.clone(), table.clone()),
            profiles: ProfileTable::new(db, table),
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
            verifier,
            cursors,
            files,
        ))
    }

    async fn answer(&self, request: &Request) -> ApiResult {
        let segments = path_segments(request);
        let route = match segments.as_slice() {
            [orders] if orders == "orders" => Route::Orders,
            [orders, uploads] if orders == "orders" && uploads == "uploads" => Route::NewUpload,
            [orders, number] if orders == "orders" => Route::Card(number.clone()),
            [orders, number, action] if orders == "orders" => match action.as_str() {
                "cancel" => Route::Cancel(number.clone()),
                "messages" => Route::Messages(number.clone()),
                "rating" => Route::Rating(number.clone()),
                "uploads" => Route::Uploads(number.clone()),
                "files" => Route::Files(number.clone()),
                _ => return Err(unknown_path()),
            },
            [orders, number, files, id] if orders == "orders" && files == "files" => {
                Route::File(number.clone(), id.clone())
            }
            _ => return Err(unknown_path()),
        };
        let parameters = match (&route, request.method()) {
            (Route::Orders, &Method::GET) => order_list::PARAMETERS,
            _ => &[],
        };
        let query = Query::parse(request, parameters)?;
        match (route, request.method()) {
            (Route::NewUpload, &Method::POST) => self.new_order_upload(request).await,
            (Route::Uploads(number), &Method::POST) => self.order_upload(request, &number).await,
            (Route::Files(number), &Method::POST) => self.attach(request, &number).await,
            (Route::File(number, id), &Method::GET) => self.download(request, &number, &id).await,
            (Route::Orders, &Method::POST) => self.submit(request).await,
            (Route::Orders, &Method::GET) => self.list(request, &query).await,
            (Route::Card(number), &Method::GET) => self.card(request, &number).await,
            (Route::Cancel(number), &Method::POST) => self.cancel(request, &number).await,
            (Route::Messages(number), &Method::POST) => self.message(request, &number).await,
            (Route::Rating(number), &Method::POST) => self.rate(request, &number).await,
            _ => Err(ApiError::method_not_allowed()),
        }
    }

    /// `POST /orders` (R5): the order for one service at one provider.
    async fn submit(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let key = IdempotencyKey::parse(
            request
                .headers()
                .get(IDEMPOTENCY_KEY_HEADER)
                .map(|value| value.to_str().unwrap_or("\u{fffd}")),
        )?;
        let form: OrderForm = json_body(request)?;
        let draft = form.parse()?;
        let request_hash = hex_sha256(&draft.canonical());
        let submission = Submission::arriving_now(&identity.user_id, key.as_str(), &request_hash);

        // A retry is answered from what its first request made, whatever
        // the catalog or the profile say now (R5.4).
        if let Some(outcome) = self.orders.settled(&submission).await? {
            return self.file_documents(&identity.user_id, outcome).await;
        }

        let (service, provider) = self.offer(&draft).await?;
        let documents = self
            .documents(&identity.user_id, &draft.documents, submission.now)
            .await?;
        let contact = if draft.contact.is_complete() {
            draft.contact.complete(None)?
        } else {
            let profile = self.profiles.get(&identity.user_id).await?;
            draft
                .contact
                .complete(profile.as_ref().map(|stored| &stored.profile))?
        };
        let content = OrderContent {
            subject: draft.subject.into_inner(),
            text: draft.text.into_inner(),
            contact,
        };
        let now = submission.now;
        let build = |number: &OrderNumber, created_at: &str| Order {
            number: number.clone(),
            customer_id: identity.user_id.clone(),
            idempotency_key: key.as_str().to_string(),
            service: service.clone(),
            provider: provider.clone(),
            form: content.clone(),
            status: OrderStatus::Submitted,
            status_history: vec![StatusChange {
                at: created_at.to_string(),
                actor: Actor::customer(&identity.user_id),
                from: None,
                to: OrderStatus::Submitted,
                reason: None,
            }],
            created_at: created_at.to_string(),
            updated_at: created_at.to_string(),
            version: 1,
            executor: None,
            expected_completion: None,
            cancel_reason: None,
            rejection_reason: None,
            rating: None,
            files: documents.clone(),
        };
        let outcome = self
            .orders
            .submit(
                submission,
                || OrderNumber::new(now, rand::rng().random()),
                build,
            )
            .await?;
        self.file_documents(&identity.user_id, outcome).await
    }

    /// The documents of a submission, checked against what S3 holds under
    /// the customer's pending area; every one that fails is named.
    async fn documents(
        &self,
        customer_id: &str,
        ids: &[UploadId],
        now: OffsetDateTime,
    ) -> Result<Vec<AttachedFile>, ApiError> {
        let mut documents = Vec::with_capacity(ids.len());
        let mut errors: Vec<FieldError> = Vec::new();
        for (index, id) in ids.iter().enumerate() {
            let pending = UploadScope::NewOrder(customer_id).pending_key(id);
            match order_files::verify_document(&self.files, &pending, index).await {
                Ok(VerifiedUpload {
                    name,
                    content_type,
                    size,
                }) => documents.push(AttachedFile {
                    id: id.clone(),
                    name,
                    content_type: content_type.to_string(),
                    size,
                    uploaded_at: timestamp(now),
                    author: Actor::customer(customer_id),
                }),
                Err(mut field_errors) => errors.append(&mut field_errors),
            }
        }
        if errors.is_empty() {
            Ok(documents)
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// Moves the documents of a stored submission out of the customer's
    /// pending area into the order's, then answers it. A document already
    /// moved (by an earlier attempt of the same request) is skipped, so a
    /// retry finishes what a failed attempt left.
    async fn file_documents(&self, customer_id: &str, outcome: Submitted) -> ApiResult {
        if let Submitted::Created(order) | Submitted::Replayed(order) = &outcome {
            for file in &order.files {
                let pending = UploadScope::NewOrder(customer_id).pending_key(&file.id);
                if self.files.head(&pending).await?.is_some() {
                    let key = order_file_key(&order.number, &file.id);
                    self.files.copy(&pending, &key, &file.content_type).await?;
                    self.files.delete(&pending).await?;
                }
            }
        }
        submitted(outcome)
    }

    /// The service and provider of `draft`, if the provider offers the
    /// service (R5.3).
    async fn offer(&self, draft: &OrderDraft) -> Result<(ServiceRef, ProviderRef), ApiError> {
        let page = self
            .catalog
            .service(&draft.service_id)
            .await?
            .ok_or_else(|| {
                not_offered(
                    "service_id",
                    format!("«Услуга»: услуги «{}» нет в каталоге.", draft.service_id),
                )
            })?;
        let provider = page
            .providers
            .iter()
            .find(|provider| provider.id == draft.provider_id)
            .ok_or_else(|| {
                not_offered(
                    "provider_id",
                    format!(
                        "«Организация, оказывающая услугу»: «{}» не оказывает услугу «{}». Выберите организацию на вкладке «Контакты» этой услуги.",
                        draft.provider_id, page.title
                    ),
                )
            })?;
        Ok((
            ServiceRef {
                id: page.id.clone(),
                title: page.title.clone(),
            },
            ProviderRef {
                id: provider.id.clone(),
                name: provider.name.clone(),
                kind: provider.kind.as_str().to_string(),
                city: provider.city.clone(),
            },
        ))
    }

    /// `GET /orders` (R6): the customer's orders, newest first.
    async fn list(&self, request: &Request, query: &Query) -> ApiResult {
        let identity = self.identify(request).await?;
        let party = Party::Customer(&identity.user_id);
        order_list::page(&self.orders, &self.cursors, query, party, Viewer::Customer).await
    }

    /// `GET /orders/{number}` (R7.1).
    async fn card(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;

        let card = self.own_card(&identity, &number).await?;

        json(StatusCode::OK, &CardView::of(&card, Viewer::Customer))
    }

    /// `POST /orders/{number}/cancel` (R7.2): before the order is finished.
    async fn cancel(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: CancelForm = optional_json_body(request)?;
        let reason = form.parse()?;

        let order = self.own_order(&identity, &number).await?;
        let transition = Transition::Cancel;
        transition.apply(order.status).map_err(status_conflict)?;
        let change = StatusChange {
            at: timestamp(OffsetDateTime::now_utc()),
            actor: Actor::customer(&identity.user_id),
            from: Some(order.status),
            to: transition.target(),
            reason: reason.map(|r| r.into_inner()),
        };
        let party = Party::Customer(&identity.user_id);
        let update = StatusUpdate {
            change: &change,
            executor: None,
            expected_completion: None,
        };
        if !self.orders.change_status(&number, party, update).await? {
            return Err(self.lost_race(&identity, &number, transition).await);
        }

        tracing::info!(number = %number, "order cancelled by the customer");
        let card = self.own_card(&identity, &number).await?;
        json(StatusCode::OK, &CardView::of(&card, Viewer::Customer))
    }

    /// `POST /orders/{number}/messages` (R7.4): a message to the executor.
    async fn message(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: MessageForm = json_body(request)?;
        let draft = form.parse()?;

        let order = self.own_order(&identity, &number).await?;
        if !order.status.accepts_messages() {
            return Err(order_closed(order.status));
        }
        let message = Message {
            at: timestamp(OffsetDateTime::now_utc()),
            author: Actor::customer(&identity.user_id),
            subject: draft.subject.into_inner(),
            text: draft.text.into_inner(),
        };
        let party = Party::Customer(&identity.user_id);
        if !self.orders.add_message(&number, party, &message).await? {
            let order = self.own_order(&identity, &number).await?;
            return Err(order_closed(order.status));
        }

        tracing::info!(number = %number, "customer wrote a message");
        json(
            StatusCode::CREATED,
            &HistoryView::message(&message, &order, Viewer::Customer),
        )
    }

    /// `POST /orders/{number}/rating` (R7.6): once, when «Выполнена».
    async fn rate(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: RatingForm = json_body(request)?;
        let draft = form.parse()?;

        let order = self.own_order(&identity, &number).await?;
        check_ratable(&order)?;
        let rating = Rating {
            score: draft.score,
            comment: draft.comment.map(|c| c.into_inner()),
            rated_at: timestamp(OffsetDateTime::now_utc()),
        };
        if !self
            .orders
            .rate(&number, &identity.user_id, &rating)
            .await?
        {
            let order = self.own_order(&identity, &number).await?;
            check_ratable(&order)?;
            return Err(ApiError::internal("a rating was refused for no reason"));
        }

        tracing::info!(number = %number, score = rating.score, "order rated");
        json(StatusCode::CREATED, &RatingView::from(&rating))
    }

    /// `POST /orders/uploads` (R5.1): a slot for a document of an order
    /// about to be submitted; its `upload_id` goes into `documents`.
    async fn new_order_upload(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let form: UploadForm = json_body(request)?;
        let declaration = form.parse(FileUse::Document)?;

        let id = new_upload_id();
        let key = UploadScope::NewOrder(&identity.user_id).pending_key(&id);
        let slot = self
            .files
            .upload_slot(id, &key, &declaration, FileUse::Document)
            .await?;
        tracing::info!(upload = %slot.upload_id, "upload slot issued for a new order");
        slot_issued(&slot)
    }

    /// `POST /orders/{number}/uploads` (R7.3): a slot for an extra file.
    async fn order_upload(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: UploadForm = json_body(request)?;
        let declaration = form.parse(FileUse::Document)?;

        let order = self.own_order(&identity, &number).await?;
        check_accepts_files(&order)?;
        let id = new_upload_id();
        let key = UploadScope::Order(&number).pending_key(&id);
        let slot = self
            .files
            .upload_slot(id, &key, &declaration, FileUse::Document)
            .await?;
        tracing::info!(number = %number, upload = %slot.upload_id, "upload slot issued");
        slot_issued(&slot)
    }

    /// `POST /orders/{number}/files` (R7.3): the uploaded file joins the
    /// order once S3 confirms its size and type.
    async fn attach(&self, request: &Request, number: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let form: ConfirmForm = json_body(request)?;
        let id = form.parse()?;

        let order = self.own_order(&identity, &number).await?;
        if let Some(file) = order.file(id.as_str()) {
            // Confirmed already: the same answer again.
            return json(
                StatusCode::CREATED,
                &FileView::of(file, &order, Viewer::Customer),
            );
        }
        check_accepts_files(&order)?;
        let pending = UploadScope::Order(&number).pending_key(&id);
        let upload = order_files::verify(&self.files, &pending, FileUse::Document).await?;
        let key = order_file_key(&number, &id);
        self.files.copy(&pending, &key, upload.content_type).await?;
        let file = AttachedFile {
            id,
            name: upload.name,
            content_type: upload.content_type.to_string(),
            size: upload.size,
            uploaded_at: timestamp(OffsetDateTime::now_utc()),
            author: Actor::customer(&identity.user_id),
        };
        if !self
            .orders
            .attach_file(&number, &identity.user_id, &file)
            .await?
        {
            let order = self.own_order(&identity, &number).await?;
            if let Some(stored) = order.file(file.id.as_str()) {
                // A concurrent confirmation of the same upload won.
                return json(
                    StatusCode::CREATED,
                    &FileView::of(stored, &order, Viewer::Customer),
                );
            }
            self.files.delete_quietly(&key).await;
            self.files.delete_quietly(&pending).await;
            check_accepts_files(&order)?;
            return Err(ApiError::internal(
                "attaching a file was refused for no reason",
            ));
        }
        self.files.delete_quietly(&pending).await;

        tracing::info!(number = %number, file = %file.id, "file attached by the customer");
        json(
            StatusCode::CREATED,
            &FileView::of(&file, &order, Viewer::Customer),
        )
    }

    /// `GET /orders/{number}/files/{fileId}`: a download link.
    async fn download(&self, request: &Request, number: &str, file_id: &str) -> ApiResult {
        let identity = self.identify(request).await?;
        let number = parse_number(number)?;
        let order = self.own_order(&identity, &number).await?;
        order_files::download(&self.files, &order, file_id).await
    }

    /// The customer behind the bearer token. Executors are refused: one
    /// could otherwise order from their own provider, take and complete the
    /// order in the back office and rate it.
    async fn identify(&self, request: &Request) -> Result<Identity, ApiError> {
        let token = bearer_token(request).ok_or_else(ApiError::unauthorized)?;
        let identity = self.verifier.verify(token).await?;
        if identity.is_executor() {
            return Err(executors_cannot_order());
        }
        Ok(identity)
    }

    /// Order `number` if it is the caller's; 404 otherwise, whether it
    /// exists or not.
    async fn own_order(
        &self,
        identity: &Identity,
        number: &OrderNumber,
    ) -> Result<Order, ApiError> {
        self.orders
            .get(number)
            .await?
            .filter(|order| order.belongs_to(&identity.user_id))
            .ok_or_else(order_not_found)
    }

    async fn own_card(&self, identity: &Identity, number: &OrderNumber) -> Result<Card, ApiError> {
        self.orders
            .card(number)
            .await?
            .filter(|card| card.order.belongs_to(&identity.user_id))
            .ok_or_else(order_not_found)
    }

    /// The answer to a change of status whose condition failed: the order
    /// changed since it was read.
    async fn lost_race(
        &self,
        identity: &Identity,
        number: &OrderNumber,
        transition: Transition,
    ) -> ApiError {
        match self.own_order(identity, number).await {
            Ok(order) => changed_meanwhile(transition, order.status),
            Err(error) => error,
        }
    }
}

impl Handler for OrdersApi {
    async fn handle(&self, request: Request) -> Response<Body> {
        self.answer(&request)
            .await
            .unwrap_or_else(ApiError::into_response)
    }
}

/// The answer to a submission: 201 with the order, marked as a replay when
/// an earlier request made it; 422 when the key was used for another one.
fn submitted(outcome: Submitted) -> ApiResult {
    let (order, replayed) = match outcome {
        Submitted::Created(order) => (order, false),
        Submitted::Replayed(order) => (order, true),
        Submitted::KeyReused => return Err(key_reused()),
    };
    tracing::info!(number = %order.number, replayed, "order submitted");
    let mut response = json(StatusCode::CREATED, &CreatedView::of(&order))?;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, header_value(&order.number.link())?);
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    Ok(response)
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn header_value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(text).map_err(ApiError::internal)
}

fn parse_number(raw: &str) -> Result<OrderNumber, ApiError> {
    OrderNumber::parse(raw).ok_or_else(order_not_found)
}

/// 201 with an upload slot.
fn slot_issued(slot: &UploadSlot) -> ApiResult {
    json(StatusCode::CREATED, slot)
}

/// Whether the customer may attach another file to `order`: 409 when it
/// is cancelled or rejected, or holds as many files as it may.
fn check_accepts_files(order: &Order) -> Result<(), ApiError> {
    if !order.status.accepts_messages() {
        return Err(files_closed(order.status));
    }
    if !order.accepts_files() {
        return Err(too_many_files());
    }
    Ok(())
}

fn check_ratable(order: &Order) -> Result<(), ApiError> {
    if order.rating.is_some() {
        return Err(already_rated());
    }
    if order.status != OrderStatus::Done {
        return Err(not_completed(order.status));
    }
    Ok(())
}

/// 409 of a second rating of one order (R7.6).
pub(crate) fn already_rated() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_rated",
        "Вы уже оценили эту заявку: оценку ставят один раз.",
    )
}

/// 409 of a rating of an order that is not «Выполнена».
pub(crate) fn not_completed(status: OrderStatus) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "not_completed",
        format!(
            "Оценить можно только выполненную заявку, а эта в статусе «{}».",
            status.title()
        ),
    )
}

fn unknown_path() -> ApiError {
    ApiError::not_found("Такого адреса нет в разделе «Заявки».")
}

pub(crate) fn executors_cannot_order() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "executors_cannot_order",
        "Исполнители не могут подавать заявки и действовать в разделе «Заявки» от имени заказчика. Войдите с учётной записью заказчика.",
    )
}

pub(crate) fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "С этим ключом Idempotency-Key уже отправлена другая заявка. Для новой заявки используйте новый ключ.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order_form::parse_status_filter;
    use crate::http::Query;

    #[test]
    fn the_request_hash_is_hex_sha256() {
        assert_eq!(
            hex_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_file_event_fixtures_are_requests_of_the_file_routes() {
        let event = |text: &str| {
            lambda_http::request::from_str(text)
                .expect("an events/orders-*.json is an HTTP API v2 event")
        };
        for text in [
            include_str!("../../../events/orders-upload-document.json"),
            include_str!("../../../events/orders-upload-file.json"),
        ] {
            let request = event(text);
            assert_eq!(request.method(), Method::POST);
            assert_eq!(
                path_segments(&request).last().map(String::as_str),
                Some("uploads")
            );
            let form: UploadForm = json_body(&request).expect("an upload form");
            assert!(form.parse(FileUse::Document).is_ok());
        }
        let attach = event(include_str!("../../../events/orders-attach-file.json"));
        assert_eq!(path_segments(&attach), ["orders", "261204-7KQ2MX", "files"]);
        let form: ConfirmForm = json_body(&attach).expect("a confirmation");
        assert!(form.parse().is_ok());
        let file = event(include_str!("../../../events/orders-file.json"));
        assert_eq!(file.method(), Method::GET);
        assert_eq!(
            path_segments(&file)[..3],
            ["orders", "261204-7KQ2MX", "files"]
        );
        assert!(UploadId::parse(&path_segments(&file)[3]).is_some());
        assert!(bearer_token(&file).is_some());
    }

    #[test]
    fn the_event_fixtures_are_api_gateway_requests_of_the_routes() {
        for (text, method, path) in [
            (
                include_str!("../../../events/orders-submit.json"),
                Method::POST,
                vec!["orders"],
            ),
            (
                include_str!("../../../events/orders-list.json"),
                Method::GET,
                vec!["orders"],
            ),
            (
                include_str!("../../../events/orders-card.json"),
                Method::GET,
                vec!["orders", "261204-7KQ2MX"],
            ),
            (
                include_str!("../../../events/orders-cancel.json"),
                Method::POST,
                vec!["orders", "261204-7KQ2MX", "cancel"],
            ),
            (
                include_str!("../../../events/orders-message.json"),
                Method::POST,
                vec!["orders", "261204-7KQ2MX", "messages"],
            ),
            (
                include_str!("../../../events/orders-rating.json"),
                Method::POST,
                vec!["orders", "261204-7KQ2MX", "rating"],
            ),
        ] {
            let request = lambda_http::request::from_str(text)
                .expect("an events/orders-*.json file is an HTTP API v2 event");
            assert_eq!(request.method(), method);
            assert_eq!(path_segments(&request), path);
            assert!(bearer_token(&request).is_some());
        }

        let submit =
            lambda_http::request::from_str(include_str!("../../../events/orders-submit.json"))
                .expect("an HTTP API v2 event");
        assert!(submit.headers().contains_key(IDEMPOTENCY_KEY_HEADER));
        let form: OrderForm = json_body(&submit).expect("the fixture's body is an order form");
        assert!(form.parse().is_ok(), "the fixture's form is valid");
        let list = lambda_http::request::from_str(include_str!("../../../events/orders-list.json"))
            .expect("an HTTP API v2 event");
        let query = Query::parse(&list, &["status", "limit", "cursor"]).expect("a valid query");
        assert!(parse_status_filter(query.get("status").as_deref()).is_ok());
        let message =
            lambda_http::request::from_str(include_str!("../../../events/orders-message.json"))
                .expect("an HTTP API v2 event");
        let form: MessageForm = json_body(&message).expect("a message form");
        assert!(form.parse().is_ok(), "the fixture's message is valid");
        let rating =
            lambda_http::request::from_str(include_str!("../../../events/orders-rating.json"))
                .expect("an HTTP API v2 event");
        let form: RatingForm = json_body(&rating).expect("a rating form");
        assert!(form.parse().is_ok(), "the fixture's rating is valid");
    }
}
