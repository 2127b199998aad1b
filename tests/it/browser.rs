//! Real-browser journeys: a member signs in and tells a story in headless Chromium.

use crate::helpers::{PASSWORD, community_with_convening, skip, spawn_app};
use anyhow::{Context, Result, anyhow};
use convene::domain::story::StepKind;
use convene::service::{Actor, convenings, stories, waves};
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long any one wait in the browser may take.
const WAIT: Duration = Duration::from_secs(20);

/// Text with a dash, Chinese script and HTML, which must come back exactly as typed.
const TEXT: &str = "Nous avons appris — 学习 <b>bold</b>";

/// Debian's Chromium (or `CONVENE_TEST_CHROMIUM`), or `None` after a loud skip.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var("CONVENE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if path.is_file() {
        return Some(path);
    }
    skip(&format!("browser tests: no Chromium at {} (install chromium or set CONVENE_TEST_CHROMIUM)", path.display()));
    None
}

/// A headless Chromium that stays off the network, over a throwaway profile. Fields drop
/// in order: the browser is stopped before its profile is removed.
struct Chromium {
    browser: Browser,
    _profile: tempfile::TempDir,
}

impl Chromium {
    fn launch(path: PathBuf) -> Result<Self> {
        let profile = tempfile::tempdir()?;
        let args = [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ];
        let options = LaunchOptions::default_builder()
            .path(Some(path))
            .headless(true)
            .sandbox(false)
            .user_data_dir(Some(profile.path().to_path_buf()))
            .args(args.iter().map(OsStr::new).collect())
            .idle_browser_timeout(Duration::from_mins(1))
            .build()?;
        let browser = Browser::new(options).context("launch Chromium")?;
        Ok(Self { browser, _profile: profile })
    }

    /// A fresh tab that asks for English pages and waits at most [`WAIT`].
    fn tab(&self) -> Result<Arc<Tab>> {
        let tab = self.browser.new_tab()?;
        tab.set_default_timeout(WAIT);
        tab.set_extra_http_headers(HashMap::from([("Accept-Language", "en")]))?;
        Ok(tab)
    }
}

/// Runs a JavaScript expression in the page and returns its value.
fn js(tab: &Tab, expression: &str) -> Result<serde_json::Value> {
    tab.evaluate(expression, false)?.value.ok_or_else(|| anyhow!("no value for {expression}"))
}

/// Puts text into a field as the browser's own text input (what a keyboard or an input
/// method produces), in one call: typing key by key is slow on a busy machine.
fn type_into(tab: &Tab, selector: &str, text: &str) -> Result<()> {
    tab.find_element(selector)?.click()?;
    tab.send_character(text)?;
    Ok(())
}

fn open(tab: &Tab, url: &str, wait_for: &str) -> Result<()> {
    tab.navigate_to(url)?.wait_until_navigated()?;
    tab.wait_for_element(wait_for)?;
    Ok(())
}

/// Signs in through the form, typing into its fields, and waits for the sign-out button.
fn sign_in(tab: &Tab, base: &str, email: &str) -> Result<()> {
    open(tab, &format!("{base}/signin"), "#email")?;
    type_into(tab, "#email", email)?;
    type_into(tab, "#password", PASSWORD)?;
    tab.find_element("main button[type=submit]")?.click()?;
    tab.wait_for_element("form[action='/signout']").context("signed in")?;
    Ok(())
}

