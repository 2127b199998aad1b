//! The authorization table: every service operation against every kind of actor
//! (anonymous, a member of another community, member, steward, site admin). A new
//! operation joins the table. Each cell runs on a fresh database, so one cell's write
//! cannot decide another's outcome.

use crate::helpers::sqlite_store;
use convene::domain::Role;
use convene::domain::convening::ConveningDraft;
use convene::domain::evidence::{CostDraft, ObservationDraft};
use convene::domain::proposal::{ProposalDraft, Wording};
use convene::domain::story::{StepDraft, StoryDraft};
use convene::domain::wave::{OutcomeDraft, WaveDraft};
use convene::i18n::Lang;
use convene::service::accounts::{self, NewAccount, Uses};
use convene::service::communities::{self, CommunityDraft};
use convene::service::convenings::{self, ParticipantDraft};
use convene::service::{Actor, ServiceError, comments, connect, proposals, reports, stories, waves};
use convene::store::{DynStore, User};
use std::future::Future;
use std::pin::Pin;

/// What an operation did for one actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Yes,
    /// Forbidden
    No,
    /// Not found (what the actor may not see does not exist for them)
    Nf,
    /// Conflict
    Cf,
}

const MEMBER_EMAIL: &str = "u1@x.org";

const ACTORS: [&str; 5] = ["anonymous", "other community's member", "member", "steward", "admin"];

/// A community with a steward and a member, a second community with its own member, a
/// site admin, a convening with a member's story, a guest with a link, an aspiration,
/// an invitation and a plan.
struct World {
    store: DynStore,
    _dir: tempfile::TempDir,
    users: [Option<User>; 5],
    convening: i64,
    empty_convening: i64,
    story: i64,
    guest: i64,
    link: i64,
    aspiration: i64,
    invitation: i64,
    plan: i64,
    wave: i64,
    observation: i64,
    /// An open proposal by the member to add an indicator.
    proposal: i64,
    comment: i64,
}

fn draft(title: &str) -> StoryDraft {
    StoryDraft {
        title: title.into(),
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![
            StepDraft {
                cycle: "immediate".into(),
                kind: "realized".into(),
                text: "We met.".into(),
                indicators: vec![],
            },
            StepDraft {
                cycle: "applied".into(),
                kind: "aspirational".into(),
                text: "I will try.".into(),
                indicators: vec![],
            },
        ],
    }
}

fn convening_draft() -> ConveningDraft {
    ConveningDraft {
        title: "Gathering".into(),
        mode: "in_person".into(),
        starts_on: "2026-03-10".into(),
        status: "planned".into(),
        ..Default::default()
    }
}

