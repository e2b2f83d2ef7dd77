//! The customer's profile (R2.1, R2.2, R2.4, R2.5) and bearer-token
//! verification, against the emulator's DynamoDB and Cognito.
//!
//! Customers are created with the Cognito SDK directly (sign-up, admin
//! confirmation, `USER_PASSWORD_AUTH`), so their tokens are the emulator's
//! own. Tokens that must be signed by the emulator's key with other claims
//! (an expired one) or by another key under the same key id (a forgery) are
//! produced by the project's Python virtualenv, which holds moto: the test
//! re-signs a genuine token there, and checks that re-signing without
//! changes gives back the genuine token, so the key is the emulator's.
//!
//! What moto 5.2.5 does differently from AWS, and what these tests see:
//! - every pool signs with the same key (`kid` "dummy"); only `iss` tells
//!   the pools' tokens apart;
//! - `UpdateUserAttributes` replaces the e-mail at once and sends no code
//!   (AWS keeps the old login until `VerifyUserAttribute`, which moto does
//!   not implement), and afterwards the emulator no longer finds the account
//!   by the old tokens, so the customer signs in again with the new address.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use cabinet::handlers::profile::ProfileApi;
use cabinet::identity::{TokenVerifier, VerifierConfig};
use cabinet::runtime::Handler;
use cabinet_tests::{
    Stack, attribute, claims_of, forged, get, put_json, raw, read_json, resigned_by_emulator,
    with_bearer,
};
use http::StatusCode;
use lambda_http::Request;
use serde_json::{Value, json};

const PASSWORD: &str = "Secret123";

/// A customer signed up and in with the Cognito SDK.
struct Customer {
    email: String,
    sub: String,
    access_token: String,
    id_token: String,
}

/// Signs `email` up in the stack's pool with the names and phone sign-up
/// keeps as attributes, confirms it and signs in.
async fn customer(stack: &Stack, email: &str) -> Customer {
    stack
        .confirmed_account(
            email,
            PASSWORD,
            &[
                ("given_name", "Иван"),
                ("family_name", "Петров"),
                ("middle_name", "Сергеевич"),
                ("phone_number", "+79001234567"),
            ],
        )
        .await;
    sign_in(stack, &stack.client_id, email).await
}

async fn sign_in(stack: &Stack, client_id: &str, email: &str) -> Customer {
    let tokens = xtask::accounts::password_sign_in(&stack.cognito(), client_id, email, PASSWORD)
        .await
        .expect("the customer signs in");
    Customer {
        email: email.to_string(),
        sub: claims_of(&tokens.access)["sub"]
            .as_str()
            .expect("an access token names its subject")
            .to_string(),
        access_token: tokens.access,
        id_token: tokens.id,
    }
}

fn api(stack: &Stack) -> ProfileApi {
    let verifier = TokenVerifier::new(VerifierConfig {
        issuer: stack.issuer(),
        client_id: stack.client_id.clone(),
        jwks_url: stack.jwks_url(),
    })
    .expect("the verifier builds");
    ProfileApi::new(
        stack.dynamodb(),
        stack.table.clone(),
        stack.cognito(),
        verifier,
        cabinet_tests::unsubscribe_key(),
        stack.files(),
    )
}

async fn call(api: &ProfileApi, request: Request) -> (StatusCode, Value) {
    read_json(api.handle(request).await).await
}

async fn read(api: &ProfileApi, token: &str) -> (StatusCode, Value) {
    call(api, with_bearer(get("/profile"), token)).await
}

async fn save(api: &ProfileApi, token: &str, body: Value) -> (StatusCode, Value) {
    call(api, with_bearer(put_json("/profile", &body), token)).await
}

