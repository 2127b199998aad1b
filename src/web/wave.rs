//! A follow-up wave for its stewards: dates and cycles to edit, each participant's link
//! (one by one, all as CSV, revoke), e-mail invitations and what was sent, and the shared
//! room link with its QR code.

use super::convening::steward_convening;
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::wave::WaveDraft;
use crate::service::{self, ServiceError};
use crate::store::{AnswerLink, Convening, FrameworkVersion, Participant, Wave};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/waves/{wid}", get(wave_page).post(edit_wave))
        .route("/waves/{wid}/delete", post(delete_wave))
        .route("/waves/{wid}/participants/{pid}/link", post(issue_wave_link))
        .route("/waves/{wid}/invite", post(invite_wave))
        .route("/waves/{wid}/shared", post(shared_link))
        .route("/waves/{wid}/shared/revoke", post(revoke_shared))
        .route("/waves/{wid}/participants/{pid}/revoke", post(revoke_wave_links))
        .route("/waves/{wid}/links.csv", post(wave_links_csv))
}

#[derive(Deserialize)]
struct WaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
}

/// The cycles ticked on a wave form (`cycle` repeated), with the other fields.
pub(super) fn wave_draft(body: &[u8]) -> WaveDraft {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let f = WaveForm { name: get("name"), opens_on: get("opens_on"), closes_on: get("closes_on") };
    let cycles = pairs.iter().filter(|(n, _)| n == "cycle").map(|(_, v)| v.clone()).collect();
    WaveDraft { name: f.name, opens_on: f.opens_on, closes_on: f.closes_on, cycles }
}

#[derive(Template)]
#[template(path = "wave.html")]
struct WavePage {
    ctx: Ctx,
    convening: Convening,
    framework: FrameworkVersion,
    wave: Wave,
    participants: Vec<Participant>,
    links: Vec<AnswerLink>,
    new_link: Option<(String, String)>,
    error: Option<String>,
    /// Whether mail can be sent (an SMTP server is configured).
    mail_on: bool,
    /// This wave's messages: recipient, kind, state, attempts, last error.
    outbox: Vec<crate::store::OutboxMessage>,
    notice: Option<String>,
    /// A shared link just made: its address and its QR code (SVG markup).
    shared: Option<(String, String)>,
}

impl WavePage {
    fn asks(&self, key: &str) -> bool {
        self.wave.cycles.iter().any(|c| c == key)
    }
    fn has_link(&self, pid: &i64) -> bool {
        self.links.iter().any(|l| l.participant_id == *pid)
    }
}

async fn render_wave(
    state: &AppState,
    ctx: Ctx,
    wid: i64,
    new_link: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    render_wave_with(state, ctx, wid, new_link, error, None).await
}

async fn render_wave_with(
    state: &AppState,
    ctx: Ctx,
    wid: i64,
    new_link: Option<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    render_wave_full(state, ctx, wid, new_link, error, notice, None).await
}

async fn render_wave_full(
    state: &AppState,
    ctx: Ctx,
    wid: i64,
    new_link: Option<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
    shared: Option<(String, String)>,
) -> Result<Response, AppError> {
    let wave = state.store.wave(wid).await?.ok_or(AppError::NotFound)?;
    let (convening, community) = steward_convening(state, &ctx, wave.convening_id).await?;
    let mut framework = service::current_framework(&state.store, &community).await?;
    framework.framework = framework.framework.localized(ctx.lang);
    let participants = state.store.participants(convening.id).await?;
    let links = state.store.wave_links(wid).await?;
    let outbox = service::mail::outbox(&state.store, &ctx.actor(), convening.id)
        .await?
        .into_iter()
        .filter(|m| m.wave_id == Some(wid))
        .collect();
    let mail_on = !state.config.mail.smtp_url.is_empty();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = WavePage {
        ctx,
        convening,
        framework,
        wave,
        participants,
        links,
        new_link,
        error,
        mail_on,
        outbox,
        notice,
        shared,
    };
    Ok((status, Page(page)).into_response())
}

