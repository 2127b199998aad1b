//! Reach (issue 13): the glossary and its links, numbers and dates the reader's way,
//! the language switch that keeps the page, the convening page's story filters, the
//! story form one cycle at a time, right-to-left stories, and every main page's weight.

use crate::helpers::{community_with_convening, get_page, post_form, sign_in, spawn_app};
use convene::service::{Actor, stories};

/// Numbers and dates on a page that are written the English way although the page is
/// not in English: `9,988` (English thousands), `12.5` (an English decimal point where
/// a comma belongs), or an ISO date `2026-03-10` in running text. `0,012` is a French or
/// Portuguese decimal, not an English thousand, and `1.234` a Portuguese thousand.
fn english_formatted(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '-')) {
            i += 1;
            continue;
        }
        // One token of digits, commas, points and hyphens, starting at a digit.
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || ",.-".contains(chars[i])) {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect::<String>().trim_end_matches([',', '.', '-']).to_string();
        let groups: Vec<&str> = token.split([',', '.']).collect();
        let iso_date = token.len() == 10 && token.as_bytes()[4] == b'-' && token.as_bytes()[7] == b'-';
        let english_thousands = token.contains(',')
            && !token.starts_with("0,")
            && groups.len() >= 2
            && groups[1..].iter().all(|g| g.len() == 3)
            && !token.contains('.');
        let english_decimal = token.contains('.')
            && !token.contains(',')
            && groups.len() == 2
            && (groups[1].len() != 3 || token.starts_with("0."));
        if iso_date || english_thousands || english_decimal {
            found.push(token);
        }
    }
    found
}

/// The text of an HTML page as a reader sees it: no tags, no attribute values, no style.
fn visible_text(html: &str) -> String {
    let body = html.split("</style>").last().unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

#[test]
fn the_english_number_detector_finds_english_numbers_and_nothing_else() {
    assert_eq!(english_formatted("9,988 kg · 12.5 h · 2026-03-10"), ["9,988", "12.5", "2026-03-10"]);
    assert!(english_formatted("9\u{202f}988 kg · 12,5 h · 1.234 · p = 0,012 · 10 mars 2026 · v2 · +3").is_empty());
}

#[tokio::test]
async fn the_glossary_explains_every_term_in_every_language_and_pages_link_to_it() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "gloss").await;
    let c = app.client();
    for lang in ["en", "fr", "es", "pt", "pt-PT"] {
        let r = c.get(app.url("/glossary")).header("accept-language", lang).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(body.contains(&format!("lang=\"{lang}\"")), "{lang}");
        for term in convene::web::GLOSSARY_TERMS {
            assert!(body.contains(&format!("id=\"{term}\"")), "{lang}: no entry {term}");
        }
        assert!(!body.contains("glossary-"), "{lang}: a message is missing: {body}");
    }
    // Every page links to it; the matrix's technical words and the story form's cycles too.
    sign_in(&app, &c, &member.email).await;
    let (page, _) = get_page(&c, &app.url(&format!("/convenings/{id}"))).await;
    for anchor in ["cycle", "realized", "aspirational", "indicator"] {
        assert!(page.contains(&format!("href=\"/glossary#{anchor}\"")), "convening page links {anchor}");
    }
    let (form, _) = get_page(&c, &app.url(&format!("/convenings/{id}/stories/new"))).await;
    assert!(form.contains("href=\"/glossary#cycle\"") && form.contains("href=\"/glossary\""));
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let plan = saved_plan(&app, id, steward.id).await;
    let (page, _) = get_page(&s, &app.url(&format!("/plans/{plan}"))).await;
    assert!(page.contains("href=\"/glossary#gap\"") && page.contains("href=\"/glossary#objective\""));
}

/// A saved plan for six members in six African cities (CO2 totals in the thousands).
async fn saved_plan(app: &crate::helpers::TestApp, convening: i64, by: i64) -> i64 {
    let travellers = ["Nairobi", "Dakar", "Kampala", "Accra", "Lagos", "Windhoek"]
        .iter()
        .map(|p| {
            let place = convene::planner::resolve(p).unwrap();
            convene::planner::Traveller {
                place: Some(place.label()),
                ..convene::planner::Traveller::new(*p, place.position())
            }
        })
        .collect();
    let request = convene::planner::PlanRequest { travellers, k: 2, ..convene::planner::PlanRequest::default() };
    let answer = convene::planner::plan(&request, &mut |_| {}).unwrap();
    let (params, result) = (serde_json::to_string(&request).unwrap(), serde_json::to_string(&answer).unwrap());
    app.store.save_plan(convening, "Two or one", &params, &result, Some(by)).await.unwrap().id
}

