//! `cargo xtask bench`: cold start, size, CPU per request, AWS calls per
//! endpoint, scaling and memory of every function, measured against a
//! hello-world `lambda_runtime` function built with the same profile.
//!
//! Every function runs as its release bootstrap under a local Runtime API
//! ([`runtime_api`]), exactly as Lambda starts it; AWS is the local emulator,
//! which logs every request it serves so that the calls of each invocation
//! can be counted. The figures go to `bench/REPORT.md` and
//! `bench/figures.json`.

mod events;
mod report;
mod runtime_api;
mod scale;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{emulator_env, function_packages, write_function_env};
use events::{Call, http_event};
use runtime_api::RuntimeApi;
use xtask::moto::Moto;
use xtask::provision::{Names, Provisioned, provision};
use xtask::stream::{StreamReader, passes};
use xtask::template::Template;
use xtask::tools::{ensure_venv, run};

/// The yardstick every function's start is compared with.
const HELLO: &str = "hello-world";
const CUSTOMER_EMAIL: &str = "bench.customer@cabinet.example.ru";
const EXECUTOR_EMAIL: &str = "bench.executor@cabinet.example.ru";
const PASSWORD: &str = "Bench2026pass";
/// A service the executor's provider offers (data/catalog.json).
const SERVICE: &str = "ata-carnet";
const PROVIDER: &str = "chamber-moscow";
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

/// How much to measure.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
pub struct Plan {
    /// Cold starts per function.
    pub starts: usize,
    /// Warm invocations after each cold start's first one.
    pub warm_per_start: usize,
    /// Replays of the whole journey.
    pub journeys: usize,
    /// Orders of the customer at 1× (100× has a hundred times more).
    pub orders_at_1x: usize,
    /// Messages of the measured order at 1×.
    pub messages_at_1x: usize,
}

impl Plan {
    fn from_args(args: &[String]) -> Result<Self> {
        let mut plan = Self {
            starts: 30,
            warm_per_start: 5,
            journeys: 200,
            orders_at_1x: 100,
            messages_at_1x: 10,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--journeys" => {
                    plan.journeys = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .context("--journeys takes a number")?;
                }
                "--quick" => {
                    plan = Self {
                        starts: 3,
                        warm_per_start: 2,
                        journeys: 3,
                        orders_at_1x: 2,
                        messages_at_1x: 2,
                    }
                }
                other => bail!("unknown option {other} (known: --quick, --journeys N)"),
            }
        }
        Ok(plan)
    }
}

