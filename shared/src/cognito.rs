//! Cognito adapter: the user-pool operations a customer performs through the
//! portal's public app client, and the one table that turns Cognito's
//! failures into answers the customer can read (R1.4).
//!
//! Cognito's own messages never leave this module: they may hold the login
//! or the token that was sent (moto echoes both), so neither the client nor
//! the log ever sees them. Only the operation, the error code and the HTTP
//! status are kept.

use std::fmt;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, ChallengeNameType};
use http::StatusCode;

use crate::domain::registration::{ConfirmationCode, Registration, labels};
use crate::domain::{Email, Password};
use crate::error::{ApiError, FieldError};

/// The portal's public app client of the user pool (no client secret): every
/// call is authorised by the client id alone or by the customer's own token.
#[derive(Clone)]
pub struct PublicClient {
    cognito: Client,
    client_id: String,
}

/// The account Cognito created at sign-up, unconfirmed until the customer
/// enters the code e-mailed to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The account's immutable id (`sub` of its tokens).
    pub user_sub: String,
}

/// Tokens issued at sign-in or refresh. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Bearer token for the cabinet's API.
    pub access_token: String,
    /// The customer's identity claims.
    pub id_token: String,
    /// Issued at sign-in; at refresh only when the pool rotates refresh tokens.
    pub refresh_token: Option<String>,
    /// Lifetime of the access and id tokens, in seconds.
    pub expires_in: i32,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens(***)")
    }
}

/// What a sign-in with login and password produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The customer is in.
    Tokens(Tokens),
    /// The account has a temporary password set by an operator, which must be
    /// replaced before tokens are issued.
    NewPasswordRequired,
    /// Any other challenge, which our pool is not configured to ask.
    Challenge(String),
}

/// The Cognito operations behind the identity routes, named for the logs and
/// for the error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `SignUp`.
    SignUp,
    /// `ConfirmSignUp`.
    ConfirmSignUp,
    /// `ResendConfirmationCode`.
    ResendCode,
    /// `InitiateAuth` with `USER_PASSWORD_AUTH`.
    SignIn,
    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    Refresh,
    /// `GlobalSignOut`.
    SignOut,
    /// `RevokeToken` of a refresh token.
    RevokeToken,
    /// `ForgotPassword`.
    ForgotPassword,
    /// `ConfirmForgotPassword`.
    ResetPassword,
    /// `ChangePassword`.
    ChangePassword,
    /// `GetUser`, used to check an access token.
    CheckToken,
    /// `UpdateUserAttributes` of the e-mail, from the profile.
    UpdateEmail,
    /// `VerifyUserAttribute` of the e-mail, from the profile.
    VerifyEmail,
}

impl Operation {
    /// The Cognito API name, for log lines.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::SignUp => "SignUp",
            Self::ConfirmSignUp => "ConfirmSignUp",
            Self::ResendCode => "ResendConfirmationCode",
            Self::SignIn => "InitiateAuth/USER_PASSWORD_AUTH",
            Self::Refresh => "InitiateAuth/REFRESH_TOKEN_AUTH",
            Self::SignOut => "GlobalSignOut",
            Self::RevokeToken => "RevokeToken",
            Self::ForgotPassword => "ForgotPassword",
            Self::ResetPassword => "ConfirmForgotPassword",
            Self::ChangePassword => "ChangePassword",
            Self::CheckToken => "GetUser",
            Self::UpdateEmail => "UpdateUserAttributes",
            Self::VerifyEmail => "VerifyUserAttribute",
        }
    }

    /// Whether the operation is authorised by the customer's access token.
    fn uses_access_token(self) -> bool {
        matches!(
            self,
            Self::SignOut
                | Self::ChangePassword
                | Self::CheckToken
                | Self::RevokeToken
                | Self::UpdateEmail
                | Self::VerifyEmail
        )
    }
}

/// A failed call to Cognito, reduced to what may be logged and mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoError {
    /// The operation that failed.
    pub operation: Operation,
    /// Cognito's error code (`NotAuthorizedException` …); `None` when no
    /// answer with a code arrived (timeout, connection failure, a 5xx page).
    pub code: Option<String>,
    /// HTTP status of Cognito's answer, when there was one.
    pub status: Option<u16>,
    /// Cognito refused a sign-in because of too many wrong passwords. AWS says
    /// so only in the message of a `NotAuthorizedException`.
    pub attempts_exceeded: bool,
    /// What kind of SDK failure it was, for the log.
    pub kind: &'static str,
}

