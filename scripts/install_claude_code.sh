#!/usr/bin/env bash
# Installs the Claude Code CLI (npm @anthropic-ai/claude-code, pinned) into a cache directory keyed
# by version. Idempotent: when the CLI is already installed it prints its path and exits at once.
#
# npm does not run the package's postinstall here, so the native binary comes from its platform
# package (an optional dependency) and the CLI is started through the wrapper:
#   node <dir>/node_modules/@anthropic-ai/claude-code/cli-wrapper.cjs -p "..."
# (fulcrum.testing.claude_code.claude_command() returns that argv prefix).
#
#   CLAUDE_CODE_VERSION  npm version to install (default: the pinned one below)
#   FULCRUM_CACHE_DIR    cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
set -euo pipefail

version="${CLAUDE_CODE_VERSION:-2.1.330}"
cache="${FULCRUM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum}"
prefix="$cache/claude-code-$version"
wrapper="$prefix/node_modules/@anthropic-ai/claude-code/cli-wrapper.cjs"
stamp="$prefix/.installed"

if [ -f "$stamp" ] && [ -f "$wrapper" ]; then
  echo "claude-code $version: ready ($wrapper)"
  exit 0
fi

# One install at a time per cache; re-check under the lock.
mkdir -p "$cache"
exec 9>"$cache/.claude-code-$version.lock"
flock 9
if [ -f "$stamp" ] && [ -f "$wrapper" ]; then
  echo "claude-code $version: ready ($wrapper)"
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install_claude_code: node and npm are required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi

mkdir -p "$prefix"
if [ ! -f "$prefix/package.json" ]; then
  printf '{"name": "fulcrum-claude-code", "private": true}\n' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "@anthropic-ai/claude-code@$version" 2>&1 | grep -v 'Unknown user config' || true
if [ ! -f "$wrapper" ]; then
  echo "install_claude_code: $wrapper is missing after npm install" >&2
  exit 1
fi

got="$(HOME="$prefix/home" DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  node "$wrapper" --version)"
case "$got" in
  "$version"*) ;;
  *)
    echo "install_claude_code: expected version $version, the CLI says: $got" >&2
    exit 1
    ;;
esac
touch "$stamp"
echo "claude-code $version: installed ($wrapper)"
