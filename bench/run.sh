#!/usr/bin/env bash
# The chat-relay benchmark in one command (see bench/README.md and docs/benchmarks.md).
#
#   bench/run.sh
#
# 1. starts a fixed topology on 127.0.0.1, every system with two instances on one Redis (port
#    $REDIS_PORT, no persistence), no load balancer (the generator spreads its connections):
#      chatrelay         two chat-relay gateways (9101, 9102; admin ports +1000)
#      socketio          two Socket.IO 4 servers with @socket.io/redis-adapter (9201, 9202)
#      socketio-streams  two Socket.IO 4 servers with @socket.io/redis-streams-adapter and
#                        connection state recovery: the Socket.IO setup that stores messages (9251, 9252)
#      nchan             two nginx with the Nchan module, one worker each, Redis storage (9301, 9302)
# 2. for every load shape ($SHAPES: members per room) warms every system up, then sweeps the
#    offered rates; at every rate the systems take turns (A B C D, A B C D), the order reversed
#    from one rate to the next; each run is a fresh generator process with fresh connections;
# 3. stops them and measures memory per idle connection: one fresh server per system and size,
#    $MEMORY_SIZES idle connections from generator processes of at most 7500 sockets each;
# 4. writes, into $OUT: results-<shape>.jsonl (one line per run), memory.jsonl, report.md (with
#    a section per shape) and PNG plots per shape.
#
# Every setting below can be overridden from the environment, e.g.
#   SHAPES=20 RATES_20="1000 4000" DURATION=5 REPEAT=1 MEMORY_SIZES=1000 bench/run.sh   # a quick look
#   SYSTEMS=chatrelay JFR=1 SHAPES=20 RATES_20=6000 REPEAT=1 MEMORY_SIZES= bench/run.sh  # profile the gateways
#   SHAPES=5000 bench/run.sh                                                             # the 5,000-member room
#   GATEWAY_JAR=/path/to/other/chat-relay-gateway.jar bench/run.sh                       # another build (libs/ beside it)
#   SYSTEMS= SHAPES= MEMORY_SYSTEMS=chatrelay bench/run.sh                              # memory per idle connection only
# Requires: a JDK 21+ (java, jcmd), Maven (first build), redis-server and redis-cli, node 20+
# with npm (the Socket.IO peers are installed into bench/socketio/node_modules by npm on the
# first run), nginx with the Nchan module (Debian: apt-get install redis-server nginx-light
# libnginx-mod-nchan), curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

