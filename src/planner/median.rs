//! k hosts minimising a sum over members (k-median) on large instances: a
//! heuristic (seeded Lloyd restarts, then swap moves) and a certified lower
//! bound from Lagrangian relaxation, improved by subgradient steps until the
//! gap is small enough.
//!
//! The relaxation drops "each member is assigned once" with a price `u_i` per
//! person. For any prices, `Σ w_i u_i − (sum of the k largest σ_j)` with
//! `σ_j = Σ w_i · max(0, u_i − c_ij)` is a lower bound on the optimum. The k
//! largest σ are found exactly with the candidate tree, which bounds σ for a
//! whole cap and skips it, so no step ever holds a members × candidates table.

use std::time::Instant;

use super::engine::{Instance, SplitMix};
use super::sigma::top_sigma;
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
fn swap_improve(inst: &Instance, hosts: &mut Vec<usize>, mut value: f64, deadline: Instant) -> f64 {
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
        let shortlist = top_sigma(inst, &cost, 48, &[]);
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
        let v = inst.lloyd(hosts, 30);
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
/// Initial Polyak step factor, halved after `STALL` iterations without a better bound.
const THETA0: f64 = 2.0;
const STALL: usize = 10;
/// Weight of the previous direction in the deflected subgradient.
const DEFLECTION: f64 = 0.5;

/// Heuristic hosts with a certified lower bound for the sum objective.
pub(crate) fn solve(inst: &Instance, k: usize, limits: &Limits, report: Report<'_>) -> Outcome {
    let n = inst.n();
    let starts: Vec<(f64, Vec<usize>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RESTARTS)
            .map(|r| {
                scope.spawn(move || {
                    let mut rng = SplitMix(limits.seed.wrapping_add(r.wrapping_mul(0x5851_F42D_4C95_7F2D)));
                    let mut hosts = seed_hosts(inst, k, &mut rng);
                    (inst.lloyd(&mut hosts, 50), hosts)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let (mut ub, mut best_hosts) =
        starts.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_else(|| (f64::INFINITY, (0..k).collect()));
    ub = swap_improve(inst, &mut best_hosts, ub, limits.deadline);
    report(0.1, ub, 0.0);

    // Deflected subgradient ascent on the Lagrangian prices, from the assignment costs.
    // Start from each member's cost at its second-best host: tried against the
    // assignment cost and points in between, it needed the fewest steps.
    let (which, mut u) = inst.assign(&best_hosts);
    if k > 1 {
        for (i, ui) in u.iter_mut().enumerate() {
            let second = best_hosts
                .iter()
                .enumerate()
                .filter(|&(h, _)| h != which[i])
                .map(|(_, &j)| inst.cost(i, j))
                .fold(f64::INFINITY, f64::min);
            if second.is_finite() {
                *ui = second;
            }
        }
    }
    let mut direction = vec![0.0; n];
    let mut lb = 0.0_f64;
    let mut theta = THETA0;
    let mut stall = 0;
    let mut iterations = 0;
    let mut previous: Vec<usize> = best_hosts.clone();
    let gap = |ub: f64, lb: f64| if ub > 0.0 { (ub - lb) / ub } else { 0.0 };
    while gap(ub, lb) > limits.target_gap && Instant::now() < limits.deadline && iterations < 5000 {
        iterations += 1;
        let mut warm = previous.clone();
        warm.extend(best_hosts.iter().copied().filter(|j| !previous.contains(j)));
        let top = top_sigma(inst, &u, k, &warm);
        let value: f64 = (0..n).map(|i| inst.weight[i] * u[i]).sum::<f64>() - top.iter().map(|t| t.1).sum::<f64>();
        if value > lb * (1.0 + 1e-9) {
            lb = value;
            stall = 0;
        } else {
            stall += 1;
            if stall >= STALL {
                theta /= 2.0;
                stall = 0;
            }
        }
        // The relaxation's chosen set is often a good set of hosts too.
        let mut chosen: Vec<usize> = top.iter().map(|t| t.0).collect();
        for &j in &best_hosts {
            if chosen.len() < k && !chosen.contains(&j) {
                chosen.push(j);
            }
        }
        previous.clone_from(&chosen);
        if chosen != best_hosts && inst.value_of(&chosen) < ub * 1.02 {
            let v = inst.lloyd(&mut chosen, 30);
            if v < ub {
                ub = v;
                best_hosts = chosen;
            }
        }
        let mut norm = 0.0;
        for (i, d) in direction.iter_mut().enumerate() {
            let covered = top.iter().filter(|t| inst.cost(i, t.0) < u[i]).count();
            #[allow(clippy::cast_precision_loss)]
            let g = inst.weight[i] * (1.0 - covered as f64);
            *d = g + DEFLECTION * *d;
            norm += *d * *d;
        }
        if norm == 0.0 || theta < 1e-5 {
            break;
        }
        let step = theta * (ub - value).max(ub * 1e-6) / norm;
        for (ui, d) in u.iter_mut().zip(&direction) {
            *ui = (*ui + step * d).max(0.0);
        }
        let frac = 0.1 + 0.9 * (limits.target_gap / gap(ub, lb).max(limits.target_gap)).min(1.0);
        report(frac, ub, lb);
    }
    Outcome { hosts: best_hosts, value: ub, lower_bound: lb.min(ub), iterations }
}
