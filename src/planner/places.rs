//! The bundled gazetteer: GeoNames cities (≥ 15,000 people), countries and
//! OurAirports airports, embedded in the binary and parsed once on first use.
//! Finds places by name (accent- and case-insensitive prefix search), resolves
//! a typed name to one city or explains why it cannot.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::alternates;
use super::geo::{LatLon, haversine_km};

const CITIES_CSV: &str = include_str!("../../data/geodata/cities15000.csv");
const COUNTRIES_CSV: &str = include_str!("../../data/geodata/countries.csv");
const AIRPORTS_CSV: &str = include_str!("../../data/geodata/airports.csv");

/// A place people live in or meet in: a city of the gazetteer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The city's name as GeoNames spells it (accents kept).
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The country's English name.
    pub country_name: String,
    /// GeoNames first-level administrative division code (a state or region).
    pub admin1: String,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Population as recorded by GeoNames.
    pub population: u64,
    /// The other name the search matched ("Bombay" for Mumbai), when it was not the city's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

impl Place {
    /// "Name, CC": the form a participant list can use to name this place.
    #[must_use]
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, self.country)
    }

    /// The place's coordinates.
    #[must_use]
    pub fn position(&self) -> LatLon {
        LatLon { lat: self.lat, lon: self.lon }
    }
}

/// Why a typed place name did not resolve to exactly one city, as data (the
/// command line and the web word it; `Display` is a short technical form).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlaceLookupError {
    /// No city has that name; `suggestions` are the closest spellings.
    #[error("unknown place {query:?} ({} suggestions)", suggestions.len())]
    Unknown {
        /// What was typed.
        query: String,
        /// Closest known places, best first.
        suggestions: Vec<Place>,
    },
    /// Several cities share the name and none clearly dominates.
    #[error("ambiguous place {query:?} ({} matches)", matches.len())]
    Ambiguous {
        /// What was typed.
        query: String,
        /// The candidates, most populous first.
        matches: Vec<Place>,
    },
}

#[derive(Deserialize)]
struct CityRow {
    geonameid: u32,
    name: String,
    country: String,
    admin1: String,
    lat: f64,
    lon: f64,
    population: u64,
    timezone: String,
}

#[derive(Deserialize)]
struct CountryRow {
    iso2: String,
    name: String,
    continent: String,
    capital: String,
    capital_lat: Option<f64>,
    capital_lon: Option<f64>,
}

/// A country's capital (countries.csv): its name and coordinates.
pub(super) struct Capital {
    pub(super) country: String,
    pub(super) name: String,
    pub(super) position: LatLon,
}

#[derive(Deserialize)]
pub(super) struct AirportRow {
    pub(super) iata: String,
    /// `large_airport` or `medium_airport` (OurAirports' `type`).
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) municipality: String,
    pub(super) country: String,
    pub(super) scheduled: String,
    pub(super) lat: f64,
    pub(super) lon: f64,
}

pub(super) struct City {
    id: u32,
    pub(super) name: String,
    folded: String,
    pub(super) country: String,
    admin1: String,
    pub(super) position: LatLon,
    pub(super) population: u64,
    /// IANA time zone (`Africa/Nairobi`).
    pub(super) timezone: String,
}

pub(super) struct Gazetteer {
    pub(super) cities: Vec<City>,
    /// City indices sorted by folded name, then population (largest first).
    by_name: Vec<u32>,
    /// GeoNames id → city index.
    by_id: HashMap<u32, u32>,
    /// ISO alpha-2 → (name, continent code).
    countries: HashMap<String, (String, String)>,
    pub(super) airports: Vec<AirportRow>,
    /// Capitals with coordinates.
    pub(super) capitals: Vec<Capital>,
    /// City indices sorted by latitude (nearest-city search).
    by_lat: Vec<u32>,
}

