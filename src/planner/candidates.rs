//! Host candidate lists built from the bundled gazetteer: cities above a
//! population threshold (with city districts merged into the larger city) and
//! airports with scheduled passenger service.

use std::collections::HashMap;

use super::geo::{LatLon, haversine_km};
use super::hubs::hubs;
use super::places::{City, gazetteer, nearest_city};
use super::plan::{Candidate, Traveller};

/// With the default candidates: a city at most this far (km) from a large
/// airport with scheduled service counts as served by it.
pub const LARGE_AIRPORT_KM: f64 = 50.0;
/// With the default candidates: the smallest city a large airport makes a candidate.
pub const SERVED_CITY_MIN_POPULATION: u64 = 100_000;

/// Grid cells per degree in [`city_candidates`].
const CELLS_PER_DEGREE: f64 = 4.0;
/// Cells around a circle of latitude.
const N_LON: i32 = 1440;

/// Host candidates from the gazetteer's cities of at least `min_population`
/// people, the largest first. Cities closer than `merge_km` to a larger kept
/// city are dropped (so Brooklyn does not compete with New York); 0 keeps all.
#[must_use]
pub fn city_candidates(min_population: u64, merge_km: f64) -> Vec<Candidate> {
    let g = gazetteer();
    let list: Vec<Candidate> = g.cities.iter().filter(|c| c.population >= min_population).map(candidate).collect();
    merge_close(list, merge_km)
}

fn candidate(c: &City) -> Candidate {
    Candidate { name: c.name.clone(), country: c.country.clone(), position: c.position, population: Some(c.population) }
}

/// The hosts a steward would trust by default: the members' own cities (the
/// gazetteer city nearest each home), every capital, and every city of at least
/// [`SERVED_CITY_MIN_POPULATION`] people within [`LARGE_AIRPORT_KM`] of a large
/// airport with scheduled service; districts within `merge_km` of a larger one merged.
#[must_use]
pub fn reachable_candidates(travellers: &[Traveller], merge_km: f64) -> Vec<Candidate> {
    let g = gazetteer();
    let h = hubs();
    let mut list: Vec<Candidate> = Vec::new();
    for t in travellers {
        if let Some((p, _)) = nearest_city(t.position) {
            list.push(Candidate {
                name: p.name.clone(),
                country: p.country.clone(),
                position: p.position(),
                population: Some(p.population),
            });
        }
    }
    for c in &g.capitals {
        match nearest_city(c.position) {
            Some((p, d)) if d < merge_km.max(10.0) => list.push(Candidate {
                name: p.name.clone(),
                country: p.country.clone(),
                position: p.position(),
                population: Some(p.population),
            }),
            _ => list.push(Candidate {
                name: c.name.clone(),
                country: c.country.clone(),
                position: c.position,
                population: None,
            }),
        }
    }
    for c in g.cities.iter().filter(|c| c.population >= SERVED_CITY_MIN_POPULATION) {
        let (i, d) = h.nearest(c.position);
        if d <= LARGE_AIRPORT_KM && h.list[i].large {
            list.push(candidate(c));
        }
    }
    merge_close(list, merge_km)
}

