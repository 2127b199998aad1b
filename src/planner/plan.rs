//! The vocabulary of a plan: who travels (travellers), where they could meet
//! (candidates), what is minimised (objective), and the answer (hosts,
//! per-person assignments, totals).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::engine::Aggregate;
use super::geo::{CoordinateError, LatLon};
use super::travel::{Quantity, Trip};
use super::visas::{Requirement, VisaFact};

/// The most people one line may stand for (one place, one weight): sums stay far from
/// overflow, and a typing slip (4294967295 people) is refused rather than planned.
pub const MAX_WEIGHT: u32 = 100_000;

/// Someone who would travel: a name, a home place, and how many people travel from there.
///
/// In JSON (a saved plan's request): `{"name", "place", "lat", "lon", "weight"}`,
/// the shape the web form stored before the request type existed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Traveller {
    /// Display name (a person, or a group such as "Nairobi office").
    pub name: String,
    /// Home coordinates.
    #[serde(flatten)]
    pub position: LatLon,
    /// People travelling from this home place (at least 1; 0 is refused when planning).
    #[serde(default = "one_person")]
    pub weight: u32,
    /// The home place as the user named it, when it was named.
    #[serde(default)]
    pub place: Option<String>,
    /// The home country (ISO-2) when the place was resolved to a city; else the
    /// country of the nearest city is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Passports travelled on (ISO-2); empty: the home country's. With several, the easiest is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passports: Vec<String>,
}

fn one_person() -> u32 {
    1
}

impl Traveller {
    /// One person at a position.
    #[must_use]
    pub fn new(name: impl Into<String>, position: LatLon) -> Self {
        Self { name: name.into(), position, weight: 1, place: None, country: None, passports: Vec::new() }
    }

    /// `weight` people travelling from (`lat`, `lon`). A weight of 0 is kept
    /// as given: planning refuses it ([`super::PlanError::ZeroWeight`]).
    ///
    /// # Errors
    /// [`CoordinateError`] when the coordinates are out of range.
    pub fn at(name: impl Into<String>, lat: f64, lon: f64, weight: u32) -> Result<Self, CoordinateError> {
        Ok(Self { weight, ..Self::new(name, LatLon::new(lat, lon)?) })
    }
}

/// A place that could host a gathering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Display name.
    pub name: String,
    /// ISO alpha-2 country code, empty when unknown.
    pub country: String,
    /// Coordinates.
    pub position: LatLon,
    /// Population, for cities.
    pub population: Option<u64>,
}

/// What the plan minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Sum of everyone's return fares.
    TotalCost,
    /// The most expensive single return fare (fairness).
    MaxCost,
    /// Sum of everyone's return-trip CO2e.
    Co2,
    /// Sum of everyone's one-way great-circle km.
    Distance,
}

impl Objective {
    /// All objectives, in display order.
    pub const ALL: [Self; 4] = [Self::TotalCost, Self::MaxCost, Self::Co2, Self::Distance];

    /// The name used on the command line and in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TotalCost => "total-cost",
            Self::MaxCost => "max-cost",
            Self::Co2 => "co2",
            Self::Distance => "distance",
        }
    }

    pub(crate) fn quantity(self) -> Quantity {
        match self {
            Self::TotalCost | Self::MaxCost => Quantity::Cost,
            Self::Co2 => Quantity::Co2,
            Self::Distance => Quantity::Distance,
        }
    }

    pub(crate) fn aggregate(self) -> Aggregate {
        if self == Self::MaxCost { Aggregate::Max } else { Aggregate::Sum }
    }

    /// This objective's per-person measure of a trip.
    #[must_use]
    pub fn of_trip(self, t: &Trip) -> f64 {
        match self {
            Self::TotalCost | Self::MaxCost => t.cost,
            Self::Co2 => t.co2_kg,
            Self::Distance => t.km,
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown objective \"{s}\": use total-cost, max-cost, co2 or distance"))
    }
}

/// A chosen host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Candidate name.
    pub name: String,
    /// ISO alpha-2 country code.
    pub country: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// One traveller's part of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The traveller's name.
    pub name: String,
    /// The home place as named, if it was.
    pub place: Option<String>,
    /// Home coordinates.
    pub position: LatLon,
    /// People travelling from there.
    pub weight: u32,
    /// Index into [`Plan::hosts`].
    pub host: usize,
    /// The per-person trip (its cost includes the visa's).
    pub trip: Trip,
    /// What entering the host's country takes with the member's easiest
    /// passport (none when the dataset does not know the passport or the country).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visa: Option<VisaFact>,
}

