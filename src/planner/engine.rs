//! The solver's working data and its basic moves: per-person costs computed on
//! demand (never a members × candidates matrix), exact single-host search over
//! the candidate tree, assignment to the cheapest host, and Lloyd-style
//! alternation between assigning members and re-centring each host.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::classes::Classes;
use super::geo::{EARTH_RADIUS_KM, LatLon, UnitVec};
use super::hubs::hubs;
use super::index::{CandidateIndex, Node, NodeExtra};
use super::travel::{Metric, Quantity, TravelModel};

/// Hub-aware travel in the solver. Each member group and each candidate has up
/// to two access airports ([`TravelModel::access`]) with their ground km; the
/// flights between every member airport and every candidate airport are
/// priced once, in a table (airport pairs are far fewer than member ×
/// candidate pairs: people cluster around a few hundred airports), so a
/// per-person cost is four table lookups. `metric` of the instance is then
/// only a lower bound ([`TravelModel::bound_metric`]); [`HubCosts::air_lower`]
/// tightens it per member.
pub(crate) struct HubCosts {
    /// Per member group: access airports (index into the member airports) and ground km.
    pub(super) group_air: Vec<[(u32, f64); 2]>,
    /// Per candidate (caller's order, tree order once built): access airports
    /// (index into the candidate airports) and ground km.
    pub(super) cand_air: Vec<[(u32, f64); 2]>,
    /// Per candidate airport, whether it is a large one.
    cand_airport_large: Vec<bool>,
    /// Number of member airports (the table's row length).
    pub(super) member_airports: usize,
    /// `money[b * member_airports + a]`: the flight's fare and connection (or
    /// the quote) between member airport `a` and candidate airport `b`; +∞ for the same airport.
    pub(super) money: Vec<f64>,
    /// The optimised quantity of the same flight (connection included), when it is not money.
    quantity: Vec<f64>,
    /// Per member group, what bounds its trips from below.
    group_bound: Vec<GroupBound>,
    pub(super) ground_max_km: f64,
    /// Below this cosine of the central angle a trip may be by ground (with a margin).
    pub(super) ground_cos: f64,
    /// Money per ground km, and the quantity's.
    pub(super) ground_fare: f64,
    ground_slope: f64,
    /// The flight's quantity is at least `air_line.0 + air_line.1 × airport-to-airport km`.
    air_line: (f64, f64),
    connection: f64,
    direct_max_km: f64,
    pub(super) is_cost: bool,
}

/// A member group's access airports, for bounds.
#[derive(Clone, Copy, Debug)]
struct GroupBound {
    /// Least and most ground km to its airports.
    ground_min_km: f64,
    ground_max_km: f64,
    /// Whether one of its airports is large.
    large: bool,
    /// Whether a quoted fare touches one of its airports (a quote ignores the flight's estimate).
    quoted: bool,
}

