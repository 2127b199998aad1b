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
        .route("/c/{slug}/matrix", get(matrix_page))
}

#[derive(Deserialize)]
struct FormatQuery {
    #[serde(default)]
    format: String,
    /// The wiki page title of a `mediawiki-xml` download.
    #[serde(default)]
    title: String,
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
    let (mut r, c, fw) = service::reports::community_report(&state.store, &ctx.actor(), &slug).await?;
    let rl = service::proposals::report_language(&state.store, c.id, &fw, ctx.lang).await?;
    rl.relabel_community(&mut r);
    let mut doc = report_doc::community_doc(&r, &rl.names, ctx.lang, &today());
    rl.note_versions(&mut doc);
    if let Some(f) = format {
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let title = service::connect::wiki_title(&state.store, &c, &q.title, &doc.title).await?;
        let body = report_doc::render_titled(f, &doc, &json, &state.config.base_url, &title);
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
    let (mut r, c, fw) = service::reports::convening_report(&state.store, &ctx.actor(), id).await?;
    let rl = service::proposals::report_language(&state.store, c.id, &fw, ctx.lang).await?;
    rl.relabel_convening(&mut r);
    let mut doc = report_doc::convening_doc(&r, &rl.names, ctx.lang, &today());
    rl.note_versions(&mut doc);
    if let Some(f) = format {
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let title = service::connect::wiki_title(&state.store, &c, &q.title, &doc.title).await?;
        let body = report_doc::render_titled(f, &doc, &json, &state.config.base_url, &title);
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

#[derive(Deserialize, Default)]
struct MatrixQuery {
    #[serde(default)]
    convening: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    wave: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    ctx: Ctx,
    m: service::reports::FullMatrix,
    q: MatrixQuery,
    /// Filters that could not be read, by field.
    ignored: Vec<String>,
    filtered: bool,
}

impl MatrixPage {
    fn indicator_name(&self, key: &str) -> String {
        self.m.framework.indicator(key).map_or_else(|| key.to_string(), |i| i.name.clone())
    }
    fn teller(&self, s: &crate::domain::story::Story) -> String {
        let own = self.ctx.user_id().is_some() && self.ctx.user_id() == s.teller_user_id;
        let viewer = if own { Viewer::Steward } else { self.m.viewer };
        s.shown_name(viewer, self.ctx.user_id()).map_or_else(|| self.ctx.t("rp-name-withheld"), ToString::to_string)
    }
    fn convening_title(&self, id: &i64) -> String {
        self.m.convenings.iter().find(|c| c.id == *id).map(|c| c.title.clone()).unwrap_or_default()
    }
    fn counts_line(&self) -> String {
        let (n, r) = (self.m.summary.n_stories.to_string(), self.m.readable.to_string());
        self.ctx.ta("mx-counts", &[("stories", &n), ("readable", &r)])
    }
    fn page_line(&self) -> String {
        let (p, n) = (self.m.page.to_string(), self.m.pages.to_string());
        self.ctx.ta("mx-page", &[("page", &p), ("pages", &n)])
    }
    fn page_link(&self, page: usize) -> String {
        let q = &self.q;
        let pairs = [
            ("convening", &q.convening),
            ("mode", &q.mode),
            ("from", &q.from),
            ("to", &q.to),
            ("language", &q.language),
            ("indicator", &q.indicator),
            ("wave", &q.wave),
        ];
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/c/{}/matrix?{}", self.m.community.slug, s.finish())
    }
}

fn read_filter(q: &MatrixQuery, ignored: &mut Vec<String>) -> crate::analysis::table::Filter {
    let mut id = |field: &str, v: &str| -> Option<i64> {
        if v.trim().is_empty() {
            return None;
        }
        v.trim().parse().map_err(|_| ignored.push(field.to_string())).ok()
    };
    let convening = id("convening", &q.convening);
    let wave = id("wave", &q.wave);
    let mut date = |field: &str, v: &str| -> Option<String> {
        if v.trim().is_empty() {
            return None;
        }
        crate::domain::convening::parse_date(field, v)
            .map(crate::domain::convening::format_date)
            .map_err(|_| ignored.push(field.to_string()))
            .ok()
    };
    let from = date("from", &q.from);
    let to = date("to", &q.to);
    let mode = if q.mode.trim().is_empty() {
        None
    } else {
        crate::domain::convening::Mode::parse(q.mode.trim()).map_err(|_| ignored.push("mode".into())).ok()
    };
    let text = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    crate::analysis::table::Filter {
        convening,
        mode,
        from,
        to,
        language: text(&q.language),
        indicator: text(&q.indicator),
        wave,
    }
}

/// The matrix in full: stories as rows, cycles as columns, filtered and paged.
async fn matrix_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let mut ignored = Vec::new();
    let filter = read_filter(&q, &mut ignored);
    let page = q.page.trim().parse().unwrap_or(1);
    let mut m = service::reports::full_matrix(&state.store, &ctx.actor(), &slug, &filter, page).await?;
    m.framework = m.framework.localized(ctx.lang);
    let filtered = !filter.is_empty();
    Ok(Page(MatrixPage { ctx, m, q, ignored, filtered }).into_response())
}
