//! No personal data in the logs, over the whole journey.
//!
//! The functions' own log subscriber (`cabinet::runtime::init_logging_to`,
//! what `init_logging` installs) writes into a buffer at the most verbose
//! level the template lets an operator choose: `LogLevel: DEBUG` becomes
//! `AWS_LAMBDA_LOG_LEVEL=DEBUG`, which sets every crate to DEBUG, the AWS
//! SDK and the HTTP client included. The whole journey then runs through
//! the real handlers against the emulator — sign-up to sign-out, refusals
//! and a server error included — and nothing a customer or executor typed,
//! no code, token or signature may appear in any line. The test checks
//! Lambda's JSON and, in a second run of this binary that it starts, the
//! text the local stack prints.
//!
//! The subscriber is global, so this binary holds this one test only: no
//! other test's events can reach the buffer.

mod orders_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cabinet::handlers::auth::AuthApi;
use cabinet::handlers::catalog::CatalogApi;
use cabinet::handlers::profile::ProfileApi;
use cabinet_tests::{Stack, get, post_json, put_json, raw, upload, with_bearer};
use http::StatusCode;
use orders_support::*;
use serde_json::{Value, json};
use xtask::stream::{StreamReader, passes};

/// What the journey types, each with a marker no code or library could
/// print by chance.
const EMAIL_TYPED: &str = "  Evlampiya.Zhuravleva.Log@Example.RU ";
const EMAIL: &str = "evlampiya.zhuravleva.log@example.ru";
const CONTACT_EMAIL: &str = "kvashnina.contact.log@example.org";
const EXECUTOR_EMAIL: &str = "sidorov.executor.log@example.org";
const PASSWORD_TYPED: &str = "Kedr2026Zvezda";
const WRONG_PASSWORD: &str = "Sosna2026Luna";
const RESET_PASSWORD: &str = "Lipa2026Veter";
const CHANGED_PASSWORD: &str = "Dub2026Reka";
const NEW_EMAIL_TYPED: &str = " Evlampiya.New.Log@Example.RU";
const NEW_EMAIL: &str = "evlampiya.new.log@example.ru";
const PHONE_TYPED: &str = "8 (912) 345-67-89";
const PHONE: &str = "+79123456789";
const PROFILE_PHONE_TYPED: &str = "+7 916 555-12-34";
const PROFILE_PHONE: &str = "+79165551234";
const CONTACT_PHONE_TYPED: &str = "8-903-777-88-99";
const CONTACT_PHONE: &str = "+79037778899";
const INVALID_PHONE: &str = "8 (912) 34-56 доб. 7";
const FIRST_NAME: &str = "Евлампия";
const LAST_NAME: &str = "Журавлёва";
const PATRONYMIC: &str = "Аристарховна";
const CONTACT_FIRST_NAME: &str = "Серафима";
const CONTACT_LAST_NAME: &str = "Квашнина";
const CONTACT_PATRONYMIC: &str = "Ильинична";
const EXECUTOR_NAMES: [&str; 2] = ["Пётр", "Сидоров"];
const ORGANIZATION: &str = "ООО «Берёзка-Лог»";
const ORDER_SUBJECT: &str = "Карнет для выставки Опал-9376";
const ORDER_TEXT: &str = "Прошу оформить карнет АТА, пометка Топаз-8265, образцы во вложении.";
const MESSAGE_SUBJECT: &str = "Вопрос о сроках Аметист-3710";
const MESSAGE_TEXT: &str = "Просьба учесть пожелание Сапфир-4821 при оформлении карнета.";
const REPLY_SUBJECT: &str = "Ответ о сроках Берилл-2609";
const REPLY_TEXT: &str = "Пожелание Изумруд-5932 учтено, документы будут готовы к сроку.";
const COMMENT: &str = "Отлично, Янтарь-6043, всё сделали в срок.";
const REASON: &str = "Передумала: причина Гранат-7154.";
const REJECTION: &str = "Не хватает выписки, отказ Корунд-8390.";
const DOCUMENT_NAME: &str = "Устав Журавлёвой Лог.pdf";
const EXTRA_FILE_NAME: &str = "Доверенность Квашниной Лог.pdf";
const PHOTO_NAME: &str = "Фото Евлампии Лог.png";

/// The codes typed from e-mails: sign-up, password reset, new address.
const CODES: [&str; 3] = ["739164", "482913", "573920"];

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

/// The buffer the subscriber writes into.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("no writer panics while holding the buffer")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        let bytes = self.0.lock().expect("the buffer is not poisoned").clone();
        String::from_utf8(bytes).expect("log lines are UTF-8")
    }
}

