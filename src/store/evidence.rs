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
    pub async fn story_facts(&self, scope: Scope) -> Result<Vec<Story>> {
        let mut c = self.conn().await?;
        let (filter, id) = scope.stories();
        let sql = format!(
            "SELECT s.id, s.convening_id, s.framework_id, s.teller_user_id, s.participant_id, '' AS teller_name, '' AS title, \
             s.language, s.visibility, CAST(s.show_name AS INTEGER) AS show_name, s.created_at, s.revision, s.updated_at, \
             s.hidden, s.via_link, s.wave_id FROM stories s WHERE {filter} ORDER BY s.id"
        );
        // Rows are read as they come (not collected first): memory holds the stories, not
        // the driver's rows as well.
        let mut stories = Vec::new();
        {
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch(&mut *c);
            while let Some(r) = rows.try_next().await? {
                stories.push(super::stories::head(&r)?);
            }
        }
        let sql = format!(
            "SELECT p.story_id, p.cycle, p.kind, p.indicators FROM story_steps p JOIN stories s ON s.id = p.story_id \
             WHERE {filter} ORDER BY p.story_id, p.position"
        );
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch(&mut *c);
        let mut at = 0;
        while let Some(r) = rows.try_next().await? {
            let r = &r;
            let story_id: i64 = r.try_get("story_id")?;
            let kind: String = r.try_get("kind")?;
            let indicators: String = r.try_get("indicators")?;
            let step = Step {
                cycle: r.try_get("cycle")?,
                kind: StepKind::parse(&kind, "kind").map_err(|_| StoreError::Corrupt(format!("kind '{kind}'")))?,
                text: String::new(),
                indicators: if indicators == "[]" {
                    Vec::new()
                } else {
                    serde_json::from_str(&indicators).map_err(|e| StoreError::Corrupt(format!("indicators: {e}")))?
                },
            };
            // Both lists are ordered by story id: walk them together.
            while at < stories.len() && stories[at].id < story_id {
                at += 1;
            }
            if let Some(s) = stories.get_mut(at).filter(|s| s.id == story_id) {
                s.steps.push(step);
            }
        }
        let sql = format!(
            "SELECT o.story_id, o.cycle, o.status, o.wave_id, o.revision, o.recorded_at FROM step_outcomes o \
             JOIN stories s ON s.id = o.story_id WHERE {filter} ORDER BY o.story_id, o.id"
        );
        drop(rows);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch(&mut *c);
        while let Some(r) = rows.try_next().await? {
            let story_id: i64 = r.try_get("story_id")?;
            let status: String = r.try_get("status")?;
            let outcome = StepOutcome {
                cycle: r.try_get("cycle")?,
                status: OutcomeStatus::parse(&status)
                    .map_err(|_| StoreError::Corrupt(format!("outcome '{status}'")))?,
                text: String::new(),
                wave_id: r.try_get("wave_id")?,
                revision: r.try_get("revision")?,
                recorded_at: r.try_get("recorded_at")?,
            };
            if let Ok(i) = stories.binary_search_by_key(&story_id, |s| s.id) {
                stories[i].outcomes.push(outcome);
            }
        }
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

/// One participant of a convening, as the report counts people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendee {
    pub convening_id: i64,
    pub participant_id: i64,
    pub user_id: Option<i64>,
}
