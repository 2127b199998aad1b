//! Value-creation stories: the current revision in `stories` + `story_steps`, earlier
//! revisions in `story_revisions`.

use super::{Result, Store, StoreError, int};
use crate::domain::story::{NewStory, Step, StepKind, Story, Visibility};
use crate::domain::wave::{OutcomeStatus, StepOutcome};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who tells a story: the member and/or the participant row, and the name at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teller {
    pub user_id: Option<i64>,
    pub participant_id: Option<i64>,
    pub name: String,
    /// Told through a private answer link.
    pub via_link: bool,
    /// The follow-up wave it is told in, if any.
    pub wave_id: Option<i64>,
}

/// A story as it was at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryRevision {
    pub revision: i64,
    pub framework_id: i64,
    pub title: String,
    pub language: String,
    pub visibility: Visibility,
    pub show_name: bool,
    pub steps: Vec<Step>,
    /// When this revision was told or edited.
    pub revised_at: String,
}

const HEAD: &str = "s.id, s.convening_id, s.framework_id, s.teller_user_id, s.participant_id, s.teller_name, s.title, \
    s.language, s.visibility, CAST(s.show_name AS INTEGER) AS show_name, s.created_at, s.revision, s.updated_at, s.hidden, s.via_link, s.wave_id";

fn visibility(v: &str) -> Result<Visibility> {
    Visibility::parse(v).map_err(|_| StoreError::Corrupt(format!("visibility '{v}'")))
}

pub(super) fn head(r: &AnyRow) -> Result<Story> {
    Ok(Story {
        id: r.try_get("id")?,
        convening_id: r.try_get("convening_id")?,
        framework_id: r.try_get("framework_id")?,
        teller_user_id: r.try_get("teller_user_id")?,
        participant_id: r.try_get("participant_id")?,
        teller_name: r.try_get("teller_name")?,
        title: r.try_get("title")?,
        language: r.try_get("language")?,
        visibility: visibility(&r.try_get::<String, _>("visibility")?)?,
        show_name: r.try_get::<i64, _>("show_name")? != 0,
        created_at: r.try_get("created_at")?,
        steps: Vec::new(),
        revision: r.try_get("revision")?,
        updated_at: r.try_get("updated_at")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        via_link: r.try_get::<i64, _>("via_link")? != 0,
        wave_id: r.try_get("wave_id")?,
        outcomes: Vec::new(),
    })
}

/// Decodes one `story_steps` row and attaches it to its story (rows come ordered by
/// story, then position; stories by id).
fn attach_step(stories: &mut [Story], r: &AnyRow) -> Result<()> {
    let story_id: i64 = r.try_get("story_id")?;
    let kind: String = r.try_get("kind")?;
    let indicators: String = r.try_get("indicators")?;
    let step = Step {
        cycle: r.try_get("cycle")?,
        kind: StepKind::parse(&kind, "kind").map_err(|_| StoreError::Corrupt(format!("kind '{kind}'")))?,
        text: r.try_get("text")?,
        indicators: serde_json::from_str(&indicators).map_err(|e| StoreError::Corrupt(format!("indicators: {e}")))?,
    };
    if let Ok(i) = stories.binary_search_by_key(&story_id, |s| s.id) {
        stories[i].steps.push(step);
    }
    Ok(())
}

const OUTCOME: &str = "story_id, cycle, status, text, wave_id, revision, recorded_at";