/// The variable that makes this binary check the text form: the test sets
/// it for the copy of itself it runs, since one process has one subscriber.
const TEXT_RUN: &str = "CABINET_LOGS_TEST_TEXT";

/// Installs the functions' subscriber as Lambda configures it with
/// `ApplicationLogLevel: DEBUG`, in Lambda's JSON (`LogFormat: JSON`) or
/// in the text the local stack prints.
fn capture_logs(json: bool) -> Capture {
    // SAFETY: this runs first in the only test of this binary, before the
    // emulator thread or any client starts: no other thread reads the
    // environment meanwhile.
    unsafe {
        if json {
            std::env::set_var("AWS_LAMBDA_LOG_FORMAT", "JSON");
        } else {
            std::env::remove_var("AWS_LAMBDA_LOG_FORMAT");
        }
        std::env::set_var("AWS_LAMBDA_LOG_LEVEL", "DEBUG");
        // Lambda sets no RUST_LOG; a developer's own must not narrow the test.
        std::env::remove_var("RUST_LOG");
    }
    let capture = Capture::default();
    let writer = capture.clone();
    cabinet::runtime::init_logging_to(move || writer.clone());
    capture
}

/// This test again, in a process of its own, checking the text form.
fn start_text_run() -> std::process::Child {
    let binary = std::env::current_exe().expect("a test knows its binary");
    std::process::Command::new(binary)
        .args(["--exact", "the_whole_journey_logs_no_personal_data"])
        .env(TEXT_RUN, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the test binary starts again")
}

/// Everything the journey handed out that must stay out of the logs.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        assert!(!value.is_empty(), "{what} is empty");
        self.0.push((what.to_string(), value.to_string()));
    }

    /// The `X-Amz-Signature` of a presigned URL.
    fn add_signature_of(&mut self, what: &str, url: &str) {
        let signature = url
            .split(['?', '&'])
            .find_map(|part| part.strip_prefix("X-Amz-Signature="))
            .unwrap_or_else(|| panic!("{what} is presigned: {url}"));
        self.add(what, signature);
    }

    /// The policy and signature of an upload slot.
    fn add_slot(&mut self, what: &str, slot: &Value) {
        for field in ["policy", "x-amz-signature"] {
            let value = slot["fields"][field]
                .as_str()
                .unwrap_or_else(|| panic!("{what} has {field}: {slot}"));
            self.add(&format!("{what} {field}"), value);
        }
    }
}

/// Every handler of the journey on one stack.
struct Cabinet {
    world: World,
    auth: AuthApi,
    catalog: CatalogApi,
}

impl Cabinet {
    async fn auth(&self, path: &str, body: Value) -> Answer {
        call(&self.auth, post_json(path, &body)).await
    }
}

fn expect(answer: &Answer, status: StatusCode, step: &str) {
    assert_eq!(answer.status, status, "{step}: {}", answer.body);
}

/// `token` with its middle character changed: a character at the end of
/// base64 may carry only padding bits, which a decoder ignores.
fn altered(token: &str) -> String {
    let middle = token.len() / 2;
    let replacement = if &token[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    format!("{}{replacement}{}", &token[..middle], &token[middle + 1..])
}

fn text_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
}

/// The unsubscribe links of the e-mails SES accepted for `address`.
async fn unsubscribe_links(stack: &Stack, address: &str) -> Vec<String> {
    let mails = stack.raw_mails_to(address).await;
    mails
        .iter()
        .map(|raw| {
            let unfolded = raw.replace("\r\n ", " ").replace("\r\n\t", " ");
            let header = unfolded
                .split("\r\n")
                .find_map(|line| line.strip_prefix("List-Unsubscribe: "))
                .expect("every e-mail has List-Unsubscribe");
            header.trim().trim_matches(['<', '>']).to_string()
        })
        .collect()
}

