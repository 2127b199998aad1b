//! Proposals to change the framework, over real HTTP: a member's suggestion becomes the
//! version new stories use; what cannot be applied says so; reports read across versions.

use crate::helpers::{call, community_with_convening, get_page, post_form, sign_in, spawn_app, token_for};
use serde_json::{Value, json};

fn indicator_keys(fw: &Value, cycle: &str) -> Vec<String> {
    fw["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == cycle)
        .map(|c| c["indicators"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one journey, with its refusals
async fn a_members_proposal_is_supported_accepted_and_used_by_the_next_story() {
    let app = spawn_app().await;
    let (steward, member, convening) = community_with_convening(&app.store, "prop").await;
    let (s, m) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);

    let (st, v1) = call(&app, "GET", "/api/v1/communities/prop/framework", None, None).await;
    assert_eq!(st, 200, "{v1}");
    assert_eq!((v1["version"].as_i64(), v1["languages"].clone()), (Some(1), json!(["en", "fr", "es", "pt"])));
    let (_, fr) = call(&app, "GET", "/api/v1/communities/prop/framework?lang=fr", None, None).await;
    assert_eq!(fr["cycles"][0]["name"], "Valeur immédiate");
    assert!(fr["cycles"][0].get("fr").is_none(), "one language, no blocks");
    assert_eq!(call(&app, "GET", "/api/v1/communities/prop/proposals", None, None).await.0, 403);

    // Refused proposals, each with its reason.
    let refused = [
        (
            json!({"action": "add", "target": "indicator", "cycle": "reframing", "key": "x", "name": "X", "reason": "r"}),
            422,
            "proposal_target_gone",
        ),
        (
            json!({"action": "remove", "target": "question", "cycle": "applied", "key": "7", "reason": "r"}),
            422,
            "proposal_target_gone",
        ),
        (
            json!({"action": "add", "target": "indicator", "cycle": "applied", "key": "networking", "name": "N", "reason": "r"}),
            422,
            "proposal_key_taken",
        ),
        (
            json!({"action": "add", "target": "indicator", "cycle": "applied", "key": "peer_review", "name": "P"}),
            422,
            "required",
        ),
        (
            json!({"action": "rename", "target": "indicator", "cycle": "applied", "key": "networking", "reason": "r"}),
            422,
            "proposal_action",
        ),
        (
            json!({"action": "add", "target": "indicator", "cycle": "applied", "key": "p", "name": "P", "reason": "r", "lang": "de"}),
            422,
            "lang",
        ),
        (
            json!({"action": "add", "target": "indicator", "cycle": "applied", "key": "p", "name": {"de": "P"}, "reason": "r"}),
            400,
            "bad_json",
        ),
    ];
    for (body, status, code) in refused {
        let (st, e) = call(&app, "POST", "/api/v1/communities/prop/proposals", Some(&m), Some(body.clone())).await;
        assert_eq!((st, e["error"]["code"].as_str()), (status, Some(code)), "{body} → {e}");
    }

    let body = json!({"action": "add", "target": "indicator", "cycle": "applied", "key": "peer_review",
                      "name": {"en": "Peer review", "fr": "Relecture entre pairs"},
                      "text": "Colleagues read and improve each other's work.",
                      "reason": "Since the gathering we read each other's drafts."});
    let (st, p) = call(&app, "POST", "/api/v1/communities/prop/proposals", Some(&m), Some(body)).await;
    assert_eq!(st, 201, "{p}");
    assert_eq!((p["status"].as_str(), p["base_version"].as_i64()), (Some("open"), Some(1)));
    assert_eq!(p["name"]["fr"], "Relecture entre pairs");
    let id = p["id"].as_i64().unwrap();
    for _ in 0..2 {
        let (st, p) = call(&app, "POST", &format!("/api/v1/proposals/{id}/support"), Some(&m), None).await;
        assert_eq!((st, p["supporters"].as_i64()), (200, Some(1)), "supporting twice counts once");
    }
    let (_, list) = call(&app, "GET", "/api/v1/communities/prop/proposals", Some(&m), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Members discuss it; markup is kept as text; outsiders do not see it at all.
    let outsider = crate::helpers::user(&app.store, "out@x.org", "Out Sider").await;
    let o = token_for(&app, outsider.id).await;
    let path = format!("/api/v1/proposals/{id}/comments");
    let (st, c) = call(&app, "POST", &path, Some(&m), Some(json!({"body": "Let's try it <b>now</b>"}))).await;
    assert_eq!((st, c["body"].as_str()), (201, Some("Let's try it <b>now</b>")), "{c}");
    let reply = json!({"body": "Agreed", "parent_id": c["id"]});
    assert_eq!(call(&app, "POST", &path, Some(&s), Some(reply)).await.0, 201);
    let (st, thread) = call(&app, "GET", &path, Some(&m), None).await;
    assert_eq!((st, thread[0]["replies"][0]["body"].as_str()), (200, Some("Agreed")));
    assert_eq!(call(&app, "POST", &path, Some(&o), Some(json!({"body": "Me too"}))).await.0, 404);
    assert_eq!(call(&app, "GET", &path, Some(&o), None).await.0, 404);
    assert_eq!(call(&app, "POST", &path, None, Some(json!({"body": "Me too"}))).await.0, 401);
    let (st, e) = call(&app, "POST", &path, Some(&m), Some(json!({"body": "  "}))).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("comment")));
    let decide = |d: &str| json!({"decision": d, "note": "Agreed at the monthly call"});
    let (st, _) =
        call(&app, "POST", &format!("/api/v1/proposals/{id}/decision"), Some(&m), Some(decide("accept"))).await;
    assert_eq!(st, 403, "members do not decide");
    let (st, e) =
        call(&app, "POST", &format!("/api/v1/proposals/{id}/decision"), Some(&s), Some(decide("maybe"))).await;
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("proposal_decision")));
    let (st, v2) =
        call(&app, "POST", &format!("/api/v1/proposals/{id}/decision"), Some(&s), Some(decide("accept"))).await;
    assert_eq!(st, 200, "{v2}");
    assert_eq!(v2["version"], 2);
    assert_eq!(
        (v2["proposal"]["status"].as_str(), v2["proposal"]["result_version"].as_i64()),
        (Some("accepted"), Some(2))
    );
    assert!(indicator_keys(&v2, "applied").contains(&"peer_review".to_string()));
    let (st, e) =
        call(&app, "POST", &format!("/api/v1/proposals/{id}/decision"), Some(&s), Some(decide("accept"))).await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("already_decided")), "accepting twice");
    let (_, old) = call(&app, "GET", "/api/v1/communities/prop/framework?version=1", None, None).await;
    assert!(!indicator_keys(&old, "applied").contains(&"peer_review".to_string()), "version 1 is kept as it was");
    assert_eq!(call(&app, "GET", "/api/v1/communities/prop/framework?version=9", None, None).await.0, 404);
    let (_, pt) = call(&app, "GET", "/api/v1/communities/prop/framework?lang=pt", None, None).await;
    let applied = pt["cycles"].as_array().unwrap().iter().find(|c| c["key"] == "applied").unwrap().clone();
    let added = applied["indicators"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(added["name"], "Peer review", "no Portuguese text yet: English");

    // The next story is told under version 2 and may tick the new indicator.
    let story = json!({"title": "Reading together", "language": "en", "visibility": "community", "show_name": true,
        "steps": [{"cycle": "applied", "kind": "realized", "text": "We read drafts", "indicators": ["peer_review"]}]});
    let (st, _) = call(&app, "POST", &format!("/api/v1/convenings/{convening}/stories"), Some(&m), Some(story)).await;
    assert_eq!(st, 201);
    let c = app.store.community("prop").await.unwrap().unwrap();
    assert_eq!(app.store.stories(convening).await.unwrap()[0].framework_id, c.framework_id);

    // Two proposals made on version 2 touch the same cycle: the second says so.
    let remove = json!({"action": "remove", "target": "cycle", "cycle": "potential", "reason": "We never use it"});
    let rename = json!({"action": "change", "target": "indicator", "cycle": "potential", "key": "skills_acquired",
                        "name": "Skills gained", "reason": "Plainer"});
    let other = json!({"action": "change", "target": "question", "cycle": "realized", "key": "1",
                       "text": {"fr": "Qu'est-ce que cela a changé ?"}, "reason": "Plus court"});
    let mut ids = Vec::new();
    for b in [remove, rename, other] {
        let (st, p) = call(&app, "POST", "/api/v1/communities/prop/proposals", Some(&m), Some(b)).await;
        assert_eq!(st, 201, "{p}");
        ids.push(p["id"].as_i64().unwrap());
    }
    let (st, v3) =
        call(&app, "POST", &format!("/api/v1/proposals/{}/decision", ids[0]), Some(&s), Some(decide("accept"))).await;
    assert_eq!((st, v3["version"].as_i64()), (200, Some(3)));
    let (st, e) =
        call(&app, "POST", &format!("/api/v1/proposals/{}/decision", ids[1]), Some(&s), Some(decide("accept"))).await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("proposal_conflict")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("'potential' no longer exists"), "{e}");
    let (_, now) = call(&app, "GET", "/api/v1/communities/prop/framework", None, None).await;
    assert_eq!(now["version"], 3, "nothing was applied");
    let (_, list) = call(&app, "GET", "/api/v1/communities/prop/proposals", Some(&s), None).await;
    let second = list.as_array().unwrap().iter().find(|p| p["id"] == ids[1]).unwrap();
    assert_eq!(second["status"], "open", "the clashing proposal stays open for the steward to decline");
    // An unrelated proposal made on version 2 still applies on top of version 3.
    let (st, v4) =
        call(&app, "POST", &format!("/api/v1/proposals/{}/decision", ids[2]), Some(&s), Some(decide("accept"))).await;
    assert_eq!((st, v4["version"].as_i64()), (200, Some(4)));
    let (_, fr) = call(&app, "GET", "/api/v1/communities/prop/framework?lang=fr", None, None).await;
    let realized = fr["cycles"].as_array().unwrap().iter().find(|c| c["key"] == "realized").unwrap().clone();
    assert_eq!(realized["questions"][0], "Qu'est-ce que cela a changé ?");
    let (_, en) = call(&app, "GET", "/api/v1/communities/prop/framework?lang=en", None, None).await;
    let realized = en["cycles"].as_array().unwrap().iter().find(|c| c["key"] == "realized").unwrap().clone();
    assert!(realized["questions"][0].as_str().unwrap().starts_with("What difference"), "English kept");

    // The report says where a cycle went, in the reader's language.
    let md = reqwest::Client::new()
        .get(app.url("/api/v1/communities/prop/report?format=md&lang=fr"))
        .bearer_auth(&s)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("Versions du cadre"), "{md}");
    assert!(md.contains("«\u{a0}Valeur potentielle\u{a0}» a été retiré dans la version 3"), "{md}");
    assert!(md.contains("Valeur appliquée"), "cycle names in French: {md}");
}

