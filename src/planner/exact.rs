//! Exact k-host search for small instances, where a members × candidates table
//! is cheap: branch and bound with Lagrangian bounds for sums (k-median), and
//! a threshold search with an exact set-cover test for the worst case (k-center).
//! Both stop at a node or time limit and then report the bound they reached.

use std::time::Instant;

use super::bisect::{OnUnknown, Probe, Thresholds, bisect};
use super::cover::{BitSet, Cover, cover};
use super::engine::{Aggregate, Instance};
use super::lagrange::{Relaxation, Schedule, ascend};
use super::solver::{Limits, Outcome, Report};

/// Instances with at most this many member-group × candidate pairs are solved exactly.
pub(crate) const EXACT_PAIRS: usize = 60_000;
const NODE_LIMIT: usize = 20_000;

struct Dense {
    n: usize,
    m: usize,
    w: Vec<f64>,
    c: Vec<f64>,
}

impl Dense {
    fn new(inst: &Instance) -> Self {
        let (n, m) = (inst.n(), inst.m());
        let mut c = Vec::with_capacity(n * m);
        for i in 0..n {
            c.extend((0..m).map(|j| inst.cost(i, j)));
        }
        Self { n, m, w: inst.weight.clone(), c }
    }

    fn value(&self, hosts: &[usize], aggregate: Aggregate) -> f64 {
        let mut acc = 0.0;
        for i in 0..self.n {
            let best = hosts.iter().map(|&j| self.c[i * self.m + j]).fold(f64::INFINITY, f64::min);
            acc = match aggregate {
                Aggregate::Sum => acc + self.w[i] * best,
                Aggregate::Max => f64::max(acc, best),
            };
        }
        acc
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Free,
    Open,
    Closed,
}

struct Incumbent {
    hosts: Vec<usize>,
    value: f64,
}

impl Incumbent {
    fn offer(&mut self, dense: &Dense, hosts: &[usize]) {
        let v = dense.value(hosts, Aggregate::Sum);
        if v < self.value {
            self.value = v;
            self.hosts = hosts.to_vec();
        }
    }
}

/// Every way to choose `need` of `free`, passed to `f`.
fn combinations(free: &[usize], need: usize, chosen: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
    if need == 0 {
        f(chosen);
        return;
    }
    for (x, &j) in free.iter().enumerate() {
        if free.len() - x < need {
            break;
        }
        chosen.push(j);
        combinations(&free[x + 1..], need - 1, chosen, f);
        chosen.pop();
    }
}

fn binomial_at_most(n: usize, k: usize, limit: u128) -> bool {
    let mut acc: u128 = 1;
    for i in 0..k.min(n) {
        acc = acc * (n - i) as u128 / (i + 1) as u128;
        if acc > limit {
            return false;
        }
    }
    true
}

/// The relaxation at one branch-and-bound node over the dense table: closed
/// candidates cannot be chosen, open ones always are, the rest by σ. Each
/// chosen set is offered as hosts.
struct NodeDual<'a> {
    d: &'a Dense,
    k: usize,
    status: &'a [Status],
    opened: Vec<usize>,
    sigma: Vec<f64>,
    inc: &'a mut Incumbent,
}

impl Relaxation for NodeDual<'_> {
    fn weights(&self) -> &[f64] {
        &self.d.w
    }

    fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>) {
        let d = self.d;
        for (j, s) in self.sigma.iter_mut().enumerate() {
            *s = if self.status[j] == Status::Closed {
                f64::NEG_INFINITY
            } else {
                (0..d.n).map(|i| d.w[i] * (u[i] - d.c[i * d.m + j]).max(0.0)).sum()
            };
        }
        let mut free: Vec<usize> = (0..d.m).filter(|&j| self.status[j] == Status::Free).collect();
        free.sort_by(|&a, &b| self.sigma[b].total_cmp(&self.sigma[a]));
        let mut chosen = self.opened.clone();
        chosen.extend(free.iter().take(self.k - self.opened.len()));
        let value: f64 =
            (0..d.n).map(|i| d.w[i] * u[i]).sum::<f64>() - chosen.iter().map(|&j| self.sigma[j]).sum::<f64>();
        self.inc.offer(d, &chosen);
        (value, chosen)
    }

    fn gains(&self, i: usize, j: usize, ui: f64) -> bool {
        self.d.c[i * self.d.m + j] < ui
    }

    fn upper(&self) -> f64 {
        self.inc.value
    }

    fn done(&self, best: f64) -> bool {
        best >= self.inc.value * (1.0 - 1e-12)
    }
}

