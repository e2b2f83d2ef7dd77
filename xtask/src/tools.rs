//! The Python tools of the local stack, installed into `.venv` of the
//! workspace from the pinned `requirements-dev.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Path of an executable of the project's virtualenv.
pub fn venv_bin(root: &Path, name: &str) -> PathBuf {
    root.join(".venv/bin").join(name)
}

/// Creates `.venv` and installs the pinned tools, unless the same
/// requirements are installed already.
pub fn ensure_venv(root: &Path) -> Result<()> {
    let requirements = root.join("requirements-dev.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let stamp = root.join(".venv/requirements.installed");
    let installed = || std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == wanted);
    if installed() {
        return Ok(());
    }
    // One installation at a time (a `dev` and a `test` started together):
    // the second waits, then finds the first one's work done.
    let _lock = crate::lock::wait_for(&root.join(".local/venv.lock"))?;
    if installed() {
        return Ok(());
    }
    if !venv_bin(root, "python").exists() {
        eprintln!("==> creating .venv");
        run(Command::new("python3")
            .args(["-m", "venv"])
            .arg(root.join(".venv")))?;
    }
    eprintln!("==> installing moto, cargo-lambda, cfn-lint and checkov into .venv");
    run(Command::new(venv_bin(root, "python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--upgrade",
        "pip",
    ]))?;
    run(Command::new(venv_bin(root, "python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted).context("recording the installed requirements")?;
    Ok(())
}

/// Runs `command` to completion, failing on a non-zero exit.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}
