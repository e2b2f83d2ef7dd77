//! The `auth` function: sign-up, confirmation, sign-in, refresh, sign-out and
//! password routes under `/auth/`.

use cabinet::handlers::auth::AuthApi;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = AuthApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
