#!/usr/bin/env bash
# The test command: makes sure the browser test's Chromium is there, then runs the whole build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the live-page browser test ..."
    if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      echo "warning: installing chromium failed; the live-page browser test will be skipped." >&2
    fi
  else
    echo "warning: chromium is not installed and cannot be installed here (needs root and apt-get);" >&2
    echo "         the live-page browser test will be skipped." >&2
  fi
fi

exec mvn -B verify "$@"
