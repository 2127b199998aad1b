//! The planner in the browser: "what would it take to convene us, and where?" for a
//! convening's participants (their home places) plus people typed in; saved plans with
//! scenarios side by side, a per-person table, the k curve, a world map, a CSV budget,
//! and adopting a host as the convening's place.
//! Planning pages are for stewards: they show where people live.

use super::convening::steward_convening;
use super::plan_jobs::{Busy, JobState};
use super::travel_model::community_model;
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::planner::{self, MapOptions, PlanAnswer, PlanRequest};
use crate::store::{Convening, Plan};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// Largest k offered.
pub const MAX_K: usize = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convenings/{id}/plan", get(plan_form).post(create_plan))
        .route("/plan-jobs/{job}", get(job_page))
        .route("/plans/{id}", get(plan_page))
        .route("/plans/{id}/map.svg", get(plan_map))
        .route("/plans/{id}/budget.csv", get(plan_csv))
        .route("/plans/{id}/adopt", post(adopt))
        .route("/plans/{id}/hybrid", post(super::plan_hybrid::save_point))
        .route("/plans/{id}/delete", post(delete_plan))
}

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub objective: String,
    #[serde(default)]
    pub k: String,
    #[serde(default)]
    pub candidates: String,
    #[serde(default)]
    pub min_population: String,
    #[serde(default)]
    pub exclude: String,
    #[serde(default)]
    pub name: String,
    /// Pinned hosts, `;`-separated.
    #[serde(default)]
    pub pin: String,
    #[serde(default)]
    pub visa_policy: String,
    #[serde(default)]
    pub max_advance_visas: String,
    /// Length of a virtual meeting to place, hours (empty: none).
    #[serde(default)]
    pub slot_hours: String,
    #[serde(default)]
    pub slot_on: String,
    #[serde(default)]
    pub slot_window: String,
    /// "on" to compute the hybrid frontier.
    #[serde(default)]
    pub hybrid: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub spread: String,
    /// Hubs of a linked gathering (empty: none).
    #[serde(default)]
    pub linked_k: String,
    #[serde(default)]
    pub overlap_hours: String,
    #[serde(default)]
    pub min_per_hub: String,
    #[serde(default)]
    pub max_per_hub: String,
    /// Quoted fares (`from_iata,to_iata,price,currency,quoted_on`) or known fares
    /// (`member,host,fare`) as CSV, typed or pasted; an uploaded file lands here
    /// too, so that a refused form shows it again.
    #[serde(default)]
    pub fares: String,
}

impl PlanForm {
    /// Sets one field by its form name (a multipart upload's text fields); unknown names are ignored.
    fn set(&mut self, name: &str, value: String) {
        let field = match name {
            "people" => &mut self.people,
            "objective" => &mut self.objective,
            "k" => &mut self.k,
            "candidates" => &mut self.candidates,
            "min_population" => &mut self.min_population,
            "exclude" => &mut self.exclude,
            "name" => &mut self.name,
            "pin" => &mut self.pin,
            "visa_policy" => &mut self.visa_policy,
            "max_advance_visas" => &mut self.max_advance_visas,
            "slot_hours" => &mut self.slot_hours,
            "slot_on" => &mut self.slot_on,
            "slot_window" => &mut self.slot_window,
            "hybrid" => &mut self.hybrid,
            "budget" => &mut self.budget,
            "spread" => &mut self.spread,
            "linked_k" => &mut self.linked_k,
            "overlap_hours" => &mut self.overlap_hours,
            "min_per_hub" => &mut self.min_per_hub,
            "max_per_hub" => &mut self.max_per_hub,
            "fares" | "fares_file" => {
                // A file adds to what was pasted, on a line of its own.
                if !self.fares.trim().is_empty() && !value.trim().is_empty() {
                    self.fares.push('\n');
                }
                self.fares.push_str(&value);
                return;
            }
            _ => return,
        };
        *field = value;
    }
}

