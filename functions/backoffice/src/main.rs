//! The `backoffice` function: executors' queue and workflow under
//! `/executor/orders`.

use cabinet::handlers::backoffice::BackofficeApi;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = BackofficeApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
