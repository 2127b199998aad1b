//! Linked multi-hub gatherings: k hubs that meet at the same time by video.
//! Every pair of hubs shares at least H hours of local working time, each hub
//! holds between a minimum and a maximum number of people, and the sum the
//! request minimises (total cost, CO2 or distance) is minimised.
//!
//! Two hubs whose UTC offsets differ by Δ share (window − Δ) hours of a daily
//! local window, so a feasible set of hubs has all its offsets within
//! `window − H` hours of each other: within one interval of offsets. Each
//! maximal interval is solved on its own, and the best answer wins.
//!
//! Within an interval: small instances enumerate every set of k hosts and
//! assign people exactly (a min-cost flow); large ones start from the
//! uncapacitated k-median heuristic, assign with capacities exactly, and
//! re-centre each hub on its people. Two fifths of the time limit find hosts
//! in every interval; the rest certifies a lower bound with a Lagrangian
//! relaxation that keeps the capacities ([`super::capacity`]): first over the
//! candidates of all intervals at once (any interval's hubs are hubs of the
//! union), then over halves of the intervals where that falls short, on the
//! same instance with the σ search kept to each half's candidates and the
//! prices carried down, stopping once no interval can beat the best hosts by
//! more than the target gap. The answer's bound holds for every interval, so
//! `lower_bound` ≤ optimum ≤ `value` holds always.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::capacity::CapacityDual;
use super::engine::Instance;
use super::error::PlanError;
use super::median;
use super::plan::{Candidate, Host, Objective, Traveller};
use super::sigma::SigmaSearch;
use super::slots::{offsets_at_noon, parse_window};
use super::solve::{Prepared, SolveOptions, prepare_with};
use super::solver::Limits;
use super::travel::TravelModel;

/// Default hours of local working time every pair of hubs shares.
pub const DEFAULT_OVERLAP_HOURS: f64 = 3.0;
/// Intervals with at most this many k-sets of candidates are searched exhaustively.
const ENUMERATE_SETS: usize = 3_000;

/// A linked gathering to plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkedRequest {
    /// Number of hubs.
    pub k: usize,
    /// Hours of local working time every pair of hubs shares.
    pub overlap_hours: f64,
    /// Fewest people a hub may hold.
    pub min_per_hub: u64,
    /// Most people a hub may hold (`None`: no limit).
    pub max_per_hub: Option<u64>,
    /// The date whose UTC offsets count (`YYYY-MM-DD`).
    pub on: String,
    /// Local working hours, `HH:MM-HH:MM`.
    pub window: String,
}

impl Default for LinkedRequest {
    fn default() -> Self {
        Self {
            k: 3,
            overlap_hours: DEFAULT_OVERLAP_HOURS,
            min_per_hub: 0,
            max_per_hub: None,
            on: String::new(),
            window: super::slots::DEFAULT_WINDOW.to_owned(),
        }
    }
}

/// People of one participant row at one hub.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedAssignment {
    /// The participant row's name.
    pub name: String,
    /// Index into [`LinkedAnswer::hosts`].
    pub host: usize,
    /// People of the row meeting there.
    pub people: u32,
    /// Per-person value of the objective (cost, kg CO2e or km).
    pub per_person: f64,
}

/// A linked gathering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedAnswer {
    /// What was minimised.
    pub objective: Objective,
    /// The hubs.
    pub hosts: Vec<Host>,
    /// Each hub's UTC offset on the date, hours.
    pub utc_offsets: Vec<f64>,
    /// People at each hub.
    pub people: Vec<u64>,
    /// The least shared working time between two hubs, hours.
    pub min_overlap_hours: f64,
    /// Who meets where (a row may be split between hubs by the capacities).
    pub assignments: Vec<LinkedAssignment>,
    /// The objective summed over everyone.
    pub value: f64,
    /// Certified: no k hubs meeting the constraints do better.
    pub lower_bound: f64,
    /// (value − lower bound) / value.
    pub gap: f64,
    /// How the hubs were found.
    pub method: String,
    /// Solver time in milliseconds.
    pub elapsed_ms: u64,
}

/// Big enough to make a capacity bound win over any cost, small enough for f64 sums to stay exact to a cent.
const BIG: f64 = 1e9;

