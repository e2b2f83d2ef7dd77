//! The template's security and lint gates, run by `cargo xtask checks`
//! and at the end of `cargo xtask test`: `cfn-lint` with no error and no
//! warning, and checkov with no failed check.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::tools::{CHECKERS, checkers_bin, ensure, run, venv_bin};

/// The template both tools read, relative to the workspace root.
const TEMPLATE: &str = "infra/template.yaml";

/// Runs `cfn-lint` from `.venv` and checkov from `.venv-checks` (installed
/// if needed) on the template; fails on any error or warning of `cfn-lint`
/// and on any failed check of checkov.
pub fn run_template_checks(root: &Path) -> Result<()> {
    ensure(root, &CHECKERS)?;
    eprintln!("==> cfn-lint {TEMPLATE}");
    // Warnings fail too (cfn-lint's default today, written out so that a
    // change of the default cannot relax the gate).
    run(Command::new(venv_bin(root, "cfn-lint"))
        .current_dir(root)
        .args(["--non-zero-exit-code", "warning", TEMPLATE]))?;

    eprintln!("==> checkov {TEMPLATE}");
    let output = Command::new(checkers_bin(root, "checkov"))
        .current_dir(root)
        .args(["--file", TEMPLATE, "--framework", "cloudformation"])
        // Offline: no policy metadata from the vendor's platform, no
        // update check against PyPI.
        .args(["--skip-download", "--output", "json"])
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
        .output()
        .context("starting checkov")?;
    // checkov exits 0 when it could not parse the template, so the verdict
    // is taken from its report, not from its exit status.
    let report: Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "checkov exited with {} without a JSON report: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let verdict = judge_checkov(&report)?;
    eprintln!("{verdict}");
    Ok(())
}

/// Reads checkov's JSON report of one framework: an error listing the
/// failed checks, or naming a template checkov could not read; otherwise
/// the counts.
pub fn judge_checkov(report: &Value) -> Result<String> {
    let summary = report
        .get("summary")
        .context("checkov's report has no summary (more than one framework?)")?;
    let count = |name: &str| summary.get(name).and_then(Value::as_u64).unwrap_or(0);
    let version = summary
        .get("checkov_version")
        .and_then(Value::as_str)
        .unwrap_or("?");
    if count("parsing_errors") > 0 {
        bail!("checkov {version} could not parse {TEMPLATE}");
    }
    if count("resource_count") == 0 || count("passed") == 0 {
        bail!("checkov {version} found no resource to check in {TEMPLATE}");
    }
    let failed: Vec<String> = report
        .pointer("/results/failed_checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|check| {
            let field = |name: &str| check.get(name).and_then(Value::as_str).unwrap_or("?");
            format!(
                "  {} {} ({}, {}:{})",
                field("check_id"),
                field("check_name"),
                field("resource"),
                TEMPLATE,
                check
                    .pointer("/file_line_range/0")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            )
        })
        .collect();
    if !failed.is_empty() || count("failed") > 0 {
        bail!(
            "checkov {version}: {} failed checks in {TEMPLATE}; fix each, or skip it in the \
             resource's Metadata.checkov.skip with the reason as comment:\n{}",
            count("failed").max(failed.len() as u64),
            failed.join("\n")
        );
    }
    Ok(format!(
        "checkov {version}: {} passed, {} skipped (each with its reason in the template), 0 failed",
        count("passed"),
        count("skipped")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(passed: u64, failed: u64, parsing_errors: u64, resources: u64) -> Value {
        let failed_checks: Vec<Value> = (0..failed)
            .map(|_| {
                json!({
                    "check_id": "CKV_AWS_18",
                    "check_name": "Ensure the S3 bucket has access logging enabled",
                    "resource": "AWS::S3::Bucket.AttachmentsBucket",
                    "file_line_range": [120, 180],
                })
            })
            .collect();
        json!({
            "check_type": "cloudformation",
            "results": {"failed_checks": failed_checks},
            "summary": {
                "passed": passed,
                "failed": failed,
                "skipped": 3,
                "parsing_errors": parsing_errors,
                "resource_count": resources,
                "checkov_version": "3.3.30",
            },
        })
    }

    #[test]
    fn a_clean_report_passes_with_its_counts() {
        assert_eq!(
            judge_checkov(&report(92, 0, 0, 32)).unwrap(),
            "checkov 3.3.30: 92 passed, 3 skipped (each with its reason in the template), 0 failed"
        );
    }

    #[test]
    fn a_failed_check_fails_naming_the_check_and_resource() {
        let error = judge_checkov(&report(91, 1, 0, 32))
            .unwrap_err()
            .to_string();
        assert!(error.contains("1 failed checks"), "{error}");
        assert!(
            error.contains(
                "CKV_AWS_18 Ensure the S3 bucket has access logging enabled \
                 (AWS::S3::Bucket.AttachmentsBucket, infra/template.yaml:120)"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_template_checkov_cannot_read_fails_though_nothing_failed() {
        // What checkov 3.3.30 reports, exiting 0, for a template with a
        // YAML error: no check run, one parsing error.
        let error = judge_checkov(&report(0, 0, 1, 0)).unwrap_err().to_string();
        assert!(error.contains("could not parse"), "{error}");
        // An empty or foreign file: nothing parsed, nothing checked.
        let error = judge_checkov(&report(0, 0, 0, 0)).unwrap_err().to_string();
        assert!(error.contains("no resource to check"), "{error}");
    }

    #[test]
    fn a_report_of_several_frameworks_is_refused() {
        let error = judge_checkov(&json!([report(92, 0, 0, 32)]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no summary"), "{error}");
    }
}
