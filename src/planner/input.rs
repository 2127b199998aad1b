//! Reading the planner's CSV inputs: participants (`name` and `place` or
//! `lat,lon`, optional `weight`), custom candidate hosts (`name,lat,lon`,
//! optional `country`) and known fares (`member,host,fare`). Every problem is
//! reported with its row and column, all of them at once (up to a limit), and
//! nothing is returned unless the whole list is valid.

use std::io::Read;

use super::error::{InputList, PlanError, RowError, RowProblem};
use super::geo::LatLon;
use super::places::resolve;
use super::plan::{Candidate, Traveller};
use super::request::CandidateSource;
use super::travel::{KnownFare, QuotedFare};

/// At most this many problems are listed for one file.
const MAX_ERRORS: usize = 20;

struct Table {
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

fn read_table<R: Read>(reader: R, errors: &mut Vec<RowError>) -> Option<Table> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
    let headers = match rdr.headers() {
        Ok(h) => h.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            errors.push(RowError::new(1, "", RowProblem::Unreadable(e.to_string())));
            return None;
        }
    };
    let mut rows = Vec::new();
    for result in rdr.records() {
        match result {
            Ok(rec) => {
                let line = rec.position().map_or(0, csv::Position::line);
                #[allow(clippy::cast_possible_truncation)]
                rows.push((line as usize, rec));
            }
            Err(e) => {
                #[allow(clippy::cast_possible_truncation)]
                let row = e.position().map_or(0, |p| p.line() as usize);
                let problem = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        RowProblem::FieldCount { expected: *expected_len, found: *len }
                    }
                    csv::ErrorKind::Utf8 { .. } => RowProblem::NotUtf8,
                    _ => RowProblem::Malformed(e.to_string()),
                };
                errors.push(RowError::new(row, "", problem));
                if errors.len() >= MAX_ERRORS {
                    break;
                }
            }
        }
    }
    Some(Table { headers, rows })
}

fn finish<T>(list: InputList, mut errors: Vec<RowError>, value: T) -> Result<T, PlanError> {
    errors.sort_by_key(|e| e.row);
    if errors.is_empty() { Ok(value) } else { Err(PlanError::Input { list, errors }) }
}

fn need_column(t: &Table, name: &str, errors: &mut Vec<RowError>) -> Option<usize> {
    let c = t.column(name);
    if c.is_none() {
        errors.push(RowError::new(1, name, RowProblem::MissingColumn { have: t.headers.clone() }));
    }
    c
}

fn cell(rec: &csv::StringRecord, col: Option<usize>) -> &str {
    col.and_then(|c| rec.get(c)).unwrap_or("")
}

fn parse_coordinate(text: &str, row: usize, column: &str, errors: &mut Vec<RowError>) -> Option<f64> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(RowError::new(row, column, RowProblem::NotANumber(text.to_owned())));
            None
        }
    }
}

fn position(lat: f64, lon: f64, row: usize, errors: &mut Vec<RowError>) -> Option<LatLon> {
    match LatLon::new(lat, lon) {
        Ok(p) => Some(p),
        Err(e) => {
            let column = if matches!(e, super::geo::CoordinateError::Latitude(_)) { "lat" } else { "lon" };
            errors.push(RowError::new(row, column, RowProblem::Coordinate(e)));
            None
        }
    }
}

