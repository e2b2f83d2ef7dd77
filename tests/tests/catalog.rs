//! The public catalog and FAQ (R3.1–R3.6, R4.1) against the emulator: the
//! product's own `data/catalog.json` is imported into a fresh table, then
//! read through the catalog function's handler.
//!
//! Expected answers are worked out here from the raw JSON of the file, by
//! simpler means than the product uses, never copied from its output.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use cabinet::catalog::Catalog;
use cabinet::handlers::catalog::CatalogApi;
use cabinet::runtime::Handler;
use cabinet::store::catalog::{ImportReport, import};
use cabinet_tests::{Stack, get, read_json};
use http::StatusCode;
use serde_json::{Value, json};

/// The product's catalog file.
const CATALOG_FILE: &str = include_str!("../../data/catalog.json");

fn file() -> Value {
    serde_json::from_str(CATALOG_FILE).expect("data/catalog.json is JSON")
}

fn catalog(file: &Value) -> Catalog {
    Catalog::from_json(&file.to_string()).expect("the test catalog is valid")
}

/// A fresh table with the product's catalog imported, and the handler on it.
async fn loaded() -> (Stack, CatalogApi) {
    let stack = Stack::fresh().await;
    import(&stack.dynamodb(), &stack.table, &catalog(&file()))
        .await
        .expect("the catalog imports");
    let api = CatalogApi::new(stack.dynamodb(), stack.table.clone());
    (stack, api)
}

async fn call(api: &CatalogApi, path_and_query: &str) -> (StatusCode, Value) {
    read_json(api.handle(get(path_and_query)).await).await
}

/// Percent-encodes a query value the way browsers do (UTF-8 bytes).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Lower case with `ё` read as `е`: how the oracle compares names.
fn folded(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_default()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| str_of(item, "id").to_string())
        .collect()
}

