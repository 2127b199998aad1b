//! The matrix in full: stories as rows, cycles as columns, each cell the story's step
//! there — whether its value happened or is hoped for, what became of the hope, the
//! indicators ticked and the first words — with the filters a reader narrows it by.

use crate::domain::convening::Mode;
use crate::domain::framework::Framework;
use crate::domain::story::{StepKind, Story};
use crate::domain::wave::OutcomeStatus;

/// What the reader narrows the stories to; `None` everywhere is every story.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub convening: Option<i64>,
    pub mode: Option<Mode>,
    /// Told on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Told on or before this day.
    pub to: Option<String>,
    pub language: Option<String>,
    /// Stories with a step ticking this indicator.
    pub indicator: Option<String>,
    pub wave: Option<i64>,
}

impl Filter {
    /// Whether a story (of a convening held in `mode`) passes every filter set.
    pub fn matches(&self, s: &Story, mode: Mode) -> bool {
        let day = s.created_at.get(..10).unwrap_or_default();
        self.convening.is_none_or(|c| c == s.convening_id)
            && self.mode.is_none_or(|m| m == mode)
            && self.from.as_deref().is_none_or(|f| day >= f)
            && self.to.as_deref().is_none_or(|t| day <= t)
            && self.language.as_deref().is_none_or(|l| l == s.language)
            && self.indicator.as_deref().is_none_or(|i| s.steps.iter().any(|st| st.indicators.iter().any(|x| x == i)))
            && self.wave.is_none_or(|w| s.wave_id == Some(w))
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// One cell of the full matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCell {
    /// Value happened here (a realized step, or a hope later said to have happened).
    pub happened: bool,
    /// Every step here was hoped for when told.
    pub hoped: bool,
    /// The latest outcome said of the hope.
    pub outcome: Option<OutcomeStatus>,
    /// Indicator keys ticked in this cycle.
    pub indicators: Vec<String>,
    pub excerpt: String,
}

/// The story's cells, one per cycle of the framework (`None`: it does not tell of it).
pub fn cells(framework: &Framework, s: &Story, excerpt_chars: usize) -> Vec<Option<StepCell>> {
    framework
        .cycles
        .iter()
        .map(|c| {
            let steps: Vec<_> = s.steps.iter().filter(|st| st.cycle == c.key).collect();
            let first = steps.first()?;
            let hoped = steps.iter().all(|st| st.kind == StepKind::Aspirational);
            let outcome = s.outcome(&c.key, None).map(|o| o.status);
            Some(StepCell {
                happened: !hoped || outcome == Some(OutcomeStatus::Happened),
                hoped,
                outcome: if hoped { outcome } else { None },
                indicators: steps.iter().flat_map(|st| st.indicators.iter().cloned()).collect(),
                excerpt: super::report::excerpt(&first.text, excerpt_chars),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use crate::domain::story::{Step, Visibility};

    fn story() -> Story {
        Story {
            id: 1,
            convening_id: 4,
            framework_id: 1,
            teller_user_id: Some(1),
            participant_id: None,
            teller_name: "A".into(),
            title: "T".into(),
            language: "fr".into(),
            visibility: Visibility::Public,
            show_name: true,
            revision: 1,
            updated_at: String::new(),
            hidden: false,
            via_link: false,
            wave_id: Some(9),
            outcomes: Vec::new(),
            created_at: "2026-03-11T10:00:00Z".into(),
            steps: vec![
                Step {
                    cycle: "immediate".into(),
                    kind: StepKind::Realized,
                    text: "Nous avons parlé longtemps.".into(),
                    indicators: vec!["networking".into()],
                },
                Step {
                    cycle: "applied".into(),
                    kind: StepKind::Aspirational,
                    text: "J'essaierai.".into(),
                    indicators: vec![],
                },
            ],
        }
    }

    #[test]
    fn filters_narrow_by_each_field_and_none_passes_everything() {
        let s = story();
        assert!(Filter::default().matches(&s, Mode::InPerson));
        let f = |f: Filter| f.matches(&s, Mode::InPerson);
        assert!(f(Filter {
            convening: Some(4),
            mode: Some(Mode::InPerson),
            language: Some("fr".into()),
            ..Default::default()
        }));
        assert!(!f(Filter { convening: Some(5), ..Default::default() }));
        assert!(!f(Filter { mode: Some(Mode::Virtual), ..Default::default() }));
        assert!(f(Filter { from: Some("2026-03-11".into()), to: Some("2026-03-11".into()), ..Default::default() }));
        assert!(!f(Filter { from: Some("2026-03-12".into()), ..Default::default() }));
        assert!(!f(Filter { to: Some("2026-03-10".into()), ..Default::default() }));
        assert!(f(Filter { indicator: Some("networking".into()), wave: Some(9), ..Default::default() }));
        assert!(!f(Filter { indicator: Some("belonging".into()), ..Default::default() }));
        assert!(!f(Filter { wave: Some(8), ..Default::default() }));
    }

    #[test]
    fn cells_follow_the_framework_order_and_say_what_happened() {
        let fw = preset("km4dev-experiment").unwrap();
        let c = cells(fw, &story(), 10);
        assert_eq!(c.len(), 4);
        let imm = c[0].as_ref().unwrap();
        assert!(imm.happened && !imm.hoped && imm.indicators == ["networking"]);
        assert_eq!(imm.excerpt, "Nous avons…");
        assert!(c[1].is_none() && c[3].is_none());
        let applied = c[2].as_ref().unwrap();
        assert!(!applied.happened && applied.hoped && applied.outcome.is_none());
    }
}