async fn profile_of(api: &ProfileApi, customer: &Customer) -> Value {
    let (status, body) = read(api, &customer.access_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn form(customer: &Customer) -> Value {
    json!({
        "first_name": "Пётр",
        "last_name": "Сидоров",
        "patronymic": "Ильич",
        "email": customer.email,
        "phone": "8 (912) 345-67-89",
        "notifications": {"status_emails": true},
    })
}

/// Every item of the stack's table.
async fn item_count(stack: &Stack) -> i32 {
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

/// The profile item of `customer`, as the table holds it.
async fn stored_item(
    stack: &Stack,
    customer: &Customer,
) -> Option<HashMap<String, AttributeValue>> {
    stack
        .dynamodb()
        .get_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(format!("USER#{}", customer.sub)))
        .key("sk", AttributeValue::S("PROFILE".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("the emulator reads the item")
        .item
}

/// `version` of `customer`'s profile item.
async fn stored_version(stack: &Stack, customer: &Customer) -> u64 {
    let item = stored_item(stack, customer)
        .await
        .expect("the profile is stored");
    match &item["version"] {
        AttributeValue::N(n) => n.parse().expect("the version is a whole number"),
        other => panic!("version is a number, not {other:?}"),
    }
}

/// The attributes sign-up gave every test customer, which saving the profile
/// never changes: after sign-up the profile item alone holds them.
async fn assert_account_as_signed_up(stack: &Stack, customer: &Customer) {
    for (name, value) in [
        ("given_name", "Иван"),
        ("family_name", "Петров"),
        ("middle_name", "Сергеевич"),
        ("phone_number", "+79001234567"),
    ] {
        assert_eq!(
            account_attribute(stack, customer, name).await.as_deref(),
            Some(value),
            "{name}"
        );
    }
}

async fn account_attribute(stack: &Stack, customer: &Customer, name: &str) -> Option<String> {
    stack
        .cognito()
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username(&customer.sub)
        .send()
        .await
        .expect("the emulator finds the account")
        .user_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value().map(str::to_string))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_first_read_creates_the_profile_from_the_account_and_later_reads_use_the_table() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    assert_eq!(item_count(&stack).await, 0, "sign-up writes no item");

    let profile = profile_of(&api, &ivan).await;

    assert_eq!(
        profile,
        json!({
            "first_name": "Иван",
            "last_name": "Петров",
            "patronymic": "Сергеевич",
            "email": "ivan@example.ru",
            "pending_email": null,
            "phone": "+79001234567",
            "notifications": {"status_emails": true, "message_emails": true},
            "photo": null,
            "updated_at": profile["updated_at"],
        })
    );
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(format!("USER#{}", ivan.sub)))
        .key("sk", AttributeValue::S("PROFILE".into()))
        .send()
        .await
        .expect("the emulator reads the item")
        .item
        .expect("the first read stored the profile");
    assert_eq!(item["first_name"], AttributeValue::S("Иван".into()));
    assert_eq!(item["version"], AttributeValue::N("1".into()));

    // Later reads are the table's: a change made in the pool behind the
    // profile's back does not show.
    stack
        .cognito()
        .admin_update_user_attributes()
        .user_pool_id(&stack.user_pool_id)
        .username(&ivan.sub)
        .user_attributes(attribute("given_name", "Другое"))
        .send()
        .await
        .expect("the emulator updates the account");
    assert_eq!(profile_of(&api, &ivan).await, profile);
    assert_eq!(item_count(&stack).await, 1);
}

#[tokio::test]
async fn a_saved_form_stores_every_russian_phone_spelling_in_one_form_and_leaves_the_account_alone()
{
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;

    for (typed, normal) in [
        ("8 (912) 345-67-01", "+79123456701"),
        ("+7 912 345-67-02", "+79123456702"),
        ("8-912-345-67-03", "+79123456703"),
        ("+7 (912) 345 67 04", "+79123456704"),
        ("89123456705", "+79123456705"),
        ("9123456706", "+79123456706"),
        (" 8(912)345.67.07 ", "+79123456707"),
    ] {
        let mut body = form(&ivan);
        body["phone"] = json!(typed);
        let (status, saved) = save(&api, &ivan.access_token, body).await;
        assert_eq!(status, StatusCode::OK, "{typed}: {saved}");
        assert_eq!(saved["phone"], normal, "{typed}");
        assert_eq!(profile_of(&api, &ivan).await["phone"], normal, "{typed}");
    }

    let profile = profile_of(&api, &ivan).await;
    assert_eq!(profile["first_name"], "Пётр");
    assert_eq!(profile["last_name"], "Сидоров");
    assert_eq!(profile["patronymic"], "Ильич");
    // The profile item is the one place of the names and the phone: the
    // account keeps what sign-up gave it.
    assert_account_as_signed_up(&stack, &ivan).await;
}

#[tokio::test]
async fn an_empty_patronymic_clears_it_in_the_profile_and_not_in_the_account() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;

    let mut body = form(&ivan);
    body["patronymic"] = json!("");
    let (status, saved) = save(&api, &ivan.access_token, body).await;

    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["patronymic"], Value::Null);
    assert_eq!(profile_of(&api, &ivan).await["patronymic"], Value::Null);
    assert_account_as_signed_up(&stack, &ivan).await;
}

