//! The σ search of the Lagrangian bounds ([`super::sigma`]) when travel is
//! hub-aware and money is the quantity: candidates grouped into classes that
//! share their access airports and country, with one bound per class.
//!
//! For a member who flies, the cheapest way to an airport `b` (ground to one of
//! its own airports and the flight), `F_i(b)`, and its visa `v_i` for a
//! country do not depend on the host. At a candidate with one airport `b`,
//! `e_j` (money) of ground from it, the member pays `F_i(b) + v_i + e_j`; with
//! two airports, the lesser of the two. So one pass over the members gives the
//! σ of the class's cheapest corner (each airport at its least `e` in the
//! class), which bounds every σ of the class; in a one-airport class σ falls as
//! `e_j` grows, so its candidates are visited by increasing `e_j` until even
//! the one just evaluated cannot beat the `count`-th best. A candidate that
//! another of its one-airport class beats for every member is therefore never
//! evaluated (with capacities it may still be needed; nothing is dropped here).
//!
//! The formula fails only for "near" members of a class — within ground reach
//! of one of its candidates, sharing its only airport as their only one, or
//! with a known fare — found once per instance; they count with their exact
//! cost, and in the bound with their least cost in the class.
//!
//! Between the steps of an ascent, a class's bound is kept ([`Memo`]) and
//! only recomputed when the prices of members who could gain there have risen
//! enough to matter.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::engine::{HubCosts, Instance};
use super::sigma::{TopK, allows, finish};

/// Member regions for the memo: cells of 30° of latitude by 45° of longitude.
const REGIONS: usize = 6 * 8;

/// The region of a point.
fn region(p: super::geo::UnitVec) -> usize {
    let ll = p.to_latlon();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (band, sector) = (((ll.lat + 90.0) / 30.0) as usize, ((ll.lon + 180.0) / 45.0) as usize);
    band.min(5) * 8 + sector.min(7)
}

/// Candidates sharing their airports and country.
struct Class {
    /// Candidate airports (indices into the fare table), the first no larger;
    /// the same twice for one airport.
    airports: (u32, u32),
    /// Visa table column, `u32::MAX` without visa costs.
    country: u32,
    /// Its candidates in [`Classes::cands`].
    cands: Range<usize>,
    /// Its near members in [`Classes::near`].
    near: Range<usize>,
    /// Least ground money from one of its candidates to each airport.
    least: (f64, f64),
}

/// The classes of an instance's candidates (see the module's documentation).
/// Member groups are held by region (position `x` is group `order[x]`), so
/// that a pass over them sums region by region.
pub(crate) struct Classes {
    list: Vec<Class>,
    /// (tree position, ground money to the class's first airport, to its
    /// second), class by class; a one-airport class's by increasing money.
    cands: Vec<Entry>,
    /// (member position, its least cost at a candidate of the class), class by class.
    near: Vec<(usize, f64)>,
    /// Runs of consecutive classes with the same airports.
    runs: Vec<Range<usize>>,
    /// Batches of consecutive runs with the same first airport (indices into
    /// `runs`): one thread takes a whole batch, so that it flies its members to
    /// that airport once.
    batches: Vec<Range<usize>>,
    /// The member group at each position, and each group's region.
    order: Vec<usize>,
    region_of: Vec<usize>,
    /// Positions of each region's members: `region_start[r]..region_start[r + 1]`.
    region_start: Vec<usize>,
    /// Per position: access airports (fare table row indices; the same twice for
    /// one), the ground money to each, people and passport set.
    air: Vec<[usize; 2]>,
    ground: Vec<[f64; 2]>,
    weight: Vec<f64>,
    set: Vec<usize>,
    /// Per candidate airport and region (`b * REGIONS + r`), the least `F(b)`
    /// of the region's members; with the least visa of the region's passport
    /// sets (`region_sets`), it bounds what any of them pays at a class, so a
    /// region whose members cannot gain there is passed over without flying
    /// them to the class's airports (880 KiB for the benchmark's 2,294 airports).
    fly_least: Vec<f64>,
    region_sets: Vec<Vec<usize>>,
}

