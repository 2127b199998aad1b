//! k hosts minimising the worst individual cost (k-center) on large
//! instances: farthest-first seeds refined by Lloyd-style steps (each host
//! moved to its members' exact best single host), with a certified lower
//! bound by the pigeonhole principle: among any k + 1 members two must share a
//! host, so the optimum is at least the smallest, over pairs of them, of the
//! best cost at which that pair could share one.

use std::time::Instant;

use super::engine::{Instance, SplitMix};
use super::median::{Limits, Outcome, Report};

/// Farthest-first traversal from `start`: each next member is the one furthest
/// (great-circle) from those already chosen.
fn farthest_first(inst: &Instance, start: usize, count: usize) -> Vec<usize> {
    let n = inst.n();
    let mut chosen = vec![start];
    let mut dist: Vec<f64> = (0..n).map(|i| inst.pos[i].distance_km(inst.pos[start])).collect();
    while chosen.len() < count.min(n) {
        let next = (0..n).max_by(|&a, &b| dist[a].total_cmp(&dist[b])).unwrap_or(0);
        if dist[next] <= 0.0 {
            break;
        }
        chosen.push(next);
        for (i, d) in dist.iter_mut().enumerate() {
            *d = d.min(inst.pos[i].distance_km(inst.pos[next]));
        }
    }
    chosen
}

/// The least cost at which members `a` and `b` could share a host.
fn pair_cost(inst: &Instance, a: usize, b: usize) -> f64 {
    inst.best_single(&[a, b], f64::INFINITY, &[]).map_or(f64::INFINITY, |x| x.1)
}

/// Pigeonhole bound of a set of k + 1 members: its weakest pair.
fn set_bound(inst: &Instance, set: &[usize]) -> (f64, usize, usize) {
    let mut worst = (f64::INFINITY, 0, 0);
    for (x, &a) in set.iter().enumerate() {
        for &b in &set[x + 1..] {
            let c = pair_cost(inst, a, b);
            if c < worst.0 {
                worst = (c, a, b);
            }
        }
    }
    worst
}

/// Heuristic hosts with a certified lower bound for the worst-case objective.
pub(crate) fn solve(inst: &Instance, k: usize, limits: &Limits, report: Report<'_>) -> Outcome {
    let n = inst.n();
    let mut rng = SplitMix(limits.seed);
    let heaviest = (0..n).max_by(|&a, &b| inst.weight[a].total_cmp(&inst.weight[b])).unwrap_or(0);
    let mut starts = vec![heaviest];
    for _ in 0..5 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        starts.push(((rng.next_f64() * n as f64) as usize).min(n - 1));
    }
    let mut best_hosts = Vec::new();
    let mut ub = f64::INFINITY;
    for (round, &s) in starts.iter().enumerate() {
        let seeds = farthest_first(inst, s, k);
        let mut hosts: Vec<usize> = Vec::with_capacity(k);
        for &g in &seeds {
            if let Some((j, _)) = inst.best_single(&[g], f64::INFINITY, &hosts) {
                hosts.push(j);
            }
        }
        let mut j = 0;
        while hosts.len() < k && j < inst.m() {
            if !hosts.contains(&j) {
                hosts.push(j);
            }
            j += 1;
        }
        let v = inst.lloyd(&mut hosts, 50);
        if v < ub {
            ub = v;
            best_hosts = hosts;
        }
        #[allow(clippy::cast_precision_loss)]
        report(0.5 * (round + 1) as f64 / starts.len() as f64, ub, 0.0);
        if Instant::now() >= limits.deadline {
            break;
        }
    }

    // Lower bound 1: someone's cheapest host anywhere.
    let mut lb = 0.0_f64;
    for i in 0..n {
        if let Some((_, v)) = inst.best_single(&[i], f64::INFINITY, &[]) {
            lb = lb.max(v);
        }
    }
    // Lower bound 2: pigeonhole over k + 1 spread-out members, improved by exchanges.
    let (_, cost) = inst.assign(&best_hosts);
    let bottleneck = (0..n).max_by(|&a, &b| cost[a].total_cmp(&cost[b])).unwrap_or(0);
    let mut set = farthest_first(inst, bottleneck, k + 1);
    if set.len() == k + 1 {
        let (mut bound, mut a, mut b) = set_bound(inst, &set);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&x, &y| cost[y].total_cmp(&cost[x]));
        order.truncate(200);
        let mut improved = true;
        while improved && Instant::now() < limits.deadline && (ub - bound.max(lb)) > limits.target_gap * ub {
            improved = false;
            'outer: for out in [a, b] {
                let rest: Vec<usize> = set.iter().copied().filter(|&p| p != out).collect();
                let rest_bound = set_bound(inst, &rest).0;
                if rest_bound <= bound {
                    continue;
                }
                for &x in &order {
                    if set.contains(&x) {
                        continue;
                    }
                    let mut worst = rest_bound;
                    for &p in &rest {
                        worst = worst.min(pair_cost(inst, x, p));
                        if worst <= bound {
                            break;
                        }
                    }
                    if worst > bound {
                        set = rest.clone();
                        set.push(x);
                        (bound, a, b) = set_bound(inst, &set);
                        improved = true;
                        break 'outer;
                    }
                }
            }
        }
        lb = lb.max(bound);
    }
    report(1.0, ub, lb.min(ub));
    Outcome { hosts: best_hosts, value: ub, lower_bound: lb.min(ub), iterations: starts.len() }
}
