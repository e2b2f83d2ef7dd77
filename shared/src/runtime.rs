//! Runs an HTTP handler under the Lambda runtime with the cabinet's logging.

use lambda_http::tracing::subscriber::fmt::MakeWriter;
use lambda_http::{Body, Request, Response};

/// A function's request handler: answers every request, errors included.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request. Failures are already rendered as problems.
    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send;
}

/// Installs the log subscriber: JSON when Lambda asks for it
/// (`AWS_LAMBDA_LOG_FORMAT=JSON`), readable text otherwise; the level comes
/// from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
pub fn init_logging() {
    init_logging_to(std::io::stdout);
}

/// Installs the log subscriber of [`init_logging`], writing to `writer`
/// instead of standard output: the same format, level and filter, so a test
/// reads exactly the lines a function prints.
pub fn init_logging_to<W>(writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    lambda_http::tracing::init_default_subscriber_with_writer(writer);
}

/// Serves `handler` until the Lambda runtime stops the process.
pub async fn serve<H: Handler>(handler: H) -> Result<(), lambda_http::Error> {
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(
        move |request: Request| async move {
            Ok::<_, std::convert::Infallible>(handler.handle(request).await)
        },
    ))
    .await
}
