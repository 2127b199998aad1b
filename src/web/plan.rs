//! The planner in the browser: "what would it take to convene us, and where?" for a
//! convening's participants (their home places) plus people typed in; saved plans with
//! scenarios side by side, a per-person table, the k curve, a world map, a CSV budget,
//! and adopting a host as the convening's place.
//! Planning pages are for stewards: they show where people live.

use super::convening::steward_convening;
use super::plan_jobs::{Busy, JobState};
use super::travel_model::community_model;
use super::{AppError, AppState, Ctx, Page, see_other};
use crate::planner::{
    self, CandidateSource, MapOptions, Objective, PlaceLookupError, PlanAnswer, PlanError, PlanRequest, Traveller,
};
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
        .route("/plans/{id}/delete", post(delete_plan))
}

/// The form as typed.
#[derive(Debug, Clone, Deserialize)]
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
}

/// A message for the form, translated when the page is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub(super) fn new(key: &'static str, args: &[(&'static str, &str)]) -> Self {
        Self { key, args: args.iter().map(|(k, v)| (*k, (*v).to_string())).collect() }
    }
    /// A message about one line of the people list.
    fn line(key: &'static str, line: usize, args: &[(&'static str, &str)]) -> Self {
        let mut m = Self::new(key, args);
        m.args.push(("line", line.to_string()));
        m
    }
    pub fn render(&self, ctx: &Ctx) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ctx.ta(self.key, &args)
    }
}

/// Reads "Name; Place[; people]" or "Name; lat, lon[; people]" lines (`#` starts a
/// comment) into travellers, each keeping its place as resolved ("Nairobi, KE") or
/// typed coordinates. Every bad line is reported with its number; place problems
/// offer the closest known places; a number of people must be 1 or more.
pub fn parse_people_up_to(text: &str, max_people: usize) -> Result<Vec<Traveller>, Vec<Msg>> {
    let mut people = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let n = n + 1;
        let (name, where_, weight) = match parts.as_slice() {
            [name, place] => (*name, *place, "1"),
            [name, place, w] => (*name, *place, *w),
            _ => {
                errors.push(Msg::line("plan-err-format", n, &[]));
                continue;
            }
        };
        if name.is_empty() || where_.is_empty() {
            errors.push(Msg::line("plan-err-missing", n, &[]));
            continue;
        }
        let weight = match weight.parse::<u32>() {
            Ok(0) => {
                errors.push(Msg::line("plan-err-weight-zero", n, &[]));
                continue;
            }
            Ok(w) if w > planner::MAX_WEIGHT => {
                errors.push(Msg::line("plan-err-weight-large", n, &[("max", &planner::MAX_WEIGHT.to_string())]));
                continue;
            }
            Ok(w) => w,
            Err(_) => {
                errors.push(Msg::line("plan-err-weight", n, &[("value", weight)]));
                continue;
            }
        };
        let coords = where_
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
        let (place, lat, lon) = if let Some((lat, lon)) = coords {
            if Traveller::at(name, lat, lon, 1).is_err() {
                errors.push(Msg::line("plan-err-coordinates", n, &[]));
                continue;
            }
            (format!("{lat}, {lon}"), lat, lon)
        } else {
            match planner::resolve(where_) {
                Ok(p) => (p.label(), p.lat, p.lon),
                Err(PlaceLookupError::Unknown { query, suggestions }) => {
                    let s: Vec<String> = suggestions.iter().map(planner::Place::label).collect();
                    errors.push(Msg::line(
                        "plan-err-unknown",
                        n,
                        &[("place", &query), ("suggestions", &s.join(" · "))],
                    ));
                    continue;
                }
                Err(PlaceLookupError::Ambiguous { query, matches }) => {
                    let s: Vec<String> = matches.iter().take(5).map(planner::Place::label).collect();
                    errors.push(Msg::line(
                        "plan-err-ambiguous",
                        n,
                        &[("place", &query), ("suggestions", &s.join(" · "))],
                    ));
                    continue;
                }
            }
        };
        match Traveller::at(name, lat, lon, weight) {
            Ok(t) => people.push(Traveller { place: Some(place), ..t }),
            Err(_) => errors.push(Msg::line("plan-err-coordinates", n, &[])),
        }
    }
    if people.len() > max_people {
        errors.push(Msg::new("plan-err-too-many", &[("max", &max_people.to_string())]));
    }
    if people.is_empty() && errors.is_empty() {
        errors.push(Msg::new("plan-err-empty", &[]));
    }
    if errors.is_empty() { Ok(people) } else { Err(errors) }
}

