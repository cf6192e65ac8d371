#!/usr/bin/env bash
# Builds deploy/Dockerfile as IMAGE with podman or docker; further arguments go to the build.
#   CONTAINER_TOOL  podman or docker; default: the first whose engine answers
#   BASE_IMAGE      pinned   the Dockerfile's base, by digest (pulled from Docker Hub)  [default]
#                   stand-in a local stand-in built from Debian and npm packages (no registry)
#                   auto     the pinned base if it is present locally, else the stand-in
#                   any other value: an image reference to build on
#   CA_BUNDLE       CA certificates the build's npm trusts besides Node's own (a proxy's CA);
#                   mounted as a build secret, never stored in the image. Default: the host's
#                   bundle if there is one; empty: none.
set -euo pipefail
cd "$(dirname "$0")/../.."

image=${1:?usage: build-image.sh IMAGE [BUILD-OPTION...]}
shift
tool=${CONTAINER_TOOL:-$(deploy/image/container-tool.sh)}
# Buildah's copier reads CONTAINERS_CONF from another working directory: make it absolute.
if [ -n "${CONTAINERS_CONF:-}" ]; then export CONTAINERS_CONF=$(realpath "$CONTAINERS_CONF"); fi
base=${BASE_IMAGE:-pinned}
pinned=$(sed -n 's/^ARG NODE_IMAGE=//p' deploy/Dockerfile)
stand_in=localhost/shopmesh/node-stand-in:20.19.6-bookworm-slim

use_stand_in() {
  if ! "$tool" image inspect "$stand_in" >/dev/null 2>&1; then
    echo "build-image: building the base stand-in $stand_in (once; about 3 minutes)"
    CONTAINER_TOOL=$tool deploy/image/base-stand-in.sh "$stand_in"
  fi
  from=$stand_in
}

args=(build -f deploy/Dockerfile -t "$image")
case $base in
  pinned) from=$pinned ;;
  stand-in) use_stand_in ;;
  auto) if "$tool" image inspect "$pinned" >/dev/null 2>&1; then from=$pinned; else use_stand_in; fi ;;
  *) from=$base ;;
esac
if [ "$from" != "$pinned" ]; then
  args+=(--build-arg "NODE_IMAGE=$from")
  echo "build-image: building on $from instead of the pinned base"
  # A local base is never looked up in a registry.
  if [[ $tool == *podman ]]; then args+=(--pull=never); fi
fi

if [ -z "${CA_BUNDLE+set}" ]; then
  for candidate in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    if [ -f "$candidate" ]; then CA_BUNDLE=$candidate; break; fi
  done
fi
if [ -n "${CA_BUNDLE:-}" ]; then args+=(--secret "id=ca-bundle,src=$CA_BUNDLE"); fi

args+=("$@")
echo "build-image: $tool ${args[*]} ."
"$tool" "${args[@]}" .
