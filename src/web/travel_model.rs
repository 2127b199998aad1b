//! A community's travel model: the constants the planner estimates fares, time and CO2
//! with (JSON), which stewards may change; known real fares go here too.

use super::community::steward_of;
use super::{AppError, AppState, Ctx, Page};
use crate::planner::{ModelError, TravelModel};
use crate::store::Community;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/c/{slug}/travel-model", get(model_page).post(save_model))
}

/// The community's travel model (its own constants, or the defaults).
pub async fn community_model(state: &AppState, community_id: i64) -> Result<TravelModel, AppError> {
    let json = state.store.travel_model(community_id).await?;
    if json.trim().is_empty() {
        return Ok(TravelModel::default());
    }
    serde_json::from_str(&json)
        .map_err(|e| AppError::Store(crate::store::StoreError::Corrupt(format!("travel model: {e}"))))
}

/// A refused constant in the reader's language.
pub fn model_error(ctx: &Ctx, e: &ModelError) -> String {
    match e {
        ModelError::Negative { field, value } => {
            ctx.ta("model-err-negative", &[("field", field), ("value", &value.to_string())])
        }
        ModelError::NotPositive { field } => ctx.t1("model-err-positive", "field", field),
        ModelError::KnownFare { member, host, .. } => ctx.ta("model-err-fare", &[("member", member), ("host", host)]),
    }
}

#[derive(Template)]
#[template(path = "travel_model.html")]
struct ModelPage {
    ctx: Ctx,
    community: Community,
    text: String,
    error: Option<String>,
    saved: bool,
}

async fn model_page(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let model = community_model(&state, community.id).await?;
    let text = serde_json::to_string_pretty(&model).unwrap_or_default();
    Ok(Page(ModelPage { ctx, community, text, error: None, saved: false }).into_response())
}

#[derive(Deserialize)]
struct ModelForm {
    #[serde(default)]
    text: String,
}

async fn save_model(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ModelForm>,
) -> Result<Response, AppError> {
    let community = steward_of(&state, &ctx, &slug).await?;
    let parsed = serde_json::from_str::<TravelModel>(&f.text)
        .map_err(|e| e.to_string())
        .and_then(|m| m.validate().map(|()| m).map_err(|e| model_error(&ctx, &e)));
    match parsed {
        Ok(m) => {
            let json = serde_json::to_string(&m).unwrap_or_default();
            crate::service::communities::set_travel_model(&state.store, &ctx.actor(), &slug, &json).await?;
            let text = serde_json::to_string_pretty(&m).unwrap_or_default();
            Ok(Page(ModelPage { ctx, community, text, error: None, saved: true }).into_response())
        }
        Err(e) => {
            let mut resp =
                Page(ModelPage { ctx, community, text: f.text, error: Some(e), saved: false }).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}
