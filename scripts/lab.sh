#!/usr/bin/env bash
# netdiag network lab: a customer PC, a home router, an ISP edge and a small "internet", each in its
# own network namespace, linked only to each other (never to the host namespace), with faults that
# break one segment at a time. See docs/lab.md.
#
#   scripts/lab.sh up | down | status | fault NAME | clear | faults | agent-config
#   scripts/lab.sh exec CMD...        run CMD inside the pc namespace
#   scripts/lab.sh ns NAME CMD...     run CMD inside lab namespace NAME (pc|home|isp|inet|rogue)
#
# Env: NETDIAG_LAB_PREFIX (namespace prefix, default ndlab) and NETDIAG_LAB_DIR (state dir, default
# /run/netdiag-lab, or /run/netdiag-lab-PREFIX for a non-default prefix, so two labs can coexist).
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
PY=/usr/bin/python3 # Debian's interpreter: the lab must not depend on a user's pyenv/venv
export LC_ALL=C

NODES=(pc home isp inet)
ns() { echo "$PREFIX-$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$(ns "$1")"; }

# Addressing plan (documentation/test ranges only; 192.0.2.0/24 is the host's uplink, never used here).
LAN_NET=10.77.0.0/24 LAN_GW=10.77.0.1 LAN_DHCP_FIRST=10.77.0.100 LAN_DHCP_LAST=10.77.0.199
ROGUE_IP=10.77.0.250
LINE_HOME=100.64.7.2 LINE_ISP=100.64.7.1 # the access line (modem <-> first ISP hop), /30
ISP_RESOLVER=100.64.0.53
UP_ISP=198.18.0.1 UP_INET=198.18.0.2 # ISP upstream to the "internet", /30
ANCHORS=(203.0.113.1 203.0.113.2 203.0.113.3)
PUBLIC_RESOLVER=198.51.100.53 AUTH_NS=198.51.100.10 WEB_IP=198.51.100.80
ZONE=shop.test WEB_NAME=www.shop.test
SNMP_COMMUNITY=public SNMP_V3_USER=labv3 SNMP_V3_AUTH=labauth-secret SNMP_V3_PRIV=labpriv-secret

FAULTS=(healthy pc-nic-down cable-unplugged dhcp-dead router-dns-dead wan-down line-degraded
  isp-upstream-down isp-loss dns-servfail service-down gateway-icmp-silent mtu-blackhole rogue-dhcp)

die() { echo "lab: $*" >&2; exit 1; }
need_root() { [[ $(id -u) == 0 ]] || die "must run as root (network namespaces)"; }

# --- process tracking: every process the lab starts has a PID file; it is stopped by that PID only ---

pidfile() { echo "$STATE/pids/$1.pid"; }

