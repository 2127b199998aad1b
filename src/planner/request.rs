//! One planning request and the one entry point that answers it, shared by
//! `convene plan`, the web planner, the demo and the saved-plan JSON: who
//! travels, what is minimised, how many gatherings, which hosts are possible,
//! which are ruled out, the solver's limits and the travel model (with known
//! fares). Every default lives here, once.
//!
//! The request is also the stored form of a plan's parameters (`plans.params`,
//! and `params` in an export). Parameters saved before this type existed (the
//! web form's `people`, no `merge_km`, no model) still load: see the serde
//! aliases and defaults below.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::budget::{BudgetAnswer, BudgetRequest, bring};
use super::candidates::{airport_candidates, city_candidates, exclude, reachable_candidates};
use super::error::PlanError;
use super::geo::LatLon;
use super::hybrid::{FrontierHosts, FrontierPoint, HybridChoice, HybridPoint, choose, frontier};
use super::linked::{LinkedAnswer, LinkedRequest, linked};
use super::places::resolve;
use super::plan::{Candidate, Objective, Plan, Traveller};
use super::scenario::{Comparison, CurvePoint};
use super::slots::{Slot, SlotRequest, best_slots};
use super::solve::{Progress, SolveOptions, Solver};
use super::travel::TravelModel;
use super::visas::VISA_DATA_DATE;
use super::visas::{Requirement, is_known_passport, passports_of};

/// Default smallest population of a candidate host city: large cities have
/// the scheduled flights a gathering needs.
pub const DEFAULT_MIN_POPULATION: u64 = 1_000_000;
/// Default distance (km) under which a city is merged into a larger one (city districts).
pub const DEFAULT_MERGE_KM: f64 = 25.0;
/// Default certified gap at which the solver stops improving (1 %).
pub const DEFAULT_TARGET_GAP: f64 = 0.01;
/// Default time after which the solver stops improving and reports the gap reached.
pub const DEFAULT_TIME_LIMIT_SECS: u64 = 20;
/// By default the answer's "how the total falls as k grows" curve runs to k = 5 (or k, if larger).
pub const DEFAULT_CURVE_TO: usize = 5;

/// Where the candidate hosts come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateSource {
    /// Hosts people can reach: the members' own cities, capitals and cities
    /// served by a large airport ([`reachable_candidates`]).
    #[default]
    Reachable,
    /// The bundled GeoNames cities of at least `min_population` people, districts within `merge_km` merged.
    Cities,
    /// Airports with scheduled passenger service.
    Airports,
    /// The request's own `listed` candidates.
    Listed,
}

/// Everything that decides a plan. Build it with struct update syntax over
/// [`PlanRequest::default`] so that unnamed fields keep the documented defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanRequest {
    /// Who would travel: names, home places and how many people travel from each.
    #[serde(alias = "people")]
    pub travellers: Vec<Traveller>,
    /// What is minimised.
    pub objective: Objective,
    /// Number of gatherings (1 = one gathering).
    pub k: usize,
    /// Where candidate hosts come from.
    pub candidates: CandidateSource,
    /// With [`CandidateSource::Cities`]: the smallest host city (population).
    pub min_population: u64,
    /// With [`CandidateSource::Cities`]: cities closer than this (km) to a larger
    /// one are left out (so Brooklyn does not compete with New York); 0 keeps every city.
    pub merge_km: f64,
    /// With [`CandidateSource::Listed`]: the candidate hosts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<Candidate>,
    /// Hosts ruled out: city names or two-letter country codes.
    pub exclude: Vec<String>,
    /// Pinned hosts (place names, "City, CC"): when any are given, only these are considered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pin: Vec<String>,
    /// Which hosts visas rule out.
    pub visa_policy: VisaPolicy,
    /// With [`VisaPolicy::NoAdvanceVisa`]: how many people may still need a visa
    /// obtained in advance (default 0).
    pub max_advance_visas: u64,
    /// Stop improving once the certified gap is at most this fraction.
    pub target_gap: f64,
    /// Stop improving after this many seconds and report the gap reached.
    pub time_limit_secs: u64,
    /// The answer's k curve covers k = 1 … max(k, `curve_to`); 0 leaves the curve out.
    pub curve_to: usize,
    /// The travel model, known fares included.
    pub model: TravelModel,
    /// Also rank start times for a virtual meeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<SlotRequest>,
    /// Also compute the hybrid frontier (k = 1 … max(k, 5)).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hybrid: bool,
    /// Also answer "who can we bring for this budget?".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetRequest>,
    /// Also plan a linked multi-hub gathering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<LinkedRequest>,
    /// The frontier point this plan was saved from (its answer's `hybrid_choice`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hybrid_point: Option<HybridPoint>,
}

