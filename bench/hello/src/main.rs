//! A function that answers every event with the event itself: built with the
//! workspace's release profile, it is what "as fast as Lambda allows" means
//! in the benchmark report.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

// One thread: Lambda serves one request at a time per environment.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(event.payload)
    }))
    .await
}
