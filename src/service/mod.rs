//! Every operation a person can perform, once: who may do it, then the rules, then one
//! write. Pages, the JSON API, the command line and the demo seeder are adapters over
//! these functions; none of them writes to the store directly.
//!
//! Each operation takes the store, the acting person ([`Actor`]) and what they typed,
//! and returns the stored value or one [`ServiceError`].

pub mod accounts;
pub mod comments;
pub mod communities;
pub mod connect;
pub mod convenings;
pub mod field;
pub mod import;
pub mod mail;
pub mod proposals;
pub mod reports;
pub mod stories;
pub mod waves;

use crate::domain::{FieldError, Viewer};
use crate::store::{AnswerLink, Community, Convening, FrameworkVersion, Participant, Store, StoreError, User};

/// Who is acting.
#[derive(Debug, Clone)]
pub enum Actor {
    /// Nobody signed in.
    Anonymous,
    /// A signed-in user (or an API token's owner).
    User(User),
    /// Someone holding a participant's private answer link: they may tell and see the
    /// stories told through that link, nothing else.
    Link { participant: Participant, link: AnswerLink },
    /// The operator at the command line: may do everything, like a site admin.
    Operator,
}

impl Actor {
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::User(u) => Some(u),
            _ => None,
        }
    }
    pub fn user_id(&self) -> Option<i64> {
        self.user().map(|u| u.id)
    }
    fn is_admin(&self) -> bool {
        matches!(self, Actor::Operator) || self.user().is_some_and(|u| u.is_admin)
    }
    /// The signed-in user, or `Forbidden` (pages turn it into "sign in" for anonymous).
    pub fn require_user(&self) -> Result<&User, ServiceError> {
        self.user().ok_or(ServiceError::Forbidden)
    }
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// What was typed breaks a rule: each field with its message.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The operation clashes with what is stored: `stale` (changed since it was loaded),
    /// `has-stories`, `already-revoked`, `taken`, `last-steward`, `already-hidden`, …
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A link that was real but cannot be used: `revoked`, `expired` or `used`.
    #[error("link {0}")]
    Gone(&'static str),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Stale => ServiceError::Conflict("stale"),
            StoreError::Conflict => ServiceError::Conflict("taken"),
            e => ServiceError::Store(e),
        }
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(vec![e])
    }
}

impl ServiceError {
    /// The first refused field, for forms that show one message.
    pub fn field(&self) -> Option<&FieldError> {
        match self {
            ServiceError::Invalid(v) => v.first(),
            _ => None,
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The one access function: the actor's standing in a community.
pub async fn standing(store: &Store, actor: &Actor, community_id: i64) -> Result<Viewer> {
    if actor.is_admin() {
        return Ok(Viewer::Steward);
    }
    Ok(match actor {
        Actor::User(u) => Viewer::from_role(store.role(community_id, u.id).await?, false),
        Actor::Anonymous | Actor::Link { .. } | Actor::Operator => Viewer::Anonymous,
    })
}

/// A community by slug with the actor's standing.
pub async fn community(store: &Store, actor: &Actor, slug: &str) -> Result<(Community, Viewer)> {
    let c = store.community(slug).await?.ok_or(ServiceError::NotFound)?;
    let v = standing(store, actor, c.id).await?;
    hide_private(actor, &c, v)?;
    Ok((c, v))
}

/// A community by id with the actor's standing.
pub async fn community_by_id_for(store: &Store, actor: &Actor, id: i64) -> Result<(Community, Viewer)> {
    let c = store.community_by_id(id).await?.ok_or(ServiceError::NotFound)?;
    let v = standing(store, actor, c.id).await?;
    hide_private(actor, &c, v)?;
    Ok((c, v))
}

/// A private community does not exist for anyone outside it (but the holder of one of
/// its answer links, who may tell and see their own stories).
fn hide_private(actor: &Actor, c: &Community, v: Viewer) -> Result<()> {
    if c.private && v == Viewer::Anonymous && !matches!(actor, Actor::Link { .. }) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// A community the actor stewards (`Forbidden` otherwise).
pub async fn stewarded(store: &Store, actor: &Actor, slug: &str) -> Result<Community> {
    let (c, v) = community(store, actor, slug).await?;
    if v == Viewer::Steward { Ok(c) } else { Err(ServiceError::Forbidden) }
}

/// A convening with its community and the actor's standing there.
pub async fn convening(store: &Store, actor: &Actor, id: i64) -> Result<(Convening, Community, Viewer)> {
    let cv = store.convening(id).await?.ok_or(ServiceError::NotFound)?;
    let c = store.community_by_id(cv.community_id).await?.ok_or(ServiceError::NotFound)?;
    let v = standing(store, actor, c.id).await?;
    hide_private(actor, &c, v)?;
    Ok((cv, c, v))
}

/// A convening whose community the actor stewards (`Forbidden` otherwise).
pub async fn stewarded_convening(store: &Store, actor: &Actor, id: i64) -> Result<(Convening, Community)> {
    let (cv, c, v) = convening(store, actor, id).await?;
    if v == Viewer::Steward { Ok((cv, c)) } else { Err(ServiceError::Forbidden) }
}

/// The community's current framework version.
pub async fn current_framework(store: &Store, community: &Community) -> Result<FrameworkVersion> {
    store.framework(community.framework_id).await?.ok_or(ServiceError::NotFound)
}

/// A draft's validation result as the service's error.
pub(crate) fn invalid<T>(r: std::result::Result<T, FieldError>) -> Result<T> {
    r.map_err(ServiceError::from)
}
