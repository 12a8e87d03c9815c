#!/usr/bin/env bash
# Builds the local test images from tests/agent/agent.c and Debian's
# busybox-static, without a registry or a Dockerfile:
#
#   cfp-test-agent:latest   runs as the image's own user agent (10001:10001)
#   cfp-test-agent:root     the same files with no USER, so the image's
#                           default user is root (cfp must fall back to
#                           65534:65534 for it)
#
# Both carry the label cfp.image-hash, a hash of agent.c, this script and
# the busybox binary; an image whose label matches is left alone, so the
# script is cheap to run before every test.  --force rebuilds anyway.
#
# Usage: scripts/build-images.sh [--force]
# Environment: CC (default cc), BUSYBOX (default /bin/busybox),
#              DOCKER (default docker).
set -euo pipefail

readonly IMAGE=cfp-test-agent
readonly AGENT_UID=10001
readonly BUSYBOX_APPLETS=(sh ls cat id sleep ps df mount echo env)
readonly CFLAGS=(-std=c17 -D_GNU_SOURCE -static -O2 -Wall -Wextra -Werror
                 -Wshadow -Wformat=2)

script_path=$(readlink -f "${BASH_SOURCE[0]}")
repo_root=$(dirname "$(dirname "$script_path")")
agent_src=$repo_root/tests/agent/agent.c
busybox=${BUSYBOX:-/bin/busybox}
docker=${DOCKER:-docker}
cc=${CC:-cc}
force=0
tmp=

step() { printf 'build-images: %s\n' "$*"; }
die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }

usage() {
  printf 'usage: %s [--force]\n' "$0"
  printf 'builds %s:latest and %s:root from tests/agent/agent.c\n' \
    "$IMAGE" "$IMAGE"
}

parse_args() {
  while (($# > 0)); do
    case $1 in
      --force) force=1 ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
}

# A hung daemon must not hang the tests, hence the timeout.
check_docker() {
  step "checking the docker engine"
  command -v "$docker" >/dev/null \
    || die "\`$docker\` not found: install docker.io"
  timeout 20 "$docker" version --format '{{.Server.Version}}' >/dev/null \
    2>&1 || die "the docker engine does not answer (is dockerd running? \
DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})"
}

# Debian's dynamic busybox also installs /bin/busybox, and it would not
# run in an image without a libc, so "static" is checked, not assumed.
check_busybox() {
  step "checking $busybox (busybox-static)"
  [[ -x $busybox ]] \
    || die "$busybox is missing: install Debian's busybox-static"
  if LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'
  then
    die "$busybox is dynamically linked: install Debian's busybox-static"
  fi
  command -v "$cc" >/dev/null || die "C compiler \`$cc\` not found"
}

content_hash() {
  cat "$agent_src" "$script_path" "$busybox" | sha256sum | cut -c1-32
}

# True when the tag exists and was built from the same inputs.
image_current() {
  local tag=$1 hash=$2 have
  have=$("$docker" image inspect --format \
    '{{index .Config.Labels "cfp.image-hash"}}' "$tag" 2>/dev/null) || return 1
  [[ $have == "$hash" ]]
}

# The compiler's output is shown only when it fails: glibc's linker always
# warns that a static getaddrinfo() wants the shared NSS modules at run
# time, which is true only for NSS sources beyond files and dns; those two
# are built into libc.a, and the image has nothing else.
compile_agent() {
  step "compiling tests/agent/agent.c (static)"
  if ! "$cc" "${CFLAGS[@]}" -o "$tmp/agent" "$agent_src" >"$tmp/cc.log" 2>&1
  then
    cat "$tmp/cc.log" >&2
    die "compiling $agent_src failed"
  fi
  grep -v -e "in function \`" -e "Using 'getaddrinfo' in statically linked" \
    "$tmp/cc.log" >&2 || true
}

make_rootfs() {
  local root=$tmp/rootfs applet

  step "assembling the root filesystem"
  mkdir -p "$root"/{bin,etc,tmp,data,run}
  install -m 0755 "$busybox" "$root/bin/busybox"
  for applet in "${BUSYBOX_APPLETS[@]}"; do
    ln -s busybox "$root/bin/$applet"
  done
  install -m 0755 "$tmp/agent" "$root/agent"
  cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
agent:x:$AGENT_UID:$AGENT_UID:cfp test agent:/data:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
EOF
  cat >"$root/etc/group" <<EOF
root:x:0:
agent:x:$AGENT_UID:
nogroup:x:65534:
EOF
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  chmod 1777 "$root/tmp"
  # A fresh named volume copies the mode of the image's directory: sticky
  # and world-writable, so /data works for 10001 and for 65534 alike.
  chmod 1777 "$root/data"
  chmod 0755 "$root/run" "$root/bin" "$root/etc"

  step "packing the root filesystem"
  tar --create --file "$tmp/rootfs.tar" --directory "$root" --sort=name \
    --numeric-owner --owner=0 --group=0 --mtime=@0 .
}

# import TAG HASH [USER]: imports the packed rootfs as TAG.
import_image() {
  local tag=$1 hash=$2 user=${3:-} old
  local changes=(
    --change 'ENTRYPOINT ["/agent"]'
    --change 'EXPOSE 8080'
    --change 'WORKDIR /'
    --change 'LABEL cfp.test-image=1'
    --change "LABEL cfp.image-hash=$hash"
  )

  if [[ -n $user ]]; then
    changes+=(--change "USER $user")
  fi
  old=$("$docker" image inspect --format '{{.Id}}' "$tag" 2>/dev/null) || old=
  step "importing $tag${user:+ (user $user)}"
  "$docker" import "${changes[@]}" --message "cfp test agent $hash" \
    "$tmp/rootfs.tar" "$tag" >/dev/null
  image_current "$tag" "$hash" \
    || die "$tag was imported but does not carry cfp.image-hash=$hash"

  # The replaced image is now untagged; drop it unless a container still
  # uses it (then docker refuses, and that is fine).
  if [[ -n $old ]]; then
    "$docker" image rm "$old" >/dev/null 2>&1 || true
  fi
}

cleanup() {
  if [[ -n $tmp ]]; then
    rm -rf "$tmp"
  fi
}

main() {
  local hash variant stale=()

  parse_args "$@"
  check_docker
  check_busybox
  hash=$(content_hash)

  step "checking for images with cfp.image-hash=$hash"
  for variant in latest root; do
    if ((force)) || ! image_current "$IMAGE:$variant" "$hash"; then
      stale+=("$variant")
    fi
  done
  if ((${#stale[@]} == 0)); then
    step "up to date: $IMAGE:latest and $IMAGE:root (use --force to rebuild)"
    return 0
  fi

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfp-images.XXXXXX")
  trap cleanup EXIT
  compile_agent
  make_rootfs
  for variant in "${stale[@]}"; do
    if [[ $variant == latest ]]; then
      import_image "$IMAGE:latest" "$hash" "$AGENT_UID:$AGENT_UID"
    else
      import_image "$IMAGE:root" "$hash"
    fi
  done
  step "done: $IMAGE:latest and $IMAGE:root ($(du -h "$tmp/rootfs.tar" \
    | cut -f1) rootfs)"
}

main "$@"
