#!/usr/bin/env bash
# Every bad input gets one clear line, its documented exit code, and
# leaves no container, network, volume or database row behind.
source "$(dirname "$0")/lib.sh"

T=$(tenant_name t)

# expect NAME CODE PATTERN -- cfp args...: runs cfp and checks the exit code,
# that stderr is one line matching PATTERN, and that nothing was left.
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  run_cfp "$@"
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '')
  if [[ $RC -ne $code ]]; then
    fail "$name" "exit $RC, want $code (stderr: $ERR)"
  elif [[ $lines -ne 1 ]] || ! grep -qE -- "$pattern" <<<"$ERR"; then
    fail "$name" "stderr '$ERR' does not match '$pattern' on one line"
  elif [[ -n $(engine_objects "$T") ]]; then
    fail "$name" "left behind: $(engine_objects "$T" | tr '\n' ' ')"
  elif [[ -e $CFP_STATE_DIR/cfp.db && \
    $(sqlite3 "$CFP_STATE_DIR/cfp.db" 'SELECT count(*) FROM stacks') -ne \
    ${STACKS_OK:-0} ]]; then
    fail "$name" "the database records a stack"
  else
    pass "$name"
  fi
}

expect "uninitialised state directory" 7 'is not initialised.*cfp init' -- \
  tenant ls
"$CFP" init >/dev/null
"$CFP" tenant create "$T" --plan starter >/dev/null

expect "unknown command" 2 'unknown command `frobnicate`' -- frobnicate
expect "unknown option" 2 'deploy: unknown option' -- \
  deploy test-agent --tenant "$T" --name x --bogus
expect "deploy without --tenant" 2 '--tenant and --name are required' -- \
  deploy test-agent --name x
expect "unknown plan" 3 'unknown plan `gold`' -- \
  tenant create "$(tenant_name p)" --plan gold
expect "tenant name not a DNS label" 4 'tenant name `Bad_Name` is not a DNS label' -- \
  tenant create Bad_Name --plan team
expect "tenant exists" 8 "tenant \`$T\` exists already" -- \
  tenant create "$T" --plan team
expect "unknown tenant" 3 'unknown tenant `nobody-here`' -- \
  deploy test-agent --tenant nobody-here --name x
expect "unknown template" 3 'unknown template `nope` \(known: base-llm' -- \
  deploy nope --tenant "$T" --name x
expect "unknown parameter" 4 'has no parameter `COLOUR` \(parameters: LOG_INTERVAL, MISBEHAVE\)' -- \
  deploy test-agent --tenant "$T" --name x --set COLOUR=red
expect "--set without =" 2 'expected KEY=VALUE' -- \
  deploy test-agent --tenant "$T" --name x --set COLOUR
expect "stack name not a DNS label" 4 'stack name `-x` is not a DNS label' -- \
  deploy test-agent --tenant "$T" --name=-x
expect "stack name too long" 4 'stack name `a{64}` is not a DNS label' -- \
  deploy test-agent --tenant "$T" --name "$(printf 'a%.0s' {1..64})"
expect "--image for an unknown service" 4 'has no service `web`' -- \
  deploy test-agent --tenant "$T" --name x --image web=busybox
expect "missing image" 3 'image `cfp-no-such-image:1` is not on the engine \(cfp never pulls' -- \
  deploy test-agent --tenant "$T" --name x --image agent=cfp-no-such-image:1
expect "a --set value that is not UTF-8" 4 '`--set MISBEHAVE`: the value is not valid UTF-8' -- \
  deploy test-agent --tenant "$T" --name x --set MISBEHAVE=$'\xff\xfe'
expect "--image that is not an image reference" 4 'not a valid image reference' -- \
  deploy test-agent --tenant "$T" --name x --image 'agent=a b?c'

# Values given with --set may be secrets: no error repeats them.
secret=cfp-planted-secret-$RANDOM$RANDOM
mkdir -p "$CFP_STATE_DIR/templates/leaky"
cat >"$CFP_STATE_DIR/templates/leaky/template.yml" <<'EOT'
name: leaky
parameters:
  P: {default: ""}
services:
  agent: {kind: service}
volumes:
  data: {}
EOT
leak=
for body in 'user: "${P}"' 'volumes: ["data:/data:${P}"]' 'tmpfs: ["${P}"]' \
  'environment: {X: "${NOPE:?${P}}"}'; do
  printf 'services:\n  agent:\n    image: cfp-test-agent:latest\n    %s\nvolumes:\n  data: {}\n' \
    "$body" >"$CFP_STATE_DIR/templates/leaky/compose.yml"
  run_cfp deploy leaky --tenant "$T" --name x --set "P=$secret"
  [[ $RC -eq 0 ]] && leak+="[$body deployed] "
  grep -q "$secret" <<<"$OUT$ERR" && leak+="[$body: $ERR] "
  "$CFP" stack rm "$T/x" --volumes >/dev/null 2>&1
done
run_cfp deploy test-agent --tenant "$T" --name x "--sett=MISBEHAVE=$secret"
grep -q "$secret" <<<"$OUT$ERR" && leak+="[--sett: $ERR] "
run_cfp deploy test-agent --tenant "$T" --name x "--set==$secret"
grep -q "$secret" <<<"$OUT$ERR" && leak+="[--set=: $ERR] "
WHY=$leak
check "no error message repeats a --set value" test -z "$leak"

