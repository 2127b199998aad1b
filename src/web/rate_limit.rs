//! Rate limits on the posts an attacker would repeat: sign-in (per account and per IP),
//! invitation links and story posting. Each limit is a sliding window: a refused attempt
//! is not counted, so a lockout always ends one window after the attempts that caused
//! it, however long someone keeps trying. And a browser the account has signed in from
//! before carries a device cookie that gives it a window of its own (OWASP's "device
//! cookies"), so strangers guessing at an account never lock its owner out.

use super::{ErrorPage, Page, SESSION_COOKIE, cookie, hash_token, request_lang};
use crate::i18n::translate;
use crate::limits::Limits;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys kept per window before the expired ones are dropped.
const PRUNE_AT: usize = 10_000;
/// Keys kept at most; past this (a flood of distinct keys) the window starts afresh.
const MAX_KEYS: usize = 200_000;

/// At most `max` events per key within any `span`.
pub struct Window {
    max: u32,
    span: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Window {
    pub fn new(max: u32, span: Duration) -> Self {
        Self { max: max.max(1), span, hits: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.hits.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `key` must wait, when it has used up its events in the window.
    pub fn blocked(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut hits = self.lock();
        let q = hits.get_mut(key)?;
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.span) {
            q.pop_front();
        }
        if q.len() < self.max as usize {
            return None;
        }
        q.front().map(|first| self.span.saturating_sub(now.duration_since(*first)).max(Duration::from_secs(1)))
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut hits = self.lock();
        if hits.len() >= PRUNE_AT && !hits.contains_key(key) {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.span));
            if hits.len() >= MAX_KEYS {
                hits.clear();
            }
        }
        let q = hits.entry(key.to_string()).or_default();
        q.push_back(now);
        while q.len() > self.max as usize {
            q.pop_front();
        }
    }

    /// Forgets `key` (a successful sign-in clears its account's failures).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Counts one event unless `key` is over its limit; then says how long to wait.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        if let Some(wait) = self.blocked(key) {
            return Err(wait);
        }
        self.record(key);
        Ok(())
    }
}

/// The limits of one running app.
pub struct Guards {
    signin_ip: Window,
    signin_account: Window,
    join_ip: Window,
    story: Window,
    /// Signs device cookies; new at every start (old cookies then simply stop counting).
    device_key: String,
}

const DEVICE_COOKIE: &str = "convene_device";
/// A device cookie lasts half a year.
const DEVICE_SECONDS: i64 = 183 * 24 * 3600;

impl Guards {
    /// The device cookie's value for an account: an HMAC of its e-mail address.
    fn device_token(&self, email: &str) -> String {
        super::security::hmac_token(&self.device_key, &format!("convene device v1\0{email}"))
    }
}

impl Guards {
    pub fn new(l: &Limits) -> Self {
        Self {
            signin_ip: Window::new(l.signin_attempts_per_ip, l.signin_window),
            signin_account: Window::new(l.signin_failures_per_account, l.signin_window),
            join_ip: Window::new(l.join_posts_per_ip, l.post_window),
            story: Window::new(l.story_posts, l.post_window),
            device_key: crate::secret::new_token(),
        }
    }
}

/// The client's address: the peer, or — when the peer is a proxy on this machine — the
/// last address that proxy appended to `X-Forwarded-For`.
fn client_ip(req: &Request) -> String {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = || {
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    };
    match peer {
        Some(ip) if ip.is_loopback() => forwarded().unwrap_or(ip).to_string(),
        Some(ip) => ip.to_string(),
        None => "unknown".to_string(),
    }
}

/// Who posts a story: the session, the bearer token or the answer link, else the IP.
fn story_poster(req: &Request, ip: &str) -> String {
    let headers: &HeaderMap = req.headers();
    if let Some(s) = cookie(headers, SESSION_COOKIE) {
        return format!("session:{}", hash_token(&s));
    }
    if let Some(a) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return format!("bearer:{}", hash_token(a));
    }
    if req.uri().path().starts_with("/answer/") {
        return format!("link:{}", hash_token(req.uri().path()));
    }
    format!("ip:{ip}")
}