#[tokio::test]
async fn the_presets_answer_in_the_language_asked() {
    let app = spawn_app().await;
    let (st, pt) = call(&app, "GET", "/api/v1/presets?lang=pt", None, None).await;
    assert_eq!(st, 200);
    assert_eq!(pt[2]["cycles"][5]["name"], "Valor estratégico");
    assert_eq!(pt[0]["cycles"][0]["indicators"][0]["name"], "Nível de participação");
    let (_, all) = call(&app, "GET", "/api/v1/presets", None, None).await;
    assert_eq!(all[1]["cycles"][4]["es"]["name"], "Valor de replanteamiento");
    let (st, e) = call(&app, "GET", "/api/v1/presets?lang=de", None, None).await;
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("lang")));
}

#[tokio::test]
async fn the_proposal_form_comes_back_with_what_was_typed_and_a_clash_is_shown_not_applied() {
    let app = spawn_app().await;
    let (steward, member, _) = community_with_convening(&app.store, "propp").await;
    let mc = app.client();
    sign_in(&app, &mc, &member.email).await;
    let (page, csrf) = get_page(&mc, &app.url("/c/propp/proposals")).await;
    assert!(page.contains("pr-reason"), "{page}");
    let typed = [
        ("csrf", csrf.as_str()),
        ("action", "change"),
        ("target", "indicator"),
        ("cycle", "immediate"),
        ("key", "networking"),
        ("lang", "es"),
        ("name", "Tejer redes <b>juntos</b>"),
        ("text", ""),
        ("reason", ""),
    ];
    let r = post_form(&mc, app.url("/c/propp/proposals"), &typed).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Tejer redes &#60;b&#62;juntos&#60;/b&#62;"), "typed text kept, as text: {body}");
    assert!(body.contains("<option value=\"es\" selected>"), "the language kept");
    let mut ok = typed;
    ok[8] = ("reason", "Suena más natural");
    let r = post_form(&mc, app.url("/c/propp/proposals"), &ok).await;
    assert_eq!(r.status(), 303);
    let first = r.headers()["location"].to_str().unwrap().to_string();
    ok[6] = ("name", "Redes");
    let r = post_form(&mc, app.url("/c/propp/proposals"), &ok).await;
    let second = r.headers()["location"].to_str().unwrap().to_string();

    let sc = app.client();
    sign_in(&app, &sc, &steward.email).await;
    let (_, csrf) = get_page(&sc, &app.url(&first)).await;
    let r = post_form(&sc, app.url(&format!("{first}/decision")), &[("csrf", &csrf), ("decision", "accept")]).await;
    assert_eq!(r.status(), 303);
    let note = "Lo vemos en la próxima llamada";
    let r = post_form(
        &sc,
        app.url(&format!("{second}/decision")),
        &[("csrf", &csrf), ("decision", "accept"), ("note", note)],
    )
    .await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("clashes with a change accepted"), "{body}");
    assert!(body.contains(note), "the note typed is kept");
    let spanish = sc.get(app.url("/c/propp/framework?from=1&to=2")).header("accept-language", "es").send().await;
    let page = spanish.unwrap().text().await.unwrap();
    assert!(page.contains("Tejer redes"), "the diff shows the new Spanish name: {page}");
    let (page, _) = get_page(&sc, &app.url("/c/propp/framework?from=1&to=2")).await;
    assert!(page.contains("texts changed in other languages"), "in English only the Spanish changed: {page}");
    let (page, _) = get_page(&sc, &app.url("/c/propp/framework?from=1&to=x")).await;
    assert!(page.contains("There is no such version"), "{page}");
}
