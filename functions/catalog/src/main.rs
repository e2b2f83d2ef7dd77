//! The catalog function: the public classifier of services, service pages
//! with their providers, and the FAQ.

use cabinet::handlers::catalog::CatalogApi;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = CatalogApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
