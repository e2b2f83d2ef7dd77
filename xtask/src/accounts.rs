//! Accounts of the local stack's user pool: a confirmed customer signed up
//! as the portal would, and password sign-in through the public app client,
//! as the portal's sign-in does. For the local stack's demo accounts, the
//! benchmark, the contract run and the tests.

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

/// A user-pool attribute `name` = `value`.
pub fn attribute(name: &str, value: &str) -> cognito::types::AttributeType {
    cognito::types::AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("an attribute with a name builds")
}

/// Signs `email` up with `password` through app client `client_id` of pool
/// `user_pool_id`, with `attributes` besides `email`, and confirms the
/// account as an operator would on the console: a customer whose sign-up
/// the functions never saw.
pub async fn confirmed_account(
    client: &cognito::Client,
    user_pool_id: &str,
    client_id: &str,
    email: &str,
    password: &str,
    attributes: &[(&str, &str)],
) -> Result<()> {
    let mut sign_up = client
        .sign_up()
        .client_id(client_id)
        .username(email)
        .password(password)
        .user_attributes(attribute("email", email));
    for (name, value) in attributes {
        sign_up = sign_up.user_attributes(attribute(name, value));
    }
    sign_up
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("{:?}", error.into_service_error()))
        .context("signing up")?;
    client
        .admin_confirm_sign_up()
        .user_pool_id(user_pool_id)
        .username(email)
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("{:?}", error.into_service_error()))
        .context("confirming the sign-up")?;
    Ok(())
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
