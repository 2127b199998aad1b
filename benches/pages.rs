//! `cargo bench --bench pages`: what a member on a slow link receives. Seeds the demo
//! community into a temporary SQLite file, serves it on a random local port, and prints
//! each main page's size as sent (raw and gzip-compressed) and how long it takes to serve
//! (median and 95th percentile over sequential requests, signed in as the steward).

use std::time::{Duration, Instant};

const PAGES: [&str; 8] = [
    "/",
    "/signin",
    "/c/km4dev-demo",
    "/convenings/1",
    "/convenings/1/stories/new",
    "/stories/1",
    "/c/km4dev-demo/framework",
    "/api/v1/convenings/1/matrix",
];
const ROUNDS: usize = 200;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = convene::store::open(dir.path().join("bench.db").to_str().expect("path")).await.expect("open");
    convene::demo::seed(&store).await.expect("seed");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(convene::web::serve(listener, convene::web::AppState::new(store)));

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signin = client.get(format!("{base}/signin")).send().await.expect("get").text().await.expect("text");
    let marker = "name=\"csrf\" value=\"";
    let at = signin.find(marker).expect("csrf") + marker.len();
    let csrf = signin[at..].split('"').next().unwrap_or_default().to_string();
    let form =
        [("csrf", csrf.as_str()), ("email", convene::demo::DEMO_STEWARD), ("password", convene::demo::DEMO_PASSWORD)];
    client.post(format!("{base}/signin")).form(&form).send().await.expect("sign in");

    println!("{:<32} {:>9} {:>9} {:>10} {:>10}", "page (signed in as steward)", "bytes", "gzip", "median ms", "p95 ms");
    for page in PAGES {
        let url = format!("{base}{page}");
        let raw = client.get(&url).send().await.expect("get").bytes().await.expect("body").len();
        let gz = client
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body")
            .len();
        let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = client.get(&url).header("accept-encoding", "gzip").send().await.expect("get");
            r.bytes().await.expect("body");
            times.push(t.elapsed());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{page:<32} {raw:>9} {gz:>9} {:>10.2} {:>10.2}", ms(times[ROUNDS / 2]), ms(times[ROUNDS * 95 / 100]));
    }
}