/// Sign-up to sign-in through the auth function, with its refusals and the
/// password flows; answers the customer signed in.
async fn identity(cabinet: &Cabinet, secrets: &mut Secrets) -> User {
    let form = json!({
        "email": EMAIL_TYPED,
        "password": PASSWORD_TYPED,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "patronymic": PATRONYMIC,
        "phone": PHONE_TYPED,
    });
    let mut invalid = form.clone();
    invalid["phone"] = json!(INVALID_PHONE);
    let refused = cabinet.auth("/auth/sign-up", invalid).await;
    expect(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid phone");
    let created = cabinet.auth("/auth/sign-up", form.clone()).await;
    expect(&created, StatusCode::CREATED, "sign-up");
    let taken = cabinet.auth("/auth/sign-up", form).await;
    expect(&taken, StatusCode::CONFLICT, "the same e-mail again");

    // moto has no ResendConfirmationCode: a 503 here, a 202 on AWS.
    let resent = cabinet
        .auth("/auth/resend-code", json!({"email": EMAIL_TYPED}))
        .await;
    expect(&resent, StatusCode::SERVICE_UNAVAILABLE, "resend the code");
    let confirm = json!({"email": EMAIL_TYPED, "code": CODES[0]});
    let confirmed = cabinet.auth("/auth/confirm", confirm).await;
    expect(&confirmed, StatusCode::NO_CONTENT, "confirm");

    let wrong = json!({"email": EMAIL, "password": WRONG_PASSWORD});
    let wrong = cabinet.auth("/auth/sign-in", wrong).await;
    expect(&wrong, StatusCode::UNAUTHORIZED, "wrong password");
    let forgot = cabinet
        .auth("/auth/forgot-password", json!({"email": EMAIL_TYPED}))
        .await;
    expect(&forgot, StatusCode::ACCEPTED, "forgot the password");
    let reset = json!({"email": EMAIL_TYPED, "code": CODES[1], "new_password": RESET_PASSWORD});
    let reset = cabinet.auth("/auth/reset-password", reset).await;
    expect(&reset, StatusCode::NO_CONTENT, "reset the password");
    let credentials = json!({"email": EMAIL_TYPED, "password": RESET_PASSWORD});
    let signed_in = cabinet.auth("/auth/sign-in", credentials).await;
    expect(&signed_in, StatusCode::OK, "sign-in");
    for token in ["access_token", "id_token", "refresh_token"] {
        secrets.add(token, text_of(&signed_in.body, token));
    }
    let access = text_of(&signed_in.body, "access_token");
    for (old, status) in [
        (WRONG_PASSWORD, StatusCode::FORBIDDEN),
        (RESET_PASSWORD, StatusCode::NO_CONTENT),
    ] {
        let change = json!({"old_password": old, "new_password": CHANGED_PASSWORD});
        let request = with_bearer(post_json("/auth/change-password", &change), access);
        expect(
            &call(&cabinet.auth, request).await,
            status,
            "change the password",
        );
    }
    let refresh_token = text_of(&signed_in.body, "refresh_token");
    let refreshed = cabinet
        .auth("/auth/refresh", json!({"refresh_token": refresh_token}))
        .await;
    expect(&refreshed, StatusCode::OK, "refresh");
    for token in ["access_token", "id_token"] {
        secrets.add(
            &format!("refreshed {token}"),
            text_of(&refreshed.body, token),
        );
    }
    let stale = cabinet
        .auth(
            "/auth/refresh",
            json!({"refresh_token": "not-a-refresh-token"}),
        )
        .await;
    expect(&stale, StatusCode::UNAUTHORIZED, "a bad refresh token");

    let access = text_of(&refreshed.body, "access_token");
    let sub = cabinet
        .world
        .stack
        .cognito()
        .get_user()
        .access_token(access)
        .send()
        .await
        .expect("the emulator knows the token")
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value().map(str::to_string))
        .expect("every user has a sub");
    let id_token = text_of(&refreshed.body, "id_token");
    bad_tokens(cabinet, access, id_token).await;
    User {
        email: EMAIL.into(),
        sub,
        token: access.to_string(),
    }
}

/// Bearer tokens that are refused: garbage, an ID token (which carries the
/// e-mail and the phone), and an access token with a changed signature.
async fn bad_tokens(cabinet: &Cabinet, access: &str, id_token: &str) {
    let forged = {
        let (signed, signature) = access.rsplit_once('.').expect("a JWT has three parts");
        format!("{signed}.{}", altered(signature))
    };
    for token in ["not-a-token", id_token, forged.as_str()] {
        let answer = call(&cabinet.world.profile, with_bearer(get("/profile"), token)).await;
        expect(&answer, StatusCode::UNAUTHORIZED, "a bad bearer token");
    }
}