# start NAME NODE CMD...: runs CMD in NODE's namespace in the background, logs to $STATE/log/NAME.log.
start() {
  local name=$1 node=$2; shift 2
  ip netns exec "$(ns "$node")" "$@" >"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

# The PID is ours only while it still lives in one of our namespaces (guards against PID reuse).
pid_is_ours() {
  local pid=$1 where
  [[ -d /proc/$pid ]] || return 1
  where=$(ip netns identify "$pid" 2>/dev/null) || return 1
  [[ $where == "$PREFIX-"* ]]
}

stop() {
  local f pid i
  f=$(pidfile "$1")
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  if pid_is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do pid_is_ours "$pid" || break; sleep 0.05; done
    pid_is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

running() { local f; f=$(pidfile "$1"); [[ -f $f ]] && pid_is_ours "$(<"$f")"; }

# wait_listen NODE tcp|udp IP PORT: bounded poll until a server is bound (readiness, not a fixed sleep).
wait_listen() {
  local node=$1 proto=$2 ip=$3 port=$4 flag i
  [[ $proto == tcp ]] && flag=-Hlnt || flag=-Hlnu
  for i in $(seq 100); do
    [[ -n $(in_ns "$node" ss $flag "src $ip:$port" 2>/dev/null) ]] && return 0
    sleep 0.05
  done
  die "$node: nothing listening on $proto $ip:$port after 5 s (see $STATE/log/)"
}

# --- servers ---

write_home_dnsmasq_conf() { # MODE: normal | dns-dead
  local mode=$1
  cat >"$STATE/home/dnsmasq.conf" <<EOF
# home router: DHCP server + DNS relay on the LAN bridge (lab.sh generated, mode $mode)
interface=br-lan
bind-interfaces
listen-address=$LAN_GW
$( [[ $mode == dns-dead ]] && echo "port=0" )
no-resolv
no-hosts
server=$ISP_RESOLVER
pid-file=$STATE/home/dnsmasq.pid
log-facility=-
dhcp-range=$LAN_DHCP_FIRST,$LAN_DHCP_LAST,255.255.255.0,12h
dhcp-option=option:router,$LAN_GW
dhcp-option=option:dns-server,$LAN_GW
dhcp-leasefile=$STATE/home/dnsmasq.leases
dhcp-authoritative
# no ping check before an offer: keeps "lab.sh up" fast
no-ping
EOF
  echo "$mode" >"$STATE/home/dnsmasq.mode"
}

start_home_dnsmasq() {
  local mode=${1:-normal}
  stop home-dnsmasq
  write_home_dnsmasq_conf "$mode"
  start home-dnsmasq home dnsmasq -k -u root --conf-file="$STATE/home/dnsmasq.conf"
  wait_listen home udp 0.0.0.0 67
  [[ $mode == dns-dead ]] || wait_listen home udp "$LAN_GW" 53
}

start_resolver() { # NAME NODE LISTEN_IP UPSTREAM_FOR_REST
  local name=$1 node=$2 ip=$3 rest=$4
  cat >"$STATE/$node/$name.conf" <<EOF
# $name: recursive-style forwarder (lab.sh generated)
listen-address=$ip
bind-interfaces
no-resolv
no-hosts
pid-file=$STATE/$node/$name.pid
log-facility=-
server=/$ZONE/$AUTH_NS
$( [[ -n $rest ]] && echo "server=$rest" || echo "local=/test/" )
EOF
  start "$name" "$node" dnsmasq -k -u root --conf-file="$STATE/$node/$name.conf"
  wait_listen "$node" udp "$ip" 53
}

start_auth() { # MODE: ok | servfail
  stop inet-auth
  start inet-auth inet "$PY" "$HELPERS/dns-auth.py" "$AUTH_NS" "$ZONE" "$1" "$WEB_NAME=$WEB_IP" "ns.$ZONE=$AUTH_NS"
  echo "$1" >"$STATE/inet/auth.mode"
  wait_listen inet udp "$AUTH_NS" 53
}

start_web() {
  running inet-web && return 0
  start inet-web inet "$PY" -m http.server 80 --bind "$WEB_IP" --directory "$STATE/inet/www"
  wait_listen inet tcp "$WEB_IP" 80
}

# SIGHUP makes dnsmasq drop its cache, so a DNS fault (or its clearing) is seen at once.
flush_dns_caches() {
  local n pid
  for n in home-dnsmasq isp-resolver inet-resolver; do
    running "$n" && pid=$(<"$(pidfile "$n")") && kill -HUP "$pid"
  done
  return 0
}

write_line_state() { # healthy | degraded: figures in 0.1 dB and bit/s (see line-mib.py)
  local f=$STATE/home/line.state ifindex
  ifindex=$(in_ns home cat /sys/class/net/wan0/ifindex)
  if [[ $1 == healthy ]]; then
    printf 'ifindex=%s\nsnr_ds=95\nsnr_us=120\natten_ds=180\natten_us=110\nrate_ds=80000000\nrate_us=20000000\n' "$ifindex" >"$f.tmp"
  else
    printf 'ifindex=%s\nsnr_ds=12\nsnr_us=25\natten_ds=520\natten_us=380\nrate_ds=2000000\nrate_us=512000\n' "$ifindex" >"$f.tmp"
  fi
  mv "$f.tmp" "$f"
}

start_snmpd() {
  mkdir -p "$STATE/home/snmp"
  cat >"$STATE/home/snmpd.conf" <<EOF
# home router SNMP agent: its real IF-MIB (lo, br-lan, lan0, wan0) plus the simulated DSL line
agentAddress udp:$LAN_GW:161
rocommunity $SNMP_COMMUNITY default
createUser $SNMP_V3_USER SHA "$SNMP_V3_AUTH" AES "$SNMP_V3_PRIV"
rouser $SNMP_V3_USER priv
sysName home-router
sysDescr netdiag lab home router (Linux veth, simulated VDSL2 line)
sysLocation netdiag lab
sysContact support@$ZONE
# snmpd's own uptime would be seconds after "lab.sh up" and read as "router rebooted recently":
# present the router as up for one day (timeticks = 1/100 s).
override .1.3.6.1.2.1.1.3.0 timeticks 8640000
pass_persist .1.3.6.1.2.1.10.94 $PY $HELPERS/line-mib.py $STATE/home/line.state
pass_persist .1.3.6.1.2.1.10.251 $PY $HELPERS/line-mib.py $STATE/home/line.state
EOF
  start home-snmpd home snmpd -f -Lo -C -c "$STATE/home/snmpd.conf" -p "$STATE/home/snmpd.pid" \
    --persistentDir="$STATE/home/snmp"
  wait_listen home udp "$LAN_GW" 161
}

# --- the PC's DHCP client: dhclient with a lab lease file and a script that touches only the pc ---

write_dhclient_files() {
  cat >"$STATE/pc/dhclient.conf" <<EOF
timeout 10;
retry 5;
request subnet-mask, broadcast-address, routers, domain-name-servers;
EOF
  cat >"$STATE/pc/dhclient-script" <<EOF
#!/bin/sh
# lab pc dhclient hook: sets address, default route and the pc namespace's own resolv.conf only.
case "\$reason" in
  PREINIT) ip link set dev "\$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "\$old_ip_address" ] && [ "\$old_ip_address" != "\$new_ip_address" ]; then
      ip -4 addr flush dev "\$interface"
    fi
    ip addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface"
    for r in \$new_routers; do ip route replace default via "\$r" dev "\$interface"; break; done
    if [ -n "\$new_domain_name_servers" ]; then
      for s in \$new_domain_name_servers; do echo "nameserver \$s"; done >"/etc/netns/$(ns pc)/resolv.conf"
    fi ;;
  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "\$interface" ;;
esac
exit 0
EOF
  chmod 755 "$STATE/pc/dhclient-script"
}

# Gets a lease (bounded: dhclient -1 gives up after its 10 s timeout); dhclient then daemonizes and
# keeps renewing, its PID in the tracked PID file.
start_dhclient() {
  stop pc-dhclient
  in_ns pc ip -4 addr flush dev eth0
  in_ns pc timeout 20 dhclient -4 -1 -cf "$STATE/pc/dhclient.conf" -lf "$STATE/pc/dhclient.leases" \
    -pf "$(pidfile pc-dhclient)" -sf "$STATE/pc/dhclient-script" eth0 >>"$STATE/log/pc-dhclient.log" 2>&1 ||
    die "pc got no DHCP lease (see $STATE/log/pc-dhclient.log)"
}

pc_has_lease() {
  [[ -n $(in_ns pc ip -4 -o addr show dev eth0) && -n $(in_ns pc ip -4 route show default) ]]
}

# --- topology ---

add_ns() {
  local n
  n=$(ns "$1")
  ip netns add "$n"
  mkdir -p "/etc/netns/$n"
  # ip netns exec bind-mounts this over /etc/resolv.conf: nothing in the lab may ask the host's resolver.
  echo "nameserver $2" >"/etc/netns/$n/resolv.conf"
  in_ns "$1" ip link set lo up
  in_ns "$1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
  # Fault hooks: every fault adds rules only to these chains, so "clear" is a flush.
  in_ns "$1" iptables -N LAB-IN
  in_ns "$1" iptables -N LAB-FWD
  in_ns "$1" iptables -N LAB-OUT
  in_ns "$1" iptables -A INPUT -j LAB-IN
  in_ns "$1" iptables -A FORWARD -j LAB-FWD
  in_ns "$1" iptables -A OUTPUT -j LAB-OUT
  in_ns "$1" iptables -t mangle -N LAB-POST
  in_ns "$1" iptables -t mangle -A POSTROUTING -j LAB-POST
}

# veth pair created straight into its two namespaces: the host namespace never holds either end.
link() { ip link add "$2" netns "$(ns "$1")" type veth peer name "$4" netns "$(ns "$3")"; }

build_topology() {
  add_ns pc "$LAN_GW"
  add_ns home "$ISP_RESOLVER"
  add_ns isp "$ISP_RESOLVER"
  add_ns inet "$PUBLIC_RESOLVER"

  link pc eth0 home lan0
  link home wan0 isp cust0
  link isp up0 inet isp0

  # home: LAN bridge (a rogue host can be plugged into it), NAT out of the WAN side.
  in_ns home ip link add br-lan type bridge
  in_ns home ip link set lan0 master br-lan
  in_ns home ip addr add "$LAN_GW/24" dev br-lan
  in_ns home ip addr add "$LINE_HOME/30" dev wan0
  for i in br-lan lan0 wan0; do in_ns home ip link set "$i" up; done
  in_ns home sysctl -qw net.ipv4.ip_forward=1
  in_ns home iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE

  # isp: first hop of the access line, the ISP resolver on lo, default route to the internet.
  in_ns isp ip addr add "$LINE_ISP/30" dev cust0
  in_ns isp ip addr add "$UP_ISP/30" dev up0
  in_ns isp ip addr add "$ISP_RESOLVER/32" dev lo
  in_ns isp ip link set cust0 up
  in_ns isp ip link set up0 up
  in_ns isp sysctl -qw net.ipv4.ip_forward=1

  # inet: anchors, public resolver, authoritative server and web server on lo.
  in_ns inet ip addr add "$UP_INET/30" dev isp0
  in_ns inet ip link set isp0 up
  for a in "${ANCHORS[@]}" "$PUBLIC_RESOLVER" "$AUTH_NS" "$WEB_IP"; do in_ns inet ip addr add "$a/32" dev lo; done

  in_ns pc ip link set eth0 up
  static_routes
}

# Setting a link admin down deletes the routes through it; "clear" puts them back with this.
static_routes() {
  in_ns home ip route replace default via "$LINE_ISP"
  in_ns isp ip route replace default via "$UP_INET"
  in_ns inet ip route replace 100.64.0.0/10 via "$UP_ISP"
}

agent_config() {
  local ifindex=""
  [[ -f $STATE/home/line.state ]] && ifindex=$(sed -n 's/^ifindex=//p' "$STATE/home/line.state")
  cat <<EOF
{
  "targets": {
    "anchors": ["${ANCHORS[0]}", "${ANCHORS[1]}", "${ANCHORS[2]}"],
    "publicResolvers": ["$PUBLIC_RESOLVER"],
    "names": ["$WEB_NAME"],
    "service": "http://$WEB_NAME/",
    "dhcp": { "leaseFiles": ["$STATE/pc/dhclient.leases"] },
    "snmp": [
      { "host": "$LAN_GW", "version": "2c", "community": "$SNMP_COMMUNITY"${ifindex:+, \"wanIfIndex\": $ifindex} }
    ]
  },
  "stateDir": "$STATE/pc/agent"
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
  for n in "${NODES[@]}" rogue; do
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
  command -v dnsmasq >/dev/null && command -v snmpd >/dev/null && command -v dhclient >/dev/null ||
    die "needs dnsmasq-base, snmpd, isc-dhcp-client, iptables, iproute2"
  cmd_down
  mkdir -p "$STATE"/{pids,log,pc/agent,home,isp,inet/www}
  chmod 700 "$STATE"
  echo "<!doctype html><title>shop.test</title><h1>netdiag lab shop</h1>" >"$STATE/inet/www/index.html"
  build_topology
  write_line_state healthy
  start_auth ok
  start_resolver inet-resolver inet "$PUBLIC_RESOLVER" ""
  start_resolver isp-resolver isp "$ISP_RESOLVER" "$PUBLIC_RESOLVER"
  start_web
  start_home_dnsmasq normal
  start_snmpd
  write_dhclient_files
  start_dhclient
  agent_config >"$STATE/agent-config.json"
  echo healthy >"$STATE/fault"
  echo "lab up: prefix $PREFIX, state $STATE, pc $(in_ns pc ip -4 -o addr show dev eth0 | awk '{print $4}')"
}

require_up() { [[ -f $STATE/fault ]] || die "lab is not up (prefix $PREFIX, state $STATE)"; }

cmd_clear() {
  need_root
  require_up
  local n
  stop home-nfq
  stop rogue-dnsmasq
  if ns_exists rogue; then ip netns del "$(ns rogue)"; fi
  rm -rf "/etc/netns/$(ns rogue)"
  for n in "${NODES[@]}"; do
    in_ns "$n" iptables -F LAB-IN
    in_ns "$n" iptables -F LAB-FWD
    in_ns "$n" iptables -F LAB-OUT
    in_ns "$n" iptables -t mangle -F LAB-POST
  done
  in_ns home tc qdisc del dev wan0 root 2>/dev/null || true
  in_ns pc ip link set eth0 up
  in_ns home ip link set lan0 up
  in_ns isp ip link set cust0 up
  in_ns inet ip link set isp0 up
  in_ns isp ip link set up0 mtu 1500
  in_ns inet ip link set isp0 mtu 1500
  static_routes
  write_line_state healthy
  [[ $(<"$STATE/home/dnsmasq.mode") == normal ]] || start_home_dnsmasq normal
  [[ $(<"$STATE/inet/auth.mode") == ok ]] || start_auth ok
  start_web
  # Taking eth0 down drops the pc's default route: renew so the pc is as after "up".
  pc_has_lease || start_dhclient
  flush_dns_caches
  echo healthy >"$STATE/fault"
}

# A second DHCP server plugged into the home LAN bridge (rogue detection needs two server ids).
add_rogue() {
  add_ns rogue "$ROGUE_IP"
  link rogue eth0 home lan1
  in_ns home ip link set lan1 master br-lan
  in_ns home ip link set lan1 up
  in_ns rogue ip addr add "$ROGUE_IP/24" dev eth0
  in_ns rogue ip link set eth0 up
  cat >"$STATE/home/rogue-dnsmasq.conf" <<EOF
# rogue DHCP server on the customer LAN (DHCP only)
interface=eth0
bind-interfaces
port=0
pid-file=$STATE/home/rogue-dnsmasq.pid
log-facility=-
dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,5m
dhcp-option=option:router,$ROGUE_IP
dhcp-option=option:dns-server,$ROGUE_IP
dhcp-leasefile=$STATE/home/rogue-dnsmasq.leases
no-ping
EOF
  start rogue-dnsmasq rogue dnsmasq -k -u root --conf-file="$STATE/home/rogue-dnsmasq.conf"
  wait_listen rogue udp 0.0.0.0 67
}

cmd_fault() {
  local name=${1:-}
  [[ " ${FAULTS[*]} " == *" $name "* ]] || die "unknown fault '$name'; one of: ${FAULTS[*]}"
  cmd_clear
  case $name in
    healthy) ;;
    pc-nic-down) in_ns pc ip link set eth0 down ;;
    cable-unplugged) in_ns home ip link set lan0 down ;; # pc's eth0 stays admin up, loses carrier
    dhcp-dead) in_ns home iptables -A LAB-IN -p udp --dport 67 -j DROP ;; # pc keeps its lease
    router-dns-dead) start_home_dnsmasq dns-dead ;; # DHCP still served, port 53 closed
    wan-down) in_ns isp ip link set cust0 down ;;   # home's wan0 loses carrier; SNMP ifOperStatus shows it
    line-degraded)
      # No netem in this kernel: loss by iptables statistic, delay by an NFQUEUE user-space helper,
      # a low sync rate by tbf; the modem's SNMP line figures drop to a poor SNR margin.
      in_ns home iptables -A LAB-FWD -o wan0 -m statistic --mode random --probability 0.1 -j DROP
      in_ns home iptables -A LAB-FWD -i wan0 -m statistic --mode random --probability 0.1 -j DROP
      in_ns home iptables -A LAB-OUT -o wan0 -m statistic --mode random --probability 0.1 -j DROP
      start home-nfq home "$PY" "$HELPERS/nfq-delay.py" 7 200
      in_ns home iptables -t mangle -A LAB-POST -o wan0 -j NFQUEUE --queue-num 7 --queue-bypass
      in_ns home tc qdisc add dev wan0 root tbf rate 2mbit burst 32kbit latency 400ms
      write_line_state degraded ;;
    isp-upstream-down) in_ns inet ip link set isp0 down ;; # isp's up0 loses carrier
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
  esac
  flush_dns_caches
  echo "$name" >"$STATE/fault"
  echo "fault: $name"
}

