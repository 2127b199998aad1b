//! The planner form: the people list ("Name; Place[; people[; passports]]"),
//! the first-stage choices (objective, k, hosts, exclusions) and the
//! second-stage options (pinned hosts, visa policy, a virtual slot, the hybrid
//! frontier, a budget), read into one planner request; and the planner's
//! refusals, said in the reader's language.

use super::plan::{MAX_K, Msg, PlanForm};
use crate::planner::{
    self, BudgetRequest, CandidateSource, Objective, PlaceLookupError, PlanError, PlanRequest, RowError, RowProblem,
    SlotRequest, Spread, TravelModel, Traveller, VisaPolicy,
};

impl PlanForm {
    /// A new form: the people list given, every choice at the planner's default.
    pub(super) fn fresh(people: String, date: &str) -> Self {
        Self {
            people,
            objective: "total-cost".into(),
            k: "1".into(),
            candidates: "reachable".into(),
            min_population: planner::DEFAULT_MIN_POPULATION.to_string(),
            visa_policy: "no-refusal".into(),
            max_advance_visas: "0".into(),
            slot_hours: String::new(),
            slot_on: date.to_owned(),
            slot_window: planner::slots::DEFAULT_WINDOW.into(),
            overlap_hours: "3".into(),
            ..Self::default()
        }
    }
}

/// The linked gathering asked for, if any (its date and window are the virtual slot's).
fn linked(f: &PlanForm, errors: &mut Vec<Msg>) -> Option<planner::LinkedRequest> {
    let k = f.linked_k.trim();
    if k.is_empty() {
        return None;
    }
    let number = |t: &str| t.trim().replace([',', ' ', '\u{a0}', '\u{202f}'], "").parse::<u64>().ok();
    let k = k.parse::<usize>().ok().filter(|k| (2..=MAX_K).contains(k));
    let overlap = f.overlap_hours.trim().replace(',', ".").parse::<f64>().ok().filter(|h| (0.0..=24.0).contains(h));
    let min = if f.min_per_hub.trim().is_empty() { Some(0) } else { number(&f.min_per_hub) };
    let max = if f.max_per_hub.trim().is_empty() { Some(None) } else { number(&f.max_per_hub).map(Some) };
    if let (Some(k), Some(overlap_hours), Some(min_per_hub), Some(max_per_hub)) = (k, overlap, min, max) {
        Some(planner::LinkedRequest {
            k,
            overlap_hours,
            min_per_hub,
            max_per_hub,
            on: f.slot_on.trim().to_owned(),
            window: f.slot_window.trim().to_owned(),
        })
    } else {
        errors.push(Msg::new("plan-err-linked-form", &[("max", &MAX_K.to_string())]));
        None
    }
}

