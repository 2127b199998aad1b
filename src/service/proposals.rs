//! Proposals to change the community's framework: members propose and support, stewards
//! accept (making the next framework version) or decline, with a note; anyone who can
//! see the community reads its framework's versions and what changed between them.

use super::{Actor, Result, ServiceError, community, current_framework};
use crate::domain::framework::Framework;
use crate::domain::proposal::{Clash, Difference, ProposalDraft, diff};
use crate::domain::{FieldError, Viewer};
use crate::i18n::Lang;
use crate::store::{Community, FrameworkVersion, Proposal, Store, StoreError};

const NOTE_CHARS: usize = 2_000;

/// The proposal and the community it belongs to, for members (and stewards).
async fn member_proposal(store: &Store, actor: &Actor, id: i64) -> Result<(Proposal, Community, Viewer)> {
    let p = store.proposal(id).await?.ok_or(ServiceError::NotFound)?;
    let c = store.community_by_id(p.community_id).await?.ok_or(ServiceError::NotFound)?;
    let v = super::standing(store, actor, c.id).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    Ok((p, c, v))
}

/// A member proposes to add, change or remove a cycle, an indicator or a question. The
/// proposal is checked against the current version, which it remembers as its base.
pub async fn propose(store: &Store, actor: &Actor, slug: &str, draft: &ProposalDraft) -> Result<Proposal> {
    let (c, v) = community(store, actor, slug).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    let current = current_framework(store, &c).await?;
    let (change, reason) = super::invalid(draft.parse(&current.framework))?;
    Ok(store.create_proposal(c.id, current.id, actor.user_id(), &change, &reason).await?)
}

/// The community's proposals, newest first, for members.
pub async fn proposals(store: &Store, actor: &Actor, slug: &str) -> Result<(Community, Viewer, Vec<Proposal>)> {
    let (c, v) = community(store, actor, slug).await?;
    if v < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    let list = store.proposals(c.id).await?;
    Ok((c, v, list))
}

/// One proposal, for members: with its community, the reader's standing, and whether
/// the reader supports it.
pub async fn proposal(store: &Store, actor: &Actor, id: i64) -> Result<(Proposal, Community, Viewer, bool)> {
    let (p, c, v) = member_proposal(store, actor, id).await?;
    let supports = match actor.user_id() {
        Some(u) => store.supports(p.id, u).await?,
        None => false,
    };
    Ok((p, c, v, supports))
}

/// A member supports an open proposal (supporting twice counts once).
pub async fn support_proposal(store: &Store, actor: &Actor, id: i64) -> Result<Proposal> {
    let (p, _, _) = member_proposal(store, actor, id).await?;
    if p.status != "open" {
        return Err(ServiceError::Conflict("already-decided"));
    }
    let user = actor.require_user()?;
    store.support_proposal(p.id, user.id).await?;
    store.proposal(p.id).await?.ok_or(ServiceError::NotFound)
}

/// What a steward's decision did.
#[derive(Debug)]
pub struct Decided {
    pub proposal: Proposal,
    /// The framework version accepting it made (`None` when declined).
    pub version: Option<FrameworkVersion>,
}

