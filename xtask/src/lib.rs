//! Developer tooling library
