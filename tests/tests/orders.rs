//! The customer's orders (R5, R6, R7) against the emulator's DynamoDB and
//! Cognito, with the product's catalog loaded: submission, idempotency,
//! lists and paging, the card, cancellation, messages, rating, and that a
//! customer reaches only their own orders.

mod orders_support;

use std::collections::HashSet;
use std::sync::Arc;

use cabinet::catalog::Catalog;
use cabinet_tests::{get, raw, with_bearer};
use http::StatusCode;
use orders_support::*;
use serde_json::{Value, json};

fn is_order_number(text: &str) -> bool {
    let Some((date, suffix)) = text.split_once('-') else {
        return false;
    };
    date.len() == 6
        && date.bytes().all(|b| b.is_ascii_digit())
        && suffix.len() == 6
        && suffix
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
}

#[tokio::test]
async fn a_submission_answers_a_readable_number_and_the_link_to_its_card() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;

    let answer = submit_with(&world, &ivan, "form-1", &form(SERVICE, PROVIDER)).await;

    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let number = number_of(&answer.body);
    assert!(is_order_number(&number), "{number}");
    assert_eq!(answer.body["link"], format!("/orders/{number}"));
    assert_eq!(answer.headers["location"], format!("/orders/{number}"));
    assert!(!answer.headers.contains_key("idempotent-replayed"));
    assert_eq!(
        answer.body["status"],
        json!({"code": "submitted", "title": "Новая"})
    );

    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["number"], number.as_str());
    assert_eq!(
        card["service"],
        json!({"id": SERVICE, "title": "Оформление карнета АТА"})
    );
    assert_eq!(card["provider"]["id"], PROVIDER);
    assert_eq!(card["provider"]["kind"], "chamber");
    assert!(
        card["provider"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(card["form"]["subject"], "Карнет АТА для выставки");
    assert_eq!(card["form"]["contact"]["phone"], "+79001234567");
    assert_eq!(card["form"]["contact"]["organization"], "ООО «Ромашка»");
    assert_eq!(card["files"], json!([]));
    assert_eq!(card["executor"], Value::Null);
    assert_eq!(card["rating"], Value::Null);
    assert_eq!(card["actions"], json!(["cancel", "message", "attach_file"]));
    assert_eq!(history(&card), [("status".into(), "submitted".into())]);
    assert_eq!(
        card["history"][0]["actor"],
        json!({"role": "customer", "name": "Петров Иван"})
    );
}

#[tokio::test]
async fn the_contact_comes_from_the_profile_unless_the_form_changes_it() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let mut without_contact = form(SERVICE, PROVIDER);
    without_contact
        .as_object_mut()
        .expect("the form is an object")
        .remove("contact");

    // No profile yet (it is made on the first visit), and no contact.
    let before = item_count(&world.stack).await;
    let answer = submit_with(&world, &ivan, "no-contact", &without_contact).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["errors"][0]["field"], "contact");
    assert_eq!(item_count(&world.stack).await, before, "nothing written");

    let profile = get_as(&world.profile, &ivan, "/profile").await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let answer = submit_with(&world, &ivan, "from-profile", &without_contact).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let card = customer_card(&world, &ivan, &number_of(&answer.body)).await;
    assert_eq!(
        card["form"]["contact"],
        json!({
            "first_name": "Иван",
            "last_name": "Петров",
            "email": "ivan@example.ru",
            "phone": "+79001234567",
        })
    );

    let mut edited = without_contact.clone();
    edited["contact"] = json!({"phone": "+7 912 345-67-89", "organization": "АО «Вектор»"});
    let answer = submit_with(&world, &ivan, "edited", &edited).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let card = customer_card(&world, &ivan, &number_of(&answer.body)).await;
    assert_eq!(card["form"]["contact"]["phone"], "+79123456789");
    assert_eq!(card["form"]["contact"]["first_name"], "Иван");
    assert_eq!(card["form"]["contact"]["organization"], "АО «Вектор»");
}

#[tokio::test]
async fn the_provider_must_offer_the_service_and_nothing_is_written_otherwise() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let before = item_count(&world.stack).await;

    let answer = submit_with(&world, &ivan, "k1", &form("no-such-service", PROVIDER)).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["code"], "service_not_offered");
    assert_eq!(answer.body["errors"][0]["field"], "service_id");

    let answer = submit_with(&world, &ivan, "k2", &form(SERVICE, FOREIGN_PROVIDER)).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["errors"][0]["field"], "provider_id");
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains(FOREIGN_PROVIDER)),
        "{}",
        answer.body
    );

    let mut broken = form(SERVICE, PROVIDER);
    broken["subject"] = json!("  ");
    broken["contact"]["phone"] = json!("12345");
    let answer = submit_with(&world, &ivan, "k3", &broken).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = answer.body["errors"]
        .as_array()
        .expect("a validation problem lists its fields")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["subject", "contact.phone"]);

    assert_eq!(item_count(&world.stack).await, before, "nothing written");
    let list = get_as(&world.orders, &ivan, "/orders").await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn an_idempotency_key_is_required_and_checked() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let before = item_count(&world.stack).await;

    let request = with_bearer(
        cabinet_tests::post_json("/orders", &form(SERVICE, PROVIDER)),
        &ivan.token,
    );
    let answer = call(&world.orders, request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "idempotency_key_required");

    for bad in ["ключ", "a b", "a/b", &"k".repeat(129)] {
        let mut request = with_bearer(
            cabinet_tests::post_json("/orders", &form(SERVICE, PROVIDER)),
            &ivan.token,
        );
        request.headers_mut().insert(
            "idempotency-key",
            http::HeaderValue::from_bytes(bad.as_bytes()).expect("header bytes"),
        );
        let answer = call(&world.orders, request).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.body["code"], "invalid_idempotency_key", "{bad}");
    }
    assert_eq!(item_count(&world.stack).await, before, "nothing written");
}

