#!/usr/bin/env bash
# The chat-relay benchmark in one command (see bench/README.md and docs/benchmarks.md).
#
#   bench/run.sh
#
# 1. starts a fixed topology on 127.0.0.1: one Redis (port $REDIS_PORT, no persistence), two
#    chat-relay gateways (9101, 9102) and two Socket.IO 4 servers with @socket.io/redis-adapter
#    (9201, 9202) on that same Redis; no load balancer: the generator spreads its connections;
# 2. warms both systems up, then sweeps the offered rates; at every rate the two systems take
#    turns (A B A B), which one goes first alternating from rate to rate; each run is a fresh
#    generator process with fresh connections;
# 3. stops them and measures memory per idle connection: one fresh gateway (or Socket.IO
#    server) per size, $MEMORY_SIZES idle connections from generator processes of at most 7500
#    sockets each;
# 4. writes results.jsonl, memory.jsonl, report.md and PNG plots into $OUT.
#
# Every setting below can be overridden from the environment, e.g.
#   RATES="200 800" DURATION=5 REPEAT=1 MEMORY_SIZES=1000 bench/run.sh     # a quick look
#   SYSTEMS=chatrelay JFR=1 RATES=1200 REPEAT=1 MEMORY_SIZES= bench/run.sh  # profile the gateways
#   GATEWAY_JAR=/path/to/other/chat-relay-gateway.jar bench/run.sh          # another build (libs/ beside it)
# Requires: a JDK 21+ (java, jcmd), Maven (first build), redis-server, node 20+ and npm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

RATES=${RATES:-"200 400 600 800 1200 1600 2000 2400 3000 3600 4200"}  # messages/s, all publishers
CONNECTIONS=${CONNECTIONS:-2000}                       # load connections, spread over the two servers
ROOMS=${ROOMS:-20}                                     # rooms; each spans both servers
PUBLISHERS=${PUBLISHERS:-40}                           # connections that send (2 per room)
WARMUP=${WARMUP:-3}                                    # seconds per run before measuring
DURATION=${DURATION:-15}                               # measured seconds per run
DRAIN=${DRAIN:-5}                                      # seconds to wait for late deliveries
TEXT_SIZE=${TEXT_SIZE:-64}                             # characters of message text
REPEAT=${REPEAT:-2}                                    # runs per system and rate
SETTLE=${SETTLE:-3}                                    # seconds of quiet between runs
SYSTEMS=${SYSTEMS:-"chatrelay socketio"}
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
REDIS_PORT=${REDIS_PORT:-6390}
GATEWAY_PORTS=(9101 9102)
SOCKETIO_PORTS=(9201 9202)
MEMORY_GATEWAY_PORT=9111
MEMORY_SOCKETIO_PORT=9211
# JVM flags of every gateway (load and memory runs); JFR=1 adds a flight recording per gateway
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:-"-Xms64m -Xmx512m -XX:+UseG1GC"}
# the generator (one JVM per run; the memory runs fork holders of at most 7500 sockets each)
BENCH_JVM_FLAGS=${BENCH_JVM_FLAGS:-"-Xms256m -Xmx2g -XX:+UseG1GC"}
NODE_FLAGS=${NODE_FLAGS:-"--expose-gc --max-old-space-size=512"}
OUT=${OUT:-"$repo/bench/target/bench-results/$(date +%Y%m%d-%H%M%S)"}

say() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------- tools
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi
command -v java >/dev/null || die "java not found (set JAVA_HOME to a JDK 21+)"
command -v jcmd >/dev/null || die "jcmd not found: JAVA_HOME must be a JDK, not a JRE"
command -v redis-server >/dev/null || die "redis-server not found (Debian: apt-get install redis-server)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found (node 20+)"
command -v curl >/dev/null || die "curl not found"
ulimit -n 20000 2>/dev/null || true
[ "$(ulimit -n)" -ge 16000 ] || say "warning: open files limit $(ulimit -n): 15k idle connections need ~16k"

gateway_jar="${GATEWAY_JAR:-$repo/gateway/target/chat-relay-gateway.jar}"   # GATEWAY_JAR: measure another build
bench_jar="$repo/bench/target/chat-relay-bench.jar"
if [ ! -f "$gateway_jar" ] || [ ! -f "$bench_jar" ]; then
  say "building (mvn install -DskipTests)"
  (cd "$repo" && mvn -B -q install -DskipTests)
