//! Saving a point of the hybrid frontier as a plan of its own ("80 % in person
//! for 35 % of the CO2"), and showing a plan saved that way: who travels to
//! which hub and who joins online.

use axum::extract::{Form, Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::plan::{PlanPage, load_plan};
use super::{AppError, AppState, Ctx, see_other};
use crate::planner::{self, FrontierPoint, HybridPoint, Objective, PlanRequest};

/// The frontier point chosen: `k:in_person`, as the plan page's list offers them.
#[derive(Deserialize)]
pub(super) struct PointForm {
    #[serde(default)]
    point: String,
}

/// "80 % in person for 35 % of the CO2" (or of the cost), against everyone
/// travelling to the same k hubs.
pub(super) fn point_label(ctx: &Ctx, params: &PlanRequest, frontier: &[FrontierPoint], p: &FrontierPoint) -> String {
    let Some(full) = frontier.iter().find(|f| f.k == p.k) else { return String::new() };
    let by_co2 = params.objective == Objective::Co2;
    let (v, all) = if by_co2 { (p.co2_kg, full.co2_kg) } else { (p.cost, full.cost) };
    let share = if all > 0.0 { v / all } else { 1.0 };
    let key = if by_co2 { "plan-frontier-point-co2" } else { "plan-frontier-point-cost" };
    let pct = |x: f64| format!("{}\u{a0}%", crate::i18n::format_number(ctx.lang, x * 100.0, 1));
    ctx.ta(key, &[("share", &pct(p.in_person_share)), ("of", &pct(share))])
}

/// Saves the chosen frontier point as a new plan of the same convening and shows it.
pub(super) async fn save_point(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<PointForm>,
) -> Result<Response, AppError> {
    let (plan, convening, params, result) = load_plan(&state, &ctx, id).await?;
    let bad = || AppError::Invalid("plan-err-hybrid-point".into());
    let (k, in_person) = f.point.trim().split_once(':').ok_or_else(bad)?;
    let (k, in_person) = (k.parse::<usize>().map_err(|_| bad())?, in_person.parse::<u64>().map_err(|_| bad())?);
    let point = result.frontier.iter().find(|p| p.k == k && p.in_person == in_person).cloned().ok_or_else(bad)?;
    let label = point_label(&ctx, &params, &result.frontier, &point);
    let (request, answer, chosen) = (params.clone(), result.clone(), HybridPoint { k, in_person });
    // Solving again on k hubs is quick, but still CPU work: off the async workers.
    let choice = tokio::task::spawn_blocking(move || planner::choose_point(&request, &answer, chosen))
        .await
        .map_err(|_| bad())?
        .map_err(|_| bad())?;
    let mut params = params;
    params.hybrid_point = Some(chosen);
    let mut result = result;
    result.hybrid_choice = Some(choice);
    let name: String = format!("{} · k = {k} · {label}", plan.name).chars().take(200).collect();
    let (p, r) =
        (serde_json::to_string(&params).unwrap_or_default(), serde_json::to_string(&result).unwrap_or_default());
    let saved = crate::service::convenings::save_plan(&state.store, &ctx.actor(), convening.id, &name, &p, &r).await?;
    Ok(see_other(&format!("/plans/{}", saved.id)))
}

/// One row of a saved hybrid gathering, ready to show.
pub(super) struct HybridRowView {
    pub name: String,
    pub host: String,
    pub in_person: u32,
    pub online: u32,
    pub cost: String,
}

impl PlanPage {
    /// The frontier's points as `(value, label)` for the "save as a plan" list.
    pub(super) fn frontier_choices(&self) -> Vec<(String, String)> {
        self.result
            .frontier
            .iter()
            .map(|p| {
                let label = point_label(&self.ctx, &self.params, &self.result.frontier, p);
                (format!("{}:{}", p.k, p.in_person), format!("k = {} · {label}", p.k))
            })
            .collect()
    }

    /// The saved hybrid gathering in one sentence.
    pub(super) fn hybrid_sentence(&self) -> String {
        let Some(h) = &self.result.hybrid_choice else { return String::new() };
        let share = |v: f64, all: f64| if all > 0.0 { v / all } else { 1.0 };
        self.ctx.ta(
            "plan-hybrid-sentence",
            &[
                ("k", &h.k.to_string()),
                ("hubs", &h.hosts.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join(" · ")),
                ("in_person", &h.in_person.to_string()),
                ("online", &h.online.to_string()),
                ("cost", &format!("{} {}", self.n(&h.cost), self.params.model.currency)),
                ("cost_share", &self.pct(&share(h.cost, h.all_cost))),
                ("co2", &self.n(&h.co2_kg)),
                ("co2_share", &self.pct(&share(h.co2_kg, h.all_co2_kg))),
            ],
        )
    }

    /// Who travels to which hub and who joins online.
    pub(super) fn hybrid_rows(&self) -> Vec<HybridRowView> {
        let Some(h) = &self.result.hybrid_choice else { return Vec::new() };
        h.rows
            .iter()
            .map(|r| HybridRowView {
                name: r.name.clone(),
                host: if r.in_person > 0 {
                    h.hosts.get(r.host).map(|x| x.name.clone()).unwrap_or_default()
                } else {
                    String::new()
                },
                in_person: r.in_person,
                online: r.online,
                cost: self.n(&r.trip_cost),
            })
            .collect()
    }
}
