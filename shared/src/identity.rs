//! Token verification
