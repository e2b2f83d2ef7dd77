//! The catalog function: the public classifier of services, service pages
//! with their providers, and the FAQ.

use cabinet::handlers::catalog::CatalogApi;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = CatalogApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
