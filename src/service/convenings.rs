//! Convenings: create, edit (status included), remove; participants, private answer
//! links, aspirations and saved plans.

use super::{Actor, Result, ServiceError, current_framework, invalid, stewarded, stewarded_convening};
use crate::domain::convening::{ConveningDraft, Status, parse_date};
use crate::domain::{FieldError, optional_text, parse_email, required_text};
use crate::secret::{hash_token, new_token};
use crate::store::{AnswerLink, Aspiration, Convening, Participant, Plan, Store};

pub const MAX_GUEST_NAME: usize = 100;
pub const MAX_ASPIRATION: usize = 2_000;

/// Stewards create a convening in their community, with its three follow-up waves (at
/// the gathering, +3 and +9 months), in one transaction.
pub async fn create_convening(store: &Store, actor: &Actor, slug: &str, d: &ConveningDraft) -> Result<Convening> {
    let c = stewarded(store, actor, slug).await?;
    let checked = invalid(d.validate())?;
    store
        .transaction(|s| {
            Box::pin(async move {
                let cv = s.create_convening(c.id, &checked).await?;
                super::waves::create_default_waves(s, &cv).await?;
                Ok(cv)
            })
        })
        .await
}

/// Stewards edit every field of a convening. `version` is the one the form was loaded
/// from (a stale edit is refused); moving the status back (held → planned) needs
/// `confirm_back`, so that it is never done by a slip.
pub async fn edit_convening(
    store: &Store,
    actor: &Actor,
    id: i64,
    d: &ConveningDraft,
    version: i64,
    confirm_back: bool,
) -> Result<Convening> {
    let (cv, _) = stewarded_convening(store, actor, id).await?;
    let checked = invalid(d.validate())?;
    let rank = |s: &str| Status::ALL.iter().position(|x| x.as_str() == s).unwrap_or(0);
    if rank(checked.status.as_str()) < rank(&cv.status) && !confirm_back {
        return Err(ServiceError::Conflict("status-back"));
    }
    Ok(store.update_convening(id, &checked, version).await?)
}

/// Stewards change only the status (the API's `PATCH {"status"}` and quick buttons).
pub async fn set_status(store: &Store, actor: &Actor, id: i64, status: &str, confirm_back: bool) -> Result<Convening> {
    let (cv, _) = stewarded_convening(store, actor, id).await?;
    let mut d = draft_of(&cv);
    d.status = status.to_string();
    edit_convening(store, actor, id, &d, cv.version, confirm_back).await
}

/// The stored convening as a draft, to apply a partial change to.
pub fn draft_of(cv: &Convening) -> ConveningDraft {
    ConveningDraft {
        title: cv.title.clone(),
        mode: cv.mode.clone(),
        starts_on: cv.starts_on.clone(),
        ends_on: cv.ends_on.clone(),
        place: cv.place.clone(),
        status: cv.status.clone(),
        description: cv.description.clone(),
    }
}

/// Stewards delete a convening without stories (`has-stories` otherwise: close it).
pub async fn delete_convening(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    stewarded_convening(store, actor, id).await?;
    match store.delete_convening(id).await {
        Err(crate::store::StoreError::Conflict) => Err(ServiceError::Conflict("has-stories")),
        r => Ok(r?),
    }
}

/// Stewards set the convening's place (e.g. adopting a plan's host).
pub async fn set_place(store: &Store, actor: &Actor, id: i64, place: &str) -> Result<()> {
    stewarded_convening(store, actor, id).await?;
    let place = invalid(optional_text("place", place, 200))?;
    Ok(store.set_convening_place(id, &place).await?)
}

/// A participant as typed: a member (by user id or e-mail) or a named guest.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ParticipantDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// The member's account e-mail (API) …
    #[serde(default)]
    pub member_email: String,
    /// … or their user id (the page's member list).
    #[serde(default)]
    pub user_id: Option<i64>,
    /// The language mails to them are written in (e.g. `fr`; empty: the community's).
    #[serde(default)]
    pub language: String,
}

fn mail_language(field: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    crate::i18n::Lang::from_code(v)
        .map(|l| l.code().to_string())
        .ok_or_else(|| FieldError::new(field, "err-mail-language", "mail is written in en, fr, es or pt").into())
}

fn optional_email(e: &str) -> Result<String> {
    if e.trim().is_empty() { Ok(String::new()) } else { invalid(parse_email(e)) }
}

