//! The demo community (`demo/demo.toml`, written by us): seeded into an empty database
//! once, never duplicated.

use crate::domain::Role;
use crate::domain::convening::ConveningDraft;
use crate::domain::story::{StepDraft, StoryDraft};
use crate::planner::{self, KnownFare, PlanRequest, TravelModel, Traveller};
use crate::service::communities::CommunityDraft;
use crate::service::convenings::ParticipantDraft;
use crate::service::{Actor, accounts, communities, convenings, reports, stories};
use crate::store::Store;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::collections::HashMap;

/// The demo steward's e-mail; every demo account uses [`DEMO_PASSWORD`].
pub const DEMO_STEWARD: &str = "steward@demo.convene.example";
pub const DEMO_PASSWORD: &str = "convene-demo";

#[derive(Deserialize)]
struct Demo {
    community: DemoCommunity,
    members: Vec<DemoMember>,
    convenings: Vec<DemoConvening>,
    stories: Vec<DemoStory>,
    #[serde(default)]
    comments: Vec<DemoComment>,
}

#[derive(Deserialize)]
struct DemoCommunity {
    slug: String,
    name: String,
    description: String,
    preset: String,
}

#[derive(Deserialize)]
struct DemoMember {
    name: String,
    email: String,
    role: Role,
    home: String,
}

#[derive(Deserialize)]
struct DemoConvening {
    #[serde(rename = "ref")]
    key: String,
    #[serde(flatten)]
    draft: ConveningDraft,
    participants: Vec<String>,
    #[serde(default)]
    guests: Vec<String>,
    #[serde(default)]
    aspirations: Vec<DemoAspiration>,
    /// What it cost (recorded by the steward), when known.
    #[serde(default)]
    costs: Option<crate::domain::evidence::CostDraft>,
    #[serde(default)]
    observations: Vec<crate::domain::evidence::ObservationDraft>,
}

#[derive(Deserialize)]
struct DemoAspiration {
    cycle: String,
    text: String,
}

#[derive(Deserialize)]
struct DemoStory {
    convening: String,
    teller: Option<String>,
    guest: Option<String>,
    title: String,
    language: String,
    visibility: String,
    show_name: bool,
    created_on: String,
    steps: Vec<StepDraft>,
    /// What the teller later said became of their hopes (as in a follow-up wave).
    #[serde(default)]
    outcomes: Vec<crate::domain::wave::OutcomeDraft>,
}

/// A comment written by a demo member (on a story by its position, a convening by its
/// key, or the framework), or a reply to an earlier comment by its position.
#[derive(Deserialize)]
struct DemoComment {
    on: String,
    story: Option<usize>,
    convening: Option<String>,
    author: String,
    text: String,
    reply_to: Option<usize>,
}

/// What seeding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    Created { stories: usize },
    AlreadyThere,
}

/// Seeds the demo community unless its slug exists already — through the service layer,
/// as the people it names would: the operator creates the accounts and the community,
/// the demo steward sets it up, each member tells their own stories, guests answer
/// through their private links.
pub async fn seed(store: &Store) -> anyhow::Result<Seeded> {
    let demo: Demo = toml::from_str(include_str!("../demo/demo.toml")).context("demo/demo.toml")?;
    if store.community(&demo.community.slug).await?.is_some() {
        return Ok(Seeded::AlreadyThere);
    }
    let op = Actor::Operator;
    let mut users = HashMap::new();
    for m in &demo.members {
        let user = match store.user_by_email(&m.email).await? {
            Some((u, _)) => u,
            None => accounts::create_user(store, &op, &m.email, &m.name, DEMO_PASSWORD, false).await?,
        };
        let actor = Actor::User(user.clone());
        accounts::set_home_place(store, &actor, &m.home).await?;
        users.insert(m.email.as_str(), actor);
    }
    let draft = CommunityDraft {
        slug: demo.community.slug.clone(),
        name: demo.community.name.clone(),
        description: demo.community.description.clone(),
        preset: demo.community.preset.clone(),
    };
    let c = communities::create_community(store, &op, &draft).await?;
    for m in &demo.members {
        let uid = users[m.email.as_str()].user_id().context("demo member")?;
        communities::add_member(store, &op, &c.slug, uid, m.role).await?;
    }
    let steward = users.get(DEMO_STEWARD).context("demo steward")?.clone();
    let mut convenings = HashMap::new();
    for dc in &demo.convenings {
        let cv = convenings::create_convening(store, &steward, &c.slug, &dc.draft)
            .await
            .with_context(|| format!("demo convening {}", dc.key))?;
        let mut guests = HashMap::new();
        for email in &dc.participants {
            let Some(member) = users.get(email.as_str()) else { bail!("demo participant {email} is not a member") };
            let draft = ParticipantDraft { user_id: member.user_id(), ..ParticipantDraft::default() };
            convenings::add_participant(store, &steward, cv.id, &draft).await?;
        }
        for g in &dc.guests {
            let draft = ParticipantDraft { name: g.clone(), ..ParticipantDraft::default() };
            let p = convenings::add_participant(store, &steward, cv.id, &draft).await?;
            let (token, _) = convenings::issue_answer_link(store, &steward, p.id, None).await?;
            guests.insert(g.clone(), convenings::open_answer_link(store, &token).await?);
        }
        for a in &dc.aspirations {
            convenings::add_aspiration(store, &steward, cv.id, &a.cycle, &a.text).await?;
        }
        if let Some(costs) = &dc.costs {
            reports::set_costs(store, &steward, cv.id, costs)
                .await
                .with_context(|| format!("demo costs {}", dc.key))?;
        }
        for o in &dc.observations {
            reports::record_observation(store, &steward, cv.id, o)
                .await
                .with_context(|| format!("demo observation {}", dc.key))?;
        }
        convenings.insert(dc.key.as_str(), (cv.id, guests));
    }
    let mut told_ids = Vec::new();
    for (n, s) in demo.stories.iter().enumerate() {
        let (cid, guests) =
            convenings.get(s.convening.as_str()).with_context(|| format!("demo story {n}: convening"))?;
        let teller = match (&s.teller, &s.guest) {
            (Some(e), _) => users.get(e.as_str()),
            (None, Some(g)) => guests.get(g),
            (None, None) => None,
        }
        .with_context(|| format!("demo story {n}: teller"))?;
        let draft = StoryDraft {
            title: s.title.clone(),
            language: s.language.clone(),
            visibility: s.visibility.clone(),
            show_name: s.show_name,
            steps: s.steps.clone(),
        };
        let told_at = format!("{}T12:00:00Z", s.created_on);
        let told = stories::tell_story_at(store, teller, *cid, &draft, Some(&told_at))
            .await
            .with_context(|| format!("demo story {n}"))?;
        told_ids.push(told.id);
        for o in &s.outcomes {
            crate::service::waves::record_outcome(store, teller, told.id, o)
                .await
                .with_context(|| format!("demo story {n}: outcome"))?;
        }
    }
    let by_key = convenings.iter().map(|(k, (id, _))| (*k, *id)).collect();
    seed_comments(store, &demo, &users, &by_key, &told_ids, c.id).await?;
    let first = demo.convenings.first().context("demo has a convening")?;
    seed_plan(store, &steward, &c.slug, &demo, convenings[first.key.as_str()].0).await?;
    Ok(Seeded::Created { stories: demo.stories.len() })
}

