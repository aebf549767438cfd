#!/usr/bin/env bash
# netdiag network lab: a customer PC, a home router, an ISP edge and a small "internet", each in its
# own network namespace, linked only to each other (never to the host namespace), built in one of
# many variants (how real customers' networks differ) with faults that break one thing at a time.
# See docs/lab.md.
#
#   scripts/lab.sh up [--variant K=V,...] | down | status | fault NAME | clear | faults | variants
#   scripts/lab.sh agent-config       the agent config for this lab and variant
#   scripts/lab.sh exec CMD...        run CMD inside the pc namespace
#   scripts/lab.sh agent-exec CMD...  run CMD where the variant's agent runs (pc, or home with agent=router)
#   scripts/lab.sh agent-env          print NS=<that namespace> (and NODE_EXTRA_CA_CERTS=<trust file>)
#   scripts/lab.sh ns NAME CMD...     run CMD inside lab namespace NAME (pc|home|modem|isp|inet|rogue)
#
# Env: NETDIAG_LAB_PREFIX (namespace prefix, default ndlab), NETDIAG_LAB_DIR (state dir, default
# /run/netdiag-lab, or /run/netdiag-lab-PREFIX for a non-default prefix, so two labs can coexist),
# NETDIAG_LAB_VARIANT (the variant for `up` when --variant is not given).
set -euo pipefail

PREFIX=${NETDIAG_LAB_PREFIX:-ndlab}
if [[ ! $PREFIX =~ ^[a-z0-9][a-z0-9-]{0,15}$ ]]; then
  echo "lab: NETDIAG_LAB_PREFIX must be 1-16 chars of [a-z0-9-]" >&2
  exit 2
