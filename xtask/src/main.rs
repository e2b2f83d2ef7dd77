//! `cargo xtask dev`: the whole cabinet on one machine.
//! `cargo xtask test`: the test suite against a fresh emulator, then the
//! template's gates.
//! `cargo xtask contract`: schemathesis against the local stack.
//! `cargo xtask checks`: the template's gates alone (cfn-lint, checkov).
//! `cargo xtask openapi`: the API contract, `shared/api/openapi.json` and its page.
//! `cargo xtask bench`: the benchmark report (see `bench/README.md`).
//! `cargo xtask fuzz`: the fuzz targets of `shared/fuzz/`, each for a while.

mod bench;
mod contract;
mod fuzz;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use aws_sdk_cognitoidentityprovider as cognito;
use xtask::checks::run_template_checks;
use xtask::lock::DevLock;
use xtask::moto::{Moto, listening};
use xtask::provision::{Names, Provisioned, provision};
use xtask::template::Template;
use xtask::tools::{ensure_venv, run, venv_bin};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  dev      install the tools, start the AWS emulator and every function on one port
  test     install the tools, start the AWS emulator, run the whole test suite,
           then the API contract and the template checks
  contract run schemathesis against the local stack, signed in as a customer and
           as an executor (--examples N per operation, --seed N|random)
  checks   install the tools and check infra/template.yaml: cfn-lint (no error,
           no warning) and checkov (no failed check)
  openapi  write the API contract generated from the code: shared/api/openapi.json
           and its page shared/api/index.html
  bench    build the release bootstraps and write bench/REPORT.md and bench/figures.json
           (--quick: a few runs of everything, to try the command; --journeys N
           after --quick: that many journeys; --report: the report again from
           bench/figures.json)
  fuzz     install cargo-fuzz, build the fuzz targets and run each of them
           (--seconds N: per target, default 20; names: only these targets)

environment:
  CABINET_API_PORT    port of the API (default 9000)
  CABINET_MOTO_PORT   port of the AWS emulator (default 4566)
  CABINET_PORTAL_ORIGIN  the portal origin the bucket's CORS allows (dev; default the
                      template's PortalOrigin)
  CABINET_FUZZ_TARGET_DIR  target directory of the fuzz build (default shared/fuzz/target)";

/// The account the local stack creates so there is someone to sign in as.
const DEMO_EMAIL: &str = "demo@cabinet.example.ru";
const DEMO_PASSWORD: &str = "Demo2026pass";

/// Executors the local stack creates, one per provider, so that orders can
/// be taken into work: (provider id in data/catalog.json, e-mail, first
/// name, last name, mobile phone). All share [`DEMO_EXECUTOR_PASSWORD`].
const DEMO_EXECUTORS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "chamber-moscow",
        "executor.moscow@cabinet.example.ru",
        "Алексей",
        "Смирнов",
        "+79000000001",
    ),
    (
        "chamber-spb",
        "executor.spb@cabinet.example.ru",
        "Ольга",
        "Кузнецова",
        "+79000000002",
    ),
    (
        "chamber-novosibirsk",
        "executor.novosibirsk@cabinet.example.ru",
        "Дмитрий",
        "Соколов",
        "+79000000003",
    ),
];
const DEMO_EXECUTOR_PASSWORD: &str = "Executor2026pass";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    // `cargo xtask --help`, `cargo xtask contract --help`: the usage, as asked.
    if std::env::args()
        .skip(1)
        .any(|arg| matches!(arg.as_str(), "--help" | "-h" | "help"))
    {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = xtask::workspace_root();
    let result = match command.as_str() {
        "dev" => dev(&root),
        "test" => test(&root),
        "checks" => ensure_venv(&root).and_then(|()| run_template_checks(&root)),
        "openapi" => openapi(&root),
        "contract" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            contract::Options::parse(&args).and_then(|options| contract_alone(&root, &options))
        }
        "bench" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            bench::run_bench(&root, &args)
        }
        "fuzz" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            fuzz::run_fuzz(&root, &args)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn port(variable: &str, default: u16) -> Result<u16> {
    match std::env::var(variable) {
        Ok(value) => value
            .parse()
            .with_context(|| format!("{variable} must be a port number")),
        Err(_) => Ok(default),
    }
}

