//! The JSON API over real HTTP.

use crate::helpers::{community_with_convening, spawn_app, user};
use convene::web::{hash_token, new_token};
use serde_json::{Value, json};

use crate::helpers::{call, token_for};

#[tokio::test]
async fn health_and_presets_answer_without_a_token() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let presets: Value = c.get(app.url("/api/v1/presets")).send().await.unwrap().json().await.unwrap();
    let keys: Vec<_> = presets.as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(keys, ["km4dev-experiment", "wt-2011", "wt-2020"]);
    assert!(presets[1]["cycles"][0]["indicators"][0]["key"].is_string());
    assert_eq!(presets[2]["cycles"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn a_steward_creates_a_community_and_convening_then_a_story_moves_the_matrix() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let u = user(&app.store, "api@x.org", "Api User").await;
    let token = token_for(&app, u.id).await;
    let r = c
        .post(app.url("/api/v1/communities"))
        .bearer_auth(&token)
        .json(&json!({"slug": "east", "name": "East", "preset": "wt-2011"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .post(app.url("/api/v1/communities"))
        .bearer_auth(&token)
        .json(&json!({"slug": "east", "name": "East", "preset": "wt-2011"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "slug");
    let r = c.post(app.url("/api/v1/communities/east/convenings")).bearer_auth(&token).json(&json!({"title": "Kampala meet-up", "mode": "in_person", "starts_on": "2026-05-01", "ends_on": "2026-05-02"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let cv: Value = r.json().await.unwrap();
    let id = cv["id"].as_i64().unwrap();
    let story = json!({"title": "Un atelier", "language": "fr", "visibility": "public", "show_name": false,
        "steps": [{"cycle": "immediate", "kind": "realized", "text": "J'ai rencontré Awa", "indicators": []},
                  {"cycle": "potential", "kind": "realized", "text": "Une méthode", "indicators": ["human_capital", "social_capital"]},
                  {"cycle": "applied", "kind": "aspirational", "text": "Je l'essaierai", "indicators": []}]});
    let r = c
        .post(app.url(&format!("/api/v1/convenings/{id}/stories")))
        .bearer_auth(&token)
        .json(&story)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let m: Value =
        c.get(app.url(&format!("/api/v1/convenings/{id}/matrix"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (m["n_stories"].as_i64(), m["n_tellers"].as_i64(), m["n_participants"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    let cycle = |k: &str| m["cycles"].as_array().unwrap().iter().find(|c| c["key"] == k).unwrap().clone();
    assert_eq!(
        (cycle("potential")["realized"].as_i64(), cycle("potential")["indicators"]["social_capital"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!((cycle("applied")["realized"].as_i64(), cycle("applied")["aspirational"].as_i64()), (Some(0), Some(1)));
    assert_eq!(cycle("reframing")["realized"].as_i64(), Some(0));
    // Anonymous readers see the public story, but not the teller's hidden name.
    let list: Value =
        c.get(app.url(&format!("/api/v1/convenings/{id}/stories"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["teller"], Value::Null);
    assert_eq!(list[0]["steps"][0]["text"], "J'ai rencontré Awa");
}

#[tokio::test]
async fn visibility_decides_who_reads_a_story_through_the_api() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "vis").await;
    let (ts, tm) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    let c = reqwest::Client::new();
    for vis in ["stewards", "community", "public"] {
        let body = json!({"title": vis, "visibility": vis, "steps": [{"cycle": "immediate", "kind": "realized", "text": "x"}]});
        assert_eq!(
            c.post(app.url(&format!("/api/v1/convenings/{id}/stories")))
                .bearer_auth(&tm)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status(),
            201
        );
    }
    let outsider = user(&app.store, "out@x.org", "Out").await;
    let to = token_for(&app, outsider.id).await;
    let count = |token: Option<String>| {
        let c = c.clone();
        let url = app.url(&format!("/api/v1/convenings/{id}/stories"));
        async move {
            let mut req = c.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let v: Value = req.send().await.unwrap().json().await.unwrap();
            v.as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(count(None).await, ["public"]);
    assert_eq!(count(Some(to)).await, ["public"]);
    assert_eq!(count(Some(tm)).await, ["stewards", "community", "public"], "a teller sees their own story");
    assert_eq!(count(Some(ts)).await, ["stewards", "community", "public"]);
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_store_nothing() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "bad").await;
    let t = token_for(&app, member.id).await;
    let c = reqwest::Client::new();
    let url = app.url(&format!("/api/v1/convenings/{id}/stories"));
    let cases = [
        (
            json!({"title": "x", "visibility": "public", "steps": [{"cycle": "nope", "kind": "realized", "text": "x"}]}),
            422,
            "unknown_cycle",
        ),
        (
            json!({"title": "x", "visibility": "public", "steps": [{"cycle": "immediate", "kind": "realized", "text": "x", "indicators": ["nope"]}]}),
            422,
            "unknown_indicator",
        ),
        (json!({"title": "x", "visibility": "public", "steps": []}), 422, "empty_story"),
        (
            json!({"title": "x", "visibility": "public", "steps": [{"cycle": "immediate", "kind": "realized", "text": "é".repeat(5001)}]}),
            422,
            "too_long",
        ),
        (
            json!({"title": "x", "visibility": "everyone", "steps": [{"cycle": "immediate", "kind": "realized", "text": "x"}]}),
            422,
            "visibility",
        ),
    ];
    for (body, status, code) in cases {
        let r = c.post(&url).bearer_auth(&t).json(&body).send().await.unwrap();
        assert_eq!(r.status(), status, "{code}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], code);
        assert!(e["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let r =
        c.post(&url).bearer_auth(&t).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "bad_json");
    let r = c.post(&url).bearer_auth("wrong-token").json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = c.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(app.url("/api/v1/communities/bad/convenings"))
        .bearer_auth(&t)
        .json(&json!({"title": "x", "mode": "in_person", "starts_on": "2026-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "members cannot create convenings");
    let ts = token_for(&app, app.store.user_by_email("steward@bad.example").await.unwrap().unwrap().0.id).await;
    let r = c
        .post(app.url("/api/v1/communities/bad/convenings"))
        .bearer_auth(&ts)
        .json(&json!({"title": "x", "mode": "in_person", "starts_on": "2026-02-30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "starts_on");
    assert_eq!(c.get(app.url("/api/v1/nothing")).send().await.unwrap().status(), 404);
    let r = c.get(app.url("/api/v1/convenings/abc/matrix")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "bad_path");
    assert!(app.store.stories(id).await.unwrap().is_empty(), "nothing was stored");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/presets",
        "/communities",
        "/communities/{slug}",
        "/communities/{slug}/convenings",
        "/convenings/{id}",
        "/convenings/{id}/stories",
        "/convenings/{id}/matrix",
        "/places",
        "/convenings/{id}/participants",
        "/participants/{id}",
        "/stories/{id}",
        "/stories/{id}/revisions",
        "/stories/{id}/hide",
        "/stories/{id}/unhide",
        "/stories/{id}/outcomes",
        "/convenings/{id}/waves",
        "/waves/{id}",
        "/waves/{id}/invite",
        "/waves/{id}/links",
        "/outbox",
        "/convenings/{id}/report",
        "/communities/{slug}/report",
        "/communities/{slug}/report/publish",
        "/convenings/{id}/observations",
        "/observations/{id}",
        "/convenings/{id}/costs",
        "/convenings/{id}/xlsform",
        "/convenings/{id}/submissions",
        "/convenings/{id}/stories.csv",
        "/convenings/{id}/stories.xlsx",
        "/communities/{slug}/framework",
        "/communities/{slug}/proposals",
        "/proposals/{id}/support",
        "/proposals/{id}/comments",
        "/proposals/{id}/decision",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from openapi.json");
    }
    // The real validator, when the test script has installed it.
    match std::env::var("CONVENE_TEST_PYTHON") {
        Ok(py) => {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), doc.to_string()).unwrap();
            let out = std::process::Command::new(py)
                .args(["-m", "openapi_spec_validator"])
                .arg(file.path())
                .output()
                .expect("run openapi-spec-validator");
            assert!(
                out.status.success(),
                "openapi-spec-validator: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(_) => crate::helpers::skip("openapi-spec-validator (run ./scripts/test.sh to install it)"),
    }
}

#[tokio::test]
async fn a_steward_edits_a_convening_marks_it_held_and_cannot_delete_it_once_it_has_stories() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "lc").await;
    let (st, mt) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    let path = format!("/api/v1/convenings/{id}");
    // Held already: going back to planned needs a confirmation.
    let (s, e) = call(&app, "PATCH", &path, Some(&st), Some(json!({"status": "planned"}))).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("status_back")));
    let (s, cv) = call(&app, "PATCH", &path, Some(&st), Some(json!({"status": "planned", "confirm_back": true}))).await;
    assert_eq!((s, cv["status"].as_str()), (200, Some("planned")));
    let v = cv["version"].as_i64().unwrap();
    let (s, cv) = call(
        &app,
        "PATCH",
        &path,
        Some(&st),
        Some(json!({"title": "Nairobi gathering", "status": "held", "version": v})),
    )
    .await;
    assert_eq!((s, cv["title"].as_str(), cv["status"].as_str()), (200, Some("Nairobi gathering"), Some("held")));
    // A stale version, a bad status, an unknown field, a member, no token, an unknown id.
    let (s, e) = call(&app, "PATCH", &path, Some(&st), Some(json!({"title": "Old", "version": v}))).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("stale")));
    let (s, e) = call(&app, "PATCH", &path, Some(&st), Some(json!({"status": "done"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("status")));
    let (s, _) = call(&app, "PATCH", &path, Some(&st), Some(json!({"colour": "red"}))).await;
    assert_eq!(s, 400);
    assert_eq!(call(&app, "PATCH", &path, Some(&mt), Some(json!({"title": "Mine"}))).await.0, 403);
    assert_eq!(call(&app, "PATCH", &path, None, Some(json!({"title": "Anyone"}))).await.0, 401);
    assert_eq!(call(&app, "PATCH", "/api/v1/convenings/9999", Some(&st), Some(json!({"title": "x"}))).await.0, 404);
    // With a story it cannot be deleted; an empty one can.
    let story = json!({"title": "T", "visibility": "community", "steps": [{"cycle": "immediate", "kind": "realized", "text": "x"}]});
    assert_eq!(call(&app, "POST", &format!("{path}/stories"), Some(&mt), Some(story)).await.0, 201);
    let (s, e) = call(&app, "DELETE", &path, Some(&st), None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("has_stories")));
    assert_eq!(call(&app, "DELETE", &path, Some(&mt), None).await.0, 403);
    let (_, empty) = call(
        &app,
        "POST",
        "/api/v1/communities/lc/convenings",
        Some(&st),
        Some(json!({"title": "Empty", "mode": "virtual", "starts_on": "2026-09-01"})),
    )
    .await;
    let empty_path = format!("/api/v1/convenings/{}", empty["id"]);
    assert_eq!(call(&app, "DELETE", &empty_path, Some(&st), None).await.0, 204);
    assert_eq!(call(&app, "GET", &empty_path, None, None).await.0, 404);
}

#[tokio::test]
async fn participants_are_added_edited_and_removed_through_the_api() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "pp").await;
    let (st, mt) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    let path = format!("/api/v1/convenings/{id}/participants");
    let (s, g) =
        call(&app, "POST", &path, Some(&st), Some(json!({"name": "Gloria Guest", "email": "gloria@x.org"}))).await;
    assert_eq!((s, g["email"].as_str(), g["user_id"].is_null()), (201, Some("gloria@x.org"), true));
    let (s, e) = call(&app, "POST", &path, Some(&st), Some(json!({"name": "", "email": ""}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("name")));
    let (s, e) = call(&app, "POST", &path, Some(&st), Some(json!({"member_email": "nobody@x.org"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("member_email")));
    let (s, m) = call(&app, "POST", &path, Some(&st), Some(json!({"member_email": member.email}))).await;
    assert_eq!((s, m["user_id"].as_i64()), (201, Some(member.id)));
    assert_eq!(call(&app, "POST", &path, Some(&mt), Some(json!({"name": "Sneaky"}))).await.0, 403);
    assert_eq!(call(&app, "GET", &path, Some(&mt), None).await.0, 403);
    let pid = g["id"].as_i64().unwrap();
    let (s, p) =
        call(&app, "PATCH", &format!("/api/v1/participants/{pid}"), Some(&st), Some(json!({"name": "Gloria G."})))
            .await;
    assert_eq!((s, p["name"].as_str(), p["email"].as_str()), (200, Some("Gloria G."), Some("gloria@x.org")));
    let (s, e) = call(
        &app,
        "PATCH",
        &format!("/api/v1/participants/{pid}"),
        Some(&st),
        Some(json!({"email": "not-an-address"})),
    )
    .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("email")));
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/participants/{pid}"), Some(&mt), None).await.0, 403);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/participants/{pid}"), Some(&st), None).await.0, 204);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/participants/{pid}"), Some(&st), None).await.0, 409);
    let (_, list) = call(&app, "GET", &path, Some(&st), None).await;
    assert!(list.as_array().unwrap().iter().all(|p| p["id"].as_i64() != Some(pid)));
    assert_eq!(call(&app, "DELETE", "/api/v1/participants/99999", Some(&st), None).await.0, 404);
}

#[tokio::test]
async fn a_teller_edits_a_story_into_a_new_revision_and_a_steward_hides_and_deletes_it() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "st").await;
    let (st, mt) = (token_for(&app, steward.id).await, token_for(&app, member.id).await);
    let body = |title: &str| {
        json!({"title": title, "language": "en", "visibility": "community", "show_name": true,
        "steps": [{"cycle": "immediate", "kind": "realized", "text": "We met", "indicators": ["networking"]}]})
    };
    let (_, s1) = call(&app, "POST", &format!("/api/v1/convenings/{id}/stories"), Some(&mt), Some(body("First"))).await;
    let sid = s1["id"].as_i64().unwrap();
    let path = format!("/api/v1/stories/{sid}");
    let (s, got) = call(&app, "GET", &path, Some(&mt), None).await;
    assert_eq!((s, got["revision"].as_i64()), (200, Some(1)));
    assert_eq!(call(&app, "GET", &path, None, None).await.0, 404, "a community story is not for anonymous readers");
    assert_eq!(call(&app, "PATCH", &path, Some(&st), Some(body("Steward's"))).await.0, 403, "only the teller edits");
    let (s, e) =
        call(&app, "PATCH", &path, Some(&mt), Some(json!({"title": "", "visibility": "community", "steps": []}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("title")));
    let (s, edited) = call(&app, "PATCH", &path, Some(&mt), Some(body("Second"))).await;
    assert_eq!((s, edited["revision"].as_i64(), edited["title"].as_str()), (200, Some(2), Some("Second")));
    let mut stale = body("Third");
    stale["revision"] = json!(1);
    let (s, e) = call(&app, "PATCH", &path, Some(&mt), Some(stale)).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("stale")));
    let (s, revs) = call(&app, "GET", &format!("{path}/revisions"), Some(&st), None).await;
    let titles: Vec<_> = revs.as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_string()).collect();
    assert_eq!((s, titles), (200, vec!["First".to_string(), "Second".to_string()]));
    // Hidden: out of the matrix and the member's list, still there for the steward.
    assert_eq!(call(&app, "POST", &format!("{path}/hide"), Some(&mt), None).await.0, 403);
    let (s, h) = call(&app, "POST", &format!("{path}/hide"), Some(&st), None).await;
    assert_eq!((s, h["hidden"].as_bool()), (200, Some(true)));
    assert_eq!(call(&app, "POST", &format!("{path}/hide"), Some(&st), None).await.0, 409);
    let (_, m) = call(&app, "GET", &format!("/api/v1/convenings/{id}/matrix"), None, None).await;
    assert_eq!(m["n_stories"].as_i64(), Some(0));
    let (_, list) = call(&app, "GET", &format!("/api/v1/convenings/{id}/stories"), Some(&mt), None).await;
    assert!(list.as_array().unwrap().is_empty());
    assert_eq!(call(&app, "GET", &path, Some(&st), None).await.0, 200);
    assert_eq!(call(&app, "POST", &format!("{path}/unhide"), Some(&st), None).await.0, 200);
    let (_, m) = call(&app, "GET", &format!("/api/v1/convenings/{id}/matrix"), None, None).await;
    assert_eq!(m["n_stories"].as_i64(), Some(1));
    assert_eq!(call(&app, "DELETE", &path, Some(&mt), None).await.0, 403);
    assert_eq!(call(&app, "DELETE", &path, Some(&st), None).await.0, 204);
    assert_eq!(call(&app, "GET", &path, Some(&st), None).await.0, 404);
    assert_eq!(call(&app, "GET", &format!("{path}/revisions"), Some(&st), None).await.0, 404);
}

#[tokio::test]
async fn a_revoked_or_expired_token_is_refused() {
    let app = spawn_app().await;
    let u = user(&app.store, "tok@x.org", "Tok").await;
    let t = new_token();
    let saved = app.store.create_api_token(&hash_token(&t), u.id, "test", None).await.unwrap();
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/communities",
            Some(&t),
            Some(json!({"slug": "a1", "name": "A", "preset": "wt-2011"}))
        )
        .await
        .0,
        201
    );
    app.store.delete_api_token(u.id, saved.id).await.unwrap();
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/communities",
            Some(&t),
            Some(json!({"slug": "a2", "name": "A", "preset": "wt-2011"}))
        )
        .await
        .0,
        401
    );
    let old = new_token();
    app.store.create_api_token(&hash_token(&old), u.id, "old", Some("2001-01-01T00:00:00Z")).await.unwrap();
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/communities",
            Some(&old),
            Some(json!({"slug": "a3", "name": "A", "preset": "wt-2011"}))
        )
        .await
        .0,
        401
    );
}
