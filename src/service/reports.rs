//! Sense-making: stewards record effect data (indicator observations) and costs; anyone
//! who may read a community's report gets it computed from stories without their
//! words, the participants, the aspirations, the observations and the costs (recorded,
//! or estimated from the adopted plan or the travel model).
//!
//! Who may read a report: the community's members and stewards (and the site admin);
//! everyone else only once a steward has published the community's report. The report
//! value is the same for every reader — aggregate counts over every story (the pages say
//! so), quotes from public stories only, names only where the teller allowed.

use super::{Actor, Result, ServiceError, convening, current_framework, stewarded, stewarded_convening};
use crate::analysis::matrix::{Matrix, matrix, matrix_as_of};
use crate::analysis::report::{
    self, CommunityRef, CommunityReport, ConveningInput, ConveningRef, ConveningReport, CostInput, CostSource,
};
use crate::domain::Viewer;
use crate::domain::convening::Mode;
use crate::domain::evidence::{CostDraft, Costs, ObservationDraft};
use crate::domain::framework::Framework;
use crate::domain::story::Story;
use crate::store::{Community, Convening, FrameworkVersion, Observation, Scope, Store};
use std::collections::HashMap;
use std::sync::Arc;

/// Quotes per cycle in a report.
pub const QUOTES_PER_CYCLE: usize = 2;
/// How many of the newest public stories quotes are chosen from.
const QUOTE_POOL: usize = 200;

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// A steward records an indicator observation for a convening.
pub async fn record_observation(store: &Store, actor: &Actor, id: i64, d: &ObservationDraft) -> Result<Observation> {
    let (_, c) = stewarded_convening(store, actor, id).await?;
    let fw = current_framework(store, &c).await?;
    let o = d.validate(&fw.framework, today()).map_err(ServiceError::Invalid)?;
    Ok(store.add_observation(id, &o, actor.user_id()).await?)
}

/// A steward removes an observation (recorded by mistake).
pub async fn delete_observation(store: &Store, actor: &Actor, observation_id: i64) -> Result<i64> {
    let o = store.observation(observation_id).await?.ok_or(ServiceError::NotFound)?;
    stewarded_convening(store, actor, o.convening_id).await?;
    store.delete_observation(observation_id).await?;
    Ok(o.convening_id)
}

/// A convening's observations: members and stewards (effect data is aggregate, but
/// notes and sources are the community's own).
pub async fn observations(store: &Store, actor: &Actor, id: i64) -> Result<Vec<Observation>> {
    let (_, _, v) = convening(store, actor, id).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.observations(Scope::Convening(id)).await?)
}

/// A steward records what a convening cost (replacing what was recorded before).
pub async fn set_costs(store: &Store, actor: &Actor, id: i64, d: &CostDraft) -> Result<Costs> {
    stewarded_convening(store, actor, id).await?;
    let costs = d.validate().map_err(ServiceError::Invalid)?;
    store.set_costs(id, &costs, actor.user_id()).await?;
    Ok(costs)
}

/// A steward removes the recorded costs (the report falls back to the estimate).
pub async fn clear_costs(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    stewarded_convening(store, actor, id).await?;
    Ok(store.clear_costs(id).await?)
}

/// Recorded costs and the estimate the report would use without them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CostView {
    pub recorded: Option<Costs>,
    pub estimate: Option<CostInput>,
}

pub async fn costs(store: &Store, actor: &Actor, id: i64) -> Result<CostView> {
    let (cv, c, v) = convening(store, actor, id).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    let recorded = store.costs(Scope::Convening(id)).await?.into_iter().next().map(|(_, c)| c);
    let n = store.attendance(Scope::Convening(id)).await?.len();
    let model = travel_model(store, c.id).await?;
    let plans = plans_needed(store, std::slice::from_ref(&cv), Scope::Convening(id)).await?;
    let estimate = estimate(&cv, &model, n, &plans);
    Ok(CostView { recorded, estimate })
}

async fn travel_model(store: &Store, community_id: i64) -> Result<crate::planner::TravelModel> {
    let json = store.travel_model(community_id).await?;
    if json.trim().is_empty() {
        return Ok(crate::planner::TravelModel::default());
    }
    serde_json::from_str(&json)
        .map_err(|e| ServiceError::Store(crate::store::StoreError::Corrupt(format!("travel model: {e}"))))
}

