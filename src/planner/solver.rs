//! What every host-selection method shares: the limits it runs under, the
//! answer it gives (hosts with a value and a certified lower bound) and the
//! progress callback it reports to.

use std::time::Instant;

/// Limits and knobs of a solver run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Stop once (value − bound) / value is at most this.
    pub target_gap: f64,
    /// Give up improving at this moment.
    pub deadline: Instant,
    /// Seed of the restarts.
    pub seed: u64,
}

/// Result of a solver run: hosts as tree positions, their objective value and
/// a certified lower bound (`lower_bound` ≤ optimum ≤ `value`).
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub hosts: Vec<usize>,
    pub value: f64,
    pub lower_bound: f64,
    pub iterations: usize,
}

/// Progress report: (fraction done, best value, best lower bound).
pub(crate) type Report<'a> = &'a mut dyn FnMut(f64, f64, f64);