#[tokio::test]
async fn french_and_portuguese_pages_write_numbers_and_dates_their_own_way() {
    let app = spawn_app().await;
    let (steward, _, id) = community_with_convening(&app.store, "numbers").await;
    let plan = saved_plan(&app, id, steward.id).await;
    let c = app.client();
    sign_in(&app, &c, &steward.email).await;
    let page = |path: String, lang: &'static str| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.get(url).header("accept-language", lang).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            visible_text(&r.text().await.unwrap())
        }
    };
    // The detector can fail: the English plan page has English thousands.
    let english = page(format!("/plans/{plan}"), "en").await;
    assert!(!english_formatted(&english).is_empty(), "the English plan shows thousands: {english}");
    for lang in ["fr", "pt", "es", "pt-PT"] {
        for path in [
            format!("/plans/{plan}"),
            format!("/convenings/{id}"),
            format!("/convenings/{id}/report"),
            "/c/numbers".into(),
        ] {
            let text = page(path.clone(), lang).await;
            let wrong = english_formatted(&text);
            assert!(wrong.is_empty(), "{lang} {path} shows English-formatted numbers or dates: {wrong:?}");
        }
    }
    let date = |lang| async move { page(format!("/convenings/{id}"), lang).await };
    assert!(date("fr").await.contains("10 mars 2026"), "French date");
    assert!(date("pt").await.contains("10 de mar. de 2026"), "Portuguese date");
    assert!(date("en").await.contains("Mar 10, 2026"), "English date");
}

#[tokio::test]
async fn the_language_switch_keeps_the_page_and_its_query() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "switch").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let here = format!("/convenings/{id}?cycle=applied&page=1");
    let (body, _) = get_page(&c, &app.url(&here)).await;
    // The header's link to European Portuguese, as the browser reads it (entities decoded).
    let at = body.find("href=\"/lang/pt-PT?next=").expect("a link to pt-PT") + "href=\"".len();
    let link = body[at..].split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    let r = c.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], here.as_str());
    let (body, _) = get_page(&c, &app.url(&here)).await;
    assert!(body.contains("lang=\"pt-PT\"") && body.contains("<b>Português (Portugal)</b>"), "now in pt-PT");
}

#[tokio::test]
async fn the_convening_page_filters_its_stories_by_cycle_and_kind_and_pages_them() {
    let app = spawn_app().await;
    let (steward, member, id) = community_with_convening(&app.store, "filters").await;
    let s = Actor::User(steward.clone());
    let draft = |title: String, cycle: &str, kind: &str| convene::domain::story::StoryDraft {
        title,
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: cycle.into(),
            kind: kind.into(),
            text: "Something of value.".into(),
            indicators: vec![],
        }],
    };
    for i in 0..22 {
        stories::tell_story(&app.store, &s, id, &draft(format!("Applied hope {i}"), "applied", "aspirational"))
            .await
            .unwrap();
    }
    stories::tell_story(&app.store, &s, id, &draft("Met people".into(), "immediate", "realized")).await.unwrap();
    stories::tell_story(&app.store, &s, id, &draft("Used it".into(), "applied", "realized")).await.unwrap();
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let titles = |body: &str| body.matches("<article class=\"story\"").count();
    let (all, _) = get_page(&c, &app.url(&format!("/convenings/{id}"))).await;
    assert_eq!(titles(&all), 20, "20 a page");
    assert!(all.contains("(24)"), "all 24 counted");
    let (immediate, _) = get_page(&c, &app.url(&format!("/convenings/{id}?cycle=immediate"))).await;
    assert_eq!(titles(&immediate), 1);
    assert!(immediate.contains("Met people") && immediate.contains("(1 / 24)"));
    assert!(immediate.contains("<option value=\"immediate\" selected>"), "the filter shows what it filters");
    let (happened, _) = get_page(&c, &app.url(&format!("/convenings/{id}?kind=realized"))).await;
    assert_eq!(titles(&happened), 2);
    let (hoped, _) = get_page(&c, &app.url(&format!("/convenings/{id}?cycle=applied&kind=aspirational"))).await;
    assert_eq!(titles(&hoped), 20);
    assert!(!hoped.contains("Used it") && hoped.contains("(22 / 24)"));
    assert!(hoped.contains("?page=2&#38;cycle=applied&#38;kind=aspirational#stories"), "the pager keeps the filter");
    let (second, _) = get_page(&c, &app.url(&format!("/convenings/{id}?page=2&cycle=applied&kind=aspirational"))).await;
    assert_eq!(titles(&second), 2);
    // A kind that does not exist filters nothing rather than failing.
    let r = c.get(app.url(&format!("/convenings/{id}?kind=maybe&cycle="))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(titles(&r.text().await.unwrap()), 20);
}

