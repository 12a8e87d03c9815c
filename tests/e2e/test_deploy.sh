#!/usr/bin/env bash
# Deploys on the real engine and checks every hardened default with
# `docker inspect`, then idempotence, updates, lifecycle and removal.
source "$(dirname "$0")/lib.sh"

insp() { docker inspect -f "$2" "$1" 2>/dev/null; }

run_cfp init
check "init creates the state directory" test "$RC" -eq 0
check "init makes the master key 0600" \
  test "$(stat -c %a "$CFP_STATE_DIR/master.key")" = 600
check "init makes the state directory 0700" \
  test "$(stat -c %a "$CFP_STATE_DIR")" = 700
check "master key holds 32 bytes" \
  test "$(stat -c %s "$CFP_STATE_DIR/master.key")" = 32
key_before=$(sha256sum <"$CFP_STATE_DIR/master.key")
run_cfp init
WHY="rc=$RC err=$ERR"
check "init refuses an initialised directory (exit 7)" \
  test "$RC" -eq 7 -a -n "$(grep -o 'initialised already' <<<"$ERR")"
check "init leaves the key alone" \
  test "$key_before" = "$(sha256sum <"$CFP_STATE_DIR/master.key")"
check "the schema is at its numbered version" \
  test "$(sqlite3 "$CFP_STATE_DIR/cfp.db" 'PRAGMA user_version')" -ge 1

run_cfp plan ls --json
check "plan ls lists the four plans" \
  test "$(jq -r '[.[].name] | join(",")' <<<"$OUT")" = \
  "starter,team,business,sovereign"
check "starter: 2 stacks, 0.5 vCPU, 512 MiB" \
  test "$(jq -c '.[0] | [.max_stacks, .vcpus, .memory_bytes]' <<<"$OUT")" \
  = "[2,0.5,536870912]"

run_cfp template ls --json
check "template ls lists the four templates" \
  test "$(jq -r '[.[].name] | join(",")' <<<"$OUT")" = \
  "base-llm,openclaw-agent,telegram-bot,test-agent"
run_cfp template show telegram-bot --json
check "template show names required secrets" \
  test "$(jq -r '.secrets[0]' <<<"$OUT")" = TELEGRAM_BOT_TOKEN

A=$(tenant_name a)
B=$(tenant_name b)
run_cfp tenant create "$A" --plan starter
check "tenant create" test "$RC" -eq 0
run_cfp tenant create "$B" --plan team
run_cfp tenant show "$A" --json
check "tenant show" test "$(jq -r .plan <<<"$OUT")" = starter

run_cfp deploy test-agent --tenant "$A" --name bot
WHY="rc=$RC err=$ERR"
check "deploy test-agent" test "$RC" -eq 0
c=cfp_${A}_bot_agent
check "the container runs" test "$(insp "$c" '{{.State.Running}}')" = true
check "user is the image's non-root user" \
  test "$(insp "$c" '{{.Config.User}}')" = "10001:10001"
check "root filesystem is read-only" \
  test "$(insp "$c" '{{.HostConfig.ReadonlyRootfs}}')" = true
tmp=$(insp "$c" '{{index .HostConfig.Tmpfs "/tmp"}}')
WHY="tmpfs /tmp is '$tmp'"
check "/tmp is tmpfs noexec,nosuid,nodev sized by the plan" \
  test "$tmp" = "rw,noexec,nosuid,nodev,size=67108864"
check "/tmp is really mounted noexec inside" \
  bash -c "docker exec $c cat /proc/mounts | grep ' /tmp ' | grep -q noexec"
check "capabilities: drop ALL, add none" \
  test "$(insp "$c" '{{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}}')" \
  = "[ALL] []"
check "the process has an empty effective capability set" \
  bash -c "docker exec $c cat /proc/1/status | grep -q 'CapEff:.*0000000000000000'"
check "no-new-privileges" \
  test "$(insp "$c" '{{.HostConfig.SecurityOpt}}')" = "[no-new-privileges:true]"
