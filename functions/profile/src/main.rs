//! The `profile` function: the customer's profile under `/profile`.

use cabinet::handlers::profile::ProfileApi;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = ProfileApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