impl Default for PlanRequest {
    fn default() -> Self {
        Self {
            travellers: Vec::new(),
            objective: Objective::TotalCost,
            k: 1,
            candidates: CandidateSource::Reachable,
            min_population: DEFAULT_MIN_POPULATION,
            merge_km: DEFAULT_MERGE_KM,
            listed: Vec::new(),
            exclude: Vec::new(),
            pin: Vec::new(),
            visa_policy: VisaPolicy::NoRefusal,
            max_advance_visas: 0,
            target_gap: DEFAULT_TARGET_GAP,
            time_limit_secs: DEFAULT_TIME_LIMIT_SECS,
            curve_to: DEFAULT_CURVE_TO,
            model: TravelModel::default(),
            slots: None,
            hybrid: false,
            budget: None,
            linked: None,
            hybrid_point: None,
        }
    }
}

/// Which hosts visas rule out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VisaPolicy {
    /// Every host stays; a refused member is costed as needing a consular visa and flagged.
    Any,
    /// Hosts where anyone would be refused admission are left out (the default).
    #[default]
    NoRefusal,
    /// As `no-refusal`, and hosts where more than `max_advance_visas` people need a
    /// visa obtained in advance are left out.
    NoAdvanceVisa,
}

impl VisaPolicy {
    /// The name used on the command line and in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::NoRefusal => "no-refusal",
            Self::NoAdvanceVisa => "no-advance-visa",
        }
    }
}

/// The planner's answer to a request: the scenarios side by side and the k curve.
/// Stored as a saved plan's `result`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanAnswer {
    /// One gathering, k regional gatherings (when k > 1) and going virtual.
    pub comparison: Comparison,
    /// How the objective falls as k grows (empty when the request asked for none).
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// The date of the visa data behind every visa fact.
    #[serde(default)]
    pub visa_data: String,
    /// Best start times for a virtual meeting, best first (when asked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Slot>,
    /// The hybrid frontier (when asked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frontier: Vec<FrontierPoint>,
    /// The hosts of each k on the frontier (so that a point can be saved as a plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frontier_hosts: Vec<FrontierHosts>,
    /// The frontier point this plan was saved from: who travels where, who joins online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hybrid_choice: Option<HybridChoice>,
    /// Who a budget brings (when asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetAnswer>,
    /// The linked multi-hub gathering (when asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<LinkedAnswer>,
    /// With virtual slots and k > 1: the spread of UTC offsets (hours) inside each
    /// regional gathering, on the slots' date, in the order of its hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tz_spread_hours: Vec<f64>,
}

impl PlanAnswer {
    /// The plan for the requested k: the regional one when k > 1, else the one gathering.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        self.comparison.regional.as_ref().unwrap_or(&self.comparison.one)
    }
}

impl PlanRequest {
    /// The solver options this request asks for.
    #[must_use]
    pub fn solve_options(&self) -> SolveOptions {
        SolveOptions {
            target_gap: self.target_gap,
            time_limit: Duration::from_secs(self.time_limit_secs),
            ..SolveOptions::default()
        }
    }

    /// Checks everything that does not need solving, in the order a person
    /// would fix it: the people, then the numbers, then the hosts.
    ///
    /// # Errors
    /// The first problem found, as data (see [`PlanError`]).
    pub fn validate(&self) -> Result<(), PlanError> {
        validate_travellers(&self.travellers)?;
        for (index, t) in self.travellers.iter().enumerate() {
            if let Some(p) = t.passports.iter().find(|p| !is_known_passport(p)) {
                return Err(PlanError::UnknownPassport { index, name: t.name.clone(), passport: p.clone() });
            }
        }
        if self.k == 0 {
            return Err(PlanError::ZeroK);
        }
        if !(0.0..1.0).contains(&self.target_gap) {
            return Err(PlanError::InvalidTargetGap(self.target_gap));
        }
        if !self.merge_km.is_finite() || self.merge_km < 0.0 {
            return Err(PlanError::InvalidMergeKm(self.merge_km));
        }
        self.model.validate().map_err(PlanError::InvalidModel)
    }