/// Stewards add a member or a named guest (with an optional e-mail address).
pub async fn add_participant(store: &Store, actor: &Actor, id: i64, d: &ParticipantDraft) -> Result<Participant> {
    let language = mail_language("language", &d.language)?;
    let (actor, d) = (actor.clone(), d.clone());
    store
        .transaction(|s| {
            Box::pin(async move {
                let p = add_participant_row(s, &actor, id, &d).await?;
                if language.is_empty() {
                    return Ok(p);
                }
                s.set_participant_language(p.id, &language).await?;
                s.participant(p.id).await?.ok_or(ServiceError::NotFound)
            })
        })
        .await
}

async fn add_participant_row(store: &Store, actor: &Actor, id: i64, d: &ParticipantDraft) -> Result<Participant> {
    let (_, c) = stewarded_convening(store, actor, id).await?;
    let email = optional_email(&d.email)?;
    let member = if let Some(uid) = d.user_id {
        Some(uid)
    } else if !d.member_email.trim().is_empty() {
        let e = invalid(parse_email(&d.member_email))?.to_lowercase();
        Some(
            store
                .user_by_email(&e)
                .await?
                .map(|(u, _)| u.id)
                .ok_or_else(|| FieldError::new("member_email", "err-not-member", "no member with that e-mail"))?,
        )
    } else {
        None
    };
    if let Some(uid) = member {
        {
            let m =
                store.members(c.id).await?.into_iter().find(|m| m.user_id == uid).ok_or_else(|| {
                    FieldError::new("member_email", "err-not-member", "not a member of this community")
                })?;
            let email = if email.is_empty() { m.email.clone() } else { email };
            let name = if d.name.trim().is_empty() {
                m.name.clone()
            } else {
                invalid(required_text("name", &d.name, MAX_GUEST_NAME))?
            };
            Ok(store.add_participant(id, Some(uid), &name, &email).await?)
        }
    } else {
        let name = invalid(required_text("name", &d.name, MAX_GUEST_NAME))?;
        Ok(store.add_participant(id, None, &name, &email).await?)
    }
}

/// A participant of a convening the actor stewards.
async fn stewarded_participant(store: &Store, actor: &Actor, pid: i64) -> Result<Participant> {
    let p = store.participant(pid).await?.ok_or(ServiceError::NotFound)?;
    stewarded_convening(store, actor, p.convening_id).await?;
    Ok(p)
}

pub async fn edit_participant(
    store: &Store,
    actor: &Actor,
    pid: i64,
    name: &str,
    email: &str,
    language: &str,
) -> Result<Participant> {
    let p = stewarded_participant(store, actor, pid).await?;
    if p.removed_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    let name = invalid(required_text("name", name, MAX_GUEST_NAME))?;
    let email = optional_email(email)?;
    let language = mail_language("language", language)?;
    store.update_participant(pid, &name, &email, &language).await?;
    store.participant(pid).await?.ok_or(ServiceError::NotFound)
}

/// Removes a participant: stories they told stay (with the name as recorded), their
/// answer links are revoked.
pub async fn remove_participant(store: &Store, actor: &Actor, pid: i64) -> Result<()> {
    let p = stewarded_participant(store, actor, pid).await?;
    if p.removed_at.is_some() {
        return Err(ServiceError::Conflict("already-removed"));
    }
    Ok(store.remove_participant(pid).await?)
}

/// Issues (or replaces) a participant's private answer link, optionally expiring at the
/// end of `expires_on` (YYYY-MM-DD). Returns the token, shown once.
pub async fn issue_answer_link(
    store: &Store,
    actor: &Actor,
    pid: i64,
    expires_on: Option<&str>,
) -> Result<(String, AnswerLink)> {
    let p = stewarded_participant(store, actor, pid).await?;
    if p.removed_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    let expires_at = match expires_on.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(d) => {
            let date = invalid(parse_date("expires_on", d))?;
            Some(format!("{}T23:59:59Z", crate::domain::convening::format_date(date)))
        }
    };
    let token = new_token();
    let link = store.issue_answer_link(pid, &hash_token(&token), expires_at.as_deref()).await?;
    Ok((token, link))
}

async fn stewarded_link(store: &Store, actor: &Actor, link_id: i64) -> Result<AnswerLink> {
    let link = store.answer_link(link_id).await?.ok_or(ServiceError::NotFound)?;
    stewarded_participant(store, actor, link.participant_id).await?;
    Ok(link)
}

