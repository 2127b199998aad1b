//! The report: effect data and costs in, the same numbers out in every rendering, and no
//! private words in anything a visitor or a plain member can fetch.

use crate::helpers::{call, community_with_convening, get_page, post_form, sign_in, spawn_app, spawn_with, token_for};
use convene::domain::story::{StepDraft, StoryDraft};
use convene::service::{Actor, stories};
use serde_json::{Value, json};

const MARKER: &str = "PRIVATEMARKER7731";

fn story(title: &str, visibility: &str, steps: &[(&str, &str, &str)]) -> StoryDraft {
    StoryDraft {
        title: title.into(),
        language: "en".into(),
        visibility: visibility.into(),
        show_name: false,
        steps: steps
            .iter()
            .map(|(c, k, t)| StepDraft {
                cycle: (*c).into(),
                kind: (*k).into(),
                text: (*t).into(),
                indicators: if *c == "immediate" { vec!["networking".into()] } else { vec![] },
            })
            .collect(),
    }
}

/// A community with a held convening, its steward and member; a public story, a
/// community-only story and a stewards-only story (both carrying the private marker).
async fn seeded() -> (crate::helpers::TestApp, convene::store::User, convene::store::User, i64) {
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, "rep").await;
    let m = Actor::User(member.clone());
    let s = Actor::User(steward.clone());
    let public = story(
        "Open words",
        "public",
        &[("immediate", "realized", "We met across three countries."), ("applied", "realized", "I used it at home.")],
    );
    stories::tell_story(&app.store, &m, cv, &public).await.unwrap();
    let members_only = story(
        "Members only",
        "community",
        &[("immediate", "realized", &format!("{MARKER} community words")), ("potential", "aspirational", "Hope")],
    );
    stories::tell_story(&app.store, &s, cv, &members_only).await.unwrap();
    let stewards =
        story("Stewards only", "stewards", &[("applied", "aspirational", &format!("{MARKER} stewards words"))]);
    stories::tell_story(&app.store, &m, cv, &stewards).await.unwrap();
    (app, steward, member, cv)
}

/// The rows of the table whose first header cell is `first` in a Markdown document.
fn md_table(md: &str, first: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = md.lines().collect();
    let start = lines.iter().position(|l| l.starts_with(&format!("| {first} |"))).expect("table in Markdown");
    lines[start + 2..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The rows of the CSV section `table:<id>` (header skipped).
fn csv_table(text: &str, id: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = r.records().map(|x| x.unwrap().iter().map(ToString::to_string).collect()).collect();
    let start = rows.iter().position(|r| r[0] == format!("table:{id}")).expect("CSV section");
    rows[start + 2..].iter().take_while(|r| !(r.len() == 1 && r[0].is_empty())).cloned().collect()
}

/// The cells (tags stripped) of the HTML table with this id.
fn html_table(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html.find(&format!("<table id=\"{id}\">")).expect("HTML table");
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split(['<'])
                .filter_map(|part| part.split_once('>').map(|(_, t)| t))
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string())
                .collect()
        })
        .collect()
}

/// Parses MediaWiki markup with mwparserfromhell and returns its tables' cells (as text).
fn wiki_tables(python: &str, wiki: &str) -> Vec<Vec<Vec<String>>> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), wiki).unwrap();
    let script = r#"
import json, sys, mwparserfromhell as m
code = m.parse(open(sys.argv[1], encoding="utf-8").read())
tables = []
for t in code.filter_tags(matches=lambda n: n.tag == "table", recursive=False):
    rows = []
    for tr in t.contents.filter_tags(matches=lambda n: n.tag == "tr", recursive=False):
        cells = [c.contents.strip_code().strip() for c in tr.contents.filter_tags(matches=lambda n: n.tag in ("td", "th"), recursive=False)]
        rows.append(cells)
    tables.append(rows)
