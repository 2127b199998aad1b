//! Test fixtures: fresh databases on each backend, the app on a random port, signed-in
//! clients.

use convene::store::{self, DynStore};
use convene::web::{AppState, hash_password};
use std::net::SocketAddr;

/// Whether a missing outside part (PostgreSQL, Chromium, a validator) must fail the run
/// instead of skipping: CI sets `CI=true`.
pub fn must_not_skip() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Says loudly that a test skips its outside part, or fails when in CI. The line also
/// goes to `target/skipped-tests.txt`, which `scripts/test.sh` prints at the end (cargo
/// hides a passing test's output).
pub fn skip(what: &str) {
    assert!(!must_not_skip(), "{what} is required in CI but is missing");
    eprintln!("\n!!! SKIPPED: {what} !!!\n");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        use std::io::Write;
        let _ = writeln!(f, "{what}");
    }
}

/// A SQLite database in a fresh temporary directory (kept alive by the returned guard).
pub async fn sqlite_store() -> (DynStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("convene.db");
    let store = store::open(path.to_str().expect("utf-8 path")).await.expect("open sqlite");
    (store, dir)
}

/// URL of a brand-new PostgreSQL database on the server named by
/// `CONVENE_TEST_POSTGRES_URL`, or `None` (with a loud message) when it is not set.
pub async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("CONVENE_TEST_POSTGRES_URL") else {
        skip("PostgreSQL tests (set CONVENE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test)");
        return None;
    };
    let name = format!("convene_test_{}", &convene::web::new_token().to_lowercase().replace(['-', '_'], "")[..16]);
    let admin = sqlx::PgPool::connect(&base).await.expect("connect to CONVENE_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let (head, _) = base.split('?').next().unwrap_or(&base).rsplit_once('/').expect("URL with a database name");
    Some(format!("{head}/{name}"))
}

pub async fn postgres_store() -> Option<DynStore> {
    let url = postgres_url().await?;
    Some(store::open(&url).await.expect("open postgres"))
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: DynStore,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    /// A client that keeps cookies, as a browser does, and does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}

/// Starts the app on a random port over a fresh database: SQLite, or PostgreSQL when
/// `CONVENE_TEST_BACKEND=postgres` (`scripts/test.sh` runs the page and API tests both
/// ways when `CONVENE_TEST_POSTGRES_URL` is set).
pub async fn spawn_app() -> TestApp {
    if std::env::var("CONVENE_TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        let store = postgres_store().await.expect("CONVENE_TEST_BACKEND=postgres needs CONVENE_TEST_POSTGRES_URL");
        return spawn_with(store, None).await;
    }
    let (store, dir) = sqlite_store().await;
    spawn_with(store, Some(dir)).await
}

pub async fn spawn_with(store: DynStore, dir: Option<tempfile::TempDir>) -> TestApp {
    spawn_configured(store, dir, convene::config::Config::default()).await
}

/// Starts the app with the given settings (e.g. mail on).
pub async fn spawn_configured(
    store: DynStore,
    dir: Option<tempfile::TempDir>,
    config: convene::config::Config,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::with_config(store.clone(), config);
    tokio::spawn(async move {
        let _ = convene::web::serve(listener, state).await;
    });
    TestApp { addr, store, _dir: dir }
}

pub const PASSWORD: &str = "correct horse battery";

/// Creates a user who can sign in with [`PASSWORD`].
pub async fn user(store: &DynStore, email: &str, name: &str) -> convene::store::User {
    let hash = hash_password(PASSWORD).expect("hash");
    store.create_user(email, name, Some(&hash), false).await.expect("create user")
}

/// The value of the hidden `csrf` field on a page.
pub fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("page has a csrf field") + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap_or_default().to_string()
}

/// GETs a page and returns its body and CSRF token.
pub async fn get_page(client: &reqwest::Client, url: &str) -> (String, String) {
    let body = client.get(url).send().await.expect("get").text().await.expect("body");
    let csrf = if body.contains("name=\"csrf\"") { csrf_of(&body) } else { String::new() };
    (body, csrf)
}

/// Posts a form as a browser does.
pub async fn post_form(client: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(fields).send().await.expect("post")
}

/// Signs a client in through the form.
pub async fn sign_in(app: &TestApp, client: &reqwest::Client, email: &str) {
    let (_, csrf) = get_page(client, &app.url("/signin")).await;
    let resp = client
        .post(app.url("/signin"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 303, "sign-in should redirect");
}

/// A community `slug` with a steward and a member, a held convening with both as
/// participants; returns (steward, member, convening id).
pub async fn community_with_convening(
    store: &DynStore,
    slug: &str,
) -> (convene::store::User, convene::store::User, i64) {
    use convene::domain::convening::ConveningDraft;
    let steward = user(store, &format!("steward@{slug}.example"), "Stella Steward").await;
    let member = user(store, &format!("member@{slug}.example"), "Moussa Member").await;
    let fw = convene::domain::framework::preset("km4dev-experiment").expect("preset");
    let c = store.create_community(slug, "Test community", "", fw, Some(steward.id)).await.expect("community");
    store.add_member(c.id, member.id, convene::domain::Role::Member).await.expect("member");
    let draft = ConveningDraft {
        title: "Regional gathering".into(),
        mode: "in_person".into(),
        starts_on: "2026-03-10".into(),
        ends_on: "2026-03-12".into(),
        place: "Nairobi".into(),
        status: "held".into(),
        description: String::new(),
    };
    let cv = store.create_convening(c.id, &draft.validate().expect("valid")).await.expect("convening");
    store.add_participant(cv.id, Some(steward.id), &steward.name, "").await.expect("p1");
    store.add_participant(cv.id, Some(member.id), &member.name, "").await.expect("p2");
    (steward, member, cv.id)
}

/// Follows a planner form's answer: a background job's page is polled (as its refresh does)
/// until it redirects to the saved plan (303) or shows the form with the planner's refusal.
pub async fn finish_plan(
    client: &reqwest::Client,
    app: &TestApp,
    resp: reqwest::Response,
    lang: &str,
) -> reqwest::Response {
    let Some(job) =
        resp.headers().get("location").and_then(|l| l.to_str().ok()).filter(|l| l.starts_with("/plan-jobs/"))
    else {
        return resp;
    };
    let job = job.to_string();
    for _ in 0..600 {
        let r = client.get(app.url(&job)).header("accept-language", lang).send().await.expect("poll");
        if r.status() != 200 {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the planner job {job} did not finish in a minute");
}

/// A fresh API token for a user.
pub async fn token_for(app: &TestApp, user_id: i64) -> String {
    let t = convene::web::new_token();
    app.store.create_api_token(&convene::web::hash_token(&t), user_id, "test", None).await.expect("token");
    t
}

/// Sends a JSON API request (with a bearer token if given); returns the status and the
/// JSON body (`null` when there is none).
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut r = reqwest::Client::new().request(method.parse().expect("method"), app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}
