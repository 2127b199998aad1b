//! "Who can we bring for $X?": for a budget, the host and the travellers that
//! bring the most people in person (the rest join online), optionally with at
//! least one person from each country (or region) in the list, and what the
//! next 1,000 of the budget would add.
//!
//! For one host, bringing the most people for the money means taking the
//! cheapest trips first; with a required spread, the cheapest person of each
//! country first, then the cheapest of the rest (an exchange argument shows
//! no other choice of the same size costs less). Every candidate host is tried.

use serde::{Deserialize, Serialize};

use super::error::PlanError;
use super::places::continent;
use super::plan::{Candidate, Objective, Traveller};
use super::solve::prepare;
use super::travel::TravelModel;
use super::visas::home_country;

/// What the next step of budget is: 1,000 in the model's currency.
pub const BUDGET_STEP: f64 = 1000.0;

/// Who must be represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spread {
    /// At least one person from each home country in the list.
    Country,
    /// At least one person from each continent (GeoNames' AF, AS, EU, NA, OC, SA, AN) in the list.
    Region,
}

/// A budget question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetRequest {
    /// The money available for travel (the model's currency).
    pub amount: f64,
    /// Who must be represented, if anyone.
    #[serde(default)]
    pub spread: Option<Spread>,
}

/// People brought from one participant row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Brought {
    /// The participant row's name.
    pub name: String,
    /// People brought from it (out of its weight).
    pub people: u32,
    /// Their per-person trip cost (visa included).
    pub cost: f64,
}

/// The answer to a budget question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetAnswer {
    /// People brought in person.
    pub brought: u64,
    /// What their trips cost.
    pub cost: f64,
    /// The host.
    pub host: String,
    /// The host's country (ISO-2).
    pub host_country: String,
    /// People joining online.
    pub online: u64,
    /// How many more people 1,000 more would bring (to the best host for that budget).
    pub next_1000_adds: u64,
    /// Who travels.
    pub travellers: Vec<Brought>,
}

/// The spread group of each traveller (country or continent code).
fn spread_key(t: &Traveller, spread: Spread) -> String {
    let country = home_country(t).unwrap_or_default();
    match spread {
        Spread::Country => country,
        Spread::Region => continent(&country).unwrap_or_default().to_owned(),
    }
}