pub(super) fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let mut cities: Vec<City> = csv::Reader::from_reader(CITIES_CSV.as_bytes())
            .deserialize::<CityRow>()
            .filter_map(Result::ok)
            .filter_map(|r| {
                let position = LatLon::new(r.lat, r.lon).ok()?;
                Some(City {
                    id: r.geonameid,
                    folded: fold(&r.name),
                    name: r.name,
                    country: r.country,
                    admin1: r.admin1,
                    position,
                    population: r.population,
                    timezone: r.timezone,
                })
            })
            .collect();
        cities.shrink_to_fit();
        let mut by_name: Vec<u32> = (0..u32::try_from(cities.len()).unwrap_or(u32::MAX)).collect();
        by_name.sort_by(|&a, &b| {
            let (a, b) = (&cities[a as usize], &cities[b as usize]);
            a.folded.cmp(&b.folded).then(b.population.cmp(&a.population))
        });
        let rows: Vec<CountryRow> = csv::Reader::from_reader(COUNTRIES_CSV.as_bytes())
            .deserialize::<CountryRow>()
            .filter_map(Result::ok)
            .collect();
        let capitals = rows
            .iter()
            .filter_map(|c| {
                let position = LatLon::new(c.capital_lat?, c.capital_lon?).ok()?;
                (!c.capital.is_empty()).then(|| Capital { country: c.iso2.clone(), name: c.capital.clone(), position })
            })
            .collect();
        let countries = rows.into_iter().map(|c| (c.iso2, (c.name, c.continent))).collect();
        let mut by_lat: Vec<u32> = (0..u32::try_from(cities.len()).unwrap_or(u32::MAX)).collect();
        by_lat.sort_by(|&a, &b| cities[a as usize].position.lat.total_cmp(&cities[b as usize].position.lat));
        let airports = csv::Reader::from_reader(AIRPORTS_CSV.as_bytes())
            .deserialize::<AirportRow>()
            .filter_map(Result::ok)
            .collect();
        let by_id = cities.iter().zip(0..).map(|(c, i)| (c.id, i)).collect();
        Gazetteer { cities, by_name, by_id, countries, airports, capitals, by_lat }
    })
}

/// Km per degree of latitude (an upper bound on the great-circle km per
/// degree of latitude difference is not needed: this is a lower bound).
const KM_PER_DEGREE_LAT: f64 = 111.19;

/// The index (into `items`, sorted by latitude through `order`) nearest to `p`:
/// scans outwards from `p`'s latitude and stops once the latitude difference
/// alone is farther than the best found. Exact.
pub(super) fn nearest_by_lat(order: &[u32], lat_of: impl Fn(u32) -> LatLon, p: LatLon) -> Option<(u32, f64)> {
    let start = order.partition_point(|&i| lat_of(i).lat < p.lat);
    let mut best: Option<(u32, f64)> = None;
    let (mut down, mut up) = (start, start);
    loop {
        let limit = best.map_or(f64::INFINITY, |b| b.1);
        let next_up = order.get(up).filter(|&&i| (lat_of(i).lat - p.lat) * KM_PER_DEGREE_LAT <= limit);
        let next_down = down
            .checked_sub(1)
            .and_then(|d| order.get(d))
            .filter(|&&i| (p.lat - lat_of(i).lat) * KM_PER_DEGREE_LAT <= limit);
        if next_up.is_none() && next_down.is_none() {
            return best;
        }
        for &i in next_up.into_iter().chain(next_down) {
            let d = haversine_km(p, lat_of(i));
            if best.is_none_or(|b| d < b.1) {
                best = Some((i, d));
            }
        }
        if next_up.is_some() {
            up += 1;
        }
        if next_down.is_some() {
            down -= 1;
        }
    }
}

/// The gazetteer city nearest to a position, and how far it is (km).
#[must_use]
pub fn nearest_city(p: LatLon) -> Option<(Place, f64)> {
    let g = gazetteer();
    nearest_by_lat(&g.by_lat, |i| g.cities[i as usize].position, p).map(|(i, d)| (to_place(&g.cities[i as usize]), d))
}

/// The IANA time zone of the gazetteer city nearest to a position, with that
/// city's label and distance (km), so a caller can say where it came from.
#[must_use]
pub fn nearest_timezone(p: LatLon) -> Option<(&'static str, String, f64)> {
    let g = gazetteer();
    let (i, d) = nearest_by_lat(&g.by_lat, |i| g.cities[i as usize].position, p)?;
    let c = &g.cities[i as usize];
    Some((c.timezone.as_str(), format!("{}, {}", c.name, c.country), d))
}

/// Folds a name for matching: transliterated to ASCII (accents dropped),
/// lower case, every run of non-alphanumeric characters a single space.
#[must_use]
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The English name of a country from its ISO alpha-2 code.
#[must_use]
pub fn country_name(iso2: &str) -> Option<&'static str> {
    gazetteer().countries.get(&iso2.to_ascii_uppercase()).map(|c| c.0.as_str())
}

/// The continent code (AF, AN, AS, EU, NA, OC, SA) of a country from its ISO alpha-2 code.
#[must_use]
pub fn continent(iso2: &str) -> Option<&'static str> {
    gazetteer().countries.get(&iso2.to_ascii_uppercase()).map(|c| c.1.as_str())
}

fn to_place(c: &City) -> Place {
    Place {
        name: c.name.clone(),
        country: c.country.clone(),
        country_name: country_name(&c.country).unwrap_or_default().to_owned(),
        admin1: c.admin1.clone(),
        lat: c.position.lat,
        lon: c.position.lon,
        population: c.population,
        matched: None,
    }
}

