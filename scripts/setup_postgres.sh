#!/usr/bin/env bash
# Idempotent: installs Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres) if missing.
# The ledger tests start their own throwaway cluster from these binaries; this script starts
# no server and changes nothing else. Safe to run again: it does nothing when they are present.
set -euo pipefail

have_binaries() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_binaries; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq postgresql >/dev/null

if ! have_binaries; then
  echo "setup_postgres: postgresql installed but initdb was not found" >&2
  exit 1
fi
