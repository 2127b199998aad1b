//! Saved planner scenarios of a convening.

use super::{Result, Store, found, now};
use serde::{Deserialize, Serialize};

/// A saved planner scenario (see the planner module for what `params`/`result` hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub convening_id: i64,
    pub name: String,
    pub params: String,
    pub result: String,
    pub created_by: Option<i64>,
    pub created_at: String,
}

impl Store {
    pub async fn save_plan(
        &self,
        convening_id: i64,
        name: &str,
        params: &str,
        result: &str,
        created_by: Option<i64>,
    ) -> Result<Plan> {
        Ok(sqlx::query_as(
            "INSERT INTO plans (convening_id, name, params, result, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, convening_id, name, params, result, created_by, created_at",
        )
        .bind(convening_id)
        .bind(name)
        .bind(params)
        .bind(result)
        .bind(created_by)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    pub async fn plan(&self, id: i64) -> Result<Option<Plan>> {
        Ok(sqlx::query_as(
            "SELECT id, convening_id, name, params, result, created_by, created_at FROM plans WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?)
    }

    /// The saved plans of a convening, newest first.
    pub async fn plans(&self, convening_id: i64) -> Result<Vec<Plan>> {
        Ok(sqlx::query_as(
            "SELECT id, convening_id, name, params, result, created_by, created_at FROM plans \
             WHERE convening_id = $1 ORDER BY id DESC",
        )
        .bind(convening_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    pub async fn delete_plan(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM plans WHERE id = $1").bind(id).execute(&mut *self.conn().await?).await?;
        found(&done)
    }
}
