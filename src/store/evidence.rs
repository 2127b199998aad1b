//! What reports read beside the stories: indicator observations, costs, whether a
//! community published its report — and stories loaded lean (steps and outcomes without
//! their text), so that a report over many stories does not hold their words in memory.

use super::{Result, Store, StoreError, found, now};
use crate::domain::evidence::{Costs, NewObservation};
use crate::domain::story::{Step, StepKind, Story, Visibility};
use crate::domain::wave::{OutcomeStatus, StepOutcome};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

/// A stored observation.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Observation {
    pub id: i64,
    pub convening_id: i64,
    pub indicator: String,
    pub value: f64,
    pub unit: String,
    pub observed_on: String,
    pub source: String,
    pub note: String,
    pub recorded_by: Option<i64>,
    pub created_at: String,
}

const OBSERVATION: &str =
    "id, convening_id, indicator, value, unit, observed_on, source, note, recorded_by, created_at";

/// Which stories a lean load reads.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Convening(i64),
    Community(i64),
}

impl Scope {
    /// The filter for a table with a `convening_id` column.
    fn rows(self) -> (&'static str, i64) {
        match self {
            Scope::Convening(id) => ("convening_id = $1", id),
            Scope::Community(id) => ("convening_id IN (SELECT id FROM convenings WHERE community_id = $1)", id),
        }
    }

    fn stories(self) -> (&'static str, i64) {
        match self {
            Scope::Convening(id) => ("s.convening_id = $1", id),
            Scope::Community(id) => ("s.convening_id IN (SELECT id FROM convenings WHERE community_id = $1)", id),
        }
    }
}

impl Store {
    /// A convening's data version, its community's id and the community's data version
    /// (migration 0010), in one query; `None` for an unknown convening.
    pub async fn convening_versions(&self, convening_id: i64) -> Result<Option<DataVersions>> {
        const SQL: &str = "SELECT cv.data_version AS convening, c.id AS community_id, c.data_version AS community \
                           FROM convenings cv JOIN communities c ON c.id = cv.community_id WHERE cv.id = $1";
        if let Some(read) = self.direct().and_then(|d| {
            d.read(|c| {
                let row = c.prepare_cached(SQL)?.query_row([convening_id], |r| {
                    Ok(DataVersions { convening: r.get(0)?, community_id: r.get(1)?, community: r.get(2)? })
                });
                rusqlite::OptionalExtension::optional(row)
            })
        }) {
            return Ok(read);
        }
        let row = sqlx::query(SQL).bind(convening_id).fetch_optional(&mut *self.conn().await?).await?;
        row.map(|r| {
            Ok(DataVersions {
                convening: r.try_get("convening")?,
                community_id: r.try_get("community_id")?,
                community: r.try_get("community")?,
            })
        })
        .transpose()
    }

