# shellcheck shell=bash
# lab.sh module: the lab's servers (DNS, DHCP, web, SNMP, RouterOS API, TLS proxy) and the PC's
# address configuration (dhclient, busybox udhcpc, or static). Sourced by scripts/lab.sh only.

# --- home router: dnsmasq DHCP server + DNS relay on the LAN bridge ---

# The resolver the router's DHCP hands out: itself (a relay), or the ISP's resolver directly.
offered_dns() { if [[ ${V[lan-dns]} == isp ]]; then echo "$ISP_RESOLVER"; else echo "$LAN_GW"; fi; }

write_home_dnsmasq_conf() { # MODE: normal | dns-dead | no-dhcp
  local mode=$1
  cat >"$STATE/home/dnsmasq.conf" <<EOF
# home router: DHCP server + DNS relay on the LAN bridge (lab.sh generated, mode $mode)
interface=br-lan
bind-interfaces
listen-address=$LAN_GW
$([[ $mode == dns-dead ]] && echo "port=0")
no-resolv
no-hosts
# No cache: a fault (or its clearing) must show in the very next query, not after a cached answer
# expires; a SIGHUP flush races with a query that arrives before dnsmasq reads the signal.
cache-size=0
server=$ISP_RESOLVER
# The router answers its own names itself (as home routers do): a local name tells a live relay
# from a dead upstream.
domain=lan
local=/lan/
host-record=router.lan,$LAN_GW
pid-file=$STATE/home/dnsmasq.pid
log-facility=-
$([[ $mode == no-dhcp ]] || cat <<DHCP
dhcp-range=$LAN_DHCP_FIRST,$LAN_DHCP_LAST,$LAN_MASK,12h
dhcp-option=option:router,$LAN_GW
dhcp-option=option:dns-server,$(offered_dns)
dhcp-leasefile=$STATE/home/dnsmasq.leases
dhcp-authoritative
# no ping check before an offer: keeps "lab.sh up" fast
no-ping
DHCP
)
EOF
  echo "$mode" >"$STATE/home/dnsmasq.mode"
}

start_home_dnsmasq() {
  local mode=${1:-normal}
  stop home-dnsmasq
  write_home_dnsmasq_conf "$mode"
  start home-dnsmasq home dnsmasq -k -u root --conf-file="$STATE/home/dnsmasq.conf"
  [[ $mode == no-dhcp ]] || wait_listen home udp 0.0.0.0 67
  [[ $mode == dns-dead ]] || wait_listen home udp "$LAN_GW" 53
}

# --- resolvers: the ISP's (on the edge) and the public one (in the internet) ---

start_resolver() { # NAME NODE LISTEN_IP UPSTREAM_FOR_REST MODE(normal|portal)
  local name=$1 node=$2 ip=$3 rest=$4 mode=${5:-normal}
  stop "$name"
  cat >"$STATE/$node/$name.conf" <<EOF
# $name: recursive-style forwarder (lab.sh generated, mode $mode)
listen-address=$ip
bind-interfaces
no-resolv
no-hosts
pid-file=$STATE/$node/$name.pid
log-facility=-
cache-size=0
EOF
  if [[ $mode == portal ]]; then
    printf '# captive portal: every name answers with the portal address\naddress=/#/%s\n' "$ISP_PORTAL"
  else
    echo "server=/$ZONE/$AUTH_NS"
    if [[ -n $rest ]]; then echo "server=$rest"; else echo "local=/test/"; fi
  fi >>"$STATE/$node/$name.conf"
  echo "$mode" >"$STATE/$node/$name.mode"
  start "$name" "$node" dnsmasq -k -u root --conf-file="$STATE/$node/$name.conf"
  wait_listen "$node" udp "$ip" 53
}

start_isp_resolver() { start_resolver isp-resolver isp "$ISP_RESOLVER" "$PUBLIC_RESOLVER" "${1:-normal}"; }

start_auth() { # MODE: ok | servfail
  local records="$WEB_NAME=$WEB_IP"
  [[ ${V[ipv6]} == on ]] && records+=",$WEB6"
  stop inet-auth
  start inet-auth inet "$PY" "$HELPERS/dns-auth.py" "$AUTH_NS" "$ZONE" "$1" "$records" "ns.$ZONE=$AUTH_NS"
  echo "$1" >"$STATE/inet/auth.mode"
  wait_listen inet udp "$AUTH_NS" 53
}

# The lab's dnsmasq instances run without a cache (cache-size=0); a SIGHUP also makes them re-read
# their hosts and lease files, harmless and kept for a dnsmasq that caches anyway.
flush_dns_caches() {
  local n pid
  for n in home-dnsmasq isp-resolver inet-resolver; do
    running "$n" && pid=$(<"$(pidfile "$n")") && kill -HUP "$pid"
  done
  return 0
}

# --- certificates (web=https): a lab root CA the PC trusts, and what the faults need ---