check "not privileged" test "$(insp "$c" '{{.HostConfig.Privileged}}')" = false
check "memory limit is the plan's 512 MiB, no swap" \
  test "$(insp "$c" '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')" \
  = "536870912 536870912"
check "memory reservation is set" \
  test "$(insp "$c" '{{.HostConfig.MemoryReservation}}')" = 268435456
check "CPU limit is the plan's 0.5 vCPU" \
  test "$(insp "$c" '{{.HostConfig.NanoCpus}}')" = 500000000
check "pids limit is the plan's" \
  test "$(insp "$c" '{{.HostConfig.PidsLimit}}')" = 256
check "no published ports" \
  test "$(insp "$c" '{{json .HostConfig.PortBindings}} {{.HostConfig.PublishAllPorts}} {{json .NetworkSettings.Ports}}')" \
  = '{} false {"8080/tcp":null}'
check "only the stack's own network" \
  test "$(insp "$c" '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}')" \
  = "cfp_${A}_bot "
check "the network is a labelled bridge" \
  test "$(docker network inspect -f '{{.Driver}} {{index .Labels "cfp.tenant"}}' "cfp_${A}_bot")" \
  = "bridge $A"
check "json-file logs with max-size and max-file" \
  test "$(insp "$c" '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}}')" \
  = "json-file 10m 3"
check "restart on-failure, bounded" \
  test "$(insp "$c" '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}')" \
  = "on-failure 5"
check "labels cfp.managed/tenant/stack/service/template" \
  test "$(insp "$c" '{{index .Config.Labels "cfp.managed"}} {{index .Config.Labels "cfp.tenant"}} {{index .Config.Labels "cfp.stack"}} {{index .Config.Labels "cfp.service"}} {{index .Config.Labels "cfp.template"}}')" \
  = "true $A bot agent test-agent"
check "traefik.enable=false, so no image label can route it" \
  test "$(insp "$c" '{{index .Config.Labels "traefik.enable"}}')" = false
check "the declared volume is a per-stack named volume" \
  test "$(insp "$c" '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}} {{end}}')" \
  = "volume:cfp_${A}_bot_data:/data "
check "no host path or docker.sock is mounted" \
  bash -c "! docker inspect -f '{{range .Mounts}}{{.Source}} {{end}}' $c | grep -q docker.sock"
ip=$(container_ip "$c")
body=$(http_get "http://$ip:8080/healthz")
WHY="got '$body' from $ip"
check "the container answers /healthz" test "$body" = ok
check "the agent really runs as uid 10001" \
  bash -c "curl -sf --max-time 2 http://$ip:8080/whoami | grep -q '\"uid\":10001'"

id1=$(insp "$c" '{{.Id}}')
run_cfp deploy test-agent --tenant "$A" --name bot
check "redeploy with the same inputs says nothing changed" \
  grep -q 'nothing changed' <<<"$OUT"
check "redeploy keeps the same container" test "$(insp "$c" '{{.Id}}')" = "$id1"

run_cfp deploy test-agent --tenant "$A" --name bot --set LOG_INTERVAL=2 --json
WHY="rc=$RC err=$ERR"
check "redeploy with a changed parameter succeeds" test "$RC" -eq 0
check "it reports the service replaced" \
  test "$(jq -r '.items[] | select(.kind=="service") | .action' <<<"$OUT")" = replaced
check "the container was replaced" test "$(insp "$c" '{{.Id}}')" != "$id1"
check "the new container has the new value" \
  bash -c "docker inspect -f '{{json .Config.Env}}' $c | grep -q AGENT_LOG_INTERVAL=2"
check "the replacement runs" test "$(insp "$c" '{{.State.Running}}')" = true
check "no temporary container is left" \
  test -z "$(docker ps -aq --filter "name=${c}_next")"

# A redeploy whose new container fails to start puts the old one back.
mkdir -p "$CFP_STATE_DIR/templates/redep"
cat >"$CFP_STATE_DIR/templates/redep/template.yml" <<'EOT'
name: redep
parameters:
  SCRATCH: {default: /scratch}
services:
  agent: {kind: service}
