//! Formats convene speaks with other tools.

pub mod charts;
pub mod doc;
/// The JSON exchange format of a whole community.
pub mod json;
pub mod report_doc;
