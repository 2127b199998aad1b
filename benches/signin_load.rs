//! `cargo bench --bench signin_load`: does the server stay responsive while people guess
//! passwords? 16 clients post wrong passwords as fast as they can (the rate limits are
//! lifted, so every guess runs argon2) while one client probes `/healthz` every 20 ms;
//! prints the probe's median, 99th percentile and worst latency, and the guesses served.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const GUESSERS: usize = 16;
const RUN: Duration = Duration::from_secs(10);

async fn csrf(client: &reqwest::Client, base: &str) -> String {
    let page = client.get(format!("{base}/signin")).send().await.expect("get").text().await.expect("text");
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).expect("csrf") + marker.len();
    page[at..].split('"').next().unwrap_or_default().to_string()
}

#[tokio::main]
async fn main() {
    convene::limits::Limits::set(convene::limits::Limits {
        signin_attempts_per_ip: u32::MAX,
        signin_failures_per_account: u32::MAX,
        ..convene::limits::Limits::default()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let store = convene::store::open(dir.path().join("bench.db").to_str().expect("path")).await.expect("open");
    let hash = convene::secret::hash_password("the right password").expect("hash");
    store.create_user("target@example.org", "Target", Some(&hash), false).await.expect("user");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(convene::web::serve(listener, convene::web::AppState::new(store)));

    let stop = Arc::new(AtomicBool::new(false));
    let guesses = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..GUESSERS {
        let (base, stop, guesses) = (base.clone(), stop.clone(), guesses.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
            let token = csrf(&client, &base).await;
            while !stop.load(Ordering::Relaxed) {
                let form = [("csrf", token.as_str()), ("email", "target@example.org"), ("password", "guess")];
                let r = client.post(format!("{base}/signin")).form(&form).send().await.expect("post");
                assert_eq!(r.status(), 401, "guesser {i}");
                guesses.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let probe = reqwest::Client::new();
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < RUN {
        let t = Instant::now();
        let r = probe.get(format!("{base}/healthz")).send().await.expect("healthz");
        assert_eq!(r.status(), 200);
        times.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("guesser");
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |percent: usize| times[(times.len() - 1) * percent / 100];
    println!(
        "{GUESSERS} guessers, {:.1} s: {} wrong passwords answered ({}/s); /healthz over {} probes: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        RUN.as_secs_f64(),
        guesses.load(Ordering::Relaxed),
        guesses.load(Ordering::Relaxed) / RUN.as_secs(),
        times.len(),
        ms(at(50)),
        ms(at(99)),
        ms(times[times.len() - 1]),
    );
}
