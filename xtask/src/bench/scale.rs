//! The same reads with 1× and 100× data: a customer's order list, an order's
//! card, the provider's queue filtered by status, and the catalog.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::events::Call;
use super::{Fleet, Plan, submit};

/// Repetitions of each read; the median is reported.
const REPEATS: usize = 25;

/// One read at both sizes.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScaleRow {
    pub read: String,
    pub data_1x: String,
    pub data_100x: String,
    pub latency_1x_ms: f64,
    pub latency_100x_ms: f64,
    pub cpu_1x_ms: f64,
    pub cpu_100x_ms: f64,
    pub aws_calls_1x: usize,
    pub aws_calls_100x: usize,
}

/// Seeds one size through the functions themselves: `orders` orders of the
/// customer, all to `provider`, and `messages` messages on the first one,
/// which is the order whose card is measured. The messages go first: the
/// emulator copies the whole table for every transaction, so they are
/// cheapest while the table is small.
pub fn seed(
    fleet: &mut Fleet,
    customer: &str,
    provider: &str,
    orders: usize,
    messages: usize,
) -> Result<String> {
    fleet.call(
        "profile",
        Call::new("seed: GET /profile", 200, "GET", "/profile", Some(customer)),
    )?;
    let measured = submit(
        fleet,
        Some(customer),
        provider,
        &format!("scale-{provider}-0"),
    )?;
    for n in 0..messages {
        fleet.call(
            "orders",
            Call::new(
                "seed: POST /orders/{number}/messages",
                201,
                "POST",
                &format!("/orders/{measured}/messages"),
                Some(customer),
            )
            .body(json!({
                "subject": format!("Вопрос номер {n} по заявке"),
                "text": "Подскажите, пожалуйста, какие документы ещё понадобятся для оформления?",
            })),
        )?;
    }
    for n in 1..orders {
        submit(
            fleet,
            Some(customer),
            provider,
            &format!("scale-{provider}-{n}"),
        )?;
        if n % 1000 == 0 {
            eprintln!("    {n} orders");
        }
    }
    Ok(measured)
}

/// Runs `call` [`REPEATS`] times; the median latency, the median function
/// CPU, and the most AWS calls of one run.
pub fn measure_read(
    fleet: &mut Fleet,
    function: &str,
    call: impl Fn() -> Call,
) -> Result<(f64, f64, usize)> {
    let mut latencies = Vec::with_capacity(REPEATS);
    let mut cpu = Vec::with_capacity(REPEATS);
    let mut calls = 0;
    for _ in 0..REPEATS {
        let before = fleet.cpu_of(function)?;
        let call = call();
        let label = call.label.clone();
        fleet.call(function, call)?;
        let after = fleet.cpu_of(function)?;
        cpu.push(after.saturating_sub(before));
        let stats = fleet.stats.get(&label).context("the call was recorded")?;
        latencies.push(*stats.latencies.last().context("a latency was recorded")?);
        calls = calls.max(stats.calls.len());
    }
    latencies.sort();
    cpu.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok((ms(latencies[REPEATS / 2]), ms(cpu[REPEATS / 2]), calls))
}

/// A copy of the catalog `factor` times larger: every service and provider
/// repeated with new ids, each copy offered by the copied providers.
pub fn larger_catalog(file: &Path, factor: usize, out: &Path) -> Result<()> {
    let catalog: Value = serde_json::from_slice(&std::fs::read(file)?)?;
    let mut larger = catalog.clone();
    let services = catalog["services"].as_array().context("services")?;
    let providers = catalog["providers"].as_array().context("providers")?;
    let mut all_services = services.clone();
    let mut all_providers = providers.clone();
    for copy in 1..factor {
        let rename = |id: &Value| json!(format!("{}-copy{copy}", id.as_str().unwrap_or_default()));
        for provider in providers {
            let mut provider = provider.clone();
            provider["id"] = rename(&provider["id"]);
            all_providers.push(provider);
        }
        for service in services {
            let mut service = service.clone();
            service["id"] = rename(&service["id"]);
            if let Some(list) = service["providers"].as_array_mut() {
                let extra: Vec<Value> = list.iter().map(rename).collect();
                list.extend(extra);
            }
            all_services.push(service);
        }
    }
    // The original services are offered by every copy of their providers
    // too, so the measured service's provider list is ten times longer.
    for service in all_services.iter_mut().take(services.len()) {
        if let Some(list) = service["providers"].as_array_mut() {
            let originals = list.clone();
            for copy in 1..factor {
                list.extend(
                    originals
                        .iter()
                        .map(|id| json!(format!("{}-copy{copy}", id.as_str().unwrap_or_default()))),
                );
            }
        }
    }
    larger["services"] = Value::Array(all_services);
    larger["providers"] = Value::Array(all_providers);
    std::fs::write(out, serde_json::to_vec_pretty(&larger)?)?;
    Ok(())
}

