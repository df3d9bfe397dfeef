#!/usr/bin/env bash
# Profiles the end-to-end benchmark: async-profiler (CPU, itimer) on the streams app JVM and on the
# benchmark JVM (broker, producer, consumer) for 20 s, per-thread CPU of both every 0.5 s, and a
# CSV of every latency sample. Output in $OUT (default /tmp/digitstream-profile).
#
#   scripts/profile/end-to-end.sh [DELAY_SECONDS [EndToEndBenchmark options ...]]
#
# DELAY_SECONDS (default 45): when, after the app JVM appears, the 20 s profile starts. Without
# options the benchmark runs --warmup-seconds 40 --seconds 20 --latency-seconds 30, so the profile
# falls in the sustained window; docs/benchmarks.md used: 85 --warmup-seconds 80 --seconds 30. Needs a built tree (./digitstream bench
# builds it) and Maven (async-profiler comes from Maven Central: tools.profiler:async-profiler).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-/tmp/digitstream-profile}"
delay="${1:-45}"
[[ $# -gt 0 ]] && shift
options=("$@")
[[ ${#options[@]} -eq 0 ]] && options=(--warmup-seconds 40 --seconds 20 --latency-seconds 30)
mkdir -p "$out"
cd "$root"

ap="$out/async-profiler"
if [[ ! -f "$ap/linux-x64/libasyncProfiler.so" ]]; then
  mvn -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.1 -DoutputDirectory="$ap"
  (cd "$ap" && unzip -o -q async-profiler-4.1.jar)
fi

export OMP_NUM_THREADS=1
cp="$(ls bench/target/digitstream-bench-*.jar | grep -v -e sources -e tests | head -1):$(cat bench/target/classpath.txt)"
java -Xmx1g -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=3g \
  -Dlogback.configurationFile="$root/bench/src/main/resources/logback.xml" -cp "$cp" \
  io.digitstream.bench.EndToEndBenchmark --latency-csv "$out/latency.csv" "${options[@]}" \
  > "$out/bench.txt" 2>&1 &
bench=$!
app=""
for _ in $(seq 1 120); do
  app=$(pgrep -f 'io.digitstream.streams.StreamsCli' | head -1 || true)
  [[ -n "$app" ]] && break
  sleep 1
done
[[ -n "$app" ]] || { echo "the streams app did not start; see $out/bench.txt" >&2; exit 1; }
python3 "$root/scripts/profile/threads.py" "$app" 0.5 "$out/app-threads.txt" &
python3 "$root/scripts/profile/threads.py" "$bench" 0.5 "$out/bench-threads.txt" &
sleep "$delay"
for who in app bench; do
  pid=$app; [[ $who == bench ]] && pid=$bench
  # jcmd splits arguments at '=', so the agent's options are quoted once more.
  jcmd "$pid" JVMTI.agent_load "$ap/linux-x64/libasyncProfiler.so" \
    "\"start,event=itimer,interval=1ms,timeout=20,collapsed,file=$out/$who.collapsed\"" > /dev/null
done
wait "$bench"
tail -n 12 "$out/bench.txt"
for who in app bench; do
  echo "== $who JVM"
  python3 "$root/scripts/profile/shares.py" "$out/$who.collapsed"
done
