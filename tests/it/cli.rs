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