/// One password hash for every world: argon2 is slow on purpose.
static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn world() -> World {
    let (store, dir) = sqlite_store().await;
    let op = Actor::Operator;
    let mut made = Vec::new();
    let hash = HASH.get_or_init(|| convene::secret::hash_password("long enough").unwrap());
    for (i, name) in ["Other", "Member", "Steward", "Admin"].iter().enumerate() {
        made.push(store.create_user(&format!("u{i}@x.org"), name, Some(hash), i == 3).await.unwrap());
    }
    let [other, member, steward, admin] = <[User; 4]>::try_from(made).unwrap();
    let preset = "km4dev-experiment".to_string();
    let d = CommunityDraft { slug: "home".into(), name: "Home".into(), preset: preset.clone(), ..Default::default() };
    communities::create_community(&store, &Actor::User(steward.clone()), &d).await.unwrap();
    communities::add_member(&store, &op, "home", member.id, Role::Member).await.unwrap();
    let d = CommunityDraft { slug: "away".into(), name: "Away".into(), preset, ..Default::default() };
    communities::create_community(&store, &Actor::User(other.clone()), &d).await.unwrap();
    let s = Actor::User(steward.clone());
    let cv = convenings::create_convening(&store, &s, "home", &convening_draft()).await.unwrap();
    let empty = convenings::create_convening(&store, &s, "home", &convening_draft()).await.unwrap();
    let story = stories::tell_story(&store, &Actor::User(member.clone()), cv.id, &draft("Mine")).await.unwrap();
    let guest = ParticipantDraft { name: "Gabi Guest".into(), ..Default::default() };
    let guest = convenings::add_participant(&store, &s, cv.id, &guest).await.unwrap();
    let (_, link) = convenings::issue_answer_link(&store, &s, guest.id, None).await.unwrap();
    let aspiration = convenings::add_aspiration(&store, &s, cv.id, "applied", "Try it at home").await.unwrap();
    let (_, invitation) =
        accounts::create_invitation(&store, &s, "home", Role::Member, Uses::Many, None).await.unwrap();
    let plan = convenings::save_plan(&store, &s, cv.id, "A plan", "{}", "{}").await.unwrap();
    let wave = store.waves(cv.id).await.unwrap()[0].id;
    let obs = ObservationDraft { indicator: "participation".into(), value: "12".into(), ..Default::default() };
    let observation = reports::record_observation(&store, &s, cv.id, &obs).await.unwrap().id;
    let proposal = proposals::propose(&store, &Actor::User(member.clone()), "home", &proposal_draft("peer_review"))
        .await
        .unwrap()
        .id;
    let comment =
        comments::add_comment(&store, &Actor::User(member.clone()), comments::Target::Convening(cv.id), None, "Hi")
            .await
            .unwrap()
            .id;
    let settings = convene::store::PublicSettings { list_address: "list@x.org".into(), ..Default::default() };
    connect::save_settings(&store, &s, "home", &settings).await.unwrap();
    World {
        store,
        _dir: dir,
        users: [None, Some(other), Some(member), Some(steward), Some(admin)],
        convening: cv.id,
        empty_convening: empty.id,
        story: story.id,
        guest: guest.id,
        link: link.id,
        aspiration: aspiration.id,
        invitation: invitation.id,
        plan: plan.id,
        wave,
        observation,
        comment,
        proposal,
    }
}

impl World {
    /// The same world in a database file of its own (the same rows and ids), for one
    /// operation to change: a copy of the file instead of the whole setup again, which
    /// made the authorization table a two-minute test.
    async fn copy(&self) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("convene.db");
        // One consistent snapshot, WAL included (what `convene backup` uses too).
        let into = path.to_str().expect("utf-8 path").replace('\'', "''");
        self.store.execute_raw(&format!("VACUUM INTO '{into}'")).await.expect("copy the world");
        let store = convene::store::open(path.to_str().expect("utf-8 path")).await.expect("open the copy");
        World { store, _dir: dir, users: self.users.clone(), ..*self }
    }
}

fn proposal_draft(key: &str) -> ProposalDraft {
    ProposalDraft {
        action: "add".into(),
        target: "indicator".into(),
        cycle: "applied".into(),
        key: key.into(),
        name: Wording::one(Lang::En, "Peer review"),
        reason: "We review each other's work since the gathering".into(),
        ..Default::default()
    }
}

type Op = for<'a> fn(&'a World, &'a Actor) -> Pin<Box<dyn Future<Output = Result<(), ServiceError>> + 'a>>;

macro_rules! op {
    (|$w:ident, $a:ident| $body:expr) => {{
        fn f<'a>($w: &'a World, $a: &'a Actor) -> Pin<Box<dyn Future<Output = Result<(), ServiceError>> + 'a>> {
            Box::pin(async move {
                $body.await?;
                Ok(())
            })
        }
        f as Op
    }};
}

