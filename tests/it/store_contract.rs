//! The store contract: the same assertions against SQLite and PostgreSQL.

use crate::helpers::{postgres_store, sqlite_store};
use convene::domain::Role;
use convene::domain::convening::ConveningDraft;
use convene::domain::framework::preset;
use convene::domain::story::{StepDraft, StoryDraft};
use convene::store::{DynStore, StoreError, Teller};

/// Runs a contract function against a fresh SQLite file and a fresh PostgreSQL database.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let (s, _dir) = crate::helpers::sqlite_store().await; super::$name(s).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { if let Some(s) = crate::helpers::postgres_store().await { super::$name(s).await; } })*
        }
    };
}

contract!(
    users_are_unique_by_email_and_keep_their_password_hash,
    sessions_expire_and_can_be_deleted,
    a_community_owns_a_versioned_framework_that_freezes_once_used,
    stories_round_trip_exactly_with_their_steps_in_order,
    members_keep_the_higher_role_and_participants_are_not_duplicated,
    answer_links_find_their_participant_until_revoked_or_expired,
    a_removed_participant_keeps_their_stories_and_loses_their_link,
    an_edit_keeps_the_earlier_revision_and_a_stale_edit_is_refused,
    a_convening_edit_from_an_old_version_is_refused,
    invitations_count_their_uses_and_can_be_revoked,
    tokens_are_named_listed_expire_and_are_revoked,
    a_failing_write_inside_a_transaction_leaves_nothing_behind,
    plans_are_saved_whole_and_a_host_can_become_the_place,
    lean_stories_are_the_stories_without_their_words_and_every_write_moves_the_versions,
    a_lone_bulk_write_takes_a_transaction_of_its_own,
);

/// A one-day convening of the given mode, stored.
async fn convening(s: &DynStore, community_id: i64, mode: &str) -> convene::store::Convening {
    let draft =
        ConveningDraft { title: "T".into(), mode: mode.into(), starts_on: "2026-01-01".into(), ..Default::default() };
    s.create_convening(community_id, &draft.validate().unwrap()).await.unwrap()
}

fn story(title: &str) -> StoryDraft {
    StoryDraft {
        title: title.into(),
        language: "es".into(),
        visibility: "public".into(),
        show_name: false,
        steps: vec![
            StepDraft {
                cycle: "applied".into(),
                kind: "aspirational".into(),
                text: "Voy a probar el método con mi equipo".into(),
                indicators: vec![],
            },
            StepDraft {
                cycle: "immediate".into(),
                kind: "realized".into(),
                text: "Conocí a colegas de 5 países — 你好 <script>".into(),
                indicators: vec!["networking".into()],
            },
        ],
    }
}

async fn users_are_unique_by_email_and_keep_their_password_hash(s: DynStore) {
    let u = s.create_user("a@x.org", "Aïcha", Some("$argon2id$fake"), true).await.unwrap();
    assert!(u.is_admin);
    assert!(matches!(s.create_user("a@x.org", "Other", None, false).await, Err(StoreError::Conflict)));
    let (found, hash) = s.user_by_email("a@x.org").await.unwrap().unwrap();
    assert_eq!(found, u);
    assert_eq!(hash.as_deref(), Some("$argon2id$fake"));
    s.set_home_place(u.id, "Dakar, SN").await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().home_place, "Dakar, SN");
    s.create_api_token("tokhash", u.id, "test", None).await.unwrap();
    assert_eq!(s.token_user("tokhash").await.unwrap().unwrap().id, u.id);
    assert!(s.token_user("other").await.unwrap().is_none());
}

async fn sessions_expire_and_can_be_deleted(s: DynStore) {
    let u = s.create_user("b@x.org", "B", None, false).await.unwrap();
    s.create_session("live", u.id, "2999-01-01T00:00:00Z").await.unwrap();
    s.create_session("old", u.id, "2000-01-01T00:00:00Z").await.unwrap();
    let now = convene::store::now();
    assert_eq!(s.session_user("live", &now).await.unwrap().unwrap().id, u.id);
    assert!(s.session_user("old", &now).await.unwrap().is_none());
    s.delete_session("live").await.unwrap();
    assert!(s.session_user("live", &now).await.unwrap().is_none());
}

