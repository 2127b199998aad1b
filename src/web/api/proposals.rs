//! The API's framework versions and the proposals that change them: list and make
//! proposals, support them, comment on them, decide them; read any version.

use super::{ApiError, ApiJson, ApiPath, Caller};
use crate::domain::FieldError;
use crate::domain::framework::Framework;
use crate::domain::proposal::{ProposalDraft, Wording};
use crate::i18n::Lang;
use crate::service;
use crate::store::{FrameworkVersion, Proposal};
use crate::web::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// `?lang=fr`: texts in that language (English where the framework has none).
#[derive(Deserialize, Default)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

pub(super) fn parse_lang(lang: Option<&str>) -> Result<Option<Lang>, ApiError> {
    match lang.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(code) => Lang::from_code(code)
            .map(Some)
            .ok_or_else(|| FieldError::new("lang", "err-lang", "lang must be en, fr, es or pt").into()),
    }
}

/// A framework as the API shows it: every language block, or one language's texts.
pub(super) fn framework_json(f: &Framework, lang: Option<Lang>) -> Value {
    let languages: Vec<&str> = f.languages().into_iter().map(Lang::code).collect();
    let mut v = match lang {
        Some(l) => json!(f.localized(l)),
        None => json!(f),
    };
    v["languages"] = json!(languages);
    v
}

fn version_json(v: &FrameworkVersion, lang: Option<Lang>) -> Value {
    let mut out = framework_json(&v.framework, lang);
    out["version"] = json!(v.version);
    out["created_at"] = json!(v.created_at);
    out
}

pub(super) fn proposal_json(p: &Proposal) -> Value {
    json!({
        "id": p.id, "action": p.change.action, "target": p.change.target, "cycle": p.change.cycle,
        "key": p.change.key, "name": p.change.name, "text": p.change.text, "reason": p.reason,
        "status": p.status, "author": p.author_name, "supporters": p.supporters,
        "base_version": p.base_version, "result_version": p.result_version,
        "decided_at": p.decided_at, "note": p.note, "created_at": p.created_at,
    })
}

/// `GET /communities/{slug}/framework[?version=N][&lang=fr]`
#[derive(Deserialize)]
pub(super) struct VersionQuery {
    version: Option<i64>,
    lang: Option<String>,
}

pub(super) async fn get_framework(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<Value>, ApiError> {
    let lang = parse_lang(q.lang.as_deref())?;
    let v = service::proposals::framework_version(&state.store, &caller.actor(), &slug, q.version).await?;
    Ok(Json(version_json(&v, lang)))
}

pub(super) async fn list_proposals(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (_, _, list) = service::proposals::proposals(&state.store, &caller.actor(), &slug).await?;
    Ok(Json(Value::Array(list.iter().map(proposal_json).collect())))
}

/// A text as one string (in `lang`, English by default) or per language
/// (`{"en": "...", "fr": "..."}`).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum TextIn {
    One(String),
    Many(Wording),
}

impl TextIn {
    fn wording(self, lang: Lang) -> Wording {
        match self {
            TextIn::One(s) => Wording::one(lang, &s),
            TextIn::Many(w) => w,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProposalIn {
    action: String,
    target: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    key: String,
    name: Option<TextIn>,
    text: Option<TextIn>,
    #[serde(default)]
    reason: String,
    /// The language of `name` and `text` given as plain strings.
    lang: Option<String>,
}

pub(super) async fn post_proposal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(b): ApiJson<ProposalIn>,
) -> Result<Response, ApiError> {
    caller.required()?;
    let lang = parse_lang(b.lang.as_deref())?.unwrap_or(Lang::En);
    let draft = ProposalDraft {
        action: b.action,
        target: b.target,
        cycle: b.cycle,
        key: b.key,
        name: b.name.map(|t| t.wording(lang)).unwrap_or_default(),
        text: b.text.map(|t| t.wording(lang)).unwrap_or_default(),
        reason: b.reason,
    };
    let p = service::proposals::propose(&state.store, &caller.actor(), &slug, &draft).await?;
    Ok((StatusCode::CREATED, Json(proposal_json(&p))).into_response())
}

pub(super) async fn support_proposal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let p = service::proposals::support_proposal(&state.store, &caller.actor(), id).await?;
    Ok(Json(proposal_json(&p)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DecisionIn {
    decision: String,
    #[serde(default)]
    note: String,
}

/// Accepting answers with the new framework version (and the proposal); declining with
/// the proposal.
pub(super) async fn decide_proposal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> Result<Json<Value>, ApiError> {
    caller.required()?;
    let d = service::proposals::decide_proposal(&state.store, &caller.actor(), id, &b.decision, &b.note).await?;
    Ok(Json(match d.version {
        Some(v) => {
            let mut out = version_json(&v, None);
            out["proposal"] = proposal_json(&d.proposal);
            out
        }
        None => json!({"proposal": proposal_json(&d.proposal)}),
    }))
}

pub(super) async fn list_presets(Query(q): Query<LangQuery>) -> Result<Json<Value>, ApiError> {
    let lang = parse_lang(q.lang.as_deref())?;
    Ok(Json(Value::Array(crate::domain::framework::presets().iter().map(|p| framework_json(p, lang)).collect())))
}
