//! Communities, their versioned frameworks, members and invitation links.

use super::{Flag, Result, Store, StoreError, found, map_unique, now};
use crate::domain::Role;
use crate::domain::framework::Framework;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub framework_id: i64,
    pub created_at: String,
    /// Nothing of a private community is shown to anyone but its members.
    #[sqlx(try_from = "Flag")]
    #[serde(default)]
    pub private: bool,
}

const COMMUNITY: &str = "id, slug, name, description, framework_id, created_at, CAST(private AS INTEGER) AS private";

/// One version of a community's framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkVersion {
    pub id: i64,
    pub community_id: i64,
    pub version: i64,
    pub framework: Framework,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub home_place: String,
    /// Whether the member's account can sign in yet.
    pub has_password: bool,
}

pub(super) fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role '{s}'")))
}

fn framework_version(r: &sqlx::any::AnyRow) -> Result<FrameworkVersion> {
    let id: i64 = r.try_get("id")?;
    let body: String = r.try_get("body")?;
    Ok(FrameworkVersion {
        id,
        community_id: r.try_get("community_id")?,
        version: r.try_get("version")?,
        framework: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("framework {id}: {e}")))?,
        created_at: r.try_get("created_at")?,
    })
}

fn to_json(framework: &Framework) -> Result<String> {
    serde_json::to_string(framework).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Stores `body` as the community's next framework version and makes it current (inside
/// the caller's transaction); returns its id and version number.
pub(super) async fn append_version(
    c: &mut sqlx::AnyConnection,
    community_id: i64,
    body: &str,
    now: &str,
) -> Result<(i64, i64)> {
    let max: i64 = sqlx::query_scalar("SELECT MAX(version) FROM frameworks WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(&mut *c)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO frameworks (community_id, version, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(community_id)
    .bind(max + 1)
    .bind(body)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    sqlx::query("UPDATE communities SET framework_id = $1 WHERE id = $2")
        .bind(id)
        .bind(community_id)
        .execute(&mut *c)
        .await?;
    Ok((id, max + 1))
}

impl Store {
    /// Creates the community with version 1 of `framework`; `steward` becomes its steward.
    pub async fn create_community(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        framework: &Framework,
        steward: Option<i64>,
    ) -> Result<Community> {
        let body = to_json(framework)?;
        let (slug, name, description) = (slug.to_string(), name.to_string(), description.to_string());
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO communities (slug, name, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&slug)
                .bind(&name)
                .bind(&description)
                .bind(&now)
                .fetch_one(&mut *c)
                .await
                .map_err(map_unique)?;
                let fid: i64 = sqlx::query_scalar(
                    "INSERT INTO frameworks (community_id, version, body, created_at) VALUES ($1, 1, $2, $3) RETURNING id",
                )
                .bind(id)
                .bind(&body)
                .bind(&now)
                .fetch_one(&mut *c)
                .await?;
                sqlx::query("UPDATE communities SET framework_id = $1 WHERE id = $2")
                    .bind(fid)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                if let Some(uid) = steward {
                    sqlx::query("INSERT INTO memberships (community_id, user_id, role) VALUES ($1, $2, 'steward')")
                        .bind(id)
                        .bind(uid)
                        .execute(&mut *c)
                        .await?;
                }
                Ok(Community { id, slug, name, description, framework_id: fid, created_at: now, private: false })
            })
        })
        .await
    }

    pub async fn community(&self, slug: &str) -> Result<Option<Community>> {
        let sql = format!("SELECT {COMMUNITY} FROM communities WHERE slug = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(&mut *self.conn().await?).await?)
    }

    pub async fn community_by_id(&self, id: i64) -> Result<Option<Community>> {
        let sql = format!("SELECT {COMMUNITY} FROM communities WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    pub async fn communities(&self) -> Result<Vec<Community>> {
        let sql = format!("SELECT {COMMUNITY} FROM communities ORDER BY name");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *self.conn().await?).await?)
    }

    pub async fn update_community(&self, id: i64, name: &str, description: &str) -> Result<()> {
        let done = sqlx::query("UPDATE communities SET name = $1, description = $2 WHERE id = $3")
            .bind(name)
            .bind(description)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Deletes a community and everything in it.
    pub async fn delete_community(&self, id: i64) -> Result<()> {
        self.transaction(|s| {
            Box::pin(async move {
                let mut c = s.conn().await?;
                // Stories point at framework versions without cascading; remove them first.
                sqlx::query(
                    "DELETE FROM stories WHERE convening_id IN (SELECT id FROM convenings WHERE community_id = $1)",
                )
                .bind(id)
                .execute(&mut *c)
                .await?;
                sqlx::query("UPDATE communities SET framework_id = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                let done = sqlx::query("DELETE FROM communities WHERE id = $1").bind(id).execute(&mut *c).await?;
                found(&done)
            })
        })
        .await
    }

    /// The community's travel model as JSON ("" = the defaults).
    pub async fn travel_model(&self, community_id: i64) -> Result<String> {
        sqlx::query_scalar("SELECT travel_model FROM communities WHERE id = $1")
            .bind(community_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn set_travel_model(&self, community_id: i64, json: &str) -> Result<()> {
        let done = sqlx::query("UPDATE communities SET travel_model = $1 WHERE id = $2")
            .bind(json)
            .bind(community_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    pub async fn framework(&self, id: i64) -> Result<Option<FrameworkVersion>> {
        let row = sqlx::query("SELECT id, community_id, version, body, created_at FROM frameworks WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(framework_version).transpose()
    }

    pub async fn framework_versions(&self, community_id: i64) -> Result<Vec<FrameworkVersion>> {
        let rows = sqlx::query(
            "SELECT id, community_id, version, body, created_at FROM frameworks WHERE community_id = $1 ORDER BY version",
        )
        .bind(community_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(framework_version).collect()
    }

    /// Saves an edited framework for the community: replaces the current version while no
    /// story uses it, otherwise (or when `new_version`) adds a version that becomes current.
    pub async fn save_framework(
        &self,
        community_id: i64,
        framework: &Framework,
        new_version: bool,
    ) -> Result<FrameworkVersion> {
        let body = to_json(framework)?;
        let framework = framework.clone();
        self.transaction(|s| {
            Box::pin(async move {
                let now = now();
                let mut c = s.conn().await?;
                let row = sqlx::query(
                    "SELECT f.id, f.version, f.created_at, \
                     CAST(EXISTS (SELECT 1 FROM stories s WHERE s.framework_id = f.id) AS INTEGER) AS used \
                     FROM communities c JOIN frameworks f ON f.id = c.framework_id WHERE c.id = $1",
                )
                .bind(community_id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(StoreError::NotFound)?;
                let (cur_id, cur_version): (i64, i64) = (row.try_get("id")?, row.try_get("version")?);
                let used = row.try_get::<i64, _>("used")? != 0;
                if used || new_version {
                    let (id, version) = append_version(&mut c, community_id, &body, &now).await?;
                    Ok(FrameworkVersion { id, community_id, version, framework, created_at: now })
                } else {
                    sqlx::query("UPDATE frameworks SET body = $1 WHERE id = $2")
                        .bind(&body)
                        .bind(cur_id)
                        .execute(&mut *c)
                        .await?;
                    let created_at = row.try_get("created_at")?;
                    Ok(FrameworkVersion { id: cur_id, community_id, version: cur_version, framework, created_at })
                }
            })
        })
        .await
    }

    pub async fn role(&self, community_id: i64, user_id: i64) -> Result<Option<Role>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE community_id = $1 AND user_id = $2")
                .bind(community_id)
                .bind(user_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        role.as_deref().map(parse_role).transpose()
    }

    /// Adds a member; an existing member keeps the higher of the two roles.
    pub async fn add_member(&self, community_id: i64, user_id: i64, role: Role) -> Result<()> {
        sqlx::query(
            "INSERT INTO memberships (community_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (community_id, user_id) DO UPDATE SET role = \
             CASE WHEN memberships.role = 'steward' THEN 'steward' ELSE excluded.role END",
        )
        .bind(community_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Sets a member's role (up or down).
    pub async fn set_role(&self, community_id: i64, user_id: i64, role: Role) -> Result<()> {
        let done = sqlx::query("UPDATE memberships SET role = $1 WHERE community_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(community_id)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Removes a member from the community (their stories stay).
    pub async fn remove_member(&self, community_id: i64, user_id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
            .bind(community_id)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// The communities a user belongs to.
    pub async fn communities_of(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT community_id FROM memberships WHERE user_id = $1 ORDER BY community_id")
            .bind(user_id)
            .fetch_all(&mut *self.conn().await?)
            .await?)
    }

    /// Whether any convening of the community holds a story.
    pub async fn community_has_stories(&self, community_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM stories WHERE convening_id IN (SELECT id FROM convenings WHERE community_id = $1)",
        )
        .bind(community_id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(n > 0)
    }

    pub async fn members(&self, community_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.email, u.home_place, m.role, \
             CAST(u.password_hash IS NOT NULL AS INTEGER) AS has_password \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.community_id = $1 ORDER BY u.name, u.id",
        )
        .bind(community_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    user_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    role: parse_role(&r.try_get::<String, _>("role")?)?,
                    home_place: r.try_get("home_place")?,
                    has_password: r.try_get::<i64, _>("has_password")? != 0,
                })
            })
            .collect()
    }
}
