//! Reads `infra/template.yaml`, the one definition of the cabinet's AWS
//! resources, so the local stack and the tests create what AWS would.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_yaml::Value;

/// The parsed template with its parameters resolved to their defaults
/// (or to the overrides the local stack gives).
pub struct Template {
    resources: serde_yaml::Mapping,
    parameters: BTreeMap<String, String>,
}

/// One API route of a function: method, path and the binary that serves it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: String,
    /// Path as API Gateway declares it, `/catalog/services/{serviceId}`.
    pub path: String,
    /// Name of the function's binary.
    pub function: String,
    /// Whether the route needs a bearer token.
    pub authorized: bool,
}

/// The DynamoDB stream trigger of a function, as the local pump needs it.
#[derive(Debug, Clone)]
pub struct StreamTrigger {
    /// Name of the function's binary.
    pub function: String,
    /// Most records in one invocation.
    pub batch_size: i32,
    /// How many times a failed batch is retried before its records go to
    /// the on-failure destination.
    pub maximum_retry_attempts: u32,
    /// The filter patterns, parsed.
    pub patterns: Vec<serde_json::Value>,
}

impl Template {
    /// Reads the template of the workspace at `root`.
    pub fn load(root: &Path) -> Result<Self> {
        let path = root.join("infra/template.yaml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text)
    }

    /// Parses a template's text.
    pub fn parse(text: &str) -> Result<Self> {
        let document: Value = serde_yaml::from_str(text).context("parsing the template")?;
        let resources = document
            .get("Resources")
            .and_then(Value::as_mapping)
            .cloned()
            .ok_or_else(|| anyhow!("the template has no Resources"))?;
        let mut parameters = BTreeMap::new();
        if let Some(map) = document.get("Parameters").and_then(Value::as_mapping) {
            for (name, spec) in map {
                let name = name.as_str().unwrap_or_default().to_string();
                let default = spec.get("Default").map(scalar).unwrap_or_default();
                parameters.insert(name, default);
            }
        }
        Ok(Self {
            resources,
            parameters,
        })
    }

    /// Replaces a parameter's default, as `--parameter-overrides` would.
    pub fn set_parameter(&mut self, name: &str, value: &str) {
        self.parameters.insert(name.to_string(), value.to_string());
    }

    /// The value of a parameter.
    pub fn parameter(&self, name: &str) -> Result<&str> {
        self.parameters
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| anyhow!("the template has no parameter {name}"))
    }

    /// The `Properties` of the only resource of `resource_type`.
    pub fn single(&self, resource_type: &str) -> Result<Value> {
        let mut found = self.of_type(resource_type);
        let first = found
            .next()
            .ok_or_else(|| anyhow!("the template has no {resource_type}"))?;
        if found.next().is_some() {
            bail!("the template has more than one {resource_type}");
        }
        Ok(first.1)
    }

