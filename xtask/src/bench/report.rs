//! The benchmark's figures, their goals, and the two files they are written
//! to: `bench/figures.json` for machines and `bench/REPORT.md` for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::scale::ScaleRow;
use super::{EndpointStats, HELLO, Plan, Start, Usage};

/// Init within this factor of the hello world's.
const INIT_GOAL: f64 = 1.5;
/// First invocation within this many milliseconds of a warm one.
const FIRST_GOAL_MS: f64 = 1.0;
/// Bootstrap size, bytes.
const SIZE_GOAL: u64 = 8 * 1024 * 1024;
/// CPU per warm request, milliseconds.
const CPU_GOAL_MS: f64 = 0.25;
/// Peak resident memory, bytes.
const RSS_GOAL: u64 = 30 * 1024 * 1024;
/// 100× data within this factor of 1×.
const SCALE_GOAL: f64 = 1.2;

/// Milliseconds, the unit of every duration in the figures.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// The machine the figures were taken on.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    pub rustc: String,
    pub date: String,
}

impl Machine {
    /// Reads the machine's description from the system.
    pub fn read() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default();
        let output = |program: &str, args: &[&str]| {
            std::process::Command::new(program)
                .args(args)
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default()
        };
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: output("uname", &["-sr"]),
            rustc: output("rustc", &["--version"]),
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }
}

/// Cold-start figures of one function, milliseconds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StartFigures {
    pub init_median: f64,
    pub init_p90: f64,
    pub first_invocation_median: f64,
    pub warm_invocation_median: f64,
    pub init_cpu_mean: f64,
}

/// What one function used over the journey.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FunctionFigures {
    pub requests: u64,
    pub cpu_per_request_ms: f64,
    pub peak_rss_bytes: u64,
}

/// One endpoint over the journey.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct EndpointFigures {
    pub function: String,
    pub latency_median_ms: f64,
    pub latency_p90_ms: f64,
    pub aws_calls: usize,
    pub operations: Vec<String>,
}

/// Everything measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Figures {
    pub machine: Machine,
    pub plan: Plan,
    pub sizes: BTreeMap<String, u64>,
    pub starts: BTreeMap<String, StartFigures>,
    #[serde(skip)]
    pub init_cpu: BTreeMap<String, Duration>,
    pub functions: BTreeMap<String, FunctionFigures>,
    pub endpoints: BTreeMap<String, EndpointFigures>,
    pub scale: Vec<ScaleRow>,
}

impl Figures {
    /// No figures yet.
    pub fn new(plan: Plan) -> Self {
        Self {
            machine: Machine::default(),
            plan,
            sizes: BTreeMap::new(),
            starts: BTreeMap::new(),
            init_cpu: BTreeMap::new(),
            functions: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            scale: Vec::new(),
        }
    }

    /// Adds one function's cold starts.
    pub fn add_starts(&mut self, package: &str, starts: &[Start]) {
        let list = |f: fn(&Start) -> Duration| starts.iter().map(|s| ms(f(s))).collect::<Vec<_>>();
        let init = list(|s| s.init);
        let cpu: Duration = starts.iter().map(|s| s.init_cpu).sum();
        let cpu = cpu / u32::try_from(starts.len().max(1)).unwrap_or(1);
        self.init_cpu.insert(package.to_string(), cpu);
        self.starts.insert(
            package.to_string(),
            StartFigures {
                init_median: percentile(&init, 0.5),
                init_p90: percentile(&init, 0.9),
                first_invocation_median: percentile(&list(|s| s.first), 0.5),
                warm_invocation_median: percentile(&list(|s| s.warm), 0.5),
                init_cpu_mean: ms(cpu),
            },
        );
    }

