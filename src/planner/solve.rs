//! Choosing k hosts for a list of travellers: the public entry point. It
//! checks the request, groups people who share a home place, picks the method
//! (an exact tree scan for one host, exact branch and bound for small
//! instances, a heuristic with a certified lower bound for large ones) and
//! turns the answer into per-person trips and totals.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::engine::{Aggregate, HubCosts, Instance, VisaCosts};
use super::error::PlanError;
use super::geo::{LatLon, UnitVec};
use super::places::fold;
use super::plan::{Assignment, Candidate, FareEnd, Host, HostCost, Objective, Plan, Totals, Traveller, UnusedFare};
use super::request::{CandidateSource, DEFAULT_TARGET_GAP, DEFAULT_TIME_LIMIT_SECS, validate_travellers};
use super::solver::{Limits, Outcome};
use super::travel::{Quantity, TravelModel};
use super::visas::passports_of;
use super::{center, exact, median};

/// Knobs of the solver. The defaults suit interactive use.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// Stop improving once the certified gap (value − bound) / value is at most this.
    pub target_gap: f64,
    /// Stop improving after this long and report the gap reached.
    pub time_limit: Duration,
    /// Seed of the heuristic's restarts; the same seed gives the same plan.
    pub seed: u64,
    /// Instances with at most this many (home place × candidate) pairs are solved exactly.
    pub exact_pairs: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            target_gap: DEFAULT_TARGET_GAP,
            time_limit: Duration::from_secs(DEFAULT_TIME_LIMIT_SECS),
            seed: 0x00C0_FFEE,
            exact_pairs: exact::EXACT_PAIRS,
        }
    }
}

/// A progress report while solving.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Rough fraction of the work done, 0..=1.
    pub fraction: f64,
    /// Best objective value found so far.
    pub value: f64,
    /// Best certified lower bound so far.
    pub lower_bound: f64,
}

/// Chooses `k` hosts among `candidates` for `travellers`, minimising `objective`.
///
/// # Errors
/// [`PlanError`] for an empty list, a traveller of weight 0 or with invalid
/// coordinates, `k` of 0 or above the number of candidates or distinct home
/// places, or an invalid travel model.
pub fn solve(
    travellers: &[Traveller],
    candidates: &[Candidate],
    k: usize,
    objective: Objective,
    model: &TravelModel,
    options: &SolveOptions,
) -> Result<Plan, PlanError> {
    solve_with_progress(travellers, candidates, k, objective, model, options, &mut |_| {})
}

/// [`solve`], calling `progress` now and then (for a progress bar).
///
/// # Errors
/// As [`solve`].
pub fn solve_with_progress(
    travellers: &[Traveller],
    candidates: &[Candidate],
    k: usize,
    objective: Objective,
    model: &TravelModel,
    options: &SolveOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Plan, PlanError> {
    validate_travellers(travellers)?;
    if candidates.is_empty() {
        return Err(PlanError::NoCandidates { hosts: CandidateSource::Listed, min_population: 0, excluded: 0 });
    }
    if k == 0 {
        return Err(PlanError::ZeroK);
    }
    if k > candidates.len() {
        return Err(PlanError::KExceedsCandidates { k, candidates: candidates.len() });
    }
    model.validate().map_err(PlanError::InvalidModel)?;
    Solver::new(travellers, candidates, objective, model, options).solve(k, progress)
}

/// One instance solved for several k (the k curve, the hybrid frontier): the
/// people are grouped and the fares tabled once, and each k's search starts
/// from the previous k's hosts.
pub(crate) struct Solver<'a> {
    travellers: &'a [Traveller],
    candidates: &'a [Candidate],
    objective: Objective,
    model: &'a TravelModel,
    options: &'a SolveOptions,
    prepared: Prepared,
    /// When preparing began, for the first plan's time (later plans count from their own start).
    prepared_from: Option<Instant>,
    /// The hosts (tree positions) of the last k solved.
    last: Vec<usize>,
    /// The σ searches, kept from one k to the next.
    searches: median::Searches,
}

