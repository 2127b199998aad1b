//! The security bar every route must meet: no redirect off the site, security headers,
//! CSRF bound to the session, rate limits, limits before heavy work, no framework plain
//! text, clean input, no secret in the logs, backups that restore whole, probes.
//! A new route joins the lists below.

use crate::helpers::{PASSWORD, community_with_convening, get_page, post_form, sign_in, skip, spawn_app, user};
use base64::Engine;
use sha2::Digest;
use std::io::BufRead;

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirect_targets_off_the_site_fall_back_to_the_home_page() {
    let app = spawn_app().await;
    let c = app.client();
    let bad = [
        "//evil.example/x",
        "/\t/evil.example/x",
        "/%09/evil.example/x",
        "/\n/evil.example",
        "/%0a/x",
        "/%0d%0a/x",
        "/%00/x",
        "/\\evil.example",
        "/%5cevil.example",
        "/%2f/evil.example",
        "/%252f/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/ /evil.example",
        "",
    ];
    for next in bad {
        let url = format!(
            "{}?next={}",
            app.url("/lang/fr"),
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        let r = c.get(url).send().await.unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/", "{next:?} must not survive");
    }
    for next in ["/c/demo", "/convenings/1?told=1", "/c/caf%C3%A9"] {
        let url = format!(
            "{}?next={}",
            app.url("/lang/fr"),
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        let r = c.get(url).send().await.unwrap();
        assert_eq!(r.headers()["location"], next, "a local path is kept");
    }
    // Raw, unencoded in the query: no 500 either.
    let r = c.get(format!("{}?next=/%0a/x", app.url("/lang/en"))).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/"));
}

#[tokio::test]
async fn signing_in_never_redirects_off_the_site() {
    let app = spawn_app().await;
    user(&app.store, "r@x.org", "R").await;
    let c = app.client();
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    let r = post_form(
        &c,
        app.url("/signin"),
        &[("csrf", csrf.as_str()), ("email", "r@x.org"), ("password", PASSWORD), ("next", "/\t/evil.example/")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
}

// ---------------------------------------------------------------- headers

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP")).to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline") || h["content-type"].to_str().unwrap().starts_with("image/svg"), "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert!(h.contains_key("permissions-policy"), "{what}");
    assert!(h.contains_key("referrer-policy"), "{what}");
    assert!(h.contains_key("x-request-id"), "{what}");
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // the list of every kind of route
async fn every_kind_of_route_carries_the_security_headers() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "hdr").await;
    app.store.set_home_place(steward.id, "Lagos, NG").await.unwrap();
    let c = app.client();
    for path in [
        "/",
        "/signin",
        "/c/hdr",
        "/no-such-page",
        "/convenings/not-a-number",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/presets",
        "/api/v1/openapi.json",
        "/api/v1/no-such-endpoint",
        "/join/not-a-token",
        "/answer/not-a-token",
        "/reset",
        "/glossary",
        "/lang/pt-PT?next=/glossary",
        "/convenings/1?cycle=applied&kind=aspirational&page=2",
        "/reset/not-a-token",
        "/unsubscribe/not-a-token",
        "/s/not-a-token",
        "/plan-jobs/not-a-job",
        "/c/hdr/edit",
        "/convenings/1/edit",
        "/stories/1/revisions",
        "/waves/1",
        "/me",
        "/api/v1/convenings/1/waves",
        "/api/v1/outbox?convening=1",
        "/api/v1/stories/1/revisions",
        "/c/hdr/report",
        "/c/hdr/report?format=md",
        "/c/hdr/matrix?page=2&language=fr",
        "/convenings/1/report",
        "/convenings/1/evidence",
        "/api/v1/convenings/1/report",
        "/api/v1/communities/hdr/report?format=csv",
        "/api/v1/convenings/1/observations",
        "/api/v1/convenings/1/costs",
        "/convenings/1/field",
        "/convenings/1/stories.csv",
        "/api/v1/convenings/1/stories.csv",
        "/api/v1/convenings/1/xlsform",
        "/c/hdr/framework",
        "/c/hdr/framework?from=1&to=1",
        "/c/hdr/proposals",
        "/proposals/1",
        "/api/v1/presets?lang=fr",
        "/api/v1/communities/hdr/framework?version=1",
        "/api/v1/communities/hdr/proposals",
        "/c/hdr/feed.atom",
        "/convenings/1/feed.atom",
        "/c/hdr/convenings.ics",
        "/c/hdr/convenings.geojson",
        "/sitemap.xml",
        "/robots.txt",
        "/c/hdr/settings",
        "/api/v1/convenings/1/comments",
        "/api/v1/stories/1/comments",
        "/api/v1/communities/hdr/framework/comments",
        "/api/v1/proposals/1/comments",
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_security_headers(&r, path);
        let link = ["/join/", "/answer/", "/reset/", "/unsubscribe/", "/s/"].iter().any(|p| path.starts_with(p));
        assert_eq!(r.headers()["referrer-policy"], if link { "no-referrer" } else { "same-origin" }, "{path}");
    }
    let r = c.get(app.url("/")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    assert!(!c.get(app.url("/")).send().await.unwrap().headers().contains_key("strict-transport-security"));
    // A download with personal data is never cached, and its plan page and map carry the headers too.
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url(&format!("/convenings/{id}/plan"))).await;
    let r = post_form(
        &s,
        app.url(&format!("/convenings/{id}/plan")),
        &[
            ("csrf", csrf.as_str()),
            ("people", "Ada; Nairobi, KE\nBo; Lagos, NG\n"),
            ("k", "1"),
            ("objective", "total-cost"),
            ("candidates", "cities"),
            ("min_population", "1000000"),
        ],
    )
    .await;
    let r = crate::helpers::finish_plan(&s, &app, r, "en").await;
    assert_eq!(r.status(), 303);
    let plan = r.headers()["location"].to_str().unwrap().to_string();
    for path in [plan.clone(), format!("{plan}/map.svg"), format!("{plan}/budget.csv")] {
        let r = s.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_security_headers(&r, &path);
        if path.ends_with("budget.csv") {
            assert_eq!(r.headers()["cache-control"], "private, no-store");
        }
    }
}

#[tokio::test]
async fn the_pages_inline_styles_are_exactly_those_the_policy_allows() {
    let app = spawn_app().await;
    let c = app.client();
    for path in ["/", "/no-such-page"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("script-src 'none'"));
        let body = r.text().await.unwrap();
        let styles: Vec<&str> =
            body.split("<style>").skip(1).filter_map(|s| s.split_once("</style>").map(|(css, _)| css)).collect();
        assert_eq!(styles.len(), 1, "{path}");
        for css in styles {
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css.as_bytes()));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}: the page's <style> is not allowed by {csp}");
        }
        assert!(!body.contains("<script"));
    }
}

