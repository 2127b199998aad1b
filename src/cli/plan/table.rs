//! `convene plan --format table`: a plan as an English text report — the
//! hosts, the quality of the answer, one line per participant row and the totals.

use std::fmt::Write as _;

use crate::planner::report::grouped;
use crate::planner::{FareEnd, Mode, Objective, Plan};

fn pad(s: &str, width: usize, right: bool) -> String {
    let len = s.chars().count();
    let fill = " ".repeat(width.saturating_sub(len));
    if right { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

fn unit(o: Objective, currency: &str) -> String {
    match o {
        Objective::TotalCost | Objective::MaxCost => currency.to_owned(),
        Objective::Co2 => "kg CO2e".to_owned(),
        Objective::Distance => "km".to_owned(),
    }
}

/// A plain-text report: the hosts, the quality of the answer, one line per
/// participant row and the totals.
pub fn render_table(plan: &Plan) -> String {
    let mut s = String::new();
    let t = &plan.totals;
    let cur = &t.currency;
    let gatherings = if plan.k == 1 { "1 gathering".to_owned() } else { format!("{} regional gatherings", plan.k) };
    let _ = writeln!(s, "Plan: {gatherings}, minimising {} ({})", plan.objective, plan.method);
    for (i, h) in plan.hosts.iter().enumerate() {
        let people: u32 = plan.assignments.iter().filter(|a| a.host == i).map(|a| a.weight).sum();
        let _ = writeln!(s, "  host {}: {}, {}  ({people} people)", i + 1, h.name, h.country);
    }
    let u = unit(plan.objective, cur);
    let decimals = if matches!(plan.objective, Objective::TotalCost | Objective::MaxCost) { 2 } else { 0 };
    let _ = writeln!(
        s,
        "Objective {} {u}; lower bound {}; gap {:.2} %{}",
        grouped(plan.value, decimals),
        grouped(plan.lower_bound, decimals),
        plan.gap * 100.0,
        if plan.gap <= 0.0 { " (optimal)" } else { "" }
    );
    let _ = writeln!(
        s,
        "  (certified gap: no choice of hosts can do better than the lower bound, so this plan is at most {:.2} % above the best possible)",
        plan.gap * 100.0
    );
    why(plan, &mut s);
    s.push('\n');
    let header = ["name", "people", "host", "mode", "route", "km", "cost", "visa", "CO2 kg", "hours"];
    let rows: Vec<[String; 10]> = plan
        .assignments
        .iter()
        .map(|a| {
            let tr = &a.trip;
            [
                a.name.clone(),
                a.weight.to_string(),
                plan.hosts.get(a.host).map(|h| h.name.clone()).unwrap_or_default(),
                if tr.mode == Mode::Air { "air".into() } else { "ground".into() },
                match (&tr.from_airport, &tr.to_airport) {
                    (Some(a), Some(b)) => format!("{a}-{b}{}", if tr.connection { " (1 stop)" } else { "" }),
                    _ => String::new(),
                },
                grouped(tr.km, 0),
                format!("{}{}", grouped(tr.cost, 0), if tr.known_fare { "*" } else { "" }),
                a.visa.as_ref().map_or(String::new(), |v| {
                    let what = v.requirement.as_str().replace('_', " ");
                    if v.weeks > 0.0 { format!("{what}, {} wk", v.weeks) } else { what }
                }),
                grouped(tr.co2_kg, 0),
                format!("{:.1}", tr.hours),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], !matches!(i, 0 | 2 | 3 | 4 | 7)))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(s, "{}", line(&header.map(str::to_owned)));
    for r in &rows {
        let _ = writeln!(s, "{}", line(r));
    }
    s.push('\n');
    let _ = writeln!(
        s,
        "Totals: {} people; fares {} {cur} ({} per person, highest {}); CO2e {} kg ({} per person); travel hours average {:.1}, worst {:.1}",
        t.people,
        grouped(t.total_cost, 0),
        grouped(t.per_person_cost, 0),
        grouped(t.max_cost, 0),
        grouped(t.total_co2_kg, 0),
        grouped(t.per_person_co2_kg, 0),
        t.avg_hours,
        t.max_hours
    );
    let _ = writeln!(
        s,
        "Fares are return-trip estimates from the travel model{}; km and hours are one way.",
        if plan.assignments.iter().any(|a| a.trip.known_fare) { " (* = known fare)" } else { "" }
    );
    for f in &plan.unused_fares {
        let missing = match f.missing {
            FareEnd::Participant => "participant",
            FareEnd::Host => "candidate host",
        };
        let _ = writeln!(s, "Note: known fare {} → {} not used: no such {missing}", f.member, f.host);
    }
    s
}

/// Why each host costs what it costs: its total by part, and the visas its people need.
fn why(plan: &Plan, s: &mut String) {
    let cur = &plan.totals.currency;
    for (i, b) in plan.breakdown.iter().enumerate() {
        let Some(h) = plan.hosts.get(i) else { continue };
        let _ = writeln!(
            s,
            "  why {}: ground {} + flights {} + connections {} + visas {} = {} {cur}; {} need a visa in advance (up to {} weeks){}",
            h.name,
            grouped(b.ground, 0),
            grouped(b.air, 0),
            grouped(b.connections, 0),
            grouped(b.visas, 0),
            grouped(b.total, 0),
            b.advance_visas,
            b.max_visa_weeks,
            if b.refused > 0 { format!("; {} refused admission", b.refused) } else { String::new() }
        );
    }
}