/// The saved plans' results of the convenings that may need them for an estimate (not
/// virtual, with a place), by convening, newest first — one query for the whole scope.
async fn plans_needed(store: &Store, convenings: &[Convening], scope: Scope) -> Result<HashMap<i64, Vec<String>>> {
    if !convenings.iter().any(|cv| cv.mode != Mode::Virtual.as_str() && !cv.place.trim().is_empty()) {
        return Ok(HashMap::new());
    }
    Ok(group(store.plan_results(scope).await?))
}

/// The estimate for a convening without recorded costs: a virtual one costs each
/// participant the travel model's connectivity; otherwise the newest saved plan whose
/// single-gathering host became the convening's place gives its travel cost and CO2.
fn estimate(
    cv: &Convening,
    model: &crate::planner::TravelModel,
    participants: usize,
    plans: &HashMap<i64, Vec<String>>,
) -> Option<CostInput> {
    if cv.mode == Mode::Virtual.as_str() {
        #[allow(clippy::cast_precision_loss)]
        let n = participants as f64;
        return Some(CostInput {
            currency: model.currency.clone(),
            travel: 0.0,
            venue: 0.0,
            other: model.virtual_cost_per_person * n,
            co2_kg: Some(model.virtual_co2_kg_per_person * n),
            source: CostSource::Connectivity,
            co2_estimated: true,
        });
    }
    if cv.place.trim().is_empty() {
        return None;
    }
    plans.get(&cv.id)?.iter().find_map(|result| plan_estimate(result, &cv.place))
}

/// The one-gathering scenario of a saved plan's result whose host is `place`.
fn plan_estimate(result: &str, place: &str) -> Option<CostInput> {
    let v: serde_json::Value = serde_json::from_str(result).ok()?;
    let scenarios = v.get("comparison")?.get("scenarios")?.as_array()?;
    scenarios.iter().find_map(|s| {
        if s.get("kind")?.as_str()? != "one_gathering" {
            return None;
        }
        let hosts = s.get("hosts")?.as_array()?;
        let named = hosts.iter().any(|h| {
            let name = h.get("name").and_then(|n| n.as_str()).unwrap_or_default();
            let country = h.get("country").and_then(|n| n.as_str()).unwrap_or_default();
            format!("{name}, {country}") == place
        });
        if !named {
            return None;
        }
        let t = s.get("totals")?;
        Some(CostInput {
            currency: t.get("currency")?.as_str()?.to_string(),
            travel: t.get("total_cost")?.as_f64()?,
            venue: 0.0,
            other: 0.0,
            co2_kg: t.get("total_co2_kg").and_then(serde_json::Value::as_f64),
            source: CostSource::Plan,
            co2_estimated: true,
        })
    })
}

