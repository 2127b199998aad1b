//! Follow-up waves: value shows over time, so a convening asks its participants again —
//! at the gathering (immediate and potential value), after three months (applied value)
//! and after nine (realized value and beyond) — and they say what became of what they
//! hoped for.

use super::convening::parse_date;
use super::framework::{CycleRole, Framework};
use super::{FieldError, required_text};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

/// How long a wave stays open by default, in days.
pub const OPEN_DAYS: i64 = 30;
pub const MAX_NAME: usize = 100;

/// A wave as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WaveDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub opens_on: String,
    #[serde(default)]
    pub closes_on: String,
    /// Cycle keys; empty means every cycle of the framework.
    #[serde(default)]
    pub cycles: Vec<String>,
}

/// A checked wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewWave {
    pub name: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub cycles: Vec<String>,
}

impl WaveDraft {
    pub fn validate(&self, framework: &Framework) -> Result<NewWave, FieldError> {
        let name = required_text("name", &self.name, MAX_NAME)?;
        let opens_on = parse_date("opens_on", &self.opens_on)?;
        let closes_on = if self.closes_on.trim().is_empty() {
            opens_on + Duration::days(OPEN_DAYS)
        } else {
            parse_date("closes_on", &self.closes_on)?
        };
        if closes_on < opens_on {
            return Err(FieldError::new("closes_on", "err-wave-order", "a wave cannot close before it opens"));
        }
        let mut cycles: Vec<String> = Vec::new();
        for key in &self.cycles {
            let key = key.trim();
            if framework.cycle(key).is_none() {
                return Err(FieldError::new("cycles", "err-unknown-cycle", format!("unknown cycle '{key}'")));
            }
            if !cycles.iter().any(|c| c == key) {
                cycles.push(key.to_string());
            }
        }
        if cycles.is_empty() {
            cycles = framework.cycles.iter().map(|c| c.key.clone()).collect();
        }
        cycles.sort_by_key(|k| framework.cycle_index(k));
        Ok(NewWave { name, opens_on, closes_on, cycles })
    }
}

/// `date` plus `months` calendar months (the day clamped to the month's length).
pub fn add_months(date: Date, months: u8) -> Date {
    let total = i32::from(u8::from(date.month())) - 1 + i32::from(months);
    let year = date.year() + total.div_euclid(12);
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

/// The three waves every convening starts with: at the gathering (its first two flow
/// cycles), three months after it ends (the third) and nine months after (the rest, with
/// the supporting cycles). Names are in English; stewards rename them.
pub fn default_waves(starts_on: Date, ends_on: Date, framework: &Framework) -> Vec<NewWave> {
    let flow: Vec<String> =
        framework.cycles.iter().filter(|c| c.role == CycleRole::Flow).map(|c| c.key.clone()).collect();
    let supporting: Vec<String> =
        framework.cycles.iter().filter(|c| c.role == CycleRole::Supporting).map(|c| c.key.clone()).collect();
    let first: Vec<String> = flow.iter().take(2).cloned().collect();
    let second: Vec<String> = flow.iter().skip(2).take(1).cloned().collect();
    let mut third: Vec<String> = flow.iter().skip(3).cloned().collect();
    third.extend(supporting);
    let all = |v: Vec<String>| if v.is_empty() { flow.clone() } else { v };
    let open = |from: Date| (from, from + Duration::days(OPEN_DAYS));
    let (a_open, a_close) = open(starts_on);
    let (b_open, b_close) = open(add_months(ends_on, 3));
    let (c_open, c_close) = open(add_months(ends_on, 9));
    vec![
        NewWave { name: "At the gathering".into(), opens_on: a_open, closes_on: a_close, cycles: all(first) },
        NewWave { name: "+3 months".into(), opens_on: b_open, closes_on: b_close, cycles: all(second) },
        NewWave { name: "+9 months".into(), opens_on: c_open, closes_on: c_close, cycles: all(third) },
    ]
}

/// What became of an aspirational step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    Happened,
    Changed,
    NotYet,
    Dropped,
}

impl OutcomeStatus {
    pub const ALL: [OutcomeStatus; 4] =
        [OutcomeStatus::Happened, OutcomeStatus::Changed, OutcomeStatus::NotYet, OutcomeStatus::Dropped];
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Happened => "happened",
            OutcomeStatus::Changed => "changed",
            OutcomeStatus::NotYet => "not_yet",
            OutcomeStatus::Dropped => "dropped",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|o| o.as_str() == s.trim()).ok_or_else(|| {
            FieldError::new("status", "err-outcome-status", "status must be happened, changed, not_yet or dropped")
        })
    }
}

/// An outcome as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomeDraft {
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub text: String,
}

/// A stored outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub cycle: String,
    pub status: OutcomeStatus,
    pub text: String,
    pub wave_id: Option<i64>,
    /// The story revision this outcome made.
    pub revision: i64,
    pub recorded_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use time::macros::date;

    #[test]
    fn months_are_added_on_the_calendar() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
        assert_eq!(add_months(date!(2026 - 03 - 12), 9), date!(2026 - 12 - 12));
    }

    #[test]
    fn a_convening_starts_with_three_waves_over_the_framework() {
        let fw = preset("wt-2020").unwrap();
        let w = default_waves(date!(2026 - 03 - 10), date!(2026 - 03 - 12), fw);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].opens_on, w[0].closes_on), (date!(2026 - 03 - 10), date!(2026 - 04 - 09)));
        assert_eq!(w[0].cycles, ["immediate", "potential"]);
        assert_eq!(w[1].opens_on, date!(2026 - 06 - 12));
        assert_eq!(w[1].cycles, ["applied"]);
        assert_eq!(w[2].opens_on, date!(2026 - 12 - 12));
        assert!(w[2].cycles.contains(&"realized".to_string()) && w[2].cycles.contains(&"strategic".to_string()));
    }

    #[test]
    fn a_wave_cannot_close_before_it_opens_or_ask_about_unknown_cycles() {
        let fw = preset("km4dev-experiment").unwrap();
        let d = |o: &str, c: &str, cycles: &[&str]| WaveDraft {
            name: "W".into(),
            opens_on: o.into(),
            closes_on: c.into(),
            cycles: cycles.iter().map(ToString::to_string).collect(),
        };
        assert_eq!(d("2026-05-01", "2026-04-01", &[]).validate(fw).unwrap_err().code, "err-wave-order");
        assert_eq!(d("2026-05-01", "", &["nope"]).validate(fw).unwrap_err().code, "err-unknown-cycle");
        let ok = d("2026-05-01", "", &["applied", "immediate"]).validate(fw).unwrap();
        assert_eq!(ok.closes_on, date!(2026 - 05 - 31));
        assert_eq!(ok.cycles, ["immediate", "applied"], "framework order");
        assert_eq!(d("2026-05-01", "", &[]).validate(fw).unwrap().cycles.len(), 4, "empty: every cycle");
        assert!(OutcomeStatus::parse("maybe").is_err());
    }
}
