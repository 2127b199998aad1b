//! The solver's working data and its basic moves: per-person costs computed on
//! demand (never a members × candidates matrix), exact single-host search over
//! the candidate tree, assignment to the cheapest host, and Lloyd-style
//! alternation between assigning members and re-centring each host.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::geo::UnitVec;
use super::hubs::Hub;
use super::index::{CandidateIndex, Node};
use super::travel::{Metric, TravelModel};

/// Hub-aware travel in the solver: each member group's and candidate's
/// nearest airport with scheduled service and the ground km to it. `metric`
/// of the instance is then only a lower bound ([`super::travel::TravelModel::bound_metric`]).
pub(crate) struct HubCosts {
    pub hubs: &'static [Hub],
    /// Per member group: access airports and the km to them ([`TravelModel::access`]).
    pub group_hub: Vec<[(u32, f64); 2]>,
    /// Per candidate, in the caller's order (mapped to tree order on build).
    pub cand_hub: Vec<[(u32, f64); 2]>,
    pub model: TravelModel,
    /// Money of one flight, and the optimised quantity's.
    pub air_cost: Metric,
    pub air: Metric,
    pub ground_slope: f64,
    pub connection: f64,
    pub is_cost: bool,
    pub quotes: super::travel::Quotes,
}

/// Visa costs in the solver: per member group a passport set, per candidate a
/// country, and the cost of each (set, country).
pub(crate) struct VisaCosts {
    pub group_set: Vec<u32>,
    /// Per candidate, in the caller's order (mapped to tree order on build).
    pub cand_country: Vec<u32>,
    pub countries: usize,
    pub table: Vec<f64>,
}

/// A float ordered by `total_cmp`, for heaps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Key(pub f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Whether the objective adds people's costs up or takes the worst one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// Σ weight × cost (k-median).
    Sum,
    /// max cost (k-center).
    Max,
}

/// Member groups (people sharing a home place), candidates in tree order and
/// the per-person metric being optimised.
pub(crate) struct Instance {
    pub pos: Vec<UnitVec>,
    pub weight: Vec<f64>,
    pub metric: Metric,
    pub index: CandidateIndex,
    pub aggregate: Aggregate,
    /// Known fares as (tree position, fare), grouped by member group.
    overrides: Vec<(usize, f64)>,
    override_start: Vec<usize>,
    /// Least known fare of each group (+∞ when it has none).
    pub min_override: Vec<f64>,
    hub: Option<HubCosts>,
    visa: Option<VisaCosts>,
}

impl Instance {
    /// `overrides` are (group, original candidate index, per-person value).
    pub(crate) fn new(
        pos: Vec<UnitVec>,
        weight: Vec<f64>,
        metric: Metric,
        candidates: &[UnitVec],
        aggregate: Aggregate,
        overrides: &[(usize, usize, f64)],
    ) -> Self {
        let index = CandidateIndex::build(candidates);
        let mut tree_pos = vec![0; candidates.len()];
        for (t, &o) in index.original.iter().enumerate() {
            tree_pos[o] = t;
        }
        let n = pos.len();
        let mut list: Vec<(usize, usize, f64)> = overrides.iter().map(|&(g, c, v)| (g, tree_pos[c], v)).collect();
        list.sort_by_key(|e| (e.0, e.1));
        list.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut override_start = vec![0; n + 1];
        for &(g, _, _) in &list {
            override_start[g + 1] += 1;
        }
        for g in 0..n {
            override_start[g + 1] += override_start[g];
        }
        let mut min_override = vec![f64::INFINITY; n];
        for &(g, _, v) in &list {
            min_override[g] = min_override[g].min(v);
        }
        Self {
            pos,
            weight,
            metric,
            index,
            aggregate,
            overrides: list.into_iter().map(|(_, t, v)| (t, v)).collect(),
            override_start,
            min_override,
            hub: None,
            visa: None,
        }
    }

