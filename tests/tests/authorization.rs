//! The authorization matrix: every route of the API, as the local router in
//! `Cargo.toml` lists it, called by every kind of caller, with the answer
//! each must get.
//!
//! The routes come from the router, not from this file: a route the router
//! has and [`ACCESS`] does not fails the test by name, and so does a line of
//! [`ACCESS`] for a route that is gone. To add a route, add its line to
//! [`ACCESS`] (and, if it takes a body, its body to [`body_for`]).
//!
//! Each request carries a valid body, so a refusal comes from authorization
//! and not from validation; each route with an order in its path gets an
//! order in the state its granted caller needs (a fresh one for every route
//! that changes an order), the refused callers go first, and the whole table
//! must be unchanged after them.

mod orders_support;

use std::collections::HashMap;
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cabinet::domain::file::UploadId;
use cabinet::domain::profile::NotificationKind;
use cabinet::handlers::auth::AuthApi;
use cabinet::handlers::catalog::CatalogApi;
use cabinet_tests::{
    REQUIRED_ATTRIBUTES, Stack, attribute, forged, raw, resigned_by_emulator, upload,
};
use http::StatusCode;
use lambda_http::Request;
use orders_support::*;
use serde_json::{Value, json};
use xtask::accounts::password_sign_in;
use xtask::router::RouterEntry;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, with any `Authorization` or none: the answer does not depend
    /// on the caller.
    Public,
    /// Any signed-in user of our pool and app client, customer or executor,
    /// acting on their own account.
    SignedIn,
    /// Customers, for themselves; executors are refused (403
    /// `executors_cannot_order`).
    Customer,
    /// The customer who owns the order in the path; another customer gets
    /// 404, as for an order that does not exist; executors are refused (403).
    OrderCustomer,
    /// Executors, for their provider; customers are refused (403
    /// `not_an_executor`).
    Executor,
    /// Executors of the provider the order in the path went to; an executor
    /// of another provider gets 404, as for an order that does not exist;
    /// customers are refused (403).
    OrderExecutor,
}

/// What a caller gets: a status, and for a problem its stable `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A success with this status.
    Success(u16),
    /// `application/problem+json` with this status and code.
    Problem(u16, &'static str),
}

use Access::*;
use Outcome::*;