print(json.dumps(tables))
"#;
    let out = std::process::Command::new(python).args(["-c", script]).arg(file.path()).output().expect("python");
    assert!(out.status.success(), "mwparserfromhell: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn fetch(app: &crate::helpers::TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut r = reqwest::Client::new().get(app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn every_rendering_of_a_report_carries_the_same_numbers() {
    let (app, steward, _, cv) = seeded().await;
    let t = token_for(&app, steward.id).await;
    let obs = json!({"indicator": "participation", "value": 23, "unit": "people", "observed_on": "2026-03-12", "source": "sign-in sheet", "note": ""});
    let (status, body) =
        call(&app, "POST", &format!("/api/v1/convenings/{cv}/observations"), Some(&t), Some(obs)).await;
    assert_eq!(status, 201, "{body}");
    let costs = json!({"currency": "USD", "travel": 1800, "venue": 200.5, "other": 0, "co2_kg": 900});
    let (status, body) = call(&app, "PUT", &format!("/api/v1/convenings/{cv}/costs"), Some(&t), Some(costs)).await;
    assert_eq!((status, body["total"].as_f64()), (200, Some(2000.5)), "{body}");

    let (status, j) = call(&app, "GET", &format!("/api/v1/convenings/{cv}/report"), Some(&t), None).await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(
        (j["n_stories"].as_u64(), j["n_tellers"].as_u64(), j["n_participants"].as_u64()),
        (Some(3), Some(2), Some(2))
    );
    assert_eq!(j["convening"]["mode"], "in_person");
    assert_eq!(j["cost"]["per_participant"].as_f64(), Some(1000.25));
    assert_eq!(j["cost"]["per_story_applied_or_realized"].as_f64(), Some(2000.5), "one story reaches applied value");
    assert_eq!(j["co2_kg"].as_f64(), Some(900.0));
    assert_eq!(j["flows"][0], json!({"from": "immediate", "to": "potential", "realized": 0, "aspirational": 1}));
    assert_eq!(j["cycles"][0]["observations"][0]["value"].as_f64(), Some(23.0));
    assert_eq!(j["cycles"][0]["indicators"]["networking"].as_u64(), Some(2));
    let counts: Vec<(u64, u64)> = j["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["realized"].as_u64().unwrap(), c["aspirational"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, [(2, 0), (0, 1), (1, 1), (0, 0)]);

    let path = |f: &str| format!("/api/v1/convenings/{cv}/report?format={f}&lang=en");
    let (_, md) = fetch(&app, &path("md"), Some(&t)).await;
    let (_, csv_text) = fetch(&app, &path("csv"), Some(&t)).await;
    let (_, html) = fetch(&app, &path("html"), Some(&t)).await;
    let (_, wiki) = fetch(&app, &path("mediawiki"), Some(&t)).await;
    let pick = |rows: Vec<Vec<String>>| -> Vec<(u64, u64)> {
        rows.iter().map(|r| (r[1].replace(',', "").parse().unwrap(), r[2].replace(',', "").parse().unwrap())).collect()
    };
    assert_eq!(pick(md_table(&md, "Cycle")), counts, "Markdown");
    assert_eq!(pick(csv_table(&csv_text, "cycles")), counts, "CSV");
    assert_eq!(pick(html_table(&html, "cycles")), counts, "HTML");
    let md_costs = md_table(&md, "Measure");
    assert_eq!(md_costs[3][1], "2,000.50\u{a0}USD", "total cost in Markdown");
    let csv_costs = csv_table(&csv_text, "costs");
    assert_eq!(csv_costs[3][1], "2000.50", "total cost in CSV");
    assert!(html.contains("<svg") && html.contains("role=\"img\""), "charts in the HTML report");
    assert!(html.starts_with("<!doctype html>") && html.contains("@page"), "a printable document");
    match std::env::var("CONVENE_TEST_PYTHON") {
        Ok(py) => {
            let tables = wiki_tables(&py, &wiki);
            assert!(tables.len() >= 5, "real wiki tables: {tables:?}");
            let cycles =
                tables.iter().find(|t| t[0].first().map(String::as_str) == Some("Cycle")).expect("cycle table");
            let rows: Vec<(u64, u64)> =
                cycles[1..].iter().take(4).map(|r| (r[1].parse().unwrap(), r[2].parse().unwrap())).collect();
            assert_eq!(rows, counts, "MediaWiki");
        }
        Err(_) => crate::helpers::skip("mwparserfromhell (run ./scripts/test.sh to install it)"),
    }
}

#[tokio::test]
async fn private_words_reach_no_visitor_or_plain_member_in_any_format() {
    let (app, steward, member, cv) = seeded().await;
    let member_token = token_for(&app, member.id).await;
    let steward_token = token_for(&app, steward.id).await;
    // Before publishing, a visitor gets nothing at all.
    let (status, body) = call(&app, "GET", "/api/v1/communities/rep/report", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/communities/rep/report/publish",
        Some(&member_token),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, 403, "members do not publish");
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/communities/rep/report/publish",
        Some(&steward_token),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!((status, body["published"].as_bool()), (200, Some(true)));
    for f in ["json", "md", "mediawiki", "csv", "html"] {
        for (who, token) in [("visitor", None), ("member", Some(member_token.as_str()))] {
            for path in [
                format!("/api/v1/communities/rep/report?format={f}"),
                format!("/api/v1/convenings/{cv}/report?format={f}"),
            ] {
                let (status, text) = fetch(&app, &path, token).await;
                assert_eq!(status, 200, "{who} {path}");
                assert!(!text.contains(MARKER), "{who} saw private words in {path}");
            }
        }
    }
    // The public story is quoted; counts include every story.
    let (_, j) = call(&app, "GET", "/api/v1/communities/rep/report", None, None).await;
    assert_eq!(j["n_stories"].as_u64(), Some(3));
    assert!(!j["quotes"].as_array().unwrap().is_empty(), "the public story is quoted");
    assert!(j["quotes"].as_array().unwrap().iter().all(|q| q["title"] == "Open words"), "{}", j["quotes"]);
    assert!(
        j["quotes"].as_array().unwrap().iter().all(|q| q["teller"].is_null()),
        "the teller did not allow their name"
    );
    // The page too, for a visitor.
    let client = app.client();
    let (page, _) = get_page(&client, &app.url("/c/rep/report")).await;
    assert!(page.contains("<svg") && !page.contains(MARKER));
    let (page, _) = get_page(&client, &app.url(&format!("/convenings/{cv}/report?format=md"))).await;
    assert!(page.contains("| Cycle |") && !page.contains(MARKER));
    // Withdrawn: gone again.
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/communities/rep/report/publish",
        Some(&steward_token),
        Some(json!({"published": false})),
    )
    .await;
    assert_eq!(status, 200);
    let resp = client.get(app.url("/c/rep/report")).send().await.unwrap();
    assert_eq!(resp.status(), 303, "a visitor is asked to sign in");
}

