# shellcheck shell=bash
# lab.sh module: namespaces, links, addresses and routes for the current variant. Sourced by
# scripts/lab.sh only; docs/lab.md draws the result.

add_ns() { # NODE RESOLVER
  local n
  n=$(ns "$1")
  ip netns add "$n"
  mkdir -p "/etc/netns/$n"
  # ip netns exec bind-mounts this over /etc/resolv.conf: nothing in the lab may ask the host's resolver.
  echo "nameserver $2" >"/etc/netns/$n/resolv.conf"
  in_ns "$1" ip link set lo up
  in_ns "$1" sysctl -qw net.ipv4.icmp_ratelimit=0
  if [[ ${V[ipv6]} == on ]]; then
    # Static addresses only: no router advertisements, no autoconfiguration, no DAD delay. Set on
    # "default" before any link exists, so every interface created later inherits it.
    local c
    for c in all default; do
      in_ns "$1" sysctl -qw "net.ipv6.conf.$c.disable_ipv6=0" "net.ipv6.conf.$c.accept_ra=0" \
        "net.ipv6.conf.$c.autoconf=0" "net.ipv6.conf.$c.accept_dad=0" "net.ipv6.conf.$c.dad_transmits=0"
    done
    in_ns "$1" sysctl -qw net.ipv6.icmp.ratelimit=0
  else
    in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  fi
  # Fault hooks: every fault adds rules only to these chains, so "clear" is a flush.
  local t
  for t in iptables ip6tables; do
    [[ $t == ip6tables && ${V[ipv6]} == off ]] && continue
    in_ns "$1" $t -N LAB-IN
    in_ns "$1" $t -N LAB-FWD
    in_ns "$1" $t -N LAB-OUT
    in_ns "$1" $t -A INPUT -j LAB-IN
    in_ns "$1" $t -A FORWARD -j LAB-FWD
    in_ns "$1" $t -A OUTPUT -j LAB-OUT
  done
  in_ns "$1" iptables -t mangle -N LAB-POST
  in_ns "$1" iptables -t mangle -A POSTROUTING -j LAB-POST
  in_ns "$1" iptables -t nat -N LAB-NAT-OUT
  in_ns "$1" iptables -t nat -A OUTPUT -j LAB-NAT-OUT
}

# veth pair created straight into its two namespaces: the host namespace never holds either end.
link() { ip link add "$2" netns "$(ns "$1")" type veth peer name "$4" netns "$(ns "$3")"; }

v6() { [[ ${V[ipv6]} == on ]]; }

build_topology() {
  add_ns pc "$LAN_GW"
  add_ns home "$ISP_RESOLVER"
  [[ ${V[nat]} == double ]] && add_ns modem "$ISP_RESOLVER"
  add_ns isp "$ISP_RESOLVER"
  add_ns inet "$PUBLIC_RESOLVER"

  link pc eth0 home lan0
  if [[ ${V[nat]} == double ]]; then
    link home wan0 modem lan0
    link modem wan0 isp cust0
  else
    link home wan0 isp cust0
  fi
  link isp up0 inet isp0

  # home: LAN bridge (a rogue host can be plugged into it), NAT out of the WAN side (unless routed).
  # A fixed MAC, as a router has: a bridge otherwise takes the lowest MAC of its ports, so plugging the
  # rogue host in (or out) would change the gateway's MAC under the pc's ARP entry for ~30 s.
  in_ns home ip link add br-lan address 02:00:0a:4d:00:01 type bridge
  in_ns home ip link set lan0 master br-lan
  in_ns home ip addr add "$LAN_GW/$LAN_PLEN" dev br-lan
  in_ns home ip addr add "$HOME_WAN_IP/$HOME_WAN_PLEN" dev wan0
  for i in br-lan lan0 wan0; do in_ns home ip link set "$i" up; done
  in_ns home sysctl -qw net.ipv4.ip_forward=1
  ensure_home_nat

  if [[ ${V[nat]} == double ]]; then
    # modem: the ISP's modem-router in router mode, a second NAT in front of the customer's router.
    in_ns modem ip addr add "$HOME_WAN_GW/24" dev lan0
    in_ns modem ip addr add "$LINE_CPE/30" dev wan0
    in_ns modem ip link set lan0 up
    in_ns modem ip link set wan0 up
    in_ns modem sysctl -qw net.ipv4.ip_forward=1
    in_ns modem iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
  fi

  # isp: first hop of the access line, the ISP resolver and portal on lo, default route upstream.
  in_ns isp ip addr add "$LINE_ISP/30" dev cust0
  in_ns isp ip addr add "$UP_ISP/30" dev up0
  in_ns isp ip addr add "$ISP_RESOLVER/32" dev lo
  in_ns isp ip addr add "$ISP_PORTAL/32" dev lo
  in_ns isp ip link set cust0 up
  in_ns isp ip link set up0 up
  in_ns isp sysctl -qw net.ipv4.ip_forward=1
  # BCP 38: the edge accepts from the customer only sources it routes back to the customer (strict
  # reverse-path filter), so un-translated private addresses die here, as at a real ISP.
  in_ns isp sysctl -qw net.ipv4.conf.cust0.rp_filter=1
  ensure_cgnat
  edge_policy

  # inet: anchors, public resolver, authoritative server and web server on lo.
  in_ns inet ip addr add "$UP_INET/30" dev isp0
  in_ns inet ip link set isp0 up
  for a in "${ANCHORS[@]}" "$PUBLIC_RESOLVER" "$AUTH_NS" "$WEB_IP"; do in_ns inet ip addr add "$a/32" dev lo; done

  if v6; then
    in_ns pc ip -6 addr add "$PC6/64" dev eth0 nodad
    in_ns home ip -6 addr add "$LAN6_GW/64" dev br-lan nodad
    in_ns home ip -6 addr add "$LINE6_CPE/64" dev wan0 nodad
    in_ns home sysctl -qw net.ipv6.conf.all.forwarding=1
    in_ns isp ip -6 addr add "$LINE6_ISP/64" dev cust0 nodad
    in_ns isp ip -6 addr add "$UP6_ISP/64" dev up0 nodad
    in_ns isp sysctl -qw net.ipv6.conf.all.forwarding=1
    in_ns inet ip -6 addr add "$UP6_INET/64" dev isp0 nodad
    for a in "${ANCHORS6[@]}" "$WEB6"; do in_ns inet ip -6 addr add "$a/128" dev lo nodad; done
  fi

  in_ns pc ip link set eth0 up
  static_routes
}

