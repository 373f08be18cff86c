#!/usr/bin/env bash
# Refreshes requirements/dev.lock: exact versions with hashes of the runtime, dev/test and build
# sets, resolved from the compatible ranges in pyproject.toml. Run it after changing a dependency,
# review the diff, commit the lock. scripts/bootstrap.sh installs only what the lock names.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="${FULCRUM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum}/pip-tools"
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q pip-tools==7.6.2
fi
"$tools/bin/pip-compile" -q --strip-extras --allow-unsafe --generate-hashes --extra dev \
  --output-file requirements/dev.lock pyproject.toml requirements/build.in "$@"
echo "requirements/dev.lock: $(grep -c '^[a-z]' requirements/dev.lock) packages"