/// The min-cost assignment of `weight[g]` people per group to `k` hubs, `cost[g * k + h]`
/// per person, each hub holding `lo..=hi` people: cycle cancelling on the k-node
/// graph of hubs (moving people between hubs through the group that does it
/// cheapest), with the capacity bounds as steep marginal costs. `None` when the
/// bounds cannot be met.
pub(crate) fn transport(cost: &[f64], weight: &[u64], k: usize, lo: u64, hi: u64) -> Option<(f64, Vec<u64>)> {
    let n = weight.len();
    let mut flow = vec![0_u64; n * k];
    let mut load = vec![0_u64; k];
    for g in 0..n {
        let h = (0..k).min_by(|&a, &b| cost[g * k + a].total_cmp(&cost[g * k + b]))?;
        flow[g * k + h] = weight[g];
        load[h] += weight[g];
    }
    // Marginal cost of one more person at a hub, and of one fewer.
    let add = |l: u64| {
        if l < lo {
            -BIG
        } else if l < hi {
            0.0
        } else {
            BIG
        }
    };
    let remove = |l: u64| {
        if l > hi {
            -BIG
        } else if l > lo {
            0.0
        } else {
            BIG
        }
    };
    for _ in 0..1_000_000 {
        // Cheapest way to move one person from hub a to hub b, and through which group.
        let mut edge = vec![(f64::INFINITY, usize::MAX); k * k];
        for g in 0..n {
            for a in 0..k {
                if flow[g * k + a] == 0 {
                    continue;
                }
                for b in 0..k {
                    let d = cost[g * k + b] - cost[g * k + a];
                    if a != b && d < edge[a * k + b].0 {
                        edge[a * k + b] = (d, g);
                    }
                }
            }
        }
        let Some(moves) = improving(&edge, k, &load, &add, &remove) else { break };
        // How many people can go along: each step's group flow, and the hubs' current capacity segments.
        let mut amount = u64::MAX;
        let mut used = vec![0_u64; n * k];
        for w in moves.windows(2) {
            let g = edge[w[0] * k + w[1]].1;
            used[g * k + w[0]] += 1;
        }
        for (i, &u) in used.iter().enumerate() {
            if let Some(q) = flow[i].checked_div(u) {
                amount = amount.min(q);
            }
        }
        let (first, last) = (moves[0], moves[moves.len() - 1]);
        if first != last {
            let l = load[first];
            amount = amount.min(if l > hi {
                l - hi
            } else if l > lo {
                l - lo
            } else {
                l
            });
            let l = load[last];
            amount = amount.min(if l < lo {
                lo - l
            } else if l < hi {
                hi - l
            } else {
                u64::MAX
            });
            load[first] -= amount.min(load[first]);
            load[last] += amount;
        }
        if amount == 0 || amount == u64::MAX {
            break;
        }
        for w in moves.windows(2) {
            let g = edge[w[0] * k + w[1]].1;
            flow[g * k + w[0]] -= amount;
            flow[g * k + w[1]] += amount;
        }
    }
    if load.iter().any(|&l| l < lo || l > hi) {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let value = flow.iter().zip(cost).map(|(&f, &c)| f as f64 * c).sum();
    Some((value, flow))
}

/// A negative cycle of hubs, or a path from one hub to another whose move
/// (with the capacity costs at both ends) saves; `None` when the assignment is optimal.
fn improving(
    edge: &[(f64, usize)],
    k: usize,
    load: &[u64],
    add: &dyn Fn(u64) -> f64,
    remove: &dyn Fn(u64) -> f64,
) -> Option<Vec<usize>> {
    const EPS: f64 = 1e-9;
    // Bellman-Ford from every hub at once (a cycle check).
    let mut dist = vec![0.0_f64; k];
    let mut pred = vec![usize::MAX; k];
    let mut changed_at = None;
    for round in 0..=k {
        let mut changed = None;
        for a in 0..k {
            for b in 0..k {
                let w = edge[a * k + b].0;
                if w.is_finite() && dist[a] + w < dist[b] - EPS {
                    dist[b] = dist[a] + w;
                    pred[b] = a;
                    changed = Some(b);
                }
            }
        }
        if changed.is_none() {
            break;
        }
        if round == k {
            changed_at = changed;
        }
    }
    if let Some(mut x) = changed_at {
        for _ in 0..k {
            x = pred[x];
        }
        let mut cycle = vec![x];
        let mut y = pred[x];
        while y != x && cycle.len() <= k {
            cycle.push(y);
            y = pred[y];
        }
        cycle.push(x);
        cycle.reverse();
        return Some(cycle);
    }
    // No negative cycle: the best path move, starting with one step.
    let mut best: Option<(f64, Vec<usize>)> = None;
    for a in 0..k {
        let mut d = vec![f64::INFINITY; k];
        let mut p = vec![usize::MAX; k];
        for b in 0..k {
            let w = edge[a * k + b].0;
            if w.is_finite() {
                d[b] = remove(load[a]) + w;
                p[b] = a;
            }
        }
        for _ in 0..k {
            for x in 0..k {
                for y in 0..k {
                    let w = edge[x * k + y].0;
                    if x != a && d[x].is_finite() && w.is_finite() && d[x] + w < d[y] - EPS {
                        d[y] = d[x] + w;
                        p[y] = x;
                    }
                }
            }
        }
        for b in 0..k {
            if b == a || !d[b].is_finite() {
                continue;
            }
            let total = d[b] + add(load[b]);
            if total < -EPS && best.as_ref().is_none_or(|x| total < x.0) {
                let mut path = vec![b];
                let mut y = b;
                while y != a && path.len() <= k + 1 {
                    y = p[y];
                    path.push(y);
                }
                if y == a {
                    path.reverse();
                    best = Some((total, path));
                }
            }
        }
    }
    best.map(|b| b.1)
}

/// Candidate index sets whose UTC offsets lie within `span` minutes of each
/// other: one per maximal interval, each with at least `k` candidates.
fn intervals(offsets: &[i32], span: i32, k: usize) -> Vec<Vec<usize>> {
    let mut distinct: Vec<i32> = offsets.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut out: Vec<(i32, i32, Vec<usize>)> = Vec::new();
    for &start in &distinct {
        let end = distinct.iter().copied().filter(|&o| o >= start && o - start <= span).max().unwrap_or(start);
        if out.iter().any(|(s, e, _)| *s <= start && end <= *e) {
            continue;
        }
        let members: Vec<usize> = (0..offsets.len()).filter(|&j| offsets[j] >= start && offsets[j] <= end).collect();
        if members.len() >= k {
            out.push((start, end, members));
        }
    }
    out.into_iter().map(|(_, _, m)| m).collect()
}

/// Per-group, per-hub costs of the hosts `hosts` (tree positions).
fn costs(inst: &Instance, hosts: &[usize]) -> Vec<f64> {
    let k = hosts.len();
    let mut c = vec![0.0; inst.n() * k];
    for g in 0..inst.n() {
        for (h, &j) in hosts.iter().enumerate() {
            c[g * k + h] = inst.cost(g, j);
        }
    }
    c
}

/// Every k-subset of `0..m`, in order, while `visit` says go on.
fn each_subset(m: usize, k: usize, visit: &mut dyn FnMut(&[usize])) {
    fn rec(start: usize, m: usize, k: usize, chosen: &mut Vec<usize>, visit: &mut dyn FnMut(&[usize])) {
        if chosen.len() == k {
            visit(chosen);
            return;
        }
        for j in start..m {
            chosen.push(j);
            rec(j + 1, m, k, chosen, visit);
            chosen.pop();
        }
    }
    rec(0, m, k, &mut Vec::with_capacity(k), visit);
}

fn subsets(m: usize, k: usize) -> usize {
    let mut c: usize = 1;
    for i in 0..k {
        c = c.saturating_mul(m - i) / (i + 1);
    }
    c
}

/// The interval's best hosts by exhaustive search when it is small (value, hosts,
/// flows; the bound is the value), else by the k-median heuristic, the
/// capacitated assignment and re-centring each hub on its people; `None`
/// when those hosts cannot hold everyone within the capacities.
fn interval_hosts(
    inst: &Instance,
    k: usize,
    lo: u64,
    hi: u64,
    weight: &[u64],
    limits: &Limits,
) -> Option<(f64, Vec<usize>, Vec<u64>, bool)> {
    let m = inst.m();
    if subsets(m, k) <= ENUMERATE_SETS {
        let mut best: Option<(f64, Vec<usize>, Vec<u64>)> = None;
        each_subset(m, k, &mut |set| {
            if let Some((v, f)) = transport(&costs(inst, set), weight, k, lo, hi)
                && best.as_ref().is_none_or(|b| v < b.0)
            {
                best = Some((v, set.to_vec(), f));
            }
        });
        return best.map(|(v, h, f)| (v, h, f, true));
    }
    let (_, mut hosts) = median::heuristic(inst, k, limits);
    let (mut value, mut flow) = transport(&costs(inst, &hosts), weight, k, lo, hi)?;
    // Re-centre each hub on the people assigned to it, while that helps.
    for _ in 0..8 {
        let mut improved = false;
        for h in 0..k {
            let members: Vec<usize> = (0..inst.n()).filter(|&g| flow[g * k + h] * 2 > weight[g]).collect();
            let others: Vec<usize> = hosts.iter().copied().filter(|&j| j != hosts[h]).collect();
            let Some((j, _)) = inst.best_single(&members, f64::INFINITY, &others) else { continue };
            if j == hosts[h] {
                continue;
            }
            let mut trial = hosts.clone();
            trial[h] = j;
            if let Some((v, f)) = transport(&costs(inst, &trial), weight, k, lo, hi)
                && v < value * (1.0 - 1e-12)
            {
                (value, flow, hosts) = (v, f, trial);
                improved = true;
            }
        }
        if !improved || Instant::now() >= limits.deadline {
            break;
        }
    }
    Some((value, hosts, flow, false))
}

/// A certified lower bound for one interval: the capacitated Lagrangian
/// relaxation ([`super::capacity`]), its prices starting from `from` (prices
/// and the bound they gave over these candidates or more) when given, else
/// from each group's dearest hub in `found`'s assignment (or its cheapest
/// candidate among the hosts); it stops once it reaches `enough`. `sigma`
/// searches the candidates it is kept to, with what earlier searches over the
/// same instance learnt. Returns the bound and the prices that gave it.
#[allow(clippy::too_many_arguments)]
fn interval_bound(
    inst: &Instance,
    k: usize,
    (lo, hi): (u64, u64),
    weight: &[u64],
    hosts: &[usize],
    flow: Option<&[u64]>,
    from: Option<(&[f64], f64)>,
    upper: f64,
    enough: f64,
    deadline: Instant,
    sigma: &mut SigmaSearch,
) -> (f64, Vec<f64>) {
    let mut u: Vec<f64> = match from {
        Some((prices, _)) => prices.to_vec(),
        None => (0..inst.n())
            .map(|g| {
                let at = |h: usize| inst.cost(g, hosts[h]);
                match flow {
                    Some(f) => (0..k).filter(|&h| f[g * k + h] > 0).map(at).fold(0.0, f64::max),
                    None => (0..k).map(at).fold(f64::INFINITY, f64::min),
                }
            })
            .collect(),
    };
    if !upper.is_finite() {
        return (0.0, u);
    }
    let start = from.map_or(f64::NEG_INFINITY, |f| f.1);
    let searching = std::mem::take(sigma);
    let mut dual = CapacityDual::new(inst, k, (lo, hi), weight, upper, enough, deadline, hosts.to_vec(), searching);
    let bound = dual.bound(&mut u, start).max(0.0);
    *sigma = dual.into_sigma();
    (bound, u)
}

/// Builds the instance over some candidates, with people per group.
type Build<'a> = &'a dyn Fn(&[usize]) -> (Prepared, Vec<u64>);

/// What bounding ranges of consecutive intervals needs (see [`Ranges::bound`]).
struct Ranges<'a> {
    groups: &'a [Vec<usize>],
    /// An interval's own bound when it was solved exhaustively (+∞: no hubs fit).
    settled: &'a dyn Fn(usize) -> Option<f64>,
    /// An interval's best value found (+∞: none).
    own: &'a dyn Fn(usize) -> f64,
    /// The instance over some candidates, and people per group.
    build: Build<'a>,
    /// The best hubs (candidate indices), their flow and the groups it is over.
    hosts: &'a [usize],
    flow: &'a [u64],
    group_of: &'a [usize],
    k: usize,
    capacity: (u64, u64),
    value: f64,
    enough: f64,
}