/// Signs in, tells a two-step story and checks the pages; returns the story's id.
fn tell_in_browser(path: PathBuf, base: &str, email: &str, convening: i64) -> Result<i64> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, email)?;
    open(&tab, &format!("{base}/convenings/{convening}/stories/new"), "#title")?;
    type_into(&tab, "#title", "Ce que nous avons appris")?;
    type_into(&tab, "textarea[name=text_immediate]", TEXT)?;
    tab.find_element("input[name=ind_immediate][value=networking]")?.click()?;
    // The story form opens one cycle at a time: the teller opens the applied cycle.
    tab.find_element("#cycle-applied summary")?.click()?;
    type_into(&tab, "textarea[name=text_applied]", "We plan a clinic next year.")?;
    tab.find_element("input[name=kind_applied][value=aspirational]")?.click()?;
    tab.find_element("input[name=visibility][value=public]")?.click()?;
    tab.find_element("main button[type=submit]")?.click()?;

    let notice = tab.wait_for_element(".notice[role=status]").context("saved-story notice")?.get_inner_text()?;
    assert!(notice.contains("your story is saved"), "notice: {notice}");
    let url = tab.get_url();
    let id = url.split("/stories/").nth(1).and_then(|r| r.strip_suffix("?told=1")).and_then(|n| n.parse().ok());
    let id: i64 = id.ok_or_else(|| anyhow!("redirected to {url}, not a story page"))?;
    assert_eq!(js(&tab, "document.querySelector('.story-text').textContent")?, TEXT, "the text shows exactly as typed");
    assert!(
        js(&tab, "document.body.textContent")?.as_str().unwrap_or_default().contains("<b>bold</b>"),
        "HTML shows as text"
    );
    assert_eq!(js(&tab, "document.querySelectorAll('.story-text b').length")?, 0, "typed HTML is not markup");

    open(&tab, &format!("{base}/convenings/{convening}"), "#matrix")?;
    let page = js(&tab, "document.querySelector('main').innerText")?;
    assert!(
        page.as_str().unwrap_or_default().contains("1 of 2 participants told a story (one story in all)."),
        "matrix counts the story: {page}"
    );
    Ok(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_signs_in_and_tells_a_story_in_a_real_browser() {
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (_, member, convening) = community_with_convening(&app.store, "browser").await;
    let base = app.url("");
    let id = tokio::task::spawn_blocking(move || tell_in_browser(path, &base, &member.email, convening))
        .await
        .expect("browser thread")
        .expect("browser journey");

    let stories = app.store.stories(convening).await.expect("stories");
    assert_eq!(stories.len(), 1, "one story stored");
    let story = &stories[0];
    assert_eq!((story.id, story.title.as_str(), story.visibility.as_str()), (id, "Ce que nous avons appris", "public"));
    let steps: Vec<_> =
        story.steps.iter().map(|s| (s.cycle.as_str(), s.kind, s.text.as_str(), s.indicators.clone())).collect();
    assert_eq!(
        steps,
        [
            ("immediate", StepKind::Realized, TEXT, vec!["networking".to_string()]),
            ("applied", StepKind::Aspirational, "We plan a clinic next year.", vec![]),
        ]
    );
}

/// Submits a title and no step text; returns the error shown and the title field's value.
fn submit_untold(
    path: PathBuf,
    base: &str,
    email: &str,
    convening: i64,
    title: &str,
) -> Result<(String, serde_json::Value)> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, email)?;
    open(&tab, &format!("{base}/convenings/{convening}/stories/new"), "#title")?;
    type_into(&tab, "#title", title)?;
    tab.find_element("main button[type=submit]")?.click()?;
    let error = tab.wait_for_element(".error[role=alert]").context("form error")?.get_inner_text()?;
    Ok((error, js(&tab, "document.getElementById('title').value")?))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_story_form_re_renders_with_what_was_typed_when_nothing_is_told() {
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (_, member, convening) = community_with_convening(&app.store, "browser-empty").await;
    let base = app.url("");
    let title = "Un titre à garder — 标题";
    let (error, kept) =
        tokio::task::spawn_blocking(move || submit_untold(path, &base, &member.email, convening, title))
            .await
            .expect("browser thread")
            .expect("browser journey");
    assert!(error.contains("Tell at least one cycle"), "the error says what is missing: {error}");
    assert_eq!(kept, title, "the title is still in its field");
    assert!(app.store.stories(convening).await.expect("stories").is_empty(), "nothing stored");
}

/// The teller edits their story; then the steward marks the convening held.
fn edit_and_hold(path: PathBuf, base: &str, member: &str, steward: &str, story: i64, convening: i64) -> Result<()> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, member)?;
    open(&tab, &format!("{base}/stories/{story}"), "article")?;
    tab.find_element("article a[href$='/edit']")?.click()?;
    tab.wait_for_element("input[name=revision]")?;
    let title = tab.find_element("#title")?;
    title.click()?;
    js(&tab, "document.getElementById('title').select() || true")?;
    tab.send_character("Told again, better")?;
    tab.find_element("main button[type=submit]")?.click()?;
    tab.wait_for_element(".notice[role=status]").context("saved edit")?;
    let page = js(&tab, "document.querySelector('main').innerText")?;
    let page = page.as_str().unwrap_or_default();
    assert!(page.contains("Told again, better") && page.contains("version 2"), "edited story shown: {page}");
    tab.find_element("form[action='/signout'] button")?.click()?;
    tab.wait_for_element("a[href^='/signin']")?;

    sign_in(&tab, base, steward)?;
    open(&tab, &format!("{base}/convenings/{convening}/edit"), "#status")?;
    js(&tab, "(document.getElementById('status').value = 'held')")?;
    tab.find_element("main form[action$='/edit'] button[type=submit]")?.click()?;
    tab.wait_for_element("#matrix")?;
    let tag = js(&tab, "document.querySelector('main p .tag').textContent")?;
    assert_eq!(tag.as_str(), Some("held"), "the convening page shows the new status");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_teller_edits_a_story_and_a_steward_marks_the_convening_held_in_a_real_browser() {
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (steward, member, convening) = community_with_convening(&app.store, "browser-edit").await;
    let cv = app.store.convening(convening).await.unwrap().unwrap();
    let mut d = convene::service::convenings::draft_of(&cv);
    d.status = "planned".into();
    app.store.update_convening(convening, &d.validate().unwrap(), cv.version).await.unwrap();
    let draft = convene::domain::story::StoryDraft {
        title: "First telling".into(),
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: "We met.".into(),
            indicators: vec![],
        }],
    };
    let actor = convene::service::Actor::User(member.clone());
    let story = convene::service::stories::tell_story(&app.store, &actor, convening, &draft).await.unwrap();
    let base = app.url("");
    let (m, s) = (member.email.clone(), steward.email.clone());
    tokio::task::spawn_blocking(move || edit_and_hold(path, &base, &m, &s, story.id, convening))
        .await
        .expect("browser thread")
        .expect("browser journey");
    let saved = app.store.story(story.id).await.unwrap().unwrap();
    assert_eq!((saved.title.as_str(), saved.revision), ("Told again, better", 2));
    assert_eq!(app.store.story_revisions(story.id).await.unwrap()[0].title, "First telling");
    assert_eq!(app.store.convening(convening).await.unwrap().unwrap().status, "held");
}

