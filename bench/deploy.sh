#!/usr/bin/env bash
# Figure: wall time of a fresh deploy, images present, for
#   one service   cfp deploy test-agent
#   two services  cfp deploy of a template with two independent services
#   two, ordered  cfp deploy base-llm (webui depends_on litellm)
# against two peers measured in the same run:
#   raw      the same hardened network, volume and containers created and
#            started by plain curl calls to the Engine API, one after another
#   compose  docker-compose up -d of an equivalent hardened compose file
# Each is run RUNS times (default 11); the median is reported, with the
# ratios cfp/raw and compose/cfp.  Teardown is not timed.
#
# Usage: bench/deploy.sh CFP_BINARY [RUNS]
set -euo pipefail
shopt -s inherit_errexit

cfp=$(readlink -f "${1:?usage: bench/deploy.sh CFP_BINARY [RUNS]}")
runs=${2:-11}
sock=/var/run/docker.sock
work=$(mktemp -d /tmp/cfp-bench.XXXXXX)
export CFP_STATE_DIR=$work/state
tenant=bench-$$
image=cfp-test-agent:latest

cleanup() {
  docker ps -aq --filter "label=cfp.bench=$tenant" | xargs -r docker rm -f >/dev/null
  docker ps -aq --filter "label=cfp.tenant=$tenant" | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter "label=cfp.bench=$tenant" | xargs -r docker network rm >/dev/null
  docker network ls -q --filter "label=cfp.tenant=$tenant" | xargs -r docker network rm >/dev/null
  docker volume ls -q --filter "label=cfp.bench=$tenant" | xargs -r docker volume rm >/dev/null
  docker volume ls -q --filter "label=cfp.tenant=$tenant" | xargs -r docker volume rm >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ---- cfp ----

"$cfp" init >/dev/null
"$cfp" tenant create "$tenant" --plan starter >/dev/null
mkdir -p "$CFP_STATE_DIR/templates/bench-pair"
cat >"$CFP_STATE_DIR/templates/bench-pair/template.yml" <<'EOT'
name: bench-pair
description: two independent test agents, for bench/deploy.sh
parameters: {}
secrets: []
services:
  one: {kind: service, expose: [8080]}
  two: {kind: service, expose: [8080]}
volumes:
  data: {state: true}
EOT
cat >"$CFP_STATE_DIR/templates/bench-pair/compose.yml" <<EOT
services:
  one:
    image: $image
    volumes: [data:/data]
  two:
    image: $image
volumes:
  data: {}
EOT

cfp_once() { # TEMPLATE [ARGS...] -> ms
  local t0 t1
  t0=$(now_ms)
  "$cfp" deploy "$@" --tenant "$tenant" --name s >/dev/null
  t1=$(now_ms)
  "$cfp" stack rm "$tenant/s" --volumes >/dev/null
  echo $((t1 - t0))
}

# ---- raw Engine API calls with curl ----

api() { # METHOD PATH [BODY]
  curl -sf --unix-socket "$sock" -X "$1" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "http://engine/v1.41$2" >/dev/null
}

spec() { # NAME VOLUME-MOUNT-JSON -> the hardened create body cfp sends
  cat <<EOT
{"Image":"$image","User":"10001:10001","Labels":{"cfp.bench":"$tenant"},
 "ExposedPorts":{"8080/tcp":{}},
 "HostConfig":{"Privileged":false,"ReadonlyRootfs":true,"CapDrop":["ALL"],
  "CapAdd":[],"SecurityOpt":["no-new-privileges:true"],
  "NetworkMode":"bench_$tenant","IpcMode":"private",
  "Tmpfs":{"/tmp":"rw,noexec,nosuid,nodev,size=67108864"},"Mounts":[$2],
  "Memory":536870912,"MemorySwap":536870912,"MemoryReservation":268435456,
  "NanoCpus":500000000,"CpuShares":512,"PidsLimit":256,"OomScoreAdj":500,
  "Init":true,"LogConfig":{"Type":"json-file",
   "Config":{"max-size":"10m","max-file":"3"}},
  "RestartPolicy":{"Name":"on-failure","MaximumRetryCount":5},
  "Ulimits":[{"Name":"nofile","Soft":4096,"Hard":8192}]},
 "NetworkingConfig":{"EndpointsConfig":{"bench_$tenant":{"Aliases":["$1"]}}}}
EOT
}

raw_once() { # NSERVICES -> ms
  local t0 t1 i mount
  mount='{"Type":"volume","Source":"bench_'$tenant'_data","Target":"/data"}'
  t0=$(now_ms)
  api POST /networks/create "{\"Name\":\"bench_$tenant\",\"Driver\":\"bridge\",\"Labels\":{\"cfp.bench\":\"$tenant\"}}"
  api POST /volumes/create "{\"Name\":\"bench_${tenant}_data\",\"Labels\":{\"cfp.bench\":\"$tenant\"}}"
  for ((i = 1; i <= $1; i++)); do
    api POST "/containers/create?name=bench_${tenant}_$i" "$(spec "s$i" "$mount")"
    api POST "/containers/bench_${tenant}_$i/start"
    mount=
  done
  t1=$(now_ms)
  for ((i = 1; i <= $1; i++)); do
    api DELETE "/containers/bench_${tenant}_$i?force=1"
  done
  api DELETE "/networks/bench_$tenant"
  api DELETE "/volumes/bench_${tenant}_data"
  echo $((t1 - t0))
}

# ---- docker-compose ----

compose_file() { # NSERVICES ORDERED
  local i
  echo "version: '2.4'"
  echo "services:"
  for ((i = 1; i <= $1; i++)); do
    cat <<EOT
  s$i:
    image: $image
    user: "10001:10001"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    ipc: private
    init: true
    tmpfs: ["/tmp:rw,noexec,nosuid,nodev,size=67108864"]
    mem_limit: 536870912
    memswap_limit: 536870912
    mem_reservation: 268435456
    cpus: 0.5
    pids_limit: 256
    oom_score_adj: 500
    ulimits: {nofile: {soft: 4096, hard: 8192}}
    logging: {driver: json-file, options: {max-size: 10m, max-file: "3"}}
    restart: on-failure:5
    labels: {cfp.bench: "$tenant"}
EOT
    if ((i == 1)); then echo "    volumes: [data:/data]"; fi
    if (($2 && i > 1)); then echo "    depends_on: [s1]"; fi
  done
  echo "volumes: {data: {labels: {cfp.bench: \"$tenant\"}}}"
  echo "networks: {default: {labels: {cfp.bench: \"$tenant\"}}}"
}

compose_once() { # NSERVICES ORDERED -> ms
  local t0 t1 f=$work/compose-$1-$2.yml
  compose_file "$1" "$2" >"$f"
  t0=$(now_ms)
  docker-compose -p "b$$" -f "$f" up -d >/dev/null 2>&1
  t1=$(now_ms)
  docker-compose -p "b$$" -f "$f" down -v >/dev/null 2>&1
  echo $((t1 - t0))
}

measure() { # LABEL COMMAND... -> median ms, progress on stderr
  local label=$1 i out=()
  shift
  for ((i = 0; i < runs; i++)); do
    out+=("$("$@")")
    printf '\r  %-34s %2d/%d' "$label" $((i + 1)) "$runs" >&2
  done
  printf '\n' >&2
  printf '%s\n' "${out[@]}" | median
}

echo "bench/deploy.sh: median of $runs fresh deploys each, ms" >&2
c1=$(measure "cfp, one service" cfp_once test-agent)
r1=$(measure "raw API, one service" raw_once 1)
d1=$(measure "docker-compose, one service" compose_once 1 0)
c2=$(measure "cfp, two services" cfp_once bench-pair)
r2=$(measure "raw API, two services" raw_once 2)
d2=$(measure "docker-compose, two services" compose_once 2 0)
c3=$(measure "cfp, two ordered services" cfp_once base-llm \
  --image litellm=$image --image webui=$image)
d3=$(measure "docker-compose, two ordered" compose_once 2 1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf '\n%-24s %8s %8s %8s %9s %13s\n' "stack" "cfp" "raw" "compose" \
  "cfp/raw" "compose/cfp"
printf '%-24s %8s %8s %8s %9s %13s\n' "one service" "$c1" "$r1" "$d1" \
  "$(ratio "$c1" "$r1")" "$(ratio "$d1" "$c1")"
printf '%-24s %8s %8s %8s %9s %13s\n' "two services" "$c2" "$r2" "$d2" \
  "$(ratio "$c2" "$r2")" "$(ratio "$d2" "$c2")"
printf '%-24s %8s %8s %8s %9s %13s\n' "two, depends_on" "$c3" "$r2" "$d3" \
  "$(ratio "$c3" "$r2")" "$(ratio "$d3" "$c3")"
