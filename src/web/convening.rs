//! Convenings: create, edit (status included) and delete one; its page (details,
//! aspirations, participants, the value-creation matrix and the stories the viewer may
//! read); the steward's tools for participants (add, edit, remove), private answer links
//! (issue with an expiry, revoke) and aspirations (add, edit, remove).

use super::community::steward_of;
use super::story_view::{StoryView, story_views};
use super::wave::wave_draft;
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::analysis::matrix::{Matrix, matrix_as_of};
use crate::domain::Viewer;
use crate::domain::convening::{ConveningDraft, Mode, Status};
use crate::service::convenings::ParticipantDraft;
use crate::service::{self, ServiceError};
use crate::store::{AnswerLink, Aspiration, Community, Convening, FrameworkVersion, Member, Participant, Wave};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/convenings/new", get(new_form).post(create))
        .route("/convenings/{id}", get(page))
        .route("/convenings/{id}/edit", get(edit_form).post(edit))
        .route("/convenings/{id}/delete", post(delete))
        .route("/convenings/{id}/participants", post(add_participant))
        .route("/participants/{pid}/edit", post(edit_participant))
        .route("/participants/{pid}/remove", post(remove_participant))
        .route("/participants/{pid}/link", post(issue_link))
        .route("/links/{id}/revoke", post(revoke_link))
        .route("/convenings/{id}/aspirations", post(add_aspiration))
        .route("/convenings/{id}/aspirations/{aid}/edit", post(edit_aspiration))
        .route("/convenings/{id}/aspirations/{aid}/remove", post(remove_aspiration))
        .route("/convenings/{id}/waves", post(add_wave))
}

#[derive(Template)]
#[template(path = "convening_new.html")]
struct FormPage {
    ctx: Ctx,
    community: Community,
    form: ConveningDraft,
    error: Option<String>,
    /// Set when editing: the convening and the version the form was loaded from.
    editing: Option<(i64, i64)>,
    /// Moving the status back needs this box ticked.
    ask_confirm_back: bool,
}

