#!/usr/bin/env bash
# Builds the static site (dist/) and the single self-contained HTML file
# (dist-single/speech-annotator.html). Sets up the machine first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release
node scripts/single-file.mjs dist dist-single/speech-annotator.html
