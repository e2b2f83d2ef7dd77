//! Files (R5.1, R7.3, R2.3) end to end against the emulator: slots signed
//! by the handlers, uploads sent to S3 as a browser sends them, the checks
//! at confirmation, and downloads fetched from S3 with their headers.

mod orders_support;

use std::time::Duration;

use cabinet::domain::file::{
    AttachedFile, FileName, MAX_FILES_PER_ORDER, PHOTO_MAX_BYTES, UploadId, ascii_fallback, rfc5987,
};
use cabinet::domain::order::{Actor, OrderNumber};
use cabinet::handlers::orders::OrdersApi;
use cabinet::handlers::profile::ProfileApi;
use cabinet::store::orders::OrdersTable;
use cabinet_tests::{fetch, put_json, raw, upload, with_bearer};
use http::StatusCode;
use orders_support::*;
use serde_json::{Value, json};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

fn declaration(name: &str, content_type: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "type": content_type, "size": bytes.len()})
}

/// Asks `path` of `handler` for a slot, uploads `bytes` to it and answers
/// the slot; both steps must succeed.
async fn uploaded<H: cabinet::runtime::Handler>(
    handler: &H,
    user: &User,
    path: &str,
    declared: Value,
    bytes: &[u8],
) -> Value {
    let slot = post_as(handler, user, path, declared).await;
    assert_eq!(slot.status, StatusCode::CREATED, "{}", slot.body);
    let (status, body) = upload(&slot.body, bytes).await;
    assert!(status.is_success(), "S3 takes the upload: {status} {body}");
    slot.body
}