/// Runs every measurement and writes the report.
pub fn run_bench(root: &Path, args: &[String]) -> Result<()> {
    if args.iter().any(|a| a == "--report") {
        report::rewrite(root)?;
        eprintln!("==> wrote bench/REPORT.md from bench/figures.json");
        return Ok(());
    }
    let plan = Plan::from_args(args)?;
    ensure_venv(root)?;
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work)?;

    eprintln!("==> building every function and the hello world (release, one at a time)");
    let mut packages = function_packages(root)?;
    packages.push(HELLO.to_string());
    for package in &packages {
        run(Command::new("cargo")
            .current_dir(root)
            .args(["build", "--release", "-p", package]))?;
    }
    let release = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release");
    let binaries: BTreeMap<String, PathBuf> = packages
        .iter()
        .map(|p| (p.clone(), release.join(p)))
        .collect();

    let trace = work.join("emulator-requests.log");
    let moto = Moto::start_traced(root, 0, &work.join("moto.log"), Some(&trace))?;
    eprintln!("==> AWS emulator at {}", moto.endpoint);
    let runtime = tokio::runtime::Runtime::new()?;
    let stack = runtime.block_on(prepare(root, &moto.endpoint))?;
    let env = function_environment(&work, &moto.endpoint, &stack)?;
    let mut calls = CallLog::open(&trace)?;
    let accounts = runtime.block_on(accounts(&stack, &moto.endpoint))?;
    let mut figures = report::Figures::new(plan);

    for (package, binary) in &binaries {
        figures
            .sizes
            .insert(package.clone(), std::fs::metadata(binary)?.len());
    }

    eprintln!("==> cold starts: {} per function", plan.starts);
    for (package, binary) in &binaries {
        let event = probe_event(package, &accounts);
        let starts = cold_starts(binary, &env, &event, plan)
            .with_context(|| format!("cold starts of {package}"))?;
        figures.add_starts(package, &starts);
    }

    eprintln!("==> the journey, {} times", plan.journeys);
    let trigger = Template::load(root)?.stream_trigger()?;
    let mut stream = runtime.block_on(async {
        let sdk = xtask::local_sdk_config(&moto.endpoint).await;
        let mut reader = StreamReader::open(&sdk, &stack.stream_arn).await?;
        // What the set-up wrote is not the journey's.
        while !reader.read(1000).await?.is_empty() {}
        anyhow::Ok(reader)
    })?;
    let mut fleet = Fleet::start(&binaries, &env, &mut calls)?;
    for round in 0..plan.journeys {
        journey(&mut fleet, &accounts, round)?;
        // The notifier's part: the round's stream records, filtered and
        // batched as the template's event source mapping does.
        let mut records = Vec::new();
        loop {
            let read = runtime.block_on(stream.read(trigger.batch_size))?;
            if read.is_empty() {
                break;
            }
            records.extend(read.into_iter().filter(|r| passes(&trigger.patterns, r)));
        }
        let size = usize::try_from(trigger.batch_size.max(1))?;
        for batch in records.chunks(size) {
            fleet.call(
                &trigger.function,
                Call::stream("stream batch (notifier)", &json!({ "Records": batch })),
            )?;
        }
    }
    let usage = fleet.stop()?;
    let init_cpu = figures.init_cpu.clone();
    figures.add_journey(&fleet.stats, &usage, &init_cpu);
    drop(fleet);

    eprintln!("==> scale: the same reads at 1x and 100x data");
    let larger = work.join("catalog-x10.json");
    scale::larger_catalog(&root.join("data/catalog.json"), 10, &larger)?;
    let large_stack = runtime.block_on(async {
        let sdk = xtask::local_sdk_config(&moto.endpoint).await;
        let template = Template::load(root)?;
        provision(&sdk, &template, &Names::with_prefix("cabinet-bench-x10")).await
    })?;
    import_catalog(root, &moto.endpoint, &large_stack.table, &larger)?;
    let large_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| match k.as_str() {
            "TABLE_NAME" => (k.clone(), large_stack.table.clone()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let small = runtime.block_on(scale_side(
        root,
        &stack,
        &moto.endpoint,
        "small",
        "chamber-ural",
        "catalog",
    ))?;
    let large = runtime.block_on(scale_side(
        root,
        &stack,
        &moto.endpoint,
        "large",
        "chamber-spb",
        "catalog-x10",
    ))?;
    let mut fleet = Fleet::start(&binaries, &env, &mut calls)?;
    fleet.add("catalog-x10", &binaries["catalog"], &large_env)?;
    figures.scale = scale::measure(&mut fleet, &small, &large, plan)?;
    drop(fleet);

    drop(moto);
    figures.machine = report::Machine::read();
    report::write(root, &figures)?;
    eprintln!("==> wrote bench/REPORT.md and bench/figures.json");
    Ok(())
}

fn import_catalog(root: &Path, endpoint: &str, table: &str, file: &Path) -> Result<()> {
    run(Command::new("cargo")
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "-p",
            "cabinet-admin",
            "--",
            "import-catalog",
        ])
        .args(["--table", table, "--file"])
        .arg(file)
        .envs(emulator_env(endpoint)))
}

fn create_executor(
    root: &Path,
    endpoint: &str,
    pool: &str,
    provider: &str,
    email: &str,
) -> Result<()> {
    run(Command::new("cargo")
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "-p",
            "cabinet-admin",
            "--",
            "create-executor",
        ])
        .args(["--user-pool", pool, "--provider", provider])
        .args(["--email", email])
        .args(["--first-name", "Алексей", "--last-name", "Смирнов"])
        .args(["--phone", "+79000000001"])
        .args(["--password", PASSWORD])
        .envs(emulator_env(endpoint)))
}

