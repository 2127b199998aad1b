#!/usr/bin/env bash
# Runs convene's whole test suite: `./scripts/test.sh` (extra arguments go to cargo test).
#
# It first sets up what cargo cannot: a Python venv under target/test-venv holding the
# external validators the tests call (scripts/test-requirements.txt). Tests whose outside
# part is missing here (PostgreSQL: set CONVENE_TEST_POSTGRES_URL; Chromium; the
# validators) skip with a loud message, listed again at the end; with CI=true they fail.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/test-venv
if command -v python3 >/dev/null 2>&1; then
  if ! "$venv/bin/python" -c "import openapi_spec_validator, schemathesis, aiosmtpd, mwparserfromhell, pyxform, feedparser, icalendar, geojson" >/dev/null 2>&1; then
    echo "setting up $venv (Python validators)…"
    mkdir -p target
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-requirements.txt \
      || echo "!!! could not install the Python validators; the tests that need them will skip"
  fi
  if "$venv/bin/python" -c "import openapi_spec_validator" >/dev/null 2>&1; then
    export CONVENE_TEST_PYTHON="$PWD/$venv/bin/python"
  fi
fi

# axe-core (npm, MPL-2.0) for the accessibility checks the browser tests run.
axe=target/axe/node_modules/axe-core/axe.min.js
if [[ ! -f "$axe" ]] && command -v npm >/dev/null 2>&1; then
  echo "installing axe-core into target/axe…"
  npm install --silent --no-audit --no-fund --prefix target/axe axe-core@4.14.1 >/dev/null 2>&1 \
    || echo "!!! could not install axe-core; the accessibility checks will skip"
fi
if [[ -f "$axe" ]]; then
  export CONVENE_TEST_AXE="$PWD/$axe"
fi

# Each test makes its own PostgreSQL database; drop the ones earlier runs left behind.
if [[ -n "${CONVENE_TEST_POSTGRES_URL:-}" ]] && command -v psql >/dev/null 2>&1; then
  psql "$CONVENE_TEST_POSTGRES_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'convene_test_%'" 2>/dev/null |
    while read -r db; do psql "$CONVENE_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
fi

mkdir -p target
rm -f target/skipped-tests.txt target/page-weight.txt

# The shipped presets and demo data: every key, reference and date consistent.
if command -v python3 >/dev/null 2>&1; then
  python3 demo/check_data.py . >/dev/null || { python3 demo/check_data.py .; exit 1; }
fi
# More tests at once than cores: most integration tests spend their time waiting on
# Chromium, a Python validator, PostgreSQL or SMTP, not on the CPU. On a 2-core machine the
# `it` binary took 295 s with libtest's default (one thread per core), 200 s with 4 and
# 161 s with 8 (27 November 2026). Set RUST_TEST_THREADS to choose another number.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"
status=0
cargo test "$@" || status=$?
# The page and API tests once more on PostgreSQL (the store contract runs on both anyway).
if [[ -n "${CONVENE_TEST_POSTGRES_URL:-}" && $# -eq 0 ]]; then
  echo "page and API tests on PostgreSQL…"
  CONVENE_TEST_BACKEND=postgres cargo test --test it -- api:: pages:: lifecycle:: mail:: waves:: report:: field:: connect:: proposals:: reach:: || status=$?
fi
# The weight budget (30 KB compressed, 3 requests a page), measured by the page-weight test.
if [[ -s target/page-weight.txt ]]; then
  echo
  echo "Page weight (the test fails over 30 KB compressed):"
  cat target/page-weight.txt
fi
if [[ -s target/skipped-tests.txt ]]; then
  echo
  echo "!!! Some tests skipped their outside part on this machine:"
  sort -u target/skipped-tests.txt | sed 's/^/!!!   /'
fi
exit $status
