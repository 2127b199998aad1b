//! Solver tests across modules: exact answers against brute force, the
//! heuristic against the exact answers, validity of every lower bound, and the
//! map's and JSON's shapes.

use std::time::Duration;

use super::engine::SplitMix;
use super::*;

/// The heuristic (forced on instances small enough to solve exactly) must be
/// within this fraction of the optimum on the fixed instances below.
const HEURISTIC_TOLERANCE: f64 = 0.02;

fn random_point(rng: &mut SplitMix, lat: (f64, f64), lon: (f64, f64)) -> LatLon {
    LatLon::new(lat.0 + rng.next_f64() * (lat.1 - lat.0), lon.0 + rng.next_f64() * (lon.1 - lon.0)).unwrap()
}

/// The first planner's model (one great-circle leg, no visas), under which the
/// held-out optima below were found, and today's default (hub-aware, visas).
fn models() -> [TravelModel; 2] {
    [plain(), TravelModel::default()]
}

fn plain() -> TravelModel {
    TravelModel { hub_aware: false, visa_aware: false, ..TravelModel::default() }
}

/// Members and candidates over Africa and Europe (so that ground, air and
/// every CO2 band all occur).
fn instance(seed: u64, members: usize, candidates: usize) -> (Vec<Traveller>, Vec<Candidate>) {
    let mut rng = SplitMix(seed);
    let box_ = ((-35.0, 55.0), (-20.0, 45.0));
    let travellers = (0..members)
        .map(|i| {
            let mut t = Traveller::new(format!("m{i}"), random_point(&mut rng, box_.0, box_.1));
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let w = 1 + (rng.next_f64() * 4.0) as u32;
            t.weight = w;
            t
        })
        .collect();
    let cands = (0..candidates)
        .map(|j| {
            let position = random_point(&mut rng, box_.0, box_.1);
            // The nearest city's country, so that visas count with today's model.
            let country = crate::planner::places::nearest_city(position).map(|(p, _)| p.country).unwrap_or_default();
            Candidate { name: format!("c{j}"), country, position, population: None }
        })
        .collect();
    (travellers, cands)
}

/// The objective of a host set, straight from the travel model.
fn value_of(t: &[Traveller], c: &[Candidate], hosts: &[usize], o: Objective, model: &TravelModel) -> f64 {
    let fare = |ti: usize, ci: usize| {
        model.known_fares.iter().find(|f| f.member == t[ti].name && f.host == c[ci].name).map(|f| f.fare)
    };
    let per: Vec<(f64, f64)> = (0..t.len())
        .map(|ti| {
            let best = hosts
                .iter()
                .map(|&ci| {
                    let f = if matches!(o, Objective::TotalCost | Objective::MaxCost) { fare(ti, ci) } else { None };
                    let mut trip = model.journey(t[ti].position, c[ci].position, f);
                    if model.visa_aware {
                        let passports = crate::planner::visas::passports_of(&t[ti]);
                        trip.cost += model.visa.fact(&passports, &c[ci].country).map_or(0.0, |v| v.cost);
                    }
                    o.of_trip(&trip)
                })
                .fold(f64::INFINITY, f64::min);
            (f64::from(t[ti].weight), best)
        })
        .collect();
    match o {
        Objective::MaxCost => per.iter().map(|p| p.1).fold(0.0, f64::max),
        _ => per.iter().map(|p| p.0 * p.1).sum(),
    }
}

