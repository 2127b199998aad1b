//! Connecting to the wider community: the public face, feeds, calendar, map, sitemap and
//! wiki import file (checked by the real parsers: feedparser, icalendar, geojson, an XML
//! parser against what MediaWiki's export-0.11 schema requires), private communities,
//! and comments (visibility, replies, moderation, refused input).

use crate::helpers::{call, community_with_convening, get_page, post_form, sign_in, skip, spawn_app, token_for};
use convene::domain::story::{StepDraft, StoryDraft};
use convene::service::{Actor, comments, connect, stories};
use convene::store::{PublicSettings, UserPrefs};
use serde_json::{Value, json};

const MARKER: &str = "PRIVATEMARKER4412";

fn story(title: &str, visibility: &str, show_name: bool, text: &str) -> StoryDraft {
    StoryDraft {
        title: title.into(),
        language: "en".into(),
        visibility: visibility.into(),
        show_name,
        steps: vec![StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: text.into(),
            indicators: vec![],
        }],
    }
}

/// A community "pub" with a public story (name shown), a public story (name withheld),
/// a community-only and a stewards-only story carrying the marker; the convening is in
/// Nairobi; the member lives in Kampala and lets it be counted, the steward lives in
/// Accra and does not; the report is published.
async fn seeded(slug: &str) -> (crate::helpers::TestApp, convene::store::User, convene::store::User, i64, Vec<i64>) {
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, slug).await;
    let (s, m) = (Actor::User(steward.clone()), Actor::User(member.clone()));
    convene::service::convenings::set_place(&app.store, &s, cv, "Nairobi, KE").await.unwrap();
    let mut ids = Vec::new();
    for (who, d) in [
        (&m, story("Open words", "public", true, "We met across three countries & learnt <b>much</b>.")),
        (&s, story("Quiet words", "public", false, "A public story whose teller stays unnamed.")),
        (&m, story("Members only", "community", true, &format!("{MARKER} community words"))),
        (&m, story("Stewards only", "stewards", true, &format!("{MARKER} stewards words"))),
    ] {
        ids.push(stories::tell_story(&app.store, who, cv, &d).await.unwrap().id);
    }
    app.store.set_home_place(member.id, "Kampala, UG").await.unwrap();
    app.store.set_home_place(steward.id, "Accra, GH").await.unwrap();
    connect::set_prefs(&app.store, &m, UserPrefs { share_place: true, notify_comments: false }).await.unwrap();
    convene::service::reports::publish_report(&app.store, &s, slug, true).await.unwrap();
    (app, steward, member, cv, ids)
}

async fn fetch(app: &crate::helpers::TestApp, path: &str) -> (u16, String, String) {
    let resp = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, ct, resp.text().await.unwrap())
}

