//! Observability: a request id and one log line per request (the route template, never
//! the URL, so secret links stay out of logs), Prometheus metrics at `/metrics` and a
//! readiness probe at `/readyz` that checks the database.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::Instrument;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// The route whose successful posts are planner runs.
const PLAN_ROUTE: &str = "/convenings/{id}/plan";

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and latencies by method, route template and status.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
    planner_runs: std::sync::atomic::AtomicU64,
}

impl Metrics {
    fn observe(&self, method: &Method, route: &str, status: StatusCode, seconds: f64) {
        if method == Method::POST && route == PLAN_ROUTE && (status.is_success() || status.is_redirection()) {
            self.planner_runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = series.entry((method.to_string(), route.to_string(), status.as_u16())).or_default();
        s.count += 1;
        s.sum += seconds;
        for (b, le) in s.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= le {
                *b += 1;
            }
        }
    }

    /// The Prometheus text exposition of everything counted so far.
    fn render(&self, db_up: bool, db_seconds: f64) -> String {
        let mut out = String::new();
        let series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP convene_http_requests_total Requests answered, by method, route template and status.\n");
        out.push_str("# TYPE convene_http_requests_total counter\n");
        for ((m, r, st), s) in series.iter() {
            let _ = writeln!(
                out,
                "convene_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(r),
                s.count
            );
        }
        out.push_str(
            "# HELP convene_http_request_duration_seconds Time to answer, by method, route template and status.\n",
        );
        out.push_str("# TYPE convene_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in series.iter() {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{st}\"", esc(r));
            for (le, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(out, "convene_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}");
            }
            let _ = writeln!(out, "convene_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "convene_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "convene_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        drop(series);
        let runs = self.planner_runs.load(std::sync::atomic::Ordering::Relaxed);
        out.push_str("# HELP convene_planner_runs_total Plans computed through the web form.\n");
        out.push_str("# TYPE convene_planner_runs_total counter\n");
        let _ = writeln!(out, "convene_planner_runs_total {runs}");
        out.push_str(
            "# HELP convene_db_up Whether the database answered the last probe.\n# TYPE convene_db_up gauge\n",
        );
        let _ = writeln!(out, "convene_db_up {}", u8::from(db_up));
        out.push_str("# HELP convene_db_ping_seconds Time the database took to answer the probe.\n");
        out.push_str("# TYPE convene_db_ping_seconds gauge\n");
        let _ = writeln!(out, "convene_db_ping_seconds {db_seconds}");
        out
    }
}

/// Escapes a label value (route templates hold no quotes, but a guard costs nothing).
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A request id: the caller's `x-request-id` when it is short and plain, else a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .map_or_else(next_request_id, ToString::to_string)
}

/// A new request id: a random prefix drawn once per process and a counter (16 characters;
/// unique within the process and, by the prefix, across restarts). It needs to be unique,
/// not secret, so it costs no randomness per request.
fn next_request_id() -> String {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| crate::secret::new_token()[..8].to_string());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}{:08x}", n & 0xffff_ffff)
}

/// Gives every request an id (echoed in `x-request-id`), logs one line per request with
/// the route template — `/join/{token}`, never the token — and counts it.
pub async fn observe(State(metrics): State<Arc<Metrics>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_string();
    let method = req.method().clone();
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v.clone());
    }
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let mut resp = next.run(req).instrument(span).await;
    let elapsed = started.elapsed();
    let status = resp.status();
    metrics.observe(&method, &route, status, elapsed.as_secs_f64());
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        status = status.as_u16(),
        ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        "answered"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(state: AppState, metrics: Arc<Metrics>) -> Response {
    let started = Instant::now();
    let up = state.store.ping().await.is_ok();
    let mut body = metrics.render(up, started.elapsed().as_secs_f64());
    let (size, idle) = state.store.pool_stats();
    let outbox = state.store.outbox_depth().await.unwrap_or(-1);
    let jobs = state.jobs.running();
    let _ = write!(
        body,
        "# HELP convene_db_pool_connections Connections open in the database pool.\n\
         # TYPE convene_db_pool_connections gauge\nconvene_db_pool_connections {size}\n\
         # HELP convene_db_pool_idle Idle connections in the database pool.\n\
         # TYPE convene_db_pool_idle gauge\nconvene_db_pool_idle {idle}\n\
         # HELP convene_outbox_depth Mails waiting to be sent (-1: the database did not answer).\n\
         # TYPE convene_outbox_depth gauge\nconvene_outbox_depth {outbox}\n\
         # HELP convene_planner_jobs_running Planner runs in the background now.\n\
         # TYPE convene_planner_jobs_running gauge\nconvene_planner_jobs_running {jobs}\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// `GET /readyz`: 200 when the database answers, else 503.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({"status": "ready"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "unavailable"}))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_request_ids_are_distinct_plain_and_sixteen_characters() {
        let ids: Vec<String> = (0..1000).map(|_| next_request_id()).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        assert!(
            ids.iter().all(|i| i.len() == 16 && i.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)))
        );
    }

    #[test]
    fn the_histogram_counts_each_request_in_every_bucket_it_fits() {
        let m = Metrics::default();
        m.observe(&Method::GET, "/c/{slug}", StatusCode::OK, 0.02);
        m.observe(&Method::POST, PLAN_ROUTE, StatusCode::SEE_OTHER, 3.0);
        let text = m.render(true, 0.001);
        assert!(text.contains("convene_http_requests_total{method=\"GET\",route=\"/c/{slug}\",status=\"200\"} 1"));
        assert!(text.contains("route=\"/c/{slug}\",status=\"200\",le=\"0.01\"} 0"));
        assert!(text.contains("route=\"/c/{slug}\",status=\"200\",le=\"0.025\"} 1"));
        assert!(text.contains("convene_planner_runs_total 1"));
        assert!(text.contains("convene_db_up 1"));
    }
}
