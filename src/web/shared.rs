//! The shared link of a wave, shown as a QR code at the gathering: anyone in the room opens
//! it, types their name and tells their story; they become a named guest and get their own
//! link to come back with. Stewards make (and revoke) it on the wave page.

use super::story::FormState;
use super::{AppError, AppState, Ctx, Page};
use crate::domain::framework::Cycle;
use crate::service::{self, ServiceError};
use crate::store::{Convening, Wave};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/s/{token}", get(form).post(submit))
}

#[derive(Template)]
#[template(path = "shared.html")]
struct SharedPage {
    ctx: Ctx,
    convening: Convening,
    wave: Wave,
    cycles: Vec<Cycle>,
    action: String,
    name: String,
    form: FormState,
    error: Option<String>,
    /// After the story: the teller's own link, shown once.
    own_link: Option<String>,
}

async fn page(state: &AppState, ctx: Ctx, token: &str) -> Result<SharedPage, AppError> {
    let (wave, convening) = service::waves::open_shared_link(&state.store, token).await?;
    let community = state.store.community_by_id(convening.community_id).await?.ok_or(AppError::NotFound)?;
    let mut fw = service::current_framework(&state.store, &community).await?.framework.localized(ctx.lang);
    fw.cycles.retain(|c| wave.cycles.contains(&c.key));
    let form = FormState::empty(ctx.lang.code());
    Ok(SharedPage {
        ctx,
        convening,
        wave,
        cycles: fw.cycles,
        action: format!("/s/{token}"),
        name: String::new(),
        form,
        error: None,
        own_link: None,
    })
}

async fn form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, AppError> {
    Ok(Page(page(&state, ctx, &token).await?).into_response())
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut p = page(&state, ctx, &token).await?;
    let fw = crate::domain::framework::Framework { cycles: p.cycles.clone(), ..Default::default() };
    p.form = match FormState::parse(&body, &fw) {
        Ok(form) => form,
        Err(max) => return Ok(super::security::too_many_fields(p.ctx.lang, max)),
    };
    p.name = form_urlencoded::parse(&body).find(|(k, _)| k == "name").map(|(_, v)| v.into_owned()).unwrap_or_default();
    match service::waves::tell_through_shared_link(&state.store, &token, &p.name, &p.form.draft()).await {
        Ok((_, own)) => {
            p.own_link = Some(format!("/answer/{own}"));
            Ok(Page(p).into_response())
        }
        Err(ServiceError::Invalid(e)) => {
            p.error = e.first().map(|e| p.ctx.error(e));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
