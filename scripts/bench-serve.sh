#!/usr/bin/env bash
# Side by side: convene serving a 10,000-story convening page and its matrix, and nginx
# serving the very same bytes from files (the ceiling for any web server on this
# machine). wrk, 1 thread, 32 connections, 10 s per run, alternating A B A B; prints
# requests per second, p99 latency and the ratio convene / nginx.
#
#   ./scripts/bench-serve.sh            # needs nginx and wrk: apt-get install nginx wrk
#
# Not part of the test suite or CI (it takes a few minutes and wants an idle machine).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install nginx wrk curl)"; exit 1; }
done

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; nginx -p "$work" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

echo "building the synthetic community (cargo bench --bench report) …"
cargo bench --bench report -- --stories 12000 --keep "$work/convene.db" | sed 's/^/  /'
# `cargo bench` builds the binary too (benchmarks get the package's binaries built), with
# the same features as the benchmark; `cargo build --release` would compile the library a
# second time with another feature set.
test -x ./target/release/convene || { echo "no target/release/convene after cargo bench"; exit 1; }
port=18080
RUST_LOG=warn ./target/release/convene --database-url "$work/convene.db" serve --addr "127.0.0.1:$port" >"$work/convene.log" 2>&1 &
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

mkdir -p "$work/www/convenings/1" "$work/www/api/v1/convenings/1"
curl -sf "http://127.0.0.1:$port/convenings/1" >"$work/www/convenings/1/index.html"
curl -sf "http://127.0.0.1:$port/api/v1/convenings/1/matrix" >"$work/www/api/v1/convenings/1/matrix"
nport=18081
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location = /convenings/1 { default_type text/html; try_files /convenings/1/index.html =404; }
    location = /api/v1/convenings/1/matrix { default_type application/json; }
  }
}
EOF
nginx -p "$work" -c nginx.conf

run() { # url → "req/s p99-ms"
  wrk -t1 -c32 -d10s --latency --timeout 2s "$1" | awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; p99=v}
    END {printf "%s %s\n", rps, p99}'
}

printf "%-28s %12s %10s %12s %10s %8s\n" "path" "convene r/s" "p99 ms" "nginx r/s" "p99 ms" "ratio"
for path in /convenings/1 /api/v1/convenings/1/matrix; do
  a1=$(run "http://127.0.0.1:$port$path"); b1=$(run "http://127.0.0.1:$nport$path")
  a2=$(run "http://127.0.0.1:$port$path"); b2=$(run "http://127.0.0.1:$nport$path")
  read -r ar1 ap1 <<<"$a1"; read -r br1 bp1 <<<"$b1"; read -r ar2 ap2 <<<"$a2"; read -r br2 bp2 <<<"$b2"
  awk -v p="$path" -v ar1="$ar1" -v ar2="$ar2" -v br1="$br1" -v br2="$br2" -v ap1="$ap1" -v ap2="$ap2" -v bp1="$bp1" -v bp2="$bp2" 'BEGIN {
    a=(ar1+ar2)/2; b=(br1+br2)/2; ap=(ap1>ap2?ap1:ap2); bp=(bp1>bp2?bp1:bp2);
    printf "%-28s %12.0f %10.1f %12.0f %10.1f %7.3fx\n", p, a, ap, b, bp, (b>0?a/b:0) }'
done
