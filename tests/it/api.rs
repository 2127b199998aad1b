//! The JSON API over real HTTP.

use crate::helpers::{community_with_convening, spawn_app, user};
use convene::web::{hash_token, new_token};
use serde_json::{Value, json};

async fn token_for(app: &crate::helpers::TestApp, user_id: i64) -> String {
    let t = new_token();
    app.store.create_api_token(&hash_token(&t), user_id, "test", None).await.unwrap();
    t
}

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