/// On a 390-px phone: the holder of a later wave's link opens the question about their
/// earlier hope, says it happened, and is thanked. The pages run no script at all — they
/// have none, and their `Content-Security-Policy: script-src 'none'` forbids any — so this
/// is the journey of a phone without JavaScript (the driver's own DevTools calls are not
/// page scripts; turning scripts off in the browser would stop the driver's clicks too).
/// Returns the page's laid-out width.
fn follow_up_on_a_phone(path: PathBuf, url: &str, story: i64) -> Result<f64> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    tab.call_method(headless_chrome::protocol::cdp::Emulation::SetDeviceMetricsOverride {
        width: 390,
        height: 844,
        device_scale_factor: 2.0,
        mobile: true,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })?;
    open(&tab, url, "details.outcome summary")?;
    assert_eq!(js(&tab, "document.scripts.length")?, 0, "the page carries no script");
    tab.find_element("details.outcome summary")?.click()?;
    let textarea = format!("#outcome-{story}-applied");
    tab.wait_for_element(&textarea)?.click()?;
    tab.send_character("Twelve nurses trained in March")?;
    tab.find_element("details.outcome button[type=submit]")?.click()?;
    tab.wait_for_element(".notice[role=status]").context("thanked after the answer")?;
    let width = js(&tab, "document.documentElement.scrollWidth")?;
    width.as_f64().ok_or_else(|| anyhow!("no width"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follow_up_answer_works_on_a_390_px_phone_without_javascript() {
    // The policy that keeps every script out of the pages, checked on the answer page below.
    let csp_forbids_scripts = |h: &reqwest::header::HeaderMap| {
        h.get("content-security-policy").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("script-src 'none'"))
    };
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (steward, _, convening) = community_with_convening(&app.store, "browser-wave").await;
    let s = Actor::User(steward.clone());
    let today = convene::store::now()[..10].to_string();
    let wave = |name: &str| convene::domain::wave::WaveDraft {
        name: name.into(),
        opens_on: today.clone(),
        ..Default::default()
    };
    let first = waves::add_wave(&app.store, &s, convening, &wave("At the gathering")).await.unwrap();
    let later = waves::add_wave(&app.store, &s, convening, &wave("+3 months")).await.unwrap();
    let guest = convenings::add_participant(
        &app.store,
        &s,
        convening,
        &convenings::ParticipantDraft { name: "Gabi".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (token, _) = waves::issue_wave_link(&app.store, &s, first.id, guest.id).await.unwrap();
    let holder = convenings::open_answer_link(&app.store, &token).await.unwrap();
    let draft = convene::domain::story::StoryDraft {
        title: "A clinic to run".into(),
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "applied".into(),
            kind: "aspirational".into(),
            text: "I will train the nurses of my district.".into(),
            indicators: vec![],
        }],
    };
    let story = stories::tell_story(&app.store, &holder, convening, &draft).await.unwrap();
    let (later_token, _) = waves::issue_wave_link(&app.store, &s, later.id, guest.id).await.unwrap();
    let url = app.url(&format!("/answer/{later_token}"));
    assert!(csp_forbids_scripts(reqwest::get(&url).await.unwrap().headers()));
    let width = tokio::task::spawn_blocking(move || follow_up_on_a_phone(path, &url, story.id))
        .await
        .expect("browser thread")
        .expect("browser journey");
    assert!(width <= 390.0, "no sideways scrolling at 390 px: the page is {width} px wide");
    let after = app.store.story(story.id).await.unwrap().unwrap();
    assert_eq!(after.outcomes.len(), 1);
    assert_eq!(after.outcomes[0].status, convene::domain::wave::OutcomeStatus::Happened);
    assert_eq!(
        (after.outcomes[0].text.as_str(), after.outcomes[0].wave_id),
        ("Twelve nurses trained in March", Some(later.id))
    );
}

/// axe-core from the test set-up (`CONVENE_TEST_AXE`), or `None` after a loud skip.
fn axe_source() -> Option<String> {
    let source = std::env::var("CONVENE_TEST_AXE").ok().and_then(|p| std::fs::read_to_string(p).ok());
    if source.is_none() {
        skip("accessibility checks: no axe-core (run ./scripts/test.sh, which installs it into target/axe)");
    }
    source
}

fn set_width(tab: &Tab, width: u32) -> Result<()> {
    tab.call_method(headless_chrome::protocol::cdp::Emulation::SetDeviceMetricsOverride {
        width,
        height: 900,
        device_scale_factor: 1.0,
        mobile: width < 600,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })?;
    Ok(())
}

/// The controls on a page smaller than 44×44 px (WCAG 2.5.5's target size; a checkbox
/// or radio counts by its label), named for the failure message. Links inside running
/// text are exempt, as in WCAG.
const SMALL_TARGETS: &str = "Array.from(document.querySelectorAll('main button, main .button, main summary, main select, \
    main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main label.choice, header a, header button'))\
    .filter(e => e.offsetParent !== null).filter(e => { const r = e.getBoundingClientRect(); return r.height < 43.5 || r.width < 43.5; })\
    .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + ' \"' + (e.textContent || e.name || '').trim().slice(0, 20) + '\" ' + \
    Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height)).join(', ')";

/// Runs axe-core (WCAG 2.1 A and AA) on the page the tab shows, at the width it is set to,
/// and at 390 px measures its width and its tap targets; returns every problem as
/// "@ width: rule (targets)".
fn axe_current(tab: &Tab, what: &str, width: u32, axe: &str) -> Result<Vec<String>> {
    tab.evaluate(axe, false)?;
    let run = "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
               .then(r => JSON.stringify(r.violations.map(v => v.id + ' ' + JSON.stringify(v.nodes.map(n => n.target)))))";
    let found = tab.evaluate(run, true)?.value.ok_or_else(|| anyhow!("axe gave no answer on {what}"))?;
    let found: Vec<String> = serde_json::from_str(found.as_str().unwrap_or("[]"))?;
    let mut problems: Vec<String> = found.into_iter().map(|v| format!("@ {width}px: {v}")).collect();
    if width == 390 {
        let small = js(tab, SMALL_TARGETS)?;
        if small.as_str().is_some_and(|s| !s.is_empty()) {
            problems.push(format!("@ 390px: tap targets under 44×44 px: {small}"));
        }
        let w = js(tab, "document.documentElement.scrollWidth")?.as_f64().unwrap_or(0.0);
        if w > 390.0 {
            // Name the widest elements, so the failure says what to fix.
            let culprits = js(
                tab,
                "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391 \
                 && e.parentElement.getBoundingClientRect().right <= 391).slice(0, 4).map(e => e.tagName + (e.id ? '#' + e.id : '') + \
                 (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')",
            )?;
            problems.push(format!("@ 390px: {w} px wide (sideways scrolling): {culprits}"));
        }
    }
    Ok(problems)
}

/// [`axe_current`] with the page named: "page @ width: rule (targets)".
fn axe_here(tab: &Tab, page: &str, width: u32, axe: &str) -> Result<Vec<String>> {
    Ok(axe_current(tab, page, width, axe)?.into_iter().map(|p| format!("{page} {p}")).collect())
}

/// Runs axe-core on each page at 390 and 1280 px, signed in as `email`.
/// Signs in as `email`, runs axe-core on every page at 390 and 1280 px, and fails with
/// every problem found.
async fn assert_axe_clean(path: PathBuf, base: String, email: String, pages: Vec<String>, axe: String) {
    let problems = tokio::task::spawn_blocking(move || axe_pages(path, &base, &email, &pages, &axe))
        .await
        .expect("browser thread")
        .expect("browser run");
    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
}

fn axe_pages(path: PathBuf, base: &str, email: &str, pages: &[String], axe: &str) -> Result<Vec<String>> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, email)?;
    let mut problems = Vec::new();
    for page in pages {
        problems.extend(axe_one(&tab, &format!("{base}{page}"), axe)?.into_iter().map(|p| format!("{page} {p}")));
    }
    Ok(problems)
}