EOT
cat >"$CFP_STATE_DIR/templates/redep/compose.yml" <<'EOT'
services:
  agent:
    image: cfp-test-agent:latest
    tmpfs: ["${SCRATCH}"]
EOT
run_cfp deploy redep --tenant "$B" --name rd
check "an operator template deploys" test "$RC" -eq 0
rd=cfp_${B}_rd_agent
rd1=$(insp "$rd" '{{.Id}}')
# /agent is a file in the image, so a tmpfs on /agent/x cannot be mounted.
run_cfp deploy redep --tenant "$B" --name rd --set SCRATCH=/agent/x
WHY="rc=$RC err=$ERR"
check "a redeploy whose container cannot start fails (exit 6)" \
  test "$RC" -eq 6 -a -n "$(grep -o 'start container' <<<"$ERR")"
check "the previous container is back, running" \
  test "$(insp "$rd" '{{.Id}} {{.State.Running}}')" = "$rd1 true"
check "no replacement or set-aside container is left" \
  test "$(docker ps -aq --filter "label=cfp.tenant=$B" --filter label=cfp.stack=rd | wc -l)" = 1
run_cfp stack status "$B/rd" --json
check "the database still describes the running stack" \
  test "$(jq -r '.services[0].state' <<<"$OUT")" = running
run_cfp stack rm "$B/rd" --volumes

run_cfp stack ls --tenant "$A" --json
check "stack ls --json shows the stack" \
  test "$(jq -r '.[0].stack + " " + .[0].state' <<<"$OUT")" = "bot running"
run_cfp stack status "$A/bot" --json
check "stack status shows the service running" \
  test "$(jq -r '.services[0].state' <<<"$OUT")" = running

run_cfp stack stop "$A/bot"
check "stack stop stops the container" \
  test "$(insp "$c" '{{.State.Running}}')" = false
run_cfp stack ls --tenant "$A" --json
check "stack ls shows it stopped" test "$(jq -r '.[0].state' <<<"$OUT")" = stopped
run_cfp stack start "$A/bot"
check "stack start starts it" test "$(insp "$c" '{{.State.Running}}')" = true
started=$(insp "$c" '{{.State.StartedAt}}')
run_cfp stack restart "$A/bot"
check "stack restart restarts it" \
  test "$(insp "$c" '{{.State.StartedAt}}')" != "$started" -a "$RC" -eq 0

# An image whose default user is root runs as nobody.
run_cfp deploy test-agent --tenant "$B" --name rooty --image agent=cfp-test-agent:root
WHY="rc=$RC err=$ERR"
check "deploy with an image override" test "$RC" -eq 0
check "an image without a non-root user runs as 65534:65534" \
  test "$(insp "cfp_${B}_rooty_agent" '{{.Config.User}}')" = "65534:65534"
check "the deploy says why it fell back" grep -q 'names no user' <<<"$OUT"

# An image's VOLUME gets a bounded tmpfs, not a writable anonymous volume.
base=$(docker create --label "cfp.test=$B" cfp-test-agent:latest)
docker commit --change "LABEL cfp.test=$B" --change 'VOLUME /scratch' \
  "$base" "cfp-e2e-vol-$E2E_ID:1" >/dev/null
docker rm -f "$base" >/dev/null
run_cfp deploy test-agent --tenant "$B" --name vol --image "agent=cfp-e2e-vol-$E2E_ID:1"
WHY="rc=$RC err=$ERR"
check "deploy an image that declares a VOLUME" test "$RC" -eq 0
check "the image's VOLUME path is a tmpfs sized by the plan" \
  test "$(insp "cfp_${B}_vol_agent" '{{index .HostConfig.Tmpfs "/scratch"}}')" \
  = "rw,noexec,nosuid,nodev,size=134217728"
check "and no anonymous volume was made for it" \
  test -z "$(insp "cfp_${B}_vol_agent" '{{range .Mounts}}{{if eq .Type "volume"}}{{if eq .Destination "/scratch"}}anon{{end}}{{end}}{{end}}')"
run_cfp stack rm "$B/vol" --volumes

