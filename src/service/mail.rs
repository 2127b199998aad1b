//! Asking by e-mail: invitations to a wave, reminders before it closes, password resets
//! and unsubscribing. These operations only queue messages; the sender (`crate::mail`)
//! makes each mail's links when it sends it, so no secret waits in the outbox.

use super::{Actor, Result, ServiceError, stewarded_convening};
use crate::secret::hash_token;
use crate::store::{NewMessage, OutboxMessage, Participant, Store, StoreError};

/// The language a participant is written to in: their own, else the community's.
pub async fn language_of(store: &Store, p: &Participant, community_id: i64) -> Result<String> {
    if !p.language.is_empty() {
        return Ok(p.language.clone());
    }
    Ok(store.community_language(community_id).await?)
}

/// Stewards invite a wave's participants by e-mail: one invitation per participant with
/// an address who has none queued for this wave (never silently on adding someone).
/// Returns how many were queued.
pub async fn invite_to_wave(store: &Store, actor: &Actor, wave_id: i64) -> Result<usize> {
    let w = store.wave(wave_id).await?.ok_or(ServiceError::NotFound)?;
    let (cv, c) = stewarded_convening(store, actor, w.convening_id).await?;
    let mut queued = 0;
    for p in store.participants(cv.id).await? {
        if p.email.is_empty() || p.unsubscribed_at.is_some() {
            continue;
        }
        let m = NewMessage {
            key: format!("wave_invitation:{}:{}", w.id, p.id),
            kind: "wave_invitation",
            recipient: p.email.clone(),
            language: language_of(store, &p, c.id).await?,
            convening_id: Some(cv.id),
            participant_id: Some(p.id),
            wave_id: Some(w.id),
            ..NewMessage::default()
        };
        if store.enqueue(&m).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Queues one reminder for each participant invited to a wave that closes within
/// `days` of `today` and who has not answered it. Run by the sender on every pass: one
/// query finds who is due, and a reminder's key makes it once per wave and participant.
pub async fn schedule_reminders(store: &Store, today: &str, days: i64) -> Result<usize> {
    let Ok(date) = crate::domain::convening::parse_date("today", today) else { return Ok(0) };
    let horizon = crate::domain::convening::format_date(date + time::Duration::days(days));
    let mut queued = 0;
    for (wave, participant, convening, email, language) in store.due_reminders(today, &horizon).await? {
        let m = NewMessage {
            key: format!("wave_reminder:{wave}:{participant}"),
            kind: "wave_reminder",
            recipient: email,
            language,
            convening_id: Some(convening),
            participant_id: Some(participant),
            wave_id: Some(wave),
            ..NewMessage::default()
        };
        if store.enqueue(&m).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Someone asks for a password reset link. Whether the address has an account is not
/// told (the answer is the same); at most one mail per account and hour.
pub async fn request_password_reset(store: &Store, email: &str, language: &str) -> Result<()> {
    let Some((user, _)) = store.user_by_email(&email.trim().to_lowercase()).await? else { return Ok(()) };
    let hour = &crate::store::now()[..13];
    let m = NewMessage {
        key: format!("password_reset:{}:{hour}", user.id),
        kind: "password_reset",
        recipient: user.email.clone(),
        language: language.to_string(),
        user_id: Some(user.id),
        ..NewMessage::default()
    };
    store.enqueue(&m).await?;
    Ok(())
}

/// Whether a reset link can be used (`Gone` says why not).
pub async fn check_password_reset(store: &Store, token: &str) -> Result<i64> {
    match store.password_reset(&hash_token(token)).await? {
        None => Err(ServiceError::NotFound),
        Some((_, Some(why))) => Err(ServiceError::Gone(why)),
        Some((uid, None)) => Ok(uid),
    }
}

/// Sets a new password through a reset link, once; every session of the account ends.
pub async fn reset_password(store: &Store, token: &str, password: &str) -> Result<i64> {
    let uid = check_password_reset(store, token).await?;
    let h = super::accounts::hash_new_password(password).await?;
    let token_hash = hash_token(token);
    store
        .transaction(|s| {
            Box::pin(async move {
                match s.use_password_reset(&token_hash).await {
                    Err(StoreError::Conflict) => return Err(ServiceError::Gone("used")),
                    r => r?,
                }
                s.set_password(uid, &h).await?;
                s.delete_sessions_of(uid, None).await?;
                Ok(uid)
            })
        })
        .await
}

/// Honours an unsubscribe link: that participant gets no more mail.
pub async fn unsubscribe(store: &Store, token: &str) -> Result<()> {
    store.unsubscribe(&hash_token(token)).await?;
    Ok(())
}

/// A convening's messages, for its stewards: recipient, kind, state, attempts, last error.
pub async fn outbox(store: &Store, actor: &Actor, convening_id: i64) -> Result<Vec<OutboxMessage>> {
    stewarded_convening(store, actor, convening_id).await?;
    Ok(store.outbox(convening_id).await?)
}

/// Stewards invite someone to the community by e-mail: the mail carries a single-use
/// invitation link (made when it is sent) for the role chosen; one per address and day.
pub async fn invite_by_email(
    store: &Store,
    actor: &Actor,
    slug: &str,
    role: crate::domain::Role,
    email: &str,
    language: &str,
) -> Result<bool> {
    let c = super::stewarded(store, actor, slug).await?;
    let email = super::invalid(crate::domain::parse_email(email))?;
    let day = &crate::store::now()[..10];
    let m = NewMessage {
        key: format!("account_invitation:{}:{email}:{day}", c.id),
        kind: "account_invitation",
        recipient: email,
        language: language.to_string(),
        community_id: Some(c.id),
        role: role.as_str().to_string(),
        ..NewMessage::default()
    };
    Ok(store.enqueue(&m).await?)
}
