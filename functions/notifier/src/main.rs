//! The `notifier` function: e-mails from the table's DynamoDB stream.

use cabinet::handlers::notifier::{BatchResponse, Notifier};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    cabinet::runtime::init_logging();
    let notifier = Notifier::from_env().await?;
    let notifier = &notifier;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<BatchResponse, std::convert::Infallible>(notifier.handle(&event.payload).await)
    }))
    .await
}