/// Writes the OpenAPI document generated from the code and its page.
fn openapi(root: &Path) -> Result<()> {
    for path in xtask::openapi::write(root)? {
        eprintln!("==> wrote {}", path.display());
    }
    Ok(())
}

/// Runs the whole suite against one emulator started for the run, prints
/// one line that counts every test of every binary, then runs the
/// template's gates.
fn test(root: &Path) -> Result<()> {
    ensure_venv(root)?;
    std::fs::create_dir_all(root.join("target"))?;
    let moto = Moto::start(root, 0, &root.join("target/moto-test-run.log"))?;
    eprintln!("==> AWS emulator at {}", moto.endpoint);
    let mut child = Command::new("cargo")
        .current_dir(root)
        .args(["test", "--workspace", "--all-targets"])
        .env("CABINET_MOTO_ENDPOINT", &moto.endpoint)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting cargo test")?;
    let stdout = child.stdout.take().context("cargo test has no stdout")?;
    let mut totals = Totals::default();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        totals.add(&line);
    }
    let status = child.wait()?;
    println!(
        "\nsummary: {} passed, {} failed",
        totals.passed, totals.failed
    );
    if !status.success() {
        bail!("cargo test failed with {status}");
    }
    if totals.passed == 0 {
        bail!("no test ran");
    }
    // The contract after the suite: it needs every function built and the
    // whole API up, on the same emulator.
    eprintln!("\n==> the API contract: schemathesis against the local stack");
    contract::run_contract(root, &moto.endpoint, &contract::Options::default())?;
    drop(moto);
    run_template_checks(root)
}

/// The contract run on an emulator of its own.
fn contract_alone(root: &Path, options: &contract::Options) -> Result<()> {
    ensure_venv(root)?;
    std::fs::create_dir_all(root.join("target"))?;
    let moto = Moto::start(root, 0, &root.join("target/moto-contract-run.log"))?;
    contract::run_contract(root, &moto.endpoint, options)
}

/// Tests counted over the `test result:` lines of every test binary.
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
}

impl Totals {
    fn add(&mut self, line: &str) {
        let Some(result) = line.strip_prefix("test result: ") else {
            return;
        };
        for part in result.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(count)) = (words.next(), words.next()) else {
                continue;
            };
            let count: u64 = count.parse().unwrap_or(0);
            match label {
                "passed" => self.passed += count,
                "failed" => self.failed += count,
                _ => {}
            }
        }
    }
}

/// Starts (or reuses) the emulator, creates the resources, loads the catalog,
/// and serves every function on one port until Ctrl-C.
fn dev(root: &Path) -> Result<()> {
    let api_port = port("CABINET_API_PORT", 9000)?;
    let moto_port = port("CABINET_MOTO_PORT", 4566)?;
    // Held until this function returns; the stack's files are its alone.
    let _lock = DevLock::acquire(&root.join(".local/dev.lock"), api_port)?;
    if listening(api_port) {
        bail!("port {api_port} is taken: stop what listens there or set CABINET_API_PORT");
    }
    ensure_venv(root)?;
    let local = root.join(".local");
    std::fs::create_dir_all(&local)?;

    let started_moto = if listening(moto_port) {
        eprintln!("==> reusing the AWS emulator already listening on port {moto_port}");
        None
    } else {
        eprintln!("==> starting the AWS emulator on port {moto_port}");
        Some(Moto::start(root, moto_port, &local.join("moto.log"))?)
    };
    let endpoint = format!("http://127.0.0.1:{moto_port}");

    let runtime = tokio::runtime::Runtime::new()?;
    let Assembled {
        stack,
        template,
        env_file,
    } = assemble(&runtime, root, &endpoint, "cabinet-local", &local, api_port)?;

    let mut watch = start_watch(root, api_port, &env_file, None)?;

    // The table's stream into the notifier, as the template's trigger does
    // on AWS; it stops with the runtime.
    let failures = local.join("notifier-failures.jsonl");
    let pump = runtime.block_on(async {
        let sdk = xtask::local_sdk_config(&endpoint).await;
        xtask::pump::Pump::new(
            &sdk,
            &stack.stream_arn,
            template.stream_trigger()?,
            api_port,
            failures.clone(),
        )
        .await
    })?;
    runtime.spawn(pump.run());
    print_banner(api_port, &endpoint, &stack, &failures);

    let outcome = runtime.block_on(async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Ok(()),
            status = wait_child(&mut watch) => match status {
                Ok(status) => Err(anyhow::anyhow!("cargo lambda watch stopped with {status}")),
                Err(error) => Err(error),
            },
        }
    });
    eprintln!("\n==> stopping");
    stop_group(&mut watch);
    drop(started_moto);
    outcome
}