    /// The candidate hosts the request names, exclusions applied.
    ///
    /// # Errors
    /// [`PlanError::NoCandidates`] when none is left.
    pub fn candidate_hosts(&self) -> Result<Vec<Candidate>, PlanError> {
        let mut list = if self.pin.is_empty() {
            match self.candidates {
                CandidateSource::Reachable => reachable_candidates(&self.travellers, self.merge_km),
                CandidateSource::Cities => city_candidates(self.min_population, self.merge_km),
                CandidateSource::Airports => airport_candidates(),
                CandidateSource::Listed => self.listed.clone(),
            }
        } else {
            self.pinned()?
        };
        let before = list.len();
        exclude(&mut list, &self.exclude);
        if list.is_empty() {
            return Err(PlanError::NoCandidates {
                hosts: self.candidates,
                min_population: self.min_population,
                excluded: before,
            });
        }
        let before = list.len();
        self.apply_visa_policy(&mut list);
        if list.is_empty() {
            return Err(PlanError::NoHostForVisaPolicy {
                policy: self.visa_policy,
                max_advance_visas: self.max_advance_visas,
                candidates: before,
            });
        }
        Ok(list)
    }

    /// The pinned hosts, each resolved to a city.
    fn pinned(&self) -> Result<Vec<Candidate>, PlanError> {
        self.pin
            .iter()
            .map(|name| match resolve(name) {
                Ok(p) => Ok(Candidate {
                    name: p.name.clone(),
                    country: p.country.clone(),
                    position: p.position(),
                    population: Some(p.population),
                }),
                Err(error) => Err(PlanError::Pin { name: name.clone(), error }),
            })
            .collect()
    }

    /// Drops the hosts the visa policy rules out (decided per country).
    fn apply_visa_policy(&self, list: &mut Vec<Candidate>) {
        if self.visa_policy == VisaPolicy::Any {
            return;
        }
        let passports: Vec<(u64, Vec<String>)> =
            self.travellers.iter().map(|t| (u64::from(t.weight), passports_of(t))).collect();
        let mut verdict: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        list.retain(|c| {
            *verdict.entry(c.country.clone()).or_insert_with(|| {
                let (mut refused, mut advance) = (0, 0);
                for (w, p) in &passports {
                    match self.model.visa.fact(p, &c.country).map(|f| f.requirement) {
                        Some(Requirement::NoAdmission) => refused += w,
                        Some(Requirement::VisaRequired) => advance += w,
                        _ => {}
                    }
                }
                refused == 0 && (self.visa_policy == VisaPolicy::NoRefusal || advance <= self.max_advance_visas)
            })
        });
    }
}

/// Every traveller has a name, valid coordinates and at least one person.
pub(crate) fn validate_travellers(travellers: &[Traveller]) -> Result<(), PlanError> {
    if travellers.is_empty() {
        return Err(PlanError::NoTravellers);
    }
    for (index, t) in travellers.iter().enumerate() {
        if t.weight == 0 {
            return Err(PlanError::ZeroWeight { index, name: t.name.clone() });
        }
        if t.weight > super::MAX_WEIGHT {
            return Err(PlanError::WeightTooLarge { index, name: t.name.clone(), max: super::MAX_WEIGHT });
        }
        if let Err(error) = LatLon::new(t.position.lat, t.position.lon) {
            return Err(PlanError::Coordinates { index, name: t.name.clone(), error });
        }
    }
    Ok(())
}