#[tokio::test]
async fn an_extension_or_a_short_number_is_refused_in_russian_and_nothing_changes() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let before = profile_of(&api, &ivan).await;

    for typed in [
        "8 (912) 345-67-89 доб. 123",
        "+7 912 345-67-89 ext 5",
        "345-67-89",
        "112",
    ] {
        let mut body = form(&ivan);
        body["phone"] = json!(typed);
        let (status, problem) = save(&api, &ivan.access_token, body).await;

        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed}: {problem}"
        );
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(fields(&problem), ["phone"], "{typed}");
        let detail = problem["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("Мобильный телефон"), "{detail}");
        assert!(detail.contains("указан неверно"), "{detail}");
    }

    assert_eq!(profile_of(&api, &ivan).await, before);
    assert_eq!(
        account_attribute(&stack, &ivan, "given_name")
            .await
            .as_deref(),
        Some("Иван")
    );
}

#[tokio::test]
async fn a_form_missing_first_name_and_phone_is_refused_as_a_whole_naming_both() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let before = profile_of(&api, &ivan).await;

    let (status, problem) = save(
        &api,
        &ivan.access_token,
        json!({
            "last_name": "Сидоров",
            "patronymic": "Ильич",
            "email": "ivan@example.ru",
            "phone": "  ",
            "notifications": {"status_emails": false},
        }),
    )
    .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(fields(&problem), ["first_name", "phone"]);
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("«Имя»")
    );
    assert!(
        problem["errors"][1]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("«Мобильный телефон»")
    );
    // Neither the valid fields nor the switch changed, here or in the pool.
    assert_eq!(profile_of(&api, &ivan).await, before);
    assert_eq!(
        account_attribute(&stack, &ivan, "family_name")
            .await
            .as_deref(),
        Some("Петров")
    );
}

#[tokio::test]
async fn status_emails_can_be_switched_off_and_on_again() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let stored_switch = || async {
        let item = stack
            .dynamodb()
            .get_item()
            .table_name(&stack.table)
            .key("pk", AttributeValue::S(format!("USER#{}", ivan.sub)))
            .key("sk", AttributeValue::S("PROFILE".into()))
            .send()
            .await
            .expect("the emulator reads the item")
            .item
            .expect("the profile is stored");
        match &item["notifications"] {
            AttributeValue::M(map) => map["status_emails"].clone(),
            other => panic!("notifications is a map, not {other:?}"),
        }
    };
    assert_eq!(
        profile_of(&api, &ivan).await["notifications"]["status_emails"],
        true
    );

    for wanted in [false, true, false] {
        let mut body = form(&ivan);
        body["notifications"] = json!({"status_emails": wanted});
        let (status, saved) = save(&api, &ivan.access_token, body).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["notifications"]["status_emails"], wanted);
        assert_eq!(
            profile_of(&api, &ivan).await["notifications"]["status_emails"],
            wanted
        );
        assert_eq!(
            stored_switch().await,
            AttributeValue::Bool(wanted),
            "what the notifier reads"
        );
    }

    // A form without the switch keeps it.
    let mut body = form(&ivan);
    body.as_object_mut()
        .expect("a form is an object")
        .remove("notifications");
    let (status, saved) = save(&api, &ivan.access_token, body).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["notifications"]["status_emails"], false);
}

