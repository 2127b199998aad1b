//! The JSON API under `/api/v1`: bearer-token auth, JSON errors
//! `{"error": {"code", "message", "field"}}` with a 4xx status, and its OpenAPI document.

use super::{AppState, hash_token};
use crate::analysis::matrix::matrix_as_of;
use crate::domain::convening::ConveningDraft;
use crate::domain::framework::presets;
use crate::domain::story::{Story, StoryDraft};
use crate::domain::wave::{OutcomeDraft, WaveDraft};
use crate::domain::{FieldError, Viewer};
use crate::service::communities::CommunityDraft;
use crate::service::convenings::ParticipantDraft;
use crate::service::{self, Actor, ServiceError};
use crate::store::{Community, Convening, Participant, StoreError, User};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/presets", get(list_presets))
        .route("/places", get(search_places))
        .route("/communities", axum::routing::post(post_community))
        .route("/communities/{slug}", get(get_community))
        .route("/communities/{slug}/convenings", get(list_convenings).post(post_convening))
        .route("/convenings/{id}", get(get_convening).patch(patch_convening).delete(delete_convening))
        .route("/convenings/{id}/participants", get(list_participants).post(post_participant))
        .route("/participants/{id}", axum::routing::patch(patch_participant).delete(delete_participant))
        .route("/convenings/{id}/stories", get(list_stories).post(post_story))
        .route("/convenings/{id}/matrix", get(get_matrix))
        .route("/stories/{id}", get(get_story).patch(patch_story).delete(delete_story))
        .route("/stories/{id}/revisions", get(story_revisions))
        .route("/stories/{id}/hide", axum::routing::post(hide_story))
        .route("/stories/{id}/outcomes", axum::routing::post(post_outcome))
        .route("/convenings/{id}/waves", get(list_waves).post(post_wave))
        .route("/waves/{id}", axum::routing::patch(patch_wave).delete(delete_wave))
        .route("/waves/{id}/invite", axum::routing::post(invite_wave))
        .route("/waves/{id}/links", get(wave_links))
        .route("/outbox", get(list_outbox))
        .route("/stories/{id}/unhide", axum::routing::post(unhide_story))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint") })
}

/// An API failure; always rendered as the JSON error object.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), field: None }
    }
    fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "you may not do this here")
    }
    fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required")
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        let status = if e.code == "err-slug-taken" { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
        let code = e.code.trim_start_matches("err-").replace('-', "_");
        Self { status, code, message: e.message, field: Some(e.field) }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found("resource"),
            StoreError::Conflict => Self::new(StatusCode::CONFLICT, "conflict", "already exists"),
            e => {
                tracing::error!(error = %e, "store error in API");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(v) => v
                .into_iter()
                .next()
                .map_or_else(|| Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "invalid input"), Self::from),
            ServiceError::NotFound => Self::not_found("resource"),
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::Conflict(code) => {
                Self::new(StatusCode::CONFLICT, &code.replace('-', "_"), conflict_message(code))
            }
            ServiceError::Gone(why) => {
                Self::new(StatusCode::GONE, &format!("link_{why}"), format!("this link was {why}"))
            }
            ServiceError::Store(e) => Self::from(e),
        }
    }
}

/// English messages for API clients; pages say the same through the catalogs.
fn conflict_message(code: &str) -> &'static str {
    match code {
        "stale" => "it changed since you read it; read it again and retry",
        "has-stories" => "it has stories, so it cannot be deleted; close it instead (status closed)",
        "status-back" => "moving the status back needs \"confirm_back\": true",
        "already-revoked" => "it was revoked already",
        "already-hidden" => "the story is hidden already",
        "not-hidden" => "the story is not hidden",
        "already-removed" => "the participant was removed already",
        "last-steward" => "a community needs at least one steward",
        "taken" => "already exists",
        _ => "conflicts with what is stored",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message, "field": self.field}});
        (self.status, Json(body)).into_response()
    }
}

/// `Json<T>` whose rejections (malformed JSON, wrong content type, missing fields) come
/// back in the API's error format.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let status = match rej {
                    JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::BAD_REQUEST,
                };
                Err(ApiError::new(status, "bad_json", rej.body_text()))
            }
        }
    }
}

/// `Path<T>` whose rejection (e.g. `/convenings/abc`) is a JSON error too.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(rej) => {
                tracing::info!(rejection = %rej.body_text(), "bad path");
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_path",
                    "a part of the path is not valid here (an id must be a number)",
                ))
            }
        }
    }
}

