//! Planner benchmark at KM4Dev's scale: 4,000 members spread over real cities
//! (a seeded, population-weighted draw leaning towards the Global South) and
//! every GeoNames city of ≥ 15,000 people as a candidate host (~34,000).
//! Prints the exact k = 1 time, then for k = 2, 3, 5, 10 the time, objective,
//! certified lower bound and gap, and the process's peak memory.
//!
//! Run with `cargo bench --bench planner` (add `-- --quick` for k ≤ 3 only).

use std::time::{Duration, Instant};

use convene::planner::{self, Candidate, Objective, SolveOptions, TravelModel, Traveller};

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

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
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
    let model = TravelModel::default();
    let options = SolveOptions { target_gap: 0.01, time_limit: Duration::from_mins(1), ..SolveOptions::default() };
    let ks: &[usize] = if quick { &[1, 2, 3] } else { &[1, 2, 3, 5, 10] };
    for objective in [Objective::TotalCost, Objective::MaxCost] {
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
    if let Some(mib) = peak_memory_mib() {
        println!("\npeak memory (VmHWM): {mib:.0} MiB");
    }
}