/// axe-core on one page at 390 and 1280 px, with the sideways-scrolling and tap-target
/// checks at 390 px; returns the problems as "@ width: rule (targets)".
fn axe_one(tab: &Tab, url: &str, axe: &str) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for width in [390, 1280] {
        set_width(tab, width)?;
        open(tab, url, "main")?;
        problems.extend(axe_current(tab, url, width, axe)?);
    }
    Ok(problems)
}

/// Chooses a KoboToolbox export on the field page and checks it, as a steward would (the
/// file input and the button, no JavaScript of ours) on a 390-px phone, and runs axe-core on
/// the preview at 390 and 1280 px; then again at 1280 px, confirms with the good rows, and
/// runs axe-core on the import's report.
fn upload_in_browser(
    path: PathBuf,
    base: &str,
    email: &str,
    convening: i64,
    file: &str,
    axe: &str,
) -> Result<Vec<String>> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, email)?;
    let mut problems = Vec::new();
    for (width, confirm) in [(390, false), (1280, true)] {
        set_width(&tab, width)?;
        open(&tab, &format!("{base}/convenings/{convening}/field"), "#file")?;
        tab.find_element("#file")?.set_input_files(&[file])?;
        tab.find_element("form[enctype='multipart/form-data'] button[type=submit]")?.click()?;
        tab.wait_for_element("#counts").context("the preview")?;
        let preview = js(&tab, "document.querySelector('main').innerText")?;
        let preview = preview.as_str().unwrap_or_default();
        assert!(preview.contains("Un atelier qui a changé"), "the preview lists the new stories: {preview}");
        assert!(preview.contains("is in the future"), "the preview lists the bad row: {preview}");
        if confirm {
            tab.find_element("form[action$='/field/confirm'] input[name=skip_bad]")?.click()?;
            tab.find_element("form[action$='/field/confirm'] button[type=submit]")?.click()?;
            tab.wait_for_element(".notice[role=status]").context("the import's report")?;
            let done = js(&tab, "document.querySelector('h1').innerText")?;
            assert_eq!(done.as_str().unwrap_or_default(), "Submissions imported");
            for w in [390, 1280] {
                set_width(&tab, w)?;
                problems.extend(axe_here(&tab, "the import's report", w, axe)?);
            }
        } else {
            for w in [390, 1280] {
                set_width(&tab, w)?;
                problems.extend(axe_here(&tab, "the upload's preview", w, axe)?);
            }
        }
    }
    Ok(problems)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_added_for_lifecycles_waves_and_mail_pass_axe_at_390_and_1280_px() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, _, convening) = community_with_convening(&app.store, "axe").await;
    let s = Actor::User(steward.clone());
    let today = convene::store::now()[..10].to_string();
    let wave = waves::add_wave(
        &app.store,
        &s,
        convening,
        &convene::domain::wave::WaveDraft { name: "Now".into(), opens_on: today, ..Default::default() },
    )
    .await
    .unwrap();
    let draft = convene::domain::story::StoryDraft {
        title: "Mine".into(),
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "applied".into(),
            kind: "aspirational".into(),
            text: "I will try.".into(),
            indicators: vec![],
        }],
    };
    let story = stories::tell_story(&app.store, &s, convening, &draft).await.unwrap();
    stories::edit_story(&app.store, &s, story.id, &draft, 1).await.unwrap();
    let guest = convenings::add_participant(
        &app.store,
        &s,
        convening,
        &convenings::ParticipantDraft { name: "Gabi".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (token, _) = waves::issue_wave_link(&app.store, &s, wave.id, guest.id).await.unwrap();
    let holder = convenings::open_answer_link(&app.store, &token).await.unwrap();
    stories::tell_story(&app.store, &holder, convening, &draft).await.unwrap();
    let shared = waves::create_shared_link(&app.store, &s, wave.id).await.unwrap();
    let pages = vec![
        "/c/axe".to_string(),
        "/c/axe/edit".to_string(),
        format!("/convenings/{convening}"),
        format!("/convenings/{convening}/edit"),
        format!("/waves/{}", wave.id),
        format!("/convenings/{convening}/field"),
        format!("/stories/{}", story.id),
        format!("/stories/{}/edit", story.id),
        format!("/stories/{}/revisions", story.id),
        format!("/stories/{}/delete", story.id),
        format!("/answer/{token}"),
        format!("/s/{shared}"),
        "/me".to_string(),
        "/reset".to_string(),
        "/unsubscribe/some-token".to_string(),
    ];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_and_evidence_pages_pass_axe_at_390_and_1280_px() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, member, convening) = community_with_convening(&app.store, "axr").await;
    let s = Actor::User(steward.clone());
    let step = |cycle: &str, kind: &str| convene::domain::story::StepDraft {
        cycle: cycle.into(),
        kind: kind.into(),
        text: "We met people from three countries and kept in touch.".into(),
        indicators: if cycle == "immediate" { vec!["networking".into()] } else { vec![] },
    };
    let draft = convene::domain::story::StoryDraft {
        title: "Open story".into(),
        language: "en".into(),
        visibility: "public".into(),
        show_name: true,
        steps: vec![step("immediate", "realized"), step("potential", "realized"), step("applied", "aspirational")],
    };
    stories::tell_story(&app.store, &Actor::User(member), convening, &draft).await.unwrap();
    stories::tell_story(&app.store, &s, convening, &draft).await.unwrap();
    let obs = convene::domain::evidence::ObservationDraft {
        indicator: "participation".into(),
        value: "12".into(),
        unit: "people".into(),
        ..Default::default()
    };
    convene::service::reports::record_observation(&app.store, &s, convening, &obs).await.unwrap();
    let costs = convene::domain::evidence::CostDraft {
        currency: "USD".into(),
        travel: "2400".into(),
        venue: "300".into(),
        ..Default::default()
    };
    convene::service::reports::set_costs(&app.store, &s, convening, &costs).await.unwrap();
    let pages = vec![
        "/c/axr/report".to_string(),
        "/c/axr/matrix".to_string(),
        format!("/convenings/{convening}/report"),
        format!("/convenings/{convening}/report?format=html"),
        format!("/convenings/{convening}/evidence"),
    ];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

/// The pages that connect a community to the world — its public page with public stories
/// and feed links, its settings, and the conversations on a convening, a story and the
/// framework (with a reply and a hidden comment, seen by a steward) — pass axe-core at 390
/// and 1280 px without sideways scrolling.
#[tokio::test(flavor = "multi_thread")]
async fn the_public_settings_and_comment_pages_pass_axe_at_390_and_1280_px() {
    use convene::service::comments::{self, Target};
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, member, convening) = community_with_convening(&app.store, "axc").await;
    let (s, m) = (Actor::User(steward.clone()), Actor::User(member.clone()));
    let draft = convene::domain::story::StoryDraft {
        title: "A story with a rather long title that has to wrap on a narrow phone screen".into(),
        language: "en".into(),
        visibility: "public".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: "We met people from three countries.".into(),
            indicators: vec![],
        }],
    };
    let story = stories::tell_story(&app.store, &m, convening, &draft).await.unwrap().id;
    let cid = app.store.community("axc").await.unwrap().unwrap().id;
    for target in [Target::Convening(convening), Target::Story(story), Target::Framework(cid)] {
        let c = comments::add_comment(
            &app.store,
            &m,
            target,
            None,
            "A first thought, with a link https://example.org/a/very/long/path/that/should/wrap/nicely",
        )
        .await
        .unwrap();
        comments::add_comment(&app.store, &s, target, Some(c.id), "A reply.").await.unwrap();
        let hidden = comments::add_comment(&app.store, &m, target, None, "Off topic.").await.unwrap();
        comments::set_hidden(&app.store, &s, hidden.id, true).await.unwrap();
    }
    let settings = convene::store::PublicSettings { list_address: "list@axc.example".into(), ..Default::default() };
    convene::service::connect::save_settings(&app.store, &s, "axc", &settings).await.unwrap();
    let pages = vec![
        "/c/axc".to_string(),
        "/c/axc/settings".to_string(),
        "/c/axc/framework".to_string(),
        format!("/convenings/{convening}"),
        format!("/stories/{story}"),
        "/me".to_string(),
    ];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

