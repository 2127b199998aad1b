//! In the field, on the web: a convening's page for field collection — the XLSForm per
//! wave, participant codes, the upload of a KoboToolbox/ODK export with a preview before
//! anything is written — and the stories as CSV or XLSX.
//!
//! An upload is spooled to a temporary file (streamed, within `[limits]
//! submission_file_bytes`), checked by a dry run whose report is the preview, and imported
//! from that file when the steward confirms. The file is named by a random token, the
//! convening and the steward, and removed after the import (or after a day).

use super::api::fieldwork::{XLSX, download};
use super::convening::steward_convening;
use super::{AppError, AppState, Ctx, Page};
use crate::domain::Viewer;
use crate::service::field::{self, ImportOptions, ImportReport};
use crate::service::{self, ServiceError};
use crate::store::{Convening, Wave};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/field", get(page))
        .route("/convenings/{id}/field/xlsform", get(xlsform))
        .route("/convenings/{id}/field/upload", post(upload))
        .route("/convenings/{id}/field/confirm", post(confirm))
        .route("/convenings/{id}/stories.csv", get(stories_csv))
        .route("/convenings/{id}/stories.xlsx", get(stories_xlsx))
}

/// Whether a request sends a multipart form (a file upload).
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"))
}

/// The routes whose body is a KoboToolbox/ODK export (the larger body limit applies).
pub fn takes_upload(path: &str) -> bool {
    let id_then = |p: &str, prefix: &str, suffix: &str| {
        p.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    id_then(path, "/convenings/", "/field/upload") || id_then(path, "/api/v1/convenings/", "/submissions")
}

#[derive(Template)]
#[template(path = "fieldwork.html")]
struct FieldPage {
    ctx: Ctx,
    convening: Convening,
    steward: bool,
    waves: Vec<Wave>,
    codes: Vec<(String, String)>,
    error: Option<String>,
    detail: Option<String>,
    /// The upload's two choices as the steward left them (a refused file keeps them).
    skip_bad: bool,
    other_version: bool,
}

async fn render(state: &AppState, ctx: Ctx, id: i64, error: Option<(String, String)>) -> Result<Response, AppError> {
    render_with(state, ctx, id, error, &ImportOptions::default()).await
}

async fn render_with(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    error: Option<(String, String)>,
    opts: &ImportOptions,
) -> Result<Response, AppError> {
    let actor = ctx.actor();
    let (convening, _, viewer) = service::convening(&state.store, &actor, id).await?;
    let steward = viewer == Viewer::Steward;
    let (waves, codes) = if steward {
        (state.store.waves(id).await?, field::participant_codes(&state.store, &actor, id).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (error, detail) = error.map_or((None, None), |(e, d)| (Some(e), Some(d)));
    let (skip_bad, other_version) = (opts.skip_bad, opts.other_version);
    let page = FieldPage { ctx, convening, steward, waves, codes, error, detail, skip_bad, other_version };
    Ok((status, Page(page)).into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    render(&state, ctx, id, None).await
}

#[derive(Deserialize)]
struct WaveQuery {
    wave: Option<i64>,
}

async fn xlsform(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<WaveQuery>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    let (name, bytes) = field::xlsform(&state.store, &ctx.actor(), id, q.wave).await?;
    Ok(download(XLSX, &name, bytes))
}

#[derive(Deserialize)]
struct CsvQuery {
    #[serde(default)]
    bom: bool,
}

async fn stories_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CsvQuery>,
) -> Result<Response, AppError> {
    let (_, rows) = field::story_rows(&state.store, &ctx.actor(), id).await?;
    let mut out = Vec::new();
    crate::interop::stories_csv::write_csv(&rows, &mut out, q.bom)
        .map_err(|e| AppError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
    Ok(download("text/csv; charset=utf-8", &format!("convening-{id}-stories.csv"), out))
}

async fn stories_xlsx(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (_, rows) = field::story_rows(&state.store, &ctx.actor(), id).await?;
    let out = crate::interop::stories_csv::write_xlsx(&rows)
        .map_err(|e| AppError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
    Ok(download(XLSX, &format!("convening-{id}-stories.xlsx"), out))
}

// ---------------------------------------------------------------- upload, preview, confirm

fn spool_dir() -> PathBuf {
    std::env::temp_dir().join("convene-field")
}

/// The spooled upload of one steward for one convening; `token` is checked to be a plain
/// token first, so it cannot name another path.
fn spool_path(convening: i64, user: i64, token: &str) -> Option<PathBuf> {
    let plain = !token.is_empty()
        && token.len() <= 64
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| spool_dir().join(format!("{convening}-{user}-{token}.csv")))
}

/// Removes uploads left for more than a day (never confirmed).
fn clean_spool() {
    let Ok(entries) = std::fs::read_dir(spool_dir()) else { return };
    let day = std::time::Duration::from_hours(24);
    for e in entries.flatten() {
        let old =
            e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[derive(Template)]
#[template(path = "fieldwork_report.html")]
struct ReportPage {
    ctx: Ctx,
    convening: Convening,
    report: ImportReport,
    /// The spooled upload to confirm (the preview); `None` once imported.
    token: Option<String>,
    skip_bad: bool,
    other_version: bool,
}

impl ReportPage {
    fn count(&self, key: &str, n: &u64) -> String {
        self.ctx.t1(key, "n", &n.to_string())
    }

    /// A row's error in the reader's language.
    fn problem(&self, e: &crate::interop::submissions::RowError) -> String {
        e.message_in(self.ctx.lang)
    }

    /// What the file has that this form version does not, in the reader's language.
    fn differences(&self) -> Vec<String> {
        self.report.differences_found.describe_in(self.ctx.lang)
    }
}

/// The report page, or the field page again with the reason a file was refused.
async fn answer(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    r: Result<ImportReport, ServiceError>,
    token: Option<String>,
    opts: &ImportOptions,
) -> Result<Response, AppError> {
    match r {
        Ok(report) => {
            let convening = state.store.convening(id).await?.ok_or(AppError::NotFound)?;
            let status =
                if report.bad_rows > 0 && !opts.skip_bad { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            let page = ReportPage {
                ctx,
                convening,
                report,
                token,
                skip_bad: opts.skip_bad,
                other_version: opts.other_version,
            };
            Ok((status, Page(page)).into_response())
        }
        Err(ServiceError::Invalid(v)) => {
            let f = v
                .into_iter()
                .next()
                .unwrap_or_else(|| crate::domain::FieldError::new("file", "err-fieldwork-unknown-form", ""));
            let args: Vec<(&str, &str)> = f.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let message = ctx.ta(f.code, &args);
            // What differs from this convening's form, in the reader's language; else the
            // English detail for English readers only (the message above already names
            // what it needs in every language).
            let lines: Vec<String> = f
                .args
                .iter()
                .filter(|(k, _)| k.starts_with("fieldwork-diff-"))
                .map(|(k, v)| ctx.ta(k, &[("list", v)]))
                .collect();
            let detail = if !lines.is_empty() {
                lines.join(" ")
            } else if ctx.lang == crate::i18n::Lang::En {
                f.message
            } else {
                String::new()
            };
            render_with(state, ctx, id, Some((message, detail)), opts).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Takes the file (streamed to the spool within the limit), then shows what importing it
/// would do.
async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.id;
    steward_convening(&state, &ctx, id).await?;
    clean_spool();
    let token = crate::secret::new_token();
    let path = spool_path(id, user, &token).ok_or(AppError::NotFound)?;
    let limit = state.config.limits.submission_file_bytes;
    let mut opts = ImportOptions { dry_run: true, max_bytes: limit, ..ImportOptions::default() };
    let mut size = 0usize;
    let mut got_file = false;
    let too_large = (ctx.t("err-fieldwork-too-large"), field::size_text(limit));
    let spool_failed = |e: std::io::Error| AppError::Store(crate::store::StoreError::Corrupt(format!("spool: {e}")));
    std::fs::create_dir_all(spool_dir()).map_err(spool_failed)?;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let _ = std::fs::remove_file(&path);
                return render_with(&state, ctx, id, Some(too_large), &opts).await;
            }
            Err(_) => return Err(AppError::Invalid("err-bad-request".into())),
        };
        match field.name().unwrap_or_default() {
            "skip_bad" => opts.skip_bad = true,
            "other_version" => opts.other_version = true,
            "file" => {
                got_file = true;
                let mut file = std::fs::File::create(&path).map_err(spool_failed)?;
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            size += chunk.len();
                            if size > limit {
                                drop(file);
                                let _ = std::fs::remove_file(&path);
                                return render_with(&state, ctx, id, Some(too_large), &opts).await;
                            }
                            file.write_all(&chunk).map_err(spool_failed)?;
                        }
                        Ok(None) => break,
                        Err(_) => {
                            drop(file);
                            let _ = std::fs::remove_file(&path);
                            return render_with(&state, ctx, id, Some(too_large), &opts).await;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !got_file {
        let message = ctx.t("err-fieldwork-empty");
        return render_with(&state, ctx, id, Some((message, String::new())), &opts).await;
    }
    let input = std::fs::File::open(&path).map_err(spool_failed)?;
    let r = field::import_submissions(&state.store, &ctx.actor(), id, Box::new(input), &opts).await;
    if r.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    answer(&state, ctx, id, r, Some(token), &opts).await
}

#[derive(Deserialize)]
struct Confirm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    skip_bad: String,
    #[serde(default)]
    other_version: String,
}

/// Imports the spooled upload the preview showed.
async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<Confirm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.id;
    steward_convening(&state, &ctx, id).await?;
    let path = spool_path(id, user, f.token.trim()).ok_or(AppError::NotFound)?;
    let Ok(input) = std::fs::File::open(&path) else {
        let message = ctx.t("err-fieldwork-upload-gone");
        return render(&state, ctx, id, Some((message, String::new()))).await;
    };
    let opts = ImportOptions {
        dry_run: false,
        skip_bad: !f.skip_bad.is_empty(),
        other_version: !f.other_version.is_empty(),
        max_bytes: state.config.limits.submission_file_bytes,
        progress: None,
    };
    let r = field::import_submissions(&state.store, &ctx.actor(), id, Box::new(input), &opts).await;
    let committed = r.as_ref().is_ok_and(|r| r.committed);
    if committed || r.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    let token = (!committed).then(|| f.token.trim().to_string()).filter(|_| path.exists());
    answer(&state, ctx, id, r, token, &opts).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_import_routes_take_large_bodies() {
        assert!(super::takes_upload("/convenings/12/field/upload"));
        assert!(super::takes_upload("/api/v1/convenings/3/submissions"));
        assert!(!super::takes_upload("/convenings/12/field/confirm"));
        assert!(!super::takes_upload("/convenings/x/field/upload"));
        assert!(!super::takes_upload("/api/v1/convenings/3/stories"));
    }

    #[test]
    fn a_spool_token_cannot_name_another_path() {
        assert!(super::spool_path(1, 2, "../../etc/passwd").is_none());
        assert!(super::spool_path(1, 2, "").is_none());
        assert!(super::spool_path(1, 2, "abc-DEF_123").is_some());
    }
}
