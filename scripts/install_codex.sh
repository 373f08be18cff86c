#!/usr/bin/env bash
# Installs OpenAI's Codex CLI (npm @openai/codex, pinned) into a cache directory keyed by version,
# for the tests that drive it against the gateway's /v1/responses (scripts/install_npm_cli.sh does
# it, idempotently). The native binary comes from the platform package (an optional dependency,
# about 420 MB); the CLI starts through its launcher:
#   node <dir>/node_modules/@openai/codex/bin/codex.js exec ...
# (fulcrum.testing.codex.codex_command() returns that argv prefix).
#
#   CODEX_VERSION      npm version to install (default: the pinned one below)
#   FULCRUM_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
set -euo pipefail

NAME=codex PACKAGE=@openai/codex VERSION="${CODEX_VERSION:-0.171.0}" \
  ENTRY=@openai/codex/bin/codex.js \
  exec bash "$(dirname "${BASH_SOURCE[0]}")/install_npm_cli.sh"