/// Every route: who may call it, and what a caller who may gets with the
/// body of [`body_for`].
const ACCESS: &[(&str, &str, Access, Outcome)] = &[
    ("POST", "/auth/sign-up", Public, Success(201)),
    ("POST", "/auth/confirm", Public, Success(204)),
    // moto has no ResendConfirmationCode (README, Known limitations); AWS
    // answers 202.
    (
        "POST",
        "/auth/resend-code",
        Public,
        Problem(503, "service_unavailable"),
    ),
    ("POST", "/auth/sign-in", Public, Success(200)),
    ("POST", "/auth/refresh", Public, Success(200)),
    ("POST", "/auth/sign-out", SignedIn, Success(204)),
    ("POST", "/auth/forgot-password", Public, Success(202)),
    ("POST", "/auth/reset-password", Public, Success(204)),
    ("POST", "/auth/change-password", SignedIn, Success(204)),
    ("GET", "/profile", SignedIn, Success(200)),
    ("PUT", "/profile", SignedIn, Success(200)),
    // Nothing is pending: moto applies a new address at once.
    (
        "POST",
        "/profile/email/confirm",
        SignedIn,
        Problem(409, "no_pending_email"),
    ),
    ("POST", "/unsubscribe", Public, Success(200)),
    ("POST", "/profile/photo/upload", SignedIn, Success(201)),
    ("PUT", "/profile/photo", SignedIn, Success(200)),
    ("DELETE", "/profile/photo", SignedIn, Success(200)),
    ("GET", "/catalog/categories", Public, Success(200)),
    ("GET", "/catalog/services", Public, Success(200)),
    ("GET", "/catalog/services/{serviceId}", Public, Success(200)),
    (
        "GET",
        "/catalog/services/{serviceId}/providers",
        Public,
        Success(200),
    ),
    ("GET", "/faq", Public, Success(200)),
    ("GET", "/openapi.json", Public, Success(200)),
    ("GET", "/docs", Public, Success(200)),
    ("GET", "/orders", Customer, Success(200)),
    ("POST", "/orders", Customer, Success(201)),
    ("POST", "/orders/uploads", Customer, Success(201)),
    ("GET", "/orders/{number}", OrderCustomer, Success(200)),
    (
        "POST",
        "/orders/{number}/cancel",
        OrderCustomer,
        Success(200),
    ),
    (
        "POST",
        "/orders/{number}/messages",
        OrderCustomer,
        Success(201),
    ),
    (
        "POST",
        "/orders/{number}/rating",
        OrderCustomer,
        Success(201),
    ),
    (
        "POST",
        "/orders/{number}/uploads",
        OrderCustomer,
        Success(201),
    ),
    (
        "POST",
        "/orders/{number}/files",
        OrderCustomer,
        Success(201),
    ),
    (
        "GET",
        "/orders/{number}/files/{fileId}",
        OrderCustomer,
        Success(200),
    ),
    ("GET", "/executor/orders", Executor, Success(200)),
    (
        "GET",
        "/executor/orders/{number}",
        OrderExecutor,
        Success(200),
    ),
    (
        "POST",
        "/executor/orders/{number}/take",
        OrderExecutor,
        Success(200),
    ),
    (
        "POST",
        "/executor/orders/{number}/messages",
        OrderExecutor,
        Success(201),
    ),
    (
        "POST",
        "/executor/orders/{number}/complete",
        OrderExecutor,
        Success(200),
    ),
    (
        "POST",
        "/executor/orders/{number}/reject",
        OrderExecutor,
        Success(200),
    ),
    (
        "GET",
        "/executor/orders/{number}/files/{fileId}",
        OrderExecutor,
        Success(200),
    ),
];

/// Every kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// `Bearer abc`.
    NotAJwt,
    /// `Bearer` and three dot-separated pieces of garbage.
    GarbageJwt,
    /// `Basic` credentials.
    Basic,
    /// Customer A's claims, unsigned (`alg: none`).
    Unsigned,
    /// Customer A's claims, signed by another key under the pool's key id.
    Forged,
    /// Customer A's access token, expired an hour ago.
    Expired,
    /// A real access token of another user pool.
    OtherPool,
    /// Customer A's real access token through another app client of our pool.
    OtherClient,
    /// Customer A's real ID token in place of the access token.
    IdToken,
    /// Customer A, who owns the order in the path.
    CustomerA,
    /// Customer B, another customer.
    CustomerB,
    /// An executor of the provider the order went to.
    OwnExecutor,
    /// An executor of another provider.
    OtherExecutor,
}

use Caller::*;

const CALLERS: [Caller; 14] = [
    Anonymous,
    NotAJwt,
    GarbageJwt,
    Basic,
    Unsigned,
    Forged,
    Expired,
    OtherPool,
    OtherClient,
    IdToken,
    CustomerA,
    CustomerB,
    OwnExecutor,
    OtherExecutor,
];