/// Splits "Name, Country" into the folded name and a country code, when the
/// part after the last comma is an ISO code or a country's name (in English,
/// French, Spanish or Portuguese). `Err` holds the unrecognised country text.
fn split_country(query: &str) -> Result<(String, Option<String>), String> {
    let Some((name, tail)) = query.rsplit_once(',') else {
        return Ok((fold(query), None));
    };
    let tail = tail.trim();
    let g = gazetteer();
    let upper = tail.to_ascii_uppercase();
    if g.countries.contains_key(&upper) {
        return Ok((fold(name), Some(upper)));
    }
    let folded_tail = fold(tail);
    g.countries
        .iter()
        .find(|(_, (n, _))| fold(n) == folded_tail)
        .map(|(code, _)| code.clone())
        .or_else(|| alternates::country_code(tail).map(str::to_owned))
        .map(|code| (fold(name), Some(code)))
        .or_else(|| {
            // Some country names hold a comma ("Congo, República Democrática del").
            let (name, tail) = query.split_once(',')?;
            alternates::country_code(tail.trim()).map(|code| (fold(name), Some(code.to_owned())))
        })
        .ok_or_else(|| tail.to_owned())
}

/// Index range in `by_name` of the cities whose folded name starts with `prefix`.
fn prefix_range(prefix: &str) -> std::ops::Range<usize> {
    let g = gazetteer();
    let name = |i: &u32| g.cities[*i as usize].folded.as_str();
    let start = g.by_name.partition_point(|i| name(i) < prefix);
    let len = g.by_name[start..].partition_point(|i| name(i).starts_with(prefix));
    start..start + len
}