/// A customer and an executor of `provider` for one size of the scale test.
async fn scale_side(
    root: &Path,
    stack: &Provisioned,
    endpoint: &str,
    name: &str,
    provider: &'static str,
    catalog: &'static str,
) -> Result<scale::Side> {
    let customer = format!("bench.{name}.customer@cabinet.example.ru");
    let executor = format!("bench.{name}.executor@cabinet.example.ru");
    create_executor(root, endpoint, &stack.user_pool_id, provider, &executor)?;
    let client = cognito_client(endpoint).await;
    crate::confirmed_customer(&client, stack, &customer, PASSWORD).await?;
    Ok(scale::Side {
        customer: sign_in(&client, stack, &customer).await?.0,
        executor: sign_in(&client, stack, &executor).await?.0,
        provider,
        catalog,
    })
}

async fn prepare(root: &Path, endpoint: &str) -> Result<Provisioned> {
    let sdk = xtask::local_sdk_config(endpoint).await;
    let template = Template::load(root)?;
    let stack = provision(&sdk, &template, &Names::with_prefix("cabinet-bench")).await?;
    import_catalog(
        root,
        endpoint,
        &stack.table,
        &root.join("data/catalog.json"),
    )?;
    create_executor(
        root,
        endpoint,
        &stack.user_pool_id,
        PROVIDER,
        EXECUTOR_EMAIL,
    )?;
    Ok(stack)
}

/// The functions' environment as the local stack gives it.
fn function_environment(
    work: &Path,
    endpoint: &str,
    stack: &Provisioned,
) -> Result<Vec<(String, String)>> {
    let template = Template::load(&xtask::workspace_root())?;
    // The API's address only appears in unsubscribe links, never followed here.
    let file = write_function_env(work, endpoint, stack, &template, 9000)?;
    let text = std::fs::read_to_string(file)?;
    let mut env: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(k, _)| *k != "RUST_LOG")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // What the template sets on AWS (LogLevel's default).
    env.push(("AWS_LAMBDA_LOG_LEVEL".into(), "INFO".into()));
    env.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
    Ok(env)
}

/// The signed-in customer and executor the journey acts as.
pub struct Accounts {
    customer_token: String,
    executor_token: String,
    refresh_token: String,
}

async fn accounts(stack: &Provisioned, endpoint: &str) -> Result<Accounts> {
    let client = cognito_client(endpoint).await;
    crate::confirmed_customer(&client, stack, CUSTOMER_EMAIL, PASSWORD).await?;
    let (customer_token, refresh_token) = sign_in(&client, stack, CUSTOMER_EMAIL).await?;
    let (executor_token, _) = sign_in(&client, stack, EXECUTOR_EMAIL).await?;
    Ok(Accounts {
        customer_token,
        executor_token,
        refresh_token,
    })
}

async fn cognito_client(endpoint: &str) -> aws_sdk_cognitoidentityprovider::Client {
    aws_sdk_cognitoidentityprovider::Client::new(&xtask::local_sdk_config(endpoint).await)
}

/// The access and refresh tokens of the benchmark's accounts.
async fn sign_in(
    client: &aws_sdk_cognitoidentityprovider::Client,
    stack: &Provisioned,
    email: &str,
) -> Result<(String, String)> {
    let tokens =
        xtask::accounts::password_sign_in(client, &stack.client_id, email, PASSWORD).await?;
    Ok((tokens.access, tokens.refresh))
}

/// The read each function's cold start is measured with: the same request
/// for the first and the warm invocations.
fn probe_event(package: &str, accounts: &Accounts) -> Vec<u8> {
    let customer = Some(accounts.customer_token.as_str());
    match package {
        "auth" => http_event(
            "POST",
            "/auth/refresh",
            None,
            Some(&json!({ "refresh_token": accounts.refresh_token })),
            &[],
        ),
        "catalog" => http_event(
            "GET",
            &format!("/catalog/services/{SERVICE}"),
            None,
            None,
            &[],
        ),
        "profile" => http_event("GET", "/profile", customer, None, &[]),
        "orders" => http_event("GET", "/orders", customer, None, &[]),
        "backoffice" => http_event(
            "GET",
            "/executor/orders",
            Some(&accounts.executor_token),
            None,
            &[],
        ),
        "notifier" => events::stream_event_without_orders(),
        _ => serde_json::to_vec(&json!({ "hello": "world" })).expect("JSON serialises"),
    }
}