/// The second-stage options as a request (every other field at its default).
fn options(f: &PlanForm) -> Result<PlanRequest, Vec<Msg>> {
    let mut errors = Vec::new();
    let pin: Vec<String> =
        f.pin.split([';', '\n']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
    let visa_policy = match f.visa_policy.as_str() {
        "any" => VisaPolicy::Any,
        "no-advance-visa" => VisaPolicy::NoAdvanceVisa,
        _ => VisaPolicy::NoRefusal,
    };
    let max_advance_visas = match f.max_advance_visas.trim() {
        "" => 0,
        t => t.parse::<u64>().unwrap_or_else(|_| {
            errors.push(Msg::new("plan-err-max-visas", &[]));
            0
        }),
    };
    let slots = match f.slot_hours.trim() {
        "" => None,
        h => match h.replace(',', ".").parse::<f64>() {
            Ok(hours) if hours > 0.0 && hours <= 24.0 => {
                Some(SlotRequest { hours, on: f.slot_on.trim().to_owned(), window: f.slot_window.trim().to_owned() })
            }
            _ => {
                errors.push(Msg::new("plan-err-slot-length", &[]));
                None
            }
        },
    };
    let budget = match f.budget.trim() {
        "" => None,
        b => match b.replace([',', ' ', '\u{a0}', '\u{202f}', '$'], "").parse::<f64>() {
            Ok(amount) if amount.is_finite() && amount > 0.0 => Some(BudgetRequest {
                amount,
                spread: match f.spread.as_str() {
                    "country" => Some(Spread::Country),
                    "region" => Some(Spread::Region),
                    _ => None,
                },
            }),
            _ => {
                errors.push(Msg::new("plan-err-budget-number", &[]));
                None
            }
        },
    };
    let linked = linked(f, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PlanRequest {
        linked,
        pin,
        visa_policy,
        max_advance_visas,
        slots,
        hybrid: f.hybrid == "on",
        budget,
        ..PlanRequest::default()
    })
}

/// Reads "Name; Place[; people]" or "Name; lat, lon[; people]" lines (`#` starts a
/// comment) into travellers, each keeping its place as resolved ("Nairobi, KE") or
/// typed coordinates. Every bad line is reported with its number; place problems
/// offer the closest known places; a number of people must be 1 or more.
pub fn parse_people_up_to(text: &str, max_people: usize) -> Result<Vec<Traveller>, Vec<Msg>> {
    let mut people = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let n = n + 1;
        let (name, where_, weight, passports) = match parts.as_slice() {
            [name, place] => (*name, *place, "1", ""),
            [name, place, w] => (*name, *place, *w, ""),
            [name, place, w, passports] => (*name, *place, if w.is_empty() { "1" } else { *w }, *passports),
            _ => {
                errors.push(Msg::line("plan-err-format", n, &[]));
                continue;
            }
        };
        if name.is_empty() || where_.is_empty() {
            errors.push(Msg::line("plan-err-missing", n, &[]));
            continue;
        }
        let weight = match weight.parse::<u32>() {
            Ok(0) => {
                errors.push(Msg::line("plan-err-weight-zero", n, &[]));
                continue;
            }
            Ok(w) if w > planner::MAX_WEIGHT => {
                errors.push(Msg::line("plan-err-weight-large", n, &[("max", &planner::MAX_WEIGHT.to_string())]));
                continue;
            }
            Ok(w) => w,
            Err(_) => {
                errors.push(Msg::line("plan-err-weight", n, &[("value", weight)]));
                continue;
            }
        };
        let passports = match planner::input::parse_passports(passports) {
            Ok(p) => p,
            Err(code) => {
                errors.push(Msg::line("plan-err-passport-line", n, &[("passport", &code)]));
                continue;
            }
        };
        let coords = where_
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
        let (place, lat, lon, country) = if let Some((lat, lon)) = coords {
            if Traveller::at(name, lat, lon, 1).is_err() {
                errors.push(Msg::line("plan-err-coordinates", n, &[]));
                continue;
            }
            (format!("{lat}, {lon}"), lat, lon, None)
        } else {
            match planner::resolve(where_) {
                Ok(p) => (p.label(), p.lat, p.lon, Some(p.country)),
                Err(PlaceLookupError::Unknown { query, suggestions }) => {
                    let s: Vec<String> = suggestions.iter().map(planner::Place::label).collect();
                    errors.push(Msg::line(
                        "plan-err-unknown",
                        n,
                        &[("place", &query), ("suggestions", &s.join(" · "))],
                    ));
                    continue;
                }
                Err(PlaceLookupError::Ambiguous { query, matches }) => {
                    let s: Vec<String> = matches.iter().take(5).map(planner::Place::label).collect();
                    errors.push(Msg::line(
                        "plan-err-ambiguous",
                        n,
                        &[("place", &query), ("suggestions", &s.join(" · "))],
                    ));
                    continue;
                }
            }
        };
        match Traveller::at(name, lat, lon, weight) {
            Ok(t) => people.push(Traveller { place: Some(place), country, passports, ..t }),
            Err(_) => errors.push(Msg::line("plan-err-coordinates", n, &[])),
        }
    }
    if people.len() > max_people {
        errors.push(Msg::new("plan-err-too-many", &[("max", &max_people.to_string())]));
    }
    if people.is_empty() && errors.is_empty() {
        errors.push(Msg::new("plan-err-empty", &[]));
    }
    if errors.is_empty() { Ok(people) } else { Err(errors) }
}