impl<'a> Solver<'a> {
    /// Prepares the instance; the inputs must be valid (travellers, a candidate, the model).
    pub(crate) fn new(
        travellers: &'a [Traveller],
        candidates: &'a [Candidate],
        objective: Objective,
        model: &'a TravelModel,
        options: &'a SolveOptions,
    ) -> Self {
        let prepared_from = Some(Instant::now());
        let prepared = prepare(travellers, candidates, objective, model);
        Self {
            travellers,
            candidates,
            objective,
            model,
            options,
            prepared,
            prepared_from,
            last: Vec::new(),
            searches: median::Searches::default(),
        }
    }

    /// The plan for `k` hosts.
    ///
    /// # Errors
    /// [`PlanError::ZeroK`], [`PlanError::KExceedsCandidates`], [`PlanError::KExceedsPlaces`].
    pub(crate) fn solve(&mut self, k: usize, progress: &mut dyn FnMut(Progress)) -> Result<Plan, PlanError> {
        let started = self.prepared_from.take().unwrap_or_else(Instant::now);
        let (candidates, options) = (self.candidates, self.options);
        if k == 0 {
            return Err(PlanError::ZeroK);
        }
        if k > candidates.len() {
            return Err(PlanError::KExceedsCandidates { k, candidates: candidates.len() });
        }
        let Prepared { inst, places, .. } = &self.prepared;
        if k > *places {
            return Err(PlanError::KExceedsPlaces { k, places: *places });
        }
        let limits =
            Limits { target_gap: options.target_gap, deadline: started + options.time_limit, seed: options.seed };
        let mut report =
            |fraction: f64, value: f64, lower_bound: f64| progress(Progress { fraction, value, lower_bound });
        // The previous k's hosts, when they are one fewer, start this k's search.
        let start = (self.last.len() + 1 == k).then_some(self.last.as_slice());
        let (outcome, method) = if k == 1 {
            let all: Vec<usize> = (0..inst.n()).collect();
            // With hub-aware money, every candidate's sum by airports; otherwise the tree search.
            let (j, v) = match inst.airport_sums(&all) {
                Some(sums) => {
                    sums.iter().copied().enumerate().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((0, f64::INFINITY))
                }
                None => inst.best_single(&all, f64::INFINITY, &[]).unwrap_or((0, f64::INFINITY)),
            };
            (Outcome { hosts: vec![j], value: v, lower_bound: v, iterations: 1 }, "exact scan of every candidate")
        } else {
            let heuristic = match inst.aggregate {
                Aggregate::Sum => median::solve(inst, k, &limits, start, &mut self.searches, &mut report),
                Aggregate::Max => center::solve(inst, k, &limits, &mut report),
            };
            let small = inst.n().saturating_mul(inst.m()) <= options.exact_pairs;
            if small && heuristic.lower_bound < heuristic.value {
                (exact::solve(inst, k, heuristic, &limits, &mut report), "exact branch and bound")
            } else if inst.aggregate == Aggregate::Sum {
                (heuristic, "Lloyd and swap heuristic, Lagrangian lower bound")
            } else {
                (heuristic, "farthest-first and Lloyd heuristic, threshold bisection with subset-relaxation bound")
            }
        };
        self.last.clone_from(&outcome.hosts);
        let p = &self.prepared;
        let host_idx: Vec<usize> = outcome.hosts.iter().map(|&t| p.inst.index.original[t]).collect();
        let plan = build_plan(
            self.travellers,
            &p.passports,
            candidates,
            &host_idx,
            self.objective,
            self.model,
            &p.fares,
            &outcome,
            method,
            p.unused.clone(),
            started,
            p.places,
        );
        progress(Progress { fraction: 1.0, value: plan.value, lower_bound: plan.lower_bound });
        Ok(plan)
    }
}

/// The solver's instance for a request, with what turning its answer into a plan needs.
pub(crate) struct Prepared {
    pub inst: Instance,
    pub passports: Vec<Vec<String>>,
    pub fares: HashMap<(usize, usize), f64>,
    pub unused: Vec<UnusedFare>,
    /// Distinct member groups (home place and passports).
    pub places: usize,
    /// Each traveller's member group.
    pub group_of: Vec<usize>,
}

