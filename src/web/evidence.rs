//! Effect data for stewards: indicator observations of a convening (add, remove) and
//! what it cost (record, replace, clear), on one page beside the estimate the report
//! uses when nothing is recorded.

use super::convening::steward_convening;
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::evidence::{CostDraft, ObservationDraft};
use crate::domain::framework::Framework;
use crate::service::reports::CostView;
use crate::service::{self, ServiceError};
use crate::store::{Convening, Observation};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/evidence", get(page))
        .route("/convenings/{id}/observations", post(add_observation))
        .route("/observations/{oid}/delete", post(delete_observation))
        .route("/convenings/{id}/costs", post(set_costs))
        .route("/convenings/{id}/costs/clear", post(clear_costs))
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    ctx: Ctx,
    convening: Convening,
    framework: Framework,
    observations: Vec<Observation>,
    costs: CostView,
    /// The observation form as typed, and its error.
    obs: ObservationDraft,
    obs_error: Option<String>,
    /// The cost form as typed, and its error.
    cost: CostDraft,
    cost_error: Option<String>,
}

impl EvidencePage {
    fn indicator_name(&self, key: &str) -> String {
        self.framework.indicator(key).map_or_else(|| key.to_string(), |i| i.name.clone())
    }
    fn number(&self, v: &f64) -> String {
        crate::i18n::format_number(self.ctx.lang, *v, if v.fract() == 0.0 { 0 } else { 2 })
    }
    fn money(&self, v: &f64) -> String {
        crate::i18n::format_number(self.ctx.lang, *v, 2)
    }
}

fn amount(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    obs: Option<(ObservationDraft, String)>,
    cost: Option<(CostDraft, String)>,
) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(state, &ctx, id).await?;
    let framework = service::current_framework(&state.store, &community).await?.framework.localized(ctx.lang);
    let actor = ctx.actor();
    let observations = service::reports::observations(&state.store, &actor, id).await?;
    let costs = service::reports::costs(&state.store, &actor, id).await?;
    let refused = obs.is_some() || cost.is_some();
    let (obs, obs_error) = obs.map_or((ObservationDraft::default(), None), |(d, e)| (d, Some(e)));
    let (cost, cost_error) = cost.map_or_else(
        || {
            let d = costs.recorded.as_ref().map_or_else(
                || CostDraft {
                    currency: costs.estimate.as_ref().map(|e| e.currency.clone()).unwrap_or_default(),
                    ..Default::default()
                },
                |c| CostDraft {
                    currency: c.currency.clone(),
                    travel: amount(c.travel),
                    venue: amount(c.venue),
                    other: amount(c.other),
                    co2_kg: c.co2_kg.map(amount).unwrap_or_default(),
                },
            );
            (d, None)
        },
        |(d, e)| (d, Some(e)),
    );
    let page = EvidencePage { ctx, convening, framework, observations, costs, obs, obs_error, cost, cost_error };
    let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Page(page)).into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    render(&state, ctx, id, None, None).await
}

fn message(ctx: &Ctx, e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Invalid(v) => Some(v.iter().map(|f| ctx.error(f)).collect::<Vec<_>>().join(" ")),
        _ => None,
    }
}

async fn add_observation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(d): Form<ObservationDraft>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match service::reports::record_observation(&state.store, &ctx.actor(), id, &d).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}/evidence#observations"))),
        Err(e) => match message(&ctx, &e) {
            Some(m) => render(&state, ctx, id, Some((d, m)), None).await,
            None => Err(e.into()),
        },
    }
}

async fn delete_observation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(oid): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let id = service::reports::delete_observation(&state.store, &ctx.actor(), oid).await?;
    Ok(see_other(&format!("/convenings/{id}/evidence#observations")))
}

async fn set_costs(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(d): Form<CostDraft>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match service::reports::set_costs(&state.store, &ctx.actor(), id, &d).await {
        Ok(_) => Ok(see_other(&format!("/convenings/{id}/evidence#costs"))),
        Err(e) => match message(&ctx, &e) {
            Some(m) => render(&state, ctx, id, None, Some((d, m))).await,
            None => Err(e.into()),
        },
    }
}

async fn clear_costs(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::reports::clear_costs(&state.store, &ctx.actor(), id).await?;
    Ok(see_other(&format!("/convenings/{id}/evidence#costs")))
}
