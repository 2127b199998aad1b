//! The hybrid frontier: how total cost and CO2 fall as the members whose
//! travel costs (or emits) the most join online instead, for k = 1…K hubs.
//! Hosts stay those of each k's plan; a point is kept while moving the next
//! traveller online still lowers what is ordered by (cost, or CO2 with the CO2
//! objective), so every curve is monotone: less in person, less spent.

use serde::{Deserialize, Serialize};

use super::error::PlanError;
use super::plan::{Assignment, Host, Objective, Plan};
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

/// The order in which a plan's rows join online: costliest trip (or CO2 with
/// the CO2 objective) first, only while going online saves. Row indices into
/// `plan.assignments`.
fn online_order(plan: &Plan, model: &TravelModel) -> Vec<usize> {
    let by_co2 = plan.objective == Objective::Co2;
    let key = |a: &Assignment| if by_co2 { a.trip.co2_kg } else { a.trip.cost };
    let virtual_key = if by_co2 { model.virtual_co2_kg_per_person } else { model.virtual_cost_per_person };
    let mut rows: Vec<usize> = (0..plan.assignments.len()).collect();
    rows.sort_by(|&a, &b| key(&plan.assignments[b]).total_cmp(&key(&plan.assignments[a])));
    // From the first row whose going online would cost (or emit) more, no one else goes online.
    let saving = rows.iter().take_while(|&&r| key(&plan.assignments[r]) > virtual_key).count();
    rows.truncate(saving);
    rows
}

/// One plan's frontier: at 100 % in person, then at each 5 % step down while
/// moving people online still saves.
#[must_use]
pub fn frontier_of(plan: &Plan, model: &TravelModel) -> Vec<FrontierPoint> {
    let rows = &plan.assignments;
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
    for r in online_order(plan, model) {
        let a = &rows[r];
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

/// The hosts of one k's plan, kept with the frontier so that any of its
/// points can later be saved as a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierHosts {
    /// Number of hubs.
    pub k: usize,
    /// The hubs of that k's plan.
    pub hosts: Vec<Host>,
}

/// A frontier point chosen by a steward: `k` and how many people meet in person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HybridPoint {
    /// Number of hubs.
    pub k: usize,
    /// People meeting in person.
    pub in_person: u64,
}

/// One participant row of a chosen hybrid gathering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HybridRow {
    /// The row's name.
    pub name: String,
    /// Index into [`HybridChoice::hosts`] (the nearest hub, for those who travel).
    pub host: usize,
    /// People of the row who travel.
    pub in_person: u32,
    /// People of the row who join online.
    pub online: u32,
    /// Per-person trip cost and CO2e, had they travelled.
    pub trip_cost: f64,
    /// Per-person return-trip CO2e, kg.
    pub trip_co2_kg: f64,
}

/// A hybrid gathering as saved from a frontier point: who travels to which
/// hub, who joins online, and the totals against everyone travelling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HybridChoice {
    /// Number of hubs.
    pub k: usize,
    /// The hubs.
    pub hosts: Vec<Host>,
    /// People meeting in person.
    pub in_person: u64,
    /// People joining online.
    pub online: u64,
    /// `in_person` over everyone.
    pub in_person_share: f64,
    /// Trips of those who travel and the virtual cost of the others.
    pub cost: f64,
    /// The same for CO2e, kg.
    pub co2_kg: f64,
    /// Everyone travelling to these hubs: cost.
    pub all_cost: f64,
    /// Everyone travelling to these hubs: CO2e, kg.
    pub all_co2_kg: f64,
    /// One row per participant row, in input order.
    pub rows: Vec<HybridRow>,
}

