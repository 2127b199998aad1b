//! Planner benchmark at KM4Dev's scale: 4,000 members spread over real cities
//! (a seeded, population-weighted draw leaning towards the Global South) and
//! every GeoNames city of ≥ 15,000 people as a candidate host (~34,000).
//! Prints the exact k = 1 time, then for k = 2, 3, 5, 10 the time, objective,
//! certified lower bound and gap (the first planner's great-circle model, so the
//! figures compare across versions); then the second stage's figures with
//! today's default model (hub-aware travel, visas): visa-aware k = 1 exact, the
//! hybrid frontier for k = 1…5, the best virtual slots and a budget; and the
//! process's peak memory.
//!
//! Run with `cargo bench --bench planner` (add `-- --quick` for k ≤ 3 only;
//! `-- --second` for the second stage's figures only, `-- --linked` for the
//! linked hubs and the budget only; `-- --only visa|frontier|slots|linked|budget`
//! for one second-stage figure).

use std::time::{Duration, Instant};

use convene::planner::{
    self, BudgetRequest, Candidate, CandidateSource, Objective, PlanRequest, SlotRequest, SolveOptions, TravelModel,
    Traveller,
};

/// `SplitMix64`, so that every run draws the same members.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        #[allow(clippy::cast_precision_loss)]
        let x = (z >> 11) as f64 / (1_u64 << 53) as f64;
        x
    }
}

/// Members drawn with probability ∝ population^0.8 × a regional factor
/// (Africa ×4, South America ×2, Europe ×1.5, elsewhere ×1, Antarctica ×0).
fn members(cities: &[Candidate], count: usize, seed: u64) -> Vec<Traveller> {
    let weights: Vec<f64> = cities
        .iter()
        .map(|c| {
            let factor = match planner::places::continent(&c.country) {
                Some("AF") => 4.0,
                Some("SA") => 2.0,
                Some("EU") => 1.5,
                Some("AN") => 0.0,
                _ => 1.0,
            };
            #[allow(clippy::cast_precision_loss)]
            let pop = c.population.unwrap_or(15_000) as f64;
            pop.powf(0.8) * factor
        })
        .collect();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let r = rng.next_f64() * acc;
            let c = &cities[cumulative.partition_point(|&x| x <= r).min(cities.len() - 1)];
            Traveller::new(format!("member {i}"), c.position)
        })
        .collect()
}

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The second stage's figures with the default model (hub-aware, visas).
fn second_stage(travellers: &[Traveller], cities: &[Candidate], options: &SolveOptions, only: &dyn Fn(&str) -> bool) {
    println!("\nsecond stage, default model (hub-aware travel, visas in the cost)");
    let model = TravelModel::default();
    if only("visa") {
        visa_k1(travellers, cities, options, &model);
    }
    if only("frontier") {
        frontier(travellers, cities, options);
    }
    if only("slots") {
        slots(travellers);
    }
    if only("linked") {
        linked(travellers, cities, &model);
    }
    if only("budget") {
        budget(travellers, &model);
    }
}

fn visa_k1(travellers: &[Traveller], cities: &[Candidate], options: &SolveOptions, model: &TravelModel) {
    let start = Instant::now();
    let plan = planner::solve(travellers, cities, 1, Objective::TotalCost, model, options).expect("visa-aware k = 1");
    let refused = plan.breakdown.first().map_or(0, |b| b.refused);
    println!(
        "visa-aware k = 1 (exact): {:.3} s, host {} {}, total {:.0} USD ({:.0} of it visas, {} refused admission)",
        start.elapsed().as_secs_f64(),
        plan.hosts[0].name,
        plan.hosts[0].country,
        plan.value,
        plan.breakdown.first().map_or(0.0, |b| b.visas),
        refused
    );
}

fn frontier(travellers: &[Traveller], cities: &[Candidate], options: &SolveOptions) {
    let request = PlanRequest {
        travellers: travellers.to_vec(),
        candidates: CandidateSource::Listed,
        listed: cities.to_vec(),
        k: 1,
        hybrid: true,
        curve_to: 5,
        target_gap: options.target_gap,
        time_limit_secs: options.time_limit.as_secs(),
        ..PlanRequest::default()
    };
    let start = Instant::now();
    let answer = planner::plan(&request, &mut |_| {}).expect("frontier");
    let gaps: Vec<String> = answer.curve.iter().map(|c| format!("k={} {:.2}%", c.k, c.gap * 100.0)).collect();
    println!(
        "hybrid frontier k = 1…5 (solves and frontier): {:.3} s, {} points; gaps {}",
        start.elapsed().as_secs_f64(),
        answer.frontier.len(),
        gaps.join(", ")
    );
    // Every fifth point (100 %, 80 %, 60 % … in person).
    for p in
        answer.frontier.iter().filter(|p| (p.in_person_share * 5.0 - (p.in_person_share * 5.0).round()).abs() < 1e-9)
    {
        println!(
            "  k = {}  {:>5.1} % in person  cost {:>12.0}  CO2e {:>12.0} kg",
            p.k,
            p.in_person_share * 100.0,
            p.cost,
            p.co2_kg
        );
    }
}

