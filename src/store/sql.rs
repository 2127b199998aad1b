//! The queries behind `Store`, written once for both backends. The SQL is portable
//! (`$n` placeholders, `RETURNING`, `ON CONFLICT`), so the `impl_store!` macro stamps
//! the same method bodies onto `SqliteStore` and `PgStore`; only connecting and
//! migrating differ, and those live in `sqlite.rs` and `postgres.rs`.

use super::{Aspiration, Community, Convening, FrameworkVersion, Member, Participant, Plan, StoreError, User};
use crate::domain::Role;
use crate::domain::story::{Step, StepKind, Story, Visibility};
use sqlx::Row;

pub(super) fn user<R: Row>(r: &R) -> Result<User, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        is_admin: r.try_get("is_admin")?,
        home_place: r.try_get("home_place")?,
        created_at: r.try_get("created_at")?,
    })
}

macro_rules! row_fn {
    ($name:ident -> $ty:ident { $($field:ident),* $(,)? }) => {
        pub(super) fn $name<R: Row>(r: &R) -> Result<$ty, StoreError>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            Ok($ty { $($field: r.try_get(stringify!($field))?),* })
        }
    };
}

row_fn!(community -> Community { id, slug, name, description, framework_id, created_at });
row_fn!(convening -> Convening { id, community_id, title, mode, starts_on, ends_on, place, status, description, created_at });
row_fn!(aspiration -> Aspiration { id, convening_id, cycle, text, author_user_id });
row_fn!(plan -> Plan { id, convening_id, name, params, result, created_by, created_at });

pub(super) fn participant<R: Row>(r: &R) -> Result<Participant, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Participant {
        id: r.try_get("id")?,
        convening_id: r.try_get("convening_id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        has_link: r.try_get::<Option<String>, _>("link_hash")?.is_some(),
    })
}

pub(super) fn member<R: Row>(r: &R) -> Result<Member, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Member {
        user_id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        role: parse_role(&r.try_get::<String, _>("role")?)?,
        home_place: r.try_get("home_place")?,
    })
}

pub(super) fn parse_role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role '{s}'")))
}

pub(super) fn framework_version(
    id: i64,
    community_id: i64,
    version: i64,
    body: &str,
    created_at: String,
) -> Result<FrameworkVersion, StoreError> {
    let framework = serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("framework {id}: {e}")))?;
    Ok(FrameworkVersion { id, community_id, version, framework, created_at })
}

pub(super) fn story_head<R: Row>(r: &R) -> Result<Story, StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let vis: String = r.try_get("visibility")?;
    Ok(Story {
        id: r.try_get("id")?,
        convening_id: r.try_get("convening_id")?,
        framework_id: r.try_get("framework_id")?,
        teller_user_id: r.try_get("teller_user_id")?,
        participant_id: r.try_get("participant_id")?,
        teller_name: r.try_get("teller_name")?,
        title: r.try_get("title")?,
        language: r.try_get("language")?,
        visibility: Visibility::parse(&vis).map_err(|_| StoreError::Corrupt(format!("visibility '{vis}'")))?,
        show_name: r.try_get("show_name")?,
        created_at: r.try_get("created_at")?,
        steps: Vec::new(),
    })
}

/// Decodes one `story_steps` row and attaches it to its story (rows come ordered by
/// story, then position).
pub(super) fn attach_step<R: Row>(stories: &mut [Story], r: &R) -> Result<(), StoreError>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let story_id: i64 = r.try_get("story_id")?;
    let kind: String = r.try_get("kind")?;
    let indicators: String = r.try_get("indicators")?;
    let step = Step {
        cycle: r.try_get("cycle")?,
        kind: StepKind::parse(&kind, "kind").map_err(|_| StoreError::Corrupt(format!("kind '{kind}'")))?,
        text: r.try_get("text")?,
        indicators: serde_json::from_str(&indicators).map_err(|e| StoreError::Corrupt(format!("indicators: {e}")))?,
    };
    if let Some(s) = stories.iter_mut().find(|s| s.id == story_id) {
        s.steps.push(step);
    }
    Ok(())
}

pub(super) fn map_unique(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Db(e),
    }
}