/// Reads a participant list.
///
/// # Errors
/// [`PlanError::Input`] listing each bad row (missing name, unknown or
/// ambiguous place with the closest matches, bad or out-of-range coordinates,
/// bad weight, malformed line), or [`PlanError::NoTravellers`] for a list with no rows.
pub fn read_travellers<R: Read>(reader: R) -> Result<Vec<Traveller>, PlanError> {
    let what = InputList::Participants;
    let mut errors = Vec::new();
    let Some(t) = read_table(reader, &mut errors) else {
        return finish(what, errors, Vec::new());
    };
    let mut header = Vec::new();
    let name_c = need_column(&t, "name", &mut header);
    let (place_c, lat_c, lon_c, weight_c) = (t.column("place"), t.column("lat"), t.column("lon"), t.column("weight"));
    let passport_c = t.column("passport");
    if place_c.is_none() && (lat_c.is_none() || lon_c.is_none()) {
        header.push(RowError::new(1, "place", RowProblem::NeedPlaceOrLatLon));
    }
    if !header.is_empty() {
        return finish(what, header, Vec::new());
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for (row, rec) in &t.rows {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = *row;
        let name = cell(rec, name_c);
        if name.is_empty() {
            errors.push(RowError::new(row, "name", RowProblem::EmptyName));
            continue;
        }
        let weight = match cell(rec, weight_c) {
            "" => 1,
            w => match w.parse::<u32>() {
                Ok(n) if (1..=super::MAX_WEIGHT).contains(&n) => n,
                _ => {
                    errors.push(RowError::new(row, "weight", RowProblem::BadWeight(w.to_owned())));
                    continue;
                }
            },
        };
        let passports = match parse_passports(cell(rec, passport_c)) {
            Ok(p) => p,
            Err(bad) => {
                errors.push(RowError::new(row, "passport", RowProblem::UnknownPassport(bad)));
                continue;
            }
        };
        let (lat, lon, place) = (cell(rec, lat_c), cell(rec, lon_c), cell(rec, place_c));
        let located = if !lat.is_empty() || !lon.is_empty() {
            let la = parse_coordinate(lat, row, "lat", &mut errors);
            let lo = parse_coordinate(lon, row, "lon", &mut errors);
            match (la, lo) {
                (Some(la), Some(lo)) => position(la, lo, row, &mut errors).map(|p| (p, None)),
                _ => None,
            }
        } else if place.is_empty() {
            errors.push(RowError::new(row, "place", RowProblem::NoPlace));
            None
        } else {
            match resolve(place) {
                Ok(p) => Some((p.position(), Some(p.country))),
                Err(e) => {
                    errors.push(RowError::new(row, "place", RowProblem::Place(e)));
                    None
                }
            }
        };
        if let Some((position, country)) = located {
            let place = (!place.is_empty()).then(|| place.to_owned());
            out.push(Traveller { weight, place, country, passports, ..Traveller::new(name, position) });
        }
    }
    if errors.is_empty() && out.is_empty() {
        return Err(PlanError::NoTravellers);
    }
    finish(what, errors, out)
}

/// Reads a `passport` cell: ISO-2 codes separated by `|` (empty: none given).
/// `Err` holds the first code the visa data does not know.
pub fn parse_passports(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for code in text.split('|').map(str::trim).filter(|c| !c.is_empty()) {
        if !super::visas::is_known_passport(code) {
            return Err(code.to_owned());
        }
        let code = code.to_ascii_uppercase();
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// Reads a custom candidate list (`name,lat,lon`, optional `country`).
///
/// # Errors
/// [`PlanError::Input`] listing each bad row, or [`PlanError::NoCandidates`] when empty.
pub fn read_candidates<R: Read>(reader: R) -> Result<Vec<Candidate>, PlanError> {
    let what = InputList::Candidates;
    let mut errors = Vec::new();
    let Some(t) = read_table(reader, &mut errors) else {
        return finish(what, errors, Vec::new());
    };
    let mut header = Vec::new();
    let cols = ["name", "lat", "lon"].map(|c| need_column(&t, c, &mut header));
    let country_c = t.column("country");
    if !header.is_empty() {
        return finish(what, header, Vec::new());
    }
    let mut out = Vec::new();
    for (row, rec) in &t.rows {
        let row = *row;
        let name = cell(rec, cols[0]);
        if name.is_empty() {
            errors.push(RowError::new(row, "name", RowProblem::EmptyName));
            continue;
        }
        let la = parse_coordinate(cell(rec, cols[1]), row, "lat", &mut errors);
        let lo = parse_coordinate(cell(rec, cols[2]), row, "lon", &mut errors);
        if let (Some(la), Some(lo)) = (la, lo)
            && let Some(position) = position(la, lo, row, &mut errors)
        {
            let country = cell(rec, country_c).to_ascii_uppercase();
            out.push(Candidate { name: name.to_owned(), country, position, population: None });
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() && out.is_empty() {
        return Err(PlanError::NoCandidates { hosts: CandidateSource::Listed, min_population: 0, excluded: 0 });
    }
    finish(what, errors, out)
}

/// Reads known fares (`member,host,fare`).
///
/// # Errors
/// [`PlanError::Input`] listing each bad row.
pub fn read_known_fares<R: Read>(reader: R) -> Result<Vec<KnownFare>, PlanError> {
    let what = InputList::Fares;
    let mut errors = Vec::new();
    let Some(t) = read_table(reader, &mut errors) else {
        return finish(what, errors, Vec::new());
    };
    let mut header = Vec::new();
    let cols = ["member", "host", "fare"].map(|c| need_column(&t, c, &mut header));
    if !header.is_empty() {
        return finish(what, header, Vec::new());
    }
    let mut out = Vec::new();
    for (row, rec) in &t.rows {
        let (member, host, fare) = (cell(rec, cols[0]), cell(rec, cols[1]), cell(rec, cols[2]));
        match fare.trim_start_matches('$').parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 && !member.is_empty() && !host.is_empty() => {
                out.push(KnownFare { member: member.to_owned(), host: host.to_owned(), fare: f });
            }
            _ => errors.push(RowError::new(*row, "fare", RowProblem::BadFare(fare.to_owned()))),
        }
    }
    finish(what, errors, out)
}

/// Reads quoted fares (`from_iata,to_iata,price,currency,quoted_on`; `currency`
/// and `quoted_on` optional). Prices must be in `currency`, the travel model's.
///
/// # Errors
/// [`PlanError::Input`] listing each bad row (unknown airport, bad price, other currency).
pub fn read_quoted_fares<R: Read>(reader: R, currency: &str) -> Result<Vec<QuotedFare>, PlanError> {
    let what = InputList::Fares;
    let mut errors = Vec::new();
    let Some(t) = read_table(reader, &mut errors) else {
        return finish(what, errors, Vec::new());
    };
    let mut header = Vec::new();
    let cols = ["from_iata", "to_iata", "price"].map(|c| need_column(&t, c, &mut header));
    let (currency_c, date_c) = (t.column("currency"), t.column("quoted_on"));
    if !header.is_empty() {
        return finish(what, header, Vec::new());
    }
    let hubs = super::hubs::hubs();
    let mut out = Vec::new();
    for (row, rec) in &t.rows {
        let row = *row;
        let (from, to, price) = (cell(rec, cols[0]), cell(rec, cols[1]), cell(rec, cols[2]));
        let mut ok = true;
        for (column, code) in [("from_iata", from), ("to_iata", to)] {
            if hubs.by_iata(code).is_none() {
                errors.push(RowError::new(row, column, RowProblem::UnknownAirport(code.to_owned())));
                ok = false;
            }
        }
        let found = cell(rec, currency_c);
        if !found.is_empty() && !found.eq_ignore_ascii_case(currency) {
            errors.push(RowError::new(
                row,
                "currency",
                RowProblem::Currency { found: found.to_owned(), expected: currency.to_owned() },
            ));
            ok = false;
        }
        match price.trim_start_matches('$').parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 && ok => out.push(QuotedFare {
                from_iata: from.to_ascii_uppercase(),
                to_iata: to.to_ascii_uppercase(),
                price: p,
                quoted_on: cell(rec, date_c).to_owned(),
            }),
            Ok(p) if p.is_finite() && p >= 0.0 => {}
            _ => errors.push(RowError::new(row, "price", RowProblem::BadFare(price.to_owned()))),
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    finish(what, errors, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::places::PlaceLookupError;

    fn errors_of(r: Result<Vec<Traveller>, PlanError>) -> Vec<RowError> {
        match r {
            Err(PlanError::Input { errors, .. }) => errors,
            other => panic!("expected input errors, got {other:?}"),
        }
    }

    #[test]
    fn places_and_coordinates_and_weights_are_read() {
        let csv = "name,place,lat,lon,weight\nAmina,Nairobi,,,\nKofi,\"Accra, GH\",,,3\nLena,,52.52,13.40,\n";
        let t = read_travellers(csv.as_bytes()).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].weight, 3);
        assert!((t[0].position.lat + 1.28).abs() < 0.1);
        assert!((t[2].position.lon - 13.40).abs() < 1e-9);
    }

    #[test]
    fn an_unknown_place_names_the_row_column_and_closest_matches() {
        let errors = errors_of(read_travellers("name,place\nA,Nairobi\nB,Nairobbi\n".as_bytes()));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 3);
        assert_eq!(errors[0].column, "place");
        assert!(errors[0].suggestions().iter().any(|p| p.name == "Nairobi"));
        assert!(
            matches!(&errors[0].problem, RowProblem::Place(PlaceLookupError::Unknown { query, .. }) if query == "Nairobbi")
        );
    }

    #[test]
    fn an_ambiguous_place_lists_the_namesakes() {
        let errors = errors_of(read_travellers("name,place\nA,Kingston\n".as_bytes()));
        assert!(matches!(&errors[0].problem, RowProblem::Place(PlaceLookupError::Ambiguous { .. })), "{errors:?}");
        assert!(errors[0].suggestions().len() >= 2);
    }

    #[test]
    fn coordinates_out_of_range_and_malformed_lines_are_reported() {
        let errors = errors_of(read_travellers("name,lat,lon\nA,95,10\nB,1,2,3\nC,abc,1\n".as_bytes()));
        assert_eq!(errors.len(), 3);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "lat"));
        assert_eq!(errors[1].problem, RowProblem::FieldCount { expected: 3, found: 4 });
        assert_eq!(errors[1].row, 3);
        assert_eq!(errors[2].problem, RowProblem::NotANumber("abc".into()));
    }

    #[test]
    fn an_empty_list_or_a_missing_column_is_an_error() {
        assert!(matches!(read_travellers("name,place\n".as_bytes()), Err(PlanError::NoTravellers)));
        let errors = errors_of(read_travellers("who,where\nA,B\n".as_bytes()));
        assert_eq!(
            (errors[0].column.as_str(), &errors[0].problem),
            ("name", &RowProblem::MissingColumn { have: vec!["who".into(), "where".into()] })
        );
        assert!(matches!(read_candidates("name,lat,lon\n".as_bytes()), Err(PlanError::NoCandidates { .. })));
    }

    #[test]
    fn passports_are_read_and_an_unknown_one_is_named() {
        let t =
            read_travellers("name,place,passport\nAmina,Nairobi,KE|gb\nNdapewa,Windhoek,NA\nLena,Berlin,\n".as_bytes())
                .unwrap();
        assert_eq!(t[0].passports, ["KE", "GB"]);
        assert_eq!(t[1].passports, ["NA"], "Namibia is a passport, not a missing value");
        assert!(t[2].passports.is_empty());
        assert_eq!(t[2].country.as_deref(), Some("DE"));
        let errors = errors_of(read_travellers("name,place,passport\nA,Nairobi,KE|XX\n".as_bytes()));
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "passport"));
        assert_eq!(errors[0].problem, RowProblem::UnknownPassport("XX".into()));
    }

    #[test]
    fn quoted_fares_are_read_and_bad_rows_named() {
        let q = read_quoted_fares(
            "from_iata,to_iata,price,currency,quoted_on\nnbo,DSS,475,USD,2025-01-20\n".as_bytes(),
            "USD",
        )
        .unwrap();
        assert_eq!((q[0].from_iata.as_str(), q[0].to_iata.as_str(), q[0].price), ("NBO", "DSS", 475.0));
        let bad =
            read_quoted_fares("from_iata,to_iata,price,currency\nNBO,XXQ,475,USD\nNBO,DSS,400,EUR\n".as_bytes(), "USD");
        let Err(PlanError::Input { errors, .. }) = bad else { panic!("{bad:?}") };
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "to_iata"));
        assert_eq!(errors[1].problem, RowProblem::Currency { found: "EUR".into(), expected: "USD".into() });
    }

    #[test]
    fn candidates_and_fares_are_read() {
        let c = read_candidates("name,lat,lon,country\nHub,1.5,2.5,ke\n".as_bytes()).unwrap();
        assert_eq!(c[0].country, "KE");
        let f = read_known_fares("member,host,fare\nAmina,Accra,$475\n".as_bytes()).unwrap();
        assert!((f[0].fare - 475.0).abs() < 1e-9);
        assert!(read_known_fares("member,host,fare\nA,B,-3\n".as_bytes()).is_err());
    }
}