fn brute_force(t: &[Traveller], c: &[Candidate], k: usize, o: Objective, model: &TravelModel) -> f64 {
    fn rec(start: usize, chosen: &mut Vec<usize>, k: usize, best: &mut f64, f: &dyn Fn(&[usize]) -> f64, m: usize) {
        if chosen.len() == k {
            *best = best.min(f(chosen));
            return;
        }
        for j in start..m {
            chosen.push(j);
            rec(j + 1, chosen, k, best, f, m);
            chosen.pop();
        }
    }
    let mut best = f64::INFINITY;
    rec(0, &mut Vec::new(), k, &mut best, &|h| value_of(t, c, h, o, model), c.len());
    best
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_exact_solver_matches_brute_force_on_small_random_instances() {
    let options = SolveOptions::default();
    for (seed, base) in (0..24_usize).map(|s| (s / 2, models()[s % 2].clone())) {
        let (mut t, c) = instance(seed as u64, 5 + seed % 5, 7 + seed % 4);
        let mut model = base;
        if seed % 3 == 0 {
            // A real fare that beats the estimate for one member and one host.
            model.known_fares.push(KnownFare { member: "m0".into(), host: "c1".into(), fare: 12.0 });
            t[0].weight = 1;
        }
        for objective in Objective::ALL {
            for k in 1..=3 {
                let plan = solve(&t, &c, k, objective, &model, &options).unwrap();
                let best = brute_force(&t, &c, k, objective, &model);
                assert!(close(plan.value, best), "seed {seed} {objective} k={k}: {} vs brute force {best}", plan.value);
                assert!(plan.lower_bound <= best * (1.0 + 1e-9) + 1e-9, "bound above the optimum");
                assert!(plan.gap < 1e-9, "seed {seed} {objective} k={k}: gap {}", plan.gap);
                let hosts: Vec<usize> =
                    plan.hosts.iter().map(|h| c.iter().position(|x| x.name == h.name).unwrap()).collect();
                assert!(close(value_of(&t, &c, &hosts, objective, &model), plan.value));
            }
        }
    }
}

/// Lloyd's steps as they were before each host's move was searched for in
/// parallel: each host in turn moves to the best place for its members, away
/// from the others as they are by then.
fn lloyd_one_by_one(inst: &engine::Instance, hosts: &mut [usize], max_rounds: usize) -> f64 {
    let mut value = inst.value_of(hosts);
    for _ in 0..max_rounds {
        let before = hosts.to_vec();
        let (which, cost) = inst.assign(hosts);
        let mut changed = false;
        for h in 0..hosts.len() {
            let members: Vec<usize> = (0..inst.n()).filter(|&i| which[i] == h).collect();
            if members.is_empty() {
                continue;
            }
            let current = match inst.aggregate {
                engine::Aggregate::Sum => members.iter().map(|&i| inst.weight[i] * cost[i]).sum(),
                engine::Aggregate::Max => members.iter().map(|&i| cost[i]).fold(0.0, f64::max),
            };
            let others: Vec<usize> = hosts.iter().copied().filter(|&j| j != hosts[h]).collect();
            if let Some((j, v)) = inst.best_single(&members, current, &others)
                && v < current * (1.0 - 1e-12)
            {
                hosts[h] = j;
                changed = true;
            }
        }
        let new_value = inst.value_of(hosts);
        if !changed || new_value >= value {
            hosts.copy_from_slice(&before);
            break;
        }
        value = new_value;
    }
    value
}

/// The hosts' moves are searched for all at once, but the hosts end where
/// moving them one by one puts them, also when they start crowded together
/// (so that one host's move takes or frees the place another would choose).
#[test]
fn lloyd_moves_the_hosts_as_one_by_one() {
    for (seed, model) in (0..8_u64).map(|s| (s, models()[(s % 2) as usize].clone())) {
        let (t, c) = instance(700 + seed, 80, 160);
        for objective in [Objective::TotalCost, Objective::MaxCost, Objective::Co2] {
            let inst = &solve::prepare(&t, &c, objective, &model).inst;
            let mut rng = SplitMix(seed);
            for k in 2..=6 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                let first = (rng.next_f64() * (inst.m() - k) as f64) as usize;
                // Crowded (neighbours in the tree) or spread.
                let start: Vec<usize> = if k % 2 == 0 {
                    (first..first + k).collect()
                } else {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                    (0..k).map(|x| (first + x * inst.m() / k) % inst.m()).collect()
                };
                let (mut a, mut b) = (start.clone(), start);
                let va = inst.lloyd(&mut a, 30);
                let vb = lloyd_one_by_one(inst, &mut b, 30);
                assert_eq!(a, b, "seed {seed} {objective} k={k}");
                assert!(va.to_bits() == vb.to_bits(), "seed {seed} {objective} k={k}: {va} vs {vb}");
            }
        }
    }
}