/// The caller, if a bearer token was sent. A token that matches no one is an error, not
/// an anonymous call.
pub struct Caller(pub Option<User>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let user = state.store.token_user(&hash_token(token)).await?.ok_or_else(ApiError::unauthorized)?;
        Ok(Caller(Some(user)))
    }
}

impl Caller {
    fn actor(&self) -> Actor {
        self.0.clone().map_or(Actor::Anonymous, Actor::User)
    }
    fn required(&self) -> Result<&User, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthorized)
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json")).into_response()
}

async fn list_presets() -> Json<Value> {
    Json(json!(presets()))
}

#[derive(Deserialize)]
struct PlaceQuery {
    q: Option<String>,
    limit: Option<usize>,
    /// The reader's language for country names (`en`, `fr`, `es`, `pt`); else `Accept-Language`.
    lang: Option<String>,
}

/// City search for home places: accent- and case-insensitive prefix match on a city's
/// own name and the other names GeoNames knows (Bombay, Addis-Abeba, airport codes,
/// other scripts); "Name, CC" or "Name, Country" (in English, French, Spanish or
/// Portuguese) narrows to a country; the country is named in the reader's language and
/// `matched` says which other name was found.
async fn search_places(
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<PlaceQuery>,
) -> Result<Json<Value>, ApiError> {
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError {
            field: Some("q".into()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "required", "give a place name as ?q=")
        });
    }
    let lang = q
        .lang
        .as_deref()
        .and_then(crate::i18n::Lang::from_code)
        .or_else(|| {
            let accept = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
            crate::i18n::Lang::from_accept_language(accept)
        })
        .unwrap_or(crate::i18n::Lang::En);
    let places = crate::planner::search(&query, q.limit.unwrap_or(10).clamp(1, 50));
    let out: Vec<Value> = places
        .iter()
        .map(|p| {
            let country_name = crate::planner::country_name_in(&p.country, lang.code()).unwrap_or(&p.country_name);
            json!({"name": p.name, "country": p.country, "country_name": country_name, "admin1": p.admin1, "lat": p.lat,
                   "lon": p.lon, "population": p.population, "label": p.label(), "matched": p.matched})
        })
        .collect();
    Ok(Json(Value::Array(out)))
}

fn community_json(c: &Community) -> Value {
    json!({"id": c.id, "slug": c.slug, "name": c.name, "description": c.description, "framework_id": c.framework_id, "created_at": c.created_at})
}

fn convening_json(c: &Convening) -> Value {
    json!({"id": c.id, "community_id": c.community_id, "title": c.title, "mode": c.mode, "starts_on": c.starts_on, "ends_on": c.ends_on,
           "place": c.place, "status": c.status, "description": c.description, "created_at": c.created_at,
           "version": c.version, "updated_at": c.updated_at})
}

/// A story as one caller may see it: the teller's name only where allowed.
pub fn story_json(s: &Story, actor: &Actor, viewer: Viewer) -> Value {
    let reader = service::stories::reader(actor, viewer, s);
    json!({"id": s.id, "convening_id": s.convening_id, "framework_id": s.framework_id, "title": s.title, "language": s.language,
           "visibility": s.visibility, "show_name": s.show_name, "teller": s.shown_name(reader, actor.user_id()),
           "created_at": s.created_at, "updated_at": s.updated_at, "revision": s.revision, "hidden": s.hidden, "steps": s.steps,
           "wave_id": s.wave_id, "outcomes": s.outcomes})
}

async fn post_community(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<CommunityDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let c = service::communities::create_community(&state.store, &caller.actor(), &b).await?;
    Ok((StatusCode::CREATED, Json(community_json(&c))).into_response())
}

async fn community_by_slug(state: &AppState, slug: &str) -> Result<Community, ApiError> {
    state.store.community(slug).await?.ok_or_else(|| ApiError::not_found("community"))
}

async fn get_community(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> Result<Json<Value>, ApiError> {
    let c = community_by_slug(&state, &slug).await?;
    let fw = state.store.framework(c.framework_id).await?.ok_or_else(|| ApiError::not_found("framework"))?;
    let mut v = community_json(&c);
    v["framework"] = json!({"id": fw.id, "version": fw.version, "framework": fw.framework});
    Ok(Json(v))
}

async fn list_convenings(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let c = community_by_slug(&state, &slug).await?;
    let list = state.store.convenings(c.id).await?;
    Ok(Json(Value::Array(list.iter().map(convening_json).collect())))
}

async fn post_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(d): ApiJson<ConveningDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let created = service::convenings::create_convening(&state.store, &caller.actor(), &slug, &d).await?;
    Ok((StatusCode::CREATED, Json(convening_json(&created))).into_response())
}

