//! Formats convene speaks with other tools.

/// The JSON exchange format of a whole community.
pub mod json;
