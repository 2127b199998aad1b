//! The value-creation matrix of a convening: per cycle, how many stories reach it with
//! value that happened, how many only hope to, how often each indicator was ticked, and
//! what became of the hopes (outcomes said in later waves) — now or as of any date.

use crate::domain::framework::Framework;
use crate::domain::story::{Step, StepKind, Story};
use crate::domain::wave::OutcomeStatus;
use crate::store::StoryRevision;
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorCount {
    pub key: String,
    pub name: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleCount {
    pub key: String,
    pub name: String,
    /// Stories with value that happened in this cycle: a realized step, or an aspirational
    /// one its teller later confirmed (`happened`).
    pub realized: usize,
    /// Stories whose steps in this cycle are still only hoped for.
    pub aspirational: usize,
    pub indicators: Vec<IndicatorCount>,
    /// What became of the aspirational steps in this cycle.
    pub outcomes: OutcomeCounts,
}

/// Aspirational steps of one cycle by their latest outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Said to have happened.
    pub confirmed: usize,
    pub changed: usize,
    pub not_yet: usize,
    pub dropped: usize,
    /// Nothing said yet.
    pub open: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    pub n_stories: usize,
    /// Distinct people (members or guests) who told at least one story.
    pub n_tellers: usize,
    pub n_participants: usize,
    pub cycles: Vec<CycleCount>,
    /// The date the matrix is read as of (`None`: now).
    pub as_of: Option<String>,
}

/// Counts over every story of the convening, whatever its visibility: the counts reveal
/// no one's words, and a base that changed with the reader would not be honest evidence.
/// Steps in cycles the framework no longer has are ignored.
pub fn matrix(framework: &Framework, stories: &[Story], n_participants: usize) -> Matrix {
    matrix_as_of(framework, stories, &[], n_participants, None)
}

/// The matrix as it stood at the end of `as_of` (YYYY-MM-DD): stories told by then, each
/// in the revision it had then (`revisions` holds the earlier ones, by story id), and only
/// the outcomes recorded by then. Without a date, the current state.
pub fn matrix_as_of(
    framework: &Framework,
    stories: &[Story],
    revisions: &[(i64, StoryRevision)],
    n_participants: usize,
    as_of: Option<&str>,
) -> Matrix {
    count(framework, stories.iter(), revisions, n_participants, as_of)
}

/// [`matrix`] over borrowed stories (a selection of several convenings' stories).
pub fn matrix_of(framework: &Framework, stories: &[&Story], n_participants: usize) -> Matrix {
    count(framework, stories.iter().copied(), &[], n_participants, None)
}

fn count<'a>(
    framework: &Framework,
    stories: impl Iterator<Item = &'a Story>,
    revisions: &'a [(i64, StoryRevision)],
    n_participants: usize,
    as_of: Option<&str>,
) -> Matrix {
    let end = as_of.map(|d| format!("{d}T23:59:59Z"));
    let end = end.as_deref();
    // Hidden stories are kept for stewards but left out of every count.
    let told: Vec<(&Story, &[Step])> = stories
        .filter(|s| !s.hidden && end.is_none_or(|e| s.created_at.as_str() <= e))
        .map(|s| (s, steps_at(s, revisions, end)))
        .collect();
    let cycles = framework
        .cycles
        .iter()
        .map(|c| {
            let mut count = CycleCount {
                key: c.key.clone(),
                name: c.name.clone(),
                realized: 0,
                aspirational: 0,
                indicators: Vec::new(),
                outcomes: OutcomeCounts::default(),
            };
            let mut ticks = vec![0usize; c.indicators.len()];
            for (s, steps) in &told {
                // No list of the cycle's steps is made: this loop runs for every story in
                // every cycle, and most stories tell of a few cycles only.
                let mut steps = steps.iter().filter(|st| st.cycle == c.key).peekable();
                if steps.peek().is_none() {
                    continue;
                }
                let outcome = s.outcome(&c.key, end).map(|o| o.status);
                let hoped = steps.clone().all(|st| st.kind == StepKind::Aspirational);
                if hoped {
                    let o = &mut count.outcomes;
                    match outcome {
                        Some(OutcomeStatus::Happened) => o.confirmed += 1,
                        Some(OutcomeStatus::Changed) => o.changed += 1,
                        Some(OutcomeStatus::NotYet) => o.not_yet += 1,
                        Some(OutcomeStatus::Dropped) => o.dropped += 1,
                        None => o.open += 1,
                    }
                }
                if !hoped || outcome == Some(OutcomeStatus::Happened) {
                    count.realized += 1;
                } else {
                    count.aspirational += 1;
                }
                for st in steps {
                    for key in &st.indicators {
                        if let Some(i) = c.indicators.iter().position(|i| &i.key == key) {
                            ticks[i] += 1;
                        }
                    }
                }
            }
            count.indicators = c
                .indicators
                .iter()
                .zip(ticks)
                .map(|(i, count)| IndicatorCount { key: i.key.clone(), name: i.name.clone(), count })
                .collect();
            count
        })
        .collect();
    let tellers: HashSet<(u8, i64)> = told.iter().map(|(s, _)| s.teller_id()).collect();
    Matrix { n_stories: told.len(), n_tellers: tellers.len(), n_participants, cycles, as_of: as_of.map(str::to_string) }
}