fi
if [[ " $SYSTEMS " == *" socketio "* ]] && [ ! -d "$here/socketio/node_modules/socket.io" ]; then
  say "npm install in bench/socketio"
  (cd "$here/socketio" && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
fi

mkdir -p "$OUT"
say "results in $OUT"
# run private copies: other work may rebuild the jars in the checkout while the sweep runs
mkdir -p "$OUT/jars/gateway/libs" "$OUT/jars/bench/libs"
cp "$gateway_jar" "$OUT/jars/gateway/chat-relay-gateway.jar"
cp "$(dirname "$gateway_jar")"/libs/*.jar "$OUT/jars/gateway/libs/"
cp "$bench_jar" "$OUT/jars/bench/chat-relay-bench.jar"
cp "$(dirname "$bench_jar")"/libs/*.jar "$OUT/jars/bench/libs/"
built_gateway_jar=$gateway_jar
gateway_jar="$OUT/jars/gateway/chat-relay-gateway.jar"
bench_jar="$OUT/jars/bench/chat-relay-bench.jar"

# ------------------------------------------------------------------------ processes
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  pids=()
}
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

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # url, pid, what
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited (see $OUT)"
    sleep 0.2
  done
  die "$3 not ready after 30 s"
}

for port in "$REDIS_PORT" "${GATEWAY_PORTS[@]}" "${SOCKETIO_PORTS[@]}" "$MEMORY_GATEWAY_PORT" "$MEMORY_SOCKETIO_PORT"; do
  port_free "$port" || die "port $port is in use"
done

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes \
    --logfile "$OUT/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "redis did not start"
}

start_gateway() { # port node-id -> sets started_pid
  local port=$1 node=$2 flags="$GATEWAY_JVM_FLAGS"
  if [ "${JFR:-0}" = "1" ]; then
    flags="$flags -XX:StartFlightRecording=filename=$OUT/$node.jfr,settings=profile,dumponexit=true"
  fi
  # shellcheck disable=SC2086
  CHAT_PORT=$port CHAT_NODE_ID=$node CHAT_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" CHAT_REDIS_PREFIX=bench \
    CHAT_DEFAULT_ROOM="" CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000 \
    java $flags -jar "$gateway_jar" >"$OUT/$node.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$port/observe/health/ready" "$started_pid" "gateway $node"
}

start_socketio() { # port node-id -> sets started_pid
  local port=$1 node=$2
  # shellcheck disable=SC2086
  PORT=$port NODE_ID=$node REDIS_URL="redis://127.0.0.1:$REDIS_PORT" SIO_KEY=bench-sio \
    node $NODE_FLAGS "$here/socketio/server.js" >"$OUT/$node.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$port/health" "$started_pid" "socket.io $node"
}

bench() { # command args...
  # shellcheck disable=SC2086
  java $BENCH_JVM_FLAGS -jar "$bench_jar" "$@"
}

# --------------------------------------------------------------------- environment
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "node: $(node --version); socket.io $(cd "$here/socketio" && node -p 'require("socket.io/package.json").version' 2>/dev/null || echo '?'), redis-adapter $(cd "$here/socketio" && node -p 'require("@socket.io/redis-adapter/package.json").version' 2>/dev/null || echo '?')"
  echo "redis: $(redis-server --version)"
  echo "open files limit: $(ulimit -n)"
  echo "gateway jar: $built_gateway_jar (built $(date -u -r "$built_gateway_jar" +%Y-%m-%dT%H:%M:%SZ), sha256 $(sha256sum "$gateway_jar" | cut -c1-16)), run from a copy"
  echo "gateway JVM flags: $GATEWAY_JVM_FLAGS"
  echo "generator JVM flags: $BENCH_JVM_FLAGS"
  echo "node flags: $NODE_FLAGS"
  echo "load: CONNECTIONS=$CONNECTIONS ROOMS=$ROOMS PUBLISHERS=$PUBLISHERS TEXT_SIZE=$TEXT_SIZE WARMUP=$WARMUP DURATION=$DURATION DRAIN=$DRAIN REPEAT=$REPEAT RATES=\"$RATES\""
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# -------------------------------------------------------------------------- sweep
start_redis
gateway_pids=()
socketio_pids=()
targets_chatrelay=""
targets_socketio=""
if [[ " $SYSTEMS " == *" chatrelay "* ]]; then
  for i in "${!GATEWAY_PORTS[@]}"; do
    start_gateway "${GATEWAY_PORTS[$i]}" "g$((i + 1))"
    gateway_pids+=("$started_pid")
    targets_chatrelay+="${targets_chatrelay:+,}ws://127.0.0.1:${GATEWAY_PORTS[$i]}"
  done
fi
if [[ " $SYSTEMS " == *" socketio "* ]]; then
  for i in "${!SOCKETIO_PORTS[@]}"; do
    start_socketio "${SOCKETIO_PORTS[$i]}" "sio$((i + 1))"
    socketio_pids+=("$started_pid")
    targets_socketio+="${targets_socketio:+,}ws://127.0.0.1:${SOCKETIO_PORTS[$i]}"
  done
fi
say "up: redis $redis_pid, gateways ${gateway_pids[*]:-none}, socket.io ${socketio_pids[*]:-none}"

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

load_run() { # system rate out-file [memory true|false]
  local system=$1 rate=$2 out=$3 memory=${4:-true} targets pids_csv attempt line other
  if [ "$system" = chatrelay ]; then
    targets=$targets_chatrelay; pids_csv=$(IFS=,; echo "${gateway_pids[*]}")
  else
    targets=$targets_socketio; pids_csv=$(IFS=,; echo "${socketio_pids[*]}")
  fi
  for attempt in $(seq 0 "$RETRIES"); do
    wait_quiet
    say "run: $system at $rate msg/s (attempt $((attempt + 1)))"
    line=$(bench load --system "$system" --targets "$targets" --server-pids "$pids_csv" --redis-pid "$redis_pid" \
      --connections "$CONNECTIONS" --rooms "$ROOMS" --publishers "$PUBLISHERS" --rate "$rate" \
      --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --text-size "$TEXT_SIZE" \
      --memory "$memory" --label "$system@$rate") || { say "warning: $system at $rate msg/s failed"; sleep "$SETTLE"; continue; }
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

# JIT warm-up of every server, not recorded
first_rate=${RATES%% *}
for system in $SYSTEMS; do
  say "JIT warm-up of $system (not recorded)"
  WARMUP=2 DURATION=5 load_run "$system" "$first_rate" "$OUT/warmup.jsonl" false
done

meets() { # a result line -> exit 0 when it meets the capacity criterion
  echo "$1" | awk '{
    p99 = $0; sub(/.*"p99Ms":/, "", p99); sub(/[,}].*/, "", p99)
    loss = $0; sub(/.*"loss":/, "", loss); sub(/[,}].*/, "", loss)
    closed = $0; sub(/.*"closedDuringRun":/, "", closed); sub(/[,}].*/, "", closed)
    errors = $0; sub(/.*"errors":/, "", errors); sub(/[,}].*/, "", errors)
    exit !(p99 + 0 <= 50 && loss + 0 == 0 && closed + 0 == 0 && errors + 0 == 0)
  }'
}

