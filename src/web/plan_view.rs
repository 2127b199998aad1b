//! What a saved plan's page shows beyond the scenarios: numbers in the
//! reader's conventions (9 988 kg in French), the certified gap in plain
//! words, why each host costs what it costs, every member's visa with the
//! data's date, the best virtual slots, the hybrid frontier (table and a
//! server-rendered SVG chart) and who a budget brings.

use std::fmt::Write as _;

use super::plan::PlanPage;
use crate::i18n::{format_number, format_percent_with};
use crate::planner::map::escape_xml;
use crate::planner::{self, FrontierPoint, HostCost, Objective, Requirement};

/// One member's visa for their host, ready to show.
pub(super) struct VisaRow {
    pub name: String,
    pub host: String,
    pub passport: String,
    pub requirement: String,
    pub weeks: String,
    pub cost: String,
    /// The requirement needs attention (a consular visa or refused admission).
    pub hard: bool,
}

/// One start time, ready to show.
pub(super) struct SlotRow {
    pub start: String,
    pub inside: u64,
    pub outside: String,
    pub local: String,
}

impl PlanPage {
    /// A whole number in the reader's conventions.
    pub(super) fn n(&self, x: &f64) -> String {
        format_number(self.ctx.lang, *x, 0)
    }

    /// One decimal in the reader's conventions.
    pub(super) fn n1(&self, x: &f64) -> String {
        format_number(self.ctx.lang, *x, 1)
    }

    /// A fraction as a percentage with one decimal.
    pub(super) fn pct(&self, x: &f64) -> String {
        format_percent_with(self.ctx.lang, *x, 1)
    }

    /// The certified gap of the plan for k, in plain words.
    pub(super) fn gap_words(&self) -> String {
        let p = self.result.plan();
        if p.gap <= 1e-9 {
            return self.ctx.t("plan-gap-optimal");
        }
        self.ctx.ta("plan-gap-words", &[("gap", &self.pct(&p.gap)), ("bound", &self.n(&p.lower_bound))])
    }

    /// Each host of the plan for k with its cost by part.
    pub(super) fn breakdown(&self) -> Vec<(String, HostCost)> {
        let p = self.result.plan();
        p.hosts.iter().zip(&p.breakdown).map(|(h, b)| (h.name.clone(), b.clone())).collect()
    }

    fn requirement_name(&self, r: Requirement) -> String {
        self.ctx.t(&format!("visa-{}", r.as_str()))
    }

    /// Every member's visa for their host in the plan for k.
    pub(super) fn visa_rows(&self) -> Vec<VisaRow> {
        let p = self.result.plan();
        p.assignments
            .iter()
            .filter_map(|a| {
                let v = a.visa.as_ref()?;
                let host = p.hosts.get(a.host)?;
                Some(VisaRow {
                    name: if a.weight > 1 { format!("{} ×{}", a.name, a.weight) } else { a.name.clone() },
                    host: host.name.clone(),
                    passport: v.passport.clone(),
                    requirement: self.requirement_name(v.requirement),
                    weeks: self.n1(&v.weeks),
                    cost: self.n(&v.cost),
                    hard: v.requirement >= Requirement::VisaRequired,
                })
            })
            .collect()
    }

    /// Where the visa facts come from, and their date.
    pub(super) fn visa_source(&self) -> String {
        let date = if self.result.visa_data.is_empty() { planner::VISA_DATA_DATE } else { &self.result.visa_data };
        self.ctx.ta("plan-visa-source", &[("date", &self.ctx.date(date)), ("source", planner::VISA_DATA_SOURCE)])
    }