/// The profile: created, saved with other names and phone, refused with a
/// bad phone, and a photo.
async fn profile(cabinet: &Cabinet, customer: &User, secrets: &mut Secrets) {
    let profile = &cabinet.world.profile;
    let created = get_as(profile, customer, "/profile").await;
    expect(&created, StatusCode::OK, "the profile");
    let mut body = json!({
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "patronymic": PATRONYMIC,
        "email": EMAIL,
        "phone": PROFILE_PHONE_TYPED,
        "notifications": {"status_emails": true, "message_emails": true},
    });
    let saved = call(
        profile,
        with_bearer(put_json("/profile", &body), &customer.token),
    )
    .await;
    expect(&saved, StatusCode::OK, "save the profile");
    body["phone"] = json!(INVALID_PHONE);
    body["first_name"] = json!("");
    let refused = call(
        profile,
        with_bearer(put_json("/profile", &body), &customer.token),
    )
    .await;
    expect(&refused, StatusCode::UNPROCESSABLE_ENTITY, "a bad profile");

    let declared = json!({"name": PHOTO_NAME, "type": "image/png", "size": PNG.len()});
    let slot = post_as(profile, customer, "/profile/photo/upload", declared).await;
    expect(&slot, StatusCode::CREATED, "photo slot");
    secrets.add_slot("photo slot", &slot.body);
    let (status, body) = upload(&slot.body, PNG).await;
    assert!(status.is_success(), "S3 takes the photo: {status} {body}");
    let set = json!({"upload_id": slot.body["upload_id"]});
    let photo = call(
        profile,
        with_bearer(put_json("/profile/photo", &set), &customer.token),
    )
    .await;
    expect(&photo, StatusCode::OK, "set the photo");
    secrets.add_signature_of("photo link", text_of(&photo.body["photo"], "url"));
}

/// The public catalog, as a customer browses it before ordering.
async fn browse(cabinet: &Cabinet) {
    for path in [
        "/catalog/categories".to_string(),
        format!("/catalog/services/{SERVICE}"),
        format!("/catalog/services/{SERVICE}/providers?q=%D0%BC%D0%BE%D1%81%D0%BA"),
        "/faq".to_string(),
    ] {
        let answer = call(&cabinet.catalog, get(&path)).await;
        expect(&answer, StatusCode::OK, &path);
    }
    let unknown = call(&cabinet.catalog, get("/catalog/services/no-such")).await;
    expect(&unknown, StatusCode::NOT_FOUND, "an unknown service");
}

/// Uploads `bytes` as `name` through the slot route `path`; answers the
/// upload id.
async fn uploaded(
    cabinet: &Cabinet,
    customer: &User,
    path: &str,
    name: &str,
    secrets: &mut Secrets,
) -> String {
    let declared = json!({"name": name, "type": "application/pdf", "size": PDF.len()});
    let slot = post_as(&cabinet.world.orders, customer, path, declared).await;
    expect(&slot, StatusCode::CREATED, path);
    secrets.add_slot(path, &slot.body);
    let (status, body) = upload(&slot.body, PDF).await;
    assert!(status.is_success(), "S3 takes the file: {status} {body}");
    text_of(&slot.body, "upload_id").to_string()
}

