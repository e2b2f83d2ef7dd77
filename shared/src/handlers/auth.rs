//! Identity routes (R1): sign-up, confirmation of the address, sign-in,
//! refresh, sign-out and passwords, all through the user pool's public client.
//!
//! Every input is parsed before Cognito is called, and the login is always
//! trimmed and lower-cased first (R1.5), so one address is one account
//! whatever case it is typed in.
//!
//! The routes that act with a bearer access token (sign-out, change-password)
//! verify it first, as every protected handler does ([`TokenVerifier`]):
//! Cognito itself honours in `GlobalSignOut` and `ChangePassword` an access
//! token of any app client, and moto one of any pool, so passing the token on
//! unverified would let a token that was never issued to the portal end
//! sessions or change passwords through it.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

use super::SetupError;
use crate::cognito::{PublicClient, SignIn, Tokens};
use crate::config;
use crate::domain::Email;
use crate::domain::password::PASSWORD_MAX_CHARS;
use crate::domain::registration::{
    ConfirmationCode, RegistrationForm, labels, masked_destination, parse_login,
    parse_new_password, required,
};
use crate::error::{ApiError, FieldError};
use crate::http::{ApiResult, Query, bearer_token, json, json_body, no_content, path_segments};
use crate::identity::{Identity, TokenVerifier, VerifierConfig};
use crate::runtime::Handler;

/// Longest token accepted from a client; Cognito's are a few kilobytes.
const TOKEN_MAX_CHARS: usize = 16 * 1024;

/// The identity routes of the `auth` function.
pub struct AuthApi {
    users: PublicClient,
    verifier: TokenVerifier,
}

/// One route under `/auth/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    SignUp,
    Confirm,
    ResendCode,
    SignIn,
    Refresh,
    SignOut,
    ForgotPassword,
    ResetPassword,
    ChangePassword,
}

impl Route {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "sign-up" => Self::SignUp,
            "confirm" => Self::Confirm,
            "resend-code" => Self::ResendCode,
            "sign-in" => Self::SignIn,
            "refresh" => Self::Refresh,
            "sign-out" => Self::SignOut,
            "forgot-password" => Self::ForgotPassword,
            "reset-password" => Self::ResetPassword,
            "change-password" => Self::ChangePassword,
            _ => return None,
        })
    }
}

impl AuthApi {
    /// Routes served with `cognito`, through the app client `client_id`,
    /// acting only on the access tokens `verifier` accepts (those of the same
    /// pool and client).
    pub fn new(
        cognito: aws_sdk_cognitoidentityprovider::Client,
        client_id: String,
        verifier: TokenVerifier,
    ) -> Self {
        Self {
            users: PublicClient::new(cognito, client_id),
            verifier,
        }
    }

    /// The handler configured from the environment: `USER_POOL_ID`,
    /// `USER_POOL_CLIENT_ID`, `AWS_REGION`, and on the local stack
    /// `COGNITO_JWKS_URL`.
    pub async fn from_env() -> Result<Self, SetupError> {
        let client_id = config::required("USER_POOL_CLIENT_ID")?;
        let verifier = TokenVerifier::new(VerifierConfig::from_env()?)?;
        let sdk = verifier.prefetch_while(config::aws()).await;
        Ok(Self::new(
            aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            client_id,
            verifier,
        ))
    }

    async fn route(&self, request: &Request) -> ApiResult {
        let segments = path_segments(request);
        let route = match segments.as_slice() {
            [auth, name] if auth == "auth" => Route::parse(name),
            _ => None,
        }
        .ok_or_else(|| ApiError::not_found("Адрес не найден."))?;
        if request.method() != Method::POST {
            return Err(ApiError::method_not_allowed());
        }
        // No route of this function takes query parameters.
        Query::parse(request, &[])?;
        match route {
            Route::SignUp => self.sign_up(request).await,
            Route::Confirm => self.confirm(request).await,
            Route::ResendCode => self.resend_code(request).await,
            Route::SignIn => self.sign_in(request).await,
            Route::Refresh => self.refresh(request).await,
            Route::SignOut => self.sign_out(request).await,
            Route::ForgotPassword => self.forgot_password(request).await,
            Route::ResetPassword => self.reset_password(request).await,
            Route::ChangePassword => self.change_password(request).await,
        }
    }