/// Cities whose name — their own or another GeoNames knows (Bombay, Addis-Abeba,
/// an airport code, a name in another script) — starts with the query, accent- and
/// case-insensitively; exact names first, then by population. "Name, CC" (or
/// ", Country" in English, French, Spanish or Portuguese) limits the search to one
/// country. A city found by another name says which in [`Place::matched`].
#[must_use]
pub fn search(query: &str, limit: usize) -> Vec<Place> {
    let Ok((name, country)) = split_country(query) else {
        return Vec::new();
    };
    if name.is_empty() {
        return Vec::new();
    }
    let g = gazetteer();
    let in_country = |c: &City| country.as_ref().is_none_or(|cc| &c.country == cc);
    // (city index, exact, matched by another name)
    let mut hits: Vec<(u32, bool, Option<&'static str>)> = g.by_name[prefix_range(&name)]
        .iter()
        .filter(|&&i| in_country(&g.cities[i as usize]))
        .map(|&i| (i, g.cities[i as usize].folded == name, None))
        .collect();
    for (id, text, exact) in alternates::matching(&name, false) {
        if let Some(&i) = g.by_id.get(&id)
            && in_country(&g.cities[i as usize])
        {
            hits.push((i, exact, Some(text)));
        }
    }
    // Per city the best match: exact before prefix, its own name before another.
    hits.sort_by_key(|&(i, exact, other)| (i, !exact, other.is_some()));
    hits.dedup_by_key(|h| h.0);
    hits.sort_by(|a, b| {
        let (ca, cb) = (&g.cities[a.0 as usize], &g.cities[b.0 as usize]);
        b.1.cmp(&a.1).then(cb.population.cmp(&ca.population))
    });
    hits.into_iter()
        .take(limit)
        .map(|(i, _, other)| Place { matched: other.map(str::to_owned), ..to_place(&g.cities[i as usize]) })
        .collect()
}

/// The places whose names are closest to the query by edit distance (for
/// "did you mean"), one per name and country, most populous first among equals.
#[must_use]
pub fn closest_matches(query: &str, limit: usize) -> Vec<Place> {
    let (name, country) = split_country(query).unwrap_or_else(|_| (fold(query.split(',').next().unwrap_or("")), None));
    if name.is_empty() {
        return Vec::new();
    }
    let g = gazetteer();
    let q: Vec<u8> = name.bytes().collect();
    let mut scored: Vec<(usize, u64, u32)> = Vec::new();
    let mut previous: Option<&str> = None;
    let mut row = Vec::new();
    let mut last_score = 0;
    for &i in &g.by_name {
        let c = &g.cities[i as usize];
        if country.as_ref().is_some_and(|cc| &c.country != cc) {
            continue;
        }
        let score = if previous == Some(c.folded.as_str()) {
            last_score
        } else {
            let s = edit_distance(&q, c.folded.as_bytes(), &mut row);
            // A typed prefix of a longer name is a near miss, not a far one.
            let s = if c.folded.starts_with(&name) { s.min(1) } else { s };
            previous = Some(c.folded.as_str());
            last_score = s;
            s
        };
        scored.push((score, c.population, i));
    }
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<Place> = Vec::new();
    for (_, _, i) in scored {
        let p = to_place(&g.cities[i as usize]);
        if !out.iter().any(|o| o.name == p.name && o.country == p.country) {
            out.push(p);
        }
        if out.len() == limit {
            break;
        }
    }
    out
}

/// Levenshtein distance between two byte strings, reusing `row` as scratch.
fn edit_distance(a: &[u8], b: &[u8], row: &mut Vec<usize>) -> usize {
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Same-named cities closer than this are one place (GeoNames lists some
/// city districts as cities).
const SAME_PLACE_KM: f64 = 30.0;
/// A name resolves to its most populous city when that city is at least this
/// many times larger than the next one (London, GB rather than London, CA).
const DOMINANCE: u64 = 10;

/// Resolves a typed place ("Nairobi", "São Paulo, BR", "kingston, jamaica")
/// to one city.
///
/// # Errors
/// [`PlaceLookupError::Unknown`] with the closest matches when no city has the
/// name; [`PlaceLookupError::Ambiguous`] when several do and none has ten
/// times the population of the next.
pub fn resolve(query: &str) -> Result<Place, PlaceLookupError> {
    let unknown =
        || PlaceLookupError::Unknown { query: query.trim().to_owned(), suggestions: closest_matches(query, 5) };
    let (name, country) = split_country(query).map_err(|_| unknown())?;
    if name.is_empty() {
        return Err(unknown());
    }
    let g = gazetteer();
    let in_country = |c: &City| country.as_ref().is_none_or(|cc| &c.country == cc);
    let mut exact: Vec<&City> = g.by_name[prefix_range(&name)]
        .iter()
        .map(|&i| &g.cities[i as usize])
        .filter(|c| c.folded == name && in_country(c))
        .collect();
    // No city has that name of its own: try the names GeoNames knows besides
    // (Bombay, Addis-Abeba, airport codes), largest city first.
    let mut other = None;
    if exact.is_empty() {
        for (id, text, _) in alternates::matching(&name, true) {
            if let Some(c) = g.by_id.get(&id).map(|&i| &g.cities[i as usize])
                && in_country(c)
                && !exact.iter().any(|e| e.id == c.id)
            {
                exact.push(c);
                other.get_or_insert(text);
            }
        }
        exact.sort_by_key(|c| std::cmp::Reverse(c.population));
    }
    let found = |c: &City| Place { matched: other.map(str::to_owned), ..to_place(c) };
    // Already ordered by population, largest first; drop districts of a larger namesake.
    let mut distinct: Vec<&City> = Vec::new();
    for c in exact {
        if !distinct.iter().any(|d| haversine_km(d.position, c.position) < SAME_PLACE_KM) {
            distinct.push(c);
        }
    }
    match distinct.as_slice() {
        [] => Err(unknown()),
        [one] => Ok(found(one)),
        [first, second, ..] if first.population >= DOMINANCE.saturating_mul(second.population.max(1)) => {
            Ok(found(first))
        }
        many => Err(PlaceLookupError::Ambiguous {
            query: query.trim().to_owned(),
            matches: many.iter().take(8).map(|c| to_place(c)).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_ignores_accents_and_case_and_shows_the_country() {
        let hits = search("sao pa", 5);
        assert_eq!(hits[0].name, "São Paulo");
        assert_eq!(hits[0].country, "BR");
        assert_eq!(hits[0].country_name, "Brazil");
        let hits = search("BOGOTÁ", 3);
        assert_eq!(hits[0].name, "Bogotá");
        assert!(search("nair", 10).iter().any(|p| p.name == "Nairobi" && p.country == "KE"));
        assert!(search("", 5).is_empty());
    }

    #[test]
    fn a_country_suffix_narrows_the_search() {
        let hits = search("London, CA", 5);
        assert!(!hits.is_empty() && hits.iter().all(|p| p.country == "CA"));
        let hits = search("kingston, jamaica", 5);
        assert_eq!(hits[0].country, "JM");
    }

    #[test]
    fn a_dominant_namesake_resolves_and_a_close_call_is_ambiguous() {
        assert_eq!(resolve("London").unwrap().country, "GB");
        assert_eq!(resolve("paris").unwrap().country, "FR");
        assert_eq!(resolve("Nairobi, KE").unwrap().name, "Nairobi");
        match resolve("Kingston") {
            Err(PlaceLookupError::Ambiguous { matches, .. }) => {
                assert!(matches.iter().any(|p| p.country == "JM"));
                assert!(matches.iter().any(|p| p.country == "CA"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(resolve("Kingston, JM").unwrap().country, "JM");
    }

    #[test]
    fn an_unknown_place_comes_with_the_closest_matches() {
        match resolve("Nairobbi") {
            Err(PlaceLookupError::Unknown { suggestions, .. }) => {
                assert!(suggestions.iter().any(|p| p.label() == "Nairobi, KE"), "{suggestions:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(resolve("Lagos, Atlantis"), Err(PlaceLookupError::Unknown { .. })));
    }
}
