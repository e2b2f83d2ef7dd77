//! The `profile` function: the customer's profile under `/profile`.

use cabinet::handlers::profile::ProfileApi;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = ProfileApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