    /// `POST /auth/sign-up`: creates an unconfirmed account (R1.1).
    async fn sign_up(&self, request: &Request) -> ApiResult {
        let form: RegistrationForm = json_body(request)?;
        let registration = form.parse().map_err(ApiError::validation)?;

        let account = self.users.sign_up(&registration).await?;

        tracing::info!("account created, awaiting confirmation");
        json(
            StatusCode::CREATED,
            &SignedUp {
                user_id: account.user_sub,
                email: registration.email.as_str().to_string(),
                confirmation: CodeDelivery::to(&registration.email),
            },
        )
    }

    /// `POST /auth/confirm`: confirms the address with the e-mailed code.
    async fn confirm(&self, request: &Request) -> ApiResult {
        let form: ConfirmForm = json_body(request)?;
        let (email, code) = all_valid((
            parse_login("email", form.email.as_deref()),
            ConfirmationCode::parse("code", form.code.as_deref()),
        ))?;

        self.users.confirm_sign_up(&email, &code).await?;

        no_content()
    }

    /// `POST /auth/resend-code`: e-mails a new confirmation code. The answer
    /// is the same whether or not the account exists.
    async fn resend_code(&self, request: &Request) -> ApiResult {
        let form: EmailForm = json_body(request)?;
        let email = parse_login("email", form.email.as_deref()).map_err(one_field)?;

        self.users.resend_confirmation_code(&email).await?;

        code_sent(&email)
    }

    /// `POST /auth/sign-in`: tokens for login and password (R1.2).
    async fn sign_in(&self, request: &Request) -> ApiResult {
        let form: SignInForm = json_body(request)?;
        let (email, password) = all_valid((
            parse_login("email", form.email.as_deref()),
            parse_secret("password", labels::PASSWORD, form.password.as_deref()),
        ))?;

        match self.users.sign_in(&email, password).await? {
            SignIn::Tokens(tokens) => json(StatusCode::OK, &TokenAnswer::from(&tokens)),
            SignIn::NewPasswordRequired => Err(new_password_required()),
            SignIn::Challenge(name) => Err(ApiError::internal(format!(
                "sign-in answered with the unexpected challenge {name}"
            ))),
        }
    }

    /// `POST /auth/refresh`: new access and id tokens for a refresh token.
    async fn refresh(&self, request: &Request) -> ApiResult {
        let form: RefreshForm = json_body(request)?;
        let refresh_token =
            parse_token("refresh_token", form.refresh_token.as_deref()).map_err(one_field)?;

        let tokens = self.users.refresh(refresh_token).await?;

        json(StatusCode::OK, &TokenAnswer::from(&tokens))
    }

    /// `POST /auth/sign-out`: ends every session of the bearer; the refresh
    /// token sent in the body, if any, is revoked as well.
    async fn sign_out(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let access_token = identity.access_token.expose();
        let form: SignOutForm = if has_body(request) {
            json_body(request)?
        } else {
            SignOutForm::default()
        };
        let refresh_token = form
            .refresh_token
            .as_deref()
            .map(|raw| parse_token("refresh_token", Some(raw)))
            .transpose()
            .map_err(one_field)?;

        self.users.global_sign_out(access_token).await?;
        if let Some(refresh_token) = refresh_token {
            // GlobalSignOut has already invalidated every refresh token of
            // the customer, so a failed revocation leaves no session open and
            // is not the customer's problem. (moto 5.2.5 has no RevokeToken
            // at all and answers 500.)
            if let Err(error) = self.users.revoke_refresh_token(refresh_token).await {
                tracing::warn!(%error, "refresh token not revoked after global sign-out");
            }
        }

        tracing::info!("signed out");
        no_content()
    }

    /// `POST /auth/forgot-password`: e-mails a code for a new password (R1.3).
    /// The answer is the same whether or not the account exists.
    async fn forgot_password(&self, request: &Request) -> ApiResult {
        let form: EmailForm = json_body(request)?;
        let email = parse_login("email", form.email.as_deref()).map_err(one_field)?;

        self.users.forgot_password(&email).await?;

        code_sent(&email)
    }

    /// `POST /auth/reset-password`: sets a new password with the e-mailed code.
    async fn reset_password(&self, request: &Request) -> ApiResult {
        let form: ResetForm = json_body(request)?;
        let (email, code, new_password) = all_valid((
            parse_login("email", form.email.as_deref()),
            ConfirmationCode::parse("code", form.code.as_deref()),
            parse_new_password(
                "new_password",
                labels::NEW_PASSWORD,
                form.new_password.as_deref(),
            ),
        ))?;

        self.users
            .confirm_forgot_password(&email, &code, &new_password)
            .await?;

        tracing::info!("password reset with a code");
        no_content()
    }

