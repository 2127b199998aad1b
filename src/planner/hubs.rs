//! Airports people actually fly from: the bundled OurAirports airports with
//! scheduled passenger service and an IATA code, and the nearest one to any
//! place. The hub-aware travel model ([`super::travel`]) sends each member by
//! ground to their nearest such airport, flies them to the host's, and on by
//! ground.

use std::sync::OnceLock;

use super::geo::{LatLon, UnitVec};
use super::places::{gazetteer, nearest_by_lat};

/// An airport with scheduled passenger service.
#[derive(Clone, Debug)]
pub struct Hub {
    /// IATA code (`NBO`).
    pub iata: String,
    /// The town it serves (or its own name when OurAirports has none).
    pub town: String,
    /// ISO alpha-2 country code.
    pub country: String,
    /// Coordinates.
    pub position: LatLon,
    pub(crate) unit: UnitVec,
    /// A large airport (OurAirports `type` = `large_airport`): many direct routes.
    pub large: bool,
}

pub(crate) struct Hubs {
    pub(crate) list: Vec<Hub>,
    by_lat: Vec<u32>,
    /// The large ones only, by latitude.
    large_by_lat: Vec<u32>,
}

pub(crate) fn hubs() -> &'static Hubs {
    static H: OnceLock<Hubs> = OnceLock::new();
    H.get_or_init(|| {
        let list: Vec<Hub> = gazetteer()
            .airports
            .iter()
            .filter(|a| a.scheduled == "yes" && !a.iata.is_empty())
            .filter_map(|a| {
                let position = LatLon::new(a.lat, a.lon).ok()?;
                Some(Hub {
                    iata: a.iata.clone(),
                    town: if a.municipality.is_empty() { a.name.clone() } else { a.municipality.clone() },
                    country: a.country.clone(),
                    position,
                    unit: UnitVec::from_latlon(position),
                    large: a.kind == "large_airport",
                })
            })
            .collect();
        let mut by_lat: Vec<u32> = (0..u32::try_from(list.len()).unwrap_or(u32::MAX)).collect();
        by_lat.sort_by(|&a, &b| list[a as usize].position.lat.total_cmp(&list[b as usize].position.lat));
        let large_by_lat = by_lat.iter().copied().filter(|&i| list[i as usize].large).collect();
        Hubs { list, by_lat, large_by_lat }
    })
}

impl Hubs {
    /// The nearest airport with scheduled service (index into `list`) and its
    /// great-circle distance in km.
    pub(crate) fn nearest(&self, p: LatLon) -> (usize, f64) {
        nearest_by_lat(&self.by_lat, |i| self.list[i as usize].position, p).map_or((0, 0.0), |(i, d)| (i as usize, d))
    }

    /// The nearest large airport with scheduled service and its distance in km.
    pub(crate) fn nearest_large(&self, p: LatLon) -> Option<(usize, f64)> {
        nearest_by_lat(&self.large_by_lat, |i| self.list[i as usize].position, p).map(|(i, d)| (i as usize, d))
    }

    /// The hub with this IATA code.
    pub(crate) fn by_iata(&self, code: &str) -> Option<usize> {
        self.list.iter().position(|h| h.iata.eq_ignore_ascii_case(code.trim()))
    }
}

/// The nearest airport with scheduled passenger service to a place, and how far it is (km).
#[must_use]
pub fn nearest_hub(p: LatLon) -> (&'static Hub, f64) {
    let h = hubs();
    let (i, d) = h.nearest(p);
    (&h.list[i], d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::geo::haversine_km;

    #[test]
    fn the_nearest_hub_is_the_brute_force_nearest() {
        let h = hubs();
        assert!(h.list.len() > 3000 && h.list.iter().filter(|x| x.large).count() > 300);
        for (lat, lon) in [(-1.2833, 36.8167), (0.52, 33.9), (-5.9, 22.4), (64.1, -21.9), (-89.0, 0.0), (12.1, 15.04)] {
            let p = LatLon::new(lat, lon).unwrap();
            let (i, d) = h.nearest(p);
            let best = h.list.iter().map(|x| haversine_km(p, x.position)).fold(f64::INFINITY, f64::min);
            assert!((d - best).abs() < 1e-9, "{lat},{lon}: {d} vs {best}");
            assert!((haversine_km(p, h.list[i].position) - d).abs() < 1e-9);
        }
        let (nbo, _) = nearest_hub(LatLon::new(-1.2833, 36.8167).unwrap());
        assert!(nbo.iata == "NBO" || nbo.iata == "WIL", "{}", nbo.iata);
        assert!(h.list[h.by_iata("nbo").unwrap()].large);
    }
}
