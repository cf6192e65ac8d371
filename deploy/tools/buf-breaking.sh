#!/usr/bin/env bash
# `buf breaking`: the API in the working tree against the API where this branch left main (the
# merge base), or, on main itself, against the last release tag (v*). Offline: the old protos
# come out of the local git history, never from a registry. Without git history (a source
# tarball) or anything to compare with, it says so and passes.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "buf breaking: $*"; }

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  say "skipped: no git history here (a source tarball?), nothing to compare the API with"
  exit 0
fi

head=$(git rev-parse HEAD)
base=""
for ref in main origin/main; do
  if git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    # A shallow clone may lack the common history: then there is no merge base to use.
    base=$(git merge-base HEAD "$ref" 2>/dev/null || true)
    [ -n "$base" ] && { label="merge base with $ref"; break; }
  fi
done
if [ -z "$base" ] || [ "$base" = "$head" ]; then
  # On main (or a branch not ahead of it): the last release is what clients rely on.
  tag=$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || true)
  if [ -n "$tag" ]; then
    base=$(git rev-parse "$tag^{commit}")
    label="last release $tag"
  fi
fi
if [ -z "$base" ]; then
  say "skipped: no main branch and no release tag (v*) to compare the API with"
  exit 0
fi

old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
if ! git cat-file -e "$base:buf.yaml" 2>/dev/null; then
  say "passed: the $label (${base:0:12}) has no buf module yet"
  exit 0
fi
git archive "$base" buf.yaml proto | tar -x -C "$old"
buf breaking --against "$old"
say "no breaking change against the $label (${base:0:12})"