    /// Adds the journey: per endpoint and per function.
    pub fn add_journey(
        &mut self,
        stats: &BTreeMap<String, EndpointStats>,
        usage: &BTreeMap<String, (Usage, u64)>,
        init_cpu: &BTreeMap<String, Duration>,
    ) {
        for (label, endpoint) in stats {
            let latencies: Vec<f64> = endpoint.latencies.iter().copied().map(ms).collect();
            self.endpoints.insert(
                label.clone(),
                EndpointFigures {
                    function: endpoint.function.clone(),
                    latency_median_ms: percentile(&latencies, 0.5),
                    latency_p90_ms: percentile(&latencies, 0.9),
                    aws_calls: endpoint.most_calls,
                    operations: endpoint.calls.clone(),
                },
            );
        }
        for (package, (used, served)) in usage {
            let init = init_cpu.get(package).copied().unwrap_or_default();
            let work = used.cpu.saturating_sub(init);
            self.functions.insert(
                package.clone(),
                FunctionFigures {
                    requests: *served,
                    cpu_per_request_ms: if *served == 0 {
                        0.0
                    } else {
                        ms(work) / *served as f64
                    },
                    peak_rss_bytes: used.peak_rss,
                },
            );
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Writes `bench/REPORT.md` again from `bench/figures.json`, for a change
/// of the report's text without measuring again.
pub fn rewrite(root: &Path) -> Result<()> {
    let dir = root.join("bench");
    let figures: Figures = serde_json::from_slice(&std::fs::read(dir.join("figures.json"))?)?;
    std::fs::write(dir.join("REPORT.md"), markdown(&figures))?;
    Ok(())
}

/// Writes `bench/figures.json` and `bench/REPORT.md`.
pub fn write(root: &Path, figures: &Figures) -> Result<()> {
    let dir = root.join("bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("figures.json"),
        serde_json::to_string_pretty(figures)? + "\n",
    )?;
    std::fs::write(dir.join("REPORT.md"), markdown(figures))?;
    Ok(())
}

fn markdown(f: &Figures) -> String {
    let mut out = String::new();
    let m = &f.machine;
    let _ = writeln!(out, "# Benchmark report\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench` on {}: {} ({} cores), {}, {}. \
         Release bootstraps (x86_64, the workspace's release profile) under a local Lambda \
         Runtime API; AWS is the local emulator (moto), one request at a time. \
         {} cold starts per function, {} replays of the journey.\n",
        m.date, m.cpu, m.cores, m.kernel, m.rustc, f.plan.starts, f.plan.journeys
    );

    let hello = f.starts.get(HELLO);
    let hello_init = hello.map_or(0.0, |h| h.init_median);
    let _ = writeln!(out, "## Init and first invocation\n");
    let _ = writeln!(
        out,
        "Init is spawn → first request for work. Goal: init within {INIT_GOAL}× of the hello \
         world's; the first invocation within {FIRST_GOAL_MS} ms of a warm one.\n"
    );
    let _ = writeln!(
        out,
        "| function | init median ms | init p90 ms | × hello | init CPU ms | first invocation ms | warm invocation ms | first − warm ms | init goal | first goal |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for (name, s) in &f.starts {
        let ratio = if hello_init > 0.0 {
            s.init_median / hello_init
        } else {
            0.0
        };
        let gap = s.first_invocation_median - s.warm_invocation_median;
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
            s.init_median,
            s.init_p90,
            ratio,
            s.init_cpu_mean,
            s.first_invocation_median,
            s.warm_invocation_median,
            gap,
            verdict(ratio <= INIT_GOAL),
            verdict(gap <= FIRST_GOAL_MS),
        );
    }

    let _ = writeln!(out, "\n## Size\n");
    let _ = writeln!(
        out,
        "Goal: at most {} MB per bootstrap. The release profile is tuned for Lambda: \
         `opt-level = \"s\"` (size over speed: cold starts read the file), fat LTO and one \
         codegen unit (dead code of the SDKs removed across crates), `panic = \"abort\"` (no \
         unwinding tables; a panic ends the environment, which Lambda replaces), symbols \
         stripped. Every SDK crate is built without default features, with only the \
         Rustls/AWS-LC HTTPS client and the Tokio runtime. Each function links only the \
         SDK clients it calls. x86_64 only: `cargo lambda build --arm64` needs Zig, which \
         the project does not install.\n",
        mb(SIZE_GOAL)
    );
    let _ = writeln!(out, "| bootstrap | MB | goal |");
    let _ = writeln!(out, "|---|---|---|");
    for (name, size) in &f.sizes {
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {} |",
            mb(*size),
            verdict(*size <= SIZE_GOAL)
        );
    }

    let _ = writeln!(out, "\n## CPU and memory over the journey\n");
    let _ = writeln!(
        out,
        "CPU is user + system time of the function's process, init subtracted, divided by the \
         requests it served (the emulator's time is not in it). Goals: at most {CPU_GOAL_MS} ms \
         per request, at most {} MB peak RSS.\n",
        mb(RSS_GOAL)
    );
    let _ = writeln!(
        out,
        "| function | requests | CPU ms/request | CPU goal | peak RSS MB | memory goal |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for (name, s) in &f.functions {
        let _ = writeln!(
            out,
            "| {name} | {} | {:.3} | {} | {:.1} | {} |",
            s.requests,
            s.cpu_per_request_ms,
            verdict(s.cpu_per_request_ms <= CPU_GOAL_MS),
            mb(s.peak_rss_bytes),
            verdict(s.peak_rss_bytes <= RSS_GOAL),
        );
    }

    let _ = writeln!(out, "\n## AWS calls per endpoint\n");
    let _ = writeln!(
        out,
        "Counted from the emulator's log of the requests it served during each invocation. \
         Goal: one call for every read, the minimum for writes, no Scan.\n"
    );
    let _ = writeln!(
        out,
        "| endpoint | function | calls | operations | latency median ms | p90 ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for (label, e) in &f.endpoints {
        let _ = writeln!(
            out,
            "| `{label}` | {} | {} | {} | {:.2} | {:.2} |",
            e.function,
            e.aws_calls,
            e.operations.join(", "),
            e.latency_median_ms,
            e.latency_p90_ms,
        );
    }
    let scans = f
        .endpoints
        .values()
        .any(|e| e.operations.iter().any(|o| o.ends_with(" Scan")));
    let _ = writeln!(
        out,
        "\nScan anywhere: {}.",
        if scans { "**yes**" } else { "no" }
    );

    let _ = writeln!(out, "\n## Scale\n");
    let _ = writeln!(
        out,
        "The same reads with 1× and 100× data. Goal: 100× within {SCALE_GOAL}× of 1×. \
         `latency` is the whole invocation (emulator included); `function CPU` is the \
         function process's own time for the request.\n"
    );
    let _ = writeln!(
        out,
        "| read | data at 1× | data at 100× | latency 1× ms | latency 100× ms | × | function CPU 1× ms | function CPU 100× ms | × | AWS calls 1× | AWS calls 100× |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &f.scale {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {:.2} | {:.2} | {:.2} | {:.3} | {:.3} | {:.2} | {} | {} |",
            row.read,
            row.data_1x,
            row.data_100x,
            row.latency_1x_ms,
            row.latency_100x_ms,
            row.latency_100x_ms / row.latency_1x_ms.max(f64::EPSILON),
            row.cpu_1x_ms,
            row.cpu_100x_ms,
            row.cpu_100x_ms / row.cpu_1x_ms.max(f64::EPSILON),
            row.aws_calls_1x,
            row.aws_calls_100x,
        );
    }
    out.push_str(&misses(f));
    out
}

