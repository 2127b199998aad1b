//! Home, communities (create, page, members, invitation links) and the community's
//! framework (view, edit into a new version).

use super::{AppError, AppState, Ctx, Page, hash_token, new_token, see_other};
use crate::domain::framework::{Framework, presets};
use crate::domain::{FieldError, Role, Viewer, optional_text, parse_slug, required_text};
use crate::store::{Community, Convening, FrameworkVersion, Member, StoreError};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// Invitation links last 30 days.
const INVITE_SECONDS: i64 = 30 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/communities/new", get(new_form).post(create))
        .route("/c/{slug}", get(page))
        .route("/c/{slug}/invites", post(create_invite))
        .route("/c/{slug}/framework", get(framework_page).post(save_framework))
}

/// The community, the viewer's standing in it, and the viewer's user id.
pub async fn load(state: &AppState, ctx: &Ctx, slug: &str) -> Result<(Community, Viewer), AppError> {
    let community = state.store.community(slug).await?.ok_or(AppError::NotFound)?;
    let viewer = viewer_in(state, ctx, community.id).await?;
    Ok((community, viewer))
}

/// The community, if the signed-in viewer is its steward; otherwise sign in or 403.
pub async fn steward_of(state: &AppState, ctx: &Ctx, slug: &str) -> Result<Community, AppError> {
    ctx.require_user()?;
    let (community, viewer) = load(state, ctx, slug).await?;
    if viewer == Viewer::Steward { Ok(community) } else { Err(AppError::Forbidden) }
}

pub async fn viewer_in(state: &AppState, ctx: &Ctx, community_id: i64) -> Result<Viewer, AppError> {
    Ok(match &ctx.user {
        None => Viewer::Anonymous,
        Some(u) => Viewer::from_role(state.store.role(community_id, u.id).await?, u.is_admin),
    })
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    communities: Vec<Community>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let communities = state.store.communities().await?;
    Ok(Page(HomePage { ctx, communities }).into_response())
}

#[derive(Template)]
#[template(path = "community_new.html")]
struct NewPage {
    ctx: Ctx,
    form: NewCommunityForm,
    presets: &'static [Framework],
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NewCommunityForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    preset: String,
}

async fn new_form(ctx: Ctx) -> Result<Response, AppError> {
    ctx.require_user()?;
    let form = NewCommunityForm { preset: "km4dev-experiment".into(), ..Default::default() };
    Ok(Page(NewPage { ctx, form, presets: presets(), error: None }).into_response())
}

/// Creates a community from user input; shared by the page and the API.
pub async fn create_community(
    state: &AppState,
    user_id: i64,
    slug: &str,
    name: &str,
    description: &str,
    preset: &str,
) -> Result<Result<Community, FieldError>, StoreError> {
    let checked = (|| {
        let slug = parse_slug(slug)?;
        let name = required_text("name", name, 200)?;
        let description = optional_text("description", description, 10_000)?;
        let fw = crate::domain::framework::preset(preset.trim())
            .ok_or_else(|| FieldError::new("preset", "err-preset", format!("unknown preset '{preset}'")))?;
        Ok((slug, name, description, fw))
    })();
    let (slug, name, description, fw) = match checked {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    match state.store.create_community(&slug, &name, &description, fw, Some(user_id)).await {
        Ok(c) => Ok(Ok(c)),
        Err(StoreError::Conflict) => {
            Ok(Err(FieldError::new("slug", "err-slug-taken", format!("the slug '{slug}' is taken"))))
        }
        Err(e) => Err(e),
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewCommunityForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    match create_community(&state, user.id, &form.slug, &form.name, &form.description, &form.preset).await? {
        Ok(c) => Ok(see_other(&format!("/c/{}", c.slug))),
        Err(e) => {
            let error = Some(ctx.error(&e));
            let mut resp = Page(NewPage { ctx, form, presets: presets(), error }).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityPage {
    ctx: Ctx,
    community: Community,
    framework: FrameworkVersion,
    viewer: Viewer,
    convenings: Vec<Convening>,
    members: Vec<Member>,
    invite_link: Option<String>,
}

impl CommunityPage {
    fn is_steward(&self) -> bool {
        self.viewer == Viewer::Steward
    }
    fn is_member(&self) -> bool {
        self.viewer >= Viewer::Member
    }
}

async fn render_page(
    state: &AppState,
    ctx: Ctx,
    slug: &str,
    invite_link: Option<String>,
) -> Result<Response, AppError> {
    let (community, viewer) = load(state, &ctx, slug).await?;
    let framework = state.store.framework(community.framework_id).await?.ok_or(AppError::NotFound)?;
    let convenings = state.store.convenings(community.id).await?;
    let members = if viewer >= Viewer::Member { state.store.members(community.id).await? } else { Vec::new() };
    Ok(Page(CommunityPage { ctx, community, framework, viewer, convenings, members, invite_link }).into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    render_page(&state, ctx, &slug, None).await
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    role: String,
}

/// A steward makes a link that lets anyone who has it join for 30 days. The link is
/// shown once; only its hash is stored.
async fn create_invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let user = ctx.require_user()?.clone();
    let role = Role::parse(&f.role).unwrap_or(Role::Member);
    let token = new_token();
    state
        .store
        .create_invite(&hash_token(&token), community.id, role, user.id, &crate::store::in_seconds(INVITE_SECONDS))
        .await?;
    render_page(&state, ctx, &slug, Some(format!("/join/{token}"))).await
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    ctx: Ctx,
    community: Community,
    current: FrameworkVersion,
    versions: Vec<FrameworkVersion>,
    is_steward: bool,
    text: String,
    error: Option<String>,
    saved: bool,
}

async fn framework_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (community, viewer) = load(&state, &ctx, &slug).await?;
    let versions = state.store.framework_versions(community.id).await?;
    let current = versions.iter().find(|v| v.id == community.framework_id).cloned().ok_or(AppError::NotFound)?;
    let text = current.framework.to_toml();
    Ok(Page(FrameworkPage {
        ctx,
        community,
        current,
        versions,
        is_steward: viewer == Viewer::Steward,
        text,
        error: None,
        saved: false,
    })
    .into_response())
}

#[derive(Deserialize)]
struct FrameworkForm {
    #[serde(default)]
    text: String,
}

/// Stewards edit the framework as TOML (the preset format). A version that stories use
/// is kept as it is and the edit becomes a new version.
async fn save_framework(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FrameworkForm>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let parsed = Framework::from_toml(&f.text);
    let (error, saved) = match &parsed {
        Ok(fw) => {
            state.store.save_framework(community.id, fw, false).await?;
            (None, true)
        }
        Err(e) => (Some(format!("{}: {}", ctx.t("err-framework"), e.message)), false),
    };
    let community = state.store.community_by_id(community.id).await?.ok_or(AppError::NotFound)?;
    let versions = state.store.framework_versions(community.id).await?;
    let current = versions.iter().find(|v| v.id == community.framework_id).cloned().ok_or(AppError::NotFound)?;
    let status = if saved { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp =
        Page(FrameworkPage { ctx, community, current, versions, is_steward: true, text: f.text, error, saved })
            .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}