/// Answers a planning request: one gathering, k regional gatherings (when
/// k > 1) and going virtual side by side, and the k curve. Each k is solved
/// once, the curve reusing the scenarios' plans. `progress` hears about the
/// whole run (its fraction goes from 0 to 1 once).
///
/// # Errors
/// [`PlanError`] for an invalid request (see [`PlanRequest::validate`]), no
/// candidate host left, or k above the candidates or distinct home places.
pub fn plan(request: &PlanRequest, progress: &mut dyn FnMut(Progress)) -> Result<PlanAnswer, PlanError> {
    request.validate()?;
    let candidates = request.candidate_hosts()?;
    let options = request.solve_options();
    let (travellers, model, objective) = (&request.travellers, &request.model, request.objective);
    let slots = match &request.slots {
        Some(s) => best_slots(&request.travellers, s)?,
        None => Vec::new(),
    };
    let curve_to = if request.curve_to == 0 { 0 } else { request.curve_to.max(request.k) };
    // The frontier needs k = 1 … max(k, 5) solved, curve or not.
    let solve_to = if request.hybrid { curve_to.max(DEFAULT_CURVE_TO).max(request.k) } else { curve_to };
    // k = 1 always (the one-gathering scenario), the requested k, and the curve's.
    let ks: Vec<usize> = (1..=solve_to.max(request.k)).filter(|&k| k == 1 || k == request.k || k <= solve_to).collect();
    #[allow(clippy::cast_precision_loss)]
    let runs = ks.len() as f64;
    let mut plans: Vec<Plan> = Vec::with_capacity(ks.len());
    // One instance for every k (validated above: travellers, model, a candidate).
    let mut solver = Solver::new(travellers, &candidates, objective, model, &options);
    for (n, &k) in ks.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let done = n as f64;
        let mut scaled = |p: Progress| progress(Progress { fraction: (done + p.fraction) / runs, ..p });
        match solver.solve(k, &mut scaled) {
            Ok(p) => plans.push(p),
            // The curve stops where k outgrows the candidates or the home places;
            // the requested k itself must be possible.
            Err(PlanError::KExceedsCandidates { .. } | PlanError::KExceedsPlaces { .. }) if k > request.k => break,
            // Named for the k asked for, not the smaller k at which the curve found out.
            Err(PlanError::KExceedsCandidates { candidates, .. }) => {
                return Err(PlanError::KExceedsCandidates { k: request.k, candidates });
            }
            Err(PlanError::KExceedsPlaces { places, .. }) => {
                return Err(PlanError::KExceedsPlaces { k: request.k, places });
            }
            Err(e) => return Err(e),
        }
    }
    let mut plans = plans.into_iter();
    let one = plans.next().ok_or(PlanError::ZeroK)?;
    let rest: Vec<Plan> = plans.collect();
    let regional = rest.iter().find(|p| p.k == request.k).cloned();
    let curve = if curve_to == 0 {
        Vec::new()
    } else {
        std::iter::once(&one).chain(rest.iter()).filter(|p| p.k <= curve_to).map(CurvePoint::of_plan).collect()
    };
    let (frontier_points, frontier_hosts) = if request.hybrid {
        let all: Vec<Plan> = std::iter::once(one.clone()).chain(rest.iter().cloned()).collect();
        let hosts = all.iter().map(|p| FrontierHosts { k: p.k, hosts: p.hosts.clone() }).collect();
        (frontier(&all, model), hosts)
    } else {
        (Vec::new(), Vec::new())
    };
    let budget = match &request.budget {
        Some(b) => Some(bring(travellers, &candidates, model, b)?),
        None => None,
    };
    let linked_answer = match &request.linked {
        Some(l) => Some(linked(travellers, &candidates, objective, model, l, &options)?),
        None => None,
    };
    let tz_spread_hours = match (&request.slots, &regional) {
        (Some(s), Some(r)) => {
            let groups: Vec<usize> = r.assignments.iter().map(|a| a.host).collect();
            super::slots::offset_spread(travellers, &groups, r.k, &s.on)?
        }
        _ => Vec::new(),
    };
    let answer = PlanAnswer {
        comparison: Comparison::of(one, regional, travellers, model),
        curve,
        visa_data: VISA_DATA_DATE.to_owned(),
        slots,
        frontier: frontier_points,
        frontier_hosts,
        hybrid_choice: None,
        budget,
        linked: linked_answer,
        tz_spread_hours,
    };
    let chosen = answer.plan();
    progress(Progress { fraction: 1.0, value: chosen.value, lower_bound: chosen.lower_bound });
    Ok(answer)
}