# An image's own traefik labels would route the container: refused.
base=$(docker create --label "cfp.test=$T" cfp-test-agent:latest)
docker commit --change "LABEL cfp.test=$T" \
  --change 'LABEL Traefik.http.routers.evil.rule=Host(`victim.example`)' \
  "$base" "cfp-e2e-evil-$E2E_ID:1" >/dev/null
expect "an image with traefik labels is refused" 4 \
  'carries label `Traefik.http.routers.evil.rule`' -- \
  deploy test-agent --tenant "$T" --name x --image "agent=cfp-e2e-evil-$E2E_ID:1"
docker rm -f "$base" >/dev/null

DOCKER_HOST=unix:///nonexistent/docker.sock \
  expect "engine down" 6 'docker engine at `/nonexistent/docker.sock` does not answer' -- \
  deploy test-agent --tenant "$T" --name x

# The engine refuses half-way: a container of the same name that cfp did
# not create makes the create fail after network and volume exist.
docker create --name "cfp_${T}_clash_agent" --label "cfp.test=$T" \
  cfp-test-agent:latest >/dev/null
expect "engine error half-way rolls back network and volume" 8 \
  'create container: Conflict.*already in use' -- \
  deploy test-agent --tenant "$T" --name clash
docker rm -f "cfp_${T}_clash_agent" >/dev/null

# A foreign network with the stack's name is refused, never adopted.
docker network create --label "cfp.test=$T" "cfp_${T}_foreign" >/dev/null
expect "a foreign network of the same name is refused" 8 \
  "network \`cfp_${T}_foreign\` exists on the engine and does not belong" -- \
  deploy test-agent --tenant "$T" --name foreign
docker network rm "cfp_${T}_foreign" >/dev/null

# The plan's stack count: starter allows two.
"$CFP" deploy test-agent --tenant "$T" --name one >/dev/null 2>&1
"$CFP" deploy test-agent --tenant "$T" --name two >/dev/null 2>&1
before=$(engine_objects "$T" | sort)
run_cfp deploy test-agent --tenant "$T" --name three
WHY="rc=$RC err=$ERR"
check "a stack beyond the plan's count is refused (exit 5)" \
  test "$RC" -eq 5 -a -n "$(grep -o "has 2 stacks, the most its plan \`starter\` allows" <<<"$ERR")"
check "the refused deploy created nothing" \
  test "$before" = "$(engine_objects "$T" | sort)"
run_cfp deploy test-agent --tenant "$T" --name two
check "redeploying an existing stack at the limit is allowed" test "$RC" -eq 0
"$CFP" stack rm "$T/one" --volumes >/dev/null
"$CFP" stack rm "$T/two" --volumes >/dev/null

# Two deploys at once for a tenant with one slot left: exactly one wins.
"$CFP" deploy test-agent --tenant "$T" --name one >/dev/null 2>&1
"$CFP" deploy test-agent --tenant "$T" --name race1 >"$E2E_STATE/r1" 2>&1 &
p1=$!
"$CFP" deploy test-agent --tenant "$T" --name race2 >"$E2E_STATE/r2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
WHY="exit codes $r1 and $r2: $(cat "$E2E_STATE/r1" "$E2E_STATE/r2" | tr '\n' ' ')"
check "concurrent deploys cannot both pass the stack count" \
  test "$(printf '%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" = "0 5 "
check "the losing deploy left nothing behind" \
  test "$(sqlite3 "$CFP_STATE_DIR/cfp.db" 'SELECT count(*) FROM stacks') $(docker ps -aq --filter "label=cfp.tenant=$T" | wc -l)" = "2 2"
"$CFP" stack rm "$T/one" --volumes >/dev/null
"$CFP" stack rm "$T/race1" --volumes >/dev/null 2>&1
"$CFP" stack rm "$T/race2" --volumes >/dev/null 2>&1

# An interrupted deploy is all or nothing, wherever the signal lands.
partial=
for delay in 0.02 0.08 0.15 0.25; do
  "$CFP" deploy test-agent --tenant "$T" --name sig >/dev/null 2>&1 &
  p=$!
  sleep "$delay"
  kill -INT "$p" 2>/dev/null
  wait "$p"
  rc=$?
  n=$(engine_objects "$T" | wc -l)
  db=$(sqlite3 "$CFP_STATE_DIR/cfp.db" "SELECT count(*) FROM stacks")
  if ! { [[ $rc -eq 0 && $n -eq 3 && $db -eq 1 ]] \
    || [[ $rc -ne 0 && $n -eq 0 && $db -eq 0 ]]; }; then
    partial+="delay $delay: exit $rc, $n objects, $db rows; "
  fi
  "$CFP" stack rm "$T/sig" --volumes >/dev/null 2>&1
done
WHY=$partial
check "an interrupted deploy leaves all or nothing" test -z "$partial"

expect "rm of an unknown stack" 3 "tenant \`$T\` has no stack \`ghost\`" -- \
  stack rm "$T/ghost"
expect "a stack reference without a slash" 2 '`justone` is not TENANT/STACK' -- \
  stack status justone

for c in init "plan ls" "tenant ls" "template ls" deploy "stack ls"; do
  # shellcheck disable=SC2086
  run_cfp $c --help
  check "cfp $c --help" test "$RC" -eq 0 -a -n "$(grep -o usage: <<<"$OUT")"
done
run_cfp --help
check "cfp --help documents the exit codes" \
  test -n "$(grep -o 'exit codes:' <<<"$OUT")"
