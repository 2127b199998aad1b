//! k hosts minimising a sum over members (k-median) on large instances: a
//! heuristic (seeded Lloyd restarts, then swap moves) and a certified lower
//! bound from Lagrangian relaxation, improved by subgradient steps until the
//! gap is small enough.
//!
//! The relaxation and its ascent are [`super::lagrange`]'s. Here the k largest
//! σ are found exactly with the candidate tree, which bounds σ for a whole cap
//! and skips it, so no step ever holds a members × candidates table.

use std::time::Instant;

use super::engine::{Instance, SplitMix};
use super::lagrange::{Relaxation, Schedule, ascend};
use super::sigma::SigmaSearch;
use super::solver::{Limits, Outcome, Report};

/// k-means++-style seeding (members drawn in proportion to weight × current
/// cost), each seed moved to its nearest candidate.
fn seed_hosts(inst: &Instance, k: usize, rng: &mut SplitMix) -> Vec<usize> {
    let n = inst.n();
    let mut hosts: Vec<usize> = Vec::with_capacity(k);
    let mut cost = vec![f64::INFINITY; n];
    while hosts.len() < k {
        let weights: Vec<f64> =
            (0..n).map(|i| if hosts.is_empty() { inst.weight[i] } else { inst.weight[i] * cost[i] }).collect();
        let total: f64 = weights.iter().sum();
        let pick = if total > 0.0 {
            let mut r = rng.next_f64() * total;
            weights.iter().position(|&w| {
                r -= w;
                r < 0.0
            })
        } else {
            None
        }
        .unwrap_or_else(|| (0..n).max_by(|&a, &b| cost[a].total_cmp(&cost[b])).unwrap_or(0));
        let Some((j, _)) = inst.best_single(&[pick], f64::INFINITY, &hosts) else {
            break;
        };
        hosts.push(j);
        for (i, c) in cost.iter_mut().enumerate() {
            *c = c.min(inst.cost(i, j));
        }
    }
    // Fewer distinct useful seeds than k: fill with unused candidates.
    let mut j = 0;
    while hosts.len() < k && j < inst.m() {
        if !hosts.contains(&j) {
            hosts.push(j);
        }
        j += 1;
    }
    hosts
}

/// Best improving swap (add one candidate, drop one host) among the
/// candidates with the largest savings, applied repeatedly with Lloyd steps.
fn swap_improve(
    inst: &Instance,
    hosts: &mut Vec<usize>,
    mut value: f64,
    deadline: Instant,
    sigma: &mut SigmaSearch,
) -> f64 {
    let n = inst.n();
    for _ in 0..20 {
        if Instant::now() >= deadline {
            break;
        }
        let (which, cost) = inst.assign(hosts);
        let mut second = vec![f64::INFINITY; n];
        for (i, s) in second.iter_mut().enumerate() {
            for (h, &j) in hosts.iter().enumerate() {
                if h != which[i] {
                    *s = s.min(inst.cost(i, j));
                }
            }
        }
        let shortlist = sigma.top(inst, &cost, 48, &[]);
        let mut best = (0.0, usize::MAX, 0);
        let mut per_host = vec![0.0; hosts.len()];
        for &(j, _) in &shortlist {
            if hosts.contains(&j) {
                continue;
            }
            per_host.fill(0.0);
            let mut add = 0.0;
            for i in 0..n {
                let c = inst.cost(i, j);
                let w = inst.weight[i];
                add += w * (c.min(cost[i]) - cost[i]);
                per_host[which[i]] += w * (c.min(second[i]) - c.min(cost[i]));
            }
            for (h, d) in per_host.iter().enumerate() {
                if add + d < best.0 {
                    best = (add + d, j, h);
                }
            }
        }
        if best.0 >= -1e-9 * value.max(1.0) {
            break;
        }
        let saved = hosts.clone();
        hosts[best.2] = best.1;
        let v = inst.lloyd_until(hosts, 30, Some(deadline));
        if v < value {
            value = v;
        } else {
            *hosts = saved;
            break;
        }
    }
    value
}