impl FormPage {
    fn modes(&self) -> [Mode; 3] {
        Mode::ALL
    }
    fn statuses(&self) -> [Status; 4] {
        Status::ALL
    }
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let form = ConveningDraft { mode: "in_person".into(), status: "planned".into(), ..Default::default() };
    Ok(Page(FormPage { ctx, community, form, error: None, editing: None, ask_confirm_back: false }).into_response())
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<ConveningDraft>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    match service::convenings::create_convening(&state.store, &ctx.actor(), &slug, &form).await {
        Ok(created) => Ok(see_other(&format!("/convenings/{}", created.id))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page = FormPage { ctx, community, form, error, editing: None, ask_confirm_back: false };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(&state, &ctx, id).await?;
    let form = service::convenings::draft_of(&convening);
    let editing = Some((id, convening.version));
    Ok(Page(FormPage { ctx, community, form, error: None, editing, ask_confirm_back: false }).into_response())
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(flatten)]
    draft: ConveningDraft,
    #[serde(default)]
    version: String,
    #[serde(default)]
    confirm_back: String,
}

/// Saves every field; a stale form (someone saved in between) or a status moved back
/// without the confirmation comes back with what was typed and a message.
async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(&state, &ctx, id).await?;
    let version = f.version.trim().parse().unwrap_or(convening.version);
    let confirmed = !f.confirm_back.is_empty();
    let refused = |key: &str, version: i64, ask: bool, ctx: Ctx, community: Community, form: ConveningDraft| {
        let error = Some(ctx.t(key));
        let page = FormPage { ctx, community, form, error, editing: Some((id, version)), ask_confirm_back: ask };
        (StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response()
    };
    match service::convenings::edit_convening(&state.store, &ctx.actor(), id, &f.draft, version, confirmed).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}"))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page = FormPage {
                ctx,
                community,
                form: f.draft,
                error,
                editing: Some((id, version)),
                ask_confirm_back: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        // Keep what was typed; the form now carries the current version, so sending it
        // again overwrites the other edit knowingly.
        Err(ServiceError::Conflict("stale")) => {
            Ok(refused("err-conflict-stale", convening.version, false, ctx, community, f.draft))
        }
        Err(ServiceError::Conflict("status-back")) => {
            Ok(refused("err-conflict-status-back", version, true, ctx, community, f.draft))
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a convening without stories; one with stories says so and offers to close it.
async fn delete(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(&state, &ctx, id).await?;
    match service::convenings::delete_convening(&state.store, &ctx.actor(), id).await {
        Ok(()) => Ok(see_other(&format!("/c/{}", community.slug))),
        Err(ServiceError::Conflict("has-stories")) => {
            let error = Some(ctx.t("err-conflict-has-stories"));
            let form = service::convenings::draft_of(&convening);
            let page = FormPage {
                ctx,
                community,
                form,
                error,
                editing: Some((id, convening.version)),
                ask_confirm_back: false,
            };
            Ok((StatusCode::CONFLICT, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "convening.html")]
struct ConveningPage {
    ctx: Ctx,
    convening: Convening,
    community: Community,
    framework: FrameworkVersion,
    viewer: Viewer,
    aspirations: Vec<Aspiration>,
    participants: Vec<Participant>,
    links: Vec<AnswerLink>,
    members: Vec<Member>,
    matrix: Matrix,
    /// One page of the stories the reader may see, newest first.
    stories: Vec<StoryView>,
    /// How many stories the reader may see (those the filter keeps, and all), and which
    /// page of them this is.
    readable: usize,
    all_readable: usize,
    filter: StoryFilter,
    page: usize,
    pages: usize,
    hidden_stories: usize,
    can_tell: bool,
    new_link: Option<(String, String)>,
    /// A steward form on this page that was refused, with the text to put back.
    form_error: Option<String>,
    aspiration_text: String,
    /// The follow-up waves with how many participants answered each.
    waves: Vec<(Wave, i64)>,
    comment_box: super::comments::CommentBox,
}

impl ConveningPage {
    fn page_line(&self) -> String {
        let (p, n) = (self.page.to_string(), self.pages.to_string());
        self.ctx.ta("mx-page", &[("page", &p), ("pages", &n)])
    }
    fn wave_cycles(&self, w: &Wave) -> String {
        w.cycles.iter().map(|k| self.cycle_name(k)).collect::<Vec<_>>().join(", ")
    }
    fn answered(&self, n: &i64) -> String {
        self.ctx.ta("wave-answered", &[("n", &n.to_string()), ("participants", &self.participants.len().to_string())])
    }
    fn has_outcomes(&self) -> bool {
        self.matrix.cycles.iter().any(|c| {
            let o = &c.outcomes;
            o.confirmed + o.changed + o.not_yet + o.dropped + o.open > 0
        })
    }
    fn is_steward(&self) -> bool {
        self.viewer == Viewer::Steward
    }
    fn cycle_name(&self, key: &str) -> String {
        self.framework.framework.cycle(key).map_or_else(|| key.to_string(), |c| c.name.clone())
    }
    fn base(&self) -> String {
        self.ctx.ta(
            "matrix-base",
            &[
                ("stories", &self.matrix.n_stories.to_string()),
                ("tellers", &self.matrix.n_tellers.to_string()),
                ("participants", &self.matrix.n_participants.to_string()),
            ],
        )
    }
    /// The participant's live answer link, if one was issued and not revoked.
    fn live_link(&self, pid: &i64) -> Option<&AnswerLink> {
        self.links.iter().find(|l| l.participant_id == *pid && l.revoked_at.is_none())
    }
    fn link_state(&self, l: &AnswerLink) -> String {
        match l.unusable(&crate::store::now()) {
            Some(why) => self.ctx.t(&format!("invite-state-{why}")),
            None => l.expires_at.as_deref().map_or_else(
                || self.ctx.t("link-no-expiry"),
                |e| self.ctx.t1("link-expires", "date", &self.ctx.date(e)),
            ),
        }
    }
}

/// What a refused steward form on the convening page hands back to the page.
#[derive(Default)]
struct Refused {
    error: Option<String>,
    aspiration_text: String,
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    new_link: Option<(String, String)>,
    refused: Refused,
) -> Result<Response, AppError> {
    let actor = ctx.actor();
    let (convening, community, viewer) = service::convening(&state.store, &actor, id).await?;
    let framework = service::current_framework(&state.store, &community).await?;
    // Stories without their words for the counts (kept while nothing changes); words only
    // for the page shown.
    let facts = service::reports::convening_facts(&state.store, id, &framework).await?;
    let mut readable: Vec<&crate::domain::story::Story> =
        facts.stories.iter().filter(|s| service::stories::may_read(&actor, viewer, s)).collect();
    readable.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let filter = StoryFilter::of(&ctx.path);
    let all_readable = readable.len();
    readable.retain(|s| filter.keeps(s));
    let pages = readable.len().div_ceil(STORIES_PER_PAGE).max(1);
    let page = query_param(&ctx.path, "page").and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, pages);
    let ids: Vec<i64> =
        readable.iter().skip((page - 1) * STORIES_PER_PAGE).take(STORIES_PER_PAGE).map(|s| s.id).collect();
    let shown = state.store.stories_by_id(&ids).await?;
    // Names and definitions in the reader's language (keys, and so the counts, unchanged).
    let mut framework = framework;
    framework.framework = framework.framework.localized(ctx.lang);
    let aspirations = state.store.aspirations(id).await?;
    let participants = state.store.participants(id).await?;
    // `?as_of=YYYY-MM-DD` reads the matrix as it stood then; a bad date reads it now.
    let as_of = as_of_param(&ctx.path);
    let matrix = if as_of.is_some() {
        let all = state.store.stories(id).await?;
        let revisions = state.store.convening_revisions(id).await?;
        matrix_as_of(&framework.framework, &all, &revisions, participants.len(), as_of.as_deref())
    } else {
        facts.matrix.clone()
    };
    let waves = service::waves::waves(&state.store, &actor, id).await?;
    let stories = story_views(state, &actor, viewer, &shown, ctx.lang).await?;
    let hidden_stories = facts
        .stories
        .iter()
        .filter(|s| !s.hidden)
        .count()
        .saturating_sub(readable.iter().filter(|s| !s.hidden).count());
    let readable = readable.len();
    let steward = viewer == Viewer::Steward;
    let members = if steward { state.store.members(community.id).await? } else { Vec::new() };
    let links = if steward { state.store.answer_links(id).await? } else { Vec::new() };
    let can_tell = viewer >= Viewer::Member;
    let status = if refused.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let target = crate::service::comments::Target::Convening(id);
    let comment_box = super::comments::load(state, &ctx, target, format!("/convenings/{id}/comments")).await?;
    let page = ConveningPage {
        ctx,
        convening,
        community,
        framework,
        viewer,
        aspirations,
        participants,
        links,
        members,
        matrix,
        stories,
        readable,
        all_readable,
        filter,
        page,
        pages,
        hidden_stories,
        can_tell,
        new_link,
        form_error: refused.error,
        aspiration_text: refused.aspiration_text,
        waves,
        comment_box,
    };
    Ok((status, Page(page)).into_response())
}

/// `?cycle=…&kind=…` on a convening page: only the stories with a step in that cycle
/// and/or of that kind (happened or hoped for). Unknown values filter nothing.
#[derive(Default)]
struct StoryFilter {
    cycle: String,
    kind: Option<crate::domain::story::StepKind>,
}

impl StoryFilter {
    fn of(path: &str) -> Self {
        let cycle = query_param(path, "cycle").unwrap_or_default();
        let kind = query_param(path, "kind").and_then(|k| crate::domain::story::StepKind::parse(&k, "kind").ok());
        StoryFilter { cycle, kind }
    }
    fn is_on(&self) -> bool {
        !self.cycle.is_empty() || self.kind.is_some()
    }
    fn keeps(&self, story: &crate::domain::story::Story) -> bool {
        !self.is_on()
            || story
                .steps
                .iter()
                .any(|s| (self.cycle.is_empty() || s.cycle == self.cycle) && self.kind.is_none_or(|k| s.kind == k))
    }
    fn kind_str(&self) -> &'static str {
        self.kind.map_or("", crate::domain::story::StepKind::as_str)
    }
    /// The filter as query parameters to carry into the pager's links (`&cycle=…`).
    fn query(&self) -> String {
        let mut q = String::new();
        if !self.cycle.is_empty() {
            q.push_str("&cycle=");
            q.extend(form_urlencoded::byte_serialize(self.cycle.as_bytes()));
        }
        if let Some(k) = self.kind {
            q.push_str("&kind=");
            q.push_str(k.as_str());
        }
        q
    }
}

/// Stories per page of a convening page (newest first).
pub const STORIES_PER_PAGE: usize = 20;

fn query_param(path: &str, name: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    Some(form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name)?.1.into_owned())
}

fn as_of_param(path: &str) -> Option<String> {
    let v = query_param(path, "as_of")?;
    crate::domain::convening::parse_date("as_of", &v).ok().map(crate::domain::convening::format_date)
}

/// The convening page. For a reader who is not signed in, the page rendered for the
/// same address and language is served again while the convening's and its community's
/// data versions are unchanged (one query); signed-in readers get theirs rendered.
async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return render(&state, ctx, id, None, Refused::default()).await;
    }
    let version = service::reports::anonymous_versions(&state.store, id).await?;
    let key = format!("page:{}:{}", ctx.lang.code(), ctx.path);
    let html = |body: Bytes| {
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
            .into_response()
    };
    if let Some(body) = state.rendered.get(&key, &version) {
        return Ok(html(body));
    }
    let csrf = ctx.csrf.clone();
    let resp = render(&state, ctx, id, None, Refused::default()).await?;
    if resp.status() != StatusCode::OK {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    // The body is the rendered page in memory: reading it cannot fail short of a bug.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    // A page holding this visitor's form token is theirs alone (none does today).
    let own = !csrf.is_empty() && body.windows(csrf.len()).any(|w| w == csrf.as_bytes());
    if !own {
        state.rendered.put(key, &version, body.clone());
    }
    Ok(Response::from_parts(parts, axum::body::Body::from(body)))
}

/// The convening and its community, if the signed-in viewer is a steward there.
pub async fn steward_convening(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Convening, Community), AppError> {
    ctx.require_user()?;
    Ok(service::stewarded_convening(&state.store, &ctx.actor(), id).await?)
}

/// Turns a refused field into the convening page again with the message.
async fn refuse(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    e: ServiceError,
    aspiration_text: String,
) -> Result<Response, AppError> {
    match e {
        ServiceError::Invalid(v) => {
            let error = v.first().map(|e| ctx.error(e));
            render(state, ctx, id, None, Refused { error, aspiration_text }).await
        }
        e => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ParticipantForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    guest_name: String,
    #[serde(default)]
    email: String,
}

/// Adds a member (chosen from the community) or a named guest, with an optional e-mail.
async fn add_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ParticipantForm>,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    let draft = ParticipantDraft {
        name: f.guest_name,
        email: f.email,
        member_email: String::new(),
        user_id: f.user_id.trim().parse().ok(),
        language: String::new(),
    };
    match service::convenings::add_participant(&state.store, &ctx.actor(), id, &draft).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}#participants"))),
        Err(e) => refuse(&state, ctx, id, e, String::new()).await,
    }
}

