//! Accounts in the browser: sign in and out (server-side sessions), and joining a
//! community through an invitation link, creating an account if needed.

use super::{
    AppError, AppState, Ctx, Page, SESSION_COOKIE, SESSION_SECONDS, hash_token, new_token, safe_next, see_other,
    set_cookie,
};
use crate::domain::{parse_email, required_text};
use crate::secret::{MIN_PASSWORD, hash_password_async, verify_password_async};
use crate::store::{Community, Invite};
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
    let email = f.email.trim().to_lowercase();
    let found = state.store.user_by_email(&email).await?;
    // Without an account the check runs against a dummy hash, spending the same time, so
    // that timing does not tell which e-mail addresses have accounts.
    let hash = found.as_ref().and_then(|(_, h)| h.as_deref());
    let verified = verify_password_async(&f.password, hash).await;
    let user = match found {
        Some((user, Some(_))) if verified => user,
        _ => {
            let error = Some(ctx.t("err-signin"));
            let mut resp = Page(SigninPage { ctx, email: f.email, next, error }).into_response();
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(resp);
        }
    };
    start_session(&state, user.id, &next).await
}

async fn start_session(state: &AppState, user_id: i64, next: &str) -> Result<Response, AppError> {
    let token = new_token();
    state.store.create_session(&hash_token(&token), user_id, &crate::store::in_seconds(SESSION_SECONDS)).await?;
    let mut resp = see_other(next);
    set_cookie(&mut resp, SESSION_COOKIE, &token, SESSION_SECONDS);
    Ok(resp)
}

async fn signout(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = super::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(&token)).await?;
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
    token: String,
    name: String,
    email: String,
    error: Option<String>,
}

async fn live_invite(state: &AppState, token: &str) -> Result<(Invite, Community), AppError> {
    let invite = state.store.invite(&hash_token(token)).await?.ok_or(AppError::NotFound)?;
    if invite.expires_at <= crate::store::now() {
        return Err(AppError::NotFound);
    }
    let community = state.store.community_by_id(invite.community_id).await?.ok_or(AppError::NotFound)?;
    Ok((invite, community))
}

async fn join_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, AppError> {
    let (_, community) = live_invite(&state, &token).await?;
    Ok(Page(JoinPage { ctx, community, token, name: String::new(), email: String::new(), error: None }).into_response())
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A signed-in visitor joins at once; otherwise the form creates their account first.
async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<JoinForm>,
) -> Result<Response, AppError> {
    let (invite, community) = live_invite(&state, &token).await?;
    let back = format!("/c/{}", community.slug);
    if let Some(user) = &ctx.user {
        state.store.add_member(community.id, user.id, invite.role).await?;
        return Ok(see_other(&back));
    }
    let checked = (|| {
        let name = required_text("name", &f.name, 100)?;
        let email = parse_email(&f.email)?;
        Ok::<_, crate::domain::FieldError>((name, email))
    })();
    let error = match checked {
        Err(e) => Some(ctx.error(&e)),
        Ok(_) if f.password.chars().count() < MIN_PASSWORD => Some(ctx.t("err-password-short")),
        Ok((name, email)) => {
            let hash = hash_password_async(&f.password)
                .await
                .map_err(|e| AppError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
            match state.store.create_user(&email, &name, Some(&hash), false).await {
                Ok(user) => {
                    state.store.add_member(community.id, user.id, invite.role).await?;
                    return start_session(&state, user.id, &back).await;
                }
                Err(crate::store::StoreError::Conflict) => Some(ctx.t("err-email-taken")),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut resp = Page(JoinPage { ctx, community, token, name: f.name, email: f.email, error }).into_response();
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