/// One cold start: spawn to first request for work, the first invocation
/// and the median warm one after it, and the process's CPU for init alone
/// (measured on a separate start that is stopped before any invocation).
#[derive(Debug, Clone, Serialize)]
pub struct Start {
    pub init: Duration,
    pub first: Duration,
    pub warm: Duration,
    pub init_cpu: Duration,
}

fn cold_starts(
    binary: &Path,
    env: &[(String, String)],
    event: &[u8],
    plan: Plan,
) -> Result<Vec<Start>> {
    let mut starts = Vec::with_capacity(plan.starts);
    for _ in 0..plan.starts {
        // Init alone, for its CPU time.
        let api = RuntimeApi::start()?;
        let mut process = spawn(binary, env, &api)?;
        api.first_request_for_work(INVOKE_TIMEOUT)?;
        let init_cpu = stop(&mut process)?.cpu;

        let api = RuntimeApi::start()?;
        let spawned = Instant::now();
        let mut process = spawn(binary, env, &api)?;
        let init = api.first_request_for_work(INVOKE_TIMEOUT)? - spawned;
        let (answer, first) = api.invoke(event, INVOKE_TIMEOUT)?;
        events::expect_success(&answer)?;
        let mut warm = Vec::with_capacity(plan.warm_per_start);
        for _ in 0..plan.warm_per_start {
            let (answer, took) = api.invoke(event, INVOKE_TIMEOUT)?;
            events::expect_success(&answer)?;
            warm.push(took);
        }
        stop(&mut process)?;
        warm.sort();
        starts.push(Start {
            init,
            first,
            warm: warm[warm.len() / 2],
            init_cpu,
        });
    }
    Ok(starts)
}

fn spawn(binary: &Path, env: &[(String, String)], api: &RuntimeApi) -> Result<Child> {
    let name = binary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The function's log, as CloudWatch would keep it, for a failed run.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(binary.with_extension("bench.log"))?;
    Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

/// What a stopped process used.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size, bytes.
    pub peak_rss: u64,
}

/// Kills the process and reads what it used from the kernel: CPU from
/// `wait4`, and the peak resident set from `/proc` while it still runs
/// (`ru_maxrss` would report the benchmark's own size, which Linux carries
/// over `exec`).
fn stop(child: &mut Child) -> Result<Usage> {
    let pid = i32::try_from(child.id()).context("pid out of range")?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let peak_kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .context("no VmHWM in /proc/<pid>/status")?;
    // SAFETY: signals and reaps our own child, whose pid we hold.
    let usage = unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::wait4(pid, &mut status, 0, &mut usage) != pid {
            bail!("wait4 failed for {pid}");
        }
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Usage {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_rss: peak_kb * 1024,
    })
}

/// The emulator's log of requests, read as it grows.
pub struct CallLog {
    reader: BufReader<std::fs::File>,
}

impl CallLog {
    fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            std::fs::write(path, "")?;
        }
        let mut reader = BufReader::new(std::fs::File::open(path)?);
        let mut skip = String::new();
        while reader.read_line(&mut skip)? > 0 {
            skip.clear();
        }
        Ok(Self { reader })
    }

    /// The AWS operations logged since the last call.
    fn since_last(&mut self) -> Result<Vec<String>> {
        let mut calls = Vec::new();
        let mut line = String::new();
        while self.reader.read_line(&mut line)? > 0 {
            calls.push(events::operation(line.trim_end()));
            line.clear();
        }
        Ok(calls)
    }
}

/// What one endpoint did over the journey.
#[derive(Debug, Default, Serialize)]
pub struct EndpointStats {
    /// The function that serves it.
    pub function: String,
    /// Each warm invocation's duration.
    #[serde(skip)]
    pub latencies: Vec<Duration>,
    /// The AWS operations of its last invocation, in order.
    pub calls: Vec<String>,
    /// The most operations any one invocation made.
    pub most_calls: usize,
}

/// One long-lived process per function, as a warm Lambda environment.
pub struct Fleet<'a> {
    running: BTreeMap<String, (Child, RuntimeApi, u64)>,
    calls: &'a mut CallLog,
    /// Per endpoint label.
    pub stats: BTreeMap<String, EndpointStats>,
    /// A planned completion date executors can give (`YYYY-MM-DD`).
    pub in_two_weeks: String,
}

