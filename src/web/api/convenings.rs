//! The API's communities, convenings, participants and the matrix.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::domain::Viewer;
use crate::domain::convening::ConveningDraft;
use crate::service;
use crate::service::communities::CommunityDraft;
use crate::service::convenings::ParticipantDraft;
use crate::store::{Community, Convening, Participant};
use crate::web::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn community_json(c: &Community) -> Value {
    json!({"id": c.id, "slug": c.slug, "name": c.name, "description": c.description, "framework_id": c.framework_id, "created_at": c.created_at})
}

pub(super) fn convening_json(c: &Convening) -> Value {
    json!({"id": c.id, "community_id": c.community_id, "title": c.title, "mode": c.mode, "starts_on": c.starts_on, "ends_on": c.ends_on,
           "place": c.place, "status": c.status, "description": c.description, "created_at": c.created_at,
           "version": c.version, "updated_at": c.updated_at})
}

pub(super) async fn post_community(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<CommunityDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let c = service::communities::create_community(&state.store, &caller.actor(), &b).await?;
    Ok((StatusCode::CREATED, Json(community_json(&c))).into_response())
}

pub(super) async fn community_by_slug(state: &AppState, slug: &str) -> Result<Community, ApiError> {
    state.store.community(slug).await?.ok_or_else(|| ApiError::not_found("community"))
}

pub(super) async fn get_community(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let c = community_by_slug(&state, &slug).await?;
    let fw = state.store.framework(c.framework_id).await?.ok_or_else(|| ApiError::not_found("framework"))?;
    let mut v = community_json(&c);
    v["framework"] = json!({"id": fw.id, "version": fw.version, "framework": fw.framework});
    Ok(Json(v))
}

pub(super) async fn list_convenings(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let c = community_by_slug(&state, &slug).await?;
    let list = state.store.convenings(c.id).await?;
    Ok(Json(Value::Array(list.iter().map(convening_json).collect())))
}

pub(super) async fn post_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(d): ApiJson<ConveningDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let created = service::convenings::create_convening(&state.store, &caller.actor(), &slug, &d).await?;
    Ok((StatusCode::CREATED, Json(convening_json(&created))).into_response())
}

pub(super) async fn get_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let (c, _, viewer) = service::convening(&state.store, &caller.actor(), id).await?;
    let mut v = convening_json(&c);
    v["participants"] = json!(state.store.participants(id).await?.len());
    // Who wrote an aspiration is for members; anonymous readers get the cycle and text.
    let aspirations: Vec<Value> = state
        .store
        .aspirations(id)
        .await?
        .iter()
        .map(|a| {
            let mut j = json!({"id": a.id, "cycle": a.cycle, "text": a.text});
            if viewer >= Viewer::Member {
                j["author_user_id"] = json!(a.author_user_id);
            }
            j
        })
        .collect();
    v["aspirations"] = json!(aspirations);
    Ok(Json(v))
}

/// A partial convening: only the fields sent change. `version` (optional) refuses a stale
/// edit; moving the status back needs `confirm_back`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConveningPatch {
    title: Option<String>,
    mode: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    place: Option<String>,
    status: Option<String>,
    description: Option<String>,
    version: Option<i64>,
    #[serde(default)]
    confirm_back: bool,
}

pub(super) async fn patch_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(p): ApiJson<ConveningPatch>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let (cv, _) = service::stewarded_convening(&state.store, &actor, id).await?;
    let mut d = service::convenings::draft_of(&cv);
    let set = |field: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *field = v;
        }
    };
    set(&mut d.title, p.title);
    set(&mut d.mode, p.mode);
    set(&mut d.starts_on, p.starts_on);
    set(&mut d.ends_on, p.ends_on);
    set(&mut d.place, p.place);
    set(&mut d.status, p.status);
    set(&mut d.description, p.description);
    let version = p.version.unwrap_or(cv.version);
    let updated = service::convenings::edit_convening(&state.store, &actor, id, &d, version, p.confirm_back).await?;
    Ok(Json(convening_json(&updated)))
}

pub(super) async fn delete_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::convenings::delete_convening(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn participant_json(p: &Participant) -> Value {
    json!({"id": p.id, "convening_id": p.convening_id, "user_id": p.user_id, "name": p.name, "email": p.email,
           "language": p.language, "has_link": p.has_link})
}

pub(super) async fn list_participants(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    service::stewarded_convening(&state.store, &caller.actor(), id).await?;
    let list = state.store.participants(id).await?;
    Ok(Json(Value::Array(list.iter().map(participant_json).collect())))
}

pub(super) async fn post_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<ParticipantDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let p = service::convenings::add_participant(&state.store, &caller.actor(), id, &d).await?;
    Ok((StatusCode::CREATED, Json(participant_json(&p))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ParticipantPatch {
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
}

pub(super) async fn patch_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ParticipantPatch>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let cur = state.store.participant(id).await?.ok_or_else(|| ApiError::not_found("participant"))?;
    let name = b.name.unwrap_or(cur.name);
    let email = b.email.unwrap_or(cur.email);
    let language = b.language.unwrap_or(cur.language);
    let p = service::convenings::edit_participant(&state.store, &caller.actor(), id, &name, &email, &language).await?;
    Ok(Json(participant_json(&p)))
}

pub(super) async fn delete_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::convenings::remove_participant(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(super) struct MatrixQuery {
    as_of: Option<String>,
}

pub(super) async fn get_matrix(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    axum::extract::Query(q): axum::extract::Query<MatrixQuery>,
) -> Result<Response, ApiError> {
    let as_of = match q.as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(crate::domain::convening::format_date(crate::domain::convening::parse_date("as_of", d)?)),
    };
    // Anonymous callers share one rendering per convening, date and data version.
    let kept = if caller.0.is_none() {
        let version = service::reports::anonymous_versions(&state.store, id).await?;
        let key = format!("api-matrix:{id}:{}", as_of.as_deref().unwrap_or_default());
        if let Some(body) = state.rendered.get(&key, &version) {
            return Ok(json_bytes(body));
        }
        Some((key, version))
    } else {
        None
    };
    let m = service::reports::convening_matrix(&state.store, &caller.actor(), id, as_of.as_deref()).await?;
    let cycles: Vec<Value> = m
        .cycles
        .iter()
        .map(|cy| {
            let ind: serde_json::Map<String, Value> = cy.indicators.iter().map(|i| (i.key.clone(), json!(i.count))).collect();
            json!({"key": cy.key, "name": cy.name, "realized": cy.realized, "aspirational": cy.aspirational, "indicators": ind,
                   "outcomes": cy.outcomes})
        })
        .collect();
    let body = json!({"n_stories": m.n_stories, "n_tellers": m.n_tellers, "n_participants": m.n_participants,
                      "cycles": cycles, "as_of": m.as_of});
    let body = axum::body::Bytes::from(body.to_string());
    if let Some((key, version)) = kept {
        state.rendered.put(key, &version, body.clone());
    }
    Ok(json_bytes(body))
}

fn json_bytes(body: axum::body::Bytes) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}
