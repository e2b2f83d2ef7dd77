//! Catalog items