    /// Logical ids and `Properties` of every resource of `resource_type`.
    pub fn of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = (String, Value)> + 'a {
        self.resources
            .iter()
            .filter(move |(_, resource)| {
                resource.get("Type").and_then(Value::as_str) == Some(resource_type)
            })
            .map(|(id, resource)| {
                let properties = resource
                    .get("Properties")
                    .cloned()
                    .unwrap_or(Value::Mapping(Default::default()));
                (id.as_str().unwrap_or_default().to_string(), properties)
            })
    }

    /// Resolves `!Ref Parameter` and plain strings to a string.
    pub fn resolve(&self, value: &Value) -> Result<String> {
        match value {
            Value::Tagged(tagged) if tagged.tag == "!Ref" => {
                let name = tagged.value.as_str().unwrap_or_default();
                Ok(self.parameter(name)?.to_string())
            }
            Value::Tagged(tagged) => bail!("cannot resolve {} locally", tagged.tag),
            other => Ok(scalar(other)),
        }
    }

    /// The only `DynamoDB` event of the template's functions.
    pub fn stream_trigger(&self) -> Result<StreamTrigger> {
        let mut found = Vec::new();
        for (id, resource) in &self.resources {
            let events = resource
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for event in events.into_iter().flat_map(|events| events.values()) {
                if event.get("Type").and_then(Value::as_str) != Some("DynamoDB") {
                    continue;
                }
                let function = resource
                    .get("Metadata")
                    .and_then(|m| m.get("BuildProperties"))
                    .and_then(|b| b.get("Binary"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| anyhow!("{id:?} has no Metadata.BuildProperties.Binary"))?;
                let properties = event.get("Properties").cloned().unwrap_or(Value::Null);
                let number = |name: &str| {
                    properties
                        .get(name)
                        .and_then(Value::as_i64)
                        .ok_or_else(|| anyhow!("the stream event of {id:?} has no {name}"))
                };
                let mut patterns = Vec::new();
                for filter in properties
                    .get("FilterCriteria")
                    .and_then(|f| f.get("Filters"))
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    let pattern = filter.get("Pattern").map(scalar).unwrap_or_default();
                    patterns.push(
                        serde_json::from_str(&pattern)
                            .with_context(|| format!("a filter pattern of {id:?}"))?,
                    );
                }
                found.push(StreamTrigger {
                    function: function.to_string(),
                    batch_size: i32::try_from(number("BatchSize")?)?,
                    maximum_retry_attempts: u32::try_from(number("MaximumRetryAttempts")?)?,
                    patterns,
                });
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            n => bail!("the template has {n} DynamoDB stream events, not one"),
        }
    }

    /// Every HTTP route of every function, from the functions' `HttpApi` events.
    pub fn routes(&self) -> Result<Vec<Route>> {
        let default_authorized = self
            .single("AWS::Serverless::HttpApi")?
            .get("Auth")
            .and_then(|auth| auth.get("DefaultAuthorizer"))
            .is_some();
        let mut routes = Vec::new();
        for (id, resource) in &self.resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let function = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("{id:?} has no Metadata.BuildProperties.Binary"))?;
            let events = resource
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for event in events.into_iter().flat_map(|events| events.values()) {
                if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let properties = event
                    .get("Properties")
                    .ok_or_else(|| anyhow!("an HttpApi event of {id:?} has no Properties"))?;
                let authorizer = properties
                    .get("Auth")
                    .and_then(|a| a.get("Authorizer"))
                    .and_then(Value::as_str);
                routes.push(Route {
                    method: properties
                        .get("Method")
                        .map(scalar)
                        .unwrap_or_default()
                        .to_uppercase(),
                    path: properties.get("Path").map(scalar).unwrap_or_default(),
                    function: function.to_string(),
                    authorized: match authorizer {
                        Some("NONE") => false,
                        Some(_) => true,
                        None => default_authorized,
                    },
                });
            }
        }
        routes.sort();
        Ok(routes)
    }
}

/// A scalar YAML value as a string (`true`, `8`, `text`).
pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A list of scalars (`[email]`) as strings.
pub fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_sequence)
        .map(|items| items.iter().map(scalar).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives inside the workspace")
            .to_path_buf()
    }

    #[test]
    fn every_route_is_served_by_the_local_router() {
        let template = Template::load(&workspace()).unwrap();
        let local: Vec<(String, String, String)> = crate::router::routes(&workspace())
            .unwrap()
            .into_iter()
            .map(|r| (r.path, r.method, r.function))
            .collect();
        let mut declared: Vec<(String, String, String)> = template
            .routes()
            .unwrap()
            .into_iter()
            .map(|r| (r.path, r.method, r.function))
            .collect();
        declared.sort();
        assert_eq!(
            local, declared,
            "[workspace.metadata.lambda.watch.router] in Cargo.toml must list exactly the routes of infra/template.yaml"
        );
    }
}
