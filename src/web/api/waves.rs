//! The API's follow-up waves: list, add, change, remove, invite by e-mail, links, outbox.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::domain::wave::WaveDraft;
use crate::service;
use crate::web::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn wave_json(w: &crate::store::Wave, answered: i64, participants: usize) -> Value {
    json!({"id": w.id, "convening_id": w.convening_id, "name": w.name, "opens_on": w.opens_on, "closes_on": w.closes_on,
           "cycles": w.cycles, "answered": answered, "participants": participants})
}

pub(super) async fn list_waves(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let waves = service::waves::waves(&state.store, &caller.actor(), id).await?;
    let n = state.store.participants(id).await?.len();
    Ok(Json(Value::Array(waves.iter().map(|(w, a)| wave_json(w, *a, n)).collect())))
}

pub(super) async fn post_wave(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<WaveDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let w = service::waves::add_wave(&state.store, &caller.actor(), id, &d).await?;
    let n = state.store.participants(id).await?.len();
    Ok((StatusCode::CREATED, Json(wave_json(&w, 0, n))).into_response())
}

/// A partial wave: only the fields sent change.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WavePatch {
    name: Option<String>,
    opens_on: Option<String>,
    closes_on: Option<String>,
    cycles: Option<Vec<String>>,
}

pub(super) async fn patch_wave(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(p): ApiJson<WavePatch>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let cur = state.store.wave(id).await?.ok_or_else(|| ApiError::not_found("wave"))?;
    let d = WaveDraft {
        name: p.name.unwrap_or(cur.name),
        opens_on: p.opens_on.unwrap_or(cur.opens_on),
        closes_on: p.closes_on.unwrap_or(cur.closes_on),
        cycles: p.cycles.unwrap_or(cur.cycles),
    };
    let w = service::waves::edit_wave(&state.store, &caller.actor(), id, &d).await?;
    let answered = state.store.wave_answers(w.convening_id).await?.iter().find(|(i, _)| *i == w.id).map_or(0, |x| x.1);
    let n = state.store.participants(w.convening_id).await?.len();
    Ok(Json(wave_json(&w, answered, n)))
}

pub(super) async fn delete_wave(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::waves::delete_wave(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues an invitation for every participant with an e-mail address who has none
/// queued for this wave: 202 `{"queued": n}`.
pub(super) async fn invite_wave(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let n = service::mail::invite_to_wave(&state.store, &caller.actor(), id).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"queued": n, "mail_on": !state.config.mail.smtp_url.is_empty()})))
        .into_response())
}

/// Every participant of the wave with a fresh link (stewards). Only links' hashes are
/// kept, so each call issues new links; earlier ones keep working until the wave closes.
pub(super) async fn wave_links(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let links = service::waves::all_wave_links(&state.store, &caller.actor(), id).await?;
    let base = state.config.base_url.trim_end_matches('/');
    let out: Vec<Value> = links
        .iter()
        .map(|(p, t)| json!({"participant_id": p.id, "name": p.name, "email": p.email, "url": format!("{base}/answer/{t}")}))
        .collect();
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(Value::Array(out))).into_response())
}

#[derive(Deserialize)]
pub(super) struct OutboxQuery {
    convening: Option<i64>,
}

/// A convening's messages for its stewards: recipient, kind, state, attempts, last error.
pub(super) async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<OutboxQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let id = q.convening.ok_or_else(|| ApiError {
        field: Some("convening".into()),
        ..ApiError::new(StatusCode::BAD_REQUEST, "required", "give the convening as ?convening=ID")
    })?;
    let list = service::mail::outbox(&state.store, &caller.actor(), id).await?;
    let out: Vec<Value> = list
        .iter()
        .map(|m| json!({"id": m.id, "recipient": m.recipient, "kind": m.kind, "state": m.state, "attempts": m.attempts,
                        "last_error": m.last_error, "wave_id": m.wave_id, "created_at": m.created_at, "sent_at": m.sent_at}))
        .collect();
    Ok(Json(Value::Array(out)))
}
