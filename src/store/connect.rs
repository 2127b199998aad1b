//! What connects a community to the world outside it: whether it is private, its
//! mailing list and wiki page title, members' consent to be counted on its map and to
//! get comment mail, and the lists public pages, feeds and the digest are made from.

use super::{Community, Flag, Result, Store, found};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A community's settings for its public face and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, sqlx::FromRow)]
pub struct PublicSettings {
    #[sqlx(try_from = "Flag")]
    pub private: bool,
    /// The mailing list the digest goes to ('' = none).
    pub list_address: String,
    /// Whether the digest goes out by itself at the start of every month.
    #[sqlx(try_from = "Flag")]
    pub digest_monthly: bool,
    /// The wiki page title reports are exported under ('' = the default).
    pub wiki_title: String,
}

/// A member's choices about what convene may do with their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, sqlx::FromRow)]
pub struct UserPrefs {
    /// Their home city may be counted on public maps of where participants came from.
    #[sqlx(try_from = "Flag")]
    pub share_place: bool,
    /// They get an e-mail about new comments where they took part.
    #[sqlx(try_from = "Flag")]
    pub notify_comments: bool,
}

impl Store {
    pub async fn public_settings(&self, community_id: i64) -> Result<PublicSettings> {
        sqlx::query_as(
            "SELECT CAST(private AS INTEGER) AS private, list_address, CAST(digest_monthly AS INTEGER) AS digest_monthly, \
             wiki_title FROM communities WHERE id = $1",
        )
        .bind(community_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .ok_or(super::StoreError::NotFound)
    }

    pub async fn set_public_settings(&self, community_id: i64, s: &PublicSettings) -> Result<()> {
        let done = sqlx::query(
            "UPDATE communities SET private = $1, list_address = $2, digest_monthly = $3, wiki_title = $4 WHERE id = $5",
        )
        .bind(i64::from(s.private))
        .bind(&s.list_address)
        .bind(i64::from(s.digest_monthly))
        .bind(&s.wiki_title)
        .bind(community_id)
        .execute(&mut *self.conn().await?)
        .await?;
        found(&done)
    }

    /// Communities anyone may see, by name.
    pub async fn public_communities(&self) -> Result<Vec<Community>> {
        Ok(self.communities().await?.into_iter().filter(|c| !c.private).collect())
    }

    /// Public communities that send a monthly digest to a list.
    pub async fn monthly_digest_communities(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT id FROM communities WHERE CAST(digest_monthly AS INTEGER) = 1 AND list_address <> '' ORDER BY id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    pub async fn user_prefs(&self, user_id: i64) -> Result<UserPrefs> {
        sqlx::query_as(
            "SELECT CAST(share_place AS INTEGER) AS share_place, CAST(notify_comments AS INTEGER) AS notify_comments \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .ok_or(super::StoreError::NotFound)
    }

    pub async fn set_user_prefs(&self, user_id: i64, p: UserPrefs) -> Result<()> {
        let done = sqlx::query("UPDATE users SET share_place = $1, notify_comments = $2 WHERE id = $3")
            .bind(i64::from(p.share_place))
            .bind(i64::from(p.notify_comments))
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        found(&done)
    }

    /// The home places of a community's participants who allowed them to be counted
    /// (one row per person, however many convenings they joined).
    pub async fn shared_home_places(&self, community_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT u.home_place FROM users u WHERE CAST(u.share_place AS INTEGER) = 1 AND u.home_place <> '' \
             AND u.id IN (SELECT p.user_id FROM participants p JOIN convenings c ON c.id = p.convening_id \
             WHERE c.community_id = $1 AND p.removed_at IS NULL AND p.user_id IS NOT NULL) ORDER BY u.id",
        )
        .bind(community_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("home_place")?)).collect()
    }
}