async fn get_convening(
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
struct ConveningPatch {
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

async fn patch_convening(
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

async fn delete_convening(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::convenings::delete_convening(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn participant_json(p: &Participant) -> Value {
    json!({"id": p.id, "convening_id": p.convening_id, "user_id": p.user_id, "name": p.name, "email": p.email,
           "language": p.language, "has_link": p.has_link})
}

async fn list_participants(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    service::stewarded_convening(&state.store, &caller.actor(), id).await?;
    let list = state.store.participants(id).await?;
    Ok(Json(Value::Array(list.iter().map(participant_json).collect())))
}

async fn post_participant(
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
struct ParticipantPatch {
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
}

async fn patch_participant(
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

async fn delete_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::convenings::remove_participant(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_story(
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

async fn list_stories(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.actor();
    let (_, viewer, readable, _) = service::stories::readable(&state.store, &actor, id).await?;
    Ok(Json(Value::Array(readable.iter().map(|s| story_json(s, &actor, viewer)).collect())))
}

async fn get_story(
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
struct StoryPatch {
    #[serde(flatten)]
    draft: StoryDraft,
    revision: Option<i64>,
}

async fn patch_story(
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

async fn delete_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::stories::delete_story(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn story_revisions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let (_, all) = service::stories::revisions(&state.store, &caller.actor(), id).await?;
    Ok(Json(json!(all)))
}

async fn set_hidden(state: &AppState, caller: &Caller, id: i64, hidden: bool) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    let s = service::stories::set_hidden(&state.store, &actor, id, hidden).await?;
    Ok(Json(story_json(&s, &actor, Viewer::Steward)))
}

async fn hide_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    set_hidden(&state, &caller, id, true).await
}

async fn unhide_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    set_hidden(&state, &caller, id, false).await
}

fn wave_json(w: &crate::store::Wave, answered: i64, participants: usize) -> Value {
    json!({"id": w.id, "convening_id": w.convening_id, "name": w.name, "opens_on": w.opens_on, "closes_on": w.closes_on,
           "cycles": w.cycles, "answered": answered, "participants": participants})
}

async fn list_waves(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let waves = service::waves::waves(&state.store, &caller.actor(), id).await?;
    let n = state.store.participants(id).await?.len();
    Ok(Json(Value::Array(waves.iter().map(|(w, a)| wave_json(w, *a, n)).collect())))
}

async fn post_wave(
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
struct WavePatch {
    name: Option<String>,
    opens_on: Option<String>,
    closes_on: Option<String>,
    cycles: Option<Vec<String>>,
}

async fn patch_wave(
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

async fn delete_wave(
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
async fn invite_wave(
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
async fn wave_links(
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
struct OutboxQuery {
    convening: Option<i64>,
}

/// A convening's messages for its stewards: recipient, kind, state, attempts, last error.
async fn list_outbox(
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

async fn post_outcome(
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

#[derive(Deserialize)]
struct MatrixQuery {
    as_of: Option<String>,
}

async fn get_matrix(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    axum::extract::Query(q): axum::extract::Query<MatrixQuery>,
) -> Result<Json<Value>, ApiError> {
    let (c, community, _) = service::convening(&state.store, &caller.actor(), id).await?;
    let fw = service::current_framework(&state.store, &community).await?;
    let stories = state.store.stories(c.id).await?;
    let as_of = match q.as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(crate::domain::wave::date_text(crate::domain::convening::parse_date("as_of", d)?)),
    };
    let revisions = if as_of.is_some() { state.store.convening_revisions(c.id).await? } else { Vec::new() };
    let n = state.store.participants(id).await?.len();
    let m = matrix_as_of(&fw.framework, &stories, &revisions, n, as_of.as_deref());
    let cycles: Vec<Value> = m
        .cycles
        .iter()
        .map(|cy| {
            let ind: serde_json::Map<String, Value> = cy.indicators.iter().map(|i| (i.key.clone(), json!(i.count))).collect();
            json!({"key": cy.key, "name": cy.name, "realized": cy.realized, "aspirational": cy.aspirational, "indicators": ind,
                   "outcomes": cy.outcomes})
        })
        .collect();
    Ok(Json(
        json!({"n_stories": m.n_stories, "n_tellers": m.n_tellers, "n_participants": m.n_participants, "cycles": cycles,
               "as_of": m.as_of}),
    ))
}
