#!/usr/bin/env bash
# Figure: admission-policy throughput in compose files per second on one
# core, for
#   typical  tests/policy/realworld/litellm-openwebui.yml (three services)
#   large    a generated stack of 60 services
# cfp is measured two ways:
#   library  load, check and (the file being clean) rewrite, N times in one
#            process: bench/policy_bench.c, built here with gcc -O2 from
#            the same sources as the fuzz target
#   cli      `cfp policy check FILE --plan team`, one process per file
#            (only when CFP_BINARY is given and has the policy command)
# against a peer measured in the same run:
#   compose  Debian's docker-compose 1.29 validating the same file,
#            `docker-compose -f FILE config -q`, one process per file
# Each figure is the median of RUNS runs (default 5); the ratios are
# cfp/compose.  Everything runs pinned to one CPU.  The goal (issue 3) is
# at least 5,000 typical files per second per core for the library.
#
# Usage: bench/policy.sh [CFP_BINARY] [RUNS]
set -euo pipefail
shopt -s inherit_errexit

usage="usage: bench/policy.sh [CFP_BINARY] [RUNS]"
cfp=${1:-}
runs=${2:-5}
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "$usage" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/cfp-bench-policy.XXXXXX)
trap 'rm -rf "$work"' EXIT
typical=$root/tests/policy/realworld/litellm-openwebui.yml
large=$work/large-60.yml
goal=5000
cli_per_run=40  # processes per CLI run
peer_per_run=5  # processes per docker-compose run
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

now_ns() { date +%s%N; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

rate() { # COUNT NANOSECONDS -> files per second
  awk -v n="$1" -v ns="$2" 'BEGIN {printf "%.1f", n / (ns / 1e9)}'
}

# ---- inputs ----

large_file() { # 60 services as a tenant would write them
  local i
  echo "services:"
  for ((i = 1; i <= 60; i++)); do
    cat <<EOT
  worker$i:
    image: ghcr.io/acme/worker:1.4.2
    command: ["worker", "--queue", "q$i", "--concurrency", "2"]
    environment:
      QUEUE: q$i
      REDIS_URL: redis://queue:6379/0
      LOG_LEVEL: info
      WORKER_ID: "$i"
    expose: ["$((8000 + i))"]
    volumes:
      - data$i:/data
    healthcheck:
      test: ["CMD", "/app/worker", "health"]
      interval: 30s
      timeout: 5s
      retries: 3
    labels:
      app.part: worker
EOT
    ((i > 1)) && printf '    depends_on:\n      worker1:\n        condition: service_healthy\n'
  done
  echo "volumes:"
  for ((i = 1; i <= 60; i++)); do echo "  data$i: {}"; done
}

# ---- cfp, library ----

build_bench() {
  # shellcheck disable=SC2046 # pkg-config prints several words on purpose
  gcc -std=c17 -D_GNU_SOURCE -O2 -DNDEBUG -I"$root/src" \
    -o "$work/policy_bench" "$root/bench/policy_bench.c" \
    "$root"/src/core/*.c "$root"/src/compose/*.c "$root"/src/policy/*.c \
    "$root/src/ops/plan.c" \
    $(pkg-config --cflags --libs libfyaml jansson libsodium) -lm
}


calibrate() { # FILE -> iterations for about one second; what the file
  local r     # holds and where the time goes, on stderr
  r=$("${pin[@]}" "$work/policy_bench" "$1" 200 2> >(sed 's/^/  /' >&2))
  awk -v r="$r" 'BEGIN {n = int(r); print (n < 200) ? 200 : n}'
}

lib_once() { # FILE N -> files/s
  "${pin[@]}" "$work/policy_bench" "$1" "$2" 2>/dev/null
}

# ---- cfp, command line ----

cli_once() { # FILE -> files/s
  local t0 t1 i
  t0=$(now_ns)
  for ((i = 0; i < cli_per_run; i++)); do
    "${pin[@]}" "$cfp" policy check "$1" --plan team >/dev/null 2>&1 \
      || [[ $? -eq 1 ]]
  done
  t1=$(now_ns)
  rate "$cli_per_run" $((t1 - t0))
}

# ---- docker-compose ----

peer_once() { # FILE -> files/s
  local t0 t1 i
  t0=$(now_ns)
  for ((i = 0; i < peer_per_run; i++)); do
    "${pin[@]}" docker-compose -p bench -f "$1" config -q >/dev/null 2>&1
  done
  t1=$(now_ns)
  rate "$peer_per_run" $((t1 - t0))
}

measure() { # LABEL COMMAND... -> median files/s, progress on stderr
  local label=$1 i out=()
  shift
  for ((i = 0; i < runs; i++)); do
    out+=("$("$@")")
    printf '\r  %-36s %2d/%d' "$label" $((i + 1)) "$runs" >&2
  done
  printf '\n' >&2
  printf '%s\n' "${out[@]}" | median
}

ratio() { # A B -> A/B, or n/a when either is missing
  if [[ $1 == n/a || $2 == n/a ]]; then
    echo n/a
  else
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'
  fi
}

# ---- run ----

echo "bench/policy.sh: median of $runs runs each, files per second" >&2
large_file >"$large"
build_bench

have_cli=0
if [[ -n $cfp ]] && "$cfp" policy rules >/dev/null 2>&1; then
  have_cli=1
else
  echo "  no cfp binary with \`policy\`: the cli column is n/a" >&2
fi
have_peer=0
if docker-compose version >/dev/null 2>&1; then
  have_peer=1
else
  echo "  docker-compose is not installed: the compose column is n/a" >&2
fi

declare -A lib cli peer
for f in typical large; do
  file=$typical
  [[ $f == large ]] && file=$large
  n=$(calibrate "$file")
  lib[$f]=$(measure "cfp library, $f ($n/run)" lib_once "$file" "$n")
  cli[$f]=n/a
  ((have_cli)) && cli[$f]=$(measure "cfp policy check, $f" cli_once "$file")
  peer[$f]=n/a
  ((have_peer)) && peer[$f]=$(measure "docker-compose config, $f" peer_once \
    "$file")
done

row() { # LABEL SERVICES KEY
  printf '%-20s %8s %12s %12s %12s %12s %12s\n' "$1" "$2" "${lib[$3]}" \
    "${cli[$3]}" "${peer[$3]}" "$(ratio "${lib[$3]}" "${peer[$3]}")" \
    "$(ratio "${cli[$3]}" "${peer[$3]}")"
}
printf '\n%-20s %8s %12s %12s %12s %12s %12s\n' "file" "services" \
  "cfp lib/s" "cfp cli/s" "compose/s" "lib/compose" "cli/compose"
row "typical (litellm)" 3 typical
row "large (generated)" 60 large
met=$(awk -v r="${lib[typical]}" -v g="$goal" 'BEGIN {print (r >= g) ? "met" : "NOT met"}')
printf 'goal: %s typical files/s per core with the library: %s\n' "$goal" \
  "$met"