async fn a_community_owns_a_versioned_framework_that_freezes_once_used(s: DynStore) {
    let u = s.create_user("c@x.org", "C", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("net", "Net", "", fw, Some(u.id)).await.unwrap();
    assert!(matches!(s.create_community("net", "Again", "", fw, None).await, Err(StoreError::Conflict)));
    assert_eq!(s.role(c.id, u.id).await.unwrap(), Some(Role::Steward));
    // Unused: an edit replaces version 1.
    let mut edited = fw.clone();
    edited.cycles[0].name = "Value in the moment".into();
    let v = s.save_framework(c.id, &edited, false).await.unwrap();
    assert_eq!((v.id, v.version), (c.framework_id, 1));
    // Used by a story: an edit makes version 2 and version 1 stays as it was.
    let cv = convening(&s, c.id, "virtual").await;
    let teller = Teller { user_id: Some(u.id), participant_id: None, name: "C".into(), via_link: false, wave_id: None };
    s.create_story(cv.id, c.framework_id, &teller, &story("x").validate(&edited).unwrap(), "2026-01-02T00:00:00Z")
        .await
        .unwrap();
    edited.cycles[0].name = "Changed again".into();
    let v2 = s.save_framework(c.id, &edited, false).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_ne!(v2.id, c.framework_id);
    let v1 = s.framework(c.framework_id).await.unwrap().unwrap();
    assert_eq!(v1.framework.cycles[0].name, "Value in the moment");
    assert_eq!(s.community("net").await.unwrap().unwrap().framework_id, v2.id);
    assert_eq!(s.framework_versions(c.id).await.unwrap().len(), 2);
}

async fn stories_round_trip_exactly_with_their_steps_in_order(s: DynStore) {
    let u = s.create_user("d@x.org", "D", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("d", "D", "", fw, Some(u.id)).await.unwrap();
    let cv = convening(&s, c.id, "hybrid").await;
    let p = s.add_participant(cv.id, Some(u.id), "D", "").await.unwrap();
    let teller =
        Teller { user_id: Some(u.id), participant_id: Some(p.id), name: "D".into(), via_link: false, wave_id: None };
    let new = story("Una historia").validate(fw).unwrap();
    let saved = s.create_story(cv.id, c.framework_id, &teller, &new, "2026-01-02T10:00:00Z").await.unwrap();
    let loaded = s.story(saved.id).await.unwrap().unwrap();
    assert_eq!(loaded, saved);
    assert_eq!(loaded.steps[0].cycle, "immediate");
    assert_eq!(loaded.steps[0].text, "Conocí a colegas de 5 países — 你好 <script>");
    assert_eq!(loaded.steps[0].indicators, vec!["networking".to_string()]);
    let id = saved.id;
    assert_eq!(s.stories(cv.id).await.unwrap(), vec![saved]);
    assert!(s.story(id + 1000).await.unwrap().is_none());
}

async fn members_keep_the_higher_role_and_participants_are_not_duplicated(s: DynStore) {
    let a = s.create_user("e@x.org", "E", None, false).await.unwrap();
    let fw = preset("wt-2020").unwrap();
    let c = s.create_community("e", "E", "", fw, Some(a.id)).await.unwrap();
    s.add_member(c.id, a.id, Role::Member).await.unwrap();
    assert_eq!(s.role(c.id, a.id).await.unwrap(), Some(Role::Steward));
    let b = s.create_user("f@x.org", "F", None, false).await.unwrap();
    s.add_member(c.id, b.id, Role::Member).await.unwrap();
    s.add_member(c.id, b.id, Role::Steward).await.unwrap();
    assert_eq!(s.role(c.id, b.id).await.unwrap(), Some(Role::Steward));
    assert_eq!(s.members(c.id).await.unwrap().len(), 2);
    let cv = convening(&s, c.id, "virtual").await;
    let p1 = s.add_participant(cv.id, Some(a.id), "E", "").await.unwrap();
    let p2 = s.add_participant(cv.id, Some(a.id), "E", "").await.unwrap();
    assert_eq!(p1, p2);
    s.add_participant(cv.id, None, "Guest One", "").await.unwrap();
    assert_eq!(s.participants(cv.id).await.unwrap().len(), 2);
    let asp = s.add_aspiration(cv.id, "strategic", "Shape the agenda", Some(a.id)).await.unwrap();
    assert_eq!(s.aspirations(cv.id).await.unwrap(), vec![asp]);
}

async fn answer_links_find_their_participant_until_revoked_or_expired(s: DynStore) {
    let a = s.create_user("g@x.org", "G", None, false).await.unwrap();
    let c = s.create_community("g", "G", "", preset("wt-2011").unwrap(), Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "virtual").await;
    let g = s.add_participant(cv.id, None, "Guest", "guest@x.org").await.unwrap();
    assert!(!g.has_link);
    assert_eq!(g.email, "guest@x.org");
    let first = s.issue_answer_link(g.id, "linkhash", None).await.unwrap();
    assert!(s.participant(g.id).await.unwrap().unwrap().has_link);
    let found = s.answer_link_by_token("linkhash").await.unwrap().unwrap();
    assert_eq!((found.participant_id, found.unusable(&convene::store::now())), (g.id, None));
    // A new link replaces the old one, which stays known as revoked.
    s.issue_answer_link(g.id, "second", Some("2000-01-01T00:00:00Z")).await.unwrap();
    let old = s.answer_link(first.id).await.unwrap().unwrap();
    assert_eq!(old.unusable(&convene::store::now()), Some("revoked"));
    let expired = s.answer_link_by_token("second").await.unwrap().unwrap();
    assert_eq!(expired.unusable(&convene::store::now()), Some("expired"));
    assert!(matches!(s.revoke_answer_link(first.id).await, Err(StoreError::Conflict)), "revoking twice");
    assert!(s.answer_link_by_token("nope").await.unwrap().is_none());
    assert!(matches!(s.issue_answer_link(9999, "x", None).await, Err(StoreError::Db(_))));
}

async fn a_removed_participant_keeps_their_stories_and_loses_their_link(s: DynStore) {
    let a = s.create_user("rm@x.org", "Rm", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("rm", "Rm", "", fw, Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "virtual").await;
    let g = s.add_participant(cv.id, None, "Guest", "").await.unwrap();
    let link = s.issue_answer_link(g.id, "rmlink", None).await.unwrap();
    let teller =
        Teller { user_id: None, participant_id: Some(g.id), name: "Guest".into(), via_link: true, wave_id: None };
    let told = s
        .create_story(cv.id, c.framework_id, &teller, &story("kept").validate(fw).unwrap(), "2026-01-02T00:00:00Z")
        .await
        .unwrap();
    s.remove_participant(g.id).await.unwrap();
    assert!(s.participants(cv.id).await.unwrap().is_empty());
    assert_eq!(s.all_participants(cv.id).await.unwrap().len(), 1);
    assert_eq!(s.story(told.id).await.unwrap().unwrap().teller_name, "Guest");
    assert!(s.answer_link(link.id).await.unwrap().unwrap().revoked_at.is_some());
    // A member added again comes back as the same row.
    let m = s.add_participant(cv.id, Some(a.id), "Rm", "").await.unwrap();
    s.remove_participant(m.id).await.unwrap();
    let again = s.add_participant(cv.id, Some(a.id), "Rm", "").await.unwrap();
    assert_eq!((again.id, again.removed_at), (m.id, None));
}

async fn an_edit_keeps_the_earlier_revision_and_a_stale_edit_is_refused(s: DynStore) {
    let a = s.create_user("rev@x.org", "Rev", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("rev", "Rev", "", fw, Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "virtual").await;
    let teller =
        Teller { user_id: Some(a.id), participant_id: None, name: "Rev".into(), via_link: false, wave_id: None };
    let told = s
        .create_story(cv.id, c.framework_id, &teller, &story("First").validate(fw).unwrap(), "2026-01-02T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(told.revision, 1);
    let edited = s
        .update_story(told.id, 1, c.framework_id, &story("Second").validate(fw).unwrap(), "2026-02-02T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(
        (edited.revision, edited.title.as_str(), edited.updated_at.as_str()),
        (2, "Second", "2026-02-02T00:00:00Z")
    );
    assert_eq!(edited.created_at, "2026-01-02T00:00:00Z");
    let history = s.story_revisions(told.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].revision, history[0].title.as_str(), history[0].revised_at.as_str()),
        (1, "First", "2026-01-02T00:00:00Z")
    );
    assert!(matches!(
        s.update_story(told.id, 1, c.framework_id, &story("Third").validate(fw).unwrap(), "2026-03-01T00:00:00Z").await,
        Err(StoreError::Stale)
    ));
    assert_eq!(s.story(told.id).await.unwrap().unwrap().title, "Second", "the stale edit wrote nothing");
    s.set_story_hidden(told.id, true).await.unwrap();
    assert!(s.story(told.id).await.unwrap().unwrap().hidden);
    assert!(matches!(s.set_story_hidden(told.id, true).await, Err(StoreError::Conflict)));
    // A convening with stories cannot be deleted; without, it can.
    assert!(matches!(s.delete_convening(cv.id).await, Err(StoreError::Conflict)));
    s.delete_story(told.id).await.unwrap();
    assert!(s.story_revisions(told.id).await.unwrap().is_empty());
    s.delete_convening(cv.id).await.unwrap();
    assert!(s.convening(cv.id).await.unwrap().is_none());
}

async fn a_convening_edit_from_an_old_version_is_refused(s: DynStore) {
    let a = s.create_user("cv@x.org", "Cv", None, false).await.unwrap();
    let c = s.create_community("cv", "Cv", "", preset("km4dev-experiment").unwrap(), Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "virtual").await;
    let mut d = convene::service::convenings::draft_of(&cv);
    d.status = "held".into();
    let held = s.update_convening(cv.id, &d.validate().unwrap(), cv.version).await.unwrap();
    assert_eq!((held.status.as_str(), held.version), ("held", cv.version + 1));
    d.title = "Renamed".into();
    assert!(matches!(s.update_convening(cv.id, &d.validate().unwrap(), cv.version).await, Err(StoreError::Stale)));
    assert!(matches!(s.update_convening(9999, &d.validate().unwrap(), 1).await, Err(StoreError::NotFound)));
}

async fn invitations_count_their_uses_and_can_be_revoked(s: DynStore) {
    let a = s.create_user("inv@x.org", "Inv", None, false).await.unwrap();
    let c = s.create_community("inv", "Inv", "", preset("km4dev-experiment").unwrap(), Some(a.id)).await.unwrap();
    let once = s
        .create_invitation("once", c.id, Role::Member, Some(a.id), "2999-01-01T00:00:00Z", Some(1), None)
        .await
        .unwrap();
    let now = convene::store::now();
    s.use_invitation(once.id, &now).await.unwrap();
    assert!(matches!(s.use_invitation(once.id, &now).await, Err(StoreError::Conflict)), "single use");
    assert_eq!(s.invitation_by_token("once").await.unwrap().unwrap().unusable(&now), Some("used"));
    let many = s.create_invitation("many", c.id, Role::Member, None, "2999-01-01T00:00:00Z", None, None).await.unwrap();
    for _ in 0..3 {
        s.use_invitation(many.id, &now).await.unwrap();
    }
    s.revoke_invitation(many.id).await.unwrap();
    assert!(matches!(s.revoke_invitation(many.id).await, Err(StoreError::Conflict)));
    assert!(matches!(s.use_invitation(many.id, &now).await, Err(StoreError::Conflict)));
    assert_eq!(s.invitations(c.id).await.unwrap().len(), 2);
}

async fn tokens_are_named_listed_expire_and_are_revoked(s: DynStore) {
    let u = s.create_user("tok@x.org", "Tok", None, false).await.unwrap();
    let t = s.create_api_token("live", u.id, "laptop", None).await.unwrap();
    s.create_api_token("old", u.id, "gone", Some("2000-01-01T00:00:00Z")).await.unwrap();
    assert!(s.token_user("old").await.unwrap().is_none(), "an expired token is refused");
    assert!(s.token_user("live").await.unwrap().is_some());
    let list = s.api_tokens(u.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().find(|x| x.id == t.id).unwrap().last_used_at.is_some(), "use is recorded");
    s.delete_api_token(u.id, t.id).await.unwrap();
    assert!(s.token_user("live").await.unwrap().is_none());
    assert!(matches!(s.delete_api_token(u.id, t.id).await, Err(StoreError::NotFound)));
}

async fn a_failing_write_inside_a_transaction_leaves_nothing_behind(s: DynStore) {
    let a = s.create_user("tx@x.org", "Tx", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("tx", "Tx", "", fw, Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "virtual").await;
    // The second step of the story fails: the story row and its first step must go too.
    let trigger = match s.backend() {
        convene::store::Backend::Sqlite => {
            "CREATE TRIGGER fail_step BEFORE INSERT ON story_steps WHEN NEW.position = 1 \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
                .to_string()
        }
        convene::store::Backend::Postgres => "CREATE FUNCTION fail_step() RETURNS trigger AS $$ BEGIN \
             IF NEW.position = 1 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER fail_step BEFORE INSERT ON story_steps FOR EACH ROW EXECUTE FUNCTION fail_step();"
            .to_string(),
    };
    s.execute_raw(&trigger).await.unwrap();
    let teller =
        Teller { user_id: Some(a.id), participant_id: None, name: "Tx".into(), via_link: false, wave_id: None };
    let two_steps = story("two steps").validate(fw).unwrap();
    assert!(two_steps.steps.len() >= 2);
    assert!(s.create_story(cv.id, c.framework_id, &teller, &two_steps, "2026-01-02T00:00:00Z").await.is_err());
    assert!(s.stories(cv.id).await.unwrap().is_empty(), "nothing half-written");
    s.execute_raw("DROP TRIGGER fail_step ON story_steps").await.ok();
    s.execute_raw("DROP TRIGGER IF EXISTS fail_step").await.ok();
    // A retry succeeds.
    s.create_story(cv.id, c.framework_id, &teller, &two_steps, "2026-01-02T00:00:00Z").await.unwrap();
    assert_eq!(s.stories(cv.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_sqlite_write_is_on_disk_when_acknowledged() {
    // Reopening the file from a second pool sees the write: nothing lives only in memory.
    let (s, dir) = sqlite_store().await;
    s.create_user("h@x.org", "H", None, false).await.unwrap();
    let again = convene::store::open(dir.path().join("convene.db").to_str().unwrap()).await.unwrap();
    assert!(again.user_by_email("h@x.org").await.unwrap().is_some());
}

#[tokio::test]
async fn postgres_databases_are_isolated_per_test() {
    if let (Some(a), Some(b)) = (postgres_store().await, postgres_store().await) {
        a.create_user("i@x.org", "I", None, false).await.unwrap();
        assert!(b.user_by_email("i@x.org").await.unwrap().is_none());
    }
}

async fn plans_are_saved_whole_and_a_host_can_become_the_place(s: DynStore) {
    let a = s.create_user("p@x.org", "P", None, false).await.unwrap();
    let c = s.create_community("p", "P", "", preset("km4dev-experiment").unwrap(), Some(a.id)).await.unwrap();
    let cv = convening(&s, c.id, "in_person").await;
    let first = s.save_plan(cv.id, "One gathering", r#"{"k":1}"#, r#"{"value":475.5}"#, Some(a.id)).await.unwrap();
    let second = s.save_plan(cv.id, "Two regional", r#"{"k":2}"#, r#"{"value":300}"#, None).await.unwrap();
    assert_eq!(s.plan(first.id).await.unwrap().unwrap(), first);
    assert_eq!(s.plans(cv.id).await.unwrap(), vec![second, first], "newest first");
    s.set_convening_place(cv.id, "Nairobi, KE").await.unwrap();
    assert_eq!(s.convening(cv.id).await.unwrap().unwrap().place, "Nairobi, KE");
    assert!(matches!(s.set_convening_place(9999, "x").await, Err(StoreError::NotFound)));
}

/// What the reports count from — stories without their words, packed by the database —
/// equals the stories with their words taken out, and every write that changes what a
/// page or a report shows moves the data versions that kept values are checked against.
async fn lean_stories_are_the_stories_without_their_words_and_every_write_moves_the_versions(s: DynStore) {
    use convene::domain::wave::OutcomeStatus;
    use convene::store::Scope;
    let u = s.create_user("lean@x.org", "Lean", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("lean", "Lean", "", fw, Some(u.id)).await.unwrap();
    let cv = convening(&s, c.id, "in_person").await;
    let other = convening(&s, c.id, "virtual").await;
    let mut last = versions(&s, cv.id).await;
    let g = s.add_participant(cv.id, None, "Guest", "").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "a participant", true);
    let member =
        Teller { user_id: Some(u.id), participant_id: None, name: "Lean".into(), via_link: false, wave_id: None };
    let guest =
        Teller { user_id: None, participant_id: Some(g.id), name: "Guest".into(), via_link: true, wave_id: None };
    let new = story("A").validate(fw).unwrap();
    let a = s.create_story(cv.id, c.framework_id, &member, &new, "2026-01-02T00:00:00Z").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "a story", true);
    let new = story("B").validate(fw).unwrap();
    let b = s.create_story(cv.id, c.framework_id, &guest, &new, "2026-01-03T00:00:00Z").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "a guest's story", true);
    let mut bare = story("C");
    bare.steps.truncate(1);
    s.create_story(other.id, c.framework_id, &member, &bare.validate(fw).unwrap(), "2026-01-04T00:00:00Z")
        .await
        .unwrap();
    let (here, community) = versions(&s, cv.id).await;
    assert_eq!(here, last.0, "a story in another convening leaves this one's version");
    assert!(community > last.1, "but moves the community's");
    last = (here, community);
    s.record_outcome(a.id, "applied", OutcomeStatus::Happened, "Done", None, Some(u.id), "2026-04-01T00:00:00Z")
        .await
        .unwrap();
    moved(&mut last, versions(&s, cv.id).await, "an outcome", true);
    s.set_story_hidden(b.id, true).await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "hiding a story", true);
    s.add_aspiration(cv.id, "applied", "Use it", Some(u.id)).await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "an aspiration", true);
    s.set_travel_model(c.id, "").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "the travel model", false);
    s.update_story(a.id, 2, c.framework_id, &story("A2").validate(fw).unwrap(), "2026-05-01T00:00:00Z").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "an edit", true);

    let strip = |mut v: Vec<convene::domain::story::Story>| {
        for x in &mut v {
            x.title.clear();
            x.teller_name.clear();
            x.steps.iter_mut().for_each(|st| st.text.clear());
            x.outcomes.iter_mut().for_each(|o| o.text.clear());
        }
        v
    };
    let full = strip(s.stories(cv.id).await.unwrap());
    assert_eq!(full.len(), 2);
    assert!(full.iter().any(|x| x.hidden) && full.iter().any(|x| !x.outcomes.is_empty()), "the cases are there");
    assert!(full.iter().any(|x| x.participant_id.is_some() && x.via_link), "a guest's story too");
    assert_eq!(s.story_facts(Scope::Convening(cv.id)).await.unwrap(), full);
    let mut all = full.clone();
    all.extend(strip(s.stories(other.id).await.unwrap()));
    all.sort_by_key(|x| x.id);
    assert_eq!(s.story_facts(Scope::Community(c.id)).await.unwrap(), all);
    assert!(s.story_facts(Scope::Convening(other.id + 100)).await.unwrap().is_empty());

    // A bulk write in a transaction (the field import) quiets the convening while it
    // writes and moves its version once at the end; afterwards every write moves it again.
    let batch = field_batch("root", 3, "F", fw);
    let (cv_id, fw_id) = (cv.id, c.framework_id);
    let ids = s
        .transaction(move |t| {
            Box::pin(async move {
                t.insert_field_stories(cv_id, fw_id, "kobo", "run-1", "2026-02-01T00:00:00Z", batch).await
            })
        })
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    moved(&mut last, versions(&s, cv.id).await, "a bulk write", true);
    let lean = s.story_facts(Scope::Convening(cv.id)).await.unwrap();
    assert_eq!(lean.iter().filter(|x| ids.contains(&x.id)).count(), 3, "the bulk stories are counted");
    s.add_participant(cv.id, None, "After", "").await.unwrap();
    moved(&mut last, versions(&s, cv.id).await, "a participant after the bulk write", true);
    s.create_story(cv.id, c.framework_id, &member, &story("G").validate(fw).unwrap(), "2026-02-02T00:00:00Z")
        .await
        .unwrap();
    moved(&mut last, versions(&s, cv.id).await, "a story after the bulk write", true);
}

/// The field import's bulk write, called on its own, takes a transaction of its own:
/// the rows, each story with a new guest of its teller's name, and the version moves.
async fn a_lone_bulk_write_takes_a_transaction_of_its_own(s: DynStore) {
    let u = s.create_user("bulk@x.org", "Bulk", None, false).await.unwrap();
    let fw = preset("km4dev-experiment").unwrap();
    let c = s.create_community("bulk", "Bulk", "", fw, Some(u.id)).await.unwrap();
    let cv = convening(&s, c.id, "in_person").await;
    let earlier = s.add_participant(cv.id, None, "Earlier", "").await.unwrap();
    let mut last = versions(&s, cv.id).await;
    let batch = field_batch("lone", 4, "L", fw);
    let ids =
        s.insert_field_stories(cv.id, c.framework_id, "odk", "run-9", "2026-02-03T00:00:00Z", batch).await.unwrap();
    assert_eq!(ids.len(), 4);
    moved(&mut last, versions(&s, cv.id).await, "a bulk write on its own", true);
    let names: std::collections::HashMap<i64, String> =
        s.participants(cv.id).await.unwrap().into_iter().map(|p| (p.id, p.name)).collect();
    let stories = s.stories(cv.id).await.unwrap();
    assert_eq!(stories.iter().map(|st| st.id).collect::<Vec<_>>(), ids);
    for st in &stories {
        let guest = st.participant_id.unwrap();
        assert!(guest > earlier.id, "a new guest for story {}", st.id);
        assert_eq!(names.get(&guest), Some(&st.teller_name), "story {}", st.id);
        assert_eq!(st.steps.len(), story("L").steps.len());
    }
    let keys: Vec<String> = (0..4).map(|i| format!("lone-{i}")).collect();
    assert_eq!(s.field_submissions(cv.id, &keys).await.unwrap().len(), 4);
    let mut stored = Vec::new();
    assert_eq!(s.each_field_key(cv.id, |k| stored.push(k.to_string())).await.unwrap(), 4);
    stored.sort();
    assert_eq!(stored, keys, "every key, once");
    assert_eq!(s.each_field_key(cv.id + 1, |_| panic!("a key of another convening")).await.unwrap(), 0);
}

/// `n` stories as the field import writes them, each by a named guest: keys
/// `{prefix}-0`, `{prefix}-1`, …, tellers "{prefix} teller 0", ….
fn field_batch(
    prefix: &str,
    n: i64,
    title: &str,
    fw: &convene::domain::framework::Framework,
) -> Vec<convene::store::FieldStory> {
    (0..n)
        .map(|i| convene::store::FieldStory {
            root_key: format!("{prefix}-{i}"),
            instance_id: format!("{prefix}-{i}"),
            source_row: i + 2,
            participant: None,
            teller_name: format!("{prefix} teller {i}"),
            wave_id: None,
            created_at: "2026-02-01T00:00:00Z".into(),
            story: story(title).validate(fw).unwrap(),
        })
        .collect()
}

async fn versions(s: &DynStore, id: i64) -> (i64, i64) {
    let v = s.convening_versions(id).await.unwrap().unwrap();
    (v.convening, v.community)
}

fn moved(last: &mut (i64, i64), now: (i64, i64), what: &str, convening_too: bool) {
    assert!(now.1 > last.1, "{what}: the community's version moves");
    if convening_too {
        assert!(now.0 > last.0, "{what}: the convening's version moves");
    } else {
        assert_eq!(now.0, last.0, "{what}: the convening's version stays");
    }
    *last = now;
}
