//! Reads the router of `cargo lambda watch` from the workspace's
//! `Cargo.toml` (`[workspace.metadata.lambda.watch.router]`): the list of
//! API routes the local stack serves, which must match the routes of
//! `infra/template.yaml`. Tests generate their cases from it, so a route
//! added to the API cannot be left out of them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// One route of the local router: method, path and the function serving it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouterEntry {
    /// Path in the router's syntax, `/orders/{number}`.
    pub path: String,
    /// HTTP method, as written in the manifest (upper case).
    pub method: String,
    /// Name of the function's binary.
    pub function: String,
}

/// Every route of the router in the `Cargo.toml` of the workspace at `root`,
/// sorted by path, then method.
pub fn routes(root: &Path) -> Result<Vec<RouterEntry>> {
    let path = root.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("reading the router of {}", path.display()))
}

/// Every route of the router in the manifest `text`, sorted.
pub fn parse(text: &str) -> Result<Vec<RouterEntry>> {
    let manifest: Manifest = toml::from_str(text)?;
    let mut routes: Vec<RouterEntry> = manifest
        .workspace
        .metadata
        .lambda
        .watch
        .router
        .into_iter()
        .flat_map(|(path, methods)| {
            methods.into_iter().map(move |m| RouterEntry {
                path: path.clone(),
                method: m.method,
                function: m.function,
            })
        })
        .collect();
    routes.sort();
    Ok(routes)
}

/// Just enough of `Cargo.toml` to reach the router.
#[derive(serde::Deserialize)]
struct Manifest {
    workspace: Workspace,
}

#[derive(serde::Deserialize)]
struct Workspace {
    metadata: Metadata,
}

#[derive(serde::Deserialize)]
struct Metadata {
    lambda: Lambda,
}

#[derive(serde::Deserialize)]
struct Lambda {
    watch: Watch,
}

#[derive(serde::Deserialize)]
struct Watch {
    router: BTreeMap<String, Vec<MethodRoute>>,
}

#[derive(serde::Deserialize)]
struct MethodRoute {
    method: String,
    function: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_a_path_is_a_route_of_its_own() {
        let text = r#"
            [workspace.metadata.lambda.watch.router]
            "/profile" = [{ method = "GET", function = "profile" }, { method = "PUT", function = "profile" }]
            "/faq" = [{ method = "GET", function = "catalog" }]
        "#;
        let entry = |path: &str, method: &str, function: &str| RouterEntry {
            path: path.into(),
            method: method.into(),
            function: function.into(),
        };
        assert_eq!(
            parse(text).unwrap(),
            [
                entry("/faq", "GET", "catalog"),
                entry("/profile", "GET", "profile"),
                entry("/profile", "PUT", "profile"),
            ]
        );
    }

    #[test]
    fn a_manifest_without_a_router_is_an_error() {
        assert!(parse("[workspace]\nmembers = []\n").is_err());
    }
}