declare -A failed_rates
for system in $SYSTEMS; do failed_rates[$system]=0; done
i=0
for rate in $RATES; do
  if [ $((i % 2)) -eq 0 ]; then order="$SYSTEMS"; else order=$(echo "$SYSTEMS" | awk '{for (k = NF; k > 0; k--) printf "%s ", $k}'); fi
  declare -A met=()
  for _ in $(seq 1 "$REPEAT"); do
    for system in $order; do
      if [ "$STOP_AFTER" -gt 0 ] && [ "${failed_rates[$system]}" -ge "$STOP_AFTER" ]; then
        continue
      fi
      before=0; [ -f "$OUT/results.jsonl" ] && before=$(wc -l <"$OUT/results.jsonl")
      load_run "$system" "$rate" "$OUT/results.jsonl"
      last=$(tail -n +"$((before + 1))" "$OUT/results.jsonl" 2>/dev/null | tail -1)
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
      say "$system missed the criterion at $STOP_AFTER rates in a row: not run at higher rates"
    fi
  done
  unset met
  i=$((i + 1))
done

stop_pids "${gateway_pids[@]}" "${socketio_pids[@]}"

# ------------------------------------------------------------------------- memory
for size in $MEMORY_SIZES; do
  for system in $SYSTEMS; do
    if [ "$system" = chatrelay ]; then
      start_gateway "$MEMORY_GATEWAY_PORT" "gmem-$size"; port=$MEMORY_GATEWAY_PORT
    else
      start_socketio "$MEMORY_SOCKETIO_PORT" "siomem-$size"; port=$MEMORY_SOCKETIO_PORT
    fi
    server_pid=$started_pid
    sleep 3
    say "memory: $system with $size idle connections"
    bench memory --system "$system" --target "ws://127.0.0.1:$port" --pid "$server_pid" --connections "$size" \
      --per-process 7500 --settle 5 --label "$system-idle-$size" --out "$OUT/memory.jsonl" >/dev/null \
      || say "warning: memory $system $size failed"
    stop_pids "$server_pid"
    sleep 2
  done
done

stop_pids "$redis_pid"

# ------------------------------------------------------------------------- report
report_args=(--results "$OUT/results.jsonl" --out-dir "$OUT")
[ -f "$OUT/memory.jsonl" ] && report_args+=(--memory "$OUT/memory.jsonl")
bench report "${report_args[@]}"
say "done: $OUT/report.md"
