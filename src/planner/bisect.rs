//! The threshold bisection of both k-center solvers: the least worst-case
//! cost t at which k hosts can serve everyone lies between a certified lower
//! bound `lo` (OPT ≥ lo) and the value `hi` of hosts already found. Each step
//! tests one t in between: "infeasible" proves OPT > t and raises `lo`,
//! "feasible" brings hosts whose value v ≤ t and lowers `hi`.
//!
//! Where the thresholds come from is the only difference between the
//! solvers: the exact solver knows every cost, so OPT is one of them and the
//! bisection runs over that sorted list until it closes exactly; the large
//! instances' solver halves a continuous interval until it is narrow enough.

use std::time::Instant;

/// What one test of threshold t found.
pub(crate) enum Probe {
    /// No k hosts serve everyone at cost ≤ t: OPT > t.
    Infeasible,
    /// Hosts serving everyone at cost ≤ t were found; their value (≤ t).
    Feasible(f64),
    /// The test ran out of effort and decided nothing.
    Unknown,
}

/// What to do when a test decides nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnUnknown {
    /// Stop: the bisection ends with the bounds it has.
    Stop,
    /// Look below t only (a cheaper test there may still prove a bound).
    LookBelow,
}

/// The thresholds a bisection may test.
pub(crate) enum Thresholds {
    /// Only these values (sorted, distinct): OPT is one of them.
    Levels(Vec<f64>),
    /// Any value; stop once `top − lo` is at most this fraction of `top`.
    Interval { fraction: f64 },
}

impl Thresholds {
    /// The next threshold to test between `lo` (certified) and `top`, or `None` when settled.
    fn next(&self, lo: f64, top: f64) -> Option<f64> {
        match self {
            Self::Levels(levels) => {
                let (a, b) = (levels.partition_point(|&v| v < lo), levels.partition_point(|&v| v < top));
                (a < b).then(|| levels[a + (b - a) / 2])
            }
            Self::Interval { fraction } => (top - lo > fraction * top).then_some(0.5 * (lo + top)),
        }
    }

    /// The certified lower bound after "infeasible at t": the next level above t, or t itself.
    fn above(&self, t: f64) -> f64 {
        match self {
            Self::Levels(levels) => levels.get(levels.partition_point(|&v| v <= t)).copied().unwrap_or(t),
            Self::Interval { .. } => t,
        }
    }
}

/// The bounds a bisection ends with.
pub(crate) struct Bounds {
    /// Certified: OPT ≥ `lower`.
    pub lower: f64,
    /// Tests run.
    pub tests: usize,
}

/// Bisects between `lo` (OPT ≥ lo) and `hi` (hosts of value `hi` are known):
/// `test` checks a threshold (and keeps any better hosts it finds), `report`
/// hears each step's (lo, hi). Stops when settled, at `deadline`, or on an
/// undecided test with [`OnUnknown::Stop`].
pub(crate) fn bisect(
    thresholds: &Thresholds,
    mut lo: f64,
    hi: f64,
    on_unknown: OnUnknown,
    deadline: Instant,
    test: &mut dyn FnMut(f64) -> Probe,
    report: &mut dyn FnMut(f64, f64),
) -> Bounds {
    // `top`: the upper end of the search, at most the best value found (lower after an undecided test).
    let (mut best, mut top) = (hi, hi);
    let mut tests = 0;
    let mut settled = false;
    while Instant::now() < deadline {
        let Some(t) = thresholds.next(lo, top) else {
            settled = true;
            break;
        };
        tests += 1;
        match test(t) {
            Probe::Infeasible => lo = lo.max(thresholds.above(t)),
            Probe::Feasible(v) => {
                best = best.min(v);
                top = top.min(best);
            }
            Probe::Unknown if on_unknown == OnUnknown::LookBelow => top = t,
            Probe::Unknown => break,
        }
        report(lo, best);
    }
    // Over a list of levels holding OPT, none left in [lo, best) means OPT = best.
    let lower = if settled && top >= best && matches!(thresholds, Thresholds::Levels(_)) { best } else { lo };
    Bounds { lower: lower.min(best), tests }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn over_levels_the_bisection_closes_on_the_least_feasible_one() {
        let levels: Vec<f64> = (1..=100).map(f64::from).collect();
        let opt = 37.0;
        let mut tested = Vec::new();
        let mut test = |t: f64| {
            tested.push(t);
            if t >= opt { Probe::Feasible(opt) } else { Probe::Infeasible }
        };
        let b = bisect(&Thresholds::Levels(levels), 0.0, 100.0, OnUnknown::Stop, far(), &mut test, &mut |_, _| {});
        assert!((b.lower - opt).abs() < 1e-12, "{}", b.lower);
        assert!(tested.len() <= 8, "{tested:?}");
    }

    #[test]
    fn over_an_interval_the_bound_stays_below_the_optimum_and_within_the_width() {
        let opt = 41.3;
        let mut best = f64::INFINITY;
        let mut test = |t: f64| {
            if t >= opt {
                best = best.min(opt + 0.01);
                Probe::Feasible(opt + 0.01)
            } else {
                Probe::Infeasible
            }
        };
        let b = bisect(
            &Thresholds::Interval { fraction: 0.001 },
            0.0,
            100.0,
            OnUnknown::LookBelow,
            far(),
            &mut test,
            &mut |_, _| {},
        );
        assert!(b.lower <= opt && opt - b.lower <= 0.2, "{}", b.lower);
    }

    #[test]
    fn an_undecided_test_never_raises_the_bound() {
        let mut test = |t: f64| if t < 10.0 { Probe::Infeasible } else { Probe::Unknown };
        let levels = Thresholds::Levels((1..=100).map(f64::from).collect());
        let stop = bisect(&levels, 0.0, 100.0, OnUnknown::Stop, far(), &mut test, &mut |_, _| {});
        assert!(stop.lower <= 10.0);
        let below = bisect(&levels, 0.0, 100.0, OnUnknown::LookBelow, far(), &mut test, &mut |_, _| {});
        assert!((below.lower - 10.0).abs() < 1e-12, "{}", below.lower);
    }
}
