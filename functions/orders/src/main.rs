//! The `orders` function: the customer's orders under `/orders`.

use cabinet::handlers::orders::OrdersApi;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cabinet::runtime::init_logging();
    let api = OrdersApi::from_env().await?;
    cabinet::runtime::serve(api).await
}