fn classify(r: Result<(), ServiceError>) -> Out {
    match r {
        Ok(()) => Out::Yes,
        Err(ServiceError::Forbidden) => Out::No,
        Err(ServiceError::NotFound) => Out::Nf,
        Err(ServiceError::Conflict(_)) => Out::Cf,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

fn uid(w: &World, a: &Actor) -> i64 {
    a.user_id().unwrap_or(w.users[2].as_ref().unwrap().id)
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // a table, one row per operation
async fn every_operation_allows_exactly_the_actors_it_should() {
    use Out::{Cf, Nf, No, Yes};
    let table: Vec<(&str, Op, [Out; 5])> = vec![
        (
            "create_community",
            op!(|w, a| communities::create_community(
                &w.store,
                a,
                &CommunityDraft {
                    slug: "new".into(),
                    name: "New".into(),
                    preset: "wt-2011".into(),
                    ..Default::default()
                }
            )),
            [No, Yes, Yes, Yes, Yes],
        ),
        (
            "edit_community",
            op!(|w, a| communities::edit_community(&w.store, a, "home", "Renamed", "")),
            [No, No, No, Yes, Yes],
        ),
        (
            "delete_community (has stories)",
            op!(|w, a| communities::delete_community(&w.store, a, "home")),
            [No, No, No, Cf, Cf],
        ),
        (
            "save_framework",
            op!(|w, a| communities::save_framework(
                &w.store,
                a,
                "home",
                &convene::domain::framework::preset("wt-2011").unwrap().to_toml()
            )),
            [No, No, No, Yes, Yes],
        ),
        (
            "set_travel_model",
            op!(|w, a| communities::set_travel_model(&w.store, a, "home", "")),
            [No, No, No, Yes, Yes],
        ),
        ("members", op!(|w, a| communities::members(&w.store, a, "home")), [No, No, Yes, Yes, Yes]),
        ("set_language", op!(|w, a| communities::set_language(&w.store, a, "home", "pt")), [No, No, No, Yes, Yes]),
        (
            "add_member",
            op!(|w, a| communities::add_member(&w.store, a, "home", w.users[1].as_ref().unwrap().id, Role::Member)),
            [No, No, No, Yes, Yes],
        ),
        (
            "set_role",
            op!(|w, a| communities::set_role(&w.store, a, "home", w.users[2].as_ref().unwrap().id, Role::Steward)),
            [No, No, No, Yes, Yes],
        ),
        (
            "remove_member",
            op!(|w, a| communities::remove_member(&w.store, a, "home", w.users[2].as_ref().unwrap().id)),
            [No, No, No, Yes, Yes],
        ),
        ("leave (the only steward cannot)", op!(|w, a| communities::leave(&w.store, a, "home")), [No, Nf, Yes, Cf, Nf]),
        (
            "create_invitation",
            op!(|w, a| accounts::create_invitation(&w.store, a, "home", Role::Member, Uses::Once, None)),
            [No, No, No, Yes, Yes],
        ),
        ("invitations", op!(|w, a| accounts::invitations(&w.store, a, "home")), [No, No, No, Yes, Yes]),
        (
            "revoke_invitation",
            op!(|w, a| accounts::revoke_invitation(&w.store, a, "home", w.invitation)),
            [No, No, No, Yes, Yes],
        ),
        (
            "accept_invitation (signed in joins)",
            op!(|w, a| async {
                let s = Actor::User(w.users[3].clone().unwrap());
                let (token, _) =
                    accounts::create_invitation(&w.store, &s, "home", Role::Member, Uses::Once, None).await?;
                let account =
                    NewAccount { name: "New Person".into(), email: "new@x.org".into(), password: "long enough".into() };
                accounts::accept_invitation(&w.store, a, &token, &account).await
            }),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        (
            "create_convening",
            op!(|w, a| convenings::create_convening(&w.store, a, "home", &convening_draft())),
            [No, No, No, Yes, Yes],
        ),
        (
            "edit_convening",
            op!(|w, a| convenings::set_status(&w.store, a, w.convening, "held", false)),
            [No, No, No, Yes, Yes],
        ),
        (
            "delete_convening (with stories)",
            op!(|w, a| convenings::delete_convening(&w.store, a, w.convening)),
            [No, No, No, Cf, Cf],
        ),
        (
            "delete_convening (empty)",
            op!(|w, a| convenings::delete_convening(&w.store, a, w.empty_convening)),
            [No, No, No, Yes, Yes],
        ),
        (
            "set_place",
            op!(|w, a| convenings::set_place(&w.store, a, w.convening, "Nairobi, KE")),
            [No, No, No, Yes, Yes],
        ),
        (
            "add_participant",
            op!(|w, a| convenings::add_participant(
                &w.store,
                a,
                w.convening,
                &ParticipantDraft { name: "Guest Two".into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        (
            "add_participant by member e-mail",
            op!(|w, a| convenings::add_participant(
                &w.store,
                a,
                w.convening,
                &ParticipantDraft { member_email: MEMBER_EMAIL.into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        (
            "edit_participant",
            op!(|w, a| convenings::edit_participant(&w.store, a, w.guest, "Gabi G.", "gabi@x.org", "fr")),
            [No, No, No, Yes, Yes],
        ),
        (
            "remove_participant",
            op!(|w, a| convenings::remove_participant(&w.store, a, w.guest)),
            [No, No, No, Yes, Yes],
        ),
        (
            "issue_answer_link",
            op!(|w, a| convenings::issue_answer_link(&w.store, a, w.guest, Some("2030-01-01"))),
            [No, No, No, Yes, Yes],
        ),
        ("revoke_answer_link", op!(|w, a| convenings::revoke_answer_link(&w.store, a, w.link)), [No, No, No, Yes, Yes]),
        ("answer_links", op!(|w, a| convenings::answer_links(&w.store, a, w.convening)), [No, No, No, Yes, Yes]),
        (
            "add_aspiration",
            op!(|w, a| convenings::add_aspiration(&w.store, a, w.convening, "potential", "New ideas")),
            [No, No, No, Yes, Yes],
        ),
        (
            "edit_aspiration",
            op!(|w, a| convenings::edit_aspiration(&w.store, a, w.convening, w.aspiration, "realized", "Better")),
            [No, No, No, Yes, Yes],
        ),
        (
            "remove_aspiration",
            op!(|w, a| convenings::remove_aspiration(&w.store, a, w.convening, w.aspiration)),
            [No, No, No, Yes, Yes],
        ),
        (
            "save_plan",
            op!(|w, a| convenings::save_plan(&w.store, a, w.convening, "Another", "{}", "{}")),
            [No, No, No, Yes, Yes],
        ),
        ("plan", op!(|w, a| convenings::plan(&w.store, a, w.plan)), [No, No, No, Yes, Yes]),
        ("delete_plan", op!(|w, a| convenings::delete_plan(&w.store, a, w.plan)), [No, No, No, Yes, Yes]),
        (
            "tell_story",
            op!(|w, a| stories::tell_story(&w.store, a, w.convening, &draft("New"))),
            [No, No, Yes, Yes, Yes],
        ),
        ("read a community story", op!(|w, a| stories::story(&w.store, a, w.story)), [Nf, Nf, Yes, Yes, Yes]),
        (
            "edit_story (the member's own)",
            op!(|w, a| stories::edit_story(&w.store, a, w.story, &draft("Edited"), 1)),
            [Nf, Nf, Yes, No, No],
        ),
        ("revisions", op!(|w, a| stories::revisions(&w.store, a, w.story)), [Nf, Nf, Yes, Yes, Yes]),
        ("hide_story", op!(|w, a| stories::set_hidden(&w.store, a, w.story, true)), [Nf, Nf, No, Yes, Yes]),
        (
            "unhide_story (not hidden)",
            op!(|w, a| stories::set_hidden(&w.store, a, w.story, false)),
            [Nf, Nf, No, Cf, Cf],
        ),
        ("delete_story", op!(|w, a| stories::delete_story(&w.store, a, w.story)), [Nf, Nf, No, Yes, Yes]),
        (
            "invite_to_wave",
            op!(|w, a| convene::service::mail::invite_to_wave(&w.store, a, w.wave)),
            [No, No, No, Yes, Yes],
        ),
        ("outbox", op!(|w, a| convene::service::mail::outbox(&w.store, a, w.convening)), [No, No, No, Yes, Yes]),
        ("waves", op!(|w, a| waves::waves(&w.store, a, w.convening)), [Yes, Yes, Yes, Yes, Yes]),
        (
            "add_wave",
            op!(|w, a| waves::add_wave(
                &w.store,
                a,
                w.convening,
                &WaveDraft { name: "+18 months".into(), opens_on: "2027-09-01".into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        (
            "edit_wave",
            op!(|w, a| waves::edit_wave(
                &w.store,
                a,
                w.wave,
                &WaveDraft { name: "Renamed".into(), opens_on: "2026-03-10".into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        ("delete_wave", op!(|w, a| waves::delete_wave(&w.store, a, w.wave)), [No, No, No, Yes, Yes]),
        ("all_wave_links", op!(|w, a| waves::all_wave_links(&w.store, a, w.wave)), [No, No, No, Yes, Yes]),
        (
            "revoke_wave_links (none live)",
            op!(|w, a| waves::revoke_wave_links(&w.store, a, w.wave, w.guest)),
            [No, No, No, Cf, Cf],
        ),
        ("issue_wave_link", op!(|w, a| waves::issue_wave_link(&w.store, a, w.wave, w.guest)), [No, No, No, Yes, Yes]),
        (
            "record_outcome (the member's story)",
            op!(|w, a| waves::record_outcome(
                &w.store,
                a,
                w.story,
                &OutcomeDraft { cycle: "applied".into(), status: "not_yet".into(), text: String::new() }
            )),
            [Nf, Nf, Yes, Yes, Yes],
        ),
        (
            "issue_token (own)",
            op!(|w, a| accounts::issue_token(&w.store, a, uid(w, a), "t", None)),
            [No, Yes, Yes, Yes, Yes],
        ),
        (
            "issue_token (the member's)",
            op!(|w, a| accounts::issue_token(&w.store, a, w.users[2].as_ref().unwrap().id, "t", None)),
            [No, No, Yes, No, No],
        ),
        ("tokens (own)", op!(|w, a| accounts::tokens(&w.store, a, uid(w, a))), [No, Yes, Yes, Yes, Yes]),
        (
            "change_identity",
            op!(|w, a| accounts::change_identity(
                &w.store,
                a,
                "New Name",
                &format!("n{}@x.org", uid(w, a)),
                "long enough"
            )),
            [No, Yes, Yes, Yes, Yes],
        ),
        (
            "change_password",
            op!(|w, a| accounts::change_password(&w.store, a, "long enough", "longer still", None)),
            [No, Yes, Yes, Yes, Yes],
        ),
        ("sign_out_everywhere", op!(|w, a| accounts::sign_out_everywhere(&w.store, a, None)), [No, Yes, Yes, Yes, Yes]),
        ("set_home_place", op!(|w, a| accounts::set_home_place(&w.store, a, "Dakar, SN")), [No, Yes, Yes, Yes, Yes]),
        (
            "create_user",
            op!(|w, a| accounts::create_user(&w.store, a, "made@x.org", "Made", "long enough", false)),
            [No, No, No, No, Yes],
        ),
        (
            "record_observation",
            op!(|w, a| reports::record_observation(
                &w.store,
                a,
                w.convening,
                &ObservationDraft { indicator: "networking".into(), value: "3".into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        ("observations", op!(|w, a| reports::observations(&w.store, a, w.convening)), [No, No, Yes, Yes, Yes]),
        (
            "delete_observation",
            op!(|w, a| reports::delete_observation(&w.store, a, w.observation)),
            [No, No, No, Yes, Yes],
        ),
        (
            "set_costs",
            op!(|w, a| reports::set_costs(
                &w.store,
                a,
                w.convening,
                &CostDraft { currency: "USD".into(), travel: "100".into(), ..Default::default() }
            )),
            [No, No, No, Yes, Yes],
        ),
        ("clear_costs", op!(|w, a| reports::clear_costs(&w.store, a, w.convening)), [No, No, No, Yes, Yes]),
        ("costs", op!(|w, a| reports::costs(&w.store, a, w.convening)), [No, No, Yes, Yes, Yes]),
        (
            "convening_report (not published)",
            op!(|w, a| reports::convening_report(&w.store, a, w.convening)),
            [No, No, Yes, Yes, Yes],
        ),
        (
            "community_report (not published)",
            op!(|w, a| reports::community_report(&w.store, a, "home")),
            [No, No, Yes, Yes, Yes],
        ),
        (
            "community_report (published)",
            op!(|w, a| async {
                reports::publish_report(&w.store, &Actor::Operator, "home", true).await?;
                reports::community_report(&w.store, a, "home").await
            }),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        ("publish_report", op!(|w, a| reports::publish_report(&w.store, a, "home", true)), [No, No, No, Yes, Yes]),
        (
            "comments::thread (convening)",
            op!(|w, a| comments::thread(&w.store, a, comments::Target::Convening(w.convening))),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        (
            "comments::thread (community-only story)",
            op!(|w, a| comments::thread(&w.store, a, comments::Target::Story(w.story))),
            [Nf, Nf, Yes, Yes, Yes],
        ),
        (
            "comments::thread (proposal)",
            op!(|w, a| comments::thread(&w.store, a, comments::Target::Proposal(w.proposal))),
            [Nf, Nf, Yes, Yes, Yes],
        ),
        (
            "comments::add_comment (proposal)",
            op!(|w, a| comments::add_comment(&w.store, a, comments::Target::Proposal(w.proposal), None, "Agreed")),
            [Nf, Nf, Yes, Yes, Yes],
        ),
        (
            "comments::add_comment (convening)",
            op!(|w, a| comments::add_comment(&w.store, a, comments::Target::Convening(w.convening), None, "Yes")),
            [No, No, Yes, Yes, Yes],
        ),
        (
            "comments::add_comment (community-only story)",
            op!(|w, a| comments::add_comment(&w.store, a, comments::Target::Story(w.story), None, "Yes")),
            [Nf, Nf, Yes, Yes, Yes],
        ),
        (
            "comments::add_comment (framework)",
            op!(|w, a| async {
                let cid = w.store.community("home").await.unwrap().unwrap().id;
                comments::add_comment(&w.store, a, comments::Target::Framework(cid), None, "Yes").await
            }),
            [No, No, Yes, Yes, Yes],
        ),
        (
            "comments::set_hidden",
            op!(|w, a| comments::set_hidden(&w.store, a, w.comment, true)),
            [Nf, Nf, No, Yes, Yes],
        ),
        ("connect::settings", op!(|w, a| connect::settings(&w.store, a, "home")), [No, No, No, Yes, Yes]),
        (
            "connect::save_settings",
            op!(|w, a| connect::save_settings(&w.store, a, "home", &convene::store::PublicSettings::default())),
            [No, No, No, Yes, Yes],
        ),
        (
            "connect::send_digest",
            op!(|w, a| connect::send_digest(&w.store, a, "home", time::macros::date!(2026 - 11 - 26))),
            [No, No, No, Yes, Yes],
        ),
        ("connect::prefs", op!(|w, a| connect::prefs(&w.store, a)), [No, Yes, Yes, Yes, Yes]),
        (
            "connect::set_prefs",
            op!(|w, a| connect::set_prefs(&w.store, a, convene::store::UserPrefs::default())),
            [No, Yes, Yes, Yes, Yes],
        ),
        (
            "full_matrix (not published)",
            op!(|w, a| reports::full_matrix(&w.store, a, "home", &convene::analysis::table::Filter::default(), 1)),
            [No, No, Yes, Yes, Yes],
        ),
        (
            "xlsform",
            op!(|w, a| convene::service::field::xlsform(&w.store, a, w.convening, None)),
            [No, No, No, Yes, Yes],
        ),
        (
            "xlsform (a wave)",
            op!(|w, a| convene::service::field::xlsform(&w.store, a, w.convening, Some(w.wave))),
            [No, No, No, Yes, Yes],
        ),
        (
            "participant_codes",
            op!(|w, a| convene::service::field::participant_codes(&w.store, a, w.convening)),
            [No, No, No, Yes, Yes],
        ),
        (
            "story_rows (what each may read)",
            op!(|w, a| convene::service::field::story_rows(&w.store, a, w.convening)),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        (
            "import_submissions",
            op!(|w, a| async {
                let csv = String::from(
                    "\"story_title\";\"participant_name\";\"story_visibility\";\"immediate_text\";\"_uuid\";\"_submission_time\"\n\
                     \"Field story\";\"Ana\";\"public\";\"We met\";\"k1\";\"2026-03-11T09:00:00\"\n",
                );
                let opts = convene::service::field::ImportOptions { max_bytes: 1 << 20, ..Default::default() };
                let r = convene::service::field::import_submissions(
                    &w.store,
                    a,
                    w.convening,
                    Box::new(std::io::Cursor::new(csv.into_bytes())),
                    &opts,
                )
                .await?;
                assert!(r.committed && r.created == 1, "{r:?}");
                Ok::<_, ServiceError>(())
            }),
            [No, No, No, Yes, Yes],
        ),
        (
            "propose",
            op!(|w, a| proposals::propose(&w.store, a, "home", &proposal_draft("mentoring"))),
            [No, No, Yes, Yes, Yes],
        ),
        ("proposals", op!(|w, a| proposals::proposals(&w.store, a, "home")), [No, No, Yes, Yes, Yes]),
        ("proposal", op!(|w, a| proposals::proposal(&w.store, a, w.proposal)), [No, No, Yes, Yes, Yes]),
        ("support_proposal", op!(|w, a| proposals::support_proposal(&w.store, a, w.proposal)), [No, No, Yes, Yes, Yes]),
        (
            "decide_proposal (accept)",
            op!(|w, a| proposals::decide_proposal(&w.store, a, w.proposal, "accept", "Agreed at the call")),
            [No, No, No, Yes, Yes],
        ),
        (
            "decide_proposal (decided already)",
            op!(|w, a| async {
                proposals::decide_proposal(&w.store, &Actor::Operator, w.proposal, "decline", "").await?;
                proposals::decide_proposal(&w.store, a, w.proposal, "accept", "").await
            }),
            [No, No, No, Cf, Cf],
        ),
        (
            "framework_version",
            op!(|w, a| proposals::framework_version(&w.store, a, "home", Some(1))),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        ("framework_history", op!(|w, a| proposals::framework_history(&w.store, a, "home")), [Yes, Yes, Yes, Yes, Yes]),
        (
            "framework_diff",
            op!(|w, a| proposals::framework_diff(&w.store, a, "home", 1, 1, Lang::Fr)),
            [Yes, Yes, Yes, Yes, Yes],
        ),
        (
            "set_password (operator only)",
            op!(|w, a| accounts::set_password(&w.store, a, MEMBER_EMAIL, "long enough")),
            [No, No, No, No, No],
        ),
    ];
    let mut wrong = Vec::new();
    let template = world().await;
    for (name, op, expected) in &table {
        for (i, want) in expected.iter().enumerate() {
            let w = template.copy().await;
            let actor = w.users[i].clone().map_or(Actor::Anonymous, Actor::User);
            let got = classify(op(&w, &actor).await);
            if got != *want {
                wrong.push(format!("{name} as {}: expected {want:?}, got {got:?}", ACTORS[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "authorization table:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_link_holder_tells_and_edits_only_what_was_told_through_the_link() {
    let w = world().await;
    let s = Actor::User(w.users[3].clone().unwrap());
    let member = w.users[2].clone().unwrap();
    // A link issued to a member: its holder tells as the member, but sees none of the
    // member's other stories.
    let p = convenings::add_participant(
        &w.store,
        &s,
        w.convening,
        &ParticipantDraft { user_id: Some(member.id), ..Default::default() },
    )
    .await
    .unwrap();
    let (token, _) = convenings::issue_answer_link(&w.store, &s, p.id, None).await.unwrap();
    let holder = convenings::open_answer_link(&w.store, &token).await.unwrap();
    let told = stories::tell_story(&w.store, &holder, w.convening, &draft("Through the link")).await.unwrap();
    assert_eq!(told.teller_user_id, Some(member.id));
    let own = stories::own_link_stories(&w.store, &holder).await.unwrap();
    assert_eq!(own.iter().map(|s| s.id).collect::<Vec<_>>(), vec![told.id], "not the member's other story");
    assert!(matches!(
        stories::edit_story(&w.store, &holder, w.story, &draft("x"), 1).await,
        Err(ServiceError::NotFound)
    ));
    stories::edit_story(&w.store, &holder, told.id, &draft("Edited through the link"), 1).await.unwrap();
    // Another convening is out of reach.
    assert!(matches!(
        stories::tell_story(&w.store, &holder, w.empty_convening, &draft("elsewhere")).await,
        Err(ServiceError::Forbidden)
    ));
    // Revoked: the link says so.
    let link = w.store.answer_link_by_token(&convene::secret::hash_token(&token)).await.unwrap().unwrap();
    convenings::revoke_answer_link(&w.store, &s, link.id).await.unwrap();
    assert!(matches!(convenings::open_answer_link(&w.store, &token).await, Err(ServiceError::Gone("revoked"))));
    assert!(matches!(convenings::open_answer_link(&w.store, "forged").await, Err(ServiceError::NotFound)));
}

#[tokio::test]
async fn an_addressed_invitation_lets_an_imported_member_set_a_password_once() {
    let w = world().await;
    let s = Actor::User(w.users[3].clone().unwrap());
    let imported = w.store.create_user("imported@x.org", "Ima Ported", None, false).await.unwrap();
    communities::add_member(&w.store, &s, "home", imported.id, Role::Member).await.unwrap();
    assert!(matches!(accounts::sign_in(&w.store, "imported@x.org", "").await, Err(ServiceError::Invalid(_))));
    let (token, _) =
        accounts::create_invitation(&w.store, &s, "home", Role::Member, Uses::Many, Some(imported.id)).await.unwrap();
    let account = NewAccount { password: "a new password".into(), ..Default::default() };
    let (user, _) = accounts::accept_invitation(&w.store, &Actor::Anonymous, &token, &account).await.unwrap();
    assert_eq!(user.id, imported.id);
    accounts::sign_in(&w.store, "imported@x.org", "a new password").await.unwrap();
    assert!(matches!(
        accounts::accept_invitation(&w.store, &Actor::Anonymous, &token, &account).await,
        Err(ServiceError::Gone("used"))
    ));
}

#[tokio::test]
async fn a_hidden_story_leaves_the_counts_and_the_readers_but_not_the_stewards() {
    let w = world().await;
    let s = Actor::User(w.users[3].clone().unwrap());
    let member = Actor::User(w.users[2].clone().unwrap());
    stories::set_hidden(&w.store, &s, w.story, true).await.unwrap();
    let (_, _, readable, all) = stories::readable(&w.store, &member, w.convening).await.unwrap();
    assert!(readable.iter().all(|x| x.id != w.story), "even its teller no longer reads it");
    let fw = convene::domain::framework::preset("km4dev-experiment").unwrap();
    assert_eq!(convene::analysis::matrix::matrix(fw, &all, 3).n_stories, 0);
    let (_, _, for_steward, _) = stories::readable(&w.store, &s, w.convening).await.unwrap();
    assert!(for_steward.iter().any(|x| x.id == w.story && x.hidden));
}

#[tokio::test]
async fn concurrent_first_stories_of_one_member_all_succeed() {
    let w = world().await;
    let member = Actor::User(w.users[2].clone().unwrap());
    let cv = w.empty_convening;
    let mut tasks = Vec::new();
    for i in 0..4 {
        let (store, member) = (w.store.clone(), member.clone());
        tasks.push(tokio::spawn(async move {
            stories::tell_story(&store, &member, cv, &draft(&format!("Story {i}"))).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(w.store.participants(cv).await.unwrap().len(), 1, "one participant row");
    assert_eq!(w.store.stories(cv).await.unwrap().len(), 4);
}