/// The form as a planner request: the people list, objective, k, hosts and
/// exclusions; every other field keeps the planner's defaults (the same as the
/// command line's), and the community's travel model comes along.
fn parse_form(
    f: &PlanForm,
    model: planner::TravelModel,
    limits: &crate::config::PlannerConfig,
) -> Result<PlanRequest, Vec<Msg>> {
    let people = parse_people_up_to(&f.people, limits.max_people);
    let mut errors = people.as_ref().err().cloned().unwrap_or_default();
    let objective = if f.objective.is_empty() { Ok(Objective::TotalCost) } else { f.objective.parse::<Objective>() };
    if objective.is_err() {
        errors.push(Msg::new("plan-err-objective", &[]));
    }
    let k = f.k.trim().parse::<usize>().unwrap_or(0);
    if !(1..=limits.max_k).contains(&k) {
        errors.push(Msg::new("plan-err-k", &[("max", &limits.max_k.to_string())]));
    }
    let candidates = if f.candidates == "airports" { CandidateSource::Airports } else { CandidateSource::Cities };
    let min_population = match f.min_population.trim() {
        "" => Some(planner::DEFAULT_MIN_POPULATION),
        text => text.replace([',', ' ', '_', '\u{a0}', '\u{202f}'], "").parse::<u64>().ok(),
    };
    if min_population.is_none() {
        errors.push(Msg::new("plan-err-population", &[]));
    }
    match (people, objective, min_population) {
        (Ok(travellers), Ok(objective), Some(min_population)) if errors.is_empty() => {
            let exclude = f.exclude.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect();
            Ok(PlanRequest {
                travellers,
                objective,
                k,
                candidates,
                min_population,
                exclude,
                model,
                time_limit_secs: limits.time_limit_seconds.clamp(1, 3600),
                ..PlanRequest::default()
            })
        }
        _ => Err(errors),
    }
}

/// What the planner refused, for the form in the reader's language.
fn refusal(e: &PlanError) -> Msg {
    match e {
        PlanError::NoTravellers => Msg::new("plan-err-empty", &[]),
        PlanError::NoCandidates { excluded, .. } if *excluded > 0 => {
            Msg::new("plan-err-all-excluded", &[("count", &excluded.to_string())])
        }
        PlanError::NoCandidates { hosts: CandidateSource::Cities, min_population, .. } => {
            Msg::new("plan-err-no-cities", &[("population", &min_population.to_string())])
        }
        PlanError::NoCandidates { .. } => Msg::new("plan-err-no-candidates", &[]),
        PlanError::ZeroK => Msg::new("plan-err-k", &[("max", &MAX_K.to_string())]),
        PlanError::KExceedsCandidates { candidates, .. } => {
            Msg::new("plan-err-k-candidates", &[("candidates", &candidates.to_string())])
        }
        PlanError::KExceedsPlaces { places, .. } => Msg::new("plan-err-k-places", &[("places", &places.to_string())]),
        PlanError::InvalidModel(_) => Msg::new("plan-err-model", &[]),
        // The form cannot produce these: its lines are checked one by one above (weights,
        // coordinates), its limits are the planner's defaults, it reads no CSV.
        _ => super::plan_options::refusal(e)
            .unwrap_or_else(|| Msg::new("plan-err-solver", &[("message", &e.to_string())])),
    }
}