#[tokio::test]
async fn a_repeated_submission_answers_the_same_order_and_a_changed_one_is_refused() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let body = form(SERVICE, PROVIDER);

    let first = submit_with(&world, &ivan, "double-click", &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let mut respaced = body.clone();
    respaced["subject"] = json!("  Карнет АТА для выставки  ");
    let second = submit_with(&world, &ivan, "double-click", &respaced).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(second.body, first.body);

    let mut changed = body.clone();
    changed["text"] = json!("Прошу оформить карнет АТА на временный вывоз оборудования.");
    let third = submit_with(&world, &ivan, "double-click", &changed).await;
    assert_eq!(third.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(third.body["code"], "idempotency_key_reused");

    // The same key of another customer is another key.
    let anna = customer(&world.stack, "anna@example.ru").await;
    let hers = submit_with(&world, &anna, "double-click", &body).await;
    assert_eq!(hers.status, StatusCode::CREATED);
    assert_ne!(hers.body["number"], first.body["number"]);

    let (numbers, _) = all_pages(&world.orders, &ivan, "/orders").await;
    assert_eq!(numbers, [number_of(&first.body)]);
}

#[tokio::test]
async fn a_retry_answers_its_order_even_after_the_catalog_changed() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let body = form(SERVICE, PROVIDER);
    let first = submit_with(&world, &ivan, "retry-after-import", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);

    // A catalog import in which the provider no longer offers the service.
    let mut catalog: Value =
        serde_json::from_str(include_str!("../../data/catalog.json")).expect("valid JSON");
    for service in catalog["services"]
        .as_array_mut()
        .expect("the catalog lists services")
    {
        if service["id"] == SERVICE {
            service["providers"]
                .as_array_mut()
                .expect("a service lists providers")
                .retain(|p| p != PROVIDER);
        }
    }
    let catalog = Catalog::from_json(&catalog.to_string()).expect("still a valid catalog");
    cabinet::store::catalog::import(&world.stack.dynamodb(), &world.stack.table, &catalog)
        .await
        .expect("the import runs");

    let retry = submit_with(&world, &ivan, "retry-after-import", &body).await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.body);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.body, first.body);

    // Another request under that key is still refused as such.
    let mut changed = body.clone();
    changed["text"] = json!("Прошу оформить карнет АТА на временный вывоз оборудования.");
    let other = submit_with(&world, &ivan, "retry-after-import", &changed).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.body["code"], "idempotency_key_reused");

    // A new request is checked against the catalog as it is now.
    let fresh = submit_with(&world, &ivan, "after-import", &body).await;
    assert_eq!(fresh.body["code"], "service_not_offered", "{}", fresh.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_make_one_order() {
    let world = Arc::new(world().await);
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let mut made = Vec::new();

    for round in 0..5 {
        let key = format!("retry-storm-{round}");
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (world, ivan, key) = (world.clone(), ivan.clone(), key.clone());
                tokio::spawn(async move {
                    submit_with(&world, &ivan, &key, &form(SERVICE, PROVIDER)).await
                })
            })
            .collect();
        let mut numbers = HashSet::new();
        let mut created = 0;
        for task in tasks {
            let answer = task.await.expect("the request task finishes");
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
            numbers.insert(number_of(&answer.body));
            if !answer.headers.contains_key("idempotent-replayed") {
                created += 1;
            }
        }
        assert_eq!(numbers.len(), 1, "round {round}: {numbers:?}");
        assert_eq!(created, 1, "round {round}: one answer made the order");
        made.extend(numbers);
    }

    let (mut listed, _) = all_pages(&world.orders, &ivan, "/orders").await;
    listed.sort();
    made.sort();
    assert_eq!(listed, made, "one order per key");
}