/// The form as a planner request: the people list, objective, k, hosts and
/// exclusions; every other field keeps the planner's defaults (the same as the
/// command line's), and the community's travel model comes along.
pub(super) fn parse_form(
    f: &PlanForm,
    model: planner::TravelModel,
    limits: &crate::config::PlannerConfig,
) -> Result<PlanRequest, Vec<Msg>> {
    let people = parse_people_up_to(&f.people, limits.max_people);
    let mut errors = people.as_ref().err().cloned().unwrap_or_default();
    let objective = if f.objective.is_empty() { Ok(Objective::TotalCost) } else { f.objective.parse::<Objective>() };
    if objective.is_err() {
        errors.push(Msg::new("plan-err-objective", &[]));
    }
    let k = f.k.trim().parse::<usize>().unwrap_or(0);
    if !(1..=limits.max_k).contains(&k) {
        errors.push(Msg::new("plan-err-k", &[("max", &limits.max_k.to_string())]));
    }
    let candidates = match f.candidates.as_str() {
        "airports" => CandidateSource::Airports,
        "cities" => CandidateSource::Cities,
        _ => CandidateSource::Reachable,
    };
    let options = options(f);
    if let Err(e) = &options {
        errors.extend(e.iter().cloned());
    }
    let min_population = match f.min_population.trim() {
        "" => Some(planner::DEFAULT_MIN_POPULATION),
        text => text.replace([',', ' ', '_', '\u{a0}', '\u{202f}'], "").parse::<u64>().ok(),
    };
    if min_population.is_none() {
        errors.push(Msg::new("plan-err-population", &[]));
    }
    let mut model = model;
    if let Err(e) = add_fares(&f.fares, &mut model) {
        errors.extend(e);
    }
    match (people, objective, min_population, options) {
        (Ok(travellers), Ok(objective), Some(min_population), Ok(options)) if errors.is_empty() => {
            let exclude = f.exclude.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect();
            Ok(PlanRequest {
                travellers,
                objective,
                k,
                candidates,
                min_population,
                exclude,
                model,
                time_limit_secs: limits.time_limit_seconds.clamp(1, 3600),
                ..options
            })
        }
        _ => Err(errors),
    }
}

/// Adds the fares typed, pasted or uploaded with the form to the model: quoted
/// fares between airports (`from_iata,to_iata,price,currency,quoted_on`) or
/// known fares per member and host (`member,host,fare`), the header tells, as
/// on the command line. Every bad row is named with its number.
pub(super) fn add_fares(text: &str, model: &mut TravelModel) -> Result<(), Vec<Msg>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(());
    }
    let header = text.lines().next().unwrap_or_default().to_ascii_lowercase();
    let read = if header.contains("from_iata") {
        planner::read_quoted_fares(text.as_bytes(), &model.currency).map(|q| model.quoted_fares.extend(q))
    } else {
        planner::read_known_fares(text.as_bytes()).map(|f| model.known_fares.extend(f))
    };
    read.map_err(|e| match e {
        PlanError::Input { errors, .. } => errors.iter().map(fare_row).collect(),
        other => vec![refusal(&other)],
    })
}

/// One bad row of a fares list, for the form.
fn fare_row(e: &RowError) -> Msg {
    let row = e.row.to_string();
    match &e.problem {
        RowProblem::MissingColumn { have } => {
            Msg::new("plan-err-fares-column", &[("column", &e.column), ("have", &have.join(", "))])
        }
        RowProblem::UnknownAirport(code) => Msg::new("plan-err-fares-airport", &[("row", &row), ("code", code)]),
        RowProblem::Currency { found, expected } => {
            Msg::new("plan-err-fares-currency", &[("row", &row), ("found", found), ("expected", expected)])
        }
        RowProblem::BadFare(value) => Msg::new("plan-err-fares-price", &[("row", &row), ("value", value)]),
        _ => Msg::new("plan-err-fares-row", &[("row", &row)]),
    }
}

