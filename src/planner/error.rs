//! What can go wrong when planning, worded for the steward who has to fix it.

use super::places::Place;

/// One problem in one cell of an input list (participants, candidates, fares).
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// Line in the file (the header is line 1), so it matches a spreadsheet's row number.
    pub row: usize,
    /// The column at fault, empty when the whole line is malformed.
    pub column: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// For an unknown or ambiguous place: what the row may have meant.
    pub suggestions: Vec<Place>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "row {}: {}", self.row, self.message)
        } else {
            write!(f, "row {}, column \"{}\": {}", self.row, self.column, self.message)
        }
    }
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Nobody to plan for.
    #[error("the participant list is empty: add at least one person with a place")]
    NoTravellers,
    /// No candidate host to choose from.
    #[error("there are no candidate hosts (check --candidates and --min-population)")]
    NoCandidates,
    /// k = 0.
    #[error("the number of gatherings k must be at least 1")]
    ZeroK,
    /// More gatherings than candidate hosts.
    #[error("k = {k} is larger than the number of candidate hosts ({candidates})")]
    KExceedsCandidates {
        /// Requested gatherings.
        k: usize,
        /// Available candidates.
        candidates: usize,
    },
    /// More gatherings than distinct home places.
    #[error(
        "k = {k} is larger than the number of distinct home places ({places}): every place would get its own gathering"
    )]
    KExceedsPlaces {
        /// Requested gatherings.
        k: usize,
        /// Distinct home places.
        places: usize,
    },
    /// The travel model has a bad constant.
    #[error("{0}")]
    InvalidModel(String),
    /// An input list has problems; all of them (up to a limit) are listed.
    #[error("{what} has {} problem{}:\n{}", .errors.len(), if .errors.len() == 1 { "" } else { "s" },
        .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Input {
        /// Which list ("the participant list", "the candidate list", ...).
        what: String,
        /// The problems, in file order.
        errors: Vec<RowError>,
    },
}
