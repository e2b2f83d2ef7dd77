//! Who is calling: verification of the user pool's bearer access tokens.
//!
//! Every protected handler verifies the token itself, the same way on AWS and
//! under `cargo lambda watch` (which passes no authorizer claims): nothing
//! trusts an identity it has not verified. A token is accepted only if it is
//! signed with RS256 by a key of the pool's JWKS, was issued by our pool
//! (`iss`), is an access token (`token_use`) of our app client
//! (`client_id`), has not expired, and names its user (`sub`).
//!
//! The JWKS is fetched on the first verification, cached, and fetched again
//! only when a token names a key the cache does not hold, at most once a
//! minute, so that forged key ids cannot flood the pool's endpoint.
//!
//! A signed access token stays valid until it expires even after its user
//! signed out (token revocation is known only to the pool). Handlers that
//! call the pool with the token (the profile's `GetUser`,
//! `UpdateUserAttributes`) do learn of a revocation.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::config::{self, MissingVariable};
use crate::error::ApiError;

/// How long after a fetch of the JWKS an unknown key id is simply refused.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Clock skew tolerated on `exp`, in seconds.
pub const EXPIRY_LEEWAY_SECONDS: u64 = 30;

/// Variable that replaces the JWKS address derived from the pool. Only the
/// local stack sets it: moto serves the JWKS at
/// `<endpoint>/<pool>/.well-known/jwks.json` while it puts the AWS issuer
/// into its tokens.
pub const JWKS_URL_VARIABLE: &str = "COGNITO_JWKS_URL";

/// Which tokens to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// Exact `iss` of the pool: `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    pub issuer: String,
    /// The app client whose access tokens are accepted.
    pub client_id: String,
    /// Where the pool publishes its signing keys.
    pub jwks_url: String,
}

impl VerifierConfig {
    /// The configuration of pool `pool_id` in `region` on AWS.
    pub fn for_pool(region: &str, pool_id: &str, client_id: &str) -> Self {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        Self {
            jwks_url: format!("{issuer}/.well-known/jwks.json"),
            issuer,
            client_id: client_id.to_string(),
        }
    }

    /// The configuration of a function from `AWS_REGION`, `USER_POOL_ID` and
    /// `USER_POOL_CLIENT_ID`, with the JWKS address replaced by
    /// `COGNITO_JWKS_URL` when that is set (local stack only).
    pub fn from_env() -> Result<Self, MissingVariable> {
        let config = Self::for_pool(
            &config::required("AWS_REGION")?,
            &config::required("USER_POOL_ID")?,
            &config::required("USER_POOL_CLIENT_ID")?,
        );
        Ok(match config::optional(JWKS_URL_VARIABLE) {
            Some(jwks_url) => Self { jwks_url, ..config },
            None => config,
        })
    }
}

/// Pool group of every executor (provider staff).
pub const EXECUTORS_GROUP: &str = "executors";

/// Prefix of the pool group that names an executor's provider:
/// `provider:<provider_id>`.
pub const PROVIDER_GROUP_PREFIX: &str = "provider:";

/// A verified caller.
///
/// It carries the access token itself, because some handlers act in the
/// pool on the caller's behalf (`GetUser`, `UpdateUserAttributes`), which
/// needs the token rather than IAM permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's id in the pool (`sub`); the key of everything they own.
    pub user_id: String,
    /// The pool groups the user belongs to (`cognito:groups`), e.g. `executors`.
    pub groups: Vec<String>,
    /// The verified bearer token.
    pub access_token: AccessToken,
}

impl Identity {
    /// Whether the user belongs to pool group `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Whether the user is an executor: a member of [`EXECUTORS_GROUP`].
    /// Which orders they may see is decided by [`Identity::provider_id`].
    pub fn is_executor(&self) -> bool {
        self.in_group(EXECUTORS_GROUP)
    }

