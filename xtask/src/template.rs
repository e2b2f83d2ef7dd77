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
    globals: Value,
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
        let globals = document.get("Globals").cloned().unwrap_or(Value::Null);
        Ok(Self {
            resources,
            parameters,
            globals,
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

    /// The `Properties` of the resource `logical_id`, which must be of
    /// `resource_type`.
    pub fn properties(&self, logical_id: &str, resource_type: &str) -> Result<Value> {
        let resource = self
            .resources
            .get(logical_id)
            .ok_or_else(|| anyhow!("the template has no resource {logical_id}"))?;
        let found = resource.get("Type").and_then(Value::as_str);
        if found != Some(resource_type) {
            bail!("{logical_id} is a {found:?}, not a {resource_type}");
        }
        Ok(resource
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Mapping(Default::default())))
    }

    /// The `Metadata` of every resource that has one, by logical id.
    pub fn metadata(&self) -> impl Iterator<Item = (String, &Value)> + '_ {
        self.resources.iter().filter_map(|(id, resource)| {
            let metadata = resource.get("Metadata")?;
            Some((id.as_str().unwrap_or_default().to_string(), metadata))
        })
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

/// What the execution role of one function allows, as the template
/// declares it (for a role SAM generates, with what SAM adds to it).
#[derive(Debug, Clone)]
pub struct FunctionPermissions {
    /// Logical id of the function.
    pub function: String,
    /// Statements written out in the template, inline in the function's
    /// `Policies`, in its role or in policies attached to its role.
    pub statements: Vec<Statement>,
    /// AWS managed or other policies attached by ARN or name, whose
    /// statements the template does not show; for a role SAM generates,
    /// the policies SAM attaches by itself too.
    pub managed_policies: Vec<String>,
    /// SAM policy templates (`DynamoDBCrudPolicy`, ...) by name.
    pub policy_templates: Vec<String>,
}

/// One statement of an IAM policy, with intrinsic functions written out
/// as text: `!GetAtt Table.Arn` is `${Table.Arn}`, `!Ref X` is `${X}`,
/// `!Sub "text"` is its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Where the statement is: the role or function and policy.
    pub origin: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `Action`, or `NotAction` prefixed with `!`.
    pub actions: Vec<String>,
    /// `Resource`, or `NotResource` prefixed with `!`.
    pub resources: Vec<String>,
}

/// Policy SAM attaches to every role it generates for a function.
const SAM_BASIC_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
/// Policy SAM attaches to a generated role when tracing is active.
const SAM_TRACING_POLICY: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";

impl Template {
    /// The permissions of every `AWS::Serverless::Function`, by logical id.
    ///
    /// A function with a `Role` must name a role of the template
    /// (`!GetAtt <Role>.Arn`); its statements are the role's `Policies`
    /// and those of `AWS::IAM::Policy`/`ManagedPolicy` resources attached
    /// to it. A function without one gets the role SAM generates: its
    /// `Policies` (statements, managed policies, policy templates) plus the
    /// managed policies SAM attaches by itself (basic execution, X-Ray
    /// when tracing is active, the execution role of each stream or queue
    /// event). Anything else is an error, so nothing goes unread.
    pub fn function_permissions(&self) -> Result<Vec<FunctionPermissions>> {
        let mut all = Vec::new();
        for (id, properties) in self.of_type("AWS::Serverless::Function") {
            let mut permissions = FunctionPermissions {
                function: id.clone(),
                statements: Vec::new(),
                managed_policies: Vec::new(),
                policy_templates: Vec::new(),
            };
            match properties.get("Role") {
                Some(role) => self.role_permissions(&id, role, &mut permissions)?,
                None => self.generated_role_permissions(&id, &properties, &mut permissions)?,
            }
            all.push(permissions);
        }
        Ok(all)
    }