#[tokio::test]
async fn without_a_bearer_token_nothing_is_read_or_written() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;

    let mut basic = get("/profile");
    basic.headers_mut().insert(
        http::header::AUTHORIZATION,
        "Basic aXZhbjpTZWNyZXQxMjM="
            .parse()
            .expect("a valid header"),
    );
    for request in [
        get("/profile"),
        put_json("/profile", &form(&ivan)),
        with_bearer(get("/profile"), "not-a-token"),
        basic,
    ] {
        let (status, problem) = call(&api, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
        assert_eq!(problem["code"], "unauthorized");
    }
    assert_eq!(item_count(&stack).await, 0);
}

#[tokio::test]
async fn forged_expired_foreign_and_wrong_kind_tokens_are_refused_and_write_nothing() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;

    // Control: re-signing without changes by the emulator's key gives the
    // genuine token back, so the expired token below differs only in time.
    assert_eq!(
        resigned_by_emulator(&ivan.access_token, json!({})),
        ivan.access_token
    );
    let expired = resigned_by_emulator(
        &ivan.access_token,
        json!({"iat": now() - 7200, "auth_time": now() - 7200, "exp": now() - 3600}),
    );
    let forged_same_claims = forged(&ivan.access_token, json!({}));
    let forged_other_user = forged(&ivan.access_token, json!({"sub": "someone-else"}));

    let other_pool = Stack::fresh().await;
    let stranger = customer(&other_pool, "stranger@example.ru").await;

    let other_client = stack.other_app_client().await;
    let via_other_client = sign_in(&stack, &other_client, &ivan.email).await;
    assert_eq!(via_other_client.sub, ivan.sub, "the same customer");

    for (case, token) in [
        ("expired", expired.as_str()),
        ("forged", forged_same_claims.as_str()),
        ("forged for another user", forged_other_user.as_str()),
        ("another pool", stranger.access_token.as_str()),
        ("id token", ivan.id_token.as_str()),
        ("another client", via_other_client.access_token.as_str()),
    ] {
        let (status, problem) = read(&api, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "GET, {case}: {problem}");
        assert_eq!(problem["code"], "unauthorized", "{case}");
        let (status, problem) = save(&api, token, form(&ivan)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "PUT, {case}: {problem}");
    }
    assert_eq!(item_count(&stack).await, 0, "nothing written");
    assert_eq!(
        account_attribute(&stack, &ivan, "given_name")
            .await
            .as_deref(),
        Some("Иван")
    );

    // The genuine token of the same customer and client passes.
    assert_eq!(profile_of(&api, &ivan).await["first_name"], "Иван");
}

#[tokio::test]
async fn a_signed_out_token_cannot_create_or_change_a_profile() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let maria = customer(&stack, "maria@example.ru").await;
    let maria_before = profile_of(&api, &maria).await;
    for customer in [&ivan, &maria] {
        stack
            .cognito()
            .global_sign_out()
            .access_token(&customer.access_token)
            .send()
            .await
            .expect("the customer signs out");
    }

    // The signatures still hold, but the pool no longer honours the tokens.
    let (status, problem) = read(&api, &ivan.access_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    let (status, problem) = save(&api, &ivan.access_token, form(&ivan)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert!(
        stored_item(&stack, &ivan).await.is_none(),
        "nothing created"
    );

    // Maria's profile exists, so a read is local; but a save, even one of
    // the switch alone that the pool has no part in, asks the pool first.
    let (status, _) = read(&api, &maria.access_token).await;
    assert_eq!(status, StatusCode::OK, "reads stay local");
    let version = stored_version(&stack, &maria).await;
    let switch_only = json!({
        "first_name": "Иван",
        "last_name": "Петров",
        "patronymic": "Сергеевич",
        "email": maria.email,
        "phone": "+79001234567",
        "notifications": {"status_emails": false},
    });
    let (status, problem) = save(&api, &maria.access_token, switch_only).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["code"], "unauthorized");
    let confirm = with_bearer(
        raw(
            "POST",
            "/profile/email/confirm",
            Some("application/json"),
            r#"{"code":"123456"}"#,
        ),
        &maria.access_token,
    );
    let (status, problem) = call(&api, confirm).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(stored_version(&stack, &maria).await, version);

    let again = sign_in(&stack, &stack.client_id, &maria.email).await;
    let after = profile_of(&api, &again).await;
    assert_eq!(after["notifications"]["status_emails"], true);
    assert_eq!(after, maria_before);
}