/// A story's steps as they were at `end` (the current ones when it has not changed since).
fn steps_at<'a>(s: &'a Story, revisions: &'a [(i64, StoryRevision)], end: Option<&str>) -> &'a [Step] {
    let Some(end) = end else { return &s.steps };
    if s.updated_at.is_empty() || s.updated_at.as_str() <= end {
        return &s.steps;
    }
    revisions
        .iter()
        .filter(|(id, r)| *id == s.id && r.revised_at.as_str() <= end)
        .max_by_key(|(_, r)| r.revision)
        .map_or(&s.steps, |(_, r)| &r.steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use crate::domain::story::{Step, Visibility};

    fn story(id: i64, teller: i64, steps: &[(&str, StepKind, &[&str])]) -> Story {
        Story {
            id,
            convening_id: 1,
            framework_id: 1,
            teller_user_id: Some(teller),
            participant_id: None,
            teller_name: "x".into(),
            title: "t".into(),
            language: "en".into(),
            visibility: Visibility::Stewards,
            show_name: false,
            revision: 1,
            updated_at: String::new(),
            hidden: false,
            via_link: false,
            wave_id: None,
            outcomes: Vec::new(),
            created_at: String::new(),
            steps: steps
                .iter()
                .map(|(c, k, i)| Step {
                    cycle: (*c).into(),
                    kind: *k,
                    text: String::new(),
                    indicators: i.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn realized_and_aspirational_are_counted_apart_with_their_base() {
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let stories = [
            story(1, 7, &[("immediate", Realized, &["networking"]), ("applied", Aspirational, &[])]),
            story(2, 7, &[("immediate", Realized, &["networking", "participation"]), ("applied", Realized, &[])]),
            story(3, 8, &[("potential", Aspirational, &[])]),
        ];
        let m = matrix(fw, &stories, 10);
        assert_eq!((m.n_stories, m.n_tellers, m.n_participants), (3, 2, 10));
        let get = |k: &str| m.cycles.iter().find(|c| c.key == k).unwrap();
        assert_eq!((get("immediate").realized, get("immediate").aspirational), (2, 0));
        assert_eq!((get("applied").realized, get("applied").aspirational), (1, 1));
        assert_eq!((get("potential").realized, get("potential").aspirational), (0, 1));
        assert_eq!((get("realized").realized, get("realized").aspirational), (0, 0));
        let net = get("immediate").indicators.iter().find(|i| i.key == "networking").unwrap();
        assert_eq!(net.count, 2);
    }

    #[test]
    fn a_hidden_story_is_out_of_every_count() {
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let mut hidden = story(2, 8, &[("immediate", Realized, &["networking"])]);
        hidden.hidden = true;
        let stories = [story(1, 7, &[("immediate", Realized, &["networking"])]), hidden];
        let m = matrix(fw, &stories, 10);
        assert_eq!((m.n_stories, m.n_tellers), (1, 1));
        let imm = m.cycles.iter().find(|c| c.key == "immediate").unwrap();
        assert_eq!(imm.realized, 1);
        assert_eq!(imm.indicators.iter().find(|i| i.key == "networking").unwrap().count, 1);
    }

    fn outcome(cycle: &str, status: OutcomeStatus, at: &str) -> crate::domain::wave::StepOutcome {
        crate::domain::wave::StepOutcome {
            cycle: cycle.into(),
            status,
            text: String::new(),
            wave_id: None,
            revision: 2,
            recorded_at: at.into(),
        }
    }

    #[test]
    fn a_confirmed_hope_counts_as_realized_from_the_day_it_was_confirmed() {
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let mut hoping = story(1, 7, &[("immediate", Realized, &[]), ("applied", Aspirational, &[])]);
        hoping.created_at = "2026-03-10T12:00:00Z".into();
        hoping.outcomes.push(outcome("applied", OutcomeStatus::Happened, "2026-06-20T09:00:00Z"));
        let mut dropped = story(2, 8, &[("applied", Aspirational, &[])]);
        dropped.created_at = "2026-03-11T12:00:00Z".into();
        dropped.outcomes.push(outcome("applied", OutcomeStatus::NotYet, "2026-06-21T09:00:00Z"));
        dropped.outcomes.push(outcome("applied", OutcomeStatus::Dropped, "2026-12-20T09:00:00Z"));
        let mut late = story(3, 9, &[("applied", Aspirational, &[])]);
        late.created_at = "2026-07-01T12:00:00Z".into();
        let stories = [hoping, dropped, late];
        let applied = |as_of: Option<&str>| {
            let m = matrix_as_of(fw, &stories, &[], 10, as_of);
            let c = m.cycles.iter().find(|c| c.key == "applied").unwrap().clone();
            (m.n_stories, c.realized, c.aspirational, c.outcomes)
        };
        let o = |confirmed, not_yet, dropped, open| OutcomeCounts { confirmed, changed: 0, not_yet, dropped, open };
        assert_eq!(applied(Some("2026-03-31")), (2, 0, 2, o(0, 0, 0, 2)));
        assert_eq!(applied(Some("2026-06-30")), (2, 1, 1, o(1, 1, 0, 0)));
        assert_eq!(applied(Some("2026-09-30")), (3, 1, 2, o(1, 1, 0, 1)));
        assert_eq!(applied(None), (3, 1, 2, o(1, 0, 1, 1)));
        assert_eq!(applied(Some("2026-01-01")).0, 0, "before anything was told: an empty matrix");
    }

    #[test]
    fn as_of_a_date_a_story_counts_in_the_revision_it_had_then() {
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let mut s = story(1, 7, &[("applied", Realized, &[])]);
        s.created_at = "2026-03-10T12:00:00Z".into();
        s.updated_at = "2026-05-01T12:00:00Z".into();
        s.revision = 2;
        let first = StoryRevision {
            revision: 1,
            framework_id: 1,
            title: "t".into(),
            language: "en".into(),
            visibility: crate::domain::story::Visibility::Public,
            show_name: true,
            steps: vec![Step { cycle: "applied".into(), kind: Aspirational, text: String::new(), indicators: vec![] }],
            revised_at: "2026-03-10T12:00:00Z".into(),
        };
        let revs = [(1, first)];
        let applied = |as_of| {
            let m = matrix_as_of(fw, std::slice::from_ref(&s), &revs, 5, as_of);
            let c = m.cycles.iter().find(|c| c.key == "applied").unwrap().clone();
            (c.realized, c.aspirational)
        };
        assert_eq!(applied(Some("2026-04-01")), (0, 1));
        assert_eq!(applied(Some("2026-05-01")), (1, 0));
        assert_eq!(applied(None), (1, 0));
    }
}
