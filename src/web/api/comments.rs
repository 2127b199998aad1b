//! The API's conversations (comments on convenings, stories and a community's
//! framework; hiding and restoring them) and the digest a steward sends to the list.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::service::{self, comments::Target};
use crate::store::Comment;
use crate::web::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

fn comment_json(c: &Comment) -> Value {
    json!({"id": c.id, "target": c.target_kind, "target_id": c.target_id, "parent_id": c.parent_id,
           "author": c.author_name, "body": c.body, "hidden": c.hidden, "created_at": c.created_at})
}

async fn list(state: &AppState, caller: &Caller, target: Target) -> Result<Json<Value>, ApiError> {
    let t = service::comments::thread(&state.store, &caller.actor(), target).await?;
    let out: Vec<Value> = t
        .comments
        .iter()
        .map(|v| {
            let mut o = comment_json(&v.comment);
            o["replies"] = Value::Array(v.replies.iter().map(comment_json).collect());
            o
        })
        .collect();
    Ok(Json(Value::Array(out)))
}

#[derive(Deserialize)]
pub(super) struct NewComment {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent_id: Option<i64>,
}

async fn add(state: &AppState, caller: &Caller, target: Target, c: &NewComment) -> Result<Response, ApiError> {
    caller.required()?;
    let made = service::comments::add_comment(&state.store, &caller.actor(), target, c.parent_id, &c.body).await?;
    Ok((StatusCode::CREATED, Json(comment_json(&made))).into_response())
}

pub(super) async fn convening_comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    list(&state, &caller, Target::Convening(id)).await
}

pub(super) async fn post_convening_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<NewComment>,
) -> Result<Response, ApiError> {
    add(&state, &caller, Target::Convening(id), &c).await
}

pub(super) async fn story_comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    list(&state, &caller, Target::Story(id)).await
}

pub(super) async fn post_story_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<NewComment>,
) -> Result<Response, ApiError> {
    add(&state, &caller, Target::Story(id), &c).await
}

pub(super) async fn proposal_comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    list(&state, &caller, Target::Proposal(id)).await
}

/// `{"body", "parent_id"?}` → 201 with the comment (members of the proposal's community).
pub(super) async fn post_proposal_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<NewComment>,
) -> Result<Response, ApiError> {
    add(&state, &caller, Target::Proposal(id), &c).await
}

async fn framework_target(state: &AppState, caller: &Caller, slug: &str) -> Result<Target, ApiError> {
    let (c, _) = service::community(&state.store, &caller.actor(), slug).await?;
    Ok(Target::Framework(c.id))
}

pub(super) async fn framework_comments(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let target = framework_target(&state, &caller, &slug).await?;
    list(&state, &caller, target).await
}

pub(super) async fn post_framework_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(c): ApiJson<NewComment>,
) -> Result<Response, ApiError> {
    let target = framework_target(&state, &caller, &slug).await?;
    add(&state, &caller, target, &c).await
}

pub(super) async fn hide_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let c = service::comments::set_hidden(&state.store, &caller.actor(), id, true).await?;
    Ok(Json(comment_json(&c)))
}

pub(super) async fn restore_comment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let c = service::comments::set_hidden(&state.store, &caller.actor(), id, false).await?;
    Ok(Json(comment_json(&c)))
}

/// A steward sends the community's digest to its list now (once a day at most).
pub(super) async fn post_digest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let today = time::OffsetDateTime::now_utc().date();
    let period = service::connect::send_digest(&state.store, &caller.actor(), &slug, today).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"queued": true, "period": period}))).into_response())
}
