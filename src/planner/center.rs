//! k hosts minimising the worst individual cost (k-center) on large
//! instances: farthest-first seeds refined by Lloyd-style steps (each host
//! moved to its members' exact best single host), then a bisection on the
//! threshold t ([`super::bisect`]) whose every step is the exact
//! subset-relaxation test of [`super::relax`]: either k hosts serving everyone at cost ≤ t (a better
//! plan) or a proof that none exist (a certified lower bound, OPT > t).
//! Should that test run out of effort, a weaker certified bound by the
//! pigeonhole principle remains: among any k + 1 members two must share a
//! host, so the optimum is at least the smallest, over pairs of them, of the
//! best cost at which that pair could share one.

use std::time::Instant;

use super::bisect::{OnUnknown, Probe, Thresholds, bisect};
use super::engine::{Instance, SplitMix};
use super::relax::{Decision, Relaxation};
use super::solver::{Limits, Outcome, Report};

/// Search nodes allowed per exact test of a sample.
const SEARCH_BUDGET: usize = 200_000;

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

/// Greedily picks members pairwise unable to share a host at cost ≤ `t`
/// (most expensive first); `Some` once it has k + 1 of them.
fn spread_set(inst: &Instance, order: &[usize], own_best: &[usize], k: usize, t: f64) -> Option<Vec<usize>> {
    // Beyond `reach`, a member's cost is above t (unless a known fare says otherwise).
    let reach: Vec<f64> = (0..inst.n())
        .map(|i| {
            if inst.min_override[i] <= t {
                f64::INFINITY
            } else {
                inst.metric.reach(t * (1.0 + 1e-12) + 1e-12).unwrap_or(0.0)
            }
        })
        .collect();
    let mut set: Vec<usize> = Vec::with_capacity(k + 1);
    for &x in order {
        let apart = set.iter().all(|&p| {
            if inst.pos[x].distance_km(inst.pos[p]) >= reach[x] + reach[p] {
                return true;
            }
            // A shared host at either member's own best candidate settles it quickly.
            let shares = |j: usize| inst.cost(x, j) <= t && inst.cost(p, j) <= t;
            !shares(own_best[p]) && !shares(own_best[x]) && pair_cost(inst, x, p) > t
        });
        if apart {
            set.push(x);
            if set.len() == k + 1 {
                return Some(set);
            }
        }
    }
    None
}

/// Relocates hosts towards the member who pays most: each host in turn is
/// moved to that member's best candidate and the hosts re-centred; the best
/// improvement is kept, a few times over.
fn bottleneck_swaps(inst: &Instance, hosts: &mut Vec<usize>, mut value: f64, deadline: Instant) -> f64 {
    for _ in 0..8 {
        if Instant::now() >= deadline {
            break;
        }
        let (_, cost) = inst.assign(hosts);
        let b = (0..inst.n()).max_by(|&x, &y| cost[x].total_cmp(&cost[y])).unwrap_or(0);
        let Some((j, _)) = inst.best_single(&[b], f64::INFINITY, hosts) else { break };
        let mut best: Option<(f64, Vec<usize>)> = None;
        for h in 0..hosts.len() {
            let mut trial = hosts.clone();
            trial[h] = j;
            let v = inst.lloyd(&mut trial, 20);
            if v < value * (1.0 - 1e-12) && best.as_ref().is_none_or(|(bv, _)| v < *bv) {
                best = Some((v, trial));
            }
        }
        match best {
            Some((v, trial)) => {
                value = v;
                *hosts = trial;
            }
            None => break,
        }
    }
    value
}

/// Pigeonhole bound from k + 1 members spread out farthest-first from the
/// bottleneck member, improved by exchanging a member of the weakest pair for
/// one of the members who pay most.
fn exchange_bound(
    inst: &Instance,
    bottleneck: usize,
    by_cost: &[usize],
    k: usize,
    enough: f64,
    deadline: Instant,
) -> f64 {
    let mut set = farthest_first(inst, bottleneck, k + 1);
    if set.len() < k + 1 {
        return 0.0;
    }
    let (mut bound, mut a, mut b) = set_bound(inst, &set);
    let mut improved = true;
    while improved && bound < enough && Instant::now() < deadline {
        improved = false;
        'outer: for out in [a, b] {
            let rest: Vec<usize> = set.iter().copied().filter(|&p| p != out).collect();
            let rest_bound = set_bound(inst, &rest).0;
            if rest_bound <= bound {
                continue;
            }
            for &x in by_cost.iter().take(200) {
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
                    set.clone_from(&rest);
                    set.push(x);
                    (bound, a, b) = set_bound(inst, &set);
                    improved = true;
                    break 'outer;
                }
            }
        }
    }
    bound
}