/// Groups the travellers, matches known fares and builds the solver's instance
/// (hub-aware and visa-aware as the model says). The inputs must be valid.
pub(crate) fn prepare(
    travellers: &[Traveller],
    candidates: &[Candidate],
    objective: Objective,
    model: &TravelModel,
) -> Prepared {
    prepare_with(travellers, candidates, objective, model, None)
}

/// [`prepare`], with the candidates' access airports already looked up
/// ([`TravelModel::access`], in the candidates' order) when the caller has them.
pub(crate) fn prepare_with(
    travellers: &[Traveller],
    candidates: &[Candidate],
    objective: Objective,
    model: &TravelModel,
    cand_access: Option<Vec<[(u32, f64); 2]>>,
) -> Prepared {
    let mut unused = Vec::new();
    let fares = match_known_fares(travellers, candidates, model, &mut unused);

    let passports: Vec<Vec<String>> = travellers.iter().map(passports_of).collect();
    // Group people sharing a home place and passports, unless a known fare singles them out.
    let mut group_of = vec![0; travellers.len()];
    let mut key_to_group: HashMap<(u64, u64, String), usize> = HashMap::new();
    let mut pos = Vec::new();
    let mut group_at: Vec<LatLon> = Vec::new();
    let mut group_passports: Vec<String> = Vec::new();
    let mut weight = Vec::new();
    for (t, tr) in travellers.iter().enumerate() {
        let own = fares.keys().any(|&(row, _)| row == t);
        let key = (tr.position.lat.to_bits(), tr.position.lon.to_bits(), passports[t].join("|"));
        let g = match key_to_group.get(&key) {
            Some(&g) if !own => g,
            _ => {
                pos.push(UnitVec::from_latlon(tr.position));
                group_at.push(tr.position);
                group_passports.push(key.2.clone());
                weight.push(0.0);
                if !own {
                    key_to_group.insert(key, pos.len() - 1);
                }
                pos.len() - 1
            }
        };
        weight[g] += f64::from(tr.weight);
        group_of[t] = g;
    }
    let overrides: Vec<(usize, usize, f64)> = if objective.quantity() == Quantity::Cost {
        fares.iter().map(|(&(row, cand), &fare)| (group_of[row], cand, fare)).collect()
    } else {
        Vec::new()
    };
    let cand_pos: Vec<UnitVec> = candidates.iter().map(|c| UnitVec::from_latlon(c.position)).collect();
    let places = pos.len();
    let q = objective.quantity();
    let hub = (model.hub_aware && q != Quantity::Distance).then(|| {
        let at: Vec<LatLon> = candidates.iter().map(|c| c.position).collect();
        let access = cand_access.unwrap_or_else(|| at.iter().map(|&p| model.access(p)).collect());
        HubCosts::new(&TravelModel { known_fares: Vec::new(), ..model.clone() }, q, &group_at, access)
    });
    let visa = (q == Quantity::Cost && model.visa_aware).then(|| visa_costs(&group_passports, candidates, model));
    let inst = Instance::new(pos, weight, model.bound_metric(q), &cand_pos, objective.aggregate(), &overrides)
        .with_extras(hub, visa);
    Prepared { inst, passports, fares, unused, places, group_of }
}

/// Visa cost per (passport set, candidate country), for the solver.
fn visa_costs(group_passports: &[String], candidates: &[Candidate], model: &TravelModel) -> VisaCosts {
    let mut sets: Vec<&str> = Vec::new();
    let group_set = group_passports
        .iter()
        .map(|p| {
            let i = sets.iter().position(|s| *s == p.as_str()).unwrap_or_else(|| {
                sets.push(p);
                sets.len() - 1
            });
            u32::try_from(i).unwrap_or(0)
        })
        .collect();
    let mut countries: Vec<&str> = Vec::new();
    let mut by_country: HashMap<&str, u32> = HashMap::new();
    let cand_country = candidates
        .iter()
        .map(|c| {
            *by_country.entry(c.country.as_str()).or_insert_with(|| {
                countries.push(&c.country);
                u32::try_from(countries.len() - 1).unwrap_or(0)
            })
        })
        .collect();
    let mut table = Vec::with_capacity(sets.len() * countries.len());
    for set in &sets {
        let passports: Vec<String> = set.split('|').filter(|p| !p.is_empty()).map(str::to_owned).collect();
        for country in &countries {
            table.push(model.visa.fact(&passports, country).map_or(0.0, |f| f.cost));
        }
    }
    VisaCosts { group_set, cand_country, countries: countries.len(), table }
}