#[test]
fn one_host_is_exact_on_a_large_candidate_list() {
    for (model, objective) in models().into_iter().flat_map(|m| Objective::ALL.map(|o| (m.clone(), o))) {
        // Fewer candidates with hubs: the brute force looks airports up for every pair.
        let (t, c) = instance(99, 60, if model.hub_aware { 800 } else { 3000 });
        let plan = solve(&t, &c, 1, objective, &model, &SolveOptions::default()).unwrap();
        let best = (0..c.len()).map(|j| value_of(&t, &c, &[j], objective, &model)).fold(f64::INFINITY, f64::min);
        assert!(close(plan.value, best), "{objective}: {} vs {best}", plan.value);
        assert!(plan.gap.abs() < 1e-12);
    }
}

#[test]
fn the_heuristic_stays_within_tolerance_and_its_bound_below_the_optimum() {
    let exact = SolveOptions::default();
    let heuristic = SolveOptions { exact_pairs: 0, time_limit: Duration::from_secs(5), ..exact.clone() };
    for (seed, n, m, k) in [(1, 25, 40, 2), (2, 30, 50, 3), (3, 40, 30, 4), (4, 20, 60, 3), (5, 35, 45, 5)] {
        let (t, c) = instance(seed, n, m);
        for (model, objective) in models().into_iter().flat_map(|m| Objective::ALL.map(|o| (m.clone(), o))) {
            let e = solve(&t, &c, k, objective, &model, &exact).unwrap();
            let h = solve(&t, &c, k, objective, &model, &heuristic).unwrap();
            assert!(e.gap < 1e-9, "seed {seed} {objective}: exact solver gap {}", e.gap);
            assert!(
                h.value <= e.value * (1.0 + HEURISTIC_TOLERANCE) + 1e-9,
                "seed {seed} {objective} k={k}: heuristic {} vs optimum {}",
                h.value,
                e.value
            );
            assert!(h.value >= e.value * (1.0 - 1e-9) - 1e-9, "heuristic beat the optimum");
            assert!(
                h.lower_bound <= e.value * (1.0 + 1e-9) + 1e-9,
                "seed {seed} {objective}: bound {} > optimum {}",
                h.lower_bound,
                e.value
            );
        }
    }
}

#[test]
fn people_sharing_a_home_place_count_by_weight() {
    let nairobi = LatLon::new(-1.2833, 36.8167).unwrap();
    let accra = LatLon::new(5.556, -0.1969).unwrap();
    let c = vec![
        Candidate { name: "Nairobi".into(), country: "KE".into(), position: nairobi, population: None },
        Candidate { name: "Accra".into(), country: "GH".into(), position: accra, population: None },
    ];
    let mut t = vec![Traveller::new("a", nairobi), Traveller::new("b", nairobi), Traveller::new("c", accra)];
    let plan = solve(&t, &c, 1, Objective::TotalCost, &plain(), &SolveOptions::default()).unwrap();
    assert_eq!(plan.hosts[0].name, "Nairobi");
    assert_eq!(plan.places, 2);
    t[2].weight = 5;
    let plan = solve(&t, &c, 1, Objective::TotalCost, &plain(), &SolveOptions::default()).unwrap();
    assert_eq!(plan.hosts[0].name, "Accra");
    assert_eq!(plan.totals.people, 7);
    assert!(close(plan.value, 2.0 * plain().fare(haversine_km(nairobi, accra))));
    // Hub-aware with visas: two Kenyans fly NBO–ACC and need no visa for Ghana.
    let plan = solve(&t, &c, 1, Objective::TotalCost, &TravelModel::default(), &SolveOptions::default()).unwrap();
    let a = &plan.assignments[0];
    assert_eq!((a.trip.from_airport.as_deref(), a.trip.to_airport.as_deref()), (Some("NBO"), Some("ACC")));
    assert_eq!(a.visa.as_ref().map(|v| v.requirement), Some(crate::planner::Requirement::VisaFree));
    assert!(close(plan.value, 2.0 * a.trip.cost) && close(plan.breakdown[0].total, plan.value));
}

