//! Value-creation stories: one thread of value told across cycles, each step tagged by
//! its teller with a cycle, whether it happened or is hoped for, and indicators.

use super::framework::Framework;
use super::{FieldError, Viewer, optional_text, required_text};
use serde::{Deserialize, Serialize};

/// Longest story title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest step text, in characters (about two pages).
pub const MAX_STEP_TEXT: usize = 5_000;

/// Who may read a story; chosen by its teller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Stewards,
    Community,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Stewards => "stewards",
            Visibility::Community => "community",
            Visibility::Public => "public",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "stewards" => Ok(Visibility::Stewards),
            "community" => Ok(Visibility::Community),
            "public" => Ok(Visibility::Public),
            _ => {
                Err(FieldError::new("visibility", "err-visibility", "visibility must be stewards, community or public"))
            }
        }
    }
    /// The privacy rule: public stories are for everyone, community stories for members
    /// and stewards, stewards-only stories for stewards.
    pub fn allows(self, viewer: Viewer) -> bool {
        match self {
            Visibility::Public => true,
            Visibility::Community => viewer >= Viewer::Member,
            Visibility::Stewards => viewer >= Viewer::Steward,
        }
    }
}

/// Whether a step reports value that happened or value the teller expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Aspirational,
    Realized,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Aspirational => "aspirational",
            StepKind::Realized => "realized",
        }
    }
    pub fn parse(s: &str, field: &str) -> Result<Self, FieldError> {
        match s {
            "aspirational" => Ok(StepKind::Aspirational),
            "realized" => Ok(StepKind::Realized),
            _ => Err(FieldError::new(field, "err-kind", "kind must be aspirational or realized")),
        }
    }
}

/// One cycle of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub cycle: String,
    pub kind: StepKind,
    pub text: String,
    pub indicators: Vec<String>,
}

/// A story as typed, before it is checked against the framework.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoryDraft {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub visibility: String,
    #[serde(default)]
    pub show_name: bool,
    #[serde(default)]
    pub steps: Vec<StepDraft>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepDraft {
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub indicators: Vec<String>,
}

/// A story that has passed every rule: known cycles and indicators, one step per cycle,
/// steps in framework order, something told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewStory {
    pub title: String,
    pub language: String,
    pub visibility: Visibility,
    pub show_name: bool,
    pub steps: Vec<Step>,
}

/// Loose BCP 47 check: a 2–3 letter primary language, then subtags of 2–8 letters/digits.
pub fn parse_language(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let mut parts = s.split('-');
    let primary_ok =
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && s.len() <= 35 {
        Ok(s.to_string())
    } else {
        Err(FieldError::new("language", "err-language", "language must be a language tag such as en, fr, es or pt-BR"))
    }
}

impl StoryDraft {
    /// Applies the story rules against the framework the story is told in.
    pub fn validate(&self, framework: &Framework) -> Result<NewStory, FieldError> {
        let title = required_text("title", &self.title, MAX_TITLE)?;
        let language = parse_language(if self.language.trim().is_empty() { "en" } else { &self.language })?;
        let visibility = Visibility::parse(self.visibility.trim())?;
        let mut steps: Vec<(usize, Step)> = Vec::new();
        for (n, d) in self.steps.iter().enumerate() {
            let field = format!("steps[{n}]");
            let text = optional_text(&format!("{field}.text"), &d.text, MAX_STEP_TEXT)?;
            let Some(index) = framework.cycle_index(d.cycle.trim()) else {
                return Err(FieldError::new(
                    format!("{field}.cycle"),
                    "err-unknown-cycle",
                    format!("unknown cycle '{}' in framework {}", d.cycle, framework.key),
                ));
            };
            let cycle = &framework.cycles[index];
            let kind = StepKind::parse(d.kind.trim(), &format!("{field}.kind"))?;
            let mut indicators = Vec::new();
            for key in &d.indicators {
                if !cycle.indicators.iter().any(|i| &i.key == key) {
                    return Err(FieldError::new(
                        format!("{field}.indicators"),
                        "err-unknown-indicator",
                        format!("unknown indicator '{key}' in cycle {}", cycle.key),
                    ));
                }
                if !indicators.contains(key) {
                    indicators.push(key.clone());
                }
            }
            if text.is_empty() && indicators.is_empty() {
                continue; // a cycle the teller left blank
            }
            if steps.iter().any(|(i, _)| *i == index) {
                return Err(FieldError::new(
                    format!("{field}.cycle"),
                    "err-duplicate-cycle",
                    format!("cycle '{}' is told twice", cycle.key),
                ));
            }
            steps.push((index, Step { cycle: cycle.key.clone(), kind, text, indicators }));
        }
        if steps.is_empty() {
            return Err(FieldError::new("steps", "err-empty-story", "tell at least one cycle of the story"));
        }
        steps.sort_by_key(|(i, _)| *i);
        Ok(NewStory {
            title,
            language,
            visibility,
            show_name: self.show_name,
            steps: steps.into_iter().map(|(_, s)| s).collect(),
        })
    }
}