impl HubCosts {
    /// The table for these member groups and candidates (their access airports,
    /// [`TravelModel::access`], in the caller's order).
    pub(crate) fn new(model: &TravelModel, q: Quantity, groups: &[LatLon], cand_access: Vec<[(u32, f64); 2]>) -> Self {
        let h = hubs();
        let quotes = model.quotes();
        let air_cost = model.air_metric(Quantity::Cost);
        let air = model.air_metric(q);
        let mut member_ids: HashMap<u32, u32> = HashMap::new();
        let mut member_hubs: Vec<u32> = Vec::new();
        let local = |ids: &mut HashMap<u32, u32>, list: &mut Vec<u32>, hub: u32| {
            *ids.entry(hub).or_insert_with(|| {
                list.push(hub);
                u32::try_from(list.len() - 1).unwrap_or(u32::MAX)
            })
        };
        let group_access: Vec<[(u32, f64); 2]> = groups.iter().map(|&p| model.access(p)).collect();
        let group_air = group_access
            .iter()
            .map(|acc| acc.map(|(hub, km)| (local(&mut member_ids, &mut member_hubs, hub), km)))
            .collect();
        let mut cand_ids: HashMap<u32, u32> = HashMap::new();
        let mut cand_hubs: Vec<u32> = Vec::new();
        let cand_air = cand_access
            .into_iter()
            .map(|acc| acc.map(|(hub, km)| (local(&mut cand_ids, &mut cand_hubs, hub), km)))
            .collect();
        let quoted_hub = |hub: u32| quotes.keys().any(|&(a, _)| a == hub);
        let group_bound = group_access
            .iter()
            .map(|acc| GroupBound {
                ground_min_km: acc[0].1.min(acc[1].1),
                ground_max_km: acc[0].1.max(acc[1].1),
                large: acc.iter().any(|&(hub, _)| h.list[hub as usize].large),
                quoted: acc.iter().any(|&(hub, _)| quoted_hub(hub)),
            })
            .collect();
        let ma = member_hubs.len();
        let is_cost = q == Quantity::Cost;
        let mut money = Vec::with_capacity(ma * cand_hubs.len());
        let mut quantity = Vec::with_capacity(if is_cost { 0 } else { ma * cand_hubs.len() });
        for &b in &cand_hubs {
            let hb = &h.list[b as usize];
            for &a in &member_hubs {
                if a == b {
                    money.push(f64::INFINITY);
                    if !is_cost {
                        quantity.push(f64::INFINITY);
                    }
                    continue;
                }
                let ha = &h.list[a as usize];
                let km = ha.unit.distance_km(hb.unit);
                let connection = model.needs_connection(ha.large && hb.large, km);
                money.push(match quotes.get(&(a, b)) {
                    Some(&price) => price,
                    None => air_cost.eval(km) + if connection { model.connection_fare } else { 0.0 },
                });
                if !is_cost {
                    quantity.push(air.eval(km) + if connection { model.connection_penalty(q) } else { 0.0 });
                }
            }
        }
        let air_line = match q {
            Quantity::Cost => (model.air_fare_base, model.air_fare_per_km),
            Quantity::Hours => (model.air_overhead_hours, model.air_distance_uplift / model.air_speed_kmh),
            Quantity::Co2 | Quantity::Distance => {
                let least = model
                    .air_co2_short_kg_per_pkm
                    .min(model.air_co2_medium_kg_per_pkm)
                    .min(model.air_co2_long_kg_per_pkm);
                (0.0, 2.0 * model.air_distance_uplift * least)
            }
        };
        Self {
            group_air,
            cand_air,
            cand_airport_large: cand_hubs.iter().map(|&b| h.list[b as usize].large).collect(),
            member_airports: ma,
            money,
            quantity,
            group_bound,
            ground_max_km: model.ground_max_km,
            ground_cos: (model.ground_max_km / EARTH_RADIUS_KM).min(std::f64::consts::PI).cos() - 1e-9,
            ground_fare: model.ground_fare_per_km,
            ground_slope: model.ground_slope(q),
            air_line,
            connection: model.connection_penalty(q),
            direct_max_km: model.direct_max_km,
            is_cost,
        }
    }

    /// Per-person travel of group `i` at candidate `j` (tree position), the
    /// cheapest route in money as [`TravelModel::choose_route`] picks it, `d`
    /// the home–host km (computed only when needed).
    #[inline]
    pub(super) fn travel(&self, i: usize, j: usize, d: impl Fn() -> f64) -> f64 {
        let (ga, cb) = (&self.group_air[i], &self.cand_air[j]);
        let mut best = (f64::INFINITY, f64::INFINITY);
        for (x, a) in ga.iter().enumerate() {
            if x == 1 && a.0 == ga[0].0 {
                continue;
            }
            for (y, b) in cb.iter().enumerate() {
                if y == 1 && b.0 == cb[0].0 {
                    continue;
                }
                let at = b.0 as usize * self.member_airports + a.0 as usize;
                let money = self.ground_fare * (a.1 + b.1) + self.money[at];
                if money < best.0 {
                    let value = if self.is_cost { money } else { self.ground_slope * (a.1 + b.1) + self.quantity[at] };
                    best = (money, value);
                }
            }
        }
        if best.0.is_finite() { best.1 } else { self.ground_slope * d() }
    }