    fn role_permissions(
        &self,
        function: &str,
        role: &Value,
        permissions: &mut FunctionPermissions,
    ) -> Result<()> {
        let rendered = render(role)?;
        let role_id = rendered
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix(".Arn}"))
            .ok_or_else(|| {
                anyhow!(
                    "the Role of {function} is {rendered}, not !GetAtt <a role of the template>.Arn"
                )
            })?;
        let role = self.properties(role_id, "AWS::IAM::Role")?;
        for policy in role
            .get("Policies")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let name = policy.get("PolicyName").map(scalar).unwrap_or_default();
            let document = policy
                .get("PolicyDocument")
                .ok_or_else(|| anyhow!("policy {name} of {role_id} has no PolicyDocument"))?;
            permissions
                .statements
                .extend(statements(&format!("{role_id}/{name}"), document)?);
        }
        for arn in role
            .get("ManagedPolicyArns")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            permissions.managed_policies.push(render(arn)?);
        }
        for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
            for (policy_id, policy) in self.of_type(kind) {
                let attached = policy
                    .get("Roles")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .any(|r| render(r).is_ok_and(|r| r == format!("${{{role_id}}}")));
                if attached {
                    let document = policy
                        .get("PolicyDocument")
                        .ok_or_else(|| anyhow!("{policy_id} has no PolicyDocument"))?;
                    permissions
                        .statements
                        .extend(statements(&policy_id, document)?);
                }
            }
        }
        Ok(())
    }

    fn generated_role_permissions(
        &self,
        function: &str,
        properties: &Value,
        permissions: &mut FunctionPermissions,
    ) -> Result<()> {
        permissions
            .managed_policies
            .push(SAM_BASIC_POLICY.to_string());
        let tracing = properties
            .get("Tracing")
            .or_else(|| self.globals.get("Function").and_then(|f| f.get("Tracing")))
            .map(scalar);
        if tracing.as_deref() == Some("Active") {
            permissions
                .managed_policies
                .push(SAM_TRACING_POLICY.to_string());
        }
        let events = properties.get("Events").and_then(Value::as_mapping);
        for event in events.into_iter().flat_map(|events| events.values()) {
            let policy = match event.get("Type").and_then(Value::as_str) {
                Some("DynamoDB") => "service-role/AWSLambdaDynamoDBExecutionRole",
                Some("Kinesis") => "service-role/AWSLambdaKinesisExecutionRole",
                Some("SQS") => "service-role/AWSLambdaSQSQueueExecutionRole",
                _ => continue,
            };
            permissions
                .managed_policies
                .push(format!("arn:aws:iam::aws:policy/{policy}"));
        }
        let policies = match properties.get("Policies") {
            None => Vec::new(),
            Some(Value::Sequence(items)) => items.clone(),
            Some(single) => vec![single.clone()],
        };
        for (index, policy) in policies.iter().enumerate() {
            let origin = format!("{function}/Policies[{index}]");
            match policy {
                Value::Mapping(map) if map.contains_key("Statement") => {
                    permissions.statements.extend(statements(&origin, policy)?);
                }
                Value::Mapping(map) if map.len() == 1 => {
                    let name = map.keys().next().map(scalar).unwrap_or_default();
                    permissions.policy_templates.push(name);
                }
                Value::String(_) | Value::Tagged(_) => {
                    permissions.managed_policies.push(render(policy)?);
                }
                other => bail!(
                    "{origin} is neither a statement, a managed policy nor a policy template: {other:?}"
                ),
            }
        }
        Ok(())
    }
}

/// The statements of a policy document.
fn statements(origin: &str, document: &Value) -> Result<Vec<Statement>> {
    let list = match document.get("Statement") {
        Some(Value::Sequence(items)) => items.clone(),
        Some(single @ Value::Mapping(_)) => vec![single.clone()],
        _ => bail!("the policy {origin} has no Statement"),
    };
    list.iter()
        .map(|statement| {
            let mut actions = texts(statement.get("Action"))?;
            actions.extend(
                texts(statement.get("NotAction"))?
                    .into_iter()
                    .map(|a| format!("!{a}")),
            );
            let mut resources = texts(statement.get("Resource"))?;
            resources.extend(
                texts(statement.get("NotResource"))?
                    .into_iter()
                    .map(|r| format!("!{r}")),
            );
            Ok(Statement {
                origin: origin.to_string(),
                effect: statement.get("Effect").map(scalar).unwrap_or_default(),
                actions,
                resources,
            })
        })
        .collect()
}