    /// A community's data version and each of its convenings' (by id), in one query.
    pub async fn community_versions(&self, community_id: i64) -> Result<(i64, Vec<(i64, i64)>)> {
        const SQL: &str = "SELECT c.data_version AS community, cv.id, cv.data_version FROM communities c \
                           LEFT JOIN convenings cv ON cv.community_id = c.id WHERE c.id = $1 ORDER BY cv.id";
        if let Some(read) = self.direct().and_then(|d| {
            d.read(|c| {
                let mut st = c.prepare_cached(SQL)?;
                let mut rows = st.query([community_id])?;
                let mut community = None;
                let mut convenings = Vec::new();
                while let Some(r) = rows.next()? {
                    community = Some(r.get::<_, i64>(0)?);
                    if let Some(id) = r.get::<_, Option<i64>>(1)? {
                        convenings.push((id, r.get(2)?));
                    }
                }
                Ok(community.map(|v| (v, convenings)))
            })
        }) {
            return read.ok_or(StoreError::NotFound);
        }
        let rows = sqlx::query(SQL).bind(community_id).fetch_all(&mut *self.conn().await?).await?;
        let first = rows.first().ok_or(StoreError::NotFound)?;
        let community = first.try_get("community")?;
        let mut convenings = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(id) = r.try_get::<Option<i64>, _>("id")? {
                convenings.push((id, r.try_get("data_version")?));
            }
        }
        Ok((community, convenings))
    }

    pub async fn add_observation(&self, convening_id: i64, o: &NewObservation, by: Option<i64>) -> Result<Observation> {
        let sql = format!(
            "INSERT INTO observations (convening_id, indicator, value, unit, observed_on, source, note, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {OBSERVATION}"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(convening_id)
            .bind(&o.indicator)
            .bind(o.value)
            .bind(&o.unit)
            .bind(crate::domain::convening::format_date(o.observed_on))
            .bind(&o.source)
            .bind(&o.note)
            .bind(by)
            .bind(now())
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    pub async fn observation(&self, id: i64) -> Result<Option<Observation>> {
        let sql = format!("SELECT {OBSERVATION} FROM observations WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    /// The observations in a scope, by date then id.
    pub async fn observations(&self, scope: Scope) -> Result<Vec<Observation>> {
        let (filter, id) = scope.rows();
        let sql = format!("SELECT {OBSERVATION} FROM observations WHERE {filter} ORDER BY observed_on, id");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// The aspirations of every convening in a scope, by convening then id (one query).
    pub async fn aspirations_in(&self, scope: Scope) -> Result<Vec<super::Aspiration>> {
        let (filter, id) = scope.rows();
        let sql = format!(
            "SELECT id, convening_id, cycle, text, author_user_id FROM aspirations WHERE {filter} ORDER BY convening_id, id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?)
    }

    pub async fn delete_observation(&self, id: i64) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM observations WHERE id = $1").bind(id).execute(&mut *self.conn().await?).await?;
        found(&done)
    }

    /// Records (or replaces) what a convening cost.
    pub async fn set_costs(&self, convening_id: i64, c: &Costs, by: Option<i64>) -> Result<()> {
        sqlx::query(
            "INSERT INTO convening_costs (convening_id, currency, travel, venue, other, co2_kg, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (convening_id) DO UPDATE SET currency = excluded.currency, \
             travel = excluded.travel, venue = excluded.venue, other = excluded.other, co2_kg = excluded.co2_kg, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(convening_id)
        .bind(&c.currency)
        .bind(c.travel)
        .bind(c.venue)
        .bind(c.other)
        .bind(c.co2_kg)
        .bind(by)
        .bind(now())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn clear_costs(&self, convening_id: i64) -> Result<()> {
        sqlx::query("DELETE FROM convening_costs WHERE convening_id = $1")
            .bind(convening_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Recorded costs by convening id, for a scope.
    pub async fn costs(&self, scope: Scope) -> Result<Vec<(i64, Costs)>> {
        let (filter, id) = scope.rows();
        let sql = format!(
            "SELECT convening_id, currency, travel, venue, other, co2_kg FROM convening_costs WHERE {filter} ORDER BY convening_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("convening_id")?,
                    Costs {
                        currency: r.try_get("currency")?,
                        travel: r.try_get("travel")?,
                        venue: r.try_get("venue")?,
                        other: r.try_get("other")?,
                        co2_kg: r.try_get("co2_kg")?,
                    },
                ))
            })
            .collect()
    }

    /// When the community's report was published (`None`: members only).
    pub async fn report_published_at(&self, community_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT report_published_at FROM communities WHERE id = $1")
            .bind(community_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("report_published_at")?)
    }

    pub async fn set_report_published(&self, community_id: i64, published: bool) -> Result<()> {
        let at = published.then(now);
        let done = sqlx::query("UPDATE communities SET report_published_at = $1 WHERE id = $2")
            .bind(at)
            .bind(community_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Stories without their words: the head (no title), steps with empty text, and
    /// outcomes with empty text — what every count needs. Hidden stories included
    /// (the analysis leaves them out); ordered by id, steps by position, outcomes by id.
    ///
    /// One row per convening, in which the database builds three JSON arrays — the
    /// stories' heads, their steps, their outcomes — so the driver hands over a few
    /// values per convening instead of a row per story, step and outcome (sqlx's `Any`
    /// driver costs microseconds a row), building JSON costs the database a fraction of
    /// what joining text with `||` does, and the rows are read one convening at a time,
    /// so memory holds one convening's text at once. Every element carries its story's
    /// id, so no order is asked of the database.
    pub async fn story_facts(&self, scope: Scope) -> Result<Vec<Story>> {
        let (filter, id) = match scope {
            Scope::Convening(id) => ("c.id = $1", id),
            Scope::Community(id) => ("c.community_id = $1", id),
        };
        // `indicators` is stored as JSON text: it goes into the array as JSON, not as a
        // string holding JSON, so it is read once and not parsed a second time.
        let (agg, arr, cast, indicators) = match self.backend() {
            super::Backend::Sqlite => ("json_group_array", "json_array", "", "json(p.indicators)"),
            super::Backend::Postgres => ("json_agg", "json_build_array", "::text", "p.indicators::json"),
        };
        let part = |cols: &str, from: &str| {
            format!("(SELECT COALESCE({agg}({arr}({cols})){cast}, '[]') FROM {from} WHERE s.convening_id = c.id)")
        };
        let sql = format!(
            "SELECT {} AS heads, {} AS steps, {} AS outcomes FROM convenings c WHERE {filter}",
            part(
                "s.id, s.convening_id, s.framework_id, s.teller_user_id, s.participant_id, s.language, s.visibility, \
                 CAST(s.show_name AS INTEGER), s.created_at, s.revision, s.updated_at, s.hidden, s.via_link, s.wave_id",
                "stories s",
            ),
            part(
                &format!("p.story_id, p.position, p.cycle, p.kind, {indicators}"),
                "stories s JOIN story_steps p ON p.story_id = s.id"
            ),
            part(
                "o.story_id, o.id, o.cycle, o.status, o.wave_id, o.revision, o.recorded_at",
                "stories s JOIN step_outcomes o ON o.story_id = s.id",
            ),
        );
        // One statement, so one snapshot on both databases.
        let mut stories = Vec::new();
        let mut c = self.conn().await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch(&mut *c);
        while let Some(row) = rows.try_next().await? {
            let (heads, steps, outcomes): (String, String, String) =
                (row.try_get("heads")?, row.try_get("steps")?, row.try_get("outcomes")?);
            facts_from_json(&heads, &steps, &outcomes, &mut stories)?;
        }
        stories.sort_unstable_by_key(|s| s.id);
        Ok(stories)
    }

    /// Ids of public, visible stories in a scope, newest first (at most `limit`): the
    /// pool representative quotes are chosen from.
    pub async fn public_story_ids(&self, scope: Scope, limit: usize) -> Result<Vec<i64>> {
        let (filter, id) = scope.stories();
        let sql = format!(
            "SELECT s.id FROM stories s WHERE {filter} AND s.visibility = 'public' AND s.hidden = 0 \
             ORDER BY s.created_at DESC, s.id DESC LIMIT {limit}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// The saved plans' results in a scope, by convening then newest first (one query for
    /// every convening's cost estimate).
    pub async fn plan_results(&self, scope: Scope) -> Result<Vec<(i64, String)>> {
        let (filter, id) = scope.rows();
        let sql = format!("SELECT convening_id, result FROM plans WHERE {filter} ORDER BY convening_id, id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(|r| Ok((r.try_get("convening_id")?, r.try_get("result")?))).collect()
    }

    /// The follow-up waves of every convening in a scope, by opening date (one query).
    pub async fn waves_in(&self, scope: Scope) -> Result<Vec<super::Wave>> {
        let (filter, id) = scope.rows();
        let sql = format!("SELECT {} FROM waves WHERE {filter} ORDER BY opens_on, id", super::waves::WAVE);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(super::waves::wave).collect()
    }

    /// Who takes part in the convenings of a scope (removed participants left out).
    pub async fn attendance(&self, scope: Scope) -> Result<Vec<Attendee>> {
        let (filter, id) = match scope {
            Scope::Convening(id) => ("p.convening_id = $1", id),
            Scope::Community(id) => ("p.convening_id IN (SELECT id FROM convenings WHERE community_id = $1)", id),
        };
        // One JSON array, as for the story facts: a community holds thousands of
        // attendees, and a row each through the driver cost more than the query.
        let (agg, arr, cast) = match self.backend() {
            super::Backend::Sqlite => ("json_group_array", "json_array", ""),
            super::Backend::Postgres => ("json_agg", "json_build_array", "::text"),
        };
        let sql = format!(
            "SELECT COALESCE({agg}({arr}(p.convening_id, p.id, p.user_id)){cast}, '[]') FROM participants p \
             WHERE {filter} AND p.removed_at IS NULL"
        );
        let json: String =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *self.conn().await?).await?;
        let rows: Vec<(i64, i64, Option<i64>)> = serde_json::from_str(&json).map_err(|e| corrupt("attendance", &e))?;
        let mut out: Vec<Attendee> = rows
            .into_iter()
            .map(|(convening_id, participant_id, user_id)| Attendee { convening_id, participant_id, user_id })
            .collect();
        out.sort_unstable_by_key(|a| (a.convening_id, a.participant_id));
        Ok(out)
    }
}

fn corrupt(what: &str, e: &impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("story facts ({what}): {e}"))
}

/// id, convening, framework, teller, participant, language, visibility, show name,
/// told at, revision, updated at, hidden, via link, wave.
type Head =
    (i64, i64, i64, Option<i64>, Option<i64>, String, Visibility, i64, String, i64, String, i64, i64, Option<i64>);
/// story, position, cycle, kind, indicators. The enums are read straight from their
/// names, and the indicators as the array they are: no string is made only to be parsed.
type StepRow = (i64, i64, String, StepKind, Vec<String>);
/// story, id, cycle, status, wave, revision, recorded at.
type OutcomeRow = (i64, i64, String, OutcomeStatus, Option<i64>, i64, String);

/// Reads one convening's three JSON arrays of [`Store::story_facts`] into `out`.
fn facts_from_json(heads: &str, steps: &str, outcomes: &str, out: &mut Vec<Story>) -> Result<()> {
    let heads: Vec<Head> = serde_json::from_str(heads).map_err(|e| corrupt("stories", &e))?;
    let mut steps: Vec<StepRow> = serde_json::from_str(steps).map_err(|e| corrupt("steps", &e))?;
    let mut outcomes: Vec<OutcomeRow> = serde_json::from_str(outcomes).map_err(|e| corrupt("outcomes", &e))?;
    let mut stories = Vec::with_capacity(heads.len());
    for (
        id,
        convening_id,
        framework_id,
        teller,
        participant,
        language,
        visibility,
        show_name,
        created_at,
        revision,
        updated_at,
        hidden,
        via_link,
        wave,
    ) in heads
    {
        stories.push(Story {
            id,
            convening_id,
            framework_id,
            teller_user_id: teller,
            participant_id: participant,
            teller_name: String::new(),
            title: String::new(),
            language,
            visibility,
            show_name: show_name != 0,
            created_at,
            steps: Vec::new(),
            revision,
            updated_at,
            hidden: hidden != 0,
            via_link: via_link != 0,
            wave_id: wave,
            outcomes: Vec::new(),
        });
    }
    stories.sort_unstable_by_key(|s| s.id);
    let at = |stories: &[Story], id: i64| stories.binary_search_by_key(&id, |s| s.id).ok();
    steps.sort_unstable_by_key(|s| (s.0, s.1));
    for (story, _, cycle, kind, indicators) in steps {
        let Some(i) = at(&stories, story) else { continue };
        stories[i].steps.push(Step { cycle, kind, text: String::new(), indicators });
    }
    outcomes.sort_unstable_by_key(|o| (o.0, o.1));
    for (story, _, cycle, status, wave_id, revision, recorded_at) in outcomes {
        let Some(i) = at(&stories, story) else { continue };
        stories[i].outcomes.push(StepOutcome { cycle, status, text: String::new(), wave_id, revision, recorded_at });
    }
    out.append(&mut stories);
    Ok(())
}

/// The data versions a cached value of a convening depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataVersions {
    pub convening: i64,
    pub community_id: i64,
    pub community: i64,
}

/// One participant of a convening, as the report counts people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendee {
    pub convening_id: i64,
    pub participant_id: i64,
    pub user_id: Option<i64>,
}