/// The planner form, sent as a plain form or, with a fares file, as multipart.
async fn read_form(state: &AppState, request: axum::extract::Request) -> Result<PlanForm, AppError> {
    use axum::extract::{FromRequest, Multipart};
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bad = || AppError::Invalid("err-bad-request".into());
    if !multipart {
        let Form(form) = Form::<PlanForm>::from_request(request, state).await.map_err(|_| bad())?;
        return Ok(form);
    }
    let mut parts = Multipart::from_request(request, state).await.map_err(|_| bad())?;
    let mut form = PlanForm::default();
    while let Some(field) = parts.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| bad())?;
        // A file that is not text is kept as far as it is: its rows are then refused by number.
        form.set(&name, String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(form)
}

/// A message for the form, translated when the page is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub(crate) fn new(key: &'static str, args: &[(&'static str, &str)]) -> Self {
        Self { key, args: args.iter().map(|(k, v)| (*k, (*v).to_string())).collect() }
    }
    /// A message about one line of the people list.
    pub(super) fn line(key: &'static str, line: usize, args: &[(&'static str, &str)]) -> Self {
        let mut m = Self::new(key, args);
        m.args.push(("line", line.to_string()));
        m
    }
    pub fn render(&self, ctx: &Ctx) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ctx.ta(self.key, &args)
    }
}

/// Runs the planner off the async workers (it is CPU-bound).
async fn answer(request: PlanRequest) -> Result<(PlanRequest, PlanAnswer), Msg> {
    match tokio::task::spawn_blocking(move || planner::plan(&request, &mut |_| {}).map(|a| (request, a))).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(super::plan_options::refusal(&e)),
        // A panic in the planner is a bug; say so on the form rather than lose the steward's list.
        Err(e) => Err(Msg::new("plan-err-solver", &[("message", &e.to_string())])),
    }
}

#[derive(Template)]
#[template(path = "plan_form.html")]
struct FormPage {
    ctx: Ctx,
    convening: Convening,
    form: PlanForm,
    errors: Vec<String>,
    plans: Vec<Plan>,
}

impl FormPage {
    fn objectives(&self) -> [&'static str; 4] {
        ["total-cost", "max-cost", "co2", "distance"]
    }
}

/// The people list prefilled from the participants' home places (one query for all
/// members' places, not one per participant).
async fn prefill(state: &AppState, convening: &Convening) -> Result<String, AppError> {
    let members = state.store.members(convening.community_id).await?;
    let mut lines = Vec::new();
    for p in state.store.participants(convening.id).await? {
        let home = p
            .user_id
            .and_then(|uid| members.iter().find(|m| m.user_id == uid))
            .map(|m| m.home_place.clone())
            .unwrap_or_default();
        let name = p.name.replace(';', ",");
        lines.push(if home.is_empty() { format!("# {name}; ?") } else { format!("{name}; {home}") });
    }
    Ok(lines.join("\n"))
}

async fn plan_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (convening, _) = steward_convening(&state, &ctx, id).await?;
    let date = match convening.starts_on.get(..10) {
        Some(d) => d.to_owned(),
        None => time::OffsetDateTime::now_utc().date().to_string(),
    };
    let form = PlanForm::fresh(prefill(&state, &convening).await?, &date);
    let plans = state.store.plans(id).await?;
    Ok(Page(FormPage { ctx, convening, form, errors: Vec::new(), plans }).into_response())
}