#[derive(Deserialize)]
struct EditParticipantForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
}

async fn edit_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<i64>,
    Form(f): Form<EditParticipantForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let p = state.store.participant(pid).await?.ok_or(AppError::NotFound)?;
    match service::convenings::edit_participant(&state.store, &ctx.actor(), pid, &f.name, &f.email, &f.language).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{}#participants", p.convening_id))),
        Err(e) => refuse(&state, ctx, p.convening_id, e, String::new()).await,
    }
}

async fn remove_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let p = state.store.participant(pid).await?.ok_or(AppError::NotFound)?;
    service::convenings::remove_participant(&state.store, &ctx.actor(), pid).await?;
    Ok(see_other(&format!("/convenings/{}#participants", p.convening_id)))
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    expires_on: String,
}

/// Issues (or replaces) a participant's private answer link, optionally with an expiry
/// date; shown once.
async fn issue_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let p = state.store.participant(pid).await?.ok_or(AppError::NotFound)?;
    match service::convenings::issue_answer_link(&state.store, &ctx.actor(), pid, Some(&f.expires_on)).await {
        Ok((token, _)) => {
            render(&state, ctx, p.convening_id, Some((p.name, format!("/answer/{token}"))), Refused::default()).await
        }
        Err(e) => refuse(&state, ctx, p.convening_id, e, String::new()).await,
    }
}

