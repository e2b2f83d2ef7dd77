//! Profile items
