//! Accounts in the browser: sign in and out (server-side sessions), and joining a
//! community through an invitation link, creating an account if needed.

use super::{AppError, AppState, Ctx, Page, SESSION_COOKIE, safe_next, see_other, set_cookie};
use crate::service::ServiceError;
use crate::service::accounts::{self, NewAccount};
use crate::store::{Community, User};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/join/{token}", get(join_form).post(join))
        .route("/reset", get(reset_request_form).post(reset_request))
        .route("/reset/{token}", get(reset_form).post(reset))
        .route("/unsubscribe/{token}", get(unsubscribe_form).post(unsubscribe))
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    ctx: Ctx,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct SigninQuery {
    next: Option<String>,
}

async fn signin_form(ctx: Ctx, Query(q): Query<SigninQuery>) -> Response {
    Page(SigninPage { ctx, email: String::new(), next: safe_next(q.next.as_deref()), error: None }).into_response()
}

#[derive(Deserialize)]
struct SigninForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn signin(State(state): State<AppState>, ctx: Ctx, Form(f): Form<SigninForm>) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    match accounts::sign_in(&state.store, &f.email, &f.password).await {
        Ok(user) => start_session(&state, user.id, &next).await,
        Err(ServiceError::Invalid(_)) => {
            let error = Some(ctx.t("err-signin"));
            let mut resp = Page(SigninPage { ctx, email: f.email, next, error }).into_response();
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn start_session(state: &AppState, user_id: i64, next: &str) -> Result<Response, AppError> {
    let seconds = state.config.session_seconds();
    let token = accounts::start_session(&state.store, user_id, seconds).await?;
    let mut resp = see_other(next);
    set_cookie(&mut resp, SESSION_COOKIE, &token, seconds);
    Ok(resp)
}

async fn signout(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = super::cookie(&headers, SESSION_COOKIE) {
        accounts::sign_out(&state.store, &token).await?;
    }
    let mut resp = see_other("/");
    set_cookie(&mut resp, SESSION_COOKIE, "", 0);
    Ok(resp)
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage {
    ctx: Ctx,
    community: Community,
    /// The account the link is addressed to (it sets its password here).
    for_user: Option<User>,
    token: String,
    name: String,
    email: String,
    error: Option<String>,
}

async fn join_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, AppError> {
    let open = accounts::open_invitation(&state.store, &token).await?;
    Ok(Page(JoinPage {
        ctx,
        community: open.community,
        for_user: open.for_user,
        token,
        name: String::new(),
        email: String::new(),
        error: None,
    })
    .into_response())
}

/// A signed-in visitor joins at once; an addressed account sets its password; otherwise
/// the form creates an account first.
async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<NewAccount>,
) -> Result<Response, AppError> {
    let signed_in = ctx.user.is_some();
    match accounts::accept_invitation(&state.store, &ctx.actor(), &token, &f).await {
        Ok((user, community)) => {
            let back = format!("/c/{}", community.slug);
            if signed_in { Ok(see_other(&back)) } else { start_session(&state, user.id, &back).await }
        }
        Err(ServiceError::Invalid(e)) => {
            let open = accounts::open_invitation(&state.store, &token).await?;
            let error = e.first().map(|e| ctx.error(e));
            let page = JoinPage {
                ctx,
                community: open.community,
                for_user: open.for_user,
                token,
                name: f.name,
                email: f.email,
                error,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    ctx: Ctx,
    /// Set on the page a reset link opens (the new-password form).
    token: Option<String>,
    email: String,
    error: Option<String>,
    sent: bool,
    mail_on: bool,
}

async fn reset_request_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mail_on = !state.config.mail.smtp_url.is_empty();
    Page(ResetPage { ctx, token: None, email: String::new(), error: None, sent: false, mail_on }).into_response()
}

#[derive(Deserialize)]
struct ResetRequest {
    #[serde(default)]
    email: String,
}

/// Queues a reset mail if the address has an account; the page says the same either way.
async fn reset_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ResetRequest>,
) -> Result<Response, AppError> {
    crate::service::mail::request_password_reset(&state.store, &f.email, ctx.lang.code()).await?;
    let mail_on = !state.config.mail.smtp_url.is_empty();
    Ok(Page(ResetPage { ctx, token: None, email: f.email, error: None, sent: true, mail_on }).into_response())
}

async fn reset_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, AppError> {
    crate::service::mail::check_password_reset(&state.store, &token).await?;
    let page = ResetPage { ctx, token: Some(token), email: String::new(), error: None, sent: false, mail_on: true };
    Ok(Page(page).into_response())
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    password: String,
}

/// Sets the new password (every session of the account ends) and signs in.
async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<NewPassword>,
) -> Result<Response, AppError> {
    match crate::service::mail::reset_password(&state.store, &token, &f.password).await {
        Ok(uid) => start_session(&state, uid, "/").await,
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            let page = ResetPage { ctx, token: Some(token), email: String::new(), error, sent: false, mail_on: true };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    ctx: Ctx,
    token: String,
    done: bool,
}

/// Opening the link asks first (mail scanners follow links; only the button unsubscribes).
async fn unsubscribe_form(ctx: Ctx, Path(token): Path<String>) -> Response {
    Page(UnsubscribePage { ctx, token, done: false }).into_response()
}

async fn unsubscribe(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, AppError> {
    crate::service::mail::unsubscribe(&state.store, &token).await?;
    Ok(Page(UnsubscribePage { ctx, token, done: true }).into_response())
}