async fn revoke_link(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let link = state.store.answer_link(id).await?.ok_or(AppError::NotFound)?;
    let p = state.store.participant(link.participant_id).await?.ok_or(AppError::NotFound)?;
    service::convenings::revoke_answer_link(&state.store, &ctx.actor(), id).await?;
    Ok(see_other(&format!("/convenings/{}#participants", p.convening_id)))
}

#[derive(Deserialize)]
struct AspirationForm {
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    text: String,
}

async fn add_aspiration(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<AspirationForm>,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    match service::convenings::add_aspiration(&state.store, &ctx.actor(), id, &f.cycle, &f.text).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}#aspirations"))),
        Err(e) => refuse(&state, ctx, id, e, f.text).await,
    }
}

async fn edit_aspiration(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
    Form(f): Form<AspirationForm>,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    match service::convenings::edit_aspiration(&state.store, &ctx.actor(), id, aid, &f.cycle, &f.text).await {
        Ok(()) => Ok(see_other(&format!("/convenings/{id}#aspirations"))),
        Err(e) => refuse(&state, ctx, id, e, String::new()).await,
    }
}

async fn remove_aspiration(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    service::convenings::remove_aspiration(&state.store, &ctx.actor(), id, aid).await?;
    Ok(see_other(&format!("/convenings/{id}#aspirations")))
}

async fn add_wave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    match service::waves::add_wave(&state.store, &ctx.actor(), id, &wave_draft(&body)).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}#waves"))),
        Err(e) => refuse(&state, ctx, id, e, String::new()).await,
    }
}
