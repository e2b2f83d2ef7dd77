//! Harness of the integration tests: one moto server per test process, and
//! for every test its own table, bucket and user pool, created from
//! `infra/template.yaml` exactly as the local stack creates them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use xtask::provision::{Names, Provisioned, provision};
use xtask::template::Template;

/// The signing key of unsubscribe links in the tests.
pub const UNSUBSCRIBE_SECRET: &str = "test-unsubscribe-key-0123456789abcdef-0123";

/// Where the tests' e-mails link to the cabinet (`PORTAL_BASE_URL`).
pub const PORTAL_BASE_URL: &str = "https://portal.test/cabinet";

/// Where the tests' e-mails link to the API (`API_BASE_URL`).
pub const API_BASE_URL: &str = "https://api.test";

pub use xtask::accounts::attribute;

/// The attributes the template's pool requires of every account besides
/// `email`: Cognito (and the local emulator) refuse a sign-up without them.
pub const REQUIRED_ATTRIBUTES: [(&str, &str); 3] = [
    ("given_name", "Анна"),
    ("family_name", "Иванова"),
    ("phone_number", "+79001112233"),
];

/// The unsubscribe key of the tests, shared by the notifier and the profile.
pub fn unsubscribe_key() -> cabinet::unsubscribe::UnsubscribeKey {
    cabinet::unsubscribe::UnsubscribeKey::new(UNSUBSCRIBE_SECRET)
        .expect("the test key is long enough")
}

/// The resources of one test, on the shared emulator.
pub struct Stack {
    /// SDK configuration pointed at the emulator.
    pub sdk: aws_config::SdkConfig,
    /// `http://127.0.0.1:PORT` of the emulator.
    pub endpoint: String,
    /// DynamoDB table of this test.
    pub table: String,
    /// ARN of the table's stream.
    pub stream_arn: String,
    /// S3 bucket of this test.
    pub bucket: String,
    /// Cognito user pool of this test.
    pub user_pool_id: String,
    /// Public app client of the pool.
    pub client_id: String,
    /// Verified SES sender address.
    pub sender: String,
}

impl Stack {
    /// New resources for one test.
    pub async fn fresh() -> Self {
        let endpoint = emulator_endpoint();
        let sdk = xtask::local_sdk_config(&endpoint).await;
        let template =
            Template::load(&xtask::workspace_root()).expect("infra/template.yaml parses");
        let names = Names::with_prefix(&unique_prefix());
        let Provisioned {
            table,
            stream_arn,
            bucket,
            user_pool_id,
            client_id,
            sender,
        } = provision(&sdk, &template, &names)
            .await
            .expect("the emulator creates the template's resources");
        Self {
            sdk,
            endpoint,
            table,
            stream_arn,
            bucket,
            user_pool_id,
            client_id,
            sender,
        }
    }

    /// DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    /// Cognito client.
    pub fn cognito(&self) -> aws_sdk_cognitoidentityprovider::Client {
        aws_sdk_cognitoidentityprovider::Client::new(&self.sdk)
    }

