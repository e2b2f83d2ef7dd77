//! `cargo xtask openapi`: writes the API contract generated from the code,
//! `shared/api/openapi.json`, and a page for people to read it,
//! `shared/api/index.html`, rendered here from the same document.
//!
//! The page is self-contained (no script, font or stylesheet from
//! elsewhere): the catalog function serves it at `GET /docs`, and the
//! machines that read it may be offline.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use cabinet::html::escape_html;
use serde_json::Value;

/// Where the committed document lives, relative to the workspace root.
pub const DOCUMENT: &str = "shared/api/openapi.json";
/// Where the committed page lives, relative to the workspace root.
pub const PAGE: &str = "shared/api/index.html";

/// The document and the page, as the code generates them now.
pub struct Generated {
    /// `openapi.json`: pretty JSON ending with a newline.
    pub document: String,
    /// `index.html`.
    pub page: String,
}

/// Generates the document from the code and renders its page.
pub fn generate() -> Result<Generated> {
    let document = cabinet::openapi::document_json();
    let value: Value = serde_json::from_str(&document).context("reading the document back")?;
    Ok(Generated {
        page: render_page(&value),
        document,
    })
}

/// Writes both files under the workspace `root`; returns their paths.
pub fn write(root: &Path) -> Result<[PathBuf; 2]> {
    let generated = generate()?;
    let document = root.join(DOCUMENT);
    let page = root.join(PAGE);
    if let Some(folder) = document.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    std::fs::write(&document, &generated.document)
        .with_context(|| format!("writing {}", document.display()))?;
    std::fs::write(&page, &generated.page)
        .with_context(|| format!("writing {}", page.display()))?;
    Ok([document, page])
}

const METHODS: [&str; 4] = ["get", "put", "post", "delete"];

