//! What the order tests share: a stack with the product's catalog loaded,
//! the orders, back-office and profile handlers on it, customers and
//! executors made with the Cognito SDK, and short ways to call the routes.
//!
//! Customers sign up, are confirmed by the admin API and sign in with
//! `USER_PASSWORD_AUTH`, so their tokens are the emulator's own. Executors
//! are made the way operators make them: a pool user in group `executors`
//! and in group `provider:<id>`.

#![allow(dead_code)]

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_dynamodb::types::Select;
use cabinet::catalog::Catalog;
use cabinet::handlers::backoffice::BackofficeApi;
use cabinet::handlers::orders::OrdersApi;
use cabinet::handlers::profile::ProfileApi;
use cabinet::identity::{TokenVerifier, VerifierConfig};
use cabinet::paging::CursorKey;
use cabinet::runtime::Handler;
use cabinet_tests::{Stack, get, post_json, raw, read_json, with_bearer};
use http::{HeaderMap, StatusCode};
use lambda_http::Request;
use serde_json::{Value, json};

/// Password of every test user; it meets the pool's policy.
pub const PASSWORD: &str = "Secret123";

/// The cursor signing key of the tests.
pub const CURSOR_SECRET: &str = "test-cursor-key-0123456789abcdef-0123456789";

/// A service and two providers of it, and a provider that does not offer it,
/// from `data/catalog.json`.
pub const SERVICE: &str = "ata-carnet";
/// Offers [`SERVICE`].
pub const PROVIDER: &str = "chamber-moscow";
/// Offers [`SERVICE`] too.
pub const OTHER_PROVIDER: &str = "chamber-spb";
/// Does not offer [`SERVICE`].
pub const FOREIGN_PROVIDER: &str = "chamber-mosobl";

/// A stack with the catalog and the three handlers.
pub struct World {
    /// The emulator's resources of this test.
    pub stack: Stack,
    /// `OrdersApi` on them.
    pub orders: OrdersApi,
    /// `BackofficeApi` on them.
    pub backoffice: BackofficeApi,
    /// `ProfileApi` on them.
    pub profile: ProfileApi,
}

/// A user signed in: their login, `sub` and access token.
#[derive(Clone)]
pub struct User {
    /// The login.
    pub email: String,
    /// The pool's id of the user.
    pub sub: String,
    /// Bearer access token.
    pub token: String,
}

/// An answer: status, headers and JSON body.
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// JSON body (`Null` when none); an HTML page as one string.
    pub body: Value,
}

/// A verifier of the tokens of `stack`'s pool and app client.
pub fn verifier(stack: &Stack) -> TokenVerifier {
    TokenVerifier::new(VerifierConfig {
        issuer: stack.issuer(),
        client_id: stack.client_id.clone(),
        jwks_url: stack.jwks_url(),
    })
    .expect("the verifier builds")
}

/// The cursor key of the tests.
pub fn cursors() -> CursorKey {
    CursorKey::new(CURSOR_SECRET).expect("the test key is long enough")
}

/// A fresh stack with `data/catalog.json` loaded and the handlers on it.
pub async fn world() -> World {
    let stack = Stack::fresh().await;
    let catalog = Catalog::from_json(include_str!("../../../data/catalog.json"))
        .expect("the product's catalog is valid");
    cabinet::store::catalog::import(&stack.dynamodb(), &stack.table, &catalog)
        .await
        .expect("the emulator takes the catalog");
    let orders = OrdersApi::new(
        stack.dynamodb(),
        stack.table.clone(),
        verifier(&stack),
        cursors(),
        stack.files(),
    );
    let backoffice = BackofficeApi::new(
        stack.dynamodb(),
        stack.table.clone(),
        stack.cognito(),
        verifier(&stack),
        cursors(),
        stack.files(),
    );
    let profile = ProfileApi::new(
        stack.dynamodb(),
        stack.table.clone(),
        stack.cognito(),
        verifier(&stack),
        cabinet_tests::unsubscribe_key(),
        stack.files(),
    );
    World {
        stack,
        orders,
        backoffice,
        profile,
    }
}

/// Signs `email` up with names and phone, confirms and signs in.
async fn account(stack: &Stack, email: &str, given: &str, family: &str) -> User {
    stack
        .confirmed_account(
            email,
            PASSWORD,
            &[
                ("given_name", given),
                ("family_name", family),
                ("phone_number", "+79001234567"),
            ],
        )
        .await;
    let sub = stack
        .cognito()
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .send()
        .await
        .expect("the emulator finds the user")
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value().map(str::to_string))
        .expect("every user has a sub");
    User {
        email: email.to_string(),
        sub,
        token: sign_in(stack, email).await,
    }
}

