#!/usr/bin/env bash
# The admission policy corpus, run through the real cfp binary.
#
# Every file under reject/, pass/, realworld/ and unusable/ starts with a
# directive, and `cfp policy check FILE --plan team --format json` must
# agree with it:
#   # expect: CFP-HC-nn [CFP-HC-mm ...]   exit 1, exactly this set of rules
#   # expect: pass                        exit 0, no finding
#   # expect: unusable                    exit 2, a message naming the file
# Optional directives among the first ten lines:
#   # set: KEY=VALUE ...     passed as --set KEY=VALUE (no spaces in values);
#                            no value of six characters or more may appear
#                            in what check prints (values may be secrets)
#   # rewrite: CFP-HC-nn ... rules that must be among the rewrite's patches
# A file that passes is also rewritten (`cfp policy rewrite`): the result
# must pass check with no finding, and rewriting it again must change
# nothing.  Inputs too big or too odd to commit (2 MB, 100k nested
# brackets, bytes that are not UTF-8, CRLF and BOM) are generated here.
#
# Prints one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line per
# check, like tests/e2e/.  Skips everything when `cfp policy rules` fails
# (the policy command is not built yet).
#
# Usage: CFP=build/cfp tests/policy/run.sh
set -uo pipefail

: "${CFP:?CFP must point at the cfp binary}"
dir=$(cd "$(dirname "$0")" && pwd)
MAX_FILES=2000 # per directory: the loops below are bounded by this
TIMEOUT=30     # seconds per cfp invocation
PLAN=team

pass() { printf 'PASS: %s\n' "$1"; }
fail() { printf 'FAIL: %s: %s\n' "$1" "$2"; }
skip() { printf 'SKIP: %s: %s\n' "$1" "$2"; }

if ! command -v jq >/dev/null; then
  skip "policy" "jq is not installed"
  exit 0
fi
if ! rules_json=$("$CFP" policy rules --format json 2>/dev/null) \
  || ! jq -e 'type == "array" and length > 0' <<<"$rules_json" >/dev/null 2>&1
then
  skip "policy" "\`$CFP policy rules\` failed: the policy command is not built"
  exit 0
fi
known_rules=" $(jq -r '[.[].id] | join(" ")' <<<"$rules_json") "

work=$(mktemp -d /tmp/cfp-policy.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Runs cfp with a time bound; stdout, stderr and the exit code land in
# $work/out, $work/err and RC.  124 is a timeout.
run_cfp() {
  timeout "$TIMEOUT" "$CFP" "$@" >"$work/out" 2>"$work/err"
  RC=$?
}

# The one-line reason for an unexpected exit code.
why_rc() {
  case $RC in
    124) printf 'timed out after %ss' "$TIMEOUT" ;;
    *) printf 'want exit %s got %s (%s)' "$1" "$RC" \
      "$(head -c 300 "$work/err" | tr '\n' ' ')" ;;
  esac
}

# Sorted, de-duplicated, space-separated words.
normalise() { tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd ' ' -; }

directive() { # FILE NAME -> the words after "# NAME:" in the first ten lines
  sed -n "1,10s/^# $2: *//p" "$1" | tr '\n' ' '
}

