//! A community's public face and digest settings (stewards): private or public, the
//! mailing list and its monthly digest, the wiki page title; and "send the digest now".

use super::{AppError, AppState, Ctx, Page};
use crate::service::{ServiceError, connect};
use crate::store::{Community, PublicSettings};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/c/{slug}/settings", get(form).post(save)).route("/c/{slug}/digest", post(send_digest))
}

#[derive(Template)]
#[template(path = "community_settings.html")]
struct SettingsPage {
    ctx: Ctx,
    community: Community,
    settings: PublicSettings,
    error: Option<String>,
    notice: Option<String>,
}

async fn form(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (community, settings) = connect::settings(&state.store, &ctx.actor(), &slug).await?;
    Ok(Page(SettingsPage { ctx, community, settings, error: None, notice: None }).into_response())
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    private: Option<String>,
    #[serde(default)]
    list_address: String,
    #[serde(default)]
    digest_monthly: Option<String>,
    #[serde(default)]
    wiki_title: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (community, _) = connect::settings(&state.store, &ctx.actor(), &slug).await?;
    let typed = PublicSettings {
        private: f.private.is_some(),
        list_address: f.list_address,
        digest_monthly: f.digest_monthly.is_some(),
        wiki_title: f.wiki_title,
    };
    match connect::save_settings(&state.store, &ctx.actor(), &slug, &typed).await {
        Ok(settings) => {
            let notice = Some(ctx.t("settings-saved"));
            Ok(Page(SettingsPage { ctx, community, settings, error: None, notice }).into_response())
        }
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page = SettingsPage { ctx, community, settings: typed, error, notice: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn send_digest(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (community, settings) = connect::settings(&state.store, &ctx.actor(), &slug).await?;
    let today = time::OffsetDateTime::now_utc().date();
    match connect::send_digest(&state.store, &ctx.actor(), &slug, today).await {
        Ok(_) => {
            let notice = Some(ctx.t("digest-sent"));
            Ok(Page(SettingsPage { ctx, community, settings, error: None, notice }).into_response())
        }
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page = SettingsPage { ctx, community, settings, error, notice: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