ensure_home_nat() {
  [[ ${V[nat]} == off ]] && return 0
  in_ns home iptables -t nat -C POSTROUTING -o wan0 -j MASQUERADE 2>/dev/null ||
    in_ns home iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
}

# nat=cgnat: the ISP translates its customers' shared addresses (100.64.0.0/10, RFC 6598) at the edge.
ensure_cgnat() {
  [[ ${V[nat]} == cgnat ]] || return 0
  in_ns isp iptables -t nat -C POSTROUTING -s 100.64.0.0/10 -o up0 -j MASQUERADE 2>/dev/null ||
    in_ns isp iptables -t nat -A POSTROUTING -s 100.64.0.0/10 -o up0 -j MASQUERADE
}

# The edge's standing policy (not a fault: "clear" keeps it). edge=blackhole: a discard default route
# behind the real one, so without its uplink the edge drops traffic silently instead of answering
# Net Unreachable. edge-icmp: ICMP types the edge never sends or answers.
edge_policy() {
  if [[ ${V[edge]} == blackhole ]]; then
    in_ns isp ip route add blackhole default metric 4000
    v6 && in_ns isp ip -6 route add blackhole default metric 4000
  fi
  in_ns isp iptables -N EDGE-POLICY
  in_ns isp iptables -A INPUT -j EDGE-POLICY
  in_ns isp iptables -A OUTPUT -j EDGE-POLICY
  case ${V[edge-icmp]} in
    no-echo) in_ns isp iptables -A EDGE-POLICY -p icmp --icmp-type echo-request -m addrtype --dst-type LOCAL -j DROP ;;
    no-ttl-exceeded) in_ns isp iptables -A EDGE-POLICY -p icmp --icmp-type time-exceeded -j DROP ;;
  esac
  return 0
}

# Setting a link down deletes the routes through it; "clear" puts them back with this.
static_routes() {
  in_ns home ip route replace default via "$HOME_WAN_GW"
  [[ ${V[nat]} == double ]] && in_ns modem ip route replace default via "$LINE_ISP"
  in_ns isp ip route replace default via "$UP_INET"
  [[ ${V[nat]} == off ]] && in_ns isp ip route replace "$LAN_NET" via "$LINE_CPE"
  # The internet routes the ISP's public space back to it; shared address space (CGNAT) never.
  [[ ${V[nat]} == cgnat ]] || in_ns inet ip route replace 100.64.0.0/10 via "$UP_ISP"
  [[ ${V[nat]} == off ]] && in_ns inet ip route replace "$LAN_NET" via "$UP_ISP"
  if v6; then
    in_ns pc ip -6 route replace default via "$LAN6_GW"
    in_ns home ip -6 route replace default via "$LINE6_ISP"
    in_ns isp ip -6 route replace 2001:db8:77::/64 via "$LINE6_CPE"
    in_ns isp ip -6 route replace default via "$UP6_INET"
    in_ns inet ip -6 route replace 2001:db8:77::/64 via "$UP6_ISP"
    in_ns inet ip -6 route replace 2001:db8:7::/64 via "$UP6_ISP"
  fi
  return 0
}
