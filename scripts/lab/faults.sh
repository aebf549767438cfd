# shellcheck shell=bash
# lab.sh module: faults, each breaking one thing the way it breaks in the field, and "clear". Sourced
# by scripts/lab.sh only; docs/lab.md lists what each fault does and what the pc then sees.

FAULTS=(healthy pc-nic-down cable-unplugged dhcp-dead router-dns-dead wan-down line-degraded
  isp-upstream-down isp-loss dns-servfail service-down gateway-icmp-silent mtu-blackhole rogue-dhcp
  isp-uplink-down nat-missing dhcp-off-no-address isp-resolver-down pc-resolver-misconfigured
  pc-firewall-drops-web captive-portal tls-intercepted service-cert-wrong-name dns-slow service-slow
  service-http-error service-timeout lan-loss router-hung pc-wrong-gateway cgnat-down ipv6-broken)

# Why a fault cannot be made in this variant (empty: it can).
fault_unfit() {
  case $1 in
    # Behind a relay, lookups of one name from two programs share one upstream answer, so a program
    # that asked later times less than the resolver's delay: the PC must ask the slow resolver itself.
    dns-slow) [[ ${V[lan-dns]} == isp ]] || echo "needs lan-dns=isp (a relay coalesces lookups and blurs the delay)" ;;
    router-dns-dead) [[ ${V[lan-dns]} == relay ]] || echo "needs lan-dns=relay (the pc must use the router's relay)" ;;
    nat-missing) [[ ${V[nat]} != off ]] || echo "needs a NAT on the router (nat=on|double|cgnat)" ;;
    cgnat-down) [[ ${V[nat]} == cgnat ]] || echo "needs nat=cgnat" ;;
    ipv6-broken) [[ ${V[ipv6]} == on ]] || echo "needs ipv6=on" ;;
    dhcp-off-no-address) [[ ${V[client]} != static ]] || echo "needs a DHCP client on the pc (client=dhclient|udhcpc)" ;;
    pc-wrong-gateway) [[ ${V[client]} == static ]] || echo "needs client=static (a gateway typed by hand)" ;;
    tls-intercepted) [[ ${V[web]} == https && ${V[tls-proxy]} == off ]] || echo "needs web=https and tls-proxy=off" ;;
    service-cert-wrong-name) [[ ${V[web]} == https ]] || echo "needs web=https" ;;
    rogue-dhcp) [[ ${V[nat]} != off ]] || echo "the routed /29 has no room for a rogue pool (nat=off)" ;;
    line-degraded) [[ ${V[nat]} != double ]] || echo "the simulated line figures belong to the home router (not nat=double)" ;;
  esac
}

# Back to the variant's healthy state, from any fault. Idempotent.
cmd_clear() {
  need_root
  require_up
  local n t
  stop home-nfq
  stop isp-nfq
  stop isp-portal
  [[ ${V[tls-proxy]} == off ]] && stop pc-tlsproxy
  stop rogue-dnsmasq
  if ns_exists rogue; then ip netns del "$(ns rogue)"; fi
  rm -rf "/etc/netns/$(ns rogue)"
  for n in "${NODES[@]}"; do
    for t in iptables ip6tables; do
      [[ $t == ip6tables && ${V[ipv6]} == off ]] && continue
      in_ns "$n" $t -F LAB-IN
      in_ns "$n" $t -F LAB-FWD
      in_ns "$n" $t -F LAB-OUT
    done
    in_ns "$n" iptables -t mangle -F LAB-POST
    in_ns "$n" iptables -t nat -F LAB-NAT-OUT
  done
  [[ ${V[tls-proxy]} == trusted ]] && { running pc-tlsproxy || start_tls_proxy; }
  [[ ${V[tls-proxy]} == trusted ]] && ! in_ns pc iptables -t nat -S LAB-NAT-OUT | grep -q REDIRECT &&
    in_ns pc iptables -t nat -A LAB-NAT-OUT -p tcp --dport 443 -m mark ! --mark 119 -j REDIRECT --to-ports 8443
  in_ns home tc qdisc del dev wan0 root 2>/dev/null || true
  in_ns home ip link set br-lan arp on
  in_ns pc ip link set eth0 up
  in_ns home ip link set lan0 up
  in_ns isp ip link set cust0 up
  in_ns isp ip link set up0 up
  in_ns inet ip link set isp0 up
  in_ns isp ip link set up0 mtu 1500
  in_ns inet ip link set isp0 mtu 1500
  ensure_home_nat
  ensure_cgnat
  static_routes
  write_line_state healthy
  [[ $(<"$STATE/home/dnsmasq.mode") == normal ]] || start_home_dnsmasq normal
  [[ $(<"$STATE/inet/auth.mode") == ok ]] || start_auth ok
  { running isp-resolver && [[ $(<"$STATE/isp/isp-resolver.mode") == normal ]]; } || start_isp_resolver normal
  { running inet-web && [[ $(<"$STATE/inet/web.mode") == "ok web" ]]; } || start_web ok web
  # Back to the pc's own healthy configuration: its address (a fault may have taken the link down or
  # restarted its DHCP client), its gateway, its resolver.
  if [[ ${V[client]} == static ]]; then
    in_ns pc ip route replace default via "$LAN_GW" dev eth0
    pc_has_lease || configure_pc
  elif ! pc_has_lease || [[ $(<"$STATE/fault") == dhcp-off-no-address ]]; then
    configure_pc
  fi
  cat "$STATE/pc/resolv.conf.good" >"/etc/netns/$(ns pc)/resolv.conf"
  case $(<"$STATE/fault") in
    nat-missing) flush_conntrack home ;;
    cgnat-down) flush_conntrack isp ;;
  esac
  flush_dns_caches
  wait_snmp_sync
  echo healthy >"$STATE/fault"
}

