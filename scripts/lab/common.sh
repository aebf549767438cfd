# shellcheck shell=bash
# lab.sh module: namespaces, tracked processes and bounded waits. Sourced by scripts/lab.sh only.

ns() { echo "$PREFIX-$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$(ns "$1")"; }

die() { echo "lab: $*" >&2; exit 1; }
need_root() { [[ $(id -u) == 0 ]] || die "must run as root (network namespaces)"; }

# --- process tracking: every process the lab starts has a PID file; it is stopped by that PID only ---

pidfile() { echo "$STATE/pids/$1.pid"; }

# start NAME NODE CMD...: runs CMD in NODE's namespace in the background, logs to $STATE/log/NAME.log.
# In the field the router, the ISP and the internet are other machines; here they share two cores with
# the agent and whatever else runs. A higher CPU priority for the lab's own servers keeps their answers
# (and the delays a fault adds) from stretching with that load.
start() {
  local name=$1 node=$2; shift 2
  ip netns exec "$(ns "$node")" nice -n -5 "$@" >"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

# The PID is ours only while it still lives in one of our namespaces (guards against PID reuse).
pid_is_ours() {
  local pid=$1 where
  [[ -d /proc/$pid ]] || return 1
  # A killed daemon may linger as a zombie until reaped: it holds no socket any more, so it is gone.
  grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
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
    for i in $(seq 100); do pid_is_ours "$pid" || break; sleep 0.02; done
    pid_is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

running() { local f; f=$(pidfile "$1"); [[ -f $f ]] && pid_is_ours "$(<"$f")"; }

# until_ok TRIES STEP_S CMD...: bounded poll of a condition (readiness, never a fixed sleep).
until_ok() {
  local tries=$1 step=$2 i; shift 2
  for i in $(seq "$tries"); do "$@" && return 0; sleep "$step"; done
  return 1
}

listening() { # NODE tcp|udp IP PORT
  local flag
  [[ $2 == tcp ]] && flag=-Hlnt || flag=-Hlnu
  [[ -n $(in_ns "$1" ss $flag "src $3:$4" 2>/dev/null) ]]
}

# wait_listen NODE tcp|udp IP PORT: until a server is bound (5 s at most).
wait_listen() {
  until_ok 250 0.02 listening "$@" || die "$1: nothing listening on $2 $3:$4 after 5 s (see $STATE/log/)"
}

log_says() { grep -q -- "$2" "$STATE/log/$1.log" 2>/dev/null; }

# wait_log NAME TEXT: until a helper wrote its readiness line (5 s at most).
wait_log() {
  until_ok 250 0.02 log_says "$1" "$2" || die "$1 did not report '$2' within 5 s (see $STATE/log/$1.log)"
}

# Kernel connection tracking holds each flow's NAT mapping (or its absence): after a NAT fault, or its
# clearing, a flow with the same addresses and ports must not keep the old one. Only the namespace
# whose NAT changed is flushed (scripts/lab/ct-flush.py: a ctnetlink flush): flushing everywhere would
# also cut established connections through the router's NAT (an agent's link to its collector) that a
# real fault elsewhere leaves alone.
flush_conntrack() {
  local n
  for n in "$@"; do in_ns "$n" "$PY" "$HELPERS/ct-flush.py" || die "conntrack flush failed in $n"; done
}
