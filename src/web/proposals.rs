//! Pages for proposals to change the framework: the list with the form to propose, one
//! proposal with its supporters, its comments and the steward's decision.

use super::{AppError, AppState, Ctx, Page, see_other};
use crate::domain::Viewer;
use crate::domain::framework::Framework;
use crate::domain::proposal::{Action, ProposalDraft, Target, Wording};
use crate::i18n::Lang;
use crate::service::{self, ServiceError};
use crate::store::{Community, Proposal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/proposals", get(list_page).post(propose))
        .route("/proposals/{id}", get(proposal_page))
        .route("/proposals/{id}/support", post(support))
        .route("/proposals/{id}/decision", post(decide))
}

/// The proposal form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub key: String,
    /// The language the texts are written in.
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub reason: String,
}

impl ProposalForm {
    fn draft(&self, fallback: Lang) -> ProposalDraft {
        let lang = Lang::from_code(&self.lang).unwrap_or(fallback);
        ProposalDraft {
            action: self.action.clone(),
            target: self.target.clone(),
            cycle: self.cycle.clone(),
            key: self.key.clone(),
            name: Wording::one(lang, &self.name),
            text: Wording::one(lang, &self.text),
            reason: self.reason.clone(),
        }
    }
}

/// How a proposal reads in a list or a heading, in the reader's language.
pub fn summary(ctx: &Ctx, p: &Proposal, fw: &Framework) -> String {
    let c = &p.change;
    let cycle = fw.cycle(&c.cycle).map_or_else(|| c.cycle.clone(), |x| x.name.clone());
    let item = match c.target {
        Target::Cycle => cycle.clone(),
        Target::Indicator => fw.indicator(&c.key).map_or_else(|| c.key.clone(), |i| i.name.clone()),
        Target::Question => c.key.clone(),
    };
    let shown = [c.name.shown(ctx.lang), c.text.shown(ctx.lang)].into_iter().find(|t| !t.is_empty()).unwrap_or("");
    let key = format!("proposal-{}-{}", c.action.as_str(), c.target.as_str());
    let item = if c.action == Action::Add { shown.to_string() } else { item };
    ctx.ta(&key, &[("item", &item), ("cycle", &cycle)])
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ListPage {
    ctx: Ctx,
    community: Community,
    framework: Framework,
    proposals: Vec<Proposal>,
    form: ProposalForm,
    error: Option<String>,
}

impl ListPage {
    fn summary(&self, p: &Proposal) -> String {
        summary(&self.ctx, p, &self.framework)
    }
}

async fn render_list(
    state: &AppState,
    ctx: Ctx,
    slug: &str,
    form: ProposalForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    if ctx.user.is_none() {
        return Err(AppError::SignIn(ctx.path.clone()));
    }
    let (community, _, proposals) = service::proposals::proposals(&state.store, &ctx.actor(), slug).await?;
    let framework = service::current_framework(&state.store, &community).await?.framework.localized(ctx.lang);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Page(ListPage { ctx, community, framework, proposals, form, error })).into_response())
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> Result<Response, AppError> {
    let form = ProposalForm {
        action: "add".into(),
        target: "indicator".into(),
        lang: ctx.lang.code().into(),
        ..Default::default()
    };
    render_list(&state, ctx, &slug, form, None).await
}

fn message(ctx: &Ctx, e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Invalid(v) => Some(v.iter().map(|f| ctx.error(f)).collect::<Vec<_>>().join(" ")),
        _ => None,
    }
}

async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ProposalForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match service::proposals::propose(&state.store, &ctx.actor(), &slug, &f.draft(ctx.lang)).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}", p.id))),
        Err(e) => match message(&ctx, &e) {
            Some(m) => render_list(&state, ctx, &slug, f, Some(m)).await,
            None => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage {
    ctx: Ctx,
    community: Community,
    /// The current framework in the reader's language.
    framework: Framework,
    p: Proposal,
    supports: bool,
    is_steward: bool,
    note: String,
    error: Option<String>,
    comment_box: super::comments::CommentBox,
}

impl ProposalPage {
    fn summary(&self) -> String {
        summary(&self.ctx, &self.p, &self.framework)
    }
    fn status_label(&self) -> String {
        self.ctx.t(&format!("proposal-status-{}", self.p.status))
    }
    fn by_line(&self) -> String {
        let p = &self.p;
        let (version, date) = (p.base_version.to_string(), p.created_at.get(..10).unwrap_or_default());
        self.ctx.ta("proposal-by", &[("name", &p.author_name), ("version", &version), ("date", date)])
    }
    /// Each text the proposal gives, with its language's name.
    fn texts(&self) -> Vec<(&'static str, String, String)> {
        let c = &self.p.change;
        let mut out = Vec::new();
        for (label, w) in [("proposal-field-name", &c.name), ("proposal-field-text", &c.text)] {
            for (l, t) in w.given() {
                out.push((l.native_name(), self.ctx.t(label), t.to_string()));
            }
        }
        out
    }
}

async fn render_proposal(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    note: String,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    if ctx.user.is_none() {
        return Err(AppError::SignIn(ctx.path.clone()));
    }
    let (p, community, viewer, supports) = service::proposals::proposal(&state.store, &ctx.actor(), id).await?;
    let framework = service::current_framework(&state.store, &community).await?.framework.localized(ctx.lang);
    let (status, error) = error.map_or((StatusCode::OK, None), |(s, m)| (s, Some(m)));
    let target = crate::service::comments::Target::Proposal(p.id);
    let comment_box = super::comments::load(state, &ctx, target, format!("/proposals/{}/comments", p.id)).await?;
    let is_steward = viewer == Viewer::Steward;
    let page = ProposalPage { ctx, community, framework, p, supports, is_steward, note, error, comment_box };
    Ok((status, Page(page)).into_response())
}

async fn proposal_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    render_proposal(&state, ctx, id, String::new(), None).await
}

async fn support(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    service::proposals::support_proposal(&state.store, &ctx.actor(), id).await?;
    Ok(see_other(&format!("/proposals/{id}")))
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    ctx.require_user()?;
    match service::proposals::decide_proposal(&state.store, &ctx.actor(), id, &f.decision, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/proposals/{id}"))),
        Err(e) => {
            let status = match &e {
                ServiceError::Invalid(v) if v.iter().any(|f| f.code == "err-proposal-conflict") => StatusCode::CONFLICT,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let m = match &e {
                ServiceError::Conflict(code) => Some(ctx.t(&format!("err-conflict-{code}"))),
                e => message(&ctx, e),
            };
            match m {
                Some(m) => render_proposal(&state, ctx, id, f.note, Some((status, m))).await,
                None => Err(e.into()),
            }
        }
    }
}
