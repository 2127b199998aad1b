//! The web app: server-rendered pages that work without JavaScript, the JSON API under
//! `/api/v1`, sessions and CSRF protection. One module per feature, each with its router.

mod api;
mod auth;
mod comments;
mod community;
mod convening;
mod evidence;
mod fieldwork;
mod glossary;
mod metrics;
mod plan;
mod plan_hybrid;
mod plan_jobs;
mod plan_options;
mod plan_view;
mod profile;
mod proposals;
mod public;
mod rate_limit;
mod rendered;
mod report;
pub mod security;
mod settings;
mod shared;
mod story;
mod story_history;
mod story_view;
mod travel_model;
mod wave;

pub use crate::secret::{MIN_PASSWORD, hash_password, hash_token, new_token, verify_password};
pub use glossary::TERMS as GLOSSARY_TERMS;
pub use story::FormState;

use crate::config::Config;
use crate::i18n::{Lang, translate};
use crate::service::{Actor, ServiceError};
use crate::store::{DynStore, User};
use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;

const SESSION_COOKIE: &str = "convene_session";
const CSRF_COOKIE: &str = "convene_csrf";
const LANG_COOKIE: &str = "convene_lang";

/// What every handler shares, behind one `Arc`: axum clones the state for each handler
/// and each middleware a request passes, and one reference count is cheaper to move than
/// four (their updates were 3 % of serving a kept page in `perf`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: DynStore,
    pub config: Arc<Config>,
    /// Planner runs in the background.
    pub jobs: Arc<plan_jobs::PlanJobs>,
    /// Anonymous responses kept while their data is unchanged.
    pub rendered: Arc<rendered::Rendered>,
}

impl AppState {
    /// The app over a store with the default configuration (tests, benchmarks).
    pub fn new(store: DynStore) -> Self {
        Self::with_config(store, Config::default())
    }

    pub fn with_config(store: DynStore, config: Config) -> Self {
        let jobs = Arc::new(plan_jobs::PlanJobs::new(config.planner.max_jobs));
        Self(Arc::new(Shared { store, config: Arc::new(config), jobs, rendered: Arc::default() }))
    }
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let guards = std::sync::Arc::new(rate_limit::Guards::new(crate::limits::Limits::get()));
    let counters = std::sync::Arc::new(metrics::Metrics::default());
    let for_metrics = counters.clone();
    let pages = Router::new()
        .merge(community::router())
        .merge(convening::router())
        .merge(story::router())
        .merge(story_history::router())
        .merge(shared::router())
        .merge(wave::router())
        .merge(report::router())
        .merge(comments::router())
        .merge(public::router())
        .merge(settings::router())
        .merge(evidence::router())
        .merge(fieldwork::router())
        .merge(glossary::router())
        .merge(plan::router())
        .merge(profile::router())
        .merge(proposals::router())
        .merge(travel_model::router())
        .merge(auth::router())
        .route("/lang/{code}", get(switch_language))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn(csrf));
    Router::new()
        .merge(pages)
        .nest("/api/v1", api::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(metrics::readyz))
        .route("/metrics", get(move |State(s): State<AppState>| metrics::metrics(s, for_metrics.clone())))
        .layer(middleware::from_fn_with_state(guards, rate_limit::guard))
        .layer(middleware::from_fn_with_state(state.clone(), secure_cookies))
        .layer(middleware::from_fn_with_state(
            (state.config.body_limit, state.config.limits.submission_file_bytes),
            limit_body,
        ))
        .layer(middleware::from_fn(security::plain_rejections))
        .layer(middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(counters, metrics::observe))
        .with_state(state)
}

/// The largest body a request may send: `body_limit`, or `[limits] submission_file_bytes`
/// on the routes that take a KoboToolbox/ODK export (read there as a stream). A declared
/// length beyond it is refused at once; a body that grows beyond it fails when read, and
/// the extractors answer 413.
async fn limit_body(State((normal, upload)): State<(usize, usize)>, req: Request, next: Next) -> Response {
    let limit = if fieldwork::takes_upload(req.uri().path()) { upload.saturating_add(64 * 1024) } else { normal };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large").into_response();
    }
    let (parts, body) = req.into_parts();
    next.run(Request::from_parts(parts, Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"}))).into_response()
        }
    }
}

