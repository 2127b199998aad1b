//! A user's own profile: their home place (chosen from the gazetteer; the planner uses
//! it), name and e-mail, password, signing out everywhere, and their API tokens.

use super::{AppError, AppState, Ctx, Page, see_other};
use crate::planner::{self, PlaceLookupError};
use crate::service::{ServiceError, accounts};
use crate::store::ApiToken;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me_page).post(save_me))
        .route("/me/identity", post(save_identity))
        .route("/me/password", post(save_password))
        .route("/me/signout-everywhere", post(signout_everywhere))
        .route("/me/tokens", post(new_token))
        .route("/me/tokens/{id}/revoke", post(revoke_token))
        .route("/me/prefs", post(save_prefs))
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    ctx: Ctx,
    home: String,
    choices: Vec<planner::Place>,
    error: Option<String>,
    saved: bool,
    name: String,
    email: String,
    /// Which account form was refused, with its message.
    account_error: Option<(&'static str, String)>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    prefs: crate::store::UserPrefs,
}

impl MePage {
    fn error_for(&self, form: &str) -> Option<&str> {
        self.account_error.as_ref().filter(|(f, _)| *f == form).map(|(_, m)| m.as_str())
    }
}

async fn page_for(state: &AppState, ctx: Ctx) -> Result<MePage, AppError> {
    let user = ctx.require_user()?.clone();
    let tokens = accounts::tokens(&state.store, &ctx.actor(), user.id).await?;
    let prefs = crate::service::connect::prefs(&state.store, &ctx.actor()).await?;
    Ok(MePage {
        prefs,
        ctx,
        home: user.home_place,
        choices: Vec::new(),
        error: None,
        saved: false,
        name: user.name,
        email: user.email,
        account_error: None,
        tokens,
        new_token: None,
    })
}

async fn me_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    Ok(Page(page_for(&state, ctx).await?).into_response())
}

#[derive(Deserialize)]
struct IdentityForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

/// A refused account form: the page again, with what was typed and the message.
fn refused(mut page: MePage, form: &'static str, e: &ServiceError) -> Response {
    let msg = e.field().map_or_else(|| page.ctx.t("err-internal"), |f| page.ctx.error(f));
    page.account_error = Some((form, msg));
    (StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response()
}

async fn save_identity(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IdentityForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let actor = ctx.actor();
    match accounts::change_identity(&state.store, &actor, &f.name, &f.email, &f.current_password).await {
        Ok(_) => Ok(see_other("/me?saved=identity")),
        Err(e @ ServiceError::Invalid(_)) => {
            let mut page = page_for(&state, ctx).await?;
            (page.name, page.email) = (f.name, f.email);
            Ok(refused(page, "identity", &e))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    super::cookie(headers, super::SESSION_COOKIE)
}

/// A new password ends every other session.
async fn save_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let keep = session_token(&headers);
    match accounts::change_password(&state.store, &ctx.actor(), &f.current_password, &f.password, keep.as_deref()).await
    {
        Ok(()) => Ok(see_other("/me?saved=password")),
        Err(e @ ServiceError::Invalid(_)) => Ok(refused(page_for(&state, ctx).await?, "password", &e)),
        Err(e) => Err(e.into()),
    }
}

async fn signout_everywhere(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, AppError> {
    ctx.require_user()?;
    let keep = session_token(&headers);
    accounts::sign_out_everywhere(&state.store, &ctx.actor(), keep.as_deref()).await?;
    Ok(see_other("/me?saved=sessions"))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_days: String,
}

/// A new API token, shown once on the page.
async fn new_token(State(state): State<AppState>, ctx: Ctx, Form(f): Form<TokenForm>) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let days: Option<i64> = f.expires_days.trim().parse().ok().filter(|d| *d > 0);
    let expires = days.map(|d| crate::store::in_seconds(d.min(3650) * 24 * 3600));
    match accounts::issue_token(&state.store, &ctx.actor(), user.id, &f.name, expires.as_deref()).await {
        Ok((token, _)) => {
            let mut page = page_for(&state, ctx).await?;
            page.new_token = Some(token);
            Ok(Page(page).into_response())
        }
        Err(e @ ServiceError::Invalid(_)) => Ok(refused(page_for(&state, ctx).await?, "token", &e)),
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    accounts::revoke_token(&state.store, &ctx.actor(), user.id, id).await?;
    Ok(see_other("/me#tokens"))
}

#[derive(Deserialize)]
struct MeForm {
    #[serde(default)]
    home: String,
}

/// Sets the user's home place from a city name; an ambiguous or unknown name comes back
/// with the places to choose from (radio buttons: no JavaScript needed).
async fn save_me(State(state): State<AppState>, ctx: Ctx, Form(f): Form<MeForm>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (error, choices) = match planner::resolve(&f.home) {
        Ok(place) => {
            accounts::set_home_place(&state.store, &ctx.actor(), &place.label()).await?;
            let mut page = page_for(&state, ctx).await?;
            (page.home, page.saved) = (place.label(), true);
            return Ok(Page(page).into_response());
        }
        Err(PlaceLookupError::Ambiguous { matches, .. }) => (ctx.t("err-place-ambiguous"), matches),
        Err(PlaceLookupError::Unknown { suggestions, .. }) => (ctx.t("err-place-unknown"), suggestions),
    };
    let mut page = page_for(&state, ctx).await?;
    (page.home, page.choices, page.error) = (f.home, choices, Some(error));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
}

#[derive(Deserialize)]
struct PrefsForm {
    #[serde(default)]
    share_place: Option<String>,
    #[serde(default)]
    notify_comments: Option<String>,
}

/// Sharing the home city on public maps and e-mail about comments: both off until the
/// member turns them on.
async fn save_prefs(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PrefsForm>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let prefs =
        crate::store::UserPrefs { share_place: f.share_place.is_some(), notify_comments: f.notify_comments.is_some() };
    crate::service::connect::set_prefs(&state.store, &ctx.actor(), prefs).await?;
    Ok(see_other("/me?saved=prefs#prefs"))
}