/// Number of seeded Lloyd restarts (run in parallel, seeds fixed so results repeat).
const RESTARTS: u64 = 2;
/// The ascent of the certified bound: Polyak factor 2, halved after 5 steps
/// without a better bound (after 10, the benchmark's frontier took a third
/// more time), directions deflected by half the previous one.
pub(crate) const SCHEDULE: Schedule = Schedule {
    theta: 2.0,
    stall: 5,
    min_theta: 1e-5,
    deflection: 0.5,
    improvement: 1e-9,
    step_floor: 1e-6,
    max_steps: 5000,
    from_best: false,
};

/// Where the ascent's prices start, from a member's cost at its host towards
/// its cost at the second-best host: a quarter of the way needed the fewest
/// steps on the benchmark's frontier (k = 2…5, θ halving after 10 stalled
/// steps: 182 steps, against 250 from the second-best cost, 207 halfway and
/// 221 at a tenth).
pub(crate) const START_TOWARDS_SECOND: f64 = 0.25;

/// The ascent's starting prices for `hosts` ([`START_TOWARDS_SECOND`]); with
/// one host, each member's cost there.
pub(crate) fn start_prices(inst: &Instance, hosts: &[usize]) -> Vec<f64> {
    (0..inst.n())
        .map(|i| {
            let (mut first, mut second) = (f64::INFINITY, f64::INFINITY);
            for &j in hosts {
                let c = inst.cost(i, j);
                if c < first {
                    second = first;
                    first = c;
                } else if c < second {
                    second = c;
                }
            }
            if second.is_finite() { first + START_TOWARDS_SECOND * (second - first) } else { first }
        })
        .collect()
}

/// Heuristic hosts for the sum objective (seeded Lloyd restarts, then swaps): value and hosts.
pub(crate) fn heuristic(inst: &Instance, k: usize, limits: &Limits) -> (f64, Vec<usize>) {
    heuristic_from(inst, k, limits, None, &mut SigmaSearch::default())
}

/// The σ searches one instance's solves keep from one k to the next, so that
/// what each learnt about the classes serves the next ([`SigmaSearch`]): one
/// at the members' costs (the heuristic's shortlists), one at the ascent's
/// prices. Before, each k began both with nothing known, and every shortlist
/// of the swaps passed over all the classes again.
#[derive(Default)]
pub(crate) struct Searches {
    heuristic: SigmaSearch,
    ascent: SigmaSearch,
}

