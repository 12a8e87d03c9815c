#!/usr/bin/env bash
# The demo behind `make run`: initialises a state directory, creates the
# tenant `demo` on the team plan and deploys the test-agent template as
# demo/hello on the local engine, then shows what it did.  Safe to re-run:
# a second run finds everything in place and changes nothing.
#
# Usage: scripts/demo.sh CFP_BINARY STATE_DIR
set -euo pipefail

cfp=$1
state=$2
export CFP_STATE_DIR=$state

say() { printf '\n== %s\n' "$*"; }

if [[ ! -e $state/cfp.db ]]; then
  say "cfp init --state-dir $state"
  "$cfp" init
fi

if ! "$cfp" tenant show demo >/dev/null 2>&1; then
  say "cfp tenant create demo --plan team"
  "$cfp" tenant create demo --plan team
fi

say "cfp deploy test-agent --tenant demo --name hello"
"$cfp" deploy test-agent --tenant demo --name hello --set LOG_INTERVAL=10

say "cfp stack status demo/hello"
"$cfp" stack status demo/hello

ip=$(docker inspect -f \
  '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' \
  cfp_demo_hello_agent)
say "the agent answers on its stack network ($ip:8080)"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -sf --max-time 2 "http://$ip:8080/healthz" && break
  sleep 0.3
done
curl -sf --max-time 2 "http://$ip:8080/"
echo

cat <<EOT

The stack runs as a hardened container: see
  docker inspect cfp_demo_hello_agent
State lives in $state (export CFP_STATE_DIR=$state to use it).
Remove the demo with
  CFP_STATE_DIR=$state $cfp stack rm demo/hello --volumes
EOT