/// Who reads at one size, and what.
pub struct Side {
    /// Customer's access token.
    pub customer: String,
    /// Executor (of `provider`) access token.
    pub executor: String,
    /// Provider every seeded order goes to.
    pub provider: &'static str,
    /// The catalog function serving this size's catalog.
    pub catalog: &'static str,
}

/// Seeds both sizes and measures every read at both.
pub fn measure(fleet: &mut Fleet, small: &Side, large: &Side, plan: Plan) -> Result<Vec<ScaleRow>> {
    let sizes = [
        (small, plan.orders_at_1x, plan.messages_at_1x),
        (large, plan.orders_at_1x * 100, plan.messages_at_1x * 100),
    ];
    let mut results = Vec::new();
    for (side, orders, messages) in sizes {
        eprintln!("    seeding {orders} orders and {messages} messages");
        let order = seed(fleet, &side.customer, side.provider, orders, messages)?;
        let customer = Some(side.customer.as_str());
        let executor = Some(side.executor.as_str());
        let list = measure_read(fleet, "orders", || {
            Call::new("scale: GET /orders", 200, "GET", "/orders", customer)
        })?;
        let card = measure_read(fleet, "orders", || {
            Call::new(
                "scale: GET /orders/{number}",
                200,
                "GET",
                &format!("/orders/{order}"),
                customer,
            )
        })?;
        let queue = measure_read(fleet, "backoffice", || {
            Call::new(
                "scale: GET /executor/orders?status=submitted",
                200,
                "GET",
                "/executor/orders?status=submitted",
                executor,
            )
        })?;
        let services = measure_read(fleet, side.catalog, || {
            Call::new(
                "scale: GET /catalog/services",
                200,
                "GET",
                "/catalog/services",
                None,
            )
        })?;
        let providers = measure_read(fleet, side.catalog, || {
            Call::new(
                "scale: GET /catalog/services/{id}/providers",
                200,
                "GET",
                "/catalog/services/ata-carnet/providers",
                None,
            )
        })?;
        results.push([
            ("GET /orders", format!("{orders} orders"), list),
            ("GET /orders/{number}", format!("{messages} messages"), card),
            (
                "GET /executor/orders?status=submitted",
                format!("{orders} orders at the provider"),
                queue,
            ),
            (
                "GET /catalog/services",
                catalog_label(side.catalog),
                services,
            ),
            (
                "GET /catalog/services/{id}/providers",
                catalog_label(side.catalog),
                providers,
            ),
        ]);
    }
    let large = results.pop().context("two sizes were measured")?;
    let small = results.pop().context("two sizes were measured")?;
    Ok(small
        .into_iter()
        .zip(large)
        .map(|((read, data_1x, a), (_, data_100x, b))| ScaleRow {
            read: read.to_string(),
            data_1x,
            data_100x,
            latency_1x_ms: a.0,
            latency_100x_ms: b.0,
            cpu_1x_ms: a.1,
            cpu_100x_ms: b.1,
            aws_calls_1x: a.2,
            aws_calls_100x: b.2,
        })
        .collect())
}

fn catalog_label(function: &str) -> String {
    if function == "catalog" {
        "the catalog".to_string()
    } else {
        "the catalog ×10".to_string()
    }
}
