#!/usr/bin/env bash
# Installs the real components the tests use, idempotently and cached; called by scripts/test.
#   - PostgreSQL server binaries (scripts/setup_postgres.sh, when present)
#   - llama.cpp's llama-server, built from the llama-cpp-python sdist (scripts/build_llama_server.sh)
#   - the Claude Code CLI from npm (scripts/install_claude_code.sh)
#   - OpenAI's Codex CLI from npm (scripts/install_codex.sh)
#   - the OpenCode CLI from npm (scripts/install_opencode.sh)
#   - Debian's Chromium for the browser tests and `fulcrum report --pdf` (scripts/setup_chromium.sh)
# Prints one line per component (and a note while a first install or build is under way). On a
# machine where all are installed it takes well under 5 s; a first llama-server build takes several
# minutes. Logs go to $FULCRUM_CACHE_DIR/logs/; a failing installer stops the script with its log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${FULCRUM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum}"
logs="$cache/logs"
mkdir -p "$logs"

# run NAME SCRIPT QUIET_MESSAGE: runs SCRIPT with its output in a log; prints the log's last line
# (QUIET_MESSAGE when the script printed nothing), or the end of the log on failure. A script
# still busy after 3 s (a first install or build) gets a line saying where its log is.
run() {
  local name="$1" script="$2" quiet="$3" log="$logs/$1.log" start pid last
  start=$(date +%s)
  bash "$script" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name: working (first install or build; log: $log)"
  fi
  if ! wait "$pid"; then
    echo "setup_test_deps: $name failed; its log ($log) ends with:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  last="$(tail -n 1 "$log")"
  if [ $(($(date +%s) - start)) -ge 5 ]; then
    last="$last [$(($(date +%s) - start))s]"
  fi
  echo "${last:-$quiet}"
}

if [ -f scripts/setup_postgres.sh ]; then
  run setup_postgres scripts/setup_postgres.sh "postgresql: ready"
else
  echo "postgresql: skipped (scripts/setup_postgres.sh not present)"
fi
run build_llama_server scripts/build_llama_server.sh "llama-server: ready"
run install_claude_code scripts/install_claude_code.sh "claude-code: ready"
run install_codex scripts/install_codex.sh "codex: ready"
run install_opencode scripts/install_opencode.sh "opencode: ready"
run setup_chromium scripts/setup_chromium.sh "chromium: ready"
