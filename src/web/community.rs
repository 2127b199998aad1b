//! Home, communities (create, page, edit, remove), members (roles, removal, leaving),
//! invitation links (make, list, revoke) and the community's framework (view, edit into
//! a new version).

use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::framework::{Framework, presets};
use crate::domain::{Role, Viewer};
use crate::service::communities::CommunityDraft;
use crate::service::{self, ServiceError, accounts};
use crate::store::{Community, Convening, FrameworkVersion, Invitation, Member};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/communities/new", get(new_form).post(create))
        .route("/c/{slug}", get(page))
        .route("/c/{slug}/edit", get(edit_form).post(edit))
        .route("/c/{slug}/delete", post(delete))
        .route("/c/{slug}/invites", post(create_invite))
        .route("/c/{slug}/invites/{id}/revoke", post(revoke_invite))
        .route("/c/{slug}/members/{uid}/role", post(set_role))
        .route("/c/{slug}/members/{uid}/remove", post(remove_member))
        .route("/c/{slug}/members/{uid}/signin-link", post(signin_link))
        .route("/c/{slug}/leave", post(leave))
        .route("/c/{slug}/framework", get(framework_page).post(save_framework))
}

/// The community and the viewer's standing in it.
pub async fn load(state: &AppState, ctx: &Ctx, slug: &str) -> Result<(Community, Viewer), AppError> {
    Ok(service::community(&state.store, &ctx.actor(), slug).await?)
}