/// The best (brought, cost, taken per row) for one host: per-row costs `cost`,
/// weights, spread groups. `None` when the spread cannot be afforded.
fn best_for_host(cost: &[f64], weight: &[u32], group: Option<&[usize]>, budget: f64) -> Option<(u64, f64, Vec<u32>)> {
    let n = cost.len();
    let mut taken = vec![0_u32; n];
    let mut spent = 0.0;
    if let Some(group) = group {
        let groups = group.iter().copied().max().map_or(0, |g| g + 1);
        let mut cheapest: Vec<Option<usize>> = vec![None; groups];
        for i in 0..n {
            let c = &mut cheapest[group[i]];
            if c.is_none_or(|j| cost[i] < cost[j]) {
                *c = Some(i);
            }
        }
        for i in cheapest.into_iter().flatten() {
            taken[i] = 1;
            spent += cost[i];
        }
        if spent > budget * (1.0 + 1e-12) {
            return None;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(a.cmp(&b)));
    for i in order {
        let left = weight[i] - taken[i];
        if left == 0 {
            continue;
        }
        let room = budget - spent;
        let afford = if cost[i] <= 0.0 {
            left
        } else {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = ((room / cost[i]) * (1.0 + 1e-12)).floor().max(0.0).min(f64::from(left)) as u32;
            n
        };
        if afford == 0 {
            break;
        }
        taken[i] += afford;
        spent += f64::from(afford) * cost[i];
    }
    Some((taken.iter().map(|&t| u64::from(t)).sum(), spent, taken))
}

/// The best host and travellers for a budget.
///
/// # Errors
/// [`PlanError::BudgetTooSmall`] when the budget brings no one to any host (with
/// the cheapest single trip, or the cheapest spread), or [`PlanError::NoCandidates`].
pub fn bring(
    travellers: &[Traveller],
    candidates: &[Candidate],
    model: &TravelModel,
    request: &BudgetRequest,
) -> Result<BudgetAnswer, PlanError> {
    if !request.amount.is_finite() || request.amount < 0.0 {
        return Err(PlanError::BudgetTooSmall { budget: request.amount, cheapest: 0.0 });
    }
    let best = search(travellers, candidates, model, request.amount, request.spread)?;
    let more = search(travellers, candidates, model, request.amount + BUDGET_STEP, request.spread)
        .map_or(best.brought, |m| m.brought);
    Ok(BudgetAnswer { next_1000_adds: more.saturating_sub(best.brought), ..best })
}

/// The best host so far: people brought, money spent, host (tree position),
/// people taken per row and per-person cost per row.
type Best = (u64, f64, usize, Vec<u32>, Vec<f64>);

fn search(
    travellers: &[Traveller],
    candidates: &[Candidate],
    model: &TravelModel,
    budget: f64,
    spread: Option<Spread>,
) -> Result<BudgetAnswer, PlanError> {
    if candidates.is_empty() {
        return Err(PlanError::NoCandidates {
            hosts: super::request::CandidateSource::Listed,
            min_population: 0,
            excluded: 0,
        });
    }
    let prepared = prepare(travellers, candidates, Objective::TotalCost, model);
    let inst = &prepared.inst;
    let weight: Vec<u32> = travellers.iter().map(|t| t.weight).collect();
    let groups: Option<Vec<usize>> = spread.map(|s| {
        let keys: Vec<String> = travellers.iter().map(|t| spread_key(t, s)).collect();
        let mut distinct: Vec<&String> = keys.iter().collect();
        distinct.sort();
        distinct.dedup();
        keys.iter().map(|k| distinct.binary_search(&k).unwrap_or(0)).collect()
    });
    let people: u64 = weight.iter().map(|&w| u64::from(w)).sum();
    // (brought, spent, host, people taken per row, per-person cost per row)
    let mut best: Option<Best> = None;
    let mut cheapest = f64::INFINITY;
    let mut cost = vec![0.0; travellers.len()];
    for j in 0..inst.m() {
        for (t, c) in cost.iter_mut().enumerate() {
            *c = inst.cost(prepared.group_of[t], j);
        }
        cheapest = cheapest.min(spread_cost(&cost, groups.as_deref()));
        let Some((brought, spent, taken)) = best_for_host(&cost, &weight, groups.as_deref(), budget) else {
            continue;
        };
        let better = best.as_ref().is_none_or(|b| brought > b.0 || (brought == b.0 && spent < b.1));
        if brought > 0 && better {
            best = Some((brought, spent, j, taken, cost.clone()));
        }
    }
    let Some((brought, spent, j, taken, cost)) = best else {
        return Err(PlanError::BudgetTooSmall { budget, cheapest });
    };
    let host = &candidates[inst.index.original[j]];
    Ok(BudgetAnswer {
        brought,
        cost: (spent * 100.0).round() / 100.0,
        host: host.name.clone(),
        host_country: host.country.clone(),
        online: people - brought,
        next_1000_adds: 0,
        travellers: travellers
            .iter()
            .zip(taken.iter().zip(&cost))
            .filter(|(_, (n, _))| **n > 0)
            .map(|(t, (&n, &c))| Brought { name: t.name.clone(), people: n, cost: (c * 100.0).round() / 100.0 })
            .collect(),
    })
}

/// What the least affordable answer costs at one host: the cheapest trip, or the cheapest person of each group.
fn spread_cost(cost: &[f64], group: Option<&[usize]>) -> f64 {
    match group {
        None => cost.iter().copied().fold(f64::INFINITY, f64::min),
        Some(g) => {
            let groups = g.iter().copied().max().map_or(0, |x| x + 1);
            let mut least = vec![f64::INFINITY; groups];
            for (i, &c) in cost.iter().enumerate() {
                least[g[i]] = least[g[i]].min(c);
            }
            least.iter().sum()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::engine::SplitMix;
    use crate::planner::geo::LatLon;

    /// Every host, every subset of people (rows expanded by weight).
    fn brute(t: &[Traveller], c: &[Candidate], m: &TravelModel, budget: f64, spread: Option<Spread>) -> u64 {
        let mut best = 0;
        for host in c {
            let mut people: Vec<(f64, String)> = Vec::new();
            for tr in t {
                let mut trip = m.journey(tr.position, host.position, None);
                let visa = m.visa.fact(&crate::planner::visas::passports_of(tr), &host.country);
                trip.cost += visa.map_or(0.0, |v| v.cost);
                let key = spread.map(|s| spread_key(tr, s)).unwrap_or_default();
                for _ in 0..tr.weight {
                    people.push((trip.cost, key.clone()));
                }
            }
            let mut keys: Vec<&String> = people.iter().map(|p| &p.1).collect();
            keys.sort();
            keys.dedup();
            for mask in 0_u32..(1 << people.len()) {
                let chosen: Vec<&(f64, String)> =
                    people.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, p)| p).collect();
                let spent: f64 = chosen.iter().map(|p| p.0).sum();
                let covered = spread.is_none() || keys.iter().all(|k| chosen.iter().any(|p| &p.1 == *k));
                if spent <= budget * (1.0 + 1e-12) && covered {
                    best = best.max(chosen.len() as u64);
                }
            }
        }
        best
    }

    #[test]
    fn budget_selection_matches_brute_force_on_small_cases() {
        let mut rng = SplitMix(7);
        let model = TravelModel::default();
        for case in 0..12 {
            let travellers: Vec<Traveller> = (0..5)
                .map(|i| {
                    let p = LatLon::new(-30.0 + rng.next_f64() * 70.0, -15.0 + rng.next_f64() * 60.0).unwrap();
                    Traveller { weight: 1 + u32::from(i % 2 == 0), ..Traveller::new(format!("m{i}"), p) }
                })
                .collect();
            let hosts: Vec<Candidate> = ["Nairobi, KE", "Lagos, NG", "Cairo, EG", "Johannesburg, ZA"]
                .iter()
                .map(|n| {
                    let p = crate::planner::resolve(n).unwrap();
                    Candidate {
                        name: p.name.clone(),
                        country: p.country.clone(),
                        position: p.position(),
                        population: None,
                    }
                })
                .collect();
            let budget = 500.0 + rng.next_f64() * 3000.0;
            for spread in [None, Some(Spread::Country), Some(Spread::Region)] {
                let expected = brute(&travellers, &hosts, &model, budget, spread);
                let got = bring(&travellers, &hosts, &model, &BudgetRequest { amount: budget, spread });
                match got {
                    Ok(a) => {
                        assert_eq!(a.brought, expected, "case {case} {spread:?} budget {budget}");
                        assert!(a.cost <= budget + 0.01);
                        assert_eq!(a.travellers.iter().map(|b| u64::from(b.people)).sum::<u64>(), a.brought);
                    }
                    Err(PlanError::BudgetTooSmall { .. }) => assert_eq!(expected, 0, "case {case} {spread:?}"),
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }

    #[test]
    fn a_budget_below_any_trip_is_refused_with_the_cheapest() {
        let t = vec![Traveller::at("A", -1.28, 36.82, 1).unwrap(), Traveller::at("B", 6.45, 3.39, 1).unwrap()];
        let p = crate::planner::resolve("Kampala, UG").unwrap();
        let c = vec![Candidate { position: p.position(), name: p.name, country: p.country, population: None }];
        match bring(&t, &c, &TravelModel::default(), &BudgetRequest { amount: 10.0, spread: None }) {
            Err(PlanError::BudgetTooSmall { cheapest, .. }) => assert!(cheapest > 10.0),
            other => panic!("{other:?}"),
        }
        let a = bring(&t, &c, &TravelModel::default(), &BudgetRequest { amount: 5000.0, spread: None }).unwrap();
        assert_eq!((a.brought, a.online, a.next_1000_adds), (2, 0, 0));
    }
}
