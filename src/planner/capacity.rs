//! The certified lower bound of a linked gathering with capacities: a
//! Lagrangian relaxation that prices each person's assignment (`u_i` per
//! person) but keeps every hub's capacity. Alone, a hub `j` then takes at
//! least `lo` and at most `hi` people, the cheapest in `c_ij − u_i` first (all
//! who gain, topped up to `lo`); the relaxation opens the k hubs whose best
//! takes are cheapest. For any prices,
//! `Σ w_i u_i + (sum of the k least takes)` is below the optimum, and above
//! the uncapacitated bound at the same prices (a take is never below `−σ_j`).
//!
//! Only a few hubs are looked at closely: those with the largest `σ_j` (the
//! candidate tree finds them, [`super::sigma::SigmaSearch::top`]); every other hub's
//! take is bounded by minus the smallest σ among them, which keeps the bound valid.

use std::time::Instant;

use super::engine::Instance;
use super::lagrange::{Relaxation, Schedule, ascend};
use super::median::{SCHEDULE, start_prices};
use super::sigma::SigmaSearch;

/// The k-median ascent with smaller steps taken from the best bound: with
/// capacities the bound swings (a hub's take jumps as people cross its
/// limits), and steps from the last bound made it diverge.
const CAPACITY_SCHEDULE: Schedule = Schedule { theta: 1.0, stall: 5, from_best: true, ..SCHEDULE };

/// The relaxation over one interval's instance.
pub(crate) struct CapacityDual<'a> {
    inst: &'a Instance,
    k: usize,
    lo: u64,
    hi: u64,
    /// People per member group, as whole numbers.
    people: &'a [u64],
    /// The best value of hosts known; the ascent aims at it.
    upper: f64,
    /// Stop once the bound reaches this.
    enough: f64,
    deadline: Instant,
    /// People of each group the last evaluation's chosen hubs took.
    taken: Vec<f64>,
    /// The last chosen hubs, tried first next time.
    warm: Vec<usize>,
    sigma: SigmaSearch,
}

impl<'a> CapacityDual<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        inst: &'a Instance,
        k: usize,
        (lo, hi): (u64, u64),
        people: &'a [u64],
        upper: f64,
        enough: f64,
        deadline: Instant,
        warm: Vec<usize>,
        sigma: SigmaSearch,
    ) -> Self {
        Self { inst, k, lo, hi, people, upper, enough, deadline, taken: vec![0.0; inst.n()], warm, sigma }
    }

    /// The σ search back (with its memo and the candidates it is kept to).
    pub(crate) fn into_sigma(self) -> SigmaSearch {
        self.sigma
    }

    /// Hub `j`'s best take at prices `u`: its value and (group, people) taken.
    fn take(&self, j: usize, u: &[f64], order: &mut Vec<(f64, usize)>) -> (f64, Vec<(usize, u64)>) {
        order.clear();
        order.extend((0..self.inst.n()).map(|i| (self.inst.cost(i, j) - u[i], i)));
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let (mut value, mut count, mut chosen) = (0.0, 0_u64, Vec::new());
        for &(v, i) in order.iter() {
            if count >= self.hi || (v >= 0.0 && count >= self.lo) {
                break;
            }
            let room = if v < 0.0 { self.hi - count } else { self.lo - count };
            let n = self.people[i].min(room);
            if n == 0 {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let nf = n as f64;
            value += v * nf;
            count += n;
            chosen.push((i, n));
        }
        (value, chosen)
    }

    /// Runs the ascent from prices `u`; the best bound found, with `u` left
    /// at the prices that gave it (unchanged when no step beat `start`).
    ///
    /// Without a known bound (`start` is −∞), the uncapacitated relaxation
    /// goes first, for a third of the time at most: its steps are cheaper and
    /// steadier, at the same prices it is never above this one (a take is never
    /// below −σ), and its bound holds too, so the capacitated ascent starts from
    /// its best prices and bound. With one (prices that already gave a bound
    /// `start` here, or over more candidates), the capacitated ascent starts at once.
    pub(crate) fn bound(&mut self, u: &mut [f64], start: f64) -> f64 {
        let mut from = start;
        if start == f64::NEG_INFINITY {
            let t0 = Instant::now();
            let share = self.deadline.saturating_duration_since(t0) / 3;
            let mut plain = Uncapacitated {
                inst: self.inst,
                k: self.k,
                upper: self.upper,
                enough: self.enough,
                deadline: t0 + share,
                sigma: std::mem::take(&mut self.sigma),
                warm: self.warm.clone(),
            };
            // From the best hubs' costs, as the k-median bound starts.
            let mut prices = if self.warm.is_empty() { u.to_vec() } else { start_prices(self.inst, &self.warm) };
            let first = ascend(&mut plain, &mut prices, &Schedule { max_steps: 150, ..SCHEDULE }, f64::NEG_INFINITY);
            self.sigma = plain.sigma;
            if !first.prices.is_empty() {
                u.copy_from_slice(&first.prices);
            }
            if first.bound >= self.enough {
                return first.bound;
            }
            from = first.bound;
        }
        let at = u.to_vec();
        let a = ascend(self, u, &CAPACITY_SCHEDULE, from);
        u.copy_from_slice(if a.prices.is_empty() { &at } else { &a.prices });
        a.bound
    }
}

