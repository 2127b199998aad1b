//! The server-rendered pages over real HTTP, as a browser without JavaScript uses them.

use crate::helpers::{community_with_convening, csrf_of, get_page, post_form, sign_in, spawn_app};

#[tokio::test]
async fn a_wrong_password_re_renders_the_form_with_the_email() {
    let app = spawn_app().await;
    crate::helpers::user(&app.store, "x@y.org", "X").await;
    let c = app.client();
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    let r =
        post_form(&c, app.url("/signin"), &[("csrf", csrf.as_str()), ("email", "x@y.org"), ("password", "nope")]).await;
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(body.contains("value=\"x@y.org\""));
    assert!(body.contains("do not match"));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "csrf").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let r = post_form(
        &c,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[("title", "T"), ("visibility", "public"), ("text_immediate", "x")],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("expired"));
    let r = post_form(
        &c,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[
            ("csrf", "forged-token-forged-token-forged-token"),
            ("title", "T"),
            ("visibility", "public"),
            ("text_immediate", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(app.store.stories(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_member_tells_a_story_through_the_form_and_the_matrix_counts_it() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "form").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let (form, csrf) = get_page(&c, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    assert!(form.contains("name=\"text_immediate\"") && form.contains("name=\"ind_applied\""));
    // An empty story comes back with what was typed and a message.
    let r = post_form(
        &c,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[("csrf", csrf.as_str()), ("title", "Mon titre <b>"), ("visibility", "community")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("value=\"Mon titre &#60;b&#62;\"") || body.contains("value=\"Mon titre &lt;b&gt;\""),
        "title kept, escaped"
    );
    assert!(body.contains("Tell at least one cycle"));
    let r = post_form(
        &c,
        app.url(&format!("/convenings/{id}/stories/new")),
        &[
            ("csrf", csrf.as_str()),
            ("title", "Mon titre"),
            ("language", "fr"),
            ("visibility", "community"),
            ("text_immediate", "<script>alert(1)</script> J'ai rencontré Awa"),
            ("kind_immediate", "realized"),
            ("ind_immediate", "networking"),
            ("text_applied", "Je vais l'essayer"),
            ("kind_applied", "aspirational"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let story_url = r.headers()["location"].to_str().unwrap().to_string();
    let page = c.get(app.url(&story_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"), "HTML in a story is shown as text");
    assert!(!page.contains("<script>alert(1)"));
    let conv = c.get(app.url(&format!("/convenings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(conv.contains("1 of 2 participants told a story (one story in all)."), "matrix base shown");
    let m = convene::analysis::matrix::matrix(
        convene::domain::framework::preset("km4dev-experiment").unwrap(),
        &app.store.stories(id).await.unwrap(),
        2,
    );
    assert_eq!((m.cycles[0].realized, m.cycles[2].aspirational), (1, 1));
}

#[tokio::test]
async fn anonymous_visitors_see_public_stories_only_and_hidden_names_stay_hidden() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "anon").await;
    let fw = convene::domain::framework::preset("km4dev-experiment").unwrap();
    let c = app.store.community("anon").await.unwrap().unwrap();
    let teller = convene::store::Teller {
        user_id: Some(member.id),
        participant_id: None,
        name: member.name.clone(),
        via_link: false,
        wave_id: None,
    };
    for (title, vis, show) in [
        ("Public named", "public", true),
        ("Public anonymous", "public", false),
        ("For members", "community", true),
        ("For stewards", "stewards", true),
    ] {
        let d = convene::domain::story::StoryDraft {
            title: title.into(),
            language: "en".into(),
            visibility: vis.into(),
            show_name: show,
            steps: vec![convene::domain::story::StepDraft {
                cycle: "immediate".into(),
                kind: "realized".into(),
                text: format!("text of {title}"),
                indicators: vec![],
            }],
        };
        app.store
            .create_story(id, c.framework_id, &teller, &d.validate(fw).unwrap(), "2026-03-12T00:00:00Z")
            .await
            .unwrap();
    }
    let page = reqwest::get(app.url(&format!("/convenings/{id}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("Public named") && page.contains("Public anonymous"));
    assert!(!page.contains("For members") && !page.contains("For stewards"));
    assert_eq!(page.matches("Moussa Member").count(), 1, "only the named public story shows the name");
    let stories = app.store.stories(id).await.unwrap();
    let stewards_only = stories.iter().find(|s| s.title == "For stewards").unwrap();
    assert_eq!(reqwest::get(app.url(&format!("/stories/{}", stewards_only.id))).await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_interface_speaks_the_language_the_browser_asks_for() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let page = c
        .get(app.url("/"))
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("lang=\"fr\"") && page.contains("Quelle valeur nos conversations"));
    for (lang, title) in
        [("es-419", "¿Qué valor crean nuestras conversaciones?"), ("pt-BR", "Que valor nossas conversas criam?")]
    {
        let page = c.get(app.url("/")).header("accept-language", lang).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(title), "{lang}");
    }
    let c = app.client();
    let r = c.get(app.url("/lang/fr?next=/signin")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/signin");
    let page = c.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Mot de passe"));
    let r = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Introuvable"), "error pages speak the visitor's language");
    let r = c.get(app.url("/lang/fr?next=//evil.example")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/", "no open redirect");
}

#[tokio::test]
async fn an_invitation_link_lets_a_newcomer_create_an_account_and_join() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "inv").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url("/c/inv")).await;
    let page = post_form(&s, app.url("/c/inv/invites"), &[("csrf", csrf.as_str()), ("role", "member")])
        .await
        .text()
        .await
        .unwrap();
    let i = page.find("/join/").expect("invite link shown");
    let link = page[i..].split('<').next().unwrap().to_string();
    let n = app.client();
    let (join, csrf) = get_page(&n, &app.url(&link)).await;
    assert!(join.contains("Test community"));
    let r = post_form(
        &n,
        app.url(&link),
        &[("csrf", csrf.as_str()), ("name", "Nadia"), ("email", "bad"), ("password", "longenough")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"Nadia\""));
    let r = post_form(
        &n,
        app.url(&link),
        &[("csrf", csrf.as_str()), ("name", "Nadia"), ("email", "nadia@x.org"), ("password", "longenough")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let c = app.store.community("inv").await.unwrap().unwrap();
    let u = app.store.user_by_email("nadia@x.org").await.unwrap().unwrap().0;
    assert_eq!(app.store.role(c.id, u.id).await.unwrap(), Some(convene::domain::Role::Member));
    assert_eq!(n.get(app.url("/join/not-a-token")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_guest_answers_through_a_private_link_without_an_account() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "guest").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}"))).await;
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/participants")),
        &[("csrf", csrf.as_str()), ("guest_name", "Gloria Guest")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = app.store.participants(id).await.unwrap().into_iter().find(|p| p.name == "Gloria Guest").unwrap();
    let page = post_form(&s, app.url(&format!("/participants/{}/link", p.id)), &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    let i = page.find("/answer/").expect("answer link shown");
    let link = page[i..].split('<').next().unwrap().to_string();
    let g = app.client();
    let (form, csrf) = get_page(&g, &app.url(&link)).await;
    assert!(form.contains("Gloria Guest"));
    let r = post_form(
        &g,
        app.url(&link),
        &[
            ("csrf", csrf.as_str()),
            ("title", "Hoped-for value"),
            ("visibility", "stewards"),
            ("text_realized", "Nuestra red ahorrará tiempo"),
            ("kind_realized", "aspirational"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let back = g.get(app.url(r.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(back.contains("Nuestra red ahorrará tiempo"), "the guest sees their own story");
    let stories = app.store.stories(id).await.unwrap();
    assert_eq!((stories.len(), stories[0].participant_id, stories[0].teller_user_id), (1, Some(p.id), None));
    assert_eq!(csrf_of(&back).len(), csrf.len());
}

#[tokio::test]
async fn stewards_edit_the_framework_and_a_used_version_is_kept() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "fw").await;
    let c = app.store.community("fw").await.unwrap().unwrap();
    let fw = app.store.framework(c.framework_id).await.unwrap().unwrap().framework;
    let d = convene::domain::story::StoryDraft {
        title: "t".into(),
        language: "en".into(),
        visibility: "public".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: "x".into(),
            indicators: vec![],
        }],
    };
    let teller = convene::store::Teller {
        user_id: Some(member.id),
        participant_id: None,
        name: "M".into(),
        via_link: false,
        wave_id: None,
    };
    app.store
        .create_story(id, c.framework_id, &teller, &d.validate(&fw).unwrap(), "2026-03-12T00:00:00Z")
        .await
        .unwrap();
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url("/c/fw/framework")).await;
    let r = post_form(&s, app.url("/c/fw/framework"), &[("csrf", csrf.as_str()), ("text", "this is not toml [")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("this is not toml ["), "the steward's text comes back");
    let edited = fw.to_toml().replace("Immediate value", "Value in the moment");
    let r = post_form(&s, app.url("/c/fw/framework"), &[("csrf", csrf.as_str()), ("text", edited.as_str())]).await;
    assert_eq!(r.status(), 200);
    let versions = app.store.framework_versions(c.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].framework, fw, "the version a story uses is unchanged");
    assert_eq!(versions[1].framework.cycles[0].name, "Value in the moment");
    let other = app.client();
    sign_in(&app, &other, &member.email).await;
    let (_, mcsrf) = get_page(&other, &app.url("/c/fw/framework")).await;
    let r = post_form(&other, app.url("/c/fw/framework"), &[("csrf", mcsrf.as_str()), ("text", edited.as_str())]).await;
    assert_eq!(r.status(), 403, "members cannot edit the framework");
}

#[tokio::test]
async fn cookies_are_secure_behind_an_https_proxy_only() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let plain = c.get(app.url("/signin")).send().await.unwrap();
    let cookie = plain.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && !cookie.contains("Secure"));
    let proxied = c.get(app.url("/signin")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(proxied.headers()["set-cookie"].to_str().unwrap().ends_with("; Secure"));
}

#[tokio::test]
async fn pages_are_compressed() {
    let app = spawn_app().await;
    convene::demo::seed(&app.store).await.unwrap();
    let c = reqwest::Client::new();
    let r = c.get(app.url("/convenings/1")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    assert!(!r.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_story_does_not_make_its_teller_a_participant() {
    let app = spawn_app().await;
    let (_, _, id) = community_with_convening(&app.store, "trace").await;
    let c = app.store.community("trace").await.unwrap().unwrap();
    let newcomer = crate::helpers::user(&app.store, "new@trace.example", "Nia Newcomer").await;
    app.store.add_member(c.id, newcomer.id, convene::domain::Role::Member).await.unwrap();
    let before = app.store.participants(id).await.unwrap().len();
    let client = app.client();
    sign_in(&app, &client, &newcomer.email).await;
    let (_, csrf) = get_page(&client, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    let url = app.url(&format!("/convenings/{id}/stories/new"));
    let r =
        post_form(&client, url.clone(), &[("csrf", csrf.as_str()), ("title", "Empty"), ("visibility", "public")]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.store.participants(id).await.unwrap().len(), before, "nothing stored for a refused story");
    let fields = [("csrf", csrf.as_str()), ("title", "Told"), ("visibility", "public"), ("text_immediate", "x")];
    assert_eq!(post_form(&client, url, &fields).await.status(), 303);
    let participants = app.store.participants(id).await.unwrap();
    assert_eq!(participants.len(), before + 1, "telling a story makes the member a participant");
    let story = &app.store.stories(id).await.unwrap()[0];
    assert_eq!(story.participant_id, participants.iter().find(|p| p.user_id == Some(newcomer.id)).map(|p| p.id));
}