async fn sign_in(stack: &Stack, email: &str) -> String {
    stack
        .cognito()
        .initiate_auth()
        .client_id(&stack.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("the user signs in")
        .authentication_result()
        .and_then(|tokens| tokens.access_token())
        .expect("a confirmed user gets an access token")
        .to_string()
}

/// A customer: Иван Петров, +79001234567.
pub async fn customer(stack: &Stack, email: &str) -> User {
    account(stack, email, "Иван", "Петров").await
}

/// An executor of `provider`: Пётр Сидоров, in groups `executors` and
/// `provider:<provider>`, signed in after joining them (groups are in the
/// token from its issue on).
pub async fn executor(stack: &Stack, email: &str, provider: &str) -> User {
    let user = account(stack, email, "Пётр", "Сидоров").await;
    join(stack, &user, "executors").await;
    let group = format!("provider:{provider}");
    let created = stack
        .cognito()
        .create_group()
        .user_pool_id(&stack.user_pool_id)
        .group_name(&group)
        .send()
        .await;
    if let Err(error) = created {
        let exists = error
            .as_service_error()
            .is_some_and(|e| e.is_group_exists_exception());
        assert!(exists, "the emulator creates the group: {error:?}");
    }
    join(stack, &user, &group).await;
    User {
        token: sign_in(stack, email).await,
        ..user
    }
}

/// Adds `user` to `group`; their next token carries it.
pub async fn join(stack: &Stack, user: &User, group: &str) {
    stack
        .cognito()
        .admin_add_user_to_group()
        .user_pool_id(&stack.user_pool_id)
        .username(&user.email)
        .group_name(group)
        .send()
        .await
        .expect("the emulator adds the user to the group");
}

/// Answers `request` with `handler`.
pub async fn call<H: Handler>(handler: &H, request: Request) -> Answer {
    let response = handler.handle(request).await;
    let headers = response.headers().clone();
    let is_html = headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    let (status, body) = if is_html {
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        (response.status(), Value::String(text))
    } else {
        read_json(response).await
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// A GET of `path` as `user`.
pub async fn get_as<H: Handler>(handler: &H, user: &User, path: &str) -> Answer {
    call(handler, with_bearer(get(path), &user.token)).await
}

/// A POST of `body` to `path` as `user`.
pub async fn post_as<H: Handler>(handler: &H, user: &User, path: &str, body: Value) -> Answer {
    call(handler, with_bearer(post_json(path, &body), &user.token)).await
}

/// A POST without a body to `path` as `user`.
pub async fn post_empty_as<H: Handler>(handler: &H, user: &User, path: &str) -> Answer {
    call(
        handler,
        with_bearer(raw("POST", path, None, ""), &user.token),
    )
    .await
}

/// The order form for `service` at `provider`, with the full contact.
pub fn form(service: &str, provider: &str) -> Value {
    json!({
        "service_id": service,
        "provider_id": provider,
        "subject": "Карнет АТА для выставки",
        "text": "Прошу оформить карнет АТА на временный вывоз образцов для выставки.",
        "contact": {
            "first_name": "Иван",
            "last_name": "Петров",
            "patronymic": "",
            "email": "ivan@example.ru",
            "phone": "8 (900) 123-45-67",
            "organization": "ООО «Ромашка»",
        },
    })
}

/// `POST /orders` of `body` with `Idempotency-Key: key`.
pub async fn submit_with(world: &World, user: &User, key: &str, body: &Value) -> Answer {
    let mut request = with_bearer(post_json("/orders", body), &user.token);
    request.headers_mut().insert(
        "idempotency-key",
        key.parse().expect("a test key is a header value"),
    );
    call(&world.orders, request).await
}

/// Submits a valid order for [`SERVICE`] at `provider` under a fresh key
/// and answers its number.
pub async fn submit(world: &World, user: &User, provider: &str) -> String {
    let key = format!("key-{}", unique());
    let answer = submit_with(world, user, &key, &form(SERVICE, provider)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    number_of(&answer.body)
}

/// The `number` of an answer.
pub fn number_of(body: &Value) -> String {
    body["number"]
        .as_str()
        .unwrap_or_else(|| panic!("an answer with a number: {body}"))
        .to_string()
}

/// A number no other call of this process gets.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The customer's card of order `number`.
pub async fn customer_card(world: &World, user: &User, number: &str) -> Value {
    let answer = get_as(&world.orders, user, &format!("/orders/{number}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// The executor's card of order `number`.
pub async fn executor_card(world: &World, user: &User, number: &str) -> Value {
    let answer = get_as(
        &world.backoffice,
        user,
        &format!("/executor/orders/{number}"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// `(kind, to or subject)` of every history entry of a card, in order.
pub fn history(card: &Value) -> Vec<(String, String)> {
    card["history"]
        .as_array()
        .expect("a card has a history")
        .iter()
        .map(|entry| {
            let kind = entry["kind"].as_str().expect("an entry has a kind");
            let what = match kind {
                "status" => entry["to"]["code"].as_str(),
                _ => entry["subject"].as_str(),
            };
            (kind.to_string(), what.unwrap_or_default().to_string())
        })
        .collect()
}

/// Every page of the list at `path` (which may carry a query), following
/// `next_cursor` until it is `null`: the numbers in order, and the sizes of
/// the pages.
pub async fn all_pages<H: Handler>(
    handler: &H,
    user: &User,
    path: &str,
) -> (Vec<String>, Vec<usize>) {
    let mut numbers = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    let separator = if path.contains('?') { '&' } else { '?' };
    loop {
        let url = match &cursor {
            Some(cursor) => format!("{path}{separator}cursor={cursor}"),
            None => path.to_string(),
        };
        let answer = get_as(handler, user, &url).await;
        assert_eq!(answer.status, StatusCode::OK, "{url}: {}", answer.body);
        let items = answer.body["items"].as_array().expect("a page has items");
        sizes.push(items.len());
        numbers.extend(items.iter().map(number_of));
        cursor = answer.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            return (numbers, sizes);
        }
        assert!(sizes.len() < 200, "the list never ends");
    }
}

/// Every item of the stack's table (a test may scan; the product never does).
pub async fn item_count(stack: &Stack) -> i32 {
    stack
        .dynamodb()
        .scan()
        .table_name(&stack.table)
        .select(Select::Count)
        .send()
        .await
        .expect("the emulator scans the table")
        .count()
}

/// A message body of the right lengths.
pub fn message(subject: &str) -> Value {
    json!({
        "subject": subject,
        "text": "Уточните, пожалуйста, перечень образцов и их стоимость.",
    })
}
