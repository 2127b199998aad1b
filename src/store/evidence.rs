//! What reports read beside the stories: indicator observations, costs, whether a
//! community published its report — and stories loaded lean (steps and outcomes without
//! their text), so that a report over many stories does not hold their words in memory.

use super::{Result, Store, StoreError, found, now};
use crate::domain::evidence::{Costs, NewObservation};
use crate::domain::story::{Step, StepKind, Story};
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
        let row = sqlx::query(
            "SELECT cv.data_version AS convening, c.id AS community_id, c.data_version AS community \
             FROM convenings cv JOIN communities c ON c.id = cv.community_id WHERE cv.id = $1",
        )
        .bind(convening_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
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
        let rows = sqlx::query(
            "SELECT c.data_version AS community, cv.id, cv.data_version FROM communities c \
             LEFT JOIN convenings cv ON cv.community_id = c.id WHERE c.id = $1 ORDER BY cv.id",
        )
        .bind(community_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
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
    /// (the analysis leaves them out); ordered by id.
    ///
    /// The database packs each convening's stories into one text value (fields split by
    /// control characters that no key, date or language tag can hold), so the driver
    /// hands over one row per convening instead of a row per story, step and outcome —
    /// about ten times faster through sqlx's `Any` driver. [`unpack`] reads it back.
    pub async fn story_facts(&self, scope: Scope) -> Result<Vec<Story>> {
        let (agg, ch) = match self.backend() {
            super::Backend::Sqlite => ("group_concat", "char"),
            super::Backend::Postgres => ("string_agg", "chr"),
        };
        let (filter, id) = scope.stories();
        let text = |col: &str| format!("COALESCE(CAST({col} AS TEXT), '')");
        let f = format!(" || {ch}(31) || ");
        let steps = format!(
            "(SELECT {agg}(p.cycle || {ch}(29) || p.kind || {ch}(29) || p.indicators, {ch}(30) ORDER BY p.position) \
             FROM story_steps p WHERE p.story_id = s.id)"
        );
        let outcomes = format!(
            "(SELECT {agg}(o.cycle || {ch}(29) || o.status || {ch}(29) || {} || {ch}(29) || {} || {ch}(29) || o.recorded_at, \
             {ch}(30) ORDER BY o.id) FROM step_outcomes o WHERE o.story_id = s.id)",
            text("o.wave_id"),
            text("o.revision")
        );
        let line = [
            text("s.id"),
            text("s.teller_user_id"),
            text("s.participant_id"),
            text("s.framework_id"),
            "s.language".into(),
            "s.visibility".into(),
            text("CAST(s.show_name AS INTEGER)"),
            "s.created_at".into(),
            text("s.revision"),
            "s.updated_at".into(),
            text("s.hidden"),
            text("s.via_link"),
            text("s.wave_id"),
            format!("COALESCE({steps}, '')"),
            format!("COALESCE({outcomes}, '')"),
        ]
        .join(&f);
        let sql = format!(
            "SELECT s.convening_id, {agg}({line}, {ch}(10) ORDER BY s.id) AS packed FROM stories s WHERE {filter} \
             GROUP BY s.convening_id ORDER BY s.convening_id"
        );
        let mut stories = Vec::new();
        let mut c = self.conn().await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch(&mut *c);
        while let Some(r) = rows.try_next().await? {
            let convening_id: i64 = r.try_get("convening_id")?;
            let packed: String = r.try_get("packed")?;
            unpack(convening_id, &packed, &mut stories)?;
        }
        stories.sort_by_key(|s| s.id);
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
        let sql = format!(
            "SELECT p.convening_id, p.id, p.user_id FROM participants p WHERE {filter} AND p.removed_at IS NULL \
             ORDER BY p.convening_id, p.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(Attendee {
                    convening_id: r.try_get("convening_id")?,
                    participant_id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                })
            })
            .collect()
    }
}

fn corrupt(what: &str, line: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} in packed story '{}'", line.chars().take(40).collect::<String>()))
}

fn number<T: std::str::FromStr>(v: &str, what: &str, line: &str) -> Result<T> {
    v.parse().map_err(|_| corrupt(what, line))
}

fn optional(v: &str, what: &str, line: &str) -> Result<Option<i64>> {
    if v.is_empty() { Ok(None) } else { number(v, what, line).map(Some) }
}

/// Reads one convening's packed stories (see [`Store::story_facts`]) into `out`.
fn unpack(convening_id: i64, packed: &str, out: &mut Vec<Story>) -> Result<()> {
    for line in packed.split('\n') {
        let f: Vec<&str> = line.split('\u{1f}').collect();
        let [
            id,
            teller,
            participant,
            framework,
            language,
            visibility,
            show_name,
            created_at,
            revision,
            updated_at,
            hidden,
            via_link,
            wave,
            steps,
            outcomes,
        ] = f.as_slice()
        else {
            return Err(corrupt("field count", line));
        };
        let mut story = Story {
            id: number(id, "id", line)?,
            convening_id,
            framework_id: number(framework, "framework", line)?,
            teller_user_id: optional(teller, "teller", line)?,
            participant_id: optional(participant, "participant", line)?,
            teller_name: String::new(),
            title: String::new(),
            language: (*language).to_string(),
            visibility: crate::domain::story::Visibility::parse(visibility).map_err(|_| corrupt("visibility", line))?,
            show_name: *show_name != "0",
            created_at: (*created_at).to_string(),
            steps: Vec::new(),
            revision: number(revision, "revision", line)?,
            updated_at: (*updated_at).to_string(),
            hidden: *hidden != "0",
            via_link: *via_link != "0",
            wave_id: optional(wave, "wave", line)?,
            outcomes: Vec::new(),
        };
        for step in steps.split('\u{1e}').filter(|x| !x.is_empty()) {
            let [cycle, kind, indicators] = step.split('\u{1d}').collect::<Vec<_>>()[..] else {
                return Err(corrupt("step", line));
            };
            story.steps.push(Step {
                cycle: cycle.to_string(),
                kind: StepKind::parse(kind, "kind").map_err(|_| corrupt("kind", line))?,
                text: String::new(),
                indicators: if indicators == "[]" {
                    Vec::new()
                } else {
                    serde_json::from_str(indicators).map_err(|_| corrupt("indicators", line))?
                },
            });
        }
        for outcome in outcomes.split('\u{1e}').filter(|x| !x.is_empty()) {
            let [cycle, status, wave, revision, recorded_at] = outcome.split('\u{1d}').collect::<Vec<_>>()[..] else {
                return Err(corrupt("outcome", line));
            };
            story.outcomes.push(StepOutcome {
                cycle: cycle.to_string(),
                status: OutcomeStatus::parse(status).map_err(|_| corrupt("outcome status", line))?,
                text: String::new(),
                wave_id: optional(wave, "outcome wave", line)?,
                revision: number(revision, "outcome revision", line)?,
                recorded_at: recorded_at.to_string(),
            });
        }
        out.push(story);
    }
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
