//! The value-creation matrix of a convening: per cycle, how many stories reach it with
//! value that happened, how many only hope to, and how often each indicator was ticked.

use crate::domain::framework::Framework;
use crate::domain::story::{StepKind, Story};
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
    /// Stories with a realized step in this cycle.
    pub realized: usize,
    /// Stories whose steps in this cycle are all aspirational.
    pub aspirational: usize,
    pub indicators: Vec<IndicatorCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    pub n_stories: usize,
    /// Distinct people (members or guests) who told at least one story.
    pub n_tellers: usize,
    pub n_participants: usize,
    pub cycles: Vec<CycleCount>,
}

/// Counts over every story of the convening, whatever its visibility: the counts reveal
/// no one's words, and a base that changed with the reader would not be honest evidence.
/// Steps in cycles the framework no longer has are ignored.
pub fn matrix(framework: &Framework, stories: &[Story], n_participants: usize) -> Matrix {
    // Hidden stories are kept for stewards but left out of every count.
    let shown: Vec<&Story> = stories.iter().filter(|s| !s.hidden).collect();
    let stories = shown.as_slice();
    let cycles = framework
        .cycles
        .iter()
        .map(|c| {
            let mut realized = 0;
            let mut aspirational = 0;
            let mut counts = vec![0usize; c.indicators.len()];
            for s in stories {
                let steps: Vec<_> = s.steps.iter().filter(|st| st.cycle == c.key).collect();
                if steps.is_empty() {
                    continue;
                }
                if steps.iter().any(|st| st.kind == StepKind::Realized) {
                    realized += 1;
                } else {
                    aspirational += 1;
                }
                for st in steps {
                    for key in &st.indicators {
                        if let Some(i) = c.indicators.iter().position(|i| &i.key == key) {
                            counts[i] += 1;
                        }
                    }
                }
            }
            CycleCount {
                key: c.key.clone(),
                name: c.name.clone(),
                realized,
                aspirational,
                indicators: c
                    .indicators
                    .iter()
                    .zip(counts)
                    .map(|(i, count)| IndicatorCount { key: i.key.clone(), name: i.name.clone(), count })
                    .collect(),
            }
        })
        .collect();
    let tellers: HashSet<String> = stories.iter().map(|s| s.teller_key()).collect();
    Matrix { n_stories: stories.len(), n_tellers: tellers.len(), n_participants, cycles }
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
}
