//! The outbox: messages queued in the database, leased by one sender at a time, sent
//! once; plus the single-use tokens mails carry (unsubscribe, password reset).

use super::{Backend, Result, Store, StoreError, found, in_seconds, now};
use serde::Serialize;

/// One queued (or sent) message. It holds no secret: links are made when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub recipient: String,
    pub language: String,
    pub convening_id: Option<i64>,
    pub participant_id: Option<i64>,
    pub wave_id: Option<i64>,
    pub user_id: Option<i64>,
    pub community_id: Option<i64>,
    pub role: String,
    pub item: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

const MESSAGE: &str = "id, key, kind, recipient, language, convening_id, participant_id, wave_id, user_id, community_id, role, item, state, \
    attempts, last_error, next_attempt_at, created_at, sent_at";

/// What to queue.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// Exactly-once key: a second message with the same key is not queued.
    pub key: String,
    pub kind: &'static str,
    pub recipient: String,
    pub language: String,
    pub convening_id: Option<i64>,
    pub participant_id: Option<i64>,
    pub wave_id: Option<i64>,
    pub user_id: Option<i64>,
    pub community_id: Option<i64>,
    pub role: String,
    /// What the message is about beyond the ids: a digest's period, a comment's id.
    pub item: String,
}

/// How long a sender may hold a message before another may take it (seconds).
pub const LEASE_SECONDS: i64 = 600;