/// One value or a list of values, each written out by [`render`].
fn texts(value: Option<&Value>) -> Result<Vec<String>> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items.iter().map(render).collect(),
        Some(one) => Ok(vec![render(one)?]),
    }
}

/// A string, `!Ref`, `!GetAtt` or `!Sub` (short or long form) written out
/// as text in `!Sub` syntax; other intrinsic functions are an error.
pub fn render(value: &Value) -> Result<String> {
    let (function, argument) = match value {
        Value::String(text) => return Ok(text.clone()),
        Value::Tagged(tagged) => (
            tagged.tag.to_string().trim_start_matches('!').to_string(),
            &tagged.value,
        ),
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next().expect("the mapping has one entry");
            let key = key.as_str().unwrap_or_default();
            match key {
                "Ref" => ("Ref".to_string(), argument),
                _ => match key.strip_prefix("Fn::") {
                    Some(name) => (name.to_string(), argument),
                    None => bail!("cannot write out {value:?}"),
                },
            }
        }
        other => bail!("cannot write out {other:?}"),
    };
    match (function.as_str(), argument) {
        ("Ref", Value::String(name)) => Ok(format!("${{{name}}}")),
        ("GetAtt", Value::String(path)) => Ok(format!("${{{path}}}")),
        ("GetAtt", Value::Sequence(parts)) => {
            let parts: Vec<String> = parts.iter().map(scalar).collect();
            Ok(format!("${{{}}}", parts.join(".")))
        }
        ("Sub", Value::String(text)) => Ok(text.clone()),
        ("Sub", Value::Sequence(parts)) => match parts.first() {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => bail!("cannot write out !Sub {parts:?}"),
        },
        (name, argument) => bail!("cannot write out !{name} {argument:?}"),
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

    /// Actions AWS authorises only against `Resource: "*"`, each with why.
    const ANY_RESOURCE_ACTIONS: [(&str, &str); 2] = [
        (
            "xray:PutTraceSegments",
            "X-Ray defines no resource types: segments are sent to the account, not to a resource",
        ),
        (
            "xray:PutTelemetryRecords",
            "X-Ray defines no resource types: telemetry is sent to the account",
        ),
    ];

    /// The needless wildcards of one function's permissions, one line each
    /// (the rule is in the doc comment of
    /// [`no_function_is_granted_a_wildcard_it_does_not_need`]).
    fn needless_wildcards(permissions: &FunctionPermissions) -> Vec<String> {
        let function = &permissions.function;
        let mut found = Vec::new();
        for name in &permissions.policy_templates {
            found.push(format!(
                "{function}: SAM policy template {name} grants a whole table or bucket"
            ));
        }
        for arn in &permissions.managed_policies {
            found.push(format!(
                "{function}: managed policy {arn}, whose statements the template does not show"
            ));
        }
        for statement in &permissions.statements {
            if statement.effect != "Allow" {
                continue;
            }
            let origin = &statement.origin;
            for action in &statement.actions {
                if let Some(inverse) = action.strip_prefix('!') {
                    found.push(format!("{origin}: NotAction {inverse}"));
                } else if action.contains('*') {
                    found.push(format!("{origin}: action {action}"));
                }
            }
            for resource in &statement.resources {
                if let Some(inverse) = resource.strip_prefix('!') {
                    found.push(format!("{origin}: NotResource {inverse}"));
                } else if resource == "*" {
                    let needed = statement.actions.iter().all(|action| {
                        ANY_RESOURCE_ACTIONS
                            .iter()
                            .any(|(allowed, _)| allowed == action)
                    });
                    if !needed {
                        found.push(format!(
                            "{origin}: resource * for {}",
                            statement.actions.join(", ")
                        ));
                    }
                } else if resource.contains('*') && !is_key_prefix(resource) {
                    found.push(format!("{origin}: resource {resource}"));
                }
            }
        }
        found
    }

    /// Whether a resource with `*` is a key prefix: `*` only at the end,
    /// after `/`, below at least one literal path segment under the
    /// resource it names (`${Bucket.Arn}/orders/*`, `${Table.Arn}/stream/*`,
    /// `arn:aws:s3:::bucket/orders/*`), not every key (`${Bucket.Arn}/*`).
    fn is_key_prefix(resource: &str) -> bool {
        let Some(under) = resource.strip_suffix("/*") else {
            return false;
        };
        if under.contains('*') {
            return false;
        }
        // The literal part after the last substitution, or the part after
        // the ARN's last `:` for an ARN written out.
        let literal = match under.rfind('}') {
            Some(end) => &under[end + 1..],
            None => under.rsplit(':').next().unwrap_or_default(),
        };
        let mut segments = literal.split('/');
        // `${X.Arn}/a`: an empty first segment, then `a`; `bucket/a` for a
        // written-out S3 ARN: the bucket, then `a`.
        segments.next();
        let rest: Vec<&str> = segments.collect();
        !rest.is_empty() && rest.iter().all(|segment| !segment.is_empty())
    }

    /// Every function's execution role grants only what the function
    /// needs; a wildcard is allowed where AWS leaves no narrower choice.
    ///
    /// The rule, for the permissions [`Template::function_permissions`]
    /// reads (a role of the template, or the role SAM generates with what
    /// SAM adds to it):
    /// - a SAM policy template is reported: each grants a whole table or
    ///   bucket by name (`DynamoDBCrudPolicy` also `Scan`, deletes and
    ///   batch writes of every item), while every function here is held to
    ///   the key prefixes it serves by inline statements;
    /// - a managed policy is reported: its statements are not in the
    ///   template, and those SAM attaches to a role it generates
    ///   (`AWSLambdaBasicExecutionRole`, `AWSXrayWriteOnlyAccess`,
    ///   `AWSLambdaDynamoDBExecutionRole`, ...) allow their actions on `*`:
    ///   writing into every log group, reading every stream of the account;
    /// - in an `Allow` statement, an action with `*` (`dynamodb:*`, `s3:*`,
    ///   `*`, `s3:Get*`) is reported, and so are `NotAction` and
    ///   `NotResource`;
    /// - `Resource: "*"` is reported unless every action of the statement
    ///   is one AWS authorises only on `*` ([`ANY_RESOURCE_ACTIONS`], each
    ///   with the reason);
    /// - any other `*` in a resource is allowed only as a key prefix: at
    ///   the end, after `/`, below at least one literal segment under the
    ///   resource it names (`${AttachmentsBucket.Arn}/orders/*`: the
    ///   objects under `orders/`; `${Table.Arn}/stream/*`: the table's
    ///   streams); `${AttachmentsBucket.Arn}/*`, every object of the
    ///   bucket, is reported.
    ///
    /// `Deny` statements may use wildcards. Which actions each function
    /// needs is checked against its handlers by review; the statements'
    /// comments name the calls they serve.
    #[test]
    fn no_function_is_granted_a_wildcard_it_does_not_need() {
        let template = Template::load(&workspace()).unwrap();
        let permissions = template.function_permissions().unwrap();
        assert!(
            permissions.len() >= 6,
            "every function of the template is read"
        );
        let found: Vec<String> = permissions.iter().flat_map(needless_wildcards).collect();
        assert!(
            found.is_empty(),
            "needless wildcards in infra/template.yaml:\n{}",
            found.join("\n")
        );
    }

    const WILDCARDS: &str = r#"
Globals:
  Function:
    Tracing: Active
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Table:
    Type: AWS::DynamoDB::Table
  Generated:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Table
        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
        - Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource: !GetAtt Table.Arn
            - Effect: Allow
              Action: [s3:GetObject, xray:PutTraceSegments]
              Resource: "*"
            - Effect: Allow
              Action: s3:PutObject
              Resource: !Sub "${Bucket.Arn}/*"
            - Effect: Allow
              NotAction: s3:DeleteBucket
              Resource: !Sub "${Bucket.Arn}/orders/*"
            - Effect: Deny
              Action: "*"
              Resource: "*"
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
  Scoped:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt ScopedRole.Arn
  ScopedRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: access
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [xray:PutTraceSegments, xray:PutTelemetryRecords]
                Resource: "*"
              - Effect: Allow
                Action: [s3:GetObject]
                Resource:
                  - !Sub "${Bucket.Arn}/orders/*"
                  - arn:aws:s3:::other-bucket/pending/uploads/*
                  - !Sub "${Table.Arn}/stream/*"
                  - Fn::GetAtt: [Table, StreamArn]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      Roles: [!Ref ScopedRole]
      PolicyDocument:
        Statement:
          Effect: Allow
          Action: s3:DeleteObject
          Resource: arn:aws:s3:::other-bucket/*
"#;

    fn findings_of(function: &str) -> Vec<String> {
        let template = Template::parse(WILDCARDS).unwrap();
        let permissions = template.function_permissions().unwrap();
        let permissions = permissions.iter().find(|p| p.function == function).unwrap();
        needless_wildcards(permissions)
    }

    #[test]
    fn the_rule_reports_every_kind_of_needless_wildcard() {
        let found = findings_of("Generated");
        let expected = [
            "Generated: SAM policy template DynamoDBCrudPolicy grants a whole table or bucket",
            "Generated: managed policy arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole, whose statements the template does not show",
            "Generated: managed policy arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess, whose statements the template does not show",
            "Generated: managed policy arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole, whose statements the template does not show",
            "Generated: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, whose statements the template does not show",
            "Generated/Policies[2]: action dynamodb:*",
            "Generated/Policies[2]: resource * for s3:GetObject, xray:PutTraceSegments",
            "Generated/Policies[2]: resource ${Bucket.Arn}/*",
            "Generated/Policies[2]: NotAction s3:DeleteBucket",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn the_rule_allows_key_prefixes_and_what_aws_authorises_only_on_any_resource() {
        assert_eq!(
            findings_of("Scoped"),
            ["Extra: resource arn:aws:s3:::other-bucket/*"],
            "only the whole other bucket, from the policy attached to the role, is reported"
        );
    }

    /// A checkov check is skipped only on its resource, in
    /// `Metadata.checkov.skip`, each with the reason as its `comment`; no
    /// `checkov:skip=` comment skips one where the reason could be missing.
    #[test]
    fn every_skipped_check_says_why() {
        let text = std::fs::read_to_string(workspace().join("infra/template.yaml")).unwrap();
        assert!(
            !text.contains("checkov:skip"),
            "skip checks in Metadata.checkov.skip with a comment, not in YAML comments"
        );
        let template = Template::parse(&text).unwrap();
        let mut skipped = 0;
        for (id, metadata) in template.metadata() {
            let skips = metadata
                .get("checkov")
                .and_then(|c| c.get("skip"))
                .and_then(Value::as_sequence);
            for skip in skips.into_iter().flatten() {
                let check = skip.get("id").map(scalar).unwrap_or_default();
                let comment = skip.get("comment").map(scalar).unwrap_or_default();
                assert!(check.starts_with("CKV_"), "{id}: a skip without a check id");
                assert!(
                    comment.split_whitespace().count() >= 8,
                    "{id}: the skip of {check} must say why, in a sentence"
                );
                skipped += 1;
            }
        }
        assert!(skipped > 0, "the skips are read from Metadata");
    }
}