async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(&state, &ctx, id).await?;
    let form = read_form(&state, request).await?;
    let result =
        super::plan_options::parse_form(&form, community_model(&state, community.id).await?, &state.config.planner);
    match result {
        Ok(request) => {
            let name = if form.name.trim().is_empty() {
                let objective = ctx.t(&format!("objective-{}", request.objective));
                let key = if request.k == 1 { "plan-default-name-one" } else { "plan-default-name" };
                ctx.t1(key, "k", &request.k.to_string()) + " · " + &objective
            } else {
                form.name.trim().chars().take(200).collect()
            };
            let limits = &state.config.planner;
            let (job, permit) = match state.jobs.start(community.id, id, limits.max_jobs_per_community) {
                Ok(started) => started,
                Err(busy) => {
                    let key = match busy {
                        Busy::Community(_) => "plan-err-busy-community",
                        Busy::Server(_) => "plan-err-busy-server",
                    };
                    let plans = state.store.plans(id).await?;
                    let errors = vec![ctx.t(key)];
                    let page = FormPage { ctx, convening, form, errors, plans };
                    return Ok(
                        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "30")], Page(page)).into_response()
                    );
                }
            };
            // The plan is computed in the background; the steward's page polls for it.
            let (state2, actor, job2) = (state.clone(), ctx.actor(), job.clone());
            tokio::spawn(async move {
                let outcome = match answer(request).await {
                    Ok((request, answer)) => {
                        let (p, r) = (
                            serde_json::to_string(&request).unwrap_or_default(),
                            serde_json::to_string(&answer).unwrap_or_default(),
                        );
                        match crate::service::convenings::save_plan(&state2.store, &actor, id, &name, &p, &r).await {
                            Ok(saved) => JobState::Done(saved.id),
                            Err(e) => JobState::Failed(
                                vec![Msg::new("plan-err-solver", &[("message", &e.to_string())])],
                                Box::new(form),
                            ),
                        }
                    }
                    Err(m) => JobState::Failed(vec![m], Box::new(form)),
                };
                state2.jobs.finish(&job2, outcome);
                drop(permit);
            });
            Ok(see_other(&format!("/plan-jobs/{job}")))
        }
        Err(errors) => {
            let plans = state.store.plans(id).await?;
            let errors = errors.iter().map(|m| m.render(&ctx)).collect();
            let mut resp = Page(FormPage { ctx, convening, form, errors, plans }).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

#[derive(Template)]
#[template(path = "plan_job.html")]
struct JobPage {
    ctx: Ctx,
    convening: Convening,
    seconds: u64,
}

/// A planner job: "still planning" (the page refreshes itself; a link does it without),
/// the saved plan when done, or the form with the planner's refusal.
async fn job_page(State(state): State<AppState>, ctx: Ctx, Path(job): Path<String>) -> Result<Response, AppError> {
    let j = state.jobs.get(&job).ok_or(AppError::NotFound)?;
    let (convening, _) = steward_convening(&state, &ctx, j.convening_id).await?;
    match j.state {
        JobState::Done(plan) => Ok(see_other(&format!("/plans/{plan}"))),
        JobState::Running => {
            let seconds = j.started.elapsed().as_secs();
            Ok(([(header::REFRESH, "2")], Page(JobPage { ctx, convening, seconds })).into_response())
        }
        JobState::Failed(msgs, form) => {
            let plans = state.store.plans(convening.id).await?;
            let errors = msgs.iter().map(|m| m.render(&ctx)).collect();
            let page = FormPage { ctx, convening, form: *form, errors, plans };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
    }
}

/// A saved plan, its convening, and its decoded parts — for stewards only.
pub(super) async fn load_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(Plan, Convening, PlanRequest, PlanAnswer), AppError> {
    let plan = state.store.plan(id).await?.ok_or(AppError::NotFound)?;
    let (convening, _) = steward_convening(state, ctx, plan.convening_id).await?;
    let corrupt = |e: serde_json::Error| AppError::Store(crate::store::StoreError::Corrupt(format!("plan {id}: {e}")));
    let params = serde_json::from_str(&plan.params).map_err(corrupt)?;
    let result = serde_json::from_str(&plan.result).map_err(corrupt)?;
    Ok((plan, convening, params, result))
}

#[derive(Template)]
#[template(path = "plan.html")]
pub(super) struct PlanPage {
    pub(super) ctx: Ctx,
    pub(super) plan: Plan,
    pub(super) convening: Convening,
    pub(super) params: PlanRequest,
    pub(super) result: PlanAnswer,
}

impl PlanPage {
    /// Hosts as "City, Country", the country named in the reader's language.
    fn hosts_of(&self, hosts: &[planner::Host]) -> String {
        let lang = self.ctx.lang.base().code();
        let country = |h: &planner::Host| {
            planner::country_name_in(&h.country, lang).map_or_else(|| h.country.clone(), str::to_owned)
        };
        hosts.iter().map(|h| format!("{}, {}", h.name, country(h))).collect::<Vec<_>>().join(" · ")
    }
    /// Known fares the plan could not use, said in the reader's language.
    fn unused_fares(&self) -> Vec<String> {
        self.result
            .plan()
            .unused_fares
            .iter()
            .map(|f| {
                let key = match f.missing {
                    planner::FareEnd::Participant => "plan-unused-fare-participant",
                    planner::FareEnd::Host => "plan-unused-fare-host",
                };
                self.ctx.ta(key, &[("member", &f.member), ("host", &f.host)])
            })
            .collect()
    }
    fn scenario_name(&self, kind: &planner::ScenarioKind) -> String {
        match kind {
            planner::ScenarioKind::OneGathering => self.ctx.t("plan-one"),
            planner::ScenarioKind::Regional => self.ctx.t("plan-regional"),
            planner::ScenarioKind::Virtual => self.ctx.t("plan-virtual"),
        }
    }
    fn objective_name(&self) -> String {
        self.ctx.t(&format!("objective-{}", self.params.objective))
    }
    fn has_regional(&self) -> bool {
        self.result.comparison.regional.is_some()
    }
}

async fn plan_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (plan, convening, params, result) = load_plan(&state, &ctx, id).await?;
    Ok(Page(PlanPage { ctx, plan, convening, params, result }).into_response())
}

#[derive(Deserialize)]
struct Which {
    scenario: Option<String>,
}

fn chosen<'a>(result: &'a PlanAnswer, which: &Which) -> &'a planner::Plan {
    match (which.scenario.as_deref(), &result.comparison.regional) {
        (Some("regional"), Some(r)) => r,
        _ => &result.comparison.one,
    }
}