    /// `POST /auth/change-password`: the signed-in customer replaces their
    /// password, proving the current one.
    async fn change_password(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let access_token = identity.access_token.expose();
        let form: ChangeForm = json_body(request)?;
        let (old_password, new_password) = all_valid((
            parse_secret(
                "old_password",
                labels::OLD_PASSWORD,
                form.old_password.as_deref(),
            ),
            parse_new_password(
                "new_password",
                labels::NEW_PASSWORD,
                form.new_password.as_deref(),
            ),
        ))?;
        if old_password == new_password.expose() {
            return Err(ApiError::validation(vec![FieldError::new(
                "new_password",
                "same_password",
                format!("«{}»: совпадает с текущим паролем.", labels::NEW_PASSWORD),
            )]));
        }

        // ChangePassword answers NotAuthorized both for a dead token and for
        // a wrong current password; checking the token first tells them apart.
        self.users.check_access_token(access_token).await?;
        self.users
            .change_password(access_token, old_password, &new_password)
            .await?;

        tracing::info!("password changed");
        no_content()
    }

    /// The bearer, verified to hold an unexpired access token of our pool and
    /// app client, or 401 before anything reaches Cognito.
    async fn identify(&self, request: &Request) -> Result<Identity, ApiError> {
        let token = access_token(request)?;
        self.verifier.verify(token).await
    }
}

impl Handler for AuthApi {
    async fn handle(&self, request: Request) -> Response<Body> {
        self.route(&request)
            .await
            .unwrap_or_else(ApiError::into_response)
    }
}

/// `{email}` of resend-code and forgot-password.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    email: Option<String>,
}

/// `{email, code}` of confirm.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    code: Option<String>,
}

/// `{email, password}` of sign-in.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct SignInForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    password: Option<String>,
}

/// `{refresh_token}` of refresh.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    refresh_token: Option<String>,
}

/// Optional `{refresh_token}` of sign-out.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct SignOutForm {
    refresh_token: Option<String>,
}

/// `{email, code, new_password}` of reset-password.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    new_password: Option<String>,
}

/// `{old_password, new_password}` of change-password.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeForm {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    old_password: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    new_password: Option<String>,
}

/// Where the code went.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct CodeDelivery {
    delivery: &'static str,
    destination: String,
}

impl CodeDelivery {
    /// Masked from the address the customer typed, not from Cognito's answer,
    /// so that it is the same whether or not the account exists.
    fn to(email: &Email) -> Self {
        Self {
            delivery: "email",
            destination: masked_destination(email),
        }
    }
}

/// Answer of sign-up.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct SignedUp {
    user_id: String,
    email: String,
    confirmation: CodeDelivery,
}

/// Answer of resend-code and forgot-password.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct CodeSent {
    confirmation: CodeDelivery,
}

/// Answer of sign-in and refresh.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct TokenAnswer<'a> {
    access_token: &'a str,
    id_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    expires_in: i32,
    token_type: &'static str,
}

impl<'a> From<&'a Tokens> for TokenAnswer<'a> {
    fn from(tokens: &'a Tokens) -> Self {
        Self {
            access_token: &tokens.access_token,
            id_token: &tokens.id_token,
            refresh_token: tokens.refresh_token.as_deref(),
            expires_in: tokens.expires_in,
            token_type: "Bearer",
        }
    }
}

fn code_sent(email: &Email) -> ApiResult {
    json(
        StatusCode::ACCEPTED,
        &CodeSent {
            confirmation: CodeDelivery::to(email),
        },
    )
}

/// The values of several fields, or a 422 naming every field that is wrong.
trait AllValid {
    type Values;
    fn all_valid(self) -> Result<Self::Values, ApiError>;
}