/// (`/s/{token}`, a wave's shared link, is not here: a whole room answers through it from
/// one venue's address; a steward revokes a shared link that leaked.)
const STORY_ROUTES: [&str; 3] = ["/convenings/{id}/stories/new", "/answer/{token}", "/api/v1/convenings/{id}/stories"];

/// Applies the limits to the routes they guard.
pub async fn guard(State(g): State<Arc<Guards>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let ip = client_ip(&req);
    match route.as_str() {
        "/signin" => signin(&g, ip, req, next).await,
        "/join/{token}" => match g.join_ip.take(&ip) {
            Ok(()) => next.run(req).await,
            Err(wait) => too_many(&req, wait),
        },
        r if STORY_ROUTES.contains(&r) => match g.story.take(&story_poster(&req, &ip)) {
            Ok(()) => next.run(req).await,
            Err(wait) => too_many(&req, wait),
        },
        _ => next.run(req).await,
    }
}

/// Sign-in: every attempt counts against the IP, every wrong password against the
/// account, and a refused attempt runs no password check at all.
async fn signin(g: &Guards, ip: String, req: Request, next: Next) -> Response {
    if let Some(wait) = g.signin_ip.blocked(&ip) {
        return too_many(&req, wait);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let email = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "email")
        .map(|(_, v)| v.trim().to_lowercase())
        .unwrap_or_default();
    let known_device =
        cookie(&parts.headers, DEVICE_COOKIE).is_some_and(|c| super::security::same_token(&c, &g.device_token(&email)));
    let account = format!("{}:{email}", if known_device { "device" } else { "account" });
    let req = Request::from_parts(parts, Body::from(bytes));
    if let Some(wait) = g.signin_account.blocked(&account) {
        return too_many(&req, wait);
    }
    g.signin_ip.record(&ip);
    let mut resp = next.run(req).await;
    match resp.status() {
        StatusCode::UNAUTHORIZED => g.signin_account.record(&account),
        s if s.is_redirection() => {
            g.signin_account.clear(&account);
            super::set_cookie(&mut resp, DEVICE_COOKIE, &g.device_token(&email), DEVICE_SECONDS);
        }
        _ => {}
    }
    resp
}

/// 429 with `Retry-After`, as JSON under `/api/v1` and as a translated page elsewhere.
fn too_many(req: &Request, wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut resp = if req.uri().path().starts_with("/api/") {
        let body = serde_json::json!({"error": {"code": "rate_limited",
            "message": format!("too many attempts; try again in {seconds} seconds"), "field": null}});
        axum::Json(body).into_response()
    } else {
        let lang = request_lang(req.headers());
        let minutes = seconds.div_ceil(60).to_string();
        Page(ErrorPage {
            lang: lang.code(),
            title: translate(lang, "err-rate-limited-title", &[]),
            message: translate(lang, "err-rate-limited", &[("minutes", &minutes)]),
            home: translate(lang, "nav-home", &[]),
        })
        .into_response()
    };
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    tracing::warn!(seconds, "rate limit reached");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_its_limit_and_says_how_long_to_wait() {
        let w = Window::new(3, Duration::from_mins(1));
        for _ in 0..3 {
            assert!(w.take("k").is_ok());
        }
        let wait = w.take("k").unwrap_err();
        assert!(wait <= Duration::from_mins(1) && wait >= Duration::from_secs(59));
        assert!(w.take("other").is_ok());
        w.clear("k");
        assert!(w.take("k").is_ok());
    }

    #[test]
    fn refused_attempts_do_not_extend_a_lockout() {
        let w = Window::new(2, Duration::from_millis(200));
        w.record("k");
        w.record("k");
        for _ in 0..50 {
            assert!(w.take("k").is_err());
        }
        std::thread::sleep(Duration::from_millis(250));
        assert!(w.take("k").is_ok(), "the lockout ends one window after the attempts that caused it");
    }
}