/// The orders of the journey: one done and rated, one cancelled; answers
/// their numbers.
async fn orders(
    cabinet: &Cabinet,
    customer: &User,
    executor: &User,
    secrets: &mut Secrets,
) -> (String, String) {
    let world = &cabinet.world;
    let document = uploaded(cabinet, customer, "/orders/uploads", DOCUMENT_NAME, secrets).await;
    let form = json!({
        "service_id": SERVICE,
        "provider_id": PROVIDER,
        "subject": ORDER_SUBJECT,
        "text": ORDER_TEXT,
        "contact": {
            "first_name": CONTACT_FIRST_NAME,
            "last_name": CONTACT_LAST_NAME,
            "patronymic": CONTACT_PATRONYMIC,
            "email": CONTACT_EMAIL,
            "phone": CONTACT_PHONE_TYPED,
            "organization": ORGANIZATION,
        },
        "documents": [document],
    });
    let key = format!("log-journey-{}", unique());
    let submitted = submit_with(world, customer, &key, &form).await;
    expect(&submitted, StatusCode::CREATED, "submit");
    let done = number_of(&submitted.body);
    let replayed = submit_with(world, customer, &key, &form).await;
    expect(&replayed, StatusCode::CREATED, "submit again");
    let mut invalid = form.clone();
    invalid["contact"]["phone"] = json!(INVALID_PHONE);
    invalid["contact"]["email"] = json!("kvashnina.contact.log@");
    let refused = submit_with(world, customer, &format!("log-bad-{}", unique()), &invalid).await;
    expect(&refused, StatusCode::UNPROCESSABLE_ENTITY, "a bad contact");

    let extra = uploaded(
        cabinet,
        customer,
        &format!("/orders/{done}/uploads"),
        EXTRA_FILE_NAME,
        secrets,
    )
    .await;
    let path = format!("/orders/{done}/files");
    let attached = post_as(&world.orders, customer, &path, json!({"upload_id": extra})).await;
    expect(&attached, StatusCode::CREATED, "attach");
    let link = get_as(&world.orders, customer, &format!("{path}/{extra}")).await;
    expect(&link, StatusCode::OK, "download link");
    secrets.add_signature_of("download link", text_of(&link.body, "url"));

    let path = format!("/orders/{done}/messages");
    let message = json!({"subject": MESSAGE_SUBJECT, "text": MESSAGE_TEXT});
    let written = post_as(&world.orders, customer, &path, message).await;
    expect(&written, StatusCode::CREATED, "the customer's message");
    let short = json!({"subject": MESSAGE_SUBJECT, "text": "Сапфир-4821"});
    let short = post_as(&world.orders, customer, &path, short).await;
    expect(&short, StatusCode::UNPROCESSABLE_ENTITY, "a short message");

    let path = format!("/executor/orders/{done}");
    let taken = post_empty_as(&world.backoffice, executor, &format!("{path}/take")).await;
    expect(&taken, StatusCode::OK, "take");
    let reply = json!({"subject": REPLY_SUBJECT, "text": REPLY_TEXT});
    let replied = post_as(
        &world.backoffice,
        executor,
        &format!("{path}/messages"),
        reply,
    )
    .await;
    expect(&replied, StatusCode::CREATED, "the executor's reply");
    let card = get_as(&world.backoffice, executor, &path).await;
    expect(&card, StatusCode::OK, "the executor's card");
    let completed = post_empty_as(&world.backoffice, executor, &format!("{path}/complete")).await;
    expect(&completed, StatusCode::OK, "complete");
    let again = post_empty_as(&world.backoffice, executor, &format!("{path}/complete")).await;
    expect(&again, StatusCode::CONFLICT, "complete twice");

    let path = format!("/orders/{done}/rating");
    let rating = json!({"score": 5, "comment": COMMENT});
    let rated = post_as(&world.orders, customer, &path, rating.clone()).await;
    expect(&rated, StatusCode::CREATED, "rate");
    let twice = post_as(&world.orders, customer, &path, rating).await;
    expect(&twice, StatusCode::CONFLICT, "rate twice");

    let cancelled = submit_with(world, customer, &format!("log-{}", unique()), &{
        let mut second = form.clone();
        second["documents"] = json!([]);
        second
    })
    .await;
    expect(&cancelled, StatusCode::CREATED, "the second order");
    let cancelled = number_of(&cancelled.body);
    let path = format!("/orders/{cancelled}/cancel");
    let answer = post_as(&world.orders, customer, &path, json!({"reason": REASON})).await;
    expect(&answer, StatusCode::OK, "cancel");

    let rejected = submit_with(world, customer, &format!("log-{}", unique()), &{
        let mut third = form.clone();
        third["documents"] = json!([]);
        third
    })
    .await;
    expect(&rejected, StatusCode::CREATED, "the third order");
    let path = format!("/executor/orders/{}/reject", number_of(&rejected.body));
    let answer = post_as(
        &world.backoffice,
        executor,
        &path,
        json!({"reason": REJECTION}),
    )
    .await;
    expect(&answer, StatusCode::OK, "reject");

    let card = get_as(&world.orders, customer, &format!("/orders/{done}")).await;
    expect(&card, StatusCode::OK, "the customer's card");
    let queue = get_as(&world.backoffice, executor, "/executor/orders?limit=1").await;
    expect(&queue, StatusCode::OK, "the executor's queue");
    secrets.add("executor's cursor", text_of(&queue.body, "next_cursor"));
    let first_page = get_as(&world.orders, customer, "/orders?limit=1").await;
    expect(&first_page, StatusCode::OK, "the list");
    let cursor = text_of(&first_page.body, "next_cursor");
    secrets.add("cursor", cursor);
    let next = get_as(
        &world.orders,
        customer,
        &format!("/orders?limit=1&cursor={cursor}"),
    )
    .await;
    expect(&next, StatusCode::OK, "the next page");
    let forged = altered(cursor);
    let forged = get_as(&world.orders, customer, &format!("/orders?cursor={forged}")).await;
    expect(&forged, StatusCode::BAD_REQUEST, "a changed cursor");
    (done, cancelled)
}