# load shapes, by members per room: "connections rooms publishers" (publishers spread over the
# rooms, members of them on both servers) and the offered rates (messages/s, all publishers)
SHAPES=${SHAPES-"20 100"}
SHAPE_20=${SHAPE_20:-"200 10 20"}
SHAPE_100=${SHAPE_100:-"2000 20 40"}
SHAPE_5000=${SHAPE_5000:-"5000 1 10"}
RATES_20=${RATES_20:-"1000 2000 4000 6000 8000 10000 12000 15000"}   # deliveries/s = 20 x rate
RATES_100=${RATES_100:-"400 800 1200 1600 2000 2400 3000 3600"}      # 100 x rate
RATES_5000=${RATES_5000:-"10 20 30 40 60"}                           # 5000 x rate
WARMUP=${WARMUP:-3}                                    # seconds per run before measuring
DURATION=${DURATION:-15}                               # measured seconds per run
DRAIN=${DRAIN:-5}                                      # seconds to wait for late deliveries
TEXT_SIZE=${TEXT_SIZE:-64}                             # characters of message text
REPEAT=${REPEAT:-2}                                    # runs per system and rate
SETTLE=${SETTLE:-3}                                    # seconds of quiet between runs
# the unrecorded warm-up run of every system per shape, at the shape's first rate: long enough for
# the JIT compilers (the gateways' and Node's) to settle, so that the recorded runs measure a
# running server, not its compilation (at 7 s, C2 still took 40 % of a gateway's CPU in the first
# recorded run; after 25 s it still took 0.03-0.18 cores of the two gateways' 0.45-0.74 at 20,000
# deliveries/s, after 90 s under 0.04 and mostly under 0.01: docs/benchmarks.md, What limits 9)
WARMUP_RUN=${WARMUP_RUN:-90}
SYSTEMS=${SYSTEMS-"chatrelay socketio socketio-streams nchan"}
MEMORY_SYSTEMS=${MEMORY_SYSTEMS:-"chatrelay socketio nchan"}
# the machine is shared: before a run, wait (at most QUIET_WAIT s) until the CPU time used by
# everything is below QUIET_CPU cores; a run during which processes other than the generator,
# the servers and Redis used more than OTHER_CPU cores is "disturbed": kept in disturbed.jsonl
# and retried (at most RETRIES times; the last attempt is kept, marked, if all were disturbed)
QUIET_CPU=${QUIET_CPU:-0.35}
QUIET_WAIT=${QUIET_WAIT:-180}
OTHER_CPU=${OTHER_CPU:-0.25}
RETRIES=${RETRIES:-2}
# a system that missed the capacity criterion (p99 <= 50 ms, no loss, no error, nobody closed) in
# every run of STOP_AFTER consecutive rates is not run at the higher rates (0: never stop)
STOP_AFTER=${STOP_AFTER:-2}
MEMORY_SIZES=${MEMORY_SIZES-"5000 15000"}             # idle connections on one server ("" to skip)
# seconds between the last connection and the measurement: on a busy machine a gateway is still
# admitting (inbox subscription) connections that already have their welcome
MEMORY_SETTLE=${MEMORY_SETTLE:-15}
MEMORY_CONNECT_TIMEOUT=${MEMORY_CONNECT_TIMEOUT:-600}  # seconds for one holder process to open its sockets
# HISTOGRAM=1: also the gateway's class histogram before and after (histogram-<size>-before/after.txt)
HISTOGRAM=${HISTOGRAM:-1}
REDIS_PORT=${REDIS_PORT:-6390}
GATEWAY_PORTS=(9101 9102)
SOCKETIO_PORTS=(9201 9202)
STREAMS_PORTS=(9251 9252)
NCHAN_PORTS=(9301 9302)
MEMORY_PORT_chatrelay=9111
MEMORY_PORT_socketio=9211
MEMORY_PORT_nchan=9311
# the floor servers (`bench floor`, not in SYSTEMS by default): chat-relay's wire with local rooms
# only, on Helidon's WebSocket layer and on Netty's; one server each (docs/benchmarks.md, What
# limits chat-relay, 13)
FLOOR_HELIDON_PORT=9401
FLOOR_NETTY_PORT=9402
MEMORY_PORT_floor_helidon=9411
MEMORY_PORT_floor_netty=9412
# JVM flags of the gateways of the load runs (a fixed heap, as a server is run: with a 64 MB
# initial heap a gateway holding 1,000 connections paused for G1 0.7 times a second, which alone
# made a p99 of about 10 ms); JFR=1 adds a flight recording per gateway
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
# and of the memory runs: a heap that starts small, so that RSS per idle connection counts what
# the connections hold, not eden pages touched while they were opened
MEMORY_GATEWAY_JVM_FLAGS=${MEMORY_GATEWAY_JVM_FLAGS:-"-Xms64m -Xmx512m -XX:+UseG1GC"}
# gateway settings of the load runs beyond the fixed ones (e.g. "CHAT_OUTBOUND_FRAMES=4096")
GATEWAY_ENV=${GATEWAY_ENV:-""}
# the generator (one JVM per run; the memory runs fork holders of at most 7500 sockets each)
BENCH_JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms256m -Xmx2g -XX:+UseG1GC"}
NODE_FLAGS=${NODE_FLAGS:-"--expose-gc --max-old-space-size=512"}
NCHAN_MODULE=${NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}
OUT=${OUT:-"$repo/bench/target/bench-results/$(date +%Y%m%d-%H%M%S)"}

say() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
# shellcheck source=bench/common.sh
. "$here/common.sh"
wants() { [[ " $SYSTEMS $MEMORY_SYSTEMS " == *" $1 "* ]]; }

