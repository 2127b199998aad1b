//! The JSON API under `/api/v1`: bearer-token auth, JSON errors
//! `{"error": {"code", "message", "field"}}` with a 4xx status, and its OpenAPI document.

use super::community::create_community;
use super::story::tell_story;
use super::{AppState, hash_token};
use crate::analysis::matrix::matrix;
use crate::domain::convening::ConveningDraft;
use crate::domain::framework::presets;
use crate::domain::story::{Story, StoryDraft};
use crate::domain::{FieldError, Viewer};
use crate::store::{Community, Convening, StoreError, Teller, User};
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
        .route("/convenings/{id}", get(get_convening))
        .route("/convenings/{id}/stories", get(list_stories).post(post_story))
        .route("/convenings/{id}/matrix", get(get_matrix))
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
    fn required(&self) -> Result<&User, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthorized)
    }
    fn id(&self) -> Option<i64> {
        self.0.as_ref().map(|u| u.id)
    }
    async fn viewer(&self, state: &AppState, community_id: i64) -> Result<Viewer, ApiError> {
        Ok(match &self.0 {
            None => Viewer::Anonymous,
            Some(u) => Viewer::from_role(state.store.role(community_id, u.id).await?, u.is_admin),
        })
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
}

/// City search for home places: accent- and case-insensitive prefix match, "Name, CC"
/// narrows to a country; the country is given to tell namesakes apart.
async fn search_places(axum::extract::Query(q): axum::extract::Query<PlaceQuery>) -> Result<Json<Value>, ApiError> {
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError {
            field: Some("q".into()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "required", "give a place name as ?q=")
        });
    }
    let places = crate::planner::search(&query, q.limit.unwrap_or(10).clamp(1, 50));
    let out: Vec<Value> = places
        .iter()
        .map(|p| json!({"name": p.name, "country": p.country, "country_name": p.country_name, "admin1": p.admin1, "lat": p.lat, "lon": p.lon, "population": p.population, "label": p.label()}))
        .collect();
    Ok(Json(Value::Array(out)))
}

fn community_json(c: &Community) -> Value {
    json!({"id": c.id, "slug": c.slug, "name": c.name, "description": c.description, "framework_id": c.framework_id, "created_at": c.created_at})
}

fn convening_json(c: &Convening) -> Value {
    json!({"id": c.id, "community_id": c.community_id, "title": c.title, "mode": c.mode, "starts_on": c.starts_on, "ends_on": c.ends_on,
           "place": c.place, "status": c.status, "description": c.description, "created_at": c.created_at})
}

/// A story as one caller may see it: the teller's name only where allowed.
pub fn story_json(s: &Story, viewer: Viewer, user_id: Option<i64>) -> Value {
    json!({"id": s.id, "convening_id": s.convening_id, "framework_id": s.framework_id, "title": s.title, "language": s.language,
           "visibility": s.visibility, "show_name": s.show_name, "teller": s.shown_name(viewer, user_id),
           "created_at": s.created_at, "steps": s.steps})
}

#[derive(Deserialize)]
struct NewCommunity {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    preset: String,
}

async fn post_community(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewCommunity>,
) -> Result<Response, ApiError> {
    let user = caller.required()?;
    let c = create_community(&state, user.id, &b.slug, &b.name, &b.description, &b.preset).await??;
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
    let c = community_by_slug(&state, &slug).await?;
    if caller.viewer(&state, c.id).await? != Viewer::Steward {
        return Err(ApiError::forbidden());
    }
    let created = state.store.create_convening(c.id, &d.validate()?).await?;
    Ok((StatusCode::CREATED, Json(convening_json(&created))).into_response())
}

async fn convening_by_id(state: &AppState, id: i64) -> Result<Convening, ApiError> {
    state.store.convening(id).await?.ok_or_else(|| ApiError::not_found("convening"))
}

async fn get_convening(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Value>, ApiError> {
    let c = convening_by_id(&state, id).await?;
    let mut v = convening_json(&c);
    v["participants"] = json!(state.store.participants(id).await?.len());
    v["aspirations"] = json!(state.store.aspirations(id).await?);
    Ok(Json(v))
}

async fn post_story(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<StoryDraft>,
) -> Result<Response, ApiError> {
    let user = caller.required()?.clone();
    let c = convening_by_id(&state, id).await?;
    let viewer = caller.viewer(&state, c.community_id).await?;
    if viewer < Viewer::Member {
        return Err(ApiError::forbidden());
    }
    let teller = Teller { user_id: Some(user.id), participant_id: None, name: user.name.clone() };
    let story = tell_story(&state, &c, &teller, &d).await??;
    Ok((StatusCode::CREATED, Json(story_json(&story, viewer, Some(user.id)))).into_response())
}

async fn list_stories(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let c = convening_by_id(&state, id).await?;
    let viewer = caller.viewer(&state, c.community_id).await?;
    let stories = state.store.stories(id).await?;
    let visible =
        stories.iter().filter(|s| s.visible_to(viewer, caller.id())).map(|s| story_json(s, viewer, caller.id()));
    Ok(Json(Value::Array(visible.collect())))
}

async fn get_matrix(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Value>, ApiError> {
    let c = convening_by_id(&state, id).await?;
    let community = state.store.community_by_id(c.community_id).await?.ok_or(StoreError::NotFound)?;
    let fw = state.store.framework(community.framework_id).await?.ok_or(StoreError::NotFound)?;
    let stories = state.store.stories(id).await?;
    let m = matrix(&fw.framework, &stories, state.store.participants(id).await?.len());
    let cycles: Vec<Value> = m
        .cycles
        .iter()
        .map(|cy| {
            let ind: serde_json::Map<String, Value> = cy.indicators.iter().map(|i| (i.key.clone(), json!(i.count))).collect();
            json!({"key": cy.key, "name": cy.name, "realized": cy.realized, "aspirational": cy.aspirational, "indicators": ind})
        })
        .collect();
    Ok(Json(
        json!({"n_stories": m.n_stories, "n_tellers": m.n_tellers, "n_participants": m.n_participants, "cycles": cycles}),
    ))
}
