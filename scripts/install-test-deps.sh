#!/usr/bin/env bash
# Installs the Debian packages netdiag's tests use (run as root, or it re-runs itself with sudo).
# Tests that need one of them skip with a message naming the package when it is missing
# (test/helpers/system-deps.ts), so `npm test` passes without them, just with fewer tests run.
#   iputils-ping         ping: the ping/path/gateway checks and the ping probe
#   iproute2, iptables   the lab's network namespaces and fault injection (root)
#   dnsmasq-base         DHCP and DNS in the lab
#   snmpd, snmp          the SNMP check against a real agent
#   isc-dhcp-client, busybox   the lab's DHCP clients (dhclient, udhcpc)
#   curl, procps         the lab's helpers
#   openssl              test certificates (TLS tests, api-ssl, the service check)
#   python3, make, g++   building sqlite3 from source during npm install; python3 also serves the lab
#   ca-certificates      npm over https
#   chromium, fonts-wqy-microhei   the web console's browser tests (CJK glyphs for the Chinese pages)
#   systemd, passwd, util-linux    the agent's service tests: systemd-analyze verify, useradd --prefix,
#                        systemctl --root in a temporary root, setpriv (doctor with the unit's capabilities)
#   postgresql           the PostgreSQL store, its contract tests and the several-collector tests
#                        (test/helpers/postgres.ts starts its own server; the package's own cluster is not used)
set -euo pipefail

PACKAGES=(
  iputils-ping iproute2 iptables dnsmasq-base snmpd snmp isc-dhcp-client busybox curl openssl
  procps python3 make g++ ca-certificates chromium fonts-wqy-microhei systemd passwd util-linux postgresql
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -- "$0" "$@"; fi
  echo "install-test-deps: run as root (apt-get needs it): ${PACKAGES[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "install-test-deps: installed ${PACKAGES[*]}"
