#!/usr/bin/env bash
# `make serve`: the portal as production runs it (gunicorn, WEB_CONCURRENCY workers on PORT), with the job
# runner and the search follower beside it, as deploy/*.service start them; all stop together.
set -euo pipefail
BIN=.venv/bin
PORT="${PORT:-8000}"
WORKERS="${WEB_CONCURRENCY:-4}"
"$BIN/flask" --app wsgi db upgrade
"$BIN/flask" --app wsgi jobs run &
jobs_pid=$!
"$BIN/flask" --app wsgi search follow &
search_pid=$!
trap 'kill "$jobs_pid" "$search_pid" 2>/dev/null || true' EXIT INT TERM
echo "Serving the portal with gunicorn ($WORKERS workers) on http://127.0.0.1:${PORT}  (Ctrl-C stops it)"
"$BIN/gunicorn" --workers "$WORKERS" --bind "127.0.0.1:${PORT}" --access-logfile - wsgi:app
