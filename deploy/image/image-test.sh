#!/usr/bin/env bash
# `make image-test`: builds the image (on the pinned base when it is present locally, else on the
# stand-in, built first if missing), runs test/image/image.test.ts against it (the three services
# read-only as uid 10001 on the embedded PostgreSQL, health, an order placed and cancelled with
# the CLI from the image, SIGTERM) and the cluster simulation's scenarios with containers of it
# as pods (test/sim/cluster-containers.test.ts), then removes the image and the containers. It
# keeps the base stand-in and the build cache for the next run; `--clean` (make image-clean)
# removes those too.
# With podman it reads deploy/image/containers.conf (settings for restricted hosts) unless
# CONTAINERS_CONF names another file.
set -euo pipefail
cd "$(dirname "$0")/../.."

tool=${CONTAINER_TOOL:-$(deploy/image/container-tool.sh)}
if [[ $tool == *podman ]]; then
  export CONTAINERS_CONF=${CONTAINERS_CONF-$PWD/deploy/image/containers.conf}
fi
image=localhost/shopmesh:image-test
stand_in=localhost/shopmesh/node-stand-in:20.19.6-bookworm-slim

storage_mb() {
  if [[ $tool == *podman ]]; then
    du -sm "$("$tool" info --format '{{.Store.GraphRoot}}')" 2>/dev/null | cut -f1
  else
    echo "?"
  fi
}

if [ "${1:-}" = --clean ]; then
  "$tool" rmi -f "$image" "$stand_in" 2>/dev/null || true
  # The build cache: the layers of the build stages, labelled by the Dockerfile.
  # A prune removes the untagged images nothing builds on; their parents go in the next round.
  for _ in $(seq 20); do
    [ -n "$("$tool" image prune -f --filter label=io.shopmesh.stage)" ] || break
  done
  echo "image-clean: removed $image, $stand_in and the build cache"
  exit 0
fi

cleanup() {
  # Containers left by an interrupted run: those of the test image only.
  "$tool" ps -aq --filter "ancestor=$image" | xargs -r "$tool" rm -f >/dev/null 2>&1 || true
  "$tool" rmi -f "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

disk_before=$(storage_mb)
started=$SECONDS
# A build that hangs (npm waiting on a registry it cannot reach) fails instead: 15 minutes is
# about three times a cold build here, stand-in included.
CONTAINER_TOOL=$tool BASE_IMAGE=${BASE_IMAGE:-auto} timeout -k 30 900 \
  deploy/image/build-image.sh "$image"
built=$SECONDS
size=$("$tool" image inspect --format '{{.Size}}' "$image")
SHOPMESH_IMAGE=$image SIM_IMAGE=$image CONTAINER_TOOL=$tool \
  node_modules/.bin/vitest run --no-file-parallelism test/image test/sim/cluster-containers.test.ts
echo "image-test: passed; build $((built - started)) s, test $((SECONDS - built)) s;" \
  "image $((size / 1000000)) MB; container storage ${disk_before} MB before, $(storage_mb) MB after the build"