# leaf NAME CA SUBJECT_CN SAN: key + certificate signed by CA (EC P-256: fast to make).
leaf() {
  local name=$1 ca=$2 cn=$3 san=$4 d=$STATE/ca
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/$name.key" \
    -out "$d/$name.csr" -subj "/CN=$cn" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"$d/$name.ext"
  openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" -CAcreateserial -days 30 \
    -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
}

root_ca() { # NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$STATE/ca/$1.key" \
    -out "$STATE/ca/$1.pem" -days 30 -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

make_certs() {
  local anchors_san="" a
  mkdir -p "$STATE/ca"
  for a in "${ANCHORS[@]}"; do anchors_san+=",IP:$a"; done
  root_ca lab-ca "netdiag lab public root CA"
  leaf web lab-ca "$WEB_NAME" "DNS:$WEB_NAME,IP:$WEB_IP,IP:$WEB6"
  leaf anchors lab-ca "anchors.test" "${anchors_san#,}"
  leaf wrong-name lab-ca "www.other.test" "DNS:www.other.test"
  # A local security product's own CA, as antivirus and corporate proxies install it.
  root_ca proxy-ca "Local Security Proxy CA"
  leaf proxy proxy-ca "$WEB_NAME" "DNS:$WEB_NAME,DNS:*.$ZONE,IP:$WEB_IP${anchors_san}"
  # What the PC trusts: the lab's public root, plus the proxy's CA only where the variant says so.
  cp "$STATE/ca/lab-ca.pem" "$STATE/ca/trust.pem"
  [[ ${V[tls-proxy]} == trusted ]] && cat "$STATE/ca/proxy-ca.pem" >>"$STATE/ca/trust.pem"
  return 0
}

# --- web servers: the customer's service, the anchors' own web (a control host), the ISP portal ---

start_web() { # MODE: ok | slow | error; CERT: web | wrong-name
  local mode=${1:-ok} cert=${2:-web} listen=()
  stop inet-web
  if [[ ${V[web]} == https ]]; then
    listen=("https:$WEB_IP:443" "http:$WEB_IP:80")
    [[ ${V[ipv6]} == on ]] && listen+=("https:[$WEB6]:443" "http:[$WEB6]:80")
    start inet-web inet "$PY" "$HELPERS/web.py" "$mode" "$STATE/ca/$cert.pem" "$STATE/ca/$cert.key" "${listen[@]}"
  else
    listen=("http:$WEB_IP:80")
    [[ ${V[ipv6]} == on ]] && listen+=("http:[$WEB6]:80")
    start inet-web inet "$PY" "$HELPERS/web.py" "$mode" - - "${listen[@]}"
  fi
  echo "$mode $cert" >"$STATE/inet/web.mode"
  wait_log inet-web ready
}

# Every anchor also answers HTTP (and HTTPS with web=https), like the public anchors do: a known-good
# host for a control probe ("the same port elsewhere").
start_anchor_web() {
  local a listen=()
  for a in "${ANCHORS[@]}"; do
    listen+=("http:$a:80")
    [[ ${V[web]} == https ]] && listen+=("https:$a:443")
  done
  if [[ ${V[web]} == https ]]; then
    start inet-anchorweb inet "$PY" "$HELPERS/web.py" ok "$STATE/ca/anchors.pem" "$STATE/ca/anchors.key" "${listen[@]}"
  else
    start inet-anchorweb inet "$PY" "$HELPERS/web.py" ok - - "${listen[@]}"
  fi
  wait_log inet-anchorweb ready
}

start_portal() {
  start isp-portal isp "$PY" "$HELPERS/web.py" portal - - "http:$ISP_PORTAL:80"
  wait_log isp-portal ready
}

# A TLS-intercepting proxy on the pc: outbound TCP 443 is redirected to it; it presents its own
# certificate (proxy-ca) and relays to the real server. Its own upstream connections carry mark 0x77
# so the redirect skips them.
start_tls_proxy() {
  start pc-tlsproxy pc "$PY" "$HELPERS/tls-proxy.py" 8443 119 "$STATE/ca/proxy.pem" "$STATE/ca/proxy.key"
  wait_log pc-tlsproxy ready
  in_ns pc iptables -t nat -A LAB-NAT-OUT -p tcp --dport 443 -m mark ! --mark 119 -j REDIRECT --to-ports 8443
}

# --- SNMP on the home router ---

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

snmp_wan_oper() { # what SNMP says of wan0's ifOperStatus: 1 up, 2 down (numeric)
  in_ns home snmpget -v2c -c "$SNMP_COMMUNITY" -t 1 -r 0 -Oqv -Oe "$LAN_GW" \
    "1.3.6.1.2.1.2.2.1.8.$(in_ns home cat /sys/class/net/wan0/ifindex)" 2>/dev/null
}
kernel_wan_oper() { [[ $(in_ns home cat /sys/class/net/wan0/operstate) == up ]] && echo 1 || echo 2; }
snmp_in_sync() { [[ $(snmp_wan_oper) == "$(kernel_wan_oper)" ]]; }

# snmpd caches interface state for a few seconds: after a fault (or clear) changes the WAN link, wait
# until SNMP reports what the kernel does, so the agent never reads the state before the change.
wait_snmp_sync() {
  [[ ${V[snmp]} == on ]] || return 0
  until_ok 200 0.1 snmp_in_sync || die "SNMP still reports wan0 oper $(snmp_wan_oper) while the kernel says $(kernel_wan_oper) after 20 s"
}

# --- RouterOS API on the home router (routeros=on): the simulator, fed the namespace's real state ---

start_routeros() {
  local js=$ROOT/dist/bench/lab-routeros.js
  [[ -f $js ]] || die "routeros=on needs the built simulator $js: run 'npm run build' first"
  start home-routeros home node "$js" --listen "$LAN_GW:8728" --user "$ROS_USER" --password "$ROS_PASSWORD" \
    --wan wan0 --anchors "$(IFS=,; echo "${ANCHORS[*]}")"
  wait_log home-routeros ready
}

# --- the PC's address: dhclient (lease file), busybox udhcpc (no lease file) or static by hand ---

# Each client hook writes the pc's resolv.conf and a copy (resolv.conf.good) that clear restores.
write_client_files() {
  local resolv="/etc/netns/$(ns pc)/resolv.conf" good="$STATE/pc/resolv.conf.good"
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
      for s in \$new_domain_name_servers; do echo "nameserver \$s"; done >"$good"
      cat "$good" >"$resolv"
    fi ;;
  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "\$interface" ;;
esac
exit 0
EOF
  cat >"$STATE/pc/udhcpc-script" <<EOF
#!/bin/sh
# lab pc busybox udhcpc hook (no lease file: udhcpc keeps the lease in memory only).
case "\$1" in
  deconfig) ip -4 addr flush dev "\$interface"; ip link set dev "\$interface" up ;;
  bound|renew)
    ip addr replace "\$ip/\$subnet" dev "\$interface"
    for r in \$router; do ip route replace default via "\$r" dev "\$interface"; break; done
    if [ -n "\$dns" ]; then
      for s in \$dns; do echo "nameserver \$s"; done >"$good"
      cat "$good" >"$resolv"
    fi ;;