impl Caller {
    /// Whether the caller is a signed-in user of our pool and client.
    fn is_user(self) -> bool {
        matches!(self, CustomerA | CustomerB | OwnExecutor | OtherExecutor)
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What `caller` gets from a route of `access` whose granted answer is
/// `granted`: the access rules of the README, as code.
fn expected(access: Access, caller: Caller, granted: Outcome) -> Outcome {
    const UNAUTHORIZED: Outcome = Problem(401, "unauthorized");
    const NOT_FOUND: Outcome = Problem(404, "not_found");
    const NOT_A_CUSTOMER: Outcome = Problem(403, "executors_cannot_order");
    const NOT_AN_EXECUTOR: Outcome = Problem(403, "not_an_executor");
    match (access, caller) {
        (Public, _) => granted,
        (_, caller) if !caller.is_user() => UNAUTHORIZED,
        (SignedIn, _) => granted,
        (Customer | OrderCustomer, OwnExecutor | OtherExecutor) => NOT_A_CUSTOMER,
        (Customer, _) | (OrderCustomer, CustomerA) => granted,
        (OrderCustomer, _) => NOT_FOUND,
        (Executor | OrderExecutor, CustomerA | CustomerB) => NOT_AN_EXECUTOR,
        (Executor, _) | (OrderExecutor, OwnExecutor) => granted,
        (OrderExecutor, _) => NOT_FOUND,
    }
}

/// The rule of every route of the router, or the list of what is wrong:
/// routes without a rule, rules without a route, rules given twice.
fn rules(routes: &[RouterEntry]) -> Result<Vec<(RouterEntry, Access, Outcome)>, Vec<String>> {
    let mut problems = Vec::new();
    let mut ruled = Vec::new();
    for route in routes {
        let lines: Vec<_> = ACCESS
            .iter()
            .filter(|(method, path, ..)| *method == route.method && *path == route.path)
            .collect();
        match lines.as_slice() {
            [(_, _, access, granted)] => ruled.push((route.clone(), *access, *granted)),
            [] => problems.push(format!(
                "{} {} (function {}) has no line in ACCESS of tests/tests/authorization.rs: \
                 say who may call it",
                route.method, route.path, route.function
            )),
            _ => problems.push(format!(
                "{} {} has {} lines in ACCESS",
                route.method,
                route.path,
                lines.len()
            )),
        }
    }
    for (method, path, ..) in ACCESS {
        if !routes
            .iter()
            .any(|r| r.method == *method && r.path == *path)
        {
            problems.push(format!(
                "{method} {path} is in ACCESS but not in the router of Cargo.toml"
            ));
        }
    }
    if problems.is_empty() {
        Ok(ruled)
    } else {
        Err(problems)
    }
}

fn router() -> Vec<RouterEntry> {
    xtask::router::routes(&xtask::workspace_root()).expect("the router of Cargo.toml reads")
}

/// Every route of the router has exactly one line in [`ACCESS`], every line
/// names a route, and the public routes are exactly those the template
/// serves without API Gateway's JWT authorizer.
#[test]
fn every_route_has_one_access_rule_agreeing_with_the_template() {
    let ruled = rules(&router()).unwrap_or_else(|problems| panic!("{}", problems.join("\n")));
    let template = xtask::template::Template::load(&xtask::workspace_root())
        .expect("infra/template.yaml parses");
    let authorized: HashMap<(String, String), bool> = template
        .routes()
        .expect("the template's routes read")
        .into_iter()
        .map(|r| ((r.method, r.path), r.authorized))
        .collect();
    for (route, access, _) in ruled {
        let key = (route.method.clone(), route.path.clone());
        assert_eq!(
            authorized.get(&key),
            Some(&(access != Public)),
            "{} {}: ACCESS says {access:?}, the template's authorizer says otherwise",
            route.method,
            route.path
        );
    }
}

#[test]
fn a_route_without_a_rule_or_a_rule_without_a_route_is_named() {
    let mut routes = router();
    routes.push(RouterEntry {
        path: "/orders/{number}/archive".into(),
        method: "POST".into(),
        function: "orders".into(),
    });
    routes.retain(|r| r.path != "/faq");
    let problems = rules(&routes).expect_err("the table no longer matches");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("POST /orders/{number}/archive (function orders)"));
    assert!(problems[1].starts_with("GET /faq is in ACCESS but not in the router"));
}

/// A signed-in user whose session and password the matrix may renew.
struct Account {
    email: String,
    password: String,
    token: String,
}

/// The tokens of a sign-in through `client_id`.
struct Session {
    access: String,
    id: String,
    refresh: String,
}

async fn session(stack: &Stack, client_id: &str, email: &str, password: &str) -> Session {
    let tokens = password_sign_in(&stack.cognito(), client_id, email, password)
        .await
        .unwrap_or_else(|e| panic!("{email} signs in: {e:#}"));
    Session {
        access: tokens.access,
        id: tokens.id,
        refresh: tokens.refresh,
    }
}

/// Everything the matrix calls and acts on.
struct Matrix {
    world: World,
    auth: AuthApi,
    catalog: CatalogApi,
    /// Customer A, customer B, the provider's executor, another provider's.
    users: HashMap<Caller, Account>,
    /// `Authorization` of each caller who is not a user.
    strangers: HashMap<Caller, Option<String>>,
    /// Customer A's order at [`PROVIDER`], with one file, never changed.
    order: String,
    file_id: String,
    /// The confirmed account of the public sign-in, refresh and reset routes.
    visitor: Account,
    visitor_refresh: String,
    /// Customer A's sub, for the unsubscribe link.
    customer_a_sub: String,
}

impl Matrix {
    async fn new() -> Self {
        let world = world().await;
        let stack = &world.stack;
        // moto answers ResendConfirmationCode, which it lacks, with a 500
        // that the SDK would retry with back-off; one attempt tells as much.
        let cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::config::Builder::from(&stack.sdk)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        );
        let auth = AuthApi::new(cognito, stack.client_id.clone(), verifier(stack));
        let catalog = CatalogApi::new(stack.dynamodb(), stack.table.clone());

