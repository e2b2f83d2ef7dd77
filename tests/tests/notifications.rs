//! The notifier (R9, R2.4) against the emulator: the real handlers change
//! orders, the real stream records are read from the emulator's DynamoDB
//! Streams and handed to the notifier as Lambda would (after the template's
//! filters), and the e-mails are read back from what the emulator's SES
//! stored, each test filtering by its own customer's address.

mod orders_support;

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cabinet::handlers::notifier::{BatchResponse, Notifier};
use cabinet_tests::{Stack, raw, read_json};
use http::StatusCode;
use orders_support::*;
use serde_json::{Value, json};
use xtask::stream::{StreamReader, passes};

const PORTAL: &str = cabinet_tests::PORTAL_BASE_URL;
const API: &str = cabinet_tests::API_BASE_URL;

/// A world with a notifier, the stream read from its start, and one
/// customer (with a profile item) and one executor.
struct Mailroom {
    world: World,
    notifier: Notifier,
    stream: StreamReader,
    patterns: Vec<Value>,
    customer: User,
    executor: User,
}

/// An address no other test of any process uses: the emulator keeps every
/// test's e-mails in one list.
fn unique_address(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{name}.{}.{nanos:x}.{}@example.ru",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn mailroom() -> Mailroom {
    let world = world().await;
    let customer = customer(&world.stack, &unique_address("ivan")).await;
    // The profile item holds the address and the switches the notifier reads.
    let answer = get_as(&world.profile, &customer, "/profile").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let executor = executor(&world.stack, &unique_address("petr"), PROVIDER).await;
    let template = xtask::template::Template::load(&xtask::workspace_root())
        .expect("infra/template.yaml parses");
    let patterns = template
        .stream_trigger()
        .expect("the template has the notifier's trigger")
        .patterns;
    let stream = StreamReader::open(&world.stack.sdk, &world.stack.stream_arn)
        .await
        .expect("the emulator has the table's stream");
    Mailroom {
        notifier: world.stack.notifier(&world.stack.sender),
        world,
        stream,
        patterns,
        customer,
        executor,
    }
}

impl Mailroom {
    /// The records written since the last call, as Lambda's filters pass them.
    async fn new_records(&mut self) -> Vec<Value> {
        let records = self
            .stream
            .read(1000)
            .await
            .expect("the emulator answers GetRecords");
        records
            .into_iter()
            .filter(|r| passes(&self.patterns, r))
            .collect()
    }

    /// Hands the new records to the notifier in one batch; answers what it
    /// reported and the batch, to deliver again.
    async fn deliver_new(&mut self) -> (BatchResponse, Vec<Value>) {
        let records = self.new_records().await;
        let response = deliver(&self.notifier, &records).await;
        (response, records)
    }

    async fn mails(&self) -> Vec<Mail> {
        mails_to(&self.world.stack, &self.customer.email).await
    }

