#!/usr/bin/env bash
# Builds the policy fuzz target with clang's libFuzzer, ASan and UBSan.
#
# The target links the sources of the path it drives (core, compose,
# policy, the plans) and nothing that talks to the engine or the database.
# Prints the path of the binary; fails with the compiler's message when
# the sources do not build.
#
# Usage: tests/fuzz/build.sh BUILD_DIR
set -euo pipefail

out=${1:?usage: tests/fuzz/build.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
cc=${CC_FUZZ:-clang}
mkdir -p "$out"

command -v "$cc" >/dev/null || { echo "no $cc" >&2; exit 3; }
# The sources the fuzzed path needs: every file of the modules involved,
# so that a helper moved between files does not break the build.
srcs=("$root"/src/core/*.c "$root"/src/compose/*.c "$root"/src/policy/*.c
  "$root"/src/ops/plan.c)
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
"$cc" -std=c17 -D_GNU_SOURCE -g -O1 \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -I"$root/src" \
  -o "$out/fuzz_policy" "$root/tests/fuzz/fuzz_policy.c" "${srcs[@]}" \
  $(pkg-config --cflags --libs libfyaml jansson libsodium) -lm
echo "$out/fuzz_policy"
