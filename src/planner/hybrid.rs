//! The hybrid frontier: how total cost and CO2 fall as the members whose
//! travel costs (or emits) the most join online instead, for k = 1…K hubs.
//! Hosts stay those of each k's plan; a point is kept while moving the next
//! traveller online still lowers what is ordered by (cost, or CO2 with the CO2
//! objective), so every curve is monotone: less in person, less spent.

use serde::{Deserialize, Serialize};

use super::plan::{Objective, Plan};
use super::travel::TravelModel;

/// One point of the frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// Number of hubs.
    pub k: usize,
    /// Share of people meeting in person, 0..=1.
    pub in_person_share: f64,
    /// People meeting in person.
    pub in_person: u64,
    /// Total cost: the travellers' trips and the others' virtual participation.
    pub cost: f64,
    /// Total CO2e, kg, the same way.
    pub co2_kg: f64,
}

/// Steps of the in-person share at which a point is reported (every 5 %).
const STEPS: u32 = 20;

/// The frontier of each plan (one per k), points in decreasing in-person share.
#[must_use]
pub fn frontier(plans: &[Plan], model: &TravelModel) -> Vec<FrontierPoint> {
    plans.iter().flat_map(|p| frontier_of(p, model)).collect()
}

/// One plan's frontier: at 100 % in person, then at each 5 % step down while
/// moving people online still saves.
#[must_use]
pub fn frontier_of(plan: &Plan, model: &TravelModel) -> Vec<FrontierPoint> {
    let by_co2 = plan.objective == Objective::Co2;
    let key = |cost: f64, co2: f64| if by_co2 { co2 } else { cost };
    let virtual_key = key(model.virtual_cost_per_person, model.virtual_co2_kg_per_person);
    let mut rows: Vec<&super::plan::Assignment> = plan.assignments.iter().collect();
    rows.sort_by(|a, b| key(b.trip.cost, b.trip.co2_kg).total_cmp(&key(a.trip.cost, a.trip.co2_kg)));
    let people: u64 = rows.iter().map(|a| u64::from(a.weight)).sum();
    if people == 0 {
        return Vec::new();
    }
    let mut cost: f64 = rows.iter().map(|a| f64::from(a.weight) * a.trip.cost).sum();
    let mut co2: f64 = rows.iter().map(|a| f64::from(a.weight) * a.trip.co2_kg).sum();
    let mut in_person = people;
    #[allow(clippy::cast_precision_loss)]
    let share = |n: u64| n as f64 / people as f64;
    let point = |n: u64, cost: f64, co2: f64| FrontierPoint {
        k: plan.k,
        in_person_share: share(n),
        in_person: n,
        cost: (cost * 100.0).round() / 100.0,
        co2_kg: (co2 * 10.0).round() / 10.0,
    };
    let mut out = vec![point(in_person, cost, co2)];
    let mut next_step = STEPS - 1;
    for a in rows {
        if key(a.trip.cost, a.trip.co2_kg) <= virtual_key {
            break; // from here on, going online would cost (or emit) more
        }
        // One person at a time, so the 5 % steps fall where they should.
        for _ in 0..a.weight {
            in_person -= 1;
            cost += model.virtual_cost_per_person - a.trip.cost;
            co2 += model.virtual_co2_kg_per_person - a.trip.co2_kg;
            while share(in_person) <= f64::from(next_step) / f64::from(STEPS) + 1e-12 {
                out.push(point(in_person, cost, co2));
                if next_step == 0 {
                    break;
                }
                next_step -= 1;
            }
        }
    }
    out.dedup_by(|b, a| a.in_person == b.in_person);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::{PlanRequest, Traveller, plan};

    #[test]
    fn the_frontier_is_monotone_for_every_k() {
        let places = ["Nairobi, KE", "Accra, GH", "Berlin, DE", "Lima, PE", "Dhaka, BD", "Kampala, UG", "Dakar, SN"];
        let travellers: Vec<Traveller> = places
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let place = crate::planner::resolve(p).unwrap();
                Traveller { weight: 1 + u32::try_from(i % 3).unwrap(), ..Traveller::new(*p, place.position()) }
            })
            .collect();
        for objective in [Objective::TotalCost, Objective::Co2] {
            let r = PlanRequest { travellers: travellers.clone(), objective, k: 3, ..PlanRequest::default() };
            let answer = plan(&r, &mut |_| {}).unwrap();
            let model = TravelModel::default();
            let plans: Vec<Plan> =
                std::iter::once(answer.comparison.one.clone()).chain(answer.comparison.regional.clone()).collect();
            let f = frontier(&plans, &model);
            for k in [1, 3] {
                let curve: Vec<&FrontierPoint> = f.iter().filter(|p| p.k == k).collect();
                assert!(curve.len() > 3, "{objective} k={k}: {curve:?}");
                assert!((curve[0].in_person_share - 1.0).abs() < 1e-12);
                for w in curve.windows(2) {
                    assert!(w[1].in_person_share < w[0].in_person_share);
                    let (a, b) =
                        if objective == Objective::Co2 { (w[0].co2_kg, w[1].co2_kg) } else { (w[0].cost, w[1].cost) };
                    assert!(b <= a + 1e-6, "{objective} k={k}: {a} then {b}");
                }
            }
        }
    }
}