/// The community, if the signed-in viewer is its steward; otherwise sign in or 403.
pub async fn steward_of(state: &AppState, ctx: &Ctx, slug: &str) -> Result<Community, AppError> {
    ctx.require_user()?;
    Ok(service::stewarded(&state.store, &ctx.actor(), slug).await?)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    communities: Vec<Community>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Private communities are listed to their members (and the site admin) only.
    let communities = service::communities::listed(&state.store, &ctx.actor()).await?;
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

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewCommunityForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let draft = CommunityDraft {
        slug: form.slug.clone(),
        name: form.name.clone(),
        description: form.description.clone(),
        preset: form.preset.clone(),
    };
    match service::communities::create_community(&state.store, &ctx.actor(), &draft).await {
        Ok(c) => Ok(see_other(&format!("/c/{}", c.slug))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let mut resp = Page(NewPage { ctx, form, presets: presets(), error }).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
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
    invitations: Vec<Invitation>,
    /// A link just made, shown once: (what it is for, the link).
    new_link: Option<(String, String)>,
    notice: Option<String>,
    /// The newest stories anyone may read (the public face).
    public_stories: Vec<crate::domain::story::Story>,
    /// Whether the community's report is published.
    report_published: bool,
}

impl CommunityPage {
    fn is_steward(&self) -> bool {
        self.viewer == Viewer::Steward
    }
    fn is_member(&self) -> bool {
        self.viewer >= Viewer::Member
    }
    fn is_me(&self, uid: &i64) -> bool {
        self.ctx.user_id() == Some(*uid)
    }
    fn live(&self, i: &Invitation) -> bool {
        i.unusable(&crate::store::now()).is_none()
    }
    fn state_of(&self, i: &Invitation) -> String {
        match i.unusable(&crate::store::now()) {
            Some(why) => self.ctx.t(&format!("invite-state-{why}")),
            None => self.ctx.t("invite-state-live"),
        }
    }
    fn role_name(&self, r: &Role) -> String {
        self.ctx.t(&format!("role-{}", r.as_str()))
    }
    #[allow(clippy::ref_option)]
    fn member_name(&self, uid: &Option<i64>) -> String {
        uid.and_then(|u| self.members.iter().find(|m| m.user_id == u)).map(|m| m.name.clone()).unwrap_or_default()
    }
}

/// Public stories on a community's page.
const PUBLIC_STORIES: usize = 10;

async fn render_page(
    state: &AppState,
    ctx: Ctx,
    slug: &str,
    new_link: Option<(String, String)>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let (community, viewer) = load(state, &ctx, slug).await?;
    let mut framework = service::current_framework(&state.store, &community).await?;
    framework.framework = framework.framework.localized(ctx.lang);
    let convenings = state.store.convenings(community.id).await?;
    let members = if viewer >= Viewer::Member { state.store.members(community.id).await? } else { Vec::new() };
    let invitations = if viewer == Viewer::Steward {
        accounts::invitations(&state.store, &ctx.actor(), slug).await?
    } else {
        Vec::new()
    };
    let public_stories = if community.private {
        Vec::new()
    } else {
        service::connect::public_face(&state.store, slug, PUBLIC_STORIES).await?.stories
    };
    let report_published = service::reports::published_at(&state.store, slug).await?.is_some();
    Ok(Page(CommunityPage {
        ctx,
        community,
        framework,
        viewer,
        convenings,
        members,
        invitations,
        new_link,
        notice,
        public_stories,
        report_published,
    })
    .into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    render_page(&state, ctx, &slug, None, None).await
}

#[derive(Template)]
#[template(path = "community_edit.html")]
struct EditPage {
    ctx: Ctx,
    community: Community,
    name: String,
    description: String,
    /// The language mails are written in by default.
    language: String,
    error: Option<String>,
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let (name, description) = (community.name.clone(), community.description.clone());
    let language = state.store.community_language(community.id).await?;
    Ok(Page(EditPage { ctx, community, name, description, language, error: None }).into_response())
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let actor = ctx.actor();
    let language = if f.language.is_empty() { "en" } else { f.language.as_str() };
    let edited = match service::communities::set_language(&state.store, &actor, &slug, language).await {
        Ok(()) => service::communities::edit_community(&state.store, &actor, &slug, &f.name, &f.description).await,
        Err(e) => Err(e),
    };
    match edited {
        Ok(_) => Ok(see_other(&format!("/c/{slug}"))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page =
                EditPage { ctx, community, name: f.name, description: f.description, language: f.language, error };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// Deleting a community asks for its short name, typed again.
async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    if f.confirm.trim() != slug {
        let error = Some(ctx.t("community-delete-confirm-wrong"));
        let (name, description) = (community.name.clone(), community.description.clone());
        let language = state.store.community_language(community.id).await?;
        let page = EditPage { ctx, community, name, description, language, error };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response());
    }
    service::communities::delete_community(&state.store, &ctx.actor(), &slug).await?;
    Ok(see_other("/"))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    uses: String,
    /// Send it by e-mail to this address (single use) instead of showing it.
    #[serde(default)]
    email: String,
}

/// A steward makes a link that lets whoever has it join for 30 days: single-use unless
/// they ask for more (steward links always single-use). Shown once; only its hash is stored.
async fn create_invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    steward_of(&state, &ctx, &slug).await?;
    let role = Role::parse(&f.role).unwrap_or(Role::Member);
    if !f.email.trim().is_empty() {
        if state.config.mail.smtp_url.is_empty() {
            let notice = Some(ctx.t("mail-off"));
            return render_page(&state, ctx, &slug, None, notice).await;
        }
        let notice =
            match service::mail::invite_by_email(&state.store, &ctx.actor(), &slug, role, &f.email, ctx.lang.code())
                .await
            {
                Ok(true) => ctx.t1("invite-mailed", "email", f.email.trim()),
                Ok(false) => ctx.t1("invite-mailed-already", "email", f.email.trim()),
                Err(ServiceError::Invalid(e)) => e.first().map(|e| ctx.error(e)).unwrap_or_default(),
                Err(e) => return Err(e.into()),
            };
        return render_page(&state, ctx, &slug, None, Some(notice)).await;
    }
    let uses = if f.uses == "many" { accounts::Uses::Many } else { accounts::Uses::Once };
    let (token, _) = accounts::create_invitation(&state.store, &ctx.actor(), &slug, role, uses, None).await?;
    let what = ctx.t("invite-created");
    render_page(&state, ctx, &slug, Some((what, format!("/join/{token}"))), None).await
}

async fn revoke_invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    steward_of(&state, &ctx, &slug).await?;
    accounts::revoke_invitation(&state.store, &ctx.actor(), &slug, id).await?;
    Ok(see_other(&format!("/c/{slug}#invitations")))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, uid)): Path<(String, i64)>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    steward_of(&state, &ctx, &slug).await?;
    let role = Role::parse(&f.role).ok_or_else(|| AppError::Invalid("err-role".into()))?;
    service::communities::set_role(&state.store, &ctx.actor(), &slug, uid, role).await?;
    Ok(see_other(&format!("/c/{slug}#members")))
}

async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, uid)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    steward_of(&state, &ctx, &slug).await?;
    service::communities::remove_member(&state.store, &ctx.actor(), &slug, uid).await?;
    Ok(see_other(&format!("/c/{slug}#members")))
}

/// A single-use link for a member whose account has no password yet (e.g. imported).
async fn signin_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, uid)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    steward_of(&state, &ctx, &slug).await?;
    let (token, _) =
        accounts::create_invitation(&state.store, &ctx.actor(), &slug, Role::Member, accounts::Uses::Once, Some(uid))
            .await?;
    let name = state.store.user(uid).await?.map(|u| u.name).unwrap_or_default();
    let what = ctx.t1("signin-link-created", "name", &name);
    render_page(&state, ctx, &slug, Some((what, format!("/join/{token}"))), None).await
}