/// The notifier on the journey's records: first with a sender SES refuses
/// (every record that owes an e-mail fails and is reported), then the real one (every e-mail
/// sent), then the same batch again (nothing sent twice).
async fn notify(cabinet: &Cabinet, stream: &mut StreamReader) {
    let stack = &cabinet.world.stack;
    let patterns = xtask::template::Template::load(&xtask::workspace_root())
        .expect("infra/template.yaml parses")
        .stream_trigger()
        .expect("the template has the notifier's trigger")
        .patterns;
    let records: Vec<Value> = stream
        .read(1000)
        .await
        .expect("the emulator answers GetRecords")
        .into_iter()
        .filter(|r| passes(&patterns, r))
        .collect();
    let event = json!({ "Records": records });

    let refused = stack
        .notifier("unknown-sender.log@example.org")
        .handle(&event)
        .await;
    // Records that owe no e-mail (the customer's message, the rating) pass.
    assert!(!refused.batch_item_failures.is_empty(), "SES refused");
    let notifier = stack.notifier(&stack.sender);
    let sent = notifier.handle(&event).await;
    assert!(sent.batch_item_failures.is_empty(), "{sent:?}");
    let again = notifier.handle(&event).await;
    assert!(again.batch_item_failures.is_empty(), "{again:?}");
}

/// Unsubscribes with the link of the first e-mail, and tries a changed one.
async fn unsubscribe(cabinet: &Cabinet, secrets: &mut Secrets) {
    let links = unsubscribe_links(&cabinet.world.stack, EMAIL).await;
    assert!(links.len() >= 5, "the journey's e-mails: {links:?}");
    let link = &links[0];
    let token = link
        .split_once("token=")
        .map(|(_, token)| token)
        .expect("the link carries a token");
    secrets.add("unsubscribe token", token);
    let path = format!("/unsubscribe?token={token}");
    let form = "List-Unsubscribe=One-Click";
    let content_type = Some("application/x-www-form-urlencoded");
    let request = raw("POST", &path, content_type, form);
    let answer = call(&cabinet.world.profile, request).await;
    expect(&answer, StatusCode::OK, "unsubscribe");
    let changed = format!("/unsubscribe?token={}", altered(token));
    let request = raw("POST", &changed, content_type, form);
    let answer = call(&cabinet.world.profile, request).await;
    expect(&answer, StatusCode::BAD_REQUEST, "a changed link");
}

/// A new e-mail address: one taken by another account (refused, the
/// profile put back), then a free one, which moto applies at once (so no
/// code is pending, and the customer signs in again with it); answers the
/// customer's new access and refresh tokens.
async fn change_email(
    cabinet: &Cabinet,
    customer: &User,
    secrets: &mut Secrets,
) -> (String, String) {
    let profile = &cabinet.world.profile;
    let mut body = json!({
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "patronymic": PATRONYMIC,
        "email": EXECUTOR_EMAIL,
        "phone": PROFILE_PHONE,
    });
    let save = |body: &Value| with_bearer(put_json("/profile", body), &customer.token);
    let taken = call(profile, save(&body)).await;
    expect(&taken, StatusCode::CONFLICT, "a taken address");
    body["email"] = json!(NEW_EMAIL_TYPED);
    let saved = call(profile, save(&body)).await;
    expect(&saved, StatusCode::OK, "a new address");
    assert_eq!(saved.body["email"], NEW_EMAIL);

    let credentials = json!({"email": NEW_EMAIL_TYPED, "password": CHANGED_PASSWORD});
    let signed_in = cabinet.auth("/auth/sign-in", credentials).await;
    expect(&signed_in, StatusCode::OK, "sign-in with the new address");
    for token in ["access_token", "id_token", "refresh_token"] {
        secrets.add(&format!("new {token}"), text_of(&signed_in.body, token));
    }
    let access = text_of(&signed_in.body, "access_token");
    let code = json!({"code": CODES[2]});
    let request = with_bearer(post_json("/profile/email/confirm", &code), access);
    let confirmed = call(profile, request).await;
    expect(&confirmed, StatusCode::CONFLICT, "nothing to confirm");
    (
        access.to_string(),
        text_of(&signed_in.body, "refresh_token").to_string(),
    )
}

/// A server error of our own making: the profile function pointed at a
/// table that does not exist, as a wrong `TABLE_NAME` would.
async fn misconfigured(cabinet: &Cabinet, customer: &User) {
    let stack = &cabinet.world.stack;
    let broken = ProfileApi::new(
        stack.dynamodb(),
        format!("{}-missing", stack.table),
        stack.cognito(),
        verifier(stack),
        cabinet_tests::unsubscribe_key(),
        stack.files(),
    );
    let answer = get_as(&broken, customer, "/profile").await;
    expect(
        &answer,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a missing table",
    );
}