fn python() -> Option<String> {
    std::env::var("CONVENE_TEST_PYTHON").ok().filter(|p| {
        std::process::Command::new(p)
            .args(["-c", "import feedparser, icalendar, geojson"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Runs a Python check over `text` (in a file, argv[1]); returns what it printed.
fn py(python: &str, script: &str, text: &str) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let out = std::process::Command::new(python).args(["-c", script]).arg(file.path()).output().expect("python");
    assert!(out.status.success(), "{script}\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // every public output, checked in one place
async fn feeds_calendar_map_and_sitemap_parse_and_carry_only_public_words() {
    let (app, _, _, cv, ids) = seeded("pub1").await;
    let paths = [
        "/c/pub1",
        "/c/pub1/feed.atom",
        &format!("/convenings/{cv}/feed.atom"),
        "/c/pub1/convenings.ics",
        "/c/pub1/convenings.geojson",
        "/sitemap.xml",
        "/robots.txt",
        "/c/pub1/report?format=mediawiki-xml",
        &format!("/api/v1/convenings/{cv}/report?format=mediawiki-xml"),
    ];
    let mut bodies = Vec::new();
    for p in paths {
        let (status, ct, body) = fetch(&app, p).await;
        assert_eq!(status, 200, "{p}: {body}");
        assert!(!body.contains(MARKER), "{p} shows a private story");
        assert!(!body.contains("Accra"), "{p} shows a home city its owner did not share");
        bodies.push((p.to_string(), ct, body));
    }
    let body = |p: &str| bodies.iter().find(|(q, _, _)| q == p).map(|(_, ct, b)| (ct.clone(), b.clone())).unwrap();

    // The community page: Open Graph, alternates, public stories, the report.
    let (_, page) = body("/c/pub1");
    for needle in [
        "property=\"og:title\"",
        "property=\"og:url\"",
        "type=\"application/atom+xml\"",
        "href=\"/c/pub1/feed.atom\"",
        "href=\"/c/pub1/convenings.ics\"",
        "href=\"/c/pub1/convenings.geojson\"",
        "Open words",
        "/c/pub1/report",
    ] {
        assert!(page.contains(needle), "community page lacks {needle}");
    }

    let (ct, atom) = body("/c/pub1/feed.atom");
    assert!(ct.starts_with("application/atom+xml"), "{ct}");
    assert!(atom.contains(&format!("/stories/{}", ids[0])) && atom.contains(&format!("/stories/{}", ids[1])));
    assert!(atom.contains("&lt;b&gt;much&lt;/b&gt;"), "markup in a story is text in the feed");
    assert!(atom.contains("<name>Moussa Member</name>"), "a teller who allowed it is named");
    assert!(!atom.contains("Stella Steward"), "a teller who did not is not");
    let (ct, ics) = body("/c/pub1/convenings.ics");
    assert!(ct.starts_with("text/calendar"), "{ct}");
    assert!(ics.ends_with("END:VCALENDAR\r\n") && !ics.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "folded at 75 octets");
    let (ct, geo) = body("/c/pub1/convenings.geojson");
    assert_eq!(ct, "application/geo+json");
    let (_, sitemap) = body("/sitemap.xml");
    assert!(sitemap.contains(&format!("/stories/{}", ids[0])) && !sitemap.contains(&format!("/stories/{}", ids[2])));
    assert!(body("/robots.txt").1.contains("Sitemap: ") && body("/robots.txt").1.contains("Disallow: /api/"));

    let Some(python) = python() else {
        skip("feedparser/icalendar/geojson (run ./scripts/test.sh to install them)");
        return;
    };
    let feed = py(
        &python,
        r#"
import feedparser, json, sys
f = feedparser.parse(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"bozo": f.bozo, "err": str(f.get("bozo_exception", "")), "titles": [e.title for e in f.entries],
                  "authors": [e.get("author", "") for e in f.entries], "title": f.feed.title}))
"#,
        &atom,
    );
    let feed: Value = serde_json::from_str(&feed).unwrap();
    assert!(feed["bozo"] == json!(false) || feed["bozo"] == json!(0), "{feed}");
    let titles: Vec<&str> = feed["titles"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(titles.contains(&"Open words") && titles.contains(&"Quiet words"), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("luxury")), "the published report is an entry: {titles:?}");
    assert_eq!(titles.len(), 3, "two public stories and the report");

    let cal = py(
        &python,
        r#"
import icalendar, json, sys
raw = open(sys.argv[1], "rb").read()
cal = icalendar.Calendar.from_ical(raw)
out = []
for e in cal.walk("VEVENT"):
    out.append({"uid": str(e["UID"]), "start": e.decoded("DTSTART").isoformat(), "end": e.decoded("DTEND").isoformat(),
                "start_is_date": e["DTSTART"].params.get("VALUE"), "summary": str(e["SUMMARY"]),
                "location": str(e["LOCATION"]), "url": str(e["URL"]), "stamp": "DTSTAMP" in e})
print(json.dumps(out))
"#,
        &ics,
    );
    let cal: Value = serde_json::from_str(&cal).unwrap();
    let e = &cal[0];
    assert_eq!((e["start"].as_str(), e["end"].as_str()), (Some("2026-03-10"), Some("2026-03-13")), "{cal}");
    assert_eq!(e["start_is_date"], json!("DATE"));
    assert_eq!(e["location"], json!("Nairobi, KE"));
    assert!(e["uid"].as_str().unwrap().starts_with(&format!("convening-{cv}@")));
    assert_eq!(e["stamp"], json!(true));

    let g = py(
        &python,
        r#"
import geojson, json, sys
g = geojson.loads(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"valid": g.is_valid, "errors": g.errors(), "features": [[f["properties"], list(f["geometry"]["coordinates"])] for f in g["features"]]}))
"#,
        &geo,
    );
    let g: Value = serde_json::from_str(&g).unwrap();
    assert_eq!(g["valid"], json!(true), "{g}");
    let features = g["features"].as_array().unwrap();
    let nairobi = features.iter().find(|f| f[0]["kind"] == json!("convening")).expect("the convening");
    let (lon, lat) = (nairobi[1][0].as_f64().unwrap(), nairobi[1][1].as_f64().unwrap());
    assert!((36.0..37.5).contains(&lon) && (-2.0..-1.0).contains(&lat), "[lon, lat] order: {nairobi}");
    let from: Vec<(&str, u64)> = features
        .iter()
        .filter(|f| f[0]["kind"] == json!("participants_from"))
        .map(|f| (f[0]["city"].as_str().unwrap(), f[0]["participants"].as_u64().unwrap()))
        .collect();
    assert_eq!(from, vec![("Kampala", 1)], "only members who allowed it, counted by city");

    // The wiki import file: what MediaWiki's export-0.11 schema requires, in its order.
    for p in ["/c/pub1/report?format=mediawiki-xml", &format!("/api/v1/convenings/{cv}/report?format=mediawiki-xml")] {
        let (_, xml) = body(p);
        let checked = py(
            &python,
            r#"
import hashlib, json, sys, xml.etree.ElementTree as ET
NS = "{http://www.mediawiki.org/xml/export-0.11/}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == NS + "mediawiki", root.tag
assert root.get("version") == "0.11", root.attrib
assert root.get("{http://www.w3.org/XML/1998/namespace}lang"), root.attrib
page = root.find(NS + "page")
assert [c.tag[len(NS):] for c in page][:4] == ["title", "ns", "id", "revision"], [c.tag for c in page]
rev = page.find(NS + "revision")
assert [c.tag[len(NS):] for c in rev] == ["id", "timestamp", "contributor", "model", "format", "text", "sha1"], [c.tag for c in rev]
text = rev.find(NS + "text").text or ""
n = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
digits = ""
while n:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36] + digits
    n //= 36
assert rev.find(NS + "sha1").text == digits.rjust(31, "0"), "sha1"
assert rev.find(NS + "model").text == "wikitext" and rev.find(NS + "format").text == "text/x-wiki"
import mwparserfromhell
tables = mwparserfromhell.parse(text).filter_tags(matches=lambda n: n.tag == "table")
print(json.dumps({"title": page.find(NS + "title").text, "tables": len(tables)}))
"#,
            &xml,
        );
        let v: Value = serde_json::from_str(&checked).unwrap();
        assert!(v["tables"].as_u64().unwrap() >= 1, "{p}: real wiki tables: {v}");
    }
}

#[tokio::test]
async fn the_wiki_page_title_is_the_one_asked_for_or_the_communitys_setting() {
    let (app, steward, _, _, _) = seeded("pub2").await;
    let (_, _, xml) = fetch(&app, "/c/pub2/report?format=mediawiki-xml&title=Our%20report%202026").await;
    assert!(xml.contains("<title>Our report 2026</title>"), "{xml}");
    let s = Actor::User(steward);
    let settings = PublicSettings { wiki_title: "KM4Dev/Convening value".into(), ..Default::default() };
    connect::save_settings(&app.store, &s, "pub2", &settings).await.unwrap();
    let (_, _, xml) = fetch(&app, "/c/pub2/report?format=mediawiki-xml").await;
    assert!(xml.contains("<title>KM4Dev/Convening value</title>"), "{xml}");
    let bad = PublicSettings { wiki_title: "a [[link]]".into(), ..Default::default() };
    let e = connect::save_settings(&app.store, &s, "pub2", &bad).await.unwrap_err();
    assert_eq!(e.field().map(|f| f.code), Some("err-wiki-title"));
}

#[tokio::test]
async fn a_private_community_shows_nothing_to_anyone_outside_it() {
    let (app, steward, member, cv, ids) = seeded("priv1").await;
    let s = Actor::User(steward.clone());
    connect::save_settings(&app.store, &s, "priv1", &PublicSettings { private: true, ..Default::default() })
        .await
        .unwrap();
    for p in [
        "/c/priv1".to_string(),
        format!("/convenings/{cv}"),
        format!("/stories/{}", ids[0]),
        "/c/priv1/report".to_string(),
    ] {
        assert_eq!(fetch(&app, &p).await.0, 404, "{p}");
    }
    for p in [
        "/c/priv1/feed.atom".to_string(),
        format!("/convenings/{cv}/feed.atom"),
        "/c/priv1/convenings.ics".into(),
        "/c/priv1/convenings.geojson".into(),
    ] {
        let (status, ct, body) = fetch(&app, &p).await;
        assert_eq!((status, ct.as_str()), (404, "text/plain; charset=utf-8"), "{p}: a 404, not an empty feed: {body}");
    }
    assert!(!fetch(&app, "/sitemap.xml").await.2.contains("priv1"));
    assert!(!fetch(&app, "/").await.2.contains("/c/priv1"), "the home page does not list it");
    let (status, _) = call(&app, "GET", &format!("/api/v1/stories/{}", ids[0]), None, None).await;
    assert_eq!(status, 404);
    // Its members still see everything.
    let client = app.client();
    sign_in(&app, &client, &member.email).await;
    let (page, _) = get_page(&client, &app.url("/c/priv1")).await;
    assert!(page.contains("Test community") && page.contains(&format!("/convenings/{cv}")));
    assert!(!page.contains("application/atom+xml"), "no feed offered for a private community");
    let e = connect::send_digest(&app.store, &s, "priv1", time::macros::date!(2026 - 11 - 26)).await.unwrap_err();
    assert!(matches!(e, convene::service::ServiceError::Conflict("private")), "{e:?}");
}

#[tokio::test]
async fn comments_are_seen_exactly_where_what_they_are_on_is_seen() {
    let (app, steward, member, cv, ids) = seeded("com1").await;
    let (s, m) = (Actor::User(steward.clone()), Actor::User(member.clone()));
    let other = crate::helpers::user(&app.store, "other@com1.example", "Olga Other").await;
    let o = Actor::User(other.clone());
    // On a public story: everyone reads it, markup stays text.
    let c = comments::add_comment(&app.store, &m, comments::Target::Story(ids[0]), None, "<script>x</script> Good")
        .await
        .unwrap();
    let (_, _, page) = fetch(&app, &format!("/stories/{}", ids[0])).await;
    let escaped = page.contains("&lt;script&gt;x&lt;/script&gt; Good")
        || page.contains("&#60;script&#62;x&#60;/script&#62; Good");
    assert!(escaped && !page.contains("<script>x"), "shown as text");
    // On a stewards-only story: the member who told it and stewards, nobody else.
    let secret =
        comments::add_comment(&app.store, &s, comments::Target::Story(ids[3]), None, &format!("{MARKER} note"))
            .await
            .unwrap();
    assert!(comments::thread(&app.store, &o, comments::Target::Story(ids[3])).await.is_err());
    assert!(comments::thread(&app.store, &Actor::Anonymous, comments::Target::Story(ids[3])).await.is_err());
    let e = comments::add_comment(&app.store, &o, comments::Target::Story(ids[2]), None, "hi").await.unwrap_err();
    assert!(matches!(e, convene::service::ServiceError::NotFound), "a story one cannot see does not exist: {e:?}");
    let (status, body) = call(&app, "GET", &format!("/api/v1/stories/{}/comments", ids[3]), None, None).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains(MARKER));
    // Replies go one level deep.
    let r = comments::add_comment(&app.store, &s, comments::Target::Story(ids[0]), Some(c.id), "Thanks").await.unwrap();
    let e =
        comments::add_comment(&app.store, &m, comments::Target::Story(ids[0]), Some(r.id), "deeper").await.unwrap_err();
    assert_eq!(e.field().map(|f| f.code), Some("err-comment-depth"));
    let e = comments::add_comment(&app.store, &m, comments::Target::Convening(cv), Some(c.id), "elsewhere")
        .await
        .unwrap_err();
    assert_eq!(e.field().map(|f| f.code), Some("err-comment-parent"));
    // A steward hides and restores; it is recorded; a member sees the placeholder.
    comments::set_hidden(&app.store, &s, c.id, true).await.unwrap();
    let e = comments::set_hidden(&app.store, &s, c.id, true).await.unwrap_err();
    assert!(matches!(e, convene::service::ServiceError::Conflict("comment-already-hidden")));
    assert!(matches!(
        comments::set_hidden(&app.store, &m, c.id, false).await,
        Err(convene::service::ServiceError::Forbidden)
    ));
    let t = comments::thread(&app.store, &m, comments::Target::Story(ids[0])).await.unwrap();
    assert!(t.comments[0].comment.hidden && t.comments[0].comment.body.is_empty(), "hidden words are for stewards");
    assert_eq!(t.comments[0].replies.len(), 1, "its reply stays");
    let t = comments::thread(&app.store, &s, comments::Target::Story(ids[0])).await.unwrap();
    assert!(t.comments[0].comment.body.contains("Good"));
    assert_eq!(
        t.actions.iter().map(|a| (a.action.as_str(), a.by_name.as_str())).collect::<Vec<_>>(),
        vec![("hide", "Stella Steward")]
    );
    comments::set_hidden(&app.store, &s, c.id, false).await.unwrap();
    let t = comments::thread(&app.store, &s, comments::Target::Story(ids[0])).await.unwrap();
    assert_eq!(t.actions.len(), 2);
    // The API: 201 for a member, 403 for someone of another community, 401 anonymous.
    let mt = token_for(&app, member.id).await;
    let ot = token_for(&app, other.id).await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/convenings/{cv}/comments"),
        Some(&mt),
        Some(json!({"body": "From the API"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) =
        call(&app, "POST", &format!("/api/v1/convenings/{cv}/comments"), Some(&ot), Some(json!({"body": "x"}))).await;
    assert_eq!(status, 403);
    let (status, _) =
        call(&app, "POST", &format!("/api/v1/convenings/{cv}/comments"), None, Some(json!({"body": "x"}))).await;
    assert_eq!(status, 401);
    let (status, body) =
        call(&app, "POST", &format!("/api/v1/convenings/{cv}/comments"), Some(&mt), Some(json!({"body": "  "}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("comment")), "{body}");
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/communities/com1/framework/comments",
        Some(&mt),
        Some(json!({"body": "Add an indicator for mentoring?"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(&app, "GET", "/api/v1/communities/com1/framework/comments", None, None).await;
    assert_eq!((status, body[0]["body"].as_str()), (200, Some("Add an indicator for mentoring?")));
    drop(secret);
}

#[tokio::test]
async fn a_refused_comment_comes_back_with_what_was_typed() {
    let (app, _, member, cv, _) = seeded("com2").await;
    let client = app.client();
    sign_in(&app, &client, &member.email).await;
    let (_, csrf) = get_page(&client, &app.url(&format!("/convenings/{cv}"))).await;
    let long = format!("Keep these words {}", "x".repeat(4100));
    let resp =
        post_form(&client, app.url(&format!("/convenings/{cv}/comments")), &[("csrf", &csrf), ("body", &long)]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Keep these words") && html.contains("role=\"alert\""), "{html}");
    let resp =
        post_form(&client, app.url(&format!("/convenings/{cv}/comments")), &[("csrf", &csrf), ("body", "Well said")])
            .await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("/convenings/{cv}#comment-")), "{to}");
    let (page, _) = get_page(&client, &app.url(&format!("/convenings/{cv}"))).await;
    assert!(page.contains("Well said"));
}
