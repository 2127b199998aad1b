//! The demo community (`demo/demo.toml`, written by us): seeded into an empty database
//! once, never duplicated.

use crate::domain::Role;
use crate::domain::convening::ConveningDraft;
use crate::domain::framework::preset;
use crate::domain::story::{StepDraft, StoryDraft};
use crate::planner::{self, KnownFare, PlanRequest, TravelModel, Traveller};
use crate::store::{Store, Teller};
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
}

/// What seeding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    Created { stories: usize },
    AlreadyThere,
}

/// Seeds the demo community unless its slug exists already.
pub async fn seed(store: &dyn Store) -> anyhow::Result<Seeded> {
    let demo: Demo = toml::from_str(include_str!("../demo/demo.toml")).context("demo/demo.toml")?;
    if store.community(&demo.community.slug).await?.is_some() {
        return Ok(Seeded::AlreadyThere);
    }
    let fw = preset(&demo.community.preset).context("demo preset")?;
    let hash = crate::web::hash_password(DEMO_PASSWORD)?;
    let mut users = HashMap::new();
    for m in &demo.members {
        let user = match store.user_by_email(&m.email).await? {
            Some((u, _)) => u,
            None => store.create_user(&m.email, &m.name, Some(&hash), false).await?,
        };
        store.set_home_place(user.id, &m.home).await?;
        users.insert(m.email.as_str(), (user.id, m.name.as_str()));
    }
    let c = store
        .create_community(&demo.community.slug, &demo.community.name, &demo.community.description, fw, None)
        .await?;
    for m in &demo.members {
        store.add_member(c.id, users[m.email.as_str()].0, m.role).await?;
    }
    let mut convenings = HashMap::new();
    for dc in &demo.convenings {
        let cv = store
            .create_convening(c.id, &dc.draft.validate().with_context(|| format!("demo convening {}", dc.key))?)
            .await?;
        let mut participants = HashMap::new();
        for email in &dc.participants {
            let Some(&(uid, name)) = users.get(email.as_str()) else {
                bail!("demo participant {email} is not a member")
            };
            participants.insert(email.clone(), store.add_participant(cv.id, Some(uid), name).await?.id);
        }
        for g in &dc.guests {
            participants.insert(g.clone(), store.add_participant(cv.id, None, g).await?.id);
        }
        for a in &dc.aspirations {
            store.add_aspiration(cv.id, &a.cycle, &a.text, Some(users[DEMO_STEWARD].0)).await?;
        }
        convenings.insert(dc.key.as_str(), (cv.id, participants));
    }
    for (n, s) in demo.stories.iter().enumerate() {
        let (cid, participants) =
            convenings.get(s.convening.as_str()).with_context(|| format!("demo story {n}: convening"))?;
        let who = s.teller.as_ref().or(s.guest.as_ref()).with_context(|| format!("demo story {n}: teller"))?;
        let teller = Teller {
            user_id: s.teller.as_ref().map(|e| users[e.as_str()].0),
            participant_id: participants.get(who).copied(),
            name: s.teller.as_ref().map_or_else(|| who.clone(), |e| users[e.as_str()].1.to_string()),
        };
        let draft = StoryDraft {
            title: s.title.clone(),
            language: s.language.clone(),
            visibility: s.visibility.clone(),
            show_name: s.show_name,
            steps: s.steps.clone(),
        };
        let story = draft.validate(fw).with_context(|| format!("demo story {n}"))?;
        store.create_story(*cid, c.framework_id, &teller, &story, &format!("{}T12:00:00Z", s.created_on)).await?;
    }
    seed_plan(store, c.id, &demo, &convenings, users[DEMO_STEWARD].0).await?;
    Ok(Seeded::Created { stories: demo.stories.len() })
}

/// The seed page's question for the first demo convening: one gathering or two regional
/// ones? The travel model carries one known real fare (the seed's USD 475 ticket), which
/// replaces the estimate for that trip.
async fn seed_plan(
    store: &dyn Store,
    community_id: i64,
    demo: &Demo,
    convenings: &HashMap<&str, (i64, HashMap<String, i64>)>,
    steward: i64,
) -> anyhow::Result<()> {
    let mut model = TravelModel::default();
    model.known_fares.push(KnownFare { member: "Joseph Mwangi".into(), host: "Lagos".into(), fare: 475.0 });
    store.set_travel_model(community_id, &serde_json::to_string(&model)?).await?;
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
    let (cid, _) = convenings[first.key.as_str()];
    let (p, r) = (serde_json::to_string(&request)?, serde_json::to_string(&result)?);
    store.save_plan(cid, "One gathering or two regional ones?", &p, &r, Some(steward)).await?;
    Ok(())
}
