//! `convene export` / `convene import`: a community as one JSON document.
//!
//! The format (`"format": "convene-export", "version": 1`) holds the community, every
//! framework version, members (e-mail, name, role, home place — never passwords),
//! convenings with their participants and aspirations, and every story with its steps.
//! Convenings and participants carry numbers local to the document (1, 2, …), so an
//! export of an import is byte-for-byte the original. Version 2 adds story revisions,
//! hidden flags and participants' e-mail and removal; version 1 files still import.
//! Importing is a service operation (`service::import`). Private answer links, invitation
//! links, sessions and tokens are not exported.

use crate::domain::Role;
use crate::domain::convening::ConveningDraft;
use crate::domain::framework::Framework;
use crate::domain::story::{Step, StepDraft, StoryDraft, Visibility};
use crate::store::Store;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub community: CommunityOut,
    pub frameworks: Vec<FrameworkOut>,
    pub current_framework_version: i64,
    pub members: Vec<MemberOut>,
    pub convenings: Vec<ConveningOut>,
    pub stories: Vec<StoryOut>,
    /// The community's own travel-model constants (null = the defaults).
    #[serde(default)]
    pub travel_model: Option<serde_json::Value>,
    /// Saved planner scenarios.
    #[serde(default)]
    pub plans: Vec<PlanOut>,
    /// Public-face and digest settings (older files: public, no list).
    #[serde(default)]
    pub settings: crate::store::PublicSettings,
    /// Comments on convenings, stories and the framework, with their moderation record.
    #[serde(default)]
    pub comments: Vec<CommentOut>,
}