# ------------------------------------------------------------------------------- tools
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi
command -v java >/dev/null || die "java not found (set JAVA_HOME to a JDK 21+)"
command -v jcmd >/dev/null || die "jcmd not found: JAVA_HOME must be a JDK, not a JRE"
command -v redis-server >/dev/null || die "redis-server not found (Debian: apt-get install redis-server)"
command -v curl >/dev/null || die "curl not found"
if wants socketio || wants socketio-streams; then
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found (node 20+)"
fi
if wants nchan; then
  command -v nginx >/dev/null && [ -f "$NCHAN_MODULE" ] \
    || die "nginx with the Nchan module not found (Debian: apt-get install nginx-light libnginx-mod-nchan; or set NCHAN_MODULE)"
fi
ulimit -n 20000 2>/dev/null || true
[ "$(ulimit -n)" -ge 16000 ] || say "warning: open files limit $(ulimit -n): 15k idle connections need ~16k"

gateway_jar="${GATEWAY_JAR:-$repo/gateway/target/chat-relay-gateway.jar}"   # GATEWAY_JAR: measure another build
bench_jar="$repo/bench/target/chat-relay-bench.jar"
if [ ! -f "$gateway_jar" ] || [ ! -f "$bench_jar" ]; then
  say "building (mvn install -DskipTests)"
  (cd "$repo" && mvn -B -q install -DskipTests)
fi
if { wants socketio || wants socketio-streams; } && [ ! -d "$here/socketio/node_modules/@socket.io/redis-streams-adapter" ]; then
  say "npm install in bench/socketio"
  (cd "$here/socketio" && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
fi

mkdir -p "$OUT"
say "results in $OUT"
private_jars   # run private copies: other work may rebuild the jars in the checkout while the sweep runs

# ------------------------------------------------------------------------ processes (common.sh: pids, cleanup)
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pids() {
  local p
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  local keep=() q
  for q in "${pids[@]}"; do [[ " $* " == *" $q "* ]] || keep+=("$q"); done
  pids=("${keep[@]}")
}

for port in "$REDIS_PORT" "${GATEWAY_PORTS[@]}" "${SOCKETIO_PORTS[@]}" "${STREAMS_PORTS[@]}" "${NCHAN_PORTS[@]}" \
  "$MEMORY_PORT_chatrelay" "$MEMORY_PORT_socketio" "$MEMORY_PORT_nchan" "$FLOOR_HELIDON_PORT" "$FLOOR_NETTY_PORT" \
  "$MEMORY_PORT_floor_helidon" "$MEMORY_PORT_floor_netty"; do
  port_free "$port" || die "port $port is in use"
done

# a floor server (`bench floor`) on the gateways' JVM flags; ready when its port accepts
start_floor() { # transport port node-id
  # shellcheck disable=SC2086
  java $GATEWAY_JVM_FLAGS -jar "$bench_jar" floor --transport "$1" --port "$2" >"$OUT/$3.log" 2>&1 &
  started_pid=$!
  measured_pid=$started_pid
  pids+=("$started_pid")
  for _ in $(seq 1 150); do
    port_free "$2" || return 0
    kill -0 "$started_pid" 2>/dev/null || die "floor $3 exited (see $OUT)"
    sleep 0.2
  done
  die "floor $3 not listening after 30 s"
}

# every start_* sets started_pid (what to stop) and measured_pid (what to measure: CPU, memory)
start_gateway() { # port node-id
  local port=$1 node=$2 flags="$GATEWAY_JVM_FLAGS"
  if [ "${JFR:-0}" = "1" ]; then
    flags="$flags -XX:StartFlightRecording=filename=$OUT/$node.jfr,settings=profile,dumponexit=true"
  fi
  # shellcheck disable=SC2086
  env $GATEWAY_ENV CHAT_PORT="$port" CHAT_ADMIN_PORT=$((port + 1000)) CHAT_NODE_ID="$node" \
    CHAT_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" CHAT_REDIS_PREFIX=bench \
    CHAT_DEFAULT_ROOM="" CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000 \
    CHAT_MAX_CONNECTIONS_PER_ADDRESS=20000 \
    java $flags -jar "$gateway_jar" >"$OUT/$node.log" 2>&1 &
  started_pid=$!
  measured_pid=$started_pid
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$((port + 1000))/observe/health/ready" "$started_pid" "gateway $node"
}

start_socketio() { # port node-id adapter(pubsub|streams)
  local port=$1 node=$2 adapter=$3
  # shellcheck disable=SC2086
  PORT=$port NODE_ID=$node REDIS_URL="redis://127.0.0.1:$REDIS_PORT" SIO_KEY="bench-sio-$adapter" ADAPTER=$adapter \
    node $NODE_FLAGS "$here/socketio/server.js" >"$OUT/$node.log" 2>&1 &
  started_pid=$!
  measured_pid=$started_pid
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$port/health" "$started_pid" "socket.io $node"
}

# nginx with Nchan, one worker process, in the foreground. Debian's nchan 1.3.6 crashes when one
# location both publishes and subscribes with Redis: a publisher location and a subscriber one.
start_nchan() { # port node-id
  local port=$1 node=$2 dir
  dir="$OUT/$node"
  mkdir -p "$dir/tmp"
  chmod 777 "$dir/tmp"
  cat >"$dir/nginx.conf" <<NGINX
load_module $NCHAN_MODULE;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path $dir/tmp;
  upstream redis_server { nchan_redis_server redis://127.0.0.1:$REDIS_PORT; }
  server {
    listen 127.0.0.1:$port;
    location = /health { return 200 "ok"; }
    location ~ ^/pub/([A-Za-z0-9_-]+)\$ {
      nchan_publisher websocket http;
      nchan_channel_id \$1;
      nchan_redis_pass redis_server;
      nchan_message_buffer_length 1000;
      nchan_message_timeout 1h;
    }
    location ~ ^/sub/([A-Za-z0-9_-]+)\$ {
      nchan_subscriber websocket;
      nchan_channel_id \$1;
      nchan_redis_pass redis_server;
    }
  }
}
NGINX
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g "daemon off;" >"$OUT/$node.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$port/health" "$started_pid" "nchan $node"
  measured_pid=$(pgrep -P "$started_pid" | head -1)
  [ -n "$measured_pid" ] || die "nchan $node: no worker process"
}

start_server() { # system port node-id
  case "$1" in
    chatrelay) start_gateway "$2" "$3" ;;
    socketio) start_socketio "$2" "$3" pubsub ;;
    socketio-streams) start_socketio "$2" "$3" streams ;;
    nchan) start_nchan "$2" "$3" ;;
    floor-helidon) start_floor helidon "$2" "$3" ;;
    floor-netty) start_floor netty "$2" "$3" ;;
    *) die "unknown system $1" ;;
  esac
}