impl Ranges<'_> {
    /// A lower bound on every linked answer whose hubs lie in one of the
    /// intervals `a..=z`, by `until`. One instance is built over all their
    /// candidates and the best hubs (any hubs of one interval are hubs of the
    /// union, so its bound holds for each); [`Ranges::range`] bounds the
    /// range, then its halves, on that instance.
    fn bound(&self, a: usize, z: usize, until: Instant) -> f64 {
        if (a..=z).all(|n| (self.settled)(n).is_some()) {
            return (a..=z).filter_map(|n| (self.settled)(n)).fold(f64::INFINITY, f64::min);
        }
        let mut set: Vec<usize> =
            self.groups[a..=z].iter().flatten().copied().chain(self.hosts.iter().copied()).collect();
        set.sort_unstable();
        set.dedup();
        let (p, weight) = (self.build)(&set);
        let mut tree_of = vec![0; set.len()];
        for (t, &o) in p.inst.index.original.iter().enumerate() {
            tree_of[o] = t;
        }
        let tree_hosts: Vec<usize> =
            self.hosts.iter().filter_map(|h| set.binary_search(h).ok()).map(|x| tree_of[x]).collect();
        // The best hubs' flow gives the starting prices when the groups are the same.
        let flow = (p.group_of == self.group_of).then_some(self.flow);
        let on = Union { inst: &p.inst, weight: &weight, set: &set, tree_hosts: &tree_hosts, flow };
        self.range(&on, a, z, until, None, &mut SigmaSearch::default())
    }

    /// The bound of intervals `a..=z` on the union's instance `on`: the
    /// capacitated bound over their candidates only, taking half of the time
    /// left while the range can still be split; when it falls short of
    /// `enough`, the better of it and the least of the two halves' bounds. The
    /// halves search the same instance kept to their candidates, with the same
    /// σ memo, and start from its best prices (`from`: prices and their bound):
    /// over fewer candidates, a bound at the same prices is never lower. (The
    /// best hubs are not added to a range outside their interval: with them,
    /// every range's relaxation chose them again and stayed at the union's bound.)
    fn range(
        &self,
        on: &Union<'_>,
        a: usize,
        z: usize,
        until: Instant,
        from: Option<(&[f64], f64)>,
        sigma: &mut SigmaSearch,
    ) -> f64 {
        if (a..=z).all(|n| (self.settled)(n).is_some()) {
            return (a..=z).filter_map(|n| (self.settled)(n)).fold(f64::INFINITY, f64::min);
        }
        let left = until.saturating_duration_since(Instant::now());
        let deadline = Instant::now() + if a < z { left / 2 } else { left };
        // The range's candidates by tree position; none left out at the top.
        let mut mark = vec![false; on.set.len()];
        for j in self.groups[a..=z].iter().flatten() {
            if let Ok(x) = on.set.binary_search(j) {
                mark[x] = true;
            }
        }
        let allowed: Vec<bool> = on.inst.index.original.iter().map(|&x| mark[x]).collect();
        let allowed = allowed.contains(&false).then_some(allowed);
        sigma.only(allowed);
        let own = (a..=z).map(|n| (self.own)(n)).fold(f64::INFINITY, f64::min);
        let (here, prices) = interval_bound(
            on.inst,
            self.k,
            self.capacity,
            on.weight,
            on.tree_hosts,
            on.flow,
            from,
            self.value,
            self.enough,
            deadline,
            sigma,
        );
        let here = here.min(own);
        if here >= self.enough || a == z || Instant::now() >= until {
            return here;
        }
        // The halves share the time left in proportion to their intervals.
        let mid = a + (z - a) / 2;
        let left = until.saturating_duration_since(Instant::now());
        #[allow(clippy::cast_possible_truncation)]
        let first = Instant::now() + left * (mid - a + 1) as u32 / (z - a + 1) as u32;
        let start = Some((prices.as_slice(), here));
        let low = self.range(on, a, mid, first, start, sigma);
        let high = self.range(on, mid + 1, z, until, start, sigma);
        here.max(low.min(high))
    }
}