        let a = customer(stack, "customer.a@example.ru").await;
        let b = customer(stack, "customer.b@example.ru").await;
        let own = executor(stack, "executor@mostpp.example.ru", PROVIDER).await;
        let other = executor(stack, "executor@spbtpp.example.ru", OTHER_PROVIDER).await;
        let strangers = strangers(stack, &a).await;
        let users = [
            (CustomerA, &a),
            (CustomerB, &b),
            (OwnExecutor, &own),
            (OtherExecutor, &other),
        ]
        .into_iter()
        .map(|(caller, user)| {
            let account = Account {
                email: user.email.clone(),
                password: PASSWORD.into(),
                token: user.token.clone(),
            };
            (caller, account)
        })
        .collect();

        let visitor_email = "visitor@example.ru";
        stack
            .confirmed_account(visitor_email, PASSWORD, &REQUIRED_ATTRIBUTES)
            .await;
        let visitor_refresh = session(stack, &stack.client_id, visitor_email, PASSWORD)
            .await
            .refresh;
        let mut matrix = Self {
            auth,
            catalog,
            users,
            strangers,
            order: String::new(),
            file_id: String::new(),
            visitor: Account {
                email: visitor_email.into(),
                password: PASSWORD.into(),
                token: String::new(),
            },
            visitor_refresh,
            customer_a_sub: a.sub.clone(),
            world,
        };
        matrix.order = matrix.order_in_state(Prepared::Submitted).await;
        matrix.file_id = matrix.attach_file(&matrix.order.clone()).await;
        matrix
    }

    fn user(&self, caller: Caller) -> &Account {
        &self.users[&caller]
    }

    fn customer_a(&self) -> User {
        self.as_user(CustomerA)
    }

    fn as_user(&self, caller: Caller) -> User {
        let account = self.user(caller);
        User {
            email: account.email.clone(),
            sub: String::new(),
            token: account.token.clone(),
        }
    }

    /// A new order of customer A at [`PROVIDER`], brought to `state`
    /// through the routes themselves.
    async fn order_in_state(&self, state: Prepared) -> String {
        let number = submit(&self.world, &self.customer_a(), PROVIDER).await;
        let executor = self.as_user(OwnExecutor);
        let steps: &[&str] = match state {
            Prepared::Submitted => &[],
            Prepared::InProgress => &["take"],
            Prepared::Done => &["take", "complete"],
        };
        for step in steps {
            let path = format!("/executor/orders/{number}/{step}");
            let answer = post_empty_as(&self.world.backoffice, &executor, &path).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        }
        number
    }

