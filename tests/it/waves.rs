//! Follow-up waves: the return journey from the gathering to +3 and +9 months.

use crate::helpers::{community_with_convening, get_page, post_form, spawn_app, user};
use convene::domain::wave::WaveDraft;
use convene::service::{Actor, convenings, stories, waves};
use serde_json::json;

use crate::helpers::{call, token_for};

#[tokio::test]
async fn a_new_convening_comes_with_three_waves_that_stewards_change() {
    let app = spawn_app().await;
    let (steward, member, _) = community_with_convening(&app.store, "wv").await;
    let (st, mt) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    let (s, cv) = call(
        &app,
        "POST",
        "/api/v1/communities/wv/convenings",
        Some(&st),
        Some(json!({"title": "Accra", "mode": "in_person", "starts_on": "2026-03-10", "ends_on": "2026-03-12"})),
    )
    .await;
    assert_eq!(s, 201);
    let id = cv["id"].as_i64().unwrap();
    let (s, list) = call(&app, "GET", &format!("/api/v1/convenings/{id}/waves"), None, None).await;
    assert_eq!(s, 200);
    let got: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().into(),
                w["opens_on"].as_str().unwrap().into(),
                w["closes_on"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("At the gathering".to_string(), "2026-03-10".to_string(), "2026-04-09".to_string()),
            ("+3 months".to_string(), "2026-06-12".to_string(), "2026-07-12".to_string()),
            ("+9 months".to_string(), "2026-12-12".to_string(), "2027-01-11".to_string()),
        ]
    );
    assert_eq!(list[0]["cycles"], json!(["immediate", "potential"]));
    assert_eq!(list[1]["cycles"], json!(["applied"]));
    let (s, e) = call(
        &app,
        "POST",
        &format!("/api/v1/convenings/{id}/waves"),
        Some(&st),
        Some(json!({"name": "Late", "opens_on": "2027-05-01", "closes_on": "2027-04-01"})),
    )
    .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("closes_on")));
    let (s, e) = call(
        &app,
        "POST",
        &format!("/api/v1/convenings/{id}/waves"),
        Some(&st),
        Some(json!({"name": "Late", "opens_on": "2027-05-01", "cycles": ["nope"]})),
    )
    .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("cycles")));
    assert_eq!(
        call(
            &app,
            "POST",
            &format!("/api/v1/convenings/{id}/waves"),
            Some(&mt),
            Some(json!({"name": "Mine", "opens_on": "2027-05-01"}))
        )
        .await
        .0,
        403
    );
    let (s, w) = call(
        &app,
        "POST",
        &format!("/api/v1/convenings/{id}/waves"),
        Some(&st),
        Some(json!({"name": "+18 months", "opens_on": "2027-09-12", "cycles": ["realized"]})),
    )
    .await;
    assert_eq!((s, w["closes_on"].as_str()), (201, Some("2027-10-12")));
    let wid = w["id"].as_i64().unwrap();
    let (s, w) =
        call(&app, "PATCH", &format!("/api/v1/waves/{wid}"), Some(&st), Some(json!({"name": "+1.5 years"}))).await;
    assert_eq!((s, w["name"].as_str(), w["opens_on"].as_str()), (200, Some("+1.5 years"), Some("2027-09-12")));
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/waves/{wid}"), Some(&mt), None).await.0, 403);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/waves/{wid}"), Some(&st), None).await.0, 204);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/waves/{wid}"), Some(&st), None).await.0, 404);
}

/// A convening whose first wave is open today and whose second opened yesterday.
async fn open_waves(app: &crate::helpers::TestApp, steward: &convene::store::User, id: i64) -> (i64, i64) {
    let s = Actor::User(steward.clone());
    let today = &convene::store::now()[..10];
    let draft = |name: &str, cycles: &[&str]| WaveDraft {
        name: name.into(),
        opens_on: today.into(),
        closes_on: String::new(),
        cycles: cycles.iter().map(ToString::to_string).collect(),
    };
    let first = waves::add_wave(&app.store, &s, id, &draft("Now", &["immediate", "applied"])).await.unwrap();
    let later = waves::add_wave(&app.store, &s, id, &draft("Later", &["applied", "realized"])).await.unwrap();
    (first.id, later.id)
}

