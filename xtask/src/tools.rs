//! The Python tools of the local stack, installed into `.venv` of the
//! workspace from the pinned `requirements-dev.txt`, and the template's
//! checker, installed into `.venv-checks` from `requirements-checks.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A virtualenv of the project and the pinned requirements it holds.
pub struct Venv {
    /// Folder of the virtualenv, under the workspace root.
    pub dir: &'static str,
    /// Its pinned requirements, under the workspace root.
    pub requirements: &'static str,
    /// What it holds, for the progress line.
    pub holds: &'static str,
}

/// The local stack's tools: moto, `cargo lambda`, cfn-lint, schemathesis.
pub const TOOLS: Venv = Venv {
    dir: ".venv",
    requirements: "requirements-dev.txt",
    holds: "moto, cargo-lambda, cfn-lint and schemathesis",
};

/// checkov, apart: it pins its own boto3, and the emulator keeps the
/// botocore it was released with.
pub const CHECKERS: Venv = Venv {
    dir: ".venv-checks",
    requirements: "requirements-checks.txt",
    holds: "checkov",
};

/// Path of an executable of the project's tools virtualenv.
pub fn venv_bin(root: &Path, name: &str) -> PathBuf {
    root.join(TOOLS.dir).join("bin").join(name)
}

/// Path of an executable of the checkers' virtualenv.
pub fn checkers_bin(root: &Path, name: &str) -> PathBuf {
    root.join(CHECKERS.dir).join("bin").join(name)
}

/// Creates `.venv` and installs the pinned tools, unless the same
/// requirements are installed already.
pub fn ensure_venv(root: &Path) -> Result<()> {
    ensure(root, &TOOLS)
}

/// Creates the virtualenv `venv` and installs its pinned requirements,
/// unless the same requirements are installed already.
pub fn ensure(root: &Path, venv: &Venv) -> Result<()> {
    let requirements = root.join(venv.requirements);
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let dir = root.join(venv.dir);
    let python = dir.join("bin/python");
    let stamp = dir.join("requirements.installed");
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
    if !python.exists() {
        eprintln!("==> creating {}", venv.dir);
        run(Command::new("python3").args(["-m", "venv"]).arg(&dir))?;
    }
    eprintln!("==> installing {} into {}", venv.holds, venv.dir);
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--upgrade",
        "pip",
    ]))?;
    run(Command::new(&python)
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
