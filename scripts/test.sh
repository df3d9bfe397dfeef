#!/usr/bin/env bash
# The test command: makes sure the tools some tests drive are there (Debian's chromium for the
# live-page browser test, promtool from Debian's prometheus for the alert rules' unit tests), then
# runs the whole build. A tool that cannot be installed skips its test, with a warning here.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for need in chromium:chromium:"the live-page browser test" promtool:prometheus:"the alert rules' promtool test"; do
  IFS=: read -r command package test <<<"$need"
  command -v "$command" >/dev/null 2>&1 || missing+=("$package:$test")
done

if ((${#missing[@]})); then
  packages=("${missing[@]%%:*}")
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages for the tests that drive them: ${packages[*]} ..."
    if ! { apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }; then
      for m in "${missing[@]}"; do
        echo "warning: installing ${m%%:*} failed; ${m#*:} will be skipped." >&2
      done
    fi
  else
    for m in "${missing[@]}"; do
      echo "warning: ${m%%:*} is not installed and cannot be installed here (needs root and apt-get);" >&2
      echo "         ${m#*:} will be skipped." >&2
    done
  fi
fi

exec mvn -B verify "$@"
