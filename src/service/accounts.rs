//! Accounts: users, passwords, sessions, API tokens and invitation links.

use super::{Actor, Result, ServiceError, invalid, stewarded};
use crate::domain::{FieldError, Role, parse_email, required_text};
use crate::secret::{MIN_PASSWORD, hash_password_async, hash_token, new_token, verify_password_async};
use crate::store::{ApiToken, Community, Invitation, Store, StoreError, User};

/// Longest display name.
pub const MAX_NAME: usize = 100;
/// Invitation links last 30 days.
pub const INVITATION_SECONDS: i64 = 30 * 24 * 3600;

/// Checks a new password's length and hashes it (argon2, off the async workers).
pub async fn hash_new_password(password: &str) -> Result<String> {
    hash(password).await
}

async fn hash(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(FieldError::new(
            "password",
            "err-password-short",
            format!("the password needs at least {MIN_PASSWORD} characters"),
        )
        .into());
    }
    hash_password_async(password).await.map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))
}

/// Checks an e-mail and password. Unknown addresses take as long as known ones.
pub async fn sign_in(store: &Store, email: &str, password: &str) -> Result<User> {
    let email = email.trim().to_lowercase();
    let found = store.user_by_email(&email).await?;
    // Without an account (or a password) the check runs against a dummy hash.
    let verified = verify_password_async(password, found.as_ref().and_then(|(_, h)| h.as_deref())).await;
    match found {
        Some((user, Some(_))) if verified => Ok(user),
        _ => Err(FieldError::new("password", "err-signin", "wrong e-mail or password").into()),
    }
}

/// Starts a session; returns the cookie token (only its hash is stored).
pub async fn start_session(store: &Store, user_id: i64, seconds: i64) -> Result<String> {
    let token = new_token();
    store.create_session(&hash_token(&token), user_id, &crate::store::in_seconds(seconds)).await?;
    Ok(token)
}

pub async fn sign_out(store: &Store, session_token: &str) -> Result<()> {
    Ok(store.delete_session(&hash_token(session_token)).await?)
}

/// Deletes expired sessions (the server's hourly housekeeping); returns how many.
pub async fn purge_expired_sessions(store: &Store) -> Result<u64> {
    Ok(store.purge_sessions(&crate::store::now()).await?)
}

/// Ends every session of the actor but the one in use; returns how many ended.
pub async fn sign_out_everywhere(store: &Store, actor: &Actor, keep_token: Option<&str>) -> Result<u64> {
    let user = actor.require_user()?;
    let keep = keep_token.map(hash_token);
    Ok(store.delete_sessions_of(user.id, keep.as_deref()).await?)
}

async fn check_current(store_hash: Option<&str>, current: &str) -> Result<()> {
    if store_hash.is_some() && verify_password_async(current, store_hash).await {
        Ok(())
    } else {
        Err(FieldError::new("current_password", "err-current-password", "the current password is wrong").into())
    }
}

/// Changes the actor's password (the current one is asked for); other sessions end.
pub async fn change_password(
    store: &Store,
    actor: &Actor,
    current: &str,
    new: &str,
    keep_token: Option<&str>,
) -> Result<()> {
    let user = actor.require_user()?;
    check_current(store.password_hash(user.id).await?.as_deref(), current).await?;
    let h = hash(new).await?;
    store.set_password(user.id, &h).await?;
    sign_out_everywhere(store, actor, keep_token).await?;
    Ok(())
}

