//! `cargo xtask fuzz`: builds the fuzz targets of `shared/fuzz/` with cargo-fuzz
//! (installed at a pinned version into `.local/cargo-fuzz` when missing)
//! and runs each of them for a while.
//!
//! Each target starts from its committed seeds (`shared/fuzz/corpus/<target>`) and
//! from what earlier runs on this machine found (`<target dir>/corpus`); a
//! crash, a failed property or a hang stops that target and leaves the
//! input in `shared/fuzz/artifacts/<target>/`. The run ends with one line counting
//! the targets that held and those that failed.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use xtask::tools::run;

/// The cargo-fuzz release the project builds with.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds each target runs when `--seconds` is not given: the short run of
/// CI.
pub const DEFAULT_SECONDS: u64 = 20;

/// Seconds one input may take before the run counts it as a hang.
const INPUT_TIMEOUT_SECONDS: u64 = 10;

/// What to run, read from the command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Seconds per target.
    pub seconds: u64,
    /// The targets to run; every target when empty.
    pub targets: Vec<String>,
}

impl Options {
    /// Reads `[--seconds N] [TARGET...]`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut options = Self {
            seconds: DEFAULT_SECONDS,
            targets: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg == "--seconds" {
                let value = args.next().context("--seconds needs a number")?;
                options.seconds = value
                    .parse()
                    .ok()
                    .filter(|&seconds| seconds > 0)
                    .with_context(|| format!("--seconds takes a positive number, not {value}"))?;
            } else if arg.starts_with('-') {
                bail!("unknown option {arg}");
            } else {
                options.targets.push(arg.clone());
            }
        }
        Ok(options)
    }
}