/// The demo's conversations, each written by its member through the service.
async fn seed_comments(
    store: &Store,
    demo: &Demo,
    users: &HashMap<&str, Actor>,
    convenings: &HashMap<&str, i64>,
    told_ids: &[i64],
    community_id: i64,
) -> anyhow::Result<()> {
    use crate::service::comments::{self, Target};
    let mut comment_ids = Vec::new();
    for (n, dc) in demo.comments.iter().enumerate() {
        let target = match (dc.on.as_str(), dc.story, &dc.convening) {
            ("story", Some(i), _) => Target::Story(*told_ids.get(i).context("demo comment: story")?),
            ("convening", _, Some(k)) => Target::Convening(*convenings.get(k.as_str()).context("demo comment")?),
            ("framework", _, _) => Target::Framework(community_id),
            _ => bail!("demo comment {n}: on what?"),
        };
        let author = users.get(dc.author.as_str()).with_context(|| format!("demo comment {n}: author"))?;
        let parent = dc.reply_to.map(|r| comment_ids.get(r).copied().context("demo comment: reply_to")).transpose()?;
        let made = comments::add_comment(store, author, target, parent, &dc.text)
            .await
            .with_context(|| format!("demo comment {n}"))?;
        comment_ids.push(made.id);
    }
    Ok(())
}

/// The seed page's question for the first demo convening: one gathering or two regional
/// ones? The travel model carries one known real fare (the seed's USD 475 ticket), which
/// replaces the estimate for that trip.
async fn seed_plan(store: &Store, steward: &Actor, slug: &str, demo: &Demo, cid: i64) -> anyhow::Result<()> {
    let mut model = TravelModel::default();
    model.known_fares.push(KnownFare { member: "Joseph Mwangi".into(), host: "Lagos".into(), fare: 475.0 });
    communities::set_travel_model(store, steward, slug, &serde_json::to_string(&model)?).await?;
    let first = demo.convenings.first().context("demo has a convening")?;
    let mut travellers = Vec::new();
    for email in &first.participants {
        let m = demo.members.iter().find(|m| &m.email == email).context("demo participant")?;
        let place = planner::resolve(&m.home).with_context(|| format!("demo home {}", m.home))?;
        travellers.push(Traveller { place: Some(place.label()), ..Traveller::new(m.name.clone(), place.position()) });
    }
    let request = PlanRequest { travellers, k: 2, model, ..PlanRequest::default() };
    let (request, result) =
        tokio::task::spawn_blocking(move || planner::plan(&request, &mut |_| {}).map(|a| (request, a)))
            .await
            .context("demo plan")?
            .map_err(|e| anyhow::anyhow!("demo plan: {e}"))?;
    let (p, r) = (serde_json::to_string(&request)?, serde_json::to_string(&result)?);
    convenings::save_plan(store, steward, cid, "One gathering or two regional ones?", &p, &r).await?;
    Ok(())
}