impl Store {
    /// Queues a message unless one with its key exists; returns whether it was queued.
    pub async fn enqueue(&self, m: &NewMessage) -> Result<bool> {
        let now = now();
        let done = sqlx::query(
            "INSERT INTO outbox (key, kind, recipient, language, convening_id, participant_id, wave_id, user_id, \
             community_id, role, item, state, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12, 'queued', $9, $9) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&m.key)
        .bind(m.kind)
        .bind(&m.recipient)
        .bind(&m.language)
        .bind(m.convening_id)
        .bind(m.participant_id)
        .bind(m.wave_id)
        .bind(m.user_id)
        .bind(&now)
        .bind(m.community_id)
        .bind(&m.role)
        .bind(&m.item)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the next due message for sending: queued and due, or left 'sending' by a
    /// sender whose lease ran out. Two senders never take the same row: SQLite's write
    /// lock, PostgreSQL's `FOR UPDATE SKIP LOCKED`.
    pub async fn lease_next(&self) -> Result<Option<OutboxMessage>> {
        let lock = if self.backend == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                let sql = format!(
                    "SELECT id FROM outbox WHERE (state = 'queued' AND next_attempt_at <= $1) \
                     OR (state = 'sending' AND lease_until < $1) ORDER BY id LIMIT 1{lock}"
                );
                let Some(id): Option<i64> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(&now).fetch_optional(&mut *c).await?
                else {
                    return Ok(None);
                };
                let sql = format!(
                    "UPDATE outbox SET state = 'sending', lease_until = $1, attempts = attempts + 1 WHERE id = $2 \
                     RETURNING {MESSAGE}"
                );
                Ok(Some(
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(in_seconds(LEASE_SECONDS))
                        .bind(id)
                        .fetch_one(&mut *c)
                        .await?,
                ))
            })
        })
        .await
    }

    pub async fn mark_sent(&self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, lease_until = NULL, last_error = '' WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        found(&done)
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up (`state`
    /// 'failed' or 'bounced') when `retry_at` is `None`.
    pub async fn mark_failed(&self, id: i64, error: &str, retry_at: Option<&str>, state: &str) -> Result<()> {
        let (state, next) = match retry_at {
            Some(at) => ("queued", at.to_string()),
            None => (state, now()),
        };
        let done = sqlx::query(
            "UPDATE outbox SET state = $1, next_attempt_at = $2, last_error = $3, lease_until = NULL WHERE id = $4",
        )
        .bind(state)
        .bind(next)
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        found(&done)
    }

    /// The messages of a convening, newest first (stewards see them).
    pub async fn outbox(&self, convening_id: i64) -> Result<Vec<OutboxMessage>> {
        let sql = format!("SELECT {MESSAGE} FROM outbox WHERE convening_id = $1 ORDER BY id DESC");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Messages waiting to be sent (for metrics and the steward's view).
    pub async fn outbox_depth(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')")
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    /// Whether a message with this key exists (reminders go to those invited).
    pub async fn has_message(&self, key: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(n > 0)
    }

    pub async fn create_unsubscribe_token(&self, token_hash: &str, participant_id: i64) -> Result<()> {
        sqlx::query("INSERT INTO unsubscribe_tokens (token_hash, participant_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(participant_id)
            .bind(now())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Marks the token's participant unsubscribed; returns their id.
    pub async fn unsubscribe(&self, token_hash: &str) -> Result<i64> {
        let pid: i64 = sqlx::query_scalar("SELECT participant_id FROM unsubscribe_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query("UPDATE participants SET unsubscribed_at = COALESCE(unsubscribed_at, $1) WHERE id = $2")
            .bind(now())
            .bind(pid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(pid)
    }

    pub async fn create_password_reset(&self, token_hash: &str, user_id: i64, seconds: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now())
        .bind(in_seconds(seconds))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// The user of a live reset token: `Gone`-like states come back as text.
    pub async fn password_reset(&self, token_hash: &str) -> Result<Option<(i64, Option<&'static str>)>> {
        let row: Option<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(uid, expires, used)| {
            let why = if used.is_some() {
                Some("used")
            } else if expires <= now() {
                Some("expired")
            } else {
                None
            };
            (uid, why)
        }))
    }

    /// Uses a reset token once (`Conflict` when it was used or has expired meanwhile).
    pub async fn use_password_reset(&self, token_hash: &str) -> Result<()> {
        let now = now();
        let done = sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(&now)
        .bind(token_hash)
        .execute(&mut *self.conn().await?)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::Conflict) } else { Ok(()) }
    }

    /// Issues a further live link for a participant and wave, leaving earlier ones valid
    /// (an invitation and its reminder each carry one).
    pub async fn add_wave_link(
        &self,
        participant_id: i64,
        wave_id: i64,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO answer_links (participant_id, wave_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(participant_id)
        .bind(wave_id)
        .bind(token_hash)
        .bind(now())
        .bind(expires_at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Sets a community's language (mails fall back to it).
    pub async fn set_community_language(&self, community_id: i64, language: &str) -> Result<()> {
        let done = sqlx::query("UPDATE communities SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(community_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    pub async fn community_language(&self, community_id: i64) -> Result<String> {
        sqlx::query_scalar("SELECT language FROM communities WHERE id = $1")
            .bind(community_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Everyone invited to a wave that is open on `today` and closes by `horizon` who has
    /// not answered it (no story told in it, no outcome said in it) and still takes mail:
    /// `(wave id, participant id, convening id, address, language: theirs, else the community's)`.
    pub async fn due_reminders(&self, today: &str, horizon: &str) -> Result<Vec<(i64, i64, i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT w.id, p.id, w.convening_id, p.email, COALESCE(NULLIF(p.language, ''), c.language) AS language \
             FROM outbox o JOIN waves w ON w.id = o.wave_id JOIN participants p ON p.id = o.participant_id \
             JOIN convenings cv ON cv.id = w.convening_id JOIN communities c ON c.id = cv.community_id \
             WHERE o.kind = 'wave_invitation' AND w.opens_on <= $1 AND w.closes_on >= $1 AND w.closes_on <= $2 \
             AND p.removed_at IS NULL AND p.unsubscribed_at IS NULL AND p.email <> '' \
             AND NOT EXISTS (SELECT 1 FROM stories s WHERE s.participant_id = p.id AND s.wave_id = w.id) \
             AND NOT EXISTS (SELECT 1 FROM step_outcomes so JOIN stories s ON s.id = so.story_id \
                             WHERE s.participant_id = p.id AND so.wave_id = w.id) \
             ORDER BY w.id, p.id",
        )
        .bind(today)
        .bind(horizon)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}
