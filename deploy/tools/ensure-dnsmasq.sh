#!/usr/bin/env bash
# The cluster simulation (make sim, and its tests in make test) needs dnsmasq, from Debian's
# dnsmasq-base package. Installs it when missing and we may (root); otherwise says how.
set -euo pipefail
for candidate in /usr/sbin/dnsmasq /usr/bin/dnsmasq /sbin/dnsmasq; do
  [[ -x "$candidate" ]] && exit 0
done
command -v dnsmasq >/dev/null 2>&1 && exit 0
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-dnsmasq: installing dnsmasq-base from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
  exit 0
fi
echo "ensure-dnsmasq: dnsmasq is missing; install it, e.g. sudo apt-get install dnsmasq-base" >&2
exit 1
