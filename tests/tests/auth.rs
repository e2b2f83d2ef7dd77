//! Identity routes (R1.1–R1.5) against the emulator's Cognito user pool.
//!
//! What the local emulator (moto 5.2.5) does differently from AWS, and what
//! these tests therefore see:
//! - no confirmation e-mail is sent, and ConfirmSignUp takes any code;
//! - ForgotPassword puts its code into an `x-moto-forgot-password-confirmation-code`
//!   response header instead of an e-mail; ConfirmForgotPassword checks only
//!   codes that start with `moto-confirmation-code:` and takes any other;
//! - ResendConfirmationCode and RevokeToken are not implemented (HTTP 500).

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, UserType};
use cabinet::handlers::auth::AuthApi;
use cabinet::identity::{TokenVerifier, VerifierConfig};
use cabinet::runtime::Handler;
use cabinet_tests::{Stack, post_json, raw, read_json, with_bearer};
use http::StatusCode;
use lambda_http::Request;
use serde_json::{Value, json};

const PASSWORD: &str = "Secret123";

fn api(stack: &Stack) -> AuthApi {
    let verifier = TokenVerifier::new(VerifierConfig {
        issuer: stack.issuer(),
        client_id: stack.client_id.clone(),
        jwks_url: stack.jwks_url(),
    })
    .expect("the verifier builds");
    AuthApi::new(stack.cognito(), stack.client_id.clone(), verifier)
}

async fn call(api: &AuthApi, request: Request) -> (StatusCode, Value) {
    read_json(api.handle(request).await).await
}

async fn post(api: &AuthApi, path: &str, body: Value) -> (StatusCode, Value) {
    call(api, post_json(path, &body)).await
}

fn sign_up_form(email: &str, password: &str) -> Value {
    json!({
        "email": email,
        "password": password,
        "first_name": "Иван",
        "last_name": "Петров",
        "phone": "+7 900 123-45-67",
    })
}

