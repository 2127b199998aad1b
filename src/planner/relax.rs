//! The k-center decision "can k candidates serve everyone at per-person cost
//! ≤ t?" answered by subset relaxation (after Chen & Chen 2009, "New
//! relaxation-based algorithms for the optimal solution of the continuous and
//! discrete p-center problems"): solve it exactly for a small sample of
//! members; if the sample cannot be served, nobody can (a certified lower
//! bound); if it can, check the hosts against everyone and add to the sample
//! the members they leave above t, until the hosts serve everyone.
//!
//! The sample stays small (tens to a few hundred members), so the exact test
//! ([`super::cover`]) works on fixed-size bit sets of sample members: each
//! candidate becomes the set of sample members it serves at cost ≤ t, found
//! with the candidate tree. Memory is one bit set per candidate.
//!
//! Why an "infeasible" answer is a valid bound: any k hosts serving every
//! member at cost ≤ t serve the sample at cost ≤ t, and the exact search below
//! enumerates (up to dominance, which never loses a solution) every way the
//! sample can be served, so "no way" implies OPT > t. Which candidates serve
//! which sample member is decided by the same [`Instance::cost`] as the
//! objective, and the tree only skips regions whose cost bound exceeds t.

use std::time::Instant;

use super::cover::{BitSet, Cover, cover};
use super::engine::Instance;
use super::index::CandidateIndex;

/// 64-bit words per bit set: the sample holds at most `64 × WORDS` members.
const WORDS: usize = 6;
/// Largest sample.
pub(crate) const CAPACITY: usize = 64 * WORDS;
/// Sample members added per round when the hosts found leave some members above t.
const ADD_PER_ROUND: usize = 3;

type Bits = [u64; WORDS];

/// The answer for one threshold.
pub(crate) enum Decision {
    /// No k candidates serve the sample (hence everyone) at cost ≤ t: OPT > t.
    Infeasible,
    /// These k hosts serve everyone; their objective value (≤ t).
    Feasible(Vec<usize>, f64),
    /// Out of search nodes, sample capacity or time.
    Unknown,
}

/// The sample and, for the current threshold, which sample members each candidate serves.
pub(crate) struct Relaxation<'a> {
    inst: &'a Instance,
    k: usize,
    /// Sample members (member groups).
    pub sample: Vec<usize>,
    in_sample: Vec<bool>,
    /// Threshold of `serves`.
    t: f64,
    /// `serves[j]`: sample positions candidate j serves at cost ≤ t (for the first `built` of them).
    serves: Vec<Bits>,
    built: usize,
    /// Search nodes spent so far, over all thresholds.
    pub nodes: usize,
}

impl<'a> Relaxation<'a> {
    pub(crate) fn new(inst: &'a Instance, k: usize) -> Self {
        Self {
            inst,
            k,
            sample: Vec::new(),
            in_sample: vec![false; inst.n()],
            t: f64::NAN,
            serves: vec![Bits::empty(CAPACITY); inst.m()],
            built: 0,
            nodes: 0,
        }
    }

    /// Adds a member to the sample; false when it is already there or the sample is full.
    pub(crate) fn add(&mut self, i: usize) -> bool {
        if self.in_sample[i] || self.sample.len() >= CAPACITY {
            return false;
        }
        self.in_sample[i] = true;
        self.sample.push(i);
        true
    }

    /// Calls `f` with every candidate at which member `i` pays at most `t`.
    fn within(&self, i: usize, t: f64, f: &mut impl FnMut(usize)) {
        let inst = self.inst;
        if inst.index.nodes.is_empty() {
            return;
        }
        let mut stack = vec![CandidateIndex::ROOT];
        while let Some(id) = stack.pop() {
            let node = &inst.index.nodes[id];
            // `lower_in` bounds the cost (known fares included) of every candidate of the node.
            if inst.lower_in(i, node) > t {
                continue;
            }
            match node.children {
                None => {
                    for j in node.start..node.end {
                        if inst.cost(i, j) <= t {
                            f(j);
                        }
                    }
                }
                Some((l, r)) => {
                    stack.push(l);
                    stack.push(r);
                }
            }
        }
    }

    /// Brings `serves` up to date for threshold `t` and the whole sample.
    fn build(&mut self, t: f64) {
        if t.total_cmp(&self.t).is_ne() {
            self.serves.fill(Bits::empty(CAPACITY));
            self.built = 0;
            self.t = t;
        }
        for s in self.built..self.sample.len() {
            let i = self.sample[s];
            let mut hits = Vec::new();
            self.within(i, t, &mut |j| hits.push(j));
            for j in hits {
                self.serves[j].include(s);
            }
        }
        self.built = self.sample.len();
    }

    /// Decides threshold `t` (see [`Decision`]), spending at most `budget`
    /// search nodes per exact test.
    pub(crate) fn decide(&mut self, t: f64, budget: usize, deadline: Instant) -> Decision {
        let inst = self.inst;
        loop {
            if Instant::now() >= deadline {
                return Decision::Unknown;
            }
            self.build(t);
            let sets = self.serves.iter().copied().enumerate();
            let (answer, nodes) = cover(sets, self.sample.len(), self.k, budget, deadline);
            self.nodes += nodes;
            let mut hosts = match answer {
                Cover::Unknown => return Decision::Unknown,
                Cover::Impossible => return Decision::Infeasible,
                Cover::Found(hosts) => hosts,
            };
            let (_, cost) = inst.assign(&hosts);
            let value = inst.total(&cost);
            if value <= t {
                // Fewer than k hosts sufficed: add the best extra hosts for who pays most.
                while hosts.len() < self.k {
                    let (_, cost) = inst.assign(&hosts);
                    let worst = (0..inst.n()).max_by(|&a, &b| cost[a].total_cmp(&cost[b])).unwrap_or(0);
                    let next = inst
                        .best_single(&[worst], f64::INFINITY, &hosts)
                        .map(|x| x.0)
                        .or_else(|| (0..inst.m()).find(|j| !hosts.contains(j)));
                    match next {
                        Some(j) => hosts.push(j),
                        None => break,
                    }
                }
                let value = inst.lloyd(&mut hosts, 10);
                return Decision::Feasible(hosts, value);
            }
            // Add the members left above t: the one paying most, then those farthest from the added ones.
            let mut over: Vec<usize> = (0..inst.n()).filter(|&i| cost[i] > t && !self.in_sample[i]).collect();
            if over.is_empty() {
                // Cannot happen (the hosts serve the sample), but never loop forever.
                return Decision::Unknown;
            }
            let first = over.iter().copied().max_by(|&a, &b| cost[a].total_cmp(&cost[b])).unwrap_or(over[0]);
            let mut added = vec![first];
            over.retain(|&i| i != first);
            while added.len() < ADD_PER_ROUND && !over.is_empty() {
                let far = |i: usize| {
                    added.iter().map(|&a| inst.pos[i].distance_km(inst.pos[a])).fold(f64::INFINITY, f64::min)
                };
                let (x, _) = over
                    .iter()
                    .enumerate()
                    .map(|(x, &i)| (x, far(i)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((0, 0.0));
                added.push(over.swap_remove(x));
            }
            let mut any = false;
            for i in added {
                any |= self.add(i);
            }
            if !any {
                return Decision::Unknown;
            }
        }
    }
}