    async fn submit(&self, service: &str, subject: &str) -> String {
        let mut body = form(service, PROVIDER);
        body["subject"] = json!(subject);
        let answer = submit_with(
            &self.world,
            &self.customer,
            &format!("k-{}", unique()),
            &body,
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        number_of(&answer.body)
    }

    async fn take(&self, number: &str) {
        let path = format!("/executor/orders/{number}/take");
        let answer = post_empty_as(&self.world.backoffice, &self.executor, &path).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    async fn executor_says(&self, number: &str, subject: &str, text: &str) {
        let path = format!("/executor/orders/{number}/messages");
        let body = json!({"subject": subject, "text": text});
        let answer = post_as(&self.world.backoffice, &self.executor, &path, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    async fn set_switches(&self, status_emails: bool, message_emails: bool) {
        let body = json!({
            "first_name": "Иван",
            "last_name": "Петров",
            "email": self.customer.email,
            "phone": "+79001234567",
            "notifications": {"status_emails": status_emails, "message_emails": message_emails},
        });
        let request = cabinet_tests::with_bearer(
            cabinet_tests::put_json("/profile", &body),
            &self.customer.token,
        );
        let answer = call(&self.world.profile, request).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
}

async fn deliver(notifier: &Notifier, records: &[Value]) -> BatchResponse {
    notifier.handle(&json!({ "Records": records })).await
}

fn no_failures() -> BatchResponse {
    BatchResponse::default()
}

/// An e-mail as the emulator stored it, read the way a mail program would.
#[derive(Debug)]
struct Mail {
    raw: String,
    headers: Vec<(String, String)>,
    subject: String,
    text: String,
    html: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn unsubscribe_url(&self) -> String {
        let value = self.header("List-Unsubscribe").expect("List-Unsubscribe");
        value
            .trim()
            .strip_prefix('<')
            .and_then(|v| v.strip_suffix('>'))
            .expect("the address is in angle brackets")
            .to_string()
    }
}

/// Every e-mail the emulator's SES accepted for `address`, oldest first.
async fn mails_to(stack: &Stack, address: &str) -> Vec<Mail> {
    let raw = stack.raw_mails_to(address).await;
    raw.iter().map(|mail| parse_mail(mail)).collect()
}

fn parse_mail(raw: &str) -> Mail {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("headers end in a blank line");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            headers
                .last_mut()
                .expect("a continuation follows a header")
                .1 += line;
        } else {
            let (name, value) = line.split_once(':').expect("a header has a colon");
            headers.push((name.to_string(), value.trim_start().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let subject = decode_words(&find("Subject"));
    let content_type = find("Content-Type");
    let boundary = content_type
        .split("boundary=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .expect("a multipart boundary");
    let mut text = String::new();
    let mut html = String::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((part_head, part_body)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        assert!(part_head.contains("charset=UTF-8"), "{part_head}");
        assert!(part_head.contains("Content-Transfer-Encoding: base64"));
        let bytes = STANDARD
            .decode(part_body.replace("\r\n", ""))
            .expect("the part is base64");
        let decoded = String::from_utf8(bytes).expect("the part is UTF-8");
        if part_head.contains("text/plain") {
            text = decoded;
        } else if part_head.contains("text/html") {
            html = decoded;
        }
    }
    Mail {
        raw: raw.to_string(),
        headers,
        subject,
        text,
        html,
    }
}

/// A header of RFC 2047 `B` words in UTF-8, decoded; space between words
/// is not part of the text.
fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    for word in value.split_whitespace() {
        let payload = word
            .strip_prefix("=?UTF-8?B?")
            .and_then(|w| w.strip_suffix("?="))
            .unwrap_or_else(|| panic!("not an encoded word: {word}"));
        let chunk = STANDARD.decode(payload).expect("the word is base64");
        assert!(
            std::str::from_utf8(&chunk).is_ok(),
            "a word splits a character"
        );
        bytes.extend(chunk);
    }
    String::from_utf8(bytes).expect("the subject is UTF-8")
}

fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().map(|m| m.subject.clone()).collect()
}

#[tokio::test]
async fn every_transition_of_the_journey_is_emailed() {
    let mut room = mailroom().await;

    let done = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.take(&done).await;
    room.executor_says(
        &done,
        "Ответ о сроках",
        "Карнет будет готов к указанной вами дате.",
    )
    .await;
    let path = format!("/orders/{done}/messages");
    let answer = post_as(
        &room.world.orders,
        &room.customer,
        &path,
        message("Спасибо за ответ"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let path = format!("/executor/orders/{done}/complete");
    let answer = post_empty_as(&room.world.backoffice, &room.executor, &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let path = format!("/orders/{done}/rating");
    let rating = json!({"score": 5, "comment": "Всё сделали в срок"});
    let answer = post_as(&room.world.orders, &room.customer, &path, rating).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);

    let cancelled = room.submit(SERVICE, "Вторая заявка").await;
    let path = format!("/orders/{cancelled}/cancel");
    let answer = post_as(&room.world.orders, &room.customer, &path, json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let rejected = room.submit(SERVICE, "Третья заявка").await;
    let path = format!("/executor/orders/{rejected}/reject");
    let reason = json!({"reason": "Не хватает документов"});
    let answer = post_as(&room.world.backoffice, &room.executor, &path, reason).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let (response, _) = room.deliver_new().await;
    assert_eq!(response, no_failures());

    let service = room.mails().await;
    let expected = [
        format!("Заявка № {done}: статус «Новая»"),
        format!("Заявка № {done}: статус «В работе»"),
        format!("Новое сообщение по заявке № {done}"),
        format!("Заявка № {done}: статус «Выполнена»"),
        format!("Заявка № {cancelled}: статус «Новая»"),
        format!("Заявка № {cancelled}: статус «Отменена»"),
        format!("Заявка № {rejected}: статус «Новая»"),
        format!("Заявка № {rejected}: статус «Отклонена»"),
    ];
    let got = subjects(&service);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (subject, start) in got.iter().zip(&expected) {
        assert!(subject.starts_with(start.as_str()), "{subject} / {start}");
    }

    let taken = &service[1];
    assert!(
        taken.text.contains("Исполнитель: Сидоров Пётр"),
        "{}",
        taken.text
    );
    assert!(taken.text.contains(&format!("{PORTAL}/orders/{done}")));
    assert!(taken.text.contains("Организация: "));
    assert!(taken.text.contains("Услуга: "));
    let reply = &service[2];
    assert!(
        reply
            .text
            .contains("Карнет будет готов к указанной вами дате.")
    );
    assert!(service[7].text.contains("Причина: Не хватает документов"));
    for mail in &service {
        assert_eq!(mail.header("To"), Some(room.customer.email.as_str()));
        assert_eq!(
            mail.header("List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(
            mail.unsubscribe_url()
                .starts_with(&format!("{API}/unsubscribe?token="))
        );
    }
}

#[tokio::test]
async fn each_record_delivered_three_times_gives_one_email() {
    let mut room = mailroom().await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.take(&number).await;
    room.executor_says(
        &number,
        "Ответ по заявке",
        "Документы получены, приступаем к работе.",
    )
    .await;

    let (response, batch) = room.deliver_new().await;
    assert_eq!(response, no_failures());
    assert_eq!(batch.len(), 3, "{batch:#?}");
    // A retried batch, then each record on its own, then all three at once
    // as concurrent invocations.
    assert_eq!(deliver(&room.notifier, &batch).await, no_failures());
    for record in &batch {
        assert_eq!(
            deliver(&room.notifier, std::slice::from_ref(record)).await,
            no_failures()
        );
    }
    let (a, b, c) = tokio::join!(
        deliver(&room.notifier, &batch),
        deliver(&room.notifier, &batch),
        deliver(&room.notifier, &batch),
    );
    for response in [a, b, c] {
        assert_eq!(response, no_failures());
    }

    assert_eq!(
        room.mails().await.len(),
        3,
        "{:#?}",
        subjects(&room.mails().await)
    );
}

#[tokio::test]
async fn concurrent_first_deliveries_send_one_email() {
    let mut room = mailroom().await;
    room.submit(SERVICE, "Карнет АТА для выставки").await;
    let batch = room.new_records().await;
    assert_eq!(batch.len(), 1);

    let (a, b, c) = tokio::join!(
        deliver(&room.notifier, &batch),
        deliver(&room.notifier, &batch),
        deliver(&room.notifier, &batch),
    );
    // An invocation that meets another's live claim reports the record, so
    // Lambda retries it; the retry finds it sent.
    for response in [a, b, c] {
        assert!(response.batch_item_failures.len() <= 1);
    }
    assert_eq!(deliver(&room.notifier, &batch).await, no_failures());
    assert_eq!(room.mails().await.len(), 1);
}

#[tokio::test]
async fn customers_who_turned_emails_off_get_none() {
    let mut room = mailroom().await;
    room.set_switches(false, false).await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.take(&number).await;
    room.executor_says(
        &number,
        "Ответ по заявке",
        "Документы получены, приступаем к работе.",
    )
    .await;
    assert_eq!(room.deliver_new().await.0, no_failures());
    assert_eq!(room.mails().await.len(), 0);

    // Status e-mails on, message e-mails still off.
    room.set_switches(true, false).await;
    room.executor_says(
        &number,
        "Ещё один ответ",
        "Осталось дождаться подписи руководителя.",
    )
    .await;
    let path = format!("/executor/orders/{number}/complete");
    let answer = post_empty_as(&room.world.backoffice, &room.executor, &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(room.deliver_new().await.0, no_failures());
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("«Выполнена»"));

    // Message e-mails on again.
    room.set_switches(true, true).await;
    room.executor_says(
        &number,
        "Итог по заявке",
        "Оригиналы можно забрать в офисе палаты.",
    )
    .await;
    assert_eq!(room.deliver_new().await.0, no_failures());
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[1].starts_with("Новое сообщение"));
}

/// `POST <url>` as a mail program sends a one-click unsubscribe (RFC 8058).
fn one_click(url: &str) -> lambda_http::Request {
    let path = url.strip_prefix(API).expect("the link goes to the API");
    raw(
        "POST",
        path,
        Some("application/x-www-form-urlencoded"),
        "List-Unsubscribe=One-Click",
    )
}

async fn switches(room: &Mailroom) -> Value {
    get_as(&room.world.profile, &room.customer, "/profile")
        .await
        .body["notifications"]
        .clone()
}

#[tokio::test]
async fn the_unsubscribe_link_turns_emails_off_and_a_tampered_one_does_not() {
    use cabinet::runtime::Handler;
    let mut room = mailroom().await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.deliver_new().await;
    let url = room.mails().await[0].unsubscribe_url();

    // One changed character of the token: refused, nothing written.
    let (base, token) = url.split_once("token=").expect("a token");
    let last = token.chars().last().expect("a token is not empty");
    let changed = if last == 'A' { 'B' } else { 'A' };
    let tampered = format!("{base}token={}{changed}", &token[..token.len() - 1]);
    let before = room
        .world
        .stack
        .dynamodb()
        .get_item()
        .table_name(&room.world.stack.table)
        .key(
            "pk",
            AttributeValue::S(format!("USER#{}", room.customer.sub)),
        )
        .key("sk", AttributeValue::S("PROFILE".into()))
        .send()
        .await
        .expect("the emulator reads the profile")
        .item;
    for bad in [
        tampered.as_str(),
        &format!("{API}/unsubscribe"),
        &format!("{base}token=junk"),
    ] {
        let (status, body) = read_json(room.world.profile.handle(one_click(bad)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "invalid_unsubscribe_token");
    }
    let after = room
        .world
        .stack
        .dynamodb()
        .get_item()
        .table_name(&room.world.stack.table)
        .key(
            "pk",
            AttributeValue::S(format!("USER#{}", room.customer.sub)),
        )
        .key("sk", AttributeValue::S("PROFILE".into()))
        .send()
        .await
        .expect("the emulator reads the profile")
        .item;
    assert_eq!(before, after, "a refused token wrote nothing");
    assert_eq!(switches(&room).await["status_emails"], true);

    // The real link, with no bearer token.
    let (status, body) = read_json(room.world.profile.handle(one_click(&url)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"unsubscribed": "status_emails"}));
    assert_eq!(
        switches(&room).await,
        json!({"status_emails": false, "message_emails": true})
    );
    // Clicking it again changes nothing and still succeeds.
    let (status, _) = read_json(room.world.profile.handle(one_click(&url)).await).await;
    assert_eq!(status, StatusCode::OK);

    room.take(&number).await;
    assert_eq!(room.deliver_new().await.0, no_failures());
    assert_eq!(room.mails().await.len(), 1, "no e-mail after unsubscribing");

    // The profile's switch turns them on again.
    room.set_switches(true, true).await;
    let path = format!("/executor/orders/{number}/complete");
    let answer = post_empty_as(&room.world.backoffice, &room.executor, &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(room.deliver_new().await.0, no_failures());
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[1].contains("«Выполнена»"));
}

#[tokio::test]
async fn a_mixed_batch_sends_the_right_emails_and_reports_only_the_malformed_record() {
    let mut room = mailroom().await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.deliver_new().await;
    assert_eq!(room.mails().await.len(), 1);

    room.take(&number).await;
    room.executor_says(
        &number,
        "Ответ по заявке",
        "Документы получены, приступаем к работе.",
    )
    .await;
    let filtered = room.new_records().await;
    let modify = filtered
        .iter()
        .find(|r| r["eventName"] == "MODIFY")
        .expect("the take is a MODIFY")
        .clone();
    let insert = filtered
        .iter()
        .find(|r| r["eventName"] == "INSERT")
        .expect("the message is an INSERT")
        .clone();

    // A REMOVE, as TTL makes of an idempotency record.
    let idempotency = room
        .world
        .stack
        .dynamodb()
        .query()
        .table_name(&room.world.stack.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S(format!("IDEMPOTENCY#{}", room.customer.sub)),
        )
        .send()
        .await
        .expect("the emulator queries")
        .items
        .unwrap_or_default();
    let key = idempotency.first().expect("the submission's record");
    room.world
        .stack
        .dynamodb()
        .delete_item()
        .table_name(&room.world.stack.table)
        .key("pk", key["pk"].clone())
        .key("sk", key["sk"].clone())
        .send()
        .await
        .expect("the emulator deletes");
    let remove = room
        .stream
        .read(1000)
        .await
        .expect("the emulator answers GetRecords")
        .into_iter()
        .find(|r| r["eventName"] == "REMOVE")
        .expect("the deletion is a REMOVE");

    let mut malformed = modify.clone();
    malformed["dynamodb"]["SequenceNumber"] = json!("99999999999999999999");
    malformed["dynamodb"]["NewImage"]["status"] = json!({"S": "lost"});

    let batch = vec![remove, insert, malformed, modify];
    let response = deliver(&room.notifier, &batch).await;
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "99999999999999999999"}]})
    );
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[1].starts_with("Новое сообщение"), "{got:#?}");
    assert!(got[2].contains("«В работе»"), "{got:#?}");
}

#[tokio::test]
async fn an_executors_message_whose_order_does_not_exist_is_dropped_not_retried() {
    let mut room = mailroom().await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.deliver_new().await;
    room.take(&number).await;
    room.executor_says(
        &number,
        "Ответ по заявке",
        "Документы получены, приступаем к работе.",
    )
    .await;
    let records = room.new_records().await;
    let insert = records
        .iter()
        .find(|r| r["eventName"] == "INSERT")
        .expect("the message is an INSERT");

    // The same message, as if written on an order this table never had.
    let mut orphan = insert.clone();
    let missing = json!({"S": "ORDER#261203-ZZZZZZ"});
    orphan["dynamodb"]["Keys"]["pk"] = missing.clone();
    orphan["dynamodb"]["NewImage"]["pk"] = missing;
    orphan["dynamodb"]["SequenceNumber"] = json!("99999999999999999998");

    let mut batch = vec![orphan];
    batch.extend(records.iter().cloned());
    let response = deliver(&room.notifier, &batch).await;
    assert_eq!(response, no_failures());
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[1].contains("«В работе»"), "{got:#?}");
    assert!(got[2].starts_with("Новое сообщение"), "{got:#?}");
}

#[tokio::test]
async fn the_event_fixture_on_a_table_without_its_order_fails_no_record() {
    let room = mailroom().await;
    let fixture: Value = serde_json::from_str(include_str!("../../events/notifier-stream.json"))
        .expect("events/notifier-stream.json is JSON");
    let response = room.notifier.handle(&fixture).await;
    assert_eq!(response, no_failures());
}

#[tokio::test]
async fn a_long_cyrillic_subject_arrives_intact() {
    let mut room = mailroom().await;
    let number = room
        .submit("force-majeure-domestic", "Заключение о форс-мажоре")
        .await;
    room.deliver_new().await;
    let mails = room.mails().await;
    assert_eq!(mails.len(), 1);
    let expected = format!(
        "Заявка № {number}: статус «Новая» — Заключение об обстоятельствах непреодолимой силы по договорам внутри страны"
    );
    assert!(expected.chars().count() > 100);
    assert_eq!(mails[0].subject, expected);
    for line in mails[0].raw.split("\r\n") {
        assert!(line.is_ascii(), "{line}");
        if !line.starts_with("List-Unsubscribe:") {
            assert!(line.len() <= 76, "{line}");
        }
    }
}

#[tokio::test]
async fn html_in_a_customers_words_shows_as_text() {
    let mut room = mailroom().await;
    let number = room
        .submit(SERVICE, "<b>Срочно</b> <script>alert(1)</script>")
        .await;
    let path = format!("/orders/{number}/cancel");
    let reason = json!({"reason": "<img src=x onerror=alert(1)> передумал"});
    let answer = post_as(&room.world.orders, &room.customer, &path, reason).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    room.deliver_new().await;

    let mails = room.mails().await;
    assert_eq!(mails.len(), 2);
    let cancelled = &mails[1];
    for tag in ["<b>", "<script>", "<img"] {
        assert!(!cancelled.html.contains(tag), "{tag} in {}", cancelled.html);
    }
    assert!(
        cancelled
            .html
            .contains("&lt;b&gt;Срочно&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(
        cancelled
            .html
            .contains("&lt;img src=x onerror=alert(1)&gt; передумал")
    );
    assert!(cancelled.text.contains("<b>Срочно</b>"));
}

#[tokio::test]
async fn an_email_ses_refuses_is_reported_and_sent_on_the_retry() {
    let mut room = mailroom().await;
    room.submit(SERVICE, "Карнет АТА для выставки").await;
    let batch = room.new_records().await;
    let sequence = batch[0]["dynamodb"]["SequenceNumber"].clone();

    // A sender SES does not know: refused.
    let refused = room.world.stack.notifier("unknown-sender@example.ru");
    let response = deliver(&refused, &batch).await;
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": sequence}]})
    );
    assert_eq!(room.mails().await.len(), 0);

    // The claim was given back: the retry sends.
    assert_eq!(deliver(&room.notifier, &batch).await, no_failures());
    assert_eq!(room.mails().await.len(), 1);
}

#[tokio::test]
async fn the_link_of_a_message_email_turns_off_only_message_emails() {
    use cabinet::runtime::Handler;
    let mut room = mailroom().await;
    let number = room.submit(SERVICE, "Карнет АТА для выставки").await;
    room.take(&number).await;
    room.executor_says(
        &number,
        "Ответ по заявке",
        "Документы получены, приступаем к работе.",
    )
    .await;
    assert_eq!(room.deliver_new().await.0, no_failures());
    let mails = room.mails().await;
    assert_eq!(mails.len(), 3);
    let url = mails[2].unsubscribe_url();
    assert_ne!(url, mails[0].unsubscribe_url());

    let (status, body) = read_json(room.world.profile.handle(one_click(&url)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"unsubscribed": "message_emails"}));
    assert_eq!(
        switches(&room).await,
        json!({"status_emails": true, "message_emails": false})
    );

    room.executor_says(
        &number,
        "Ещё один ответ",
        "Осталось дождаться подписи руководителя.",
    )
    .await;
    let path = format!("/executor/orders/{number}/complete");
    let answer = post_empty_as(&room.world.backoffice, &room.executor, &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(room.deliver_new().await.0, no_failures());
    let got = subjects(&room.mails().await);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[3].contains("«Выполнена»"), "{got:#?}");
}