/// Why a host costs what it costs: its members' money by part (people counted by weight).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostCost {
    /// People meeting there.
    pub people: u64,
    /// Road and rail (to and from airports, or the whole way).
    pub ground: f64,
    /// Flights (known fares included).
    pub air: f64,
    /// Connections.
    pub connections: f64,
    /// Visas.
    pub visas: f64,
    /// Everything.
    pub total: f64,
    /// People who need a visa obtained in advance from a consulate.
    pub advance_visas: u64,
    /// People refused admission with every passport they gave.
    pub refused: u64,
    /// The longest visa lead time among them, weeks.
    pub max_visa_weeks: f64,
}

impl HostCost {
    /// One breakdown per host (index into the plan's hosts).
    #[must_use]
    pub fn of(assignments: &[Assignment], hosts: usize) -> Vec<Self> {
        let mut out = vec![Self::default(); hosts];
        for a in assignments {
            let Some(h) = out.get_mut(a.host) else { continue };
            let w = f64::from(a.weight);
            h.people += u64::from(a.weight);
            h.ground += w * a.trip.ground_cost;
            h.air += w * a.trip.air_cost;
            h.connections += w * a.trip.connection_cost;
            h.visas += w * a.trip.visa_cost;
            h.total += w * a.trip.cost;
            if let Some(v) = &a.visa {
                h.advance_visas += if v.requirement.in_advance() { u64::from(a.weight) } else { 0 };
                h.refused += if v.requirement == Requirement::NoAdmission { u64::from(a.weight) } else { 0 };
                h.max_visa_weeks = h.max_visa_weeks.max(v.weeks);
            }
        }
        out
    }
}

/// Sums and extremes over everyone travelling (weights counted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// People travelling.
    pub people: u64,
    /// Sum of return fares.
    pub total_cost: f64,
    /// Average return fare per person.
    pub per_person_cost: f64,
    /// The most expensive single fare.
    pub max_cost: f64,
    /// Sum of return-trip CO2e, kg.
    pub total_co2_kg: f64,
    /// Average CO2e per person, kg.
    pub per_person_co2_kg: f64,
    /// Sum of one-way great-circle km.
    pub total_km: f64,
    /// Average one-way travel hours.
    pub avg_hours: f64,
    /// Longest one-way travel hours.
    pub max_hours: f64,
    /// Currency of the money amounts.
    pub currency: String,
}

impl Totals {
    /// Totals over a set of (weight, trip).
    #[must_use]
    pub fn of<'a>(trips: impl IntoIterator<Item = (u32, &'a Trip)>, currency: &str) -> Self {
        let mut t = Self { currency: currency.to_owned(), ..Self::default() };
        let mut hours = 0.0;
        for (w, trip) in trips {
            let wf = f64::from(w);
            t.people += u64::from(w);
            t.total_cost += wf * trip.cost;
            t.max_cost = t.max_cost.max(trip.cost);
            t.total_co2_kg += wf * trip.co2_kg;
            t.total_km += wf * trip.km;
            hours += wf * trip.hours;
            t.max_hours = t.max_hours.max(trip.hours);
        }
        if t.people > 0 {
            #[allow(clippy::cast_precision_loss)]
            let p = t.people as f64;
            t.per_person_cost = t.total_cost / p;
            t.per_person_co2_kg = t.total_co2_kg / p;
            t.avg_hours = hours / p;
        }
        t
    }
}

/// The answer: k hosts, who goes where, and how good it is known to be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// What was minimised.
    pub objective: Objective,
    /// Number of gatherings.
    pub k: usize,
    /// The hosts.
    pub hosts: Vec<Host>,
    /// The objective: summed over everyone travelling (a weight-3 row counts
    /// three times), or the worst single cost for `max-cost`.
    pub value: f64,
    /// A certified lower bound: no choice of k candidate hosts does better.
    pub lower_bound: f64,
    /// (value − lower bound) / value; 0 means proven optimal.
    pub gap: f64,
    /// How the hosts were found.
    pub method: String,
    /// One row per traveller, in input order.
    pub assignments: Vec<Assignment>,
    /// Sums over everyone.
    pub totals: Totals,
    /// Distinct home places the solver worked with.
    pub places: usize,
    /// Candidate hosts considered.
    pub candidates: usize,
    /// Solver time in milliseconds.
    pub elapsed_ms: u64,
    /// Solver iterations (subgradient steps, search nodes or restarts).
    pub iterations: usize,
    /// Known fares that name no participant or no candidate host, so went unused.
    #[serde(default)]
    pub unused_fares: Vec<UnusedFare>,
    /// Each host's cost by part (why it wins), in the order of `hosts`.
    #[serde(default)]
    pub breakdown: Vec<HostCost>,
}

/// A known fare the plan could not use, and which end it could not find.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedFare {
    /// The member it names.
    pub member: String,
    /// The host it names.
    pub host: String,
    /// What no one in the plan is called.
    pub missing: FareEnd,
}

/// The end of a known fare that matched nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FareEnd {
    /// No participant has the member's name.
    Participant,
    /// No candidate host has the host's name.
    Host,
}