# A second DHCP server plugged into the home LAN bridge (rogue detection needs two server ids).
add_rogue() {
  add_ns rogue "$ROGUE_IP"
  link rogue eth0 home lan1
  in_ns home ip link set lan1 master br-lan
  in_ns home ip link set lan1 up
  in_ns rogue ip addr add "$ROGUE_IP/$LAN_PLEN" dev eth0
  in_ns rogue ip link set eth0 up
  cat >"$STATE/home/rogue-dnsmasq.conf" <<EOF
# rogue DHCP server on the customer LAN (DHCP only)
interface=eth0
bind-interfaces
port=0
pid-file=$STATE/home/rogue-dnsmasq.pid
log-facility=-
dhcp-range=10.77.0.50,10.77.0.60,$LAN_MASK,5m
dhcp-option=option:router,$ROGUE_IP
dhcp-option=option:dns-server,$ROGUE_IP
dhcp-leasefile=$STATE/home/rogue-dnsmasq.leases
no-ping
EOF
  start rogue-dnsmasq rogue dnsmasq -k -u root --conf-file="$STATE/home/rogue-dnsmasq.conf"
  wait_listen rogue udp 0.0.0.0 67
}

# Both IPv4 and (dual stack) IPv6 firewalls of NODE get RULE... in CHAIN.
both_fw() { # NODE CHAIN RULE...
  local node=$1 chain=$2; shift 2
  in_ns "$node" iptables -A "$chain" "$@"
  if v6; then in_ns "$node" ip6tables -A "$chain" "$@"; fi
}

# Delay (ms) for every packet leaving NODE that matches RULE, by an NFQUEUE user-space helper (this
# kernel has no netem). Waits until the helper holds the queue before any packet is sent to it.
nfq_delay() { # NAME NODE QUEUE DELAY_MS RULE...
  local name=$1 node=$2 queue=$3 delay=$4; shift 4
  start "$name" "$node" "$PY" "$HELPERS/nfq-delay.py" "$queue" "$delay"
  wait_log "$name" ready
  in_ns "$node" iptables -t mangle -A LAB-POST "$@" -j NFQUEUE --queue-num "$queue" --queue-bypass
}