/// Cuts a plan at `in_person` people: the frontier's order (costliest first)
/// decides who joins online.
///
/// # Errors
/// [`PlanError::HybridPoint`] when `in_person` is above everyone or below the
/// fewest the frontier reaches (where going online would stop saving).
pub fn choose(plan: &Plan, model: &TravelModel, in_person: u64) -> Result<HybridChoice, PlanError> {
    let rows = &plan.assignments;
    let people: u64 = rows.iter().map(|a| u64::from(a.weight)).sum();
    let order = online_order(plan, model);
    let movable: u64 = order.iter().map(|&r| u64::from(rows[r].weight)).sum();
    if in_person > people || in_person < people - movable {
        return Err(PlanError::HybridPoint { k: plan.k, in_person, fewest: people - movable, people });
    }
    let mut online = vec![0_u32; rows.len()];
    let mut left = people - in_person;
    for r in order {
        if left == 0 {
            break;
        }
        let take = u32::try_from(left.min(u64::from(rows[r].weight))).unwrap_or(u32::MAX);
        online[r] = take;
        left -= u64::from(take);
    }
    let (mut cost, mut co2, mut all_cost, mut all_co2) = (0.0, 0.0, 0.0, 0.0);
    let out: Vec<HybridRow> = rows
        .iter()
        .zip(&online)
        .map(|(a, &off)| {
            let on = a.weight - off;
            let (w, on_f, off_f) = (f64::from(a.weight), f64::from(on), f64::from(off));
            all_cost += w * a.trip.cost;
            all_co2 += w * a.trip.co2_kg;
            cost += on_f * a.trip.cost + off_f * model.virtual_cost_per_person;
            co2 += on_f * a.trip.co2_kg + off_f * model.virtual_co2_kg_per_person;
            HybridRow {
                name: a.name.clone(),
                host: a.host,
                in_person: on,
                online: off,
                trip_cost: a.trip.cost,
                trip_co2_kg: a.trip.co2_kg,
            }
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let share = if people > 0 { in_person as f64 / people as f64 } else { 0.0 };
    Ok(HybridChoice {
        k: plan.k,
        hosts: plan.hosts.clone(),
        in_person,
        online: people - in_person,
        in_person_share: share,
        cost,
        co2_kg: co2,
        all_cost,
        all_co2_kg: all_co2,
        rows: out,
    })
}

#[cfg(test)]
mod tests {
    use super::super::PlanError;
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

    #[test]
    fn a_saved_frontier_point_has_the_frontiers_totals_and_says_who_joins_online() {
        let places = ["Nairobi, KE", "Accra, GH", "Berlin, DE", "Lima, PE", "Dhaka, BD", "Kampala, UG"];
        let travellers: Vec<Traveller> = places
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let place = crate::planner::resolve(p).unwrap();
                Traveller { weight: 1 + u32::try_from(i % 2).unwrap(), ..Traveller::new(*p, place.position()) }
            })
            .collect();
        let r = PlanRequest { travellers, hybrid: true, ..PlanRequest::default() };
        let answer = plan(&r, &mut |_| {}).unwrap();
        assert_eq!(answer.frontier_hosts.iter().map(|h| h.k).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        for p in &answer.frontier {
            let c = crate::planner::choose_point(&r, &answer, HybridPoint { k: p.k, in_person: p.in_person }).unwrap();
            assert_eq!((c.k, c.in_person, c.online), (p.k, p.in_person, 9 - p.in_person));
            assert!((c.cost - p.cost).abs() < 0.01, "k={} {}: {} vs {}", p.k, p.in_person, c.cost, p.cost);
            assert!((c.co2_kg - p.co2_kg).abs() < 0.1);
            let online: u32 = c.rows.iter().map(|x| x.online).sum();
            assert_eq!(u64::from(online), c.online);
            // Those online are the dearest trips: nobody travelling costs more than someone online.
            let dearest_travelling = c.rows.iter().filter(|x| x.in_person > 0).map(|x| x.trip_cost).fold(0.0, f64::max);
            let cheapest_online =
                c.rows.iter().filter(|x| x.online > 0).map(|x| x.trip_cost).fold(f64::INFINITY, f64::min);
            assert!(dearest_travelling <= cheapest_online + 1e-9);
        }
        let too_many = crate::planner::choose_point(&r, &answer, HybridPoint { k: 2, in_person: 10 });
        assert!(matches!(too_many, Err(PlanError::HybridPoint { people: 9, .. })));
        let no_such_k = crate::planner::choose_point(&r, &answer, HybridPoint { k: 7, in_person: 9 });
        assert!(matches!(no_such_k, Err(PlanError::HybridPoint { .. })));
    }
}