/// Keeps the most populous of candidates closer than `merge_km` to each other
/// (0 keeps all but exact duplicates), the largest first.
fn merge_close(mut order: Vec<Candidate>, merge_km: f64) -> Vec<Candidate> {
    order.sort_by(|a, b| {
        b.population
            .unwrap_or(0)
            .cmp(&a.population.unwrap_or(0))
            .then(a.name.cmp(&b.name))
            .then(a.position.lat.total_cmp(&b.position.lat).then(a.position.lon.total_cmp(&b.position.lon)))
    });
    order.dedup_by(|a, b| a.name == b.name && a.country == b.country && a.position == b.position);
    // A grid of quarter-degree cells: a city only needs checking against kept
    // cities in nearby cells. Indices stay small (|lat| ≤ 360, |lon| ≤ 720), so
    // the float-to-int conversions below cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let index = |v: f64| v.floor().clamp(-2000.0, 2000.0) as i32;
    let wrap = |j: i32| (j + N_LON / 2).rem_euclid(N_LON) - N_LON / 2;
    let cell = |p: LatLon| (index(p.lat * CELLS_PER_DEGREE), wrap(index(p.lon * CELLS_PER_DEGREE)));
    let mut grid: HashMap<(i32, i32), Vec<LatLon>> = HashMap::new();
    let mut out = Vec::new();
    for c in order {
        if merge_km > 0.0 {
            let (ci, cj) = cell(c.position);
            let km_per_cell = 111.0 / CELLS_PER_DEGREE;
            let lat_cells = index(merge_km / km_per_cell) + 2;
            let coslat = c.position.lat.to_radians().cos();
            let lon_cells =
                if coslat < 0.05 { N_LON / 2 } else { (index(merge_km / (km_per_cell * coslat)) + 2).min(N_LON / 2) };
            let near = (ci - lat_cells..=ci + lat_cells).any(|i| {
                (cj - lon_cells..=cj + lon_cells).any(|j| {
                    let j = wrap(j);
                    grid.get(&(i, j)).is_some_and(|v| v.iter().any(|p| haversine_km(*p, c.position) < merge_km))
                })
            });
            if near {
                continue;
            }
            grid.entry(cell(c.position)).or_default().push(c.position);
        }
        out.push(c);
    }
    out
}

/// Host candidates from airports with scheduled passenger service, named
/// "Municipality (IATA)".
#[must_use]
pub fn airport_candidates() -> Vec<Candidate> {
    gazetteer()
        .airports
        .iter()
        .filter(|a| a.scheduled == "yes" && !a.iata.is_empty())
        .filter_map(|a| {
            let position = LatLon::new(a.lat, a.lon).ok()?;
            let town = if a.municipality.is_empty() { &a.name } else { &a.municipality };
            Some(Candidate {
                name: format!("{town} ({})", a.iata),
                country: a.country.clone(),
                position,
                population: None,
            })
        })
        .collect()
}

/// Drops candidates named in `exclusions`: a city name (accents and case ignored) or a
/// two-letter country code (every candidate in that country).
pub fn exclude(list: &mut Vec<Candidate>, exclusions: &[String]) {
    if exclusions.is_empty() {
        return;
    }
    let names: Vec<String> = exclusions.iter().map(|e| crate::planner::places::fold(e.trim())).collect();
    let codes: Vec<String> =
        exclusions.iter().map(|e| e.trim()).filter(|e| e.len() == 2).map(str::to_ascii_uppercase).collect();
    list.retain(|c| !codes.contains(&c.country) && !names.contains(&crate::planner::places::fold(&c.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_merge_city_districts_into_the_larger_city() {
        let all = city_candidates(1_000_000, 0.0);
        let merged = city_candidates(1_000_000, 25.0);
        assert!(merged.len() < all.len());
        assert!(merged.iter().any(|c| c.name == "New York City"));
        assert!(!merged.iter().any(|c| c.name == "Brooklyn"));
        assert!(city_candidates(0, 0.0).len() > 30_000);
        let airports = airport_candidates();
        assert!(airports.len() > 1000 && airports.iter().any(|a| a.name.contains("(NBO)")));
    }

    #[test]
    fn default_candidates_are_members_cities_capitals_and_large_airport_cities() {
        let members = vec![
            Traveller::at("Near Soroti", 1.72, 33.61, 1).unwrap(),
            Traveller::at("Kakamega", 0.28, 34.75, 1).unwrap(),
        ];
        let list = reachable_candidates(&members, 25.0);
        let has = |n: &str| list.iter().any(|c| c.name == n);
        assert!(has("Soroti") && has("Kakamega"), "members' own cities");
        assert!(has("Kampala") && has("Nairobi") && has("Addis Ababa") && has("N'Djamena"), "capitals");
        assert!(has("Johannesburg") && has("Dubai"), "cities with a large airport");
        assert!(!has("Kananga"), "neither a capital, nor a member's city, nor served by a large airport");
        assert!(list.len() > 300 && list.len() < 3000, "{}", list.len());
    }
}