impl Classes {
    /// The classes of `inst`; `None` unless travel is hub-aware and money is the quantity.
    pub(crate) fn new(inst: &Instance) -> Option<Self> {
        let h = inst.hub.as_ref()?;
        if !h.is_cost {
            return None;
        }
        let g = h.ground_fare;
        let (mut classes, cands, class_of) = group(inst, h);
        // Members by region.
        let n = inst.n();
        let region_of: Vec<usize> = inst.pos.iter().map(|&p| region(p)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (region_of[i], i));
        let mut position = vec![0; n];
        for (x, &i) in order.iter().enumerate() {
            position[i] = x;
        }
        let mut region_start = vec![0; REGIONS + 1];
        for &r in &region_of {
            region_start[r + 1] += 1;
        }
        for r in 0..REGIONS {
            region_start[r + 1] += region_start[r];
        }
        let near = near_members(inst, h, &classes, &class_of);
        let mut list = Vec::with_capacity(near.len());
        let mut at = 0;
        for (id, k) in classes.iter_mut().enumerate() {
            let start = list.len();
            while at < near.len() && near[at].0 == id {
                let i = near[at].1;
                let least =
                    cands[k.cands.clone()].iter().map(|&(j, _, _)| inst.cost(i, j)).fold(f64::INFINITY, f64::min);
                list.push((position[i], least));
                at += 1;
            }
            k.near = start..list.len();
        }
        let mut runs: Vec<Range<usize>> = Vec::new();
        for (id, k) in classes.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if classes[r.start].airports == k.airports => r.end = id + 1,
                _ => runs.push(id..id + 1),
            }
        }
        let mut batches: Vec<Range<usize>> = Vec::new();
        for (r, run) in runs.iter().enumerate() {
            match batches.last_mut() {
                Some(b) if classes[runs[b.start].start].airports.0 == classes[run.start].airports.0 => b.end = r + 1,
                _ => batches.push(r..r + 1),
            }
        }
        let access = |i: usize| {
            let ga = h.group_air[i];
            let second = if ga[1].0 == ga[0].0 { ga[0] } else { ga[1] };
            ([ga[0].0 as usize, second.0 as usize], [g * ga[0].1, g * second.1])
        };
        let air: Vec<[usize; 2]> = order.iter().map(|&i| access(i).0).collect();
        let ground: Vec<[f64; 2]> = order.iter().map(|&i| access(i).1).collect();
        let set: Vec<usize> =
            order.iter().map(|&i| inst.visa.as_ref().map_or(0, |v| v.group_set[i] as usize)).collect();
        let airports = h.money.len() / h.member_airports.max(1);
        let mut fly_least = vec![f64::INFINITY; airports * REGIONS];
        for (b, least) in fly_least.chunks_exact_mut(REGIONS).enumerate() {
            let row = airport_row(h, b);
            for (r, l) in least.iter_mut().enumerate() {
                let x = region_start[r]..region_start[r + 1];
                *l = air[x.clone()].iter().zip(&ground[x]).map(|(a, g)| fly(row, a, g)).fold(f64::INFINITY, f64::min);
            }
        }
        let region_sets = (0..REGIONS)
            .map(|r| {
                let mut sets = set[region_start[r]..region_start[r + 1]].to_vec();
                sets.sort_unstable();
                sets.dedup();
                sets
            })
            .collect();
        Some(Self {
            list: classes,
            cands,
            near: list,
            runs,
            batches,
            air,
            ground,
            weight: order.iter().map(|&i| inst.weight[i]).collect(),
            set,
            order,
            region_of,
            region_start,
            fly_least,
            region_sets,
        })
    }

    /// Number of classes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// [`super::sigma::SigmaSearch::top`] by classes: the `count` largest σ for prices
    /// `u` in decreasing order, each raised by a margin that covers the
    /// rounding of the class formula against [`Instance::cost`], so that no
    /// candidate's exact σ exceeds the `count`-th returned and the sum of the
    /// returned is at least that of any `count` candidates; only `allowed`
    /// candidates count (`None`: all). `memo` keeps each class's bound (over
    /// all its candidates) from one search to the next.
    pub(crate) fn top(
        &self,
        inst: &Instance,
        u: &[f64],
        count: usize,
        warm: &[usize],
        allowed: Option<&[bool]>,
        memo: &mut Memo,
    ) -> Vec<(usize, f64)> {
        let Some(h) = inst.hub.as_ref() else { return Vec::new() };
        let priced: f64 = u.iter().zip(&inst.weight).map(|(u, w)| u.max(0.0) * w).sum();
        let margin = 1e-12 * priced + 1e-9;
        memo.advance(self, &inst.weight, u);
        let shared = AtomicU64::new(0);
        let mut first = TopK::new(count, &shared);
        for &j in warm.iter().filter(|&&j| allows(allowed, j)) {
            let s: f64 = (0..inst.n()).map(|i| inst.weight[i] * (u[i] - inst.cost(i, j)).max(0.0)).sum();
            first.offer(j, s);
        }
        let by_position: Vec<f64> = self.order.iter().map(|&i| u[i]).collect();
        // Classes with no candidate allowed are passed over.
        let open: Vec<bool> = match allowed {
            Some(a) => self.list.iter().map(|k| self.cands[k.cands.clone()].iter().any(|e| a[e.0])).collect(),
            None => Vec::new(),
        };
        let mut top_price = [f64::NEG_INFINITY; REGIONS];
        for (r, top) in top_price.iter_mut().enumerate() {
            *top = by_position[self.region_start[r]..self.region_start[r + 1]].iter().copied().fold(*top, f64::max);
        }
        let spare = Mutex::new(std::mem::take(&mut memo.spare));
        let ctx = Ctx { classes: self, inst, h, u: &by_position, warm, allowed, open: &open, memo, top_price };
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
        let next = AtomicUsize::new(0);
        let found = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    let mut w = Worker::new(&ctx, first.clone());
                    if let Some(list) = spare.lock().ok().and_then(|mut s| s.pop()) {
                        w.bounds = list;
                    }
                    w.best.publish();
                    loop {
                        let r = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = self.batches.get(r) else { break };
                        for run in &self.runs[batch.clone()] {
                            w.run(run.clone());
                        }
                    }
                    if let Ok(mut f) = found.lock() {
                        f.push((w.best, w.bounds));
                    }
                });
            }
        });
        let (tops, bounds): (Vec<_>, Vec<_>) = found.into_inner().unwrap_or_default().into_iter().unzip();
        let mut out = finish(tops, count);
        for mut list in bounds {
            for (id, b, slack) in list.drain(..) {
                memo.keep(id, b, &slack);
            }
            memo.spare.push(list);
        }
        for e in &mut out {
            e.1 += margin;
        }
        out
    }
}

