//! Every object's life in the browser's terms (forms over real HTTP): edit, close,
//! remove, revoke, recover — and what a stale or refused form gives back.

use crate::helpers::{community_with_convening, get_page, post_form, sign_in, spawn_app, user};
use convene::domain::Role;

fn field<'a>(html: &'a str, name: &str) -> &'a str {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key).map_or_else(|| panic!("no field {name}"), |i| i + key.len());
    html[i..].split('"').next().unwrap()
}

#[tokio::test]
async fn a_steward_edits_a_convening_and_a_stale_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "edit").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/edit"))).await;
    let version = field(&form, "version").to_string();
    let fields = |title: &'static str, status: &'static str| {
        vec![
            ("title", title),
            ("mode", "in_person"),
            ("starts_on", "2026-03-10"),
            ("ends_on", "2026-03-12"),
            ("status", status),
        ]
    };
    let mut f = fields("Nairobi gathering", "closed");
    f.extend([("csrf", csrf.as_str()), ("version", version.as_str())]);
    assert_eq!(post_form(&s, app.url(&format!("/convenings/{id}/edit")), &f).await.status(), 303);
    let page = s.get(app.url(&format!("/convenings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Nairobi gathering"));
    // The same (now stale) form again: refused, the typed title is kept, nothing saved.
    let mut f = fields("A title typed late", "closed");
    f.extend([("csrf", csrf.as_str()), ("version", version.as_str())]);
    let r = post_form(&s, app.url(&format!("/convenings/{id}/edit")), &f).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("A title typed late") && body.contains("Someone else saved"), "{body}");
    assert_eq!(app.store.convening(id).await.unwrap().unwrap().title, "Nairobi gathering");
    // Moving back from closed to held asks for a confirmation first.
    let current = app.store.convening(id).await.unwrap().unwrap().version.to_string();
    let mut f = fields("Nairobi gathering", "held");
    f.extend([("csrf", csrf.as_str()), ("version", current.as_str())]);
    let r = post_form(&s, app.url(&format!("/convenings/{id}/edit")), &f).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("name=\"confirm_back\""));
    f.push(("confirm_back", "1"));
    assert_eq!(post_form(&s, app.url(&format!("/convenings/{id}/edit")), &f).await.status(), 303);
    assert_eq!(app.store.convening(id).await.unwrap().unwrap().status, "held");
    // An invalid date comes back with the message.
    let mut f = fields("Nairobi gathering", "held");
    f[2] = ("starts_on", "2026-02-30");
    let v = app.store.convening(id).await.unwrap().unwrap().version.to_string();
    f.extend([("csrf", csrf.as_str()), ("version", v.as_str())]);
    let r = post_form(&s, app.url(&format!("/convenings/{id}/edit")), &f).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("2026-02-30"));
}

#[tokio::test]
async fn a_convening_with_stories_offers_closing_instead_of_deleting() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "del").await;
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (_, csrf) = get_page(&m, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    let told = post_form(
        &m,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[("csrf", csrf.as_str()), ("title", "Ours"), ("visibility", "community"), ("text_immediate", "We met")],
    )
    .await;
    assert_eq!(told.status(), 303);
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/edit"))).await;
    let r = post_form(&s, app.url(&format!("/convenings/{id}/delete")), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("close the convening"));
    assert!(app.store.convening(id).await.unwrap().is_some());
    // A member cannot delete anything.
    let (_, mcsrf) = get_page(&m, &app.url("/")).await;
    assert_eq!(
        post_form(&m, app.url(&format!("/convenings/{id}/delete")), &[("csrf", mcsrf.as_str())]).await.status(),
        403
    );
}