async fn leave(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::communities::leave(&state.store, &ctx.actor(), &slug).await?;
    Ok(see_other("/"))
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    ctx: Ctx,
    community: Community,
    current: FrameworkVersion,
    /// The current version in the reader's language.
    shown: Framework,
    /// Every version, oldest first, with the accepted proposals that made it (members).
    history: Vec<service::proposals::VersionHistory>,
    is_member: bool,
    is_steward: bool,
    /// The versions compared (`?from=1&to=3`) and what changed between them.
    diff: Option<(i64, i64, Vec<crate::domain::proposal::Difference>)>,
    diff_error: Option<String>,
    text: String,
    error: Option<String>,
    saved: bool,
    comment_box: super::comments::CommentBox,
}

/// The conversation about a community's framework.
async fn framework_comments(
    state: &AppState,
    ctx: &Ctx,
    c: &Community,
) -> Result<super::comments::CommentBox, AppError> {
    let target = crate::service::comments::Target::Framework(c.id);
    super::comments::load(state, ctx, target, format!("/c/{}/framework/comments", c.slug)).await
}

impl FrameworkPage {
    fn versions(&self) -> Vec<i64> {
        self.history.iter().map(|h| h.version.version).collect()
    }
    fn diff_from(&self) -> i64 {
        self.diff.as_ref().map_or_else(|| (self.current.version - 1).max(1), |d| d.0)
    }
    fn diff_to(&self) -> i64 {
        self.diff.as_ref().map_or(self.current.version, |d| d.1)
    }
    fn proposal_summary(&self, p: &crate::store::Proposal) -> String {
        super::proposals::summary(&self.ctx, p, &self.shown)
    }
    fn target_name(&self, d: &crate::domain::proposal::Difference) -> String {
        self.ctx.t(&format!("proposal-target-{}", d.target.as_str()))
    }
}

#[derive(Deserialize, Default)]
struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn framework_render(
    state: &AppState,
    ctx: Ctx,
    slug: &str,
    q: DiffQuery,
    edit: Option<(String, Option<String>, bool)>,
) -> Result<Response, AppError> {
    let actor = ctx.actor();
    let (community, viewer, history) = service::proposals::framework_history(&state.store, &actor, slug).await?;
    let current = history
        .iter()
        .map(|h| &h.version)
        .find(|v| v.id == community.framework_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let shown = current.framework.localized(ctx.lang);
    let (mut diff, mut diff_error) = (None, None);
    if let (Some(from), Some(to)) = (q.from.as_deref(), q.to.as_deref()) {
        match (from.trim().parse::<i64>(), to.trim().parse::<i64>()) {
            (Ok(a), Ok(b)) => {
                match service::proposals::framework_diff(&state.store, &actor, slug, a, b, ctx.lang).await {
                    Ok(d) => diff = Some((a, b, d)),
                    Err(ServiceError::Invalid(v)) => diff_error = v.first().map(|f| ctx.error(f)),
                    Err(e) => return Err(e.into()),
                }
            }
            _ => diff_error = Some(ctx.t("err-framework-version")),
        }
    }
    let refused = diff_error.is_some() || edit.as_ref().is_some_and(|e| e.1.is_some());
    let (text, error, saved) = edit.unwrap_or_else(|| (current.framework.to_toml(), None, false));
    let comment_box = framework_comments(state, &ctx, &community).await?;
    let page = FrameworkPage {
        ctx,
        community,
        current,
        shown,
        history,
        is_member: viewer >= Viewer::Member,
        is_steward: viewer == Viewer::Steward,
        diff,
        diff_error,
        text,
        error,
        saved,
        comment_box,
    };
    let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Page(page)).into_response())
}

async fn framework_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DiffQuery>,
) -> Result<Response, AppError> {
    framework_render(&state, ctx, &slug, q, None).await
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
    steward_of(&state, &ctx, &slug).await?;
    let (error, saved) = match service::communities::save_framework(&state.store, &ctx.actor(), &slug, &f.text).await {
        Ok(_) => (None, true),
        Err(ServiceError::Invalid(e)) => (
            Some(format!("{}: {}", ctx.t("err-framework"), e.first().map(|e| e.message.clone()).unwrap_or_default())),
            false,
        ),
        Err(e) => return Err(e.into()),
    };
    framework_render(&state, ctx, &slug, DiffQuery::default(), Some((f.text, error, saved))).await
}
