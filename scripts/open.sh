#!/usr/bin/env bash
# Sets up a fresh machine (idempotent), builds the annotator and serves it on
# http://127.0.0.1:8080/ with the built-in speech. Stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
trunk build --release
echo "Serving the annotator on http://127.0.0.1:$PORT/"
if [ -z "${NO_BROWSER:-}" ] && command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  (sleep 1 && xdg-open "http://127.0.0.1:$PORT/") &
fi
exec trunk serve --release --port "$PORT" --address 127.0.0.1 --no-autoreload