const STYLE: &str = "
body { font: 15px/1.5 system-ui, sans-serif; color: #1d2330; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { margin-top: 0; } h2 { margin-top: 40px; border-bottom: 2px solid #d5dae3; }
section.op { background: #fff; border: 1px solid #d5dae3; border-radius: 6px; padding: 4px 20px 16px; margin: 18px 0; }
.method { display: inline-block; min-width: 64px; text-align: center; border-radius: 4px; color: #fff; font-weight: 600; padding: 0 6px; margin-right: 8px; }
.get { background: #2f7d32; } .post { background: #1f5fa8; } .put { background: #9a6700; } .delete { background: #b3261e; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f0f2f5; border-radius: 4px; padding: 10px; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #d5dae3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
.lock { color: #9a6700; } .status { font-weight: 600; }
details { margin: 6px 0; } summary { cursor: pointer; }
nav ul { columns: 2; } nav li { break-inside: avoid; }
";

/// The page of `document`: contents, every operation with its parameters,
/// body, answers and examples, then every schema.
pub fn render_page(document: &Value) -> String {
    let info = &document["info"];
    let title = text(&info["title"]);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — описание API</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape_html(&title)
    );
    let _ = writeln!(
        html,
        "<h1>{}</h1>\n<p>Версия {}, OpenAPI {}. Машиночитаемый документ: \
         <a href=\"openapi.json\"><code>/openapi.json</code></a>.</p>",
        escape_html(&title),
        escape_html(&text(&info["version"])),
        escape_html(&text(&document["openapi"]))
    );
    html.push_str(&paragraphs(&text(&info["description"])));
    html.push_str("<h2>Серверы</h2>\n<ul>\n");
    for server in array(&document["servers"]) {
        let _ = writeln!(
            html,
            "<li><code>{}</code> — {}</li>",
            escape_html(&text(&server["url"])),
            inline(&text(&server["description"]))
        );
    }
    html.push_str("</ul>\n");

    let operations = operations(document);
    html.push_str("<nav>\n<h2>Операции</h2>\n");
    for tag in array(&document["tags"]) {
        let name = text(&tag["name"]);
        let _ = writeln!(
            html,
            "<h3>{}</h3>\n<ul>",
            inline(&text(&tag["description"]))
        );
        for operation in operations.iter().filter(|o| o.tag == name) {
            let _ = writeln!(
                html,
                "<li><a href=\"#{}\"><span class=\"method {}\">{}</span><code>{}</code></a> — {}</li>",
                escape_html(&operation.id),
                operation.method,
                operation.method.to_uppercase(),
                escape_html(&operation.path),
                escape_html(&text(&operation.value["summary"]))
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</nav>\n");

    for tag in array(&document["tags"]) {
        let name = text(&tag["name"]);
        let _ = writeln!(html, "<h2>{}</h2>", inline(&text(&tag["description"])));
        for operation in operations.iter().filter(|o| o.tag == name) {
            render_operation(&mut html, operation, &document["components"]["examples"]);
        }
    }

    html.push_str("<h2>Схемы</h2>\n");
    if let Some(schemas) = document["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            render_schema(&mut html, name, schema);
        }
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

struct Op<'a> {
    method: &'static str,
    path: String,
    id: String,
    tag: String,
    value: &'a Value,
}

fn operations(document: &Value) -> Vec<Op<'_>> {
    let mut found = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                let Some(value) = item.get(method) else {
                    continue;
                };
                found.push(Op {
                    method,
                    path: path.clone(),
                    id: text(&value["operationId"]),
                    tag: array(&value["tags"]).first().map(text).unwrap_or_default(),
                    value,
                });
            }
        }
    }
    found
}

fn render_operation(html: &mut String, operation: &Op<'_>, examples: &Value) {
    let value = operation.value;
    let _ = writeln!(
        html,
        "<section class=\"op\" id=\"{}\">\n<h3><span class=\"method {}\">{}</span><code>{}</code></h3>\n<p><strong>{}</strong></p>",
        escape_html(&operation.id),
        operation.method,
        operation.method.to_uppercase(),
        escape_html(&operation.path),
        escape_html(&text(&value["summary"]))
    );
    html.push_str(&paragraphs(&text(&value["description"])));
    if value.get("security").is_some() {
        html.push_str(
            "<p class=\"lock\">🔒 Требуется вход: заголовок <code>Authorization: Bearer &lt;токен доступа&gt;</code>.</p>\n",
        );
    } else {
        html.push_str("<p>Без входа.</p>\n");
    }

    let parameters = array(&value["parameters"]);
    if !parameters.is_empty() {
        html.push_str(
            "<h4>Параметры</h4>\n<table>\n<tr><th>имя</th><th>где</th><th>обязателен</th><th>тип</th><th>описание</th><th>пример</th></tr>\n",
        );
        for parameter in parameters {
            let _ = writeln!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_html(&text(&parameter["name"])),
                escape_html(&text(&parameter["in"])),
                yes_no(parameter["required"].as_bool().unwrap_or(false)),
                type_of(&parameter["schema"]),
                inline(&text(&parameter["description"])),
                example_cell(&parameter["example"])
            );
        }
        html.push_str("</table>\n");
    }

    if let Some(body) = value.get("requestBody") {
        let required = body["required"].as_bool().unwrap_or(false);
        let _ = writeln!(
            html,
            "<h4>Тело запроса{}</h4>",
            if required {
                ""
            } else {
                " (необязательно)"
            }
        );
        if let Some(description) = body["description"].as_str() {
            html.push_str(&paragraphs(description));
        }
        render_content(html, &body["content"], examples);
    }

    html.push_str("<h4>Ответы</h4>\n");
    if let Some(responses) = value["responses"].as_object() {
        for (status, response) in responses {
            let _ = writeln!(
                html,
                "<details{}><summary><span class=\"status\">{}</span> — {}</summary>",
                if status.starts_with('2') { " open" } else { "" },
                escape_html(status),
                inline(&text(&response["description"]))
            );
            if let Some(headers) = response["headers"].as_object() {
                html.push_str("<table>\n<tr><th>заголовок</th><th>описание</th></tr>\n");
                for (name, header) in headers {
                    let _ = writeln!(
                        html,
                        "<tr><td><code>{}</code></td><td>{}</td></tr>",
                        escape_html(name),
                        inline(&text(&header["description"]))
                    );
                }
                html.push_str("</table>\n");
            }
            render_content(html, &response["content"], examples);
            html.push_str("</details>\n");
        }
    }
    html.push_str("</section>\n");
}

/// The media types of `content` with their schemas and examples; `shared`
/// is `components.examples`, where problem examples live.
fn render_content(html: &mut String, content: &Value, shared: &Value) {
    let Some(content) = content.as_object() else {
        return;
    };
    for (media_type, media) in content {
        let _ = writeln!(
            html,
            "<p><code>{}</code>: {}</p>",
            escape_html(media_type),
            type_of(&media["schema"])
        );
        if let Some(example) = media.get("example") {
            let _ = writeln!(
                html,
                "<p>Пример:</p>\n<pre>{}</pre>",
                escape_html(&pretty(example))
            );
        }
        if let Some(examples) = media["examples"].as_object() {
            for (name, example) in examples {
                let example = resolve(example, shared);
                let _ = writeln!(
                    html,
                    "<p><code>{}</code> — {}</p>\n<pre>{}</pre>",
                    escape_html(name),
                    escape_html(&text(&example["summary"])),
                    escape_html(&pretty(&example["value"]))
                );
            }
        }
    }
}

/// An example, or the one of `components.examples` it refers to.
fn resolve<'a>(example: &'a Value, shared: &'a Value) -> &'a Value {
    match example["$ref"].as_str() {
        Some(reference) => &shared[reference.rsplit('/').next().unwrap_or_default()],
        None => example,
    }
}

fn render_schema(html: &mut String, name: &str, schema: &Value) {
    let _ = writeln!(
        html,
        "<section class=\"op\" id=\"schema-{0}\">\n<h3><code>{0}</code></h3>",
        escape_html(name)
    );
    if let Some(description) = schema["description"].as_str() {
        html.push_str(&paragraphs(description));
    }
    render_schema_body(html, schema);
    html.push_str("</section>\n");
}

fn render_schema_body(html: &mut String, schema: &Value) {
    if let Some(variants) = schema["oneOf"].as_array() {
        html.push_str("<p>Одно из:</p>\n");
        for variant in variants {
            html.push_str("<div>\n");
            render_schema_body(html, variant);
            html.push_str("</div>\n");
        }
        return;
    }
    let Some(properties) = schema["properties"].as_object() else {
        let _ = writeln!(html, "<p>Тип: {}</p>", type_of(schema));
        return;
    };
    let required: Vec<String> = array(&schema["required"]).iter().map(text).collect();
    html.push_str(
        "<table>\n<tr><th>поле</th><th>тип</th><th>всегда есть</th><th>описание</th></tr>\n",
    );
    for (field, property) in properties {
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(field),
            type_of(property),
            yes_no(required.contains(field)),
            inline(&text(&property["description"]))
        );
    }
    html.push_str("</table>\n");
    if schema["additionalProperties"] == Value::Bool(false) {
        html.push_str("<p>Другие поля не допускаются.</p>\n");
    }
}

/// A short reading of a schema: its type, a link to a named schema, the
/// values of an enumeration.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return format!(
            "<a href=\"#schema-{0}\"><code>{0}</code></a>",
            escape_html(name)
        );
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combinator].as_array() {
            let parts: Vec<String> = variants.iter().map(type_of).collect();
            return parts.join(" | ");
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape_html(&pretty(v))))
            .collect();
        return format!("одно из {}", values.join(", "));
    }
    let types: Vec<String> = match &schema["type"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many.iter().map(text).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return "любое значение".to_string();
    }
    let described: Vec<String> = types
        .iter()
        .map(|kind| match kind.as_str() {
            "array" => format!("array of {}", type_of(&schema["items"])),
            "object" if schema["additionalProperties"].is_object() => {
                format!("object of {}", type_of(&schema["additionalProperties"]))
            }
            _ => {
                let format = schema["format"]
                    .as_str()
                    .map(|f| format!(" ({})", escape_html(f)))
                    .unwrap_or_default();
                format!("{}{format}", escape_html(kind))
            }
        })
        .collect();
    described.join(" | ")
}

