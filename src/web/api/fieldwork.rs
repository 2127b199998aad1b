//! The API in the field: the XLSForm, KoboToolbox/ODK CSV exports imported (streamed, as
//! the request body), and the stories as CSV or XLSX.

use super::{ApiError, ApiPath, Caller};
use crate::service::field::{self, ImportOptions, ImportReport};
use crate::service::{self, ServiceError};
use crate::web::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::json;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize)]
pub(super) struct WaveQuery {
    wave: Option<i64>,
}

pub(super) async fn get_xlsform(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<WaveQuery>,
) -> Result<Response, ApiError> {
    let (name, bytes) = field::xlsform(&state.store, &caller.actor(), id, q.wave).await?;
    Ok(download(XLSX, &name, bytes))
}

/// A file to save, never cached.
pub fn download(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct CsvQuery {
    #[serde(default)]
    bom: bool,
}

pub(super) async fn stories_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let (_, rows) = field::story_rows(&state.store, &caller.actor(), id).await?;
    let mut out = Vec::new();
    crate::interop::stories_csv::write_csv(&rows, &mut out, q.bom)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(download("text/csv; charset=utf-8", &format!("convening-{id}-stories.csv"), out))
}

pub(super) async fn stories_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (_, rows) = field::story_rows(&state.store, &caller.actor(), id).await?;
    let out = crate::interop::stories_csv::write_xlsx(&rows)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(download(XLSX, &format!("convening-{id}-stories.xlsx"), out))
}

#[derive(Deserialize)]
pub(super) struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    skip_bad: bool,
    #[serde(default)]
    other_version: bool,
}

/// A request body as a blocking reader, chunk by chunk: the importer's thread reads it as
/// it arrives, so the body is never held whole.
pub fn body_reader(body: Body) -> Box<dyn std::io::Read + Send> {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(8);
    tokio::spawn(async move {
        let mut body = body;
        while let Some(frame) = body.frame().await {
            let item = match frame {
                Ok(f) => match f.into_data() {
                    Ok(data) => Ok(data),
                    Err(_) => continue,
                },
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    Box::new(ChannelReader { rx, current: Bytes::new() })
}

struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// The JSON answer of an import: 200 with the report; 422 with the report when bad rows
/// kept the file out (`bad_rows`); a refused file as the API error (413 when too large).
pub fn import_answer(r: Result<ImportReport, ServiceError>) -> Result<Response, ApiError> {
    match r {
        Ok(report) if report.bad_rows > 0 && !report.committed && !report.dry_run => {
            let message = format!(
                "{} of {} rows have errors, so nothing was imported; correct them, or import the good rows with skip_bad=true",
                report.bad_rows, report.rows
            );
            let body = json!({"error": {"code": "bad_rows", "message": message, "field": "file"}, "report": report});
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        Ok(report) => Ok(Json(json!(report)).into_response()),
        Err(ServiceError::Invalid(v)) if v.first().is_some_and(|f| f.code == "err-fieldwork-too-large") => {
            let mut e = ApiError::from(ServiceError::Invalid(v));
            e.status = StatusCode::PAYLOAD_TOO_LARGE;
            Err(e)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn post_submissions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ImportQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    caller.required()?;
    let actor = caller.actor();
    // Who may, before reading a byte of the body.
    service::stewarded_convening(&state.store, &actor, id).await?;
    let opts = ImportOptions {
        dry_run: q.dry_run,
        skip_bad: q.skip_bad,
        other_version: q.other_version,
        max_bytes: state.config.limits.submission_file_bytes,
        progress: None,
    };
    import_answer(field::import_submissions(&state.store, &actor, id, body_reader(body), &opts).await)
}
