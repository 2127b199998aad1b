//! Value-creation stories in the browser: the form that walks the framework's cycles
//! (for members, and for anyone holding a private answer link), and the story page.

use super::convening::load_convening;
use super::{AppError, AppState, Ctx, Page, hash_token, see_other};
use crate::domain::FieldError;
use crate::domain::Viewer;
use crate::domain::framework::{Cycle, Framework};
use crate::domain::story::{StepDraft, Story, StoryDraft};
use crate::store::{Convening, Participant, StoreError, Teller};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/stories/new", get(member_form).post(member_submit))
        .route("/answer/{token}", get(link_form).post(link_submit))
        .route("/stories/{id}", get(page))
}

/// Checks a story against the community's current framework and stores it. A member who
/// tells a story about a convening has taken part in it, so they become a participant —
/// only once the story passed, so that a refused story leaves no trace. Shared by the
/// form and the API.
pub async fn tell_story(
    state: &AppState,
    convening: &Convening,
    teller: &Teller,
    draft: &StoryDraft,
) -> Result<Result<Story, FieldError>, StoreError> {
    let community = state.store.community_by_id(convening.community_id).await?.ok_or(StoreError::NotFound)?;
    let fw = state.store.framework(community.framework_id).await?.ok_or(StoreError::NotFound)?;
    let story = match draft.validate(&fw.framework) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let mut teller = teller.clone();
    if teller.participant_id.is_none()
        && let Some(uid) = teller.user_id
    {
        teller.participant_id = Some(state.store.add_participant(convening.id, Some(uid), &teller.name).await?.id);
    }
    let saved = state.store.create_story(convening.id, fw.id, &teller, &story, &crate::store::now()).await?;
    Ok(Ok(saved))
}

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
}

pub struct StepView {
    pub cycle: String,
    pub kind: &'static str,
    pub text: String,
    pub indicators: Vec<String>,
}

