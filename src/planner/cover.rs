//! The exact set-cover test both k-center solvers ask at a threshold t: can
//! at most k of these sets (the members each candidate serves at cost ≤ t)
//! cover every member? One search, generic over how a set is stored: a
//! fixed array of words for the subset relaxation's small samples
//! ([`super::relax`]), a vector of words for the exact solver's whole
//! (small) instances ([`super::exact`]).
//!
//! The search first keeps only the maximal distinct sets (a cover using a set
//! can use any superset instead, so nothing is lost), then branches on the
//! uncovered member held by the fewest sets, trying the sets that cover most
//! first and skipping a set whose new members one already tried covers. A
//! packing bound cuts branches: uncovered members pairwise sharing no set each
//! need a set of their own, so more of them than sets left means no cover.
//! (The exact solver's former gain bound, "the sets left cannot cover more
//! than left × the largest gain", costs a pass over all sets per node and
//! adds little to packing, so the merged search does without it.)

use std::time::Instant;

/// A set of elements 0..len stored as bits in 64-bit words.
pub(crate) trait BitSet: Clone + PartialEq {
    /// The empty set able to hold elements 0..len.
    fn empty(len: usize) -> Self;
    /// The words, element i at bit i % 64 of word i / 64.
    fn words(&self) -> &[u64];
    /// The words, for changing.
    fn words_mut(&mut self) -> &mut [u64];

    /// Adds element i.
    #[inline]
    fn include(&mut self, i: usize) {
        self.words_mut()[i / 64] |= 1 << (i % 64);
    }

    /// Whether element i is in the set.
    #[inline]
    fn has(&self, i: usize) -> bool {
        self.words()[i / 64] >> (i % 64) & 1 == 1
    }

    /// Number of elements.
    #[inline]
    fn count(&self) -> u32 {
        self.words().iter().map(|w| w.count_ones()).sum()
    }

    /// No element at all.
    #[inline]
    fn is_clear(&self) -> bool {
        self.words().iter().all(|&w| w == 0)
    }

    /// Every element of `self` is in `other`.
    #[inline]
    fn is_subset(&self, other: &Self) -> bool {
        self.words().iter().zip(other.words()).all(|(a, b)| a & !b == 0)
    }

    /// The elements in both.
    #[inline]
    fn and(&self, other: &Self) -> Self {
        let mut out = self.clone();
        out.words_mut().iter_mut().zip(other.words()).for_each(|(a, b)| *a &= b);
        out
    }

    /// The elements of `self` not in `other`.
    #[inline]
    fn and_not(&self, other: &Self) -> Self {
        let mut out = self.clone();
        out.words_mut().iter_mut().zip(other.words()).for_each(|(a, b)| *a &= !b);
        out
    }

    /// Adds every element of `other`.
    #[inline]
    fn union_with(&mut self, other: &Self) {
        self.words_mut().iter_mut().zip(other.words()).for_each(|(a, b)| *a |= b);
    }
}

impl<const W: usize> BitSet for [u64; W] {
    fn empty(len: usize) -> Self {
        debug_assert!(len <= 64 * W, "{len} elements do not fit in {W} words");
        [0; W]
    }
    fn words(&self) -> &[u64] {
        self
    }
    fn words_mut(&mut self) -> &mut [u64] {
        self
    }
}

impl BitSet for Vec<u64> {
    fn empty(len: usize) -> Self {
        vec![0; len.div_ceil(64)]
    }
    fn words(&self) -> &[u64] {
        self
    }
    fn words_mut(&mut self) -> &mut [u64] {
        self
    }
}

/// The answer of one set-cover test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cover {
    /// These (at most k) owners' sets cover every element.
    Found(Vec<usize>),
    /// No k sets do.
    Impossible,
    /// The search ran out of nodes or time.
    Unknown,
}

/// Can at most `k` of the sets cover elements 0..len? `sets` are (owner,
/// set) pairs, the owner being what a found cover names (a candidate). Returns
/// the answer and the search nodes spent, at most `budget`; past `deadline` the
/// answer is [`Cover::Unknown`].
pub(crate) fn cover<B: BitSet>(
    sets: impl IntoIterator<Item = (usize, B)>,
    len: usize,
    k: usize,
    budget: usize,
    deadline: Instant,
) -> (Cover, usize) {
    let (sets, owners) = maximal(sets);
    let mut search = Search::new(&sets, len, budget, deadline);
    let mut all = B::empty(len);
    for i in 0..len {
        all.include(i);
    }
    let mut chosen = Vec::new();
    let answer = match search.dfs(&all, k, &mut chosen) {
        Some(true) => Cover::Found(chosen.iter().map(|&p| owners[p]).collect()),
        Some(false) => Cover::Impossible,
        None => Cover::Unknown,
    };
    (answer, search.nodes)
}

/// The maximal distinct non-empty sets, each with the first owner (in order of
/// size, then content, then owner) having it.
fn maximal<B: BitSet>(sets: impl IntoIterator<Item = (usize, B)>) -> (Vec<B>, Vec<usize>) {
    let mut list: Vec<(u32, B, usize)> =
        sets.into_iter().filter(|(_, b)| !b.is_clear()).map(|(j, b)| (b.count(), b, j)).collect();
    list.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.words().cmp(b.1.words())).then(a.2.cmp(&b.2)));
    list.dedup_by(|later, earlier| later.1 == earlier.1);
    let mut kept: Vec<B> = Vec::new();
    let mut owners = Vec::new();
    for (_, b, j) in list {
        // Sorted by size, so only an earlier (larger or equal) set can contain this one.
        if !kept.iter().any(|s| b.is_subset(s)) {
            kept.push(b);
            owners.push(j);
        }
    }
    (kept, owners)
}