async fn plan_map(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> Result<Response, AppError> {
    let (_, _, _, result) = load_plan(&state, &ctx, id).await?;
    let legend = ["plan-map-legend-members", "plan-map-legend-host", "plan-map-legend-route"].map(|k| ctx.t(k));
    let options = MapOptions { width: 960, title: ctx.t("plan-map-title"), zoom: true, legend: legend.to_vec() };
    let svg = planner::render_svg(chosen(&result, &which), &options);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=3600")], svg)
        .into_response())
}

async fn plan_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> Result<Response, AppError> {
    let (_, _, _, result) = load_plan(&state, &ctx, id).await?;
    let mut out = Vec::new();
    planner::write_budget_csv(chosen(&result, &which), &mut out)
        .map_err(|e| AppError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, &format!("attachment; filename=\"budget-plan-{id}.csv\"")),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize)]
struct AdoptForm {
    #[serde(default)]
    host: String,
}

/// Makes one of the plan's hosts the convening's place.
async fn adopt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<AdoptForm>,
) -> Result<Response, AppError> {
    let (_, convening, _, result) = load_plan(&state, &ctx, id).await?;
    let hosts: Vec<&planner::Host> = result
        .comparison
        .one
        .hosts
        .iter()
        .chain(result.comparison.regional.iter().flat_map(|r| r.hosts.iter()))
        .collect();
    let host = hosts.iter().find(|h| format!("{}, {}", h.name, h.country) == f.host).ok_or(AppError::NotFound)?;
    let place = format!("{}, {}", host.name, host.country);
    crate::service::convenings::set_place(&state.store, &ctx.actor(), convening.id, &place).await?;
    Ok(see_other(&format!("/convenings/{}", convening.id)))
}

/// Stewards delete a saved plan.
async fn delete_plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    ctx.require_user()?;
    let convening = crate::service::convenings::delete_plan(&state.store, &ctx.actor(), id).await?;
    Ok(see_other(&format!("/convenings/{convening}/plan")))
}