esac
exit 0
EOF
  chmod 755 "$STATE/pc/dhclient-script" "$STATE/pc/udhcpc-script"
}

pc_has_lease() {
  [[ -n $(in_ns pc ip -4 -o addr show dev eth0) && -n $(in_ns pc ip -4 route show default) ]]
}

# Brings the pc's IPv4 configuration up the variant's way. dhclient -1 gets a lease (bounded by its
# 10 s timeout) and daemonizes; udhcpc runs in the foreground under our PID file and keeps renewing.
configure_pc() {
  stop pc-dhclient
  stop pc-udhcpc
  in_ns pc ip -4 addr flush dev eth0
  case ${V[client]} in
    dhclient)
      in_ns pc timeout 20 dhclient -4 -1 -cf "$STATE/pc/dhclient.conf" -lf "$STATE/pc/dhclient.leases" \
        -pf "$(pidfile pc-dhclient)" -sf "$STATE/pc/dhclient-script" eth0 >>"$STATE/log/pc-dhclient.log" 2>&1 ||
        die "pc got no DHCP lease (see $STATE/log/pc-dhclient.log)" ;;
    udhcpc)
      start pc-udhcpc pc busybox udhcpc -f -i eth0 -s "$STATE/pc/udhcpc-script" -t 5 -T 1 -A 1
      until_ok 200 0.05 pc_has_lease || die "pc got no DHCP lease from udhcpc (see $STATE/log/pc-udhcpc.log)" ;;
    static)
      in_ns pc ip addr add "$PC_STATIC/$LAN_PLEN" dev eth0
      in_ns pc ip route replace default via "$LAN_GW" dev eth0
      echo "nameserver $(offered_dns)" >"$STATE/pc/resolv.conf.good"
      cat "$STATE/pc/resolv.conf.good" >"/etc/netns/$(ns pc)/resolv.conf" ;;
  esac
}

# "The PC's DHCP client restarted" with nothing to fall back on: no address, no lease file; the client
# keeps asking in the background (as it would on a real PC) while the agent runs.
restart_pc_client_fresh() {
  stop pc-dhclient
  stop pc-udhcpc
  in_ns pc ip -4 addr flush dev eth0
  rm -f "$STATE/pc/dhclient.leases"
  case ${V[client]} in
    dhclient) start pc-dhclient pc dhclient -4 -d -cf "$STATE/pc/dhclient.conf" -lf "$STATE/pc/dhclient.leases" \
      -pf "$(pidfile pc-dhclient).own" -sf "$STATE/pc/dhclient-script" eth0 ;;
    udhcpc) start pc-udhcpc pc busybox udhcpc -f -i eth0 -s "$STATE/pc/udhcpc-script" -t 3 -T 1 -A 1 ;;
  esac
}
