//! Comments on convenings, stories, a community's framework and proposals, with the
//! record of who hid or restored them.

use super::{Flag, Result, Store, found, now};
use serde::Serialize;

/// A stored comment with its author's name (empty when the account is gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub community_id: i64,
    pub target_kind: String,
    pub target_id: i64,
    pub parent_id: Option<i64>,
    pub author_user_id: Option<i64>,
    pub author_name: String,
    pub body: String,
    #[sqlx(try_from = "Flag")]
    pub hidden: bool,
    pub created_at: String,
}

/// One moderation step: a steward hid or restored a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CommentAction {
    pub comment_id: i64,
    pub action: String,
    pub by_user_id: Option<i64>,
    pub by_name: String,
    pub at: String,
}

const COMMENT: &str = "c.id, c.community_id, c.target_kind, c.target_id, c.parent_id, c.author_user_id, \
    COALESCE(u.name, '') AS author_name, c.body, CAST(c.hidden AS INTEGER) AS hidden, c.created_at";

/// What a new comment is on and says.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub community_id: i64,
    pub target_kind: &'a str,
    pub target_id: i64,
    pub parent_id: Option<i64>,
    pub author_user_id: i64,
    pub body: &'a str,
}

impl Store {
    pub async fn add_comment(&self, c: &NewComment<'_>) -> Result<Comment> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (community_id, target_kind, target_id, parent_id, author_user_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(c.community_id)
        .bind(c.target_kind)
        .bind(c.target_id)
        .bind(c.parent_id)
        .bind(c.author_user_id)
        .bind(c.body)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        self.comment(id).await?.ok_or(super::StoreError::NotFound)
    }

    pub async fn comment(&self, id: i64) -> Result<Option<Comment>> {
        let sql =
            format!("SELECT {COMMENT} FROM comments c LEFT JOIN users u ON u.id = c.author_user_id WHERE c.id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.conn().await?).await?)
    }

    /// The comments on one target, oldest first (replies come after their parent when
    /// the caller groups them by `parent_id`).
    pub async fn comments(&self, target_kind: &str, target_id: i64) -> Result<Vec<Comment>> {
        let sql = format!(
            "SELECT {COMMENT} FROM comments c LEFT JOIN users u ON u.id = c.author_user_id \
             WHERE c.target_kind = $1 AND c.target_id = $2 ORDER BY c.id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(target_kind)
            .bind(target_id)
            .fetch_all(&mut *self.conn().await?)
            .await?)
    }

    /// Every comment of a community (export).
    pub async fn community_comments(&self, community_id: i64) -> Result<Vec<Comment>> {
        let sql = format!(
            "SELECT {COMMENT} FROM comments c LEFT JOIN users u ON u.id = c.author_user_id \
             WHERE c.community_id = $1 ORDER BY c.id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Hides or restores a comment and records who did it, in one transaction.
    pub async fn set_comment_hidden(&self, id: i64, hidden: bool, by: Option<i64>) -> Result<()> {
        self.transaction(|s| {
            Box::pin(async move {
                let mut conn = s.conn().await?;
                let done = sqlx::query("UPDATE comments SET hidden = $1 WHERE id = $2")
                    .bind(i64::from(hidden))
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                found(&done)?;
                sqlx::query("INSERT INTO comment_actions (comment_id, action, by_user_id, at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(if hidden { "hide" } else { "restore" })
                    .bind(by)
                    .bind(now())
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// The moderation record of the comments on one target, oldest first.
    pub async fn comment_actions(&self, target_kind: &str, target_id: i64) -> Result<Vec<CommentAction>> {
        Ok(sqlx::query_as(
            "SELECT a.comment_id, a.action, a.by_user_id, COALESCE(u.name, '') AS by_name, a.at FROM comment_actions a \
             JOIN comments c ON c.id = a.comment_id LEFT JOIN users u ON u.id = a.by_user_id \
             WHERE c.target_kind = $1 AND c.target_id = $2 ORDER BY a.id",
        )
        .bind(target_kind)
        .bind(target_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    /// Removes the comments on a target that is being deleted.
    pub async fn delete_comments_on(&self, target_kind: &str, target_id: i64) -> Result<()> {
        sqlx::query("DELETE FROM comments WHERE target_kind = $1 AND target_id = $2")
            .bind(target_kind)
            .bind(target_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Who wants mail about new comments on a target: its earlier commenters and the
    /// extra users named (a story's teller), who opted in, with their e-mail address.
    pub async fn comment_watchers(
        &self,
        target_kind: &str,
        target_id: i64,
        extra: Option<i64>,
    ) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.email FROM users u WHERE CAST(u.notify_comments AS INTEGER) = 1 AND \
             (u.id IN (SELECT author_user_id FROM comments WHERE target_kind = $1 AND target_id = $2) OR u.id = $3) \
             ORDER BY u.id",
        )
        .bind(target_kind)
        .bind(target_id)
        .bind(extra)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}