#[test]
fn the_seed_scenario_uses_the_known_475_dollar_ticket() {
    let (nairobi, dakar) = (resolve("Nairobi").unwrap(), resolve("Dakar").unwrap());
    let t = vec![Traveller::new("Amina", nairobi.position()), Traveller::new("Moussa", dakar.position())];
    let c = vec![
        Candidate { name: "Nairobi".into(), country: "KE".into(), position: nairobi.position(), population: None },
        Candidate { name: "Dakar".into(), country: "SN".into(), position: dakar.position(), population: None },
    ];
    let mut model = plain();
    model.known_fares.push(KnownFare { member: "Moussa".into(), host: "Nairobi".into(), fare: 475.0 });
    let plan = solve(&t, &c, 1, Objective::TotalCost, &model, &SolveOptions::default()).unwrap();
    assert_eq!(plan.hosts[0].name, "Nairobi");
    assert!(close(plan.value, 475.0));
    assert!(plan.assignments[1].trip.known_fare);
    // Today's model adds what a Senegalese passport needs for Kenya (an eTA in the January 2025 data).
    let model = TravelModel { known_fares: model.known_fares, ..TravelModel::default() };
    let plan = solve(&t, &c, 1, Objective::TotalCost, &model, &SolveOptions::default()).unwrap();
    let visa = plan.assignments[1].visa.clone().unwrap();
    assert_eq!(visa.requirement, crate::planner::Requirement::Eta);
    assert!(close(plan.value, 475.0 + visa.cost));
}

#[test]
fn impossible_requests_are_refused() {
    let (t, c) = instance(7, 4, 3);
    let (m, o) = (TravelModel::default(), SolveOptions::default());
    assert!(matches!(solve(&[], &c, 1, Objective::TotalCost, &m, &o), Err(PlanError::NoTravellers)));
    assert!(matches!(solve(&t, &[], 1, Objective::TotalCost, &m, &o), Err(PlanError::NoCandidates { .. })));
    assert!(matches!(solve(&t, &c, 0, Objective::TotalCost, &m, &o), Err(PlanError::ZeroK)));
    assert!(matches!(
        solve(&t, &c, 4, Objective::TotalCost, &m, &o),
        Err(PlanError::KExceedsCandidates { k: 4, candidates: 3 })
    ));
    let same = vec![t[0].clone(), t[0].clone()];
    assert!(matches!(
        solve(&same, &c, 2, Objective::TotalCost, &m, &o),
        Err(PlanError::KExceedsPlaces { places: 1, .. })
    ));
    let bad = TravelModel { air_speed_kmh: 0.0, ..TravelModel::default() };
    assert!(matches!(solve(&t, &c, 1, Objective::TotalCost, &bad, &o), Err(PlanError::InvalidModel(_))));
    assert_eq!("co2".parse::<Objective>(), Ok(Objective::Co2));
    assert!("cheapest".parse::<Objective>().is_err());
}

#[test]
fn the_svg_map_is_well_formed_with_one_marker_per_host() {
    use quick_xml::events::Event;
    let (mut t, c) = instance(11, 30, 40);
    t[0].name = "Tom & \"Jerry\" <x>".into();
    let plan = solve(&t, &c, 3, Objective::TotalCost, &TravelModel::default(), &SolveOptions::default()).unwrap();
    let svg = render_svg(&plan, &MapOptions::default());
    let mut reader = quick_xml::Reader::from_str(&svg);
    let (mut hosts, mut depth, mut elements) = (0, 0_i32, 0);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                elements += 1;
                let class = e.try_get_attribute("class").unwrap().map(|a| a.unescape_value().unwrap().into_owned());
                if class.as_deref() == Some("host") {
                    hosts += 1;
                }
            }
            Ok(Event::Empty(_)) => elements += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("SVG is not well-formed XML: {e}"),
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(hosts, 3);
    assert!(elements > 30);
    assert!(svg.contains("Tom &amp; &quot;Jerry&quot; &lt;x&gt;"));
}

