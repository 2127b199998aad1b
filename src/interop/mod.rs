//! Formats convene speaks with other tools.

/// The JSON exchange format of a whole community.
pub mod json;
pub mod charts;
pub mod doc;
pub mod report_doc;
