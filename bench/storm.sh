#!/usr/bin/env bash
# The reconnect storm (see bench/README.md, "Reconnect storm").
#
#   bench/storm.sh
#
# Starts, all on 127.0.0.1: Redis ($REDIS_PORT, no persistence), three gateways gw-1..gw-3
# ($GATEWAY_PORTS, admin ports +1000) and HAProxy in front of them ($LB_PORT; `balance leastconn`,
# health check on each gateway's /observe/health/ready as in deploy/haproxy/haproxy.cfg
# ($LB_SERVER_OPTS: every 2 s, `fall 2 rise 1`, out at the first failed connection),
# `option redispatch 1`, `retries 3`; statistics on $LB_STATS_PORT). Then the generator
# (`chat-relay-bench.jar storm`): $CLIENTS members of $ROOMS rooms connect through HAProxy, a few
# publishers connected straight to gw-2 send $RATE messages/s; after $WARMUP s the generator
# kills gw-1 (SIGKILL), its members reconnect through HAProxy with backoff and `since`, and the
# generator measures until all have recovered (at most $DEADLINE s), keeps the load $AFTER s
# more, and checks that every member received every acked message of its room.
# RESTART_KILLED=1 starts gw-1 again once all have recovered, to watch the gateways' rebalancer
# move members back onto it during the $AFTER seconds.
#
# Writes into $OUT: results.jsonl (one JSON line per run), summary.txt, timeline.csv (CPU per
# process and members per gateway every 250 ms), haproxy.cfg and the logs. Everything it started
# is stopped on exit, also on Ctrl-C.
#
# Every setting below can be overridden from the environment, e.g.
#   CLIENTS=300 ROOMS=10 RATE=50 WARMUP=10 AFTER=10 bench/storm.sh     # a quick look
# Requires: a JDK 21+, Maven (first build), redis-server and redis-cli, haproxy (Debian:
# apt-get install redis-server haproxy), curl; an open-files limit of 2 x CLIENTS + 1000
# (HAProxy holds two sockets per client).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

CLIENTS=${CLIENTS:-5000}        # members, all through HAProxy
ROOMS=${ROOMS:-100}             # rooms (members spread evenly)
RATE=${RATE:-100}               # messages/s in total, round-robin over the rooms
PUBLISHERS=${PUBLISHERS:-4}     # publisher connections (to gw-2; at least ROOMS / 30)
WARMUP=${WARMUP:-30}            # seconds of steady load before the kill
DEADLINE=${DEADLINE:-120}       # longest wait, from the kill, for every member to recover
AFTER=${AFTER:-30}              # seconds of load after the recovery
DRAIN=${DRAIN:-15}              # seconds to wait for the last messages after publishing stops
RESTART_KILLED=${RESTART_KILLED:-0}   # 1: start gw-1 again once all have recovered
REDIS_PORT=${REDIS_PORT:-6391}
LB_PORT=${LB_PORT:-9120}
LB_STATS_PORT=${LB_STATS_PORT:-9129}
GATEWAY_PORTS=(9121 9122 9123)
# HAProxy's health check and passive check per gateway: those of deploy/haproxy/haproxy.cfg
LB_SERVER_OPTS=${LB_SERVER_OPTS:-"inter 2s fall 2 rise 1 observe layer4 error-limit 1 on-error mark-down"}
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:-"-Xms64m -Xmx512m -XX:+UseG1GC"}
GATEWAY_ENV=${GATEWAY_ENV:-""}  # more gateway settings, e.g. "CHAT_REBALANCE_RATE=0"
BENCH_JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms256m -Xmx2g -XX:+UseG1GC"}
OUT=${OUT:-"$repo/bench/target/storm-results/$(date +%Y%m%d-%H%M%S)"}

say() { echo "storm: $*" >&2; }
die() { echo "storm: ERROR: $*" >&2; exit 1; }
# shellcheck source=bench/common.sh
. "$here/common.sh"

# ------------------------------------------------------------------------------- tools
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi
command -v java >/dev/null || die "java not found (set JAVA_HOME to a JDK 21+)"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
  || die "redis-server and redis-cli not found (Debian: apt-get install redis-server)"