/// Signs up and confirms `email`, as a customer does with the code e-mailed.
async fn register(api: &AuthApi, email: &str, password: &str) {
    let (status, body) = post(api, "/auth/sign-up", sign_up_form(email, password)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(
        api,
        "/auth/confirm",
        json!({"email": email, "code": "123456"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn sign_in(api: &AuthApi, email: &str, password: &str) -> (StatusCode, Value) {
    post(
        api,
        "/auth/sign-in",
        json!({"email": email, "password": password}),
    )
    .await
}

async fn users(stack: &Stack) -> Vec<UserType> {
    stack
        .cognito()
        .list_users()
        .user_pool_id(&stack.user_pool_id)
        .send()
        .await
        .expect("the emulator lists users")
        .users()
        .to_vec()
}

fn attribute<'a>(user: &'a UserType, name: &str) -> Option<&'a str> {
    user.attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

/// Tokens of a sign-in made with the Cognito SDK directly.
struct SdkTokens {
    access_token: String,
    refresh_token: String,
}

/// Signs `email` up in `stack`'s pool with the SDK, confirms it as an
/// administrator would, and signs in through the pool's public client: a
/// customer of that pool whom our function never saw.
async fn pool_customer(stack: &Stack, email: &str) -> SdkTokens {
    stack
        .confirmed_account(
            email,
            PASSWORD,
            &[
                ("given_name", "Анна"),
                ("family_name", "Сидорова"),
                ("phone_number", "+79007654321"),
            ],
        )
        .await;
    password_sign_in(stack, &stack.client_id, email, PASSWORD)
        .await
        .expect("a confirmed customer signs in")
}

/// `USER_PASSWORD_AUTH` through app client `client_id` of `stack`'s pool.
async fn password_sign_in(
    stack: &Stack,
    client_id: &str,
    email: &str,
    password: &str,
) -> Result<SdkTokens, String> {
    let tokens = xtask::accounts::password_sign_in(&stack.cognito(), client_id, email, password)
        .await
        .map_err(|e| format!("{e:#}"))?;
    Ok(SdkTokens {
        access_token: tokens.access,
        refresh_token: tokens.refresh,
    })
}

/// Whether `refresh_token` still gets new tokens through app client
/// `client_id` of `stack`'s pool: its session is alive.
async fn session_alive(stack: &Stack, client_id: &str, refresh_token: &str) -> bool {
    stack
        .cognito()
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh_token)
        .send()
        .await
        .is_ok()
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn register_confirm_sign_in_refresh_and_sign_out() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, created) = post(
        &api,
        "/auth/sign-up",
        sign_up_form(" Ivan.Petrov@Example.ru ", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["email"], "ivan.petrov@example.ru");
    assert_eq!(created["confirmation"]["delivery"], "email");
    assert_eq!(created["confirmation"]["destination"], "i***@e***.ru");
    let user_id = created["user_id"]
        .as_str()
        .expect("sign-up names the account");
    assert_eq!(users(&stack).await[0].username(), Some(user_id));

    let (status, _) = post(
        &api,
        "/auth/confirm",
        json!({"email": "ivan.petrov@example.ru", "code": " 123 456 "}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, tokens) = sign_in(&api, "IVAN.PETROV@example.ru", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].as_i64().is_some_and(|s| s > 0));
    let access_token = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    assert!(tokens["id_token"].as_str().is_some_and(|t| !t.is_empty()));
    let me = stack
        .cognito()
        .get_user()
        .access_token(access_token)
        .send()
        .await
        .expect("the access token is the customer's");
    assert_eq!(me.username(), user_id);

    let (status, refreshed) = post(
        &api,
        "/auth/refresh",
        json!({"refresh_token": refresh_token}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["token_type"], "Bearer");
    let new_access_token = refreshed["access_token"].as_str().unwrap();
    assert_ne!(new_access_token, access_token);

    let sign_out = with_bearer(
        post_json("/auth/sign-out", &json!({"refresh_token": refresh_token})),
        new_access_token,
    );
    let (status, body) = call(&api, sign_out).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (status, problem) = post(
        &api,
        "/auth/refresh",
        json!({"refresh_token": refresh_token}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "session_expired");
}

#[tokio::test]
async fn sign_out_needs_a_live_bearer_and_takes_no_body() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    register(&api, "anna@example.ru", PASSWORD).await;
    let (_, tokens) = sign_in(&api, "anna@example.ru", PASSWORD).await;
    let access_token = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();

    let (status, problem) = call(&api, raw("POST", "/auth/sign-out", None, "")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "unauthorized");

    let bare = with_bearer(raw("POST", "/auth/sign-out", None, ""), access_token);
    let (status, _) = call(&api, bare).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Without a refresh token in the body the global sign-out still ends it.
    let (status, _) = post(
        &api,
        "/auth/refresh",
        json!({"refresh_token": refresh_token}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let again = with_bearer(raw("POST", "/auth/sign-out", None, ""), access_token);
    let (status, problem) = call(&api, again).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "unauthorized");
}

#[tokio::test]
async fn change_password_refuses_a_token_of_another_pool_and_changes_nothing() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let other_pool = Stack::fresh().await;
    let stranger = pool_customer(&other_pool, "stranger@example.ru").await;

    // moto, like AWS, accepts the token in ChangePassword whatever app client
    // calls: only our own verification can tell it is not ours.
    let request = with_bearer(
        post_json(
            "/auth/change-password",
            &json!({"old_password": PASSWORD, "new_password": "Newpass456"}),
        ),
        &stranger.access_token,
    );
    let (status, problem) = call(&api, request).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["code"], "unauthorized");
    let client = &other_pool.client_id;
    assert!(
        password_sign_in(&other_pool, client, "stranger@example.ru", PASSWORD)
            .await
            .is_ok(),
        "the old password still works"
    );
    assert!(
        password_sign_in(&other_pool, client, "stranger@example.ru", "Newpass456")
            .await
            .is_err(),
        "the new password was never set"
    );
}

#[tokio::test]
async fn sign_out_refuses_tokens_of_another_pool_or_client_and_ends_no_session() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let other_pool = Stack::fresh().await;
    let stranger = pool_customer(&other_pool, "stranger@example.ru").await;

    // A second app client of our own pool, as another application would have.
    let other_client = stack.other_app_client().await;
    register(&api, "ivan@example.ru", PASSWORD).await;
    let via_other_client = password_sign_in(&stack, &other_client, "ivan@example.ru", PASSWORD)
        .await
        .expect("the customer signs in through the other client");

    for (case, tokens) in [
        ("another pool", &stranger),
        ("another client", &via_other_client),
    ] {
        let request = with_bearer(
            post_json(
                "/auth/sign-out",
                &json!({"refresh_token": tokens.refresh_token}),
            ),
            &tokens.access_token,
        );
        let (status, problem) = call(&api, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {problem}");
        assert_eq!(problem["code"], "unauthorized", "{case}");
    }

    assert!(
        session_alive(&other_pool, &other_pool.client_id, &stranger.refresh_token).await,
        "the other pool's session goes on"
    );
    assert!(
        session_alive(&stack, &other_client, &via_other_client.refresh_token).await,
        "the other client's session goes on"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    register(&api, "ivan@example.ru", PASSWORD).await;

    let (status, wrong_password) = sign_in(&api, "ivan@example.ru", "Secret124").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password["code"], "invalid_credentials");
    assert_eq!(
        wrong_password["detail"],
        "Неверный адрес электронной почты или пароль."
    );

    let (status, unknown) = sign_in(&api, "nobody@example.ru", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, wrong_password);
}

#[tokio::test]
async fn an_unconfirmed_account_cannot_sign_in() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let (status, _) = post(
        &api,
        "/auth/sign-up",
        sign_up_form("new@example.ru", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // moto 5.2.5 checks the password before the status, as AWS does, and then
    // answers UserNotConfirmedException like AWS (not UserNotFoundException):
    // so the customer is told to confirm the address on both.
    let (status, problem) = sign_in(&api, "new@example.ru", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "account_not_confirmed");

    // A wrong password tells nothing about the account.
    let (status, problem) = sign_in(&api, "new@example.ru", "Secret124").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "invalid_credentials");
}

#[tokio::test]
async fn an_email_is_one_account_whatever_its_case_and_spaces() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    register(&api, "ivan.petrov@example.ru", PASSWORD).await;

    for again in ["IVAN.PETROV@EXAMPLE.RU", "  Ivan.Petrov@example.ru\t"] {
        let (status, problem) = post(&api, "/auth/sign-up", sign_up_form(again, "Other1234")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}: {problem}");
        assert_eq!(problem["code"], "email_taken");
        assert_eq!(fields(&problem), ["email"]);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("уже зарегистрирован")
        );
    }

    let users = users(&stack).await;
    assert_eq!(users.len(), 1);
    assert_eq!(
        attribute(&users[0], "email"),
        Some("ivan.petrov@example.ru")
    );
}

#[tokio::test]
async fn a_weak_password_is_named_and_nothing_is_created() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, problem) = post(
        &api,
        "/auth/sign-up",
        sign_up_form("ivan@example.ru", "secret"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["password"]);
    assert_eq!(problem["errors"][0]["code"], "weak_password");
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("«Пароль»")
    );
    assert!(users(&stack).await.is_empty());
}