# Fills SETS with --set arguments and SECRETS with the values to look for.
read_sets() {
  local kv v
  SETS=() SECRETS=()
  for kv in $(directive "$1" set); do
    SETS+=(--set "$kv")
    v=${kv#*=}
    ((${#v} >= 6)) && SECRETS+=("$v")
  done
}

first_message() { # ": MESSAGE" of the first finding in $work/out, or ""
  jq -r '[.results[].findings[] | ": \(.rule) \(.pointer): \(.message)"]
         | first // ""' "$work/out" 2>/dev/null | head -c 200
}

leaked() { # prints the first --set value found in check's output
  local s
  for s in "${SECRETS[@]}"; do
    if grep -qF -- "$s" "$work/out" "$work/err"; then
      printf '%s' "${s:0:3}..."
      return 0
    fi
  done
  return 1
}

# check_case NAME FILE WANT: WANT is "pass", "unusable" or rule IDs.
check_case() {
  local name=$1 file=$2 want=$3 got bad

  run_cfp policy check "$file" --plan "$PLAN" --format json "${SETS[@]}"
  if [[ $want == unusable ]]; then
    check_unusable "$name" "$file"
    return
  fi
  if [[ $RC -ne 0 && $RC -ne 1 ]]; then
    fail "$name" "$(why_rc "$([[ $want == pass ]] && echo 0 || echo 1)")"
    return 1
  fi
  if ! got=$(jq -r '[.results[].findings[].rule] | join(" ")' "$work/out" \
    2>/dev/null); then
    fail "$name" "check --format json printed no JSON report"
    return 1
  fi
  got=$(normalise <<<"$got")
  [[ $want == pass ]] && want=""
  if [[ $got != "$want" ]]; then
    fail "$name" "want ${want:-none} got ${got:-none}$(first_message)"
    return 1
  fi
  if [[ $RC -ne $([[ -z $want ]] && echo 0 || echo 1) ]]; then
    fail "$name" "findings ${got:-none} but exit $RC"
    return 1
  fi
  bad=$(jq -r '[.results[].findings[] | select((.line // 0) < 1
          or (.pointer // "") == "" or (.message // "") == "") | .rule]
          | first // empty' "$work/out")
  if [[ -n $bad ]]; then
    fail "$name" "finding $bad has no line, pointer or message"
    return 1
  fi
  if bad=$(leaked); then
    fail "$name" "check printed the value of a --set parameter ($bad)"
    return 1
  fi
  pass "$name"
}

check_unusable() { # NAME FILE, after run_cfp
  if [[ $RC -ne 2 ]]; then
    fail "$1" "$(why_rc 2)"
  elif ! grep -qF -- "$2" "$work/err"; then
    fail "$1" "the error does not name the file: $(head -c 200 "$work/err")"
  elif [[ $(wc -l <"$work/err") -gt 1 ]]; then
    fail "$1" "the error is more than one line"
  else
    pass "$1"
    return 0
  fi
  return 1
}

# rewrite_case NAME FILE WANT-PATCH-RULES: the rewrite of a clean file is
# clean and a fixed point.  NAME is the file's name under tests/policy.
rewrite_case() {
  local name="policy rewrite $1" file=$2 want=$3 got missing r
  local out=$work/rewritten.yml

  run_cfp policy rewrite "$file" --plan "$PLAN" "${SETS[@]}"
  [[ $RC -eq 0 ]] || { fail "$name" "$(why_rc 0)"; return 1; }
  cp "$work/out" "$out"
  run_cfp policy check "$out" --plan "$PLAN" --format json
  if [[ $RC -ne 0 ]]; then
    got=$(jq -r '[.results[].findings[].rule] | unique | join(" ")' \
      "$work/out" 2>/dev/null)
    fail "$name" "the rewritten file does not pass: $(why_rc 0) ${got}"
    return 1
  fi
  run_cfp policy rewrite "$out" --plan "$PLAN" --format json
  [[ $RC -eq 0 ]] || { fail "$name" "second rewrite: $(why_rc 0)"; return 1; }
  got=$(jq -r '.patches | length' "$work/out" 2>/dev/null)
  if [[ $got != 0 ]]; then
    fail "$name" "rewriting the rewritten file changed it again: \
$(jq -c '.patches[0:3]' "$work/out" 2>/dev/null | head -c 300)"
    return 1
  fi
  if [[ -n $want ]]; then
    run_cfp policy rewrite "$file" --plan "$PLAN" --format json "${SETS[@]}"
    got=" $(jq -r '[.patches[].rule] | unique | join(" ")' "$work/out" \
      2>/dev/null) "
    missing=
    for r in $want; do
      [[ $got == *" $r "* ]] || missing+=" $r"
    done
    if [[ -n $missing ]]; then
      fail "$name" "want patches for$missing got${got% }"
      return 1
    fi
  fi
  pass "$name"
}

# One corpus file: read its directives, check it, rewrite it when clean.
corpus_file() {
  local file=$1 name=${1#"$dir"/} want r

  want=$(sed -n '1s/^# expect: *//p' "$file")
  if [[ -z $want ]]; then
    fail "policy $name" "line 1 is not a '# expect:' directive"
    return 1
  fi
  for r in $want $(directive "$file" rewrite); do
    case $r in
      pass | unusable) ;;
      *) [[ $known_rules == *" $r "* ]] \
        || { fail "policy $name" "unknown rule \`$r\` in a directive"; return 1; } ;;
    esac
  done
  [[ $want == pass || $want == unusable ]] || want=$(normalise <<<"$want")
  read_sets "$file"
  check_case "policy $name" "$file" "$want" || return 1
  if [[ $want == pass ]]; then
    rewrite_case "$name" "$file" "$(directive "$file" rewrite)"
  fi
}

corpus_dir() { # SUBDIR
  local f n=0
  for f in "$dir/$1"/*.yml; do
    [[ -e $f ]] || continue
    if ((++n > MAX_FILES)); then
      fail "policy $1" "more than $MAX_FILES files"
      return 1
    fi
    corpus_file "$f"
  done
}

# Every rule that can reject has at least one hostile file naming it.
coverage() {
  local r missing=
  for r in $(jq -r '.[] | select(.action == "reject") | .id' \
    <<<"$rules_json"); do
    grep -qlE "^# expect:.*\\b$r\\b" "$dir"/reject/*.yml || missing+=" $r"
  done
  if [[ -n $missing ]]; then
    fail "policy coverage" "no file under reject/ for$missing"
  else
    pass "policy coverage"
  fi
}

# ---- generated inputs -----------------------------------------------------

base_yaml() {
  printf 'services:\n  app:\n    image: alpine:3.20\n'
}

pad_comments() { # BYTES: comment lines adding up to about BYTES
  yes '# padding padding padding padding padding padding padding padding' \
    | head -c "$1"
  printf '\n'
}

nested() { # OPEN CLOSE COUNT: COUNT levels of OPEN ... CLOSE
  local open close
  open=$(printf "%$3s" '' | sed "s/ /$1/g")
  close=$(printf "%$3s" '' | sed "s/ /$2/g")
  printf '%s%s' "$open" "$close"
}

generated() {
  local g=$work/gen
  mkdir -p "$g"
  SETS=() SECRETS=()

  { base_yaml; pad_comments $((2 * 1024 * 1024 + 4096)); } >"$g/2mb.yml"
  check_case "policy unusable/generated-2mb.yml" "$g/2mb.yml" unusable

  { base_yaml; printf '    command: '; nested '[' ']' 100000; echo; } \
    >"$g/brackets.yml"
  check_case "policy unusable/generated-nested-brackets.yml" \
    "$g/brackets.yml" unusable

  { base_yaml; printf '    labels: '; nested '{a: ' '}' 100000; echo; } \
    >"$g/braces.yml"
  check_case "policy unusable/generated-nested-maps.yml" "$g/braces.yml" \
    unusable

  { base_yaml; printf '    environment: {A: "caf\xe9 \xff\xfe"}\n'; } \
    >"$g/latin1.yml"
  check_case "policy unusable/generated-not-utf8.yml" "$g/latin1.yml" \
    unusable

  { base_yaml; printf '    environment: {A: "a\0b"}\n'; } >"$g/nul.yml"
  check_case "policy unusable/generated-nul-byte.yml" "$g/nul.yml" unusable

  { base_yaml; pad_comments $((900 * 1024)); } >"$g/near-limit.yml"
  check_case "policy pass/generated-near-limit.yml" "$g/near-limit.yml" pass

  sed 's/$/\r/' "$dir/pass/all-features.yml" >"$g/crlf.yml"
  check_case "policy pass/generated-crlf.yml" "$g/crlf.yml" pass \
    && rewrite_case "pass/generated-crlf.yml" "$g/crlf.yml" ""

  { printf '\xef\xbb\xbf'; cat "$dir/pass/minimal.yml"; } >"$g/bom.yml"
  check_case "policy pass/generated-bom.yml" "$g/bom.yml" pass \
    && rewrite_case "pass/generated-bom.yml" "$g/bom.yml" ""
}

main() {
  local sub
  coverage
  for sub in reject pass realworld unusable; do
    corpus_dir "$sub"
  done
  generated
}

main | tee "$work/log"
failures=$(grep -c '^FAIL:' "$work/log")
[[ $failures -eq 0 ]]
