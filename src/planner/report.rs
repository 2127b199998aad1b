//! The shapes a plan is printed in that carry no prose: the JSON document of
//! the CLI and API and the per-person budget CSV (its column names are a data
//! format). Numbers are rounded to what the model can honestly claim (km to
//! 0.1, money to cents, CO2 and hours to 0.1). The English text table is the
//! command line's (`cli::plan`).

use std::io::Write;

use serde::Serialize;

use super::budget::BudgetAnswer;
use super::hybrid::FrontierPoint;
use super::plan::{HostCost, Objective, Plan, Totals};
use super::request::PlanAnswer;
use super::slots::Slot;
use super::travel::Mode;
use super::visas::{Requirement, VISA_DATA_DATE};

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
    /// Each host's cost by part (ground, air, connections, visas): why it wins.
    pub breakdown: Vec<HostCost>,
    /// The date of the visa data behind every `visa`.
    pub visa_data: String,
    /// Best start times for a virtual meeting (with `--slots`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Slot>,
    /// The hybrid frontier (with `--hybrid`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frontier: Vec<FrontierPoint>,
    /// Who a budget brings (with `--budget`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetAnswer>,
    /// The linked multi-hub gathering (with `--linked-hubs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<super::linked::LinkedAnswer>,
    /// With `--slots` and k > 1: the UTC-offset spread (hours) inside each regional gathering.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tz_spread_hours: Vec<f64>,
}

/// A member's visa for their host in [`AssignmentJson`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VisaJson {
    /// `citizen`, `visa_free`, `eta`, `e_visa`, `visa_on_arrival`, `visa_required` or `no_admission`.
    pub requirement: Requirement,
    /// The passport it is for (the easiest of the member's).
    pub passport: String,
    /// Cost per person.
    pub cost: f64,
    /// Weeks to allow.
    pub weeks: f64,
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
    /// `ground` or `air`.
    pub mode: Mode,
    /// Airport flown from (IATA), for hub-aware air trips.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_airport: Option<String>,
    /// Airport flown to (IATA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_airport: Option<String>,
    /// Whether `cost` holds a quoted (known) fare rather than an estimate.
    pub quoted: bool,
    /// The member's visa for the host's country (absent when the data does not cover it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visa: Option<VisaJson>,
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
                    mode: a.trip.mode,
                    from_airport: a.trip.from_airport.clone(),
                    to_airport: a.trip.to_airport.clone(),
                    quoted: a.trip.known_fare,
                    visa: a.visa.as_ref().map(|v| VisaJson {
                        requirement: v.requirement,
                        passport: v.passport.clone(),
                        cost: money(v.cost),
                        weeks: round(v.weeks, 1),
                    }),
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
            breakdown: p
                .breakdown
                .iter()
                .map(|b| HostCost {
                    ground: money(b.ground),
                    air: money(b.air),
                    connections: money(b.connections),
                    visas: money(b.visas),
                    total: money(b.total),
                    ..b.clone()
                })
                .collect(),
            visa_data: VISA_DATA_DATE.to_owned(),
            slots: Vec::new(),
            frontier: Vec::new(),
            budget: None,
            linked: None,
            tz_spread_hours: Vec::new(),
        }
    }
}

impl PlanJson {
    /// The JSON of an answer: its plan for k, with the slots, frontier and budget asked for.
    #[must_use]
    pub fn of(answer: &PlanAnswer) -> Self {
        Self {
            slots: answer.slots.clone(),
            frontier: answer.frontier.clone(),
            budget: answer.budget.clone(),
            linked: answer.linked.clone(),
            tz_spread_hours: answer.tz_spread_hours.clone(),
            ..Self::from(answer.plan())
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
        "visa",
        "visa_cost",
        "visa_weeks",
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
            a.visa.as_ref().map_or(String::new(), |v| v.requirement.as_str().to_owned()),
            format!("{:.2}", t.visa_cost),
            a.visa.as_ref().map_or(String::new(), |v| format!("{:.1}", v.weeks)),
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