impl<'a> Fleet<'a> {
    fn start(
        binaries: &BTreeMap<String, PathBuf>,
        env: &[(String, String)],
        calls: &'a mut CallLog,
    ) -> Result<Self> {
        let mut running = BTreeMap::new();
        for (package, binary) in binaries {
            if package == HELLO {
                continue;
            }
            let api = RuntimeApi::start()?;
            let child = spawn(binary, env, &api)?;
            api.first_request_for_work(INVOKE_TIMEOUT)?;
            running.insert(package.clone(), (child, api, 0));
        }
        let in_two_weeks = Command::new("date")
            .args(["-u", "-d", "+14 days", "+%F"])
            .output()
            .context("running date")?;
        Ok(Self {
            running,
            calls,
            stats: BTreeMap::new(),
            in_two_weeks: String::from_utf8_lossy(&in_two_weeks.stdout)
                .trim()
                .to_string(),
        })
    }

    /// Starts one more process, under its own name.
    fn add(&mut self, name: &str, binary: &Path, env: &[(String, String)]) -> Result<()> {
        let api = RuntimeApi::start()?;
        let child = spawn(binary, env, &api)?;
        api.first_request_for_work(INVOKE_TIMEOUT)?;
        self.running.insert(name.to_string(), (child, api, 0));
        Ok(())
    }

    /// The CPU time `function`'s process has used so far, all threads, from
    /// the scheduler's nanosecond counters.
    pub fn cpu_of(&self, function: &str) -> Result<Duration> {
        let (child, _, _) = self
            .running
            .get(function)
            .with_context(|| format!("no function {function}"))?;
        let mut total = 0u64;
        for task in std::fs::read_dir(format!("/proc/{}/task", child.id()))? {
            let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
            total += stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .context("unreadable schedstat")?;
        }
        Ok(Duration::from_nanos(total))
    }

    /// Invokes `function` with `call`, checks its status, records its
    /// duration and AWS calls under the call's label; returns the body.
    pub fn call(&mut self, function: &str, call: Call) -> Result<Value> {
        let (_, api, served) = self
            .running
            .get_mut(function)
            .with_context(|| format!("no function {function}"))?;
        self.calls.since_last()?;
        let (answer, took) = api.invoke(&call.event, INVOKE_TIMEOUT)?;
        *served += 1;
        let operations = self.calls.since_last()?;
        let body = if call.status == 0 {
            events::expect_no_failures(&answer)
        } else {
            events::expect_status(&answer, call.status)
        }
        .with_context(|| format!("{} answered wrongly", call.label))?;
        let stats = self.stats.entry(call.label).or_default();
        stats.function = function.to_string();
        stats.latencies.push(took);
        stats.most_calls = stats.most_calls.max(operations.len());
        stats.calls = operations;
        Ok(body)
    }

    /// Stops every process: per function, what it used and how many
    /// invocations it served.
    fn stop(&mut self) -> Result<BTreeMap<String, (Usage, u64)>> {
        let mut usage = BTreeMap::new();
        for (package, (mut child, _, served)) in std::mem::take(&mut self.running) {
            usage.insert(package, (stop(&mut child)?, served));
        }
        Ok(usage)
    }
}

impl Drop for Fleet<'_> {
    fn drop(&mut self) {
        for (_, (mut child, _, _)) in std::mem::take(&mut self.running) {
            let _ = stop(&mut child);
        }
    }
}