    /// The best virtual start times.
    pub(super) fn slot_rows(&self) -> Vec<SlotRow> {
        self.result
            .slots
            .iter()
            .map(|s| SlotRow {
                start: s.start_utc.clone(),
                inside: s.inside_window,
                outside: self.n1(&s.outside_hours),
                local: s
                    .local
                    .iter()
                    .map(|l| format!("{} {}{}", l.name, l.time, if l.derived_from.is_some() { "*" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .collect()
    }

    /// The slot request, described.
    pub(super) fn slots_intro(&self) -> String {
        self.params.slots.as_ref().map_or_else(String::new, |s| {
            self.ctx.ta("plan-slots-intro", &[("hours", &self.n1(&s.hours)), ("date", &s.on), ("window", &s.window)])
        })
    }

    /// The time-zone spread inside each regional gathering, in a sentence (empty without one).
    pub(super) fn tz_spread(&self) -> String {
        let Some(regional) = &self.result.comparison.regional else { return String::new() };
        if self.result.tz_spread_hours.is_empty() {
            return String::new();
        }
        let list: Vec<String> = regional
            .hosts
            .iter()
            .zip(&self.result.tz_spread_hours)
            .map(|(h, s)| format!("{} {} h", h.name, self.n1(s)))
            .collect();
        self.ctx.ta("plan-tz-spread", &[("list", &list.join(" · "))])
    }

    pub(super) fn any_derived_zone(&self) -> bool {
        self.result.slots.iter().flat_map(|s| &s.local).any(|l| l.derived_from.is_some())
    }

    /// "80 % in person for 35 % of the CO2" (or of the cost), against everyone travelling at the same k.
    pub(super) fn frontier_label(&self, p: &FrontierPoint) -> String {
        super::plan_hybrid::point_label(&self.ctx, &self.params, &self.result.frontier, p)
    }

    /// The frontier as an SVG line chart: in-person share (x, 100 % on the
    /// left) against total CO2 (or cost), one line per k.
    pub(super) fn frontier_svg(&self) -> String {
        let points = &self.result.frontier;
        let by_co2 = self.params.objective == Objective::Co2;
        let y_of = |p: &FrontierPoint| if by_co2 { p.co2_kg } else { p.cost };
        let top = points.iter().map(y_of).fold(0.0, f64::max).max(1.0);
        let (w, h, left, bottom) = (640.0, 300.0, 70.0, 40.0);
        let x = |share: f64| left + (1.0 - share) * (w - left - 20.0);
        let y = |v: f64| (h - bottom) - v / top * (h - bottom - 20.0);
        let colours = ["#1f6f8b", "#d35400", "#27ae60", "#8e44ad", "#c0392b", "#7f8c8d"];
        let title = self.ctx.t("plan-frontier-chart");
        let mut s = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="chart" role="img" aria-label="{}">"#,
            escape_xml(&title)
        );
        let _ = write!(
            s,
            r##"<path d="M{left},{} H{} M{left},20 V{}" fill="none" stroke="#555" stroke-width="1"/>"##,
            h - bottom,
            w - 20.0,
            h - bottom
        );
        let _ = write!(
            s,
            r##"<text x="{left}" y="{}" font-size="12" fill="#222">100 %</text><text x="{}" y="{}" font-size="12" fill="#222" text-anchor="end">0 %</text>"##,
            h - bottom + 16.0,
            w - 20.0,
            h - bottom + 16.0
        );
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="12" fill="#222" text-anchor="middle">{}</text>"##,
            f64::midpoint(left, w - 20.0),
            h - 6.0,
            escape_xml(&self.ctx.t("plan-in-person"))
        );
        let _ = write!(
            s,
            r##"<text x="4" y="14" font-size="12" fill="#222">{} {}</text>"##,
            self.n(&top),
            if by_co2 { "kg CO2e".to_owned() } else { self.params.model.currency.clone() }
        );
        let mut ks: Vec<usize> = points.iter().map(|p| p.k).collect();
        ks.dedup();
        for (i, k) in ks.iter().enumerate() {
            let colour = colours[i % colours.len()];
            let mut d = String::new();
            for (j, p) in points.iter().filter(|p| p.k == *k).enumerate() {
                let _ = write!(d, "{}{:.1},{:.1}", if j == 0 { 'M' } else { 'L' }, x(p.in_person_share), y(y_of(p)));
            }
            let _ = write!(s, r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>"#);
            #[allow(clippy::cast_precision_loss)]
            let ly = 24.0 + 16.0 * i as f64;
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" font-size="12" fill="{colour}">k = {k}</text>"#,
                w - 80.0,
                ly - 9.0,
                w - 65.0,
                ly
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The linked hubs: name, people, UTC offset.
    pub(super) fn linked_rows(&self) -> Vec<(String, u64, String)> {
        let Some(l) = &self.result.linked else { return Vec::new() };
        l.hosts
            .iter()
            .zip(&l.people)
            .zip(&l.utc_offsets)
            .map(|((h, p), o)| (h.name.clone(), *p, self.offset_of(*o)))
            .collect()
    }

    /// A UTC offset in hours, signed (`+3`, `−5.5`).
    fn offset_of(&self, hours: f64) -> String {
        let text = format_number(self.ctx.lang, hours.abs(), usize::from(hours.fract().abs() > 1e-9));
        if hours < 0.0 { format!("−{text}") } else { format!("+{text}") }
    }

    /// The linked gathering against one venue, with its bound and gap, in a sentence.
    pub(super) fn linked_sentence(&self) -> String {
        let Some(l) = &self.result.linked else { return String::new() };
        let one = self.result.comparison.one.value;
        self.ctx.ta(
            "plan-linked-result",
            &[
                ("k", &l.hosts.len().to_string()),
                ("value", &self.n(&l.value)),
                ("one", &self.n(&one)),
                ("hours", &self.n1(&l.min_overlap_hours)),
                ("bound", &self.n(&l.lower_bound)),
                ("gap", &self.pct(&l.gap)),
            ],
        )
    }

    /// Who the budget brings, in a sentence.
    pub(super) fn budget_sentence(&self) -> String {
        let Some(b) = &self.result.budget else { return String::new() };
        let amount = self.params.budget.as_ref().map_or(0.0, |r| r.amount);
        self.ctx.ta(
            "plan-budget-result",
            &[
                ("budget", &self.n(&amount)),
                ("brought", &b.brought.to_string()),
                ("host", &b.host),
                ("cost", &self.n(&b.cost)),
                ("online", &b.online.to_string()),
                ("next", &b.next_1000_adds.to_string()),
                ("currency", &self.params.model.currency),
            ],
        )
    }
}