/// A steward accepts or declines an open proposal, with a note. Accepting applies it to
/// the current version and makes the next one; a proposal whose item changed since it
/// was made clashes (`err-proposal-conflict`, nothing applied); a decided one is
/// `already-decided`.
pub async fn decide_proposal(store: &Store, actor: &Actor, id: i64, decision: &str, note: &str) -> Result<Decided> {
    let p = store.proposal(id).await?.ok_or(ServiceError::NotFound)?;
    let c = store.community_by_id(p.community_id).await?.ok_or(ServiceError::NotFound)?;
    if super::standing(store, actor, c.id).await? != Viewer::Steward {
        return Err(ServiceError::Forbidden);
    }
    let accept = match decision.trim() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(
                FieldError::new("decision", "err-proposal-decision", "decision must be accept or decline").into()
            );
        }
    };
    let note = super::invalid(crate::domain::optional_text("note", note, NOTE_CHARS))?;
    if p.status != "open" {
        return Err(ServiceError::Conflict("already-decided"));
    }
    let by = actor.user_id();
    if !accept {
        store.decline_proposal(p.id, by, &note).await.map_err(decided_meanwhile)?;
        let proposal = store.proposal(p.id).await?.ok_or(ServiceError::NotFound)?;
        return Ok(Decided { proposal, version: None });
    }
    let base = store.framework(p.base_framework_id).await?.ok_or(ServiceError::NotFound)?;
    // Another decision may land between reading the current version and writing the
    // next one; the store refuses that write, and the proposal is applied again on top.
    for _ in 0..3 {
        let c = store.community_by_id(p.community_id).await?.ok_or(ServiceError::NotFound)?;
        let current = current_framework(store, &c).await?;
        let next = p.change.apply(&base.framework, &current.framework).map_err(|Clash(m)| clash(m))?;
        next.validate().map_err(|e| clash(e.message))?;
        match store.accept_proposal(p.id, c.id, current.id, &next, by, &note).await {
            Ok(fid) => {
                let version = store.framework(fid).await?;
                let proposal = store.proposal(p.id).await?.ok_or(ServiceError::NotFound)?;
                return Ok(Decided { proposal, version });
            }
            Err(StoreError::Stale) => {
                let now = store.proposal(p.id).await?.ok_or(ServiceError::NotFound)?;
                if now.status != "open" {
                    return Err(ServiceError::Conflict("already-decided"));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Conflict("stale"))
}

fn clash(message: String) -> ServiceError {
    FieldError::new("decision", "err-proposal-conflict", message).into()
}

fn decided_meanwhile(e: StoreError) -> ServiceError {
    match e {
        StoreError::Stale => ServiceError::Conflict("already-decided"),
        e => e.into(),
    }
}

/// A version of the community's framework (the current one without `version`), for
/// anyone who can see the community.
pub async fn framework_version(
    store: &Store,
    actor: &Actor,
    slug: &str,
    version: Option<i64>,
) -> Result<FrameworkVersion> {
    let (c, _) = community(store, actor, slug).await?;
    match version {
        None => current_framework(store, &c).await,
        Some(n) => {
            store.framework_versions(c.id).await?.into_iter().find(|v| v.version == n).ok_or(ServiceError::NotFound)
        }
    }
}

/// One version with the accepted proposals that made it (members see them; others see
/// the versions only).
#[derive(Debug, Clone)]
pub struct VersionHistory {
    pub version: FrameworkVersion,
    pub proposals: Vec<Proposal>,
}

/// Every version of the community's framework, oldest first.
pub async fn framework_history(
    store: &Store,
    actor: &Actor,
    slug: &str,
) -> Result<(Community, Viewer, Vec<VersionHistory>)> {
    let (c, v) = community(store, actor, slug).await?;
    let versions = store.framework_versions(c.id).await?;
    let accepted = if v >= Viewer::Member { store.proposals(c.id).await? } else { Vec::new() };
    let history = versions
        .into_iter()
        .map(|version| {
            let proposals = accepted.iter().filter(|p| p.result_framework_id == Some(version.id)).cloned().collect();
            VersionHistory { version, proposals }
        })
        .collect();
    Ok((c, v, history))
}

/// What changed between two versions of the community's framework, in `lang`.
pub async fn framework_diff(
    store: &Store,
    actor: &Actor,
    slug: &str,
    from: i64,
    to: i64,
    lang: Lang,
) -> Result<Vec<Difference>> {
    let (c, _) = community(store, actor, slug).await?;
    let versions = store.framework_versions(c.id).await?;
    let find = |n: i64, field: &str| -> Result<&Framework> {
        versions.iter().find(|v| v.version == n).map(|v| &v.framework).ok_or_else(|| {
            ServiceError::from(FieldError::new(field, "err-framework-version", format!("there is no version {n}")))
        })
    };
    Ok(diff(find(from, "from")?, find(to, "to")?, lang))
}

/// What a report of the community needs to speak `lang` across its framework versions
/// (the caller has already checked that the actor may read the report).
pub async fn report_language(
    store: &Store,
    community_id: i64,
    current: &Framework,
    lang: Lang,
) -> Result<crate::interop::report_versions::ReportLanguage> {
    let versions: Vec<(i64, Framework)> =
        store.framework_versions(community_id).await?.into_iter().map(|v| (v.version, v.framework)).collect();
    Ok(crate::interop::report_versions::ReportLanguage::new(current, &versions, lang))
}
