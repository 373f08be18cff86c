#!/usr/bin/env bash
# Idempotent: installs Debian's Chromium (the `chromium` package) if missing. The browser tests
# (tests/report/) and `fulcrum report --pdf` drive it headless; no library downloads a browser of
# its own. Safe to run again: it does nothing when the binary is present. Prints one line.
set -euo pipefail

find_chromium() {
  if [ -n "${FULCRUM_CHROMIUM:-}" ] && [ -x "$FULCRUM_CHROMIUM" ]; then
    echo "$FULCRUM_CHROMIUM"
    return 0
  fi
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

if path="$(find_chromium)"; then
  echo "chromium: ready ($path)"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if ! path="$(find_chromium)"; then
  echo "setup_chromium: the chromium package installed but no chromium binary was found" >&2
  exit 1
fi
echo "chromium: installed ($path)"