/// A comment. `on` is `convening`, `story` or `framework`; `target` the convening's
/// number in this document, the story's position in `stories` (from 1), or 0 for the
/// framework; `parent` the position (from 1) of the comment it answers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommentOut {
    pub on: String,
    pub target: i64,
    pub parent: Option<i64>,
    pub author: Option<String>,
    pub body: String,
    pub hidden: bool,
    pub created_at: String,
    /// Who hid or restored it, oldest first.
    #[serde(default)]
    pub moderation: Vec<ModerationOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModerationOut {
    pub action: String,
    pub by: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanOut {
    pub convening: i64,
    pub name: String,
    pub created_by: Option<String>,
    /// What was asked: the planner's request (travellers and places, objective, k,
    /// candidates, exclusions, limits, travel model). Older exports' web-form
    /// parameters load too (see [`crate::planner::PlanRequest`]).
    pub params: crate::planner::PlanRequest,
    /// The planner's answer: scenarios, plans, per-person table, k curve.
    pub result: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommunityOut {
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrameworkOut {
    pub version: i64,
    pub framework: Framework,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemberOut {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub home_place: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConveningOut {
    pub id: i64,
    pub title: String,
    pub mode: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub status: String,
    pub description: String,
    pub participants: Vec<ParticipantOut>,
    pub aspirations: Vec<AspirationOut>,
    /// Indicator observations (absent in files written before the report existed).
    #[serde(default)]
    pub observations: Vec<ObservationOut>,
    /// What it cost, when recorded.
    #[serde(default)]
    pub costs: Option<crate::domain::evidence::Costs>,
}

/// An indicator observation in an export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ObservationOut {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
    pub observed_on: String,
    pub source: String,
    pub note: String,
}

impl ConveningOut {
    /// The convening as input, to check and store it.
    pub fn draft(&self) -> ConveningDraft {
        ConveningDraft {
            title: self.title.clone(),
            mode: self.mode.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            place: self.place.clone(),
            status: self.status.clone(),
            description: self.description.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParticipantOut {
    pub id: i64,
    /// The member's e-mail, or null for a guest.
    pub member: Option<String>,
    pub name: String,
    /// The participant's own contact address ("" = none).
    #[serde(default)]
    pub email: String,
    /// When a steward removed them (their stories stay).
    #[serde(default)]
    pub removed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AspirationOut {
    pub cycle: String,
    pub text: String,
    pub author: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoryOut {
    pub convening: i64,
    pub framework_version: i64,
    pub teller: Option<String>,
    pub participant: Option<i64>,
    pub teller_name: String,
    pub title: String,
    pub language: String,
    pub visibility: Visibility,
    pub show_name: bool,
    pub created_at: String,
    pub steps: Vec<Step>,
    /// The current revision's number (1 = never edited) and date.
    #[serde(default = "one")]
    pub revision: i64,
    #[serde(default)]
    pub updated_at: String,
    /// Hidden by a steward.
    #[serde(default)]
    pub hidden: bool,
    /// Told through a private answer link.
    #[serde(default)]
    pub via_link: bool,
    /// Earlier revisions, oldest first.
    #[serde(default)]
    pub revisions: Vec<RevisionOut>,
}

fn one() -> i64 {
    1
}

/// An earlier revision of a story, in the framework version it was told in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RevisionOut {
    pub revision: i64,
    pub framework_version: i64,
    pub title: String,
    pub language: String,
    pub visibility: Visibility,
    pub show_name: bool,
    pub steps: Vec<Step>,
    pub revised_at: String,
}

/// Reads a whole community out of the store.
#[allow(clippy::too_many_lines)] // the document, part by part, in its order
pub async fn export(store: &Store, slug: &str) -> anyhow::Result<Export> {
    let c = store.community(slug).await?.with_context(|| format!("no community with slug '{slug}'"))?;
    let versions = store.framework_versions(c.id).await?;
    let current = versions.iter().find(|v| v.id == c.framework_id).map_or(1, |v| v.version);
    let members = store.members(c.id).await?;
    let email_of =
        |uid: Option<i64>| uid.and_then(|u| members.iter().find(|m| m.user_id == u).map(|m| m.email.clone()));
    let mut convenings_db = store.convenings(c.id).await?;
    convenings_db.sort_by_key(|c| c.id);
    let mut convenings = Vec::new();
    let mut stories = Vec::new();
    let mut plans = Vec::new();
    let mut next_pid = 1;
    let (mut local_convening, mut local_story) = (HashMap::new(), HashMap::new());
    for (n, cv) in convenings_db.iter().enumerate() {
        let local = i64::try_from(n).unwrap_or(i64::MAX) + 1;
        local_convening.insert(cv.id, local);
        let mut pids = HashMap::new();
        let mut participants = Vec::new();
        for p in store.all_participants(cv.id).await? {
            pids.insert(p.id, next_pid);
            participants.push(ParticipantOut {
                id: next_pid,
                member: email_of(p.user_id),
                name: p.name,
                email: p.email,
                removed_at: p.removed_at,
            });
            next_pid += 1;
        }
        let aspirations = store
            .aspirations(cv.id)
            .await?
            .into_iter()
            .map(|a| AspirationOut { cycle: a.cycle, text: a.text, author: email_of(a.author_user_id) })
            .collect();
        let observations = store
            .observations(crate::store::Scope::Convening(cv.id))
            .await?
            .into_iter()
            .map(|o| ObservationOut {
                indicator: o.indicator,
                value: o.value,
                unit: o.unit,
                observed_on: o.observed_on,
                source: o.source,
                note: o.note,
            })
            .collect();
        let costs = store.costs(crate::store::Scope::Convening(cv.id)).await?.into_iter().next().map(|(_, c)| c);
        let mut saved = store.plans(cv.id).await?;
        saved.sort_by_key(|p| p.id);
        for p in saved {
            plans.push(PlanOut {
                convening: local,
                name: p.name,
                created_by: email_of(p.created_by),
                params: serde_json::from_str(&p.params).with_context(|| format!("plan {}", p.id))?,
                result: serde_json::from_str(&p.result).with_context(|| format!("plan {}", p.id))?,
            });
        }
        for s in store.stories(cv.id).await? {
            let revisions = store.story_revisions(s.id).await?;
            local_story.insert(s.id, i64::try_from(stories.len()).unwrap_or(i64::MAX) + 1);
            stories.push(story_out(s, revisions, local, &versions, &pids, &email_of));
        }
        convenings.push(ConveningOut {
            id: local,
            title: cv.title.clone(),
            mode: cv.mode.clone(),
            starts_on: cv.starts_on.clone(),
            ends_on: cv.ends_on.clone(),
            place: cv.place.clone(),
            status: cv.status.clone(),
            description: cv.description.clone(),
            participants,
            aspirations,
            observations,
            costs,
        });
    }
    let comments = comments_out(store, c.id, &local_convening, &local_story, &email_of).await?;
    let settings = store.public_settings(c.id).await?;
    Ok(Export {
        settings,
        comments,
        format: "convene-export".into(),
        version: 2,
        community: CommunityOut { slug: c.slug, name: c.name, description: c.description },
        frameworks: versions.into_iter().map(|v| FrameworkOut { version: v.version, framework: v.framework }).collect(),
        current_framework_version: current,
        members: members
            .into_iter()
            .map(|m| MemberOut { email: m.email, name: m.name, role: m.role, home_place: m.home_place })
            .collect(),
        convenings,
        stories,
        travel_model: match store.travel_model(c.id).await? {
            t if t.trim().is_empty() => None,
            t => Some(serde_json::from_str(&t).context("travel model")?),
        },
        plans,
    })
}

/// A community's comments with document-local targets (comments on anything else, such
/// as a proposal, are not part of the format yet).
async fn comments_out(
    store: &Store,
    community_id: i64,
    convenings: &HashMap<i64, i64>,
    stories: &HashMap<i64, i64>,
    email_of: &dyn Fn(Option<i64>) -> Option<String>,
) -> anyhow::Result<Vec<CommentOut>> {
    let actions = store.community_comment_actions(community_id).await?;
    let mut position = HashMap::new();
    let mut out = Vec::new();
    for c in store.community_comments(community_id).await? {
        let target = match c.target_kind.as_str() {
            "convening" => convenings.get(&c.target_id).copied(),
            "story" => stories.get(&c.target_id).copied(),
            "framework" => Some(0),
            _ => None,
        };
        let Some(target) = target else { continue };
        let parent = match c.parent_id {
            Some(p) => match position.get(&p) {
                Some(&n) => Some(n),
                None => continue,
            },
            None => None,
        };
        out.push(CommentOut {
            on: c.target_kind.clone(),
            target,
            parent,
            author: email_of(c.author_user_id),
            body: c.body.clone(),
            hidden: c.hidden,
            created_at: c.created_at.clone(),
            moderation: actions
                .iter()
                .filter(|a| a.comment_id == c.id)
                .map(|a| ModerationOut { action: a.action.clone(), by: email_of(a.by_user_id), at: a.at.clone() })
                .collect(),
        });
        position.insert(c.id, i64::try_from(out.len()).unwrap_or(i64::MAX));
    }
    Ok(out)
}

/// One story of the export, its revisions in framework versions.
fn story_out(
    s: crate::domain::story::Story,
    revisions: Vec<crate::store::StoryRevision>,
    convening: i64,
    versions: &[crate::store::FrameworkVersion],
    pids: &HashMap<i64, i64>,
    email_of: &dyn Fn(Option<i64>) -> Option<String>,
) -> StoryOut {
    let version_of = |fid: i64| versions.iter().find(|v| v.id == fid).map_or(0, |v| v.version);
    StoryOut {
        convening,
        framework_version: version_of(s.framework_id),
        teller: email_of(s.teller_user_id),
        participant: s.participant_id.and_then(|p| pids.get(&p).copied()),
        teller_name: s.teller_name,
        title: s.title,
        language: s.language,
        visibility: s.visibility,
        show_name: s.show_name,
        created_at: s.created_at,
        steps: s.steps,
        revision: s.revision,
        updated_at: s.updated_at,
        hidden: s.hidden,
        via_link: s.via_link,
        revisions: revisions
            .into_iter()
            .map(|r| RevisionOut {
                revision: r.revision,
                framework_version: version_of(r.framework_id),
                title: r.title,
                language: r.language,
                visibility: r.visibility,
                show_name: r.show_name,
                steps: r.steps,
                revised_at: r.revised_at,
            })
            .collect(),
    }
}

/// Checks everything an import will write before it writes anything: the format,
/// framework versions 1..n, every reference, and every story against its framework.
pub fn check(doc: &Export) -> anyhow::Result<()> {
    if doc.format != "convene-export" || !(1..=2).contains(&doc.version) {
        bail!("not a convene export (format '{}', version {})", doc.format, doc.version);
    }
    for (i, f) in doc.frameworks.iter().enumerate() {
        if f.version != i64::try_from(i).unwrap_or(-1) + 1 {
            bail!("frameworks[{i}]: versions must be 1, 2, 3, … in order");
        }
        f.framework.validate().with_context(|| format!("frameworks[{i}]"))?;
    }
    if doc.frameworks.is_empty() || doc.current_framework_version != i64::try_from(doc.frameworks.len()).unwrap_or(0) {
        bail!("current_framework_version must be the last framework version");
    }
    let emails: Vec<&str> = doc.members.iter().map(|m| m.email.as_str()).collect();
    let known = |e: &Option<String>, what: &str| -> anyhow::Result<()> {
        match e {
            Some(e) if !emails.contains(&e.as_str()) => bail!("{what}: '{e}' is not among the members"),
            _ => Ok(()),
        }
    };
    for (i, c) in doc.convenings.iter().enumerate() {
        c.draft().validate().with_context(|| format!("convenings[{i}]"))?;
        for (j, p) in c.participants.iter().enumerate() {
            known(&p.member, &format!("convenings[{i}].participants[{j}]"))?;
        }
        for (j, a) in c.aspirations.iter().enumerate() {
            known(&a.author, &format!("convenings[{i}].aspirations[{j}]"))?;
        }
    }
    for (i, s) in doc.stories.iter().enumerate() {
        let what = format!("stories[{i}]");
        let c = doc
            .convenings
            .iter()
            .find(|c| c.id == s.convening)
            .with_context(|| format!("{what}: no convening {}", s.convening))?;
        if let Some(p) = s.participant
            && !c.participants.iter().any(|x| x.id == p)
        {
            bail!("{what}: participant {p} is not in convening {}", c.id);
        }
        known(&s.teller, &what)?;
        let fw = doc
            .frameworks
            .iter()
            .find(|f| f.version == s.framework_version)
            .with_context(|| format!("{what}: no framework version {}", s.framework_version))?;
        draft_of(s).validate(&fw.framework).with_context(|| what.clone())?;
        for (j, r) in s.revisions.iter().enumerate() {
            if !doc.frameworks.iter().any(|f| f.version == r.framework_version) {
                bail!("{what}.revisions[{j}]: no framework version {}", r.framework_version);
            }
            if r.revision >= s.revision {
                bail!("{what}.revisions[{j}]: revision {} is not before the current {}", r.revision, s.revision);
            }
        }
    }
    for (i, p) in doc.plans.iter().enumerate() {
        if !doc.convenings.iter().any(|c| c.id == p.convening) {
            bail!("plans[{i}]: no convening {}", p.convening);
        }
        known(&p.created_by, &format!("plans[{i}]"))?;
    }
    if let Some(m) = &doc.travel_model {
        let model: crate::planner::TravelModel =
            serde_json::from_value(m.clone()).context("travel_model is not a travel model")?;
        model.validate().map_err(|e| anyhow::anyhow!("travel_model: {e}"))?;
    }
    check_comments(doc, &known)
}

fn check_comments(doc: &Export, known: &dyn Fn(&Option<String>, &str) -> anyhow::Result<()>) -> anyhow::Result<()> {
    for (i, c) in doc.comments.iter().enumerate() {
        let what = format!("comments[{i}]");
        let exists = match c.on.as_str() {
            "convening" => doc.convenings.iter().any(|cv| cv.id == c.target),
            "story" => usize::try_from(c.target).is_ok_and(|n| (1..=doc.stories.len()).contains(&n)),
            "framework" => c.target == 0,
            other => bail!("{what}: comments are on a convening, a story or the framework, not '{other}'"),
        };
        if !exists {
            bail!("{what}: no {} {}", c.on, c.target);
        }
        if let Some(p) = c.parent {
            let parent = usize::try_from(p - 1).ok().filter(|&n| n < i).map(|n| &doc.comments[n]);
            match parent {
                Some(q) if q.parent.is_none() && q.on == c.on && q.target == c.target => {}
                _ => bail!("{what}: parent {p} is not an earlier top-level comment on the same thing"),
            }
        }
        crate::domain::required_text("body", &c.body, crate::service::comments::MAX_BODY)
            .with_context(|| what.clone())?;
        known(&c.author, &what)?;
        for (j, m) in c.moderation.iter().enumerate() {
            if m.action != "hide" && m.action != "restore" {
                bail!("{what}.moderation[{j}]: the action is hide or restore, not '{}'", m.action);
            }
            known(&m.by, &format!("{what}.moderation[{j}]"))?;
        }
    }
    let s = &doc.settings;
    if !s.list_address.is_empty() && crate::domain::parse_email(&s.list_address).is_err() {
        bail!("settings.list_address: not an e-mail address");
    }
    Ok(())
}

pub fn draft_of(s: &StoryOut) -> StoryDraft {
    StoryDraft {
        title: s.title.clone(),
        language: s.language.clone(),
        visibility: s.visibility.as_str().into(),
        show_name: s.show_name,
        steps: s
            .steps
            .iter()
            .map(|st| StepDraft {
                cycle: st.cycle.clone(),
                kind: st.kind.as_str().into(),
                text: st.text.clone(),
                indicators: st.indicators.clone(),
            })
            .collect(),
    }
}
