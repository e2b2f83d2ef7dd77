//! Cognito adapter