/// The planner's form and a saved plan with every second-stage section (why these
/// hosts, visas, virtual slots, the frontier chart, a budget) pass axe-core at 390 and
/// 1280 px without sideways scrolling.
#[tokio::test(flavor = "multi_thread")]
async fn the_planner_pages_pass_axe_at_390_and_1280_px() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, _, convening) = community_with_convening(&app.store, "axeplan").await;
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
    let request = convene::planner::PlanRequest {
        travellers,
        k: 2,
        slots: Some(convene::planner::SlotRequest {
            hours: 2.0,
            on: "2025-06-10".into(),
            window: "08:00-20:00".into(),
        }),
        hybrid: true,
        budget: Some(convene::planner::BudgetRequest { amount: 3000.0, spread: None }),
        ..convene::planner::PlanRequest::default()
    };
    let answer = convene::planner::plan(&request, &mut |_| {}).unwrap();
    let (params, result) = (serde_json::to_string(&request).unwrap(), serde_json::to_string(&answer).unwrap());
    let saved = app.store.save_plan(convening, "Everything", &params, &result, Some(steward.id)).await.unwrap();
    let pages = vec![format!("/convenings/{convening}/plan"), format!("/plans/{}", saved.id)];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

/// The field page's upload, its preview (new stories and a bad row) and the import's
/// report pass axe-core at 390 and 1280 px without sideways scrolling.
#[tokio::test(flavor = "multi_thread")]
async fn the_field_upload_preview_and_report_pass_axe_at_390_and_1280_px() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, _, convening) = community_with_convening(&app.store, "axf").await;
    let (form, settings) = crate::field::export_form(&app.store, convening).await;
    let mut subs = crate::field::stories_of_the_field();
    subs.push(crate::field::sub(
        "late",
        "2099-01-01T00:00:00Z",
        &[
            ("participant_name", "Zed"),
            ("story_title", "Later"),
            ("story_visibility", "public"),
            ("immediate_text", "x"),
        ],
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, crate::field::kobo_csv(&form, &settings, &subs, true)).unwrap();
    let file = file.display().to_string();
    let base = app.url("");
    let email = steward.email.clone();
    let problems = tokio::task::spawn_blocking(move || upload_in_browser(path, &base, &email, convening, &file, &axe))
        .await
        .expect("browser thread")
        .expect("browser run");
    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
    assert_eq!(app.store.stories(convening).await.unwrap().len(), 2, "the good rows, once");
}

