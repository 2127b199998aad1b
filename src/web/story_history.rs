//! A story's history and care: its earlier revisions (stewards and the teller), and the
//! steward's hide, show again and delete (after a confirmation page).

use super::story_view::{StepView, step_views};
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::Viewer;
use crate::domain::story::Story;
use crate::service;
use crate::store::StoryRevision;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories/{id}/revisions", get(revisions_page))
        .route("/stories/{id}/hide", post(hide))
        .route("/stories/{id}/unhide", post(unhide))
        .route("/stories/{id}/delete", get(delete_form).post(delete))
}

/// One revision as shown in the history.
pub struct RevisionView {
    pub revision: i64,
    pub revised_at: String,
    pub title: String,
    pub steps: Vec<StepView>,
}

#[derive(Template)]
#[template(path = "story_revisions.html")]
struct RevisionsPage {
    ctx: Ctx,
    story: Story,
    revisions: Vec<RevisionView>,
}

async fn revisions_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let actor = ctx.actor();
    let (story, all) = service::stories::revisions(&state.store, &actor, id).await?;
    let mut revisions = Vec::new();
    for r in all.iter().rev() {
        revisions.push(revision_view(&state, r).await?);
    }
    Ok(Page(RevisionsPage { ctx, story, revisions }).into_response())
}

async fn revision_view(state: &AppState, r: &StoryRevision) -> Result<RevisionView, AppError> {
    let fw = state.store.framework(r.framework_id).await?.ok_or(AppError::NotFound)?;
    Ok(RevisionView {
        revision: r.revision,
        revised_at: r.revised_at.replace('T', " ").trim_end_matches('Z').to_string(),
        title: r.title.clone(),
        steps: step_views(&r.steps, &fw.framework),
    })
}

async fn hide(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::stories::set_hidden(&state.store, &ctx.actor(), id, true).await?;
    Ok(see_other(&format!("/stories/{id}")))
}

async fn unhide(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::stories::set_hidden(&state.store, &ctx.actor(), id, false).await?;
    Ok(see_other(&format!("/stories/{id}")))
}

#[derive(Template)]
#[template(path = "story_delete.html")]
struct DeletePage {
    ctx: Ctx,
    story: Story,
}

/// Deleting asks first: the page names the story and offers hiding instead.
async fn delete_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (story, _, viewer) = service::stories::story(&state.store, &ctx.actor(), id).await?;
    if viewer < Viewer::Steward {
        return Err(AppError::Forbidden);
    }
    Ok(Page(DeletePage { ctx, story }).into_response())
}

async fn delete(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let convening_id = service::stories::delete_story(&state.store, &ctx.actor(), id).await?;
    Ok(see_other(&format!("/convenings/{convening_id}#stories")))
}
