//! E-mail through a real SMTP server (Python's aiosmtpd, from the test venv): wave
//! invitations and reminders, password resets, unsubscribing, retries and bounces, and
//! exactly-once sending with two senders at once.

use crate::helpers::{community_with_convening, get_page, post_form, sign_in, skip, spawn_app};
use convene::config::{Config, MailConfig};
use convene::domain::wave::WaveDraft;
use convene::mail::{Mailer, run_due};
use convene::service::{Actor, convenings, mail, waves};
use serde_json::Value;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The SMTP sink, stopped when dropped.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Sink {
    /// Starts the sink, or skips loudly (fails in CI) without the test venv's Python.
    fn start(extra: &[&str]) -> Option<Self> {
        let Some(python) = std::env::var("CONVENE_TEST_PYTHON")
            .ok()
            .filter(|p| Command::new(p).args(["-c", "import aiosmtpd"]).output().is_ok_and(|o| o.status.success()))
        else {
            skip("mail tests: no Python with aiosmtpd (run ./scripts/test.sh, which sets up target/test-venv)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink started");
        Some(Self { child, dir, port })
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in arrival order.
    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }
}

fn config(base_url: &str, smtp_url: &str) -> Config {
    Config {
        base_url: base_url.trim_end_matches('/').to_string(),
        mail: MailConfig { smtp_url: smtp_url.to_string(), ..MailConfig::default() },
        ..Config::default()
    }
}

fn link_in(text: &str, path: &str) -> String {
    let i = text.find(path).unwrap_or_else(|| panic!("no {path} link in {text}"));
    let start = text[..i].rfind("http").unwrap();
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// A wave open today that closes in `days`, with two participants who have addresses
/// (one writes French) and one without.
async fn wave_with_people(app: &crate::helpers::TestApp, slug: &str, days: i64) -> (convene::store::User, i64, i64) {
    let (steward, _, id) = community_with_convening(&app.store, slug).await;
    let s = Actor::User(steward.clone());
    let today = &convene::store::now()[..10];
    let closes = convene::domain::convening::format_date(
        convene::domain::convening::parse_date("d", today).unwrap() + time::Duration::days(days),
    );
    let w = waves::add_wave(
        &app.store,
        &s,
        id,
        &WaveDraft { name: "Now".into(), opens_on: today.into(), closes_on: closes, cycles: vec![] },
    )
    .await
    .unwrap();
    for (name, email) in [("Ana", "ana@x.org"), ("Bruno", "bruno@x.org"), ("No Mail", "")] {
        convenings::add_participant(
            &app.store,
            &s,
            id,
            &convenings::ParticipantDraft { name: name.into(), email: email.into(), ..Default::default() },
        )
        .await
        .unwrap();
    }
    let bruno = app.store.participants(id).await.unwrap().into_iter().find(|p| p.name == "Bruno").unwrap();
    convenings::edit_participant(&app.store, &s, bruno.id, &bruno.name, &bruno.email, "fr").await.unwrap();
    let e =
        convenings::edit_participant(&app.store, &s, bruno.id, &bruno.name, &bruno.email, "klingon").await.unwrap_err();
    assert_eq!(e.field().map(|f| f.code), Some("err-mail-language"));
    (steward, id, w.id)
}

#[tokio::test]
async fn a_wave_invitation_reaches_each_participant_once_in_their_language_with_a_working_link() {
    let Some(sink) = Sink::start(&[]) else { return };
    let app = spawn_app().await;
    let (steward, id, wid) = wave_with_people(&app, "mail1", 20).await;
    let s = Actor::User(steward.clone());
    assert_eq!(mail::invite_to_wave(&app.store, &s, wid).await.unwrap(), 2, "those with an address");
    assert_eq!(mail::invite_to_wave(&app.store, &s, wid).await.unwrap(), 0, "never twice");
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    let pass = run_due(&app.store, &mailer, 7).await.unwrap();
    assert_eq!((pass.sent, pass.failed, pass.retried), (2, 0, 0));
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 0, "a second pass sends nothing");
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    let to = |addr: &str| got.iter().find(|m| m["to"][0] == addr).unwrap().clone();
    let (ana, bruno) = (to("ana@x.org"), to("bruno@x.org"));
    assert!(ana["subject"].as_str().unwrap().contains("what value did it create"), "{ana}");
    assert!(bruno["subject"].as_str().unwrap().contains("quelle valeur"), "French for Bruno: {bruno}");
    assert!(ana["html"].as_str().unwrap().contains("<a href=\"http://"));
    assert!(!ana["html"].as_str().unwrap().contains("<img"), "no tracking pixel");
    // The absolute link works when followed, without an account.
    let link = link_in(ana["text"].as_str().unwrap(), "/answer/");
    assert!(link.starts_with(&app.url("/answer/")));
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Ana"));
    // The steward sees what was sent, on the wave page and through the API.
    let c = app.client();
    sign_in(&app, &c, &steward.email).await;
    let page = c.get(app.url(&format!("/waves/{wid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("ana@x.org") && page.contains("sent"));
    let outbox = mail::outbox(&app.store, &s, id).await.unwrap();
    assert!(outbox.iter().all(|m| m.state == "sent" && m.attempts == 1));
    // Unsubscribing (a button, not the link alone) stops further mail to that participant.
    let leave = link_in(ana["text"].as_str().unwrap(), "/unsubscribe/");
    let anon = app.client();
    let (form, csrf) = get_page(&anon, &leave).await;
    assert!(form.contains("No more e-mails"));
    assert!(
        app.store.participants(id).await.unwrap().iter().all(|p| p.unsubscribed_at.is_none()),
        "opening is not unsubscribing"
    );
    assert_eq!(post_form(&anon, leave.clone(), &[("csrf", csrf.as_str())]).await.status(), 200);
    let w2 = waves::add_wave(
        &app.store,
        &s,
        id,
        &WaveDraft { name: "Later".into(), opens_on: convene::store::now()[..10].into(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(mail::invite_to_wave(&app.store, &s, w2.id).await.unwrap(), 1, "only Bruno now");
}

#[tokio::test]
async fn a_reminder_goes_once_to_those_invited_who_have_not_answered() {
    let Some(sink) = Sink::start(&[]) else { return };
    let app = spawn_app().await;
    let (steward, id, wid) = wave_with_people(&app, "mail2", 5).await;
    let s = Actor::User(steward.clone());
    mail::invite_to_wave(&app.store, &s, wid).await.unwrap();
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    // The invitations go; the wave closes within 7 days: reminders are due — Ana answers first.
    let first = run_due(&app.store, &mailer, 0).await.unwrap();
    assert_eq!((first.sent, first.reminders_queued), (2, 0), "not due yet with 0 days' notice");
    let ana = app.store.participants(id).await.unwrap().into_iter().find(|p| p.name == "Ana").unwrap();
    let (token, _) = waves::issue_wave_link(&app.store, &s, wid, ana.id).await.unwrap();
    let holder = convenings::open_answer_link(&app.store, &token).await.unwrap();
    let d = convene::domain::story::StoryDraft {
        title: "Mine".into(),
        language: "en".into(),
        visibility: "community".into(),
        show_name: true,
        steps: vec![convene::domain::story::StepDraft {
            cycle: "immediate".into(),
            kind: "realized".into(),
            text: "We met".into(),
            indicators: vec![],
        }],
    };
    convene::service::stories::tell_story(&app.store, &holder, id, &d).await.unwrap();
    let second = run_due(&app.store, &mailer, 7).await.unwrap();
    assert_eq!((second.reminders_queued, second.sent), (1, 1));
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 0, "one reminder only");
    let got = sink.messages();
    let reminders: Vec<_> = got.iter().filter(|m| m["subject"].as_str().unwrap().starts_with("Rappel")).collect();
    assert_eq!(reminders.len(), 1, "{got:?}");
    assert_eq!(reminders[0]["to"][0], "bruno@x.org");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_a_mailed_single_use_link() {
    let Some(sink) = Sink::start(&[]) else { return };
    let (store, dir) = crate::helpers::sqlite_store().await;
    let app = crate::helpers::spawn_configured(store, Some(dir), config("http://127.0.0.1", &sink.url())).await;
    let (_, member, _) = community_with_convening(&app.store, "reset").await;
    let old = app.client();
    sign_in(&app, &old, &member.email).await;
    let anon = app.client();
    let (_, csrf) = get_page(&anon, &app.url("/reset")).await;
    let r = post_form(&anon, app.url("/reset"), &[("csrf", csrf.as_str()), ("email", member.email.as_str())]).await;
    assert_eq!(r.status(), 200);
    let r = post_form(&anon, app.url("/reset"), &[("csrf", csrf.as_str()), ("email", "nobody@x.org")]).await;
    assert!(
        r.text().await.unwrap().contains("If that address has an account"),
        "the same answer for unknown addresses"
    );
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 1);
    let m = &sink.messages()[0];
    assert_eq!(m["to"][0], member.email.as_str());
    let link = link_in(m["text"].as_str().unwrap(), "/reset/");
    let (_, csrf) = get_page(&anon, &link).await;
    let r = post_form(&anon, link.clone(), &[("csrf", csrf.as_str()), ("password", "short")]).await;
    assert_eq!(r.status(), 422);
    let r = post_form(&anon, link.clone(), &[("csrf", csrf.as_str()), ("password", "a fresh long password")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(old.get(app.url("/me")).send().await.unwrap().status(), 303, "old sessions are gone");
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 410, "single use");
    convene::service::accounts::sign_in(&app.store, &member.email, "a fresh long password").await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_retried_later_and_a_refused_address_is_not_retried_forever() {
    let Some(sink) = Sink::start(&["--reject-permanent", "ana@x.org"]) else { return };
    let app = spawn_app().await;
    let (steward, id, wid) = wave_with_people(&app, "mail3", 20).await;
    let s = Actor::User(steward.clone());
    mail::invite_to_wave(&app.store, &s, wid).await.unwrap();
    // Nobody listens on this port: both stay queued with the error, to be tried again.
    let down =
        Mailer::from_config(&config(&app.url(""), &format!("smtp://127.0.0.1:{}", free_port()))).unwrap().unwrap();
    let pass = run_due(&app.store, &down, 7).await.unwrap();
    assert_eq!((pass.sent, pass.retried), (0, 2));
    let out = mail::outbox(&app.store, &s, id).await.unwrap();
    assert!(out.iter().all(|m| m.state == "queued" && m.attempts == 1 && !m.last_error.is_empty()), "{out:?}");
    assert_eq!(run_due(&app.store, &down, 7).await.unwrap().retried, 0, "not before the backoff");
    // Due again (as if a minute passed): the sink takes Bruno's and refuses Ana's for good.
    app.store.execute_raw("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'").await.unwrap();
    let up = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    let pass = run_due(&app.store, &up, 7).await.unwrap();
    assert_eq!((pass.sent, pass.failed), (1, 1));
    let out = mail::outbox(&app.store, &s, id).await.unwrap();
    let ana = out.iter().find(|m| m.recipient == "ana@x.org").unwrap();
    assert_eq!(ana.state, "bounced");
    app.store.execute_raw("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'").await.unwrap();
    assert_eq!(run_due(&app.store, &up, 7).await.unwrap().sent, 0, "a bounce is not retried");
    assert_eq!(sink.messages().len(), 1);
}

/// A wave open today on the database at `url` with `n` invited participants (p0@x.org …);
/// returns the store and the convening id.
async fn invited(url: &str, slug: &str, n: usize) -> (convene::store::DynStore, i64) {
    let store = convene::store::open(url).await.unwrap();
    let (steward, _, id) = community_with_convening(&store, slug).await;
    let s = Actor::User(steward.clone());
    let today = &convene::store::now()[..10];
    let draft = WaveDraft { name: "Now".into(), opens_on: today.into(), ..Default::default() };
    let w = waves::add_wave(&store, &s, id, &draft).await.unwrap();
    for i in 0..n {
        let d =
            convenings::ParticipantDraft { name: format!("P{i}"), email: format!("p{i}@x.org"), ..Default::default() };
        convenings::add_participant(&store, &s, id, &d).await.unwrap();
    }
    assert_eq!(mail::invite_to_wave(&store, &s, w.id).await.unwrap(), n);
    (store, id)
}

/// `convene mail run-due` as cron would start it, against that database and the sink.
fn run_due_process(url: &str, sink: &Sink) -> Child {
    Command::new(env!("CARGO_BIN_EXE_convene"))
        .args(["mail", "run-due"])
        .env("CONVENE_DATABASE_URL", url)
        .env("CONVENE_SMTP_URL", sink.url())
        .env("CONVENE_BASE_URL", "http://convene.test")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn two_senders_at_once_send_each_message_once() {
    let Some(sink) = Sink::start(&[]) else { return };
    // Two processes on one PostgreSQL database when there is one, else two on one SQLite file.
    let (url, _dir) = if let Some(url) = crate::helpers::postgres_url().await {
        (url, None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        (dir.path().join("convene.db").to_string_lossy().into_owned(), Some(dir))
    };
    let _ = invited(&url, "many", 40).await;
    let run = || run_due_process(&url, &sink);
    let (a, b) = (run(), run());
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = sink.messages();
    let mut to: Vec<String> = got.iter().map(|m| m["to"][0].as_str().unwrap().to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!((got.len(), to.len()), (40, 40), "each of 40 messages exactly once");
}

#[tokio::test]
async fn a_sender_killed_mid_conversation_loses_nothing_and_sends_nothing_twice() {
    let Some(sink) = Sink::start(&["--delay-rcpt", "1.5"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("convene.db").to_string_lossy().into_owned();
    let (store, id) = invited(&url, "kill", 3).await;
    let run = || run_due_process(&url, &sink);
    // Killed (-9) as soon as it has leased a message: the server is slow to answer its
    // recipient, so the kill lands before the server accepted anything.
    let mut first = run();
    for _ in 0..200 {
        let out = mail::outbox(&store, &Actor::Operator, id).await.unwrap();
        if out.iter().any(|m| m.state == "sending") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(sink.messages().is_empty(), "nothing was accepted before the kill");
    let states = |store: convene::store::DynStore| async move {
        let mut v: Vec<String> =
            mail::outbox(&store, &Actor::Operator, id).await.unwrap().into_iter().map(|m| m.state).collect();
        v.sort();
        v
    };
    assert_eq!(states(store.clone()).await, ["queued", "queued", "sending"], "one message leased by the dead sender");
    // A new sender sends the others; the leased one waits for its lease to run out …
    assert!(run().wait().unwrap().success());
    assert_eq!(sink.messages().len(), 2);
    // … and is sent once it has (here: the lease is made to run out at once).
    store.execute_raw("UPDATE outbox SET lease_until = '2000-01-01T00:00:00Z' WHERE state = 'sending'").await.unwrap();
    assert!(run().wait().unwrap().success());
    let got = sink.messages();
    let mut to: Vec<String> = got.iter().map(|m| m["to"][0].as_str().unwrap().to_string()).collect();
    to.sort();
    assert_eq!(to, ["p0@x.org", "p1@x.org", "p2@x.org"], "each once: nothing lost, nothing twice");
    assert_eq!(states(store.clone()).await, ["sent", "sent", "sent"]);
}

#[tokio::test]
async fn a_newcomer_invited_by_e_mail_joins_through_the_mailed_single_use_link() {
    let Some(sink) = Sink::start(&[]) else { return };
    let (store, dir) = crate::helpers::sqlite_store().await;
    let app = crate::helpers::spawn_configured(store, Some(dir), config("http://127.0.0.1", &sink.url())).await;
    let (steward, _, _) = community_with_convening(&app.store, "join").await;
    let s = app.client();
    sign_in(&app, &s, &steward.email).await;
    let (_, csrf) = get_page(&s, &app.url("/c/join")).await;
    let r = post_form(
        &s,
        app.url("/c/join/invites"),
        &[("csrf", csrf.as_str()), ("role", "member"), ("email", "newcomer@x.org")],
    )
    .await;
    assert!(r.text().await.unwrap().contains("An invitation is on its way to newcomer@x.org"));
    let r = post_form(
        &s,
        app.url("/c/join/invites"),
        &[("csrf", csrf.as_str()), ("role", "member"), ("email", "not an address")],
    )
    .await;
    assert!(r.text().await.unwrap().contains("does not look like an e-mail address"));
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 1);
    let m = &sink.messages()[0];
    assert_eq!(m["to"][0], "newcomer@x.org");
    assert!(m["subject"].as_str().unwrap().contains("Test community"));
    let link = link_in(m["text"].as_str().unwrap(), "/join/");
    let n = app.client();
    let (_, csrf) = get_page(&n, &link).await;
    let r = post_form(
        &n,
        link.clone(),
        &[("csrf", csrf.as_str()), ("name", "New Comer"), ("email", "newcomer@x.org"), ("password", "longenough")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 410, "single use");
}

#[tokio::test]
async fn the_digest_reaches_the_list_once_per_period_with_only_public_words() {
    use convene::service::{ServiceError, connect};
    let Some(sink) = Sink::start(&[]) else { return };
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, "dig1").await;
    let (s, m) = (Actor::User(steward.clone()), Actor::User(member.clone()));
    let mut told = Vec::new();
    for (title, visibility, text) in
        [("Open words", "public", "We met."), ("Members only", "community", "DIGESTMARKER91 private words")]
    {
        let d = convene::domain::story::StoryDraft {
            title: title.into(),
            language: "en".into(),
            visibility: visibility.into(),
            show_name: false,
            steps: vec![convene::domain::story::StepDraft {
                cycle: "immediate".into(),
                kind: "realized".into(),
                text: text.into(),
                indicators: vec![],
            }],
        };
        told.push(convene::service::stories::tell_story(&app.store, &m, cv, &d).await.unwrap().id);
    }
    let e = connect::send_digest(&app.store, &s, "dig1", time::OffsetDateTime::now_utc().date()).await.unwrap_err();
    assert_eq!(e.field().map(|f| f.code), Some("err-digest-address"), "no list yet");
    let settings = convene::store::PublicSettings {
        list_address: "list@dig1.example".into(),
        digest_monthly: true,
        ..Default::default()
    };
    connect::save_settings(&app.store, &s, "dig1", &settings).await.unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    connect::send_digest(&app.store, &s, "dig1", today).await.unwrap();
    let again = connect::send_digest(&app.store, &s, "dig1", today).await.unwrap_err();
    assert!(matches!(again, ServiceError::Conflict("already-sent")), "{again:?}");
    // Last month's digest: queued once however often the sender passes.
    assert_eq!(connect::schedule_digests(&app.store, today).await.unwrap(), 1);
    assert_eq!(connect::schedule_digests(&app.store, today).await.unwrap(), 0);
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    let pass = run_due(&app.store, &mailer, 7).await.unwrap();
    assert_eq!((pass.sent, pass.failed, pass.digests_queued), (2, 0, 0), "{pass:?}");
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 0, "exactly once");
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    for msg in &got {
        assert_eq!(msg["to"], serde_json::json!(["list@dig1.example"]));
        let text = msg["text"].as_str().unwrap();
        assert!(!text.contains("DIGESTMARKER91") && !msg["html"].as_str().unwrap().contains("DIGESTMARKER91"));
        assert!(text.contains("Regional gathering") || text.contains("No new story"), "{text}");
    }
    let now_digest = got.iter().find(|m| m["text"].as_str().unwrap().contains("Open words")).expect("today's digest");
    let link = link_in(now_digest["text"].as_str().unwrap(), &format!("/stories/{}", told[0]));
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200, "the link in the digest works for anyone");
    assert!(!now_digest["text"].as_str().unwrap().contains(&format!("/stories/{}", told[1])));
}

#[tokio::test]
async fn a_comment_mails_those_who_asked_and_may_still_see_it() {
    use convene::service::{comments, connect};
    let Some(sink) = Sink::start(&[]) else { return };
    let app = spawn_app().await;
    let (steward, member, cv) = community_with_convening(&app.store, "cmail").await;
    let (s, m) = (Actor::User(steward.clone()), Actor::User(member.clone()));
    let stranger = crate::helpers::user(&app.store, "stranger@cmail.example", "Sam Stranger").await;
    for who in [&m, &Actor::User(stranger.clone())] {
        connect::set_prefs(&app.store, who, convene::store::UserPrefs { share_place: false, notify_comments: true })
            .await
            .unwrap();
    }
    let d = convene::domain::story::StoryDraft {
        title: "Mine".into(),
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
    let story = convene::service::stories::tell_story(&app.store, &m, cv, &d).await.unwrap();
    // The steward (who did not opt in) comments on the member's story: the teller hears of it.
    let c = comments::add_comment(&app.store, &s, comments::Target::Story(story.id), None, "What came of it?")
        .await
        .unwrap();
    // The member answers: the steward did not ask for mail, the member wrote it.
    comments::add_comment(&app.store, &m, comments::Target::Story(story.id), Some(c.id), "A new project.")
        .await
        .unwrap();
    let mailer = Mailer::from_config(&config(&app.url(""), &sink.url())).unwrap().unwrap();
    assert_eq!(run_due(&app.store, &mailer, 7).await.unwrap().sent, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["to"], serde_json::json!([member.email]));
    let text = got[0]["text"].as_str().unwrap();
    assert!(text.contains("Stella Steward") && text.contains("What came of it?"), "{text}");
    let link = link_in(text, &format!("/stories/{}#comment-{}", story.id, c.id));
    assert!(link.starts_with(&app.url("/stories/")), "{link}");
}