/// What [`assemble`] made: the resources, the template they came from and
/// the functions' environment file.
struct Assembled {
    stack: Provisioned,
    template: Template,
    env_file: PathBuf,
}

/// Everything the functions need before `cargo lambda watch` starts: the
/// template's resources named after `prefix`, the demo customer, the
/// catalog, the demo executors, the functions built, and their environment
/// written into `dir`.
fn assemble(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    endpoint: &str,
    prefix: &str,
    dir: &Path,
    api_port: u16,
) -> Result<Assembled> {
    let stack = runtime.block_on(prepare(root, endpoint, prefix))?;
    let template = Template::load(root)?;
    let env_file = write_function_env(dir, endpoint, &stack, &template, api_port)?;

    eprintln!("==> loading the catalog");
    run(Command::new("cargo")
        .current_dir(root)
        .args(["run", "-p", "cabinet-admin", "--", "import-catalog"])
        .args(["--table", &stack.table, "--file", "data/catalog.json"])
        .envs(emulator_env(endpoint)))?;

    eprintln!("==> creating the demo executors");
    for (provider, email, first_name, last_name, phone) in DEMO_EXECUTORS {
        run(Command::new("cargo")
            .current_dir(root)
            .args(["run", "-p", "cabinet-admin", "--", "create-executor"])
            .args(["--user-pool", &stack.user_pool_id, "--provider", provider])
            .args(["--email", email])
            .args(["--first-name", first_name, "--last-name", last_name])
            .args(["--phone", phone])
            .args(["--password", DEMO_EXECUTOR_PASSWORD])
            .envs(emulator_env(endpoint)))?;
    }

    eprintln!("==> building the functions");
    // One package at a time, as `cargo lambda watch` will run them, so that
    // each is built with its own features and starts at once on first call.
    for package in function_packages(root)? {
        run(Command::new("cargo")
            .current_dir(root)
            .args(["build", "-p", &package]))?;
    }
    Ok(Assembled {
        stack,
        template,
        env_file,
    })
}

async fn prepare(root: &Path, endpoint: &str, prefix: &str) -> Result<Provisioned> {
    let sdk = xtask::local_sdk_config(endpoint).await;
    let mut template = Template::load(root)?;
    if let Ok(origin) = std::env::var("CABINET_PORTAL_ORIGIN") {
        template.set_parameter("PortalOrigin", &origin);
    }
    eprintln!("==> creating the table, bucket, user pool and sender from infra/template.yaml");
    let stack = provision(&sdk, &template, &Names::with_prefix(prefix)).await?;
    ensure_demo_account(&cognito::Client::new(&sdk), &stack).await?;
    Ok(stack)
}

