//! `cargo xtask contract`: schemathesis against the whole local stack.
//!
//! The functions run under `cargo lambda watch` on the AWS emulator, as in
//! `cargo xtask dev`, and schemathesis sends requests it generates from the
//! committed OpenAPI document, once signed in as the demo customer and once
//! as a demo executor. A run passes when no answer is a server error, and
//! every answer's status, content type, headers and body are the ones the
//! document gives for the operation.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{
    Assembled, DEMO_EMAIL, DEMO_EXECUTOR_PASSWORD, DEMO_EXECUTORS, DEMO_PASSWORD, assemble,
    start_watch, stop_group,
};
use xtask::accounts::password_sign_in;
use xtask::moto::{free_port, listening};
use xtask::tools::venv_bin;

/// The committed contract the requests are generated from.
pub const SPEC: &str = "shared/api/openapi.json";

/// Fewest generated requests a passing run must have sent, over every role.
const MIN_CASES: u64 = 1000;

/// The checks every answer must pass (schemathesis' names).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance";

/// Operations left out of the signed-in runs: a sign-out ends the session
/// the run is signed in with, so it runs last, on its own.
const SIGN_OUT: &str = "/auth/sign-out";

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Cases schemathesis generates per operation and role.
    pub examples: u32,
    /// Seed of the generator, so that a failing run can be repeated.
    pub seed: u64,
}

impl Default for Options {
    /// The run of `cargo xtask test`: a fixed seed, so CI runs repeat.
    fn default() -> Self {
        Self {
            examples: 15,
            seed: 20261204,
        }
    }
}

impl Options {
    /// Reads `--examples N` and `--seed N`; `--seed random` takes a new seed.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{arg} needs a value"))?;
            match arg.as_str() {
                "--examples" => {
                    options.examples = value.parse().context("--examples takes a number")?
                }
                "--seed" if value == "random" => options.seed = random_seed()?,
                "--seed" => options.seed = value.parse().context("--seed takes a number")?,
                other => bail!("unknown option {other}"),
            }
        }
        Ok(options)
    }
}

/// One signed-in run of schemathesis.
struct Role {
    name: &'static str,
    token: String,
    /// Extra filter arguments of this run.
    filter: Vec<String>,
}

/// Real identifiers the generated requests use half of the time, so that
/// the cards, actions and catalog pages are reached, not only their 404s.
struct Known {
    orders: Vec<String>,
    services: Vec<String>,
}

/// The demo executor's provider and a service it delivers.
const FIXTURE_PROVIDER: &str = "chamber-moscow";
const FIXTURE_SERVICE: &str = "ata-carnet";

/// Two orders of the demo customer to the demo executor's provider, one of
/// them taken into work and answered, made through the API as the portal
/// and the back office would.
async fn fixtures(port: u16, customer: &str, executor: &str) -> Result<Vec<String>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let base = format!("http://127.0.0.1:{port}");
    // The portal opens the profile first; the order's contact comes from it.
    let profile = client
        .get(format!("{base}/profile"))
        .bearer_auth(customer)
        .send()
        .await?;
    if !profile.status().is_success() {
        bail!("the demo customer's profile answered {}", profile.status());
    }
    let mut orders = Vec::new();
    for (index, subject) in ["Карнет АТА для выставки", "Карнет АТА для ярмарки"]
        .into_iter()
        .enumerate()
    {
        let answer = client
            .post(format!("{base}/orders"))
            .bearer_auth(customer)
            .header("idempotency-key", format!("contract-fixture-{index}"))
            .json(&serde_json::json!({
                "service_id": FIXTURE_SERVICE,
                "provider_id": FIXTURE_PROVIDER,
                "subject": subject,
                "text": "Прошу оформить карнет АТА на временный вывоз образцов продукции.",
                "contact": { "phone": "8 (912) 345-67-89" }
            }))
            .send()
            .await?;
        let status = answer.status();
        let body: serde_json::Value = answer.json().await.context("the order's answer")?;
        let number = body["number"]
            .as_str()
            .with_context(|| format!("submitting a fixture order answered {status}: {body}"))?;
        orders.push(number.to_string());
    }
    let first = &orders[0];
    for (path, body) in [
        ("take", serde_json::json!({})),
        (
            "messages",
            serde_json::json!({
                "subject": "Уточнение по заявке",
                "text": "Документы получены, приступаем к оформлению."
            }),
        ),
    ] {
        let answer = client
            .post(format!("{base}/executor/orders/{first}/{path}"))
            .bearer_auth(executor)
            .json(&body)
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("the fixture order's {path} answered {}", answer.status());
        }
    }
    Ok(orders)
}