    /// S3 client (path-style, as the emulator needs).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        xtask::provision::s3_client(&self.sdk)
    }

    /// The product's file store on this test's bucket.
    pub fn files(&self) -> cabinet::files::FileStore {
        cabinet::files::FileStore::new(&self.sdk, &self.bucket)
    }

    /// SES v2 client.
    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.sdk)
    }

    /// The notifier on this stack, sending from `sender` (SES refuses an
    /// address other than [`Stack::sender`]) with the tests' links and key.
    pub fn notifier(&self, sender: &str) -> cabinet::handlers::notifier::Notifier {
        cabinet::handlers::notifier::Notifier::new(
            self.dynamodb(),
            self.table.clone(),
            self.ses(),
            cabinet::handlers::notifier::MailConfig {
                sender: sender.to_string(),
                portal_base_url: PORTAL_BASE_URL.into(),
                api_base_url: API_BASE_URL.into(),
            },
            unsubscribe_key(),
        )
    }

    /// Every e-mail the emulator's SES accepted for `address`, oldest first,
    /// as raw MIME. The emulator keeps the e-mails of every test in one list.
    pub async fn raw_mails_to(&self, address: &str) -> Vec<String> {
        let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", self.endpoint))
            .await
            .expect("the emulator serves its data")
            .json()
            .await
            .expect("the emulator's data is JSON");
        data["ses"]["RawMessage"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|m| {
                m["destinations"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d.as_str() == Some(address)))
            })
            .map(|m| m["raw_data"].as_str().expect("a raw message").to_string())
            .collect()
    }

    /// A second app client of the stack's pool, as another application of
    /// the same pool would have: password sign-in and refresh. Its tokens
    /// carry its own `client_id`, which our functions must refuse.
    pub async fn other_app_client(&self) -> String {
        use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
        self.cognito()
            .create_user_pool_client()
            .user_pool_id(&self.user_pool_id)
            .client_name("other-app")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .expect("the emulator creates a second app client")
            .user_pool_client()
            .and_then(|c| c.client_id().map(str::to_string))
            .expect("the new client has an id")
    }

    /// Signs `email` up through the pool's public client with `password`
    /// and the given attributes (besides `email`), then confirms the account
    /// as an administrator would: a user whose sign-up our functions never saw.
    pub async fn confirmed_account(
        &self,
        email: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) {
        xtask::accounts::confirmed_account(
            &self.cognito(),
            &self.user_pool_id,
            &self.client_id,
            email,
            password,
            attributes,
        )
        .await
        .expect("the emulator signs the user up and confirms the account");
    }

    /// The `iss` claim the pool puts into its tokens (moto uses the AWS form).
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            xtask::LOCAL_REGION,
            self.user_pool_id
        )
    }

    /// Where the emulator serves the pool's signing keys.
    pub fn jwks_url(&self) -> String {
        format!(
            "{}/{}/.well-known/jwks.json",
            self.endpoint, self.user_pool_id
        )
    }
}

/// The emulator of this test process: the one named by `CABINET_MOTO_ENDPOINT`
/// (set by `cargo xtask test`), or one started here on a free port.
fn emulator_endpoint() -> String {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT
        .get_or_init(|| {
            if let Ok(endpoint) = std::env::var("CABINET_MOTO_ENDPOINT") {
                return endpoint;
            }
            // The server lives as long as this thread, which parks for the
            // life of the process; the kernel stops moto when the process ends.
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let root = xtask::workspace_root();
                let log = root.join("target/moto-tests.log");
                match xtask::moto::Moto::start(&root, 0, &log) {
                    Ok(moto) => {
                        sender
                            .send(Ok(moto.endpoint.clone()))
                            .expect("the test waits for the endpoint");
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(error) => sender
                        .send(Err(format!("{error:#}")))
                        .expect("the test waits for the endpoint"),
                }
            });
            receiver
                .recv()
                .expect("the emulator thread answers")
                .unwrap_or_else(|error| panic!("cannot start the AWS emulator: {error}"))
        })
        .clone()
}

fn unique_prefix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("t{}-{:x}-{n}", std::process::id(), nanos)
}

fn builder(method: &str, path: &str) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "api.cabinet.test")
}

/// What API Gateway puts into `rawPath`: the path without the query.
fn with_raw_path(request: Request, path_and_query: &str) -> Request {
    let path = path_and_query.split('?').next().unwrap_or_default();
    request.with_raw_http_path(path)
}

/// A GET of `path_and_query`.
pub fn get(path_and_query: &str) -> Request {
    let request = builder("GET", path_and_query)
        .body(Body::Empty)
        .expect("a static request is valid");
    with_raw_path(request, path_and_query)
}

/// A POST of `body` as JSON.
pub fn post_json(path: &str, body: &serde_json::Value) -> Request {
    raw("POST", path, Some("application/json"), &body.to_string())
}

/// A PUT of `body` as JSON.
pub fn put_json(path: &str, body: &serde_json::Value) -> Request {
    raw("PUT", path, Some("application/json"), &body.to_string())
}