/// Every JSON line of the capture: its string values and keys, decoded,
/// so a value the format escaped is still found.
fn decoded(lines: &[Value]) -> String {
    fn strings(value: &Value, out: &mut String) {
        match value {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                out.push_str(k);
                out.push('\n');
                strings(v, out);
            }),
            other => {
                out.push_str(&other.to_string());
                out.push('\n');
            }
        }
    }
    let mut out = String::new();
    lines.iter().for_each(|line| strings(line, &mut out));
    out
}

/// What `log` holds that it must not: a value of `typed` (case ignored), a
/// code as a number of its own, or anything shaped like an e-mail address,
/// a Russian phone number or a JWT; each with the first line it is on.
fn leaks_in(form: &str, log: &str, typed: &[(String, String)]) -> Vec<String> {
    let mut leaks = Vec::new();
    let lower = log.to_lowercase();
    for (what, value) in typed {
        let needle = value.to_lowercase();
        if let Some(line) = lower.lines().find(|line| line.contains(&needle)) {
            leaks.push(format!("{what} ({value}) in the {form} log: {line}"));
        }
    }
    let mut shapes = vec![
        (
            "e-mail".to_string(),
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}".to_string(),
        ),
        ("phone +7".into(), r"\+7[\s\-()]*\d{3}".into()),
        ("phone 8 (9".into(), r"(^|[^\d])8[\s\-]*\(\s*9\d\d".into()),
        (
            "phone 8-9xx".into(),
            r"(^|[^\d])8[\s\-]9\d\d[\s\-]\d\d\d".into(),
        ),
        ("phone 79xx".into(), r"(^|[^\d])79\d{9}($|[^\d])".into()),
        ("JWT".into(), r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+".into()),
    ];
    // Codes are digits, as are the SDK's timings and ids: a code counts
    // only where it is a number of its own.
    for code in CODES {
        shapes.push((
            format!("code {code}"),
            format!("(^|[^0-9]){code}([^0-9]|$)"),
        ));
    }
    for (shape, pattern) in shapes {
        let regex = regex_lite::Regex::new(&format!("(?m){pattern}")).expect("a valid pattern");
        if regex.is_match(log) {
            let line = log.lines().find(|line| regex.is_match(line));
            leaks.push(format!(
                "{shape} in the {form} log: {}",
                line.unwrap_or_default()
            ));
        }
    }
    leaks
}

