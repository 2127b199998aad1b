//! Private answer links: issued per participant (and per wave), expiring, revocable.

use super::{Result, Store, StoreError, found, now};
use serde::Serialize;

/// A private answer link (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AnswerLink {
    pub id: i64,
    pub participant_id: i64,
    /// The follow-up wave it answers, if any (valid while the wave is open).
    pub wave_id: Option<i64>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl AnswerLink {
    /// Why the link cannot be used now, if it cannot.
    pub fn unusable(&self, now: &str) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("revoked")
        } else if self.expires_at.as_deref().is_some_and(|e| e <= now) {
            Some("expired")
        } else {
            None
        }
    }
}

const LINK: &str = "id, participant_id, wave_id, created_at, expires_at, revoked_at";

impl Store {
    /// Issues a participant's private answer link, revoking any earlier live one (of the
    /// same wave, for a wave's link).
    pub async fn issue_answer_link(
        &self,
        participant_id: i64,
        token_hash: &str,
        expires_at: Option<&str>,
    ) -> Result<AnswerLink> {
        self.issue_link(participant_id, None, token_hash, expires_at).await
    }

    pub async fn issue_link(
        &self,
        participant_id: i64,
        wave_id: Option<i64>,
        token_hash: &str,
        expires_at: Option<&str>,
    ) -> Result<AnswerLink> {
        let token_hash = token_hash.to_string();
        let expires_at = expires_at.map(str::to_string);
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                sqlx::query(
                    "UPDATE answer_links SET revoked_at = $1 WHERE participant_id = $2 AND revoked_at IS NULL \
                     AND wave_id IS NOT DISTINCT FROM $3",
                )
                .bind(&now)
                .bind(participant_id)
                .bind(wave_id)
                .execute(&mut *c)
                .await?;
                let sql = format!(
                    "INSERT INTO answer_links (participant_id, wave_id, token_hash, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING {LINK}"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(participant_id)
                    .bind(wave_id)
                    .bind(&token_hash)
                    .bind(&now)
                    .bind(&expires_at)
                    .fetch_one(&mut *c)
                    .await?)
            })
        })
        .await
    }

    /// The link a token names, whatever its state (the caller says why it cannot be used).
    pub async fn answer_link_by_token(&self, token_hash: &str) -> Result<Option<AnswerLink>> {
        let sql = format!("SELECT {LINK} FROM answer_links WHERE token_hash = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&mut *self.conn().await?).await?)
    }

    pub async fn answer_link(&self, id: i64) -> Result<Option<AnswerLink>> {
        let sql = format!("SELECT {LINK} FROM answer_links WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    /// Every answer link issued for a convening's participants, newest first.
    pub async fn answer_links(&self, convening_id: i64) -> Result<Vec<AnswerLink>> {
        let sql = format!(
            "SELECT {LINK} FROM answer_links WHERE participant_id IN \
             (SELECT id FROM participants WHERE convening_id = $1) ORDER BY id DESC"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Revokes a link; `Conflict` if it was revoked already.
    pub async fn revoke_answer_link(&self, id: i64) -> Result<()> {
        let done = sqlx::query("UPDATE answer_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::Conflict) } else { Ok(()) }
    }

    pub async fn set_answer_link_expiry(&self, id: i64, expires_at: Option<&str>) -> Result<()> {
        let done = sqlx::query("UPDATE answer_links SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Revokes a participant's live links for one wave; returns how many.
    pub async fn revoke_wave_links(&self, participant_id: i64, wave_id: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE answer_links SET revoked_at = $1 WHERE participant_id = $2 AND wave_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(participant_id)
        .bind(wave_id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected())
    }
}
