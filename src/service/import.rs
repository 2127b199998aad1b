//! Importing a whole community (a `convene export` document) as one transaction: it is
//! all there afterwards, or nothing is.

use super::{Actor, ServiceError};
use crate::interop::json::{Export, check, draft_of};
use crate::store::{Store, StoryRevision, Teller};
use anyhow::{Context, bail};
use std::collections::HashMap;

/// Writes an export into the store: the operator or a site admin only. The community's
/// slug must be free. Members are matched by e-mail and created (without a password;
/// a steward sends them a sign-in link) when missing. Everything is checked first, and
/// written in one transaction, so bad input writes nothing.
pub async fn import_community(store: &Store, actor: &Actor, doc: &Export) -> anyhow::Result<()> {
    if !matches!(actor, Actor::Operator) && !actor.user().is_some_and(|u| u.is_admin) {
        return Err(ServiceError::Forbidden.into());
    }
    check(doc)?;
    if store.community(&doc.community.slug).await?.is_some() {
        bail!("a community with slug '{}' exists already; import needs a database without it", doc.community.slug);
    }
    let doc = doc.clone();
    store.transaction(move |s| Box::pin(async move { write(s, &doc).await })).await
}

/// A convening's observations and recorded costs, as exported.
async fn write_evidence(
    store: &Store,
    convening_id: i64,
    cv: &crate::interop::json::ConveningOut,
) -> anyhow::Result<()> {
    for o in &cv.observations {
        let observed_on = crate::domain::convening::parse_date("observed_on", &o.observed_on)?;
        let new = crate::domain::evidence::NewObservation {
            indicator: o.indicator.clone(),
            value: o.value,
            unit: o.unit.clone(),
            observed_on,
            source: o.source.clone(),
            note: o.note.clone(),
        };
        store.add_observation(convening_id, &new, None).await?;
    }
    if let Some(costs) = &cv.costs {
        store.set_costs(convening_id, costs, None).await?;
    }
    Ok(())
}

async fn write(store: &Store, doc: &Export) -> anyhow::Result<()> {
    let mut users = HashMap::new();
    for m in &doc.members {
        let user = match store.user_by_email(&m.email).await? {
            Some((u, _)) => u,
            None => store.create_user(&m.email, &m.name, None, false).await?,
        };
        if !m.home_place.is_empty() {
            store.set_home_place(user.id, &m.home_place).await?;
        }
        users.insert(m.email.clone(), user.id);
    }
    let uid = |e: &Option<String>| e.as_ref().and_then(|e| users.get(e).copied());
    let c = store
        .create_community(
            &doc.community.slug,
            &doc.community.name,
            &doc.community.description,
            &doc.frameworks[0].framework,
            None,
        )
        .await?;
    let mut framework_ids = HashMap::from([(1, c.framework_id)]);
    for f in &doc.frameworks[1..] {
        framework_ids.insert(f.version, store.save_framework(c.id, &f.framework, true).await?.id);
    }
    for m in &doc.members {
        store.add_member(c.id, users[&m.email], m.role).await?;
    }
    let mut convening_ids = HashMap::new();
    let mut participant_ids = HashMap::new();
    for cv in &doc.convenings {
        let created = store.create_convening(c.id, &cv.draft().validate()?).await?;
        convening_ids.insert(cv.id, created.id);
        for p in &cv.participants {
            let row = store.add_participant(created.id, uid(&p.member), &p.name, &p.email).await?;
            if let Some(at) = &p.removed_at {
                store.set_participant_removed(row.id, at).await?;
            }
            participant_ids.insert(p.id, row.id);
        }
        for a in &cv.aspirations {
            store.add_aspiration(created.id, &a.cycle, &a.text, uid(&a.author)).await?;
        }
        write_evidence(store, created.id, cv).await?;
    }
    if let Some(m) = &doc.travel_model {
        store.set_travel_model(c.id, &m.to_string()).await?;
    }
    for p in &doc.plans {
        let params = serde_json::to_string(&p.params)?;
        let result = p.result.to_string();
        store.save_plan(convening_ids[&p.convening], &p.name, &params, &result, uid(&p.created_by)).await?;
    }
    let mut story_ids = Vec::new();
    for (i, s) in doc.stories.iter().enumerate() {
        let fw = &doc.frameworks[usize::try_from(s.framework_version - 1).unwrap_or(0)];
        let story = draft_of(s).validate(&fw.framework).with_context(|| format!("stories[{i}]"))?;
        let teller = Teller {
            user_id: uid(&s.teller),
            participant_id: s.participant.and_then(|p| participant_ids.get(&p).copied()),
            name: s.teller_name.clone(),
            via_link: s.via_link,
            wave_id: None,
        };
        let created = store
            .create_story(
                convening_ids[&s.convening],
                framework_ids[&s.framework_version],
                &teller,
                &story,
                &s.created_at,
            )
            .await?;
        for r in &s.revisions {
            let revision = StoryRevision {
                revision: r.revision,
                framework_id: framework_ids[&r.framework_version],
                title: r.title.clone(),
                language: r.language.clone(),
                visibility: r.visibility,
                show_name: r.show_name,
                steps: r.steps.clone(),
                revised_at: r.revised_at.clone(),
            };
            store.insert_revision(created.id, &revision).await?;
        }
        let updated_at = if s.updated_at.is_empty() { s.created_at.as_str() } else { s.updated_at.as_str() };
        store.set_story_state(created.id, s.revision, updated_at, s.hidden).await?;
        story_ids.push(created.id);
    }
    store.set_public_settings(c.id, &doc.settings).await?;
    write_comments(store, doc, c.id, &convening_ids, &story_ids, &uid).await
}

/// The document's comments, their targets and authors mapped to the rows just written.
async fn write_comments(
    store: &Store,
    doc: &Export,
    community_id: i64,
    convening_ids: &HashMap<i64, i64>,
    story_ids: &[i64],
    uid: &(dyn Fn(&Option<String>) -> Option<i64> + Sync),
) -> anyhow::Result<()> {
    let mut comment_ids: Vec<i64> = Vec::new();
    for cm in &doc.comments {
        let target_id = match cm.on.as_str() {
            "convening" => convening_ids[&cm.target],
            "story" => story_ids[usize::try_from(cm.target - 1)?],
            _ => community_id,
        };
        let parent_id = cm.parent.map(|p| usize::try_from(p - 1).map(|n| comment_ids[n])).transpose()?;
        let new = crate::store::NewComment {
            community_id,
            target_kind: &cm.on,
            target_id,
            parent_id,
            author_user_id: uid(&cm.author),
            body: &cm.body,
        };
        let id = store.insert_comment(&new, cm.hidden, &cm.created_at).await?;
        for m in &cm.moderation {
            store.insert_comment_action(id, &m.action, uid(&m.by), &m.at).await?;
        }
        comment_ids.push(id);
    }
    Ok(())
}