pub fn view(story: &Story, framework: &Framework, viewer: Viewer, user_id: Option<i64>) -> StoryView {
    StoryView {
        id: story.id,
        title: story.title.clone(),
        language: story.language.clone(),
        teller: story.shown_name(viewer, user_id).map(str::to_string),
        visibility: story.visibility.as_str(),
        created_at: story.created_at.get(..10).unwrap_or_default().to_string(),
        steps: story
            .steps
            .iter()
            .map(|s| {
                let cycle = framework.cycle(&s.cycle);
                StepView {
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
            .collect(),
    }
}

/// The stories this viewer may read, each shown in the framework version it was told in.
pub async fn story_views(
    state: &AppState,
    ctx: &Ctx,
    viewer: Viewer,
    stories: &[Story],
) -> Result<Vec<StoryView>, AppError> {
    let mut frameworks: Vec<crate::store::FrameworkVersion> = Vec::new();
    let mut out = Vec::new();
    for s in stories.iter().filter(|s| s.visible_to(viewer, ctx.user_id())) {
        if !frameworks.iter().any(|f| f.id == s.framework_id) {
            frameworks.push(state.store.framework(s.framework_id).await?.ok_or(AppError::NotFound)?);
        }
        let fw = frameworks.iter().find(|f| f.id == s.framework_id).ok_or(AppError::NotFound)?;
        out.push(view(s, &fw.framework, viewer, ctx.user_id()));
    }
    Ok(out)
}

/// What the form shows: the framework's cycles and what the teller typed so far.
pub struct FormState {
    pub title: String,
    pub language: String,
    pub visibility: String,
    pub show_name: bool,
    pub steps: Vec<StepDraft>,
}

impl FormState {
    fn empty(lang: &str) -> Self {
        Self {
            title: String::new(),
            language: lang.into(),
            visibility: "community".into(),
            show_name: true,
            steps: Vec::new(),
        }
    }

    /// The most fields a form for `framework` can hold: csrf, title, language, visibility,
    /// show_name, and per cycle its text, kind and indicators; never more than
    /// [`crate::limits::Limits::story_form_fields`].
    pub fn max_fields(framework: &Framework) -> usize {
        let fields = framework.cycles.iter().map(|c| 2 + c.indicators.len()).sum::<usize>() + 5;
        fields.min(crate::limits::Limits::get().story_form_fields)
    }

    /// Reads the posted form: `text_<cycle>`, `kind_<cycle>`, repeated `ind_<cycle>`, in
    /// one pass. A form with more fields than [`FormState::max_fields`] is refused with
    /// that number before any further work.
    pub fn parse(body: &[u8], framework: &Framework) -> Result<Self, usize> {
        let max = Self::max_fields(framework);
        let mut fields: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        for (i, (k, v)) in form_urlencoded::parse(body).enumerate() {
            if i >= max {
                return Err(max);
            }
            fields.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        let mut get = |k: &str| fields.remove(k).and_then(|v| v.into_iter().next()).unwrap_or_default();
        let mut steps = Vec::with_capacity(framework.cycles.len());
        for c in &framework.cycles {
            let kind = get(&format!("kind_{}", c.key));
            steps.push(StepDraft {
                cycle: c.key.clone(),
                kind: if kind.is_empty() { "realized".into() } else { kind },
                text: get(&format!("text_{}", c.key)),
                indicators: Vec::new(),
            });
        }
        let (title, language, visibility, show_name) =
            (get("title"), get("language"), get("visibility"), get("show_name"));
        for step in &mut steps {
            step.indicators = fields.remove(&format!("ind_{}", step.cycle)).unwrap_or_default();
        }
        Ok(FormState { title, language, visibility, show_name: !show_name.is_empty(), steps })
    }

    fn draft(&self) -> StoryDraft {
        StoryDraft {
            title: self.title.clone(),
            language: self.language.clone(),
            visibility: self.visibility.clone(),
            show_name: self.show_name,
            steps: self.steps.clone(),
        }
    }

    pub fn text(&self, cycle: &str) -> &str {
        self.steps.iter().find(|s| s.cycle == cycle).map_or("", |s| s.text.as_str())
    }
    pub fn is_aspirational(&self, cycle: &str) -> bool {
        self.steps.iter().any(|s| s.cycle == cycle && s.kind == "aspirational")
    }
    pub fn ticked(&self, cycle: &str, indicator: &str) -> bool {
        self.steps.iter().any(|s| s.cycle == cycle && s.indicators.iter().any(|i| i == indicator))
    }
}

#[derive(Template)]
#[template(path = "story_form.html")]
struct FormPage {
    ctx: Ctx,
    convening: Convening,
    cycles: Vec<Cycle>,
    action: String,
    teller: String,
    form: FormState,
    error: Option<String>,
    /// Set after a link holder's story was saved.
    told: bool,
    /// The link holder's own earlier stories.
    stories: Vec<StoryView>,
}

async fn member_teller(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Convening, Teller), AppError> {
    let user = ctx.require_user()?.clone();
    let (convening, _, viewer) = load_convening(state, ctx, id).await?;
    if viewer < Viewer::Member {
        return Err(AppError::Forbidden);
    }
    Ok((convening, Teller { user_id: Some(user.id), participant_id: None, name: user.name }))
}

async fn current_cycles(state: &AppState, convening: &Convening) -> Result<Framework, AppError> {
    let community = state.store.community_by_id(convening.community_id).await?.ok_or(AppError::NotFound)?;
    Ok(state.store.framework(community.framework_id).await?.ok_or(AppError::NotFound)?.framework)
}

async fn member_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (convening, teller) = member_teller(&state, &ctx, id).await?;
    let fw = current_cycles(&state, &convening).await?;
    let form = FormState::empty(ctx.lang.code());
    Ok(Page(FormPage {
        action: format!("/convenings/{id}/stories/new"),
        teller: teller.name,
        ctx,
        convening,
        cycles: fw.cycles,
        form,
        error: None,
        told: false,
        stories: Vec::new(),
    })
    .into_response())
}

async fn submit(
    state: &AppState,
    ctx: Ctx,
    convening: Convening,
    teller: Teller,
    action: String,
    body: &[u8],
) -> Result<Response, AppError> {
    let fw = current_cycles(state, &convening).await?;
    let form = match FormState::parse(body, &fw) {
        Ok(form) => form,
        Err(max) => return Ok(super::security::too_many_fields(ctx.lang, max)),
    };
    match tell_story(state, &convening, &teller, &form.draft()).await? {
        // A link holder may not be able to open the story page (a stewards-only story,
        // no account), so they come back to their link, which thanks them.
        Ok(_) if action.starts_with("/answer/") => Ok(see_other(&format!("{action}?told=1"))),
        Ok(story) => Ok(see_other(&format!("/stories/{}?told=1", story.id))),
        Err(e) => {
            let error = Some(ctx.error(&e));
            let mut resp = Page(FormPage {
                ctx,
                convening,
                cycles: fw.cycles,
                action,
                teller: teller.name,
                form,
                error,
                told: false,
                stories: Vec::new(),
            })
            .into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

async fn member_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (convening, teller) = member_teller(&state, &ctx, id).await?;
    submit(&state, ctx, convening, teller, format!("/convenings/{id}/stories/new"), &body).await
}

async fn link_teller(state: &AppState, token: &str) -> Result<(Convening, Participant), AppError> {
    let p = state.store.participant_by_link(&hash_token(token)).await?.ok_or(AppError::NotFound)?;
    let convening = state.store.convening(p.convening_id).await?.ok_or(AppError::NotFound)?;
    Ok((convening, p))
}

async fn link_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<StoryQuery>,
) -> Result<Response, AppError> {
    let (convening, p) = link_teller(&state, &token).await?;
    let fw = current_cycles(&state, &convening).await?;
    let form = FormState::empty(ctx.lang.code());
    let own: Vec<Story> =
        state.store.stories(convening.id).await?.into_iter().filter(|s| s.participant_id == Some(p.id)).collect();
    // The link holder is the teller: they see all their own stories, names included.
    let own_views = story_views(&state, &ctx, Viewer::Steward, &own).await?;
    let error = None;
    Ok(Page(FormPage {
        action: format!("/answer/{token}"),
        teller: p.name,
        ctx,
        convening,
        cycles: fw.cycles,
        form,
        error,
        told: q.told.is_some(),
        stories: own_views,
    })
    .into_response())
}

async fn link_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (convening, p) = link_teller(&state, &token).await?;
    let teller = Teller { user_id: p.user_id, participant_id: Some(p.id), name: p.name };
    submit(&state, ctx, convening, teller, format!("/answer/{token}"), &body).await
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    ctx: Ctx,
    convening: Convening,
    /// The one story, as a list so that the shared story list renders it.
    stories: Vec<StoryView>,
    told: bool,
}

#[derive(serde::Deserialize)]
struct StoryQuery {
    told: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<StoryQuery>,
) -> Result<Response, AppError> {
    let story = state.store.story(id).await?.ok_or(AppError::NotFound)?;
    let (convening, _, viewer) = load_convening(&state, &ctx, story.convening_id).await?;
    if !story.visible_to(viewer, ctx.user_id()) {
        return Err(AppError::NotFound);
    }
    let fw = state.store.framework(story.framework_id).await?.ok_or(AppError::NotFound)?;
    let view = view(&story, &fw.framework, viewer, ctx.user_id());
    Ok(Page(StoryPage { ctx, convening, stories: vec![view], told: q.told.is_some() }).into_response())
}