impl<A, B> AllValid for (Result<A, FieldError>, Result<B, FieldError>) {
    type Values = (A, B);
    fn all_valid(self) -> Result<(A, B), ApiError> {
        match self {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (a, b) => Err(ApiError::validation(
                [a.err(), b.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

impl<A, B, C> AllValid
    for (
        Result<A, FieldError>,
        Result<B, FieldError>,
        Result<C, FieldError>,
    )
{
    type Values = (A, B, C);
    fn all_valid(self) -> Result<(A, B, C), ApiError> {
        match self {
            (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
            (a, b, c) => Err(ApiError::validation(
                [a.err(), b.err(), c.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

fn all_valid<T: AllValid>(fields: T) -> Result<T::Values, ApiError> {
    fields.all_valid()
}

fn one_field(error: FieldError) -> ApiError {
    ApiError::validation(vec![error])
}

/// 403 of an account created with a temporary password by an administrator.
pub(crate) fn new_password_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "new_password_required",
        "Для первого входа нужно сменить временный пароль. Обратитесь к администратору портала.",
    )
}

/// A password that is only passed on, never set (sign-in, the current one):
/// taken as typed, spaces included, as long as it is there.
pub(crate) fn parse_secret<'a>(
    field: &str,
    label: &str,
    raw: Option<&'a str>,
) -> Result<&'a str, FieldError> {
    match raw {
        None | Some("") => Err(required(field, label)),
        Some(secret) if secret.chars().count() > PASSWORD_MAX_CHARS => Err(FieldError::new(
            field,
            "too_long",
            format!("«{label}»: пароль длиннее {PASSWORD_MAX_CHARS} символов."),
        )),
        Some(secret) => Ok(secret),
    }
}

/// Whether `token` looks like one Cognito issues (JWT, JWE or, on moto, a
/// UUID): URL-safe Base64 characters and dots only.
fn is_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= TOKEN_MAX_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.'))
}

/// A refresh token sent as `field`.
pub(crate) fn parse_token<'a>(field: &str, raw: Option<&'a str>) -> Result<&'a str, FieldError> {
    let token = raw.unwrap_or_default().trim();
    if token.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "Передайте токен обновления, полученный при входе.",
        ));
    }
    if !is_token(token) {
        return Err(FieldError::new(
            field,
            "invalid_token",
            "Токен обновления повреждён: передайте его без изменений. Если ошибка повторяется, войдите снова.",
        ));
    }
    Ok(token)
}

/// The bearer's access token, or 401.
fn access_token(request: &Request) -> Result<&str, ApiError> {
    bearer_token(request)
        .filter(|token| is_token(token))
        .ok_or_else(ApiError::unauthorized)
}

/// Whether the request carries anything but white space.
fn has_body(request: &Request) -> bool {
    let bytes: &[u8] = request.body().as_ref();
    !bytes.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_the_documented_ones() {
        for (name, route) in [
            ("sign-up", Route::SignUp),
            ("confirm", Route::Confirm),
            ("resend-code", Route::ResendCode),
            ("sign-in", Route::SignIn),
            ("refresh", Route::Refresh),
            ("sign-out", Route::SignOut),
            ("forgot-password", Route::ForgotPassword),
            ("reset-password", Route::ResetPassword),
            ("change-password", Route::ChangePassword),
        ] {
            assert_eq!(Route::parse(name), Some(route));
        }
        assert_eq!(Route::parse("signin"), None);
    }

    #[test]
    fn all_valid_names_every_wrong_field() {
        let error = all_valid((
            parse_login("email", Some("nope")),
            parse_secret("password", labels::PASSWORD, None),
        ))
        .unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password"]);
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn secrets_are_taken_as_typed() {
        assert_eq!(
            parse_secret("password", labels::PASSWORD, Some(" a b ")),
            Ok(" a b ")
        );
        assert_eq!(
            parse_secret("password", labels::PASSWORD, Some(""))
                .unwrap_err()
                .code,
            "required"
        );
        let long = "a".repeat(PASSWORD_MAX_CHARS + 1);
        assert_eq!(
            parse_secret("password", labels::PASSWORD, Some(&long))
                .unwrap_err()
                .code,
            "too_long"
        );
    }

    #[test]
    fn tokens_are_checked_for_shape_only() {
        assert_eq!(
            parse_token(
                "refresh_token",
                Some(" 1b4e28ba-2fa1-11d2-883f-0016d3cca427 ")
            ),
            Ok("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
        );
        assert!(is_token("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
        for bad in ["", "a b", "токен", "a\"b", "a/b"] {
            assert!(!is_token(bad), "{bad}");
        }
        assert_eq!(
            parse_token("refresh_token", None).unwrap_err().code,
            "required"
        );
    }
}