/// Creates the demo customer, confirmed, unless it exists.
async fn ensure_demo_account(client: &cognito::Client, stack: &Provisioned) -> Result<()> {
    let exists = client
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username(DEMO_EMAIL)
        .send()
        .await
        .is_ok();
    if exists {
        return Ok(());
    }
    confirmed_customer(client, stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .context("creating the demo account")
}

/// Signs `email` up as «Мария Демидова» with `password` and confirms the
/// account, as an operator would on the console.
async fn confirmed_customer(
    client: &cognito::Client,
    stack: &Provisioned,
    email: &str,
    password: &str,
) -> Result<()> {
    let person = [
        ("given_name", "Мария"),
        ("family_name", "Демидова"),
        ("phone_number", "+79001234567"),
    ];
    xtask::accounts::confirmed_account(
        client,
        &stack.user_pool_id,
        &stack.client_id,
        email,
        password,
        &person,
    )
    .await
}

/// Variables every local process needs to reach the emulator.
fn emulator_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", xtask::LOCAL_REGION),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The environment of the functions, as the template gives it on AWS, plus
/// the emulator's address and the local differences: where moto serves the
/// pool's signing keys, and the API's local address in unsubscribe links.
fn write_function_env(
    dir: &Path,
    endpoint: &str,
    stack: &Provisioned,
    template: &Template,
    api_port: u16,
) -> Result<PathBuf> {
    let mut lines = emulator_env(endpoint);
    lines.extend(
        [
            ("TABLE_NAME", stack.table.clone()),
            ("BUCKET_NAME", stack.bucket.clone()),
            ("USER_POOL_ID", stack.user_pool_id.clone()),
            ("USER_POOL_CLIENT_ID", stack.client_id.clone()),
            (
                "COGNITO_JWKS_URL",
                format!("{endpoint}/{}/.well-known/jwks.json", stack.user_pool_id),
            ),
            ("CURSOR_KEY", random_key()?),
            ("UNSUBSCRIBE_KEY", random_key()?),
            ("SENDER_EMAIL", stack.sender.clone()),
            (
                "PORTAL_BASE_URL",
                template.parameter("PortalBaseUrl")?.to_string(),
            ),
            ("API_BASE_URL", format!("http://127.0.0.1:{api_port}")),
            ("RUST_LOG", "info".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let path = dir.join("functions.env");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A fresh signing key for the local stack's paging cursors and unsubscribe
/// links (on AWS, the `CursorKey` and `UnsubscribeKey` secrets of the
/// template).
fn random_key() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The packages under `functions/`.
fn function_packages(root: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root.join("functions"))? {
        let entry = entry?;
        if entry.path().join("Cargo.toml").exists() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Starts `cargo lambda watch` with the functions' environment; its output
/// goes to `log` when given, to this terminal otherwise.
fn start_watch(root: &Path, api_port: u16, env_file: &Path, log: Option<&Path>) -> Result<Child> {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(venv_bin(root, "cargo-lambda"));
    command
        .current_dir(root)
        .args(["lambda", "watch", "--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &api_port.to_string()])
        .arg("--env-file")
        .arg(env_file)
        // Its own process group, so that stopping it stops the functions too.
        .process_group(0);
    if let Some(log) = log {
        let file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        command.stdout(file.try_clone()?).stderr(file);
    }
    command.spawn().context("starting cargo lambda watch")
}

async fn wait_child(child: &mut Child) -> Result<std::process::ExitStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

fn stop_group(child: &mut Child) {
    let Ok(pid) = i32::try_from(child.id()) else {
        return;
    };
    // SAFETY: signals the process group this program created for the child.
    unsafe {
        libc::kill(-pid, libc::SIGTERM);
    }
    let _ = child.wait();
}

fn print_banner(api_port: u16, endpoint: &str, stack: &Provisioned, failures: &Path) {
    let executors: String = DEMO_EXECUTORS
        .iter()
        .map(|(provider, email, ..)| {
            format!("  demo executor    {email} / {DEMO_EXECUTOR_PASSWORD}  ({provider})\n")
        })
        .collect();
    let admin_env = emulator_env(endpoint)
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "
The customer cabinet is running.

  API              http://127.0.0.1:{api_port}
  AWS emulator     {endpoint}  (sent e-mails: {endpoint}/moto-api/data.json)
  stream pump      table stream -> notifier (failed batches, no records: {})
  demo customer    {DEMO_EMAIL} / {DEMO_PASSWORD}
{executors}  table / bucket   {} / {}
  user pool        {} (app client {})

Operators' commands (cabinet-admin) reach this stack with:
  export {admin_env}

Try:
  curl http://127.0.0.1:{api_port}/catalog/categories
  curl -X POST http://127.0.0.1:{api_port}/auth/sign-in -H 'content-type: application/json' \\
       -d '{{\"email\":\"{DEMO_EMAIL}\",\"password\":\"{DEMO_PASSWORD}\"}}'

Press Ctrl-C to stop everything this command started.
",
        failures.display(),
        stack.table,
        stack.bucket,
        stack.user_pool_id,
        stack.client_id,
    );
}