// ---------------------------------------------------------------- CSRF

#[tokio::test]
async fn the_csrf_token_is_bound_to_the_session_and_changes_at_sign_in() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "bind").await;
    let other = user(&app.store, "other@bind.example", "Olu Other").await;
    let a = app.client();
    let (_, before) = get_page(&a, &app.url("/signin")).await;
    sign_in(&app, &a, &member.email).await;
    let form = format!("/convenings/{id}/stories/new");
    let (_, after) = get_page(&a, &app.url(&form)).await;
    assert_ne!(before, after, "signing in rotates the token");
    let story = |csrf: String| {
        vec![
            ("csrf", csrf),
            ("title", "T".to_string()),
            ("visibility", "public".into()),
            ("text_immediate", "x".into()),
        ]
    };
    // The token from before the sign-in no longer works.
    let r = a.post(app.url(&form)).form(&story(before)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Another session's token does not work in this one.
    let b = app.client();
    sign_in(&app, &b, &other.email).await;
    let (_, theirs) = get_page(&b, &app.url("/")).await;
    assert_ne!(theirs, after);
    let r = a.post(app.url(&form)).form(&story(theirs)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(app.store.stories(id).await.unwrap().is_empty());
    // This session's own token does.
    let r = a.post(app.url(&form)).form(&story(after.clone())).send().await.unwrap();
    assert_eq!(r.status(), 303);
    // Signing out and in again gives a new session and a new token.
    let _ = a.post(app.url("/signout")).form(&[("csrf", after.as_str())]).send().await.unwrap();
    sign_in(&app, &a, &member.email).await;
    let (_, again) = get_page(&a, &app.url(&form)).await;
    assert_ne!(again, after);
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn the_eleventh_wrong_password_within_the_window_is_answered_429() {
    let app = spawn_app().await;
    user(&app.store, "guess@x.org", "G").await;
    user(&app.store, "bystander@x.org", "B").await;
    let c = app.client();
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    for i in 0..10 {
        let r = post_form(
            &c,
            app.url("/signin"),
            &[("csrf", csrf.as_str()), ("email", "guess@x.org"), ("password", "wrong")],
        )
        .await;
        assert_eq!(r.status(), 401, "attempt {}", i + 1);
    }
    let r = c
        .post(app.url("/signin"))
        .header("accept-language", "fr")
        .form(&[("csrf", csrf.as_str()), ("email", "Guess@X.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits for the window to pass");
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait));
    assert!(r.text().await.unwrap().contains("Trop de tentatives"), "a translated page");
    // Another account from the same address is not locked.
    sign_in(&app, &app.client(), "bystander@x.org").await;
}

#[tokio::test]
async fn strangers_guessing_never_lock_the_owner_out_of_a_browser_she_signed_in_from() {
    let app = spawn_app().await;
    user(&app.store, "owner@x.org", "O").await;
    let owner = app.client();
    sign_in(&app, &owner, "owner@x.org").await;
    let (_, csrf) = get_page(&owner, &app.url("/")).await;
    let _ = post_form(&owner, app.url("/signout"), &[("csrf", csrf.as_str())]).await;
    // A stranger (another browser, so no device cookie) uses up the account's window.
    let stranger = app.client();
    let (_, csrf) = get_page(&stranger, &app.url("/signin")).await;
    for _ in 0..10 {
        let f = [("csrf", csrf.as_str()), ("email", "owner@x.org"), ("password", "wrong")];
        assert_eq!(post_form(&stranger, app.url("/signin"), &f).await.status(), 401);
    }
    let f = [("csrf", csrf.as_str()), ("email", "owner@x.org"), ("password", PASSWORD)];
    assert_eq!(post_form(&stranger, app.url("/signin"), &f).await.status(), 429);
    // The owner's own browser still gets in.
    sign_in(&app, &owner, "owner@x.org").await;
}

#[tokio::test]
async fn invitation_posts_are_rate_limited_per_address() {
    let app = spawn_app().await;
    let c = app.client();
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    let mut statuses = Vec::new();
    for _ in 0..21 {
        let r = post_form(&c, app.url("/join/guessed-token"), &[("csrf", csrf.as_str()), ("name", "N")]).await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[20], 429);
}

#[tokio::test]
async fn story_posts_are_rate_limited_per_poster_and_the_api_answers_in_json() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "flood").await;
    let token = convene::web::new_token();
    app.store.create_api_token(&convene::web::hash_token(&token), member.id, "test", None).await.unwrap();
    let c = reqwest::Client::new();
    let story = serde_json::json!({"title": "T", "language": "en", "visibility": "community", "show_name": true,
        "steps": [{"cycle": "immediate", "kind": "realized", "text": "x", "indicators": []}]});
    let limit = convene::limits::Limits::get().story_posts;
    for _ in 0..limit {
        let r = c
            .post(app.url(&format!("/api/v1/convenings/{id}/stories")))
            .bearer_auth(&token)
            .json(&story)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = c
        .post(app.url(&format!("/api/v1/convenings/{id}/stories")))
        .bearer_auth(&token)
        .json(&story)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(app.store.stories(id).await.unwrap().len(), limit as usize);
    // Reading is not limited.
    let r = c.get(app.url(&format!("/api/v1/convenings/{id}/stories"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

// ---------------------------------------------------------------- limits

#[tokio::test]
async fn a_story_form_with_thousands_of_fields_is_refused_at_once() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "fields").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let (_, csrf) = get_page(&c, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    let mut body = format!("csrf={csrf}&title=T&visibility=public&text_immediate=x");
    body.push_str(&"&x=".repeat(80_000));
    assert!(body.len() < 256 * 1024);
    let started = std::time::Instant::now();
    let r = c
        .post(app.url(&format!("/convenings/{id}/stories/new")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("more fields"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(app.store.stories(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_framework_beyond_the_limits_is_refused_without_freezing_the_server() {
    let app = spawn_app().await;
    let (steward, _, _) = community_with_convening(&app.store, "bigfw").await;
    let c = app.client();
    sign_in(&app, &c, &steward.email).await;
    let (_, csrf) = get_page(&c, &app.url("/c/bigfw/framework")).await;
    let cycle =
        |i: usize| format!("[[cycles]]\nkey = \"c{i}\"\nname = \"Cycle {i}\"\nrole = \"flow\"\ndefinition = \"d\"\n");
    let head = "key = \"big\"\nname = \"Big\"\n";
    // 2,500 cycles (the attack: 144 KB), then just over the cycle limit in a small file.
    let huge: String = head.to_string() + &(0..2_500).map(cycle).collect::<String>();
    let over: String =
        head.to_string() + &(0..=convene::limits::Limits::get().framework_cycles).map(cycle).collect::<String>();
    for (toml, refusal) in [(huge, "The form is too large"), (over, "at most 30 cycles")] {
        let started = std::time::Instant::now();
        let r = post_form(&c, app.url("/c/bigfw/framework"), &[("csrf", csrf.as_str()), ("text", toml.as_str())]).await;
        assert!(r.status().is_client_error(), "{}", r.status());
        let body = r.text().await.unwrap();
        assert!(body.contains(refusal), "{body}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    // Just under the body limit but over the TOML size limit: refused before parsing.
    let padded = format!("{head}description = \"{}\"\n{}", "x".repeat(130 * 1024), cycle(0));
    let r = post_form(&c, app.url("/c/bigfw/framework"), &[("csrf", csrf.as_str()), ("text", padded.as_str())]).await;
    assert!(r.status().is_client_error());
    assert!(r.text().await.unwrap().contains("larger than 128 KiB"));
    let c_ = app.store.community("bigfw").await.unwrap().unwrap();
    assert_eq!(app.store.framework_versions(c_.id).await.unwrap().len(), 1, "nothing was saved");
}

// ---------------------------------------------------------------- rejections in the route's format

#[tokio::test]
async fn malformed_requests_are_answered_in_the_routes_format_never_in_framework_text() {
    let app = spawn_app().await;
    let c = app.client();
    for path in [
        "/convenings/abc",
        "/stories/99999999999999999999999",
        "/plans/x/budget.csv",
        "/stories/1?told=1&told=2",
        "/signin?next=a&next=b",
        "/convenings/abc/report",
        "/convenings/abc/evidence",
        "/c/x/report?format=pdf",
        "/convenings/abc/field",
        "/convenings/1/field/xlsform?wave=x",
        "/proposals/abc",
        "/c/x/framework?from=one&to=2",
    ] {
        let r = c.get(app.url(path)).header("accept-language", "es").send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("Cannot parse") && !body.contains("Invalid URL"), "{path}: {body}");
        assert!(!body.contains("Failed to deserialize"), "{path}: {body}");
        assert!(body.contains("lang=\"es\""), "{path}: a translated page");
    }
    for path in [
        "/api/v1/convenings/abc",
        "/api/v1/convenings/abc/matrix",
        "/api/v1/communities/x/convenings/y",
        "/api/v1/places?q=nair&limit=many",
        "/api/v1/convenings/abc/report",
        "/api/v1/convenings/1/report?format=pdf",
        "/api/v1/communities/x/report",
        "/api/v1/observations/abc",
        "/api/v1/convenings/abc/xlsform",
        "/api/v1/convenings/1/xlsform?wave=x",
        "/api/v1/convenings/1/stories.csv?bom=maybe",
        "/api/v1/presets?lang=de",
        "/api/v1/communities/x/framework?version=first",
        "/api/v1/communities/x/framework?version=99",
        "/api/v1/communities/x/proposals",
        "/api/v1/proposals/abc/support",
        "/api/v1/convenings/abc/comments",
        "/api/v1/stories/abc/comments",
        "/api/v1/comments/abc/hide",
        "/api/v1/proposals/abc/comments",
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{path}: {body}");
        assert!(!body.to_string().contains("Cannot parse"), "{path}: {body}");
        assert!(!body.to_string().contains("Failed to deserialize"), "{path}: {body}");
    }
    // Feeds answer in plain text: a reader gets no HTML page and never an empty feed.
    for path in [
        "/convenings/abc/feed.atom",
        "/convenings/99999/feed.atom",
        "/c/no-such/feed.atom",
        "/c/no-such/convenings.ics",
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8", "{path}");
    }
    // A form posted with the wrong content type gets a page, not "Form requests must have …".
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    let r = c
        .post(app.url("/signin"))
        .header("content-type", "text/plain")
        .body(format!("csrf={csrf}&email=a@b.org&password=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // A method the route does not have: the format of the route, and the methods it has.
    let r = c.delete(app.url("/api/v1/presets")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let r = c.delete(app.url("/signin")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // A JSON body that is not JSON, under the API.
    let r = c
        .post(app.url("/api/v1/communities"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
}

// ---------------------------------------------------------------- input hygiene

#[tokio::test]
async fn control_characters_invisible_titles_and_bidi_overrides_are_not_stored() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "clean").await;
    let token = convene::web::new_token();
    app.store.create_api_token(&convene::web::hash_token(&token), member.id, "test", None).await.unwrap();
    let c = reqwest::Client::new();
    let post = |title: &str, text: &str| {
        c.post(app.url(&format!("/api/v1/convenings/{id}/stories")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": title, "language": "en", "visibility": "community", "show_name": true,
                "steps": [{"cycle": "immediate", "kind": "realized", "text": text, "indicators": []}]}))
            .send()
    };
    for (title, text) in
        [("a\u{0}b", "x"), ("\u{200B}\u{200D}\u{FEFF}", "x"), ("ok", "nul \u{0} inside"), ("bell\u{7}", "x")]
    {
        let r = post(title, text).await.unwrap();
        assert_eq!(r.status(), 422, "{title:?} / {text:?}");
    }
    let r = post("\u{202E}evil\u{202C} title", "line one\nline\ttwo").await.unwrap();
    assert_eq!(r.status(), 201);
    let stories = app.store.stories(id).await.unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0].title, "evil title");
    assert_eq!(stories[0].steps[0].text, "line one\nline\ttwo");
}

// ---------------------------------------------------------------- logs

/// Reads the server's standard error until `line` appears, for at most 20 s.
fn wait_for(lines: &std::sync::mpsc::Receiver<String>, seen: &mut Vec<String>, pred: impl Fn(&str) -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) => {
                let hit = pred(&l);
                seen.push(l);
                if hit {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

#[tokio::test]
async fn no_secret_link_token_appears_in_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("convene.db");
    let store = convene::store::open(db.to_str().unwrap()).await.unwrap();
    let (steward, _, id) = community_with_convening(&store, "logs").await;
    let community = store.community("logs").await.unwrap().unwrap();
    let invite = convene::web::new_token();
    store
        .create_invitation(
            &convene::web::hash_token(&invite),
            community.id,
            convene::domain::Role::Member,
            Some(steward.id),
            "2999-01-01T00:00:00Z",
            None,
            None,
        )
        .await
        .unwrap();
    let answer = convene::web::new_token();
    let p = store.add_participant(id, None, "Gloria Guest", "").await.unwrap();
    store.issue_answer_link(p.id, &convene::web::hash_token(&answer), None).await.unwrap();
    for format in ["text", "json"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
            .args(["serve", "--addr", "127.0.0.1:0", "--database-url", db.to_str().unwrap(), "--log-format", format])
            .env("RUST_LOG", "debug")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let mut seen = Vec::new();
        assert!(wait_for(&rx, &mut seen, |l| l.contains("convene is serving http://")), "{seen:?}");
        let addr = seen.last().unwrap().split("http://").nth(1).unwrap().split('/').next().unwrap().to_string();
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        for path in [format!("/join/{invite}"), format!("/answer/{answer}"), format!("/join/{invite}?x={answer}")] {
            let r = c.get(format!("http://{addr}{path}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(r.headers().contains_key("x-request-id"));
        }
        let (_, csrf) = get_page(&c, &format!("http://{addr}/answer/{answer}")).await;
        let r = c
            .post(format!("http://{addr}/answer/{answer}"))
            .form(&[("csrf", csrf.as_str()), ("title", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = c.get(format!("http://{addr}/healthz")).header("x-request-id", "probe-42").send().await.unwrap();
        assert_eq!(r.headers()["x-request-id"], "probe-42");
        assert!(wait_for(&rx, &mut seen, |l| l.contains("probe-42")), "the request id is logged: {seen:?}");
        let _ = child.kill();
        let _ = child.wait();
        while let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            seen.push(l);
        }
        let log = seen.join("\n");
        assert!(log.contains("/join/{token}") && log.contains("/answer/{token}"), "routes are logged: {log}");
        assert!(!log.contains(&invite) && !log.contains(&answer), "a token leaked into the {format} log:\n{log}");
        if format == "json" {
            for l in seen.iter().filter(|l| l.contains("\"answered\"")) {
                serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            }
        }
    }
}

// ---------------------------------------------------------------- probes

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_readyz_checks_the_database() {
    let app = spawn_app().await;
    community_with_convening(&app.store, "probe").await;
    let c = app.client();
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    for _ in 0..3 {
        c.get(app.url("/c/probe")).send().await.unwrap();
    }
    c.get(app.url("/join/secret-looking-token")).send().await.unwrap();
    let text = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        text.contains("convene_http_requests_total{method=\"GET\",route=\"/c/{slug}\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(text.contains(
        "convene_http_request_duration_seconds_bucket{method=\"GET\",route=\"/c/{slug}\",status=\"200\",le=\"+Inf\"} 3"
    ));
    assert!(text.contains("route=\"/join/{token}\",status=\"404\"} 1"));
    assert!(!text.contains("secret-looking-token"));
    assert!(text.contains("convene_db_up 1") && text.contains("convene_planner_runs_total 0"));
}

// ---------------------------------------------------------------- backups

fn convene_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("CONVENE_DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_every_story_acknowledged_before_it() {
    use convene::domain::story::{StepDraft, StoryDraft};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let store = convene::store::open(db.to_str().unwrap()).await.unwrap();
    let (_, member, id) = community_with_convening(&store, "backup").await;
    let community = store.community("backup").await.unwrap().unwrap();
    let fw = store.framework(community.framework_id).await.unwrap().unwrap().framework;
    let teller = convene::store::Teller {
        user_id: Some(member.id),
        participant_id: None,
        name: member.name.clone(),
        via_link: false,
        wave_id: None,
    };
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, acknowledged, stop) = (store.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let draft = StoryDraft {
                    title: format!("Story {n}"),
                    language: "en".into(),
                    visibility: "community".into(),
                    show_name: true,
                    steps: vec![StepDraft {
                        cycle: "immediate".into(),
                        kind: "realized".into(),
                        text: "x".repeat(500),
                        indicators: vec![],
                    }],
                };
                let s = store
                    .create_story(
                        id,
                        community.framework_id,
                        &teller,
                        &draft.validate(&fw).unwrap(),
                        "2026-01-01T00:00:00Z",
                    )
                    .await
                    .unwrap();
                acknowledged.lock().unwrap().push(s.id);
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<i64> = acknowledged.lock().unwrap().clone();
    let copy = dir.path().join("copy.db");
    let out = tokio::task::spawn_blocking({
        let (db, copy) = (db.clone(), copy.clone());
        move || convene_cli(&["backup", "--out", copy.to_str().unwrap(), "--database-url", db.to_str().unwrap()])
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(acknowledged.lock().unwrap().len() > before.len(), "writes went on during the backup");
    // A second backup to the same file is refused, not overwritten.
    let again = convene_cli(&["backup", "--out", copy.to_str().unwrap(), "--database-url", db.to_str().unwrap()]);
    assert!(!again.status.success());

    let restored = dir.path().join("restored.db");
    let out = convene_cli(&["restore", copy.to_str().unwrap(), "--database-url", restored.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut conn =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite:{}", restored.display())).await.unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    assert_eq!(verdict, "ok");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM stories").fetch_all(&mut conn).await.unwrap();
    for s in &before {
        assert!(ids.contains(s), "story {s}, acknowledged before the backup began, is missing");
    }
    // Restoring into a database that holds data is refused.
    let out = convene_cli(&["restore", copy.to_str().unwrap(), "--database-url", db.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty database"));
}

#[tokio::test]
async fn a_postgres_backup_restores_into_an_empty_database_and_never_over_data() {
    let Some(source) = crate::helpers::postgres_url().await else { return };
    if std::process::Command::new("pg_dump").arg("--version").output().is_err() {
        skip("PostgreSQL backup test (pg_dump is not installed)");
        return;
    }
    let store = convene::store::open(&source).await.unwrap();
    let (_, member, id) = community_with_convening(&store, "pgbackup").await;
    let community = store.community("pgbackup").await.unwrap().unwrap();
    let fw = store.framework(community.framework_id).await.unwrap().unwrap().framework;
    let teller = convene::store::Teller {
        user_id: Some(member.id),
        participant_id: None,
        name: member.name.clone(),
        via_link: false,
        wave_id: None,
    };
    let draft = convene::domain::story::StoryDraft {
        title: "Kept".into(),
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
    store
        .create_story(id, community.framework_id, &teller, &draft.validate(&fw).unwrap(), "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.dump");
    let out = convene_cli(&["backup", "--out", file.to_str().unwrap(), "--database-url", &source]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let target = crate::helpers::postgres_url().await.unwrap();
    let out = convene_cli(&["restore", file.to_str().unwrap(), "--database-url", &target]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = convene::store::open(&target).await.unwrap();
    let stories = restored.stories(id).await.unwrap();
    assert_eq!(stories.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["Kept"]);
    let out = convene_cli(&["restore", file.to_str().unwrap(), "--database-url", &source]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty database"));
}

// ---------------------------------------------------------------- schemathesis

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_in_the_api() {
    let Some(python) = std::env::var("CONVENE_TEST_PYTHON").ok().filter(|p| {
        std::process::Command::new(p).args(["-c", "import schemathesis"]).output().is_ok_and(|o| o.status.success())
    }) else {
        skip("schemathesis (run ./scripts/test.sh, which installs scripts/test-requirements.txt)");
        return;
    };
    let app = spawn_app().await;
    let (_, member, _) = community_with_convening(&app.store, "fuzz").await;
    let token = convene::web::new_token();
    app.store.create_api_token(&convene::web::hash_token(&token), member.id, "test", None).await.unwrap();
    let st = std::path::Path::new(&python).with_file_name("st");
    let schema = app.url("/api/v1/openapi.json");
    let base = app.url("/api/v1");
    let scratch = tempfile::tempdir().unwrap();
    let cwd = scratch.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(st)
            .current_dir(cwd)
            .args([
                "run",
                &schema,
                "--url",
                &base,
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "30",
                "--header",
                &format!("Authorization: Bearer {token}"),
            ])
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success(), "schemathesis found server errors:\n{text}");
}
