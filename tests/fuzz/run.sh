#!/usr/bin/env bash
# Fuzzes the admission policy (tests/fuzz/fuzz_policy.c) for a while.
#
# Builds the target into BUILD_DIR when it is missing or older than its
# sources, then runs it for SECONDS (default 20) over a copy of the policy
# corpus (tests/policy/**/*.yml) plus what earlier runs found, which is kept
# in BUILD_DIR/corpus.  Crash inputs go to BUILD_DIR/crashes, never into
# the repository.  Prints one line:
#   PASS: fuzz policy (N runs, SECONDS s)
#   FAIL: fuzz policy: CRASH-FILE: first line of the report
#   SKIP: fuzz policy: why (no clang or no libFuzzer)
#
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -uo pipefail

out=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
secs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
name="fuzz policy"
cc=${CC_FUZZ:-clang}
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
bin=$out/fuzz_policy

[[ $secs =~ ^[0-9]+$ && $secs -ge 1 && $secs -le 86400 ]] \
  || { echo "FAIL: $name: SECONDS must be 1..86400"; exit 1; }

# clang, and a clang whose runtime has libFuzzer (Debian ships it in
# libclang-rt-dev or the versioned libclang-common package).
if ! command -v "$cc" >/dev/null; then
  echo "SKIP: $name: $cc is not installed"
  exit 0
fi
probe=$out/probe
if ! printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n);' \
  'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n)' \
  '{ return (int)(d == NULL && n > 0); }' \
  | "$cc" -fsanitize=fuzzer -x c - -o "$probe" >/dev/null 2>&1; then
  echo "SKIP: $name: $cc cannot link -fsanitize=fuzzer (no libFuzzer)"
  exit 0
fi
rm -f "$probe"

# Rebuild when a source is newer than the binary.
stale() {
  [[ -x $bin ]] || return 0
  [[ -n $(find "$root/src" "$root/tests/fuzz" -name '*.[ch]' -newer "$bin" \
    -print -quit) ]]
}
if stale && ! "$root/tests/fuzz/build.sh" "$out" >"$out/build.log" 2>&1; then
  echo "FAIL: $name: build failed: $(grep -m1 -E 'error|undefined' \
    "$out/build.log" | head -c 300)"
  exit 1
fi

# Seeds: the corpus files, flattened; the directive comments stay (they
# are YAML comments).  The first corpus directory is the one libFuzzer
# writes new inputs to.
rm -rf "$out/seeds"
mkdir -p "$out/seeds" "$out/corpus" "$out/crashes"
n=0
for f in "$root"/tests/policy/{reject,pass,realworld,unusable}/*.yml; do
  [[ -e $f ]] || continue
  ((++n > 5000)) && break
  d=$(basename "$(dirname "$f")")
  cp "$f" "$out/seeds/$d-$(basename "$f")"
done

# The fuzzer's own sanitizer settings: reports stay in its log rather
# than in the test runner's sanitizer files.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
before=$(find "$out/crashes" -type f | wc -l)
timeout $((secs + 120)) "$bin" -max_total_time="$secs" -max_len=65536 \
  -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" -dict="$root/tests/fuzz/policy.dict" \
  "$out/corpus" "$out/seeds" >"$out/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" \
  | tail -n1)
after=$(find "$out/crashes" -type f | wc -l)

if [[ $rc -eq 0 && $after -eq $before ]]; then
  echo "PASS: $name (${runs:-0} runs, $secs s)"
  exit 0
fi
crash=$(find "$out/crashes" -type f -printf '%T@ %p\n' | sort -rn | head -n1 \
  | cut -d' ' -f2-)
why=$(grep -m1 -E '^(fuzz_policy:|==[0-9]+==ERROR|.*runtime error)' \
  "$out/fuzz.log" | head -c 300)
[[ $rc -eq 124 ]] && why="the fuzzer did not stop after $((secs + 120)) s"
echo "FAIL: $name: ${crash:-no crash file (exit $rc)}: ${why:-see $out/fuzz.log}"
exit 1
