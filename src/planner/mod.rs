//! The gathering planner: "how far apart are we, and what would it take?"
//!
//! Pure code (no I/O beyond the readers and writers it is handed, no
//! database, no async): a bundled gazetteer ([`places`]), great-circle
//! geometry ([`geo`]), a documented travel model ([`travel`]), host candidates
//! ([`candidates`]), host selection for one or k gatherings under four
//! objectives ([`plan`], [`solve()`]), scenario
//! comparison including going virtual ([`scenario`]), and the outputs a
//! steward needs: JSON and a per-person CSV budget ([`report`]) and an SVG
//! world map ([`map`]). Errors are data ([`PlanError`]): the command line and
//! the web say them in their reader's language.
//!
//! Typical use:
//! ```ignore
//! use convene::planner::{self, PlanRequest};
//! let travellers = planner::read_travellers("name,place\nAmina,Nairobi\nKofi,Accra\n".as_bytes())?;
//! let request = PlanRequest { travellers, k: 2, ..PlanRequest::default() };
//! let answer = planner::plan(&request, &mut |_| {})?;
//! println!("{} at {}", answer.plan().value, answer.plan().hosts[0].name);
//! # Ok::<(), planner::PlanError>(())
//! ```
//!
//! [`plan`] is the one entry point the command line, the web planner and the
//! demo share: one [`PlanRequest`] (stored with a saved plan), one set of defaults.

pub mod alternates;
mod bisect;
pub mod budget;
pub mod candidates;
mod capacity;
mod center;
mod classes;
mod cover;
mod engine;
pub mod error;
mod exact;
pub mod geo;
pub mod hubs;
pub mod hybrid;
mod index;
pub mod input;
mod lagrange;
pub mod linked;
pub mod map;
mod median;
pub mod places;
pub mod plan;
mod relax;
pub mod report;
pub mod request;
mod scan;
pub mod scenario;
mod sigma;
pub mod slots;
pub mod solve;
mod solver;
pub mod travel;
pub mod visas;

pub use alternates::country_name_in;
pub use budget::{BudgetAnswer, BudgetRequest, Spread};
pub use candidates::{airport_candidates, city_candidates, exclude, reachable_candidates};
pub use error::{InputList, PlanError, RowError, RowProblem};
pub use geo::{CoordinateError, EARTH_RADIUS_KM, LatLon, haversine_km};
pub use hybrid::{FrontierHosts, FrontierPoint, HybridChoice, HybridPoint, HybridRow};
pub use input::{read_candidates, read_known_fares, read_quoted_fares, read_travellers};
pub use linked::{LinkedAnswer, LinkedAssignment, LinkedRequest};
pub use map::{MapOptions, render_svg};
pub use places::{Place, PlaceLookupError, closest_matches, resolve, search};
pub use plan::{
    Assignment, Candidate, FareEnd, Host, HostCost, MAX_WEIGHT, Objective, Plan, Totals, Traveller, UnusedFare,
};
pub use report::{PlanJson, write_budget_csv};
pub use request::{
    CandidateSource, DEFAULT_CURVE_TO, DEFAULT_MERGE_KM, DEFAULT_MIN_POPULATION, DEFAULT_TARGET_GAP,
    DEFAULT_TIME_LIMIT_SECS, PlanAnswer, PlanRequest, VisaPolicy, choose_point, plan,
};
pub use scenario::{Comparison, CurvePoint, Scenario, ScenarioKind};
pub use slots::{Slot, SlotRequest};
pub use solve::{Progress, SolveOptions, solve, solve_with_progress};
pub use travel::{KnownFare, Mode, ModelError, QuotedFare, TravelModel, Trip};
pub use visas::{Requirement, VISA_DATA_DATE, VISA_DATA_SOURCE, VisaFact, VisaModel};

#[cfg(test)]
mod tests;
