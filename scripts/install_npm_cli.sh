#!/usr/bin/env bash
# Installs a pinned npm CLI into a cache directory keyed by its version; the shared body of
# scripts/install_claude_code.sh, scripts/install_codex.sh and scripts/install_opencode.sh,
# which set what it installs:
#   NAME      the cache directory's and the messages' name (claude-code, codex, opencode)
#   PACKAGE   the npm package (@anthropic-ai/claude-code)
#   VERSION   the version to install
#   ENTRY     the file the CLI starts from, under the prefix's node_modules/
#   NATIVE    1: ENTRY is a native executable, run as it is (default: a script node runs)
# Idempotent: when the CLI is already installed it prints its path and exits at once. One install
# at a time per cache (a lock); after it, `node ENTRY --version` must name VERSION.
#   FULCRUM_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
set -euo pipefail

: "${NAME:?}" "${PACKAGE:?}" "${VERSION:?}" "${ENTRY:?}"
cache="${FULCRUM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum}"
prefix="$cache/$NAME-$VERSION"
entry="$prefix/node_modules/$ENTRY"
stamp="$prefix/.installed"

if [ -f "$stamp" ] && [ -f "$entry" ]; then
  echo "$NAME $VERSION: ready ($entry)"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.$NAME-$VERSION.lock"
flock 9
if [ -f "$stamp" ] && [ -f "$entry" ]; then
  echo "$NAME $VERSION: ready ($entry)"
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install $NAME: node and npm are required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi

mkdir -p "$prefix/home"
if [ ! -f "$prefix/package.json" ]; then
  printf '{"name": "fulcrum-%s", "private": true}\n' "$NAME" >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "$PACKAGE@$VERSION" 2>&1 | grep -v 'Unknown user config' || true
if [ ! -f "$entry" ]; then
  echo "install $NAME: $entry is missing after npm install" >&2
  exit 1
fi

# The CLI's own home for the check: it neither reads nor writes the user's settings.
start=(node "$entry")
if [ "${NATIVE:-0}" = 1 ]; then
  start=("$entry")
fi
got="$(HOME="$prefix/home" CODEX_HOME="$prefix/home" XDG_CONFIG_HOME="$prefix/home/.config" \
  XDG_DATA_HOME="$prefix/home/.local/share" XDG_CACHE_HOME="$prefix/home/.cache" \
  DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "${start[@]}" --version)"
case "$got" in
  *"$VERSION"*) ;;
  *)
    echo "install $NAME: expected version $VERSION, the CLI says: $got" >&2
    exit 1
    ;;
esac
touch "$stamp"
echo "$NAME $VERSION: installed ($entry)"
