//! Persistence: the `Store` trait and its two implementations, SQLite (the default, one
//! file) and PostgreSQL, chosen by the database URL.

mod postgres;
mod sql;
mod sqlite;

use crate::domain::Role;
use crate::domain::convening::NewConvening;
use crate::domain::framework::Framework;
use crate::domain::story::{NewStory, Story};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is already taken (slug, e-mail, …).
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub home_place: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub framework_id: i64,
    pub created_at: String,
}

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub community_id: i64,
    pub role: Role,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Convening {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub mode: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub status: String,
    pub description: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: i64,
    pub convening_id: i64,
    /// Set for members; `None` for a named guest.
    pub user_id: Option<i64>,
    pub name: String,
    /// Whether a private answer link has been issued.
    pub has_link: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aspiration {
    pub id: i64,
    pub convening_id: i64,
    pub cycle: String,
    pub text: String,
    pub author_user_id: Option<i64>,
}

/// A saved planner scenario (see the planner module for what `params`/`result` hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: i64,
    pub convening_id: i64,
    pub name: String,
    pub params: String,
    pub result: String,
    pub created_by: Option<i64>,
    pub created_at: String,
}

/// Who tells a story: the member and/or the participant row, and the name at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teller {
    pub user_id: Option<i64>,
    pub participant_id: Option<i64>,
    pub name: String,
}

/// Everything convene keeps, behind one interface so that SQLite and PostgreSQL pass
/// the same contract tests. Every method that returns `Ok` has committed its write.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Applies the embedded migrations of this backend.
    async fn migrate(&self) -> Result<()>;
    /// `select 1` — for the health endpoint.
    async fn ping(&self) -> Result<()>;

    async fn create_user(&self, email: &str, name: &str, password_hash: Option<&str>, is_admin: bool) -> Result<User>;
    async fn user(&self, id: i64) -> Result<Option<User>>;
    /// The user and their password hash, by (lower-cased) e-mail.
    async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>>;
    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()>;
    async fn set_home_place(&self, user_id: i64, home_place: &str) -> Result<()>;

    async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: &str) -> Result<()>;
    /// The signed-in user of a live session (`now` < expiry).
    async fn session_user(&self, token_hash: &str, now: &str) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn create_api_token(&self, token_hash: &str, user_id: i64) -> Result<()>;
    async fn token_user(&self, token_hash: &str) -> Result<Option<User>>;

    /// Creates the community with version 1 of `framework`; `steward` becomes its steward.
    async fn create_community(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        framework: &Framework,
        steward: Option<i64>,
    ) -> Result<Community>;
    async fn community(&self, slug: &str) -> Result<Option<Community>>;
    async fn community_by_id(&self, id: i64) -> Result<Option<Community>>;
    async fn communities(&self) -> Result<Vec<Community>>;
    /// The community's travel model as JSON ("" = the defaults).
    async fn travel_model(&self, community_id: i64) -> Result<String>;
    async fn set_travel_model(&self, community_id: i64, json: &str) -> Result<()>;

    async fn framework(&self, id: i64) -> Result<Option<FrameworkVersion>>;
    async fn framework_versions(&self, community_id: i64) -> Result<Vec<FrameworkVersion>>;
    /// Saves an edited framework for the community: replaces the current version while no
    /// story uses it, otherwise (or when `new_version`) adds a version that becomes current.
    async fn save_framework(
        &self,
        community_id: i64,
        framework: &Framework,
        new_version: bool,
    ) -> Result<FrameworkVersion>;

    async fn role(&self, community_id: i64, user_id: i64) -> Result<Option<Role>>;
    /// Adds a member; an existing member keeps the higher of the two roles.
    async fn add_member(&self, community_id: i64, user_id: i64, role: Role) -> Result<()>;
    async fn members(&self, community_id: i64) -> Result<Vec<Member>>;
    async fn create_invite(
        &self,
        token_hash: &str,
        community_id: i64,
        role: Role,
        created_by: i64,
        expires_at: &str,
    ) -> Result<()>;
    async fn invite(&self, token_hash: &str) -> Result<Option<Invite>>;

    async fn create_convening(&self, community_id: i64, c: &NewConvening) -> Result<Convening>;
    async fn convening(&self, id: i64) -> Result<Option<Convening>>;
    async fn convenings(&self, community_id: i64) -> Result<Vec<Convening>>;
    /// Sets the convening's place (e.g. the host a plan chose).
    async fn set_convening_place(&self, id: i64, place: &str) -> Result<()>;
    /// Adds a member (`user_id`) or a named guest; adding a member twice returns the row.
    async fn add_participant(&self, convening_id: i64, user_id: Option<i64>, name: &str) -> Result<Participant>;
    async fn participants(&self, convening_id: i64) -> Result<Vec<Participant>>;
    async fn set_participant_link(&self, participant_id: i64, link_hash: &str) -> Result<()>;
    async fn participant_by_link(&self, link_hash: &str) -> Result<Option<Participant>>;
    async fn add_aspiration(
        &self,
        convening_id: i64,
        cycle: &str,
        text: &str,
        author: Option<i64>,
    ) -> Result<Aspiration>;
    async fn aspirations(&self, convening_id: i64) -> Result<Vec<Aspiration>>;

    async fn save_plan(
        &self,
        convening_id: i64,
        name: &str,
        params: &str,
        result: &str,
        created_by: Option<i64>,
    ) -> Result<Plan>;
    async fn plan(&self, id: i64) -> Result<Option<Plan>>;
    /// The saved plans of a convening, newest first.
    async fn plans(&self, convening_id: i64) -> Result<Vec<Plan>>;

    /// Stores a story and its steps in one transaction.
    async fn create_story(
        &self,
        convening_id: i64,
        framework_id: i64,
        teller: &Teller,
        story: &NewStory,
        created_at: &str,
    ) -> Result<Story>;
    async fn story(&self, id: i64) -> Result<Option<Story>>;
    /// All stories of a convening, oldest first; callers filter by visibility.
    async fn stories(&self, convening_id: i64) -> Result<Vec<Story>>;
}

pub type DynStore = Arc<dyn Store>;

/// Opens the store a URL names: `postgres://…`/`postgresql://…` for PostgreSQL,
/// `sqlite:…` or a plain file path for SQLite. Migrations are applied.
pub async fn open(url: &str) -> Result<DynStore> {
    let store: DynStore = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PgStore::connect(url).await?)
    } else {
        Arc::new(SqliteStore::open(url).await?)
    };
    store.migrate().await?;
    Ok(store)
}

/// The current time as RFC 3339 UTC text, the form every timestamp is stored in.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// RFC 3339 UTC text for `now + seconds`.
pub fn in_seconds(seconds: i64) -> String {
    (time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        + time::Duration::seconds(seconds))
    .format(&time::format_description::well_known::Rfc3339)
    .unwrap_or_default()
}