/// What one σ search leaves for the next over the same classes.
///
/// A class's bound is a sum over members of `w_i · max(0, u_i − κ_i)` (κ_i:
/// the least the member can pay there). Between two searches a term rises by
/// at most `w_i` times the rise of `u_i`, and not at all while `u_i` stays
/// below κ_i. So the memo keeps, per class, its bound and, per region of
/// members, the least slack `κ_i − u_i` then; and per search, per region, the
/// sums since the first of each member's rise times its weight and of the
/// region's largest rise. A region whose largest rises since have stayed
/// within its slack adds nothing; any other adds its members' rises.
#[derive(Default)]
pub(crate) struct Memo {
    /// The last search's prices.
    u: Vec<f64>,
    /// Per search (`REGIONS` values each): Σ over the searches before it of the region's Σ w_i · rise of u_i.
    drift: Vec<f64>,
    /// The same for the region's largest rise.
    reach: Vec<f64>,
    /// Per class: its bound when last computed (+∞: never), and the search then.
    bound: Vec<(f64, usize)>,
    /// Per class, per region: the least slack when last computed.
    slack: Vec<f64>,
    /// The threads' lists of bounds computed, emptied, for the next search:
    /// a whole search's take 1.4 MiB per thread on the benchmark, and
    /// allocating them afresh each time raised the process's peak memory
    /// (the allocator had not yet handed back the last search's).
    spare: Vec<Vec<Kept>>,
}

/// A class's bound computed by a search, with its slack per region: (class, bound, slack).
type Kept = (usize, f64, [f64; REGIONS]);

impl Memo {
    /// Moves to prices `u` (or forgets every bound when the memo belongs to other classes).
    fn advance(&mut self, classes: &Classes, weight: &[f64], u: &[f64]) {
        let known = self.u.len() == u.len() && self.bound.len() == classes.list.len();
        if known {
            let last = self.drift.len() - REGIONS;
            let mut drift = self.drift[last..].to_vec();
            let mut rise = vec![0.0_f64; REGIONS];
            for (i, (old, new)) in self.u.iter().zip(u).enumerate() {
                let up = (new - old).max(0.0);
                let r = classes.region_of[i];
                drift[r] += weight[i] * up;
                rise[r] = rise[r].max(up);
            }
            let reach: Vec<f64> = self.reach[last..].iter().zip(&rise).map(|(a, b)| a + b).collect();
            if drift.iter().chain(&reach).all(|x| x.is_finite()) {
                self.drift.extend(drift);
                self.reach.extend(reach);
            } else {
                self.bound.clear();
            }
        }
        if !known || self.bound.is_empty() {
            self.drift = vec![0.0; REGIONS];
            self.reach = vec![0.0; REGIONS];
            self.bound = vec![(f64::INFINITY, 0); classes.list.len()];
            self.slack = vec![0.0; classes.list.len() * REGIONS];
        }
        self.u.clear();
        self.u.extend_from_slice(u);
    }

    /// The current search's index.
    fn now(&self) -> usize {
        self.drift.len() / REGIONS - 1
    }

