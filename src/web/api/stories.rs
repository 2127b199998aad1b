//! The API's stories: tell, read, edit into revisions, hide, delete, and outcomes.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::domain::Viewer;
use crate::domain::story::{Story, StoryDraft};
use crate::domain::wave::OutcomeDraft;
use crate::service::{self, Actor};
use crate::web::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A story as one caller may see it: the teller's name only where allowed.
pub fn story_json(s: &Story, actor: &Actor, viewer: Viewer) -> Value {
    let reader = service::stories::reader(actor, viewer, s);
    json!({"id": s.id, "convening_id": s.convening_id, "framework_id": s.framework_id, "title": s.title, "language": s.language,
           "visibility": s.visibility, "show_name": s.show_name, "teller": s.shown_name(reader, actor.user_id()),
           "created_at": s.created_at, "updated_at": s.updated_at, "revision": s.revision, "hidden": s.hidden, "steps": s.steps,
           "wave_id": s.wave_id, "outcomes": s.outcomes})
}

pub(super) async fn post_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<StoryDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let story = service::stories::tell_story(&state.store, &actor, id, &d).await?;
    Ok((StatusCode::CREATED, Json(story_json(&story, &actor, Viewer::Member))).into_response())
}

pub(super) async fn list_stories(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.actor();
    let (_, viewer, readable, _) = service::stories::readable(&state.store, &actor, id).await?;
    Ok(Json(Value::Array(readable.iter().map(|s| story_json(s, &actor, viewer)).collect())))
}

pub(super) async fn get_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.actor();
    let (s, _, viewer) = service::stories::story(&state.store, &actor, id).await?;
    Ok(Json(story_json(&s, &actor, viewer)))
}

/// The same body as POST, plus an optional `revision` (the one the edit was made from).
#[derive(Deserialize)]
pub(super) struct StoryPatch {
    #[serde(flatten)]
    draft: StoryDraft,
    revision: Option<i64>,
}

pub(super) async fn patch_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StoryPatch>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let (cur, _, viewer) = service::stories::story(&state.store, &actor, id).await?;
    let s =
        service::stories::edit_story(&state.store, &actor, id, &b.draft, b.revision.unwrap_or(cur.revision)).await?;
    Ok(Json(story_json(&s, &actor, viewer)))
}

pub(super) async fn delete_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::stories::delete_story(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn story_revisions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let (_, all) = service::stories::revisions(&state.store, &caller.actor(), id).await?;
    Ok(Json(json!(all)))
}

pub(super) async fn set_hidden(
    state: &AppState,
    caller: &Caller,
    id: i64,
    hidden: bool,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let s = service::stories::set_hidden(&state.store, &actor, id, hidden).await?;
    Ok(Json(story_json(&s, &actor, Viewer::Steward)))
}

pub(super) async fn hide_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    set_hidden(&state, &caller, id, true).await
}

pub(super) async fn unhide_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    set_hidden(&state, &caller, id, false).await
}

pub(super) async fn post_outcome(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<OutcomeDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let s = service::waves::record_outcome(&state.store, &actor, id, &d).await?;
    let outcome = s.outcomes.last().cloned();
    Ok((StatusCode::CREATED, Json(json!({"story_id": s.id, "revision": s.revision, "outcome": outcome})))
        .into_response())
}
