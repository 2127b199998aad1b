//! Value-creation stories in the browser: the form that walks the framework's cycles
//! (for members, and for anyone holding a private answer link), the story page, editing
//! (a new revision each time), the revision history, and the steward's hide and delete.

use super::story_view::view;
use super::story_view::{StoryView, story_views};
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::Viewer;
use crate::domain::framework::{Cycle, Framework};
use crate::domain::story::{StepDraft, Story, StoryDraft};
use crate::domain::wave::OutcomeDraft;
use crate::i18n::Lang;
use crate::service::{self, Actor, ServiceError};
use crate::store::Convening;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/stories/new", get(member_form).post(member_submit))
        .route("/answer/{token}", get(link_form).post(link_submit))
        .route("/answer/{token}/stories/{id}/edit", get(link_edit_form).post(link_edit_submit))
        .route("/stories/{id}", get(page))
        .route("/stories/{id}/edit", get(edit_form).post(edit_submit))
        .route("/stories/{id}/outcomes", post(outcome))
        .route("/answer/{token}/stories/{id}/outcomes", post(link_outcome))
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
    pub fn empty(lang: &str) -> Self {
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

    /// The form filled with a stored story, to edit it.
    pub fn of(story: &Story) -> Self {
        Self {
            title: story.title.clone(),
            language: story.language.clone(),
            visibility: story.visibility.as_str().into(),
            show_name: story.show_name,
            steps: story
                .steps
                .iter()
                .map(|s| StepDraft {
                    cycle: s.cycle.clone(),
                    kind: s.kind.as_str().into(),
                    text: s.text.clone(),
                    indicators: s.indicators.clone(),
                })
                .collect(),
        }
    }

    pub fn draft(&self) -> StoryDraft {
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
    /// Something was typed or ticked for this cycle (its part of the form opens).
    pub fn has(&self, cycle: &str) -> bool {
        self.steps.iter().any(|s| s.cycle == cycle && (!s.text.trim().is_empty() || !s.indicators.is_empty()))
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
    /// Editing: the revision the form was loaded from.
    revision: Option<i64>,
}

/// The community's current framework, in the teller's language (English where it has
/// no text in that language).
async fn current_cycles(state: &AppState, convening: &Convening, lang: Lang) -> Result<Framework, AppError> {
    let community = state.store.community_by_id(convening.community_id).await?.ok_or(AppError::NotFound)?;
    Ok(service::current_framework(&state.store, &community).await?.framework.localized(lang))
}

async fn member_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let (convening, _, viewer) = service::convening(&state.store, &ctx.actor(), id).await?;
    if viewer < Viewer::Member {
        return Err(AppError::Forbidden);
    }
    let fw = current_cycles(&state, &convening, ctx.lang).await?;
    let form = FormState::empty(ctx.lang.code());
    Ok(Page(FormPage {
        action: format!("/convenings/{id}/stories/new"),
        teller: user.name,
        ctx,
        convening,
        cycles: fw.cycles,
        form,
        error: None,
        told: false,
        stories: Vec::new(),
        revision: None,
    })
    .into_response())
}

/// The form again with what was typed and the message (422).
fn refused(page: FormPage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response()
}

async fn tell(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    convening: Convening,
    teller: String,
    action: String,
    body: &[u8],
) -> Result<Response, AppError> {
    let fw = wave_cycles(state, actor, current_cycles(state, &convening, ctx.lang).await?).await?;
    let form = match FormState::parse(body, &fw) {
        Ok(form) => form,
        Err(max) => return Ok(super::security::too_many_fields(ctx.lang, max)),
    };
    match service::stories::tell_story(&state.store, actor, convening.id, &form.draft()).await {
        // A link holder may not be able to open the story page (a stewards-only story,
        // no account), so they come back to their link, which thanks them.
        Ok(_) if action.starts_with("/answer/") => Ok(see_other(&format!("{action}?told=1"))),
        Ok(story) => Ok(see_other(&format!("/stories/{}?told=1", story.id))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e)).unwrap_or_default();
            let error = Some(error);
            let (told, stories, revision) = (false, Vec::new(), None);
            Ok(refused(FormPage {
                ctx,
                convening,
                cycles: fw.cycles,
                action,
                teller,
                form,
                error,
                told,
                stories,
                revision,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

async fn member_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let (convening, _, _) = service::convening(&state.store, &ctx.actor(), id).await?;
    let actor = ctx.actor();
    tell(&state, ctx, &actor, convening, user.name, format!("/convenings/{id}/stories/new"), &body).await
}

async fn link_actor(state: &AppState, token: &str) -> Result<(Actor, Convening), AppError> {
    let actor = service::convenings::open_answer_link(&state.store, token).await?;
    let Actor::Link { participant, .. } = &actor else { return Err(AppError::NotFound) };
    let convening = state.store.convening(participant.convening_id).await?.ok_or(AppError::NotFound)?;
    Ok((actor, convening))
}

fn link_name(actor: &Actor) -> String {
    match actor {
        Actor::Link { participant, .. } => participant.name.clone(),
        _ => String::new(),
    }
}

async fn link_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<StoryQuery>,
) -> Result<Response, AppError> {
    render_link(&state, ctx, &token, q.told.is_some(), None).await
}

/// A refused outcome: which story, (cycle, status, text as typed, message).
type TypedOutcome = (i64, (String, String, String, String));

/// The link holder's page: their stories (with what a refused outcome form held) and the form.
async fn render_link(
    state: &AppState,
    ctx: Ctx,
    token: &str,
    told: bool,
    typed: Option<TypedOutcome>,
) -> Result<Response, AppError> {
    let (actor, convening) = link_actor(state, token).await?;
    let fw = wave_cycles(state, &actor, current_cycles(state, &convening, ctx.lang).await?).await?;
    let form = FormState::empty(ctx.lang.code());
    let own = service::stories::own_link_stories(&state.store, &actor).await?;
    // The link holder is the teller: they see their own stories, names included, and
    // edit them through the link.
    let mut own_views = story_views(state, &actor, Viewer::Anonymous, &own, ctx.lang).await?;
    let status = if typed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    for v in &mut own_views {
        v.edit_url = Some(format!("/answer/{token}/stories/{}/edit", v.id));
        v.outcome_url = Some(format!("/answer/{token}/stories/{}/outcomes", v.id));
        if let Some((id, t)) = &typed
            && *id == v.id
        {
            v.outcome_typed = Some(t.clone());
        }
    }
    let page = FormPage {
        action: format!("/answer/{token}"),
        teller: link_name(&actor),
        ctx,
        convening,
        cycles: fw.cycles,
        form,
        error: None,
        told,
        stories: own_views,
        revision: None,
    };
    Ok((status, Page(page)).into_response())
}

/// A wave's link asks about the wave's cycles only.
async fn wave_cycles(state: &AppState, actor: &Actor, mut fw: Framework) -> Result<Framework, AppError> {
    if let Some(w) = service::waves::link_wave(&state.store, actor).await? {
        fw.cycles.retain(|c| w.cycles.contains(&c.key));
    }
    Ok(fw)
}

#[derive(serde::Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    text: String,
}

/// Records an outcome; a refused one comes back as (what was typed, the message).
async fn save_outcome(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    f: OutcomeForm,
) -> Result<Option<(String, String, String, String)>, AppError> {
    let d = OutcomeDraft { cycle: f.cycle.clone(), status: f.status.clone(), text: f.text.clone() };
    match service::waves::record_outcome(&state.store, actor, id, &d).await {
        Ok(_) => Ok(None),
        Err(ServiceError::Invalid(e)) => {
            let message = e.first().map(|e| ctx.error(e)).unwrap_or_default();
            Ok(Some((f.cycle, f.status, f.text, message)))
        }
        Err(e) => Err(e.into()),
    }
}

async fn outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::Form(f): axum::extract::Form<OutcomeForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match save_outcome(&state, &ctx, &ctx.actor(), id, f).await? {
        None => Ok(see_other(&format!("/stories/{id}?told=1"))),
        Some(typed) => render_story(&state, ctx, id, false, Some(typed)).await,
    }
}

async fn link_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((token, id)): Path<(String, i64)>,
    axum::extract::Form(f): axum::extract::Form<OutcomeForm>,
) -> Result<Response, AppError> {
    let (actor, _) = link_actor(&state, &token).await?;
    match save_outcome(&state, &ctx, &actor, id, f).await? {
        None => Ok(see_other(&format!("/answer/{token}?told=1"))),
        Some(typed) => render_link(&state, ctx, &token, false, Some((id, typed))).await,
    }
}

