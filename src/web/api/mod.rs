//! The JSON API under `/api/v1`: bearer-token auth, JSON errors
//! `{"error": {"code", "message", "field"}}` with a 4xx status, and its OpenAPI document.

use super::{AppState, hash_token};
use crate::domain::FieldError;
use crate::service::{Actor, ServiceError};
use crate::store::{StoreError, User};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod comments;
mod convenings;
pub(super) mod fieldwork;
mod proposals;
mod reports;
mod stories;
mod waves;

use convenings::{
    delete_convening, delete_participant, get_community, get_convening, get_matrix, list_convenings, list_participants,
    patch_convening, patch_participant, post_community, post_convening, post_participant,
};
use stories::{
    delete_story, get_story, hide_story, list_stories, patch_story, post_outcome, post_story, story_revisions,
    unhide_story,
};
use waves::{delete_wave, invite_wave, list_outbox, list_waves, patch_wave, post_wave, wave_links};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/presets", get(proposals::list_presets))
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
        .route("/convenings/{id}/report", get(reports::convening_report))
        .route("/communities/{slug}/report", get(reports::community_report))
        .route("/communities/{slug}/report/publish", axum::routing::post(reports::publish_report))
        .route("/convenings/{id}/observations", get(reports::list_observations).post(reports::post_observation))
        .route("/observations/{id}", axum::routing::delete(reports::delete_observation))
        .route("/convenings/{id}/costs", get(reports::get_costs).put(reports::put_costs).delete(reports::delete_costs))
        .route("/convenings/{id}/comments", get(comments::convening_comments).post(comments::post_convening_comment))
        .route("/stories/{id}/comments", get(comments::story_comments).post(comments::post_story_comment))
        .route(
            "/communities/{slug}/framework/comments",
            get(comments::framework_comments).post(comments::post_framework_comment),
        )
        .route("/comments/{id}/hide", axum::routing::post(comments::hide_comment))
        .route("/comments/{id}/restore", axum::routing::post(comments::restore_comment))
        .route("/communities/{slug}/digest", axum::routing::post(comments::post_digest))
        .route("/convenings/{id}/xlsform", get(fieldwork::get_xlsform))
        .route("/convenings/{id}/submissions", axum::routing::post(fieldwork::post_submissions))
        .route("/convenings/{id}/stories.csv", get(fieldwork::stories_csv))
        .route("/convenings/{id}/stories.xlsx", get(fieldwork::stories_xlsx))
        .route("/communities/{slug}/framework", get(proposals::get_framework))
        .route("/communities/{slug}/proposals", get(proposals::list_proposals).post(proposals::post_proposal))
        .route("/proposals/{id}/support", axum::routing::post(proposals::support_proposal))
        .route("/proposals/{id}/comments", get(comments::proposal_comments).post(comments::post_proposal_comment))
        .route("/proposals/{id}/decision", axum::routing::post(proposals::decide_proposal))
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
        let status = if matches!(e.code, "err-slug-taken" | "err-proposal-conflict") {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
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
        "already-decided" => "the proposal was decided already",
        "comment-already-hidden" => "the comment is hidden already",
        "comment-not-hidden" => "the comment is not hidden",
        "already-sent" => "today's digest was sent already",
        "private" => "the community is private: it has no public digest",
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
            let country_name =
                crate::planner::country_name_in(&p.country, lang.base().code()).unwrap_or(&p.country_name);
            json!({"name": p.name, "country": p.country, "country_name": country_name, "admin1": p.admin1, "lat": p.lat,
                   "lon": p.lon, "population": p.population, "label": p.label(), "matched": p.matched})
        })
        .collect();
    Ok(Json(Value::Array(out)))
}