ports_of() { # system -> the two ports
  case "$1" in
    chatrelay) echo "${GATEWAY_PORTS[*]}" ;;
    socketio) echo "${SOCKETIO_PORTS[*]}" ;;
    socketio-streams) echo "${STREAMS_PORTS[*]}" ;;
    nchan) echo "${NCHAN_PORTS[*]}" ;;
    floor-helidon) echo "$FLOOR_HELIDON_PORT" ;;   # one server: its rooms are local
    floor-netty) echo "$FLOOR_NETTY_PORT" ;;
  esac
}

bench() { # command args...
  # shellcheck disable=SC2086
  java $BENCH_JVM_FLAGS -jar "$bench_jar" "$@"
}

# --------------------------------------------------------------------- environment
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (uncommitted changes in the tree)')"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -1)"
  if command -v node >/dev/null; then
    sio() { (cd "$here/socketio" && node -p "require('$1/package.json').version" 2>/dev/null) || echo '?'; }
    echo "node: $(node --version); socket.io $(sio socket.io), redis-adapter $(sio @socket.io/redis-adapter), redis-streams-adapter $(sio @socket.io/redis-streams-adapter)"
  fi
  if command -v nginx >/dev/null; then
    echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'); nchan module $NCHAN_MODULE ($(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo 'version unknown'))"
  fi
  echo "redis: $(redis-server --version)"
  echo "open files limit: $(ulimit -n)"
  echo "gateway jar: $built_gateway_jar (built $(date -u -r "$built_gateway_jar" +%Y-%m-%dT%H:%M:%SZ), sha256 $(sha256sum "$gateway_jar" | cut -c1-16)), run from a copy"
  echo "gateway JVM flags: $GATEWAY_JVM_FLAGS (memory runs: $MEMORY_GATEWAY_JVM_FLAGS); extra gateway env: ${GATEWAY_ENV:-none}"
  echo "generator JVM flags: $BENCH_JVM_FLAGS"
  echo "node flags: $NODE_FLAGS"
  echo "systems: $SYSTEMS; memory: $MEMORY_SYSTEMS at ${MEMORY_SIZES:-no} idle connections"
  for shape in $SHAPES; do
    v="SHAPE_$shape"; r="RATES_$shape"
    echo "shape $shape members per room: connections rooms publishers = ${!v}; messages/s = ${!r}"
  done
  echo "load: TEXT_SIZE=$TEXT_SIZE WARMUP_RUN=$WARMUP_RUN WARMUP=$WARMUP DURATION=$DURATION DRAIN=$DRAIN REPEAT=$REPEAT STOP_AFTER=$STOP_AFTER"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# -------------------------------------------------------------------------- sweep
