//! The public face outside the pages: Atom feeds of public stories and published reports
//! (per community and per convening), the iCalendar feed and GeoJSON map of a
//! community's convenings, `sitemap.xml` and `robots.txt`.
//!
//! These answer as an anonymous visitor would be answered whoever asks (feed readers
//! carry no session). A private community's feeds answer 404 in plain text: a feed
//! reader must not be told "empty".

use super::AppState;
use crate::domain::story::{StepKind, Story};
use crate::i18n::{Lang, translate};
use crate::interop::{atom, geojson, ical};
use crate::service::{self, ServiceError, connect};
use crate::store::{Community, Convening};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, json};
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/feed.atom", get(community_feed))
        .route("/convenings/{id}/feed.atom", get(convening_feed))
        .route("/c/{slug}/convenings.ics", get(calendar))
        .route("/c/{slug}/convenings.geojson", get(map))
        .route("/sitemap.xml", get(sitemap))
        .route("/robots.txt", get(robots))
}

/// The site's absolute base URL: the configured one, else what the request was sent to.
pub(crate) fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if !state.config.base_url.is_empty() {
        return state.config.base_url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// A feed's errors, in plain text (never an HTML page, never an empty feed).
fn failure(e: &ServiceError) -> Response {
    let mut resp = match e {
        ServiceError::NotFound | ServiceError::Forbidden => {
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not found\n")
                .into_response()
        }
        e => {
            tracing::error!(error = %e, "public feed failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "internal error\n",
            )
                .into_response()
        }
    };
    resp.extensions_mut().insert(super::security::KeepPlain);
    resp
}

fn body(content_type: &'static str, text: String) -> Response {
    // Feed readers poll: five minutes of caching in between is plenty fresh.
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=300")], text).into_response()
}

fn lang_of(code: &str) -> Lang {
    Lang::from_code(code).unwrap_or_default()
}

/// A public story as a feed entry, its text in cycles ("Immediate value (happened): …").
fn story_entry(s: &Story, framework: &crate::domain::framework::Framework, base: &str, lang: Lang) -> atom::Entry {
    let mut content = String::new();
    for step in &s.steps {
        let cycle = framework.cycles.iter().find(|c| c.key == step.cycle).map_or(step.cycle.as_str(), |c| &c.name);
        let kind = translate(lang, if step.kind == StepKind::Realized { "realized" } else { "aspirational" }, &[]);
        let _ = write!(content, "{cycle} ({kind}): {}\n\n", step.text.trim());
    }
    let title = if s.title.trim().is_empty() {
        translate(lang, "feed-story-untitled", &[("id", &s.id.to_string())])
    } else {
        s.title.clone()
    };
    let summary = crate::analysis::report::excerpt(s.steps.first().map_or("", |st| st.text.as_str()), 200);
    atom::Entry {
        id: format!("{base}/stories/{}", s.id),
        title,
        link: format!("{base}/stories/{}", s.id),
        published: s.created_at.clone(),
        updated: if s.updated_at.is_empty() { s.created_at.clone() } else { s.updated_at.clone() },
        author: s.show_name.then(|| s.teller_name.clone()).filter(|n| !n.trim().is_empty()),
        summary,
        content: content.trim_end().to_string(),
        language: s.language.clone(),
    }
}

fn report_entry(c: &Community, published_at: &str, base: &str, lang: Lang) -> atom::Entry {
    let title = translate(lang, "rp-community-title", &[("name", &c.name)]);
    atom::Entry {
        id: format!("{base}/c/{}/report", c.slug),
        title: title.clone(),
        link: format!("{base}/c/{}/report", c.slug),
        published: published_at.to_string(),
        updated: published_at.to_string(),
        author: None,
        summary: translate(lang, "feed-report-summary", &[("name", &c.name)]),
        content: translate(lang, "feed-report-summary", &[("name", &c.name)]),
        language: lang.code().to_string(),
    }
}

fn feed_of(
    face: &connect::PublicFace,
    framework: &crate::domain::framework::Framework,
    base: &str,
    (page, self_url, title): (String, String, String),
) -> atom::Feed {
    let lang = lang_of(&face.language);
    let mut entries: Vec<atom::Entry> = face.stories.iter().map(|s| story_entry(s, framework, base, lang)).collect();
    if let Some(at) = &face.report_published_at {
        entries.push(report_entry(&face.community, at, base, lang));
    }
    entries.sort_by(|a, b| b.updated.cmp(&a.updated));
    let updated = entries.iter().map(|e| e.updated.clone()).max().unwrap_or_else(|| face.community.created_at.clone());
    atom::Feed {
        id: page.clone(),
        title,
        subtitle: face.community.description.clone(),
        alternate: page,
        self_url,
        updated,
        author: face.community.name.clone(),
        language: lang.code().to_string(),
        entries,
    }
}

async fn community_feed(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    let base = site_base(&state, &headers);
    let result = async {
        let face = connect::public_face(&state.store, &slug, connect::FEED_STORIES).await?;
        let fw = service::current_framework(&state.store, &face.community).await?.framework;
        Ok::<_, ServiceError>((face, fw))
    }
    .await;
    match result {
        Ok((face, fw)) => {
            let c = &face.community;
            let urls = (format!("{base}/c/{}", c.slug), format!("{base}/c/{}/feed.atom", c.slug), c.name.clone());
            body("application/atom+xml; charset=utf-8", atom::render(&feed_of(&face, &fw, &base, urls)))
        }
        Err(e) => failure(&e),
    }
}

async fn convening_feed(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return failure(&ServiceError::NotFound) };
    let base = site_base(&state, &headers);
    let result = async {
        let (cv, face) = connect::public_convening(&state.store, id).await?;
        let fw = service::current_framework(&state.store, &face.community).await?.framework;
        Ok::<_, ServiceError>((cv, face, fw))
    }
    .await;
    match result {
        Ok((cv, face, fw)) => {
            let title = format!("{} — {}", cv.title, face.community.name);
            let urls = (format!("{base}/convenings/{id}"), format!("{base}/convenings/{id}/feed.atom"), title);
            body("application/atom+xml; charset=utf-8", atom::render(&feed_of(&face, &fw, &base, urls)))
        }
        Err(e) => failure(&e),
    }
}