/// The instance over the candidates of all intervals bounded at once, with what bounding on it needs.
struct Union<'a> {
    inst: &'a Instance,
    /// People per member group.
    weight: &'a [u64],
    /// Its candidates (indices into the request's), sorted.
    set: &'a [usize],
    /// The best hubs' tree positions.
    tree_hosts: &'a [usize],
    /// The best hubs' flow, when it is over the instance's groups.
    flow: Option<&'a [u64]>,
}

/// A group's best hubs found so far: value, hubs, people per hub, and whether certified.
type Found = (f64, Vec<usize>, Vec<u64>, bool);

/// Plans a linked gathering.
///
/// # Errors
/// [`PlanError::LinkedCapacity`] when k × the maximum is below the people or k ×
/// the minimum above them, [`PlanError::LinkedOverlap`] when no k candidates
/// share enough working time (with the most any k share), [`PlanError::BadDate`]
/// or [`PlanError::BadWindow`], [`PlanError::ZeroK`].
#[allow(clippy::too_many_lines)]
pub fn linked(
    travellers: &[Traveller],
    candidates: &[Candidate],
    objective: Objective,
    model: &TravelModel,
    request: &LinkedRequest,
    options: &SolveOptions,
) -> Result<LinkedAnswer, PlanError> {
    let started = Instant::now();
    let k = request.k;
    if k == 0 {
        return Err(PlanError::ZeroK);
    }
    let (ws, we) = parse_window(&request.window)?;
    let people: u64 = travellers.iter().map(|t| u64::from(t.weight)).sum();
    let (lo, hi) = (request.min_per_hub, request.max_per_hub.unwrap_or(u64::MAX / 4));
    if hi < lo || (k as u64).saturating_mul(hi) < people || (k as u64).saturating_mul(lo) > people {
        return Err(PlanError::LinkedCapacity { k, min: lo, max: request.max_per_hub, people });
    }
    if k > candidates.len() {
        return Err(PlanError::KExceedsCandidates { k, candidates: candidates.len() });
    }
    #[allow(clippy::cast_possible_truncation)]
    let span = (we - ws) - (request.overlap_hours * 60.0).round() as i32;
    let positions: Vec<super::geo::LatLon> = candidates.iter().map(|c| c.position).collect();
    let offsets = offsets_at_noon(&positions, &request.on)?;
    let groups = if span < 0 { Vec::new() } else { intervals(&offsets, span, k) };
    if groups.is_empty() {
        // The most working time any k candidates could share, to say what to relax.
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        let tightest = sorted.windows(k).map(|w| w[k - 1] - w[0]).min().unwrap_or(0);
        return Err(PlanError::LinkedOverlap {
            overlap_hours: request.overlap_hours,
            best_hours: f64::from(((we - ws) - tightest).max(0)) / 60.0,
        });
    }
    let objective = if objective == Objective::MaxCost { Objective::TotalCost } else { objective };
    // Two fifths of the time find hosts in every interval, the rest certifies bounds.
    #[allow(clippy::cast_possible_truncation)]
    let share = options.time_limit * 2 / (5 * groups.len() as u32);
    // Each interval's instance is built again when needed rather than kept:
    // with many candidates, each holds a table of airport-pair fares.
    // Airports near each candidate are looked up once, not once per interval.
    let access: Vec<[(u32, f64); 2]> =
        if model.hub_aware { candidates.iter().map(|c| model.access(c.position)).collect() } else { Vec::new() };
    let build = |set: &[usize]| {
        let subset: Vec<Candidate> = set.iter().map(|&j| candidates[j].clone()).collect();
        let known = model.hub_aware.then(|| set.iter().map(|&j| access[j]).collect());
        let p = prepare_with(travellers, &subset, objective, model, known);
        let mut weight = vec![0_u64; p.inst.n()];
        for (t, &g) in p.group_of.iter().enumerate() {
            weight[g] += u64::from(travellers[t].weight);
        }
        (p, weight)
    };
    let mut found: Vec<Option<Found>> = Vec::with_capacity(groups.len());
    let mut best: Option<(usize, Vec<usize>, Vec<usize>)> = None;
    for (n, set) in groups.iter().enumerate() {
        #[allow(clippy::cast_possible_truncation)]
        let deadline = started + share * (n as u32 + 1);
        let limits = Limits { target_gap: options.target_gap, deadline, seed: options.seed };
        let (p, weight) = build(set);
        if k > p.places {
            return Err(PlanError::KExceedsPlaces { k, places: p.places });
        }
        let f = interval_hosts(&p.inst, k, lo, hi, &weight, &limits);
        if let Some((v, tree_hosts, _, _)) = &f
            && best.as_ref().is_none_or(|b| *v < found[b.0].as_ref().map_or(f64::INFINITY, |x| x.0))
        {
            let hosts = tree_hosts.iter().map(|&t| set[p.inst.index.original[t]]).collect();
            best = Some((n, hosts, p.group_of.clone()));
        }
        found.push(f);
    }
    let Some((best_n, hosts, group_of)) = best else {
        return Err(PlanError::LinkedCapacity { k, min: lo, max: request.max_per_hub, people });
    };
    let (value, _, flow, _) = found[best_n].clone().unwrap_or_default();
    // Bounds: an interval solved exhaustively is its own bound; the others are
    // certified until no interval can beat the best value by more than the target
    // gap. A bound over the candidates of several consecutive intervals (and the
    // best hubs) holds for each of them, since any hubs of one interval are hubs
    // of the union: first all of them at once, then halves of those that fall short.
    let enough = value * (1.0 - options.target_gap);
    let settled = |n: usize| match &found[n] {
        Some((v, _, _, true)) => Some(*v),
        None if subsets(groups[n].len(), k) <= ENUMERATE_SETS => Some(f64::INFINITY),
        _ => None,
    };
    let exact_all = (0..groups.len()).all(|n| settled(n).is_some());
    let own = |n: usize| found[n].as_ref().map_or(f64::INFINITY, |x| x.0);
    let ranges = Ranges {
        groups: &groups,
        settled: &settled,
        own: &own,
        build: &build,
        hosts: &hosts,
        flow: &flow,
        group_of: &group_of,
        k,
        capacity: (lo, hi),
        value,
        enough,
    };
    let bound = ranges.bound(0, groups.len() - 1, started + options.time_limit);
    let exact_everywhere = exact_all && bound >= value * (1.0 - 1e-12);
    let lower_bound = bound.min(value).max(0.0);
    // Rows: split each group's flow over its rows in order.
    let mut left: Vec<Vec<u64>> = (0..flow.len() / k).map(|g| flow[g * k..(g + 1) * k].to_vec()).collect();
    let mut assignments = Vec::new();
    for (t, tr) in travellers.iter().enumerate() {
        let g = group_of[t];
        let mut need = u64::from(tr.weight);
        for h in 0..k {
            let take = need.min(left[g][h]);
            if take > 0 {
                left[g][h] -= take;
                need -= take;
                let c = &candidates[hosts[h]];
                let mut trip = model.journey(tr.position, c.position, None);
                if model.visa_aware && objective == Objective::TotalCost {
                    let passports = super::visas::passports_of(tr);
                    trip.cost += model.visa.fact(&passports, &c.country).map_or(0.0, |v| v.cost);
                }
                assignments.push(LinkedAssignment {
                    name: tr.name.clone(),
                    host: h,
                    people: u32::try_from(take).unwrap_or(u32::MAX),
                    per_person: objective.of_trip(&trip),
                });
            }
        }
    }
    let mut per_hub = vec![0_u64; k];
    for a in &assignments {
        per_hub[a.host] += u64::from(a.people);
    }
    let hub_offsets: Vec<i32> = hosts.iter().map(|&j| offsets[j]).collect();
    let widest = hub_offsets.iter().max().copied().unwrap_or(0) - hub_offsets.iter().min().copied().unwrap_or(0);
    Ok(LinkedAnswer {
        objective,
        hosts: hosts
            .iter()
            .map(|&j| {
                let c = &candidates[j];
                Host { name: c.name.clone(), country: c.country.clone(), lat: c.position.lat, lon: c.position.lon }
            })
            .collect(),
        utc_offsets: hub_offsets.iter().map(|&o| f64::from(o) / 60.0).collect(),
        people: per_hub,
        min_overlap_hours: f64::from((we - ws) - widest) / 60.0,
        assignments,
        value,
        lower_bound,
        gap: if value > 0.0 { ((value - lower_bound) / value).max(0.0) } else { 0.0 },
        method: if exact_everywhere {
            "exact: every set of hubs within each interval of UTC offsets, min-cost assignment".to_owned()
        } else {
            "k-median heuristic per interval of UTC offsets, min-cost capacitated assignment, re-centring; capacitated Lagrangian bound".to_owned()
        },
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::planner::engine::SplitMix;
    use crate::planner::geo::LatLon;

    /// Every assignment of every person (rows expanded) to k hubs.
    fn brute_assign(cost: &[f64], weight: &[u64], k: usize, lo: u64, hi: u64) -> Option<f64> {
        let units: Vec<usize> =
            weight.iter().enumerate().flat_map(|(g, &w)| std::iter::repeat_n(g, w as usize)).collect();
        let mut best: Option<f64> = None;
        let total = k.pow(u32::try_from(units.len()).unwrap());
        for code in 0..total {
            let (mut c, mut load, mut x) = (0.0, vec![0_u64; k], code);
            for &g in &units {
                let h = x % k;
                x /= k;
                c += cost[g * k + h];
                load[h] += 1;
            }
            if load.iter().all(|&l| l >= lo && l <= hi) && best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        }
        best
    }

    #[test]
    fn the_capacitated_assignment_matches_brute_force() {
        let mut rng = SplitMix(5);
        for case in 0..200 {
            let k = 2 + case % 3;
            let n = 2 + case % 4;
            let weight: Vec<u64> = (0..n).map(|_| 1 + (rng.next_f64() * 2.5) as u64).collect();
            let people: u64 = weight.iter().sum();
            if people > 8 {
                continue;
            }
            let cost: Vec<f64> = (0..n * k).map(|_| (rng.next_f64() * 100.0).round()).collect();
            let lo = (rng.next_f64() * 2.0) as u64;
            let hi = lo + (rng.next_f64() * 4.0) as u64;
            let got = transport(&cost, &weight, k, lo, hi).map(|r| r.0);
            let expected = brute_assign(&cost, &weight, k, lo, hi);
            match (got, expected) {
                (Some(g), Some(e)) => assert!((g - e).abs() < 1e-6, "case {case}: {g} vs {e}"),
                (None, None) => {}
                other => panic!("case {case}: {other:?} (k {k}, lo {lo}, hi {hi}, weights {weight:?})"),
            }
        }
    }

    fn city(name: &str) -> Candidate {
        let p = crate::planner::resolve(name).unwrap();
        Candidate { name: p.name.clone(), country: p.country.clone(), position: p.position(), population: None }
    }

    #[test]
    fn linked_hubs_match_brute_force_and_the_bound_stays_below() {
        let hosts: Vec<Candidate> =
            ["Nairobi", "Lagos", "Berlin", "Lima", "Dhaka", "Cairo"].iter().map(|c| city(c)).collect();
        let mut rng = SplitMix(11);
        let model = TravelModel::default();
        for case in 0..6 {
            let travellers: Vec<Traveller> = (0..6)
                .map(|i| {
                    let p = LatLon::new(-30.0 + rng.next_f64() * 80.0, -80.0 + rng.next_f64() * 170.0).unwrap();
                    Traveller::new(format!("m{i}"), p)
                })
                .collect();
            let request = LinkedRequest {
                k: 2,
                overlap_hours: 3.0,
                min_per_hub: 1 + (case % 2),
                max_per_hub: Some(4),
                on: "2025-06-10".into(),
                ..LinkedRequest::default()
            };
            let answer = linked(&travellers, &hosts, Objective::TotalCost, &model, &request, &SolveOptions::default());
            // Brute force: every pair of hosts sharing ≥ 3 h, every assignment.
            let offsets: Vec<i32> = hosts
                .iter()
                .map(|c| crate::planner::slots::offset_at_noon(c.position, "2025-06-10").unwrap())
                .collect();
            let mut best: Option<f64> = None;
            for a in 0..hosts.len() {
                for b in a + 1..hosts.len() {
                    if (offsets[a] - offsets[b]).abs() > 9 * 60 {
                        continue;
                    }
                    let mut cost = Vec::new();
                    for t in &travellers {
                        for &h in &[a, b] {
                            let mut trip = model.journey(t.position, hosts[h].position, None);
                            let passports = crate::planner::visas::passports_of(t);
                            trip.cost += model.visa.fact(&passports, &hosts[h].country).map_or(0.0, |v| v.cost);
                            cost.push(trip.cost);
                        }
                    }
                    let w = vec![1; travellers.len()];
                    if let Some(v) = brute_assign(&cost, &w, 2, request.min_per_hub, 4)
                        && best.is_none_or(|x| v < x)
                    {
                        best = Some(v);
                    }
                }
            }
            match (answer, best) {
                (Ok(a), Some(b)) => {
                    assert!((a.value - b).abs() < 1e-6 * b.max(1.0), "case {case}: {} vs {b}", a.value);
                    assert!(a.lower_bound <= b * (1.0 + 1e-9), "case {case}: bound above the optimum");
                    assert!(a.min_overlap_hours >= 3.0 - 1e-9);
                    assert!(a.people.iter().all(|&p| p >= request.min_per_hub && p <= 4));
                }
                (Err(_), None) => {}
                other => panic!("case {case}: {other:?}"),
            }
        }
    }

    #[test]
    fn impossible_linked_requests_say_what_to_relax() {
        let t: Vec<Traveller> =
            (0..5).map(|i| Traveller::at(format!("p{i}"), 0.0, 30.0 + f64::from(i), 1).unwrap()).collect();
        let hosts = vec![city("Nairobi"), city("Lima"), city("Dhaka")];
        let m = TravelModel::default();
        let o = SolveOptions::default();
        let r = LinkedRequest { k: 2, max_per_hub: Some(2), on: "2025-06-10".into(), ..LinkedRequest::default() };
        assert!(matches!(
            linked(&t, &hosts, Objective::TotalCost, &m, &r, &o),
            Err(PlanError::LinkedCapacity { people: 5, .. })
        ));
        // Lima (UTC−5) and Dhaka (UTC+6) share only 1 h of 08:00–20:00; Nairobi is 8 h from Lima.
        let r = LinkedRequest { k: 3, overlap_hours: 5.0, on: "2025-06-10".into(), ..LinkedRequest::default() };
        match linked(&t, &hosts, Objective::TotalCost, &m, &r, &o) {
            Err(PlanError::LinkedOverlap { best_hours, .. }) => {
                assert!((best_hours - 1.0).abs() < 1e-9, "{best_hours}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// The capacitated Lagrangian bound of a large interval never passes the
    /// brute-force optimum (every set of hubs, every assignment), and is not trivial.
    #[test]
    fn the_capacitated_bound_stays_below_the_brute_force_optimum() {
        let mut rng = SplitMix(23);
        let model = TravelModel::default();
        for case in 0..8 {
            let travellers: Vec<Traveller> = (0..7_u32)
                .map(|i| {
                    let p = LatLon::new(-30.0 + rng.next_f64() * 80.0, -20.0 + rng.next_f64() * 60.0).unwrap();
                    Traveller { weight: 1 + (i % 2), ..Traveller::new(format!("m{i}"), p) }
                })
                .collect();
            let hosts: Vec<Candidate> = (0..9)
                .map(|j| {
                    let position = LatLon::new(-30.0 + rng.next_f64() * 80.0, -20.0 + rng.next_f64() * 60.0).unwrap();
                    Candidate { name: format!("c{j}"), country: "KE".into(), position, population: None }
                })
                .collect();
            let p = crate::planner::solve::prepare(&travellers, &hosts, Objective::TotalCost, &model);
            let inst = &p.inst;
            let mut weight = vec![0_u64; inst.n()];
            for (t, &g) in p.group_of.iter().enumerate() {
                weight[g] += u64::from(travellers[t].weight);
            }
            let people: u64 = weight.iter().sum();
            let (k, lo, hi): (usize, u64, u64) = (2 + case % 2, 2, people - 2);
            let mut optimum = f64::INFINITY;
            let mut best_set = Vec::new();
            each_subset(inst.m(), k, &mut |set| {
                if let Some((v, _)) = transport(&costs(inst, set), &weight, k, lo, hi)
                    && v < optimum
                {
                    optimum = v;
                    best_set = set.to_vec();
                }
            });
            let far = Instant::now() + Duration::from_secs(5);
            let mut sigma = SigmaSearch::default();
            let (bound, prices) =
                interval_bound(inst, k, (lo, hi), &weight, &best_set, None, None, optimum, optimum, far, &mut sigma);
            assert!(bound <= optimum * (1.0 + 1e-9), "case {case}: bound {bound} above the optimum {optimum}");
            assert!(bound >= 0.5 * optimum, "case {case}: bound {bound} far below the optimum {optimum}");
            // Kept to two thirds of the candidates, from those prices and the same memo
            // (as a range's halves): never above the optimum over those candidates.
            let allowed: Vec<bool> = (0..inst.m()).map(|j| j % 3 != case % 3).collect();
            let open: Vec<usize> = (0..inst.m()).filter(|&j| allowed[j]).collect();
            let mut narrow = f64::INFINITY;
            each_subset(open.len(), k, &mut |set| {
                let hubs: Vec<usize> = set.iter().map(|&x| open[x]).collect();
                if let Some((v, _)) = transport(&costs(inst, &hubs), &weight, k, lo, hi) {
                    narrow = narrow.min(v);
                }
            });
            sigma.only(Some(allowed));
            let from = Some((prices.as_slice(), bound));
            let (kept, _) =
                interval_bound(inst, k, (lo, hi), &weight, &best_set, None, from, narrow, narrow, far, &mut sigma);
            assert!(kept <= narrow * (1.0 + 1e-9), "case {case}: kept bound {kept} above its optimum {narrow}");
            assert!(kept >= bound, "case {case}: kept bound {kept} below the one it started from {bound}");
        }
    }

    /// Intervals too large to enumerate (the heuristic hubs, the bounds over
    /// unions of intervals): the answer is feasible, never better than the
    /// brute-force optimum (every set of hubs sharing the hours, every
    /// assignment), and its bound never above it.
    #[test]
    fn large_intervals_stay_between_their_bound_and_the_brute_force_optimum() {
        let mut rng = SplitMix(31);
        let model = TravelModel::default();
        for case in 0..4 {
            let travellers: Vec<Traveller> = (0..8_u32)
                .map(|i| {
                    let p = LatLon::new(-30.0 + rng.next_f64() * 80.0, -100.0 + rng.next_f64() * 220.0).unwrap();
                    Traveller { weight: 1 + (i % 2), ..Traveller::new(format!("m{i}"), p) }
                })
                .collect();
            // Most hosts over Africa and Europe (one interval too large to enumerate), a few in the Americas.
            let hosts: Vec<Candidate> = (0..42)
                .map(|j| {
                    let lon = if j < 36 { -20.0 + rng.next_f64() * 80.0 } else { -100.0 + rng.next_f64() * 40.0 };
                    let position = LatLon::new(-30.0 + rng.next_f64() * 80.0, lon).unwrap();
                    let country =
                        crate::planner::places::nearest_city(position).map(|(p, _)| p.country).unwrap_or_default();
                    Candidate { name: format!("c{j}"), country, position, population: None }
                })
                .collect();
            let people: u64 = travellers.iter().map(|t| u64::from(t.weight)).sum();
            let (k, lo, hi) = (3, 2 + case % 2, 6);
            let request = LinkedRequest {
                k,
                overlap_hours: 3.0,
                min_per_hub: lo,
                max_per_hub: Some(hi),
                on: "2025-06-10".into(),
                ..LinkedRequest::default()
            };
            let options = SolveOptions { time_limit: Duration::from_secs(4), ..SolveOptions::default() };
            let answer = linked(&travellers, &hosts, Objective::TotalCost, &model, &request, &options);
            let offsets: Vec<i32> = hosts
                .iter()
                .map(|c| crate::planner::slots::offset_at_noon(c.position, "2025-06-10").unwrap())
                .collect();
            let per: Vec<Vec<f64>> = travellers
                .iter()
                .map(|t| {
                    let passports = crate::planner::visas::passports_of(t);
                    hosts
                        .iter()
                        .map(|h| {
                            let trip = model.journey(t.position, h.position, None);
                            trip.cost + model.visa.fact(&passports, &h.country).map_or(0.0, |v| v.cost)
                        })
                        .collect()
                })
                .collect();
            let weight: Vec<u64> = travellers.iter().map(|t| u64::from(t.weight)).collect();
            let mut best: Option<f64> = None;
            each_subset(hosts.len(), k, &mut |set| {
                let (min, max) =
                    set.iter().fold((i32::MAX, i32::MIN), |(a, b), &j| (a.min(offsets[j]), b.max(offsets[j])));
                if max - min > 9 * 60 {
                    return;
                }
                let cost: Vec<f64> = per.iter().flat_map(|row| set.iter().map(|&j| row[j])).collect();
                if let Some((v, _)) = transport(&cost, &weight, k, lo, hi)
                    && best.is_none_or(|b| v < b)
                {
                    best = Some(v);
                }
            });
            match (answer, best) {
                (Ok(a), Some(b)) => {
                    assert!(a.method.starts_with("k-median heuristic"), "case {case}: {}", a.method);
                    assert!(a.value >= b * (1.0 - 1e-9), "case {case}: {} below the optimum {b}", a.value);
                    assert!(a.lower_bound <= b * (1.0 + 1e-9), "case {case}: bound {} above {b}", a.lower_bound);
                    assert!(a.lower_bound > 0.0, "case {case}: no bound");
                    assert!(a.min_overlap_hours >= 3.0 - 1e-9);
                    assert!(a.people.iter().all(|&p| p >= lo && p <= hi), "{:?}", a.people);
                    assert_eq!(a.people.iter().sum::<u64>(), people);
                }
                (Err(_), None) => {}
                other => panic!("case {case}: {other:?}"),
            }
        }
    }
}