# An image whose USER is a name: cfp reads the image's own /etc/passwd.
base=$(docker create --label "cfp.test=$B" cfp-test-agent:latest)
docker commit --change "LABEL cfp.test=$B" --change 'USER agent' \
  "$base" "cfp-e2e-named-$E2E_ID:1" >/dev/null
printf 'root:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\n' >"$E2E_STATE/passwd"
docker cp "$E2E_STATE/passwd" "$base:/etc/passwd"
docker commit --change "LABEL cfp.test=$B" --change 'USER toor' \
  "$base" "cfp-e2e-toor-$E2E_ID:1" >/dev/null
docker rm -f "$base" >/dev/null
run_cfp deploy test-agent --tenant "$B" --name named --image "agent=cfp-e2e-named-$E2E_ID:1"
WHY="rc=$RC err=$ERR"
check "an image's user name resolves to its uid:gid" \
  test "$(insp "cfp_${B}_named_agent" '{{.Config.User}}')" = "10001:10001"
run_cfp deploy test-agent --tenant "$B" --name toor --image "agent=cfp-e2e-toor-$E2E_ID:1"
check "a user name that is uid 0 in the image runs as 65534:65534" \
  test "$(insp "cfp_${B}_toor_agent" '{{.Config.User}}')" = "65534:65534" \
  -a -n "$(grep -o 'is 0:0, root' <<<"$OUT")"
check "the probe containers that read passwd are gone" \
  test -z "$(docker ps -aq --filter label=cfp.probe)"
run_cfp stack rm "$B/named" --volumes
run_cfp stack rm "$B/toor" --volumes

# Two services, started in depends_on order.
run_cfp deploy base-llm --tenant "$B" --name llm \
  --image litellm=cfp-test-agent:latest --image webui=cfp-test-agent:latest
WHY="rc=$RC err=$ERR"
check "deploy a two-service stack" test "$RC" -eq 0
l=cfp_${B}_llm_litellm w=cfp_${B}_llm_webui
check "both services run" \
  test "$(insp "$l" '{{.State.Running}}') $(insp "$w" '{{.State.Running}}')" = "true true"
check "the dependency started first" \
  test "$(insp "$l" '{{.State.StartedAt}}')" \< "$(insp "$w" '{{.State.StartedAt}}')"
check "services share the stack envelope by their weights (1:2 of 1 GiB)" \
  test "$(insp "$l" '{{.HostConfig.Memory}}') $(insp "$w" '{{.HostConfig.Memory}}')" \
  = "357913941 715827882"
ipw=$(container_ip "$w")
check "services reach each other by name inside the stack" \
  docker exec "$w" /agent get "http://litellm:8080/healthz"

# Isolation between tenants: different networks, no shared membership.
check "two tenants' stacks are on two different networks" \
  test "$(insp "$c" '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}')" \
  != "$(insp "$l" '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}')"
check "a tenant's network holds only its own containers" \
  test "$(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "cfp_${A}_bot")" \
  = "$c "

run_cfp stack rm "$B/llm"
check "stack rm without --volumes keeps the volume" \
  test "$(docker volume ls -q --filter "label=cfp.stack=llm" --filter "label=cfp.tenant=$B")" \
  = "cfp_${B}_llm_webui-data"
check "stack rm removes containers and the network" \
  test -z "$(docker ps -aq --filter label=cfp.stack=llm --filter label=cfp.tenant=$B)$(docker network ls -q --filter label=cfp.stack=llm --filter label=cfp.tenant=$B)"
run_cfp stack rm "$A/bot" --volumes
check "stack rm --volumes succeeds" test "$RC" -eq 0
WHY="left: $(engine_objects "$A")"
check "stack rm --volumes leaves nothing of the stack" \
  test -z "$(engine_objects "$A")"
run_cfp stack ls --tenant "$A" --json
check "the database no longer has the stack" test "$(jq length <<<"$OUT")" = 0
run_cfp stack status "$A/bot"
check "status of a removed stack is not found (exit 3)" test "$RC" -eq 3
run_cfp stack rm "$B/rooty" --volumes