    /// Adds hub-aware travel and visa costs (candidate data in the caller's order).
    pub(crate) fn with_extras(mut self, hub: Option<HubCosts>, visa: Option<VisaCosts>) -> Self {
        let original = &self.index.original;
        self.hub = hub.map(|mut h| {
            h.cand_hub = original.iter().map(|&o| h.cand_hub[o]).collect();
            h
        });
        self.visa = visa.map(|mut v| {
            v.cand_country = original.iter().map(|&o| v.cand_country[o]).collect();
            v
        });
        self
    }

    /// Per-person travel (no visa) of group `i` at candidate `j` (tree position).
    #[inline]
    fn travel(&self, i: usize, j: usize) -> f64 {
        let d = self.pos[i].distance_km(self.index.points[j]);
        let Some(h) = &self.hub else {
            return self.metric.eval(d);
        };
        if d < h.model.ground_max_km {
            return h.ground_slope * d;
        }
        let hubs = h.hubs;
        let route = h.model.choose_route(
            &h.group_hub[i],
            &h.cand_hub[j],
            |a, b| hubs[a as usize].unit.distance_km(hubs[b as usize].unit),
            |a, b| hubs[a as usize].large && hubs[b as usize].large,
            &h.air_cost,
            &h.quotes,
        );
        match route {
            None => h.ground_slope * d,
            Some(r) if h.is_cost => r.money,
            Some(r) => {
                let connection = if r.connection { h.connection } else { 0.0 };
                h.ground_slope * (r.from.1 + r.to.1) + h.air.eval(r.hub_km) + connection
            }
        }
    }

    /// Per-person visa cost of group `i` at candidate `j` (tree position).
    #[inline]
    pub(crate) fn visa_cost(&self, i: usize, j: usize) -> f64 {
        self.visa.as_ref().map_or(0.0, |v| v.table[v.group_set[i] as usize * v.countries + v.cand_country[j] as usize])
    }

    pub(crate) fn n(&self) -> usize {
        self.pos.len()
    }

    pub(crate) fn m(&self) -> usize {
        self.index.len()
    }

    /// Per-person cost of member group `i` at candidate `j` (tree position).
    #[inline]
    pub(crate) fn cost(&self, i: usize, j: usize) -> f64 {
        if self.min_override[i].is_finite() {
            let list = &self.overrides[self.override_start[i]..self.override_start[i + 1]];
            if let Ok(k) = list.binary_search_by(|e| e.0.cmp(&j)) {
                return list[k].1 + self.visa_cost(i, j);
            }
        }
        self.travel(i, j) + self.visa_cost(i, j)
    }

    /// A lower bound on group `i`'s per-person cost at any candidate of `node`.
    #[inline]
    pub(crate) fn lower_in(&self, i: usize, node: &Node) -> f64 {
        let d = self.pos[i].distance_km_lower(node.centre) - node.radius_km;
        self.metric.lower(d).min(self.min_override[i])
    }

    /// A lower bound (within a fraction of a cent) on [`Instance::cost`], cheaper to compute.
    #[inline]
    pub(crate) fn cost_lower(&self, i: usize, j: usize) -> f64 {
        if self.min_override[i].is_finite() || self.visa.is_some() || self.hub.is_some() {
            return self.cost(i, j);
        }
        self.metric.lower(self.pos[i].distance_km_lower(self.index.points[j]))
    }

    /// Objective of per-person costs `c` for all groups.
    pub(crate) fn total(&self, c: &[f64]) -> f64 {
        match self.aggregate {
            Aggregate::Sum => c.iter().zip(&self.weight).map(|(c, w)| c * w).sum(),
            Aggregate::Max => c.iter().copied().fold(0.0, f64::max),
        }
    }

    fn combine(&self, acc: f64, i: usize, c: f64) -> f64 {
        match self.aggregate {
            Aggregate::Sum => acc + self.weight[i] * c,
            Aggregate::Max => acc.max(c),
        }
    }

    /// Bound on the objective of `members` for any single candidate in `node`;
    /// stops early once it reaches `cutoff`.
    fn node_bound(&self, members: &[usize], node: &Node, cutoff: f64) -> f64 {
        let mut acc = 0.0;
        for &i in members {
            acc = self.combine(acc, i, self.lower_in(i, node));
            if acc >= cutoff {
                break;
            }
        }
        acc
    }