pub async fn revoke_answer_link(store: &Store, actor: &Actor, link_id: i64) -> Result<()> {
    stewarded_link(store, actor, link_id).await?;
    match store.revoke_answer_link(link_id).await {
        Err(crate::store::StoreError::Conflict) => Err(ServiceError::Conflict("already-revoked")),
        r => Ok(r?),
    }
}

/// The answer links of a convening (stewards).
pub async fn answer_links(store: &Store, actor: &Actor, id: i64) -> Result<Vec<AnswerLink>> {
    stewarded_convening(store, actor, id).await?;
    Ok(store.answer_links(id).await?)
}

/// The actor a private answer link makes of its holder, or why the link cannot be used.
pub async fn open_answer_link(store: &Store, token: &str) -> Result<Actor> {
    let link = store.answer_link_by_token(&hash_token(token)).await?.ok_or(ServiceError::NotFound)?;
    if let Some(why) = link.unusable(&crate::store::now()) {
        return Err(ServiceError::Gone(why));
    }
    let participant = store.participant(link.participant_id).await?.ok_or(ServiceError::NotFound)?;
    if participant.removed_at.is_some() {
        return Err(ServiceError::Gone("revoked"));
    }
    let actor = Actor::Link { participant, link };
    super::waves::link_wave(store, &actor).await?;
    Ok(actor)
}

/// Stewards record what the convening's planners hope it will create, per cycle.
pub async fn add_aspiration(store: &Store, actor: &Actor, id: i64, cycle: &str, text: &str) -> Result<Aspiration> {
    let (_, c) = stewarded_convening(store, actor, id).await?;
    let (cycle, text) = check_aspiration(store, &c, cycle, text).await?;
    Ok(store.add_aspiration(id, &cycle, &text, actor.user_id()).await?)
}

async fn check_aspiration(
    store: &Store,
    c: &crate::store::Community,
    cycle: &str,
    text: &str,
) -> Result<(String, String)> {
    let fw = current_framework(store, c).await?;
    if fw.framework.cycle(cycle.trim()).is_none() {
        return Err(FieldError::new("cycle", "err-unknown-cycle", "unknown cycle").into());
    }
    Ok((cycle.trim().to_string(), invalid(required_text("text", text, MAX_ASPIRATION))?))
}

async fn stewarded_aspiration(
    store: &Store,
    actor: &Actor,
    id: i64,
    aspiration_id: i64,
) -> Result<crate::store::Community> {
    let (_, c) = stewarded_convening(store, actor, id).await?;
    if !store.aspirations(id).await?.iter().any(|a| a.id == aspiration_id) {
        return Err(ServiceError::NotFound);
    }
    Ok(c)
}

pub async fn edit_aspiration(
    store: &Store,
    actor: &Actor,
    id: i64,
    aspiration_id: i64,
    cycle: &str,
    text: &str,
) -> Result<()> {
    let c = stewarded_aspiration(store, actor, id, aspiration_id).await?;
    let (cycle, text) = check_aspiration(store, &c, cycle, text).await?;
    Ok(store.update_aspiration(aspiration_id, &cycle, &text).await?)
}

pub async fn remove_aspiration(store: &Store, actor: &Actor, id: i64, aspiration_id: i64) -> Result<()> {
    stewarded_aspiration(store, actor, id, aspiration_id).await?;
    Ok(store.delete_aspiration(aspiration_id).await?)
}

/// Stewards save a planner result for a convening.
pub async fn save_plan(
    store: &Store,
    actor: &Actor,
    id: i64,
    name: &str,
    params_json: &str,
    result_json: &str,
) -> Result<Plan> {
    stewarded_convening(store, actor, id).await?;
    let name = invalid(required_text("name", name, 200))?;
    Ok(store.save_plan(id, &name, params_json, result_json, actor.user_id()).await?)
}

/// A saved plan with its convening, for stewards.
pub async fn plan(store: &Store, actor: &Actor, plan_id: i64) -> Result<(Plan, Convening)> {
    let p = store.plan(plan_id).await?.ok_or(ServiceError::NotFound)?;
    let (cv, _) = stewarded_convening(store, actor, p.convening_id).await?;
    Ok((p, cv))
}

pub async fn delete_plan(store: &Store, actor: &Actor, plan_id: i64) -> Result<i64> {
    let (p, _) = plan(store, actor, plan_id).await?;
    store.delete_plan(plan_id).await?;
    Ok(p.convening_id)
}
