#!/usr/bin/env sh
# Prints the container engine to use: the first of docker and podman whose engine answers
# (`docker info` needs a running daemon, `podman info` a usable storage and runtime). A docker
# client on PATH with no daemon behind it is skipped, instead of failing late in the build.
for tool in docker podman; do
  if command -v "$tool" >/dev/null 2>&1 && "$tool" info >/dev/null 2>&1; then
    echo "$tool"
    exit 0
  fi
done
echo "no working container engine: neither \`docker info\` nor \`podman info\` succeeds" >&2
exit 1