#[tokio::test]
async fn a_customer_only_ever_sees_and_changes_their_own_profile() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let maria = customer(&stack, "maria@example.ru").await;
    let maria_before = profile_of(&api, &maria).await;

    let (status, saved) = save(&api, &ivan.access_token, form(&ivan)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    assert_eq!(profile_of(&api, &maria).await, maria_before);
    assert_eq!(profile_of(&api, &ivan).await["first_name"], "Пётр");
    assert_eq!(profile_of(&api, &ivan).await["email"], "ivan@example.ru");
    // Nothing in the request can name another customer: a parameter is
    // refused, not read.
    let (status, body) = call(
        &api,
        with_bearer(
            get(&format!("/profile?user_id={}", maria.sub)),
            &ivan.access_token,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "unknown_parameter");
    assert!(!body.to_string().contains("maria@example.ru"), "{body}");
    let mut body = form(&ivan);
    body["user_id"] = json!(maria.sub);
    let (status, problem) = save(&api, &ivan.access_token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "unknown_field");
    assert_eq!(profile_of(&api, &maria).await, maria_before);
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_nothing_is_written() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let valid = form(&ivan).to_string();
    let mut wrong_type = form(&ivan);
    wrong_type["first_name"] = json!(5);
    let mut wrong_switch = form(&ivan);
    wrong_switch["notifications"] = json!({"status_emails": "нет"});

    for (content_type, body, expected) in [
        (
            Some("application/json"),
            "{\"first_name\": ",
            StatusCode::BAD_REQUEST,
        ),
        (Some("application/json"), "[1, 2]", StatusCode::BAD_REQUEST),
        (Some("application/json"), "", StatusCode::BAD_REQUEST),
        (
            Some("application/json"),
            &wrong_type.to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some("application/json"),
            &wrong_switch.to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (None, &valid, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            Some("text/plain"),
            &valid,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("application/x-www-form-urlencoded"),
            "first_name=Пётр",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let request = with_bearer(
            raw("PUT", "/profile", content_type, body),
            &ivan.access_token,
        );
        let (status, problem) = call(&api, request).await;
        assert_eq!(status, expected, "{content_type:?} {body}: {problem}");
    }
    assert_eq!(item_count(&stack).await, 0, "nothing written");

    let request = with_bearer(
        raw(
            "PUT",
            "/profile",
            Some("application/json; charset=utf-8"),
            &valid,
        ),
        &ivan.access_token,
    );
    let (status, saved) = call(&api, request).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["first_name"], "Пётр");
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;

    let (status, problem) = call(
        &api,
        with_bearer(get("/profile/avatar"), &ivan.access_token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    for (method, path) in [
        ("DELETE", "/profile"),
        ("POST", "/profile"),
        ("GET", "/profile/email/confirm"),
        ("GET", "/profile/photo"),
        ("GET", "/profile/photo/upload"),
    ] {
        let request = with_bearer(raw(method, path, None, ""), &ivan.access_token);
        let (status, problem) = call(&api, request).await;
        assert_eq!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {problem}"
        );
    }
    assert_eq!(item_count(&stack).await, 0);
}

#[tokio::test]
async fn a_new_address_becomes_the_login_and_a_taken_one_is_refused() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let maria = customer(&stack, "maria@example.ru").await;
    let before = profile_of(&api, &ivan).await;

    // Another account's address: refused, nothing changes.
    let mut body = form(&ivan);
    body["email"] = json!("Maria@Example.ru");
    let (status, problem) = save(&api, &ivan.access_token, body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "email_taken");
    assert_eq!(fields(&problem), ["email"]);
    assert_eq!(
        profile_of(&api, &ivan).await,
        before,
        "the names were not kept"
    );
    assert_eq!(
        stored_version(&stack, &ivan).await,
        1,
        "the item was put back"
    );
    assert_eq!(profile_of(&api, &maria).await["email"], "maria@example.ru");
    assert_eq!(
        account_attribute(&stack, &ivan, "email").await.as_deref(),
        Some("ivan@example.ru")
    );

    // A free address: the emulator makes it the login at once (AWS would
    // keep the old one until the code is confirmed).
    let mut body = form(&ivan);
    body["email"] = json!(" Ivan.New@Example.RU ");
    let (status, saved) = save(&api, &ivan.access_token, body).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["email"], "ivan.new@example.ru");
    assert_eq!(saved["pending_email"], Value::Null);
    assert_eq!(
        account_attribute(&stack, &ivan, "email").await.as_deref(),
        Some("ivan.new@example.ru")
    );
    let again = sign_in(&stack, &stack.client_id, "ivan.new@example.ru").await;
    assert_eq!(again.sub, ivan.sub);
    assert_eq!(
        profile_of(&api, &again).await["email"],
        "ivan.new@example.ru"
    );

    // Nothing waits for a code, so there is nothing to confirm.
    let request = with_bearer(
        raw(
            "POST",
            "/profile/email/confirm",
            Some("application/json"),
            r#"{"code":"123456"}"#,
        ),
        &again.access_token,
    );
    let (status, problem) = call(&api, request).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "no_pending_email");
}

