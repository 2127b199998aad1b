//! What can go wrong when planning, as data: the command line says it in
//! English and the web in the reader's language, each from these values.
//! The `Display` forms here are short and technical, for logs.

use super::geo::CoordinateError;
use super::places::{Place, PlaceLookupError};
use super::request::{CandidateSource, VisaPolicy};
use super::travel::ModelError;

/// Which input list a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputList {
    /// The participants (`name`, `place` or `lat,lon`, `weight`).
    Participants,
    /// Custom candidate hosts (`name,lat,lon`, `country`).
    Candidates,
    /// Known fares (`member,host,fare`).
    Fares,
}

/// One problem in one cell of an input list (participants, candidates, fares).
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// Line in the file (the header is line 1), so it matches a spreadsheet's row number.
    pub row: usize,
    /// The column at fault, empty when the whole line is malformed.
    pub column: String,
    /// What is wrong.
    pub problem: RowProblem,
}

/// What is wrong with a row or a cell.
#[derive(Clone, Debug, PartialEq)]
pub enum RowProblem {
    /// The file cannot be read as CSV at all (the reader's own message).
    Unreadable(String),
    /// A line has another number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: u64,
        /// Fields on this line.
        found: u64,
    },
    /// A line is not UTF-8 text.
    NotUtf8,
    /// A line is malformed otherwise (the reader's own message).
    Malformed(String),
    /// The header lacks the column (named in [`RowError::column`]).
    MissingColumn {
        /// The columns the header has.
        have: Vec<String>,
    },
    /// The header has neither `place` nor both `lat` and `lon`.
    NeedPlaceOrLatLon,
    /// The name is empty.
    EmptyName,
    /// The weight is not a whole number of people, 1 or more.
    BadWeight(String),
    /// A coordinate is not a number.
    NotANumber(String),
    /// A coordinate is out of range.
    Coordinate(CoordinateError),
    /// Neither a place nor coordinates.
    NoPlace,
    /// The place is unknown or ambiguous (with what it may have meant).
    Place(PlaceLookupError),
    /// A fare row lacks its member or host, or its fare is not a number, 0 or more.
    BadFare(String),
    /// A passport code the visa data does not know.
    UnknownPassport(String),
    /// An IATA code of no airport with scheduled service.
    UnknownAirport(String),
    /// A quoted fare in another currency than the travel model's.
    Currency {
        /// The currency in the row.
        found: String,
        /// The model's.
        expected: String,
    },
}

impl RowError {
    pub(crate) fn new(row: usize, column: &str, problem: RowProblem) -> Self {
        Self { row, column: column.to_owned(), problem }
    }

    /// For an unknown or ambiguous place: what the row may have meant.
    #[must_use]
    pub fn suggestions(&self) -> &[Place] {
        match &self.problem {
            RowProblem::Place(PlaceLookupError::Unknown { suggestions, .. }) => suggestions,
            RowProblem::Place(PlaceLookupError::Ambiguous { matches, .. }) => matches,
            _ => &[],
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
    /// A traveller stands for more people than one place can send
    /// ([`super::MAX_WEIGHT`]): a typing slip, and sums must not overflow.
    #[error("traveller {index} ({name}) has weight above {max}")]
    WeightTooLarge {
        /// Position in the request's traveller list (from 0).
        index: usize,
        /// The traveller's name.
        name: String,
        /// The largest weight accepted.
        max: u32,
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
    InvalidModel(ModelError),
    /// A traveller gave a passport the visa data does not know.
    #[error("traveller {index} ({name}): unknown passport {passport:?}")]
    UnknownPassport {
        /// Position in the request's traveller list (from 0).
        index: usize,
        /// The traveller's name.
        name: String,
        /// The code given.
        passport: String,
    },
    /// A pinned host is not a known place.
    #[error("pinned host {name:?}: {error}")]
    Pin {
        /// The name given.
        name: String,
        /// Why it did not resolve.
        error: PlaceLookupError,
    },
    /// The visa policy rules out every candidate host.
    #[error("visa policy {policy:?} rules out all {candidates} candidate hosts")]
    NoHostForVisaPolicy {
        /// The policy.
        policy: VisaPolicy,
        /// Its allowance of advance visas.
        max_advance_visas: u64,
        /// Candidates before the policy.
        candidates: usize,
    },
    /// The budget brings no one to any host.
    #[error("budget {budget} below the cheapest answer {cheapest}")]
    BudgetTooSmall {
        /// The budget given.
        budget: f64,
        /// The least that brings anyone (with a spread: one person of each country or region).
        cheapest: f64,
    },
    /// Linked hubs' capacities cannot hold everyone (k × max below the people) or
    /// cannot all be filled (k × min above them).
    #[error("{k} hubs of {min}..{max:?} people cannot hold {people}")]
    LinkedCapacity {
        /// Hubs.
        k: usize,
        /// Fewest people per hub.
        min: u64,
        /// Most people per hub.
        max: Option<u64>,
        /// People in the list.
        people: u64,
    },
    /// No k candidate hubs share the asked working time.
    #[error("no hubs share {overlap_hours} h (at most {best_hours} h)")]
    LinkedOverlap {
        /// Hours asked for.
        overlap_hours: f64,
        /// The most any k candidates share.
        best_hours: f64,
    },
    /// A date is not `YYYY-MM-DD` or does not exist.
    #[error("bad date {0:?}")]
    BadDate(String),
    /// A local window is not `HH:MM-HH:MM` with the end after the start.
    #[error("bad window {0:?}")]
    BadWindow(String),
    /// A meeting length is not above 0 and at most 24 hours.
    #[error("meeting length {0} h outside 0..=24")]
    BadSlotLength(f64),
    /// A hybrid point the frontier of that k does not reach: more people than
    /// the list, or fewer in person than going online still saves for.
    #[error("k = {k}: {in_person} in person outside {fewest}..={people}")]
    HybridPoint {
        /// Hubs.
        k: usize,
        /// People in person asked for.
        in_person: u64,
        /// The fewest the frontier reaches.
        fewest: u64,
        /// Everyone.
        people: u64,
    },
    /// An input list has problems; all of them (up to a limit) are listed.
    #[error("{list:?}: {} problem(s)", .errors.len())]
    Input {
        /// Which list.
        list: InputList,
        /// The problems, in file order.
        errors: Vec<RowError>,
    },
}