    /// A bound on class `id`'s σ at the current prices.
    fn bound(&self, id: usize) -> f64 {
        let (b, then) = self.bound[id];
        if !b.is_finite() {
            return b;
        }
        let (now, then) = (self.now() * REGIONS, then * REGIONS);
        let slack = &self.slack[id * REGIONS..(id + 1) * REGIONS];
        let mut total = b;
        for (r, &s) in slack.iter().enumerate() {
            if self.reach[now + r] - self.reach[then + r] > s {
                total += self.drift[now + r] - self.drift[then + r];
            }
        }
        total
    }

    /// Keeps class `id`'s bound `b` at the current prices, with its slack per region.
    fn keep(&mut self, id: usize, b: f64, slack: &[f64; REGIONS]) {
        self.bound[id] = (b, self.now());
        self.slack[id * REGIONS..(id + 1) * REGIONS].copy_from_slice(slack);
    }
}

/// A candidate with its class key and ground money: (tree position, airports, country, to the first, to the second).
type Keyed = (usize, (u32, u32), u32, f64, f64);
/// A candidate of a class: (tree position, ground money to the class's first airport, to its second).
type Entry = (usize, f64, f64);

/// The candidates in classes: the classes (without near members yet), their
/// candidates class by class, and each candidate's class.
fn group(inst: &Instance, h: &HubCosts) -> (Vec<Class>, Vec<Entry>, Vec<usize>) {
    let g = h.ground_fare;
    let country = |j: usize| inst.visa.as_ref().map_or(u32::MAX, |v| v.cand_country[j]);
    // A candidate's airports in order, with the ground money to each.
    let corner = |j: usize| {
        let [a, b] = h.cand_air[j];
        let (a, b) = match a.0.cmp(&b.0) {
            std::cmp::Ordering::Equal => (a, a),
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
        };
        ((a.0, b.0), g * a.1, g * b.1)
    };
    let m = inst.m();
    let mut sorted: Vec<Keyed> = (0..m)
        .map(|j| {
            let (air, e0, e1) = corner(j);
            (j, air, country(j), e0, e1)
        })
        .collect();
    sorted.sort_by(|x, y| (x.1, x.2).cmp(&(y.1, y.2)).then((x.3 + x.4).total_cmp(&(y.3 + y.4))).then(x.0.cmp(&y.0)));
    let mut classes: Vec<Class> = Vec::new();
    let mut cands = Vec::with_capacity(m);
    let mut class_of = vec![0_usize; m];
    for &(j, airports, c, e0, e1) in &sorted {
        if classes.last().is_none_or(|k| k.airports != airports || k.country != c) {
            let at = cands.len();
            classes.push(Class {
                airports,
                country: c,
                cands: at..at,
                near: 0..0,
                least: (f64::INFINITY, f64::INFINITY),
            });
        }
        let id = classes.len() - 1;
        let k = &mut classes[id];
        k.cands.end += 1;
        k.least = (k.least.0.min(e0), k.least.1.min(e1));
        class_of[j] = id;
        cands.push((j, e0, e1));
    }
    (classes, cands, class_of)
}

/// The (class, member group) pairs where the class formula fails, sorted.
fn near_members(inst: &Instance, h: &HubCosts, classes: &[Class], class_of: &[usize]) -> Vec<(usize, usize)> {
    let mut near = Vec::new();
    let ma = h.member_airports;
    // Per member airport, the candidate airport that is the same airport (the table's +∞).
    let cand_airports = h.money.len() / ma.max(1);
    let mut same = vec![u32::MAX; ma];
    for b in 0..cand_airports {
        for (a, s) in same.iter_mut().enumerate() {
            if h.money[b * ma + a] == f64::INFINITY {
                *s = u32::try_from(b).unwrap_or(u32::MAX);
            }
        }
    }
    for i in 0..inst.n() {
        if inst.min_override[i].is_finite() {
            near.extend((0..classes.len()).map(|c| (c, i)));
            continue;
        }
        inst.within_ground(i, &mut |j, _| near.push((class_of[j], i)));
        // A member whose only airport is a one-airport class's goes there by ground.
        let ga = h.group_air[i];
        if ga[0].0 == ga[1].0 {
            let b = same[ga[0].0 as usize];
            let from = classes.partition_point(|k| k.airports < (b, b));
            near.extend((from..classes.len()).take_while(|&c| classes[c].airports == (b, b)).map(|c| (c, i)));
        }
    }
    near.sort_unstable();
    near.dedup();
    near
}

/// The fares from every member airport to candidate airport `b`.
fn airport_row(h: &HubCosts, b: usize) -> &[f64] {
    let ma = h.member_airports;
    &h.money[b * ma..(b + 1) * ma]
}

