#!/usr/bin/env bash
# Builds the libFuzzer targets (Sources/fuzz-*) with the fuzzer and address sanitizers and runs each
# for SECONDS_PER_TARGET seconds (default 30) from its seed corpus in Fuzz/corpus/<target>.
# New interesting inputs go to .build-fuzz/corpus/<target>, crashes to .build-fuzz/crashes/<target>/ (SwiftPM empties artifacts/ on every build).
# Prints each target's executions; exits 1 when any target crashed, hung or ran out of memory.
# Replay a crash with a plain build: swift build --product <target> && .build/debug/<target> FILE...
# `scripts/fuzz.sh --build-only` builds the targets and runs none (CI builds them beside the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=no
if [ "${1:-}" = --build-only ]; then build_only=yes; shift; fi
seconds=${1:-30}
targets=(fuzz-idx fuzz-trainer-state fuzz-where fuzz-safetensors fuzz-output-lines fuzz-scoring-request fuzz-mlflow-request)
scratch=.build-fuzz
export SWIFT_BACKTRACE=enable=no  # a crash report comes from the sanitizer, at once
flags=(-c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
# lld: gold crashes linking the (unused here) sanitized migrations plugin tool.

for target in "${targets[@]}"; do
  swift build "${flags[@]}" --product "$target"
done
bin=$(swift build "${flags[@]}" --show-bin-path)
[ "$build_only" = yes ] && exit 0

# Each target runs on a core of its own, as many at once as there are cores (libFuzzer runs one thread):
# every target still gets SECONDS_PER_TARGET seconds of a core, and the whole run takes half as long on two.
fuzz_one() {
  local target=$1 corpus="$scratch/corpus/$1" artifacts="$scratch/crashes/$1" log="$scratch/$1.log" status=0
  mkdir -p "$corpus" "$artifacts"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb also caps single allocations.
  "$bin/$target" "$corpus" "Fuzz/corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  echo "$status" >"$scratch/$target.status"
}
cores=$(nproc)
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$cores" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=()
for target in "${targets[@]}"; do
  log="$scratch/$target.log" status=$(cat "$scratch/$target.status")
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$target: ${executions:-?} executions, exit $status"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Test unit written)' "$log" | head -20 || true
    echo "  full log: $log"
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crashes"