/// The host of a URL, for calendar UIDs that stay the same wherever the feed is read.
fn host_of(base: &str) -> &str {
    base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("convene")
}

fn event(cv: &Convening, base: &str, stamp: &str) -> Option<ical::Event> {
    let start = crate::domain::convening::parse_date("starts_on", &cv.starts_on).ok()?;
    let last_day = crate::domain::convening::parse_date("ends_on", &cv.ends_on).unwrap_or(start).max(start);
    Some(ical::Event {
        uid: format!("convening-{}@{}", cv.id, host_of(base)),
        dtstamp: stamp.to_string(),
        start,
        last_day,
        summary: cv.title.clone(),
        description: cv.description.clone(),
        location: cv.place.clone(),
        url: format!("{base}/convenings/{}", cv.id),
        status: if cv.status == "idea" { "TENTATIVE" } else { "CONFIRMED" },
    })
}

async fn calendar(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    let base = site_base(&state, &headers);
    match connect::public_face(&state.store, &slug, 0).await {
        Ok(face) => {
            let stamp = ical::stamp(&crate::store::now());
            let events: Vec<ical::Event> = face.convenings.iter().filter_map(|cv| event(cv, &base, &stamp)).collect();
            body("text/calendar; charset=utf-8", ical::render(&face.community.name, &events))
        }
        Err(e) => failure(&e),
    }
}

async fn map(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    let base = site_base(&state, &headers);
    let result = async {
        let face = connect::public_face(&state.store, &slug, 0).await?;
        let origins = connect::origins(&state.store, &face.community).await?;
        Ok::<_, ServiceError>((face, origins))
    }
    .await;
    let (face, origins) = match result {
        Ok(r) => r,
        Err(e) => return failure(&e),
    };
    let mut points = Vec::new();
    for cv in &face.convenings {
        let Some(p) = connect::place_of(cv) else { continue };
        let mut props = Map::new();
        props.insert("kind".into(), json!("convening"));
        props.insert("id".into(), json!(cv.id));
        props.insert("title".into(), json!(cv.title));
        props.insert("mode".into(), json!(cv.mode));
        props.insert("starts_on".into(), json!(cv.starts_on));
        props.insert("ends_on".into(), json!(cv.ends_on));
        props.insert("place".into(), json!(p.label()));
        props.insert("url".into(), json!(format!("{base}/convenings/{}", cv.id)));
        points.push(geojson::Point { lat: p.lat, lon: p.lon, properties: props });
    }
    for (p, n) in &origins {
        let mut props = Map::new();
        props.insert("kind".into(), json!("participants_from"));
        props.insert("city".into(), json!(p.name));
        props.insert("country".into(), json!(p.country));
        props.insert("participants".into(), json!(n));
        points.push(geojson::Point { lat: p.lat, lon: p.lon, properties: props });
    }
    let text = serde_json::to_string(&geojson::collection(&points)).unwrap_or_default();
    body("application/geo+json", text)
}

async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    let faces = match connect::sitemap(&state.store).await {
        Ok(f) => f,
        Err(e) => return failure(&e),
    };
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut url = |loc: String, lastmod: Option<&str>| {
        let _ = write!(x, "  <url><loc>{}</loc>", atom::escape(&loc));
        if let Some(d) = lastmod.and_then(|d| d.get(..10)) {
            let _ = write!(x, "<lastmod>{d}</lastmod>");
        }
        x.push_str("</url>\n");
    };
    url(format!("{base}/"), None);
    for f in &faces {
        let c = &f.community;
        url(format!("{base}/c/{}", c.slug), None);
        if let Some(at) = &f.report_published_at {
            url(format!("{base}/c/{}/report", c.slug), Some(at));
        }
        for cv in &f.convenings {
            url(format!("{base}/convenings/{}", cv.id), Some(&cv.updated_at));
        }
        for s in &f.stories {
            let at = if s.updated_at.is_empty() { &s.created_at } else { &s.updated_at };
            url(format!("{base}/stories/{}", s.id), Some(at));
        }
    }
    x.push_str("</urlset>\n");
    body("application/xml; charset=utf-8", x)
}

async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    let text = format!(
        "# convene: public communities, convenings, public stories and published reports may be indexed.\n\
         User-agent: *\n\
         Disallow: /api/\n\
         Disallow: /answer/\n\
         Disallow: /s/\n\
         Disallow: /join/\n\
         Disallow: /reset/\n\
         Disallow: /unsubscribe/\n\
         Disallow: /me\n\
         Disallow: /signin\n\
         Disallow: /lang/\n\
         Allow: /\n\
         Sitemap: {base}/sitemap.xml\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], text)
        .into_response()
}
