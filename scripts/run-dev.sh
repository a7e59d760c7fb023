#!/usr/bin/env bash
# `make run`: the job runner and the search indexer beside the development web server; all stop together.
set -euo pipefail
BIN=.venv/bin
PORT="${PORT:-5000}"
"$BIN/flask" --app wsgi jobs run &
jobs_pid=$!
"$BIN/flask" --app wsgi search follow &
search_pid=$!
trap 'kill "$jobs_pid" "$search_pid" 2>/dev/null || true' EXIT INT TERM
echo "Serving the portal on http://127.0.0.1:${PORT}  (Ctrl-C stops it)"
"$BIN/flask" --app wsgi run --host 127.0.0.1 --port "$PORT"
