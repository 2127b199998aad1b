//! The API's reports (JSON, Markdown, MediaWiki, CSV or HTML), indicator observations,
//! costs, and publishing a community's report.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::domain::evidence::{CostDraft, ObservationDraft};
use crate::i18n::Lang;
use crate::interop::report_doc::{self, Format};
use crate::service;
use crate::store::Observation;
use crate::web::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
    /// The language of headings and sentences (`en`, `fr`, `es`, `pt`); else
    /// `Accept-Language`, else English. JSON carries keys, not prose.
    #[serde(default)]
    lang: Option<String>,
    /// The wiki page title of a `mediawiki-xml` import file (else the community's
    /// setting, else the report's title).
    #[serde(default)]
    title: Option<String>,
}

impl ReportQuery {
    fn format(&self) -> Result<Format, ApiError> {
        match self.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => Ok(Format::Json),
            Some(f) => Format::parse(f).ok_or_else(|| ApiError {
                field: Some("format".into()),
                ..ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unknown_format",
                    format!("unknown format '{f}'; choose one of {}", Format::NAMES),
                )
            }),
        }
    }
    fn lang(&self, headers: &HeaderMap) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::from_code)
            .or_else(|| Lang::from_accept_language(headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?))
            .unwrap_or(Lang::En)
    }
}

fn today() -> String {
    crate::domain::convening::format_date(time::OffsetDateTime::now_utc().date())
}

async fn respond(
    state: &AppState,
    community: &crate::store::Community,
    q: &ReportQuery,
    (format, doc, json): (Format, &crate::interop::doc::Doc, &Value),
) -> Result<Response, ApiError> {
    if format == Format::Json {
        return Ok(Json(json.clone()).into_response());
    }
    let asked = q.title.as_deref().unwrap_or_default();
    let title = service::connect::wiki_title(&state.store, community, asked, &doc.title).await?;
    let body = report_doc::render_titled(format, doc, json, &state.config.base_url, &title);
    Ok(([(header::CONTENT_TYPE, format.content_type())], body).into_response())
}

pub(super) async fn convening_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    let (mut r, c, fw) = service::reports::convening_report(&state.store, &caller.actor(), id).await?;
    let lang = q.lang(&headers);
    let rl = service::proposals::report_language(&state.store, c.id, &fw, lang).await?;
    rl.relabel_convening(&mut r);
    let json = report_doc::json_with_time(&r, &crate::store::now());
    let mut doc = report_doc::convening_doc(&r, &rl.names, lang, &today());
    rl.note_versions(&mut doc);
    respond(&state, &c, &q, (format, &doc, &json)).await
}

pub(super) async fn community_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let format = q.format()?;
    let (mut r, c, fw) = service::reports::community_report(&state.store, &caller.actor(), &slug).await?;
    let lang = q.lang(&headers);
    let rl = service::proposals::report_language(&state.store, c.id, &fw, lang).await?;
    rl.relabel_community(&mut r);
    let json = report_doc::json_with_time(&r, &crate::store::now());
    let mut doc = report_doc::community_doc(&r, &rl.names, lang, &today());
    rl.note_versions(&mut doc);
    respond(&state, &c, &q, (format, &doc, &json)).await
}

fn observation_json(o: &Observation) -> Value {
    json!({"id": o.id, "convening_id": o.convening_id, "indicator": o.indicator, "value": o.value, "unit": o.unit,
           "observed_on": o.observed_on, "source": o.source, "note": o.note, "created_at": o.created_at})
}

pub(super) async fn list_observations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let list = service::reports::observations(&state.store, &caller.actor(), id).await?;
    Ok(Json(Value::Array(list.iter().map(observation_json).collect())))
}

pub(super) async fn post_observation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<ObservationDraft>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let o = service::reports::record_observation(&state.store, &caller.actor(), id, &d).await?;
    Ok((StatusCode::CREATED, Json(observation_json(&o))).into_response())
}

pub(super) async fn delete_observation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::reports::delete_observation(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn get_costs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let v = service::reports::costs(&state.store, &caller.actor(), id).await?;
    Ok(Json(json!(v)))
}

pub(super) async fn put_costs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<CostDraft>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let c = service::reports::set_costs(&state.store, &caller.actor(), id, &d).await?;
    Ok(Json(json!({"currency": c.currency, "travel": c.travel, "venue": c.venue, "other": c.other,
                   "co2_kg": c.co2_kg, "total": c.total()})))
}

pub(super) async fn delete_costs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    caller.required()?;
    service::reports::clear_costs(&state.store, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(super) struct PublishBody {
    published: bool,
}

pub(super) async fn publish_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(b): ApiJson<PublishBody>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let at = service::reports::publish_report(&state.store, &caller.actor(), &slug, b.published).await?;
    Ok(Json(json!({"published": at.is_some(), "published_at": at})))
}