/// The same relaxation without capacities (the k-median bound over the
/// instance's candidates), for the prices the capacitated ascent starts from.
struct Uncapacitated<'a> {
    inst: &'a Instance,
    k: usize,
    upper: f64,
    enough: f64,
    deadline: Instant,
    sigma: SigmaSearch,
    /// The last chosen hubs, tried first next time.
    warm: Vec<usize>,
}

impl Relaxation for Uncapacitated<'_> {
    fn weights(&self) -> &[f64] {
        &self.inst.weight
    }

    fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>) {
        let top = self.sigma.top(self.inst, u, self.k, &self.warm);
        let priced: f64 = (0..self.inst.n()).map(|i| self.inst.weight[i] * u[i]).sum();
        let chosen: Vec<usize> = top.iter().map(|t| t.0).collect();
        self.warm.clone_from(&chosen);
        (priced - top.iter().map(|t| t.1).sum::<f64>(), chosen)
    }

    fn gains(&self, i: usize, j: usize, ui: f64) -> bool {
        self.inst.cost(i, j) < ui
    }

    fn upper(&self) -> f64 {
        self.upper
    }

    fn done(&self, best: f64) -> bool {
        best >= self.enough || Instant::now() >= self.deadline
    }
}

/// A hub's value in the relaxation, the hub, and the (group, people) it takes.
type Take = (f64, usize, Vec<(usize, u64)>);

impl Relaxation for CapacityDual<'_> {
    fn weights(&self) -> &[f64] {
        &self.inst.weight
    }

    fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>) {
        // Hubs looked at closely: 8k (24 for k = 3; with 9 the benchmark's linked
        // gap stayed at 2.6–5.7 %, with 24 it came to 2.3 %, a take costing a sort of the members).
        let count = (8 * self.k).max(16);
        let top = self.sigma.top(self.inst, u, count, &self.warm);
        // Every hub not looked at takes at least −σ of the last one looked at (or 0).
        let floor = if top.len() < count { 0.0 } else { -top.last().map_or(0.0, |t| t.1) };
        let mut order = Vec::with_capacity(self.inst.n());
        let mut takes: Vec<Take> = top
            .iter()
            .map(|&(j, _)| {
                let (v, t) = self.take(j, u, &mut order);
                (v, j, t)
            })
            .collect();
        takes.sort_by(|a, b| a.0.total_cmp(&b.0));
        let others = self.sigma.open(self.inst.m()) - takes.len();
        // The k least takes: the exact ones below the floor, then floors for hubs not looked at.
        let mut sum = 0.0;
        let mut chosen = Vec::with_capacity(self.k);
        self.taken.fill(0.0);
        let mut used_floor = 0;
        for (v, j, t) in &takes {
            if chosen.len() + used_floor >= self.k {
                break;
            }
            if *v > floor && used_floor < others {
                // A hub not looked at may take less: count its floor instead.
                sum += floor;
                used_floor += 1;
                continue;
            }
            sum += v;
            chosen.push(*j);
            for &(i, n) in t {
                #[allow(clippy::cast_precision_loss)]
                let nf = n as f64;
                self.taken[i] += nf;
            }
        }
        while chosen.len() + used_floor < self.k && used_floor < others {
            sum += floor;
            used_floor += 1;
        }
        let priced: f64 = (0..self.inst.n()).map(|i| self.inst.weight[i] * u[i]).sum();
        self.warm.clone_from(&chosen);
        (priced + sum, chosen)
    }

    fn gains(&self, i: usize, j: usize, ui: f64) -> bool {
        self.inst.cost(i, j) < ui
    }

    fn assigned(&self, i: usize, _chosen: &[usize], _ui: f64) -> f64 {
        self.taken[i]
    }

    fn upper(&self) -> f64 {
        self.upper
    }

    fn done(&self, best: f64) -> bool {
        best >= self.enough || Instant::now() >= self.deadline
    }
}
