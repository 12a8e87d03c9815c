# Shared helpers of the end-to-end tests: sourced, not run.
#
# Every test script drives the real cfp binary ($CFP) against the real
# engine with its own state directory and tenants named e2e-<pid>-..., and
# prints one line per check: "PASS: name", "FAIL: name: why" or
# "SKIP: name: why".  tests/run.sh counts those lines.

set -uo pipefail

: "${CFP:?CFP must point at the cfp binary}"
E2E_ID=${E2E_ID:-$$}
E2E_STATE=$(mktemp -d /tmp/cfp-e2e.XXXXXX)
export CFP_STATE_DIR=$E2E_STATE/state

pass() { printf 'PASS: %s\n' "$1"; }
fail() { printf 'FAIL: %s: %s\n' "$1" "$2"; }
skip() { printf 'SKIP: %s: %s\n' "$1" "$2"; }

# A tenant name unique to this run; cleanup() finds everything of the run
# by the prefix e2e-<id>-, so names made in $(...) subshells count too.
tenant_name() {
  printf 'e2e-%s-%s' "$E2E_ID" "$1"
}

# Runs cfp, keeping stdout, stderr and the exit code in OUT, ERR, RC.
run_cfp() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$CFP" "$@" >"$o" 2>"$e"
  RC=$?
  OUT=$(cat "$o")
  ERR=$(cat "$e")
  rm -f "$o" "$e"
}

# check NAME CONDITION-COMMAND...: PASS when the command succeeds.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name" "${WHY:-condition failed: $*}"; fi
  WHY=
}

# Docker objects carrying cfp.tenant=T, as "kind name" lines.
engine_objects() {
  local t=$1
  docker ps -aq --filter "label=cfp.tenant=$t" | sed 's/^/container /'
  docker network ls -q --filter "label=cfp.tenant=$t" | sed 's/^/network /'
  docker volume ls -q --filter "label=cfp.tenant=$t" | sed 's/^/volume /'
}

# Objects whose LABEL starts with this run's prefix: run_objects LABEL
# FIELD docker-listing-command... (FIELD is .ID, or .Name for volumes).
run_objects() {
  local label=$1 field=$2
  shift 2
  docker "$@" --filter "label=$label" \
    --format "{{$field}} {{.Label \"$label\"}}" 2>/dev/null \
    | awk -v p="e2e-$E2E_ID-" 'index($2, p) == 1 { print $1 }'
}

# Removes every engine object of this run (labelled with its tenants, or
# with cfp.test=<tenant> for what a test made itself) and the state dir.
cleanup() {
  local l
  for l in cfp.tenant cfp.test; do
    run_objects "$l" .ID ps -a | xargs -r docker rm -f >/dev/null 2>&1
    run_objects "$l" .ID network ls | xargs -r docker network rm >/dev/null 2>&1
    run_objects "$l" .Name volume ls | xargs -r docker volume rm -f \
      >/dev/null 2>&1
  done
  # Image listings show no labels: the tests tag theirs cfp-e2e-*-<id>.
  docker images --filter label=cfp.test --format '{{.Repository}}:{{.Tag}}' \
    | grep -E "^cfp-e2e-[a-z]+-$E2E_ID:" | xargs -r docker rmi -f >/dev/null 2>&1
  rm -rf "$E2E_STATE"
}
trap cleanup EXIT

# HTTP GET from the host to a container on its bridge network, bounded:
# at most 20 tries over about 6 seconds.
http_get() {
  local url=$1 i
  for ((i = 0; i < 20; i++)); do
    curl -sf --max-time 1 "$url" && return 0
    sleep 0.3
  done
  return 1
}

container_ip() {
  docker inspect -f \
    '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}