/// The fuzz targets: the files of `shared/fuzz/fuzz_targets`, by name.
pub fn targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            if let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Builds every target and runs the chosen ones.
pub fn run_fuzz(root: &Path, args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    let fuzz_dir = root.join("shared/fuzz");
    let every = targets(&fuzz_dir)?;
    for target in &options.targets {
        if !every.contains(target) {
            bail!("no fuzz target {target}; there are: {}", every.join(", "));
        }
    }
    let chosen = if options.targets.is_empty() {
        every
    } else {
        options.targets.clone()
    };
    let path = ensure_cargo_fuzz(root)?;
    // Its own target directory: coverage instrumentation rebuilds every
    // dependency, so nothing could be shared with the workspace's builds.
    let target_dir = std::env::var_os("CABINET_FUZZ_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| fuzz_dir.join("target"));
    let cargo_fuzz = |action: &str| {
        let mut command = Command::new("cargo");
        command
            .current_dir(&fuzz_dir)
            .env("PATH", &path)
            .args(["fuzz", action, "--sanitizer", "none", "--target-dir"])
            .arg(&target_dir);
        command
    };

    eprintln!("==> building the fuzz targets");
    run(&mut cargo_fuzz("build"))?;

    let mut failed = Vec::new();
    for target in &chosen {
        eprintln!("==> fuzzing {target} for {} s", options.seconds);
        let found = target_dir.join("corpus").join(target);
        std::fs::create_dir_all(&found)?;
        // New inputs go to the first corpus directory, so the committed
        // seeds stay as they are.
        let mut child = cargo_fuzz("run")
            .arg(target)
            .arg(&found)
            .arg(fuzz_dir.join("corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", options.seconds))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting the fuzz target {target}"))?;
        let stderr = child.stderr.take().context("the fuzz run has no stderr")?;
        // Bytes, not text: what a failing input prints need not be UTF-8.
        for line in BufReader::new(stderr).split(b'\n') {
            let line = String::from_utf8_lossy(&line?).into_owned();
            if !is_progress(&line) {
                eprintln!("{line}");
            }
        }
        let status = child.wait()?;
        if !status.success() {
            eprintln!("==> {target} failed: the input is in shared/fuzz/artifacts/{target}/");
            failed.push(target.clone());
        }
    }
    println!(
        "\nfuzz: {} passed, {} failed",
        chosen.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("fuzz targets failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Whether `line` is one of libFuzzer's progress lines (`#1234\tNEW …`),
/// thousands a run; its first and last ones (`INITED`, `DONE`) are kept.
fn is_progress(line: &str) -> bool {
    line.strip_prefix('#')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        && !line.contains("INITED")
        && !line.contains("DONE")
}

/// Installs cargo-fuzz [`CARGO_FUZZ_VERSION`] into `.local/cargo-fuzz`
/// unless it is there, and answers the `PATH` that finds it first.
fn ensure_cargo_fuzz(root: &Path) -> Result<OsString> {
    let install_root = root.join(".local/cargo-fuzz");
    let bin = install_root.join("bin");
    let installed = || {
        Command::new(bin.join("cargo-fuzz"))
            .arg("--version")
            .output()
            .is_ok_and(|output| {
                String::from_utf8_lossy(&output.stdout)
                    .split_whitespace()
                    .any(|word| word == CARGO_FUZZ_VERSION)
            })
    };
    if !installed() {
        eprintln!("==> installing cargo-fuzz {CARGO_FUZZ_VERSION} into .local/cargo-fuzz");
        run(Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked", "--version"])
            .arg(CARGO_FUZZ_VERSION)
            .arg("--root")
            .arg(&install_root)
            // A temporary directory of its own, not the workspace's.
            .env_remove("CARGO_TARGET_DIR"))?;
        if !installed() {
            bail!("cargo-fuzz {CARGO_FUZZ_VERSION} did not install");
        }
    }
    let mut paths = vec![bin];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).context("joining PATH")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn options_default_to_every_target_for_the_short_run() {
        assert_eq!(
            Options::parse(&[]).unwrap(),
            Options {
                seconds: DEFAULT_SECONDS,
                targets: vec![],
            }
        );
        assert_eq!(
            Options::parse(&args(&["--seconds", "3600", "phone", "email"])).unwrap(),
            Options {
                seconds: 3600,
                targets: args(&["phone", "email"]),
            }
        );
        for wrong in [
            &["--seconds"][..],
            &["--seconds", "0"],
            &["--seconds", "ten"],
            &["--minutes", "1"],
        ] {
            assert!(Options::parse(&args(wrong)).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn only_the_progress_lines_of_libfuzzer_are_left_out() {
        assert!(is_progress(
            "#1234\tNEW    cov: 466 ft: 1147 corp: 238/13380b"
        ));
        assert!(is_progress("#165596\tREDUCE cov: 466"));
        assert!(!is_progress("#2\tINITED cov: 286 ft: 287 corp: 1/200b"));
        assert!(!is_progress("#403426\tDONE   cov: 665 ft: 2126"));
        assert!(!is_progress("==12345== ERROR: libFuzzer: deadly signal"));
        assert!(!is_progress(
            "thread '<unnamed>' panicked at fuzz_targets/phone.rs:40:9:"
        ));
        assert!(!is_progress("#[derive(Debug)]"));
    }

    /// Every target is a binary of the fuzz crate and has committed seeds,
    /// and every binary is a target.
    #[test]
    fn every_target_is_built_and_seeded() {
        let fuzz_dir = xtask::workspace_root().join("shared/fuzz");
        let names = targets(&fuzz_dir).unwrap();
        assert!(names.len() >= 10, "{names:?}");
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(fuzz_dir.join("Cargo.toml")).unwrap()).unwrap();
        let mut bins: Vec<String> = manifest["bin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|bin| {
                let name = bin["name"].as_str().unwrap();
                assert_eq!(
                    bin["path"].as_str().unwrap(),
                    format!("fuzz_targets/{name}.rs")
                );
                name.to_string()
            })
            .collect();
        bins.sort();
        assert_eq!(bins, names);
        for name in &names {
            let seeds = std::fs::read_dir(fuzz_dir.join("corpus").join(name))
                .unwrap_or_else(|_| panic!("no seeds for {name}"))
                .count();
            assert!(seeds > 0, "no seeds for {name}");
        }
    }
}