/// The largest cost t at which k + 1 members, no two of whom could share a
/// host at cost ≤ t, can be found (greedily, in the order `order` and
/// farthest-first from its first member, and by exchanges), found by bisection
/// between `lb` and `ub`.
fn pigeonhole_bound(
    inst: &Instance,
    k: usize,
    order: &[usize],
    own_best: &[usize],
    mut lb: f64,
    ub: f64,
    limits: &Limits,
) -> f64 {
    let enough = ub * (1.0 - limits.target_gap);
    lb = lb.max(exchange_bound(inst, order[0], order, k, enough, limits.deadline));
    let spread = farthest_first(inst, order[0], inst.n());
    for order in [order, &spread] {
        let (mut lo, mut hi) = (lb, ub);
        while hi - lo > 0.25 * limits.target_gap * ub && Instant::now() < limits.deadline {
            let t = 0.5 * (lo + hi);
            match spread_set(inst, order, own_best, k, t) {
                Some(set) => {
                    let bound = set_bound(inst, &set).0;
                    lb = lb.max(bound);
                    lo = bound.max(t);
                }
                None => hi = t,
            }
        }
    }
    lb
}

/// Heuristic hosts with a certified lower bound for the worst-case objective.
pub(crate) fn solve(inst: &Instance, k: usize, limits: &Limits, report: Report<'_>) -> Outcome {
    let n = inst.n();
    let mut rng = SplitMix(limits.seed);
    let heaviest = (0..n).max_by(|&a, &b| inst.weight[a].total_cmp(&inst.weight[b])).unwrap_or(0);
    let mut starts = vec![heaviest];
    // A few restarts only: the threshold bisection below improves the hosts too.
    let restarts = 3;
    for _ in 0..restarts {
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
    let mut own_best = vec![0; n];
    for (i, best) in own_best.iter_mut().enumerate() {
        if let Some((j, v)) = inst.best_single(&[i], f64::INFINITY, &[]) {
            lb = lb.max(v);
            *best = j;
        }
    }
    let (_, cost) = inst.assign(&best_hosts);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| cost[y].total_cmp(&cost[x]));

    // Lower bound 2 (and better hosts): bisection on the threshold t with the
    // exact subset-relaxation test of `relax`, whose "infeasible" proves OPT > t.
    let mut relax = Relaxation::new(inst, k);
    for i in farthest_first(inst, order[0], k + 1) {
        relax.add(i);
    }
    let close_enough = |ub: f64, lb: f64| ub - lb <= 0.25 * limits.target_gap * ub;
    let (lo, hi) = (lb, ub);
    let mut test = |t: f64| match relax.decide(t, SEARCH_BUDGET, limits.deadline) {
        Decision::Infeasible => Probe::Infeasible,
        Decision::Feasible(hosts, v) => {
            if v < ub {
                ub = v;
                best_hosts = hosts;
            }
            Probe::Feasible(v)
        }
        Decision::Unknown => Probe::Unknown,
    };
    let mut step = |lo: f64, best: f64| report(0.5 + 0.4 * (lo / best).min(1.0), best, lo.min(best));
    let thresholds = Thresholds::Interval { fraction: 0.25 * limits.target_gap };
    // Out of search effort at some t: look for a bound below t only.
    let bounds = bisect(&thresholds, lo, hi, OnUnknown::LookBelow, limits.deadline, &mut test, &mut step);
    lb = lb.max(bounds.lower);

    // Should the relaxation have run out of effort: bottleneck moves for the
    // hosts, and lower bound 3, the pigeonhole bound.
    if !close_enough(ub, lb) {
        ub = bottleneck_swaps(inst, &mut best_hosts, ub, limits.deadline);
        lb = lb.max(pigeonhole_bound(inst, k, &order, &own_best, lb, ub, limits));
    }
    report(1.0, ub, lb.min(ub));
    Outcome { hosts: best_hosts, value: ub, lower_bound: lb.min(ub), iterations: starts.len() + bounds.tests }
}
