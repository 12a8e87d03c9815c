#!/usr/bin/env bash
# Tenants' own compose files: the admission policy decides before anything
# is created, and what deploys is the file as the policy rewrote it.
source "$(dirname "$0")/lib.sh"

insp() { docker inspect -f "$2" "$1" 2>/dev/null; }

"$CFP" init >/dev/null
T=$(tenant_name c)
"$CFP" tenant create "$T" --plan team >/dev/null

for t in test-agent openclaw-agent telegram-bot base-llm; do
  run_cfp policy check --template "$t"
  WHY="rc=$RC out=$OUT err=$ERR"
  check "the $t template passes the policy with no finding" test "$RC" -eq 0
done

run_cfp policy rules --format markdown
if [[ -f docs/policy.md ]]; then
  WHY="regenerate with: cfp policy rules --format markdown > docs/policy.md"
  check "docs/policy.md is the generated catalogue" \
    test "$OUT" = "$(cat docs/policy.md)"
else
  fail "docs/policy.md is the generated catalogue" "docs/policy.md is missing"
fi

good=$E2E_STATE/good.yml
cat >"$good" <<'EOT'
services:
  web:
    image: cfp-test-agent:latest
    environment:
      AGENT_LOG_INTERVAL: "${INTERVAL:-7}"
    expose: ["8080"]
    volumes: [data:/data]
    depends_on: [worker]
  worker:
    image: cfp-test-agent:latest
    restart: always
volumes:
  data: {}
EOT
run_cfp deploy --compose "$good" --tenant "$T" --name own
WHY="rc=$RC err=$ERR"
check "a tenant compose file that passes the policy deploys" test "$RC" -eq 0
w=cfp_${T}_own_web
check "its containers get the hardened defaults" \
  test "$(insp "$w" '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.Config.User}}')" \
  = "true [ALL] [no-new-privileges:true] 10001:10001"
check "containers get a private cgroup namespace" \
  test "$(insp "$w" '{{.HostConfig.CgroupnsMode}}')" = private
check "restart: always was rewritten to a bounded on-failure" \
  test "$(insp "cfp_${T}_own_worker" '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}')" \
  = "on-failure 5"
check "interpolation took the default" \
  bash -c "docker inspect -f '{{json .Config.Env}}' $w | grep -q AGENT_LOG_INTERVAL=7"
check "the database keeps the file as the policy rewrote it" \
  bash -c "sqlite3 '$CFP_STATE_DIR/cfp.db' \"SELECT compose FROM stacks WHERE name='own'\" | grep -q 'read_only: true'"
run_cfp deploy --compose "$good" --tenant "$T" --name own
check "deploying the same file again changes nothing" \
  grep -q 'nothing changed' <<<"$OUT"

bad=$E2E_STATE/bad.yml
cat >"$bad" <<'EOT'
services:
  web:
    image: cfp-test-agent:latest
    privileged: true
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    ports: ["8080:8080"]
EOT
run_cfp deploy --compose "$bad" --tenant "$T" --name evil
WHY="rc=$RC err=$ERR"
check "a hostile file is refused (exit 4)" test "$RC" -eq 4
check "every finding is printed with its rule and position" \
  test "$(grep -oE 'bad.yml:[0-9]+:[0-9]+: CFP-HC-(01|24|45)' <<<"$ERR" | wc -l)" -ge 3
check "the refused file created nothing" \
  test -z "$(docker ps -aq --filter "label=cfp.tenant=$T" --filter label=cfp.stack=evil)$(docker network ls -q --filter "label=cfp.tenant=$T" --filter label=cfp.stack=evil)"
check "and recorded nothing" \
  test "$(sqlite3 "$CFP_STATE_DIR/cfp.db" "SELECT count(*) FROM stacks WHERE name='evil'")" = 0

run_cfp policy check "$bad" --format sarif
check "policy check exits 1 on findings" test "$RC" -eq 1
check "the SARIF report names the rules" \
  test "$(jq -r '[.runs[0].results[].ruleId] | sort | unique | join(",")' <<<"$OUT")" \
  = "CFP-HC-01,CFP-HC-24,CFP-HC-45"
printf 'services: [unclosed\n' >"$E2E_STATE/broken.yml"
run_cfp policy check "$E2E_STATE/broken.yml"
check "policy check exits 2 on unusable input, naming the position" \
  test "$RC" -eq 2 -a -n "$(grep -oE 'broken.yml:[0-9]+:[0-9]+' <<<"$ERR")"
run_cfp policy explain cfp-hc-24
check "policy explain shows a rule" grep -q 'Docker socket' <<<"$OUT"