    /// A lower bound on group `i`'s per-person travel (no visa) at any
    /// candidate `d_lower` km or more away whose node facts are `node`: the
    /// flight's fixed part, its least per-km rate over the whole distance (the
    /// triangle inequality over the legs), the dearer ground km to the airports,
    /// and the connection when no direct flight is possible. 0 when the trip
    /// might be by ground or a quote might apply.
    #[inline]
    fn air_lower(&self, i: usize, d_lower: f64, node: &NodeExtra) -> f64 {
        let g = &self.group_bound[i];
        if d_lower < self.ground_max_km || (self.is_cost && g.quoted) {
            return 0.0;
        }
        // Within reach of both sides' airports, both could share one: the trip is then by ground.
        if d_lower <= g.ground_max_km + node.ground_max_km {
            return 0.0;
        }
        let (intercept, rate) = self.air_line;
        let mut lb = intercept
            + rate.min(self.ground_slope) * d_lower
            + (self.ground_slope - rate).max(0.0) * (g.ground_min_km + node.ground_min_km);
        if !g.large || !node.large || d_lower - g.ground_max_km - node.ground_max_km > self.direct_max_km {
            lb += self.connection;
        }
        lb
    }
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
    pub(super) hub: Option<HubCosts>,
    pub(super) visa: Option<VisaCosts>,
    /// The candidates' classes for the σ search, made on first use.
    classes: OnceLock<Option<Classes>>,
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
            classes: OnceLock::new(),
        }
    }

    /// Adds hub-aware travel and visa costs (candidate data in the caller's
    /// order), and the node facts that tighten the tree's bounds.
    pub(crate) fn with_extras(mut self, hub: Option<HubCosts>, visa: Option<VisaCosts>) -> Self {
        let original = &self.index.original;
        self.hub = hub.map(|mut h| {
            h.cand_air = original.iter().map(|&o| h.cand_air[o]).collect();
            h
        });
        self.visa = visa.map(|mut v| {
            v.cand_country = original.iter().map(|&o| v.cand_country[o]).collect();
            v
        });
        let (hub, visa) = (&self.hub, &self.visa);
        for node in &mut self.index.nodes {
            let mut extra = NodeExtra::default();
            if let Some(h) = hub {
                extra.ground_min_km = f64::INFINITY;
                extra.ground_max_km = 0.0;
                extra.large = false;
                for access in &h.cand_air[node.start..node.end] {
                    for &(airport, km) in access {
                        extra.ground_min_km = extra.ground_min_km.min(km);
                        extra.ground_max_km = extra.ground_max_km.max(km);
                        extra.large |= h.cand_airport_large[airport as usize];
                    }
                }
            }
            if let Some(v) = visa {
                let first = v.cand_country.get(node.start).copied().unwrap_or(u32::MAX);
                if v.cand_country[node.start..node.end].iter().all(|&c| c == first) {
                    extra.country = first;
                }
            }
            node.extra = extra;
        }
        self
    }

    /// The candidates' classes sharing airports and country, with hub-aware
    /// money ([`Classes`]); made on first use.
    pub(crate) fn classes(&self) -> Option<&Classes> {
        self.classes.get_or_init(|| Classes::new(self)).as_ref()
    }

    /// Per-person travel (no visa) of group `i` at candidate `j` (tree position).
    #[inline]
    fn travel(&self, i: usize, j: usize) -> f64 {
        let (p, q) = (self.pos[i], self.index.points[j]);
        let Some(h) = &self.hub else {
            return self.metric.eval(p.distance_km(q));
        };
        if p.dot(q) > h.ground_cos {
            let d = p.distance_km(q);
            if d < h.ground_max_km {
                return h.ground_slope * d;
            }
        }
        h.travel(i, j, || p.distance_km(q))
    }

    /// A lower bound on group `i`'s visa cost at any candidate of a node.
    #[inline]
    fn visa_lower(&self, i: usize, node: &NodeExtra) -> f64 {
        match &self.visa {
            Some(v) if node.country != u32::MAX => {
                v.table[v.group_set[i] as usize * v.countries + node.country as usize]
            }
            _ => 0.0,
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
        let mut travel = self.metric.lower(d);
        if let Some(h) = &self.hub {
            travel = travel.max(h.air_lower(i, d, &node.extra));
        }
        travel.min(self.min_override[i]) + self.visa_lower(i, &node.extra)
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
        self.lloyd_until(hosts, max_rounds, None)
    }

    /// [`Instance::lloyd`], starting no round after `deadline`.
    ///
    /// Hosts move one after the other, each away from the others' places as
    /// they are by then. Each host's best place is first searched for with the
    /// others where the round found them, all hosts at once (one thread each,
    /// up to the cores); a search is redone in turn only when an earlier host
    /// has since moved onto the place found, or left a place at least as good
    /// ([`Instance::stale_move`]). So the hosts are those of moving them one
    /// by one.
    pub(crate) fn lloyd_until(&self, hosts: &mut [usize], max_rounds: usize, deadline: Option<Instant>) -> f64 {
        let mut value = self.value_of(hosts);
        for _ in 0..max_rounds {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let before = hosts.to_vec();
            let (which, cost) = self.assign(hosts);
            let mut groups: Vec<Vec<usize>> = vec![Vec::new(); hosts.len()];
            for (i, &h) in which.iter().enumerate() {
                groups[h].push(i);
            }
            let current: Vec<f64> = groups
                .iter()
                .map(|members| match self.aggregate {
                    Aggregate::Sum => members.iter().map(|&i| self.weight[i] * cost[i]).sum(),
                    Aggregate::Max => members.iter().map(|&i| cost[i]).fold(0.0, f64::max),
                })
                .collect();
            let found = self.best_moves(&groups, &current, &before);
            let mut changed = false;
            for h in 0..hosts.len() {
                let members = &groups[h];
                if members.is_empty() {
                    continue;
                }
                let others: Vec<usize> = hosts.iter().copied().filter(|&j| j != hosts[h]).collect();
                let mut best = found[h];
                if self.stale_move(members, current[h], best, &before, hosts, h) {
                    best = self.best_single(members, current[h], &others);
                }
                if let Some((j, v)) = best
                    && v < current[h] * (1.0 - 1e-12)
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

    /// For each host `h` with members, [`Instance::best_single`] of its
    /// `groups[h]` below `current[h]`, away from the other `hosts`; searched
    /// in parallel.
    fn best_moves(&self, groups: &[Vec<usize>], current: &[f64], hosts: &[usize]) -> Vec<Option<(usize, f64)>> {
        let search = |h: usize| {
            if groups[h].is_empty() {
                return None;
            }
            let others: Vec<usize> = hosts.iter().copied().filter(|&j| j != hosts[h]).collect();
            self.best_single(&groups[h], current[h], &others)
        };
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
        let busy = groups.iter().filter(|g| !g.is_empty()).count();
        if threads < 2 || busy < 2 {
            return (0..hosts.len()).map(search).collect();
        }
        let next = AtomicUsize::new(0);
        let found = Mutex::new(vec![None; hosts.len()]);
        std::thread::scope(|scope| {
            for _ in 0..threads.min(busy) {
                scope.spawn(|| {
                    loop {
                        let h = next.fetch_add(1, AtomicOrdering::Relaxed);
                        if h >= hosts.len() {
                            break;
                        }
                        let best = search(h);
                        if let Ok(mut f) = found.lock() {
                            f[h] = best;
                        }
                    }
                });
            }
        });
        found.into_inner().unwrap_or_default()
    }

    /// Whether host `h`'s move `found`, searched with the hosts where they
    /// were (`before`), may differ from a search with the hosts as they are
    /// now: an earlier host has moved onto the place found, or left a place
    /// that is at least as good for `members` (or, with no move found, better
    /// than `current`).
    fn stale_move(
        &self,
        members: &[usize],
        current: f64,
        found: Option<(usize, f64)>,
        before: &[usize],
        hosts: &[usize],
        h: usize,
    ) -> bool {
        let own = before[h];
        let was = |j: usize| j != own && before.contains(&j);
        let is = |j: usize| j != own && hosts.contains(&j);
        if found.is_some_and(|(j, _)| is(j)) {
            return true;
        }
        let limit = found.map_or(current, |(_, v)| v);
        before[..h].iter().any(|&j| {
            // A place left (no host there now, one was): the search now may take it.
            was(j) && !is(j) && {
                let v = self.single_value(members, j, limit);
                if found.is_some() { v <= limit } else { v < limit }
            }
        })
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
