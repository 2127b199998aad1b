//! Effect data and costs: what stewards count or are told about a convening (indicator
//! observations such as "23 participants" or "5 documents produced") and what it cost.
//! Read beside the stories, they let a report weigh the value against the money and CO2.

use super::convening::parse_date;
use super::framework::Framework;
use super::{FieldError, optional_text};
use serde::{Deserialize, Serialize};
use time::Date;

/// Larger than any count or amount a convening can honestly have: a typo, not data.
pub const MAX_VALUE: f64 = 1e9;
pub const MAX_UNIT: usize = 40;
pub const MAX_SOURCE: usize = 200;
pub const MAX_NOTE: usize = 2_000;

/// An observation as typed (form or API). Numbers arrive as text from forms and as JSON
/// numbers from the API; both land in `value`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservationDraft {
    #[serde(default)]
    pub indicator: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub value: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub observed_on: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// A checked observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewObservation {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
    pub observed_on: Date,
    pub source: String,
    pub note: String,
}

/// Accepts `23`, `23.5` or `"23"` for a numeric field (forms send text).
fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Num(serde_json::Number),
        Text(String),
        Null(()),
    }
    Ok(match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => n.to_string(),
        NumOrText::Text(t) => t,
        NumOrText::Null(()) => String::new(),
    })
}

/// Reads a non-negative amount: a decimal point or comma, no thousands separators.
pub fn parse_amount(field: &str, s: &str, required: bool) -> Result<Option<f64>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return if required {
            Err(FieldError::new(field, "err-required", format!("{field} is required")))
        } else {
            Ok(None)
        };
    }
    let v: f64 = t
        .replace(',', ".")
        .parse()
        .map_err(|_| FieldError::new(field, "err-number", format!("{field} must be a number such as 23 or 4.5")))?;
    if !v.is_finite() || v < 0.0 {
        return Err(FieldError::new(field, "err-negative", format!("{field} cannot be negative")));
    }
    if v > MAX_VALUE {
        return Err(FieldError::new(
            field,
            "err-absurd",
            format!("{field} is larger than {MAX_VALUE}: check the number"),
        ));
    }
    Ok(Some(v))
}

impl ObservationDraft {
    /// Checks the draft against the framework the convening is read under; `today` bounds
    /// the date (an observation cannot be made in the future).
    pub fn validate(&self, framework: &Framework, today: Date) -> Result<NewObservation, Vec<FieldError>> {
        let mut errors = Vec::new();
        let indicator = self.indicator.trim().to_string();
        if indicator.is_empty() {
            errors.push(FieldError::new("indicator", "err-required", "indicator is required"));
        } else if framework.indicator(&indicator).is_none() {
            errors.push(FieldError::new(
                "indicator",
                "err-indicator-unknown",
                format!("'{indicator}' is not an indicator of this framework"),
            ));
        }
        let value = parse_amount("value", &self.value, true).map_err(|e| errors.push(e)).ok().flatten();
        let unit = optional_text("unit", &self.unit, MAX_UNIT).map_err(|e| errors.push(e)).ok();
        let source = optional_text("source", &self.source, MAX_SOURCE).map_err(|e| errors.push(e)).ok();
        let note = optional_text("note", &self.note, MAX_NOTE).map_err(|e| errors.push(e)).ok();
        let observed_on = if self.observed_on.trim().is_empty() {
            Some(today)
        } else {
            match parse_date("observed_on", &self.observed_on) {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("observed_on", "err-future", "observed_on cannot be in the future"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        match (value, unit, source, note, observed_on) {
            (Some(value), Some(unit), Some(source), Some(note), Some(observed_on)) if errors.is_empty() => {
                Ok(NewObservation { indicator, value, unit, observed_on, source, note })
            }
            _ => Err(errors),
        }
    }
}

/// What a convening cost, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CostDraft {
    #[serde(default)]
    pub currency: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub travel: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub venue: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub other: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub co2_kg: String,
}

/// Checked costs: amounts in one currency; CO2 when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    pub currency: String,
    pub travel: f64,
    pub venue: f64,
    pub other: f64,
    pub co2_kg: Option<f64>,
}

impl Costs {
    pub fn total(&self) -> f64 {
        self.travel + self.venue + self.other
    }
}

impl CostDraft {
    pub fn validate(&self) -> Result<Costs, Vec<FieldError>> {
        let mut errors = Vec::new();
        let currency = self.currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "currency",
                "err-currency",
                "currency must be a three-letter ISO 4217 code such as USD, EUR or KES",
            ));
        }
        let mut amount =
            |field: &str, s: &str| parse_amount(field, s, false).map_err(|e| errors.push(e)).ok().flatten();
        let travel = amount("travel", &self.travel).unwrap_or(0.0);
        let venue = amount("venue", &self.venue).unwrap_or(0.0);
        let other = amount("other", &self.other).unwrap_or(0.0);
        let co2_kg = amount("co2_kg", &self.co2_kg);
        if errors.is_empty() { Ok(Costs { currency, travel, venue, other, co2_kg }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use time::macros::date;

    fn draft(indicator: &str, value: &str, on: &str) -> ObservationDraft {
        ObservationDraft {
            indicator: indicator.into(),
            value: value.into(),
            unit: "people".into(),
            observed_on: on.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_observation_needs_a_known_indicator_a_sane_number_and_a_past_date() {
        let fw = preset("km4dev-experiment").unwrap();
        let key = &fw.cycles[0].indicators[0].key;
        let today = date!(2026 - 11 - 26);
        let ok = draft(key, "23", "2026-11-20").validate(fw, today).unwrap();
        assert_eq!((ok.value, ok.observed_on), (23.0, date!(2026 - 11 - 20)));
        assert_eq!(draft(key, "4,5", "").validate(fw, today).unwrap().observed_on, today);
        let codes = |d: ObservationDraft| d.validate(fw, today).unwrap_err().iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(codes(draft("nope", "1", "2026-01-01")), ["err-indicator-unknown"]);
        assert_eq!(codes(draft(key, "-3", "2026-01-01")), ["err-negative"]);
        assert_eq!(codes(draft(key, "1e12", "2026-01-01")), ["err-absurd"]);
        assert_eq!(codes(draft(key, "many", "2027-01-01")), ["err-number", "err-future"]);
        assert_eq!(codes(draft("", "", "")), ["err-required", "err-required"]);
    }

    #[test]
    fn costs_are_in_one_iso_currency_and_never_negative() {
        let c =
            CostDraft { currency: "usd".into(), travel: "1200.5".into(), venue: "300".into(), ..Default::default() };
        let c = c.validate().unwrap();
        assert_eq!((c.currency.as_str(), c.total(), c.co2_kg), ("USD", 1500.5, None));
        let bad = CostDraft { currency: "dollars".into(), other: "-1".into(), ..Default::default() };
        let codes: Vec<_> = bad.validate().unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["err-currency", "err-negative"]);
    }

    #[test]
    fn the_api_may_send_numbers_as_json_numbers() {
        let d: ObservationDraft = serde_json::from_str(r#"{"indicator": "x", "value": 23, "unit": "people"}"#).unwrap();
        assert_eq!(d.value, "23");
        let c: CostDraft = serde_json::from_str(r#"{"currency": "EUR", "travel": 10.5, "co2_kg": null}"#).unwrap();
        assert_eq!((c.travel.as_str(), c.co2_kg.as_str()), ("10.5", ""));
    }
}