/// What the planner refused, for the form in the reader's language.
pub(super) fn refusal(e: &PlanError) -> Msg {
    match e {
        PlanError::NoTravellers => Msg::new("plan-err-empty", &[]),
        PlanError::NoCandidates { excluded, .. } if *excluded > 0 => {
            Msg::new("plan-err-all-excluded", &[("count", &excluded.to_string())])
        }
        PlanError::NoCandidates { hosts: CandidateSource::Cities, min_population, .. } => {
            Msg::new("plan-err-no-cities", &[("population", &min_population.to_string())])
        }
        PlanError::NoCandidates { .. } => Msg::new("plan-err-no-candidates", &[]),
        PlanError::ZeroK => Msg::new("plan-err-k", &[("max", &MAX_K.to_string())]),
        PlanError::KExceedsCandidates { candidates, .. } => {
            Msg::new("plan-err-k-candidates", &[("candidates", &candidates.to_string())])
        }
        PlanError::KExceedsPlaces { places, .. } => Msg::new("plan-err-k-places", &[("places", &places.to_string())]),
        PlanError::InvalidModel(_) => Msg::new("plan-err-model", &[]),
        // The form cannot produce these: its lines are checked one by one above (weights,
        // coordinates), its limits are the planner's defaults, it reads no CSV.
        _ => more_refusals(e).unwrap_or_else(|| Msg::new("plan-err-solver", &[("message", &e.to_string())])),
    }
}