/// The message with which AWS refuses sign-in after too many wrong passwords.
const PASSWORD_ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";

impl CognitoError {
    /// An answer from Cognito with an error `code`, as the tests and the
    /// adapter build it.
    pub fn service(operation: Operation, code: &str, status: u16) -> Self {
        Self {
            operation,
            code: Some(code.to_string()),
            status: Some(status),
            attempts_exceeded: false,
            kind: "service error",
        }
    }

    /// What an SDK call of `operation` failed with, keeping only the
    /// operation, the error code and the status: Cognito's messages may echo
    /// the login or the token.
    pub fn from_sdk<E: ProvideErrorMetadata>(operation: Operation, error: SdkError<E>) -> Self {
        let status = error.raw_response().map(|r| r.status().as_u16());
        let kind = match &error {
            SdkError::ConstructionFailure(_) => "construction failure",
            SdkError::TimeoutError(_) => "timeout",
            SdkError::DispatchFailure(_) => "dispatch failure",
            SdkError::ResponseError(_) => "unreadable response",
            SdkError::ServiceError(_) => "service error",
            _ => "unknown failure",
        };
        let service = match &error {
            SdkError::ServiceError(context) => Some(context.err()),
            _ => None,
        };
        Self {
            operation,
            code: service.and_then(|e| e.code()).map(str::to_string),
            status,
            attempts_exceeded: service.and_then(|e| e.message())
                == Some(PASSWORD_ATTEMPTS_EXCEEDED),
            kind,
        }
    }

    /// Whether Cognito answered with this error `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// Safe to log: operation, code and status only.
impl fmt::Display for CognitoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cognito {} failed ({}, code {}, status {})",
            self.operation.api_name(),
            self.kind,
            self.code.as_deref().unwrap_or("none"),
            self.status
                .map_or_else(|| "none".to_string(), |s| s.to_string()),
        )
    }
}

impl std::error::Error for CognitoError {}

impl From<CognitoError> for ApiError {
    fn from(error: CognitoError) -> Self {
        let problem = problem_for(&error);
        let attempts_exceeded = error.attempts_exceeded;
        let code = error.code.as_deref().unwrap_or("none");
        let operation = error.operation.api_name();
        if problem.status.is_server_error() {
            tracing::warn!(
                operation,
                code,
                status = ?error.status,
                kind = error.kind,
                answer = problem.code,
                "cognito call failed"
            );
        } else {
            tracing::info!(
                operation,
                code,
                attempts_exceeded,
                answer = problem.code,
                "cognito refused the request"
            );
        }
        problem
    }
}

/// The answer to a failed Cognito call: a stable code and a Russian detail.
/// Pure: the one table of the whole adapter, unit-tested below.
pub fn problem_for(error: &CognitoError) -> ApiError {
    use Operation as Op;
    let operation = error.operation;
    let server_side = error.status.is_some_and(|s| s >= 500);
    let Some(code) = error.code.as_deref() else {
        return unavailable();
    };
    if error.attempts_exceeded {
        return too_many_attempts();
    }
    match code {
        "NotAuthorizedException" => match operation {
            Op::SignIn => invalid_credentials(),
            Op::Refresh => session_expired(),
            Op::ConfirmSignUp => already_confirmed(),
            Op::ChangePassword => wrong_password(),
            Op::ForgotPassword | Op::ResetPassword => reset_not_allowed(),
            op if op.uses_access_token() => ApiError::unauthorized(),
            _ => internal(),
        },
        "UserNotFoundException" => match operation {
            // The same answer as a wrong password: whether an account exists
            // is nobody's business (PreventUserExistenceErrors on AWS).
            Op::SignIn => invalid_credentials(),
            Op::ConfirmSignUp | Op::ResetPassword => wrong_code(),
            op if op.uses_access_token() => ApiError::unauthorized(),
            _ => internal(),
        },
        "UserNotConfirmedException" => account_not_confirmed(),
        "UsernameExistsException" | "AliasExistsException" => match operation {
            Op::UpdateEmail => address_in_use(),
            _ => email_taken(),
        },
        "InvalidPasswordException" => weak_password(operation),
        "PasswordHistoryPolicyViolationException" => password_reused(),
        "CodeMismatchException" => wrong_code(),
        "ExpiredCodeException" => expired_code(),
        "TooManyFailedAttemptsException" | "LimitExceededException" => too_many_attempts(),
        "PasswordResetRequiredException" => password_reset_required(),
        "InvalidParameterException" => match operation {
            // AWS: "User is already confirmed."
            Op::ResendCode => already_confirmed(),
            _ => rejected_input(),
        },
        "CodeDeliveryFailureException" => code_delivery_failed(),
        "TooManyRequestsException" | "InternalErrorException" => unavailable(),
        _ if server_side => unavailable(),
        _ => internal(),
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Неверный адрес электронной почты или пароль.",
    )
}