/// Depth-first search for at most `left` sets covering what is uncovered.
struct Search<'s, B> {
    sets: &'s [B],
    /// Sets holding each element.
    holding: Vec<Vec<usize>>,
    /// `reach[s]`: elements sharing some set with element s (s included).
    reach: Vec<B>,
    /// Elements, fewest holding sets first.
    order: Vec<usize>,
    nodes: usize,
    budget: usize,
    deadline: Instant,
}

impl<'s, B: BitSet> Search<'s, B> {
    fn new(sets: &'s [B], len: usize, budget: usize, deadline: Instant) -> Self {
        let mut holding = vec![Vec::new(); len];
        let mut reach = vec![B::empty(len); len];
        for (p, b) in sets.iter().enumerate() {
            for (s, h) in holding.iter_mut().enumerate() {
                if b.has(s) {
                    h.push(p);
                    reach[s].union_with(b);
                }
            }
        }
        let mut order: Vec<usize> = (0..len).collect();
        order.sort_by_key(|&s| holding[s].len());
        Self { sets, holding, reach, order, nodes: 0, budget, deadline }
    }

    /// `Some(true)` with `chosen` the sets when `left` sets can cover `uncovered`,
    /// `Some(false)` when they cannot, `None` when out of nodes or time.
    fn dfs(&mut self, uncovered: &B, left: usize, chosen: &mut Vec<usize>) -> Option<bool> {
        if uncovered.is_clear() {
            return Some(true);
        }
        if left == 0 {
            return Some(false);
        }
        self.nodes += 1;
        if self.nodes > self.budget || (self.nodes.is_multiple_of(256) && Instant::now() >= self.deadline) {
            return None;
        }
        // Packing bound, and the member to branch on: the uncovered one held by the fewest sets.
        let mut avail = uncovered.clone();
        let mut packed = 0;
        let mut branch = usize::MAX;
        for &s in &self.order {
            if avail.has(s) {
                if branch == usize::MAX {
                    branch = s;
                }
                packed += 1;
                if packed > left {
                    return Some(false);
                }
                avail = avail.and_not(&self.reach[s]);
            }
        }
        let mut options: Vec<(u32, usize, B)> = self.holding[branch]
            .iter()
            .map(|&p| {
                let c = self.sets[p].and(uncovered);
                (c.count(), p, c)
            })
            .collect();
        options.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut tried: Vec<B> = Vec::new();
        for (_, p, c) in options {
            // A set covering no more than one already tried cannot succeed where it failed.
            if tried.iter().any(|t| c.is_subset(t)) {
                continue;
            }
            chosen.push(p);
            match self.dfs(&uncovered.and_not(&c), left - 1, chosen) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => {
                    chosen.pop();
                    return None;
                }
            }
            chosen.pop();
            tried.push(c);
        }
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn set<B: BitSet>(len: usize, elements: &[usize]) -> B {
        let mut b = B::empty(len);
        for &i in elements {
            b.include(i);
        }
        b
    }

    /// Every way to pick k of the sets, tried one by one.
    fn brute_force(sets: &[Vec<usize>], len: usize, k: usize) -> bool {
        let m = sets.len();
        (0_u32..1 << m)
            .filter(|mask| mask.count_ones() as usize <= k)
            .any(|mask| (0..len).all(|i| (0..m).any(|j| mask >> j & 1 == 1 && sets[j].contains(&i))))
    }

    fn answer<B: BitSet>(sets: &[Vec<usize>], len: usize, k: usize) -> Cover {
        let deadline = Instant::now() + Duration::from_secs(10);
        cover(sets.iter().enumerate().map(|(j, s)| (j, set::<B>(len, s))), len, k, 1_000_000, deadline).0
    }

    #[test]
    fn both_storages_agree_with_brute_force_on_small_random_families() {
        let mut rng = super::super::engine::SplitMix(7);
        for round in 0..300 {
            let len = 1 + round % 13;
            let m = 1 + round % 9;
            let sets: Vec<Vec<usize>> = (0..m).map(|_| (0..len).filter(|_| rng.next_f64() < 0.3).collect()).collect();
            for k in 1..=3 {
                let expected = brute_force(&sets, len, k);
                for found in [answer::<[u64; 1]>(&sets, len, k), answer::<Vec<u64>>(&sets, len, k)] {
                    match found {
                        Cover::Found(chosen) => {
                            assert!(expected, "round {round} k={k}: found a cover brute force has not");
                            assert!(chosen.len() <= k);
                            assert!((0..len).all(|i| chosen.iter().any(|&j| sets[j].contains(&i))));
                        }
                        Cover::Impossible => assert!(!expected, "round {round} k={k}: missed a cover"),
                        Cover::Unknown => panic!("round {round}: out of budget on a tiny family"),
                    }
                }
            }
        }
    }

    #[test]
    fn a_spent_budget_says_unknown_rather_than_guess() {
        let len = 120;
        // Pairs {i, i+1}: 60 disjoint pairs would be needed, but only 59 sets are allowed.
        let sets: Vec<Vec<usize>> = (0..len - 1).map(|i| vec![i, i + 1]).collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        let family = || sets.iter().enumerate().map(|(j, s)| (j, set::<Vec<u64>>(len, s)));
        assert_eq!(cover(family(), len, 59, 1_000_000, deadline).0, Cover::Impossible);
        let (answer, nodes) = cover(family(), len, 60, 3, deadline);
        assert!(matches!(answer, Cover::Unknown | Cover::Found(_)));
        assert!(nodes <= 4);
    }
}