/// A refusal about the second-stage options, or `None` for the first-stage ones.
fn more_refusals(e: &PlanError) -> Option<Msg> {
    Some(match e {
        PlanError::UnknownPassport { name, passport, .. } => {
            Msg::new("plan-err-passport", &[("name", name), ("passport", passport)])
        }
        PlanError::Pin { name, error } => {
            let close = match error {
                PlaceLookupError::Unknown { suggestions, .. } => suggestions,
                PlaceLookupError::Ambiguous { matches, .. } => matches,
            };
            let s: Vec<String> = close.iter().take(5).map(crate::planner::Place::label).collect();
            Msg::new("plan-err-pin", &[("place", name), ("suggestions", &s.join(" · "))])
        }
        PlanError::NoHostForVisaPolicy { policy: VisaPolicy::NoAdvanceVisa, max_advance_visas, candidates } => {
            Msg::new(
                "plan-err-visa-advance",
                &[("count", &candidates.to_string()), ("max", &max_advance_visas.to_string())],
            )
        }
        PlanError::NoHostForVisaPolicy { candidates, .. } => {
            Msg::new("plan-err-visa-refusal", &[("count", &candidates.to_string())])
        }
        PlanError::BudgetTooSmall { cheapest, .. } => {
            Msg::new("plan-err-budget", &[("cheapest", &format!("{cheapest:.0}"))])
        }
        PlanError::LinkedCapacity { people, .. } => {
            Msg::new("plan-err-linked-capacity", &[("people", &people.to_string())])
        }
        PlanError::LinkedOverlap { best_hours, .. } => {
            Msg::new("plan-err-linked-overlap", &[("hours", &format!("{best_hours:.1}"))])
        }
        PlanError::BadDate(d) => Msg::new("plan-err-date", &[("value", d)]),
        PlanError::BadWindow(w) => Msg::new("plan-err-window", &[("value", w)]),
        PlanError::BadSlotLength(_) => Msg::new("plan-err-slot-length", &[]),
        PlanError::HybridPoint { .. } => Msg::new("plan-err-hybrid-point", &[]),
        PlanError::Input { errors, .. } => {
            errors.first().map_or_else(|| Msg::new("plan-err-fares-row", &[("row", "1")]), fare_row)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_lines_take_places_or_coordinates_and_report_bad_lines() {
        let ok = parse_people_up_to("# a comment\nJohn; Nairobi\nCharles; 6.45, 3.39; 2\n", 5_000).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].place.as_deref(), Some("Nairobi, KE"));
        assert_eq!((ok[1].weight, ok[1].position.lat), (2, 6.45));
        assert_eq!(ok[1].place.as_deref(), Some("6.45, 3.39"));
        let errs = parse_people_up_to("A; Nairobbi\nB\nC; 95, 10\nD; Lagos; many", 5_000).unwrap_err();
        let keys: Vec<_> = errs.iter().map(|m| m.key).collect();
        assert_eq!(keys, ["plan-err-unknown", "plan-err-format", "plan-err-coordinates", "plan-err-weight"]);
        let lines: Vec<_> = errs.iter().map(|m| m.args.iter().find(|(k, _)| *k == "line").unwrap().1.clone()).collect();
        assert_eq!(lines, ["1", "2", "3", "4"]);
        assert!(errs[0].args.iter().any(|(k, v)| *k == "suggestions" && v.contains("Nairobi, KE")));
        assert!(parse_people_up_to("", 5_000).is_err());
    }

    #[test]
    fn a_weight_that_would_wrap_is_refused_with_its_line() {
        let errs = parse_people_up_to("A; Nairobi; 4294967295\nB; Lagos; 100001\nC; Accra; 100000", 5_000).unwrap_err();
        let keys: Vec<_> = errs.iter().map(|m| m.key).collect();
        assert_eq!(keys, ["plan-err-weight-large", "plan-err-weight-large"]);
        let req = PlanRequest {
            travellers: vec![Traveller::at("X", 1.0, 2.0, 4_294_967_295).unwrap()],
            ..PlanRequest::default()
        };
        assert!(matches!(planner::plan(&req, &mut |_| {}), Err(PlanError::WeightTooLarge { .. })));
        let csv = "name,place,weight\nA,Nairobi,4294967295\n";
        assert!(planner::read_travellers(csv.as_bytes()).is_err());
    }

    #[test]
    fn passports_and_second_stage_options_are_read() {
        let people =
            parse_people_up_to("Amina; Nairobi; 2; KE|GB\nNdapewa; Windhoek; ; NA\nX; Accra; 1; QQ\n", 50).unwrap_err();
        assert_eq!(people.iter().map(|m| m.key).collect::<Vec<_>>(), ["plan-err-passport-line"]);
        let ok = parse_people_up_to("Amina; Nairobi; 2; KE|GB\nNdapewa; Windhoek; ; NA\n", 50).unwrap();
        assert_eq!((ok[0].weight, ok[0].passports.clone()), (2, vec!["KE".to_owned(), "GB".to_owned()]));
        assert_eq!((ok[1].weight, ok[1].passports.clone()), (1, vec!["NA".to_owned()]));
        let form = PlanForm {
            pin: "Kampala, UG; Dakar".into(),
            visa_policy: "no-advance-visa".into(),
            max_advance_visas: "2".into(),
            slot_hours: "1,5".into(),
            hybrid: "on".into(),
            budget: "5 000".into(),
            spread: "country".into(),
            ..PlanForm::fresh("A; Nairobi".into(), "2025-06-10")
        };
        let r = options(&form).unwrap();
        assert_eq!(r.pin, ["Kampala, UG", "Dakar"]);
        assert_eq!((r.visa_policy, r.max_advance_visas, r.hybrid), (VisaPolicy::NoAdvanceVisa, 2, true));
        assert!((r.slots.unwrap().hours - 1.5).abs() < 1e-12);
        assert_eq!(r.budget, Some(BudgetRequest { amount: 5000.0, spread: Some(Spread::Country) }));
        assert!(r.linked.is_none());
        let l = options(&PlanForm { linked_k: "3".into(), max_per_hub: "1 000".into(), ..form.clone() })
            .unwrap()
            .linked
            .unwrap();
        assert_eq!((l.k, l.max_per_hub, l.on.as_str()), (3, Some(1000), "2025-06-10"));
        let bad = PlanForm { budget: "lots".into(), slot_hours: "30".into(), linked_k: "1".into(), ..form };
        let keys: Vec<_> = options(&bad).unwrap_err().iter().map(|m| m.key).collect();
        assert_eq!(keys, ["plan-err-slot-length", "plan-err-budget-number", "plan-err-linked-form"]);
    }
}
