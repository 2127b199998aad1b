//! Exact k-host search for small instances, where a members × candidates table
//! is cheap: branch and bound with Lagrangian bounds for sums (k-median), and
//! a threshold search with an exact set-cover test for the worst case (k-center).
//! Both stop at a node or time limit and then report the bound they reached.

use std::time::Instant;

use super::bisect::{OnUnknown, Probe, Thresholds, bisect};
use super::cover::{BitSet, Cover, cover};
use super::engine::{Aggregate, Instance};
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

/// Lagrangian bound of a branch-and-bound node (and primal offers), after a
/// few subgradient steps from `u`. Returns the bound and the candidate to branch on.
fn node_bound(
    d: &Dense,
    k: usize,
    status: &[Status],
    u: &mut [f64],
    steps: usize,
    inc: &mut Incumbent,
) -> (f64, Option<usize>) {
    let mut best = f64::NEG_INFINITY;
    let mut branch = None;
    let mut theta = 1.0;
    let mut stall = 0;
    let mut sigma = vec![0.0; d.m];
    let opened: Vec<usize> = (0..d.m).filter(|&j| status[j] == Status::Open).collect();
    for _ in 0..steps {
        for (j, s) in sigma.iter_mut().enumerate() {
            *s = if status[j] == Status::Closed {
                f64::NEG_INFINITY
            } else {
                (0..d.n).map(|i| d.w[i] * (u[i] - d.c[i * d.m + j]).max(0.0)).sum()
            };
        }
        let mut free: Vec<usize> = (0..d.m).filter(|&j| status[j] == Status::Free).collect();
        free.sort_by(|&a, &b| sigma[b].total_cmp(&sigma[a]));
        let mut chosen = opened.clone();
        chosen.extend(free.iter().take(k - opened.len()));
        let value: f64 = (0..d.n).map(|i| d.w[i] * u[i]).sum::<f64>() - chosen.iter().map(|&j| sigma[j]).sum::<f64>();
        inc.offer(d, &chosen);
        if value > best + 1e-12 * best.abs() {
            best = value;
            branch = free.first().copied();
            stall = 0;
        } else {
            stall += 1;
            if stall >= 8 {
                theta /= 2.0;
                stall = 0;
            }
        }
        if best >= inc.value * (1.0 - 1e-12) || theta < 1e-4 {
            break;
        }
        let mut g = vec![0.0; d.n];
        let mut norm = 0.0;
        for i in 0..d.n {
            let covered = chosen.iter().filter(|&&j| d.c[i * d.m + j] < u[i]).count();
            #[allow(clippy::cast_precision_loss)]
            let gi = d.w[i] * (1.0 - covered as f64);
            g[i] = gi;
            norm += gi * gi;
        }
        if norm == 0.0 {
            break;
        }
        let step = theta * (inc.value - value).max(1e-9 * inc.value.max(1.0)) / norm;
        for i in 0..d.n {
            u[i] = (u[i] + step * g[i]).max(0.0);
        }
    }
    (best, branch)
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
