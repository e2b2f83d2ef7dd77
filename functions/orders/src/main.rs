//! The `orders` function: the customer's orders under `/orders`.

use cabinet::handlers::orders::OrdersApi;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = OrdersApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
