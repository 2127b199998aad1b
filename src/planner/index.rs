//! A ball tree over host candidates: each node is a spherical cap holding a
//! contiguous run of candidates, so a search can bound a whole region's cost
//! at once and skip it. Memory is linear in the number of candidates.

use super::geo::{EARTH_RADIUS_KM, UnitVec};

/// Candidates per leaf.
const LEAF_SIZE: usize = 6;

/// One cap of the tree.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// Centre of the cap.
    pub centre: UnitVec,
    /// Great-circle radius in km: every candidate of the node is this close to the centre.
    pub radius_km: f64,
    /// First candidate (tree order) of the node.
    pub start: usize,
    /// One past the last candidate.
    pub end: usize,
    /// Child node indices, `None` for a leaf.
    pub children: Option<(usize, usize)>,
    /// What the instance knows about the node's candidates beyond their
    /// positions (filled in by [`super::engine::Instance::with_extras`]).
    pub extra: NodeExtra,
}

/// Facts shared by all of a node's candidates that tighten cost bounds:
/// the ground km to their airports, whether any flies from a large airport,
/// and their country when they all share one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeExtra {
    /// Least ground km from a candidate of the node to one of its airports.
    pub ground_min_km: f64,
    /// Most ground km from a candidate of the node to one of its airports.
    pub ground_max_km: f64,
    /// Whether some candidate of the node has a large airport among its airports.
    pub large: bool,
    /// The country (visa table index) of every candidate of the node, `u32::MAX` when they differ.
    pub country: u32,
}

impl Default for NodeExtra {
    fn default() -> Self {
        Self { ground_min_km: 0.0, ground_max_km: f64::INFINITY, large: true, country: u32::MAX }
    }
}

/// Candidates reordered so that every node's candidates are contiguous.
#[derive(Clone, Debug)]
pub(crate) struct CandidateIndex {
    pub nodes: Vec<Node>,
    /// Candidate positions in tree order.
    pub points: Vec<UnitVec>,
    /// `original[tree position]` is the candidate's index in the caller's list.
    pub original: Vec<usize>,
}

impl CandidateIndex {
    /// The root node's index.
    pub const ROOT: usize = 0;

    pub(crate) fn build(points: &[UnitVec]) -> Self {
        let mut order: Vec<usize> = (0..points.len()).collect();
        let mut nodes = Vec::with_capacity(2 * points.len() / LEAF_SIZE + 2);
        if !points.is_empty() {
            build_node(points, &mut order, 0, points.len(), &mut nodes);
        }
        Self { nodes, points: order.iter().map(|&i| points[i]).collect(), original: order }
    }

    /// Number of candidates.
    pub(crate) fn len(&self) -> usize {
        self.points.len()
    }
}

fn build_node(points: &[UnitVec], order: &mut [usize], start: usize, end: usize, nodes: &mut Vec<Node>) -> usize {
    let members: Vec<UnitVec> = order[start..end].iter().map(|&i| points[i]).collect();
    let centre = UnitVec::centre(&members);
    // A tiny margin keeps rounding from putting a candidate outside its cap.
    let radius_km = members.iter().map(|p| centre.distance_km(*p)).fold(0.0, f64::max) * (1.0 + 1e-12) + 1e-9;
    let id = nodes.len();
    nodes.push(Node { centre, radius_km, start, end, children: None, extra: NodeExtra::default() });
    if end - start > LEAF_SIZE && radius_km > 1e-6 {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for p in &members {
            for a in 0..3 {
                lo[a] = lo[a].min(p.0[a]);
                hi[a] = hi[a].max(p.0[a]);
            }
        }
        let axis = (0..3).max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b]))).unwrap_or(0);
        let mid = (end - start) / 2;
        order[start..end].select_nth_unstable_by(mid, |&a, &b| points[a].0[axis].total_cmp(&points[b].0[axis]));
        let left = build_node(points, order, start, start + mid, nodes);
        let right = build_node(points, order, start + mid, end, nodes);
        nodes[id].children = Some((left, right));
    }
    id
}

/// Angular radius (radians) of a cap of `km`.
#[inline]
pub(crate) fn angle(km: f64) -> f64 {
    km / EARTH_RADIUS_KM
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::geo::LatLon;

    #[test]
    fn every_candidate_lies_inside_each_node_that_holds_it() {
        let mut rng = crate::planner::engine::SplitMix(7);
        let pts: Vec<UnitVec> = (0..500)
            .map(|_| {
                let lat = rng.next_f64() * 180.0 - 90.0;
                let lon = rng.next_f64() * 360.0 - 180.0;
                UnitVec::from_latlon(LatLon::new(lat, lon).unwrap())
            })
            .collect();
        let idx = CandidateIndex::build(&pts);
        assert_eq!(idx.len(), 500);
        for n in &idx.nodes {
            for p in &idx.points[n.start..n.end] {
                assert!(n.centre.distance_km(*p) <= n.radius_km);
            }
        }
        let mut seen = idx.original.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
    }
}