/// A wave for stewards: its dates and cycles to edit, and each participant's link.
async fn wave_page(State(state): State<AppState>, ctx: Ctx, Path(wid): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    render_wave(&state, ctx, wid, None, None).await
}

async fn edit_wave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(wid): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match service::waves::edit_wave(&state.store, &ctx.actor(), wid, &wave_draft(&body)).await {
        Ok(w) => Ok(see_other(&format!("/convenings/{}#waves", w.convening_id))),
        Err(ServiceError::Invalid(e)) => {
            let error = e.first().map(|e| ctx.error(e));
            render_wave(&state, ctx, wid, None, error).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_wave(State(state): State<AppState>, ctx: Ctx, Path(wid): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let cid = service::waves::delete_wave(&state.store, &ctx.actor(), wid).await?;
    Ok(see_other(&format!("/convenings/{cid}#waves")))
}

/// Issues (or replaces) a participant's link for this wave; shown once.
async fn issue_wave_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((wid, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (token, _) = service::waves::issue_wave_link(&state.store, &ctx.actor(), wid, pid).await?;
    let name = state.store.participant(pid).await?.map(|p| p.name).unwrap_or_default();
    render_wave(&state, ctx, wid, Some((name, format!("/answer/{token}"))), None).await
}

/// Stewards invite the wave's participants by e-mail (those with an address, once each).
async fn invite_wave(State(state): State<AppState>, ctx: Ctx, Path(wid): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let n = service::mail::invite_to_wave(&state.store, &ctx.actor(), wid).await?;
    let notice = Some(ctx.t1("wave-invited", "n", &n.to_string()));
    render_wave_with(&state, ctx, wid, None, None, notice).await
}

/// A spreadsheet cell that cannot start a formula (`=`, `+`, `-`, `@`).
pub(super) fn safe_cell(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() }
}

/// Every participant's fresh link for this wave as CSV (`name,email,link`), for a mail
/// merge or a messaging tool. A form button (POST): each download issues new links.
async fn wave_links_csv(State(state): State<AppState>, ctx: Ctx, Path(wid): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let links = service::waves::all_wave_links(&state.store, &ctx.actor(), wid).await?;
    let base = state.config.base_url.trim_end_matches('/');
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["name", "email", "link"]);
    for (p, token) in &links {
        let _ = w.write_record([safe_cell(&p.name), safe_cell(&p.email), format!("{base}/answer/{token}")]);
    }
    let body = w.into_inner().unwrap_or_default();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"wave-{wid}-links.csv\"")),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Revokes a participant's links for this wave.
async fn revoke_wave_links(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((wid, pid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::waves::revoke_wave_links(&state.store, &ctx.actor(), wid, pid).await?;
    Ok(see_other(&format!("/waves/{wid}")))
}

/// The QR code of an address, as SVG markup to put in the page.
fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes()).map_or_else(
        |_| String::new(),
        |code| {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
            svg.split_once("<svg").map_or(svg.clone(), |(_, rest)| format!("<svg role=\"img\"{rest}"))
        },
    )
}

/// Makes a shared link for the wave and shows it with its QR code (for the room).
async fn shared_link(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(wid): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let token = service::waves::create_shared_link(&state.store, &ctx.actor(), wid).await?;
    let base = if state.config.base_url.is_empty() {
        let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    } else {
        state.config.base_url.trim_end_matches('/').to_string()
    };
    let url = format!("{base}/s/{token}");
    let svg = qr_svg(&url);
    render_wave_full(&state, ctx, wid, None, None, None, Some((url, svg))).await
}

/// Revokes the wave's shared links (a leaked one stops working at once).
async fn revoke_shared(State(state): State<AppState>, ctx: Ctx, Path(wid): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::waves::revoke_shared_links(&state.store, &ctx.actor(), wid).await?;
    Ok(see_other(&format!("/waves/{wid}")))
}