#[test]
fn the_json_document_has_the_documented_fields() {
    let (t, c) = instance(12, 6, 8);
    let plan = solve(&t, &c, 2, Objective::Co2, &TravelModel::default(), &SolveOptions::default()).unwrap();
    let v = serde_json::to_value(PlanJson::from(&plan)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["assignments", "breakdown", "gap", "hosts", "k", "lower_bound", "objective", "totals", "value", "visa_data"]
    );
    assert_eq!(v["visa_data"], crate::planner::VISA_DATA_DATE);
    assert_eq!(v["objective"], "co2");
    assert_eq!(v["assignments"].as_array().unwrap().len(), 6);
    assert!(v["lower_bound"].as_f64().unwrap() <= v["value"].as_f64().unwrap());
    let totals = v["totals"].as_object().unwrap();
    for key in ["people", "total_cost", "per_person_cost", "total_co2_kg", "avg_hours", "max_hours", "currency"] {
        assert!(totals.contains_key(key), "totals lacks {key}");
    }
}

#[test]
fn scenarios_compare_one_regional_and_virtual_and_the_curve_falls() {
    let (t, c) = instance(13, 25, 30);
    let request =
        PlanRequest { travellers: t, k: 3, candidates: CandidateSource::Listed, listed: c, ..PlanRequest::default() };
    let answer = plan(&request, &mut |_| {}).unwrap();
    let cmp = &answer.comparison;
    assert_eq!(cmp.scenarios.len(), 3);
    assert_eq!(cmp.scenarios[2].kind, ScenarioKind::Virtual);
    assert!(cmp.scenarios[1].totals.total_cost <= cmp.scenarios[0].totals.total_cost + 1e-9);
    assert_eq!(cmp.people.len(), 25);
    assert_eq!(answer.plan().k, 3);
    let curve = &answer.curve;
    assert_eq!(curve.len(), 5);
    // Each k is solved once: the curve's points are the scenarios' plans.
    assert!((curve[2].value - cmp.regional.as_ref().unwrap().value).abs() < 1e-9);
    for pair in curve.windows(2) {
        assert!(pair[1].value <= pair[0].value + 1e-9, "{} then {}", pair[0].value, pair[1].value);
    }
    let mut csv = Vec::new();
    write_budget_csv(&cmp.one, &mut csv).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 26);
}

#[test]
fn the_max_cost_bound_never_exceeds_the_brute_force_optimum() {
    // The large-instance k-center solver (forced here) with its subset-relaxation
    // bound, on random instances with and without known fares, must never
    // certify a bound above the true optimum, nor report a value below it.
    let heuristic = SolveOptions { exact_pairs: 0, target_gap: 1e-6, ..SolveOptions::default() };
    for seed in 0..40_u64 {
        #[allow(clippy::cast_possible_truncation)]
        let (n, m) = (6 + (seed % 7) as usize, 8 + (seed % 5) as usize);
        let (t, c) = instance(1000 + seed, n, m);
        let mut model = models()[usize::from(seed % 4 < 2)].clone();
        if seed % 2 == 0 {
            // Known fares both cheaper and dearer than the estimate.
            model.known_fares.push(KnownFare { member: "m0".into(), host: "c1".into(), fare: 12.0 });
            model.known_fares.push(KnownFare { member: "m1".into(), host: "c2".into(), fare: 5000.0 });
        }
        for k in 2..=3 {
            let plan = solve(&t, &c, k, Objective::MaxCost, &model, &heuristic).unwrap();
            let best = brute_force(&t, &c, k, Objective::MaxCost, &model);
            assert!(
                plan.lower_bound <= best * (1.0 + 1e-9) + 1e-9,
                "seed {seed} k={k}: bound {} above the optimum {best}",
                plan.lower_bound
            );
            assert!(plan.value >= best * (1.0 - 1e-9) - 1e-9, "seed {seed} k={k}: value below the optimum");
            assert!(plan.gap < 1e-3, "seed {seed} k={k}: gap {} (value {} optimum {best})", plan.gap, plan.value);
        }
    }
}

