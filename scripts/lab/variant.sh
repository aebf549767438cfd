# shellcheck shell=bash
# lab.sh module: the variant (how this customer's network differs from the default one) and the
# addressing plan derived from it. Sourced by scripts/lab.sh only; docs/lab.md documents every key.

# key: allowed values, the first is the default.
declare -A VARIANT_VALUES=(
  [agent]="pc router"                 # where the agent runs: the customer PC, or the home router itself
  [client]="dhclient udhcpc static"   # how the PC got its address and resolvers
  [lan-dns]="relay isp"               # resolver the router's DHCP hands out: its own relay, or the ISP's
  [snmp]="on off silent"              # SNMP on the router: answers / not configured / configured, no answer
  [routeros]="off on"                 # a RouterOS API on the router (the simulator, real wire protocol)
  [edge]="unreachable blackhole"      # ISP edge without a route onward: ICMP Net Unreachable, or silence
  [edge-icmp]="all no-echo no-ttl-exceeded" # ICMP the ISP edge filters: none, echo to itself, Time Exceeded
  [nat]="on off double cgnat"         # NAT: on the router / routed /29 / a second NAT box / carrier-grade
  [ipv6]="off on"                     # IPv4 only, or dual stack (static addresses, no RA, no DAD)
  [web]="http https"                  # the customer's service: http:// or https:// (lab CA)
  [tls-proxy]="off trusted"           # a local TLS-intercepting proxy whose CA the PC trusts
)
VARIANT_KEYS=(agent client lan-dns snmp routeros edge edge-icmp nat ipv6 web tls-proxy)
declare -A V=()

variant_defaults() {
  local k
  for k in "${VARIANT_KEYS[@]}"; do V[$k]=${VARIANT_VALUES[$k]%% *}; done
}

# parse_variant "k=v,k=v": over the defaults; unknown keys, values and impossible combinations die.
parse_variant() {
  local spec=$1 kv k v
  variant_defaults
  [[ -z $spec || $spec == default ]] && { check_variant; return; }
  IFS=, read -ra kvs <<<"$spec"
  for kv in "${kvs[@]}"; do
    [[ $kv == *=* ]] || die "variant: '$kv' is not key=value (keys: ${VARIANT_KEYS[*]})"
    k=${kv%%=*} v=${kv#*=}
    [[ -n ${VARIANT_VALUES[$k]+x} ]] || die "variant: unknown key '$k' (keys: ${VARIANT_KEYS[*]})"
    [[ " ${VARIANT_VALUES[$k]} " == *" $v "* ]] || die "variant: $k must be one of: ${VARIANT_VALUES[$k]}"
    V[$k]=$v
  done
  check_variant
}

check_variant() {
  [[ ${V[ipv6]} == off || ${V[nat]} == on ]] || die "variant: ipv6=on is built with nat=on only"
  [[ ${V[tls-proxy]} == off || ${V[web]} == https ]] || die "variant: tls-proxy=trusted needs web=https"
  [[ ${V[agent]} == pc || ${V[tls-proxy]} == off ]] || die "variant: tls-proxy runs on the pc (agent=pc)"
  return 0
}

# Canonical form: every key that differs from its default, in key order ("default" when none).
variant_string() {
  local k out=()
  for k in "${VARIANT_KEYS[@]}"; do [[ ${V[$k]} == "${VARIANT_VALUES[$k]%% *}" ]] || out+=("$k=${V[$k]}"); done
  if ((${#out[@]})); then (IFS=,; echo "${out[*]}"); else echo default; fi
}

save_variant() { variant_string >"$STATE/variant"; }
load_variant() { parse_variant "$(<"$STATE/variant")"; plan_addresses; }

# --- addressing plan (documentation/test ranges; 192.0.2.0/24 is the host's uplink, never used) ---
plan_addresses() {
  if [[ ${V[nat]} == off ]]; then
    # A routed /29: the ISP routes it to the router, which forwards without translating.
    LAN_NET=198.18.10.0/29 LAN_PLEN=29 LAN_MASK=255.255.255.248 LAN_GW=198.18.10.1
    LAN_DHCP_FIRST=198.18.10.2 LAN_DHCP_LAST=198.18.10.3 PC_STATIC=198.18.10.6
    # Addresses on the LAN where no host lives (pc-resolver-misconfigured, pc-wrong-gateway).
    LAN_NOBODY=198.18.10.4 LAN_NOBODY2=198.18.10.5
  else
    LAN_NET=10.77.0.0/24 LAN_PLEN=24 LAN_MASK=255.255.255.0 LAN_GW=10.77.0.1
    LAN_DHCP_FIRST=10.77.0.100 LAN_DHCP_LAST=10.77.0.199 PC_STATIC=10.77.0.20
    LAN_NOBODY=10.77.0.53 LAN_NOBODY2=10.77.0.254
  fi
  ROGUE_IP=10.77.0.250
  LINE_ISP=100.64.7.1 LINE_CPE=100.64.7.2 # the access line (modem <-> first ISP hop), /30
  if [[ ${V[nat]} == double ]]; then
    # The ISP's modem-router (namespace "modem") NATs too: the home router's WAN is its LAN.
    HOME_WAN_IP=192.168.100.2 HOME_WAN_PLEN=24 HOME_WAN_GW=192.168.100.1
  else
    HOME_WAN_IP=$LINE_CPE HOME_WAN_PLEN=30 HOME_WAN_GW=$LINE_ISP
  fi
  ISP_RESOLVER=100.64.0.53 ISP_PORTAL=100.64.0.80
  UP_ISP=198.18.0.1 UP_INET=198.18.0.2 # ISP upstream to the "internet", /30
  ANCHORS=(203.0.113.1 203.0.113.2 203.0.113.3)
  PUBLIC_RESOLVER=198.51.100.53 AUTH_NS=198.51.100.10 WEB_IP=198.51.100.80
  ZONE=shop.test WEB_NAME=www.shop.test
  # IPv6 (ipv6=on): 2001:db8::/32 documentation prefix, static addresses only.
  LAN6_GW=2001:db8:77::1 PC6=2001:db8:77::100 LINE6_ISP=2001:db8:7::1 LINE6_CPE=2001:db8:7::2
  UP6_ISP=2001:db8:18::1 UP6_INET=2001:db8:18::2 WEB6=2001:db8:100::80
  ANCHORS6=(2001:db8:113::1 2001:db8:113::2)
  if [[ ${V[agent]} == router ]]; then AGENT_NODE=home; else AGENT_NODE=pc; fi
  NODES=(pc home isp inet)
  [[ ${V[nat]} == double ]] && NODES=(pc home modem isp inet)
  # The namespace whose WAN side faces the ISP edge (the access line's customer end).
  if [[ ${V[nat]} == double ]]; then LINE_NODE=modem; else LINE_NODE=home; fi
  return 0
}
