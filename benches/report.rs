//! `cargo bench --bench report`: the report at scale. Builds a synthetic community of
//! 100,000 stories across 200 convenings (one of them with 10,000 stories) in a SQLite
//! file, then prints the time to compute the community report and the 10,000-story
//! convening report, the time to render each format, the matrix API and the convening
//! page served over HTTP, and the process's peak memory.
//!
//! `-- --stories N` changes the size; `-- --keep FILE` keeps the database (for
//! `scripts/bench-serve.sh`).

use convene::domain::convening::ConveningDraft;
use convene::interop::report_doc::{self, Format};
use convene::service::communities::CommunityDraft;
use convene::service::{Actor, communities, convenings, reports};
use std::time::{Duration, Instant};

const CONVENINGS: usize = 200;
const BIG: usize = 10_000;
const CYCLES: [&str; 4] = ["immediate", "potential", "applied", "realized"];
const INDICATORS: [&str; 4] = ["networking", "skills_acquired", "product_reuse", "cost_time_saved"];
const WORDS: &str = "We met colleagues from other countries and worked through a shared problem; back home I tried the method with my team and it saved us time.";

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median of `n` timed runs of an async closure.
async fn median<F, Fut, T>(n: usize, mut f: F) -> (f64, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(n);
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        last = Some(f().await);
        times.push(ms(t.elapsed()));
    }
    times.sort_by(f64::total_cmp);
    (times[n / 2], last.expect("ran"))
}

/// A small deterministic generator (no dependency needed for synthetic data).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn seed(path: &str, stories: usize) -> anyhow::Result<()> {
    let store = convene::store::open(path).await?;
    let op = Actor::Operator;
    let d = CommunityDraft {
        slug: "bench".into(),
        name: "Bench community".into(),
        preset: "km4dev-experiment".into(),
        ..Default::default()
    };
    communities::create_community(&store, &op, &d).await?;
    let fw_id = store.community("bench").await?.expect("community").framework_id;
    let mut ids = Vec::new();
    for i in 0..CONVENINGS {
        let mode = ["in_person", "virtual", "hybrid"][i % 3];
        let draft = ConveningDraft {
            title: format!("Gathering {i}"),
            mode: mode.into(),
            starts_on: format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
            status: "held".into(),
            ..Default::default()
        };
        ids.push(convenings::create_convening(&store, &op, "bench", &draft).await?.id);
    }
    drop(store);
    // Bulk rows straight into SQLite, in one transaction: the service's per-story checks
    // would take minutes and are not what is measured here.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{path}")).await?;
    let mut tx = pool.begin().await?;
    let mut rng = Lcg(7);
    let rest = stories.saturating_sub(BIG);
    let per_small = rest / (CONVENINGS - 1);
    let mut next_participant = 1_i64;
    let mut story_id = 1_i64;
    for (n, cv) in ids.iter().enumerate() {
        let count = if n == 0 { BIG.min(stories) } else { per_small };
        let people = (count / 10).max(10);
        let first = next_participant;
        for p in 0..people {
            sqlx::query("INSERT INTO participants (id, convening_id, name) VALUES (?, ?, ?)")
                .bind(next_participant)
                .bind(cv)
                .bind(format!("Person {p}"))
                .execute(&mut *tx)
                .await?;
            next_participant += 1;
        }
        for _ in 0..count {
            let participant = first + i64::try_from(rng.below(people as u64))?;
            let visibility = ["public", "community", "stewards"][usize::try_from(rng.below(3))?];
            let day = 1 + rng.below(28);
            sqlx::query(
                "INSERT INTO stories (id, convening_id, framework_id, participant_id, teller_name, title, language, visibility, \
                 show_name, created_at, via_link) VALUES (?, ?, ?, ?, ?, ?, 'en', ?, 1, ?, 1)",
            )
            .bind(story_id)
            .bind(cv)
            .bind(fw_id)
            .bind(participant)
            .bind(format!("Person {participant}"))
            .bind(format!("Story {story_id}"))
            .bind(visibility)
            .bind(format!("2026-04-{day:02}T10:00:00Z"))
            .execute(&mut *tx)
            .await?;
            let steps = 1 + rng.below(4);
            for (pos, cycle) in CYCLES.iter().enumerate().take(usize::try_from(steps)?) {
                let kind = if rng.below(3) == 0 { "aspirational" } else { "realized" };
                let ind = if rng.below(2) == 0 { format!("[\"{}\"]", INDICATORS[pos]) } else { "[]".into() };
                sqlx::query(
                    "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(story_id)
                .bind(i64::try_from(pos)?)
                .bind(cycle)
                .bind(kind)
                .bind(WORDS)
                .bind(ind)
                .execute(&mut *tx)
                .await?;
            }
            story_id += 1;
        }
    }
    tx.commit().await?;
    pool.close().await;
    Ok(())
}

