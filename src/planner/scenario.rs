//! Scenarios side by side — one gathering, k regional gatherings, or meeting
//! virtually — and the curve of how the objective falls as k grows, so a
//! steward can see what each extra gathering buys.

use serde::{Deserialize, Serialize};

use super::plan::{Host, Plan, Totals, Traveller};
use super::travel::TravelModel;

/// Which way of convening a scenario describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// Everyone meets at one host.
    OneGathering,
    /// k hosts, each member at the best one for them.
    Regional,
    /// Nobody travels; each person has a connectivity cost.
    Virtual,
}

/// The headline figures of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Kind of scenario.
    pub kind: ScenarioKind,
    /// Number of gatherings (0 for virtual).
    pub k: usize,
    /// The hosts (empty for virtual).
    pub hosts: Vec<Host>,
    /// Sums and averages over everyone.
    pub totals: Totals,
    /// Certified gap of the host choice (0 for virtual and for proven optima).
    pub gap: f64,
}

impl Scenario {
    /// The figures of a solved plan.
    #[must_use]
    pub fn of_plan(plan: &Plan) -> Self {
        Self {
            kind: if plan.k == 1 { ScenarioKind::OneGathering } else { ScenarioKind::Regional },
            k: plan.k,
            hosts: plan.hosts.clone(),
            totals: plan.totals.clone(),
            gap: plan.gap,
        }
    }

    /// Everyone joins virtually: the model's per-person connectivity cost and CO2, no travel.
    #[must_use]
    pub fn virtual_meeting(travellers: &[Traveller], model: &TravelModel) -> Self {
        let people: u64 = travellers.iter().map(|t| u64::from(t.weight)).sum();
        #[allow(clippy::cast_precision_loss)]
        let p = people as f64;
        Self {
            kind: ScenarioKind::Virtual,
            k: 0,
            hosts: Vec::new(),
            totals: Totals {
                people,
                total_cost: p * model.virtual_cost_per_person,
                per_person_cost: model.virtual_cost_per_person,
                max_cost: model.virtual_cost_per_person,
                total_co2_kg: p * model.virtual_co2_kg_per_person,
                per_person_co2_kg: model.virtual_co2_kg_per_person,
                total_km: 0.0,
                avg_hours: 0.0,
                max_hours: 0.0,
                currency: model.currency.clone(),
            },
            gap: 0.0,
        }
    }
}

/// One participant row across the scenarios.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    /// Participant name.
    pub name: String,
    /// People travelling from there.
    pub weight: u32,
    /// Host, return fare, CO2 kg and one-way hours for one gathering.
    pub one: (String, f64, f64, f64),
    /// The same for the regional scenario, when there is one.
    pub regional: Option<(String, f64, f64, f64)>,
    /// Connectivity cost and CO2 kg when virtual.
    pub virtual_meeting: (f64, f64),
}

/// The scenarios compared, with the plans behind them and a per-person table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// One gathering, k regional (when k > 1), virtual.
    pub scenarios: Vec<Scenario>,
    /// The one-gathering plan.
    pub one: Plan,
    /// The k-gathering plan, when k > 1.
    pub regional: Option<Plan>,
    /// Per-person figures in every scenario.
    pub people: Vec<PersonRow>,
}

fn person_part(plan: &Plan, i: usize) -> (String, f64, f64, f64) {
    let a = &plan.assignments[i];
    let host = plan.hosts.get(a.host).map(|h| h.name.clone()).unwrap_or_default();
    (host, a.trip.cost, a.trip.co2_kg, a.trip.hours)
}

impl Comparison {
    /// Sets the one-gathering plan and (when there is one) the regional plan
    /// beside meeting virtually, with a per-person table.
    #[must_use]
    pub fn of(one: Plan, regional: Option<Plan>, travellers: &[Traveller], model: &TravelModel) -> Self {
        let mut scenarios = vec![Scenario::of_plan(&one)];
        if let Some(r) = &regional {
            scenarios.push(Scenario::of_plan(r));
        }
        scenarios.push(Scenario::virtual_meeting(travellers, model));
        let people = (0..travellers.len())
            .map(|i| PersonRow {
                name: travellers[i].name.clone(),
                weight: travellers[i].weight,
                one: person_part(&one, i),
                regional: regional.as_ref().map(|r| person_part(r, i)),
                virtual_meeting: (model.virtual_cost_per_person, model.virtual_co2_kg_per_person),
            })
            .collect();
        Self { scenarios, one, regional, people }
    }
}

/// One point of the "how the total falls as k grows" curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Number of gatherings.
    pub k: usize,
    /// Objective value of the best plan found.
    pub value: f64,
    /// Certified lower bound for this k.
    pub lower_bound: f64,
    /// Certified gap.
    pub gap: f64,
    /// Sums over everyone for this plan.
    pub totals: Totals,
}

impl CurvePoint {
    /// The point of a solved plan.
    #[must_use]
    pub fn of_plan(p: &Plan) -> Self {
        Self { k: p.k, value: p.value, lower_bound: p.lower_bound, gap: p.gap, totals: p.totals.clone() }
    }
}