// ---------------------------------------------------------------- tokens and cookies

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(resp: &mut Response, name: &str, value: &str, max_age: i64) {
    let c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Cookies are marked `Secure` (never sent over plain HTTP) when the configured base URL
/// is https or `secure_cookies = "always"`, and behind a TLS-terminating proxy that says
/// `X-Forwarded-Proto: https` (unless `secure_cookies = "never"`).
async fn secure_cookies(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let proxied = req.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let https = state.config.cookies_always_secure() || (proxied && state.config.secure_cookies != "never");
    let mut resp = next.run(req).await;
    if https {
        let secured: Vec<HeaderValue> = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| HeaderValue::from_str(&format!("{}; Secure", v.to_str().ok()?)).ok())
            .collect();
        resp.headers_mut().remove(header::SET_COOKIE);
        for v in secured {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

// ---------------------------------------------------------------- language

fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct Next_ {
    next: Option<String>,
}

/// Only paths on this site may be redirect targets (no open redirects). The target is
/// parsed, not pattern-matched: it must be an origin-relative path and query that `http`
/// accepts, with no control character, white space or backslash (browsers drop tabs and
/// newlines and read `\\` as `/`), not start with `//`, and stay so once percent-decoded.
/// Anything else becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    fn plain_path(p: &str) -> bool {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    }
    let Some(n) = next else { return "/".to_string() };
    let decoded = percent_decode(n);
    let parsed = n.parse::<axum::http::Uri>().is_ok_and(|u| u.scheme().is_none() && u.authority().is_none());
    if parsed && plain_path(n) && plain_path(&decoded) && plain_path(&percent_decode(&decoded)) {
        n.to_string()
    } else {
        "/".to_string()
    }
}

/// `%XX` sequences decoded (invalid UTF-8 replaced), everything else kept.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<Next_>,
) -> Response {
    let mut resp = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Some(lang) = Lang::from_code(&code) {
        set_cookie(&mut resp, LANG_COOKIE, lang.code(), 365 * 24 * 3600);
    }
    resp
}

// ---------------------------------------------------------------- CSRF

#[derive(Clone)]
struct CsrfToken(String);

/// Protection for every form post: the form's hidden `csrf` field must equal the token
/// of this browser's session — an HMAC keyed by the session cookie
/// ([`security::session_csrf`]) — or, before any session, the random `convene_csrf`
/// cookie, which a page on another site can neither read nor set. When a session starts
/// or ends the pre-session token is replaced, so no token outlives a sign-in. The API is
/// exempt: it authenticates by bearer token, never by cookie.
async fn csrf(mut req: Request, next: Next) -> Response {
    let session = cookie(req.headers(), SESSION_COOKIE).filter(|s| !s.is_empty());
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let expected = session.as_deref().map(security::session_csrf).or_else(|| existing.clone());
    if req.method() == Method::POST {
        let lang = request_lang(req.headers());
        let Some(expected) = expected.clone() else {
            return csrf_refused(lang);
        };
        if fieldwork::is_multipart(req.headers()) {
            // A file upload: its token travels in the form's action (`?csrf=…`), so that the
            // file streams to its handler instead of being buffered here.
            let query = req.uri().query().unwrap_or_default().as_bytes();
            let sent = form_urlencoded::parse(query).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
            if !sent.is_some_and(|s| security::same_token(&s, &expected)) {
                return csrf_refused(lang);
            }
        } else {
            let (parts, body) = req.into_parts();
            // The body-limit layer outside has bounded the body already.
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return (StatusCode::PAYLOAD_TOO_LARGE, translate(lang, "err-too-large", &[])).into_response();
            };
            let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
            if !sent.is_some_and(|s| security::same_token(&s, &expected)) {
                return csrf_refused(lang);
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    let fresh = existing.is_none().then(new_token);
    let token = expected.or_else(|| fresh.clone()).unwrap_or_default();
    req.extensions_mut().insert(CsrfToken(token));
    let mut resp = next.run(req).await;
    let session_changed = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{SESSION_COOKIE}=").as_bytes()));
    if let Some(token) = if session_changed { Some(new_token()) } else { fresh } {
        set_cookie(&mut resp, CSRF_COOKIE, &token, 365 * 24 * 3600);
    }
    resp
}

fn csrf_refused(lang: Lang) -> Response {
    let page = ErrorPage {
        lang: lang.code(),
        title: translate(lang, "err-csrf-title", &[]),
        message: translate(lang, "err-csrf", &[]),
        home: translate(lang, "nav-home", &[]),
    };
    let mut resp = Page(page).into_response();
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp
}

// ---------------------------------------------------------------- page context

/// What every page needs: the language, the signed-in user, the CSRF token and the path.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf: String,
    pub path: String,
    /// The site's absolute base URL (configured, else the one the request was sent to),
    /// for links that leave the page: Open Graph, feeds.
    pub base: String,
}

impl Ctx {
    /// Translates a message of the catalog.
    pub fn t(&self, key: &str) -> String {
        translate(self.lang, key, &[])
    }
    /// Translates with arguments.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        translate(self.lang, key, args)
    }
    /// A refused field in the visitor's language, naming the field as the form labels it.
    pub fn error(&self, e: &crate::domain::FieldError) -> String {
        let base = e.field.split(['.', '[']).next().unwrap_or_default().replace('_', "-");
        let key = format!("field-{base}");
        let label = translate(self.lang, &key, &[]);
        let label = if label == key { e.field.clone() } else { label };
        translate(self.lang, e.code, &[("field", &label)])
    }
    /// Translates with one argument (templates cannot build argument lists).
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        translate(self.lang, key, &[(name, value)])
    }
    /// A whole number the reader's way (`9 988` in French).
    pub fn num(&self, x: &f64) -> String {
        crate::i18n::format_number(self.lang, *x, 0)
    }
    /// A date (or the date of a timestamp) the reader's way (`25 nov. 2026`).
    pub fn date(&self, iso: &str) -> String {
        crate::i18n::format_date(self.lang, iso)
    }
    pub fn langs(&self) -> &'static [Lang] {
        &Lang::SWITCH
    }
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
    /// The acting person for the service layer.
    pub fn actor(&self) -> Actor {
        self.user.clone().map_or(Actor::Anonymous, Actor::User)
    }
    /// The signed-in user, or a redirect to sign in that comes back here.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::SignIn(self.path.clone()))
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        let user = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state.store.session_user(&hash_token(&token), &crate::store::now()).await?,
            None => None,
        };
        let csrf = parts.extensions.get::<CsrfToken>().map(|c| c.0.clone()).unwrap_or_default();
        let path = parts.uri.path_and_query().map_or_else(|| "/".to_string(), ToString::to_string);
        let base = public::site_base(state, &parts.headers);
        Ok(Ctx { lang, user, csrf, path, base })
    }
}

