#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test on SQLite and on a
# real PostgreSQL, with the standards' reference tools (ocfl-py, xmlschema with the official
# schemas, rdflib, bibtexparser, rispy, bagit-python, frictionless, jsonschema and schemathesis
# for the OpenAPI document), and the pages in headless Chromium with axe-core. Installs what it
# needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
export TESSERA_FIXTURES=${TESSERA_FIXTURES:-$root/../shared/fixtures}
if [ ! -d "$TESSERA_FIXTURES/ocfl" ]; then
  echo "The conformance fixtures are missing at $TESSERA_FIXTURES." >&2
  echo "Put the shared fixtures (OCFL, BagIt and XSD corpora) beside the repository as ../shared/fixtures, or set TESSERA_FIXTURES." >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

step "Reference validators and the mail sink (Python virtual environment)"
if [ ! -d "$TESSERA_FIXTURES/xsd/oai-pmh" ] || [ ! -d "$TESSERA_FIXTURES/xsd/datacite-4.6" ]; then
  echo "The official OAI-PMH and DataCite schemas are missing from $TESSERA_FIXTURES/xsd (see ../shared/fixtures/README.md)." >&2
  exit 1
fi
venv=${TESSERA_VENV:-$HOME/.cache/tessera-venv}
# Reinstalled whenever the requirements change; the copy beside the venv says what it holds.
if ! cmp -s scripts/requirements-test.txt "$venv/requirements-test.txt"; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$venv/requirements-test.txt"
fi
export TESSERA_OCFL_VALIDATE="$venv/bin/ocfl-validate.py"
# aiosmtpd (the mail sink notifications are delivered to in tests), xmlschema, rdflib,
# bibtexparser, bagit and frictionless (which scripts/validate-xml.py and scripts/check-exports.py run).
export TESSERA_TEST_PYTHON="$venv/bin/python"

step "The OpenID provider single sign-on is tested against (Node.js oidc-provider)"
if ! command -v npm >/dev/null; then
  echo "Node.js is missing; installing Debian's nodejs and npm" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
op=${TESSERA_NODE_DIR:-$HOME/.cache/tessera-node}/oidc-provider
# The script runs from beside its node_modules; reinstalled whenever the lock file changes.
mkdir -p "$op"
if ! cmp -s scripts/oidc-provider/package-lock.json "$op/package-lock.json" || [ ! -d "$op/node_modules/oidc-provider" ]; then
  cp scripts/oidc-provider/package.json scripts/oidc-provider/package-lock.json "$op/"
  (cd "$op" && npm ci --silent --no-audit --no-fund)
fi
cp scripts/oidc-provider/provider.mjs "$op/"
export TESSERA_OIDC_PROVIDER="$op/provider.mjs"

step "The browser the pages are tested in (Debian's Chromium, Playwright, axe-core)"
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is missing; installing Debian's chromium" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
browser=${TESSERA_NODE_DIR:-$HOME/.cache/tessera-node}/browser
mkdir -p "$browser"
if ! cmp -s scripts/browser/package-lock.json "$browser/package-lock.json" || [ ! -d "$browser/node_modules/playwright-core" ]; then
  cp scripts/browser/package.json scripts/browser/package-lock.json "$browser/"
  (cd "$browser" && npm ci --silent --no-audit --no-fund)
fi
cp scripts/browser/flows.mjs "$browser/"
export TESSERA_BROWSER_FLOWS="$browser/flows.mjs"
# Screenshots of every page kind at 360 px and 1280 px, kept as artifacts.
export TESSERA_BROWSER_ARTIFACTS=${TESSERA_BROWSER_ARTIFACTS:-$root/target/browser-artifacts}

step "PostgreSQL"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  # Assigned on its own line so that a failed start stops the script (set -e).
  url=$(scripts/postgres.sh start)
  export TEST_DATABASE_URL=$url
fi
echo "$TEST_DATABASE_URL"

step "cargo fmt"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo nextest"
cargo nextest run --workspace --no-fail-fast --config-file .config/nextest.toml

step "OAI-PMH: a harvest of 100,000 records while 5% change and 1% are deleted"
scripts/oai-scale-test.sh 100000