    /// An upload of customer A for order `number`, in S3 but not confirmed:
    /// its id.
    async fn pending_upload(&self, number: &str) -> String {
        let bytes = b"%PDF-1.4\n% a test document\n%%EOF\n";
        let answer = post_as(
            &self.world.orders,
            &self.customer_a(),
            &format!("/orders/{number}/uploads"),
            json!({"name": "Договор.pdf", "type": "application/pdf", "size": bytes.len()}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let (status, text) = upload(&answer.body, bytes).await;
        assert!(status.is_success(), "S3 takes the upload: {status} {text}");
        answer.body["upload_id"]
            .as_str()
            .expect("a slot has an upload id")
            .into()
    }

    /// A file attached to order `number` by customer A: its id.
    async fn attach_file(&self, number: &str) -> String {
        let upload_id = self.pending_upload(number).await;
        let answer = post_as(
            &self.world.orders,
            &self.customer_a(),
            &format!("/orders/{number}/files"),
            json!({ "upload_id": upload_id }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        upload_id
    }

    /// A photo uploaded by user `caller`, not yet made the profile's: its id.
    async fn pending_photo(&self, caller: Caller) -> String {
        let png = STANDARD
            .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
            .expect("a valid PNG in base64");
        let answer = post_as(
            &self.world.profile,
            &self.as_user(caller),
            "/profile/photo/upload",
            json!({"name": "Фото.png", "type": "image/png", "size": png.len()}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let (status, text) = upload(&answer.body, &png).await;
        assert!(status.is_success(), "S3 takes the photo: {status} {text}");
        answer.body["upload_id"]
            .as_str()
            .expect("a slot has an upload id")
            .into()
    }

    /// The `Authorization` header `caller` sends.
    fn authorization(&self, caller: Caller) -> Option<String> {
        match self.users.get(&caller) {
            Some(account) => Some(format!("Bearer {}", account.token)),
            None => self.strangers[&caller].clone(),
        }
    }

    /// The request of `caller` to `route` on `target`, with `body`.
    fn request(
        &self,
        route: &RouterEntry,
        caller: Caller,
        target: &Target,
        body: &Value,
    ) -> Request {
        let mut path = route
            .path
            .replace("{number}", &target.number)
            .replace("{fileId}", &self.file_id)
            .replace("{serviceId}", SERVICE);
        if route.path == "/unsubscribe" {
            let token = cabinet_tests::unsubscribe_key().issue(
                &self.customer_a_sub,
                NotificationKind::Status,
                0,
            );
            path = format!("{path}?token={token}");
        }
        let mut request = match body {
            Value::Null => raw(&route.method, &path, None, ""),
            body => raw(
                &route.method,
                &path,
                Some("application/json"),
                &body.to_string(),
            ),
        };
        let headers = request.headers_mut();
        if let Some(authorization) = self.authorization(caller) {
            headers.insert(
                http::header::AUTHORIZATION,
                authorization.parse().expect("a header value"),
            );
        }
        if route.method == "POST" && route.path == "/orders" {
            let key = format!("authz-{}", unique());
            headers.insert("idempotency-key", key.parse().expect("a header value"));
        }
        request
    }

    /// The order (and upload) the cases of `route` act on: the unchanged
    /// shared order for reading, a fresh one in the state the granted caller
    /// needs for a change.
    async fn target(&self, route: &RouterEntry) -> Target {
        let number = match (route.method.as_str(), route.path.as_str()) {
            (_, path) if !path.contains("{number}") => String::new(),
            ("GET", _) => self.order.clone(),
            (_, "/orders/{number}/rating") => self.order_in_state(Prepared::Done).await,
            (_, "/executor/orders/{number}/complete") => {
                self.order_in_state(Prepared::InProgress).await
            }
            _ => self.order_in_state(Prepared::Submitted).await,
        };
        // A confirmation needs an upload waiting for this very order.
        let upload = if route.path == "/orders/{number}/files" {
            Some(self.pending_upload(&number).await)
        } else {
            None
        };
        Target { number, upload }
    }

    /// Customer A's session and password still work with the pool.
    async fn customer_a_is_untouched(&self) -> Result<(), String> {
        let stack = &self.world.stack;
        let a = self.user(CustomerA);
        stack
            .cognito()
            .get_user()
            .access_token(&a.token)
            .send()
            .await
            .map_err(|e| format!("customer A's session ended: {e:?}"))?;
        stack
            .cognito()
            .initiate_auth()
            .client_id(&stack.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", &a.email)
            .auth_parameters("PASSWORD", &a.password)
            .send()
            .await
            .map_err(|e| format!("customer A's password changed: {e:?}"))?;
        Ok(())
    }

    /// Sends the request of `caller` to `route` on `target` with `body` to
    /// the route's function.
    async fn call(
        &self,
        route: &RouterEntry,
        caller: Caller,
        target: &Target,
        body: &Value,
    ) -> orders_support::Answer {
        let request = self.request(route, caller, target, body);
        self.send(&route.function, request).await
    }

    /// Sends `request` to the handler of `function`.
    async fn send(&self, function: &str, request: Request) -> orders_support::Answer {
        match function {
            "auth" => call(&self.auth, request).await,
            "catalog" => call(&self.catalog, request).await,
            "profile" => call(&self.world.profile, request).await,
            "orders" => call(&self.world.orders, request).await,
            "backoffice" => call(&self.world.backoffice, request).await,
            other => panic!("no handler for function {other}: add it to Matrix::send"),
        }
    }

    /// After a granted sign-out or change of password the user signs in
    /// again (with the new password), so later cases have a live session.
    async fn renew(&mut self, caller: Caller, route: &RouterEntry, body: &Value) {
        if !caller.is_user() {
            return;
        }
        let stack = &self.world.stack;
        let account = self.users.get_mut(&caller).expect("a user");
        match route.path.as_str() {
            "/auth/change-password" => {
                account.password = body["new_password"]
                    .as_str()
                    .expect("a new password")
                    .into();
            }
            "/auth/sign-out" => {}
            _ => return,
        }
        account.token = session(stack, &stack.client_id, &account.email, &account.password)
            .await
            .access;
    }
}

/// An order number no order has (no order is dated 1 January 2000).
const NO_SUCH_ORDER: &str = "000101-000000";

/// What the cases of one route act on.
struct Target {
    /// The order in the path (empty for a route without one).
    number: String,
    /// Customer A's upload waiting for that order, for the route that
    /// confirms one.
    upload: Option<String>,
}

/// The state a route's order must be in for its granted caller to succeed.
#[derive(Clone, Copy)]
enum Prepared {
    Submitted,
    InProgress,
    Done,
}

/// The callers who are not users: garbage, forgeries and real tokens that
/// are not ours, most of them made from customer A's own tokens.
async fn strangers(stack: &Stack, a: &User) -> HashMap<Caller, Option<String>> {
    let a_session = session(stack, &stack.client_id, &a.email, PASSWORD).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    // moto's tokens always last an hour, so the expired token is customer
    // A's own re-signed with the private key every moto pool signs with — a
    // device of the local stack only: on AWS the pool's key never leaves it.
    let expired = resigned_by_emulator(
        &a.token,
        json!({"iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}),
    );
    let claims = a.token.split('.').nth(1).expect("a JWT has claims");
    let unsigned = format!(
        "{}.{claims}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
    );

    let other_pool = Stack::fresh().await;
    other_pool
        .confirmed_account("stranger@example.ru", PASSWORD, &REQUIRED_ATTRIBUTES)
        .await;
    let stranger = session(
        &other_pool,
        &other_pool.client_id,
        "stranger@example.ru",
        PASSWORD,
    )
    .await;

    let other_client = stack.other_app_client().await;
    let via_other_client = session(stack, &other_client, &a.email, PASSWORD).await;

    let bearer = |token: &str| Some(format!("Bearer {token}"));
    HashMap::from([
        (Anonymous, None),
        (NotAJwt, bearer("abc")),
        (
            GarbageJwt,
            bearer("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl"),
        ),
        (
            Basic,
            Some(format!(
                "Basic {}",
                STANDARD.encode("customer.a@example.ru:Secret123")
            )),
        ),
        (Unsigned, bearer(&unsigned)),
        (Forged, bearer(&forged(&a.token, json!({})))),
        (Expired, bearer(&expired)),
        (OtherPool, bearer(&stranger.access)),
        (OtherClient, bearer(&via_other_client.access)),
        (IdToken, bearer(&a_session.id)),
    ])
}

/// A valid body of `route` for `caller`; `Null` for none. Routes that
/// create something get a new something per call.
async fn body_for(matrix: &Matrix, route: &RouterEntry, caller: Caller, target: &Target) -> Value {
    let n = unique();
    let document = json!({"name": "Скан паспорта.pdf", "type": "application/pdf", "size": 2048});
    let own_email = match matrix.users.get(&caller) {
        Some(account) => account.email.clone(),
        None => matrix.user(CustomerA).email.clone(),
    };
    match (route.method.as_str(), route.path.as_str()) {
        ("POST", "/auth/sign-up") => json!({
            "email": format!("new.{n}@example.ru"), "password": PASSWORD,
            "first_name": "Анна", "last_name": "Иванова", "phone": "8 900 111-22-33",
        }),
        ("POST", "/auth/confirm") => {
            let stack = &matrix.world.stack;
            let email = format!("unconfirmed.{n}@example.ru");
            let mut sign_up = stack
                .cognito()
                .sign_up()
                .client_id(&stack.client_id)
                .username(&email)
                .password(PASSWORD);
            for (name, value) in REQUIRED_ATTRIBUTES {
                sign_up = sign_up.user_attributes(attribute(name, value));
            }
            sign_up
                .send()
                .await
                .expect("the emulator signs the user up");
            json!({"email": email, "code": "123456"})
        }
        ("POST", "/auth/resend-code" | "/auth/forgot-password") => {
            json!({"email": matrix.visitor.email})
        }
        ("POST", "/auth/sign-in") => {
            json!({"email": matrix.visitor.email, "password": matrix.visitor.password})
        }
        ("POST", "/auth/refresh") => json!({"refresh_token": matrix.visitor_refresh}),
        ("POST", "/auth/reset-password") => json!({
            "email": matrix.visitor.email, "code": "123456", "new_password": PASSWORD,
        }),
        ("POST", "/auth/change-password") => {
            let old = match matrix.users.get(&caller) {
                Some(account) => account.password.clone(),
                None => PASSWORD.into(),
            };
            json!({"old_password": old, "new_password": format!("Changed{n}pass")})
        }
        ("PUT", "/profile") => json!({
            "first_name": "Иван", "last_name": "Петров", "email": own_email,
            "phone": "8 900 123-45-67",
        }),
        ("POST", "/profile/email/confirm") => json!({"code": "123456"}),
        ("POST", "/profile/photo/upload") => {
            json!({"name": "Фото.png", "type": "image/png", "size": 1024})
        }
        ("PUT", "/profile/photo") if caller.is_user() => {
            json!({"upload_id": matrix.pending_photo(caller).await})
        }
        ("PUT", "/profile/photo") => json!({"upload_id": UploadId::new(7)}),
        ("POST", "/orders/{number}/files") => json!({"upload_id": target.upload}),
        ("POST", "/orders") => form(SERVICE, PROVIDER),
        ("POST", "/orders/uploads" | "/orders/{number}/uploads") => document,
        ("POST", "/orders/{number}/messages") => message("Вопрос по заявке №1"),
        ("POST", "/orders/{number}/rating") => {
            json!({"score": 5, "comment": "Всё сделали быстро."})
        }
        ("POST", "/orders/{number}/cancel") => json!({"reason": "Передумал"}),
        ("POST", "/executor/orders/{number}/messages") => message("Ответ по заявке №1"),
        ("POST", "/executor/orders/{number}/reject") => json!({"reason": "Не оказываем"}),
        _ => Value::Null,
    }
}

/// Every item of the stack's table but the catalog's, in key order (a test
/// may scan; the catalog is large and no route of the matrix writes it).
async fn table_items(stack: &Stack) -> Vec<HashMap<String, AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = stack
            .dynamodb()
            .scan()
            .table_name(&stack.table)
            .consistent_read(true)
            .filter_expression("pk <> :catalog")
            .expression_attribute_values(":catalog", AttributeValue::S("CATALOG".into()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("the emulator scans the table");
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    let key = |item: &HashMap<String, AttributeValue>| {
        let text = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        (text("pk"), text("sk"))
    };
    items.sort_by_key(key);
    items
}

/// Whether `answer` is `expected`; the reason when it is not.
fn check(answer: &orders_support::Answer, expected: Outcome) -> Result<(), String> {
    let status = answer.status.as_u16();
    let content_type = answer
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_problem = content_type.starts_with("application/problem+json");
    let fine = match expected {
        Success(want) => status == want && !is_problem,
        Problem(want, code) => status == want && is_problem && answer.body["code"] == code,
    };
    if fine {
        Ok(())
    } else {
        Err(format!(
            "expected {expected:?}, got {status} {content_type} {}",
            answer.body
        ))
    }
}

/// Every route × every caller, with the answer [`expected`] gives; the
/// refused callers of a route go first, and must leave the table (and
/// customer A's session and password) as they found them.
#[tokio::test]
async fn every_route_answers_every_caller_as_the_access_rules_say() {
    let started = std::time::Instant::now();
    let ruled = rules(&router()).unwrap_or_else(|problems| panic!("{}", problems.join("\n")));
    let mut matrix = Matrix::new().await;
    let mut failures: Vec<String> = Vec::new();
    let mut cases = 0;

    for (route, access, granted) in &ruled {
        let target = matrix.target(route).await;
        let (refused, allowed): (Vec<Caller>, Vec<Caller>) = CALLERS
            .into_iter()
            .partition(|caller| expected(*access, *caller, *granted) != *granted);
        let name = format!("{} {}", route.method, route.path);

        let before = table_items(&matrix.world.stack).await;
        for &caller in &refused {
            let body = body_for(&matrix, route, caller, &target).await;
            let answer = matrix.call(route, caller, &target, &body).await;
            cases += 1;
            let want = expected(*access, caller, *granted);
            if let Err(reason) = check(&answer, want) {
                failures.push(format!("{name} as {caller}: {reason}"));
            }
            // Someone else's order is answered word for word as one that
            // does not exist: the answer reveals nothing.
            if matches!(want, Problem(404, _)) {
                let nowhere = Target {
                    number: NO_SUCH_ORDER.into(),
                    upload: target.upload.clone(),
                };
                let missing = matrix.call(route, caller, &nowhere, &body).await;
                if (missing.status, &missing.body) != (answer.status, &answer.body) {
                    failures.push(format!(
                        "{name} as {caller}: {} {} differs from a missing order's {} {}",
                        answer.status, answer.body, missing.status, missing.body
                    ));
                }
            }
        }
        if !refused.is_empty() {
            if table_items(&matrix.world.stack).await != before {
                failures.push(format!("{name}: the refused callers changed the table"));
            }
            if let Err(reason) = matrix.customer_a_is_untouched().await {
                failures.push(format!("{name}: after the refused callers, {reason}"));
            }
        }

        for &caller in &allowed {
            let body = body_for(&matrix, route, caller, &target).await;
            let answer = matrix.call(route, caller, &target, &body).await;
            cases += 1;
            if let Err(reason) = check(&answer, *granted) {
                failures.push(format!("{name} as {caller}: {reason}"));
            }
            matrix.renew(caller, route, &body).await;
        }
    }

    println!("{cases} cases in {:.1?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
