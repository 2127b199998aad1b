#!/usr/bin/env bash
# A short run of every cargo-fuzz target in fuzz/ (default 20 s each; `SECONDS_PER_TARGET=3600`
# for a long one). Installs cargo-fuzz from crates.io when missing. libFuzzer needs
# unstable compiler flags: a nightly toolchain when there is one, else the stable one with
# RUSTC_BOOTSTRAP=1 and no sanitizer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${SECONDS_PER_TARGET:-20}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz…"
  cargo install --locked cargo-fuzz
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
  extra=()
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
  extra=(--sanitizer none)
fi

# Seed the framework parser with the shipped presets.
mkdir -p corpus/framework_toml
cp ../presets/*.toml corpus/framework_toml/

"${fuzz[@]}" build --dev "${extra[@]}"
for target in $("${fuzz[@]}" list); do
  echo "fuzzing $target for ${seconds}s"
  log="$(mktemp)"
  if ! "${fuzz[@]}" run --dev "${extra[@]}" "$target" -- -max_total_time="$seconds" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "!!! fuzz target $target failed; the input is under fuzz/artifacts/$target/"
    exit 1
  fi
  grep -E '^Done' "$log" || true
  rm -f "$log"
done
