//! Conversations: members comment on convenings, on stories they may read, on their
//! community's framework and on proposals to change it; replies go one level deep; stewards hide and restore comments
//! and every such step is recorded; people who opted in get an e-mail.
//!
//! A comment is visible to exactly those who may see what it is on: a comment on a
//! public story is public, one on a story for stewards only is for stewards only. To
//! let comments reach a new kind of thing, add a [`Target`] variant and a branch in
//! `resolve` that loads it through the usual access function (it must answer
//! `NotFound` when the actor may not see it).

use super::{Actor, Result, ServiceError, community_by_id_for, convening};
use crate::domain::{FieldError, Viewer, required_text};
use crate::store::{Comment, CommentAction, Community, NewComment, NewMessage, Store};

/// The longest comment, in characters.
pub const MAX_BODY: usize = 4000;

/// What a comment is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Convening(i64),
    Story(i64),
    /// A community's framework (by community id; it spans the framework's versions).
    Framework(i64),
    /// A proposal to change the framework (members only, like the proposal itself).
    Proposal(i64),
}

impl Target {
    pub fn kind(self) -> &'static str {
        match self {
            Target::Convening(_) => "convening",
            Target::Story(_) => "story",
            Target::Framework(_) => "framework",
            Target::Proposal(_) => "proposal",
        }
    }
    pub fn id(self) -> i64 {
        match self {
            Target::Convening(id) | Target::Story(id) | Target::Framework(id) | Target::Proposal(id) => id,
        }
    }
    pub fn parse(kind: &str, id: i64) -> Option<Self> {
        match kind {
            "convening" => Some(Target::Convening(id)),
            "story" => Some(Target::Story(id)),
            "framework" => Some(Target::Framework(id)),
            "proposal" => Some(Target::Proposal(id)),
            _ => None,
        }
    }
}

/// What a target resolved to for this actor.
struct Resolved {
    community: Community,
    viewer: Viewer,
    /// Who else hears of new comments: a story's teller.
    owner: Option<i64>,
    /// The page the target lives on (path, for links in mail).
    path: String,
}

async fn resolve(store: &Store, actor: &Actor, target: Target) -> Result<Resolved> {
    match target {
        Target::Convening(id) => {
            let (_, community, viewer) = convening(store, actor, id).await?;
            Ok(Resolved { community, viewer, owner: None, path: format!("/convenings/{id}") })
        }
        Target::Story(id) => {
            let (s, _, _) = super::stories::story(store, actor, id).await?;
            let (_, community, viewer) = convening(store, actor, s.convening_id).await?;
            Ok(Resolved { community, viewer, owner: s.teller_user_id, path: format!("/stories/{id}") })
        }
        Target::Framework(cid) => {
            let (community, viewer) = community_by_id_for(store, actor, cid).await?;
            let path = format!("/c/{}/framework", community.slug);
            Ok(Resolved { community, viewer, owner: None, path })
        }
        Target::Proposal(id) => {
            // Proposals are for members: to anyone else, the proposal does not exist.
            let (p, community, viewer, _) =
                super::proposals::proposal(store, actor, id).await.map_err(|e| match e {
                    ServiceError::Forbidden => ServiceError::NotFound,
                    e => e,
                })?;
            Ok(Resolved { community, viewer, owner: p.author_id, path: format!("/proposals/{id}") })
        }
    }
}

/// A comment as a reader gets it: a hidden comment keeps its place (its replies stay
/// readable) but only stewards read its words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommentView {
    #[serde(flatten)]
    pub comment: Comment,
    pub replies: Vec<Comment>,
}

/// The conversation on a target, top-level comments oldest first, each with its replies;
/// stewards also get the moderation record.
pub struct Thread {
    pub comments: Vec<CommentView>,
    pub actions: Vec<CommentAction>,
    pub viewer: Viewer,
    /// Whether the actor may write here.
    pub may_comment: bool,
    pub community: Community,
}

fn redact(mut c: Comment, viewer: Viewer) -> Comment {
    if c.hidden && viewer < Viewer::Steward {
        c.body.clear();
    }
    c
}