/// The whole customer journey once: browse, profile, order, messages, the
/// executor's work, rating, and a cancelled order.
fn journey(fleet: &mut Fleet, accounts: &Accounts, round: usize) -> Result<()> {
    let customer = Some(accounts.customer_token.as_str());
    let executor = Some(accounts.executor_token.as_str());
    fleet.call(
        "auth",
        Call::new("POST /auth/sign-in", 200, "POST", "/auth/sign-in", None)
            .body(json!({ "email": CUSTOMER_EMAIL, "password": PASSWORD })),
    )?;
    fleet.call(
        "auth",
        Call::new("POST /auth/refresh", 200, "POST", "/auth/refresh", None)
            .body(json!({ "refresh_token": accounts.refresh_token })),
    )?;
    for (label, path) in [
        ("GET /catalog/categories", "/catalog/categories".to_string()),
        ("GET /catalog/services", "/catalog/services".to_string()),
        (
            "GET /catalog/services/{id}",
            format!("/catalog/services/{SERVICE}"),
        ),
        (
            "GET /catalog/services/{id}/providers",
            format!("/catalog/services/{SERVICE}/providers"),
        ),
        ("GET /faq", "/faq".to_string()),
    ] {
        fleet.call("catalog", Call::new(label, 200, "GET", &path, None))?;
    }
    fleet.call(
        "profile",
        Call::new("GET /profile", 200, "GET", "/profile", customer),
    )?;
    fleet.call(
        "profile",
        Call::new("PUT /profile", 200, "PUT", "/profile", customer).body(json!({
            "first_name": "Мария",
            "last_name": "Демидова",
            "email": CUSTOMER_EMAIL,
            "phone": "8 (900) 123-45-67",
            "notifications": { "status_emails": true },
        })),
    )?;
    let number = submit(fleet, customer, PROVIDER, &format!("journey-{round}"))?;
    fleet.call(
        "orders",
        Call::new("GET /orders", 200, "GET", "/orders", customer),
    )?;
    let card = format!("/orders/{number}");
    fleet.call(
        "orders",
        Call::new("GET /orders/{number}", 200, "GET", &card, customer),
    )?;
    fleet.call(
        "orders",
        Call::new(
            "POST /orders/{number}/messages",
            201,
            "POST",
            &format!("{card}/messages"),
            customer,
        )
        .body(json!({
            "subject": "Вопрос о сроках",
            "text": "Успеете ли вы оформить карнет до начала выставки?",
        })),
    )?;
    let queue = "/executor/orders?status=submitted";
    fleet.call(
        "backoffice",
        Call::new("GET /executor/orders?status", 200, "GET", queue, executor),
    )?;
    let desk = format!("/executor/orders/{number}");
    fleet.call(
        "backoffice",
        Call::new("GET /executor/orders/{number}", 200, "GET", &desk, executor),
    )?;
    fleet.call(
        "backoffice",
        Call::new(
            "POST /executor/orders/{number}/take",
            200,
            "POST",
            &format!("{desk}/take"),
            executor,
        )
        .body(json!({ "expected_completion": fleet.in_two_weeks.clone() })),
    )?;
    fleet.call(
        "backoffice",
        Call::new(
            "POST /executor/orders/{number}/messages",
            201,
            "POST",
            &format!("{desk}/messages"),
            executor,
        )
        .body(json!({
            "subject": "Ответ о сроках",
            "text": "Да, карнет будет готов к указанной дате.",
        })),
    )?;
    fleet.call(
        "backoffice",
        Call::new(
            "POST /executor/orders/{number}/complete",
            200,
            "POST",
            &format!("{desk}/complete"),
            executor,
        ),
    )?;
    fleet.call(
        "orders",
        Call::new(
            "POST /orders/{number}/rating",
            201,
            "POST",
            &format!("{card}/rating"),
            customer,
        )
        .body(json!({ "score": 5, "comment": "Всё сделали в срок" })),
    )?;
    let second = submit(
        fleet,
        customer,
        PROVIDER,
        &format!("journey-{round}-cancelled"),
    )?;
    fleet.call(
        "orders",
        Call::new(
            "POST /orders/{number}/cancel",
            200,
            "POST",
            &format!("/orders/{second}/cancel"),
            customer,
        ),
    )?;
    Ok(())
}

/// Submits an order to `provider` with the idempotency key `key`; returns
/// its number.
pub fn submit(
    fleet: &mut Fleet,
    customer: Option<&str>,
    provider: &str,
    key: &str,
) -> Result<String> {
    let body = fleet.call(
        "orders",
        Call::new("POST /orders", 201, "POST", "/orders", customer)
            .body(json!({
                "service_id": SERVICE,
                "provider_id": provider,
                "subject": "Карнет АТА для выставки",
                "text": "Прошу оформить карнет АТА на временный вывоз образцов.",
            }))
            .header("idempotency-key", key),
    )?;
    body["number"]
        .as_str()
        .map(str::to_string)
        .context("the answer has no number")
}