#[tokio::test]
async fn a_participant_answers_a_wave_and_later_says_their_hope_happened() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "ret").await;
    let (first, later) = open_waves(&app, &steward, id).await;
    let s = Actor::User(steward.clone());
    let guest = convenings::add_participant(
        &app.store,
        &s,
        id,
        &convenings::ParticipantDraft { name: "Gabi".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (token, _) = waves::issue_wave_link(&app.store, &s, first, guest.id).await.unwrap();
    let g = app.client();
    let (form, csrf) = get_page(&g, &app.url(&format!("/answer/{token}"))).await;
    assert!(form.contains("text_immediate") && form.contains("text_applied"), "the wave's cycles");
    assert!(!form.contains("text_potential"), "and only those");
    let r = post_form(
        &g,
        app.url(&format!("/answer/{token}")),
        &[
            ("csrf", csrf.as_str()),
            ("title", "A start"),
            ("visibility", "community"),
            ("text_immediate", "We met"),
            ("text_applied", "I will run a clinic"),
            ("kind_applied", "aspirational"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let told = app.store.stories(id).await.unwrap().into_iter().find(|s| s.title == "A start").unwrap();
    assert_eq!(told.wave_id, Some(first));
    let list = waves::waves(&app.store, &s, id).await.unwrap();
    assert_eq!(list.iter().find(|(w, _)| w.id == first).unwrap().1, 1, "1 of N answered the first wave");
    // Months later, through the later wave's link: the earlier story, and what became of it.
    let (later_token, _) = waves::issue_wave_link(&app.store, &s, later, guest.id).await.unwrap();
    let (page, csrf) = get_page(&g, &app.url(&format!("/answer/{later_token}"))).await;
    assert!(page.contains("A start") && page.contains(&format!("/answer/{later_token}/stories/{}/outcomes", told.id)));
    let outcome = format!("/answer/{later_token}/stories/{}/outcomes", told.id);
    let r = post_form(
        &g,
        app.url(&outcome),
        &[("csrf", csrf.as_str()), ("cycle", "applied"), ("status", "happened"), ("text", "")],
    )
    .await;
    assert_eq!(r.status(), 422, "happened needs a description");
    let r = post_form(
        &g,
        app.url(&outcome),
        &[("csrf", csrf.as_str()), ("cycle", "immediate"), ("status", "happened"), ("text", "x")],
    )
    .await;
    assert_eq!(r.status(), 422, "immediate was not hoped for");
    let r = post_form(
        &g,
        app.url(&outcome),
        &[("csrf", csrf.as_str()), ("cycle", "applied"), ("status", "happened"), ("text", "Twelve nurses trained")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let after = app.store.story(told.id).await.unwrap().unwrap();
    assert_eq!((after.revision, after.outcomes.len(), after.outcomes[0].wave_id), (2, 1, Some(later)));
    let (_, m) = call(&app, "GET", &format!("/api/v1/convenings/{id}/matrix"), None, None).await;
    let applied = m["cycles"].as_array().unwrap().iter().find(|c| c["key"] == "applied").unwrap().clone();
    assert_eq!(
        (applied["realized"].as_i64(), applied["aspirational"].as_i64(), applied["outcomes"]["confirmed"].as_i64()),
        (Some(1), Some(0), Some(1))
    );
    let (_, before) = call(&app, "GET", &format!("/api/v1/convenings/{id}/matrix?as_of=2020-01-01"), None, None).await;
    assert_eq!((before["n_stories"].as_i64(), before["as_of"].as_str()), (Some(0), Some("2020-01-01")));
    assert_eq!(call(&app, "GET", &format!("/api/v1/convenings/{id}/matrix?as_of=someday"), None, None).await.0, 422);
    // A wave with answers cannot be removed.
    assert!(matches!(
        waves::delete_wave(&app.store, &s, first).await,
        Err(convene::service::ServiceError::Conflict("has-answers"))
    ));
    // The convening page shows the wave's count and the outcome table.
    let st = app.client();
    crate::helpers::sign_in(&app, &st, &steward.email).await;
    let page = st.get(app.url(&format!("/convenings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("1 of 3 answered") && page.contains("What became of the hopes"), "{page}");
}

#[tokio::test]
async fn a_wave_link_before_its_wave_opens_says_when_to_come_back() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "early").await;
    let s = Actor::User(steward.clone());
    let w = waves::add_wave(
        &app.store,
        &s,
        id,
        &WaveDraft { name: "Next year".into(), opens_on: "2099-01-01".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let guest = convenings::add_participant(
        &app.store,
        &s,
        id,
        &convenings::ParticipantDraft { name: "Gabi".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (token, _) = waves::issue_wave_link(&app.store, &s, w.id, guest.id).await.unwrap();
    let r = reqwest::Client::new().get(app.url(&format!("/answer/{token}"))).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("not opened yet"));
}

#[tokio::test]
async fn outcomes_come_from_the_teller_or_a_steward_only() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "oc").await;
    let m = Actor::User(member.clone());
    let d = convene::domain::story::StoryDraft {
        title: "Hopes".into(),
        language: "en".into(),
        visibility: "public".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "applied".into(),
            kind: "aspirational".into(),
            text: "I will try".into(),
            indicators: vec![],
        }],
    };
    let story = stories::tell_story(&app.store, &m, id, &d).await.unwrap();
    let other = user(&app.store, "other@x.org", "Other").await;
    let (mt, st, ot) =
        (token_for(&app, member.id).await, token_for(&app, steward.id).await, token_for(&app, other.id).await);
    let path = format!("/api/v1/stories/{}/outcomes", story.id);
    assert_eq!(
        call(&app, "POST", &path, Some(&ot), Some(json!({"cycle": "applied", "status": "dropped"}))).await.0,
        403
    );
    assert_eq!(call(&app, "POST", &path, None, Some(json!({"cycle": "applied", "status": "dropped"}))).await.0, 401);
    let (s, e) = call(&app, "POST", &path, Some(&mt), Some(json!({"cycle": "applied", "status": "maybe"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("status")));
    let (s, o) = call(
        &app,
        "POST",
        &path,
        Some(&mt),
        Some(json!({"cycle": "applied", "status": "not_yet", "text": "Next term"})),
    )
    .await;
    assert_eq!((s, o["revision"].as_i64(), o["outcome"]["status"].as_str()), (201, Some(2), Some("not_yet")));
    let (s, o) = call(
        &app,
        "POST",
        &path,
        Some(&st),
        Some(json!({"cycle": "applied", "status": "happened", "text": "She told me by phone: it worked"})),
    )
    .await;
    assert_eq!((s, o["revision"].as_i64()), (201, Some(3)));
    let (_, revs) = call(&app, "GET", &format!("/api/v1/stories/{}/revisions", story.id), Some(&mt), None).await;
    assert_eq!(revs.as_array().unwrap().len(), 3, "each outcome is a revision");
}

#[tokio::test]
async fn a_steward_downloads_every_link_of_a_wave_and_each_one_works() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "csv").await;
    let (_first, _) = open_waves(&app, &steward, id).await;
    let wid = app.store.waves(id).await.unwrap().into_iter().find(|w| w.name == "Now").unwrap().id;
    let s = Actor::User(steward.clone());
    convenings::add_participant(
        &app.store,
        &s,
        id,
        &convenings::ParticipantDraft { name: "=HYPERLINK(\"x\")".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let c = app.client();
    crate::helpers::sign_in(&app, &c, &steward.email).await;
    let (_, csrf) = get_page(&c, &app.url(&format!("/waves/{wid}"))).await;
    let r = post_form(&c, app.url(&format!("/waves/{wid}/links.csv")), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let csv = r.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows.iter().any(|r| &r[0] == "'=HYPERLINK(\"x\")"), "a formula is neutralised: {csv}");
    for r in &rows {
        let link = &r[2];
        assert!(link.starts_with("/answer/"), "{link}");
        assert_eq!(reqwest::get(app.url(link)).await.unwrap().status(), 200);
    }
    // The API gives them too (stewards only); earlier links keep working.
    let (st, mt) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    assert_eq!(call(&app, "GET", &format!("/api/v1/waves/{wid}/links"), Some(&mt), None).await.0, 403);
    let (status, list) = call(&app, "GET", &format!("/api/v1/waves/{wid}/links"), Some(&st), None).await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 3));
    assert_eq!(reqwest::get(app.url(&rows[0][2])).await.unwrap().status(), 200, "the CSV's links still work");
    // Revoking a participant's links for the wave ends every one of them.
    let pid = app.store.participants(id).await.unwrap()[0].id;
    let name = app.store.participants(id).await.unwrap()[0].name.clone();
    let theirs = rows.iter().find(|r| r[0] == *name || r[0] == format!("'{name}")).unwrap()[2].to_string();
    let (_, csrf) = get_page(&c, &app.url(&format!("/waves/{wid}"))).await;
    let r =
        post_form(&c, app.url(&format!("/waves/{wid}/participants/{pid}/revoke")), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(reqwest::get(app.url(&theirs)).await.unwrap().status(), 410);
    let r =
        post_form(&c, app.url(&format!("/waves/{wid}/participants/{pid}/revoke")), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 409, "revoking twice says so");
}

#[tokio::test]
async fn the_room_answers_through_one_shared_link_shown_as_a_qr_code() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "qr").await;
    let (first, _) = open_waves(&app, &steward, id).await;
    let c = app.client();
    crate::helpers::sign_in(&app, &c, &steward.email).await;
    let (_, csrf) = get_page(&c, &app.url(&format!("/waves/{first}"))).await;
    let page = post_form(&c, app.url(&format!("/waves/{first}/shared")), &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg role=\"img\""), "a QR code in the page");
    let link = page[page.find("id=\"shared-link\">").unwrap() + 17..].split('<').next().unwrap().to_string();
    let path = link[link.find("/s/").unwrap()..].to_string();
    // Someone in the room: the wave's cycles, a name to type; refusals keep what was typed.
    let g = app.client();
    let (form, gcsrf) = get_page(&g, &app.url(&path)).await;
    assert!(form.contains("name=\"name\"") && form.contains("text_applied") && !form.contains("text_potential"));
    let fields = |name: &'static str| {
        vec![
            ("csrf", gcsrf.clone()),
            ("name", name.to_string()),
            ("title", "From the room".to_string()),
            ("visibility", "community".to_string()),
            ("text_immediate", "I met the nurses of Kisumu".to_string()),
        ]
    };
    let r = g.post(app.url(&path)).form(&fields("  ")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("I met the nurses of Kisumu"), "typed text kept");
    let r = g.post(app.url(&path)).form(&fields("Wanjiru")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let thanks = r.text().await.unwrap();
    let own = thanks[thanks.find("id=\"own-link\">").unwrap() + 14..].split('<').next().unwrap().to_string();
    let story = app.store.stories(id).await.unwrap().into_iter().find(|s| s.title == "From the room").unwrap();
    assert_eq!((story.teller_name.as_str(), story.wave_id, story.via_link), ("Wanjiru", Some(first), true));
    assert!(app.store.participants(id).await.unwrap().iter().any(|p| p.name == "Wanjiru"), "a named guest now");
    let mine = reqwest::get(app.url(&own)).await.unwrap().text().await.unwrap();
    assert!(mine.contains("From the room"), "their own link shows their story");
    // Revoked: the shared link says so; the personal link goes on working.
    let (_, csrf) = get_page(&c, &app.url(&format!("/waves/{first}"))).await;
    assert_eq!(
        post_form(&c, app.url(&format!("/waves/{first}/shared/revoke")), &[("csrf", csrf.as_str())]).await.status(),
        303
    );
    assert_eq!(reqwest::get(app.url(&path)).await.unwrap().status(), 410);
    assert_eq!(reqwest::get(app.url(&own)).await.unwrap().status(), 200);
}
