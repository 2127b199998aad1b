//! Sense-making: pure functions from domain data to plain values that pages, exports and
//! the API all render.

pub mod matrix;
pub mod report;
pub mod stats;
pub mod table;