#[tokio::test]
async fn the_whole_journey_logs_no_personal_data() {
    let json = std::env::var_os(TEXT_RUN).is_none();
    let capture = capture_logs(json);
    let text_run = json.then(start_text_run);
    let started = std::time::Instant::now();

    let world = world().await;
    let stack = &world.stack;
    let mut stream = StreamReader::open(&stack.sdk, &stack.stream_arn)
        .await
        .expect("the emulator has the table's stream");
    let auth = AuthApi::new(stack.cognito(), stack.client_id.clone(), verifier(stack));
    let catalog = CatalogApi::new(stack.dynamodb(), stack.table.clone());
    let cabinet = Cabinet {
        world,
        auth,
        catalog,
    };
    let mut secrets = Secrets::default();

    let customer = identity(&cabinet, &mut secrets).await;
    let executor = executor(&cabinet.world.stack, EXECUTOR_EMAIL, PROVIDER).await;
    secrets.add("executor token", &executor.token);
    profile(&cabinet, &customer, &mut secrets).await;
    browse(&cabinet).await;
    let (done, _) = orders(&cabinet, &customer, &executor, &mut secrets).await;
    notify(&cabinet, &mut stream).await;
    unsubscribe(&cabinet, &mut secrets).await;
    misconfigured(&cabinet, &customer).await;
    let (access, refresh_token) = change_email(&cabinet, &customer, &mut secrets).await;
    let sign_out = post_json("/auth/sign-out", &json!({"refresh_token": refresh_token}));
    let signed_out = call(&cabinet.auth, with_bearer(sign_out, &access)).await;
    expect(&signed_out, StatusCode::NO_CONTENT, "sign-out");

    let text = capture.text();
    // In JSON, every line parses, and the decoded values are searched too;
    // the text form prints values as they are.
    let (lines, decoded) = if json {
        let lines: Vec<Value> = text
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
            })
            .collect();
        let decoded = decoded(&lines);
        (lines.len(), decoded)
    } else {
        (text.lines().count(), text.clone())
    };
    eprintln!(
        "journey ({}): {:.1} s, {lines} log lines, {} bytes",
        if json { "JSON" } else { "text" },
        started.elapsed().as_secs_f64(),
        text.len()
    );

    // The capture holds what the journey did, so it cannot pass empty.
    let debug = |line: &str| {
        if json {
            line.starts_with(r#"{"level":"DEBUG""#)
        } else {
            line.starts_with("DEBUG")
        }
    };
    let events: Vec<&str> = text.lines().filter(|line| !debug(line)).collect();
    for expected in [
        "account created, awaiting confirmation",
        "cognito refused the request",
        "bearer token refused",
        "profile created from the user-pool account",
        "profile updated",
        "photo upload slot issued",
        "profile photo set",
        "upload slot issued for a new order",
        "order submitted",
        "upload slot issued",
        "file attached by the customer",
        "download link issued",
        "customer wrote a message",
        "order status changed by an executor",
        "password reset with a code",
        "password changed",
        "cognito call failed",
        "request refused",
        // A refusal names its field codes, never the value refused.
        r#"["invalid_phone"]"#,
        "profile updated with a new e-mail address",
        "the user pool took the new e-mail address",
        "executor wrote a message",
        "order rated",
        "order cancelled by the customer",
        "paging cursor refused",
        "stream record failed",
        "stream record handled",
        "e-mails turned off by a one-click link",
        "unsubscribe token refused",
        "internal error",
        "signed out",
    ] {
        assert!(
            decoded.contains(expected),
            "no {expected:?} among the logged events:\n{}",
            events.join("\n")
        );
    }
    assert!(text.lines().any(debug), "DEBUG events are captured");
    assert!(
        decoded.contains(&done),
        "events carry the order's number {done}"
    );

    let mut typed: Vec<(String, String)> = [
        ("e-mail as typed", EMAIL_TYPED.trim()),
        ("e-mail", EMAIL),
        ("contact e-mail", CONTACT_EMAIL),
        ("executor e-mail", EXECUTOR_EMAIL),
        ("password", PASSWORD_TYPED),
        ("wrong password", WRONG_PASSWORD),
        ("reset password", RESET_PASSWORD),
        ("changed password", CHANGED_PASSWORD),
        ("new e-mail as typed", NEW_EMAIL_TYPED.trim()),
        ("new e-mail", NEW_EMAIL),
        ("phone as typed", PHONE_TYPED),
        ("phone", PHONE),
        ("profile phone as typed", PROFILE_PHONE_TYPED),
        ("profile phone", PROFILE_PHONE),
        ("contact phone as typed", CONTACT_PHONE_TYPED),
        ("contact phone", CONTACT_PHONE),
        ("invalid phone", INVALID_PHONE),
        ("first name", FIRST_NAME),
        ("last name", LAST_NAME),
        ("patronymic", PATRONYMIC),
        ("contact first name", CONTACT_FIRST_NAME),
        ("contact last name", CONTACT_LAST_NAME),
        ("contact patronymic", CONTACT_PATRONYMIC),
        ("executor first name", EXECUTOR_NAMES[0]),
        ("executor last name", EXECUTOR_NAMES[1]),
        ("organization", ORGANIZATION),
        ("order subject", ORDER_SUBJECT),
        ("order text", ORDER_TEXT),
        ("message subject", MESSAGE_SUBJECT),
        ("message text", MESSAGE_TEXT),
        ("reply subject", REPLY_SUBJECT),
        ("reply text", REPLY_TEXT),
        ("comment", COMMENT),
        ("reason", REASON),
        ("rejection", REJECTION),
        ("document name", DOCUMENT_NAME),
        ("extra file name", EXTRA_FILE_NAME),
        ("photo name", PHOTO_NAME),
    ]
    .into_iter()
    .map(|(what, value)| (what.to_string(), value.to_string()))
    .collect();
    // The markers of the texts, in case only part of one is printed.
    for marker in [
        "Опал-9376",
        "Топаз-8265",
        "Аметист-3710",
        "Сапфир-4821",
        "Берилл-2609",
        "Изумруд-5932",
        "Янтарь-6043",
        "Гранат-7154",
        "Корунд-8390",
        "Берёзка",
        "Журавлёв",
        "Квашнин",
        "Евлампи",
        "zhuravleva",
        "kvashnina",
        "sidorov.executor",
        "unknown-sender",
    ] {
        typed.push(("marker".to_string(), marker.to_string()));
    }
    typed.extend(secrets.0);
    let mut leaks = leaks_in("raw", &text, &typed);
    if json {
        leaks.extend(leaks_in("decoded", &decoded, &typed));
    }
    assert!(
        leaks.is_empty(),
        "personal data in the logs:\n{}",
        leaks.join("\n")
    );

    if let Some(run) = text_run {
        let output = run.wait_with_output().expect("the text run ends");
        assert!(
            output.status.success(),
            "the text form:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
