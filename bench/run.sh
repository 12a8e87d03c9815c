#!/usr/bin/env bash
# `make bench`: runs every figure script under bench/ with the cfp binary.
# Usage: bench/run.sh CFP_BINARY
set -euo pipefail
cfp=${1:?usage: bench/run.sh CFP_BINARY}
for b in "$(dirname "$0")"/*.sh; do
  [[ $(basename "$b") == run.sh ]] && continue
  echo "== $(basename "$b")"
  bash "$b" "$cfp"
done