/// A name folded for comparison: letters and digits only, lower-case, accents removed.
fn fold_name(name: &str) -> String {
    deunicode::deunicode(name).to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Refuses a display name that reads as the name of a steward of one of these
/// communities (someone else's): members must not pass for their stewards.
async fn not_a_stewards_name(store: &Store, name: &str, communities: &[i64], me: Option<i64>) -> Result<()> {
    let folded = fold_name(name);
    for &c in communities {
        for m in store.members(c).await? {
            if m.role == Role::Steward && Some(m.user_id) != me && fold_name(&m.name) == folded {
                return Err(FieldError::new(
                    "name",
                    "err-name-steward",
                    "that name is a steward's name in this community; choose another",
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Changes the actor's name and e-mail (the current password is asked for).
pub async fn change_identity(store: &Store, actor: &Actor, name: &str, email: &str, current: &str) -> Result<User> {
    let user = actor.require_user()?;
    let name = invalid(required_text("name", name, MAX_NAME))?;
    let email = invalid(parse_email(email))?;
    not_a_stewards_name(store, &name, &store.communities_of(user.id).await?, Some(user.id)).await?;
    check_current(store.password_hash(user.id).await?.as_deref(), current).await?;
    match store.set_identity(user.id, &name, &email).await {
        Err(StoreError::Conflict) => {
            Err(FieldError::new("email", "err-email-taken", "an account with that e-mail exists already").into())
        }
        r => {
            r?;
            Ok(store.user(user.id).await?.ok_or(ServiceError::NotFound)?)
        }
    }
}

/// Sets the actor's home place (a gazetteer label) for the planner.
pub async fn set_home_place(store: &Store, actor: &Actor, place: &str) -> Result<()> {
    let user = actor.require_user()?;
    let place = invalid(crate::domain::optional_text("home", place, 200))?;
    Ok(store.set_home_place(user.id, &place).await?)
}

/// Creates an account (the operator at the command line).
pub async fn create_user(
    store: &Store,
    actor: &Actor,
    email: &str,
    name: &str,
    password: &str,
    admin: bool,
) -> Result<User> {
    if !matches!(actor, Actor::Operator) && !actor.user().is_some_and(|u| u.is_admin) {
        return Err(ServiceError::Forbidden);
    }
    let email = invalid(parse_email(email))?;
    let name = invalid(required_text("name", name, MAX_NAME))?;
    let h = hash(password).await?;
    match store.create_user(&email, &name, Some(&h), admin).await {
        Err(StoreError::Conflict) => {
            Err(FieldError::new("email", "err-email-taken", "an account with that e-mail exists already").into())
        }
        r => Ok(r?),
    }
}

/// Sets a password for an account by e-mail (the operator), ending its sessions.
pub async fn set_password(store: &Store, actor: &Actor, email: &str, password: &str) -> Result<User> {
    if !matches!(actor, Actor::Operator) {
        return Err(ServiceError::Forbidden);
    }
    let (user, _) = store.user_by_email(&email.trim().to_lowercase()).await?.ok_or(ServiceError::NotFound)?;
    store.set_password(user.id, &hash(password).await?).await?;
    store.delete_sessions_of(user.id, None).await?;
    Ok(user)
}

fn token_owner(actor: &Actor, user_id: i64) -> Result<()> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(u) if u.id == user_id => Ok(()),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Issues an API token for `user_id` (the user themselves or the operator); returns the
/// token, shown once.
pub async fn issue_token(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    name: &str,
    expires_at: Option<&str>,
) -> Result<(String, ApiToken)> {
    token_owner(actor, user_id)?;
    let name = if name.trim().is_empty() { "token".to_string() } else { invalid(required_text("name", name, 100))? };
    let token = new_token();
    let t = store.create_api_token(&hash_token(&token), user_id, &name, expires_at).await?;
    Ok((token, t))
}

pub async fn tokens(store: &Store, actor: &Actor, user_id: i64) -> Result<Vec<ApiToken>> {
    token_owner(actor, user_id)?;
    Ok(store.api_tokens(user_id).await?)
}

pub async fn revoke_token(store: &Store, actor: &Actor, user_id: i64, token_id: i64) -> Result<()> {
    token_owner(actor, user_id)?;
    Ok(store.delete_api_token(user_id, token_id).await?)
}

/// How many times an invitation may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    Once,
    Many,
}

/// A steward makes an invitation link (shown once). Steward invitations are always
/// single-use; `for_user` addresses it to one member (who may set a password with it).
pub async fn create_invitation(
    store: &Store,
    actor: &Actor,
    slug: &str,
    role: Role,
    uses: Uses,
    for_user: Option<i64>,
) -> Result<(String, Invitation)> {
    let c = stewarded(store, actor, slug).await?;
    if let Some(uid) = for_user
        && !store.members(c.id).await?.iter().any(|m| m.user_id == uid)
    {
        return Err(ServiceError::NotFound);
    }
    let max = if role == Role::Steward || uses == Uses::Once || for_user.is_some() { Some(1) } else { None };
    let token = new_token();
    let inv = store
        .create_invitation(
            &hash_token(&token),
            c.id,
            role,
            actor.user_id(),
            &crate::store::in_seconds(INVITATION_SECONDS),
            max,
            for_user,
        )
        .await?;
    Ok((token, inv))
}

pub async fn invitations(store: &Store, actor: &Actor, slug: &str) -> Result<Vec<Invitation>> {
    let c = stewarded(store, actor, slug).await?;
    Ok(store.invitations(c.id).await?)
}

pub async fn revoke_invitation(store: &Store, actor: &Actor, slug: &str, id: i64) -> Result<()> {
    let c = stewarded(store, actor, slug).await?;
    if !store.invitations(c.id).await?.iter().any(|i| i.id == id) {
        return Err(ServiceError::NotFound);
    }
    match store.revoke_invitation(id).await {
        Err(StoreError::Conflict) => Err(ServiceError::Conflict("already-revoked")),
        r => Ok(r?),
    }
}

/// What an invitation link leads to, if it can still be used.
pub struct OpenInvitation {
    pub invitation: Invitation,
    pub community: Community,
    /// The account it is addressed to, if any.
    pub for_user: Option<User>,
}

pub async fn open_invitation(store: &Store, token: &str) -> Result<OpenInvitation> {
    let invitation = store.invitation_by_token(&hash_token(token)).await?.ok_or(ServiceError::NotFound)?;
    if let Some(why) = invitation.unusable(&crate::store::now()) {
        return Err(ServiceError::Gone(why));
    }
    let community = store.community_by_id(invitation.community_id).await?.ok_or(ServiceError::NotFound)?;
    let for_user = match invitation.for_user_id {
        Some(uid) => store.user(uid).await?,
        None => None,
    };
    Ok(OpenInvitation { invitation, community, for_user })
}

/// What a newcomer types on the invitation page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Uses an invitation: a signed-in actor joins; an addressed account sets its password
/// and joins; anyone else creates an account and joins. One transaction: the use is
/// counted only if everything else was written.
pub async fn accept_invitation(
    store: &Store,
    actor: &Actor,
    token: &str,
    account: &NewAccount,
) -> Result<(User, Community)> {
    let open = open_invitation(store, token).await?;
    let inv = open.invitation.clone();
    // Check and hash outside the transaction (hashing is slow).
    let plan = match (&open.for_user, actor.user()) {
        (Some(u), Some(me)) if u.id != me.id => return Err(ServiceError::Forbidden),
        (_, Some(me)) => Join::Existing(me.clone(), None),
        (Some(u), None) => Join::Existing(u.clone(), Some(hash(&account.password).await?)),
        (None, None) => {
            let name = invalid(required_text("name", &account.name, MAX_NAME))?;
            let email = invalid(parse_email(&account.email))?;
            not_a_stewards_name(store, &name, &[inv.community_id], None).await?;
            Join::New { name, email, hash: hash(&account.password).await? }
        }
    };
    let user = store
        .transaction(|s| {
            Box::pin(async move {
                let now = crate::store::now();
                match s.use_invitation(inv.id, &now).await {
                    Err(StoreError::Conflict) => return Err(ServiceError::Gone("used")),
                    r => r?,
                }
                let user = match plan {
                    Join::Existing(u, Some(h)) => {
                        if s.password_hash(u.id).await?.is_some() {
                            return Err(ServiceError::Conflict("has-password"));
                        }
                        s.set_password(u.id, &h).await?;
                        u
                    }
                    Join::Existing(u, None) => u,
                    Join::New { name, email, hash } => match s.create_user(&email, &name, Some(&hash), false).await {
                        Err(StoreError::Conflict) => {
                            return Err(FieldError::new(
                                "email",
                                "err-email-taken",
                                "an account with that e-mail exists already",
                            )
                            .into());
                        }
                        r => r?,
                    },
                };
                s.add_member(inv.community_id, user.id, inv.role).await?;
                Ok::<_, ServiceError>(user)
            })
        })
        .await?;
    Ok((user, open.community))
}

enum Join {
    Existing(User, Option<String>),
    New { name: String, email: String, hash: String },
}
