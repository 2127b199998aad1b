//! The shapes a plan is printed in: the JSON document of the CLI and API, the
//! per-person budget CSV and a plain-text table. Numbers are rounded to what
//! the model can honestly claim (km to 0.1, money to cents, CO2 and hours to 0.1).

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::plan::{Objective, Plan, Totals};
use super::travel::Mode;

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10_f64.powi(decimals);
    (v * f).round() / f
}

/// The JSON document for a plan:
/// `{objective, value, k, hosts[{name,country,lat,lon}], lower_bound, gap,
///   assignments[{name,host,km,cost,co2_kg,hours}], totals{..}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanJson {
    /// `total-cost`, `max-cost`, `co2` or `distance`.
    pub objective: Objective,
    /// The objective summed over everyone travelling (the worst cost for `max-cost`).
    pub value: f64,
    /// Number of gatherings.
    pub k: usize,
    /// The hosts.
    pub hosts: Vec<HostJson>,
    /// Certified lower bound on the best possible value.
    pub lower_bound: f64,
    /// (value − lower_bound) / value.
    pub gap: f64,
    /// One row per participant row.
    pub assignments: Vec<AssignmentJson>,
    /// Sums over everyone.
    pub totals: Totals,
}

/// A host in [`PlanJson`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostJson {
    /// Name.
    pub name: String,
    /// ISO alpha-2 country code.
    pub country: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// A participant row in [`PlanJson`] (per-person figures).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssignmentJson {
    /// Participant name.
    pub name: String,
    /// Host name.
    pub host: String,
    /// One-way great-circle km.
    pub km: f64,
    /// Return fare.
    pub cost: f64,
    /// Return-trip CO2e, kg.
    pub co2_kg: f64,
    /// One-way hours.
    pub hours: f64,
}

impl From<&Plan> for PlanJson {
    fn from(p: &Plan) -> Self {
        let money = |v: f64| round(v, 2);
        let t = &p.totals;
        Self {
            objective: p.objective,
            value: if p.objective == Objective::Distance || p.objective == Objective::Co2 {
                round(p.value, 1)
            } else {
                money(p.value)
            },
            k: p.k,
            hosts: p
                .hosts
                .iter()
                .map(|h| HostJson { name: h.name.clone(), country: h.country.clone(), lat: h.lat, lon: h.lon })
                .collect(),
            lower_bound: if p.objective == Objective::Distance || p.objective == Objective::Co2 {
                round(p.lower_bound, 1)
            } else {
                money(p.lower_bound)
            },
            gap: round(p.gap, 4),
            assignments: p
                .assignments
                .iter()
                .map(|a| AssignmentJson {
                    name: a.name.clone(),
                    host: p.hosts.get(a.host).map(|h| h.name.clone()).unwrap_or_default(),
                    km: round(a.trip.km, 1),
                    cost: money(a.trip.cost),
                    co2_kg: round(a.trip.co2_kg, 1),
                    hours: round(a.trip.hours, 1),
                })
                .collect(),
            totals: Totals {
                people: t.people,
                total_cost: money(t.total_cost),
                per_person_cost: money(t.per_person_cost),
                max_cost: money(t.max_cost),
                total_co2_kg: round(t.total_co2_kg, 1),
                per_person_co2_kg: round(t.per_person_co2_kg, 1),
                total_km: round(t.total_km, 1),
                avg_hours: round(t.avg_hours, 1),
                max_hours: round(t.max_hours, 1),
                currency: t.currency.clone(),
            },
        }
    }
}

/// Keeps a spreadsheet from reading a cell as a formula.
fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// Writes the per-person budget: one row per participant row with host,
/// mode, km, per-person fare (and whether it is a known fare or an
/// estimate), CO2, hours, and the row's total (weight × fare).
///
/// # Errors
/// Any error of the underlying writer.
pub fn write_budget_csv<W: Write>(plan: &Plan, writer: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(writer);
    w.write_record([
        "name",
        "place",
        "weight",
        "lat",
        "lon",
        "host",
        "host_country",
        "mode",
        "km",
        "currency",
        "cost_per_person",
        "fare_source",
        "co2_kg_per_person",
        "hours_one_way",
        "row_cost",
        "row_co2_kg",
    ])?;
    for a in &plan.assignments {
        let host = plan.hosts.get(a.host);
        let t = &a.trip;
        w.write_record([
            safe_cell(&a.name),
            safe_cell(a.place.as_deref().unwrap_or("")),
            a.weight.to_string(),
            format!("{:.5}", a.position.lat),
            format!("{:.5}", a.position.lon),
            safe_cell(host.map_or("", |h| h.name.as_str())),
            host.map_or(String::new(), |h| h.country.clone()),
            if t.mode == Mode::Air { "air".into() } else { "ground".into() },
            format!("{:.1}", t.km),
            plan.totals.currency.clone(),
            format!("{:.2}", t.cost),
            if t.known_fare { "known".into() } else { "estimate".into() },
            format!("{:.1}", t.co2_kg),
            format!("{:.1}", t.hours),
            format!("{:.2}", f64::from(a.weight) * t.cost),
            format!("{:.1}", f64::from(a.weight) * t.co2_kg),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Thousands separators for a rounded amount.
pub(crate) fn grouped(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if v < 0.0 && v.abs() >= 0.5 * 10_f64.powi(-i32::try_from(decimals).unwrap_or(0)) {
        out.insert(0, '-');
    }
    out
}

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
#[must_use]
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
    s.push('\n');
    let header = ["name", "people", "host", "mode", "km", "fare", "CO2 kg", "hours"];
    let rows: Vec<[String; 8]> = plan
        .assignments
        .iter()
        .map(|a| {
            let tr = &a.trip;
            [
                a.name.clone(),
                a.weight.to_string(),
                plan.hosts.get(a.host).map(|h| h.name.clone()).unwrap_or_default(),
                if tr.mode == Mode::Air { "air".into() } else { "ground".into() },
                grouped(tr.km, 0),
                format!("{}{}", grouped(tr.cost, 0), if tr.known_fare { "*" } else { "" }),
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
        cells.iter().enumerate().map(|(i, c)| pad(c, widths[i], !matches!(i, 0 | 2 | 3))).collect::<Vec<_>>().join("  ")
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
    for n in &plan.notes {
        let _ = writeln!(s, "Note: {n}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_get_thousands_separators() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(475.0, 0), "475");
        assert_eq!(grouped(-1000.0, 0), "-1,000");
        assert_eq!(grouped(0.0, 1), "0.0");
    }

    #[test]
    fn spreadsheet_formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(safe_cell("Amina"), "Amina");
    }
}
