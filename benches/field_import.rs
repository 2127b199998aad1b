//! `cargo bench --bench field_import` — importing a KoboToolbox CSV export of 100,000
//! submissions into SQLite: rows per second and peak memory, beside `sqlite3`'s `.import`
//! of the same file into a plain table (the limit: no parsing into stories, no checks).
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

const ROWS: usize = 100_000;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
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
        cells.push(format!("inst-{n:08}"));
        cells.push("2026-03-11T06:15:00".into());
        cells.push("submitted_via_web".into());
        cells.push("vBench".into());
        cells.push(format!("uuid:root-{n:08}"));
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

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let (store, convening) = rt.block_on(async {
        let store = convene::store::open(db.to_str().expect("path")).await.expect("open");
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
        let cv = store.create_convening(c.id, &d.validate().expect("draft")).await.expect("convening");
        (store, cv.id)
    });
    // A small file first: the peak after it and after the large one shows whether memory
    // grows with the file.
    let small = dir.path().join("small.csv");
    write_kobo_csv(&small, convening, ROWS / 10, ROWS);
    let file = dir.path().join("kobo.csv");
    let bytes = write_kobo_csv(&file, convening, ROWS, 0);
    println!("field_import: {ROWS} KoboToolbox rows, {:.1} MiB", bytes as f64 / 1_048_576.0);
    let opts = ImportOptions { max_bytes: usize::MAX, ..ImportOptions::default() };
    let run = |path: &std::path::Path| {
        let input = std::fs::File::open(path).expect("open file");
        let t = Instant::now();
        let r = rt
            .block_on(import_submissions(&store, &Actor::Operator, convening, Box::new(input), &opts))
            .expect("import");
        (r, t.elapsed().as_secs_f64())
    };
    let (r, secs) = run(&small);
    assert_eq!(r.created as usize, ROWS / 10, "{r:?}");
    println!(
        "  convene, {:>7} rows: {secs:6.2} s  {:>9.0} rows/s  peak memory {:.0} MiB",
        ROWS / 10,
        (ROWS / 10) as f64 / secs,
        peak_mib()
    );
    let (r, secs) = run(&file);
    assert_eq!((r.created as usize, r.bad_rows), (ROWS, 0), "{r:?}");
    let convene_rate = ROWS as f64 / secs;
    println!("  convene, {ROWS:>7} rows: {secs:6.2} s  {convene_rate:>9.0} rows/s  peak memory {:.0} MiB", peak_mib());
    let (r, secs) = run(&file);
    assert_eq!(r.unchanged as usize, ROWS);
    println!("  convene, the same file again (nothing new): {secs:.2} s  {:.0} rows/s", ROWS as f64 / secs);

    let plain = dir.path().join("plain.db");
    let t = Instant::now();
    let out = std::process::Command::new("sqlite3")
        .arg(&plain)
        .args([".mode csv", ".separator ;", &format!(".import {} submissions", file.display())])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let secs = t.elapsed().as_secs_f64();
            let rate = ROWS as f64 / secs;
            println!("  sqlite3 .import into a plain table: {secs:6.2} s  {rate:>9.0} rows/s");
            println!("  convene / .import: {:.2}", convene_rate / rate);
        }
        Ok(o) => println!("  sqlite3 .import failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            println!(
                "\n!!! SKIPPED: the sqlite3 .import comparison (no sqlite3 binary; apt-get install sqlite3) !!!\n"
            );
        }
    }
}