/// A member proposes, in French, an indicator; a steward accepts it; a new story ticks it.
/// Returns the proposal's id.
fn propose_accept_and_tell(path: PathBuf, base: &str, member: &str, steward: &str, convening: i64) -> Result<i64> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    sign_in(&tab, base, member)?;
    open(&tab, &format!("{base}/c/fwb/proposals"), "#pr-reason")?;
    js(&tab, "document.querySelector('#pr-cycle').value = 'applied'")?;
    js(&tab, "document.querySelector('#pr-lang').value = 'fr'")?;
    type_into(&tab, "#pr-key", "networking")?;
    type_into(&tab, "#pr-name", "Relecture entre pairs")?;
    type_into(&tab, "#pr-reason", "Since the gathering we read each other's drafts.")?;
    // A key the framework already has: the form comes back with what was typed.
    tab.find_element("main form[action$='/proposals'] button[type=submit]")?.click()?;
    let error = tab.wait_for_element(".error[role=alert]").context("refused proposal")?.get_inner_text()?;
    assert!(error.contains("key is taken"), "{error}");
    assert_eq!(js(&tab, "document.querySelector('#pr-name').value")?, "Relecture entre pairs");
    assert_eq!(js(&tab, "document.querySelector('#pr-cycle').value")?, "applied");
    assert_eq!(js(&tab, "document.querySelector('#pr-lang').value")?, "fr");
    js(&tab, "document.querySelector('#pr-key').value = ''")?;
    type_into(&tab, "#pr-key", "peer_review")?;
    tab.find_element("main form[action$='/proposals'] button[type=submit]")?.click()?;
    tab.wait_for_element("form[action$='/support']").context("the proposal's page")?;
    let url = tab.get_url();
    let id: i64 = url
        .rsplit("/proposals/")
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow!("redirected to {url}, not a proposal"))?;
    tab.find_element("form[action$='/support'] button")?.click()?;
    tab.wait_for_element("#supported").context("supported")?;
    let main = js(&tab, "document.querySelector('main').innerText")?;
    assert!(main.as_str().unwrap_or_default().contains("1 supporter"), "{main}");

    // The steward, in another browser context and in French, accepts it.
    let context = chromium.browser.new_context()?;
    let st = context.new_tab()?;
    st.set_default_timeout(WAIT);
    st.set_extra_http_headers(HashMap::from([("Accept-Language", "fr")]))?;
    sign_in(&st, base, steward)?;
    open(&st, &format!("{base}/proposals/{id}"), "#pr-note")?;
    type_into(&st, "#pr-note", "Oui — merci !")?;
    st.find_element("button[name=decision][value=accept]")?.click()?;
    st.wait_for_element("#decided").context("decided")?;
    let page = js(&st, "document.querySelector('main').innerText")?;
    assert!(page.as_str().unwrap_or_default().contains("version 2"), "accepted into version 2: {page}");
    open(&st, &format!("{base}/c/fwb/framework?from=1&to=2"), "#diff")?;
    let diff = js(&st, "document.querySelector('.diff').innerText")?;
    assert!(diff.as_str().unwrap_or_default().contains("Relecture entre pairs"), "the diff shows it: {diff}");

    // The member's next story is told under version 2 and can tick the new indicator.
    open(&tab, &format!("{base}/convenings/{convening}/stories/new"), "#title")?;
    let label =
        js(&tab, "document.querySelector('input[name=ind_applied][value=peer_review]').parentElement.textContent")?;
    assert!(label.as_str().unwrap_or_default().contains("Relecture entre pairs"), "{label}");
    type_into(&tab, "#title", "Relire ensemble")?;
    // The form shows one cycle at a time: open the one this story is about.
    js(&tab, "document.querySelector('textarea[name=text_applied]').closest('details').open = true")?;
    type_into(&tab, "textarea[name=text_applied]", "We now review each other's proposals.")?;
    tab.find_element("input[name=ind_applied][value=peer_review]")?.click()?;
    tab.find_element("main button[type=submit]")?.click()?;
    tab.wait_for_element(".notice[role=status]").context("saved story")?;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_proposal_becomes_the_framework_version_a_new_story_uses_in_a_real_browser() {
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (steward, member, convening) = community_with_convening(&app.store, "fwb").await;
    let base = app.url("");
    let (m, s) = (member.email.clone(), steward.email.clone());
    let proposal = tokio::task::spawn_blocking(move || propose_accept_and_tell(path.clone(), &base, &m, &s, convening))
        .await
        .expect("browser thread")
        .expect("browser journey");
    let c = app.store.community("fwb").await.unwrap().unwrap();
    let v2 = app.store.framework(c.framework_id).await.unwrap().unwrap();
    assert_eq!(v2.version, 2);
    let p = app.store.proposal(proposal).await.unwrap().unwrap();
    assert_eq!((p.status.as_str(), p.result_version, p.note.as_str()), ("accepted", Some(2), "Oui — merci !"));
    let stories = app.store.stories(convening).await.unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0].framework_id, v2.id, "the new story is told under the new version");
    assert_eq!(stories[0].steps[0].indicators, ["peer_review"]);

    // The pages of this journey pass axe-core at 390 and 1280 px.
    let Some(axe) = axe_source() else { return };
    let Some(path) = chromium() else { return };
    let pages = vec![
        "/c/fwb/proposals".to_string(),
        format!("/proposals/{proposal}"),
        "/c/fwb/framework?from=1&to=2".to_string(),
    ];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

