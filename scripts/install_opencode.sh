#!/usr/bin/env bash
# Installs the OpenCode CLI (npm opencode-ai, pinned) into a cache directory keyed by version, for
# the tests that drive it against the gateway with each of its provider kinds (Anthropic's
# Messages, OpenAI's Responses, an OpenAI-compatible Chat Completions server). scripts/
# install_npm_cli.sh does it, idempotently. The package's install script links the native binary
# of the machine's platform package (about 180 MB) to opencode-ai/bin/opencode.exe, which runs
# directly (fulcrum.testing.opencode.opencode_command() returns its path).
#
#   OPENCODE_VERSION   npm version to install (default: the pinned one below)
#   FULCRUM_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
set -euo pipefail

NAME=opencode PACKAGE=opencode-ai VERSION="${OPENCODE_VERSION:-1.18.33}" \
  ENTRY=opencode-ai/bin/opencode.exe NATIVE=1 \
  exec bash "$(dirname "${BASH_SOURCE[0]}")/install_npm_cli.sh"