#[test]
fn the_max_cost_bound_is_tight_on_a_mid_sized_instance() {
    // Large enough for the subset relaxation to matter, small enough to solve exactly.
    let (t, c) = instance(77, 300, 150);
    let model = plain();
    let exact = solve(&t, &c, 4, Objective::MaxCost, &model, &SolveOptions::default()).unwrap();
    let heuristic = SolveOptions { exact_pairs: 0, ..SolveOptions::default() };
    for k in [2, 4, 6] {
        let h = solve(&t, &c, k, Objective::MaxCost, &model, &heuristic).unwrap();
        assert!(h.gap <= 0.01, "k={k}: gap {}", h.gap);
        if k == 4 {
            assert!(exact.gap < 1e-9);
            assert!(h.lower_bound <= exact.value * (1.0 + 1e-9), "bound {} > optimum {}", h.lower_bound, exact.value);
            assert!(h.value <= exact.value * 1.01, "value {} vs optimum {}", h.value, exact.value);
        }
    }
}

/// The airport-pair table gives every member's cost at every candidate as the
/// travel model does, and every bound of the candidate tree (connections,
/// ground legs, one country's visas) is below every candidate it covers.
#[test]
fn the_fare_table_matches_the_travel_model_and_tree_bounds_stay_below_every_cost() {
    let (mut t, mut c) = instance(41, 40, 160);
    // Some members and candidates share cities (ground trips, shared airports).
    for (i, j) in [(0, 3), (5, 17), (9, 40)] {
        c[j].position = t[i].position;
    }
    t[2].passports = vec!["NG".into(), "GB".into()];
    let quoted = TravelModel {
        quoted_fares: vec![QuotedFare {
            from_iata: "NBO".into(),
            to_iata: "LOS".into(),
            price: 90.0,
            quoted_on: String::new(),
        }],
        ..TravelModel::default()
    };
    // A Nairobi member and a Lagos candidate, so that the quote is used.
    t[1].position = LatLon::new(-1.2833, 36.8167).unwrap();
    c[5].position = LatLon::new(6.4541, 3.3947).unwrap();
    for model in [TravelModel::default(), quoted, TravelModel { visa_aware: false, ..TravelModel::default() }] {
        for objective in Objective::ALL {
            let p = super::solve::prepare(&t, &c, objective, &model);
            let inst = &p.inst;
            for (row, tr) in t.iter().enumerate() {
                let i = p.group_of[row];
                for j in 0..inst.m() {
                    let cand = &c[inst.index.original[j]];
                    let mut trip = model.journey(tr.position, cand.position, None);
                    if model.visa_aware && objective.quantity() == super::travel::Quantity::Cost {
                        let passports = super::visas::passports_of(tr);
                        trip.cost += model.visa.fact(&passports, &cand.country).map_or(0.0, |v| v.cost);
                    }
                    let want = objective.of_trip(&trip);
                    assert!(
                        close(inst.cost(i, j), want),
                        "{objective} {}→{}: {} vs {want}",
                        tr.name,
                        cand.name,
                        inst.cost(i, j)
                    );
                }
                for node in &inst.index.nodes {
                    let lb = inst.lower_in(i, node);
                    for j in node.start..node.end {
                        assert!(lb <= inst.cost(i, j) + 1e-9, "{objective}: bound {lb} above {}", inst.cost(i, j));
                    }
                }
            }
        }
    }
}