/// Runs the planner off the async workers (it is CPU-bound).
async fn answer(request: PlanRequest) -> Result<(PlanRequest, PlanAnswer), Msg> {
    match tokio::task::spawn_blocking(move || planner::plan(&request, &mut |_| {}).map(|a| (request, a))).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(refusal(&e)),
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
    let form = PlanForm {
        people: prefill(&state, &convening).await?,
        objective: "total-cost".into(),
        k: "1".into(),
        candidates: "cities".into(),
        min_population: planner::DEFAULT_MIN_POPULATION.to_string(),
        exclude: String::new(),
        name: String::new(),
    };
    let plans = state.store.plans(id).await?;
    Ok(Page(FormPage { ctx, convening, form, errors: Vec::new(), plans }).into_response())
}

async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    let (convening, community) = steward_convening(&state, &ctx, id).await?;
    let result = parse_form(&form, community_model(&state, community.id).await?, &state.config.planner);
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
async fn load_plan(
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
struct PlanPage {
    ctx: Ctx,
    plan: Plan,
    convening: Convening,
    params: PlanRequest,
    result: PlanAnswer,
}

/// Money and quantities without invented precision: whole units, thousands grouped.
pub fn whole(x: &f64) -> String {
    let n = x.round();
    let s = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

pub fn one_decimal(x: &f64) -> String {
    format!("{x:.1}")
}

pub fn percent(x: &f64) -> String {
    format!("{:.1} %", x * 100.0)
}

impl PlanPage {
    /// Hosts as "City, Country", the country named in the reader's language.
    fn hosts_of(&self, hosts: &[planner::Host]) -> String {
        let lang = self.ctx.lang.code();
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
    let svg = planner::render_svg(chosen(&result, &which), &MapOptions { width: 960, title: ctx.t("plan-map-title") });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_lines_take_places_or_coordinates_and_report_bad_lines() {
        let ok = parse_people_up_to("# a comment\nJohn; Nairobi\nCharles; 6.45, 3.39; 2\n", 5_000).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].place.as_deref(), Some("Nairobi, KE"));
        assert_eq!((ok[1].weight, ok[1].position.lat), (2, 6.45));
        assert_eq!(ok[1].place.as_deref(), Some("6.45, 3.39"));
        let errs = parse_people_up_to("A; Nairobbi\nB\nC; 95, 10\nD; Lagos; many", 5_000).unwrap_err();
        let keys: Vec<_> = errs.iter().map(|m| m.key).collect();
        assert_eq!(keys, ["plan-err-unknown", "plan-err-format", "plan-err-coordinates", "plan-err-weight"]);
        let lines: Vec<_> = errs.iter().map(|m| m.args.iter().find(|(k, _)| *k == "line").unwrap().1.clone()).collect();
        assert_eq!(lines, ["1", "2", "3", "4"]);
        assert!(errs[0].args.iter().any(|(k, v)| *k == "suggestions" && v.contains("Nairobi, KE")));
        assert!(parse_people_up_to("", 5_000).is_err());
    }

    #[test]
    fn figures_are_rounded_and_grouped() {
        assert_eq!(whole(&1_234_567.4), "1,234,567");
        assert_eq!(whole(&475.0), "475");
        assert_eq!(percent(&0.0079), "0.8 %");
    }

    #[test]
    fn a_weight_that_would_wrap_is_refused_with_its_line() {
        let errs = parse_people_up_to("A; Nairobi; 4294967295\nB; Lagos; 100001\nC; Accra; 100000", 5_000).unwrap_err();
        let keys: Vec<_> = errs.iter().map(|m| m.key).collect();
        assert_eq!(keys, ["plan-err-weight-large", "plan-err-weight-large"]);
        let req = PlanRequest {
            travellers: vec![Traveller::at("X", 1.0, 2.0, 4_294_967_295).unwrap()],
            ..PlanRequest::default()
        };
        assert!(matches!(planner::plan(&req, &mut |_| {}), Err(PlanError::WeightTooLarge { .. })));
        let csv = "name,place,weight\nA,Nairobi,4294967295\n";
        assert!(planner::read_travellers(csv.as_bytes()).is_err());
    }
}
