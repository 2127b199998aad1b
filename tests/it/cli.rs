//! The `convene` binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn convene(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_convene"))
        .args(args)
        .current_dir(dir)
        .env_remove("CONVENE_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run convene");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn user_add_then_token_issue_prints_only_a_working_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = convene(
        dir.path(),
        &["user", "add", "--email", "Admin@X.org", "--name", "Ada Admin", "--admin"],
        "s3cret-password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("convene.db").exists(), "the default database is ./convene.db");
    let out = convene(dir.path(), &["user", "add", "--email", "admin@x.org", "--name", "Again"], "s3cret-password\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("exists already"));
    let out = convene(dir.path(), &["user", "add", "--email", "b@x.org", "--name", "B"], "short\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("at least 8"));
    let out = convene(dir.path(), &["token", "issue", "--email", "admin@x.org"], "");
    assert!(out.status.success());
    let token = text(&out.stdout);
    assert_eq!(token.lines().count(), 1);
    let token = token.trim();
    assert!(token.len() >= 40 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = convene::store::open(dir.path().join("convene.db").to_str().unwrap()).await.unwrap();
        let u = store.token_user(&convene::web::hash_token(token)).await.unwrap().unwrap();
        assert!(u.is_admin && u.email == "admin@x.org");
    });
    let out = convene(dir.path(), &["token", "issue", "--email", "nobody@x.org"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).starts_with("error: no user"));
}

#[test]
fn export_then_import_into_an_empty_database_round_trips_identically() {
    let dir = tempfile::tempdir().unwrap();
    assert!(convene(dir.path(), &["demo"], "").status.success());
    let again = convene(dir.path(), &["demo"], "");
    assert!(text(&again.stderr).contains("nothing changed"), "demo seeds once");
    let first = convene(dir.path(), &["export", "--community", "km4dev-demo"], "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(doc["stories"].as_array().unwrap().len(), 20);
    assert_eq!(doc["plans"].as_array().unwrap().len(), 1, "the demo's saved plan is exported");
    assert_eq!(doc["travel_model"]["known_fares"][0]["fare"], 475.0);
    assert_eq!(doc["convenings"][0]["observations"].as_array().unwrap().len(), 3, "the demo's observations");
    assert_eq!(doc["convenings"][0]["costs"]["currency"], "USD", "and its recorded costs");
    let comments = doc["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 4, "the demo's comments");
    assert_eq!(comments[1]["parent"], 1, "a reply names the comment it answers");
    assert_eq!(comments[3]["on"], "framework");
    assert!(!text(&first.stdout).contains("argon2"), "no password hashes in exports");
    std::fs::write(dir.path().join("export.json"), &first.stdout).unwrap();
    let out = convene(dir.path(), &["--database-url", "other.db", "import", "export.json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = convene(dir.path(), &["--database-url", "other.db", "export", "--community", "km4dev-demo"], "");
    assert_eq!(text(&second.stdout), text(&first.stdout));
    let out = convene(dir.path(), &["--database-url", "other.db", "import", "export.json"], "");
    assert!(!out.status.success(), "importing over an existing community is refused");
}

#[test]
fn a_broken_import_names_the_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(convene(dir.path(), &["demo"], "").status.success());
    let out = convene(dir.path(), &["export", "--community", "km4dev-demo"], "");
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["stories"][5]["steps"][0]["cycle"] = "nonsense".into();
    std::fs::write(dir.path().join("bad.json"), doc.to_string()).unwrap();
    let out = convene(dir.path(), &["--database-url", "fresh.db", "import", "bad.json"], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("stories[5]") && err.contains("nonsense"), "{err}");
    let list = convene(dir.path(), &["--database-url", "fresh.db", "export", "--community", "km4dev-demo"], "");
    assert!(!list.status.success(), "nothing was imported");
    std::fs::write(dir.path().join("junk.json"), "{").unwrap();
    let out = convene(dir.path(), &["import", "junk.json"], "");
    assert!(text(&out.stderr).contains("caused by"), "errors print their cause chain");
}

#[test]
fn revisions_hidden_stories_and_removed_participants_survive_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    assert!(convene(dir.path(), &["demo"], "").status.success());
    let db = dir.path().join("convene.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use convene::service::{Actor, convenings, stories};
        let store = convene::store::open(db.to_str().unwrap()).await.unwrap();
        let c = store.community("km4dev-demo").await.unwrap().unwrap();
        let cv = store.convenings(c.id).await.unwrap().into_iter().last().unwrap();
        let all = store.stories(cv.id).await.unwrap();
        let mine = all.iter().find(|s| s.teller_user_id.is_some()).unwrap();
        let teller = Actor::User(store.user(mine.teller_user_id.unwrap()).await.unwrap().unwrap());
        let mut d = convene::domain::story::StoryDraft {
            title: "Told again".into(),
            language: mine.language.clone(),
            visibility: mine.visibility.as_str().into(),
            show_name: mine.show_name,
            steps: Vec::new(),
        };
        d.steps = mine
            .steps
            .iter()
            .map(|s| convene::domain::story::StepDraft {
                cycle: s.cycle.clone(),
                kind: s.kind.as_str().into(),
                text: format!("{} (edited)", s.text),
                indicators: s.indicators.clone(),
            })
            .collect();
        stories::edit_story(&store, &teller, mine.id, &d, 1).await.unwrap();
        let (steward, _) = store.user_by_email(convene::demo::DEMO_STEWARD).await.unwrap().unwrap();
        let steward = Actor::User(steward);
        let other = all.iter().find(|s| s.id != mine.id).unwrap();
        stories::set_hidden(&store, &steward, other.id, true).await.unwrap();
        let p = store.participants(cv.id).await.unwrap().into_iter().next().unwrap();
        convenings::remove_participant(&store, &steward, p.id).await.unwrap();
    });
    let first = convene(dir.path(), &["export", "--community", "km4dev-demo"], "");
    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let stories = doc["stories"].as_array().unwrap();
    assert!(
        stories.iter().any(|s| s["revision"] == 2 && s["revisions"][0]["revision"] == 1 && s["title"] == "Told again")
    );
    assert!(stories.iter().any(|s| s["hidden"] == true));
    assert!(
        doc["convenings"].as_array().unwrap().iter().any(|c| c["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| !p["removed_at"].is_null()))
    );
    std::fs::write(dir.path().join("export.json"), &first.stdout).unwrap();
    let out = convene(dir.path(), &["--database-url", "copy.db", "import", "export.json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = convene(dir.path(), &["--database-url", "copy.db", "export", "--community", "km4dev-demo"], "");
    assert_eq!(text(&second.stdout), text(&first.stdout));
}

#[test]
fn an_import_that_fails_half_way_leaves_nothing_behind_and_a_retry_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    assert!(convene(dir.path(), &["demo"], "").status.success());
    let out = convene(dir.path(), &["export", "--community", "km4dev-demo"], "");
    let doc: convene::interop::json::Export = serde_json::from_slice(&out.stdout).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = convene::store::open(dir.path().join("fresh.db").to_str().unwrap()).await.unwrap();
        // The database refuses the 15th story step, long after users, the community,
        // convenings and the first stories were written.
        store
            .execute_raw("CREATE TRIGGER fail_late BEFORE INSERT ON story_steps WHEN (SELECT COUNT(*) FROM story_steps) >= 14 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
            .await
            .unwrap();
        let op = convene::service::Actor::Operator;
        let err = convene::service::import::import_community(&store, &op, &doc).await.unwrap_err();
        assert!(format!("{err:#}").contains("injected failure"), "{err:#}");
        assert!(store.community("km4dev-demo").await.unwrap().is_none());
        assert!(store.user_by_email(convene::demo::DEMO_STEWARD).await.unwrap().is_none(), "no user left behind");
        store.execute_raw("DROP TRIGGER fail_late").await.unwrap();
        convene::service::import::import_community(&store, &op, &doc).await.unwrap();
        assert!(store.community("km4dev-demo").await.unwrap().is_some());
        // Only the operator or a site admin imports.
        let member = store.user_by_email("amina@demo.convene.example").await.unwrap().unwrap().0;
        let mut other = doc.clone();
        other.community.slug = "copy".into();
        assert!(convene::service::import::import_community(&store, &convene::service::Actor::User(member), &other).await.is_err());
    });
}

#[test]
fn operators_set_passwords_and_list_and_revoke_tokens() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        convene(dir.path(), &["user", "add", "--email", "op@x.org", "--name", "Op"], "first password\n")
            .status
            .success()
    );
    let out = convene(dir.path(), &["user", "set-password", "--email", "op@x.org"], "second password\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = convene(dir.path(), &["user", "set-password", "--email", "nobody@x.org"], "second password\n");
    assert!(!out.status.success() && text(&out.stderr).contains("no user"));
    let token = text(
        &convene(
            dir.path(),
            &["token", "issue", "--email", "op@x.org", "--name", "backup job", "--expires-days", "7"],
            "",
        )
        .stdout,
    );
    let list = text(&convene(dir.path(), &["token", "list", "--email", "op@x.org"], "").stdout);
    assert!(list.contains("backup job"), "{list}");
    let id = list.lines().nth(1).unwrap().split('\t').next().unwrap().to_string();
    assert!(convene(dir.path(), &["token", "revoke", "--email", "op@x.org", "--id", &id], "").status.success());
    let again = convene(dir.path(), &["token", "revoke", "--email", "op@x.org", "--id", &id], "");
    assert!(!again.status.success(), "revoking twice says so");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = convene::store::open(dir.path().join("convene.db").to_str().unwrap()).await.unwrap();
        assert!(store.token_user(&convene::web::hash_token(token.trim())).await.unwrap().is_none());
        convene::service::accounts::sign_in(&store, "op@x.org", "second password").await.unwrap();
    });
}

#[test]
fn configuration_layers_file_then_environment_then_flags() {
    use convene::config::{Config, Overrides};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("convene.toml");
    std::fs::write(
        &file,
        "addr = \"0.0.0.0:9000\"\ndatabase_url = \"from-file.db\"\nsession_days = 7\n[planner]\nmax_k = 4\n",
    )
    .unwrap();
    let none = Overrides::default();
    let env =
        |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect::<Vec<_>>();
    let c = Config::load_from(Some(&file), &none, env(&[])).unwrap();
    assert_eq!(
        (c.addr.as_str(), c.database_url.as_str(), c.session_days, c.planner.max_k),
        ("0.0.0.0:9000", "from-file.db", 7, 4)
    );
    assert_eq!(c.body_limit, Config::default().body_limit, "unset settings keep their default");
    let c = Config::load_from(
        Some(&file),
        &none,
        env(&[("CONVENE_DATABASE_URL", "from-env.db"), ("CONVENE_PLANNER__MAX_K", "6")]),
    )
    .unwrap();
    assert_eq!((c.database_url.as_str(), c.planner.max_k, c.addr.as_str()), ("from-env.db", 6, "0.0.0.0:9000"));
    let flags = Overrides { database_url: Some("from-flag.db".into()), ..Overrides::default() };
    let c = Config::load_from(Some(&file), &flags, env(&[("CONVENE_DATABASE_URL", "from-env.db")])).unwrap();
    assert_eq!(c.database_url, "from-flag.db");
    // The file named by CONVENE_CONFIG; a missing or wrong file is an error, not a silent default.
    let c = Config::load_from(None, &none, env(&[("CONVENE_CONFIG", file.to_str().unwrap())])).unwrap();
    assert_eq!(c.session_days, 7);
    assert!(Config::load_from(Some(&dir.path().join("missing.toml")), &none, env(&[])).is_err());
    std::fs::write(&file, "sesion_days = 3\n").unwrap();
    let e = Config::load_from(Some(&file), &none, env(&[])).unwrap_err();
    assert!(format!("{e}").contains("sesion_days"), "{e}");
    assert!(Config::load_from(None, &none, env(&[("CONVENE_SESSION_DAYS", "soon")])).is_err());
    // `convene config default` prints a file that reads back as the defaults.
    let out = convene(dir.path(), &["config", "default"], "");
    let printed: Config = toml::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(printed, Config::default());
    std::fs::write(dir.path().join("convene.toml"), "database_url = \"picked-up.db\"\n").unwrap();
    let shown = text(&convene(dir.path(), &["config", "show"], "").stdout);
    assert!(shown.contains("picked-up.db"), "./convene.toml is read: {shown}");
}