/// The answers to `bodies` saved all at once with `token`, in their order.
async fn save_all(
    api: &Arc<ProfileApi>,
    token: &str,
    bodies: &[Value],
) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = bodies
        .iter()
        .map(|body| {
            let (api, token, body) = (api.clone(), token.to_string(), body.clone());
            tokio::spawn(async move { save(&api, &token, body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a save does not panic"));
    }
    answers
}

const FIRST_NAMES: [&str; 8] = [
    "Алексей",
    "Борис",
    "Василий",
    "Григорий",
    "Дмитрий",
    "Евгений",
    "Захар",
    "Илья",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_store_exactly_one_answered_form_and_refused_ones_change_nothing() {
    let stack = Stack::fresh().await;
    let api = Arc::new(api(&stack));
    let ivan = customer(&stack, "ivan@example.ru").await;
    profile_of(&api, &ivan).await;

    for round in 0..3 {
        let version = stored_version(&stack, &ivan).await;
        let bodies: Vec<Value> = FIRST_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut body = form(&ivan);
                body["first_name"] = json!(name);
                body["phone"] = json!(format!("+7912{round:03}{i:04}"));
                body
            })
            .collect();

        let answers = save_all(&api, &ivan.access_token, &bodies).await;

        let stored = profile_of(&api, &ivan).await;
        let mut saved = 0;
        for ((status, answer), body) in answers.iter().zip(&bodies) {
            match *status {
                StatusCode::OK => saved += 1,
                StatusCode::CONFLICT => {
                    assert_eq!(answer["code"], "profile_changed");
                    assert_ne!(
                        stored["first_name"], body["first_name"],
                        "a refused form was kept"
                    );
                }
                other => panic!("round {round}: {other}: {answer}"),
            }
        }
        let winners: Vec<&Value> = answers
            .iter()
            .filter(|(status, answer)| *status == StatusCode::OK && *answer == stored)
            .map(|(_, answer)| answer)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: {stored} is one answered form"
        );
        assert_eq!(
            stored_version(&stack, &ivan).await,
            version + saved,
            "round {round}: one write per save answered 200, none for a refused one"
        );
    }
    assert_account_as_signed_up(&stack, &ivan).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_save_never_changes_the_login() {
    let stack = Stack::fresh().await;
    let api = Arc::new(api(&stack));
    const EMAIL_SAVE: usize = 3;

    for n in 0..5 {
        let customer = customer(&stack, &format!("customer{n}@example.ru")).await;
        profile_of(&api, &customer).await;
        let new_email = format!("customer{n}.new@example.ru");
        let bodies: Vec<Value> = FIRST_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut body = form(&customer);
                body["first_name"] = json!(name);
                if i == EMAIL_SAVE {
                    body["email"] = json!(new_email);
                }
                body
            })
            .collect();

        let answers = save_all(&api, &customer.access_token, &bodies).await;

        for (status, answer) in &answers {
            // moto refuses the old token once the e-mail changed: 401.
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::CONFLICT,
                    StatusCode::UNAUTHORIZED
                ]
                .contains(status),
                "customer {n}: {status}: {answer}"
            );
        }
        let login = account_attribute(&stack, &customer, "email").await;
        let item = stored_item(&stack, &customer)
            .await
            .expect("the profile is stored");
        let (status, answer) = &answers[EMAIL_SAVE];
        if *status == StatusCode::OK {
            assert_eq!(answer["email"], new_email.as_str());
            assert_eq!(login.as_deref(), Some(new_email.as_str()));
            assert_eq!(item["email"], AttributeValue::S(new_email.clone()));
        } else {
            assert_eq!(
                login.as_deref(),
                Some(customer.email.as_str()),
                "customer {n}: the save answered {status} {answer}, yet the login changed"
            );
            assert_eq!(item["email"], AttributeValue::S(customer.email.clone()));
        }
        assert!(
            !item.contains_key("pending_email"),
            "customer {n}: nothing left pending"
        );
    }
}