/// Uploads `bytes` as `name` and attaches it to order `number`; answers
/// the file as the confirmation shows it.
async fn attach(world: &World, user: &User, number: &str, name: &str, bytes: &[u8]) -> Value {
    let slot = uploaded(
        &world.orders,
        user,
        &format!("/orders/{number}/uploads"),
        declaration(name, "application/pdf", bytes),
        bytes,
    )
    .await;
    let confirmed = post_as(
        &world.orders,
        user,
        &format!("/orders/{number}/files"),
        json!({"upload_id": slot["upload_id"]}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    confirmed.body
}

async fn exists(world: &World, key: &str) -> bool {
    world
        .stack
        .s3()
        .head_object()
        .bucket(&world.stack.bucket)
        .key(key)
        .send()
        .await
        .is_ok()
}

fn disposition(name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(name),
        rfc5987(name)
    )
}

#[tokio::test]
async fn an_extra_file_joins_the_card_and_downloads_under_its_russian_name() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let name = "Договор №5 (копия).pdf";

    let file = attach(&world, &ivan, &number, name, PDF).await;
    let id = file["id"].as_str().unwrap().to_string();
    assert_eq!(file["name"], name);
    assert_eq!(file["type"], "application/pdf");
    assert_eq!(file["size"], PDF.len());
    assert!(exists(&world, &format!("orders/{number}/files/{id}")).await);
    assert!(!exists(&world, &format!("pending/orders/{number}/{id}")).await);

    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["files"][0]["name"], name);
    assert_eq!(
        card["files"][0]["download"],
        format!("/orders/{number}/files/{id}")
    );
    let entry = card["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["kind"] == "file")
        .expect("the history shows the file attached");
    assert_eq!(entry["name"], name);
    assert_eq!(entry["author"]["role"], "customer");

    let link = get_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files/{id}"),
    )
    .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    assert!(link.body["expires_at"].is_string());
    let (status, headers, body) = fetch(link.body["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, PDF);
    assert_eq!(headers["content-disposition"], disposition(name).as_str());
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Dogovor N5 (kopiia).pdf\"; filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%965%20%28%D0%BA%D0%BE%D0%BF%D0%B8%D1%8F%29.pdf"
    );
    assert_eq!(headers["content-type"], "application/pdf");

    // The provider's executor gets a link too, under the back office.
    let executor_card = executor_card(&world, &petr, &number).await;
    assert_eq!(
        executor_card["files"][0]["download"],
        format!("/executor/orders/{number}/files/{id}")
    );
    let link = get_as(
        &world.backoffice,
        &petr,
        &format!("/executor/orders/{number}/files/{id}"),
    )
    .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let (status, _, body) = fetch(link.body["url"].as_str().unwrap()).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, PDF));

    // Confirming again adds nothing.
    let again = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files"),
        json!({"upload_id": id}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(
        customer_card(&world, &ivan, &number).await["files"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn names_with_slashes_percent_signs_and_300_characters_are_kept_as_given() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let long = format!("{}.pdf", "Ж".repeat(296));
    assert_eq!(long.chars().count(), 300);

    for name in [
        "../../etc/passwd",
        "%2F..%2Fотчёт 2026.pdf",
        long.as_str(),
        "a\\b\"c'.pdf",
    ] {
        let slot = uploaded(
            &world.orders,
            &ivan,
            &format!("/orders/{number}/uploads"),
            declaration(name, "application/pdf", PDF),
            PDF,
        )
        .await;
        let key = slot["fields"]["key"].as_str().unwrap();
        assert_eq!(
            key,
            format!(
                "pending/orders/{number}/{}",
                slot["upload_id"].as_str().unwrap()
            )
        );
        let confirmed = post_as(
            &world.orders,
            &ivan,
            &format!("/orders/{number}/files"),
            json!({"upload_id": slot["upload_id"]}),
        )
        .await;
        assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
        assert_eq!(confirmed.body["name"], name);

        let id = confirmed.body["id"].as_str().unwrap();
        let link = get_as(
            &world.orders,
            &ivan,
            &format!("/orders/{number}/files/{id}"),
        )
        .await;
        let (status, headers, _) = fetch(link.body["url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        let header = headers["content-disposition"].to_str().unwrap();
        assert_eq!(header, disposition(name));
        let fallback = header
            .split("filename=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert!(!fallback.contains(['/', '\\']), "{fallback}");
    }
    let card = customer_card(&world, &ivan, &number).await;
    let names: Vec<&str> = card["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[2], long);

    let too_long = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/uploads"),
        declaration(&format!("Ж{long}"), "application/pdf", PDF),
    )
    .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.body["errors"][0]["field"], "name");
}

#[tokio::test]
async fn wrong_types_sizes_and_empty_files_are_refused_before_and_by_s3() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let slot_path = format!("/orders/{number}/uploads");

    for (declared, field) in [
        (
            json!({"name": "a.html", "type": "text/html", "size": 10}),
            "type",
        ),
        (
            json!({"name": "a.pdf", "type": "application/pdf", "size": 20 * 1024 * 1024 + 1}),
            "size",
        ),
        (
            json!({"name": "a.pdf", "type": "application/pdf", "size": 0}),
            "size",
        ),
    ] {
        let answer = post_as(&world.orders, &ivan, &slot_path, declared).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.body
        );
        assert_eq!(answer.body["errors"][0]["field"], field);
    }
    let pdf_photo = post_as(
        &world.profile,
        &ivan,
        "/profile/photo/upload",
        declaration("скан.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(pdf_photo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(pdf_photo.body["errors"][0]["field"], "type");

    // S3 refuses what the policy does not allow: an empty file, one over
    // the limit, another type than the one signed.
    let slot = post_as(
        &world.orders,
        &ivan,
        &slot_path,
        declaration("a.pdf", "application/pdf", PDF),
    )
    .await;
    let (status, body) = upload(&slot.body, b"").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("EntityTooSmall"), "{body}");
    let photo = post_as(
        &world.profile,
        &ivan,
        "/profile/photo/upload",
        declaration("я.png", "image/png", PNG),
    )
    .await;
    assert_eq!(photo.body["max_size"], PHOTO_MAX_BYTES);
    let (status, body) = upload(&photo.body, &vec![0u8; PHOTO_MAX_BYTES as usize + 1]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("EntityTooLarge"), "{body}");
    let mut other_type = slot.body.clone();
    other_type["fields"]["Content-Type"] = json!("text/html");
    let (status, body) = upload(&other_type, PDF).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Nothing arrived: the confirmation finds nothing.
    let confirmed = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files"),
        json!({"upload_id": slot.body["upload_id"]}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::NOT_FOUND);
    assert_eq!(confirmed.body["code"], "upload_not_found");

    // An object that reached the pending area without the policy's checks
    // fails HeadObject's and is deleted.
    let id = slot.body["upload_id"].as_str().unwrap();
    let pending = format!("pending/orders/{number}/{id}");
    world
        .stack
        .s3()
        .put_object()
        .bucket(&world.stack.bucket)
        .key(&pending)
        .content_type("text/html")
        .metadata("name", "YS5odG1s")
        .body(b"<html></html>".to_vec().into())
        .send()
        .await
        .unwrap();
    let confirmed = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files"),
        json!({"upload_id": id}),
    )
    .await;
    assert_eq!(
        confirmed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        confirmed.body
    );
    assert_eq!(confirmed.body["errors"][0]["field"], "type");
    assert!(!exists(&world, &pending).await);
    assert_eq!(
        customer_card(&world, &ivan, &number).await["files"],
        json!([])
    );
}

#[tokio::test]
async fn an_expired_slot_is_refused_by_s3() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let hasty = OrdersApi::new(
        world.stack.dynamodb(),
        world.stack.table.clone(),
        verifier(&world.stack),
        cursors(),
        world.stack.files().with_upload_ttl(Duration::from_secs(1)),
    );
    let slot = post_as(
        &hasty,
        &ivan,
        &format!("/orders/{number}/uploads"),
        declaration("a.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(slot.status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, body) = upload(&slot.body, PDF).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("expired"), "{body}");
    let confirmed = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files"),
        json!({"upload_id": slot.body["upload_id"]}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::NOT_FOUND);
}

/// POSTs `body` to `url` as `content_type`, with `host` as the Host header
/// when given; answers S3's status and body.
async fn post_to_s3(
    url: &str,
    host: Option<&str>,
    content_type: &str,
    body: String,
) -> (StatusCode, String) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(host) = host {
        request = request.header("host", host);
    }
    let response = request.send().await.expect("the emulator answers");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a valid status");
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn unsigned_uploads_are_refused_whatever_their_form_or_address() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let key = format!("orders/{number}/files/{}", UploadId::new(1));
    let bucket_url = format!("{}/{}", world.stack.endpoint, world.stack.bucket);
    let multipart = format!(
        "--XX\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{key}\r\n\
         --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XX--\r\n"
    );

    // A form that is not multipart: S3 takes POST uploads as forms only.
    let (status, body) = post_to_s3(
        &bucket_url,
        None,
        "application/x-www-form-urlencoded",
        format!("key={key}&file=%25PDF-1.4"),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert!(body.contains("PreconditionFailed"), "{body}");
    // The media type in another case is the same media type.
    let (status, body) = post_to_s3(
        &bucket_url,
        None,
        "Multipart/Form-Data; boundary=XX",
        multipart.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("'policy'"), "{body}");
    // The bucket named in the host instead of the path.
    let endpoint = world.stack.endpoint.trim_end_matches('/');
    let port = endpoint
        .rsplit(':')
        .next()
        .expect("the endpoint has a port");
    let host = format!("{}.s3.localhost:{port}", world.stack.bucket);
    let (status, body) = post_to_s3(
        &format!("{endpoint}/"),
        Some(&host),
        "multipart/form-data; boundary=XX",
        multipart,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("'policy'"), "{body}");

    let objects = world
        .stack
        .s3()
        .list_objects_v2()
        .bucket(&world.stack.bucket)
        .send()
        .await
        .expect("the emulator lists the bucket");
    assert_eq!(objects.key_count(), Some(0), "no object is stored");
}

#[tokio::test]
async fn another_customers_order_gives_no_slot_no_file_and_no_link() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let anna = customer(&world.stack, "anna@example.ru").await;
    let stranger = executor(&world.stack, "spb@tpp.example.ru", OTHER_PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let own = submit(&world, &anna, PROVIDER).await;
    let file = attach(&world, &ivan, &number, "скан.pdf", PDF).await;
    let id = file["id"].as_str().unwrap();

    let slot = post_as(
        &world.orders,
        &anna,
        &format!("/orders/{number}/uploads"),
        declaration("a.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(slot.status, StatusCode::NOT_FOUND);
    let link = get_as(
        &world.orders,
        &anna,
        &format!("/orders/{number}/files/{id}"),
    )
    .await;
    assert_eq!(link.status, StatusCode::NOT_FOUND);
    let link = get_as(
        &world.backoffice,
        &stranger,
        &format!("/executor/orders/{number}/files/{id}"),
    )
    .await;
    assert_eq!(link.status, StatusCode::NOT_FOUND);

    // Ivan's upload cannot be claimed for Anna's order: its key is under
    // Ivan's order.
    let slot = uploaded(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/uploads"),
        declaration("b.pdf", "application/pdf", PDF),
        PDF,
    )
    .await;
    let claimed = post_as(
        &world.orders,
        &anna,
        &format!("/orders/{own}/files"),
        json!({"upload_id": slot["upload_id"]}),
    )
    .await;
    assert_eq!(claimed.status, StatusCode::NOT_FOUND);
    assert_eq!(claimed.body["code"], "upload_not_found");
    let unknown = get_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files/{}", "0".repeat(32)),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "file_not_found");
}

#[tokio::test]
async fn an_order_holds_a_bounded_number_of_files_and_none_once_cancelled() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    for i in 0..MAX_FILES_PER_ORDER {
        attach(&world, &ivan, &number, &format!("скан {i}.pdf"), PDF).await;
    }
    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["files"].as_array().unwrap().len(), MAX_FILES_PER_ORDER);
    assert!(
        !card["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("attach_file"))
    );
    let more = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/uploads"),
        declaration("ещё.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(more.status, StatusCode::CONFLICT);
    assert_eq!(more.body["code"], "too_many_files");

    // The write itself holds the bound, whatever a handler read before it.
    let table = OrdersTable::new(world.stack.dynamodb(), world.stack.table.clone());
    let order_number = OrderNumber::parse(&number).unwrap();
    let file = |n: u128| AttachedFile {
        id: UploadId::new(n),
        name: FileName::parse("лишний.pdf").unwrap(),
        content_type: "application/pdf".into(),
        size: 1,
        uploaded_at: "2026-12-04T10:00:00.000Z".into(),
        author: Actor::customer(&ivan.sub),
    };
    assert!(
        !table
            .attach_file(&order_number, &ivan.sub, &file(1))
            .await
            .unwrap()
    );

    let other = submit(&world, &ivan, PROVIDER).await;
    let other_number = OrderNumber::parse(&other).unwrap();
    // The same file sent twice (an answer lost, the write resent) is
    // there once and counts as done; a file from someone else is refused.
    assert!(
        table
            .attach_file(&other_number, &ivan.sub, &file(2))
            .await
            .unwrap()
    );
    assert!(
        table
            .attach_file(&other_number, &ivan.sub, &file(2))
            .await
            .unwrap(),
        "the resent write found its own file"
    );
    assert!(
        !table
            .attach_file(&other_number, "someone-else", &file(3))
            .await
            .unwrap()
    );
    assert_eq!(
        customer_card(&world, &ivan, &other).await["files"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let slot = uploaded(
        &world.orders,
        &ivan,
        &format!("/orders/{other}/uploads"),
        declaration("поздно.pdf", "application/pdf", PDF),
        PDF,
    )
    .await;
    let cancelled = post_empty_as(&world.orders, &ivan, &format!("/orders/{other}/cancel")).await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let late = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{other}/files"),
        json!({"upload_id": slot["upload_id"]}),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.body["code"], "order_closed");
}

#[tokio::test]
async fn documents_sent_with_the_order_join_it_and_a_retry_gives_the_same_order() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let first = uploaded(
        &world.orders,
        &ivan,
        "/orders/uploads",
        declaration("Устав.pdf", "application/pdf", PDF),
        PDF,
    )
    .await;
    let second = uploaded(
        &world.orders,
        &ivan,
        "/orders/uploads",
        declaration("Выписка ЕГРЮЛ.pdf", "application/pdf", PDF),
        PDF,
    )
    .await;
    let mut body = form(SERVICE, PROVIDER);
    body["documents"] = json!([first["upload_id"], second["upload_id"]]);
    let key = format!("key-{}", unique());

    let created = submit_with(&world, &ivan, &key, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let number = number_of(&created.body);
    let card = customer_card(&world, &ivan, &number).await;
    let names: Vec<&str> = card["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Устав.pdf", "Выписка ЕГРЮЛ.pdf"]);
    let id = first["upload_id"].as_str().unwrap();
    assert!(exists(&world, &format!("orders/{number}/files/{id}")).await);
    assert!(!exists(&world, &format!("pending/customers/{}/{id}", ivan.sub)).await);
    let link = get_as(
        &world.orders,
        &ivan,
        &format!("/orders/{number}/files/{id}"),
    )
    .await;
    let (status, _, bytes) = fetch(link.body["url"].as_str().unwrap()).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));

    let retry = submit_with(&world, &ivan, &key, &body).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(number_of(&retry.body), number);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    let mut fewer = body.clone();
    fewer["documents"] = json!([first["upload_id"]]);
    let reused = submit_with(&world, &ivan, &key, &fewer).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["code"], "idempotency_key_reused");

    // A document never uploaded, or another customer's, is named.
    let anna = customer(&world.stack, "anna@example.ru").await;
    let annas = uploaded(
        &world.orders,
        &anna,
        "/orders/uploads",
        declaration("чужой.pdf", "application/pdf", PDF),
        PDF,
    )
    .await;
    let mut foreign = form(SERVICE, PROVIDER);
    foreign["documents"] = json!([annas["upload_id"], "f".repeat(32)]);
    let refused = submit_with(&world, &ivan, &format!("key-{}", unique()), &foreign).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["documents[0]", "documents[1]"]);
}

async fn put_photo(api: &ProfileApi, user: &User, upload_id: &Value) -> Answer {
    call(
        api,
        with_bearer(
            put_json("/profile/photo", &json!({"upload_id": upload_id})),
            &user.token,
        ),
    )
    .await
}

#[tokio::test]
async fn a_photo_is_set_replaced_and_removed() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let first = uploaded(
        &world.profile,
        &ivan,
        "/profile/photo/upload",
        declaration("Я на пропуск.png", "image/png", PNG),
        PNG,
    )
    .await;
    let set = put_photo(&world.profile, &ivan, &first["upload_id"]).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["photo"]["name"], "Я на пропуск.png");
    assert_eq!(set.body["photo"]["type"], "image/png");
    let (status, _, bytes) = fetch(set.body["photo"]["url"].as_str().unwrap()).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));
    let first_key = format!(
        "profiles/{}/photo/{}",
        ivan.sub,
        first["upload_id"].as_str().unwrap()
    );
    assert!(exists(&world, &first_key).await);

    let jpeg = b"\xff\xd8\xff\xe0 a small jpeg";
    let second = uploaded(
        &world.profile,
        &ivan,
        "/profile/photo/upload",
        declaration("новое фото.jpg", "image/jpeg", jpeg),
        jpeg,
    )
    .await;
    let replaced = put_photo(&world.profile, &ivan, &second["upload_id"]).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["photo"]["name"], "новое фото.jpg");
    assert!(
        !exists(&world, &first_key).await,
        "the replaced photo is deleted"
    );
    let read = get_as(&world.profile, &ivan, "/profile").await;
    let (status, _, bytes) = fetch(read.body["photo"]["url"].as_str().unwrap()).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, jpeg.as_slice())
    );

    let removed = call(
        &world.profile,
        with_bearer(raw("DELETE", "/profile/photo", None, ""), &ivan.token),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(removed.body["photo"], Value::Null);
    let second_key = format!(
        "profiles/{}/photo/{}",
        ivan.sub,
        second["upload_id"].as_str().unwrap()
    );
    assert!(
        !exists(&world, &second_key).await,
        "the removed photo is deleted"
    );
    assert_eq!(
        get_as(&world.profile, &ivan, "/profile").await.body["photo"],
        Value::Null
    );

    // A document upload is no photo: its key is in another scope.
    let document = uploaded(
        &world.orders,
        &ivan,
        "/orders/uploads",
        declaration("a.png", "image/png", PNG),
        PNG,
    )
    .await;
    let refused = put_photo(&world.profile, &ivan, &document["upload_id"]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}
