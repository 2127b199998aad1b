//! Comments on convenings, stories, a community's framework and proposals to change it: the box each of those
//! pages shows, posting (a refused comment comes back with its text), replying, and
//! stewards hiding and restoring.

use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::Viewer;
use crate::service::comments::{self, CommentView, Target};
use crate::service::{self, ServiceError};
use crate::store::CommentAction;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/comments", post(on_convening))
        .route("/stories/{id}/comments", post(on_story))
        .route("/c/{slug}/framework/comments", post(on_framework))
        .route("/proposals/{id}/comments", post(on_proposal))
        .route("/comments/{id}/hide", post(hide))
        .route("/comments/{id}/restore", post(restore))
}

/// What a page needs to show its conversation.
pub struct CommentBox {
    /// Where new comments and replies are posted.
    pub action: String,
    pub comments: Vec<CommentView>,
    pub actions: Vec<CommentAction>,
    pub steward: bool,
    pub may_comment: bool,
}

impl CommentBox {
    /// Who moderated a comment, newest step last.
    pub fn history(&self, comment_id: &i64) -> Vec<&CommentAction> {
        self.actions.iter().filter(|a| a.comment_id == *comment_id).collect()
    }
}

/// The conversation on `target` for the page that shows it (`None` when the actor may
/// not see it, which the page's own access check has answered already).
pub async fn load(state: &AppState, ctx: &Ctx, target: Target, action: String) -> Result<CommentBox, AppError> {
    let t = comments::thread(&state.store, &ctx.actor(), target).await?;
    Ok(CommentBox {
        action,
        comments: t.comments,
        actions: t.actions,
        steward: t.viewer >= Viewer::Steward,
        may_comment: t.may_comment,
    })
}

#[derive(Deserialize, Default)]
struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
}

/// A refused comment, shown again with its text and the reason.
#[derive(Template)]
#[template(path = "comment_form.html")]
struct RetryPage {
    ctx: Ctx,
    action: String,
    back: String,
    body: String,
    parent: String,
    error: String,
}

async fn post_comment(
    state: &AppState,
    ctx: Ctx,
    target: Target,
    action: String,
    back: String,
    f: CommentForm,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let parent = match f.parent.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| AppError::Invalid("err-comment-parent".into()))?),
    };
    match comments::add_comment(&state.store, &ctx.actor(), target, parent, &f.body).await {
        Ok(c) => Ok(see_other(&format!("{back}#comment-{}", c.id))),
        Err(ServiceError::Invalid(errors)) => {
            let error = errors.first().map(|e| ctx.error(e)).unwrap_or_default();
            let page = RetryPage { ctx, action, back, body: f.body, parent: f.parent, error };
            let mut resp = Page(page).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

async fn on_convening(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (action, back) = (format!("/convenings/{id}/comments"), format!("/convenings/{id}"));
    post_comment(&state, ctx, Target::Convening(id), action, back, f).await
}

async fn on_story(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (action, back) = (format!("/stories/{id}/comments"), format!("/stories/{id}"));
    post_comment(&state, ctx, Target::Story(id), action, back, f).await
}

async fn on_framework(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (c, _) = service::community(&state.store, &ctx.actor(), &slug).await?;
    let (action, back) = (format!("/c/{slug}/framework/comments"), format!("/c/{slug}/framework"));
    post_comment(&state, ctx, Target::Framework(c.id), action, back, f).await
}

async fn on_proposal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (action, back) = (format!("/proposals/{id}/comments"), format!("/proposals/{id}"));
    post_comment(&state, ctx, Target::Proposal(id), action, back, f).await
}

async fn moderate(state: &AppState, ctx: &Ctx, id: i64, hidden: bool) -> Result<Response, AppError> {
    ctx.require_user()?;
    let actor = ctx.actor();
    comments::set_hidden(&state.store, &actor, id, hidden).await?;
    Ok(see_other(&comments::location(&state.store, &actor, id).await?))
}

async fn hide(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    moderate(&state, &ctx, id, true).await
}

async fn restore(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    moderate(&state, &ctx, id, false).await
}
