//! Communities: create, edit, remove; their framework, travel model and members.

use super::{Actor, Result, ServiceError, community, invalid, stewarded};
use crate::domain::framework::{Framework, preset};
use crate::domain::{FieldError, Role, Viewer, optional_text, parse_slug, required_text};
use crate::store::{Community, FrameworkVersion, Member, Store, StoreError};

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;

/// A community as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CommunityDraft {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub preset: String,
}

/// The communities listed to this actor: every public one, and the private ones they
/// belong to (all of them for a site admin or the operator).
pub async fn listed(store: &Store, actor: &Actor) -> Result<Vec<Community>> {
    let (mine, all) = match actor {
        Actor::Operator => (Vec::new(), true),
        Actor::User(u) if u.is_admin => (Vec::new(), true),
        Actor::User(u) => (store.communities_of(u.id).await?, false),
        Actor::Anonymous | Actor::Link { .. } => (Vec::new(), false),
    };
    Ok(store.communities().await?.into_iter().filter(|c| !c.private || all || mine.contains(&c.id)).collect())
}

/// Anyone signed in may start a community and becomes its steward.
pub async fn create_community(store: &Store, actor: &Actor, d: &CommunityDraft) -> Result<Community> {
    let steward = match actor {
        Actor::User(u) => Some(u.id),
        Actor::Operator => None,
        _ => return Err(ServiceError::Forbidden),
    };
    let slug = invalid(parse_slug(&d.slug))?;
    let name = invalid(required_text("name", &d.name, MAX_NAME))?;
    let description = invalid(optional_text("description", &d.description, MAX_DESCRIPTION))?;
    let fw = preset(d.preset.trim())
        .ok_or_else(|| FieldError::new("preset", "err-preset", format!("unknown preset '{}'", d.preset)))?;
    match store.create_community(&slug, &name, &description, fw, steward).await {
        Err(StoreError::Conflict) => {
            Err(FieldError::new("slug", "err-slug-taken", format!("the slug '{slug}' is taken")).into())
        }
        r => Ok(r?),
    }
}

/// Stewards change a community's name and description.
pub async fn edit_community(
    store: &Store,
    actor: &Actor,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<Community> {
    let c = stewarded(store, actor, slug).await?;
    let name = invalid(required_text("name", name, MAX_NAME))?;
    let description = invalid(optional_text("description", description, MAX_DESCRIPTION))?;
    store.update_community(c.id, &name, &description).await?;
    Ok(Community { name, description, ..c })
}

/// Stewards set the language mails are written in when a participant has chosen none.
pub async fn set_language(store: &Store, actor: &Actor, slug: &str, language: &str) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    let lang = crate::i18n::Lang::from_code(language.trim())
        .ok_or_else(|| FieldError::new("language", "err-mail-language", "mail is written in en, fr, es or pt"))?;
    Ok(store.set_community_language(c.id, lang.code()).await?)
}

/// Stewards remove a community that holds no stories (`has-stories` otherwise: its
/// evidence is not thrown away by one click).
pub async fn delete_community(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    if store.community_has_stories(c.id).await? {
        return Err(ServiceError::Conflict("has-stories"));
    }
    Ok(store.delete_community(c.id).await?)
}

/// Stewards save the framework as TOML; a version that stories use becomes a new version.
pub async fn save_framework(store: &Store, actor: &Actor, slug: &str, toml: &str) -> Result<FrameworkVersion> {
    let c = stewarded(store, actor, slug).await?;
    let fw = Framework::from_toml(toml)?;
    Ok(store.save_framework(c.id, &fw, false).await?)
}

/// Stewards set the community's travel model (JSON; "" = the defaults).
pub async fn set_travel_model(store: &Store, actor: &Actor, slug: &str, json: &str) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    Ok(store.set_travel_model(c.id, json).await?)
}

/// The member list, for members and stewards.
pub async fn members(store: &Store, actor: &Actor, slug: &str) -> Result<Vec<Member>> {
    let (c, v) = community(store, actor, slug).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.members(c.id).await?)
}

/// Stewards (and the operator) add an existing account as a member or steward.
pub async fn add_member(store: &Store, actor: &Actor, slug: &str, user_id: i64, role: Role) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    store.user(user_id).await?.ok_or(ServiceError::NotFound)?;
    Ok(store.add_member(c.id, user_id, role).await?)
}

/// Refuses a change that would leave the community without a steward.
async fn keep_a_steward(store: &Store, community_id: i64, user_id: i64) -> Result<()> {
    let members = store.members(community_id).await?;
    let others = members.iter().filter(|m| m.role == Role::Steward && m.user_id != user_id).count();
    let is_steward = members.iter().any(|m| m.user_id == user_id && m.role == Role::Steward);
    if is_steward && others == 0 { Err(ServiceError::Conflict("last-steward")) } else { Ok(()) }
}

/// Stewards make a member a steward or a steward a member.
pub async fn set_role(store: &Store, actor: &Actor, slug: &str, user_id: i64, role: Role) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    if store.role(c.id, user_id).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    if role == Role::Member {
        keep_a_steward(store, c.id, user_id).await?;
    }
    Ok(store.set_role(c.id, user_id, role).await?)
}

/// Stewards remove a member (their stories stay).
pub async fn remove_member(store: &Store, actor: &Actor, slug: &str, user_id: i64) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    if store.role(c.id, user_id).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    keep_a_steward(store, c.id, user_id).await?;
    Ok(store.remove_member(c.id, user_id).await?)
}

/// A member leaves the community (their stories stay).
pub async fn leave(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let user = actor.require_user()?;
    let (c, _) = community(store, actor, slug).await?;
    if store.role(c.id, user.id).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    keep_a_steward(store, c.id, user.id).await?;
    Ok(store.remove_member(c.id, user.id).await?)
}