/// The ascent at a node: plain subgradient steps, θ from 1 halved after 8 steps without progress.
const NODE_SCHEDULE: Schedule = Schedule {
    theta: 1.0,
    stall: 8,
    min_theta: 1e-4,
    deflection: 0.0,
    improvement: 1e-12,
    step_floor: 1e-9,
    max_steps: 60,
    from_best: false,
};

/// Lagrangian bound of a branch-and-bound node (and primal offers), after at
/// most `steps` subgradient steps from `u`. Returns the bound and the candidate
/// to branch on: the free one with the largest σ at the best bound.
fn node_bound(
    d: &Dense,
    k: usize,
    status: &[Status],
    u: &mut [f64],
    steps: usize,
    inc: &mut Incumbent,
) -> (f64, Option<usize>) {
    let opened: Vec<usize> = (0..d.m).filter(|&j| status[j] == Status::Open).collect();
    let mut dual = NodeDual { d, k, status, opened, sigma: vec![0.0; d.m], inc };
    let ascent = ascend(&mut dual, u, &Schedule { max_steps: steps, ..NODE_SCHEDULE }, f64::NEG_INFINITY);
    let branch = ascent.chosen.iter().copied().find(|&j| status[j] == Status::Free);
    (ascent.bound, branch)
}

/// Exact k-median by branch and bound, starting from a heuristic incumbent.
fn solve_sum(inst: &Instance, k: usize, start: &Outcome, limits: &Limits, report: Report<'_>) -> Outcome {
    let d = Dense::new(inst);
    let mut inc = Incumbent { hosts: start.hosts.clone(), value: d.value(&start.hosts, Aggregate::Sum) };
    let (_, u0) = inst.assign(&start.hosts);
    // Depth-first stack of (status, prices, parent bound).
    let mut stack = vec![(vec![Status::Free; d.m], u0, f64::NEG_INFINITY)];
    let mut nodes = 0;
    let mut open_bound = f64::INFINITY;
    while let Some((status, mut u, parent)) = stack.pop() {
        if parent >= inc.value * (1.0 - 1e-12) {
            continue;
        }
        if nodes >= NODE_LIMIT || Instant::now() >= limits.deadline {
            open_bound = stack.iter().map(|s| s.2).fold(parent, f64::min);
            break;
        }
        nodes += 1;
        let opened: Vec<usize> = (0..d.m).filter(|&j| status[j] == Status::Open).collect();
        let free: Vec<usize> = (0..d.m).filter(|&j| status[j] == Status::Free).collect();
        let need = k - opened.len();
        if free.len() < need {
            continue;
        }
        if need == 0 || free.len() == need || binomial_at_most(free.len(), need, 64) {
            let mut chosen = opened.clone();
            combinations(&free, need, &mut chosen, &mut |hosts| inc.offer(&d, hosts));
            continue;
        }
        let steps = if nodes == 1 { 400 } else { 60 };
        let (bound, branch) = node_bound(&d, k, &status, &mut u, steps, &mut inc);
        if bound >= inc.value * (1.0 - 1e-12) {
            continue;
        }
        let Some(j) = branch else { continue };
        let mut closed = status.clone();
        closed[j] = Status::Closed;
        let mut open = status;
        open[j] = Status::Open;
        stack.push((closed, u.clone(), bound));
        stack.push((open, u, bound));
        if nodes % 64 == 0 {
            report(0.5, inc.value, 0.0);
        }
    }
    let lower_bound = if open_bound.is_finite() { open_bound.max(start.lower_bound).min(inc.value) } else { inc.value };
    Outcome { hosts: inc.hosts, value: inc.value, lower_bound, iterations: nodes }
}

/// Search nodes allowed over all set-cover tests of one exact k-center solve.
const COVER_BUDGET: usize = 200_000;