/// Implements `Store` for a struct with a `pool` field of the given sqlx pool type.
macro_rules! impl_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn migrate(&self) -> $crate::store::Result<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> $crate::store::Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_user(&self, email: &str, name: &str, password_hash: Option<&str>, is_admin: bool) -> $crate::store::Result<User> {
                let row = sqlx::query("INSERT INTO users (email, name, password_hash, is_admin, home_place, created_at) VALUES ($1, $2, $3, $4, '', $5) RETURNING id, email, name, is_admin, home_place, created_at")
                    .bind(email).bind(name).bind(password_hash).bind(is_admin).bind($crate::store::now())
                    .fetch_one(&self.pool).await.map_err(sql::map_unique)?;
                sql::user(&row)
            }

            async fn user(&self, id: i64) -> $crate::store::Result<Option<User>> {
                let row = sqlx::query("SELECT id, email, name, is_admin, home_place, created_at FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::user).transpose()
            }

            async fn user_by_email(&self, email: &str) -> $crate::store::Result<Option<(User, Option<String>)>> {
                let row = sqlx::query("SELECT id, email, name, is_admin, home_place, created_at, password_hash FROM users WHERE email = $1").bind(email).fetch_optional(&self.pool).await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some((sql::user(&r)?, r.try_get("password_hash")?))),
                }
            }

            async fn set_password(&self, user_id: i64, password_hash: &str) -> $crate::store::Result<()> {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user_id).execute(&self.pool).await?;
                Ok(())
            }

            async fn set_home_place(&self, user_id: i64, home_place: &str) -> $crate::store::Result<()> {
                sqlx::query("UPDATE users SET home_place = $1 WHERE id = $2").bind(home_place).bind(user_id).execute(&self.pool).await?;
                Ok(())
            }

            async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: &str) -> $crate::store::Result<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash).bind(user_id).bind($crate::store::now()).bind(expires_at).execute(&self.pool).await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: &str) -> $crate::store::Result<Option<User>> {
                let row = sqlx::query("SELECT u.id, u.email, u.name, u.is_admin, u.home_place, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2")
                    .bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::user).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> $crate::store::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn create_api_token(&self, token_hash: &str, user_id: i64) -> $crate::store::Result<()> {
                sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
                    .bind(token_hash).bind(user_id).bind($crate::store::now()).execute(&self.pool).await?;
                Ok(())
            }

            async fn token_user(&self, token_hash: &str) -> $crate::store::Result<Option<User>> {
                let row = sqlx::query("SELECT u.id, u.email, u.name, u.is_admin, u.home_place, u.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1")
                    .bind(token_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::user).transpose()
            }

            async fn create_community(&self, slug: &str, name: &str, description: &str, framework: &Framework, steward: Option<i64>) -> $crate::store::Result<Community> {
                let body = serde_json::to_string(framework).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let now = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                let id: i64 = sqlx::query("INSERT INTO communities (slug, name, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(slug).bind(name).bind(description).bind(&now)
                    .fetch_one(&mut *tx).await.map_err(sql::map_unique)?.try_get("id")?;
                let fid: i64 = sqlx::query("INSERT INTO frameworks (community_id, version, body, created_at) VALUES ($1, 1, $2, $3) RETURNING id")
                    .bind(id).bind(&body).bind(&now).fetch_one(&mut *tx).await?.try_get("id")?;
                sqlx::query("UPDATE communities SET framework_id = $1 WHERE id = $2").bind(fid).bind(id).execute(&mut *tx).await?;
                if let Some(uid) = steward {
                    sqlx::query("INSERT INTO memberships (community_id, user_id, role) VALUES ($1, $2, 'steward')").bind(id).bind(uid).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Community { id, slug: slug.into(), name: name.into(), description: description.into(), framework_id: fid, created_at: now })
            }

            async fn community(&self, slug: &str) -> $crate::store::Result<Option<Community>> {
                let row = sqlx::query("SELECT id, slug, name, description, framework_id, created_at FROM communities WHERE slug = $1").bind(slug).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::community).transpose()
            }

            async fn community_by_id(&self, id: i64) -> $crate::store::Result<Option<Community>> {
                let row = sqlx::query("SELECT id, slug, name, description, framework_id, created_at FROM communities WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::community).transpose()
            }

            async fn communities(&self) -> $crate::store::Result<Vec<Community>> {
                let rows = sqlx::query("SELECT id, slug, name, description, framework_id, created_at FROM communities ORDER BY name").fetch_all(&self.pool).await?;
                rows.iter().map(sql::community).collect()
            }

            async fn travel_model(&self, community_id: i64) -> $crate::store::Result<String> {
                let row = sqlx::query("SELECT travel_model FROM communities WHERE id = $1").bind(community_id).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
                Ok(row.try_get("travel_model")?)
            }

            async fn set_travel_model(&self, community_id: i64, json: &str) -> $crate::store::Result<()> {
                let done = sqlx::query("UPDATE communities SET travel_model = $1 WHERE id = $2").bind(json).bind(community_id).execute(&self.pool).await?;
                if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            }

            async fn framework(&self, id: i64) -> $crate::store::Result<Option<FrameworkVersion>> {
                let row = sqlx::query("SELECT id, community_id, version, body, created_at FROM frameworks WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some(sql::framework_version(r.try_get("id")?, r.try_get("community_id")?, r.try_get("version")?, &r.try_get::<String, _>("body")?, r.try_get("created_at")?)?)),
                }
            }

            async fn framework_versions(&self, community_id: i64) -> $crate::store::Result<Vec<FrameworkVersion>> {
                let rows = sqlx::query("SELECT id, community_id, version, body, created_at FROM frameworks WHERE community_id = $1 ORDER BY version").bind(community_id).fetch_all(&self.pool).await?;
                rows.iter().map(|r| sql::framework_version(r.try_get("id")?, r.try_get("community_id")?, r.try_get("version")?, &r.try_get::<String, _>("body")?, r.try_get("created_at")?)).collect()
            }

            async fn save_framework(&self, community_id: i64, framework: &Framework, new_version: bool) -> $crate::store::Result<FrameworkVersion> {
                let body = serde_json::to_string(framework).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let now = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query("SELECT f.id, f.version, f.created_at, EXISTS (SELECT 1 FROM stories s WHERE s.framework_id = f.id) AS used FROM communities c JOIN frameworks f ON f.id = c.framework_id WHERE c.id = $1")
                    .bind(community_id).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
                let (cur_id, cur_version, cur_created): (i64, i64, String) = (row.try_get("id")?, row.try_get("version")?, row.try_get("created_at")?);
                let used: bool = row.try_get("used")?;
                let saved = if used || new_version {
                    let max: i64 = sqlx::query("SELECT MAX(version) AS v FROM frameworks WHERE community_id = $1").bind(community_id).fetch_one(&mut *tx).await?.try_get("v")?;
                    let id: i64 = sqlx::query("INSERT INTO frameworks (community_id, version, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind(community_id).bind(max + 1).bind(&body).bind(&now).fetch_one(&mut *tx).await?.try_get("id")?;
                    sqlx::query("UPDATE communities SET framework_id = $1 WHERE id = $2").bind(id).bind(community_id).execute(&mut *tx).await?;
                    FrameworkVersion { id, community_id, version: max + 1, framework: framework.clone(), created_at: now }
                } else {
                    sqlx::query("UPDATE frameworks SET body = $1 WHERE id = $2").bind(&body).bind(cur_id).execute(&mut *tx).await?;
                    FrameworkVersion { id: cur_id, community_id, version: cur_version, framework: framework.clone(), created_at: cur_created }
                };
                tx.commit().await?;
                Ok(saved)
            }

            async fn role(&self, community_id: i64, user_id: i64) -> $crate::store::Result<Option<Role>> {
                let row = sqlx::query("SELECT role FROM memberships WHERE community_id = $1 AND user_id = $2").bind(community_id).bind(user_id).fetch_optional(&self.pool).await?;
                row.map(|r| sql::parse_role(&r.try_get::<String, _>("role")?)).transpose()
            }

            async fn add_member(&self, community_id: i64, user_id: i64, role: Role) -> $crate::store::Result<()> {
                // 'steward' > 'member' as text too, so MAX keeps the higher role.
                sqlx::query("INSERT INTO memberships (community_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (community_id, user_id) DO UPDATE SET role = CASE WHEN memberships.role = 'steward' THEN 'steward' ELSE excluded.role END")
                    .bind(community_id).bind(user_id).bind(role.as_str()).execute(&self.pool).await?;
                Ok(())
            }

            async fn members(&self, community_id: i64) -> $crate::store::Result<Vec<Member>> {
                let rows = sqlx::query("SELECT u.id, u.name, u.email, u.home_place, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.community_id = $1 ORDER BY u.name, u.id").bind(community_id).fetch_all(&self.pool).await?;
                rows.iter().map(sql::member).collect()
            }

            async fn create_invite(&self, token_hash: &str, community_id: i64, role: Role, created_by: i64, expires_at: &str) -> $crate::store::Result<()> {
                sqlx::query("INSERT INTO community_invites (token_hash, community_id, role, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(token_hash).bind(community_id).bind(role.as_str()).bind(created_by).bind(expires_at).execute(&self.pool).await?;
                Ok(())
            }

            async fn invite(&self, token_hash: &str) -> $crate::store::Result<Option<Invite>> {
                let row = sqlx::query("SELECT community_id, role, expires_at FROM community_invites WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.pool).await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some(Invite { community_id: r.try_get("community_id")?, role: sql::parse_role(&r.try_get::<String, _>("role")?)?, expires_at: r.try_get("expires_at")? })),
                }
            }

            async fn create_convening(&self, community_id: i64, c: &NewConvening) -> $crate::store::Result<Convening> {
                let row = sqlx::query("INSERT INTO convenings (community_id, title, mode, starts_on, ends_on, place, status, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, community_id, title, mode, starts_on, ends_on, place, status, description, created_at")
                    .bind(community_id).bind(&c.title).bind(c.mode.as_str())
                    .bind($crate::domain::convening::format_date(c.starts_on)).bind($crate::domain::convening::format_date(c.ends_on))
                    .bind(&c.place).bind(c.status.as_str()).bind(&c.description).bind($crate::store::now())
                    .fetch_one(&self.pool).await?;
                sql::convening(&row)
            }

            async fn convening(&self, id: i64) -> $crate::store::Result<Option<Convening>> {
                let row = sqlx::query("SELECT id, community_id, title, mode, starts_on, ends_on, place, status, description, created_at FROM convenings WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::convening).transpose()
            }

            async fn convenings(&self, community_id: i64) -> $crate::store::Result<Vec<Convening>> {
                let rows = sqlx::query("SELECT id, community_id, title, mode, starts_on, ends_on, place, status, description, created_at FROM convenings WHERE community_id = $1 ORDER BY starts_on DESC, id DESC").bind(community_id).fetch_all(&self.pool).await?;
                rows.iter().map(sql::convening).collect()
            }

            async fn set_convening_place(&self, id: i64, place: &str) -> $crate::store::Result<()> {
                let done = sqlx::query("UPDATE convenings SET place = $1 WHERE id = $2").bind(place).bind(id).execute(&self.pool).await?;
                if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            }

            async fn save_plan(&self, convening_id: i64, name: &str, params: &str, result: &str, created_by: Option<i64>) -> $crate::store::Result<Plan> {
                let row = sqlx::query("INSERT INTO plans (convening_id, name, params, result, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, convening_id, name, params, result, created_by, created_at")
                    .bind(convening_id).bind(name).bind(params).bind(result).bind(created_by).bind($crate::store::now())
                    .fetch_one(&self.pool).await?;
                sql::plan(&row)
            }

            async fn plan(&self, id: i64) -> $crate::store::Result<Option<Plan>> {
                let row = sqlx::query("SELECT id, convening_id, name, params, result, created_by, created_at FROM plans WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::plan).transpose()
            }

            async fn plans(&self, convening_id: i64) -> $crate::store::Result<Vec<Plan>> {
                let rows = sqlx::query("SELECT id, convening_id, name, params, result, created_by, created_at FROM plans WHERE convening_id = $1 ORDER BY id DESC").bind(convening_id).fetch_all(&self.pool).await?;
                rows.iter().map(sql::plan).collect()
            }

            async fn add_participant(&self, convening_id: i64, user_id: Option<i64>, name: &str) -> $crate::store::Result<Participant> {
                if let Some(uid) = user_id {
                    let existing = sqlx::query("SELECT id, convening_id, user_id, name, link_hash FROM participants WHERE convening_id = $1 AND user_id = $2").bind(convening_id).bind(uid).fetch_optional(&self.pool).await?;
                    if let Some(r) = existing {
                        return sql::participant(&r);
                    }
                }
                let row = sqlx::query("INSERT INTO participants (convening_id, user_id, name) VALUES ($1, $2, $3) RETURNING id, convening_id, user_id, name, link_hash")
                    .bind(convening_id).bind(user_id).bind(name).fetch_one(&self.pool).await.map_err(sql::map_unique)?;
                sql::participant(&row)
            }

            async fn participants(&self, convening_id: i64) -> $crate::store::Result<Vec<Participant>> {
                let rows = sqlx::query("SELECT id, convening_id, user_id, name, link_hash FROM participants WHERE convening_id = $1 ORDER BY name, id").bind(convening_id).fetch_all(&self.pool).await?;
                rows.iter().map(sql::participant).collect()
            }

            async fn set_participant_link(&self, participant_id: i64, link_hash: &str) -> $crate::store::Result<()> {
                let done = sqlx::query("UPDATE participants SET link_hash = $1 WHERE id = $2").bind(link_hash).bind(participant_id).execute(&self.pool).await?;
                if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            }

            async fn participant_by_link(&self, link_hash: &str) -> $crate::store::Result<Option<Participant>> {
                let row = sqlx::query("SELECT id, convening_id, user_id, name, link_hash FROM participants WHERE link_hash = $1").bind(link_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(sql::participant).transpose()
            }

            async fn add_aspiration(&self, convening_id: i64, cycle: &str, text: &str, author: Option<i64>) -> $crate::store::Result<Aspiration> {
                let row = sqlx::query("INSERT INTO aspirations (convening_id, cycle, text, author_user_id) VALUES ($1, $2, $3, $4) RETURNING id, convening_id, cycle, text, author_user_id")
                    .bind(convening_id).bind(cycle).bind(text).bind(author).fetch_one(&self.pool).await?;
                sql::aspiration(&row)
            }

            async fn aspirations(&self, convening_id: i64) -> $crate::store::Result<Vec<Aspiration>> {
                let rows = sqlx::query("SELECT id, convening_id, cycle, text, author_user_id FROM aspirations WHERE convening_id = $1 ORDER BY id").bind(convening_id).fetch_all(&self.pool).await?;
                rows.iter().map(sql::aspiration).collect()
            }

            async fn create_story(&self, convening_id: i64, framework_id: i64, teller: &Teller, story: &NewStory, created_at: &str) -> $crate::store::Result<Story> {
                let mut tx = self.pool.begin().await?;
                let id: i64 = sqlx::query("INSERT INTO stories (convening_id, framework_id, teller_user_id, participant_id, teller_name, title, language, visibility, show_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                    .bind(convening_id).bind(framework_id).bind(teller.user_id).bind(teller.participant_id).bind(&teller.name)
                    .bind(&story.title).bind(&story.language).bind(story.visibility.as_str()).bind(story.show_name).bind(created_at)
                    .fetch_one(&mut *tx).await?.try_get("id")?;
                for (pos, step) in story.steps.iter().enumerate() {
                    let indicators = serde_json::to_string(&step.indicators).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query("INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id).bind(i64::try_from(pos).unwrap_or(i64::MAX)).bind(&step.cycle).bind(step.kind.as_str()).bind(&step.text).bind(indicators)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Story {
                    id, convening_id, framework_id,
                    teller_user_id: teller.user_id, participant_id: teller.participant_id, teller_name: teller.name.clone(),
                    title: story.title.clone(), language: story.language.clone(), visibility: story.visibility,
                    show_name: story.show_name, created_at: created_at.to_string(), steps: story.steps.clone(),
                })
            }

            async fn story(&self, id: i64) -> $crate::store::Result<Option<Story>> {
                let Some(row) = sqlx::query("SELECT id, convening_id, framework_id, teller_user_id, participant_id, teller_name, title, language, visibility, show_name, created_at FROM stories WHERE id = $1").bind(id).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let mut stories = vec![sql::story_head(&row)?];
                for r in sqlx::query("SELECT story_id, cycle, kind, text, indicators FROM story_steps WHERE story_id = $1 ORDER BY position").bind(id).fetch_all(&self.pool).await? {
                    sql::attach_step(&mut stories, &r)?;
                }
                Ok(stories.pop())
            }

            async fn stories(&self, convening_id: i64) -> $crate::store::Result<Vec<Story>> {
                let rows = sqlx::query("SELECT id, convening_id, framework_id, teller_user_id, participant_id, teller_name, title, language, visibility, show_name, created_at FROM stories WHERE convening_id = $1 ORDER BY created_at, id").bind(convening_id).fetch_all(&self.pool).await?;
                let mut stories = rows.iter().map(sql::story_head).collect::<$crate::store::Result<Vec<_>>>()?;
                for r in sqlx::query("SELECT p.story_id, p.cycle, p.kind, p.text, p.indicators FROM story_steps p JOIN stories s ON s.id = p.story_id WHERE s.convening_id = $1 ORDER BY p.story_id, p.position").bind(convening_id).fetch_all(&self.pool).await? {
                    sql::attach_step(&mut stories, &r)?;
                }
                Ok(stories)
            }
        }
    };
}

pub(crate) use impl_store;