async fn link_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (actor, convening) = link_actor(&state, &token).await?;
    let name = link_name(&actor);
    tell(&state, ctx, &actor, convening, name, format!("/answer/{token}"), &body).await
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    ctx: Ctx,
    convening: Convening,
    /// The one story, as a list so that the shared story list renders it.
    stories: Vec<StoryView>,
    told: bool,
    is_steward: bool,
    /// The reader may see the revision history (teller or steward).
    sees_revisions: bool,
    comment_box: super::comments::CommentBox,
    /// Open Graph: the story's title and the teller's name where shown.
    og_title: String,
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
    render_story(&state, ctx, id, q.told.is_some(), None).await
}

async fn render_story(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    told: bool,
    typed: Option<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let actor = ctx.actor();
    let (story, convening, viewer) = service::stories::story(&state.store, &actor, id).await?;
    let fw = state.store.framework(story.framework_id).await?.ok_or(AppError::NotFound)?;
    let is_steward = viewer == Viewer::Steward;
    let sees_revisions = is_steward || service::stories::is_teller(&actor, &story);
    let mut view = view(&story, &fw.framework.localized(ctx.lang), &actor, viewer);
    let status = if typed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    view.outcome_typed = typed;
    let target = crate::service::comments::Target::Story(id);
    let comment_box = super::comments::load(state, &ctx, target, format!("/stories/{id}/comments")).await?;
    let og_title = if story.title.trim().is_empty() { convening.title.clone() } else { story.title.clone() };
    let page =
        StoryPage { ctx, convening, stories: vec![view], told, is_steward, sees_revisions, comment_box, og_title };
    Ok((status, Page(page)).into_response())
}

