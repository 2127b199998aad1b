//! Proposals to change a community's framework, their supporters, and the decision that
//! turns an accepted one into the next framework version.

use super::{Flag, Result, Store, StoreError, map_unique, now};
use crate::domain::framework::Framework;
use crate::domain::proposal::{Action, Change, Target, Wording};
use serde::Serialize;
use sqlx::Row;

/// A stored proposal, with its author's name and how many members support it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub id: i64,
    pub community_id: i64,
    /// The framework version it was made on.
    pub base_framework_id: i64,
    pub base_version: i64,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub change: Change,
    pub reason: String,
    /// `open`, `accepted` or `declined`.
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub note: String,
    /// The version accepting it made.
    pub result_framework_id: Option<i64>,
    pub result_version: Option<i64>,
    pub supporters: i64,
    pub created_at: String,
}

const SELECT: &str = "SELECT p.id, p.community_id, p.base_framework_id, b.version AS base_version, p.author_id, \
     COALESCE(u.name, '') AS author_name, p.action, p.target, p.cycle, p.item_key, p.name, p.body, p.reason, \
     p.status, p.decided_by, p.decided_at, p.note, p.result_framework_id, r.version AS result_version, \
     (SELECT COUNT(*) FROM proposal_supports s WHERE s.proposal_id = p.id) AS supporters, p.created_at \
     FROM proposals p JOIN frameworks b ON b.id = p.base_framework_id \
     LEFT JOIN frameworks r ON r.id = p.result_framework_id LEFT JOIN users u ON u.id = p.author_id";

fn wording(row: &sqlx::any::AnyRow, col: &str) -> Result<Wording> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("proposal {col}: {e}")))
}

fn proposal(row: &sqlx::any::AnyRow) -> Result<Proposal> {
    let action: String = row.try_get("action")?;
    let target: String = row.try_get("target")?;
    let change = Change {
        action: Action::parse(&action).ok_or_else(|| StoreError::Corrupt(format!("proposal action '{action}'")))?,
        target: Target::parse(&target).ok_or_else(|| StoreError::Corrupt(format!("proposal target '{target}'")))?,
        cycle: row.try_get("cycle")?,
        key: row.try_get("item_key")?,
        name: wording(row, "name")?,
        text: wording(row, "body")?,
    };
    Ok(Proposal {
        id: row.try_get("id")?,
        community_id: row.try_get("community_id")?,
        base_framework_id: row.try_get("base_framework_id")?,
        base_version: row.try_get("base_version")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        change,
        reason: row.try_get("reason")?,
        status: row.try_get("status")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        note: row.try_get("note")?,
        result_framework_id: row.try_get("result_framework_id")?,
        result_version: row.try_get("result_version")?,
        supporters: row.try_get("supporters")?,
        created_at: row.try_get("created_at")?,
    })
}

fn json(w: &Wording) -> Result<String> {
    serde_json::to_string(w).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub async fn create_proposal(
        &self,
        community_id: i64,
        base_framework_id: i64,
        author_id: Option<i64>,
        change: &Change,
        reason: &str,
    ) -> Result<Proposal> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO proposals (community_id, base_framework_id, author_id, action, target, cycle, item_key, \
             name, body, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(community_id)
        .bind(base_framework_id)
        .bind(author_id)
        .bind(change.action.as_str())
        .bind(change.target.as_str())
        .bind(&change.cycle)
        .bind(&change.key)
        .bind(json(&change.name)?)
        .bind(json(&change.text)?)
        .bind(reason)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        self.proposal(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn proposal(&self, id: i64) -> Result<Option<Proposal>> {
        let sql = format!("{SELECT} WHERE p.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?;
        row.as_ref().map(proposal).transpose()
    }

    /// A community's proposals, newest first.
    pub async fn proposals(&self, community_id: i64) -> Result<Vec<Proposal>> {
        let sql = format!("{SELECT} WHERE p.community_id = $1 ORDER BY p.id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(proposal).collect()
    }

    /// Records a member's support; `false` when they supported it already.
    pub async fn support_proposal(&self, proposal_id: i64, user_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO proposal_supports (proposal_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (proposal_id, user_id) DO NOTHING",
        )
        .bind(proposal_id)
        .bind(user_id)
        .bind(now())
        .execute(&mut *self.conn().await?)
        .await
        .map_err(map_unique)?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether the user supports the proposal.
    pub async fn supports(&self, proposal_id: i64, user_id: i64) -> Result<bool> {
        let yes: Flag = sqlx::query_scalar(
            "SELECT CAST(EXISTS (SELECT 1 FROM proposal_supports WHERE proposal_id = $1 AND user_id = $2) AS INTEGER)",
        )
        .bind(proposal_id)
        .bind(user_id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(yes.into())
    }

    /// Declines an open proposal; `Stale` when it was decided already.
    pub async fn decline_proposal(&self, id: i64, decided_by: Option<i64>, note: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE proposals SET status = 'declined', decided_by = $1, decided_at = $2, note = $3 \
             WHERE id = $4 AND status = 'open'",
        )
        .bind(decided_by)
        .bind(now())
        .bind(note)
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::Stale) } else { Ok(()) }
    }

    /// Accepts an open proposal in one transaction: `framework` becomes the community's
    /// next version and the proposal records it. `Stale` when the proposal was decided
    /// already or the community's current version is no longer `expected_current` (the
    /// new framework was computed from it, so another change would be silently lost).
    pub async fn accept_proposal(
        &self,
        id: i64,
        community_id: i64,
        expected_current: i64,
        framework: &Framework,
        decided_by: Option<i64>,
        note: &str,
    ) -> Result<i64> {
        let body = serde_json::to_string(framework).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let note = note.to_string();
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                let done = sqlx::query(
                    "UPDATE proposals SET status = 'accepted', decided_by = $1, decided_at = $2, note = $3 \
                     WHERE id = $4 AND status = 'open'",
                )
                .bind(decided_by)
                .bind(&now)
                .bind(&note)
                .bind(id)
                .execute(&mut *c)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Stale);
                }
                let current: Option<i64> = sqlx::query_scalar("SELECT framework_id FROM communities WHERE id = $1")
                    .bind(community_id)
                    .fetch_one(&mut *c)
                    .await?;
                if current != Some(expected_current) {
                    return Err(StoreError::Stale);
                }
                let (fid, _) = super::communities::append_version(&mut c, community_id, &body, &now).await?;
                sqlx::query("UPDATE proposals SET result_framework_id = $1 WHERE id = $2")
                    .bind(fid)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(fid)
            })
        })
        .await
    }
}