/// The travel model the airport-sum and class-search tests vary by seed: a quoted fare
/// (even seeds), a member's known fare (every third), no visas (seed 5).
pub(super) fn varied_model(seed: u64) -> TravelModel {
    let mut model = TravelModel::default();
    if seed.is_multiple_of(2) {
        model.quoted_fares.push(QuotedFare {
            from_iata: "NBO".into(),
            to_iata: "LOS".into(),
            price: 90.0,
            quoted_on: String::new(),
        });
    }
    if seed.is_multiple_of(3) {
        model.known_fares.push(KnownFare { member: "m3".into(), host: "c7".into(), fare: 12.0 });
    }
    if seed == 5 {
        model.visa_aware = false;
    }
    model
}

/// The single-host sums by airports equal the plain sums of every member's
/// cost at every candidate (ground trips, shared airports, known fares, quoted
/// fares, two passports), for every member subset tried.
#[test]
fn the_airport_sums_match_the_plain_sums_of_costs() {
    for seed in 0..6_u64 {
        let (mut t, mut c) = instance(200 + seed, 40, 150);
        // Members and candidates sharing cities or close by (ground trips, one shared airport).
        for (i, j) in [(0, 3), (5, 17), (9, 40), (11, 41)] {
            c[j].position = t[i].position;
        }
        c[42].position = LatLon::new(t[12].position.lat + 0.5, t[12].position.lon).unwrap();
        t[2].passports = vec!["NG".into(), "GB".into()];
        t[1].position = LatLon::new(-1.2833, 36.8167).unwrap();
        c[5].position = LatLon::new(6.4541, 3.3947).unwrap();
        let model = varied_model(seed);
        let p = super::solve::prepare(&t, &c, Objective::TotalCost, &model);
        let inst = &p.inst;
        let mut rng = SplitMix(seed);
        for subset in 0..4 {
            let members: Vec<usize> = (0..inst.n()).filter(|_| subset == 0 || rng.next_f64() < 0.5).collect();
            let sums = inst.airport_sums(&members).expect("hub-aware money");
            for (j, &s) in sums.iter().enumerate() {
                let plain: f64 = members.iter().map(|&i| inst.weight[i] * inst.cost(i, j)).sum();
                assert!(close(s, plain), "seed {seed} subset {subset} candidate {j}: {s} vs {plain}");
            }
        }
        // Not for other quantities, nor without hubs.
        let co2 = super::solve::prepare(&t, &c, Objective::Co2, &model);
        assert!(co2.inst.airport_sums(&[0]).is_none());
        let flat = super::solve::prepare(&t, &c, Objective::TotalCost, &plain());
        assert!(flat.inst.airport_sums(&[0]).is_none());
    }
}

/// With many members and hub-aware travel, the best single host of the tree
/// search is the brute-force best over every candidate, forbidden ones left
/// out, and none is returned when no candidate beats the upper limit.
#[test]
fn the_best_single_host_of_many_members_is_the_brute_force_one() {
    let (t, c) = instance(77, 260, 400);
    let model = TravelModel::default();
    let p = super::solve::prepare(&t, &c, Objective::TotalCost, &model);
    let inst = &p.inst;
    let mut rng = SplitMix(3);
    for round in 0..3 {
        let members: Vec<usize> = (0..inst.n()).filter(|_| round == 0 || rng.next_f64() < 0.9).collect();
        assert!(members.len() >= 200);
        let value = |j: usize| members.iter().map(|&i| inst.weight[i] * inst.cost(i, j)).sum::<f64>();
        let brute = |forbidden: &[usize]| {
            (0..inst.m()).filter(|j| !forbidden.contains(j)).map(value).fold(f64::INFINITY, f64::min)
        };
        let (j, v) = inst.best_single(&members, f64::INFINITY, &[]).unwrap();
        assert!(close(v, brute(&[])) && close(value(j), v), "round {round}: {v} vs {}", brute(&[]));
        let (j2, v2) = inst.best_single(&members, f64::INFINITY, &[j]).unwrap();
        assert!(j2 != j && close(v2, brute(&[j])), "round {round}: {v2} vs {}", brute(&[j]));
        assert!(inst.best_single(&members, v * (1.0 - 1e-9), &[]).is_none());
    }
}