fn example_cell(example: &Value) -> String {
    if example.is_null() {
        String::new()
    } else {
        format!("<code>{}</code>", escape_html(&text_or_json(example)))
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "да" } else { "нет" }
}

fn text(value: &Value) -> String {
    value.as_str().map(str::to_string).unwrap_or_default()
}

fn text_or_json(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

fn array(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Paragraphs of a description, blank lines between them.
fn paragraphs(description: &str) -> String {
    description
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>\n", inline(p)))
        .collect()
}

/// Escapes `text` and shows its `code` spans as code.
fn inline(text: &str) -> String {
    let mut html = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(html, "<code>{}</code>", escape_html(part));
        } else {
            html.push_str(&escape_html(part));
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::process::Command;

    use super::*;
    use crate::template::Template;

    fn root() -> PathBuf {
        crate::workspace_root()
    }

    fn document() -> Value {
        serde_json::from_str(&cabinet::openapi::document_json()).expect("the document is JSON")
    }

    /// (method, path, operation) of every operation of the document.
    fn operations_of(document: &Value) -> Vec<(String, String, Value)> {
        super::operations(document)
            .into_iter()
            .map(|op| (op.method.to_uppercase(), op.path, op.value.clone()))
            .collect()
    }

    #[test]
    fn the_committed_contract_is_the_one_the_code_generates() {
        let generated = generate().unwrap();
        for (file, now) in [(DOCUMENT, &generated.document), (PAGE, &generated.page)] {
            let committed = std::fs::read_to_string(root().join(file)).unwrap_or_default();
            assert!(
                committed == *now,
                "{file} is not what the code generates: run `cargo xtask openapi` and commit it"
            );
        }
    }

    #[test]
    fn the_document_has_exactly_the_routes_of_the_router() {
        let documented: BTreeSet<(String, String)> = operations_of(&document())
            .into_iter()
            .map(|(method, path, _)| (method, path))
            .collect();
        let routed: BTreeSet<(String, String)> = crate::router::routes(&root())
            .unwrap()
            .into_iter()
            .map(|route| (route.method, route.path))
            .collect();
        assert_eq!(
            documented, routed,
            "the OpenAPI document must describe exactly the routes of \
             [workspace.metadata.lambda.watch.router] in Cargo.toml"
        );
    }

    #[test]
    fn exactly_the_routes_behind_the_authorizer_need_a_bearer_token() {
        let template = Template::load(&root()).unwrap();
        let protected: BTreeSet<(String, String)> = template
            .routes()
            .unwrap()
            .into_iter()
            .filter(|route| route.authorized)
            .map(|route| (route.method, route.path))
            .collect();
        let document = document();
        let mut with_bearer = BTreeSet::new();
        for (method, path, operation) in operations_of(&document) {
            if let Some(security) = operation.get("security") {
                assert_eq!(
                    *security,
                    serde_json::json!([{ cabinet::openapi::BEARER: [] }]),
                    "{method} {path}"
                );
                with_bearer.insert((method, path));
            }
        }
        assert_eq!(with_bearer, protected);
        let scheme = &document["components"]["securitySchemes"][cabinet::openapi::BEARER];
        assert_eq!(scheme["type"], "http");
        assert_eq!(scheme["scheme"], "bearer");
        assert_eq!(scheme["bearerFormat"], "JWT");
    }

    #[test]
    fn query_parameters_are_the_ones_the_handlers_take() {
        use cabinet::handlers::{ORDER_LIST_PARAMETERS, catalog, profile};
        let taken = |method: &str, path: &str| -> &'static [&'static str] {
            match (method, path) {
                ("GET", "/catalog/services") => catalog::SERVICES_PARAMETERS,
                ("GET", "/catalog/services/{serviceId}/providers") => catalog::PROVIDERS_PARAMETERS,
                ("POST", "/unsubscribe") => profile::UNSUBSCRIBE_PARAMETERS,
                ("GET", "/orders") | ("GET", "/executor/orders") => ORDER_LIST_PARAMETERS,
                _ => &[],
            }
        };
        for (method, path, operation) in operations_of(&document()) {
            let documented: BTreeSet<String> = array(&operation["parameters"])
                .iter()
                .filter(|parameter| parameter["in"] == "query")
                .map(|parameter| text(&parameter["name"]))
                .collect();
            let handled: BTreeSet<String> = taken(&method, &path)
                .iter()
                .map(|name| name.to_string())
                .collect();
            assert_eq!(documented, handled, "query parameters of {method} {path}");
        }
    }

    #[test]
    fn every_operation_has_a_summary_an_example_and_its_problems() {
        for (method, path, operation) in operations_of(&document()) {
            let name = format!("{method} {path}");
            assert!(!text(&operation["summary"]).is_empty(), "{name}: summary");
            assert!(
                !text(&operation["description"]).is_empty(),
                "{name}: description"
            );
            let responses = operation["responses"].as_object().unwrap();
            let success: Vec<&Value> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .map(|(_, response)| response)
                .collect();
            assert!(!success.is_empty(), "{name}: a success answer");
            for response in success {
                for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                    assert!(
                        media.get("example").is_some(),
                        "{name}: an example of {media_type}"
                    );
                }
            }
            if let Some(body) = operation["requestBody"]["content"].as_object() {
                for (media_type, media) in body {
                    assert!(
                        media.get("example").is_some(),
                        "{name}: an example of the {media_type} body"
                    );
                }
            }
            let problems: Vec<(&String, &Value)> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
                .collect();
            assert!(
                problems.iter().any(|(status, _)| status.starts_with('4')),
                "{name}: a 4xx problem"
            );
            for (status, response) in problems {
                let media = &response["content"][cabinet::error::PROBLEM_JSON];
                assert_eq!(
                    media["schema"]["$ref"], "#/components/schemas/Problem",
                    "{name} {status}"
                );
                assert!(
                    media["examples"].as_object().is_some_and(|e| !e.is_empty()),
                    "{name} {status}: an example of each problem"
                );
            }
            for parameter in array(&operation["parameters"]) {
                assert!(
                    !parameter["example"].is_null() && !text(&parameter["description"]).is_empty(),
                    "{name}: parameter {} needs a description and an example",
                    parameter["name"]
                );
            }
        }
    }

    #[test]
    fn the_document_is_valid_openapi_3_1_and_its_examples_fit_their_schemas() {
        let root = root();
        let python = crate::tools::venv_bin(&root, "python");
        assert!(
            python.exists(),
            "{} is missing: `cargo xtask test` installs requirements-dev.txt into .venv",
            python.display()
        );
        let file =
            std::env::temp_dir().join(format!("cabinet-openapi-{}.json", std::process::id()));
        std::fs::write(&file, cabinet::openapi::document_json()).unwrap();
        let output = Command::new(&python)
            .arg(root.join("xtask/src/check_openapi.py"))
            .arg(&file)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(
            output.status.success(),
            "the OpenAPI document is not valid:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn the_page_shows_every_operation_and_loads_nothing_from_elsewhere() {
        let document = document();
        let page = render_page(&document);
        for (method, path, operation) in operations_of(&document) {
            assert!(
                page.contains(&format!("id=\"{}\"", text(&operation["operationId"]))),
                "{method} {path}"
            );
            assert!(
                page.contains(&format!("<code>{}</code>", escape_html(&path))),
                "{path}"
            );
        }
        for schema in document["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(
                page.contains(&format!("id=\"schema-{schema}\"")),
                "{schema}"
            );
        }
        // Problems are shared examples: the page shows them, not a reference.
        let unauthorized = cabinet::ApiError::unauthorized();
        assert!(page.contains(&escape_html(&unauthorized.detail)));
        assert!(!page.contains("<pre>null</pre>"));
        for foreign in ["<script", "<link", "src=", "@import", "url("] {
            assert!(!page.contains(foreign), "the page holds {foreign}");
        }
    }

    #[test]
    fn the_page_escapes_what_the_document_says() {
        assert_eq!(
            inline("a `<b>` & \"c\""),
            "a <code>&lt;b&gt;</code> &amp; &quot;c&quot;"
        );
    }
}
