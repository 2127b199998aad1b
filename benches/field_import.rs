//! `cargo bench --bench field_import` — importing a KoboToolbox CSV export of 100,000
//! submissions into SQLite: rows per second and peak memory, beside `sqlite3`'s `.import`
//! of the same file into a plain table (the limit: no parsing into stories, no checks).
//! `CONVENE_BENCH_ROWS=300000` makes the file that long instead.
//!
//! The file has the shape KoboToolbox exports: `;`, every field quoted, group paths in the
//! headers, each `select_multiple` as one column and one 0/1 column per choice, the system
//! columns. Each row is a story of two or three steps by a named guest.

// Counts and sizes become f64 for rates; counts well below 2^52.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]

use convene::domain::convening::ConveningDraft;
use convene::interop::xlsform::{FormSpec, layout};
use convene::service::Actor;
use convene::service::field::{ImportOptions, import_submissions};
use std::io::Write;
use std::time::Instant;

/// The large file's rows: 100,000, or `CONVENE_BENCH_ROWS` (to see memory stay flat as
/// the file grows, say).
fn rows() -> usize {
    std::env::var("CONVENE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).filter(|&n| n >= 10).unwrap_or(100_000)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A version-4-shaped UUID, the same for the same `(n, salt)` and scattered like real
/// ones: KoboToolbox's keys are random, so their index grows out of order.
fn uuid(n: u64, salt: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (a, b) = (mix(n.wrapping_mul(2).wrapping_add(salt)), mix(n ^ 0xA5A5_A5A5 ^ salt.rotate_left(17)));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// Writes `rows` submissions; returns the file's size in bytes.
fn write_kobo_csv(path: &std::path::Path, convening: i64, rows: usize, offset: usize) -> u64 {
    let fw = convene::domain::framework::preset("km4dev-experiment").expect("preset");
    let l = layout(&FormSpec {
        convening_id: convening,
        convening_title: "Bench",
        wave: None,
        framework: fw,
        framework_version: 1,
    });
    let mut head: Vec<String> = [
        "start",
        "end",
        "participant_code",
        "participant_name",
        "story_title",
        "story_language",
        "story_visibility",
        "story_show_name",
    ]
    .map(String::from)
    .to_vec();
    for c in &l.cycles {
        head.push(format!("{}/{}", c.group, c.text));
        head.push(format!("{}/{}", c.group, c.kind));
        if let Some(q) = &c.indicators {
            head.push(format!("{}/{q}", c.group));
            head.extend(c.indicator_keys.iter().map(|k| format!("{}/{q}/{k}", c.group)));
        }
    }
    head.extend(
        [
            "convene_form",
            "convene_version",
            "_id",
            "_uuid",
            "_submission_time",
            "_status",
            "__version__",
            "meta/rootUuid",
            "_index",
        ]
        .map(String::from),
    );
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("bench file"));
    writeln!(out, "{}", head.iter().map(|h| quote(h)).collect::<Vec<_>>().join(";")).expect("write");
    let visibility = ["public", "community", "stewards"];
    for n in offset..offset + rows {
        let mut cells =
            vec!["2026-03-11T09:00:00.000+03:00".to_string(), "2026-03-11T09:12:00.000+03:00".into(), String::new()];
        cells.push(format!("Participant {n}"));
        cells.push(format!("Story {n}: what the gathering started"));
        cells.push(["en", "fr", "es", "pt"][n % 4].into());
        cells.push(visibility[n % 3].into());
        cells.push(if n % 2 == 0 { "yes" } else { "no" }.into());
        for (i, c) in l.cycles.iter().enumerate() {
            let told = i == 0 || i == 1 + n % 3;
            cells.push(if told {
                format!("In cycle {} I met people from {} countries; \"we\" will meet again.", c.key, n % 40)
            } else {
                String::new()
            });
            cells.push(if told { if i < 2 { "realized" } else { "aspirational" } } else { "" }.into());
            if c.indicators.is_some() {
                let ticked: Vec<&str> = if told {
                    c.indicator_keys.iter().take(1 + n % 2).map(String::as_str).collect()
                } else {
                    Vec::new()
                };
                cells.push(ticked.join(" "));
                cells.extend(
                    c.indicator_keys.iter().map(|k| if ticked.contains(&k.as_str()) { "1" } else { "0" }.to_string()),
                );
            }
        }
        cells.push(l.form_id.clone());
        cells.push(l.version.clone());
        cells.push(n.to_string());
        cells.push(uuid(n as u64, 1));
        cells.push("2026-03-11T06:15:00".into());
        cells.push("submitted_via_web".into());
        cells.push("vBench".into());
        cells.push(format!("uuid:{}", uuid(n as u64, 0)));
        cells.push((n + 1).to_string());
        writeln!(out, "{}", cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(";")).expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A community with a held convening, in a fresh store; returns the convening's id.
async fn convening(store: &convene::store::DynStore) -> i64 {
    let fw = convene::domain::framework::preset("km4dev-experiment").expect("preset");
    let c = store.create_community("bench", "Bench", "", fw, None).await.expect("community");
    let d = ConveningDraft {
        title: "Bench".into(),
        mode: "in_person".into(),
        starts_on: "2026-03-10".into(),
        ends_on: "2026-03-12".into(),
        status: "held".into(),
        ..Default::default()
    };
    store.create_convening(c.id, &d.validate().expect("draft")).await.expect("convening").id
}

/// A fresh PostgreSQL database on the server `CONVENE_TEST_POSTGRES_URL` names, or `None`.
async fn postgres() -> Option<(String, String)> {
    let base = std::env::var("CONVENE_TEST_POSTGRES_URL").ok()?;
    let name = format!("convene_bench_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&base).await.ok()?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&admin).await.ok()?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.ok()?;
    admin.close().await;
    let (head, _) = base.split('?').next().unwrap_or(&base).rsplit_once('/')?;
    Some((format!("{head}/{name}"), base))
}

/// CPU seconds each of the process's threads has used, summed by thread name (Linux).
fn thread_cpu() -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    for t in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // pid (name) state ppid ...: utime and stime are the 14th and 15th fields.
        let Some((name, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") ")) else { continue };
        let f: Vec<f64> = rest.split(' ').filter_map(|x| x.parse().ok()).collect();
        let ticks = f.get(10).copied().unwrap_or(0.0) + f.get(11).copied().unwrap_or(0.0);
        let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-').to_string();
        *out.entry(name).or_insert(0.0) += ticks / 100.0;
    }
    out
}

struct Run {
    secs: f64,
    rate: f64,
}

/// Imports a file as the operator; checks what it did.
fn import(
    rt: &tokio::runtime::Runtime,
    store: &convene::store::DynStore,
    cv: i64,
    path: &std::path::Path,
    rows: usize,
    again: bool,
) -> Run {
    let opts = ImportOptions { max_bytes: usize::MAX, ..ImportOptions::default() };
    let input = std::fs::File::open(path).expect("open file");
    let t = Instant::now();
    let r = rt.block_on(import_submissions(store, &Actor::Operator, cv, Box::new(input), &opts)).expect("import");
    let secs = t.elapsed().as_secs_f64();
    if again {
        assert_eq!(r.unchanged as usize, rows, "{r:?}");
    } else {
        assert_eq!((r.created as usize, r.bad_rows), (rows, 0), "{r:?}");
    }
    Run { secs, rate: rows as f64 / secs }
}

/// How many times the 100,000-row import and `.import` each run, alternating, each into a
/// fresh database: a shared machine's speed drifts by a quarter within a minute, so one
/// run of each says little; the median of the runs' ratios compares neighbours in time.
const RUNS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `sqlite3`'s `.import` of the file into a plain table of a fresh database: its seconds,
/// or `None` (with a loud message) when there is no `sqlite3` binary.
fn sqlite3_import(dir: &std::path::Path, file: &std::path::Path, run: usize) -> Option<f64> {
    let plain = dir.join(format!("plain-{run}.db"));
    let t = Instant::now();
    let out = std::process::Command::new("sqlite3")
        .arg(&plain)
        .args([".mode csv", ".separator ;", &format!(".import {} submissions", file.display())])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let secs = t.elapsed().as_secs_f64();
            let _ = std::fs::remove_file(&plain);
            Some(secs)
        }
        Ok(o) => {
            println!("  sqlite3 .import failed: {}", String::from_utf8_lossy(&o.stderr));
            None
        }
        Err(_) => {
            println!(
                "\n!!! SKIPPED: the sqlite3 .import comparison (no sqlite3 binary; apt-get install sqlite3) !!!\n"
            );
            None
        }
    }
}

fn main() {
    let rows = rows();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (small, file) = (dir.path().join("small.csv"), dir.path().join("kobo.csv"));
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut first_cv = None;
    let mut last = None;
    for run in 1..=RUNS {
        // One store at a time: the peak memory is one import's.
        drop(last.take());
        let db = dir.path().join(format!("bench-{run}.db"));
        let store = rt.block_on(convene::store::open(db.to_str().expect("path"))).expect("open");
        let cv = rt.block_on(convening(&store));
        // The files name the convening's form: every run's convening has the same id.
        assert_eq!(*first_cv.get_or_insert(cv), cv, "every run's convening has the same id");
        if run == 1 {
            // A small file first: the peak after it and after the large one shows whether
            // memory grows with the file.
            write_kobo_csv(&small, cv, rows / 10, rows);
            let bytes = write_kobo_csv(&file, cv, rows, 0);
            println!(
                "field_import: {rows} KoboToolbox rows, {:.1} MiB; {RUNS} runs, each into a fresh database, \
                 alternating with sqlite3 .import",
                bytes as f64 / 1_048_576.0
            );
        }
        let r = import(&rt, &store, cv, &small, rows / 10, false);
        if run == 1 {
            println!(
                "  SQLite, {:>7} rows: {:6.2} s  {:>9.0} rows/s  peak memory {:.0} MiB",
                rows / 10,
                r.secs,
                r.rate,
                peak_mib()
            );
        }
        let before = thread_cpu();
        let big = import(&rt, &store, cv, &file, rows, false);
        let after = thread_cpu();
        let busy: Vec<String> = after
            .iter()
            .map(|(name, t)| (name, t - before.get(name).copied().unwrap_or(0.0)))
            .filter(|(_, t)| *t >= 0.05)
            .map(|(name, t)| format!("{name} {t:.2} s"))
            .collect();
        // No second try once `sqlite3` failed or was missing (said once, loudly).
        let plain = if run == 1 || !theirs.is_empty() { sqlite3_import(dir.path(), &file, run) } else { None };
        let against = plain.map_or(String::new(), |secs| {
            let ratio = secs / big.secs;
            theirs.push(secs);
            ratios.push(ratio);
            format!(", .import {secs:.2} s ({:.0} rows/s), ratio {ratio:.2}", rows as f64 / secs)
        });
        println!(
            "  run {run}: {:.2} s ({:.0} rows/s){against}; CPU by thread: {}",
            big.secs,
            big.rate,
            busy.join(", ")
        );
        ours.push(big.secs);
        last = Some(store);
    }
    let secs = median(ours);
    println!(
        "  SQLite, {rows:>7} rows (median): {secs:6.2} s  {:>9.0} rows/s  peak memory {:.0} MiB",
        rows as f64 / secs,
        peak_mib()
    );
    if !theirs.is_empty() {
        let plain = median(theirs);
        let ratio = median(ratios);
        println!("  sqlite3 .import into a plain table (median): {plain:6.2} s  {:>9.0} rows/s", rows as f64 / plain);
        let met = rows as f64 / secs >= 50_000.0 && ratio >= 0.5;
        println!(
            "  convene / .import (median of the runs' ratios): {ratio:.2}  (aim: at least 50,000 rows/s and 0.5: {})",
            if met { "met" } else { "NOT met" }
        );
    }
    let (store, cv) = (last.expect("at least one run"), first_cv.expect("at least one run"));
    let r = import(&rt, &store, cv, &file, rows, true);
    println!("  SQLite, the same file again (nothing new): {:.2} s  {:.0} rows/s", r.secs, r.rate);
    drop(store);

    // The same on PostgreSQL, when a server is named.
    let Some((url, admin)) = rt.block_on(postgres()) else {
        println!("  (PostgreSQL: set CONVENE_TEST_POSTGRES_URL to run the same import there)");
        return;
    };
    let pg = rt.block_on(convene::store::open(&url)).expect("open postgres");
    let pcv = rt.block_on(convening(&pg));
    if pcv != cv {
        write_kobo_csv(&file, pcv, rows, 0);
    }
    let r = import(&rt, &pg, pcv, &file, rows, false);
    println!("  PostgreSQL, {rows:>7} rows: {:6.2} s  {:>9.0} rows/s", r.secs, r.rate);
    let r = import(&rt, &pg, pcv, &file, rows, true);
    println!("  PostgreSQL, the same file again (nothing new): {:.2} s  {:.0} rows/s", r.secs, r.rate);
    rt.block_on(async {
        drop(pg);
        if let Ok(a) = sqlx::PgPool::connect(&admin).await {
            let name = url.rsplit('/').next().unwrap_or_default();
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&a)
                .await;
        }
    });
}
