//! What the notifier understands of the stream and what it writes: pure
//! functions, with no AWS call.

pub mod letter;
pub mod stream;
