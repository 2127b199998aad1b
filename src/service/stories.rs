//! Value-creation stories: tell, read, edit (in revisions), hide and delete.

use super::{Actor, Result, ServiceError, convening, current_framework, invalid};
use crate::domain::Viewer;
use crate::domain::story::{Story, StoryDraft};
use crate::store::{Convening, Store, StoryRevision, Teller};

/// Tells a story about a convening. A member becomes a participant by telling one (in
/// the same transaction, so a refused story leaves no trace and concurrent first stories
/// of one member cannot collide); a link holder tells as the link's participant.
pub async fn tell_story(store: &Store, actor: &Actor, convening_id: i64, draft: &StoryDraft) -> Result<Story> {
    tell_story_at(store, actor, convening_id, draft, None).await
}

/// [`tell_story`] with the date it was told (the demo seeder's back-dated stories).
pub(crate) async fn tell_story_at(
    store: &Store,
    actor: &Actor,
    convening_id: i64,
    draft: &StoryDraft,
    told_at: Option<&str>,
) -> Result<Story> {
    let (cv, c, viewer) = convening(store, actor, convening_id).await?;
    let teller = match actor {
        Actor::User(u) if viewer >= Viewer::Member => {
            Teller { user_id: Some(u.id), participant_id: None, name: u.name.clone(), via_link: false, wave_id: None }
        }
        Actor::Link { participant, link } if participant.convening_id == cv.id => Teller {
            user_id: participant.user_id,
            participant_id: Some(participant.id),
            name: participant.name.clone(),
            via_link: true,
            wave_id: link.wave_id,
        },
        _ => return Err(ServiceError::Forbidden),
    };
    let fw = current_framework(store, &c).await?;
    let story = invalid(draft.validate(&fw.framework))?;
    let created_at = told_at.map_or_else(crate::store::now, str::to_string);
    store
        .transaction(|s| {
            Box::pin(async move {
                let mut teller = teller;
                if teller.participant_id.is_none()
                    && let Some(uid) = teller.user_id
                {
                    teller.participant_id = Some(s.add_participant(cv.id, Some(uid), &teller.name, "").await?.id);
                }
                Ok(s.create_story(cv.id, fw.id, &teller, &story, &created_at).await?)
            })
        })
        .await
}

/// Whether the actor told this story (signed in as its teller, or holding the link it was
/// told through).
pub fn is_teller(actor: &Actor, s: &Story) -> bool {
    match actor {
        Actor::User(u) => s.teller_user_id == Some(u.id),
        Actor::Link { participant, .. } => s.via_link && s.participant_id == Some(participant.id),
        _ => false,
    }
}

/// Whether the actor may read the story: by its visibility, or as its teller (a hidden
/// story is for stewards only).
pub fn may_read(actor: &Actor, viewer: Viewer, s: &Story) -> bool {
    if s.hidden {
        return viewer >= Viewer::Steward;
    }
    s.visibility.allows(viewer) || is_teller(actor, s)
}

/// Whom to show a story's names as: its teller sees their own name, as a steward does.
pub fn reader(actor: &Actor, viewer: Viewer, s: &Story) -> Viewer {
    if is_teller(actor, s) { Viewer::Steward } else { viewer }
}

/// The stories of a convening this actor may read, with their standing.
pub async fn readable(
    store: &Store,
    actor: &Actor,
    convening_id: i64,
) -> Result<(Convening, Viewer, Vec<Story>, Vec<Story>)> {
    let (cv, _, viewer) = convening(store, actor, convening_id).await?;
    let all = store.stories(convening_id).await?;
    let readable = all.iter().filter(|s| may_read(actor, viewer, s)).cloned().collect();
    Ok((cv, viewer, readable, all))
}

/// The stories told through the actor's answer link.
pub async fn own_link_stories(store: &Store, actor: &Actor) -> Result<Vec<Story>> {
    let Actor::Link { participant, .. } = actor else { return Err(ServiceError::Forbidden) };
    let all = store.stories(participant.convening_id).await?;
    Ok(all.into_iter().filter(|s| !s.hidden && is_teller(actor, s)).collect())
}

/// One story, if the actor may read it (`NotFound` otherwise: its existence is private).
pub async fn story(store: &Store, actor: &Actor, id: i64) -> Result<(Story, Convening, Viewer)> {
    let s = store.story(id).await?.ok_or(ServiceError::NotFound)?;
    let (cv, _, viewer) = convening(store, actor, s.convening_id).await?;
    if !may_read(actor, viewer, &s) {
        return Err(ServiceError::NotFound);
    }
    Ok((s, cv, viewer))
}

/// The teller edits their story: checked against the framework version it was told in,
/// made from `revision` (a stale edit is refused), the earlier revision kept.
pub async fn edit_story(store: &Store, actor: &Actor, id: i64, draft: &StoryDraft, revision: i64) -> Result<Story> {
    let (s, _, _) = story(store, actor, id).await?;
    if !is_teller(actor, &s) {
        return Err(ServiceError::Forbidden);
    }
    let fw = store.framework(s.framework_id).await?.ok_or(ServiceError::NotFound)?;
    let checked = invalid(draft.validate(&fw.framework))?;
    Ok(store.update_story(id, revision, fw.id, &checked, &crate::store::now()).await?)
}

/// Every revision of a story, oldest first, the current one last: for stewards and the
/// teller.
pub async fn revisions(store: &Store, actor: &Actor, id: i64) -> Result<(Story, Vec<StoryRevision>)> {
    let (s, _, viewer) = story(store, actor, id).await?;
    if viewer < Viewer::Steward && !is_teller(actor, &s) {
        return Err(ServiceError::Forbidden);
    }
    let mut all = store.story_revisions(id).await?;
    all.push(crate::store::revision_of(&s));
    Ok((s, all))
}

async fn stewarded_story(store: &Store, actor: &Actor, id: i64) -> Result<Story> {
    let s = store.story(id).await?.ok_or(ServiceError::NotFound)?;
    let (_, _, viewer) = convening(store, actor, s.convening_id).await?;
    if viewer < Viewer::Steward {
        return Err(if may_read(actor, viewer, &s) { ServiceError::Forbidden } else { ServiceError::NotFound });
    }
    Ok(s)
}

/// Stewards hide a story (kept, stewards only, out of every count) or show it again.
pub async fn set_hidden(store: &Store, actor: &Actor, id: i64, hidden: bool) -> Result<Story> {
    stewarded_story(store, actor, id).await?;
    match store.set_story_hidden(id, hidden).await {
        Err(crate::store::StoreError::Conflict) => {
            Err(ServiceError::Conflict(if hidden { "already-hidden" } else { "not-hidden" }))
        }
        r => {
            r?;
            Ok(store.story(id).await?.ok_or(ServiceError::NotFound)?)
        }
    }
}

/// Stewards delete a story with its revisions.
pub async fn delete_story(store: &Store, actor: &Actor, id: i64) -> Result<i64> {
    let s = stewarded_story(store, actor, id).await?;
    store.delete_story(id).await?;
    Ok(s.convening_id)
}
