//! Follow-up waves: add, edit and remove them, issue a participant's link for a wave, and
//! record what became of a hoped-for step.

use super::{Actor, Result, ServiceError, convening, current_framework, invalid, stewarded_convening};
use crate::domain::Viewer;
use crate::domain::story::{StepKind, Story};
use crate::domain::wave::{OutcomeDraft, OutcomeStatus, WaveDraft, default_waves};
use crate::secret::{hash_token, new_token};
use crate::store::{AnswerLink, Convening, Store, Wave};

/// Longest outcome text, in characters.
pub const MAX_OUTCOME_TEXT: usize = crate::domain::story::MAX_STEP_TEXT;

/// The three default waves for a new convening (called inside its creation).
pub(crate) async fn create_default_waves(store: &Store, cv: &Convening) -> Result<Vec<Wave>> {
    let c = store.community_by_id(cv.community_id).await?.ok_or(ServiceError::NotFound)?;
    let fw = current_framework(store, &c).await?;
    let (Ok(starts), Ok(ends)) = (
        crate::domain::convening::parse_date("starts_on", &cv.starts_on),
        crate::domain::convening::parse_date("ends_on", &cv.ends_on),
    ) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for w in default_waves(starts, ends, &fw.framework) {
        out.push(store.create_wave(cv.id, &w).await?);
    }
    Ok(out)
}

/// A convening's waves with how many participants answered each, for anyone who may see
/// the convening.
pub async fn waves(store: &Store, actor: &Actor, convening_id: i64) -> Result<Vec<(Wave, i64)>> {
    convening(store, actor, convening_id).await?;
    let answers = store.wave_answers(convening_id).await?;
    Ok(store
        .waves(convening_id)
        .await?
        .into_iter()
        .map(|w| {
            let n = answers.iter().find(|(id, _)| *id == w.id).map_or(0, |(_, n)| *n);
            (w, n)
        })
        .collect())
}

pub async fn add_wave(store: &Store, actor: &Actor, convening_id: i64, d: &WaveDraft) -> Result<Wave> {
    let (_, c) = stewarded_convening(store, actor, convening_id).await?;
    let fw = current_framework(store, &c).await?;
    let w = invalid(d.validate(&fw.framework))?;
    Ok(store.create_wave(convening_id, &w).await?)
}

async fn stewarded_wave(store: &Store, actor: &Actor, wave_id: i64) -> Result<(Wave, crate::store::Community)> {
    let w = store.wave(wave_id).await?.ok_or(ServiceError::NotFound)?;
    let (_, c) = stewarded_convening(store, actor, w.convening_id).await?;
    Ok((w, c))
}

pub async fn edit_wave(store: &Store, actor: &Actor, wave_id: i64, d: &WaveDraft) -> Result<Wave> {
    let (_, c) = stewarded_wave(store, actor, wave_id).await?;
    let fw = current_framework(store, &c).await?;
    let w = invalid(d.validate(&fw.framework))?;
    store.update_wave(wave_id, &w).await?;
    store.wave(wave_id).await?.ok_or(ServiceError::NotFound)
}

/// Removes a wave nobody answered (`has-answers` otherwise).
pub async fn delete_wave(store: &Store, actor: &Actor, wave_id: i64) -> Result<i64> {
    let (w, _) = stewarded_wave(store, actor, wave_id).await?;
    match store.delete_wave(wave_id).await {
        Err(crate::store::StoreError::Conflict) => Err(ServiceError::Conflict("has-answers")),
        r => {
            r?;
            Ok(w.convening_id)
        }
    }
}

/// Issues a participant's link for a wave, valid until the wave closes; returns the
/// token, shown once.
pub async fn issue_wave_link(store: &Store, actor: &Actor, wave_id: i64, pid: i64) -> Result<(String, AnswerLink)> {
    let (w, _) = stewarded_wave(store, actor, wave_id).await?;
    let p = store.participant(pid).await?.ok_or(ServiceError::NotFound)?;
    if p.convening_id != w.convening_id || p.removed_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    let token = new_token();
    let link = store.issue_link(pid, Some(w.id), &hash_token(&token), Some(&w.link_expiry())).await?;
    Ok((token, link))
}

/// The wave a link answers, refused before it opens.
pub async fn link_wave(store: &Store, actor: &Actor) -> Result<Option<Wave>> {
    let Actor::Link { link, .. } = actor else { return Ok(None) };
    let Some(wid) = link.wave_id else { return Ok(None) };
    let w = store.wave(wid).await?.ok_or(ServiceError::NotFound)?;
    if let Some(why) = w.closed_on(&crate::store::now()[..10]) {
        return Err(ServiceError::Gone(if why == "not-open" { "not-open" } else { "expired" }));
    }
    Ok(Some(w))
}