// ---------------------------------------------------------------- rendering and errors

/// Renders an askama template as an HTML response.
pub struct Page<T>(pub T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html)
                    .into_response()
            }
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    title: String,
    message: String,
    home: String,
}

/// Errors of page handlers. The response carries only the kind; `render_errors` turns it
/// into a page in the visitor's language. Internal details are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign in needed")]
    SignIn(String),
    /// A real link that cannot be used any more: `revoked`, `expired` or `used`.
    #[error("link {0}")]
    Gone(&'static str),
    /// The operation clashes with what is stored (the service's conflict code).
    #[error("conflict {0}")]
    Conflict(&'static str),
    /// Input refused where no form can be shown again (e.g. a button's hidden field).
    #[error("invalid {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Conflict(c) => AppError::Conflict(c),
            ServiceError::Gone(g) => AppError::Gone(g),
            ServiceError::Invalid(v) => AppError::Invalid(v.first().map(|f| f.code.to_string()).unwrap_or_default()),
            ServiceError::Store(e) => AppError::Store(e),
        }
    }
}

/// What `render_errors` needs to write the page: the status and the message key.
#[derive(Clone)]
struct ErrorKind(StatusCode, String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, key) = match self {
            AppError::NotFound | AppError::Store(crate::store::StoreError::NotFound) => {
                (StatusCode::NOT_FOUND, "err-not-found".to_string())
            }
            AppError::Forbidden => (StatusCode::FORBIDDEN, "err-forbidden".to_string()),
            AppError::SignIn(path) => {
                let to =
                    format!("/signin?next={}", form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>());
                return Redirect::to(&to).into_response();
            }
            AppError::Gone(why) => (StatusCode::GONE, format!("err-link-{why}")),
            AppError::Conflict(code) => (StatusCode::CONFLICT, format!("err-conflict-{code}")),
            AppError::Invalid(code) => (StatusCode::UNPROCESSABLE_ENTITY, code),
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error");
                (StatusCode::INTERNAL_SERVER_ERROR, "err-internal".to_string())
            }
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(ErrorKind(status, key));
        resp
    }
}

async fn render_errors(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let signed_in = cookie(req.headers(), SESSION_COOKIE).is_some();
    let path = req.uri().path_and_query().map_or_else(|| "/".to_string(), ToString::to_string);
    let get = req.method() == Method::GET;
    let resp = next.run(req).await;
    let Some(ErrorKind(status, key)) = resp.extensions().get::<ErrorKind>().cloned() else {
        return resp;
    };
    // Someone who is not signed in and may not see a page is asked to sign in first.
    if status == StatusCode::FORBIDDEN && !signed_in && get {
        return AppError::SignIn(path).into_response();
    }
    let title_key = match status {
        StatusCode::NOT_FOUND => "err-not-found-title",
        StatusCode::FORBIDDEN => "err-forbidden-title",
        StatusCode::GONE => "err-link-title",
        StatusCode::CONFLICT => "err-conflict-title",
        StatusCode::UNPROCESSABLE_ENTITY => "err-invalid-title",
        _ => "err-internal-title",
    };
    let message = translate(lang, &key, &[("field", "")]);
    let message = if message == key { translate(lang, "err-internal", &[]) } else { message };
    let page = ErrorPage {
        lang: lang.code(),
        title: translate(lang, title_key, &[]),
        message,
        home: translate(lang, "nav-home", &[]),
    };
    let mut out = Page(page).into_response();
    *out.status_mut() = status;
    out
}

/// Redirect after a successful post (303, so a reload does not post again).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