/// Any request with a text body and an optional content type.
pub fn raw(method: &str, path: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut request = builder(method, path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Text(body.to_string())
    };
    let request = request.body(body).expect("a test request is valid");
    with_raw_path(request, path)
}

/// `request` with `Authorization: Bearer <token>`.
pub fn with_bearer(mut request: Request, token: &str) -> Request {
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        format!("Bearer {token}")
            .parse()
            .expect("a token is a valid header value"),
    );
    request
}

/// Status and JSON body of an answer (`Null` when there is no body).
pub async fn read_json(response: Response<Body>) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let bytes: &[u8] = response.body().as_ref();
    let json = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(bytes).unwrap_or_else(|error| {
            panic!(
                "the answer is not JSON ({error}): {}",
                String::from_utf8_lossy(bytes)
            )
        })
    };
    (status, json)
}

/// Sends `bytes` to an upload slot (the `slot` answer of an upload route)
/// as a browser form does: `multipart/form-data` with every field of the
/// slot, then the `file`. Answers S3's status and body.
pub async fn upload(slot: &serde_json::Value, bytes: &[u8]) -> (StatusCode, String) {
    let url = slot["url"].as_str().expect("a slot has a url");
    let fields = slot["fields"].as_object().expect("a slot has fields");
    let boundary = "----cabinet-test-boundary-7f3a";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        let value = value.as_str().expect("slot fields are strings");
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = reqwest::Client::new()
        .post(url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("the emulator answers an upload");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a valid status");
    let text = response.text().await.unwrap_or_default();
    (status, text)
}

/// GETs `url` (a presigned link): status, headers and body.
pub async fn fetch(url: &str) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let response = reqwest::get(url)
        .await
        .expect("the emulator answers a download");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a valid status");
    let mut headers = http::HeaderMap::new();
    for (name, value) in response.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let bytes = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, headers, bytes)
}

/// Runs the project's Python (which holds moto) on `request`: re-signs
/// `token` with `claims` changed, by the emulator's key or by the test key
/// at `pem`, keeping the token's header (and so its key id).
///
/// Signing with the emulator's key is possible only on the local stack:
/// every moto pool signs with one private key shipped inside moto, which
/// lets the tests make tokens moto would never issue (an expired one, since
/// moto's tokens always last an hour). On AWS the pool's key never leaves it.
fn python(request: &serde_json::Value) -> serde_json::Value {
    const SCRIPT: &str = r#"
import base64, json, sys
request = json.load(sys.stdin)
def part(text):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource
header_part, claims_part, _ = request["token"].split(".")
header, claims = part(header_part), part(claims_part)
claims.update(request["claims"])
if "pem" in request:
    key = RSAKey.import_key(open(request["pem"]).read())
else:
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
print(json.dumps(jwt.encode(header, claims, key)))
"#;
    use std::io::Write;
    use std::process::{Command, Stdio};
    let interpreter = xtask::tools::venv_bin(&xtask::workspace_root(), "python");
    let mut child = Command::new(&interpreter)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", interpreter.display()));
    {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin
            .write_all(request.to_string().as_bytes())
            .expect("python reads the request");
    }
    let output = child.wait_with_output().expect("python finishes");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python answers JSON")
}

/// The claims of `token`, read without checking its signature.
pub fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(1).expect("a JWT has claims");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .expect("the claims are base64url");
    serde_json::from_slice(&bytes).expect("the claims are JSON")
}

/// `token` with `claims` changed, signed by the emulator's own key (a
/// local-stack device: every moto pool signs with one key shipped in moto).
pub fn resigned_by_emulator(token: &str, claims: serde_json::Value) -> String {
    python(&serde_json::json!({"token": token, "claims": claims}))
        .as_str()
        .expect("a token")
        .to_string()
}

/// `token` with `claims` changed, signed by a key of our own under the
/// emulator's key id: a forgery.
pub fn forged(token: &str, claims: serde_json::Value) -> String {
    let pem = xtask::workspace_root().join("shared/tests/keys/foreign-signing-key.pem");
    python(&serde_json::json!({"token": token, "claims": claims, "pem": pem}))
        .as_str()
        .expect("a token")
        .to_string()
}
