//! A user's own profile: their home place, chosen from the gazetteer, which the planner
//! uses to say where people would travel from.

use super::{AppError, AppState, Ctx, Page};
use crate::planner::{self, PlaceLookupError};
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(me_page).post(save_me))
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    ctx: Ctx,
    home: String,
    choices: Vec<planner::Place>,
    error: Option<String>,
    saved: bool,
}

async fn me_page(ctx: Ctx) -> Result<Response, AppError> {
    let home = ctx.require_user()?.home_place.clone();
    Ok(Page(MePage { ctx, home, choices: Vec::new(), error: None, saved: false }).into_response())
}

#[derive(Deserialize)]
struct MeForm {
    #[serde(default)]
    home: String,
}

/// Sets the user's home place from a city name; an ambiguous or unknown name comes back
/// with the places to choose from (radio buttons: no JavaScript needed).
async fn save_me(State(state): State<AppState>, ctx: Ctx, Form(f): Form<MeForm>) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let (error, choices) = match planner::resolve(&f.home) {
        Ok(place) => {
            state.store.set_home_place(user.id, &place.label()).await?;
            return Ok(Page(MePage { ctx, home: place.label(), choices: Vec::new(), error: None, saved: true })
                .into_response());
        }
        Err(PlaceLookupError::Ambiguous { matches, .. }) => (ctx.t("err-place-ambiguous"), matches),
        Err(PlaceLookupError::Unknown { suggestions, .. }) => (ctx.t("err-place-unknown"), suggestions),
    };
    let mut resp = Page(MePage { ctx, home: f.home, choices, error: Some(error), saved: false }).into_response();
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