#[tokio::test]
async fn a_teller_edits_their_story_and_the_history_keeps_the_first_telling() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "rev").await;
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (_, csrf) = get_page(&m, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    let r = post_form(
        &m,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[
            ("csrf", csrf.as_str()),
            ("title", "First telling"),
            ("visibility", "community"),
            ("show_name", "1"),
            ("text_immediate", "We met in Nairobi"),
        ],
    )
    .await;
    let story = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let (form, csrf) = get_page(&m, &app.url(&format!("{story}/edit"))).await;
    assert!(form.contains("First telling") && form.contains("We met in Nairobi"), "the form is filled");
    assert_eq!(field(&form, "revision"), "1");
    let r = post_form(
        &m,
        app.url(&format!("{story}/edit")),
        &[
            ("csrf", csrf.as_str()),
            ("revision", "1"),
            ("title", "Second telling"),
            ("visibility", "community"),
            ("show_name", "1"),
            ("text_immediate", "We met in Nairobi, and again online"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    // A stale edit: refused, typed text kept.
    let r = post_form(
        &m,
        app.url(&format!("{story}/edit")),
        &[
            ("csrf", csrf.as_str()),
            ("revision", "1"),
            ("title", "Late edit"),
            ("visibility", "community"),
            ("text_immediate", "typed late"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("typed late"));
    let history = m.get(app.url(&format!("{story}/revisions"))).send().await.unwrap().text().await.unwrap();
    assert!(history.contains("First telling") && history.contains("Second telling"));
    // Someone else may neither edit it nor see its history.
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    assert_eq!(s.get(app.url(&format!("{story}/edit"))).send().await.unwrap().status(), 403);
    assert_eq!(
        s.get(app.url(&format!("{story}/revisions"))).send().await.unwrap().status(),
        200,
        "stewards see the history"
    );
    let stranger = user(&app.store, "stranger@x.org", "Stranger").await;
    let x = app.client();
    sign_in(&app, &x, &stranger.email).await;
    assert_eq!(x.get(app.url(&format!("{story}/revisions"))).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_steward_hides_a_story_out_of_the_counts_and_deletes_it_after_confirming() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "hide").await;
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (_, csrf) = get_page(&m, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    let r = post_form(
        &m,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[("csrf", csrf.as_str()), ("title", "To hide"), ("visibility", "public"), ("text_immediate", "x")],
    )
    .await;
    let story = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (page, csrf) = get_page(&s, &app.url(&story)).await;
    assert!(page.contains(&format!("{story}/hide")));
    assert_eq!(post_form(&s, app.url(&format!("{story}/hide")), &[("csrf", csrf.as_str())]).await.status(), 303);
    let conv = s.get(app.url(&format!("/convenings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(conv.contains("0 of 2 participants") && conv.contains("hidden"), "out of the counts, marked for stewards");
    let anon = reqwest::Client::new();
    assert_eq!(
        anon.get(app.url(&story)).send().await.unwrap().status(),
        404,
        "a hidden public story is gone for others"
    );
    assert_eq!(m.get(app.url(&story)).send().await.unwrap().status(), 404);
    let (confirm, csrf) = get_page(&s, &app.url(&format!("{story}/delete"))).await;
    assert!(confirm.contains("To hide"));
    assert_eq!(post_form(&s, app.url(&format!("{story}/delete")), &[("csrf", csrf.as_str())]).await.status(), 303);
    assert_eq!(s.get(app.url(&story)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_revoked_or_expired_answer_link_says_so_plainly() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "links").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}"))).await;
    post_form(
        &s,
        app.url(&format!("/convenings/{id}/participants")),
        &[("csrf", csrf.as_str()), ("guest_name", "Gabi"), ("email", "gabi@x.org")],
    )
    .await;
    let p = app.store.participants(id).await.unwrap().into_iter().find(|p| p.name == "Gabi").unwrap();
    assert_eq!(p.email, "gabi@x.org");
    let page = post_form(
        &s,
        app.url(&format!("/participants/{}/link", p.id)),
        &[("csrf", csrf.as_str()), ("expires_on", "2001-01-01")],
    )
    .await
    .text()
    .await
    .unwrap();
    let link = page[page.find("/answer/").unwrap()..].split('<').next().unwrap().to_string();
    let g = reqwest::Client::new();
    let r = g.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
    let page =
        post_form(&s, app.url(&format!("/participants/{}/link", p.id)), &[("csrf", csrf.as_str()), ("expires_on", "")])
            .await
            .text()
            .await
            .unwrap();
    let link = page[page.find("/answer/").unwrap()..].split('<').next().unwrap().to_string();
    assert_eq!(g.get(app.url(&link)).send().await.unwrap().status(), 200);
    let live = app.store.answer_links(id).await.unwrap().into_iter().find(|l| l.revoked_at.is_none()).unwrap();
    assert_eq!(
        post_form(&s, app.url(&format!("/links/{}/revoke", live.id)), &[("csrf", csrf.as_str())]).await.status(),
        303
    );
    let r = g.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("withdrawn"));
    assert_eq!(g.get(app.url("/answer/forged")).send().await.unwrap().status(), 404);
    // Removing the participant keeps the row for their stories and drops them from the list.
    assert_eq!(
        post_form(&s, app.url(&format!("/participants/{}/remove", p.id)), &[("csrf", csrf.as_str())]).await.status(),
        303
    );
    assert!(app.store.participants(id).await.unwrap().iter().all(|x| x.id != p.id));
}

#[tokio::test]
async fn an_invitation_is_single_use_and_a_steward_revokes_one() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "inv1").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url("/c/inv1")).await;
    let page =
        post_form(&s, app.url("/c/inv1/invites"), &[("csrf", csrf.as_str()), ("role", "member"), ("uses", "once")])
            .await
            .text()
            .await
            .unwrap();
    let link = page[page.find("/join/").unwrap()..].split('<').next().unwrap().to_string();
    let join = |email: &'static str| {
        let app = &app;
        let link = link.clone();
        async move {
            let c = app.client();
            let opened = c.get(app.url(&link)).send().await.unwrap().status();
            if opened != 200 {
                return opened;
            }
            let (_, csrf) = get_page(&c, &app.url(&link)).await;
            post_form(
                &c,
                app.url(&link),
                &[("csrf", csrf.as_str()), ("name", "New One"), ("email", email), ("password", "longenough")],
            )
            .await
            .status()
        }
    };
    assert_eq!(join("one@x.org").await, 303);
    assert_eq!(join("two@x.org").await, 410, "used up");
    let page =
        post_form(&s, app.url("/c/inv1/invites"), &[("csrf", csrf.as_str()), ("role", "member"), ("uses", "many")])
            .await
            .text()
            .await
            .unwrap();
    let link = page[page.find("/join/").unwrap()..].split('<').next().unwrap().to_string();
    let c = app.store.community("inv1").await.unwrap().unwrap();
    let inv = app.store.invitations(c.id).await.unwrap().into_iter().find(|i| i.max_uses.is_none()).unwrap();
    assert_eq!(
        post_form(&s, app.url(&format!("/c/inv1/invites/{}/revoke", inv.id)), &[("csrf", csrf.as_str())])
            .await
            .status(),
        303
    );
    let r = reqwest::Client::new().get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    // A steward invitation is always single-use.
    post_form(&s, app.url("/c/inv1/invites"), &[("csrf", csrf.as_str()), ("role", "steward"), ("uses", "many")]).await;
    assert!(
        app.store
            .invitations(c.id)
            .await
            .unwrap()
            .iter()
            .filter(|i| i.role == Role::Steward)
            .all(|i| i.max_uses == Some(1))
    );
}

#[tokio::test]
async fn an_imported_member_without_a_password_sets_one_through_a_sign_in_link() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "imp").await;
    let c = app.store.community("imp").await.unwrap().unwrap();
    let imported = app.store.create_user("imported@x.org", "Ima Ported", None, false).await.unwrap();
    app.store.add_member(c.id, imported.id, Role::Member).await.unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (page, csrf) = get_page(&s, &app.url("/c/imp")).await;
    assert!(page.contains("no password yet"));
    let page =
        post_form(&s, app.url(&format!("/c/imp/members/{}/signin-link", imported.id)), &[("csrf", csrf.as_str())])
            .await
            .text()
            .await
            .unwrap();
    let link = page[page.find("/join/").unwrap()..].split('<').next().unwrap().to_string();
    let n = app.client();
    let (form, csrf) = get_page(&n, &app.url(&link)).await;
    assert!(form.contains("Ima Ported"));
    let r = post_form(&n, app.url(&link), &[("csrf", csrf.as_str()), ("password", "short")]).await;
    assert_eq!(r.status(), 422, "too short a password is refused");
    let r = post_form(&n, app.url(&link), &[("csrf", csrf.as_str()), ("password", "a long new password")]).await;
    assert_eq!(r.status(), 303);
    let fresh = app.client();
    let (_, csrf) = get_page(&fresh, &app.url("/signin")).await;
    let r = post_form(
        &fresh,
        app.url("/signin"),
        &[("csrf", csrf.as_str()), ("email", "imported@x.org"), ("password", "a long new password"), ("next", "/")],
    )
    .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_member_changes_their_password_manages_tokens_and_the_last_steward_cannot_leave() {
    let app = spawn_app().await;
    let (steward, member, _) = community_with_convening(&app.store, "acct").await;
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let other = app.client();
    sign_in(&app, &other, &member.email).await;
    let (_, csrf) = get_page(&m, &app.url("/me")).await;
    let r = post_form(
        &m,
        app.url("/me/password"),
        &[("csrf", csrf.as_str()), ("current_password", "wrong one"), ("password", "a brand new one")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("current password is not right"));
    let r = post_form(
        &m,
        app.url("/me/password"),
        &[("csrf", csrf.as_str()), ("current_password", crate::helpers::PASSWORD), ("password", "a brand new one")],
    )
    .await;
    assert_eq!(r.status(), 303);
    // The other session ended; this one goes on.
    assert_eq!(other.get(app.url("/me")).send().await.unwrap().status(), 303);
    assert_eq!(m.get(app.url("/me")).send().await.unwrap().status(), 200);
    let page =
        post_form(&m, app.url("/me/tokens"), &[("csrf", csrf.as_str()), ("name", "laptop"), ("expires_days", "30")])
            .await
            .text()
            .await
            .unwrap();
    let token = page[page.find("id=\"new-token\">").unwrap() + 15..].split('<').next().unwrap().to_string();
    let api = reqwest::Client::new();
    let ok = api
        .post(app.url("/api/v1/communities"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "tk", "name": "T", "preset": "wt-2011"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let t = app.store.api_tokens(member.id).await.unwrap().into_iter().next().unwrap();
    assert_eq!((t.name.as_str(), t.expires_at.is_some()), ("laptop", true));
    post_form(&m, app.url(&format!("/me/tokens/{}/revoke", t.id)), &[("csrf", csrf.as_str())]).await;
    let gone = api
        .post(app.url("/api/v1/communities"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "tk2", "name": "T", "preset": "wt-2011"}))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);
    // The only steward cannot leave; a member can.
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, scsrf) = get_page(&s, &app.url("/c/acct")).await;
    let r = post_form(&s, app.url("/c/acct/leave"), &[("csrf", scsrf.as_str())]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("at least one steward"));
    assert_eq!(post_form(&m, app.url("/c/acct/leave"), &[("csrf", csrf.as_str())]).await.status(), 303);
    let c = app.store.community("acct").await.unwrap().unwrap();
    assert_eq!(app.store.role(c.id, member.id).await.unwrap(), None);
}

#[tokio::test]
async fn nobody_may_take_a_stewards_name_in_the_stewards_community() {
    let app = spawn_app().await;
    let (steward, member, _) = community_with_convening(&app.store, "names").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url("/c/names")).await;
    let page =
        post_form(&s, app.url("/c/names/invites"), &[("csrf", csrf.as_str()), ("role", "member"), ("uses", "many")])
            .await
            .text()
            .await
            .unwrap();
    let link = page[page.find("/join/").unwrap()..].split('<').next().unwrap().to_string();
    let n = app.client();
    let (_, csrf) = get_page(&n, &app.url(&link)).await;
    // "Stella Steward" is the steward; accents, case and spacing do not make it another name.
    let r = post_form(
        &n,
        app.url(&link),
        &[("csrf", csrf.as_str()), ("name", "stélla  STEWARD"), ("email", "fake@x.org"), ("password", "longenough")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("steward’s name") && body.contains("stélla  STEWARD"), "{body}");
    let r = post_form(
        &n,
        app.url(&link),
        &[("csrf", csrf.as_str()), ("name", "Stella Stewart"), ("email", "real@x.org"), ("password", "longenough")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let m = app.client();
    sign_in(&app, &m, &member.email).await;
    let (_, csrf) = get_page(&m, &app.url("/me")).await;
    let r = post_form(
        &m,
        app.url("/me/identity"),
        &[
            ("csrf", csrf.as_str()),
            ("name", "Stella Steward"),
            ("email", member.email.as_str()),
            ("current_password", crate::helpers::PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn every_page_has_a_plain_title_and_one_main_heading() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "titles").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let wave = app.store.waves(id).await.unwrap();
    let mut paths = vec![
        "/".to_string(),
        "/me".into(),
        "/c/titles".into(),
        "/c/titles/edit".into(),
        format!("/convenings/{id}"),
        format!("/convenings/{id}/edit"),
        format!("/convenings/{id}/stories/new"),
        format!("/convenings/{id}/plan"),
        "/reset".into(),
        "/unsubscribe/some-token".into(),
    ];
    paths.extend(wave.iter().map(|w| format!("/waves/{}", w.id)));
    for path in paths {
        let body = s.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        let title = body
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or_else(|| panic!("{path}: no title"));
        assert!(!title.contains('<') && !title.trim().is_empty(), "{path}: title {title:?}");
        assert_eq!(body.matches("<h1").count(), 1, "{path}: one main heading");
    }
}

#[tokio::test]
async fn a_steward_sets_the_language_mails_fall_back_to() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "lang").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (form, csrf) = get_page(&s, &app.url("/c/lang/edit")).await;
    assert!(form.contains("<option value=\"en\" selected>"));
    let r = post_form(
        &s,
        app.url("/c/lang/edit"),
        &[("csrf", csrf.as_str()), ("name", "Lang"), ("description", ""), ("language", "pt")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let c = app.store.community("lang").await.unwrap().unwrap();
    assert_eq!(app.store.community_language(c.id).await.unwrap(), "pt");
    let r = post_form(
        &s,
        app.url("/c/lang/edit"),
        &[("csrf", csrf.as_str()), ("name", "Lang"), ("description", ""), ("language", "xx")],
    )
    .await;
    assert_eq!(r.status(), 422);
}