/// The edit form for the story's teller: filled with the current revision, checked
/// against the framework version it was told in.
async fn render_edit(state: &AppState, ctx: Ctx, actor: &Actor, id: i64, action: String) -> Result<Response, AppError> {
    let (story, convening, _) = service::stories::story(&state.store, actor, id).await?;
    if !service::stories::is_teller(actor, &story) {
        return Err(AppError::Forbidden);
    }
    let fw = state.store.framework(story.framework_id).await?.ok_or(AppError::NotFound)?;
    let cycles = fw.framework.localized(ctx.lang).cycles;
    let form = FormState::of(&story);
    let teller = story.teller_name.clone();
    Ok(Page(FormPage {
        ctx,
        convening,
        cycles,
        action,
        teller,
        form,
        error: None,
        told: false,
        stories: Vec::new(),
        revision: Some(story.revision),
    })
    .into_response())
}

async fn save_edit(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    id: i64,
    action: String,
    done: String,
    body: &[u8],
) -> Result<Response, AppError> {
    let (story, convening, _) = service::stories::story(&state.store, actor, id).await?;
    let fw = state.store.framework(story.framework_id).await?.ok_or(AppError::NotFound)?;
    let form = match FormState::parse(body, &fw.framework) {
        Ok(form) => form,
        Err(max) => return Ok(super::security::too_many_fields(ctx.lang, max)),
    };
    let revision = form_revision(body).unwrap_or(story.revision);
    match service::stories::edit_story(&state.store, actor, id, &form.draft(), revision).await {
        Ok(_) => Ok(see_other(&done)),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e)).unwrap_or_default();
            let (cycles, teller, error, revision) =
                (fw.framework.localized(ctx.lang).cycles, story.teller_name, Some(error), Some(revision));
            let (told, stories) = (false, Vec::new());
            Ok(refused(FormPage { ctx, convening, cycles, action, teller, form, error, told, stories, revision }))
        }
        // Someone saved in between: keep what was typed, on top of the new revision.
        Err(ServiceError::Conflict("stale")) => {
            let error = ctx.t("err-conflict-stale");
            let (cycles, teller, error, revision) =
                (fw.framework.localized(ctx.lang).cycles, story.teller_name, Some(error), Some(story.revision));
            let (told, stories) = (false, Vec::new());
            Ok(refused(FormPage { ctx, convening, cycles, action, teller, form, error, told, stories, revision }))
        }
        Err(e) => Err(e.into()),
    }
}

fn form_revision(body: &[u8]) -> Option<i64> {
    form_urlencoded::parse(body).find(|(k, _)| k == "revision").and_then(|(_, v)| v.trim().parse().ok())
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let actor = ctx.actor();
    render_edit(&state, ctx, &actor, id, format!("/stories/{id}/edit")).await
}

async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let actor = ctx.actor();
    save_edit(&state, ctx, &actor, id, format!("/stories/{id}/edit"), format!("/stories/{id}?told=1"), &body).await
}

async fn link_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((token, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (actor, _) = link_actor(&state, &token).await?;
    render_edit(&state, ctx, &actor, id, format!("/answer/{token}/stories/{id}/edit")).await
}

async fn link_edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((token, id)): Path<(String, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (actor, _) = link_actor(&state, &token).await?;
    let action = format!("/answer/{token}/stories/{id}/edit");
    save_edit(&state, ctx, &actor, id, action, format!("/answer/{token}?told=1"), &body).await
}