start_redis
declare -A targets measured
for system in $SYSTEMS; do
  n=1
  for port in $(ports_of "$system"); do
    start_server "$system" "$port" "$system-$n"
    targets[$system]+="${targets[$system]:+,}ws://127.0.0.1:$port"
    measured[$system]+="${measured[$system]:+,}$measured_pid"
    n=$((n + 1))
  done
  say "up: $system (pids ${measured[$system]})"
done

busy_cores() { # CPU time used by the whole machine over $1 seconds, in cores
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat)
  sleep "$1"
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat)
  awk -v a="$a" -v b="$b" -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz / t}'
}

wait_quiet() {
  local waited=0 busy
  while :; do
    busy=$(busy_cores 2)
    awk -v b="$busy" -v q="$QUIET_CPU" 'BEGIN {exit !(b <= q)}' && return 0
    [ "$waited" -ge "$QUIET_WAIT" ] && { say "machine still busy ($busy cores) after ${waited}s: running anyway"; return 0; }
    [ "$waited" -eq 0 ] && say "machine busy ($busy cores used by other work): waiting for it to calm down"
    waited=$((waited + 2))
  done
}

load_run() { # system shape rate out-file [memory true|false]
  local system=$1 shape=$2 rate=$3 out=$4 memory=${5:-true} attempt line other v conn rooms pubs
  v="SHAPE_$shape"
  read -r conn rooms pubs <<<"${!v}"
  for attempt in $(seq 0 "$RETRIES"); do
    wait_quiet
    say "run: $system, rooms of $shape, $rate msg/s (attempt $((attempt + 1)))"
    line=$(bench load --system "$system" --targets "${targets[$system]}" --server-pids "${measured[$system]}" \
      --redis-pid "$redis_pid" --connections "$conn" --rooms "$rooms" --publishers "$pubs" --rate "$rate" \
      --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --text-size "$TEXT_SIZE" \
      --memory "$memory" --label "$system@$shape/$rate" --shape "$shape") \
      || { say "warning: $system at $rate msg/s failed"; sleep "$SETTLE"; continue; }
    sleep "$SETTLE"
    other=$(echo "$line" | sed -n 's/.*"otherCpuCores":\([-0-9.]*\).*/\1/p')
    if [ "$attempt" -lt "$RETRIES" ] && awk -v o="${other:-0}" -v m="$OTHER_CPU" 'BEGIN {exit !(o > m)}'; then
      say "disturbed: other processes used $other cores during the run; again"
      echo "$line" >>"$OUT/disturbed.jsonl"
      continue
    fi
    if awk -v o="${other:-0}" -v m="$OTHER_CPU" 'BEGIN {exit !(o > m)}'; then
      line="${line%\}},\"disturbed\":true}"
    fi
    echo "$line" >>"$out"
    return 0
  done
}

meets() { # a result line -> exit 0 when it meets the capacity criterion
  echo "$1" | awk '{
    p99 = $0; sub(/.*"p99Ms":/, "", p99); sub(/[,}].*/, "", p99)
    loss = $0; sub(/.*"loss":/, "", loss); sub(/[,}].*/, "", loss)
    closed = $0; sub(/.*"closedDuringRun":/, "", closed); sub(/[,}].*/, "", closed)
    errors = $0; sub(/.*"errors":/, "", errors); sub(/[,}].*/, "", errors)
    exit !(p99 + 0 <= 50 && loss + 0 == 0 && closed + 0 == 0 && errors + 0 == 0)
  }'
}

