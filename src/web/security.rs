//! What every response carries to protect its reader — a strict Content-Security-Policy,
//! no framing, no sniffing, no secret link in a `Referer` — the session-bound CSRF token,
//! and the rule that no framework plain-text rejection ever reaches a visitor.

use super::{ErrorPage, Page, request_lang};
use crate::i18n::translate;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The values of the `style="…"` attributes our templates use. A strict policy allows
/// only these, by hash (`'unsafe-hashes'` applies a hash to attributes); a unit test
/// fails when a template gains one that is not listed here.
const STYLE_ATTRIBUTES: [&str; 4] = ["width:100%;height:auto", "max-width:5em", "max-width:10em", "max-width:8em"];

/// The templates whose `<style>` element the policy allows by its hash.
const STYLED_TEMPLATES: [&str; 3] = [
    include_str!("../../templates/base.html"),
    include_str!("../../templates/error.html"),
    include_str!("../../templates/report_document.html"),
];

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The text of every `<style>` element in a template, as the browser hashes it.
fn inline_styles(template: &str) -> impl Iterator<Item = &str> {
    template.split("<style>").skip(1).filter_map(|rest| rest.split_once("</style>").map(|(css, _)| css))
}

/// The page policy: nothing but our own origin, no script at all, styles from us or the
/// hashed inline ones, no framing, forms only to us.
pub fn content_security_policy() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let mut styles: Vec<String> = STYLED_TEMPLATES.iter().flat_map(|t| inline_styles(t)).map(csp_hash).collect();
        styles.extend(STYLE_ATTRIBUTES.iter().map(|s| csp_hash(s)));
        format!(
            "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-hashes' {}; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            styles.join(" ")
        )
    })
}

/// The page policy as a header value, made once (a copy of its 600 bytes per response
/// otherwise); should it ever not be a valid header, nothing at all is allowed.
fn page_policy() -> HeaderValue {
    static VALUE: OnceLock<HeaderValue> = OnceLock::new();
    VALUE
        .get_or_init(|| {
            HeaderValue::from_str(content_security_policy()).unwrap_or(HeaderValue::from_static("default-src 'none'"))
        })
        .clone()
}

/// SVG documents (the planner's map) style themselves inline and run no script.
const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// Pages reached through a secret link: their URL must never leave in a `Referer`.
fn is_link_page(path: &str) -> bool {
    ["/join/", "/answer/", "/reset/", "/unsubscribe/", "/s/"].iter().any(|p| path.starts_with(p))
}

/// Adds the security headers to every response, and keeps downloads out of caches.
pub async fn headers(req: Request, next: Next) -> Response {
    let link_page = is_link_page(req.uri().path());
    let https = req.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut resp = next.run(req).await;
    let svg = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"image/svg+xml"));
    let download = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/csv"))
        || resp.headers().get(header::CONTENT_DISPOSITION).is_some_and(|v| v.as_bytes().starts_with(b"attachment"));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, if svg { HeaderValue::from_static(SVG_POLICY) } else { page_policy() });
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(if link_page { "no-referrer" } else { "same-origin" }));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if https {
        // Served over TLS (by the proxy): browsers must never come back over plain HTTP.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if download || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    resp
}

/// 413 for a form with more fields than its page can have, as a translated page.
pub fn too_many_fields(lang: crate::i18n::Lang, max: usize) -> Response {
    let page = ErrorPage {
        lang: lang.code(),
        title: translate(lang, "err-too-large-title", &[]),
        message: translate(lang, "err-too-many-fields", &[("max", &max.to_string())]),
        home: translate(lang, "nav-home", &[]),
    };
    let mut resp = Page(page).into_response();
    *resp.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    resp
}

// ---------------------------------------------------------------- CSRF

/// The CSRF token a signed-in browser's forms carry: an HMAC keyed by its session token.
/// The session token is a 256-bit secret the browser holds in an `HttpOnly` cookie and the
/// database holds only as a hash, so the CSRF token cannot be computed from either side's
/// leak of the other, belongs to that one session, and changes whenever a session starts.
pub fn session_csrf(session_token: &str) -> String {
    hmac_token(session_token, "convene csrf v1")
}

/// HMAC-SHA256 of `message` under `key`, URL-safe base64.
pub fn hmac_token(key: &str, message: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------- framework rejections

/// axum's extractors refuse a bad path, query or body with a plain-text 4xx
/// ("Failed to deserialize query string", "Invalid URL: Cannot parse …"). This turns any
/// plain-text client error into the route's format: the JSON error under `/api/v1`, a
/// translated page elsewhere. The original text goes to the log only.
/// Marks a plain-text error a route gives on purpose (a feed's 404 for a feed reader),
/// which `plain_rejections` leaves as it is.
#[derive(Clone, Copy)]
pub struct KeepPlain;

pub async fn plain_rejections(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if resp.extensions().get::<KeepPlain>().is_some() {
        return resp;
    }
    let status = resp.status();
    let plain = resp.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !status.is_client_error() || !plain {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let original = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap_or_default();
    tracing::info!(status = status.as_u16(), rejection = %String::from_utf8_lossy(&original), "request refused");
    let (code, key) = match status {
        StatusCode::NOT_FOUND => ("not_found", "err-not-found"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "err-too-large"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "err-bad-request"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "err-bad-request"),
        _ => ("bad_request", "err-bad-request"),
    };
    if api {
        let message = match code {
            "not_found" => "no such resource",
            "too_large" => "the request body is too large",
            "method_not_allowed" => "this method is not allowed here",
            "unsupported_media_type" => "send the body as application/json",
            _ => "the request's path, query or body could not be read",
        };
        let body = serde_json::json!({"error": {"code": code, "message": message, "field": null}});
        let mut out = (status, axum::Json(body)).into_response();
        if let Some(allow) = allow {
            out.headers_mut().insert(header::ALLOW, allow);
        }
        return out;
    }
    let title_key = format!("{key}-title");
    let page = ErrorPage {
        lang: lang.code(),
        title: translate(lang, &title_key, &[]),
        message: translate(lang, key, &[]),
        home: translate(lang, "nav-home", &[]),
    };
    let mut out = Page(page).into_response();
    *out.status_mut() = status;
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_attribute_in_the_templates_is_allowed_by_the_policy() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for attr in text.split("style=\"").skip(1) {
                let value = attr.split('"').next().unwrap();
                assert!(STYLE_ATTRIBUTES.contains(&value), "{}: style=\"{value}\" is not hashed", path.display());
            }
            if text.contains("<style>") {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    ["base.html", "error.html", "report_document.html"].contains(&name.as_str()),
                    "{name}: <style> is not hashed"
                );
            }
        }
    }

    #[test]
    fn the_policy_allows_no_script_and_no_framing() {
        let csp = content_security_policy();
        assert!(csp.contains("script-src 'none'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("'unsafe-inline'"));
        assert_eq!(csp.matches("'sha256-").count(), 7);
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let a = session_csrf("session-a");
        assert_eq!(a, session_csrf("session-a"));
        assert_ne!(a, session_csrf("session-b"));
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &session_csrf("session-b")));
        assert!(!same_token(&a, ""));
    }
}