# --set values may be secrets: no output of check or deploy repeats them,
# whole, cut short, with backticks, or through the rewritten file.
secret="s3cr3t\`pass-$RANDOM$RANDOM-$(printf 'x%.0s' {1..80})"
leak=
for body in 'working_dir: "${P}"' 'tmpfs: ["${P}"]' 'stop_signal: "${P}"' \
  'expose: ["${P}"]' 'user: "${P}"' 'image: "${P}"'; do
  printf 'services:\n  app:\n    image: cfp-test-agent:latest\n    %s\n' \
    "$body" >"$E2E_STATE/leak.yml"
  for cmd in "policy check" "deploy --compose"; do
    # shellcheck disable=SC2086
    run_cfp $cmd "$E2E_STATE/leak.yml" --tenant "$T" --name leak --set "P=$secret"
    [[ $cmd == policy* ]] && run_cfp policy check "$E2E_STATE/leak.yml" --set "P=$secret"
    grep -qF "${secret:0:12}" <<<"$OUT$ERR" && leak+="[$body / $cmd: $OUT$ERR] "
    [[ $cmd == deploy* && $RC -eq 0 ]] && "$CFP" stack rm "$T/leak" --volumes >/dev/null 2>&1
  done
done
WHY=$leak
check "no output repeats any part of a --set value" test -z "$leak"

# depends_on with condition service_healthy: the dependent starts only
# once its dependency's healthcheck has passed.
healthy=$E2E_STATE/healthy.yml
cat >"$healthy" <<'EOT'
services:
  db:
    image: cfp-test-agent:latest
    healthcheck:
      test: ["CMD", "/agent", "probe", "8080"]
      interval: 5s
  app:
    image: cfp-test-agent:latest
    depends_on:
      db: {condition: service_healthy}
EOT
run_cfp deploy --compose "$healthy" --tenant "$T" --name hc
WHY="rc=$RC out=$OUT err=$ERR"
check "a service_healthy dependency is waited for" \
  test "$RC" -eq 0 -a -n "$(grep -E 'db +healthy' <<<"$OUT")"
check "the dependent started after its dependency was healthy" \
  test "$(insp "cfp_${T}_hc_app" '{{.State.StartedAt}}')" \> \
  "$(insp "cfp_${T}_hc_db" '{{(index .State.Health.Log 0).End}}')"
"$CFP" stack rm "$T/hc" --volumes >/dev/null 2>&1
sed -i '/healthcheck:/,/interval:/d' "$healthy"
run_cfp deploy --compose "$healthy" --tenant "$T" --name hc2
check "waiting on a dependency without a healthcheck fails and rolls back" \
  test "$RC" -ne 0 -a -n "$(grep -o 'has no healthcheck' <<<"$ERR")" \
  -a -z "$(docker ps -aq --filter "label=cfp.tenant=$T" --filter label=cfp.stack=hc2)"

# The operator's allowlists: <state-dir>/policy.json.
caps=$E2E_STATE/caps.yml
cat >"$caps" <<'EOT'
services:
  web:
    image: cfp-test-agent:latest
    cap_add: [net_bind_service]
EOT
run_cfp policy check "$caps"
check "cap_add is refused while the allowlist is empty (CFP-HC-04)" \
  test "$RC" -eq 1 -a -n "$(grep -o 'CFP-HC-04' <<<"$OUT")"
echo '{"cap_allow": ["NET_BIND_SERVICE"]}' >"$CFP_STATE_DIR/policy.json"
run_cfp policy check "$caps"
check "the operator's allowlist admits it" test "$RC" -eq 0
run_cfp deploy --compose "$caps" --tenant "$T" --name caps
WHY="rc=$RC err=$ERR"
check "and the container gets exactly that capability" \
  test "$(insp "cfp_${T}_caps_web" '{{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}}')" \
  = "[ALL] [NET_BIND_SERVICE]"
"$CFP" stack rm "$T/caps" --volumes >/dev/null 2>&1
echo '{"registry_allow": ["registry.example.com"]}' >"$CFP_STATE_DIR/policy.json"
run_cfp policy check "$good"
check "images outside the registry allowlist are refused (CFP-HC-54)" \
  test "$RC" -eq 1 -a -n "$(grep -o 'CFP-HC-54' <<<"$OUT")"
echo '{"cap_allow": "ALL"}' >"$CFP_STATE_DIR/policy.json"
run_cfp policy check "$good"
check "a malformed policy.json is unusable input, named" \
  test "$RC" -eq 2 -a -n "$(grep -o 'policy.json' <<<"$ERR")"
rm -f "$CFP_STATE_DIR/policy.json"

"$CFP" stack rm "$T/own" --volumes >/dev/null