#[tokio::test]
async fn a_password_with_only_cyrillic_letters_is_weak() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    // The pool's policy counts only A–Z and a–z as letters, and so does ours:
    // this password is refused before Cognito is called.
    let (status, problem) = post(
        &api,
        "/auth/sign-up",
        sign_up_form("ivan@example.ru", "Пароль2026"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(fields(&problem), ["password"]);
    assert_eq!(problem["errors"][0]["code"], "weak_password");
    assert!(users(&stack).await.is_empty());
}

#[tokio::test]
async fn every_missing_field_is_named_at_once() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, problem) = post(&api, "/auth/sign-up", json!({"patronymic": "Сергеевич"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(
        fields(&problem),
        ["email", "password", "first_name", "last_name", "phone"]
    );
    assert_eq!(problem["errors"][2]["detail"], "Заполните поле «Имя».");
    assert!(users(&stack).await.is_empty());

    let (status, problem) = post(&api, "/auth/reset-password", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["email", "code", "new_password"]);
}

#[tokio::test]
async fn forgot_then_reset_then_sign_in_with_the_new_password() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    register(&api, "ivan@example.ru", PASSWORD).await;

    let (status, sent) = post(
        &api,
        "/auth/forgot-password",
        json!({"email": " IVAN@example.ru"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(sent["confirmation"]["delivery"], "email");
    assert_eq!(sent["confirmation"]["destination"], "i***@e***.ru");

    // The same answer for an address with no account.
    let (status, unknown) = post(
        &api,
        "/auth/forgot-password",
        json!({"email": "ivan@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(unknown["confirmation"]["delivery"], "email");
    assert_eq!(unknown["confirmation"]["destination"], "i***@e***.com");

    // moto checks codes of its own form against the one it issued; this one
    // is never issued (its codes are 100000..=999999).
    let (status, problem) = post(
        &api,
        "/auth/reset-password",
        json!({
            "email": "ivan@example.ru",
            "code": "moto-confirmation-code:000000",
            "new_password": "Newpass456",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "expired_code");
    assert_eq!(fields(&problem), ["code"]);
    assert_eq!(
        sign_in(&api, "ivan@example.ru", PASSWORD).await.0,
        StatusCode::OK
    );

    let (status, problem) = post(
        &api,
        "/auth/reset-password",
        json!({"email": "ivan@example.ru", "code": "123456", "new_password": "weak"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["new_password"]);

    // Any other code stands for the one e-mailed on AWS.
    let (status, body) = post(
        &api,
        "/auth/reset-password",
        json!({"email": "Ivan@Example.ru", "code": "123456", "new_password": "Newpass456"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (status, _) = sign_in(&api, "ivan@example.ru", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = sign_in(&api, "ivan@example.ru", "Newpass456").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn change_password_proves_the_current_one() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    register(&api, "ivan@example.ru", PASSWORD).await;
    let (_, tokens) = sign_in(&api, "ivan@example.ru", PASSWORD).await;
    let access_token = tokens["access_token"].as_str().unwrap();
    let change = |old: &str, new: &str| {
        post_json(
            "/auth/change-password",
            &json!({"old_password": old, "new_password": new}),
        )
    };

    let (status, problem) = call(&api, change(PASSWORD, "Newpass456")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "unauthorized");
    let (status, problem) = call(
        &api,
        with_bearer(change(PASSWORD, "Newpass456"), "not.a.token"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "unauthorized");

    let (status, problem) = call(
        &api,
        with_bearer(change("Wrong1234", "Newpass456"), access_token),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(problem["code"], "wrong_password");
    assert_eq!(fields(&problem), ["old_password"]);

    let (status, problem) = call(&api, with_bearer(change("", "weak"), access_token)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["old_password", "new_password"]);

    let (status, body) = call(
        &api,
        with_bearer(change(PASSWORD, "Newpass456"), access_token),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        sign_in(&api, "ivan@example.ru", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&api, "ivan@example.ru", "Newpass456").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn json_is_read_by_its_media_type_and_bad_bodies_create_nothing() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let form = sign_up_form("ivan@example.ru", PASSWORD).to_string();

    let (status, problem) = call(&api, raw("POST", "/auth/sign-up", None, &form)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(problem["code"], "unsupported_media_type");

    let (status, problem) = call(
        &api,
        raw(
            "POST",
            "/auth/sign-up",
            Some("application/json"),
            "{\"email\":",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "invalid_json");

    let mut wrong_type = sign_up_form("ivan@example.ru", PASSWORD);
    wrong_type["phone"] = json!(79001234567_u64);
    let (status, problem) = post(&api, "/auth/sign-up", wrong_type).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "invalid_field_type");
    assert_eq!(fields(&problem), ["phone"]);

    let mut unknown_field = sign_up_form("ivan@example.ru", PASSWORD);
    unknown_field["middle_name"] = json!("Сергеевич");
    let (status, problem) = post(&api, "/auth/sign-up", unknown_field).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "unknown_field");
    assert!(users(&stack).await.is_empty());

    let (status, body) = call(
        &api,
        raw(
            "POST",
            "/auth/sign-up",
            Some("application/json; charset=utf-8"),
            &form,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(users(&stack).await.len(), 1);
}

#[tokio::test]
async fn cyrillic_names_and_a_russian_phone_reach_cognito_in_normal_form() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, body) = post(
        &api,
        "/auth/sign-up",
        json!({
            "email": "Elkina@Example.ru",
            "password": PASSWORD,
            "first_name": " Анна-Мария ",
            "last_name": "Ёлкина",
            "patronymic": "Сергеевна",
            "phone": "8 (900) 123-45-67",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let user = stack
        .cognito()
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username("elkina@example.ru")
        .send()
        .await
        .expect("the account exists under its e-mail");
    let attribute = |name: &str| {
        user.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(attribute("given_name").as_deref(), Some("Анна-Мария"));
    assert_eq!(attribute("family_name").as_deref(), Some("Ёлкина"));
    assert_eq!(attribute("middle_name").as_deref(), Some("Сергеевна"));
    assert_eq!(attribute("phone_number").as_deref(), Some("+79001234567"));
}

#[tokio::test]
async fn codes_for_unknown_addresses_are_wrong_codes() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, problem) = post(
        &api,
        "/auth/confirm",
        json!({"email": "nobody@example.ru", "code": "123456"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "wrong_code");

    let (status, problem) = post(
        &api,
        "/auth/confirm",
        json!({"email": "nobody", "code": " "}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["email", "code"]);

    // What schemathesis sent: a reset for an address no account has. The
    // pool's client hides whether an account exists, so this is a wrong
    // code like any other, never a failure of ours.
    let (status, problem) = post(
        &api,
        "/auth/reset-password",
        json!({"email": "ivan.petrov@example.ru", "code": "271828", "new_password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "wrong_code");
    assert!(users(&stack).await.is_empty());
}

#[tokio::test]
async fn a_failing_cognito_is_a_503_in_russian_without_its_own_text() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let (status, _) = post(
        &api,
        "/auth/sign-up",
        sign_up_form("ivan@example.ru", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // moto 5.2.5 has no ResendConfirmationCode and answers with an HTML page
    // and status 500: a server fault of the dependency, on AWS as here.
    let (status, problem) = post(
        &api,
        "/auth/resend-code",
        json!({"email": "ivan@example.ru"}),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["code"], "service_unavailable");
    assert_eq!(
        problem["detail"],
        "Сервис временно недоступен. Повторите попытку через минуту."
    );
    assert!(!problem.to_string().contains("html"));

    let (status, problem) = post(&api, "/auth/resend-code", json!({"email": "ivan@"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), ["email"]);
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let stack = Stack::fresh().await;
    let api = api(&stack);

    let (status, problem) = post(&api, "/auth/log-in", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["code"], "not_found");
    let (status, problem) = call(&api, cabinet_tests::get("/auth/sign-in")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(problem["code"], "method_not_allowed");
}

/// The API Gateway events of `events/` drive the function in the order a
/// customer would: each reaches its route and gets the answer it should.
#[tokio::test]
async fn the_event_fixtures_are_real_requests_of_every_route() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let events = xtask::workspace_root().join("events");
    let expected = [
        ("auth-sign-up.json", StatusCode::CREATED),
        ("auth-confirm.json", StatusCode::NO_CONTENT),
        ("auth-sign-in.json", StatusCode::OK),
        // moto lacks ResendConfirmationCode (see the module's note).
        ("auth-resend-code.json", StatusCode::SERVICE_UNAVAILABLE),
        ("auth-forgot-password.json", StatusCode::ACCEPTED),
        ("auth-reset-password.json", StatusCode::NO_CONTENT),
        // The tokens in these events were not issued by this pool.
        ("auth-refresh.json", StatusCode::UNAUTHORIZED),
        ("auth-sign-out.json", StatusCode::UNAUTHORIZED),
        ("auth-change-password.json", StatusCode::UNAUTHORIZED),
    ];
    for (file, status) in expected {
        let text = std::fs::read_to_string(events.join(file)).expect("the event file exists");
        let request = lambda_http::request::from_str(&text).expect("an API Gateway v2 event");
        let (answer, body) = read_json(api.handle(request).await).await;
        assert_eq!(answer, status, "{file}: {body}");
    }
    let mut files: Vec<String> = std::fs::read_dir(&events)
        .expect("events/ exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("auth-"))
        .collect();
    files.sort();
    assert_eq!(files.len(), expected.len(), "{files:?}");
}
