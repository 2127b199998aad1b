//! Convenings, their participants and private answer links, aspirations and saved plans.

use super::{Result, Store, StoreError, found, map_unique, now};
use crate::domain::convening::{NewConvening, format_date};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Convening {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub mode: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub status: String,
    pub description: String,
    pub created_at: String,
    /// Goes up by one with every edit; an edit made from an older version is refused.
    pub version: i64,
    pub updated_at: String,
}

const CONVENING: &str =
    "id, community_id, title, mode, starts_on, ends_on, place, status, description, created_at, version, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Participant {
    pub id: i64,
    pub convening_id: i64,
    /// Set for members; `None` for a named guest.
    pub user_id: Option<i64>,
    pub name: String,
    /// Optional address for answer links and follow-ups ("" = none).
    pub email: String,
    /// Whether a live (not revoked) private answer link exists.
    #[sqlx(try_from = "super::Flag")]
    pub has_link: bool,
    /// Set when a steward removed the participant (their stories stay).
    pub removed_at: Option<String>,
    /// The language mails to them are written in ("" = the community's).
    pub language: String,
    /// Set when they asked for no more mail.
    pub unsubscribed_at: Option<String>,
}

const PARTICIPANT: &str = "p.id, p.convening_id, p.user_id, p.name, p.email, p.removed_at, p.language, p.unsubscribed_at, \
    CAST(EXISTS (SELECT 1 FROM answer_links l WHERE l.participant_id = p.id AND l.revoked_at IS NULL) AS INTEGER) AS has_link";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Aspiration {
    pub id: i64,
    pub convening_id: i64,
    pub cycle: String,
    pub text: String,
    pub author_user_id: Option<i64>,
}