/// Marks `address` as pending for `customer` and the user pool as asked for
/// it at `started_at`, as a save does before it calls the pool.
async fn mark_email_request(stack: &Stack, customer: &Customer, address: &str, started_at: &str) {
    stack
        .dynamodb()
        .update_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(format!("USER#{}", customer.sub)))
        .key("sk", AttributeValue::S("PROFILE".into()))
        .update_expression("SET pending_email = :address, email_request_started_at = :started")
        .expression_attribute_values(":address", AttributeValue::S(address.into()))
        .expression_attribute_values(":started", AttributeValue::S(started_at.into()))
        .send()
        .await
        .expect("the emulator updates the item");
}

#[tokio::test]
async fn a_change_of_the_address_waits_until_the_pool_answered_the_one_before() {
    let stack = Stack::fresh().await;
    let api = api(&stack);
    let ivan = customer(&stack, "ivan@example.ru").await;
    let (status, saved) = save(&api, &ivan.access_token, form(&ivan)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let just_now = saved["updated_at"].as_str().expect("a time").to_string();
    mark_email_request(&stack, &ivan, "first.new@example.ru", &just_now).await;
    let before = stored_item(&stack, &ivan).await;

    // Were this one sent, the pool could end with either address pending.
    let mut second = form(&ivan);
    second["email"] = json!("second.new@example.ru");
    let (status, problem) = save(&api, &ivan.access_token, second.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "email_change_in_progress");
    let confirm = with_bearer(
        raw(
            "POST",
            "/profile/email/confirm",
            Some("application/json"),
            r#"{"code":"123456"}"#,
        ),
        &ivan.access_token,
    );
    let (status, problem) = call(&api, confirm).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "email_change_in_progress");
    assert_eq!(stored_item(&stack, &ivan).await, before);
    assert_eq!(
        account_attribute(&stack, &ivan, "email").await.as_deref(),
        Some("ivan@example.ru")
    );

    // A save that keeps the address goes through and leaves the request be.
    let mut names = form(&ivan);
    names["first_name"] = json!("Илья");
    let (status, saved) = save(&api, &ivan.access_token, names).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["first_name"], "Илья");
    assert_eq!(saved["pending_email"], "first.new@example.ru");
    let item = stored_item(&stack, &ivan)
        .await
        .expect("the profile is stored");
    assert_eq!(
        item["email_request_started_at"],
        AttributeValue::S(just_now)
    );

    // A request whose function ended without recording the answer holds
    // nothing back once it is old.
    mark_email_request(
        &stack,
        &ivan,
        "first.new@example.ru",
        "2000-01-01T00:00:00Z",
    )
    .await;
    let (status, saved) = save(&api, &ivan.access_token, second).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["email"], "second.new@example.ru");
    assert_eq!(saved["pending_email"], Value::Null);
    let item = stored_item(&stack, &ivan)
        .await
        .expect("the profile is stored");
    assert!(!item.contains_key("email_request_started_at"));
    assert_eq!(
        account_attribute(&stack, &ivan, "email").await.as_deref(),
        Some("second.new@example.ru")
    );
}
