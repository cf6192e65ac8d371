#!/usr/bin/env bash
# Debian packages the tests and benchmarks need: dnsmasq (dnsmasq-base) for the cluster
# simulation, h2load (nghttp2-client) for the benchmarks and their smoke test, psql
# (postgresql-client) for the chart's PostgreSQL init script test, nats-server (nats-server)
# for the event broker of `make run` and the event tests, chromium for the storefront's browser
# test (driven by playwright-core, which never downloads a browser). Installs what is missing
# when we may (root with apt-get); otherwise says how. With arguments, only those programs
# (`ensure-debian-tools.sh nats-server`, as `make run` does).
set -euo pipefail
missing=()
has() {
  for dir in /usr/sbin /usr/bin /sbin; do [[ -x "$dir/$1" ]] && return 0; done
  command -v "$1" >/dev/null 2>&1
}
wanted() { [[ -z "${ONLY}" ]] || [[ " ${ONLY} " == *" $1 "* ]]; }
ONLY="$*"
wanted dnsmasq && { has dnsmasq || missing+=(dnsmasq-base); }
wanted h2load && { has h2load || missing+=(nghttp2-client); }
wanted psql && { has psql || missing+=(postgresql-client); }
wanted nats-server && { has nats-server || missing+=(nats-server); }
wanted chromium && { has chromium || missing+=(chromium); }
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-tools: installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure-debian-tools: missing ${missing[*]}; install them, e.g. sudo apt-get install ${missing[*]}" >&2
exit 1