/// The teller (signed in or through their link) or a steward (recording what a
/// participant said by phone) says what became of a hoped-for step. The step must be
/// aspirational; `happened` needs a description of the value that came of it.
pub async fn record_outcome(store: &Store, actor: &Actor, story_id: i64, d: &OutcomeDraft) -> Result<Story> {
    let (s, _, viewer) = super::stories::story(store, actor, story_id).await?;
    if viewer < Viewer::Steward && !super::stories::is_teller(actor, &s) {
        return Err(ServiceError::Forbidden);
    }
    let cycle = d.cycle.trim();
    if !s.steps.iter().any(|st| st.cycle == cycle && st.kind == StepKind::Aspirational) {
        return Err(crate::domain::FieldError::new(
            "cycle",
            "err-outcome-cycle",
            format!("this story hopes for nothing in cycle '{cycle}'"),
        )
        .into());
    }
    let status = invalid(OutcomeStatus::parse(&d.status))?;
    let text = invalid(crate::domain::optional_text("text", &d.text, MAX_OUTCOME_TEXT))?;
    if status == OutcomeStatus::Happened && text.is_empty() {
        return Err(crate::domain::FieldError::new("text", "err-outcome-text", "say what value came of it").into());
    }
    let wave_id = link_wave(store, actor).await?.map(|w| w.id);
    Ok(store.record_outcome(story_id, cycle, status, &text, wave_id, actor.user_id(), &crate::store::now()).await?)
}

/// Fresh links for every participant of a wave (stewards), for a CSV or a messaging
/// tool: only their hashes are kept, so each call issues new ones; links issued earlier
/// keep working until the wave closes (or a steward revokes them).
pub async fn all_wave_links(
    store: &Store,
    actor: &Actor,
    wave_id: i64,
) -> Result<Vec<(crate::store::Participant, String)>> {
    let (w, _) = stewarded_wave(store, actor, wave_id).await?;
    let mut out = Vec::new();
    for p in store.participants(w.convening_id).await? {
        let token = new_token();
        store.add_wave_link(p.id, w.id, &hash_token(&token), &w.link_expiry()).await?;
        out.push((p, token));
    }
    Ok(out)
}

/// Revokes a participant's links for a wave (`already-revoked` when none was live).
pub async fn revoke_wave_links(store: &Store, actor: &Actor, wave_id: i64, pid: i64) -> Result<()> {
    let (w, _) = stewarded_wave(store, actor, wave_id).await?;
    let p = store.participant(pid).await?.ok_or(ServiceError::NotFound)?;
    if p.convening_id != w.convening_id {
        return Err(ServiceError::NotFound);
    }
    match store.revoke_wave_links(pid, wave_id).await? {
        0 => Err(ServiceError::Conflict("already-revoked")),
        _ => Ok(()),
    }
}

/// Makes a shared link for a wave (to show as a QR code at the gathering); returns the
/// token, shown while the steward's page is open.
pub async fn create_shared_link(store: &Store, actor: &Actor, wave_id: i64) -> Result<String> {
    stewarded_wave(store, actor, wave_id).await?;
    let token = new_token();
    store.create_shared_link(wave_id, &hash_token(&token)).await?;
    Ok(token)
}

pub async fn revoke_shared_links(store: &Store, actor: &Actor, wave_id: i64) -> Result<()> {
    stewarded_wave(store, actor, wave_id).await?;
    match store.revoke_shared_links(wave_id).await? {
        0 => Err(ServiceError::Conflict("already-revoked")),
        _ => Ok(()),
    }
}

/// The open wave a shared link answers (`Gone` when revoked, closed or not open yet).
pub async fn open_shared_link(store: &Store, token: &str) -> Result<(Wave, Convening)> {
    let (wave_id, revoked) = store.shared_link(&hash_token(token)).await?.ok_or(ServiceError::NotFound)?;
    if revoked {
        return Err(ServiceError::Gone("revoked"));
    }
    let w = store.wave(wave_id).await?.ok_or(ServiceError::NotFound)?;
    if let Some(why) = w.closed_on(&crate::store::now()[..10]) {
        return Err(ServiceError::Gone(if why == "not-open" { "not-open" } else { "expired" }));
    }
    let cv = store.convening(w.convening_id).await?.ok_or(ServiceError::NotFound)?;
    Ok((w, cv))
}

/// Someone at the gathering answers through the shared link, typing their name: they
/// become a named guest of the convening (in the same transaction as their story) and get
/// their own link for this wave, to come back with. Returns the story and that link.
pub async fn tell_through_shared_link(
    store: &Store,
    token: &str,
    name: &str,
    draft: &crate::domain::story::StoryDraft,
) -> Result<(Story, String)> {
    let (w, cv) = open_shared_link(store, token).await?;
    let name = invalid(crate::domain::required_text("name", name, super::convenings::MAX_GUEST_NAME))?;
    let c = store.community_by_id(cv.community_id).await?.ok_or(ServiceError::NotFound)?;
    let fw = current_framework(store, &c).await?;
    let story = invalid(draft.validate(&fw.framework))?;
    let own = new_token();
    let own_hash = hash_token(&own);
    let saved = store
        .transaction(|s| {
            Box::pin(async move {
                let p = s.add_participant(cv.id, None, &name, "").await?;
                s.add_wave_link(p.id, w.id, &own_hash, &w.link_expiry()).await?;
                let teller = crate::store::Teller {
                    user_id: None,
                    participant_id: Some(p.id),
                    name,
                    via_link: true,
                    wave_id: Some(w.id),
                };
                Ok::<_, ServiceError>(s.create_story(cv.id, fw.id, &teller, &story, &crate::store::now()).await?)
            })
        })
        .await?;
    Ok((saved, own))
}