cmd_status() {
  local n f
  if [[ ! -f $STATE/fault ]]; then echo "lab down (prefix $PREFIX, state $STATE)"; return 0; fi
  echo "prefix $PREFIX  state $STATE  fault $(<"$STATE/fault")"
  for n in "${NODES[@]}" rogue; do ns_exists "$n" && echo "ns $(ns "$n")"; done
  for f in "$STATE"/pids/*.pid; do
    [[ -e $f ]] || continue
    n=$(basename "$f" .pid)
    if running "$n"; then echo "proc $n pid $(<"$f") running"; else echo "proc $n pid $(<"$f") DEAD"; fi
  done
  echo "pc: $(in_ns pc ip -4 -o addr show dev eth0 | awk '{print $4}') $(in_ns pc ip -4 route show default)"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    clear) cmd_clear; echo "fault: healthy" ;;
    fault) need_root; require_up; cmd_fault "$@" ;;
    faults) printf '%s\n' "${FAULTS[@]}" ;;
    agent-config) agent_config ;;
    exec) require_up; [[ $# -gt 0 ]] || die "exec needs a command"; exec ip netns exec "$(ns pc)" "$@" ;;
    ns)
      require_up
      [[ $# -gt 1 ]] || die "ns needs NAME and a command"
      local node=$1; shift
      [[ " ${NODES[*]} rogue " == *" $node "* ]] || die "unknown namespace '$node'"
      exec ip netns exec "$(ns "$node")" "$@" ;;
    *) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [[ -z $cmd ]] || exit 2 ;;
  esac
}

main "$@"