/// Service identifiers of the catalog the local stack loads.
fn catalog_services(root: &Path) -> Result<Vec<String>> {
    let path = root.join("data/catalog.json");
    let catalog: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("reading {}", path.display()))?;
    let services = catalog["services"]
        .as_array()
        .context("the catalog has a list of services")?;
    Ok(services
        .iter()
        .filter_map(|service| service["id"].as_str().map(str::to_string))
        .collect())
}

/// The schemathesis configuration of a run: known identifiers for the
/// path parameters, half of the time.
fn config_file(dir: &Path, known: &Known) -> Result<std::path::PathBuf> {
    let list = |values: &[String]| {
        values
            .iter()
            .map(|value| format!("{value:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "[dictionaries.orders]\nvalues = [{}]\n\n\
         [dictionaries.services]\nvalues = [{}]\n\n\
         [parameters]\n\
         \"path.number\" = {{ dictionary = \"orders\", probability = 0.5 }}\n\
         \"path.serviceId\" = {{ dictionary = \"services\", probability = 0.5 }}\n",
        list(&known.orders),
        list(&known.services)
    );
    let path = dir.join("schemathesis.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Builds and starts the functions on the emulator at `endpoint`, runs
/// schemathesis as each role and stops what it started.
pub fn run_contract(root: &Path, endpoint: &str, options: &Options) -> Result<()> {
    let dir = root.join("target/contract");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context("clearing target/contract")?;
    }
    std::fs::create_dir_all(&dir)?;
    let api_port = free_port()?;
    let runtime = tokio::runtime::Runtime::new()?;
    // Its own resources on the emulator, apart from any other run's.
    let prefix = format!("cabinet-contract-{}", std::process::id());
    let Assembled {
        stack, env_file, ..
    } = assemble(&runtime, root, endpoint, &prefix, &dir, api_port)?;

    let mut watch = start_watch(root, api_port, &env_file, Some(&dir.join("functions.log")))?;
    let outcome = (|| {
        let roles = runtime.block_on(async {
            warm_up(root, api_port).await?;
            let sdk = xtask::local_sdk_config(endpoint).await;
            let client = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
            let (executor_email, executor_password) = (DEMO_EXECUTORS[0].1, DEMO_EXECUTOR_PASSWORD);
            let customer = password_sign_in(&client, &stack.client_id, DEMO_EMAIL, DEMO_PASSWORD)
                .await
                .context("signing the demo customer in")?
                .access;
            let executor =
                password_sign_in(&client, &stack.client_id, executor_email, executor_password)
                    .await
                    .context("signing the demo executor in")?
                    .access;
            let known = Known {
                orders: fixtures(api_port, &customer, &executor).await?,
                services: catalog_services(root)?,
            };
            let leaving = password_sign_in(&client, &stack.client_id, DEMO_EMAIL, DEMO_PASSWORD)
                .await
                .context("signing the demo customer in again")?
                .access;
            let everything_but_sign_out = vec!["--exclude-path".to_string(), SIGN_OUT.into()];
            anyhow::Ok((
                known,
                vec![
                    Role {
                        name: "customer",
                        token: customer,
                        filter: everything_but_sign_out.clone(),
                    },
                    Role {
                        name: "executor",
                        token: executor,
                        filter: everything_but_sign_out,
                    },
                    Role {
                        name: "sign-out",
                        token: leaving,
                        filter: vec!["--include-path".to_string(), SIGN_OUT.into()],
                    },
                ],
            ))
        })?;
        let (known, roles) = roles;
        let config = config_file(&dir, &known)?;
        let mut cases = 0;
        let mut failed = Vec::new();
        for role in &roles {
            let outcome = schemathesis(root, &dir, &config, api_port, role, options)?;
            eprintln!(
                "==> schemathesis as {}: {} cases, {}",
                role.name,
                outcome.cases,
                if outcome.passed { "passed" } else { "FAILED" }
            );
            cases += outcome.cases;
            if !outcome.passed {
                failed.push(role.name);
            }
        }
        println!("contract: {cases} generated cases, failed roles: {failed:?}");
        if !failed.is_empty() {
            bail!(
                "schemathesis found answers that break the contract as {}; see the output above \
                 and target/contract/<role>/ (repeat with --seed {})",
                failed.join(", "),
                options.seed
            );
        }
        if cases < MIN_CASES {
            bail!("only {cases} cases were generated; the contract run needs {MIN_CASES}");
        }
        Ok(())
    })();
    stop_group(&mut watch);
    outcome
}

/// What one run of schemathesis did.
struct Outcome {
    cases: u64,
    passed: bool,
}

fn schemathesis(
    root: &Path,
    dir: &Path,
    config: &Path,
    api_port: u16,
    role: &Role,
    options: &Options,
) -> Result<Outcome> {
    let report = dir.join(role.name);
    let mut command = Command::new(venv_bin(root, "schemathesis"));
    command
        // Its example database and caches stay under target/contract.
        .current_dir(dir)
        .arg("--config-file")
        .arg(config)
        .arg("run")
        .arg(root.join(SPEC))
        .args(["--url", &format!("http://127.0.0.1:{api_port}")])
        .args(["--header", &format!("Authorization: Bearer {}", role.token)])
        .args(["--checks", CHECKS])
        .args(["--max-examples", &options.examples.to_string()])
        .args(["--seed", &options.seed.to_string()])
        .args(["--workers", "1"])
        .args(["--request-timeout", "60"])
        .args(["--report", "junit,ndjson"])
        .arg("--report-junit-path")
        .arg(report.join("junit.xml"))
        .arg("--report-ndjson-path")
        .arg(report.join("events.ndjson"))
        .args(["--output-sanitize", "true"])
        .args(&role.filter)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        // The failures that belong to the local stack (xtask/src/contract_hooks.py).
        .env("SCHEMATHESIS_HOOKS", "contract_hooks")
        .env("PYTHONPATH", root.join("xtask/src"));
    eprintln!("==> schemathesis as {}", role.name);
    let status = command
        .status()
        .with_context(|| format!("starting {}", venv_bin(root, "schemathesis").display()))?;
    let cases = count_cases(&report.join("events.ndjson"))?;
    Ok(Outcome {
        cases,
        passed: status.success(),
    })
}

/// Requests sent and answered, counted over the run's event stream (each
/// finished scenario records its interactions).
fn count_cases(ndjson: &Path) -> Result<u64> {
    let text =
        std::fs::read_to_string(ndjson).with_context(|| format!("reading {}", ndjson.display()))?;
    let mut cases = 0;
    for line in text.lines() {
        let event: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("an event of {} is not JSON", ndjson.display()))?;
        if let Some(interactions) = event
            .pointer("/ScenarioFinished/recorder/interactions")
            .and_then(serde_json::Value::as_object)
        {
            cases += interactions.len() as u64;
        }
    }
    Ok(cases)
}

/// Waits until the router of `cargo lambda watch` listens on `port` and
/// every function has answered once (through its first route), so that
/// each has started and `cargo lambda watch` has checked its build before
/// schemathesis times anything.
async fn warm_up(root: &Path, port: u16) -> Result<()> {
    let started = Instant::now();
    while !listening(port) {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("cargo lambda watch did not listen on port {port} within two minutes");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let mut warmed = std::collections::BTreeSet::new();
    for route in xtask::router::routes(root)? {
        if !warmed.insert(route.function.clone()) {
            continue;
        }
        let method = reqwest::Method::from_bytes(route.method.as_bytes())?;
        let path = route.path.replace(['{', '}'], "");
        client
            .request(method, format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .with_context(|| format!("warming up {path}"))?;
    }
    Ok(())
}

fn random_seed() -> Result<u64> {
    use std::io::Read;
    let mut bytes = [0u8; 8];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(u64::from_le_bytes(bytes) >> 1)
}
