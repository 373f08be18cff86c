#!/usr/bin/env bash
# Installs the Claude Code CLI (npm @anthropic-ai/claude-code, pinned) into a cache directory keyed
# by version (scripts/install_npm_cli.sh does it, idempotently).
#
# npm does not run the package's postinstall here, so the native binary comes from its platform
# package (an optional dependency) and the CLI is started through the wrapper:
#   node <dir>/node_modules/@anthropic-ai/claude-code/cli-wrapper.cjs -p "..."
# (fulcrum.testing.claude_code.claude_command() returns that argv prefix).
#
#   CLAUDE_CODE_VERSION  npm version to install (default: the pinned one below)
#   FULCRUM_CACHE_DIR    cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
set -euo pipefail

NAME=claude-code PACKAGE=@anthropic-ai/claude-code VERSION="${CLAUDE_CODE_VERSION:-2.1.330}" \
  ENTRY=@anthropic-ai/claude-code/cli-wrapper.cjs \
  exec bash "$(dirname "${BASH_SOURCE[0]}")/install_npm_cli.sh"