/// Exact k-center: the least threshold at which k candidates cover everyone,
/// by bisection over the instance's distinct costs (the optimum is one of them).
fn solve_max(inst: &Instance, k: usize, start: Outcome, limits: &Limits) -> Outcome {
    let d = Dense::new(inst);
    let mut levels: Vec<f64> = d.c.iter().copied().filter(|&v| v <= start.value).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let mut best = start;
    let (lo, hi) = (best.lower_bound, best.value);
    let mut budget = COVER_BUDGET;
    let mut test = |t: f64| {
        // Which members each candidate serves at cost ≤ t, one bit per member.
        let sets = (0..d.m).map(|j| {
            let mut s = Vec::<u64>::empty(d.n);
            for i in (0..d.n).filter(|&i| d.c[i * d.m + j] <= t) {
                s.include(i);
            }
            (j, s)
        });
        let (answer, nodes) = cover(sets, d.n, k, budget, limits.deadline);
        budget = budget.saturating_sub(nodes);
        match answer {
            Cover::Found(mut hosts) => {
                let mut j = 0;
                while hosts.len() < k {
                    if !hosts.contains(&j) {
                        hosts.push(j);
                    }
                    j += 1;
                }
                let v = d.value(&hosts, Aggregate::Max);
                if v < best.value {
                    best.value = v;
                    best.hosts = hosts;
                }
                Probe::Feasible(v)
            }
            Cover::Impossible => Probe::Infeasible,
            Cover::Unknown => Probe::Unknown,
        }
    };
    let bounds =
        bisect(&Thresholds::Levels(levels), lo, hi, OnUnknown::Stop, limits.deadline, &mut test, &mut |_, _| {});
    best.lower_bound = bounds.lower.max(best.lower_bound).min(best.value);
    best
}

/// Exact (or, past the limits, bounded) k hosts for a small instance, improving a heuristic start.
pub(crate) fn solve(inst: &Instance, k: usize, start: Outcome, limits: &Limits, report: Report<'_>) -> Outcome {
    match inst.aggregate {
        Aggregate::Sum => solve_sum(inst, k, &start, limits, report),
        Aggregate::Max => solve_max(inst, k, start, limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::engine::SplitMix;
    use crate::planner::geo::{LatLon, UnitVec};
    use crate::planner::travel::{Quantity, TravelModel};

    fn point(rng: &mut SplitMix) -> UnitVec {
        let lat = -35.0 + 90.0 * rng.next_f64();
        let lon = -20.0 + 65.0 * rng.next_f64();
        UnitVec::from_latlon(LatLon::new(lat, lon).unwrap())
    }

    fn brute_force(d: &Dense, k: usize) -> f64 {
        let mut best = f64::INFINITY;
        let all: Vec<usize> = (0..d.m).collect();
        combinations(&all, k, &mut Vec::new(), &mut |h| best = best.min(d.value(h, Aggregate::Sum)));
        best
    }

    #[test]
    fn the_root_bound_of_branch_and_bound_is_a_real_bound() {
        // Before the ascent was shared, a node's bound started at −∞ and never
        // rose (−∞ + 1e-12·∞ is NaN), so the search never branched.
        for seed in 0..6 {
            let mut rng = SplitMix(seed);
            let members: Vec<UnitVec> = (0..12).map(|_| point(&mut rng)).collect();
            let candidates: Vec<UnitVec> = (0..14).map(|_| point(&mut rng)).collect();
            let metric = TravelModel::default().metric(Quantity::Cost);
            let inst = Instance::new(members, vec![1.0; 12], metric, &candidates, Aggregate::Sum, &[]);
            let d = Dense::new(&inst);
            let optimum = brute_force(&d, 3);
            let mut inc = Incumbent { hosts: vec![0, 1, 2], value: d.value(&[0, 1, 2], Aggregate::Sum) };
            let (_, mut u) = inst.assign(&[0, 1, 2]);
            let status = vec![Status::Free; d.m];
            let (bound, branch) = node_bound(&d, 3, &status, &mut u, 400, &mut inc);
            assert!(bound.is_finite() && bound > 0.0, "seed {seed}: root bound {bound}");
            assert!(bound <= optimum * (1.0 + 1e-9), "seed {seed}: bound {bound} above the optimum {optimum}");
            assert!(branch.is_some() || bound >= inc.value * (1.0 - 1e-12), "seed {seed}: nothing to branch on");
        }
    }
}
