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
E2E_TENANTS=()

pass() { printf 'PASS: %s\n' "$1"; }
fail() { printf 'FAIL: %s: %s\n' "$1" "$2"; }
skip() { printf 'SKIP: %s: %s\n' "$1" "$2"; }

# A tenant name unique to this run, remembered for cleanup.
tenant_name() {
  local t="e2e-$E2E_ID-$1"
  E2E_TENANTS+=("$t")
  printf '%s' "$t"
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

# Removes every engine object of this run's tenants and the state dir.
cleanup() {
  local t
  for t in "${E2E_TENANTS[@]}"; do
    for l in "cfp.tenant=$t" "cfp.test=$t"; do
      docker ps -aq --filter "label=$l" | xargs -r docker rm -f \
        >/dev/null 2>&1
      docker network ls -q --filter "label=$l" \
        | xargs -r docker network rm >/dev/null 2>&1
      docker volume ls -q --filter "label=$l" \
        | xargs -r docker volume rm -f >/dev/null 2>&1
      docker images -q --filter "label=$l" | xargs -r docker rmi -f \
        >/dev/null 2>&1
    done
  done
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
