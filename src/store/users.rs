//! Accounts, sessions and API tokens.

use super::{Flag, Result, Store, StoreError, found, map_unique, now};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "Flag")]
    pub is_admin: bool,
    pub home_place: String,
    pub created_at: String,
    /// Whether the account can sign in (imported members have no password yet).
    #[sqlx(try_from = "Flag")]
    #[serde(default = "yes")]
    pub has_password: bool,
}

fn yes() -> bool {
    true
}

const USER: &str = "u.id, u.email, u.name, CAST(u.is_admin AS INTEGER) AS is_admin, u.home_place, u.created_at, \
                    CAST(u.password_hash IS NOT NULL AS INTEGER) AS has_password";

/// A bearer token as its owner sees it in the list (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
}

impl Store {
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
        is_admin: bool,
    ) -> Result<User> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, is_admin, home_place, created_at) \
             VALUES ($1, $2, $3, $4, '', $5) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(is_admin)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(map_unique)?;
        self.user(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER} FROM users u WHERE u.id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    /// The user and their password hash, by (lower-cased) e-mail.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let sql = format!("SELECT {USER} FROM users u WHERE u.email = $1");
        let mut conn = self.conn().await?;
        let Some(user) =
            sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(&mut *conn).await?
        else {
            return Ok(None);
        };
        let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Some((user, hash)))
    }

    /// The password hash of an account (`None`: no password yet).
    pub async fn password_hash(&self, user_id: i64) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// Changes a user's name and e-mail (`Conflict` when the e-mail is taken).
    pub async fn set_identity(&self, user_id: i64, name: &str, email: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET name = $1, email = $2 WHERE id = $3")
            .bind(name)
            .bind(email)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(map_unique)?;
        found(&done)
    }

    pub async fn set_home_place(&self, user_id: i64, home_place: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET home_place = $1 WHERE id = $2")
            .bind(home_place)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    pub async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: &str) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now())
            .bind(expires_at)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// The signed-in user of a live session (`now` < expiry).
    pub async fn session_user(&self, token_hash: &str, now: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *self.conn().await?)
            .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Signs a user out everywhere, except the session `keep` (the one in use) if given.
    pub async fn delete_sessions_of(&self, user_id: i64, keep: Option<&str>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes expired sessions; returns how many.
    pub async fn purge_sessions(&self, now: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        name: &str,
        expires_at: Option<&str>,
    ) -> Result<ApiToken> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(name)
        .bind(now())
        .bind(expires_at)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        self.api_tokens(user_id).await?.into_iter().find(|t| t.id == id).ok_or(StoreError::NotFound)
    }

    /// The user a live token belongs to; records that the token was used.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let now = now();
        let sql = format!(
            "SELECT {USER} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)"
        );
        let mut conn = self.conn().await?;
        let user: Option<User> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(&now).fetch_optional(&mut *conn).await?;
        if user.is_some() {
            // The date is enough: one write a day per token, not one per request.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
                 AND (last_used_at IS NULL OR substr(last_used_at, 1, 10) <> substr($1, 1, 10))",
            )
            .bind(&now)
            .bind(token_hash)
            .execute(&mut *conn)
            .await?;
        }
        Ok(user)
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, name, created_at, last_used_at, expires_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    /// Revokes (deletes) one of a user's tokens.
    pub async fn delete_api_token(&self, user_id: i64, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }
}