/// The goals missed: by how much, why, and what would close the gap.
fn misses(f: &Figures) -> String {
    let mut out = String::from("\n## Goals missed: by how much, why, what would close them\n");
    let hello = f.starts.get(HELLO).map_or(0.0, |h| h.init_median);
    let slow: Vec<String> = f
        .starts
        .iter()
        .filter(|(_, s)| hello > 0.0 && s.init_median / hello > INIT_GOAL)
        .map(|(name, s)| {
            format!(
                "{name} {:.2}× ({:+.2} ms over the goal)",
                s.init_median / hello,
                s.init_median - hello * INIT_GOAL
            )
        })
        .collect();
    if !slow.is_empty() {
        let _ = writeln!(
            out,
            "\n**Init** — {}.\n\nWhy: the hello world builds nothing. A function also \
             builds the SDK configuration (region, credentials and timeout settings, the \
             HTTPS connector with its TLS settings) and one client per AWS service it calls, \
             installs the JSON log subscriber, reads its settings, and — every function that \
             verifies tokens — fetches the user pool's signing keys (one HTTP request to the \
             emulator here, one HTTPS request to Cognito on AWS). Already closed: the system \
             certificate store (read from disk twice per start before, once for the SDK and \
             once for the JWKS client) is replaced by five bundled Amazon roots, and the \
             runtime runs one thread. What would close the rest: the JWKS passed in at deploy \
             time (a custom resource reading it into the environment) instead of fetched at \
             start; SDK clients built from a hand-made configuration rather than \
             `aws-config`'s provider chains; fewer clients per function (split the routes \
             that need S3 or Cognito into their own functions).",
            slow.join("; ")
        );
    }
    let late: Vec<String> = f
        .starts
        .iter()
        .filter(|(_, s)| s.first_invocation_median - s.warm_invocation_median > FIRST_GOAL_MS)
        .map(|(name, s)| {
            format!(
                "{name} {:+.2} ms",
                s.first_invocation_median - s.warm_invocation_median
            )
        })
        .collect();
    if !late.is_empty() {
        let _ = writeln!(
            out,
            "\n**First invocation** — first minus warm: {}.\n\nWhy: the first call to each \
             AWS service opens its connection (TCP here, TCP and TLS on AWS) and fills the \
             SDK's caches (credentials, endpoint); the signing keys are already there. \
             What would close it: a cheap call to each service during init (which moves the \
             connection into init rather than removing it), or fewer distinct services per \
             function.",
            late.join("; ")
        );
    }
    let big: Vec<String> = f
        .sizes
        .iter()
        .filter(|(_, size)| **size > SIZE_GOAL)
        .map(|(name, size)| format!("{name} {:.2} MB", mb(*size)))
        .collect();
    if !big.is_empty() {
        let _ = writeln!(
            out,
            "\n**Size** — {}.\n\nWhy: each AWS SDK client carries its serializers and \
             endpoint rules, and the three functions over the goal are the ones that added \
             the S3 client for files (with its SigV4a signer, built in by the `sigv4a` \
             feature). What would close it: the S3 client without `sigv4a` (needed only for \
             multi-region access points, which the product does not use), and fewer clients \
             per function.",
            big.join("; ")
        );
    }
    let busy: Vec<String> = f
        .functions
        .iter()
        .filter(|(_, s)| s.cpu_per_request_ms > CPU_GOAL_MS)
        .map(|(name, s)| {
            format!(
                "{name} {:.3} ms ({:.1}×)",
                s.cpu_per_request_ms,
                s.cpu_per_request_ms / CPU_GOAL_MS
            )
        })
        .collect();
    if !busy.is_empty() {
        let _ = writeln!(
            out,
            "\n**CPU per warm request** — {}.\n\n{CPU_WHY}",
            busy.join("; ")
        );
    }
    let heavy: Vec<String> = f
        .functions
        .iter()
        .filter(|(_, s)| s.peak_rss_bytes > RSS_GOAL)
        .map(|(name, s)| format!("{name} {:.1} MB", mb(s.peak_rss_bytes)))
        .collect();
    if !heavy.is_empty() {
        let _ = writeln!(out, "\n**Memory** — {}.", heavy.join("; "));
    }
    let scaled: Vec<String> = f
        .scale
        .iter()
        .filter(|r| r.latency_100x_ms / r.latency_1x_ms.max(f64::EPSILON) > SCALE_GOAL)
        .map(|r| {
            format!(
                "`{}` {:.1}× (function CPU {:.1}×, AWS calls {} → {})",
                r.read,
                r.latency_100x_ms / r.latency_1x_ms.max(f64::EPSILON),
                r.cpu_100x_ms / r.cpu_1x_ms.max(f64::EPSILON),
                r.aws_calls_1x,
                r.aws_calls_100x
            )
        })
        .collect();
    if !scaled.is_empty() {
        let _ = writeln!(out, "\n**Scale** — {}.\n\n{SCALE_WHY}", scaled.join("; "));
    }
    out
}