/// A member's `F(b)` (its `air`ports and `ground` money to them) from airport `b`'s `row`.
#[inline]
fn fly(row: &[f64], air: &[usize; 2], ground: &[f64; 2]) -> f64 {
    (ground[0] + row[air[0]]).min(ground[1] + row[air[1]])
}

struct Ctx<'a> {
    classes: &'a Classes,
    inst: &'a Instance,
    h: &'a HubCosts,
    /// The prices by member position.
    u: &'a [f64],
    warm: &'a [usize],
    allowed: Option<&'a [bool]>,
    /// Per class, whether any of its candidates is allowed (empty: all are).
    open: &'a [bool],
    memo: &'a Memo,
    /// Per region, the highest price of its members.
    top_price: [f64; REGIONS],
}

impl Ctx<'_> {
    /// Whether class `id` must be passed over again: some candidate allowed, and its bound may beat `threshold`.
    fn wanted(&self, id: usize, threshold: f64) -> bool {
        self.open.get(id).is_none_or(|&o| o) && self.memo.bound(id) > threshold
    }
}

/// One thread's search over runs of classes, with its scratch space (by member position).
struct Worker<'a> {
    ctx: &'a Ctx<'a>,
    best: TopK<'a>,
    /// `F` of the members for the run's first and second airport (`air`),
    /// flown region by region as needed; per region, the airport each holds
    /// (`u32::MAX`: none yet).
    f0: Vec<f64>,
    f1: Vec<f64>,
    held: [(u32, u32); REGIONS],
    air: (u32, u32),
    /// Per region, whether the class's members there may gain.
    open: [bool; REGIONS],
    /// Per member, the last class it was near (left out of that class's far members).
    mark: Vec<usize>,
    /// The visa of each passport set for the class's country.
    visa: Vec<f64>,
    /// The class's far members who may gain: (u − v − F₀, u − v − F₁, weight).
    far: Vec<(f64, f64, f64)>,
    /// The bounds computed, with their slack per region, for the memo.
    bounds: Vec<Kept>,
}

impl<'a> Worker<'a> {
    fn new(ctx: &'a Ctx<'a>, best: TopK<'a>) -> Self {
        let n = ctx.inst.n();
        Self {
            ctx,
            best,
            f0: vec![0.0; n],
            f1: vec![0.0; n],
            held: [(u32::MAX, u32::MAX); REGIONS],
            air: (u32::MAX, u32::MAX),
            open: [true; REGIONS],
            mark: vec![usize::MAX; n],
            visa: Vec::new(),
            far: Vec::new(),
            bounds: Vec::new(),
        }
    }

    /// `F(b)` of region `r`'s members into `out`: the cheapest ground leg and
    /// flight to candidate airport `b` (+∞ when `b` is the member's only airport).
    fn fly_to(&self, b: u32, r: usize, out: &mut [f64]) {
        let c = self.ctx.classes;
        let row = airport_row(self.ctx.h, b as usize);
        let x = c.region_start[r]..c.region_start[r + 1];
        for ((f, a), g) in out[x.clone()].iter_mut().zip(&c.air[x.clone()]).zip(&c.ground[x]) {
            *f = fly(row, a, g);
        }
    }

    /// Flies region `r`'s members to the run's airports, unless they are there already.
    fn fly_region(&mut self, r: usize) {
        let (b0, b1) = self.air;
        if self.held[r].0 != b0 {
            let mut f = std::mem::take(&mut self.f0);
            self.fly_to(b0, r, &mut f);
            self.f0 = f;
            self.held[r].0 = b0;
        }
        if b1 != b0 && self.held[r].1 != b1 {
            let mut f = std::mem::take(&mut self.f1);
            self.fly_to(b1, r, &mut f);
            self.f1 = f;
            self.held[r].1 = b1;
        }
    }

    fn run(&mut self, run: Range<usize>) {
        let classes = self.ctx.classes;
        self.air = classes.list[run.start].airports;
        for id in run {
            if self.ctx.wanted(id, self.best.threshold()) {
                self.class(id);
            }
        }
    }

    /// A lower bound on what a member of region `r` pays at a candidate of
    /// class `k` by the formula ([`Worker::kappa`] with the region's least `F`
    /// and visa).
    fn least_kappa(&self, k: &Class, r: usize) -> f64 {
        let c = self.ctx.classes;
        let v = if self.visa.is_empty() {
            0.0
        } else {
            c.region_sets[r].iter().map(|&s| self.visa[s]).fold(f64::INFINITY, f64::min)
        };
        let f0 = c.fly_least[k.airports.0 as usize * REGIONS + r];
        if k.airports.0 == k.airports.1 {
            v + f0 + k.least.0
        } else {
            v + (f0 + k.least.0).min(c.fly_least[k.airports.1 as usize * REGIONS + r] + k.least.1)
        }
    }

