//! Password sign-in through a pool's public app client, as the portal's
//! sign-in does: for the local stack's demo accounts, the benchmark, the
//! contract run and the tests.

use anyhow::{Context, Result};
use aws_sdk_cognitoidentityprovider as cognito;

/// The tokens of one session.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The bearer token of the API.
    pub access: String,
    /// The ID token (refused by the API in place of the access token).
    pub id: String,
    /// The refresh token.
    pub refresh: String,
}

/// Signs `email` in with `password` (`USER_PASSWORD_AUTH`) through app
/// client `client_id`.
pub async fn password_sign_in(
    client: &cognito::Client,
    client_id: &str,
    email: &str,
    password: &str,
) -> Result<Tokens> {
    use cognito::types::AuthFlowType;
    let answer = client
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("{:?}", error.into_service_error()))
        .context("signing in")?;
    let tokens = answer.authentication_result().context("no tokens")?;
    let token = |value: Option<&str>, name: &str| {
        value
            .map(str::to_string)
            .with_context(|| format!("no {name} token"))
    };
    Ok(Tokens {
        access: token(tokens.access_token(), "access")?,
        id: token(tokens.id_token(), "id")?,
        refresh: token(tokens.refresh_token(), "refresh")?,
    })
}