fn attach_outcome(stories: &mut [Story], r: &AnyRow) -> Result<()> {
    let story_id: i64 = r.try_get("story_id")?;
    let status: String = r.try_get("status")?;
    let outcome = StepOutcome {
        cycle: r.try_get("cycle")?,
        status: OutcomeStatus::parse(&status).map_err(|_| StoreError::Corrupt(format!("outcome '{status}'")))?,
        text: r.try_get("text")?,
        wave_id: r.try_get("wave_id")?,
        revision: r.try_get("revision")?,
        recorded_at: r.try_get("recorded_at")?,
    };
    if let Ok(i) = stories.binary_search_by_key(&story_id, |s| s.id) {
        stories[i].outcomes.push(outcome);
    }
    Ok(())
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Stores a story and its steps (one transaction).
    pub async fn create_story(
        &self,
        convening_id: i64,
        framework_id: i64,
        teller: &Teller,
        story: &NewStory,
        created_at: &str,
    ) -> Result<Story> {
        let (teller, story, created_at) = (teller.clone(), story.clone(), created_at.to_string());
        self.transaction(|s| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO stories (convening_id, framework_id, teller_user_id, participant_id, teller_name, title, \
                     language, visibility, show_name, created_at, updated_at, via_link, wave_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) RETURNING id",
                )
                .bind(convening_id)
                .bind(framework_id)
                .bind(teller.user_id)
                .bind(teller.participant_id)
                .bind(&teller.name)
                .bind(&story.title)
                .bind(&story.language)
                .bind(story.visibility.as_str())
                .bind(story.show_name)
                .bind(&created_at)
                .bind(i64::from(teller.via_link))
                .bind(teller.wave_id)
                .fetch_one(&mut *s.conn().await?)
                .await?;
                s.insert_steps(id, &story.steps).await?;
                s.story(id).await?.ok_or(StoreError::NotFound)
            })
        })
        .await
    }

    async fn insert_steps(&self, story_id: i64, steps: &[Step]) -> Result<()> {
        let mut c = self.conn().await?;
        for (pos, step) in steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(story_id)
            .bind(int(pos))
            .bind(&step.cycle)
            .bind(step.kind.as_str())
            .bind(&step.text)
            .bind(json(&step.indicators)?)
            .execute(&mut *c)
            .await?;
        }
        Ok(())
    }

    pub async fn story(&self, id: i64) -> Result<Option<Story>> {
        let mut c = self.conn().await?;
        let sql = format!("SELECT {HEAD} FROM stories s WHERE s.id = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *c).await? else {
            return Ok(None);
        };
        let mut stories = vec![head(&row)?];
        let rows = sqlx::query(
            "SELECT story_id, cycle, kind, text, indicators FROM story_steps WHERE story_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
        for r in &rows {
            attach_step(&mut stories, r)?;
        }
        let outcomes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTCOME} FROM step_outcomes WHERE story_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
        for r in &outcomes {
            attach_outcome(&mut stories, r)?;
        }
        Ok(stories.pop())
    }

    /// Full stories by id (title, teller's name, step texts), for the few a page shows:
    /// three queries per 500 ids, in the order of `ids` (unknown ids are left out).
    pub async fn stories_by_id(&self, ids: &[i64]) -> Result<Vec<Story>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut c = self.conn().await?;
        for chunk in ids.chunks(500) {
            // Integers only: safe to write into the statement.
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT {HEAD} FROM stories s WHERE s.id IN ({list}) ORDER BY s.id");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await?;
            let mut stories = rows.iter().map(head).collect::<Result<Vec<_>>>()?;
            let sql = format!(
                "SELECT story_id, cycle, kind, text, indicators FROM story_steps WHERE story_id IN ({list}) \
                 ORDER BY story_id, position"
            );
            for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await? {
                attach_step(&mut stories, r)?;
            }
            let sql = format!("SELECT {OUTCOME} FROM step_outcomes WHERE story_id IN ({list}) ORDER BY story_id, id");
            for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await? {
                attach_outcome(&mut stories, r)?;
            }
            out.extend(stories);
        }
        let at: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        out.sort_by_key(|s| at.get(&s.id).copied().unwrap_or(usize::MAX));
        Ok(out)
    }

    /// All stories of a convening (hidden ones too), oldest first; callers filter by
    /// visibility.
    pub async fn stories(&self, convening_id: i64) -> Result<Vec<Story>> {
        let mut c = self.conn().await?;
        let sql = format!("SELECT {HEAD} FROM stories s WHERE s.convening_id = $1 ORDER BY s.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *c).await?;
        let mut stories = rows.iter().map(head).collect::<Result<Vec<_>>>()?;
        let steps = sqlx::query(
            "SELECT p.story_id, p.cycle, p.kind, p.text, p.indicators FROM story_steps p \
             JOIN stories s ON s.id = p.story_id WHERE s.convening_id = $1 ORDER BY p.story_id, p.position",
        )
        .bind(convening_id)
        .fetch_all(&mut *c)
        .await?;
        for r in &steps {
            attach_step(&mut stories, r)?;
        }
        let outcomes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTCOME} FROM step_outcomes WHERE story_id IN (SELECT id FROM stories WHERE convening_id = $1) ORDER BY story_id, id"
        )))
        .bind(convening_id)
        .fetch_all(&mut *c)
        .await?;
        for r in &outcomes {
            attach_outcome(&mut stories, r)?;
        }
        stories.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(stories)
    }

    /// Replaces a story with a new revision, if it is still at `revision` (`Stale` if
    /// not); the current one is kept in the history first.
    pub async fn update_story(
        &self,
        id: i64,
        revision: i64,
        framework_id: i64,
        story: &NewStory,
        revised_at: &str,
    ) -> Result<Story> {
        let (story, revised_at) = (story.clone(), revised_at.to_string());
        self.transaction(|s| {
            Box::pin(async move {
                let current = s.story(id).await?.ok_or(StoreError::NotFound)?;
                if current.revision != revision {
                    return Err(StoreError::Stale);
                }
                s.insert_revision(id, &revision_of(&current)).await?;
                let mut c = s.conn().await?;
                sqlx::query(
                    "UPDATE stories SET framework_id = $1, title = $2, language = $3, visibility = $4, show_name = $5, \
                     revision = revision + 1, updated_at = $6 WHERE id = $7",
                )
                .bind(framework_id)
                .bind(&story.title)
                .bind(&story.language)
                .bind(story.visibility.as_str())
                .bind(story.show_name)
                .bind(&revised_at)
                .bind(id)
                .execute(&mut *c)
                .await?;
                sqlx::query("DELETE FROM story_steps WHERE story_id = $1").bind(id).execute(&mut *c).await?;
                drop(c);
                s.insert_steps(id, &story.steps).await?;
                s.story(id).await?.ok_or(StoreError::NotFound)
            })
        })
        .await
    }

    /// Records what became of a step: the current revision is kept in the history and the
    /// outcome makes the next one (one transaction).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_outcome(
        &self,
        story_id: i64,
        cycle: &str,
        status: OutcomeStatus,
        text: &str,
        wave_id: Option<i64>,
        recorded_by: Option<i64>,
        recorded_at: &str,
    ) -> Result<Story> {
        let (cycle, text, recorded_at) = (cycle.to_string(), text.to_string(), recorded_at.to_string());
        self.transaction(|s| {
            Box::pin(async move {
                let current = s.story(story_id).await?.ok_or(StoreError::NotFound)?;
                s.insert_revision(story_id, &revision_of(&current)).await?;
                let mut c = s.conn().await?;
                sqlx::query("UPDATE stories SET revision = revision + 1, updated_at = $1 WHERE id = $2")
                    .bind(&recorded_at)
                    .bind(story_id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO step_outcomes (story_id, cycle, status, text, wave_id, revision, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(story_id)
                .bind(&cycle)
                .bind(status.as_str())
                .bind(&text)
                .bind(wave_id)
                .bind(current.revision + 1)
                .bind(&recorded_at)
                .bind(recorded_by)
                .execute(&mut *c)
                .await?;
                drop(c);
                s.story(story_id).await?.ok_or(StoreError::NotFound)
            })
        })
        .await
    }

    /// Every earlier revision of a convening's stories (the matrix as of a date).
    pub async fn convening_revisions(&self, convening_id: i64) -> Result<Vec<(i64, StoryRevision)>> {
        let rows = sqlx::query(
            "SELECT story_id, revision, framework_id, title, language, visibility, show_name, steps, revised_at \
             FROM story_revisions WHERE story_id IN (SELECT id FROM stories WHERE convening_id = $1) ORDER BY story_id, revision",
        )
        .bind(convening_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("story_id")?, revision_row(r)?))).collect()
    }

    /// Keeps one earlier revision of a story (edits, and imports of a history).
    pub async fn insert_revision(&self, story_id: i64, r: &StoryRevision) -> Result<()> {
        sqlx::query(
            "INSERT INTO story_revisions (story_id, revision, framework_id, title, language, visibility, show_name, steps, revised_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(story_id)
        .bind(r.revision)
        .bind(r.framework_id)
        .bind(&r.title)
        .bind(&r.language)
        .bind(r.visibility.as_str())
        .bind(i64::from(r.show_name))
        .bind(json(&r.steps)?)
        .bind(&r.revised_at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// The earlier revisions of a story, oldest first (the current one is the story).
    pub async fn story_revisions(&self, story_id: i64) -> Result<Vec<StoryRevision>> {
        let rows = sqlx::query(
            "SELECT revision, framework_id, title, language, visibility, show_name, steps, revised_at \
             FROM story_revisions WHERE story_id = $1 ORDER BY revision",
        )
        .bind(story_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(revision_row).collect()
    }

    /// Sets the revision counter, edit date and hidden flag as they were (imports).
    pub async fn set_story_state(&self, id: i64, revision: i64, updated_at: &str, hidden: bool) -> Result<()> {
        let done = sqlx::query("UPDATE stories SET revision = $1, updated_at = $2, hidden = $3 WHERE id = $4")
            .bind(revision)
            .bind(updated_at)
            .bind(i64::from(hidden))
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        super::found(&done)
    }

    /// Hides or shows a story; `Conflict` when it already is in that state.
    pub async fn set_story_hidden(&self, id: i64, hidden: bool) -> Result<()> {
        let done = sqlx::query("UPDATE stories SET hidden = $1 WHERE id = $2 AND hidden <> $1")
            .bind(i64::from(hidden))
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(if self.story(id).await?.is_some() { StoreError::Conflict } else { StoreError::NotFound });
        }
        Ok(())
    }

    /// Deletes a story with its steps and revisions.
    pub async fn delete_story(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM stories WHERE id = $1").bind(id).execute(&mut *self.conn().await?).await?;
        super::found(&done)
    }
}

fn revision_row(r: &AnyRow) -> Result<StoryRevision> {
    let steps: String = r.try_get("steps")?;
    Ok(StoryRevision {
        revision: r.try_get("revision")?,
        framework_id: r.try_get("framework_id")?,
        title: r.try_get("title")?,
        language: r.try_get("language")?,
        visibility: visibility(&r.try_get::<String, _>("visibility")?)?,
        show_name: r.try_get::<i64, _>("show_name")? != 0,
        steps: serde_json::from_str(&steps).map_err(|e| StoreError::Corrupt(format!("steps: {e}")))?,
        revised_at: r.try_get("revised_at")?,
    })
}

/// The current state of a story as a revision record.
pub fn revision_of(s: &Story) -> StoryRevision {
    StoryRevision {
        revision: s.revision,
        framework_id: s.framework_id,
        title: s.title.clone(),
        language: s.language.clone(),
        visibility: s.visibility,
        show_name: s.show_name,
        steps: s.steps.clone(),
        revised_at: if s.updated_at.is_empty() { s.created_at.clone() } else { s.updated_at.clone() },
    }
}