    /// The provider an executor works for: the id of their one
    /// `provider:<id>` group. `None` for a user outside [`EXECUTORS_GROUP`],
    /// and for an executor in no provider group or in several (an operator's
    /// mistake that must not grant the orders of two providers).
    pub fn provider_id(&self) -> Option<&str> {
        if !self.is_executor() {
            return None;
        }
        let mut providers = self
            .groups
            .iter()
            .filter_map(|g| g.strip_prefix(PROVIDER_GROUP_PREFIX));
        let provider = providers.next()?;
        if provider.is_empty() || providers.next().is_some() {
            return None;
        }
        Some(provider)
    }
}

/// A bearer access token; its `Debug` hides it so that it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// The token, for calls to the pool only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// Result of one fetch of a JWKS document.
type FetchResult = Result<serde_json::Value, String>;

/// Where the signing keys come from: the pool's JWKS endpoint in production.
trait KeySource: Send + Sync {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = FetchResult> + Send + '_>>;
}

/// The pool's JWKS endpoint, over HTTPS (HTTP on the local stack).
struct HttpKeySource {
    client: reqwest::Client,
    url: String,
}

impl KeySource for HttpKeySource {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = FetchResult> + Send + '_>> {
        Box::pin(async move {
            let response = self
                .client
                .get(&self.url)
                .send()
                .await
                .map_err(|e| format!("fetching the JWKS: {e}"))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("the JWKS endpoint answered {status}"));
            }
            response
                .json()
                .await
                .map_err(|e| format!("reading the JWKS: {e}"))
        })
    }
}

/// The keys fetched last, by key id.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

impl KeyCache {
    fn may_refetch(&self, interval: Duration) -> bool {
        self.fetched_at.is_none_or(|at| at.elapsed() >= interval)
    }
}

/// The claims of an access token that the verifier reads itself; `exp` and
/// `iss` are checked by [`jsonwebtoken`].
#[derive(Deserialize)]
struct AccessClaims {
    sub: Option<String>,
    token_use: Option<String>,
    client_id: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// The JWKS could not be set up: the HTTP client failed to initialise.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for the JWKS: {0}")]
pub struct VerifierSetupError(#[from] reqwest::Error);

/// Verifies bearer access tokens of one pool and app client. Build it once
/// per function and share it: it caches the pool's keys.
pub struct TokenVerifier {
    client_id: String,
    validation: Validation,
    source: Box<dyn KeySource>,
    refetch_interval: Duration,
    cache: RwLock<KeyCache>,
}

impl TokenVerifier {
    /// A verifier for `config`; nothing is fetched until the first token.
    pub fn new(config: VerifierConfig) -> Result<Self, VerifierSetupError> {
        let roots = reqwest::Certificate::from_pem_bundle(crate::config::AWS_ROOTS_PEM)?;
        let client = reqwest::Client::builder()
            .tls_certs_only(roots)
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()?;
        let source = HttpKeySource {
            client,
            url: config.jwks_url.clone(),
        };
        Ok(Self::with_source(
            config,
            Box::new(source),
            JWKS_REFETCH_INTERVAL,
        ))
    }

    fn with_source(
        config: VerifierConfig,
        source: Box<dyn KeySource>,
        refetch_interval: Duration,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Access tokens of the pool carry `client_id`, not `aud`.
        validation.validate_aud = false;
        validation.leeway = EXPIRY_LEEWAY_SECONDS;
        Self {
            client_id: config.client_id,
            validation,
            source,
            refetch_interval,
            cache: RwLock::new(KeyCache::default()),
        }
    }

    /// The identity of the caller whose access token is `token`. Every
    /// failure is a 401 `unauthorized`, except a JWKS that cannot be fetched
    /// (503): then no token can be checked.
    pub async fn verify(&self, token: &str) -> Result<Identity, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| refuse("header", &e))?;
        if header.alg != Algorithm::RS256 {
            return Err(refuse("algorithm", &format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| refuse("header", &"no key id"))?;
        let key = self
            .key(&kid)
            .await?
            .ok_or_else(|| refuse("key", &"unknown key id"))?;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &self.validation)
            .map_err(|e| refuse("claims", &e))?
            .claims;
        if claims.token_use.as_deref() != Some("access") {
            return Err(refuse("claims", &"not an access token"));
        }
        if claims.client_id.as_deref() != Some(self.client_id.as_str()) {
            return Err(refuse("claims", &"another app client"));
        }
        let user_id = claims
            .sub
            .filter(|sub| !sub.trim().is_empty())
            .ok_or_else(|| refuse("claims", &"no subject"))?;
        Ok(Identity {
            user_id,
            groups: claims.groups,
            access_token: AccessToken(token.to_string()),
        })
    }

    /// Fetches the pool's signing keys now, while the function starts, so
    /// that its first request does not wait for them. A failure is logged
    /// and left to the first request, which fetches again.
    pub async fn prefetch(&self) {
        let mut cache = self.cache.write().await;
        if cache.fetched_at.is_some() {
            return;
        }
        match self.source.fetch().await {
            Ok(document) => {
                cache.keys = signing_keys(&document);
                cache.fetched_at = Some(Instant::now());
                tracing::info!(
                    keys = cache.keys.len(),
                    "fetched the user pool's JWKS at start"
                );
            }
            Err(error) => {
                tracing::warn!(%error, "could not fetch the user pool's JWKS at start");
            }
        }
    }

    /// Runs `setup` (the SDK's, at start) while the pool's signing keys are
    /// fetched ([`TokenVerifier::prefetch`]), so that neither waits for the
    /// other and the first request finds the keys; answers what `setup` made.
    pub async fn prefetch_while<T>(&self, setup: impl Future<Output = T>) -> T {
        let (made, ()) = tokio::join!(setup, self.prefetch());
        made
    }

    /// The key `kid`, fetching the JWKS when it is not cached and the last
    /// fetch is old enough.
    async fn key(&self, kid: &str) -> Result<Option<DecodingKey>, ApiError> {
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(Some(key.clone()));
            }
            if !cache.may_refetch(self.refetch_interval) {
                return Ok(None);
            }
        }
        let mut cache = self.cache.write().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = cache.keys.get(kid) {
            return Ok(Some(key.clone()));
        }
        if !cache.may_refetch(self.refetch_interval) {
            return Ok(None);
        }
        let document = self.source.fetch().await.map_err(ApiError::unavailable)?;
        cache.keys = signing_keys(&document);
        cache.fetched_at = Some(Instant::now());
        tracing::info!(keys = cache.keys.len(), "fetched the user pool's JWKS");
        Ok(cache.keys.get(kid).cloned())
    }
}