fn session_expired() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "session_expired",
        "Сеанс завершён или истёк. Войдите в личный кабинет снова.",
    )
}

fn account_not_confirmed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "account_not_confirmed",
        "Адрес электронной почты ещё не подтверждён. Введите код из письма или запросите новый код.",
    )
}

fn already_confirmed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_confirmed",
        "Учётная запись уже подтверждена. Войдите в личный кабинет с адресом электронной почты и паролем.",
    )
}

fn email_taken() -> ApiError {
    let detail = "Этот адрес электронной почты уже зарегистрирован. Войдите в личный кабинет или восстановите пароль; если регистрация не завершена, запросите код подтверждения ещё раз.";
    let mut problem = ApiError::new(StatusCode::CONFLICT, "email_taken", detail);
    problem
        .errors
        .push(FieldError::new("email", "email_taken", detail));
    problem
}

/// A new address of a profile that another account uses already.
fn address_in_use() -> ApiError {
    let detail = "Этот адрес электронной почты уже используется другой учётной записью. Укажите другой адрес.";
    let mut problem = ApiError::new(StatusCode::CONFLICT, "email_taken", detail);
    problem
        .errors
        .push(FieldError::new("email", "email_taken", detail));
    problem
}

fn weak_password(operation: Operation) -> ApiError {
    let (field, label) = match operation {
        Operation::SignUp => ("password", labels::PASSWORD),
        _ => ("new_password", labels::NEW_PASSWORD),
    };
    let detail = format!(
        "«{label}»: {}",
        crate::domain::password::PasswordError::Weak.describe()
    );
    let mut problem = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "weak_password",
        detail.clone(),
    );
    problem
        .errors
        .push(FieldError::new(field, "weak_password", detail));
    problem
}

fn password_reused() -> ApiError {
    let detail = format!(
        "«{}»: этот пароль уже использовался. Придумайте новый.",
        labels::NEW_PASSWORD
    );
    let mut problem = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "password_reused",
        detail.clone(),
    );
    problem
        .errors
        .push(FieldError::new("new_password", "password_reused", detail));
    problem
}

fn wrong_password() -> ApiError {
    let detail = format!("«{}»: пароль указан неверно.", labels::OLD_PASSWORD);
    let mut problem = ApiError::new(StatusCode::FORBIDDEN, "wrong_password", detail.clone());
    problem
        .errors
        .push(FieldError::new("old_password", "wrong_password", detail));
    problem
}

fn wrong_code() -> ApiError {
    let detail = "Код подтверждения неверен. Проверьте код из последнего письма.";
    let mut problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong_code", detail);
    problem
        .errors
        .push(FieldError::new("code", "wrong_code", detail));
    problem
}

fn expired_code() -> ApiError {
    let detail = "Срок действия кода истёк. Запросите новый код.";
    let mut problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "expired_code", detail);
    problem
        .errors
        .push(FieldError::new("code", "expired_code", detail));
    problem
}

fn too_many_attempts() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Слишком много попыток. Подождите несколько минут и попробуйте снова.",
    )
}

fn password_reset_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "password_reset_required",
        "Для входа нужно задать новый пароль: воспользуйтесь восстановлением пароля.",
    )
}

fn reset_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "password_reset_not_allowed",
        "Пароль этой учётной записи нельзя восстановить самостоятельно. Обратитесь в службу поддержки портала.",
    )
}

fn rejected_input() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "rejected_input",
        "Сервис учётных записей не принял введённые данные. Проверьте поля формы.",
    )
}

fn code_delivery_failed() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "code_delivery_failed",
        "Не удалось отправить письмо с кодом. Повторите попытку через несколько минут.",
    )
}

/// 503 without logging: the caller's `From` logs the failure once.
fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        "Сервис временно недоступен. Повторите попытку через минуту.",
    )
}

