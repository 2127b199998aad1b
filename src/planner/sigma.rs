//! The inner step of the Lagrangian bound: for prices `u` (per person), find
//! the candidates with the largest `σ_j = Σ_i w_i · max(0, u_i − c_ij)`.
//!
//! A branch-and-bound walk over the candidate tree: a node's σ is bounded by
//! each member's cheapest possible cost anywhere in its cap, members who cannot
//! gain anywhere in a cap are dropped for the whole subtree, and a subtree whose
//! bound cannot beat the current `count`-th best is skipped. Subtrees are shared
//! out between threads, which publish their thresholds to each other.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::classes::Memo;
use super::engine::{Instance, Key};
use super::geo::UnitVec;
use super::index::{CandidateIndex, Node, angle};

/// How far each member's gains can reach.
#[derive(Clone, Copy)]
struct Reach {
    cos: f64,
    sin: f64,
    /// The member may gain at any distance (a known fare below its price, or a huge price).
    everywhere: bool,
}

/// σ searches over prices that change a little at a time (an ascent's
/// steps): with classes, what one search learnt about each class serves the
/// next ([`Memo`]). The searches may be kept to some of the candidates
/// ([`SigmaSearch::only`]); what the memo keeps holds for any of them, so one
/// memo serves searches over different candidates of the same instance.
#[derive(Default)]
pub(crate) struct SigmaSearch {
    memo: Memo,
    /// Per tree position, whether the candidate may be returned (`None`: all may).
    allowed: Option<Vec<bool>>,
}

impl SigmaSearch {
    /// The `count` candidates with the largest σ for prices `u`, in decreasing
    /// order, as (tree position, σ). Candidates with σ = 0 are left out. `warm`
    /// candidates are evaluated first so that the search starts with a good
    /// threshold. With hub-aware money the search goes by classes of candidates
    /// ([`super::classes`]; each σ then a rounding margin above the exact one),
    /// else over the candidate tree.
    ///
    /// What the search learnt about the classes is kept for the next.
    pub(crate) fn top(&mut self, inst: &Instance, u: &[f64], count: usize, warm: &[usize]) -> Vec<(usize, f64)> {
        let allowed = self.allowed.as_deref();
        match inst.classes() {
            Some(classes) => classes.top(inst, u, count, warm, allowed, &mut self.memo),
            None => tree_top_sigma(inst, u, count, warm, allowed),
        }
    }

    /// Keeps the following searches to the candidates (tree positions) marked in `allowed`, or to all.
    pub(crate) fn only(&mut self, allowed: Option<Vec<bool>>) {
        self.allowed = allowed;
    }

    /// How many of the instance's `m` candidates the searches may return.
    pub(crate) fn open(&self, m: usize) -> usize {
        self.allowed.as_ref().map_or(m, |a| a.iter().filter(|&&x| x).count())
    }
}

/// Whether candidate `j` may be returned.
#[inline]
pub(super) fn allows(allowed: Option<&[bool]>, j: usize) -> bool {
    allowed.is_none_or(|a| a[j])
}

/// [`SigmaSearch::top`] over the candidate tree, among the `allowed` candidates (`None`: all).
pub(crate) fn tree_top_sigma(
    inst: &Instance,
    u: &[f64],
    count: usize,
    warm: &[usize],
    allowed: Option<&[bool]>,
) -> Vec<(usize, f64)> {
    let n = inst.n();
    let mut reach = vec![Reach { cos: 1.0, sin: 0.0, everywhere: false }; n];
    let mut active = Vec::with_capacity(n);
    for i in 0..n {
        let r = if inst.min_override[i] < u[i] { Some(f64::INFINITY) } else { inst.metric.reach(u[i]) };
        if let Some(r) = r {
            let t = angle(r);
            reach[i] = if t >= std::f64::consts::PI {
                Reach { cos: -1.0, sin: 0.0, everywhere: true }
            } else {
                Reach { cos: t.cos(), sin: t.sin(), everywhere: false }
            };
            active.push(i);
        }
    }
    let shared = AtomicU64::new(0);
    let ctx = Ctx { inst, u, reach: &reach, warm, allowed };
    let mut first = Search { ctx: &ctx, best: TopK::new(count, &shared) };
    for &j in warm.iter().filter(|&&j| allows(allowed, j)) {
        let s = first.sigma(&active, j);
        first.best.offer(j, s);
    }
    if inst.index.nodes.is_empty() || active.is_empty() {
        return finish(vec![first.best], count);
    }
    // Split the tree into subtrees, expanding the most promising first.
    let mut tasks: Vec<(f64, usize, Vec<usize>)> = Vec::new();
    let root = &inst.index.nodes[CandidateIndex::ROOT];
    let (members, bound) = first.filter(&active, root);
    tasks.push((bound, CandidateIndex::ROOT, members));
    while tasks.len() < 32 {
        let Some(pos) = tasks.iter().position(|t| inst.index.nodes[t.1].children.is_some()) else {
            break;
        };
        let (_, id, members) = tasks.swap_remove(pos);
        if let Some((l, r)) = inst.index.nodes[id].children {
            for c in [l, r] {
                let (m, b) = first.filter(&members, &inst.index.nodes[c]);
                tasks.push((b, c, m));
            }
        }
    }
    tasks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
    let next = AtomicUsize::new(0);
    let tops = Mutex::new(Vec::new());
    let warm_top = first.best;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut s = Search { ctx: &ctx, best: warm_top.clone() };
                s.best.publish();
                loop {
                    let t = next.fetch_add(1, Ordering::Relaxed);
                    let Some((bound, id, members)) = tasks.get(t) else {
                        break;
                    };
                    s.visit(*id, members, *bound);
                }
                if let Ok(mut t) = tops.lock() {
                    t.push(s.best);
                }
            });
        }
    });
    finish(tops.into_inner().unwrap_or_default(), count)
}