/// The RS256 signing keys of a JWKS document by key id. A key that cannot be
/// read is skipped rather than spoiling the others.
fn signing_keys(document: &serde_json::Value) -> HashMap<String, DecodingKey> {
    let entries = document
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    entries
        .iter()
        .filter_map(|entry| serde_json::from_value::<Jwk>(entry.clone()).ok())
        .filter(|jwk| {
            jwk.common
                .key_algorithm
                .is_none_or(|alg| alg == jsonwebtoken::jwk::KeyAlgorithm::RS256)
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some((kid, key))
        })
        .collect()
}

/// The 401 of a refused token; the reason goes to the log, never the token.
/// A library's reason may quote parts of the token, which the caller wrote:
/// it is cut short and escaped, so it can neither flood nor forge log lines.
fn refuse(stage: &str, reason: &dyn fmt::Display) -> ApiError {
    let reason: String = reason.to_string().chars().take(120).collect();
    tracing::info!(stage, reason = %reason.escape_debug(), "bearer token refused");
    ApiError::unauthorized()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use http::StatusCode;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};

    use super::*;

    const POOL_KEY: &str = include_str!("../tests/keys/pool-signing-key.pem");
    const POOL_JWKS: &str = include_str!("../tests/keys/pool-jwks.json");
    const POOL_KID: &str = "test-pool-key-1";
    const FOREIGN_KEY: &str = include_str!("../tests/keys/foreign-signing-key.pem");
    const FOREIGN_JWKS: &str = include_str!("../tests/keys/foreign-jwks.json");
    const FOREIGN_KID: &str = "test-foreign-key-1";
    const ISSUER: &str = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Test";
    const CLIENT: &str = "portal-client";

    /// Answers fetches from a script, counting them; the last answer repeats.
    struct ScriptedKeys {
        answers: Mutex<Vec<FetchResult>>,
        fetches: Arc<AtomicUsize>,
    }

    impl KeySource for ScriptedKeys {
        fn fetch(&self) -> Pin<Box<dyn Future<Output = FetchResult> + Send + '_>> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let mut answers = self.answers.lock().expect("no test panics holding it");
            let answer = if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            };
            Box::pin(async move { answer })
        }
    }

    fn jwks(text: &str) -> FetchResult {
        Ok(serde_json::from_str(text).expect("test JWKS is JSON"))
    }

    fn verifier_with(
        answers: Vec<FetchResult>,
        interval: Duration,
    ) -> (TokenVerifier, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let source = ScriptedKeys {
            answers: Mutex::new(answers),
            fetches: fetches.clone(),
        };
        let config = VerifierConfig {
            issuer: ISSUER.into(),
            client_id: CLIENT.into(),
            jwks_url: "unused".into(),
        };
        (
            TokenVerifier::with_source(config, Box::new(source), interval),
            fetches,
        )
    }

    fn verifier() -> TokenVerifier {
        verifier_with(vec![jwks(POOL_JWKS)], JWKS_REFETCH_INTERVAL).0
    }

    /// PKCS#1 DER of a PEM private key (the crate is built without PEM support).
    fn der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        STANDARD.decode(body).expect("test key is base64")
    }

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    fn access_claims() -> Value {
        json!({
            "iss": ISSUER,
            "sub": "0a1b2c3d-user",
            "client_id": CLIENT,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "iat": now(),
            "exp": now() + 600,
            "cognito:groups": ["executors"],
        })
    }

    fn sign_with(pem: &str, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&der(pem)))
            .expect("test claims sign")
    }

    fn sign(claims: &Value) -> String {
        sign_with(POOL_KEY, POOL_KID, claims)
    }

    fn with(mut claims: Value, name: &str, value: Value) -> Value {
        claims[name] = value;
        claims
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    async fn refused(verifier: &TokenVerifier, token: &str) {
        let error = verifier.verify(token).await.unwrap_err();
        assert_eq!(error.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(error.code, "unauthorized");
    }

    #[tokio::test]
    async fn a_valid_access_token_names_its_user() {
        let token = sign(&access_claims());
        let identity = verifier().verify(&token).await.unwrap();
        assert_eq!(identity.user_id, "0a1b2c3d-user");
        assert_eq!(identity.groups, ["executors"]);
        assert!(identity.in_group("executors"));
        assert_eq!(identity.access_token.expose(), token);
        assert!(!format!("{identity:?}").contains(&token));
    }

    fn identity_in(groups: &[&str]) -> Identity {
        Identity {
            user_id: "0a1b2c3d-user".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            access_token: AccessToken("token".into()),
        }
    }

    #[test]
    fn an_executor_of_one_provider_names_it() {
        let identity = identity_in(&["executors", "provider:chamber-moscow"]);
        assert!(identity.is_executor());
        assert_eq!(identity.provider_id(), Some("chamber-moscow"));
        // The order of the groups does not matter.
        let identity = identity_in(&["provider:chamber-spb", "executors"]);
        assert_eq!(identity.provider_id(), Some("chamber-spb"));
    }

    #[test]
    fn a_provider_group_without_the_executors_group_grants_nothing() {
        let identity = identity_in(&["provider:chamber-moscow"]);
        assert!(!identity.is_executor());
        assert_eq!(identity.provider_id(), None);
    }

    #[test]
    fn an_executor_in_no_or_several_provider_groups_has_no_provider() {
        let none = identity_in(&["executors"]);
        assert!(none.is_executor());
        assert_eq!(none.provider_id(), None);
        let several = identity_in(&[
            "executors",
            "provider:chamber-moscow",
            "provider:chamber-spb",
        ]);
        assert!(several.is_executor());
        assert_eq!(several.provider_id(), None);
        // The same group twice is still ambiguous data; refuse it too.
        let twice = identity_in(&[
            "executors",
            "provider:chamber-moscow",
            "provider:chamber-moscow",
        ]);
        assert_eq!(twice.provider_id(), None);
        let empty = identity_in(&["executors", "provider:"]);
        assert_eq!(empty.provider_id(), None);
    }

    #[test]
    fn a_customer_is_no_executor() {
        for groups in [
            &[][..],
            &["customers"][..],
            &["Executors", "provider:x"][..],
        ] {
            let identity = identity_in(groups);
            assert!(!identity.is_executor(), "{groups:?}");
            assert_eq!(identity.provider_id(), None, "{groups:?}");
        }
    }

    #[tokio::test]
    async fn groups_are_optional() {
        let mut claims = access_claims();
        claims.as_object_mut().unwrap().remove("cognito:groups");
        let identity = verifier().verify(&sign(&claims)).await.unwrap();
        assert!(identity.groups.is_empty());
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_beyond_the_leeway() {
        let verifier = verifier();
        let expired = with(access_claims(), "exp", json!(now() - 120));
        refused(&verifier, &sign(&expired)).await;
        let within_leeway = with(access_claims(), "exp", json!(now() - 5));
        assert!(verifier.verify(&sign(&within_leeway)).await.is_ok());
        let mut no_expiry = access_claims();
        no_expiry.as_object_mut().unwrap().remove("exp");
        refused(&verifier, &sign(&no_expiry)).await;
    }

    #[tokio::test]
    async fn a_token_of_another_issuer_is_refused() {
        let verifier = verifier();
        for issuer in [
            "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Other",
            "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Test/",
            "https://evil.example/eu-central-1_Test",
        ] {
            refused(
                &verifier,
                &sign(&with(access_claims(), "iss", json!(issuer))),
            )
            .await;
        }
        let mut no_issuer = access_claims();
        no_issuer.as_object_mut().unwrap().remove("iss");
        refused(&verifier, &sign(&no_issuer)).await;
    }

    #[tokio::test]
    async fn a_token_of_another_client_is_refused() {
        let verifier = verifier();
        refused(
            &verifier,
            &sign(&with(access_claims(), "client_id", json!("other"))),
        )
        .await;
        let mut no_client = access_claims();
        no_client.as_object_mut().unwrap().remove("client_id");
        refused(&verifier, &sign(&no_client)).await;
    }

    #[tokio::test]
    async fn an_id_token_is_refused() {
        let mut claims = with(access_claims(), "token_use", json!("id"));
        let object = claims.as_object_mut().unwrap();
        object.remove("client_id");
        object.insert("aud".into(), json!(CLIENT));
        let verifier = verifier();
        refused(&verifier, &sign(&claims)).await;
        // Even one that also names our client.
        let claims = with(access_claims(), "token_use", json!("id"));
        refused(&verifier, &sign(&claims)).await;
    }

    #[tokio::test]
    async fn a_token_without_subject_is_refused() {
        let verifier = verifier();
        refused(&verifier, &sign(&with(access_claims(), "sub", json!("  ")))).await;
        let mut no_subject = access_claims();
        no_subject.as_object_mut().unwrap().remove("sub");
        refused(&verifier, &sign(&no_subject)).await;
    }

    #[tokio::test]
    async fn unsigned_and_hmac_forgeries_are_refused() {
        let verifier = verifier();
        let claims = access_claims();
        for alg in ["none", "None", "HS256"] {
            let header = json!({"alg": alg, "typ": "JWT", "kid": POOL_KID});
            refused(&verifier, &format!("{}.{}.", b64(&header), b64(&claims))).await;
        }
        // HS256 keyed with the public modulus: the classic confusion attack.
        let jwks: Value = serde_json::from_str(POOL_JWKS).unwrap();
        let modulus = jwks["keys"][0]["n"].as_str().unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(POOL_KID.into());
        let forged = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(modulus.as_bytes()).unwrap(),
        )
        .unwrap();
        refused(&verifier, &forged).await;
    }

    #[tokio::test]
    async fn a_tampered_payload_or_foreign_signature_is_refused() {
        let verifier = verifier();
        let token = sign(&access_claims());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered_claims = with(access_claims(), "sub", json!("someone-else"));
        let tampered = format!("{}.{}.{}", parts[0], b64(&tampered_claims), parts[2]);
        refused(&verifier, &tampered).await;
        // Signed with another key under the pool's key id.
        refused(
            &verifier,
            &sign_with(FOREIGN_KEY, POOL_KID, &access_claims()),
        )
        .await;
        for garbage in ["", "abc", "a.b.c", &parts[..2].join(".")] {
            refused(&verifier, garbage).await;
        }
    }

    #[tokio::test]
    async fn an_unknown_key_id_is_refused_and_refetched_at_most_once_a_minute() {
        let (verifier, fetches) = verifier_with(
            vec![jwks(POOL_JWKS), jwks(FOREIGN_JWKS)],
            JWKS_REFETCH_INTERVAL,
        );
        assert!(verifier.verify(&sign(&access_claims())).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        let unknown = sign_with(FOREIGN_KEY, FOREIGN_KID, &access_claims());
        for _ in 0..3 {
            refused(&verifier, &unknown).await;
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "refetched within a minute"
        );
        assert!(verifier.verify(&sign(&access_claims())).await.is_ok());
    }

    #[tokio::test]
    async fn a_rotated_key_is_learnt_once_the_interval_passed() {
        let (verifier, fetches) =
            verifier_with(vec![jwks(POOL_JWKS), jwks(FOREIGN_JWKS)], Duration::ZERO);
        assert!(verifier.verify(&sign(&access_claims())).await.is_ok());
        let rotated = sign_with(FOREIGN_KEY, FOREIGN_KID, &access_claims());
        assert!(verifier.verify(&rotated).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // The old key left the JWKS, so its tokens no longer pass.
        refused(&verifier, &sign(&access_claims())).await;
    }

    #[tokio::test]
    async fn an_unreachable_jwks_is_a_503_until_it_answers() {
        let (verifier, fetches) = verifier_with(
            vec![Err("connection refused".into()), jwks(POOL_JWKS)],
            JWKS_REFETCH_INTERVAL,
        );
        let token = sign(&access_claims());
        let error = verifier.verify(&token).await.unwrap_err();
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(verifier.verify(&token).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn keys_fetched_at_start_serve_the_first_request() {
        let (verifier, fetches) = verifier_with(vec![jwks(POOL_JWKS)], JWKS_REFETCH_INTERVAL);
        verifier.prefetch().await;
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(verifier.verify(&sign(&access_claims())).await.is_ok());
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "the request fetched nothing"
        );
    }

    #[tokio::test]
    async fn a_failed_fetch_at_start_is_retried_by_the_first_request() {
        let (verifier, fetches) = verifier_with(
            vec![Err("connection refused".into()), jwks(POOL_JWKS)],
            JWKS_REFETCH_INTERVAL,
        );
        verifier.prefetch().await;
        assert!(verifier.verify(&sign(&access_claims())).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn unreadable_and_foreign_keys_of_a_jwks_are_skipped() {
        let mut document: Value = serde_json::from_str(POOL_JWKS).unwrap();
        let keys = document["keys"].as_array_mut().unwrap();
        keys.push(json!({"kty": "RSA", "kid": "broken", "n": 5}));
        keys.push(json!({"kty": "RSA", "alg": "RS512", "kid": "rs512", "n": "AQAB", "e": "AQAB"}));
        keys.push(json!({"kty": "RSA", "alg": "RS256", "n": "AQAB", "e": "AQAB"}));
        let keys = signing_keys(&document);
        assert_eq!(keys.keys().collect::<Vec<_>>(), [POOL_KID]);
        assert!(signing_keys(&json!({"no": "keys"})).is_empty());
    }

    #[test]
    fn the_pool_configuration_follows_the_aws_naming() {
        let config = VerifierConfig::for_pool("eu-central-1", "eu-central-1_Abc", "client");
        assert_eq!(
            config.issuer,
            "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc"
        );
        assert_eq!(
            config.jwks_url,
            "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc/.well-known/jwks.json"
        );
        assert_eq!(config.client_id, "client");
    }
}
