//! Follow-up waves of a convening and who answered each.

use super::{Result, Store, StoreError, found, now};
use crate::domain::convening::format_date;
use crate::domain::wave::NewWave;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wave {
    pub id: i64,
    pub convening_id: i64,
    pub name: String,
    pub opens_on: String,
    pub closes_on: String,
    pub cycles: Vec<String>,
    pub created_at: String,
}

impl Wave {
    /// Why the wave takes no answers on `today` (YYYY-MM-DD), if it does not.
    pub fn closed_on(&self, today: &str) -> Option<&'static str> {
        if today < self.opens_on.as_str() {
            Some("not-open")
        } else if today > self.closes_on.as_str() {
            Some("closed")
        } else {
            None
        }
    }
    /// The moment its links stop working: the end of its closing day (UTC).
    pub fn link_expiry(&self) -> String {
        format!("{}T23:59:59Z", self.closes_on)
    }
}

pub(super) const WAVE: &str = "id, convening_id, name, opens_on, closes_on, cycles, created_at";

pub(super) fn wave(r: &AnyRow) -> Result<Wave> {
    let cycles: String = r.try_get("cycles")?;
    Ok(Wave {
        id: r.try_get("id")?,
        convening_id: r.try_get("convening_id")?,
        name: r.try_get("name")?,
        opens_on: r.try_get("opens_on")?,
        closes_on: r.try_get("closes_on")?,
        cycles: serde_json::from_str(&cycles).map_err(|e| StoreError::Corrupt(format!("wave cycles: {e}")))?,
        created_at: r.try_get("created_at")?,
    })
}

fn cycles_json(w: &NewWave) -> Result<String> {
    serde_json::to_string(&w.cycles).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub async fn create_wave(&self, convening_id: i64, w: &NewWave) -> Result<Wave> {
        let sql = format!(
            "INSERT INTO waves (convening_id, name, opens_on, closes_on, cycles, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {WAVE}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(convening_id)
            .bind(&w.name)
            .bind(format_date(w.opens_on))
            .bind(format_date(w.closes_on))
            .bind(cycles_json(w)?)
            .bind(now())
            .fetch_one(&mut *self.conn().await?)
            .await?;
        wave(&row)
    }

    pub async fn wave(&self, id: i64) -> Result<Option<Wave>> {
        let sql = format!("SELECT {WAVE} FROM waves WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?;
        row.as_ref().map(wave).transpose()
    }

    /// A convening's waves, by opening date.
    pub async fn waves(&self, convening_id: i64) -> Result<Vec<Wave>> {
        let sql = format!("SELECT {WAVE} FROM waves WHERE convening_id = $1 ORDER BY opens_on, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(convening_id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(wave).collect()
    }

    pub async fn update_wave(&self, id: i64, w: &NewWave) -> Result<()> {
        let done = sqlx::query("UPDATE waves SET name = $1, opens_on = $2, closes_on = $3, cycles = $4 WHERE id = $5")
            .bind(&w.name)
            .bind(format_date(w.opens_on))
            .bind(format_date(w.closes_on))
            .bind(cycles_json(w)?)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)?;
        // Its links follow its closing date.
        sqlx::query("UPDATE answer_links SET expires_at = $1 WHERE wave_id = $2")
            .bind(format!("{}T23:59:59Z", format_date(w.closes_on)))
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Deletes a wave nobody answered (`Conflict` when someone did).
    pub async fn delete_wave(&self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM waves WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM stories WHERE wave_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM step_outcomes WHERE wave_id = $1)",
        )
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        match done.rows_affected() {
            0 if self.wave(id).await?.is_some() => Err(StoreError::Conflict),
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// How many participants answered each wave of a convening (told a story in it or
    /// said what became of a step): `(wave id, participants)`.
    pub async fn wave_answers(&self, convening_id: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT wave_id, COUNT(DISTINCT who) AS n FROM ( \
               SELECT s.wave_id, COALESCE(s.participant_id, -s.id) AS who FROM stories s \
                 WHERE s.convening_id = $1 AND s.wave_id IS NOT NULL AND s.hidden = 0 \
               UNION ALL \
               SELECT o.wave_id, COALESCE(s.participant_id, -s.id) AS who FROM step_outcomes o \
                 JOIN stories s ON s.id = o.story_id WHERE s.convening_id = $1 AND o.wave_id IS NOT NULL \
             ) answers GROUP BY wave_id",
        )
        .bind(convening_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("wave_id")?, r.try_get("n")?))).collect()
    }

    /// The live link of a participant for a wave, if one was issued.
    pub async fn wave_links(&self, wave_id: i64) -> Result<Vec<super::AnswerLink>> {
        Ok(sqlx::query_as(
            "SELECT id, participant_id, wave_id, created_at, expires_at, revoked_at FROM answer_links \
             WHERE wave_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(wave_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    /// Makes a shared link for a wave (earlier ones stay valid until the wave closes).
    pub async fn create_shared_link(&self, wave_id: i64, token_hash: &str) -> Result<()> {
        sqlx::query("INSERT INTO shared_links (wave_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(wave_id)
            .bind(token_hash)
            .bind(now())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// The wave a shared link answers, and whether it was revoked.
    pub async fn shared_link(&self, token_hash: &str) -> Result<Option<(i64, bool)>> {
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT wave_id, revoked_at FROM shared_links WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(w, r)| (w, r.is_some())))
    }

    /// Revokes every shared link of a wave; returns how many were live.
    pub async fn revoke_shared_links(&self, wave_id: i64) -> Result<u64> {
        let done = sqlx::query("UPDATE shared_links SET revoked_at = $1 WHERE wave_id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(wave_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }
}