fi
if [[ $PREFIX == ndlab ]]; then DEFAULT_DIR=/run/netdiag-lab; else DEFAULT_DIR=/run/netdiag-lab-$PREFIX; fi
STATE=${NETDIAG_LAB_DIR:-$DEFAULT_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPERS=$HERE/lab
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3 # Debian's interpreter: the lab must not depend on a user's pyenv/venv
export LC_ALL=C

SNMP_COMMUNITY=public SNMP_V3_USER=labv3 SNMP_V3_AUTH=labauth-secret SNMP_V3_PRIV=labpriv-secret
ROS_USER=netdiag ROS_PASSWORD=lab-routeros

# shellcheck source=lab/common.sh
source "$HELPERS/common.sh"
# shellcheck source=lab/variant.sh
source "$HELPERS/variant.sh"
# shellcheck source=lab/topology.sh
source "$HELPERS/topology.sh"
# shellcheck source=lab/servers.sh
source "$HELPERS/servers.sh"
# shellcheck source=lab/faults.sh
source "$HELPERS/faults.sh"

agent_config() {
  local ifindex="" anchors leases="" snmp="" ros="" scheme=http
  [[ -f $STATE/home/line.state ]] && ifindex=$(sed -n 's/^ifindex=//p' "$STATE/home/line.state")
  anchors=$(printf '"%s", ' "${ANCHORS[@]}")
  v6 && anchors+=$(printf '"%s", ' "${ANCHORS6[@]}")
  [[ ${V[client]} == dhclient && ${V[agent]} == pc ]] && leases="\"$STATE/pc/dhclient.leases\""
  [[ ${V[snmp]} != off ]] && snmp="
      { \"host\": \"$LAN_GW\", \"version\": \"2c\", \"community\": \"$SNMP_COMMUNITY\"${ifindex:+, \"wanIfIndex\": $ifindex} }
    "
  [[ ${V[routeros]} == on ]] && ros="
      { \"host\": \"$LAN_GW\", \"port\": 8728, \"user\": \"$ROS_USER\", \"password\": \"$ROS_PASSWORD\", \"wanInterface\": \"wan0\" }
    "
  [[ ${V[web]} == https ]] && scheme=https
  cat <<EOF
{
  "targets": {
    "anchors": [${anchors%, }],
    "publicResolvers": ["$PUBLIC_RESOLVER"],
    "controlHosts": [${anchors%, }],
    "placement": "$( [[ ${V[agent]} == router ]] && echo router || echo pc )",
    "names": ["$WEB_NAME"],
    "service": "$scheme://$WEB_NAME/",
    "dhcp": { "leaseFiles": [$leases] },
    "snmp": [$snmp],
    "routeros": [$ros]
  },
  "stateDir": "$STATE/$AGENT_NODE/agent"
}
EOF
}

# --- commands ---

cmd_down() {
  need_root
  local f n pid
  if [[ -d $STATE/pids ]]; then
    for f in "$STATE"/pids/*.pid; do [[ -e $f ]] && stop "$(basename "$f" .pid)"; done
  fi
  for n in pc home modem isp inet rogue; do
    if ns_exists "$n"; then
      # Anything still inside one of our namespaces was started by this lab (e.g. an `exec` left running).
      for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$(ns "$n")"
    fi
    rm -rf "/etc/netns/$(ns "$n")"
  done
  rm -rf "$STATE"
}

cmd_up() {
  need_root
  local spec=${NETDIAG_LAB_VARIANT:-default}
  if [[ ${1:-} == --variant ]]; then spec=${2:?--variant needs K=V,...}; elif [[ ${1:-} == --variant=* ]]; then spec=${1#--variant=}; fi
  parse_variant "$spec"
  plan_addresses
  command -v dnsmasq >/dev/null && command -v dhclient >/dev/null && command -v busybox >/dev/null ||
    die "needs dnsmasq-base, isc-dhcp-client, busybox, iptables, iproute2 (and snmpd/snmp for snmp=on)"
  [[ ${V[snmp]} != on ]] || command -v snmpd >/dev/null || die "snmp=on needs snmpd"
  cmd_down
  mkdir -p "$STATE"/{pids,log,pc/agent,home/agent,isp,inet/www}
  chmod 700 "$STATE"
  save_variant
  build_topology
  write_line_state healthy
  [[ ${V[web]} == https ]] && make_certs
  start_auth ok
  start_resolver inet-resolver inet "$PUBLIC_RESOLVER" ""
  start_isp_resolver normal
  start_web ok web
  start_anchor_web
  start_home_dnsmasq normal
  [[ ${V[snmp]} == on ]] && start_snmpd
  [[ ${V[routeros]} == on ]] && start_routeros
  [[ ${V[tls-proxy]} == trusted ]] && start_tls_proxy
  write_client_files
  configure_pc
  agent_config >"$STATE/agent-config.json"
  echo healthy >"$STATE/fault"
  echo "lab up: prefix $PREFIX, variant $(variant_string), state $STATE, pc $(in_ns pc ip -4 -o addr show dev eth0 | awk '{print $4}')"
}

require_up() { [[ -f $STATE/fault ]] || die "lab is not up (prefix $PREFIX, state $STATE)"; }

cmd_status() {
  local n f
  if [[ ! -f $STATE/fault ]]; then echo "lab down (prefix $PREFIX, state $STATE)"; return 0; fi
  echo "prefix $PREFIX  state $STATE  variant $(variant_string)  fault $(<"$STATE/fault")"
  for n in "${NODES[@]}" rogue; do ns_exists "$n" && echo "ns $(ns "$n")"; done
  for f in "$STATE"/pids/*.pid; do
    [[ -e $f ]] || continue
    n=$(basename "$f" .pid)
    if running "$n"; then echo "proc $n pid $(<"$f") running"; else echo "proc $n pid $(<"$f") DEAD"; fi
  done
  echo "pc: $(in_ns pc ip -4 -o addr show dev eth0 | awk '{print $4}') $(in_ns pc ip -4 route show default)"
}

cmd_variants() {
  local k
  for k in "${VARIANT_KEYS[@]}"; do echo "$k: ${VARIANT_VALUES[$k]}"; done
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) [[ -f $STATE/variant ]] && load_variant; cmd_status ;;
    clear) require_up; load_variant; cmd_clear; echo "fault: healthy" ;;
    fault) need_root; require_up; load_variant; cmd_fault "$@" ;;
    faults) printf '%s\n' "${FAULTS[@]}" ;;
    variants) cmd_variants ;;
    agent-config) require_up; load_variant; agent_config ;;
    exec) require_up; [[ $# -gt 0 ]] || die "exec needs a command"; exec ip netns exec "$(ns pc)" "$@" ;;
    agent-env)
      # Where the variant's agent runs and what it trusts, for tools that start it themselves.
      require_up
      load_variant
      echo "NS=$(ns "$AGENT_NODE")"
      [[ -f $STATE/ca/trust.pem ]] && echo "NODE_EXTRA_CA_CERTS=$STATE/ca/trust.pem"
      exit 0 ;;
    agent-exec)
      require_up
      load_variant
      [[ $# -gt 0 ]] || die "agent-exec needs a command"
      # The PC trusts the lab's public root CA (web=https) as a real PC trusts the public web PKI.
      if [[ -f $STATE/ca/trust.pem ]]; then
        exec ip netns exec "$(ns "$AGENT_NODE")" env NODE_EXTRA_CA_CERTS="$STATE/ca/trust.pem" "$@"
      fi
      exec ip netns exec "$(ns "$AGENT_NODE")" "$@" ;;
    ns)
      require_up
      load_variant
      [[ $# -gt 1 ]] || die "ns needs NAME and a command"
      local node=$1; shift
      [[ " ${NODES[*]} rogue " == *" $node "* ]] || die "unknown namespace '$node' (this variant has: ${NODES[*]} rogue)"
      exec ip netns exec "$(ns "$node")" "$@" ;;
    *) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [[ -z $cmd ]] || exit 2 ;;
  esac
}

main "$@"