    /// The least member `x` can pay at a candidate of class `k`, by the formula.
    #[inline]
    fn kappa(&self, k: &Class, x: usize) -> f64 {
        self.kappa_with(k, x, self.f0[x], self.f1[x])
    }

    /// [`Worker::kappa`] for a near member, who may be in a region not flown.
    fn near_kappa(&self, k: &Class, x: usize) -> f64 {
        let c = self.ctx.classes;
        let (b0, b1) = self.air;
        let held = self.held[c.region_of[c.order[x]]];
        if held.0 == b0 && (b1 == b0 || held.1 == b1) {
            return self.kappa(k, x);
        }
        let f = |b: u32| fly(airport_row(self.ctx.h, b as usize), &c.air[x], &c.ground[x]);
        self.kappa_with(k, x, f(b0), if b1 == b0 { f64::INFINITY } else { f(b1) })
    }

    /// [`Worker::kappa`] with member `x`'s `F` for the class's airports.
    #[inline]
    fn kappa_with(&self, k: &Class, x: usize, f0: f64, f1: f64) -> f64 {
        let c = self.ctx.classes;
        let v = if self.visa.is_empty() { 0.0 } else { self.visa[c.set[x]] };
        if k.airports.0 == k.airports.1 { v + f0 + k.least.0 } else { v + (f0 + k.least.0).min(f1 + k.least.1) }
    }