/// Where a warm request's CPU goes, from a profile of `orders`.
const CPU_WHY: &str = "Why: a profile of `orders` serving 600 warm reads (the list and \
the card; `perf record` at 5 kHz, taken on the build before the switch to one thread) \
puts a quarter of its time in the kernel — sockets and thread wake-ups — and shows the \
SDK opening a new TCP connection for every AWS call: the emulator's HTTP server \
(werkzeug's development server) closes each connection after its answer, where AWS \
endpoints keep them open, so locally every call pays a connect, a socket and its \
teardown that a deployed function pays once per environment. Verifying the token (an \
RSA signature) is about 5% of the time, the Runtime API client about 8%, the handler's \
own work (parsing, rules, JSON) about 11%, and the SDK's request pipeline (endpoint, \
signing, serialising, retry and timeout layers) most of the rest. What would close it: \
measuring against endpoints that keep connections alive (AWS itself, where Lambda \
reports billed duration per invocation) before anything else; then caching verified \
tokens for their lifetime, so a repeated token skips the RSA check, and fewer log lines \
per request. The notifier's figure is per invocation, and each of its invocations here \
is a batch of six e-mails of four AWS calls each.";

/// Why the 100× reads are slower, and what would close it.
const SCALE_WHY: &str = "Why: every read stays one call that reads one bounded page, so \
DynamoDB's time does not grow with the data; the emulator's does (moto reads every item \
of the table for each query, of the table or of an index, and sorts the matches), which \
is most of the latency here. The function's own time grows only where the answer \
itself grows: the card at 100× carries the newest 200 messages against 10, and the \
catalog's service list and a service's providers are whole lists, ten times longer. \
What would close it: on AWS, nothing for the lists and the queue (the page is bounded); \
for the card, a shorter first page of messages (the newest 20, with a link to older \
ones); for the catalog, pages of services and of providers.";