#[tokio::test]
async fn the_story_form_opens_the_cycles_that_hold_text_and_keeps_it_when_refused() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "cycles").await;
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    let url = app.url(&format!("/convenings/{id}/stories/new"));
    let (form, csrf) = get_page(&c, &url).await;
    assert!(form.contains("<details class=\"cycle\" id=\"cycle-immediate\" open>"), "the first cycle is open");
    assert!(form.contains("<details class=\"cycle\" id=\"cycle-applied\">"), "the others wait, closed");
    // No title: refused, and the applied cycle comes back open with its text and tick.
    let r = post_form(
        &c,
        url.clone(),
        &[
            ("csrf", csrf.as_str()),
            ("title", ""),
            ("visibility", "community"),
            ("text_applied", "We ran the clinic — عيادة"),
            ("kind_applied", "aspirational"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("<details class=\"cycle\" id=\"cycle-applied\" open>"), "the told cycle is open");
    assert!(body.contains("We ran the clinic — عيادة</textarea>"), "with what was typed");
    assert!(body.contains("value=\"aspirational\" checked"), "and the kind chosen");
    assert!(app.store.stories(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_right_to_left_story_is_marked_for_the_browser_to_set_its_direction() {
    let app = spawn_app().await;
    let (_, member, id) = community_with_convening(&app.store, "rtl").await;
    let draft = convene::domain::story::StoryDraft {
        title: "ما تعلمناه في اللقاء".into(),
        language: "ar".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: "التقينا بزملاء من ثلاثة بلدان".into(),
            indicators: vec![],
        }],
    };
    let story = stories::tell_story(&app.store, &Actor::User(member.clone()), id, &draft).await.unwrap();
    let c = app.client();
    sign_in(&app, &c, &member.email).await;
    for path in [format!("/stories/{}", story.id), format!("/convenings/{id}")] {
        let (body, _) = get_page(&c, &app.url(&path)).await;
        assert!(body.contains("dir=\"auto\">ما تعلمناه في اللقاء</a>"), "{path}: the title sets its own direction");
        assert!(body.contains("dir=\"auto\">التقينا بزملاء من ثلاثة بلدان</span>"), "{path}: so does the text");
        assert!(body.contains("lang=\"ar\""), "{path}: and says its language");
    }
}

/// Every main page, signed in as the demo steward, as a slow phone receives it: gzip
/// size within the 30 KB budget, no script, no web font, at most three requests (the
/// page, and at most two images or style sheets). The sizes go to
/// `target/page-weight.txt`, which `scripts/test.sh` prints.
#[tokio::test]
async fn every_main_page_stays_within_30_kb_compressed_and_three_requests() {
    const BUDGET: usize = 30 * 1024;
    let app = spawn_app().await;
    convene::demo::seed(&app.store).await.expect("demo");
    let c = app.client();
    let (_, csrf) = get_page(&c, &app.url("/signin")).await;
    let r = post_form(
        &c,
        app.url("/signin"),
        &[("csrf", csrf.as_str()), ("email", convene::demo::DEMO_STEWARD), ("password", convene::demo::DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let pages = [
        "/",
        "/glossary",
        "/c/km4dev-demo",
        "/c/km4dev-demo/framework",
        "/c/km4dev-demo/report",
        "/c/km4dev-demo/matrix",
        "/convenings/1",
        "/convenings/1/stories/new",
        "/convenings/1/report",
        "/convenings/1/plan",
        "/plans/1",
        "/stories/1",
        "/me",
    ];
    let mut lines = vec![format!("{:<32} {:>8} {:>8} {:>9}", "page (demo steward)", "bytes", "gzip", "requests")];
    let mut over = Vec::new();
    for page in pages {
        let raw = c.get(app.url(page)).send().await.unwrap();
        assert_eq!(raw.status(), 200, "{page}");
        let html = raw.text().await.unwrap();
        let gz = c.get(app.url(page)).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(gz.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"), "{page}");
        let gzip = gz.bytes().await.unwrap().len();
        let requests = 1 + html.matches("<img ").count() + html.matches("<link rel=\"stylesheet\"").count();
        assert!(!html.contains("<script") && !html.contains("@font-face"), "{page}: no script, no web font");
        lines.push(format!("{page:<32} {:>8} {gzip:>8} {requests:>9}", html.len()));
        if gzip > BUDGET || requests > 3 {
            over.push(format!("{page}: {gzip} bytes compressed, {requests} requests"));
        }
    }
    let report = lines.join("\n");
    println!("{report}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/page-weight.txt");
    let _ = std::fs::write(path, format!("{report}\n"));
    assert!(over.is_empty(), "over the budget of 30 KB compressed and 3 requests:\n{}", over.join("\n"));
}