/// Whether the actor may read the community's report.
async fn may_read_report(store: &Store, actor: &Actor, c: &Community) -> Result<Viewer> {
    let v = super::standing(store, actor, c.id).await?;
    if v >= Viewer::Member || store.report_published_at(c.id).await?.is_some() {
        Ok(v)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// A convening's stories without their words and its matrix now: what the convening
/// page, the matrix API and the reports count from. Kept in the store's memo while the
/// convening's data version and the framework are unchanged.
#[derive(Debug)]
pub struct ConveningFacts {
    /// Hidden stories included (the counts leave them out), ordered by id.
    pub stories: Vec<Story>,
    pub matrix: Matrix,
}

const FACTS: &str = "facts";
const CONVENING_REPORT: &str = "convening-report";
const COMMUNITY_REPORT: &str = "community-report";

fn memo_get<T: std::any::Any + Send + Sync>(store: &Store, kind: &'static str, id: i64, v: &[i64]) -> Option<Arc<T>> {
    store.memo()?.get(kind, id, v)
}

fn memo_put<T: std::any::Any + Send + Sync>(
    store: &Store,
    kind: &'static str,
    id: i64,
    v: &[i64],
    x: &Arc<T>,
    w: usize,
) {
    if let Some(m) = store.memo() {
        m.put(kind, id, v, x.clone(), w);
    }
}

/// A convening's facts (from the memo when its data has not changed since).
pub async fn convening_facts(store: &Store, id: i64, framework: &FrameworkVersion) -> Result<Arc<ConveningFacts>> {
    // The version first: data read after it is at least as new.
    let v = store.convening_versions(id).await?.ok_or(ServiceError::NotFound)?;
    let key = [v.convening, framework.id];
    if let Some(f) = memo_get(store, FACTS, id, &key) {
        return Ok(f);
    }
    let stories = store.story_facts(Scope::Convening(id)).await?;
    let n = store.participants(id).await?.len();
    let f = Arc::new(ConveningFacts { matrix: matrix(&framework.framework, &stories, n), stories });
    memo_put(store, FACTS, id, &key, &f, f.stories.len());
    Ok(f)
}

/// The facts of several convenings of a community at the versions given (read before
/// calling): those the memo holds, and the rest loaded in one pass (the whole community
/// when many changed, else convening by convening).
async fn facts_of(
    store: &Store,
    community_id: i64,
    framework: &FrameworkVersion,
    versions: &[(i64, i64)],
    participants: &HashMap<i64, usize>,
) -> Result<HashMap<i64, Arc<ConveningFacts>>> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    for &(id, v) in versions {
        match memo_get(store, FACTS, id, &[v, framework.id]) {
            Some(f) => {
                out.insert(id, f);
            }
            None => missing.push((id, v)),
        }
    }
    let mut loaded: HashMap<i64, Vec<Story>> = HashMap::new();
    if missing.len() > 4 {
        loaded =
            group(store.story_facts(Scope::Community(community_id)).await?.into_iter().map(|s| (s.convening_id, s)));
    } else {
        for &(id, _) in &missing {
            loaded.insert(id, store.story_facts(Scope::Convening(id)).await?);
        }
    }
    for (id, v) in missing {
        let stories = loaded.remove(&id).unwrap_or_default();
        let n = participants.get(&id).copied().unwrap_or(0);
        let f = Arc::new(ConveningFacts { matrix: matrix(&framework.framework, &stories, n), stories });
        memo_put(store, FACTS, id, &[v, framework.id], &f, f.stories.len());
        out.insert(id, f);
    }
    Ok(out)
}

/// The matrix of a convening for anyone who may see the convening: now (from the
/// memo when nothing changed) or as of a date (YYYY-MM-DD, checked by the caller).
pub async fn convening_matrix(store: &Store, actor: &Actor, id: i64, as_of: Option<&str>) -> Result<Matrix> {
    let (_, c, _) = convening(store, actor, id).await?;
    let fw = current_framework(store, &c).await?;
    if as_of.is_none() {
        return Ok(convening_facts(store, id, &fw).await?.matrix.clone());
    }
    // As of a date: the revisions the stories had then.
    let stories = store.stories(id).await?;
    let revisions = store.convening_revisions(id).await?;
    let n = store.participants(id).await?.len();
    Ok(matrix_as_of(&fw.framework, &stories, &revisions, n, as_of))
}

/// What an anonymous reading of a convening (its page, its matrix) depends on: the
/// convening's and its community's data versions. Anyone may see any convening today
/// (communities are public; a story shows only as its teller chose), so this is the whole
/// check for a reader who is not signed in: a rendered response kept at these versions
/// may be served to any other anonymous reader. A community that could hide its
/// convenings would have to refuse here.
pub async fn anonymous_versions(store: &Store, id: i64) -> Result<[i64; 2]> {
    let v = store.convening_versions(id).await?.ok_or(ServiceError::NotFound)?;
    Ok([v.convening, v.community])
}

/// Everything a community's reports are computed from, loaded once.
struct Inputs {
    framework: Framework,
    convenings: Vec<Convening>,
    facts: HashMap<i64, Arc<ConveningFacts>>,
    attendees: HashMap<i64, Vec<crate::store::Attendee>>,
    aspirations: HashMap<i64, Vec<crate::store::Aspiration>>,
    observations: HashMap<i64, Vec<Observation>>,
    costs: HashMap<i64, CostInput>,
    new_pairs: HashMap<i64, usize>,
}

fn convening_ref(cv: &Convening) -> ConveningRef {
    ConveningRef {
        id: cv.id,
        title: cv.title.clone(),
        mode: Mode::parse(&cv.mode).unwrap_or(Mode::InPerson),
        starts_on: cv.starts_on.clone(),
        ends_on: cv.ends_on.clone(),
        status: cv.status.clone(),
    }
}

fn group<T>(v: impl IntoIterator<Item = (i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut m: HashMap<i64, Vec<T>> = HashMap::new();
    for (k, x) in v {
        m.entry(k).or_default().push(x);
    }
    m
}

/// Loads a report's inputs; `versions` are the convenings' data versions, read before.
async fn load(store: &Store, c: &Community, only: Option<i64>, versions: &[(i64, i64)]) -> Result<Inputs> {
    // Read again after the versions: the caller's copy may be older than them.
    let c = &store.community_by_id(c.id).await?.ok_or(ServiceError::NotFound)?;
    let fw = current_framework(store, c).await?;
    let mut convenings = store.convenings(c.id).await?;
    convenings.sort_by(|a, b| a.starts_on.cmp(&b.starts_on).then(a.id.cmp(&b.id)));
    let scope = only.map_or(Scope::Community(c.id), Scope::Convening);
    // New pairs need every earlier convening's attendance, whatever the scope.
    let all_attendance = store.attendance(Scope::Community(c.id)).await?;
    let order: HashMap<i64, usize> = convenings.iter().enumerate().map(|(i, cv)| (cv.id, i)).collect();
    let pairs_in: Vec<(usize, (u8, i64))> = all_attendance
        .iter()
        .filter_map(|a| order.get(&a.convening_id).map(|&i| (i, report::attendee_key(a))))
        .collect();
    let fresh = report::new_pairs(convenings.len(), &pairs_in);
    let new_pairs = convenings.iter().zip(fresh).map(|(cv, n)| (cv.id, n)).collect();
    let attendees = group(all_attendance.into_iter().map(|a| (a.convening_id, a)));
    let counts: HashMap<i64, usize> = attendees.iter().map(|(id, a)| (*id, a.len())).collect();
    let wanted: Vec<(i64, i64)> = versions.iter().copied().filter(|(id, _)| only.is_none_or(|o| o == *id)).collect();
    let facts = facts_of(store, c.id, &fw, &wanted, &counts).await?;
    let aspirations = group(store.aspirations_in(scope).await?.into_iter().map(|a| (a.convening_id, a)));
    let observations = group(store.observations(scope).await?.into_iter().map(|o| (o.convening_id, o)));
    let recorded: HashMap<i64, Costs> = store.costs(scope).await?.into_iter().collect();
    let model = travel_model(store, c.id).await?;
    let in_scope: Vec<Convening> = convenings.iter().filter(|cv| only.is_none_or(|id| id == cv.id)).cloned().collect();
    let plans = plans_needed(store, &in_scope, scope).await?;
    let mut costs = HashMap::new();
    for cv in &in_scope {
        let n = counts.get(&cv.id).copied().unwrap_or(0);
        let cost = match recorded.get(&cv.id) {
            Some(r) => {
                let est = if r.co2_kg.is_none() { estimate(cv, &model, n, &plans) } else { None };
                let co2 = est.as_ref().and_then(|e| e.co2_kg);
                Some(CostInput {
                    currency: r.currency.clone(),
                    travel: r.travel,
                    venue: r.venue,
                    other: r.other,
                    co2_kg: r.co2_kg.or(co2),
                    source: CostSource::Recorded,
                    co2_estimated: r.co2_kg.is_none() && co2.is_some(),
                })
            }
            None => estimate(cv, &model, n, &plans),
        };
        if let Some(cost) = cost {
            costs.insert(cv.id, cost);
        }
    }
    Ok(Inputs { framework: fw.framework, convenings, facts, attendees, aspirations, observations, costs, new_pairs })
}

fn one(inputs: &Inputs, cv: &Convening) -> ConveningReport {
    let r = convening_ref(cv);
    report::convening_report(
        &ConveningInput {
            convening: &r,
            framework: &inputs.framework,
            stories: inputs.facts.get(&cv.id).map_or(&[][..], |f| &f.stories),
            attendees: inputs.attendees.get(&cv.id).map_or(&[][..], Vec::as_slice),
            aspirations: inputs.aspirations.get(&cv.id).map_or(&[][..], Vec::as_slice),
            observations: inputs.observations.get(&cv.id).map_or(&[][..], Vec::as_slice),
            cost: inputs.costs.get(&cv.id),
            matrix: inputs.facts.get(&cv.id).map(|f| &f.matrix),
        },
        inputs.new_pairs.get(&cv.id).copied().unwrap_or(0),
    )
}

async fn quotes(store: &Store, framework: &Framework, scope: Scope) -> Result<Vec<report::Quote>> {
    let ids = store.public_story_ids(scope, QUOTE_POOL).await?;
    let stories = store.stories_by_id(&ids).await?;
    Ok(report::quotes(framework, &stories, QUOTES_PER_CYCLE))
}

/// One convening's report, with the community it belongs to. The report is the same for
/// every reader, so it is kept in the memo until the community's data changes (a
/// convening's report also counts who met for the first time, which needs the others).
pub async fn convening_report(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(ConveningReport, Community, Framework)> {
    let (_, c, _) = convening(store, actor, id).await?;
    may_read_report(store, actor, &c).await?;
    let (version, versions) = store.community_versions(c.id).await?;
    let key = [version];
    if let Some(hit) = memo_get::<(ConveningReport, Framework)>(store, CONVENING_REPORT, id, &key) {
        let (r, fw) = (*hit).clone();
        return Ok((r, c, fw));
    }
    let inputs = load(store, &c, Some(id), &versions).await?;
    let cv = inputs.convenings.iter().find(|cv| cv.id == id).ok_or(ServiceError::NotFound)?;
    let mut r = one(&inputs, cv);
    r.quotes = quotes(store, &inputs.framework, Scope::Convening(id)).await?;
    memo_put(store, CONVENING_REPORT, id, &key, &Arc::new((r.clone(), inputs.framework.clone())), 1);
    Ok((r, c, inputs.framework))
}

/// The community's headline report: every convening, by mode, compared. Kept in the
/// memo until the community's data changes; when one convening changed, only its
/// stories are loaded again.
pub async fn community_report(
    store: &Store,
    actor: &Actor,
    slug: &str,
) -> Result<(CommunityReport, Community, Framework)> {
    let (c, _) = super::community(store, actor, slug).await?;
    may_read_report(store, actor, &c).await?;
    let (version, versions) = store.community_versions(c.id).await?;
    let key = [version];
    if let Some(hit) = memo_get::<(CommunityReport, Framework)>(store, COMMUNITY_REPORT, c.id, &key) {
        let (r, fw) = (*hit).clone();
        return Ok((r, c, fw));
    }
    let inputs = load(store, &c, None, &versions).await?;
    let reports: Vec<ConveningReport> = inputs.convenings.iter().map(|cv| one(&inputs, cv)).collect();
    let mut r = report::community_report(
        CommunityRef { slug: c.slug.clone(), name: c.name.clone() },
        &inputs.framework,
        &reports,
    );
    r.quotes = quotes(store, &inputs.framework, Scope::Community(c.id)).await?;
    memo_put(store, COMMUNITY_REPORT, c.id, &key, &Arc::new((r.clone(), inputs.framework.clone())), 1);
    Ok((r, c, inputs.framework))
}

/// A steward publishes (or withdraws) the community's report.
pub async fn publish_report(store: &Store, actor: &Actor, slug: &str, published: bool) -> Result<Option<String>> {
    let c = stewarded(store, actor, slug).await?;
    store.set_report_published(c.id, published).await?;
    Ok(store.report_published_at(c.id).await?)
}

/// When the community's report was published, for anyone who can see the community.
pub async fn published_at(store: &Store, slug: &str) -> Result<Option<String>> {
    let c = store.community(slug).await?.ok_or(ServiceError::NotFound)?;
    Ok(store.report_published_at(c.id).await?)
}

/// Stories per page of the full matrix.
pub const ROWS_PER_PAGE: usize = 50;
/// Words shown per cell of the full matrix.
const CELL_EXCERPT: usize = 90;

/// The matrix in full for a community, filtered: the counts over every matching story,
/// the observations per cycle, and one page of the matching stories the actor may read
/// (newest first), each with its cells.
pub struct FullMatrix {
    pub community: Community,
    pub framework: Framework,
    pub viewer: Viewer,
    pub convenings: Vec<Convening>,
    pub waves: Vec<crate::store::Wave>,
    pub summary: crate::analysis::matrix::Matrix,
    /// Observations recorded for each cycle's indicators (in the filtered convenings).
    pub observations: Vec<usize>,
    pub rows: Vec<(crate::domain::story::Story, Vec<Option<crate::analysis::table::StepCell>>)>,
    /// Matching stories the actor may read (all pages).
    pub readable: usize,
    pub page: usize,
    pub pages: usize,
}

pub async fn full_matrix(
    store: &Store,
    actor: &Actor,
    slug: &str,
    filter: &crate::analysis::table::Filter,
    page: usize,
) -> Result<FullMatrix> {
    let c = store.community(slug).await?.ok_or(ServiceError::NotFound)?;
    let viewer = may_read_report(store, actor, &c).await?;
    // The versions first, then the data (stories without their words from the memo).
    let (_, versions) = store.community_versions(c.id).await?;
    let c = store.community_by_id(c.id).await?.ok_or(ServiceError::NotFound)?;
    let fw = current_framework(store, &c).await?;
    let convenings = store.convenings(c.id).await?;
    let mode: HashMap<i64, Mode> =
        convenings.iter().map(|cv| (cv.id, Mode::parse(&cv.mode).unwrap_or(Mode::InPerson))).collect();
    let waves = store.waves_in(Scope::Community(c.id)).await?;
    let attendance = store.attendance(Scope::Community(c.id)).await?;
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for a in &attendance {
        *counts.entry(a.convening_id).or_default() += 1;
    }
    let facts = facts_of(store, c.id, &fw, &versions, &counts).await?;
    let in_scope =
        |id: i64| filter.convening.is_none_or(|c| c == id) && filter.mode.is_none_or(|m| mode.get(&id) == Some(&m));
    let mut matching: Vec<&Story> = versions
        .iter()
        .filter(|(id, _)| in_scope(*id))
        .filter_map(|(id, _)| facts.get(id))
        .flat_map(|f| &f.stories)
        .filter(|s| filter.matches(s, mode.get(&s.convening_id).copied().unwrap_or(Mode::InPerson)))
        .collect();
    matching.sort_by_key(|s| s.id);
    let framework = fw.framework;
    let participants = attendance.iter().filter(|a| in_scope(a.convening_id)).count();
    let summary = crate::analysis::matrix::matrix_of(&framework, &matching, participants);
    let observations_all = store.observations(Scope::Community(c.id)).await?;
    let observations = framework
        .cycles
        .iter()
        .map(|cy| {
            observations_all
                .iter()
                .filter(|o| in_scope(o.convening_id) && cy.indicators.iter().any(|i| i.key == o.indicator))
                .count()
        })
        .collect();
    let mut readable: Vec<&Story> =
        matching.iter().copied().filter(|s| super::stories::may_read(actor, viewer, s)).collect();
    readable.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let pages = readable.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let ids: Vec<i64> = readable.iter().skip((page - 1) * ROWS_PER_PAGE).take(ROWS_PER_PAGE).map(|s| s.id).collect();
    let rows = store
        .stories_by_id(&ids)
        .await?
        .into_iter()
        .map(|s| {
            let cells = crate::analysis::table::cells(&framework, &s, CELL_EXCERPT);
            (s, cells)
        })
        .collect();
    Ok(FullMatrix {
        community: c,
        framework,
        viewer,
        convenings,
        waves,
        summary,
        observations,
        rows,
        readable: readable.len(),
        page,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::plan_estimate;

    #[test]
    fn the_estimate_is_the_one_gathering_scenario_hosted_at_the_place() {
        let result = r#"{"comparison": {"scenarios": [
            {"kind": "one_gathering", "k": 1, "hosts": [{"name": "Nairobi", "country": "KE"}],
             "totals": {"total_cost": 12345.5, "total_co2_kg": 6789.0, "currency": "USD"}},
            {"kind": "virtual", "k": 0, "hosts": [], "totals": {"total_cost": 10.0, "total_co2_kg": 1.0, "currency": "USD"}}
        ]}}"#;
        let e = plan_estimate(result, "Nairobi, KE").unwrap();
        assert_eq!((e.travel, e.co2_kg, e.currency.as_str()), (12345.5, Some(6789.0), "USD"));
        assert!(plan_estimate(result, "Kisumu, KE").is_none());
        assert!(plan_estimate("not json", "Nairobi, KE").is_none());
    }
}