/// A frontier point of an answered request as a hybrid gathering: the plan of
/// that k (kept in the answer, or solved again on its hubs, which gives the
/// same assignments) cut at the point's people in person.
///
/// # Errors
/// [`PlanError::HybridPoint`] when the answer has no frontier for that k or
/// the frontier does not reach that many people; the solver's errors.
pub fn choose_point(request: &PlanRequest, answer: &PlanAnswer, point: HybridPoint) -> Result<HybridChoice, PlanError> {
    let unknown = || PlanError::HybridPoint { k: point.k, in_person: point.in_person, fewest: 0, people: 0 };
    let kept =
        std::iter::once(&answer.comparison.one).chain(answer.comparison.regional.as_ref()).find(|p| p.k == point.k);
    if let Some(p) = kept {
        return choose(p, &request.model, point.in_person);
    }
    let hosts = answer.frontier_hosts.iter().find(|h| h.k == point.k).ok_or_else(unknown)?;
    let candidates = hosts
        .hosts
        .iter()
        .map(|h| {
            Ok(Candidate {
                name: h.name.clone(),
                country: h.country.clone(),
                position: LatLon::new(h.lat, h.lon).map_err(|_| unknown())?,
                population: None,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    let plan = super::solve::solve(
        &request.travellers,
        &candidates,
        point.k,
        request.objective,
        &request.model,
        &request.solve_options(),
    )?;
    choose(&plan, &request.model, point.in_person)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, lat: f64, lon: f64, weight: u32) -> Traveller {
        Traveller::at(name, lat, lon, weight).unwrap()
    }

    fn three() -> Vec<Traveller> {
        vec![at("Amina", -1.28, 36.82, 1), at("Kofi", 5.56, -0.20, 2), at("Lena", 52.52, 13.40, 1)]
    }

    #[test]
    fn parameters_saved_by_the_old_web_form_still_load() {
        // The shape `web::plan::PlanParams` stored before the request type (no merge, no model, no exclusions).
        let old = r#"{"people":[{"name":"Amina","place":"Nairobi, KE","lat":-1.28333,"lon":36.81667,"weight":1},
            {"name":"Charles","place":"6.45, 3.39","lat":6.45,"lon":3.39,"weight":3}],
            "objective":"max-cost","k":2,"candidates":"airports","min_population":500000}"#;
        let r: PlanRequest = serde_json::from_str(old).unwrap();
        assert_eq!(r.travellers.len(), 2);
        assert_eq!(r.travellers[0].place.as_deref(), Some("Nairobi, KE"));
        assert_eq!((r.travellers[1].weight, r.travellers[1].position.lat), (3, 6.45));
        assert_eq!(
            (r.objective, r.k, r.candidates, r.min_population),
            (Objective::MaxCost, 2, CandidateSource::Airports, 500_000)
        );
        assert!(r.exclude.is_empty());
        assert!((r.merge_km - DEFAULT_MERGE_KM).abs() < 1e-12);
        assert_eq!(r.model, TravelModel::default());
        // And what is saved now reads back the same.
        let again: PlanRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn answers_saved_before_unused_fares_were_data_still_load() {
        let answer = plan(&PlanRequest { travellers: three(), k: 2, ..PlanRequest::default() }, &mut |_| {}).unwrap();
        let mut old = serde_json::to_value(&answer).unwrap();
        for scenario in ["one", "regional"] {
            let p = old["comparison"][scenario].as_object_mut().unwrap();
            p.remove("unused_fares");
            p.insert("notes".into(), serde_json::json!(["known fare A → B not used: no such participant"]));
        }
        let loaded: PlanAnswer = serde_json::from_value(old).unwrap();
        assert!(loaded.comparison.one.unused_fares.is_empty());
        assert_eq!(loaded.plan().hosts, answer.plan().hosts);
    }

    #[test]
    fn one_set_of_defaults_serves_every_caller() {
        let r = PlanRequest::default();
        assert_eq!(r.min_population, DEFAULT_MIN_POPULATION);
        assert_eq!(DEFAULT_MIN_POPULATION, 1_000_000);
        let from_json: PlanRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(from_json, r);
        assert_eq!(r.solve_options().time_limit, SolveOptions::default().time_limit);
        assert!((r.solve_options().target_gap - SolveOptions::default().target_gap).abs() < 1e-12);
    }

    #[test]
    fn a_traveller_of_weight_zero_is_refused_not_counted_as_one() {
        let mut travellers = three();
        travellers[1].weight = 0;
        let r = PlanRequest { travellers: travellers.clone(), ..PlanRequest::default() };
        assert_eq!(plan(&r, &mut |_| {}).unwrap_err(), PlanError::ZeroWeight { index: 1, name: "Kofi".into() });
        let cities = city_candidates(DEFAULT_MIN_POPULATION, DEFAULT_MERGE_KM);
        let solved = super::super::solve(
            &travellers,
            &cities,
            1,
            Objective::TotalCost,
            &TravelModel::default(),
            &SolveOptions::default(),
        );
        assert!(matches!(solved, Err(PlanError::ZeroWeight { index: 1, .. })));
    }

    #[test]
    fn the_merge_distance_is_part_of_the_request() {
        let merged = PlanRequest { min_population: 2_000_000, ..PlanRequest::default() };
        let districts = PlanRequest { merge_km: 0.0, ..merged.clone() };
        let (a, b) = (merged.candidate_hosts().unwrap(), districts.candidate_hosts().unwrap());
        assert!(a.len() < b.len());
        assert!(b.iter().any(|c| c.name == "Brooklyn") && !a.iter().any(|c| c.name == "Brooklyn"));
        let bad = PlanRequest { travellers: three(), merge_km: -1.0, ..PlanRequest::default() };
        assert_eq!(bad.validate(), Err(PlanError::InvalidMergeKm(-1.0)));
    }

    #[test]
    fn errors_carry_what_the_reader_needs_to_fix_them() {
        let r = PlanRequest {
            travellers: three(),
            candidates: CandidateSource::Cities,
            min_population: 100_000_000,
            ..PlanRequest::default()
        };
        assert_eq!(
            plan(&r, &mut |_| {}).unwrap_err(),
            PlanError::NoCandidates { hosts: CandidateSource::Cities, min_population: 100_000_000, excluded: 0 }
        );
        let r = PlanRequest {
            travellers: three(),
            candidates: CandidateSource::Listed,
            listed: vec![Candidate {
                name: "Hub".into(),
                country: "KE".into(),
                position: LatLon::new(0.0, 0.0).unwrap(),
                population: None,
            }],
            exclude: vec!["ke".into()],
            ..PlanRequest::default()
        };
        assert!(matches!(plan(&r, &mut |_| {}), Err(PlanError::NoCandidates { excluded: 1, .. })));
        for curve_to in [0, DEFAULT_CURVE_TO] {
            let r = PlanRequest { travellers: three(), k: 4, curve_to, ..PlanRequest::default() };
            assert_eq!(plan(&r, &mut |_| {}).unwrap_err(), PlanError::KExceedsPlaces { k: 4, places: 3 });
        }
        let r = PlanRequest { travellers: three(), target_gap: 1.5, ..PlanRequest::default() };
        assert_eq!(r.validate(), Err(PlanError::InvalidTargetGap(1.5)));
    }

    #[test]
    fn the_curve_stops_where_k_outgrows_the_home_places_and_progress_ends_at_one() {
        let r = PlanRequest { travellers: three(), k: 2, ..PlanRequest::default() };
        let mut last = 0.0;
        let answer = plan(&r, &mut |p| {
            assert!(p.fraction >= 0.0 && p.fraction <= 1.0 + 1e-12);
            last = p.fraction;
        })
        .unwrap();
        assert!((last - 1.0).abs() < 1e-12);
        assert_eq!(answer.curve.iter().map(|c| c.k).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(answer.plan().k, 2);
        let none = PlanRequest { curve_to: 0, ..r };
        assert!(plan(&none, &mut |_| {}).unwrap().curve.is_empty());
    }
}
