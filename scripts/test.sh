#!/usr/bin/env bash
# Sets up a fresh machine (idempotent) and runs every test:
# formatting and lints, native core tests, browser-seam tests (wasm-bindgen-test
# in headless Chromium), the release build, and end-to-end tests on that build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "the core has no browser or UI dependency"
if cargo tree -p annotator-core -e normal --prefix none | grep -E '^(leptos|web-sys|wasm-bindgen|gloo|js-sys) '; then
  echo "annotator-core must not depend on the crates above" >&2
  exit 1
fi

step "the shell writes storage only through the core's Workspace"
# One BrowserStorage is opened for the Workspace (handed to Workspace::start;
# the large store opens its own for its fallback writes); no storage key is
# named or written outside the two storage seams, src/storage.rs
# (localStorage) and src/large_store.rs (IndexedDB). The core's own rules (no import
# cycle, formats never change the store, file sizes) are core/tests/architecture.rs.
opens=$(grep -rn 'BrowserStorage::open()' src --include=*.rs | grep -v '^src/storage.rs' | grep -v '^src/large_store.rs' | wc -l)
keys=$(grep -rnE '(annotations|view|doc|profile|library|doc_settings|user_settings)_key\(|\.(set_item|get_item|remove_item)\(|KeyValue' src --include=*.rs | grep -v '^src/storage.rs' | grep -v '^src/large_store.rs' || true)
if [ "$opens" != 1 ] || [ -n "$keys" ]; then
  echo "storage reached outside the Workspace ($opens opens):" >&2
  echo "$keys" >&2
  exit 1
fi

step "clippy (core natively, app for wasm32)"
cargo clippy -p annotator-core --all-targets -- -D warnings
cargo clippy -p speech-annotator --target wasm32-unknown-unknown --all-targets -- -D warnings

step "native tests of the core"
cargo test -p annotator-core
# the sync load test's simulated coders (run by tests/e2e/sync-load.test.mjs)
cargo build --quiet --release -p annotator-core --example sync_load

step "browser-seam tests (wasm-bindgen-test, headless Chromium)"
cargo test -p speech-annotator --target wasm32-unknown-unknown --test browser_seam

step "release build (Trunk) and the single-file build"
trunk build --release
node scripts/single-file.mjs dist dist-single/speech-annotator.html

step "end-to-end tests (Playwright driving headless Chromium)"
cd tests/e2e
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=artifacts.tap ./*.test.mjs
passed=$(grep -c '^ok ' artifacts.tap || true)
failed=$(grep -c '^not ok ' artifacts.tap || true)
echo "e2e: $passed passed, $failed failed"