/// A stored story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    pub id: i64,
    pub convening_id: i64,
    pub framework_id: i64,
    /// The member who told it, if a member did.
    pub teller_user_id: Option<i64>,
    /// The convening participant who told it (members and guests alike), if known.
    pub participant_id: Option<i64>,
    /// The teller's name as it was when the story was told.
    pub teller_name: String,
    pub title: String,
    pub language: String,
    pub visibility: Visibility,
    pub show_name: bool,
    pub created_at: String,
    pub steps: Vec<Step>,
    /// 1 when told, one more with every edit.
    #[serde(default = "first_revision")]
    pub revision: i64,
    /// When the current revision was made (the telling or the latest edit).
    #[serde(default)]
    pub updated_at: String,
    /// Hidden by a steward: kept, shown to stewards only, out of every count.
    #[serde(default)]
    pub hidden: bool,
    /// Told through a private answer link (its holder may see and edit it).
    #[serde(default)]
    pub via_link: bool,
    /// The follow-up wave it was told in, if any.
    #[serde(default)]
    pub wave_id: Option<i64>,
    /// What became of its aspirational steps, oldest first.
    #[serde(default)]
    pub outcomes: Vec<super::wave::StepOutcome>,
}

fn first_revision() -> i64 {
    1
}

impl Story {
    /// The latest outcome of a cycle's step recorded up to `as_of` (RFC 3339 or a date;
    /// `None`: every outcome).
    pub fn outcome(&self, cycle: &str, as_of: Option<&str>) -> Option<&super::wave::StepOutcome> {
        self.outcomes.iter().rev().find(|o| o.cycle == cycle && as_of.is_none_or(|d| o.recorded_at.as_str() <= d))
    }

    /// The name to show this viewer: stewards and the teller see it; others only when
    /// the teller allowed it.
    pub fn shown_name(&self, viewer: Viewer, user_id: Option<i64>) -> Option<&str> {
        let own = user_id.is_some() && user_id == self.teller_user_id;
        (self.show_name || viewer == Viewer::Steward || own).then_some(self.teller_name.as_str())
    }

    /// Who told it, to count distinct tellers: (`b'u'`, user), (`b'p'`, participant) or
    /// (`b's'`, story) when neither is known.
    pub fn teller_id(&self) -> (u8, i64) {
        match (self.teller_user_id, self.participant_id) {
            (Some(u), _) => (b'u', u),
            (None, Some(p)) => (b'p', p),
            (None, None) => (b's', self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;

    fn step(cycle: &str, kind: &str, text: &str, ind: &[&str]) -> StepDraft {
        StepDraft {
            cycle: cycle.into(),
            kind: kind.into(),
            text: text.into(),
            indicators: ind.iter().map(ToString::to_string).collect(),
        }
    }

    fn draft(steps: Vec<StepDraft>) -> StoryDraft {
        StoryDraft { title: "T".into(), language: "fr".into(), visibility: "public".into(), show_name: true, steps }
    }

    #[test]
    fn steps_are_put_in_framework_order_and_blank_cycles_dropped() {
        let fw = preset("km4dev-experiment").unwrap();
        let s = draft(vec![
            step("applied", "aspirational", "Je vais essayer", &[]),
            step("potential", "realized", "", &[]),
            step("immediate", "realized", "<b>J'ai</b> rencontré", &["networking"]),
        ])
        .validate(fw)
        .unwrap();
        let cycles: Vec<_> = s.steps.iter().map(|s| s.cycle.as_str()).collect();
        assert_eq!(cycles, ["immediate", "applied"]);
        assert_eq!(s.steps[0].text, "<b>J'ai</b> rencontré", "text is kept exactly as typed");
    }

    #[test]
    fn unknown_cycle_indicator_and_empty_story_are_refused() {
        let fw = preset("km4dev-experiment").unwrap();
        let e = draft(vec![step("reframing", "realized", "x", &[])]).validate(fw).unwrap_err();
        assert_eq!(e.code, "err-unknown-cycle");
        let e = draft(vec![step("immediate", "realized", "x", &["nope"])]).validate(fw).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), ("err-unknown-indicator", "steps[0].indicators"));
        let e = draft(vec![]).validate(fw).unwrap_err();
        assert_eq!(e.code, "err-empty-story");
        let e =
            draft(vec![step("immediate", "realized", &"x".repeat(MAX_STEP_TEXT + 1), &[])]).validate(fw).unwrap_err();
        assert_eq!(e.code, "err-too-long");
        let e = draft(vec![step("immediate", "maybe", "x", &[])]).validate(fw).unwrap_err();
        assert_eq!(e.code, "err-kind");
        let e = draft(vec![step("immediate", "realized", "x", &[]), step("immediate", "realized", "y", &[])])
            .validate(fw)
            .unwrap_err();
        assert_eq!(e.code, "err-duplicate-cycle");
    }

    #[test]
    fn visibility_follows_the_tellers_choice() {
        use Viewer::*;
        assert!(Visibility::Public.allows(Anonymous));
        assert!(!Visibility::Community.allows(Anonymous));
        assert!(Visibility::Community.allows(Member));
        assert!(!Visibility::Stewards.allows(Member));
        assert!(Visibility::Stewards.allows(Steward));
    }

    #[test]
    fn language_tags_are_checked() {
        assert!(parse_language("pt-BR").is_ok());
        assert!(parse_language("english please").is_err());
    }
}