/// [`heuristic`], or when the hosts of k − 1 (at least two) are given, those
/// hosts and the candidate that saves the most with them (the largest σ at
/// the members' current costs), improved by Lloyd steps and swaps: one start
/// near a good answer instead of seeded restarts.
fn heuristic_from(
    inst: &Instance,
    k: usize,
    limits: &Limits,
    start: Option<&[usize]>,
    sigma: &mut SigmaSearch,
) -> (f64, Vec<usize>) {
    // From one host (the middle of everyone) the added one lands poorly: restarts do better.
    if let Some(previous) = start.filter(|s| s.len() + 1 == k && s.len() >= 2) {
        let (_, cost) = inst.assign(previous);
        if let Some(&(add, _)) = sigma.top(inst, &cost, 1, &[]).first() {
            let mut hosts = previous.to_vec();
            hosts.push(add);
            let value = inst.lloyd_until(&mut hosts, 50, Some(limits.deadline));
            let value = swap_improve(inst, &mut hosts, value, limits.deadline, sigma);
            return (value, hosts);
        }
    }
    let starts: Vec<(f64, Vec<usize>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RESTARTS)
            .map(|r| {
                scope.spawn(move || {
                    let mut rng = SplitMix(limits.seed.wrapping_add(r.wrapping_mul(0x5851_F42D_4C95_7F2D)));
                    let mut hosts = seed_hosts(inst, k, &mut rng);
                    (inst.lloyd_until(&mut hosts, 50, Some(limits.deadline)), hosts)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let (mut ub, mut best_hosts) =
        starts.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_else(|| (f64::INFINITY, (0..k).collect()));
    ub = swap_improve(inst, &mut best_hosts, ub, limits.deadline, sigma);
    (ub, best_hosts)
}

/// Heuristic hosts with a certified lower bound for the sum objective; the
/// search starts from `start`, the hosts of k − 1, when given, and the σ
/// searches from what `searches` learnt for the other k.
pub(crate) fn solve(
    inst: &Instance,
    k: usize,
    limits: &Limits,
    start: Option<&[usize]>,
    searches: &mut Searches,
    report: Report<'_>,
) -> Outcome {
    let (ub, best_hosts) = heuristic_from(inst, k, limits, start, &mut searches.heuristic);
    report(0.1, ub, 0.0);

    // Deflected subgradient ascent on the Lagrangian prices, from between
    // each member's cost at its host and at its second-best host.
    let mut u = start_prices(inst, &best_hosts);
    let mut dual = TreeDual {
        inst,
        k,
        limits,
        report,
        previous: best_hosts.clone(),
        best_hosts,
        ub,
        lb: 0.0,
        sigma: std::mem::take(&mut searches.ascent),
    };
    let ascent = ascend(&mut dual, &mut u, &SCHEDULE, 0.0);
    searches.ascent = dual.sigma;
    let (best_hosts, ub) = (dual.best_hosts, dual.ub);
    Outcome { hosts: best_hosts, value: ub, lower_bound: ascent.bound.min(ub), iterations: ascent.steps }
}

/// The relaxation over the whole instance, σ found with the candidate tree;
/// each chosen set is also tried as hosts (Lloyd-improved when promising).
struct TreeDual<'a, 'r> {
    inst: &'a Instance,
    k: usize,
    limits: &'a Limits,
    report: Report<'r>,
    /// The last chosen set, evaluated first next time (a good threshold for the tree search).
    previous: Vec<usize>,
    best_hosts: Vec<usize>,
    ub: f64,
    lb: f64,
    sigma: SigmaSearch,
}

impl TreeDual<'_, '_> {
    fn gap(&self, lb: f64) -> f64 {
        if self.ub > 0.0 { (self.ub - lb) / self.ub } else { 0.0 }
    }
}

impl Relaxation for TreeDual<'_, '_> {
    fn weights(&self) -> &[f64] {
        &self.inst.weight
    }

    fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>) {
        let (inst, k) = (self.inst, self.k);
        let mut warm = self.previous.clone();
        warm.extend(self.best_hosts.iter().copied().filter(|j| !self.previous.contains(j)));
        let top = self.sigma.top(inst, u, k, &warm);
        let value: f64 =
            (0..inst.n()).map(|i| inst.weight[i] * u[i]).sum::<f64>() - top.iter().map(|t| t.1).sum::<f64>();
        // The relaxation's chosen set is often a good set of hosts too.
        let mut chosen: Vec<usize> = top.iter().map(|t| t.0).collect();
        for &j in &self.best_hosts {
            if chosen.len() < k && !chosen.contains(&j) {
                chosen.push(j);
            }
        }
        self.previous.clone_from(&chosen);
        if chosen != self.best_hosts && inst.value_of(&chosen) < self.ub * 1.02 {
            let v = inst.lloyd(&mut chosen, 30);
            if v < self.ub {
                self.ub = v;
                self.best_hosts = chosen;
            }
        }
        (value, top.iter().map(|t| t.0).collect())
    }

    fn gains(&self, i: usize, j: usize, ui: f64) -> bool {
        self.inst.cost(i, j) < ui
    }

    fn upper(&self) -> f64 {
        self.ub
    }

    fn done(&self, best: f64) -> bool {
        self.gap(best) <= self.limits.target_gap || Instant::now() >= self.limits.deadline
    }

    fn stepped(&mut self, best: f64) {
        self.lb = self.lb.max(best);
        let target = self.limits.target_gap;
        let frac = 0.1 + 0.9 * (target / self.gap(self.lb).max(target)).min(1.0);
        (self.report)(frac, self.ub, self.lb);
    }
}