/// The provider records of `service` in the file, in the service's order.
fn providers_of(file: &Value, service: &str) -> Vec<Value> {
    let by_id: HashMap<&str, &Value> = file["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (str_of(p, "id"), p))
        .collect();
    let service = file["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == service)
        .expect("the service is in the file");
    service["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| by_id[id.as_str().unwrap()].clone())
        .collect()
}

fn provider_ids(providers: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<String> {
    providers
        .iter()
        .filter(|p| keep(p))
        .map(|p| str_of(p, "id").to_string())
        .collect()
}

/// Every catalog item of the table, by sort key.
async fn catalog_items(stack: &Stack) -> HashMap<String, HashMap<String, AttributeValue>> {
    let output = stack
        .dynamodb()
        .query()
        .table_name(&stack.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("CATALOG".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("the catalog partition can be queried");
    assert!(output.last_evaluated_key.is_none(), "one page holds it all");
    output
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            let Some(AttributeValue::S(sk)) = item.get("sk") else {
                panic!("every item has a string sort key");
            };
            (sk.clone(), item)
        })
        .collect()
}

#[tokio::test]
async fn importing_twice_writes_nothing_the_second_time() {
    let stack = Stack::fresh().await;
    let catalog = catalog(&file());
    let items = catalog.services().len() + 2;

    let first = import(&stack.dynamodb(), &stack.table, &catalog)
        .await
        .unwrap();
    assert_eq!(first.written.len(), items, "{first}");
    assert_eq!((first.unchanged, first.removed.len()), (0, 0));
    let after_first = catalog_items(&stack).await;
    assert_eq!(after_first.len(), items);

    let second = import(&stack.dynamodb(), &stack.table, &catalog)
        .await
        .unwrap();
    assert_eq!(
        second,
        ImportReport {
            written: vec![],
            unchanged: items,
            removed: vec![],
        }
    );
    assert_eq!(catalog_items(&stack).await, after_first);
}

#[tokio::test]
async fn importing_a_changed_file_updates_and_removes_stale_items() {
    let (stack, api) = loaded().await;
    let mut changed = file();
    let services = changed["services"].as_array_mut().unwrap();
    let position = services
        .iter()
        .position(|s| s["id"] == "partner-logistics")
        .unwrap();
    services.remove(position);
    services
        .iter_mut()
        .find(|s| s["id"] == "icac-claim")
        .unwrap()["description"] = json!("Новое описание услуги МКАС.");
    changed["faq"]
        .as_array_mut()
        .unwrap()
        .push(json!({"section": "Каталог", "question": "Новый вопрос?", "answer": "Ответ."}));

    let report = import(&stack.dynamodb(), &stack.table, &catalog(&changed))
        .await
        .unwrap();
    let mut written = report.written.clone();
    written.sort();
    assert_eq!(written, ["FAQ", "SERVICE#icac-claim", "TREE"]);
    assert_eq!(report.removed, ["SERVICE#partner-logistics"]);
    assert_eq!(
        report.unchanged,
        changed["services"].as_array().unwrap().len() - 1
    );

    let items = catalog_items(&stack).await;
    assert!(!items.contains_key("SERVICE#partner-logistics"));
    let (status, _) = call(&api, "/catalog/services/partner-logistics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = call(&api, "/catalog/services/icac-claim").await;
    assert_eq!(page["description"], "Новое описание услуги МКАС.");
    let (_, partners) = call(&api, "/catalog/services?audience=partners").await;
    assert!(!ids(&partners["services"]).contains(&"partner-logistics".to_string()));
    let (_, faq) = call(&api, "/faq").await;
    let last = faq["sections"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["section"], "Каталог");

    let again = import(&stack.dynamodb(), &stack.table, &catalog(&changed))
        .await
        .unwrap();
    assert!(
        again.written.is_empty() && again.removed.is_empty(),
        "{again}"
    );
}

#[tokio::test]
async fn the_tree_nests_categories_and_holds_every_service() {
    let (_stack, api) = loaded().await;
    let file = file();
    let response = api.handle(get("/catalog/categories")).await;
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cache.starts_with("public"), "{cache}");
    let (status, body) = read_json(response).await;
    assert_eq!(status, StatusCode::OK);

    let top: Vec<String> = file["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parent"].is_null())
        .map(|c| str_of(c, "id").to_string())
        .collect();
    assert_eq!(ids(&body["categories"]), top);
    let ved = &body["categories"][0];
    assert_eq!(ved["id"], "ved");
    assert_eq!(ids(&ved["children"]), ["ved-origin", "ved-docs"]);

    // Every service appears once, under its own category.
    fn walk(node: &Value, found: &mut Vec<(String, String)>) {
        for service in node["services"].as_array().unwrap() {
            found.push((str_of(service, "id").into(), str_of(node, "id").into()));
        }
        for child in node["children"].as_array().unwrap() {
            walk(child, found);
        }
    }
    let mut found = Vec::new();
    for node in body["categories"].as_array().unwrap() {
        walk(node, &mut found);
    }
    let mut expected: Vec<(String, String)> = file["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (str_of(s, "id").into(), str_of(s, "category").into()))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn services_of_a_category_include_its_subcategories() {
    let (_stack, api) = loaded().await;
    let file = file();
    let (status, body) = call(&api, "/catalog/services?category=ved").await;
    assert_eq!(status, StatusCode::OK);
    let nested: Vec<&str> = file["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "ved" || c["parent"] == "ved")
        .map(|c| str_of(c, "id"))
        .collect();
    let expected: Vec<String> = file["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| nested.contains(&str_of(s, "category")))
        .map(|s| str_of(s, "id").to_string())
        .collect();
    assert!(expected.len() > 3, "ved has services in subcategories");
    assert_eq!(ids(&body["services"]), expected);

    let (_, all) = call(&api, "/catalog/services").await;
    assert_eq!(
        all["services"].as_array().unwrap().len(),
        file["services"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn services_by_audience_are_those_for_members_or_partners() {
    let (_stack, api) = loaded().await;
    let file = file();
    for audience in ["members", "partners", "all"] {
        let (status, body) = call(&api, &format!("/catalog/services?audience={audience}")).await;
        assert_eq!(status, StatusCode::OK);
        let expected: Vec<String> = file["services"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["audience"] == audience)
            .map(|s| str_of(s, "id").to_string())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(ids(&body["services"]), expected, "{audience}");
    }
    let (_, none) = call(&api, "/catalog/services?category=ved&audience=members").await;
    assert_eq!(none["services"], json!([]));
}

#[tokio::test]
async fn bad_listing_parameters_are_refused_by_name() {
    let (_stack, api) = loaded().await;
    let (status, body) = call(&api, "/catalog/services?audience=vip").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "audience");
    let (status, body) = call(&api, "/catalog/services?category=astrology").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errors"][0]["field"], "category");
    assert!(str_of(&body, "detail").contains("«astrology»"));
}

#[tokio::test]
async fn a_service_page_has_description_documents_and_providers() {
    let (_stack, api) = loaded().await;
    let file = file();
    let service = file["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "origin-st1")
        .unwrap()
        .clone();
    let (status, page) = call(&api, "/catalog/services/origin-st1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["title"], service["title"]);
    assert_eq!(page["description"], service["description"]);
    assert_eq!(page["audience"], service["audience"]);
    assert_eq!(page["documents"], service["documents"]);
    assert_eq!(page["category"]["id"], service["category"]);
    assert_eq!(ids(&page["breadcrumbs"]), ["ved", "ved-origin"]);
    let expected = providers_of(&file, "origin-st1");
    assert_eq!(page["providers"], Value::Array(expected));
}

#[tokio::test]
async fn an_unknown_service_is_not_found_in_russian() {
    let (_stack, api) = loaded().await;
    for path in [
        "/catalog/services/no-such-service",
        "/catalog/services/no-such-service/providers",
    ] {
        let (status, body) = call(&api, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "not_found");
        assert_eq!(
            body["detail"],
            "Услуга «no-such-service» не найдена в каталоге."
        );
    }
}

#[tokio::test]
async fn providers_filter_by_kind_with_facets() {
    let (_stack, api) = loaded().await;
    let all = providers_of(&file(), "expert-building");
    let (status, body) = call(
        &api,
        "/catalog/services/expert-building/providers?kind=subsidiary",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expected = provider_ids(&all, |p| p["kind"] == "subsidiary");
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(ids(&body["providers"]), expected);
    assert_eq!(body["total"], all.len());
    let kinds: Vec<&str> = body["facets"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| str_of(k, "value"))
        .collect();
    assert_eq!(kinds, ["chamber", "subsidiary"]);
    assert!(body["facets"]["cities"].as_array().unwrap().len() > 1);

    let (status, body) = call(
        &api,
        "/catalog/services/expert-building/providers?kind=bank",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "kind");
}

#[tokio::test]
async fn providers_filter_by_region_district_and_city() {
    let (_stack, api) = loaded().await;
    let all = providers_of(&file(), "origin-st1");
    let base = "/catalog/services/origin-st1/providers";

    for (parameter, value, facet) in [
        ("region", "Челябинская область", "regions"),
        ("federal_district", "Уральский", "federal_districts"),
        ("city", "Магнитогорск", "cities"),
    ] {
        let (status, body) = call(&api, &format!("{base}?{parameter}={}", encode(value))).await;
        assert_eq!(status, StatusCode::OK);
        let expected = provider_ids(&all, |p| p[parameter] == value);
        assert!(!expected.is_empty() && expected.len() < all.len());
        assert_eq!(ids(&body["providers"]), expected, "{parameter}");
        assert!(
            body["facets"][facet]
                .as_array()
                .unwrap()
                .contains(&json!(value))
        );
    }

    let (_, upper) = call(&api, &format!("{base}?city={}", encode("МАГНИТОГОРСК"))).await;
    assert_eq!(upper["providers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn providers_filter_by_words_of_the_name() {
    let (_stack, api) = loaded().await;
    let file = file();

    // `ТПП`, percent-encoded as a browser sends it.
    let valuation = providers_of(&file, "valuation");
    let (status, body) = call(
        &api,
        "/catalog/services/valuation/providers?q=%D0%A2%D0%9F%D0%9F",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expected = provider_ids(&valuation, |p| folded(str_of(p, "name")).contains("тпп"));
    assert!(!expected.is_empty() && expected.len() < valuation.len());
    assert_eq!(ids(&body["providers"]), expected);

    // `+` is a space: two words, both must occur.
    let (_, body) = call(
        &api,
        "/catalog/services/valuation/providers?q=%D1%82%D0%BF%D0%BF+%D1%80%D1%84",
    )
    .await;
    let expected = provider_ids(&valuation, |p| {
        let name = folded(str_of(p, "name"));
        name.contains("тпп") && name.contains("рф")
    });
    assert_eq!(ids(&body["providers"]), expected);

    let st1 = providers_of(&file, "origin-st1");
    let (_, body) = call(
        &api,
        &format!(
            "/catalog/services/origin-st1/providers?q={}",
            encode("Уральская палата")
        ),
    )
    .await;
    let expected = provider_ids(&st1, |p| {
        let name = folded(str_of(p, "name"));
        name.contains("уральская") && name.contains("палата")
    });
    assert!(expected.len() > 1, "several names hold both words");
    assert_eq!(ids(&body["providers"]), expected);
}

#[tokio::test]
async fn yo_and_ye_are_alike_in_the_name_filter() {
    let (_stack, api) = loaded().await;
    let partner = providers_of(&file(), "partner-export-insurance");
    assert!(str_of(&partner[0], "name").contains('ё'));
    for q in ["партнер", "ПАРТНЁР", "партнёр"] {
        let (_, body) = call(
            &api,
            &format!(
                "/catalog/services/partner-export-insurance/providers?q={}",
                encode(q)
            ),
        )
        .await;
        assert_eq!(ids(&body["providers"]), [str_of(&partner[0], "id")], "{q}");
    }
}

#[tokio::test]
async fn the_faq_is_grouped_by_section_in_file_order() {
    let (_stack, api) = loaded().await;
    let file = file();
    let (status, body) = call(&api, "/faq").await;
    assert_eq!(status, StatusCode::OK);

    let mut expected: Vec<(String, Vec<String>)> = Vec::new();
    for entry in file["faq"].as_array().unwrap() {
        let section = str_of(entry, "section").to_string();
        let question = str_of(entry, "question").to_string();
        match expected.iter_mut().find(|(s, _)| *s == section) {
            Some((_, questions)) => questions.push(question),
            None => expected.push((section, vec![question])),
        }
    }
    let actual: Vec<(String, Vec<String>)> = body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let questions = s["questions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| str_of(q, "question").to_string())
                .collect();
            (str_of(s, "section").to_string(), questions)
        })
        .collect();
    assert!(expected.len() > 1);
    assert_eq!(actual, expected);
    assert!(!str_of(&body["sections"][0]["questions"][0], "answer").is_empty());
}

#[tokio::test]
async fn the_event_fixtures_are_answered() {
    let (_stack, api) = loaded().await;
    let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&events).expect("events/ exists") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("catalog-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{name} is an API Gateway v2 event: {e}"));
        let response = api.handle(request).await;
        seen += 1;
        if name == "catalog-docs.json" {
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            continue;
        }
        let (status, body) = read_json(response).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        if name == "catalog-service-providers.json" {
            // Uralic chambers whose name holds both words.
            let providers = body["providers"].as_array().unwrap();
            assert!(!providers.is_empty());
            assert!(
                providers
                    .iter()
                    .all(|p| p["federal_district"] == "Уральский")
            );
        }
    }
    assert_eq!(seen, 7, "one event per route");
}

#[tokio::test]
async fn a_filter_that_cannot_be_read_is_refused_never_dropped() {
    let (_stack, api) = loaded().await;
    let base = "/catalog/services/origin-st1/providers";
    // Broken percent-encoding, a value of signs only, an unknown parameter:
    // each is a 400 naming the parameter, never every provider as if no
    // filter had been given.
    for (query, parameter, code) in [
        ("region=%D0", "region", "invalid_parameter"),
        ("q=%FF%FE", "q", "invalid_parameter"),
        ("city=%E2%80%94", "city", "invalid_parameter"),
        (
            "federal_district=%21%21%21",
            "federal_district",
            "invalid_parameter",
        ),
        ("regoin=x", "regoin", "unknown_parameter"),
    ] {
        let (status, problem) = call(&api, &format!("{base}?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
        assert_eq!(problem["code"], code, "{query}");
        assert_eq!(problem["errors"][0]["field"], parameter, "{query}");
    }
    let (status, problem) = call(&api, "/catalog/services?categroy=ved").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "categroy");
}

/// The text, content type and cache header of an answer.
fn text_of(response: &http::Response<lambda_http::Body>) -> (StatusCode, String, String, String) {
    let header = |name: http::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let bytes: &[u8] = response.body().as_ref();
    (
        response.status(),
        header(http::header::CONTENT_TYPE),
        header(http::header::CACHE_CONTROL),
        String::from_utf8(bytes.to_vec()).expect("the answer is UTF-8"),
    )
}

/// The committed contract, read from the repository rather than through the
/// constant the handler embeds.
fn committed(file: &str) -> String {
    let path = xtask::workspace_root().join("shared/api").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn the_api_contract_is_served_as_committed_without_sign_in() {
    let stack = Stack::fresh().await;
    // No catalog is imported: the contract does not depend on it.
    let api = CatalogApi::new(stack.dynamodb(), stack.table.clone());

    let (status, content_type, cache, text) = text_of(&api.handle(get("/openapi.json")).await);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(cache, "public, max-age=300");
    let served: Value = serde_json::from_str(&text).expect("the document is JSON");
    let file: Value = serde_json::from_str(&committed("openapi.json")).unwrap();
    assert_eq!(served, file);
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/openapi.json"]["get"].is_object());
    assert!(served["paths"]["/docs"]["get"].is_object());

    let response = api.handle(get("/docs")).await;
    let (status, content_type, cache, text) = text_of(&response);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert_eq!(cache, "public, max-age=300");
    assert_eq!(text, committed("index.html"));
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(text.contains("/orders/{number}/cancel"));
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'",
        "the page may load nothing from elsewhere"
    );
}

#[tokio::test]
async fn the_api_contract_takes_no_parameters_and_only_get() {
    let stack = Stack::fresh().await;
    let api = CatalogApi::new(stack.dynamodb(), stack.table.clone());
    for path in ["/openapi.json", "/docs"] {
        let (status, problem) = read_json(api.handle(get(&format!("{path}?lang=en"))).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], "unknown_parameter");
        let (status, problem) =
            read_json(api.handle(cabinet_tests::raw("POST", path, None, "")).await).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}: {problem}");
    }
}
