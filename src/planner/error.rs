//! What can go wrong when planning, as data: the command line says it in
//! English and the web in the reader's language, each from these values.
//! The `Display` forms here are short and technical, for logs.

use super::geo::CoordinateError;
use super::places::Place;
use super::request::CandidateSource;

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
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Nobody to plan for.
    #[error("no travellers")]
    NoTravellers,
    /// A traveller stands for no one (weight 0).
    #[error("traveller {index} ({name}) has weight 0")]
    ZeroWeight {
        /// Position in the request's traveller list (from 0).
        index: usize,
        /// The traveller's name.
        name: String,
    },
    /// A traveller's coordinates are out of range.
    #[error("traveller {index} ({name}): {error}")]
    Coordinates {
        /// Position in the request's traveller list (from 0).
        index: usize,
        /// The traveller's name.
        name: String,
        /// Which coordinate is wrong.
        error: CoordinateError,
    },
    /// No candidate host to choose from.
    #[error("no candidate hosts ({hosts:?}, min population {min_population}, {excluded} before exclusions)")]
    NoCandidates {
        /// Where candidates were taken from.
        hosts: CandidateSource,
        /// The smallest city asked for (with [`CandidateSource::Cities`]).
        min_population: u64,
        /// Candidates there were before exclusions (0: the source itself had none).
        excluded: usize,
    },
    /// k = 0.
    #[error("k is 0")]
    ZeroK,
    /// More gatherings than candidate hosts.
    #[error("k = {k} > {candidates} candidate hosts")]
    KExceedsCandidates {
        /// Requested gatherings.
        k: usize,
        /// Available candidates.
        candidates: usize,
    },
    /// More gatherings than distinct home places.
    #[error("k = {k} > {places} distinct home places")]
    KExceedsPlaces {
        /// Requested gatherings.
        k: usize,
        /// Distinct home places.
        places: usize,
    },
    /// The target gap is not a fraction in 0..1.
    #[error("target gap {0} outside 0..1")]
    InvalidTargetGap(f64),
    /// The merge distance is negative or not a number.
    #[error("merge distance {0} km is not 0 or more")]
    InvalidMergeKm(f64),
    /// The travel model has a bad constant.
    #[error("invalid travel model: {0}")]
    InvalidModel(String),
    /// An input list has problems; all of them (up to a limit) are listed.
    #[error("{what}: {} problem(s)", .errors.len())]
    Input {
        /// Which list ("the participant list", "the candidate list", ...).
        what: String,
        /// The problems, in file order.
        errors: Vec<RowError>,
    },
}
