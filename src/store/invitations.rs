//! Invitation links: made by stewards, used (once, or by several people), revoked.

use super::communities::parse_role;
use super::{Result, Store, StoreError, now};
use crate::domain::Role;
use serde::Serialize;
use sqlx::Row;

/// An invitation link as stewards see it in the list (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub community_id: i64,
    pub role: Role,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub expires_at: String,
    /// `None`: any number of uses.
    pub max_uses: Option<i64>,
    pub uses: i64,
    /// Addressed to one account (which may set its password through it).
    pub for_user_id: Option<i64>,
    pub revoked_at: Option<String>,
}

impl Invitation {
    /// Why the link cannot be used now, if it cannot.
    pub fn unusable(&self, now: &str) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("revoked")
        } else if self.expires_at.as_str() <= now {
            Some("expired")
        } else if self.max_uses.is_some_and(|m| self.uses >= m) {
            Some("used")
        } else {
            None
        }
    }
}

const INVITATION: &str =
    "id, community_id, role, created_by, created_at, expires_at, max_uses, uses, for_user_id, revoked_at";

fn invitation(r: &sqlx::any::AnyRow) -> Result<Invitation> {
    let role: String = r.try_get("role")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        role: parse_role(&role)?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        max_uses: r.try_get("max_uses")?,
        uses: r.try_get("uses")?,
        for_user_id: r.try_get("for_user_id")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_invitation(
        &self,
        token_hash: &str,
        community_id: i64,
        role: Role,
        created_by: Option<i64>,
        expires_at: &str,
        max_uses: Option<i64>,
        for_user_id: Option<i64>,
    ) -> Result<Invitation> {
        let sql = format!(
            "INSERT INTO invitations (token_hash, community_id, role, created_by, created_at, expires_at, max_uses, for_user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {INVITATION}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(community_id)
            .bind(role.as_str())
            .bind(created_by)
            .bind(now())
            .bind(expires_at)
            .bind(max_uses)
            .bind(for_user_id)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        invitation(&row)
    }

    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let sql = format!("SELECT {INVITATION} FROM invitations WHERE token_hash = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&mut *self.conn().await?).await?;
        row.as_ref().map(invitation).transpose()
    }

    /// A community's invitations, newest first.
    pub async fn invitations(&self, community_id: i64) -> Result<Vec<Invitation>> {
        let sql = format!("SELECT {INVITATION} FROM invitations WHERE community_id = $1 ORDER BY id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(invitation).collect()
    }

    /// Counts one use of a live invitation; `Conflict` when it has none left (two people
    /// racing for a single-use link: one wins).
    pub async fn use_invitation(&self, id: i64, now: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE invitations SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             AND (max_uses IS NULL OR uses < max_uses)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::Conflict) } else { Ok(()) }
    }

    /// Revokes an invitation; `Conflict` if it was revoked already.
    pub async fn revoke_invitation(&self, id: i64) -> Result<()> {
        let done = sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::Conflict) } else { Ok(()) }
    }
}