impl Store {
    pub async fn create_convening(&self, community_id: i64, c: &NewConvening) -> Result<Convening> {
        let now = now();
        let sql = format!(
            "INSERT INTO convenings (community_id, title, mode, starts_on, ends_on, place, status, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {CONVENING}"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(community_id)
            .bind(&c.title)
            .bind(c.mode.as_str())
            .bind(format_date(c.starts_on))
            .bind(format_date(c.ends_on))
            .bind(&c.place)
            .bind(c.status.as_str())
            .bind(&c.description)
            .bind(&now)
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    pub async fn convening(&self, id: i64) -> Result<Option<Convening>> {
        let sql = format!("SELECT {CONVENING} FROM convenings WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    pub async fn convenings(&self, community_id: i64) -> Result<Vec<Convening>> {
        let sql =
            format!("SELECT {CONVENING} FROM convenings WHERE community_id = $1 ORDER BY starts_on DESC, id DESC");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Replaces every field of a convening, if it is still at `version` (`Stale` if not).
    pub async fn update_convening(&self, id: i64, c: &NewConvening, version: i64) -> Result<Convening> {
        let sql = format!(
            "UPDATE convenings SET title = $1, mode = $2, starts_on = $3, ends_on = $4, place = $5, status = $6, \
             description = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10 RETURNING {CONVENING}"
        );
        let updated: Option<Convening> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&c.title)
            .bind(c.mode.as_str())
            .bind(format_date(c.starts_on))
            .bind(format_date(c.ends_on))
            .bind(&c.place)
            .bind(c.status.as_str())
            .bind(&c.description)
            .bind(now())
            .bind(id)
            .bind(version)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        match updated {
            Some(c) => Ok(c),
            None if self.convening(id).await?.is_some() => Err(StoreError::Stale),
            None => Err(StoreError::NotFound),
        }
    }

    /// Deletes a convening that has no stories (`Conflict` if it has some).
    pub async fn delete_convening(&self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM convenings WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM stories WHERE convening_id = $1)",
        )
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        match done.rows_affected() {
            0 if self.convening(id).await?.is_some() => Err(StoreError::Conflict),
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Sets the convening's place (e.g. the host a plan chose).
    pub async fn set_convening_place(&self, id: i64, place: &str) -> Result<()> {
        let done =
            sqlx::query("UPDATE convenings SET place = $1, version = version + 1, updated_at = $2 WHERE id = $3")
                .bind(place)
                .bind(now())
                .bind(id)
                .execute(&mut *self.conn().await?)
                .await?;
        found(&done)
    }

    /// Adds a member (`user_id`) or a named guest. Adding a member twice returns their row
    /// (bringing a removed one back): one statement, so concurrent first stories of one
    /// member cannot collide.
    pub async fn add_participant(
        &self,
        convening_id: i64,
        user_id: Option<i64>,
        name: &str,
        email: &str,
    ) -> Result<Participant> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO participants (convening_id, user_id, name, email) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (convening_id, user_id) DO UPDATE SET removed_at = NULL RETURNING id",
        )
        .bind(convening_id)
        .bind(user_id)
        .bind(name)
        .bind(email)
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(map_unique)?;
        self.participant(id).await?.ok_or(StoreError::NotFound)
    }

    /// A participant, removed or not.
    pub async fn participant(&self, id: i64) -> Result<Option<Participant>> {
        let sql = format!("SELECT {PARTICIPANT} FROM participants p WHERE p.id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    /// The convening's participants (not the removed ones), by name.
    pub async fn participants(&self, convening_id: i64) -> Result<Vec<Participant>> {
        let sql = format!(
            "SELECT {PARTICIPANT} FROM participants p WHERE p.convening_id = $1 AND p.removed_at IS NULL ORDER BY p.name, p.id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Every participant of a convening, removed ones included (exports).
    pub async fn all_participants(&self, convening_id: i64) -> Result<Vec<Participant>> {
        let sql = format!("SELECT {PARTICIPANT} FROM participants p WHERE p.convening_id = $1 ORDER BY p.id");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Marks a participant removed as of `at` (imports; no links are touched).
    pub async fn set_participant_removed(&self, id: i64, at: &str) -> Result<()> {
        let done = sqlx::query("UPDATE participants SET removed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    pub async fn update_participant(&self, id: i64, name: &str, email: &str, language: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE participants SET name = $1, email = $2, language = $3 WHERE id = $4 AND removed_at IS NULL",
        )
        .bind(name)
        .bind(email)
        .bind(language)
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        found(&done)
    }

    /// Sets the language mails to a participant are written in ("" = the community's).
    pub async fn set_participant_language(&self, id: i64, language: &str) -> Result<()> {
        let done = sqlx::query("UPDATE participants SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Removes a participant: the row stays for the stories they told, their answer links
    /// are revoked.
    pub async fn remove_participant(&self, id: i64) -> Result<()> {
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                let done = sqlx::query("UPDATE participants SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
                    .bind(&now)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                found(&done)?;
                sqlx::query("UPDATE answer_links SET revoked_at = $1 WHERE participant_id = $2 AND revoked_at IS NULL")
                    .bind(&now)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn add_aspiration(
        &self,
        convening_id: i64,
        cycle: &str,
        text: &str,
        author: Option<i64>,
    ) -> Result<Aspiration> {
        Ok(sqlx::query_as(
            "INSERT INTO aspirations (convening_id, cycle, text, author_user_id) VALUES ($1, $2, $3, $4) \
             RETURNING id, convening_id, cycle, text, author_user_id",
        )
        .bind(convening_id)
        .bind(cycle)
        .bind(text)
        .bind(author)
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    pub async fn aspirations(&self, convening_id: i64) -> Result<Vec<Aspiration>> {
        Ok(sqlx::query_as(
            "SELECT id, convening_id, cycle, text, author_user_id FROM aspirations WHERE convening_id = $1 ORDER BY id",
        )
        .bind(convening_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    pub async fn update_aspiration(&self, id: i64, cycle: &str, text: &str) -> Result<()> {
        let done = sqlx::query("UPDATE aspirations SET cycle = $1, text = $2 WHERE id = $3")
            .bind(cycle)
            .bind(text)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    pub async fn delete_aspiration(&self, id: i64) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM aspirations WHERE id = $1").bind(id).execute(&mut *self.conn().await?).await?;
        found(&done)
    }
}