command -v haproxy >/dev/null || die "haproxy not found (Debian: apt-get install haproxy)"
command -v curl >/dev/null || die "curl not found"
need=$((2 * CLIENTS + 1000))
[ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$need" 2>/dev/null || true
[ "$(ulimit -n)" -ge "$need" ] || die "open files limit $(ulimit -n): $CLIENTS clients need $need (HAProxy holds two sockets per client)"

gateway_jar="${GATEWAY_JAR:-$repo/gateway/target/chat-relay-gateway.jar}"
bench_jar="$repo/bench/target/chat-relay-bench.jar"
if [ ! -f "$gateway_jar" ] || [ ! -f "$bench_jar" ]; then
  say "building (mvn install -DskipTests)"
  (cd "$repo" && mvn -B -q install -DskipTests)
fi

mkdir -p "$OUT"
say "results in $OUT"
private_jars   # run private copies: other work may rebuild the jars in the checkout meanwhile

# ------------------------------------------------------------------------ processes (common.sh: pids, cleanup)
stop_all() {
  # gw-1 started again by the generator (RESTART_KILLED=1) is not a child of this shell
  if [ -f "$OUT/gw-1-restarted.pid" ]; then pids+=("$(cat "$OUT/gw-1-restarted.pid")"); fi
  cleanup
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for port in "$REDIS_PORT" "$LB_PORT" "$LB_STATS_PORT" "${GATEWAY_PORTS[@]}"; do
  port_free "$port" || die "port $port is in use"
done
for port in "${GATEWAY_PORTS[@]}"; do
  port_free $((port + 1000)) || die "admin port $((port + 1000)) is in use"
done

start_redis

# the command that starts a gateway (also written into restart-gw-1.sh for RESTART_KILLED=1)
gateway_cmd() { # port node-id
  echo "env $GATEWAY_ENV CHAT_PORT=$1 CHAT_ADMIN_PORT=$(($1 + 1000)) CHAT_NODE_ID=$2" \
    "CHAT_REDIS_URI=redis://127.0.0.1:$REDIS_PORT CHAT_REDIS_PREFIX=storm" \
    "CHAT_DEFAULT_ROOM= CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000" \
    "CHAT_MAX_CONNECTIONS_PER_ADDRESS=20000" \
    "java $GATEWAY_JVM_FLAGS -jar $gateway_jar"
}

gateway_pids=()
for i in 1 2 3; do
  port=${GATEWAY_PORTS[$((i - 1))]}
  # shellcheck disable=SC2046
  $(gateway_cmd "$port" "gw-$i") >"$OUT/gw-$i.log" 2>&1 &
  gateway_pids+=("$!")
  pids+=("$!")
done
for i in 1 2 3; do
  port=${GATEWAY_PORTS[$((i - 1))]}
  wait_http "http://127.0.0.1:$((port + 1000))/observe/health/ready" "${gateway_pids[$((i - 1))]}" "gateway gw-$i"
done
cat >"$OUT/restart-gw-1.sh" <<SH
#!/bin/sh
# started by the generator once every member has recovered (RESTART_KILLED=1)
$(gateway_cmd "${GATEWAY_PORTS[0]}" gw-1) >"$OUT/gw-1-restarted.log" 2>&1 </dev/null &
echo \$! >"$OUT/gw-1-restarted.pid"
SH
chmod +x "$OUT/restart-gw-1.sh"

# HAProxy: at most half the open files (two sockets per connection), the rest for checks and logs
maxconn=$(( ($(ulimit -n) - 200) / 2 ))
cat >"$OUT/haproxy.cfg" <<CFG
global
    log stderr format iso local0 info
    maxconn $maxconn

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    option redispatch 1
    retries 3
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout client-fin 5s
    timeout server-fin 5s
    timeout http-request 10s
    timeout check 2s

frontend chat
    bind 127.0.0.1:$LB_PORT
    maxconn $maxconn
    default_backend gateways

backend gateways
    balance leastconn
    option httpchk
    http-check send meth GET uri /observe/health/ready ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    server gw-1 127.0.0.1:${GATEWAY_PORTS[0]} check port $((GATEWAY_PORTS[0] + 1000)) $LB_SERVER_OPTS
    server gw-2 127.0.0.1:${GATEWAY_PORTS[1]} check port $((GATEWAY_PORTS[1] + 1000)) $LB_SERVER_OPTS
    server gw-3 127.0.0.1:${GATEWAY_PORTS[2]} check port $((GATEWAY_PORTS[2] + 1000)) $LB_SERVER_OPTS

frontend stats
    bind 127.0.0.1:$LB_STATS_PORT
    stats enable
    stats uri /stats
CFG
haproxy -c -q -f "$OUT/haproxy.cfg" || die "haproxy.cfg is not valid (see above)"
haproxy -db -f "$OUT/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")
for _ in $(seq 1 100); do
  up=$(curl -sf "http://127.0.0.1:$LB_STATS_PORT/stats;csv" 2>/dev/null | grep -c '^gateways,gw-[123],.*,UP,' || true)
  [ "$up" = 3 ] && break
  kill -0 "$haproxy_pid" 2>/dev/null || die "haproxy exited (see $OUT/haproxy.log)"
  sleep 0.2
done
[ "$up" = 3 ] || die "HAProxy does not see three gateways up (see $OUT/haproxy.log)"
say "up: redis $redis_pid, gateways ${gateway_pids[*]}, haproxy $haproxy_pid (maxconn $maxconn)"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (uncommitted changes in the tree)')"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "redis: $(redis-server --version)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "open files limit: $(ulimit -n)"
  echo "gateway jar: $built_gateway_jar (sha256 $(sha256sum "$gateway_jar" | cut -c1-16)), run from a copy"
  echo "gateway JVM flags: $GATEWAY_JVM_FLAGS; extra gateway env: ${GATEWAY_ENV:-none}"
  echo "generator JVM flags: $BENCH_JVM_FLAGS"
  echo "storm: CLIENTS=$CLIENTS ROOMS=$ROOMS RATE=$RATE PUBLISHERS=$PUBLISHERS WARMUP=$WARMUP DEADLINE=$DEADLINE AFTER=$AFTER DRAIN=$DRAIN RESTART_KILLED=$RESTART_KILLED"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ------------------------------------------------------------------------- the run
on_recovered=()
if [ "$RESTART_KILLED" = 1 ]; then on_recovered=(--on-recovered "$OUT/restart-gw-1.sh"); fi
status=0
# shellcheck disable=SC2086
java $BENCH_JVM_FLAGS -jar "$bench_jar" storm \
  --lb "ws://127.0.0.1:$LB_PORT" --publish-target "ws://127.0.0.1:${GATEWAY_PORTS[1]}" \
  --clients "$CLIENTS" --rooms "$ROOMS" --rate "$RATE" --publishers "$PUBLISHERS" \
  --warmup "$WARMUP" --deadline "$DEADLINE" --after "$AFTER" --drain "$DRAIN" \
  --kill-pid "${gateway_pids[0]}" --gateway-pids "$(IFS=,; echo "${gateway_pids[*]}")" \
  --gateway-names gw-1,gw-2,gw-3 --redis-pid "$redis_pid" --haproxy-pid "$haproxy_pid" \
  --timeline "$OUT/timeline.csv" --summary "$OUT/summary.txt" --out "$OUT/results.jsonl" \
  --label "storm-$CLIENTS" "${on_recovered[@]}" \
  >"$OUT/generator.out" 2> >(tee "$OUT/generator.log" >&2) || status=$?

# when HAProxy saw gw-1 go down (and up again), from the kill
kill_ms=$(sed -n 's/.*"killEpochMs":\([0-9]*\).*/\1/p' "$OUT/results.jsonl" 2>/dev/null | tail -1)
grep -E '^[0-9-]+T[0-9:.]+[+-][0-9:]+ Server gateways/gw-1 is (DOWN|UP)' "$OUT/haproxy.log" 2>/dev/null | while read -r stamp rest; do
  at=$(date -d "$stamp" +%s%3N)
  if [ -n "$kill_ms" ]; then
    echo "[haproxy] $(awk -v a="$at" -v k="$kill_ms" 'BEGIN {printf "%+.2f s", (a - k) / 1000}') from the kill: $rest"
  else
    echo "[haproxy] $stamp $rest"
  fi
done | tee -a "$OUT/summary.txt" >&2

[ "$status" = 0 ] || die "the generator failed (exit $status, see $OUT/generator.log)"
say "done: $OUT/summary.txt"