    fn class(&mut self, id: usize) {
        let Ctx { classes, inst, u, warm, allowed, .. } = *self.ctx;
        let k = &classes.list[id];
        let near = &classes.near[k.near.clone()];
        self.visa.clear();
        if let Some(v) = inst.visa.as_ref().filter(|_| k.country != u32::MAX) {
            let sets = v.table.len() / v.countries.max(1);
            self.visa.extend((0..sets).map(|s| v.table[s * v.countries + k.country as usize]));
        }
        // The bound: every member by the formula, near members by the lesser
        // of it and their least cost; region by region, with the least slack.
        // A region where even the least F and visa leave every price below
        // what its members pay adds nothing, and its slack is at least that
        // margin: its members are not flown to the class's airports.
        let mut bound = 0.0;
        let mut slack = [f64::INFINITY; REGIONS];
        for (r, s) in slack.iter_mut().enumerate() {
            let (from, to) = (classes.region_start[r], classes.region_start[r + 1]);
            let low = self.least_kappa(k, r);
            self.open[r] = self.ctx.top_price[r] > low;
            if !self.open[r] {
                *s = if from == to { f64::INFINITY } else { low - self.ctx.top_price[r] };
                continue;
            }
            self.fly_region(r);
            let (mut sum, mut least) = (0.0, f64::INFINITY);
            for (x, &ux) in u.iter().enumerate().take(to).skip(from) {
                let d = ux - self.kappa(k, x);
                sum += classes.weight[x] * d.max(0.0);
                least = least.min(-d);
            }
            bound += sum;
            *s = least;
        }
        let mut near_bound = 0.0;
        for &(x, least) in near {
            let kappa = self.near_kappa(k, x);
            let w = classes.weight[x];
            bound += w * ((u[x] - kappa.min(least)).max(0.0) - (u[x] - kappa).max(0.0));
            let r = classes.region_of[classes.order[x]];
            slack[r] = slack[r].min(least - u[x]);
            near_bound += w * (u[x] - least).max(0.0);
        }
        if bound <= self.best.threshold() {
            self.bounds.push((id, bound, slack));
            return;
        }
        // The far members who may gain, and a tighter bound.
        for &(x, _) in near {
            self.mark[x] = id;
        }
        let one = k.airports.0 == k.airports.1;
        let (l0, l1) = k.least;
        self.far.clear();
        let mut far_bound = 0.0;
        // In a region passed over, no member gains (to within rounding).
        let open = (0..REGIONS).filter(|&r| self.open[r]);
        for x in open.flat_map(|r| classes.region_start[r]..classes.region_start[r + 1]) {
            let ux = u[x];
            if self.mark[x] == id {
                continue;
            }
            let v = if self.visa.is_empty() { 0.0 } else { self.visa[classes.set[x]] };
            let r0 = ux - v - self.f0[x];
            let (r1, gain) = if one {
                (f64::NEG_INFINITY, r0 - l0)
            } else {
                let r1 = ux - v - self.f1[x];
                (r1, (r0 - l0).max(r1 - l1))
            };
            if gain > 0.0 {
                let w = classes.weight[x];
                self.far.push((r0, r1, w));
                far_bound += w * gain;
            }
        }
        // Each far member's part is below its part of `bound`, so the slack still holds.
        self.bounds.push((id, bound.min(far_bound + near_bound), slack));
        if far_bound + near_bound <= self.best.threshold() {
            return;
        }
        for &(j, e0, e1) in &classes.cands[k.cands.clone()] {
            let far: f64 = if one {
                self.far.iter().map(|&(r0, _, w)| w * (r0 - e0).max(0.0)).sum()
            } else {
                self.far.iter().map(|&(r0, r1, w)| w * (r0 - e0).max(r1 - e1).max(0.0)).sum()
            };
            if !warm.contains(&j) && allows(allowed, j) {
                let near_sigma: f64 = near
                    .iter()
                    .map(|&(x, _)| classes.weight[x] * (u[x] - inst.cost(classes.order[x], j)).max(0.0))
                    .sum();
                self.best.offer(j, far + near_sigma);
            }
            // The candidates after this one pay more ground: their far part is at most this one's.
            if one && far + near_bound <= self.best.threshold() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::SplitMix;
    use super::super::geo::LatLon;
    use super::super::plan::{Candidate, Objective, Traveller};
    use super::super::sigma::tree_top_sigma;
    use super::super::solve::prepare;
    use super::super::travel::TravelModel;
    use super::*;

    /// Members and candidates over Africa and Europe, some sharing cities or
    /// close by (ground trips, shared airports), a member with two passports.
    fn instance(seed: u64, members: usize, candidates: usize) -> (Vec<Traveller>, Vec<Candidate>) {
        let mut rng = SplitMix(seed);
        let at =
            |rng: &mut SplitMix| LatLon::new(-35.0 + rng.next_f64() * 90.0, -20.0 + rng.next_f64() * 65.0).unwrap();
        let mut t: Vec<Traveller> = (0..members)
            .map(|i| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let weight = 1 + (rng.next_f64() * 3.0) as u32;
                Traveller { weight, ..Traveller::new(format!("m{i}"), at(&mut rng)) }
            })
            .collect();
        let mut c: Vec<Candidate> = (0..candidates)
            .map(|j| {
                let position = at(&mut rng);
                let country =
                    crate::planner::places::nearest_city(position).map(|(p, _)| p.country).unwrap_or_default();
                Candidate { name: format!("c{j}"), country, position, population: None }
            })
            .collect();
        for (i, j) in [(0, 3), (5, 17), (9, 40), (11, 41)] {
            c[j].position = t[i].position;
        }
        // Candidates around a few members' cities: classes of several candidates, near members.
        for (x, j) in (60..90).enumerate() {
            let base = t[x % 4].position;
            #[allow(clippy::cast_precision_loss)]
            let d = 0.05 + 0.1 * x as f64;
            c[j].position = LatLon::new((base.lat + d).min(89.0), base.lon - d).unwrap();
            c[j].country = crate::planner::places::nearest_city(c[j].position).map(|(p, _)| p.country).unwrap();
        }
        t[2].passports = vec!["NG".into(), "GB".into()];
        t[1].position = LatLon::new(-1.2833, 36.8167).unwrap();
        c[5].position = LatLon::new(6.4541, 3.3947).unwrap();
        (t, c)
    }

    /// The exact σ of every candidate, from [`Instance::cost`].
    fn plain_sigma(inst: &Instance, u: &[f64]) -> Vec<f64> {
        (0..inst.m()).map(|j| (0..inst.n()).map(|i| inst.weight[i] * (u[i] - inst.cost(i, j)).max(0.0)).sum()).collect()
    }

    /// The search by classes returns the `count` largest σ of the plain
    /// computation (each at most a rounding margin above), for prices from
    /// nothing gained to everyone gaining almost everywhere, with ground trips,
    /// shared airports, known and quoted fares, two passports, and without visas.
    #[test]
    fn the_class_search_finds_the_largest_sigma_of_the_plain_computation() {
        for seed in 0..6_u64 {
            let (t, c) = instance(300 + seed, 60, 180);
            let model = super::super::tests::varied_model(seed);
            let p = prepare(&t, &c, Objective::TotalCost, &model);
            let inst = &p.inst;
            let classes = Classes::new(inst).expect("hub-aware money");
            assert!(classes.len() < inst.m(), "seed {seed}: no class holds two candidates");
            assert!(!classes.near.is_empty());
            let mut rng = SplitMix(seed);
            // One memo across every search, as an ascent keeps it.
            let mut memo = Memo::default();
            for round in 0..8 {
                // Prices: each member's cost at a random host, scaled from 0.3 to 3.
                #[allow(clippy::cast_precision_loss)]
                let scale = 0.3 + 0.4 * round as f64;
                let u: Vec<f64> = (0..inst.n())
                    .map(|i| {
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                        let j = (rng.next_f64() * inst.m() as f64) as usize;
                        scale * inst.cost(i, j) * (0.5 + rng.next_f64())
                    })
                    .collect();
                let plain = plain_sigma(inst, &u);
                // Every third round, the search is kept to about half of the candidates.
                let allowed: Option<Vec<bool>> =
                    (round % 3 == 2).then(|| (0..inst.m()).map(|_| rng.next_f64() < 0.5).collect());
                let mut sorted: Vec<f64> =
                    (0..inst.m()).filter(|&j| allows(allowed.as_deref(), j)).map(|j| plain[j]).collect();
                sorted.sort_by(|a, b| b.total_cmp(a));
                for count in [1, 3, 9, 48] {
                    let warm: Vec<usize> = if round % 2 == 0 { vec![round, 2 * round + 1] } else { Vec::new() };
                    let top = classes.top(inst, &u, count, &warm, allowed.as_deref(), &mut memo);
                    let positive = sorted.iter().filter(|&&s| s > 0.0).count();
                    assert_eq!(top.len(), count.min(positive), "seed {seed} round {round} count {count}");
                    for (x, &(j, s)) in top.iter().enumerate() {
                        let tol = 1e-9 * sorted[0].max(1.0);
                        assert!(allows(allowed.as_deref(), j), "seed {seed}: candidate {j} not allowed");
                        assert!(s >= plain[j] && s <= plain[j] + tol, "seed {seed}: σ {s} vs plain {}", plain[j]);
                        assert!((s - sorted[x]).abs() <= tol, "seed {seed} count {count} #{x}: {s} vs {}", sorted[x]);
                    }
                    // The tree search (the other models' path) agrees.
                    let tree = tree_top_sigma(inst, &u, count, &warm, allowed.as_deref());
                    assert_eq!(tree.len(), top.len());
                    for (x, &(j, s)) in tree.iter().enumerate() {
                        assert!(allows(allowed.as_deref(), j), "seed {seed}: tree candidate {j} not allowed");
                        let tol = 1e-9 * sorted[0].max(1.0);
                        assert!((s - plain[j]).abs() <= tol && (s - sorted[x]).abs() <= tol, "seed {seed}: tree σ {s}");
                    }
                }
            }
            // Small moves, as an ascent makes them: the memo skips classes and must stay exact.
            let mut u: Vec<f64> = (0..inst.n()).map(|i| inst.cost(i, i % inst.m()) * 0.8).collect();
            for step in 0..12 {
                for ui in &mut u {
                    *ui = (*ui * (0.97 + 0.06 * rng.next_f64())).max(0.0);
                }
                let plain = plain_sigma(inst, &u);
                // One memo across searches kept to different candidates, as the linked bound's ranges share it.
                let allowed: Option<Vec<bool>> =
                    (step % 2 == 1).then(|| (0..inst.m()).map(|j| (j + step) % 3 != 0).collect());
                let mut sorted: Vec<f64> =
                    (0..inst.m()).filter(|&j| allows(allowed.as_deref(), j)).map(|j| plain[j]).collect();
                sorted.sort_by(|a, b| b.total_cmp(a));
                let count = 1 + step % 4;
                let top = classes.top(inst, &u, count, &[], allowed.as_deref(), &mut memo);
                assert_eq!(top.len(), count.min(sorted.iter().filter(|&&s| s > 0.0).count()));
                for (x, &(j, s)) in top.iter().enumerate() {
                    let tol = 1e-9 * sorted[0].max(1.0);
                    assert!(
                        s >= plain[j] && (s - sorted[x]).abs() <= tol,
                        "seed {seed} step {step}: {s} vs {}",
                        sorted[x]
                    );
                }
                // Every remembered bound, risen with the prices since, still bounds its class.
                let mut kept = 0;
                for (id, k) in classes.list.iter().enumerate() {
                    let best = classes.cands[k.cands.clone()].iter().map(|&(j, _, _)| plain[j]).fold(0.0, f64::max);
                    let b = memo.bound(id);
                    assert!(b >= best - 1e-9 * best.max(1.0), "seed {seed} step {step} class {id}: {b} < {best}");
                    kept += usize::from(b.is_finite());
                }
                assert!(kept > 0, "seed {seed}: the memo kept nothing");
            }
        }
    }

    #[test]
    fn only_hub_aware_money_has_classes() {
        let (t, c) = instance(9, 20, 100);
        let co2 = prepare(&t, &c, Objective::Co2, &TravelModel::default());
        assert!(Classes::new(&co2.inst).is_none());
        let flat = TravelModel { hub_aware: false, ..TravelModel::default() };
        assert!(Classes::new(&prepare(&t, &c, Objective::TotalCost, &flat).inst).is_none());
    }
}
