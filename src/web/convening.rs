//! Convenings: create one, its page (details, aspirations, participants, the
//! value-creation matrix and the stories the viewer may read), and the steward's tools
//! to add participants, issue private answer links and record aspirations.

use super::community::{steward_of, viewer_in};
use super::story::{StoryView, story_views};
use super::{AppError, AppState, Ctx, Page, hash_token, new_token, see_other};
use crate::analysis::matrix::{Matrix, matrix};
use crate::domain::convening::{ConveningDraft, Mode, Status};
use crate::domain::{Viewer, required_text};
use crate::store::{Aspiration, Community, Convening, FrameworkVersion, Member, Participant};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/convenings/new", get(new_form).post(create))
        .route("/convenings/{id}", get(page))
        .route("/convenings/{id}/participants", post(add_participant))
        .route("/convenings/{id}/participants/{pid}/link", post(issue_link))
        .route("/convenings/{id}/aspirations", post(add_aspiration))
}

#[derive(Template)]
#[template(path = "convening_new.html")]
struct NewPage {
    ctx: Ctx,
    community: Community,
    form: ConveningDraft,
    error: Option<String>,
}

impl NewPage {
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
    Ok(Page(NewPage { ctx, community, form, error: None }).into_response())
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<ConveningDraft>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    match form.validate() {
        Ok(c) => {
            let created = state.store.create_convening(community.id, &c).await?;
            Ok(see_other(&format!("/convenings/{}", created.id)))
        }
        Err(e) => {
            let error = Some(ctx.error(&e));
            let mut resp = Page(NewPage { ctx, community, form, error }).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

/// A convening with its community and the viewer's standing.
pub async fn load_convening(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Convening, Community, Viewer), AppError> {
    let convening = state.store.convening(id).await?.ok_or(AppError::NotFound)?;
    let community = state.store.community_by_id(convening.community_id).await?.ok_or(AppError::NotFound)?;
    let viewer = viewer_in(state, ctx, community.id).await?;
    Ok((convening, community, viewer))
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
    members: Vec<Member>,
    matrix: Matrix,
    stories: Vec<StoryView>,
    hidden_stories: usize,
    can_tell: bool,
    new_link: Option<(String, String)>,
    /// A steward form on this page that was refused, with the text to put back.
    form_error: Option<String>,
    aspiration_text: String,
}

impl ConveningPage {
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
    let (convening, community, viewer) = load_convening(state, &ctx, id).await?;
    let framework = state.store.framework(community.framework_id).await?.ok_or(AppError::NotFound)?;
    let aspirations = state.store.aspirations(id).await?;
    let participants = state.store.participants(id).await?;
    let all = state.store.stories(id).await?;
    let matrix = matrix(&framework.framework, &all, participants.len());
    let stories = story_views(state, &ctx, viewer, &all).await?;
    let hidden_stories = all.len() - stories.len();
    let members = if viewer == Viewer::Steward { state.store.members(community.id).await? } else { Vec::new() };
    let can_tell = viewer >= Viewer::Member;
    let status = if refused.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ConveningPage {
        ctx,
        convening,
        community,
        framework,
        viewer,
        aspirations,
        participants,
        members,
        matrix,
        stories,
        hidden_stories,
        can_tell,
        new_link,
        form_error: refused.error,
        aspiration_text: refused.aspiration_text,
    };
    Ok((status, Page(page)).into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    render(&state, ctx, id, None, Refused::default()).await
}

/// The convening and its community, if the signed-in viewer is a steward there.
pub async fn steward_convening(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Convening, Community), AppError> {
    ctx.require_user()?;
    let (convening, community, viewer) = load_convening(state, ctx, id).await?;
    if viewer == Viewer::Steward { Ok((convening, community)) } else { Err(AppError::Forbidden) }
}

#[derive(Deserialize)]
struct ParticipantForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    guest_name: String,
}

/// Adds a member (chosen from the community) or a named guest.
async fn add_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ParticipantForm>,
) -> Result<Response, AppError> {
    let (_, community) = steward_convening(&state, &ctx, id).await?;
    if let Ok(uid) = f.user_id.trim().parse::<i64>() {
        let members = state.store.members(community.id).await?;
        let m = members.iter().find(|m| m.user_id == uid).ok_or(AppError::NotFound)?;
        state.store.add_participant(id, Some(uid), &m.name).await?;
    } else {
        match required_text("guest_name", &f.guest_name, 100) {
            Ok(name) => {
                state.store.add_participant(id, None, &name).await?;
            }
            Err(e) => {
                let error = Some(ctx.error(&e));
                return render(&state, ctx, id, None, Refused { error, ..Refused::default() }).await;
            }
        }
    }
    Ok(see_other(&format!("/convenings/{id}#participants")))
}

/// Issues (or replaces) a participant's private answer link; shown once.
async fn issue_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    steward_convening(&state, &ctx, id).await?;
    let participants = state.store.participants(id).await?;
    let p = participants.iter().find(|p| p.id == pid).ok_or(AppError::NotFound)?;
    let token = new_token();
    state.store.set_participant_link(pid, &hash_token(&token)).await?;
    let name = p.name.clone();
    render(&state, ctx, id, Some((name, format!("/answer/{token}"))), Refused::default()).await
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
    let (_, community) = steward_convening(&state, &ctx, id).await?;
    let framework = state.store.framework(community.framework_id).await?.ok_or(AppError::NotFound)?;
    let checked = match framework.framework.cycle(&f.cycle) {
        None => Err(crate::domain::FieldError::new("cycle", "err-unknown-cycle", "unknown cycle")),
        Some(_) => required_text("text", &f.text, 2_000),
    };
    match checked {
        Ok(text) => {
            state.store.add_aspiration(id, &f.cycle, &text, ctx.user_id()).await?;
            Ok(see_other(&format!("/convenings/{id}#aspirations")))
        }
        Err(e) => {
            let error = Some(ctx.error(&e));
            render(&state, ctx, id, None, Refused { error, aspiration_text: f.text }).await
        }
    }
}