async fn fw_id(store: &convene::store::Store) -> i64 {
    store.community("bench").await.expect("read").expect("community").framework_id
}

/// A new story with one realized step, written straight into the database (the
/// triggers move the convening's data version, as for any writer).
async fn add_story(store: &convene::store::Store, convening: i64, framework: i64) {
    store
        .execute_raw(&format!(
            "INSERT INTO stories (convening_id, framework_id, teller_name, title, language, visibility, show_name, \
             created_at, via_link) VALUES ({convening}, {framework}, 'New', 'New story', 'en', 'public', 1, \
             '2026-05-01T10:00:00Z', 0)"
        ))
        .await
        .expect("story");
    store
        .execute_raw(
            "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) \
             SELECT MAX(id), 0, 'applied', 'realized', 'We used it.', '[]' FROM stories",
        )
        .await
        .expect("step");
}

/// Over HTTP, as a member's script (API token) or an anonymous browser would ask.
async fn over_http(store: &convene::store::DynStore) -> anyhow::Result<()> {
    // Over HTTP, as a member's browser or a script would ask.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(convene::web::serve(listener, convene::web::AppState::new(store.clone())));
    let admin = store.create_user("bench@x.org", "Bench", None, true).await?;
    let token = convene::web::new_token();
    store.create_api_token(&convene::web::hash_token(&token), admin.id, "bench", None).await?;
    let client = reqwest::Client::new();
    for path in ["/api/v1/convenings/1/matrix", "/api/v1/convenings/1/report", "/api/v1/communities/bench/report"] {
        let url = format!("{base}{path}");
        let (t, len) = median(9, || async {
            let r = client.get(&url).bearer_auth(&token).send().await.expect("get");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await.expect("body").len()
        })
        .await;
        println!("GET {path:<36} {t:>8.2} ms  {len:>8} bytes (API token)");
    }
    for path in ["/api/v1/convenings/1/matrix", "/convenings/1"] {
        let url = format!("{base}{path}");
        let (t, len) = median(9, || async {
            let r = client.get(&url).send().await.expect("get");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await.expect("body").len()
        })
        .await;
        println!("GET {path:<36} {t:>8.2} ms  {len:>8} bytes (anonymous)");
    }
    let url = format!("{base}/convenings/1");
    let (t, len) = median(5, || async {
        add_story(store, 1, fw_id(store).await).await;
        client.get(&url).send().await.expect("get").bytes().await.expect("body").len()
    })
    .await;
    println!("GET {:<36} {t:>8.1} ms  {len:>8} bytes (anonymous, after a new story)", "/convenings/1");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let stories: usize = arg("--stories").map_or(Ok(100_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let path = arg("--keep").unwrap_or_else(|| dir.path().join("bench.db").to_string_lossy().into_owned());
    let t = Instant::now();
    seed(&path, stories).await?;
    println!("seeded {stories} stories across {CONVENINGS} convenings in {:.1} s ({path})", t.elapsed().as_secs_f64());
    let mem = |what: &str| {
        if let Some(mib) = peak_memory_mib() {
            println!("  (peak memory so far, {what}: {mib:.0} MiB)");
        }
    };
    mem("after seeding");

    let op = Actor::Operator;
    // Nothing kept: each run opens the database afresh (a new process's first read).
    let mut cold = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let fresh = convene::store::open(&path).await?;
        let t = Instant::now();
        let r = reports::community_report(&fresh, &op, "bench").await.expect("report");
        cold.push(ms(t.elapsed()));
        last = Some(r);
    }
    cold.sort_by(f64::total_cmp);
    let (community, _, fw) = last.expect("ran");
    println!(
        "community report ({} stories), nothing kept: {:.0} ms to compute (median of 3)",
        community.n_stories, cold[1]
    );
    let store = convene::store::open(&path).await?;
    let cid = store.community("bench").await?.expect("community").id;
    let (t_load, facts) =
        median(3, || async { store.story_facts(convene::store::Scope::Community(cid)).await.expect("facts") }).await;
    println!("  of which loading {} stories without their words: {t_load:.0} ms", facts.len());
    drop(facts);
    reports::community_report(&store, &op, "bench").await.expect("report");
    let (t, _) = median(9, || async { reports::community_report(&store, &op, "bench").await.expect("report") }).await;
    println!("community report, nothing changed since: {t:.2} ms");
    let (t, _) = median(5, || async {
        add_story(&store, 2, fw_id(&store).await).await;
        reports::community_report(&store, &op, "bench").await.expect("report")
    })
    .await;
    println!("community report after a new story in a 500-story convening: {t:.0} ms (median of 5)");

    let mut cold = Vec::new();
    for _ in 0..3 {
        let fresh = convene::store::open(&path).await?;
        let t = Instant::now();
        reports::convening_report(&fresh, &op, 1).await.expect("report");
        cold.push(ms(t.elapsed()));
    }
    cold.sort_by(f64::total_cmp);
    let (conv, _, _) = reports::convening_report(&store, &op, 1).await.expect("report");
    println!("convening report ({} stories), nothing kept: {:.0} ms to compute (median of 3)", conv.n_stories, cold[1]);
    let (t, _) = median(9, || async { reports::convening_report(&store, &op, 1).await.expect("report") }).await;
    println!("convening report, nothing changed since: {t:.2} ms");
    let (t, _) = median(5, || async {
        add_story(&store, 1, fw_id(&store).await).await;
        reports::convening_report(&store, &op, 1).await.expect("report")
    })
    .await;
    println!("convening report after a new story in it: {t:.0} ms (median of 5)");
    let (t, _) = median(5, || async {
        add_story(&store, 1, fw_id(&store).await).await;
        reports::convening_matrix(&store, &op, 1, None).await.expect("matrix")
    })
    .await;
    println!("its matrix after a new story in it: {t:.0} ms (median of 5)");
    mem("after computing the reports");
    let names = report_doc::names(&fw);
    let doc = report_doc::convening_doc(&conv, &names, convene::i18n::Lang::En, "2026-11-26");
    let json = report_doc::json_with_time(&conv, "2026-11-26T00:00:00Z");
    for f in [Format::Json, Format::Markdown, Format::MediaWiki, Format::Csv, Format::Html] {
        let (t, out) = median(9, || async { report_doc::render(f, &doc, &json, "") }).await;
        println!("  render {:<9} {t:>7.2} ms  {:>7} bytes", f.extension(), out.len());
    }
    let cdoc = report_doc::community_doc(&community, &names, convene::i18n::Lang::En, "2026-11-26");
    let (t, out) = median(5, || async { report_doc::render(Format::Html, &cdoc, &serde_json::Value::Null, "") }).await;
    println!("  community report as HTML: {t:.2} ms, {} bytes", out.len());

    mem("after rendering");
    over_http(&store).await?;
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory: {mib:.0} MiB");
    }
    Ok(())
}