cmd_fault() {
  local name=${1:-} why
  [[ " ${FAULTS[*]} " == *" $name "* ]] || die "unknown fault '$name'; one of: ${FAULTS[*]}"
  why=$(fault_unfit "$name")
  [[ -z $why ]] || die "fault $name does not fit variant $(variant_string): $why"
  cmd_clear
  case $name in
    healthy) ;;
    pc-nic-down) in_ns pc ip link set eth0 down ;;
    cable-unplugged) in_ns home ip link set lan0 down ;; # pc's eth0 stays admin up, loses carrier
    dhcp-dead) in_ns home iptables -A LAB-IN -p udp --dport 67 -j DROP ;; # pc keeps its lease
    router-dns-dead) start_home_dnsmasq dns-dead ;; # DHCP still served, port 53 closed
    wan-down) in_ns isp ip link set cust0 down ;;   # the line's customer end loses carrier
    line-degraded)
      # No netem in this kernel: loss by iptables statistic, delay by an NFQUEUE user-space helper,
      # a low sync rate by tbf; the modem's SNMP line figures drop to a poor SNR margin.
      in_ns home iptables -A LAB-FWD -o wan0 -m statistic --mode random --probability 0.1 -j DROP
      in_ns home iptables -A LAB-FWD -i wan0 -m statistic --mode random --probability 0.1 -j DROP
      in_ns home iptables -A LAB-OUT -o wan0 -m statistic --mode random --probability 0.1 -j DROP
      nfq_delay home-nfq home 7 200 -o wan0
      in_ns home tc qdisc add dev wan0 root tbf rate 2mbit burst 32kbit latency 400ms
      write_line_state degraded ;;
    isp-upstream-down) in_ns inet ip link set isp0 down ;; # the core beyond the edge dies silently
    isp-uplink-down)
      # The edge's own uplink goes down and its routes with it: it answers ping itself, sends Net
      # Unreachable for the internet (edge=blackhole: silence), its resolver refuses (no upstream).
      in_ns isp ip link set up0 down ;;
    isp-loss) in_ns isp iptables -A LAB-FWD -o up0 -m statistic --mode nth --every 4 --packet 0 -j DROP ;;  # exactly 25%: deterministic, so tests are not flaky
    dns-servfail) start_auth servfail ;;
    service-down) stop inet-web ;;
    gateway-icmp-silent) in_ns home iptables -A LAB-IN -i br-lan -p icmp --icmp-type echo-request -j DROP ;;
    mtu-blackhole)
      # A smaller MTU beyond the ISP edge whose "fragmentation needed" errors are filtered: big DF
      # packets vanish, small ones pass (RFC 2923 black hole).
      in_ns isp ip link set up0 mtu 1400
      in_ns inet ip link set isp0 mtu 1400
      in_ns isp iptables -A LAB-OUT -p icmp --icmp-type fragmentation-needed -j DROP ;;
    rogue-dhcp) add_rogue ;;
    nat-missing)
      in_ns home iptables -t nat -D POSTROUTING -o wan0 -j MASQUERADE
      flush_conntrack home ;;
    cgnat-down)
      in_ns isp iptables -t nat -D POSTROUTING -s 100.64.0.0/10 -o up0 -j MASQUERADE
      flush_conntrack isp ;;
    dhcp-off-no-address)
      start_home_dnsmasq no-dhcp
      restart_pc_client_fresh ;;
    isp-resolver-down) stop isp-resolver ;;
    pc-resolver-misconfigured) echo "nameserver $LAN_NOBODY" >"/etc/netns/$(ns pc)/resolv.conf" ;;
    pc-firewall-drops-web) both_fw pc LAB-OUT -p tcp -m multiport --dports 80,443 -j DROP ;;
    captive-portal)
      start_portal
      start_isp_resolver portal ;;
    tls-intercepted) start_tls_proxy ;;
    service-cert-wrong-name) start_web ok wrong-name ;;
    # 600 ms: above the 500 ms "significantly high" mark whatever the load (load only adds), far below
    # the agent's 1.5 s query timeout.
    dns-slow) nfq_delay isp-nfq isp 8 600 -p udp -s "$ISP_RESOLVER" --sport 53 ;;
    service-slow) start_web slow web ;;
    service-http-error) start_web error web ;;
    service-timeout)
      in_ns inet iptables -A LAB-IN -d "$WEB_IP" -p tcp -m multiport --dports 80,443 -j DROP
      if v6; then in_ns inet ip6tables -A LAB-IN -d "$WEB6" -p tcp -m multiport --dports 80,443 -j DROP; fi ;;
    lan-loss)
      # Loss on the PC's link as on poor Wi-Fi. ICMP echo requests with an odd sequence number are
      # lost (3 of every 5-probe ping, the same on every run: the loss figure is deterministic);
      # 25% of every other packet from and to the pc at random.
      local odd=(-p icmp --icmp-type echo-request -m u32 --u32 "0>>22&0x3C@4&0x1=1" -j DROP)
      local rnd=(-m statistic --mode random --probability 0.25 -j DROP)
      in_ns home iptables -A LAB-IN -i br-lan "${odd[@]}"
      in_ns home iptables -A LAB-FWD -i br-lan "${odd[@]}"
      in_ns home iptables -A LAB-IN -i br-lan ! -p icmp "${rnd[@]}"
      in_ns home iptables -A LAB-FWD -i br-lan ! -p icmp "${rnd[@]}"
      in_ns home iptables -A LAB-OUT -o br-lan ! -p icmp "${rnd[@]}"
      in_ns home iptables -A LAB-FWD -o br-lan ! -p icmp "${rnd[@]}" ;;
    router-hung)
      # The router's LAN side stops answering anything, ARP included; the link stays up. The pc's
      # neighbour entry for it is dropped, as it would have expired by the time the customer calls.
      in_ns home ip link set br-lan arp off
      in_ns home iptables -A LAB-IN -i br-lan -j DROP
      in_ns home iptables -A LAB-FWD -i br-lan -j DROP
      in_ns pc ip neigh flush dev eth0 ;;
    pc-wrong-gateway) in_ns pc ip route replace default via "$LAN_NOBODY2" dev eth0 ;;
    ipv6-broken) in_ns isp ip -6 route del default via "$UP6_INET" ;;
  esac
  flush_dns_caches
  wait_snmp_sync
  echo "$name" >"$STATE/fault"
  echo "fault: $name"
}