/// Presses Tab until the focused element matches `selector` (keyboard only), checking at
/// every stop that the focus can be seen (an outline of some width); returns how many
/// presses it took.
fn tab_to(tab: &Tab, selector: &str) -> Result<usize> {
    let check = format!(
        "(() => {{ const e = document.activeElement; if (!e || e === document.body) return 'body'; \
         const s = getComputedStyle(e); const ok = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
         return (e.matches({selector:?}) ? 'here ' : 'on ') + (ok ? 'visible ' : 'INVISIBLE ') + e.tagName + ' ' + (e.name || e.id || e.textContent.trim().slice(0, 20)); }})()"
    );
    for presses in 1..=80 {
        tab.press_key("Tab")?;
        let at = js(tab, &check)?;
        let at = at.as_str().unwrap_or_default();
        if at.contains("INVISIBLE") {
            return Err(anyhow!("the focus cannot be seen: {at}"));
        }
        if at.starts_with("here") {
            return Ok(presses);
        }
    }
    Err(anyhow!("Tab never reached {selector}"))
}

/// Arabic, which the story page must show right to left.
const ARABIC: &str = "التقينا بزملاء من ثلاثة بلدان";

/// Signs in and tells a two-cycle story with the keyboard alone (Tab, typing, Enter on a
/// summary and on the buttons), on a 390-px phone; returns the story page's direction of
/// the Arabic text and the story id.
fn keyboard_journey(path: PathBuf, base: &str, email: &str, convening: i64) -> Result<(String, i64)> {
    let chromium = Chromium::launch(path)?;
    let tab = chromium.tab()?;
    set_width(&tab, 390)?;
    open(&tab, &format!("{base}/signin"), "#email")?;
    tab_to(&tab, "#email")?;
    tab.send_character(email)?;
    tab_to(&tab, "#password")?;
    tab.send_character(PASSWORD)?;
    tab.press_key("Enter")?;
    tab.wait_for_element("form[action='/signout']").context("signed in with the keyboard")?;

    open(&tab, &format!("{base}/convenings/{convening}/stories/new"), "#title")?;
    tab_to(&tab, "#title")?;
    tab.send_character("Ce que nous avons appris")?;
    tab_to(&tab, "textarea[name=text_immediate]")?;
    tab.send_character(ARABIC)?;
    tab_to(&tab, "#cycle-applied summary")?;
    tab.press_key("Enter")?;
    tab_to(&tab, "textarea[name=text_applied]")?;
    tab.send_character("We plan a clinic next year.")?;
    // A radio group is one Tab stop (the ticked one); the arrows move the choice.
    tab_to(&tab, "input[name=kind_applied][value=realized]")?;
    tab.press_key("ArrowRight")?;
    tab_to(&tab, "main button[type=submit]")?;
    tab.press_key("Enter")?;
    tab.wait_for_element(".notice[role=status]").context("saved with the keyboard")?;
    let url = tab.get_url();
    let id = url.split("/stories/").nth(1).and_then(|r| r.strip_suffix("?told=1")).and_then(|n| n.parse().ok());
    let id: i64 = id.ok_or_else(|| anyhow!("redirected to {url}, not a story page"))?;
    let direction = js(
        &tab,
        "getComputedStyle(Array.from(document.querySelectorAll('.story-text')).find(e => e.textContent.includes('\u{0628}'))).direction",
    )?;
    Ok((direction.as_str().unwrap_or_default().to_string(), id))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_signs_in_and_tells_a_story_with_the_keyboard_alone_and_sees_the_focus() {
    let Some(path) = chromium() else { return };
    let app = spawn_app().await;
    let (_, member, convening) = community_with_convening(&app.store, "keys").await;
    let base = app.url("");
    let (direction, id) = tokio::task::spawn_blocking(move || keyboard_journey(path, &base, &member.email, convening))
        .await
        .expect("browser thread")
        .expect("keyboard journey");
    assert_eq!(direction, "rtl", "the Arabic step reads right to left (dir=auto)");
    let story = app.store.story(id).await.unwrap().unwrap();
    let steps: Vec<_> = story.steps.iter().map(|s| (s.cycle.as_str(), s.kind, s.text.as_str())).collect();
    assert_eq!(
        steps,
        [("immediate", StepKind::Realized, ARABIC), ("applied", StepKind::Aspirational, "We plan a clinic next year."),]
    );
}

/// The pages that were there before the accessibility checks: home, glossary, story form
/// (one cycle open and one closed), framework, travel model, a story told in Arabic,
/// the convening page with its filters, and sign-in (seen signed in, as the run signs in
/// first; the signed-out form is checked by the keyboard journey's own run below).
#[tokio::test(flavor = "multi_thread")]
async fn the_older_pages_pass_axe_at_390_and_1280_px() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let (steward, _, convening) = community_with_convening(&app.store, "axold").await;
    let draft = convene::domain::story::StoryDraft {
        title: "ما تعلمناه".into(),
        language: "ar".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: ARABIC.into(),
            indicators: vec!["networking".into()],
        }],
    };
    let story = stories::tell_story(&app.store, &Actor::User(steward.clone()), convening, &draft).await.unwrap();
    let pages = vec![
        "/".to_string(),
        "/glossary".to_string(),
        "/signin".to_string(),
        "/communities/new".to_string(),
        "/c/axold/framework".to_string(),
        "/c/axold/travel-model".to_string(),
        "/c/axold/convenings/new".to_string(),
        format!("/convenings/{convening}/stories/new"),
        format!("/convenings/{convening}?cycle=immediate&kind=realized"),
        format!("/stories/{}", story.id),
        "/no-such-page".to_string(),
    ];
    assert_axe_clean(path, app.url(""), steward.email.clone(), pages, axe).await;
}

/// Pages a visitor sees before signing in: home, sign-in, glossary, password reset, in
/// French and in European Portuguese too (longer words, other punctuation).
#[tokio::test(flavor = "multi_thread")]
async fn the_signed_out_pages_pass_axe_at_390_and_1280_px_in_three_languages() {
    let Some(path) = chromium() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let base = app.url("");
    let problems = tokio::task::spawn_blocking(move || -> Result<Vec<String>> {
        let chromium = Chromium::launch(path)?;
        let tab = chromium.tab()?;
        let mut problems = Vec::new();
        for lang in ["en", "fr", "pt-PT"] {
            tab.set_extra_http_headers(HashMap::from([("Accept-Language", lang)]))?;
            for page in ["/", "/signin", "/glossary", "/reset"] {
                problems
                    .extend(axe_one(&tab, &format!("{base}{page}"), &axe)?.into_iter().map(|p| format!("{lang} {p}")));
            }
        }
        Ok(problems)
    })
    .await
    .expect("browser thread")
    .expect("browser run");
    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
}