pub async fn thread(store: &Store, actor: &Actor, target: Target) -> Result<Thread> {
    let r = resolve(store, actor, target).await?;
    let all = store.comments(target.kind(), target.id()).await?;
    let mut comments: Vec<CommentView> = Vec::new();
    for c in all {
        let c = redact(c, r.viewer);
        match c.parent_id {
            None => comments.push(CommentView { comment: c, replies: Vec::new() }),
            Some(p) => {
                if let Some(parent) = comments.iter_mut().find(|v| v.comment.id == p) {
                    parent.replies.push(c);
                }
            }
        }
    }
    // A hidden comment nobody answered is left out for readers who may not read it.
    if r.viewer < Viewer::Steward {
        comments.retain(|v| !v.comment.hidden || !v.replies.is_empty());
        for v in &mut comments {
            v.replies.retain(|c| !c.hidden);
        }
    }
    let actions =
        if r.viewer >= Viewer::Steward { store.comment_actions(target.kind(), target.id()).await? } else { Vec::new() };
    let may_comment = actor.user().is_some() && r.viewer >= Viewer::Member;
    Ok(Thread { comments, actions, viewer: r.viewer, may_comment, community: r.community })
}

/// A member comments (or replies to a top-level comment) on something they may see.
pub async fn add_comment(
    store: &Store,
    actor: &Actor,
    target: Target,
    parent_id: Option<i64>,
    body: &str,
) -> Result<Comment> {
    let r = resolve(store, actor, target).await?;
    let user = actor.require_user()?;
    if r.viewer < Viewer::Member {
        return Err(ServiceError::Forbidden);
    }
    let body = required_text("comment", body, MAX_BODY)?;
    if let Some(pid) = parent_id {
        let parent = store.comment(pid).await?;
        let Some(parent) = parent.filter(|p| p.target_kind == target.kind() && p.target_id == target.id()) else {
            return Err(FieldError::new("parent", "err-comment-parent", "no such comment here to reply to").into());
        };
        if parent.parent_id.is_some() {
            return Err(FieldError::new("parent", "err-comment-depth", "replies go one level deep").into());
        }
    }
    let watchers = store.comment_watchers(target.kind(), target.id(), r.owner).await?;
    let comment = store
        .add_comment(&NewComment {
            community_id: r.community.id,
            target_kind: target.kind(),
            target_id: target.id(),
            parent_id,
            author_user_id: Some(user.id),
            body: &body,
        })
        .await?;
    notify(store, target, &r, &comment, watchers).await?;
    Ok(comment)
}

/// Queues one e-mail per person who opted in and may still see the target.
async fn notify(store: &Store, target: Target, r: &Resolved, c: &Comment, watchers: Vec<(i64, String)>) -> Result<()> {
    let language = store.community_language(r.community.id).await?;
    for (uid, email) in watchers {
        if Some(uid) == c.author_user_id || email.is_empty() {
            continue;
        }
        let Some(user) = store.user(uid).await? else { continue };
        // They must still be able to see it (a story for stewards, a member who left).
        if resolve(store, &Actor::User(user), target).await.is_err() || store.role(r.community.id, uid).await?.is_none()
        {
            continue;
        }
        let m = NewMessage {
            key: format!("comment:{}:{uid}", c.id),
            kind: "comment",
            recipient: email,
            language: language.clone(),
            user_id: Some(uid),
            community_id: Some(r.community.id),
            item: format!("{}#comment-{}", r.path, c.id),
            ..NewMessage::default()
        };
        store.enqueue(&m).await?;
    }
    Ok(())
}

/// A steward hides (or restores) a comment; the step is recorded with who took it.
pub async fn set_hidden(store: &Store, actor: &Actor, comment_id: i64, hidden: bool) -> Result<Comment> {
    let c = store.comment(comment_id).await?.ok_or(ServiceError::NotFound)?;
    let target = Target::parse(&c.target_kind, c.target_id).ok_or(ServiceError::NotFound)?;
    let r = resolve(store, actor, target).await?;
    if r.viewer < Viewer::Steward {
        return Err(if r.viewer >= Viewer::Member { ServiceError::Forbidden } else { ServiceError::NotFound });
    }
    if c.hidden == hidden {
        return Err(ServiceError::Conflict(if hidden { "comment-already-hidden" } else { "comment-not-hidden" }));
    }
    store.set_comment_hidden(comment_id, hidden, actor.user_id()).await?;
    store.comment(comment_id).await?.ok_or(ServiceError::NotFound)
}

/// The target a comment is on and the page path it lives on, if the actor may see it
/// (for redirects after moderation).
pub async fn location(store: &Store, actor: &Actor, comment_id: i64) -> Result<String> {
    let c = store.comment(comment_id).await?.ok_or(ServiceError::NotFound)?;
    let target = Target::parse(&c.target_kind, c.target_id).ok_or(ServiceError::NotFound)?;
    let r = resolve(store, actor, target).await?;
    Ok(format!("{}#comment-{}", r.path, c.id))
}
