//! Every candidate's summed cost at once, by airports: the exact single-host
//! scan of the summed money objective with hub-aware travel.
//!
//! A flying member's trip is the ground to one of its (at most two) airports,
//! the flight and the ground from one of the host's airports. For a candidate
//! airport `b`, `F_i(b)`, the least over member `i`'s airports `a` of the ground
//! to `a` and the flight from `a` to `b`, does not depend on the host; a host
//! flying only from `b` then costs member `i` `F_i(b)` and the ground from `b`,
//! so the sum over members is `Σ w_i F_i(b)` (once per airport) and the people
//! times the host's ground leg, and a host with two airports `b₀, b₁` costs
//! `min(F_i(b₀) + g₀, F_i(b₁) + g₁)`, one minimum per member (hosts sharing both
//! airports share the `F`s). Visa costs are a sum per country. Then the
//! exceptions, exactly: members within ground reach of a host (found with the
//! candidate tree) go by ground, a member sharing a host's only airport goes by
//! ground, and members with known fares are summed directly. The result equals
//! `Σ w_i cost(i, j)` up to the order of the additions.

use super::engine::{Aggregate, Instance};
use super::index::CandidateIndex;

impl Instance {
    /// `Σ weight × cost` of `members` at every candidate (tree order), computed
    /// by airports; `None` unless travel is hub-aware, money is the quantity
    /// and the objective a sum.
    pub(crate) fn airport_sums(&self, members: &[usize]) -> Option<Vec<f64>> {
        let h = self.hub.as_ref()?;
        if !h.is_cost || self.aggregate != Aggregate::Sum {
            return None;
        }
        let m = self.m();
        let g = h.ground_fare;
        let mut total = vec![0.0; m];
        let (direct, pooled): (Vec<usize>, Vec<usize>) =
            members.iter().partition(|&&i| self.min_override[i].is_finite());
        // Members with known fares: straight from the cost.
        for &i in &direct {
            for (j, t) in total.iter_mut().enumerate() {
                *t += self.weight[i] * self.cost(i, j);
            }
        }
        if pooled.is_empty() || self.index.nodes.is_empty() {
            return Some(total);
        }
        // Visas: people per passport set, then a sum per country.
        if let Some(v) = &self.visa {
            let sets = v.table.len() / v.countries.max(1);
            let mut people = vec![0.0; sets];
            for &i in &pooled {
                people[v.group_set[i] as usize] += self.weight[i];
            }
            let per_country: Vec<f64> =
                (0..v.countries).map(|c| (0..sets).map(|s| people[s] * v.table[s * v.countries + c]).sum()).collect();
            for (t, &c) in total.iter_mut().zip(&v.cand_country) {
                *t += per_country[c as usize];
            }
        }
        // Candidates by their airports (the second the same as the first when there is one).
        let key = |j: usize| {
            let a = h.cand_air[j];
            (a[0].0, if a[1].0 == a[0].0 { a[0].0 } else { a[1].0 })
        };
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_unstable_by_key(|&j| key(j));
        let weight: Vec<f64> = pooled.iter().map(|&i| self.weight[i]).collect();
        let ma = h.member_airports;
        // F_i(b) of every pooled member, +∞ when b is its only airport.
        let reach = |b: u32, out: &mut Vec<f64>| {
            out.clear();
            let row = &h.money[b as usize * ma..(b as usize + 1) * ma];
            out.extend(pooled.iter().map(|&i| {
                let ga = &h.group_air[i];
                let first = g * ga[0].1 + row[ga[0].0 as usize];
                if ga[1].0 == ga[0].0 { first } else { first.min(g * ga[1].1 + row[ga[1].0 as usize]) }
            }));
        };
        let (mut f0, mut f1) = (Vec::with_capacity(pooled.len()), Vec::with_capacity(pooled.len()));
        let mut start = 0;
        while start < m {
            let (b0, b1) = key(order[start]);
            let mut end = start + 1;
            while end < m && key(order[end]) == (b0, b1) {
                end += 1;
            }
            reach(b0, &mut f0);
            if b0 == b1 {
                // One airport: Σ w F plus the people × the host's ground leg; a
                // member whose only airport it is goes by ground all the way.
                let (mut sum, mut flying) = (0.0, 0.0);
                let mut grounded = Vec::new();
                for (x, (&f, &w)) in f0.iter().zip(&weight).enumerate() {
                    if f.is_finite() {
                        sum += w * f;
                        flying += w;
                    } else {
                        grounded.push(x);
                    }
                }
                for &j in &order[start..end] {
                    let mut t = sum + flying * g * h.cand_air[j][0].1;
                    for &x in &grounded {
                        let i = pooled[x];
                        t += weight[x] * g * self.pos[i].distance_km(self.index.points[j]);
                    }
                    total[j] += t;
                }
            } else {
                reach(b1, &mut f1);
                for &j in &order[start..end] {
                    let (g0, g1) = (g * h.cand_air[j][0].1, g * h.cand_air[j][1].1);
                    // Both airports are never a member's only one, so every minimum is finite.
                    let t: f64 = f0.iter().zip(&f1).zip(&weight).map(|((&a, &b), &w)| w * (a + g0).min(b + g1)).sum();
                    total[j] += t;
                }
            }
            start = end;
        }
        // Members within ground reach of a candidate go by ground: replace their flight.
        for &i in &pooled {
            self.within_ground(i, &mut |j, d| total[j] += self.weight[i] * (g * d - h.travel(i, j, || d)));
        }
        Some(total)
    }

    /// Calls `f(j, d)` for every candidate `j` that member group `i` reaches by
    /// ground ([`Instance::cost`]'s test), `d` the great-circle km.
    pub(super) fn within_ground(&self, i: usize, f: &mut impl FnMut(usize, f64)) {
        let Some(h) = &self.hub else { return };
        let p = self.pos[i];
        let mut stack = vec![CandidateIndex::ROOT];
        while let Some(id) = stack.pop() {
            let Some(node) = self.index.nodes.get(id) else { continue };
            if p.distance_km_lower(node.centre) - node.radius_km >= h.ground_max_km {
                continue;
            }
            match node.children {
                Some((l, r)) => stack.extend([l, r]),
                None => {
                    for (j, &q) in self.index.points.iter().enumerate().take(node.end).skip(node.start) {
                        if p.dot(q) > h.ground_cos {
                            let d = p.distance_km(q);
                            if d < h.ground_max_km {
                                f(j, d);
                            }
                        }
                    }
                }
            }
        }
    }
}
