#!/usr/bin/env bash
# The test command behind `make test`: the format check, the unit tests
# (cmocka programs) and the end-to-end tests (the real cfp binary on the
# real engine), all from one build with ASan and UBSan.  Ends with the
# line "N passed, N failed, N skipped".
#
# Usage: tests/run.sh BUILD_DIR
set -uo pipefail

build=${1:?usage: tests/run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
export CFP="$root/$build/cfp"
passed=0 failed=0 skipped=0
log=$(mktemp -d /tmp/cfp-tests.XXXXXX)
# Sanitizer reports go to files, since the tests capture stderr.
export ASAN_OPTIONS=detect_leaks=1:exitcode=86:log_path=$log/sanitizer
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$log/sanitizer

count() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      PASS:*) passed=$((passed + 1)) ;;
      FAIL:*) failed=$((failed + 1)) ;;
      SKIP:*) skipped=$((skipped + 1)) ;;
    esac
  done
}

format_check() {
  local files bad
  mapfile -t files < <(git ls-files '*.c' '*.h')
  if bad=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
    echo "PASS: clang-format (${#files[@]} files)"
  else
    echo "FAIL: clang-format: $(grep -c 'error:' <<<"$bad") lines differ, \
first: $(grep -m1 'error:' <<<"$bad")"
  fi
}

# cmocka prints "[       OK ] name", "[  FAILED  ] name", "[  SKIPPED ]".
unit_tests() {
  local t out rc
  for t in "$build"/tests/test_*; do
    [[ -f $t && -x $t ]] || continue
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" >"$log/$(basename "$t").log"
    # cmocka names a failed or skipped test again in its summary: once.  A
    # skipped test prints its reason on the line before, which is kept.
    awk '/^\[       OK \] /     { print "PASS: unit " $4 }
         /^\[  FAILED  \] [^ ]+$/ { print "FAIL: unit " $4 }
         /^\[  SKIPPED \] [^ ]+$/ { print "SKIP: unit " $4 ": " prev }
         { prev = $0 }' <<<"$out" | awk -F: '!seen[$1 $2]++' 
    [[ $rc -ne 0 ]] && ! grep -q 'FAILED' <<<"$out" \
      && echo "FAIL: $(basename "$t"): exit $rc"
  done
}

e2e_tests() {
  local t name
  for t in tests/e2e/test_*.sh; do
    name=$(basename "$t" .sh)
    echo "== $name" >&2
    bash "$t" 2>"$log/$name.err" | tee "$log/$name.log"
  done
}

# The admission policy: the corpus under tests/policy/ through the real
# binary, then a short libFuzzer run over load, check, rewrite and reload.
policy_tests() {
  echo "== policy corpus" >&2
  bash tests/policy/run.sh 2>"$log/policy.err" | tee "$log/policy.log"
  echo "== policy fuzz" >&2
  bash tests/fuzz/run.sh "$build/fuzz" "${FUZZ_SECONDS:-20}"
}

[[ -x $CFP ]] || { echo "no cfp binary at $CFP"; echo "0 passed, 1 failed"; exit 1; }
count < <(format_check)
count < <(unit_tests)
count < <(e2e_tests 2>&1 | grep -E '^(PASS|FAIL|SKIP):')
count < <(policy_tests 2>&1 | grep -E '^(PASS|FAIL|SKIP):')
# Every sanitizer report is a failure of its own.
for f in "$log"/sanitizer.*; do
  [[ -e $f ]] || continue
  count <<<"FAIL: sanitizer report $f: $(grep -m1 -E 'ERROR|runtime error' "$f")"
done
echo "logs: $log"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