/// 500 without logging: the caller's `From` logs the failure once.
fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "Внутренняя ошибка сервиса. Повторите попытку позже.",
    )
}

impl PublicClient {
    /// The app client `client_id` of the pool `cognito` reaches.
    pub fn new(cognito: Client, client_id: String) -> Self {
        Self { cognito, client_id }
    }

    /// Creates an unconfirmed account; Cognito e-mails the confirmation code.
    pub async fn sign_up(&self, registration: &Registration) -> Result<NewAccount, CognitoError> {
        let mut attributes = vec![
            attribute("email", registration.email.as_str()),
            attribute("given_name", registration.first_name.as_str()),
            attribute("family_name", registration.last_name.as_str()),
            attribute("phone_number", registration.phone.as_str()),
        ];
        if let Some(patronymic) = &registration.patronymic {
            attributes.push(attribute("middle_name", patronymic.as_str()));
        }
        let output = self
            .cognito
            .sign_up()
            .client_id(&self.client_id)
            .username(registration.email.as_str())
            .password(registration.password.expose())
            .set_user_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::SignUp, e))?;
        Ok(NewAccount {
            user_sub: output.user_sub().to_string(),
        })
    }

    /// Confirms the address of a new account with the code e-mailed to it.
    pub async fn confirm_sign_up(
        &self,
        email: &Email,
        code: &ConfirmationCode,
    ) -> Result<(), CognitoError> {
        self.cognito
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::ConfirmSignUp, e))?;
        Ok(())
    }

    /// E-mails a new confirmation code. Succeeds for an unknown address too,
    /// as AWS does with `PreventUserExistenceErrors`: the answer must not tell
    /// whether an account exists.
    pub async fn resend_confirmation_code(&self, email: &Email) -> Result<(), CognitoError> {
        let result = self
            .cognito
            .resend_confirmation_code()
            .client_id(&self.client_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::ResendCode, e));
        ignore_unknown_user(result.map(drop))
    }

    /// Signs in with login and password (`USER_PASSWORD_AUTH`).
    pub async fn sign_in(&self, email: &Email, password: &str) -> Result<SignIn, CognitoError> {
        let output = self
            .cognito
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email.as_str())
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::SignIn, e))?;
        if let Some(result) = output.authentication_result() {
            return Ok(SignIn::Tokens(tokens(result)));
        }
        Ok(match output.challenge_name() {
            Some(ChallengeNameType::NewPasswordRequired) => SignIn::NewPasswordRequired,
            other => SignIn::Challenge(other.map(|c| c.as_str().to_string()).unwrap_or_default()),
        })
    }

    /// New access and id tokens for a refresh token (`REFRESH_TOKEN_AUTH`).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, CognitoError> {
        let output = self
            .cognito
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::Refresh, e))?;
        output
            .authentication_result()
            .map(tokens)
            .ok_or_else(|| missing_result(Operation::Refresh))
    }

    /// Ends every session of the access token's owner: all their refresh
    /// tokens stop working.
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), CognitoError> {
        self.cognito
            .global_sign_out()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::SignOut, e))?;
        Ok(())
    }

    /// Revokes one refresh token and the tokens issued from it.
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), CognitoError> {
        self.cognito
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::RevokeToken, e))?;
        Ok(())
    }

    /// E-mails a code for setting a new password. Succeeds for an unknown
    /// address too, for the same reason as [`Self::resend_confirmation_code`].
    pub async fn forgot_password(&self, email: &Email) -> Result<(), CognitoError> {
        let result = self
            .cognito
            .forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::ForgotPassword, e));
        ignore_unknown_user(result.map(drop))
    }

    /// Sets a new password with the code from [`Self::forgot_password`].
    pub async fn confirm_forgot_password(
        &self,
        email: &Email,
        code: &ConfirmationCode,
        new_password: &Password,
    ) -> Result<(), CognitoError> {
        self.cognito
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.expose())
            .password(new_password.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::ResetPassword, e))?;
        Ok(())
    }

    /// Checks that `access_token` is one Cognito issued and has not revoked.
    pub async fn check_access_token(&self, access_token: &str) -> Result<(), CognitoError> {
        self.cognito
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::CheckToken, e))?;
        Ok(())
    }

    /// Replaces the signed-in customer's password.
    pub async fn change_password(
        &self,
        access_token: &str,
        old_password: &str,
        new_password: &Password,
    ) -> Result<(), CognitoError> {
        self.cognito
            .change_password()
            .access_token(access_token)
            .previous_password(old_password)
            .proposed_password(new_password.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::ChangePassword, e))?;
        Ok(())
    }
}

fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("an attribute with a name always builds")
}

fn tokens(result: &aws_sdk_cognitoidentityprovider::types::AuthenticationResultType) -> Tokens {
    Tokens {
        access_token: result.access_token().unwrap_or_default().to_string(),
        id_token: result.id_token().unwrap_or_default().to_string(),
        refresh_token: result.refresh_token().map(str::to_string),
        expires_in: result.expires_in(),
    }
}

fn missing_result(operation: Operation) -> CognitoError {
    CognitoError {
        operation,
        code: None,
        status: None,
        attempts_exceeded: false,
        kind: "answer without tokens",
    }
}

fn ignore_unknown_user(result: Result<(), CognitoError>) -> Result<(), CognitoError> {
    match result {
        Err(error) if error.is("UserNotFoundException") => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation as Op;

    fn answer(operation: Operation, code: &str) -> (u16, &'static str) {
        let problem = problem_for(&CognitoError::service(operation, code, 400));
        (problem.status.as_u16(), problem.code)
    }

    #[test]
    fn the_table_of_refusals() {
        let table = [
            (
                Op::SignIn,
                "NotAuthorizedException",
                401,
                "invalid_credentials",
            ),
            (
                Op::SignIn,
                "UserNotFoundException",
                401,
                "invalid_credentials",
            ),
            (
                Op::SignIn,
                "UserNotConfirmedException",
                403,
                "account_not_confirmed",
            ),
            (
                Op::SignIn,
                "PasswordResetRequiredException",
                403,
                "password_reset_required",
            ),
            (
                Op::Refresh,
                "NotAuthorizedException",
                401,
                "session_expired",
            ),
            (Op::SignUp, "UsernameExistsException", 409, "email_taken"),
            (Op::SignUp, "AliasExistsException", 409, "email_taken"),
            (Op::SignUp, "InvalidPasswordException", 422, "weak_password"),
            (
                Op::SignUp,
                "InvalidParameterException",
                422,
                "rejected_input",
            ),
            (
                Op::SignUp,
                "CodeDeliveryFailureException",
                503,
                "code_delivery_failed",
            ),
            (
                Op::ConfirmSignUp,
                "CodeMismatchException",
                422,
                "wrong_code",
            ),
            (
                Op::ConfirmSignUp,
                "ExpiredCodeException",
                422,
                "expired_code",
            ),
            (
                Op::ConfirmSignUp,
                "UserNotFoundException",
                422,
                "wrong_code",
            ),
            (
                Op::ConfirmSignUp,
                "NotAuthorizedException",
                409,
                "already_confirmed",
            ),
            (
                Op::ConfirmSignUp,
                "TooManyFailedAttemptsException",
                429,
                "too_many_attempts",
            ),
            (
                Op::ResendCode,
                "InvalidParameterException",
                409,
                "already_confirmed",
            ),
            (
                Op::ResendCode,
                "LimitExceededException",
                429,
                "too_many_attempts",
            ),
            (
                Op::ForgotPassword,
                "LimitExceededException",
                429,
                "too_many_attempts",
            ),
            (
                Op::ForgotPassword,
                "NotAuthorizedException",
                403,
                "password_reset_not_allowed",
            ),
            (
                Op::ResetPassword,
                "CodeMismatchException",
                422,
                "wrong_code",
            ),
            (
                Op::ResetPassword,
                "ExpiredCodeException",
                422,
                "expired_code",
            ),
            (
                Op::ResetPassword,
                "UserNotFoundException",
                422,
                "wrong_code",
            ),
            (
                Op::ResetPassword,
                "InvalidPasswordException",
                422,
                "weak_password",
            ),
            (
                Op::ChangePassword,
                "NotAuthorizedException",
                403,
                "wrong_password",
            ),
            (
                Op::ChangePassword,
                "InvalidPasswordException",
                422,
                "weak_password",
            ),
            (
                Op::ChangePassword,
                "PasswordHistoryPolicyViolationException",
                422,
                "password_reused",
            ),
            (
                Op::ChangePassword,
                "LimitExceededException",
                429,
                "too_many_attempts",
            ),
            (
                Op::CheckToken,
                "NotAuthorizedException",
                401,
                "unauthorized",
            ),
            (Op::CheckToken, "UserNotFoundException", 401, "unauthorized"),
            (Op::SignOut, "NotAuthorizedException", 401, "unauthorized"),
            (
                Op::SignIn,
                "TooManyRequestsException",
                503,
                "service_unavailable",
            ),
            (
                Op::SignIn,
                "InternalErrorException",
                503,
                "service_unavailable",
            ),
            (
                Op::SignIn,
                "ResourceNotFoundException",
                500,
                "internal_error",
            ),
            (Op::SignUp, "NotAuthorizedException", 500, "internal_error"),
            (
                Op::SignUp,
                "InvalidLambdaResponseException",
                500,
                "internal_error",
            ),
        ];
        for (operation, code, status, answer_code) in table {
            assert_eq!(
                answer(operation, code),
                (status, answer_code),
                "{operation:?} {code}"
            );
        }
    }

    #[test]
    fn too_many_wrong_passwords_is_its_own_answer() {
        let error = CognitoError {
            attempts_exceeded: true,
            ..CognitoError::service(Op::SignIn, "NotAuthorizedException", 400)
        };
        let problem = problem_for(&error);
        assert_eq!(problem.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(problem.code, "too_many_attempts");
    }

    #[test]
    fn no_answer_or_a_server_fault_is_503() {
        let silent = CognitoError {
            code: None,
            status: None,
            ..CognitoError::service(Op::SignIn, "", 0)
        };
        assert_eq!(problem_for(&silent).status, StatusCode::SERVICE_UNAVAILABLE);
        let html_page = CognitoError {
            code: None,
            ..CognitoError::service(Op::ResendCode, "", 500)
        };
        assert_eq!(problem_for(&html_page).code, "service_unavailable");
        let unknown_5xx = CognitoError::service(Op::SignIn, "SomethingNewException", 502);
        assert_eq!(
            problem_for(&unknown_5xx).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn field_errors_name_the_field_of_the_route() {
        let sign_up = problem_for(&CognitoError::service(
            Op::SignUp,
            "InvalidPasswordException",
            400,
        ));
        assert_eq!(sign_up.errors[0].field, "password");
        assert!(sign_up.detail.contains("«Пароль»"));
        let reset = problem_for(&CognitoError::service(
            Op::ResetPassword,
            "InvalidPasswordException",
            400,
        ));
        assert_eq!(reset.errors[0].field, "new_password");
        let taken = problem_for(&CognitoError::service(
            Op::SignUp,
            "UsernameExistsException",
            400,
        ));
        assert_eq!(taken.errors[0].field, "email");
        let code = problem_for(&CognitoError::service(
            Op::ConfirmSignUp,
            "CodeMismatchException",
            400,
        ));
        assert_eq!(code.errors[0].field, "code");
    }

    #[test]
    fn every_answer_is_russian_and_carries_no_provider_text() {
        let codes = [
            "NotAuthorizedException",
            "UserNotFoundException",
            "UserNotConfirmedException",
            "UsernameExistsException",
            "InvalidPasswordException",
            "CodeMismatchException",
            "ExpiredCodeException",
            "TooManyRequestsException",
            "TooManyFailedAttemptsException",
            "LimitExceededException",
            "InvalidParameterException",
            "AliasExistsException",
            "ResourceNotFoundException",
        ];
        let operations = [
            Op::SignUp,
            Op::ConfirmSignUp,
            Op::ResendCode,
            Op::SignIn,
            Op::Refresh,
            Op::SignOut,
            Op::RevokeToken,
            Op::ForgotPassword,
            Op::ResetPassword,
            Op::ChangePassword,
            Op::CheckToken,
        ];
        for operation in operations {
            for code in codes {
                let problem = problem_for(&CognitoError::service(operation, code, 400));
                assert!(
                    problem.detail.chars().any(|c| ('а'..='я').contains(&c)),
                    "{operation:?} {code}: {}",
                    problem.detail
                );
                assert!(!problem.detail.contains("Exception"));
            }
        }
    }

    #[test]
    fn display_holds_no_message() {
        let error = CognitoError::service(Op::SignUp, "UsernameExistsException", 400);
        assert_eq!(
            error.to_string(),
            "Cognito SignUp failed (service error, code UsernameExistsException, status 400)"
        );
    }
}