fn slots(travellers: &[Traveller]) {
    let slots = SlotRequest { hours: 2.0, on: "2025-06-10".into(), window: "08:00-20:00".into() };
    let start = Instant::now();
    let best = planner::slots::best_slots(travellers, &slots).expect("slots");
    println!(
        "best virtual slots (2 h on 2025-06-10, 08:00-20:00): {:.1} ms; best {} UTC, {} inside their window, {:.0} h outside",
        start.elapsed().as_secs_f64() * 1000.0,
        best[0].start_utc,
        best[0].inside_window,
        best[0].outside_hours
    );
}

fn linked(travellers: &[Traveller], cities: &[Candidate], model: &TravelModel) {
    // The figure: k = 3 within 2 % in under 10 s, so 10 s is the limit.
    let options = SolveOptions { target_gap: 0.02, time_limit: Duration::from_secs(10), ..SolveOptions::default() };
    let linked = planner::LinkedRequest {
        k: 3,
        min_per_hub: 800,
        max_per_hub: Some(2000),
        on: "2025-06-10".into(),
        ..planner::LinkedRequest::default()
    };
    let start = Instant::now();
    match planner::linked::linked(travellers, cities, Objective::TotalCost, model, &linked, &options) {
        Ok(l) => {
            let hubs: Vec<String> = l
                .hosts
                .iter()
                .zip(&l.people)
                .zip(&l.utc_offsets)
                .map(|((h, p), o)| format!("{} {} ({p}, UTC{o:+})", h.name, h.country))
                .collect();
            println!(
                "linked k = 3, 800–2,000 people per hub, 3 h shared: {:.3} s, gap {:.2} %, value {:.0}, bound {:.0}; {}",
                start.elapsed().as_secs_f64(),
                l.gap * 100.0,
                l.value,
                l.lower_bound,
                hubs.join(" | ")
            );
        }
        Err(e) => println!("linked k = 3: {e}"),
    }
}

fn budget(travellers: &[Traveller], model: &TravelModel) {
    let hosts = planner::reachable_candidates(travellers, planner::DEFAULT_MERGE_KM);
    let start = Instant::now();
    let budget = planner::budget::bring(travellers, &hosts, model, &BudgetRequest { amount: 100_000.0, spread: None })
        .expect("budget");
    println!(
        "budget 100,000 USD over {} reachable hosts: {:.3} s; {} people at {}, next 1,000 adds {}",
        hosts.len(),
        start.elapsed().as_secs_f64(),
        budget.brought,
        budget.host,
        budget.next_1000_adds
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let args: Vec<String> = std::env::args().collect();
    let linked_only = args.iter().any(|a| a == "--linked");
    let chosen = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let second_only = linked_only || chosen.is_some() || args.iter().any(|a| a == "--second");
    let only = |figure: &str| match &chosen {
        Some(c) => c == figure,
        None => !linked_only || figure == "linked" || figure == "budget",
    };
    let t0 = Instant::now();
    let cities = planner::city_candidates(0, 0.0);
    let travellers = members(&cities, 4000, 2024);
    let distinct = {
        let mut keys: Vec<(u64, u64)> =
            travellers.iter().map(|t| (t.position.lat.to_bits(), t.position.lon.to_bits())).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    };
    println!(
        "planner benchmark: {} members in {} distinct cities, {} candidate hosts (data loaded in {:.0} ms)",
        travellers.len(),
        distinct,
        cities.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    // The first planner's model: one great-circle leg, no visas.
    let model = TravelModel { hub_aware: false, visa_aware: false, ..TravelModel::default() };
    let options = SolveOptions { target_gap: 0.01, time_limit: Duration::from_mins(1), ..SolveOptions::default() };
    let ks: &[usize] = if quick { &[1, 2, 3] } else { &[1, 2, 3, 5, 10] };
    for objective in [Objective::TotalCost, Objective::MaxCost] {
        if second_only {
            break;
        }
        println!("\nobjective {objective}");
        println!(
            "{:>3}  {:>9}  {:>16}  {:>16}  {:>8}  {:>6}  hosts",
            "k", "time", "value", "lower bound", "gap", "iters"
        );
        for &k in ks {
            let start = Instant::now();
            let plan = planner::solve(&travellers, &cities, k, objective, &model, &options).expect("benchmark plan");
            let secs = start.elapsed().as_secs_f64();
            let hosts: Vec<String> = plan.hosts.iter().map(|h| format!("{} {}", h.name, h.country)).collect();
            println!(
                "{k:>3}  {:>7.3} s  {:>16.2}  {:>16.2}  {:>7.3}%  {:>6}  {}",
                secs,
                plan.value,
                plan.lower_bound,
                plan.gap * 100.0,
                plan.iterations,
                hosts.join(" | ")
            );
        }
        if quick {
            break;
        }
    }
    second_stage(&travellers, &cities, &options, &only);
    if let Some(mib) = peak_memory_mib() {
        println!("\npeak memory (VmHWM): {mib:.0} MiB");
    }
}
