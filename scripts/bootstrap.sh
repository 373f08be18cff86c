#!/usr/bin/env bash
# Idempotent: creates .venv and installs exactly what requirements/dev.lock names (runtime, dev/test
# and build sets, exact versions with hashes), then fulcrum itself in editable mode without
# resolving anything. A new release upstream never changes what lands here; scripts/lock.sh
# refreshes the lock from the ranges in pyproject.toml. Safe to run again: a stamp holding the
# lock's hash skips the install when nothing changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"
lock=requirements/dev.lock
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=.venv/.fulcrum-installed
want="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  pip=(.venv/bin/python -m pip -q --disable-pip-version-check)
  "${pip[@]}" install --require-hashes --no-deps -r "$lock"
  "${pip[@]}" install --no-deps --no-build-isolation -e .
  "${pip[@]}" check >/dev/null
  echo "$want" >"$stamp"
fi
