//! Convenings: a gathering (in person, virtual or hybrid) with dates, a place, a status,
//! its participants and the value its planners hope to create.

use super::{FieldError, optional_text, required_text};
use serde::{Deserialize, Serialize};
use time::Date;

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    InPerson,
    Virtual,
    Hybrid,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::InPerson, Mode::Virtual, Mode::Hybrid];
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Virtual => "virtual",
            Mode::Hybrid => "hybrid",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| FieldError::new("mode", "err-mode", "mode must be in_person, virtual or hybrid"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Idea,
    Planned,
    Held,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Idea, Status::Planned, Status::Held, Status::Closed];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idea => "idea",
            Status::Planned => "planned",
            Status::Held => "held",
            Status::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Status::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| FieldError::new("status", "err-status", "status must be idea, planned, held or closed"))
    }
}

/// A convening as typed in a form or an API call.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConveningDraft {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: String,
}

/// A checked convening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewConvening {
    pub title: String,
    pub mode: Mode,
    pub starts_on: Date,
    pub ends_on: Date,
    pub place: String,
    pub status: Status,
    pub description: String,
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_date(field: &str, s: &str) -> Result<Date, FieldError> {
    Date::parse(s.trim(), DATE)
        .map_err(|_| FieldError::new(field, "err-date", format!("{field} must be a date written YYYY-MM-DD")))
}

pub fn format_date(d: Date) -> String {
    d.format(DATE).unwrap_or_default()
}

impl ConveningDraft {
    pub fn validate(&self) -> Result<NewConvening, FieldError> {
        let title = required_text("title", &self.title, MAX_TITLE)?;
        let mode = Mode::parse(self.mode.trim())?;
        let starts_on = parse_date("starts_on", &self.starts_on)?;
        let ends_on = if self.ends_on.trim().is_empty() { starts_on } else { parse_date("ends_on", &self.ends_on)? };
        if ends_on < starts_on {
            return Err(FieldError::new("ends_on", "err-date-order", "the convening cannot end before it starts"));
        }
        let status = if self.status.trim().is_empty() { Status::Planned } else { Status::parse(self.status.trim())? };
        Ok(NewConvening {
            title,
            mode,
            starts_on,
            ends_on,
            place: optional_text("place", &self.place, MAX_TITLE)?,
            status,
            description: optional_text("description", &self.description, MAX_DESCRIPTION)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(start: &str, end: &str) -> ConveningDraft {
        ConveningDraft {
            title: "Regional gathering".into(),
            mode: "in_person".into(),
            starts_on: start.into(),
            ends_on: end.into(),
            ..Default::default()
        }
    }

    #[test]
    fn dates_must_be_real_and_in_order() {
        assert!(draft("2026-03-10", "2026-03-12").validate().is_ok());
        assert_eq!(draft("2026-02-30", "").validate().unwrap_err().code, "err-date");
        assert_eq!(draft("2026-03-12", "2026-03-10").validate().unwrap_err().code, "err-date-order");
        let one_day = draft("2026-03-10", "").validate().unwrap();
        assert_eq!(one_day.starts_on, one_day.ends_on);
        assert_eq!(one_day.status, Status::Planned);
    }

    #[test]
    fn mode_and_status_are_closed_lists() {
        let mut d = draft("2026-03-10", "");
        d.mode = "online".into();
        assert_eq!(d.validate().unwrap_err().code, "err-mode");
        d.mode = "hybrid".into();
        d.status = "done".into();
        assert_eq!(d.validate().unwrap_err().code, "err-status");
    }
}