#[tokio::test]
async fn the_list_is_newest_first_and_every_match_is_reachable_through_the_pages() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let anna = customer(&world.stack, "anna@example.ru").await;
    let mut submitted = Vec::new();
    for i in 0..25 {
        let provider = if i % 2 == 0 { PROVIDER } else { OTHER_PROVIDER };
        submitted.push(submit(&world, &ivan, provider).await);
    }
    submit(&world, &anna, PROVIDER).await;
    // Every third order cancelled: the filter keeps 9 of 25, spread out.
    let mut cancelled = Vec::new();
    for number in submitted.iter().step_by(3) {
        let answer = post_empty_as(&world.orders, &ivan, &format!("/orders/{number}/cancel")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        cancelled.push(number.clone());
    }
    let newest_first = |numbers: &[String]| numbers.iter().rev().cloned().collect::<Vec<_>>();

    let (all, sizes) = all_pages(&world.orders, &ivan, "/orders?limit=7").await;
    assert_eq!(all, newest_first(&submitted));
    assert!(sizes.iter().all(|&size| size <= 7), "{sizes:?}");

    let (matches, sizes) =
        all_pages(&world.orders, &ivan, "/orders?status=cancelled&limit=4").await;
    assert_eq!(matches, newest_first(&cancelled));
    assert!(sizes.iter().all(|&size| size <= 4), "{sizes:?}");
    // The filter thins the pages rather than filling them: at least one page
    // came back short before the end.
    assert!(
        sizes[..sizes.len() - 1].iter().any(|&size| size < 4),
        "{sizes:?}"
    );

    let (both, _) = all_pages(
        &world.orders,
        &ivan,
        "/orders?status=submitted,cancelled&limit=50",
    )
    .await;
    assert_eq!(both, newest_first(&submitted));
    let (none, sizes) = all_pages(&world.orders, &ivan, "/orders?status=done").await;
    assert!(none.is_empty());
    // 20 read and none kept, then the last 5: empty pages, and then the end.
    assert_eq!(sizes, [0, 0]);

    // What a list shows of an order; `name` and `status` are reserved words
    // of DynamoDB, read through placeholders.
    let page = get_as(&world.orders, &ivan, "/orders?limit=1").await;
    let item = &page.body["items"][0];
    assert_eq!(item["number"], submitted[24].as_str());
    assert_eq!(item["link"], format!("/orders/{}", submitted[24]));
    assert_eq!(
        item["status"],
        json!({"code": "cancelled", "title": "Отменена"})
    );
    assert_eq!(item["service"]["id"], SERVICE);
    assert_eq!(item["provider"]["id"], PROVIDER);
    assert!(
        item["provider"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(item["subject"], "Карнет АТА для выставки");
    assert!(item["created_at"].as_str().is_some());
    assert!(item.get("form").is_none(), "a list carries no form");
}

#[tokio::test]
async fn a_cursor_that_was_altered_or_made_for_another_list_is_a_400() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let anna = customer(&world.stack, "anna@example.ru").await;
    for _ in 0..3 {
        submit(&world, &ivan, PROVIDER).await;
        submit(&world, &anna, PROVIDER).await;
    }
    let page = get_as(&world.orders, &ivan, "/orders?limit=1").await;
    let cursor = page.body["next_cursor"]
        .as_str()
        .expect("more pages follow")
        .to_string();
    let next = get_as(
        &world.orders,
        &ivan,
        &format!("/orders?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(next.status, StatusCode::OK);

    let mut altered = cursor.clone().into_bytes();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("still ASCII");
    for (user, path) in [
        (&ivan, format!("/orders?limit=1&cursor={altered}")),
        (&ivan, format!("/orders?status=submitted&cursor={cursor}")),
        (&anna, format!("/orders?limit=1&cursor={cursor}")),
        (&ivan, "/orders?cursor=not-a-cursor".to_string()),
        (&ivan, format!("/orders?cursor={}", "A".repeat(5000))),
    ] {
        let answer = get_as(&world.orders, user, &path).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            answer.body
        );
        assert_eq!(answer.body["code"], "invalid_cursor");
    }
}

#[tokio::test]
async fn the_page_size_and_the_status_filter_are_checked() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    for query in [
        "limit=0",
        "limit=51",
        "limit=ten",
        "status=new",
        "status=done,archived",
    ] {
        let answer = get_as(&world.orders, &ivan, &format!("/orders?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(answer.body["code"], "invalid_query", "{query}");
    }
    let answer = get_as(&world.orders, &ivan, "/orders?limit=50&status=done").await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn executors_are_refused_on_the_customer_routes() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let before = item_count(&world.stack).await;

    let answer = submit_with(&world, &petr, "self-order", &form(SERVICE, PROVIDER)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.body["code"], "executors_cannot_order");
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Исполнители")),
        "{}",
        answer.body
    );
    assert_eq!(item_count(&world.stack).await, before, "nothing written");

    for path in ["/orders".to_string(), format!("/orders/{number}")] {
        let answer = get_as(&world.orders, &petr, &path).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(answer.body["code"], "executors_cannot_order", "{path}");
    }
    for (path, body) in [
        (format!("/orders/{number}/cancel"), json!({})),
        (
            format!("/orders/{number}/messages"),
            message("Вопрос о сроках карнета"),
        ),
        (format!("/orders/{number}/rating"), json!({"score": 5})),
    ] {
        let answer = post_as(&world.orders, &petr, &path, body).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(answer.body["code"], "executors_cannot_order", "{path}");
    }
    assert_eq!(item_count(&world.stack).await, before, "nothing written");
    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["status"]["code"], "submitted");
}

#[tokio::test]
async fn a_customer_reaches_only_their_own_orders() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let anna = customer(&world.stack, "anna@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;
    let open = submit(&world, &ivan, PROVIDER).await;
    let done = submit(&world, &ivan, PROVIDER).await;
    for action in ["take", "complete"] {
        let answer = post_empty_as(
            &world.backoffice,
            &petr,
            &format!("/executor/orders/{done}/{action}"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    let attempts = [
        (anna.clone(), "GET", format!("/orders/{open}"), Value::Null),
        (
            anna.clone(),
            "POST",
            format!("/orders/{open}/cancel"),
            json!({}),
        ),
        (
            anna.clone(),
            "POST",
            format!("/orders/{open}/messages"),
            message("Вопрос по чужой заявке"),
        ),
        (
            anna.clone(),
            "POST",
            format!("/orders/{done}/rating"),
            json!({"score": 1}),
        ),
    ];
    for (user, method, path, body) in attempts {
        let answer = match method {
            "GET" => get_as(&world.orders, &user, &path).await,
            _ => post_as(&world.orders, &user, &path, body.clone()).await,
        };
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(answer.body["code"], "not_found");
        // The same answer as an order that does not exist.
        let missing = path
            .replace(&open, "261204-000000")
            .replace(&done, "261204-000000");
        let absent = match method {
            "GET" => get_as(&world.orders, &ivan, &missing).await,
            _ => post_as(&world.orders, &ivan, &missing, body).await,
        };
        assert_eq!(absent.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(absent.body["detail"], answer.body["detail"]);
    }

    let card = customer_card(&world, &ivan, &open).await;
    assert_eq!(card["status"]["code"], "submitted");
    assert_eq!(history(&card).len(), 1, "no message, no change");
    let card = customer_card(&world, &ivan, &done).await;
    assert_eq!(card["rating"], Value::Null);
    let (annas, _) = all_pages(&world.orders, &anna, "/orders").await;
    assert!(annas.is_empty());
}

#[tokio::test]
async fn a_customer_cancels_before_a_final_status_with_an_optional_reason() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;

    let quiet = submit(&world, &ivan, PROVIDER).await;
    let answer = post_empty_as(&world.orders, &ivan, &format!("/orders/{quiet}/cancel")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.body["status"],
        json!({"code": "cancelled", "title": "Отменена"})
    );
    assert_eq!(answer.body["cancel_reason"], Value::Null);
    assert_eq!(answer.body["actions"], json!([]));
    let again = post_empty_as(&world.orders, &ivan, &format!("/orders/{quiet}/cancel")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["code"], "status_conflict");
    assert!(
        again.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("«Отменена»"))
    );

    // In work, with a reason.
    let taken = submit(&world, &ivan, PROVIDER).await;
    let answer = post_empty_as(
        &world.backoffice,
        &petr,
        &format!("/executor/orders/{taken}/take"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = post_as(
        &world.orders,
        &ivan,
        &format!("/orders/{taken}/cancel"),
        json!({"reason": "  Выставку перенесли  "}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["cancel_reason"], "Выставку перенесли");
    let card = customer_card(&world, &ivan, &taken).await;
    assert_eq!(
        history(&card),
        [
            ("status".into(), "submitted".into()),
            ("status".into(), "in_progress".into()),
            ("status".into(), "cancelled".into()),
        ]
    );
    assert_eq!(card["history"][2]["reason"], "Выставку перенесли");
    assert_eq!(card["history"][2]["from"]["code"], "in_progress");

    // Done is final.
    let done = submit(&world, &ivan, PROVIDER).await;
    for action in ["take", "complete"] {
        post_empty_as(
            &world.backoffice,
            &petr,
            &format!("/executor/orders/{done}/{action}"),
        )
        .await;
    }
    let answer = post_empty_as(&world.orders, &ivan, &format!("/orders/{done}/cancel")).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("«Выполнена»"))
    );
    assert_eq!(
        customer_card(&world, &ivan, &done).await["status"]["code"],
        "done"
    );
}

#[tokio::test]
async fn a_message_needs_a_subject_of_ten_and_a_text_of_thirty_characters() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let path = format!("/orders/{number}/messages");
    let before = item_count(&world.stack).await;

    // Nine Cyrillic letters are eighteen bytes but nine characters.
    let short = post_as(
        &world.orders,
        &ivan,
        &path,
        json!({"subject": "  абвгдежз  ", "text": format!("  {}  ", "я".repeat(29))}),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<(&str, &str)> = short.body["errors"]
        .as_array()
        .expect("fields listed")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(fields, [("subject", "too_short"), ("text", "too_short")]);
    assert_eq!(item_count(&world.stack).await, before, "nothing written");

    let exact = post_as(
        &world.orders,
        &ivan,
        &path,
        json!({"subject": "  абвгдежзий  ", "text": format!("\n{}\n", "я".repeat(30))}),
    )
    .await;
    assert_eq!(exact.status, StatusCode::CREATED, "{}", exact.body);
    assert_eq!(exact.body["kind"], "message");
    assert_eq!(exact.body["subject"], "абвгдежзий");
    assert_eq!(
        exact.body["author"],
        json!({"role": "customer", "name": "Петров Иван"})
    );

    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(
        history(&card),
        [
            ("status".into(), "submitted".into()),
            ("message".into(), "абвгдежзий".into()),
        ]
    );

    post_empty_as(&world.orders, &ivan, &format!("/orders/{number}/cancel")).await;
    let closed = post_as(&world.orders, &ivan, &path, message("Ещё один вопрос")).await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert_eq!(closed.body["code"], "order_closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_messages_are_all_stored() {
    let world = Arc::new(world().await);
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (world, ivan, number) = (world.clone(), ivan.clone(), number.clone());
            tokio::spawn(async move {
                let subject = format!("Вопрос номер {i:02}");
                post_as(
                    &world.orders,
                    &ivan,
                    &format!("/orders/{number}/messages"),
                    message(&subject),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        let answer = task.await.expect("the request task finishes");
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    let card = customer_card(&world, &ivan, &number).await;
    let mut subjects: Vec<String> = history(&card)
        .into_iter()
        .filter(|(kind, _)| kind == "message")
        .map(|(_, subject)| subject)
        .collect();
    subjects.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("Вопрос номер {i:02}")).collect();
    assert_eq!(subjects, expected);
}

#[tokio::test]
async fn the_card_shows_the_newest_two_hundred_messages_in_order() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let subjects: Vec<String> = (0..205).map(|i| format!("Сообщение {i:03}")).collect();

    let messages_of = |card: &Value| -> Vec<String> {
        history(card)
            .into_iter()
            .filter(|(kind, _)| kind == "message")
            .map(|(_, subject)| subject)
            .collect()
    };
    let path = format!("/orders/{number}/messages");
    for subject in &subjects[..3] {
        let answer = post_as(&world.orders, &ivan, &path, message(subject)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["history_truncated"], false);
    assert_eq!(messages_of(&card), subjects[..3]);

    for subject in &subjects[3..] {
        let answer = post_as(&world.orders, &ivan, &path, message(subject)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["history_truncated"], true);
    assert_eq!(
        messages_of(&card),
        subjects[5..],
        "the newest 200, in order"
    );
    // Every change of status stays on the card, before the messages.
    assert_eq!(
        history(&card)[0],
        ("status".to_string(), "submitted".to_string())
    );
    assert_eq!(card["history"].as_array().map(Vec::len), Some(201));

    let card = executor_card(&world, &petr, &number).await;
    assert_eq!(card["history_truncated"], true);
    assert_eq!(messages_of(&card), subjects[5..]);
}

#[tokio::test]
async fn a_rating_is_given_once_and_only_to_a_finished_order() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let petr = executor(&world.stack, "petr@tpp.example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let path = format!("/orders/{number}/rating");

    let early = post_as(&world.orders, &ivan, &path, json!({"score": 5})).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.body["code"], "not_completed");
    assert!(
        early.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("«Новая»"))
    );

    for action in ["take", "complete"] {
        let answer = post_empty_as(
            &world.backoffice,
            &petr,
            &format!("/executor/orders/{number}/{action}"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    assert_eq!(
        customer_card(&world, &ivan, &number).await["actions"],
        json!(["message", "attach_file", "rate"])
    );

    for (body, field) in [
        (json!({"score": 0}), "score"),
        (json!({"score": 6}), "score"),
        (json!({"score": 4, "comment": "  коротко  "}), "comment"),
        (json!({"comment": "Очень хорошо, спасибо"}), "score"),
    ] {
        let answer = post_as(&world.orders, &ivan, &path, body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer.body["errors"][0]["field"], field, "{body}");
    }
    let fraction = post_as(&world.orders, &ivan, &path, json!({"score": 4.5})).await;
    assert_eq!(fraction.status, StatusCode::BAD_REQUEST);

    let rated = post_as(
        &world.orders,
        &ivan,
        &path,
        json!({"score": 5, "comment": "  Быстро и вежливо  "}),
    )
    .await;
    assert_eq!(rated.status, StatusCode::CREATED, "{}", rated.body);
    assert_eq!(rated.body["score"], 5);
    assert_eq!(rated.body["comment"], "Быстро и вежливо");

    let twice = post_as(&world.orders, &ivan, &path, json!({"score": 1})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.body["code"], "already_rated");

    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["rating"]["score"], 5);
    assert_eq!(card["rating"]["comment"], "Быстро и вежливо");
    assert_eq!(card["actions"], json!(["message", "attach_file"]));
}

#[tokio::test]
async fn requests_without_a_token_or_off_the_routes_are_refused() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;

    for request in [
        get("/orders"),
        get(&format!("/orders/{number}")),
        raw("POST", &format!("/orders/{number}/cancel"), None, ""),
    ] {
        let answer = call(&world.orders, request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let answer = call(&world.orders, with_bearer(get("/orders"), "not.a.token")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    let answer = call(
        &world.orders,
        with_bearer(
            raw("DELETE", &format!("/orders/{number}"), None, ""),
            &ivan.token,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    for path in [
        "/orders/x/y/z",
        &format!("/orders/{number}/archive"),
        "/orders/not-a-number",
    ] {
        let answer = get_as(&world.orders, &ivan, path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Numbers are read in any case.
    let lower = get_as(
        &world.orders,
        &ivan,
        &format!("/orders/{}", number.to_lowercase()),
    )
    .await;
    assert_eq!(lower.status, StatusCode::OK);
}

/// Numbers are random; when one is taken, the submission draws another and
/// the order that had it stays as it was.
#[tokio::test]
async fn a_taken_number_is_never_reused() {
    use cabinet::domain::order::OrderNumber;
    use cabinet::store::orders::{OrdersTable, Submission, Submitted};

    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let anna = customer(&world.stack, "anna@example.ru").await;
    let taken = OrderNumber::parse(&submit(&world, &ivan, PROVIDER).await).expect("a number");
    let table = OrdersTable::new(world.stack.dynamodb(), world.stack.table.clone());
    let template = table
        .get(&taken)
        .await
        .expect("the emulator answers")
        .expect("the order exists");
    let fresh = OrderNumber::parse("261204-AAAAAA").expect("a number");

    let mut numbers = vec![fresh.clone(), taken.clone()];
    let outcome = table
        .submit(
            Submission::arriving_now(&anna.sub, "collision", "0123"),
            || numbers.pop().expect("two numbers suffice"),
            |number, created_at| {
                let mut order = template.clone();
                order.number = number.clone();
                order.customer_id = anna.sub.clone();
                order.idempotency_key = "collision".into();
                order.created_at = created_at.to_string();
                order
            },
        )
        .await
        .expect("the emulator answers");

    let Submitted::Created(order) = outcome else {
        panic!("a new order: {outcome:?}");
    };
    assert_eq!(order.number, fresh);
    let (annas, _) = all_pages(&world.orders, &anna, "/orders").await;
    assert_eq!(annas, [fresh.to_string()]);
    let card = customer_card(&world, &ivan, taken.as_str()).await;
    assert_eq!(card["history"].as_array().map(Vec::len), Some(1));
    // The key now stands for the new number: a retry answers it.
    let retry = table
        .submit(
            Submission::arriving_now(&anna.sub, "collision", "0123"),
            // Drawn for the claim, which finds the key held.
            || OrderNumber::parse("261204-BBBBBB").expect("a number"),
            |_, _| panic!("a retry builds nothing"),
        )
        .await
        .expect("the emulator answers");
    assert!(matches!(retry, Submitted::Replayed(ref order) if order.number == fresh));
}

// ------------------------------------------------------------------------
// A DynamoDB that keeps answering "transaction in flight on this item", as
// AWS does during a burst of writes on one order: an interceptor on the
// handlers' client sends a harmless ListTables in place of the write and
// answers the conflict instead.

mod busy_table {
    use std::sync::{Arc, Mutex};

    use aws_sdk_dynamodb::config::interceptors::{
        BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
    };
    use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
    use cabinet::handlers::orders::OrdersApi;
    use cabinet::identity::{TokenVerifier, VerifierConfig};
    use cabinet::paging::CursorKey;

    use super::orders_support::{CURSOR_SECRET, World};

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    /// Answers every call of `operation` (an `X-Amz-Target` suffix) with a
    /// transaction conflict; remembers whether the attempt in flight is one.
    #[derive(Debug, Clone)]
    struct AlwaysConflict(&'static str, Arc<Mutex<bool>>);

    impl AlwaysConflict {
        fn disturbs(&self, target: Option<&str>) -> bool {
            target.is_some_and(|t| t.ends_with(self.0))
        }
    }

    impl Intercept for AlwaysConflict {
        fn name(&self) -> &'static str {
            "AlwaysConflict"
        }

        fn modify_before_transmit(
            &self,
            context: &mut BeforeTransmitInterceptorContextMut<'_>,
            _components: &RuntimeComponents,
            _cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let request = context.request_mut();
            let disturbed = self.disturbs(request.headers().get("x-amz-target"));
            *self.1.lock().map_err(|_| "poisoned")? = disturbed;
            if disturbed {
                request
                    .headers_mut()
                    .insert("x-amz-target", "DynamoDB_20120810.ListTables");
                request.headers_mut().insert("content-length", "2");
                *request.body_mut() = String::from("{}").into();
            }
            Ok(())
        }

        fn modify_before_deserialization(
            &self,
            context: &mut BeforeDeserializationInterceptorContextMut<'_>,
            _components: &RuntimeComponents,
            _cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            if !*self.1.lock().map_err(|_| "poisoned")? {
                return Ok(());
            }
            let response = context.response_mut();
            *response.status_mut() = 400u16.try_into()?;
            let body = if self.0 == "TransactWriteItems" {
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#
            } else {
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}"#
            };
            *response.body_mut() = String::from(body).into();
            Ok(())
        }
    }

    /// The orders handler of `world`, whose `operation` calls always conflict.
    pub fn orders_behind_conflicts(world: &World, operation: &'static str) -> OrdersApi {
        let conf = aws_sdk_dynamodb::config::Builder::from(&world.stack.sdk)
            .interceptor(AlwaysConflict(operation, Arc::default()))
            .build();
        let verifier = TokenVerifier::new(VerifierConfig {
            issuer: world.stack.issuer(),
            client_id: world.stack.client_id.clone(),
            jwks_url: world.stack.jwks_url(),
        })
        .expect("the verifier builds");
        OrdersApi::new(
            aws_sdk_dynamodb::Client::from_conf(conf),
            world.stack.table.clone(),
            verifier,
            CursorKey::new(CURSOR_SECRET).expect("the test key is long enough"),
            world.stack.files(),
        )
    }
}

#[tokio::test]
async fn a_write_that_keeps_conflicting_is_a_503_to_retry() {
    let world = world().await;
    let ivan = customer(&world.stack, "ivan@example.ru").await;
    let number = submit(&world, &ivan, PROVIDER).await;

    let orders = busy_table::orders_behind_conflicts(&world, "TransactWriteItems");
    let answer = post_as(
        &orders,
        &ivan,
        &format!("/orders/{number}/messages"),
        message("Вопрос о сроках карнета"),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["code"], "service_unavailable");

    let orders = busy_table::orders_behind_conflicts(&world, "UpdateItem");
    let answer = post_empty_as(&orders, &ivan, &format!("/orders/{number}/cancel")).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["code"], "service_unavailable");

    let card = customer_card(&world, &ivan, &number).await;
    assert_eq!(card["status"]["code"], "submitted");
    assert_eq!(
        history(&card),
        [("status".to_string(), "submitted".to_string())]
    );
}

/// Every route of every function refuses a query parameter it does not
/// take with 400 `unknown_parameter`, before it reads or writes anything:
/// the bodies are valid, so without the check each write would land.
#[tokio::test]
async fn every_route_refuses_an_unknown_query_parameter_and_writes_nothing() {
    use cabinet::domain::file::UploadId;
    use cabinet::domain::profile::NotificationKind;
    use cabinet::handlers::auth::AuthApi;
    use cabinet::handlers::catalog::CatalogApi;

    let world = world().await;
    let stack = &world.stack;
    let ivan = customer(stack, "ivan@example.ru").await;
    let petr = executor(stack, "petr@tpp.example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let auth = AuthApi::new(stack.cognito(), stack.client_id.clone(), verifier(stack));
    let catalog = CatalogApi::new(stack.dynamodb(), stack.table.clone());
    let file = UploadId::new(7);
    let token = cabinet_tests::unsubscribe_key().issue(&ivan.sub, NotificationKind::Status, 0);
    let upload = json!({"name": "скан.pdf", "type": "application/pdf", "size": 10});
    let sign_up = json!({
        "email": "new@example.ru", "password": PASSWORD, "first_name": "Анна",
        "last_name": "Иванова", "phone": "8 900 111-22-33",
    });
    let profile = json!({
        "first_name": "Иван", "last_name": "Петров", "email": "ivan@example.ru",
        "phone": "8 900 123-45-67", "notifications": {"status_emails": false},
    });
    let customer_routes: Vec<(&str, String, Value)> = vec![
        ("GET", "/profile".into(), Value::Null),
        ("PUT", "/profile".into(), profile),
        (
            "POST",
            "/profile/email/confirm".into(),
            json!({"code": "123456"}),
        ),
        ("POST", format!("/unsubscribe?token={token}&"), Value::Null),
        ("POST", "/profile/photo/upload".into(), upload.clone()),
        ("PUT", "/profile/photo".into(), json!({"upload_id": file})),
        ("DELETE", "/profile/photo".into(), Value::Null),
        ("POST", "/orders".into(), form(SERVICE, PROVIDER)),
        ("GET", "/orders?limit=5&".into(), Value::Null),
        ("POST", "/orders/uploads".into(), upload.clone()),
        ("GET", format!("/orders/{number}"), Value::Null),
        ("POST", format!("/orders/{number}/uploads"), upload),
        (
            "POST",
            format!("/orders/{number}/files"),
            json!({"upload_id": file}),
        ),
        ("GET", format!("/orders/{number}/files/{file}"), Value::Null),
        (
            "POST",
            format!("/orders/{number}/messages"),
            message("Вопрос по заявке"),
        ),
        (
            "POST",
            format!("/orders/{number}/rating"),
            json!({"score": 5}),
        ),
        (
            "POST",
            format!("/orders/{number}/cancel"),
            json!({"reason": "передумал"}),
        ),
    ];
    let executor_routes: Vec<(&str, String, Value)> = vec![
        ("GET", "/executor/orders?status=new&".into(), Value::Null),
        ("GET", format!("/executor/orders/{number}"), Value::Null),
        (
            "POST",
            format!("/executor/orders/{number}/take"),
            Value::Null,
        ),
        (
            "POST",
            format!("/executor/orders/{number}/messages"),
            message("Ответ по заявке"),
        ),
        (
            "POST",
            format!("/executor/orders/{number}/complete"),
            Value::Null,
        ),
        (
            "POST",
            format!("/executor/orders/{number}/reject"),
            json!({"reason": "Не оказываем"}),
        ),
        (
            "GET",
            format!("/executor/orders/{number}/files/{file}"),
            Value::Null,
        ),
    ];
    let public_routes: Vec<(&str, String, Value)> = vec![
        ("POST", "/auth/sign-up".into(), sign_up),
        (
            "POST",
            "/auth/confirm".into(),
            json!({"email": "ivan@example.ru", "code": "123456"}),
        ),
        (
            "POST",
            "/auth/resend-code".into(),
            json!({"email": "ivan@example.ru"}),
        ),
        (
            "POST",
            "/auth/sign-in".into(),
            json!({"email": "ivan@example.ru", "password": PASSWORD}),
        ),
        (
            "POST",
            "/auth/refresh".into(),
            json!({"refresh_token": "x"}),
        ),
        (
            "POST",
            "/auth/forgot-password".into(),
            json!({"email": "ivan@example.ru"}),
        ),
        (
            "POST",
            "/auth/reset-password".into(),
            json!({"email": "ivan@example.ru", "code": "123456", "new_password": "Other2026pass"}),
        ),
        ("GET", "/catalog/categories".into(), Value::Null),
        (
            "GET",
            "/catalog/services?audience=business&".into(),
            Value::Null,
        ),
        ("GET", format!("/catalog/services/{SERVICE}"), Value::Null),
        (
            "GET",
            format!("/catalog/services/{SERVICE}/providers?q=x&"),
            Value::Null,
        ),
        ("GET", "/faq".into(), Value::Null),
        ("GET", "/openapi.json".into(), Value::Null),
        ("GET", "/docs".into(), Value::Null),
    ];
    let signed_in_auth_routes: Vec<(&str, String, Value)> = vec![
        ("POST", "/auth/sign-out".into(), json!({})),
        (
            "POST",
            "/auth/change-password".into(),
            json!({"old_password": PASSWORD, "new_password": "Other2026pass"}),
        ),
    ];
    let users = || async {
        stack
            .cognito()
            .list_users()
            .user_pool_id(&stack.user_pool_id)
            .send()
            .await
            .expect("the emulator lists users")
            .users()
            .len()
    };
    let items_before = item_count(stack).await;
    let users_before = users().await;

    let request = |method: &str, path: &str, body: &Value, token: Option<&str>| {
        let separator = if path.contains('?') { "" } else { "?" };
        let path = format!("{path}{separator}x=1");
        let request = if body.is_null() {
            raw(method, &path, None, "")
        } else {
            raw(method, &path, Some("application/json"), &body.to_string())
        };
        match token {
            Some(token) => with_bearer(request, token),
            None => request,
        }
    };
    let mut answers = Vec::new();
    for (method, path, body) in &customer_routes {
        let request = request(method, path, body, Some(&ivan.token));
        let answer = if path.starts_with("/orders") {
            call(&world.orders, request).await
        } else {
            call(&world.profile, request).await
        };
        answers.push((*method, path.clone(), answer));
    }
    for (method, path, body) in &executor_routes {
        let request = request(method, path, body, Some(&petr.token));
        answers.push((
            *method,
            path.clone(),
            call(&world.backoffice, request).await,
        ));
    }
    for (method, path, body) in public_routes.iter().chain(&signed_in_auth_routes) {
        let request = request(method, path, body, Some(&ivan.token));
        let answer = if path.starts_with("/auth") {
            call(&auth, request).await
        } else {
            call(&catalog, request).await
        };
        answers.push((*method, path.clone(), answer));
    }

    let routes = xtask::router::routes(&xtask::workspace_root()).expect("Cargo.toml has a router");
    assert_eq!(answers.len(), 40, "every route of every function is tried");
    assert_eq!(
        answers.len(),
        routes.len(),
        "every route of the router is tried"
    );
    for (method, path, answer) in &answers {
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unknown_parameter")),
            "{method} {path}?x=1: {}",
            answer.body
        );
        assert_eq!(answer.body["errors"][0]["field"], "x", "{method} {path}");
    }
    assert_eq!(item_count(stack).await, items_before, "nothing is written");
    assert_eq!(users().await, users_before, "no account is created");
    // The customer's session and password still work.
    assert_eq!(
        get_as(&world.profile, &ivan, "/profile").await.status,
        StatusCode::OK
    );
    let objects = stack
        .s3()
        .list_objects_v2()
        .bucket(&stack.bucket)
        .send()
        .await
        .expect("the emulator lists the bucket");
    assert_eq!(objects.key_count(), Some(0), "no object is stored");
}