/// Known fares as (traveller row, candidate index) → fare.
fn match_known_fares(
    travellers: &[Traveller],
    candidates: &[Candidate],
    model: &TravelModel,
    unused: &mut Vec<UnusedFare>,
) -> HashMap<(usize, usize), f64> {
    let mut out = HashMap::new();
    for f in &model.known_fares {
        let member = fold(&f.member);
        let host = fold(&f.host);
        let rows: Vec<usize> = (0..travellers.len()).filter(|&t| fold(&travellers[t].name) == member).collect();
        let hosts: Vec<usize> = (0..candidates.len())
            .filter(|&c| {
                let cand = &candidates[c];
                fold(&cand.name) == host || fold(&format!("{}, {}", cand.name, cand.country)) == host
            })
            .collect();
        if rows.is_empty() || hosts.is_empty() {
            unused.push(UnusedFare {
                member: f.member.clone(),
                host: f.host.clone(),
                missing: if rows.is_empty() { FareEnd::Participant } else { FareEnd::Host },
            });
        }
        for &r in &rows {
            for &h in &hosts {
                out.insert((r, h), f.fare);
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn build_plan(
    travellers: &[Traveller],
    passports: &[Vec<String>],
    candidates: &[Candidate],
    host_idx: &[usize],
    objective: Objective,
    model: &TravelModel,
    fares: &HashMap<(usize, usize), f64>,
    outcome: &Outcome,
    method: &str,
    unused_fares: Vec<UnusedFare>,
    started: Instant,
    places: usize,
) -> Plan {
    let assignments: Vec<Assignment> = travellers
        .iter()
        .enumerate()
        .map(|(t, tr)| {
            let trips = host_idx.iter().map(|&c| {
                let fare = fares.get(&(t, c)).copied();
                let mut trip = model.journey(tr.position, candidates[c].position, fare);
                let visa = model.visa.fact(&passports[t], &candidates[c].country);
                trip.visa_cost = if model.visa_aware { visa.as_ref().map_or(0.0, |v| v.cost) } else { 0.0 };
                trip.cost += trip.visa_cost;
                (trip, visa)
            });
            let (host, (trip, visa)) = trips
                .enumerate()
                .min_by(|a, b| objective.of_trip(&a.1.0).total_cmp(&objective.of_trip(&b.1.0)))
                .unwrap_or((0, (model.trip(0.0, None), None)));
            Assignment {
                name: tr.name.clone(),
                place: tr.place.clone(),
                position: tr.position,
                weight: tr.weight,
                host,
                trip,
                visa,
            }
        })
        .collect();
    let value = match objective {
        Objective::MaxCost => assignments.iter().map(|a| a.trip.cost).fold(0.0, f64::max),
        _ => assignments.iter().map(|a| f64::from(a.weight) * objective.of_trip(&a.trip)).sum(),
    };
    // The bound was computed with the solver's own arithmetic; never let rounding put it above the value.
    let lower_bound = outcome.lower_bound.min(value).max(0.0);
    let gap = if value > 0.0 { ((value - lower_bound) / value).max(0.0) } else { 0.0 };
    let hosts = host_idx
        .iter()
        .map(|&c| {
            let cand = &candidates[c];
            Host {
                name: cand.name.clone(),
                country: cand.country.clone(),
                lat: cand.position.lat,
                lon: cand.position.lon,
            }
        })
        .collect();
    let totals = Totals::of(assignments.iter().map(|a| (a.weight, &a.trip)), &model.currency);
    let breakdown = HostCost::of(&assignments, host_idx.len());
    Plan {
        objective,
        k: host_idx.len(),
        hosts,
        value,
        lower_bound,
        gap,
        method: method.to_owned(),
        assignments,
        totals,
        places,
        candidates: candidates.len(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        iterations: outcome.iterations,
        unused_fares,
        breakdown,
    }
}
