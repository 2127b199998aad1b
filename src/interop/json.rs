//! `convene export` / `convene import`: a community as one JSON document.
//!
//! The format (`"format": "convene-export", "version": 1`) holds the community, every
//! framework version, members (e-mail, name, role, home place — never passwords),
//! convenings with their participants and aspirations, and every story with its steps.
//! Convenings and participants carry numbers local to the document (1, 2, …), so an
//! export of an import is byte-for-byte the original. Private answer links, invitation
//! links, sessions and tokens are not exported.

use crate::domain::Role;
use crate::domain::convening::ConveningDraft;
use crate::domain::framework::Framework;
use crate::domain::story::{Step, StepDraft, StoryDraft, Visibility};
use crate::store::{Store, Teller};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
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
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
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

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommunityOut {
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrameworkOut {
    pub version: i64,
    pub framework: Framework,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemberOut {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub home_place: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
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
}

impl ConveningOut {
    /// The convening as input, to check and store it.
    fn draft(&self) -> ConveningDraft {
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

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParticipantOut {
    pub id: i64,
    /// The member's e-mail, or null for a guest.
    pub member: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AspirationOut {
    pub cycle: String,
    pub text: String,
    pub author: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
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
}

/// Reads a whole community out of the store.
pub async fn export(store: &dyn Store, slug: &str) -> anyhow::Result<Export> {
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
    for (n, cv) in convenings_db.iter().enumerate() {
        let local = i64::try_from(n).unwrap_or(i64::MAX) + 1;
        let mut pids = HashMap::new();
        let mut participants = Vec::new();
        let mut ps = store.participants(cv.id).await?;
        ps.sort_by_key(|p| p.id);
        for p in ps {
            pids.insert(p.id, next_pid);
            participants.push(ParticipantOut { id: next_pid, member: email_of(p.user_id), name: p.name });
            next_pid += 1;
        }
        let aspirations = store
            .aspirations(cv.id)
            .await?
            .into_iter()
            .map(|a| AspirationOut { cycle: a.cycle, text: a.text, author: email_of(a.author_user_id) })
            .collect();
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
            let framework_version = versions.iter().find(|v| v.id == s.framework_id).map_or(0, |v| v.version);
            stories.push(StoryOut {
                convening: local,
                framework_version,
                teller: email_of(s.teller_user_id),
                participant: s.participant_id.and_then(|p| pids.get(&p).copied()),
                teller_name: s.teller_name,
                title: s.title,
                language: s.language,
                visibility: s.visibility,
                show_name: s.show_name,
                created_at: s.created_at,
                steps: s.steps,
            });
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
        });
    }
    Ok(Export {
        format: "convene-export".into(),
        version: 1,
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

/// Checks everything an import will write before it writes anything: the format,
/// framework versions 1..n, every reference, and every story against its framework.
fn check(doc: &Export) -> anyhow::Result<()> {
    if doc.format != "convene-export" || doc.version != 1 {
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
    Ok(())
}

fn draft_of(s: &StoryOut) -> StoryDraft {
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

/// Writes an export into the store. The community's slug must be free. Members are
/// matched by e-mail and created (without a password) when missing. Everything is
/// checked first, so bad input writes nothing.
pub async fn import(store: &dyn Store, doc: &Export) -> anyhow::Result<()> {
    check(doc)?;
    if store.community(&doc.community.slug).await?.is_some() {
        bail!("a community with slug '{}' exists already; import needs a database without it", doc.community.slug);
    }
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
            participant_ids.insert(p.id, store.add_participant(created.id, uid(&p.member), &p.name).await?.id);
        }
        for a in &cv.aspirations {
            store.add_aspiration(created.id, &a.cycle, &a.text, uid(&a.author)).await?;
        }
    }
    if let Some(m) = &doc.travel_model {
        store.set_travel_model(c.id, &m.to_string()).await?;
    }
    for p in &doc.plans {
        store
            .save_plan(
                convening_ids[&p.convening],
                &p.name,
                &serde_json::to_string(&p.params)?,
                &p.result.to_string(),
                uid(&p.created_by),
            )
            .await?;
    }
    for s in &doc.stories {
        let fw = &doc.frameworks[usize::try_from(s.framework_version - 1).unwrap_or(0)];
        let story = draft_of(s).validate(&fw.framework)?;
        let teller = Teller {
            user_id: uid(&s.teller),
            participant_id: s.participant.and_then(|p| participant_ids.get(&p).copied()),
            name: s.teller_name.clone(),
        };
        store
            .create_story(
                convening_ids[&s.convening],
                framework_ids[&s.framework_version],
                &teller,
                &story,
                &s.created_at,
            )
            .await?;
    }
    Ok(())
}
