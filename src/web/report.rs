//! The report pages: a community's headline report ("is convening a luxury for us?")
//! and each convening's, with downloads of the same report as Markdown, MediaWiki, CSV,
//! JSON and a printable HTML document (`?format=`), and publishing for stewards.

use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::Viewer;
use crate::interop::doc::html_body;
use crate::interop::report_doc::{self, Format};
use crate::service;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/report", get(community_page))
        .route("/c/{slug}/report/publish", post(publish))
        .route("/convenings/{id}/report", get(convening_page))
}

#[derive(Deserialize)]
struct FormatQuery {
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ctx: Ctx,
    title: String,
    /// Where "back" goes, and its name.
    back: (String, String),
    /// The report's own path (downloads add `?format=`).
    path: String,
    body: String,
    /// For the community report: its slug, whether it is published and whether the
    /// reader may change that.
    publish: Option<(String, Option<String>, bool)>,
}

fn today() -> String {
    crate::domain::convening::format_date(time::OffsetDateTime::now_utc().date())
}

/// A download of a report in one format (HTML as a printable page in the browser).
pub(crate) fn download(format: Format, body: String, name: &str) -> Response {
    let disposition = if format == Format::Html {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"{name}.{}\"", format.extension())
    };
    ([(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

fn parse_format(q: &FormatQuery) -> Result<Option<Format>, AppError> {
    if q.format.is_empty() {
        return Ok(None);
    }
    Format::parse(&q.format).map(Some).ok_or_else(|| AppError::Invalid("err-report-format".into()))
}

async fn community_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let format = parse_format(&q)?;
    let (r, c, fw) = service::reports::community_report(&state.store, &ctx.actor(), &slug).await?;
    let doc = report_doc::community_doc(&r, &report_doc::names(&fw), ctx.lang, &today());
    if let Some(f) = format {
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let body = report_doc::render(f, &doc, &json, &state.config.base_url);
        return Ok(download(f, body, &format!("report-{}", c.slug)));
    }
    let viewer = service::standing(&state.store, &ctx.actor(), c.id).await?;
    let published = service::reports::published_at(&state.store, &slug).await?;
    Ok(Page(ReportPage {
        title: doc.title.clone(),
        back: (format!("/c/{}", c.slug), c.name.clone()),
        path: format!("/c/{}/report", c.slug),
        body: html_body(&doc),
        publish: Some((c.slug.clone(), published, viewer == Viewer::Steward)),
        ctx,
    })
    .into_response())
}

async fn convening_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let format = parse_format(&q)?;
    let (r, _, fw) = service::reports::convening_report(&state.store, &ctx.actor(), id).await?;
    let doc = report_doc::convening_doc(&r, &report_doc::names(&fw), ctx.lang, &today());
    if let Some(f) = format {
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let body = report_doc::render(f, &doc, &json, &state.config.base_url);
        return Ok(download(f, body, &format!("report-convening-{id}")));
    }
    Ok(Page(ReportPage {
        title: doc.title.clone(),
        back: (format!("/convenings/{id}"), r.convening.title.clone()),
        path: format!("/convenings/{id}/report"),
        body: html_body(&doc),
        publish: None,
        ctx,
    })
    .into_response())
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    publish: String,
}

/// Stewards publish the community report (a public page then shows it) or withdraw it.
async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    axum::Form(f): axum::Form<PublishForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::reports::publish_report(&state.store, &ctx.actor(), &slug, f.publish == "1").await?;
    Ok(see_other(&format!("/c/{slug}/report")))
}
