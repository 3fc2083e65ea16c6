#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine.
# Idempotent: each step checks what is already there and skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14     # 0.22.x needs a newer rustc than the machines carry
BINARYEN_VERSION=132      # Debian's binaryen (108) breaks the page; npm's 132 works
TOOLS="$PWD/.tools"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)            # zstd-sys for wasm32 (jieba's embedded data)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v gzip >/dev/null || need_apt+=(gzip)
command -v brotli >/dev/null || need_apt+=(brotli)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)  # REFI-QDA exports checked against the schemas (core/tests/refi_xsd.rs)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "cargo install trunk $TRUNK_VERSION"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
# Installed without --locked: its own lockfile pins a crate the registry does not serve.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

mkdir -p "$TOOLS"
if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ] || ! "$TOOLS/node_modules/.bin/wasm-opt" --version | grep -q "$BINARYEN_VERSION"; then
  log "npm install binaryen@$BINARYEN_VERSION"
  (cd "$TOOLS" && [ -f package.json ] || echo '{"private":true}' > "$TOOLS/package.json"; cd "$TOOLS" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

if [ -f tests/e2e/package.json ] && { [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/ajv ] || [ ! -d tests/e2e/node_modules/axe-core ] || [ ! -d tests/e2e/node_modules/pouchdb-server ] || [ ! -d tests/e2e/node_modules/acorn ]; }; then
  log "npm ci (end-to-end test driver)"
  (cd tests/e2e && npm ci --no-audit --no-fund --silent)
fi
log "ready"