for shape in $SHAPES; do
  rates_var="RATES_$shape"
  rates=${!rates_var}
  results="$OUT/results-$shape.jsonl"
  # JIT warm-up of every server in this shape, not recorded
  first_rate=${rates%% *}
  for system in $SYSTEMS; do
    say "warm-up of $system, rooms of $shape (not recorded)"
    WARMUP=2 DURATION="$WARMUP_RUN" load_run "$system" "$shape" "$first_rate" "$OUT/warmup.jsonl" false
  done
  declare -A failed_rates=()
  for system in $SYSTEMS; do failed_rates[$system]=0; done
  i=0
  for rate in $rates; do
    if [ $((i % 2)) -eq 0 ]; then order="$SYSTEMS"; else order=$(echo "$SYSTEMS" | awk '{for (k = NF; k > 0; k--) printf "%s ", $k}'); fi
    declare -A met=()
    for _ in $(seq 1 "$REPEAT"); do
      for system in $order; do
        if [ "$STOP_AFTER" -gt 0 ] && [ "${failed_rates[$system]}" -ge "$STOP_AFTER" ]; then
          continue
        fi
        before=0; [ -f "$results" ] && before=$(wc -l <"$results")
        load_run "$system" "$shape" "$rate" "$results"
        last=$(tail -n +"$((before + 1))" "$results" 2>/dev/null | tail -1)
        if [[ "$last" == *'"disturbed":true'* ]]; then
          : # does not count either way
        elif [ -n "$last" ] && meets "$last"; then met[$system]=${met[$system]:-yes}; else met[$system]=no; fi
      done
    done
    for system in $SYSTEMS; do
      case "${met[$system]:-skipped}" in
        no) failed_rates[$system]=$((failed_rates[$system] + 1)) ;;
        yes) failed_rates[$system]=0 ;;
      esac
      if [ "$STOP_AFTER" -gt 0 ] && [ "${met[$system]:-skipped}" = no ] && [ "${failed_rates[$system]}" -ge "$STOP_AFTER" ]; then
        say "$system missed the criterion at $STOP_AFTER rates in a row (rooms of $shape): not run at higher rates"
      fi
    done
    unset met
    i=$((i + 1))
  done
  unset failed_rates
done

cleanup
start_redis

# ------------------------------------------------------------------------- memory
for size in $MEMORY_SIZES; do
  for system in $MEMORY_SYSTEMS; do
    port_var="MEMORY_PORT_${system//-/_}"
    port=${!port_var:-}
    [ -n "$port" ] || { say "no memory measurement for $system"; continue; }
    GATEWAY_JVM_FLAGS="$MEMORY_GATEWAY_JVM_FLAGS" start_server "$system" "$port" "$system-mem-$size"
    server_pid=$started_pid
    sleep 3
    say "memory: $system with $size idle connections"
    histogram=()
    if [ "$HISTOGRAM" = "1" ] && [ "$system" = chatrelay ]; then histogram=(--histogram "$OUT/histogram-$size"); fi
    if [ "$HISTOGRAM" = "1" ] && [[ "$system" == floor-* ]]; then histogram=(--histogram "$OUT/histogram-$system-$size"); fi
    bench memory --system "$system" --target "ws://127.0.0.1:$port" --pid "$measured_pid" --connections "$size" \
      --per-process 7500 --settle "$MEMORY_SETTLE" --connect-timeout "$MEMORY_CONNECT_TIMEOUT" \
      --label "$system-idle-$size" --out "$OUT/memory.jsonl" "${histogram[@]}" >/dev/null \
      || say "warning: memory $system $size failed"
    stop_pids "$server_pid"
    sleep 2
  done
done

cleanup

# ------------------------------------------------------------------------- report
files=""
for shape in $SHAPES; do
  [ -f "$OUT/results-$shape.jsonl" ] && files+="${files:+,}$OUT/results-$shape.jsonl"
done
report_args=(--results "$files" --out-dir "$OUT")
[ -f "$OUT/memory.jsonl" ] && report_args+=(--memory "$OUT/memory.jsonl")
bench report "${report_args[@]}"
say "done: $OUT/report.md"