#[tokio::test]
async fn bad_report_input_gets_a_clear_error_and_changes_nothing() {
    let (app, steward, member, cv) = seeded().await;
    let t = token_for(&app, steward.id).await;
    let (status, body) = call(&app, "GET", &format!("/api/v1/convenings/{cv}/report?format=pdf"), Some(&t), None).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("json, md, mediawiki, mediawiki-xml, csv, html"),
        "{body}"
    );
    let (status, _) = call(&app, "GET", "/api/v1/convenings/9999/report", Some(&t), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, "GET", "/api/v1/communities/nope/report", Some(&t), None).await;
    assert_eq!(status, 404);
    let obs = format!("/api/v1/convenings/{cv}/observations");
    for (body, field, code) in [
        (json!({"indicator": "participation", "value": -4}), "value", "negative"),
        (json!({"indicator": "participation", "value": 1e12}), "value", "absurd"),
        (json!({"indicator": "participation", "value": "lots"}), "value", "number"),
        (json!({"indicator": "no_such", "value": 1}), "indicator", "indicator_unknown"),
        (json!({"indicator": "participation", "value": 1, "observed_on": "2999-01-01"}), "observed_on", "future"),
    ] {
        let (status, b) = call(&app, "POST", &obs, Some(&t), Some(body.clone())).await;
        assert_eq!(
            (status, b["error"]["field"].as_str(), b["error"]["code"].as_str()),
            (422, Some(field), Some(code)),
            "{body}"
        );
    }
    let (_, list) = call(&app, "GET", &obs, Some(&t), None).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored");
    let member_token = token_for(&app, member.id).await;
    let (status, _) =
        call(&app, "POST", &obs, Some(&member_token), Some(json!({"indicator": "participation", "value": 1}))).await;
    assert_eq!(status, 403);
    let (status, b) =
        call(&app, "PUT", &format!("/api/v1/convenings/{cv}/costs"), Some(&t), Some(json!({"currency": "dollars"})))
            .await;
    assert_eq!((status, b["error"]["field"].as_str()), (422, Some("currency")));

    // A second convening costed in another currency: reported side by side, not summed.
    let draft = convene::domain::convening::ConveningDraft {
        title: "Online".into(),
        mode: "virtual".into(),
        starts_on: "2026-05-01".into(),
        ..Default::default()
    };
    let (status, made) = call(
        &app,
        "POST",
        "/api/v1/communities/rep/convenings",
        Some(&t),
        Some(json!({"title": draft.title, "mode": draft.mode, "starts_on": draft.starts_on})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let other = made["id"].as_i64().unwrap();
    call(
        &app,
        "PUT",
        &format!("/api/v1/convenings/{cv}/costs"),
        Some(&t),
        Some(json!({"currency": "USD", "travel": 100})),
    )
    .await;
    call(
        &app,
        "PUT",
        &format!("/api/v1/convenings/{other}/costs"),
        Some(&t),
        Some(json!({"currency": "EUR", "other": 50})),
    )
    .await;
    let (_, r) = call(&app, "GET", "/api/v1/communities/rep/report", Some(&t), None).await;
    assert_eq!(r["currencies"], json!(["EUR", "USD"]));
    assert!(r["by_mode"].as_array().unwrap().iter().all(|m| m["cost_per_participant"].is_null()), "{}", r["by_mode"]);
    let (_, md) = fetch(&app, "/api/v1/communities/rep/report?format=md", Some(&t)).await;
    assert!(md.contains("several currencies (EUR, USD)"), "the report says why there is no sum");
}

#[tokio::test]
async fn a_steward_records_evidence_on_the_page_and_a_refused_form_keeps_what_was_typed() {
    let (app, steward, member, cv) = seeded().await;
    let client = app.client();
    sign_in(&app, &client, &steward.email).await;
    let (page, csrf) = get_page(&client, &app.url(&format!("/convenings/{cv}/evidence"))).await;
    assert!(page.contains("Add an observation"));
    let resp = post_form(
        &client,
        app.url(&format!("/convenings/{cv}/observations")),
        &[
            ("csrf", &csrf),
            ("indicator", "participation"),
            ("value", "-3"),
            ("unit", "people"),
            ("source", "my own count"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(body.contains("value=\"-3\"") && body.contains("my own count") && body.contains("cannot be negative"));
    let resp = post_form(
        &client,
        app.url(&format!("/convenings/{cv}/observations")),
        &[("csrf", &csrf), ("indicator", "participation"), ("value", "23"), ("unit", "people")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let resp = post_form(
        &client,
        app.url(&format!("/convenings/{cv}/costs")),
        &[("csrf", &csrf), ("currency", "KES"), ("travel", "1 000"), ("venue", "5")],
    )
    .await;
    assert_eq!(resp.status(), 422, "a thousands separator is refused with a message");
    let resp = post_form(
        &client,
        app.url(&format!("/convenings/{cv}/costs")),
        &[("csrf", &csrf), ("currency", "kes"), ("travel", "1000"), ("venue", "5,5")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (report, _) = get_page(&client, &app.url(&format!("/convenings/{cv}/report"))).await;
    assert!(report.contains("23 people") && report.contains("1,005.50\u{a0}KES"), "the report reads the evidence");
    // A member reads the report but cannot open the evidence page.
    let other = app.client();
    sign_in(&app, &other, &member.email).await;
    assert_eq!(other.get(app.url(&format!("/convenings/{cv}/report"))).send().await.unwrap().status(), 200);
    assert_eq!(other.get(app.url(&format!("/convenings/{cv}/evidence"))).send().await.unwrap().status(), 403);
    // French readers get French numbers.
    let r =
        client.get(app.url(&format!("/convenings/{cv}/report"))).header("accept-language", "fr").send().await.unwrap();
    let fr = r.text().await.unwrap();
    assert!(fr.contains("1\u{202f}005,50\u{a0}KES"), "French formatting");
}

#[tokio::test]
async fn the_command_line_prints_the_report_an_admin_gets_from_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("convene.db");
    let store = convene::store::open(path.to_str().unwrap()).await.unwrap();
    let (steward, member, cv) = community_with_convening(&store, "cli").await;
    let m = Actor::User(member.clone());
    stories::tell_story(&store, &m, cv, &story("Words", "public", &[("immediate", "realized", "We met.")]))
        .await
        .unwrap();
    let admin = store.create_user("admin@cli.example", "Ada Admin", None, true).await.unwrap();
    let _ = steward;
    let app = spawn_with(store, None).await;
    let t = token_for(&app, admin.id).await;
    let (_, mut api) = call(&app, "GET", "/api/v1/communities/cli/report", Some(&t), None).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
        .args(["--database-url", path.to_str().unwrap(), "report", "--community", "cli", "--format", "json"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    cli.as_object_mut().unwrap().remove("generated_at");
    api.as_object_mut().unwrap().remove("generated_at");
    assert_eq!(cli, api);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convene"))
        .args(["--database-url", path.to_str().unwrap(), "report", "--community", "cli", "--format", "pdf"])
        .output()
        .unwrap();
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("json, md, mediawiki, mediawiki-xml, csv, html")
    );
    drop(dir);
}

#[tokio::test]
async fn the_full_matrix_lists_the_stories_a_reader_may_see_and_counts_every_matching_one() {
    let (app, _, _, cv) = seeded().await;
    let client = app.client();
    assert_eq!(client.get(app.url("/c/rep/matrix")).send().await.unwrap().status(), 303, "members only");
    // Another member: the stewards-only story is not theirs.
    let reader = crate::helpers::user(&app.store, "reader@rep.example", "Rita Reader").await;
    let c = app.store.community("rep").await.unwrap().unwrap();
    app.store.add_member(c.id, reader.id, convene::domain::Role::Member).await.unwrap();
    sign_in(&app, &client, &reader.email).await;
    let (page, _) = get_page(&client, &app.url("/c/rep/matrix")).await;
    assert!(page.contains("Open words") && page.contains("Members only"), "readable stories are rows");
    assert!(
        !page.contains("Stewards only") && !page.contains(&format!("{MARKER} stewards")),
        "but not a stewards-only story"
    );
    assert!(page.contains("3 matching stories; 2 of them you may read."), "counts include every story");
    let (page, _) = get_page(&client, &app.url("/c/rep/matrix?language=fr")).await;
    assert!(page.contains("No story matches these filters."));
    let (page, _) = get_page(&client, &app.url("/c/rep/matrix?indicator=networking&mode=in_person")).await;
    assert!(page.contains("2 matching stories"), "two stories tick networking");
    let (page, _) =
        get_page(&client, &app.url(&format!("/c/rep/matrix?convening={cv}&from=2020-13-45&to=2999-01-01"))).await;
    assert!(page.contains("Not understood and left out: from") && page.contains("3 matching stories"));
}

/// Two server processes over one database: two stores (each with its own memory of
/// computed values) and two apps.
async fn two_processes() -> (crate::helpers::TestApp, crate::helpers::TestApp) {
    if std::env::var("CONVENE_TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        let url = crate::helpers::postgres_url().await.expect("CONVENE_TEST_BACKEND=postgres needs the URL");
        let a = convene::store::open(&url).await.unwrap();
        let b = convene::store::open(&url).await.unwrap();
        return (spawn_with(a, None).await, spawn_with(b, None).await);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("convene.db");
    let a = convene::store::open(path.to_str().unwrap()).await.unwrap();
    let b = convene::store::open(path.to_str().unwrap()).await.unwrap();
    (spawn_with(a, Some(dir)).await, spawn_with(b, None).await)
}

async fn n_stories(app: &crate::helpers::TestApp, path: &str, token: Option<&str>) -> u64 {
    let (status, v) = call(app, "GET", path, token, None).await;
    assert_eq!(status, 200, "{path}: {v}");
    v["n_stories"].as_u64().unwrap_or_else(|| panic!("{path}: n_stories in {v}"))
}

/// Reads are kept while nothing changes, so a kept read that outlived a write would be
/// a defect: a new story, a hidden story and a follow-up outcome written through one
/// process each change the very next read of the other process — the anonymous page,
/// the matrix API, both reports — and no reader class is served another's page.
#[tokio::test]
async fn a_write_changes_the_next_read_in_every_process_and_no_reader_gets_anothers_page() {
    let (a, b) = two_processes().await;
    let (steward, member, cv) = community_with_convening(&a.store, "fresh").await;
    let m = Actor::User(member.clone());
    let s = Actor::User(steward.clone());
    let open = story("Open words", "public", &[("immediate", "realized", "We met."), ("applied", "realized", "Used.")]);
    stories::tell_story(&a.store, &m, cv, &open).await.unwrap();
    let members_only = story("Members only", "community", &[("immediate", "realized", "Community words")]);
    stories::tell_story(&a.store, &s, cv, &members_only).await.unwrap();
    let hoped = story("Stewards only", "stewards", &[("applied", "aspirational", "We hope to use it.")]);
    let hoped = stories::tell_story(&a.store, &s, cv, &hoped).await.unwrap();
    let token = token_for(&b, member.id).await;
    let page = format!("/convenings/{cv}");
    let matrix = format!("/api/v1/convenings/{cv}/matrix");
    let report = format!("/api/v1/convenings/{cv}/report");
    let community = "/api/v1/communities/fresh/report";
    let anonymous = || async { fetch(&b, &page, None).await.1 };

    // Read everything once in process B (now kept there), twice to be sure.
    for _ in 0..2 {
        assert!(anonymous().await.contains("Open words"));
        assert_eq!(n_stories(&b, &matrix, None).await, 3);
        assert_eq!(n_stories(&b, &matrix, Some(&token)).await, 3);
        assert_eq!(n_stories(&b, &report, Some(&token)).await, 3);
        assert_eq!(n_stories(&b, community, Some(&token)).await, 3);
    }

    // A new story, told through process A.
    let new = story("Freshly told", "public", &[("potential", "realized", "Something new.")]);
    let new = stories::tell_story(&a.store, &m, cv, &new).await.unwrap();
    assert!(anonymous().await.contains("Freshly told"), "the page shows the new story");
    assert_eq!(n_stories(&b, &matrix, None).await, 4, "the anonymous matrix counts it");
    assert_eq!(n_stories(&b, &matrix, Some(&token)).await, 4);
    assert_eq!(n_stories(&b, &report, Some(&token)).await, 4);
    assert_eq!(n_stories(&b, community, Some(&token)).await, 4);

    // Hidden by a steward: gone from the page and from every count.
    stories::set_hidden(&a.store, &s, new.id, true).await.unwrap();
    assert!(!anonymous().await.contains("Freshly told"), "a hidden story leaves the kept page");
    assert_eq!(n_stories(&b, &matrix, None).await, 3);
    assert_eq!(n_stories(&b, &report, Some(&token)).await, 3);
    assert_eq!(n_stories(&b, community, Some(&token)).await, 3);

    // A follow-up says the hope happened: applied value that happened goes from 1 to 2.
    let applied = |v: &Value| {
        let c = v["cycles"].as_array().unwrap().iter().find(|c| c["key"] == "applied").unwrap().clone();
        (c["realized"].as_u64().unwrap(), c["aspirational"].as_u64().unwrap())
    };
    assert_eq!(applied(&call(&b, "GET", &matrix, None, None).await.1), (1, 1));
    let outcome = convene::domain::wave::OutcomeDraft {
        cycle: "applied".into(),
        status: "happened".into(),
        text: "We did use it.".into(),
    };
    convene::service::waves::record_outcome(&a.store, &s, hoped.id, &outcome).await.unwrap();
    assert_eq!(applied(&call(&b, "GET", &matrix, None, None).await.1), (2, 0), "the outcome counts at once");
    assert_eq!(applied(&call(&b, "GET", &report, Some(&token), None).await.1), (2, 0));

    // As of a date before anything was told, and in another language: other responses.
    assert_eq!(n_stories(&b, &format!("{matrix}?as_of=2000-01-01"), None).await, 0);
    assert_eq!(n_stories(&b, &matrix, None).await, 3);
    let french = reqwest::Client::new().get(b.url(&page)).header("Accept-Language", "fr").send().await.unwrap();
    let french = french.text().await.unwrap();
    assert!(french.contains("lang=\"fr\"") && anonymous().await.contains("lang=\"en\""), "one kept page per language");

    // Reader classes: a member's and a steward's pages are theirs; the anonymous page,
    // read before and after them, never shows what only they may see.
    assert!(!anonymous().await.contains("Members only"));
    let client = b.client();
    sign_in(&b, &client, &member.email).await;
    let (as_member, _) = get_page(&client, &b.url(&page)).await;
    assert!(as_member.contains("Members only") && !as_member.contains("Stewards only"));
    let anon = anonymous().await;
    assert!(!anon.contains("Members only") && !anon.contains("Stewards only"), "not the member's page");
    let client = b.client();
    sign_in(&b, &client, &steward.email).await;
    let (as_steward, _) = get_page(&client, &b.url(&page)).await;
    assert!(as_steward.contains("Stewards only"));
    let anon = anonymous().await;
    assert!(!anon.contains("Members only") && !anon.contains("Stewards only"), "not the steward's page");
    let (as_member_again, _) = get_page(&b.client(), &b.url(&page)).await;
    assert!(!as_member_again.contains("Members only"), "a signed-out client reads the anonymous page");
}