    /// Objective of `members` all meeting at candidate `j`; stops early at `cutoff`.
    pub(crate) fn single_value(&self, members: &[usize], j: usize, cutoff: f64) -> f64 {
        let mut acc = 0.0;
        for &i in members {
            acc = self.combine(acc, i, self.cost(i, j));
            if acc >= cutoff {
                break;
            }
        }
        acc
    }

    /// The best single host for `members` (tree position and objective value),
    /// exact: a best-first search over the candidate tree that skips every
    /// region whose bound is no better than the best host found. Returns `None`
    /// when no candidate beats `upper` or when `forbidden` rules out all better ones.
    pub(crate) fn best_single(&self, members: &[usize], upper: f64, forbidden: &[usize]) -> Option<(usize, f64)> {
        if self.index.nodes.is_empty() || members.is_empty() {
            return None;
        }
        let mut best = upper;
        let mut best_j = None;
        let mut heap = BinaryHeap::new();
        let root = &self.index.nodes[CandidateIndex::ROOT];
        heap.push((Reverse(Key(self.node_bound(members, root, best))), CandidateIndex::ROOT));
        while let Some((Reverse(Key(lb)), id)) = heap.pop() {
            if lb >= best {
                break;
            }
            let node = &self.index.nodes[id];
            match node.children {
                None => {
                    for j in node.start..node.end {
                        if forbidden.contains(&j) {
                            continue;
                        }
                        let v = self.single_value(members, j, best);
                        if v < best {
                            best = v;
                            best_j = Some(j);
                        }
                    }
                }
                Some((l, r)) => {
                    for c in [l, r] {
                        let b = self.node_bound(members, &self.index.nodes[c], best);
                        if b < best {
                            heap.push((Reverse(Key(b)), c));
                        }
                    }
                }
            }
        }
        best_j.map(|j| (j, best))
    }

    /// Each group's cheapest host among `hosts` (index into `hosts`) and its per-person cost.
    pub(crate) fn assign(&self, hosts: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let mut which = vec![0; self.n()];
        let mut cost = vec![f64::INFINITY; self.n()];
        for i in 0..self.n() {
            for (h, &j) in hosts.iter().enumerate() {
                let c = self.cost(i, j);
                if c < cost[i] {
                    cost[i] = c;
                    which[i] = h;
                }
            }
        }
        (which, cost)
    }

    /// Objective of a host set.
    pub(crate) fn value_of(&self, hosts: &[usize]) -> f64 {
        self.total(&self.assign(hosts).1)
    }

    /// Lloyd-style improvement: assign members to their cheapest host, move
    /// each host to the exact best candidate for its members, repeat until
    /// nothing changes. Returns the final objective value.
    pub(crate) fn lloyd(&self, hosts: &mut [usize], max_rounds: usize) -> f64 {
        let mut value = self.value_of(hosts);
        for _ in 0..max_rounds {
            let before = hosts.to_vec();
            let (which, cost) = self.assign(hosts);
            let mut changed = false;
            for h in 0..hosts.len() {
                let members: Vec<usize> = (0..self.n()).filter(|&i| which[i] == h).collect();
                if members.is_empty() {
                    continue;
                }
                let current = match self.aggregate {
                    Aggregate::Sum => members.iter().map(|&i| self.weight[i] * cost[i]).sum(),
                    Aggregate::Max => members.iter().map(|&i| cost[i]).fold(0.0, f64::max),
                };
                let others: Vec<usize> = hosts.iter().copied().filter(|&j| j != hosts[h]).collect();
                if let Some((j, v)) = self.best_single(&members, current, &others)
                    && v < current * (1.0 - 1e-12)
                {
                    hosts[h] = j;
                    changed = true;
                }
            }
            let new_value = self.value_of(hosts);
            if !changed || new_value >= value {
                hosts.copy_from_slice(&before);
                break;
            }
            value = new_value;
        }
        value
    }
}

/// A small deterministic pseudo-random generator (`SplitMix64`), so runs and
/// benchmarks repeat exactly.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
}