struct Ctx<'a> {
    inst: &'a Instance,
    u: &'a [f64],
    reach: &'a [Reach],
    warm: &'a [usize],
    allowed: Option<&'a [bool]>,
}

/// The `count` largest σ one thread has found, and the `count`-th best of
/// all threads (shared, so that each prunes with the best threshold known).
#[derive(Clone)]
pub(super) struct TopK<'a> {
    count: usize,
    /// The best `count`-th σ any thread has (f64 bits; σ ≥ 0 so bits order like values).
    shared: &'a AtomicU64,
    heap: BinaryHeap<Reverse<(Key, usize)>>,
}

impl<'a> TopK<'a> {
    pub(super) fn new(count: usize, shared: &'a AtomicU64) -> Self {
        Self { count, shared, heap: BinaryHeap::new() }
    }

    fn own_threshold(&self) -> f64 {
        if self.heap.len() < self.count { 0.0 } else { self.heap.peek().map_or(0.0, |Reverse((Key(v), _))| *v) }
    }

    /// A σ must be above this to enter.
    pub(super) fn threshold(&self) -> f64 {
        self.own_threshold().max(f64::from_bits(self.shared.load(Ordering::Relaxed)))
    }

    pub(super) fn publish(&self) {
        self.shared.fetch_max(self.own_threshold().to_bits(), Ordering::Relaxed);
    }

    pub(super) fn offer(&mut self, j: usize, sigma: f64) {
        if sigma <= 0.0 {
            return;
        }
        if self.heap.len() < self.count {
            self.heap.push(Reverse((Key(sigma), j)));
        } else if sigma > self.own_threshold() {
            self.heap.pop();
            self.heap.push(Reverse((Key(sigma), j)));
        } else {
            return;
        }
        if self.heap.len() == self.count {
            self.publish();
        }
    }
}

/// The best `count` of several threads' finds, in decreasing σ.
pub(super) fn finish(tops: Vec<TopK<'_>>, count: usize) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> =
        tops.into_iter().flat_map(|t| t.heap.into_iter()).map(|Reverse((Key(v), j))| (j, v)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out.dedup_by_key(|e| e.0);
    out.truncate(count);
    out
}

struct Search<'a> {
    ctx: &'a Ctx<'a>,
    best: TopK<'a>,
}

impl Search<'_> {
    /// σ of candidate `j`, computed with costs' lower bounds (so never below the true σ).
    fn sigma(&self, members: &[usize], j: usize) -> f64 {
        let (inst, u) = (self.ctx.inst, self.ctx.u);
        let p = inst.index.points[j];
        let mut s = 0.0;
        for &i in members {
            let r = self.ctx.reach[i];
            if !r.everywhere && UnitVec::dot(inst.pos[i], p) < r.cos - 1e-12 {
                continue;
            }
            let gain = u[i] - inst.cost_lower(i, j);
            if gain > 0.0 {
                s += inst.weight[i] * gain;
            }
        }
        s
    }

    /// The members that may gain somewhere in `node`, and a bound on σ there.
    fn filter(&self, members: &[usize], node: &Node) -> (Vec<usize>, f64) {
        let (inst, u) = (self.ctx.inst, self.ctx.u);
        let a = angle(node.radius_km);
        let (ca, sa) = (a.cos(), a.sin());
        let mut kept = Vec::with_capacity(members.len());
        let mut bound = 0.0;
        for &i in members {
            let r = self.ctx.reach[i];
            if !r.everywhere {
                // Is the node's centre within (reach + radius) of the member, i.e. dot > cos(θ + α)?
                let sin_sum = r.sin * ca + r.cos * sa;
                let cos_sum = r.cos * ca - r.sin * sa;
                if (sin_sum > 0.0 || cos_sum > 0.0) && UnitVec::dot(inst.pos[i], node.centre) <= cos_sum - 1e-12 {
                    continue;
                }
            }
            let lo = inst.lower_in(i, node);
            if lo < u[i] {
                bound += inst.weight[i] * (u[i] - lo);
                kept.push(i);
            }
        }
        (kept, bound)
    }

    fn visit(&mut self, id: usize, members: &[usize], bound: f64) {
        if bound <= self.best.threshold() {
            return;
        }
        let node = &self.ctx.inst.index.nodes[id];
        match node.children {
            None => {
                for j in node.start..node.end {
                    if !self.ctx.warm.contains(&j) && allows(self.ctx.allowed, j) {
                        let s = self.sigma(members, j);
                        self.best.offer(j, s);
                    }
                }
            }
            Some((l, r)) => {
                let (ml, bl) = self.filter(members, &self.ctx.inst.index.nodes[l]);
                let (mr, br) = self.filter(members, &self.ctx.inst.index.nodes[r]);
                if bl >= br {
                    self.visit(l, &ml, bl);
                    self.visit(r, &mr, br);
                } else {
                    self.visit(r, &mr, br);
                    self.visit(l, &ml, bl);
                }
            }
        }
    }
}
