//! A story as one reader sees it: the teller's name only where allowed, cycle and
//! indicator keys replaced by their names, the latest outcome of each hope, and where the
//! reader may edit it or say what became of it.

use super::{AppError, AppState};
use crate::domain::Viewer;
use crate::domain::framework::Framework;
use crate::domain::story::Story;
use crate::service::{self, Actor};

/// A story prepared for display to one viewer: names hidden as the teller chose, cycle
/// and indicator keys replaced by their names.
pub struct StoryView {
    pub id: i64,
    pub title: String,
    pub language: String,
    pub teller: Option<String>,
    pub visibility: &'static str,
    pub created_at: String,
    pub steps: Vec<StepView>,
    pub hidden: bool,
    pub revision: i64,
    /// Where the reader edits it, if they may.
    pub edit_url: Option<String>,
    /// Where the reader says what became of its hopes, if they may.
    pub outcome_url: Option<String>,
    /// A refused outcome form to show again: (cycle, status, text as typed, message).
    pub outcome_typed: Option<(String, String, String, String)>,
}

impl StoryView {
    /// What was typed into the outcome form of a cycle, if it was refused.
    pub fn typed(&self, cycle: &str) -> Option<&(String, String, String, String)> {
        self.outcome_typed.as_ref().filter(|t| t.0 == cycle)
    }
    /// Whether a status radio of a cycle's outcome form is checked.
    pub fn status_checked(&self, cycle: &str, status: &str) -> bool {
        self.typed(cycle).map_or(status == "happened", |t| t.1 == status)
    }
}

pub struct StepView {
    pub cycle: String,
    pub kind: &'static str,
    pub text: String,
    pub indicators: Vec<String>,
    /// The cycle's key (forms post it back).
    pub key: String,
    /// The latest outcome of a hoped-for step: (status, what was said, date).
    pub outcome: Option<(&'static str, String, String)>,
}

pub(super) fn step_views(steps: &[crate::domain::story::Step], framework: &Framework) -> Vec<StepView> {
    steps
        .iter()
        .map(|s| {
            let cycle = framework.cycle(&s.cycle);
            StepView {
                key: s.cycle.clone(),
                outcome: None,
                cycle: cycle.map_or_else(|| s.cycle.clone(), |c| c.name.clone()),
                kind: s.kind.as_str(),
                text: s.text.clone(),
                indicators: s
                    .indicators
                    .iter()
                    .map(|k| {
                        cycle
                            .and_then(|c| c.indicators.iter().find(|i| &i.key == k))
                            .map_or_else(|| k.clone(), |i| i.name.clone())
                    })
                    .collect(),
            }
        })
        .collect()
}

pub fn view(story: &Story, framework: &Framework, actor: &Actor, viewer: Viewer) -> StoryView {
    let reader = service::stories::reader(actor, viewer, story);
    let (edit_url, outcome_url) = match actor {
        Actor::User(_) if service::stories::is_teller(actor, story) => {
            (Some(format!("/stories/{}/edit", story.id)), Some(format!("/stories/{}/outcomes", story.id)))
        }
        _ => (None, None),
    };
    StoryView {
        id: story.id,
        title: story.title.clone(),
        language: story.language.clone(),
        teller: story.shown_name(reader, actor.user_id()).map(str::to_string),
        visibility: story.visibility.as_str(),
        created_at: story.created_at.get(..10).unwrap_or_default().to_string(),
        steps: step_views(&story.steps, framework)
            .into_iter()
            .map(|mut v| {
                v.outcome = story.outcome(&v.key, None).map(|o| {
                    (o.status.as_str(), o.text.clone(), o.recorded_at.get(..10).unwrap_or_default().to_string())
                });
                v
            })
            .collect(),
        hidden: story.hidden,
        revision: story.revision,
        edit_url,
        outcome_url,
        outcome_typed: None,
    }
}

/// The stories given, each shown in the framework version it was told in (in the
/// reader's language).
pub async fn story_views(
    state: &AppState,
    actor: &Actor,
    viewer: Viewer,
    stories: &[Story],
    lang: crate::i18n::Lang,
) -> Result<Vec<StoryView>, AppError> {
    let mut frameworks: Vec<crate::store::FrameworkVersion> = Vec::new();
    let mut out = Vec::new();
    for s in stories {
        if !frameworks.iter().any(|f| f.id == s.framework_id) {
            let mut v = state.store.framework(s.framework_id).await?.ok_or(AppError::NotFound)?;
            v.framework = v.framework.localized(lang);
            frameworks.push(v);
        }
        let fw = frameworks.iter().find(|f| f.id == s.framework_id).ok_or(AppError::NotFound)?;
        out.push(view(s, &fw.framework, actor, viewer));
    }
    Ok(out)
}
