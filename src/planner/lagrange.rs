//! The subgradient ascent both k-median lower bounds run: the exact branch
//! and bound at each node ([`super::exact`]) and the large instances'
//! certified bound ([`super::median`]).
//!
//! The relaxation drops "each member is assigned once" with a price `u_i` per
//! person. For any prices, `Σ w_i u_i − (sum of the k largest σ_j)` with
//! `σ_j = Σ w_i · max(0, u_i − c_ij)` is a lower bound on the optimum. The
//! ascent moves the prices along the (deflected) subgradient
//! `g_i = w_i (1 − number of chosen candidates where i gains)` with Polyak
//! steps `θ (upper − bound) / |g|²`, halving θ whenever the bound has not
//! improved for a while. How σ is computed (a dense table, or the candidate
//! tree), which candidates may be chosen (a branch's open and closed ones)
//! and what is done with the chosen set (offered as hosts) belong to the caller.

/// How the ascent steps and when it gives up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    /// Initial Polyak step factor θ.
    pub theta: f64,
    /// θ halves after this many steps without a better bound.
    pub stall: usize,
    /// Stop once θ falls below this.
    pub min_theta: f64,
    /// Weight of the previous direction in the new one (0: plain subgradient).
    pub deflection: f64,
    /// A bound counts as better when above the best by this fraction of it.
    pub improvement: f64,
    /// The step's gap (upper − bound) is at least this fraction of the upper bound (at least 1).
    pub step_floor: f64,
    /// At most this many steps.
    pub max_steps: usize,
    /// Polyak steps from the best bound so far rather than the last one: a
    /// last bound far below (a relaxation whose bound swings, as with
    /// capacities) then cannot make the next step larger still.
    pub from_best: bool,
}

/// A Lagrangian relaxation of k-median that the ascent can evaluate.
pub(crate) trait Relaxation {
    /// Weight (people) of each member group.
    fn weights(&self) -> &[f64];
    /// For prices `u`: the bound and the candidates the relaxation chooses
    /// (those with the largest σ). May offer them as hosts, lowering [`Relaxation::upper`].
    fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>);
    /// Whether member `i` gains at candidate `j` at price `ui` (its cost there is below `ui`).
    fn gains(&self, i: usize, j: usize, ui: f64) -> bool;
    /// People of member `i` the relaxation's `chosen` candidates take (the
    /// subgradient is `w_i − assigned`): by default all of them at each chosen
    /// candidate where `i` gains; a relaxation with capacities may take part of a member.
    fn assigned(&self, i: usize, chosen: &[usize], ui: f64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let covered = chosen.iter().filter(|&&j| self.gains(i, j, ui)).count() as f64;
        self.weights()[i] * covered
    }
    /// The best value of hosts known (the ascent's target).
    fn upper(&self) -> f64;
    /// Whether the bound `best` is good enough, or time is up.
    fn done(&self, best: f64) -> bool;
    /// Hears the best bound after each step (for progress reports).
    fn stepped(&mut self, _best: f64) {}
}

/// Where the ascent ended.
pub(crate) struct Ascent {
    /// The best bound found (`start` if no step did better).
    pub bound: f64,
    /// The candidates chosen at the best bound.
    pub chosen: Vec<usize>,
    /// The prices at the best bound (empty if no step did better than `start`).
    pub prices: Vec<f64>,
    /// Steps taken.
    pub steps: usize,
}

/// Runs the ascent from prices `u` (changed in place) and a known bound `start`.
pub(crate) fn ascend(r: &mut impl Relaxation, u: &mut [f64], schedule: &Schedule, start: f64) -> Ascent {
    let mut best = start;
    let mut chosen_at_best = Vec::new();
    let mut prices_at_best = Vec::new();
    let mut direction = vec![0.0; u.len()];
    let mut theta = schedule.theta;
    let mut stall = 0;
    let mut steps = 0;
    while steps < schedule.max_steps && !r.done(best) {
        steps += 1;
        let (value, chosen) = r.evaluate(u);
        // From no bound at all (−∞), any finite value is better.
        if value > best + schedule.improvement * best.abs() || (best == f64::NEG_INFINITY && value.is_finite()) {
            best = value;
            chosen_at_best.clone_from(&chosen);
            prices_at_best.clear();
            prices_at_best.extend_from_slice(u);
            stall = 0;
        } else {
            stall += 1;
            if stall >= schedule.stall {
                theta /= 2.0;
                stall = 0;
            }
        }
        if r.done(best) || theta < schedule.min_theta {
            break;
        }
        let weights = r.weights();
        let mut norm = 0.0;
        for (i, d) in direction.iter_mut().enumerate() {
            let g = weights[i] - r.assigned(i, &chosen, u[i]);
            *d = g + schedule.deflection * *d;
            norm += *d * *d;
        }
        if norm == 0.0 {
            break;
        }
        let upper = r.upper();
        let from = if schedule.from_best && best.is_finite() { best.max(value) } else { value };
        let step = theta * (upper - from).max(schedule.step_floor * upper.max(1.0)) / norm;
        for (ui, d) in u.iter_mut().zip(&direction) {
            *ui = (*ui + step * d).max(0.0);
        }
        r.stepped(best);
    }
    Ascent { bound: best, chosen: chosen_at_best, prices: prices_at_best, steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members on a line at 0, 1, 10, 11 (cost = distance), candidates at the
    /// same points, k = 2: the optimum is 2 (one host per pair).
    struct Line {
        w: Vec<f64>,
        at: Vec<f64>,
        upper: f64,
    }

    impl Relaxation for Line {
        fn weights(&self) -> &[f64] {
            &self.w
        }
        fn evaluate(&mut self, u: &[f64]) -> (f64, Vec<usize>) {
            let sigma: Vec<f64> = (0..4)
                .map(|j| (0..4).map(|i| self.w[i] * (u[i] - (self.at[i] - self.at[j]).abs()).max(0.0)).sum())
                .collect();
            let mut order: Vec<usize> = (0..4).collect();
            order.sort_by(|&a, &b| sigma[b].total_cmp(&sigma[a]));
            order.truncate(2);
            let value = (0..4).map(|i| self.w[i] * u[i]).sum::<f64>() - order.iter().map(|&j| sigma[j]).sum::<f64>();
            (value, order)
        }
        fn gains(&self, i: usize, j: usize, ui: f64) -> bool {
            (self.at[i] - self.at[j]).abs() < ui
        }
        fn upper(&self) -> f64 {
            self.upper
        }
        fn done(&self, best: f64) -> bool {
            best >= self.upper * (1.0 - 1e-9)
        }
    }

    #[test]
    fn the_ascent_starts_from_no_bound_and_never_passes_the_optimum() {
        let mut line = Line { w: vec![1.0; 4], at: vec![0.0, 1.0, 10.0, 11.0], upper: 2.0 };
        let schedule = Schedule {
            theta: 1.0,
            stall: 8,
            min_theta: 1e-4,
            deflection: 0.0,
            improvement: 1e-12,
            step_floor: 1e-9,
            max_steps: 400,
            from_best: false,
        };
        let mut u = vec![0.0; 4];
        let a = ascend(&mut line, &mut u, &schedule, f64::NEG_INFINITY);
        assert!(a.bound.is_finite(), "a bound from −∞ must be taken");
        assert!(a.bound <= 2.0 + 1e-9, "{}", a.bound);
        assert!(a.bound > 1.0, "{}", a.bound);
        assert_eq!(a.chosen.len(), 2);
    }
}
