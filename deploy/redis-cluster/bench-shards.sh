#!/usr/bin/env bash
# Redis Cluster capacity at 1 and 3 shards, on this machine (docs/scaling.md, "Measured").
#
#   deploy/redis-cluster/bench-shards.sh                 # both parts, ~7 minutes
#   E2E=0 deploy/redis-cluster/bench-shards.sh           # only part A (Redis alone)
#
# Part A, the Redis tier alone: for each shard count, a fresh cluster of local redis-server
# processes (127.0.0.1, cluster mode, no persistence) gets the gateway's own append script
# (XADD MAXLEN ~ 1000 + SPUBLISH: broker-adapter's append.lua, read from the source tree) from redis-benchmark
# in cluster mode: $ROOMS_PER_SHARD rooms per shard (keys chat:{tag}:<n>:log / :ch, every room's
# keys on one slot), $CLIENTS connections, pipeline $PIPELINE. Once with no subscriber, once
# with $SUBSCRIBERS simulated gateways (plain sockets, one per shard each) subscribed
# (SSUBSCRIBE) to every room, so every append is also delivered $SUBSCRIBERS times.
# Reported: appends/s, deliveries/s (counted by the subscribers), and the CPU cores used by the
# redis-server processes and by the whole machine during the run.
#
# Part B, end to end (E2E=1, needs gateway/target/chat-relay-gateway.jar and
# bench/target/chat-relay-bench.jar): two gateways (java -jar, CHAT_REDIS_CLUSTER=true) on the
# same kind of local cluster and the bench module's generator (`bench load`): $E2E_CONNECTIONS
# connections in $E2E_ROOMS rooms (each room on both gateways), at the rates $E2E_RATES.
#
# Everything runs on this one machine: the cluster, the load generator (and the gateways in
# part B) share its cores, so 3 shards cannot show 3x here; see docs/scaling.md.
# Every process is started by this script and stopped by it (by pid) on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

SHARDS=${SHARDS:-"1 3"}
CLIENTS=${CLIENTS:-48}
PIPELINE=${PIPELINE:-16}
REQUESTS=${REQUESTS:-1000000}        # appends per part-A run (bounded also by RUN_TIMEOUT)
ROOMS_PER_SHARD=${ROOMS_PER_SHARD:-100}
SUBSCRIBERS=${SUBSCRIBERS:-3}
BENCH_THREADS=${BENCH_THREADS:-2}     # redis-benchmark threads, the same at every shard count
TEXT_SIZE=${TEXT_SIZE:-64}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}       # seconds, any single run
BASE_PORT=${BASE_PORT:-7101}
read -r -a GATEWAY_PORTS <<<"${GATEWAY_PORTS:-9311 9312}"
E2E=${E2E:-1}
E2E_RATES=${E2E_RATES:-"250 500 1000"}
E2E_CONNECTIONS=${E2E_CONNECTIONS:-2000}
E2E_ROOMS=${E2E_ROOMS:-20}
E2E_DURATION=${E2E_DURATION:-10}
QUIET_CPU=${QUIET_CPU:-0.4}          # wait (at most QUIET_WAIT s) until the machine uses less than this
QUIET_WAIT=${QUIET_WAIT:-300}
OUT=${OUT:-"$repo/target/bench-shards/$(date +%Y%m%d-%H%M%S)"}

say() { echo "bench-shards: $*" >&2; }
die() { echo "bench-shards: ERROR: $*" >&2; exit 1; }

for tool in redis-server redis-cli redis-benchmark python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install redis-server redis-tools python3 coreutils)"
done
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi
ulimit -n 20000 2>/dev/null || true
mkdir -p "$OUT"
work=$(mktemp -d)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------ measuring
cpu_ticks() { # pids... -> utime+stime ticks of those processes
  local sum=0 p f
  for p in "$@"; do
    if [ -r "/proc/$p/stat" ]; then
      f=$(sed 's/^.*) //' "/proc/$p/stat")
      sum=$((sum + $(echo "$f" | awk '{ print $12 + $13 }')))
    fi
  done
  echo "$sum"
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }

wait_quiet() {
  local deadline=$(( $(date +%s) + QUIET_WAIT )) a b busy
  while :; do
    a=$(machine_ticks); sleep 2; b=$(machine_ticks)
    busy=$(awk -v d=$((b - a)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 2 }')
    if awk -v b="$busy" -v q="$QUIET_CPU" 'BEGIN { exit !(b < q) }'; then return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "warning: the machine is busy ($busy cores used by others); measuring anyway"
      echo "disturbed($busy)"
      return 0
    fi
    sleep 3
  done
}

# ------------------------------------------------------------------------ the cluster
cluster_pids=()
start_cluster() { # shards
  local n=$1 i port from to per
  cluster_pids=()
  per=$(( 16384 / n ))
  for i in $(seq 0 $((n - 1))); do
    port=$((BASE_PORT + i))
    mkdir -p "$work/$n/$port"
    (cd "$work/$n/$port" && exec redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --save "" --appendonly no --protected-mode yes \
      --logfile "$work/$n/$port/redis.log") &
    pids+=("$!")
    cluster_pids+=("$!")
  done
  for i in $(seq 0 $((n - 1))); do
    port=$((BASE_PORT + i))
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    from=$((i * per)); to=$(( i == n - 1 ? 16383 : (i + 1) * per - 1 ))
    redis-cli -p "$port" cluster addslotsrange "$from" "$to" >/dev/null
    [ "$i" = 0 ] || redis-cli -p "$BASE_PORT" cluster meet 127.0.0.1 "$port" >/dev/null
  done
  for _ in $(seq 1 100); do
    local ok=1
    for i in $(seq 0 $((n - 1))); do
      redis-cli -p $((BASE_PORT + i)) cluster info | tr -d '\r' | grep -qx "cluster_known_nodes:$n" || ok=0
      redis-cli -p $((BASE_PORT + i)) cluster info | tr -d '\r' | grep -qx "cluster_state:ok" || ok=0
    done
    [ "$ok" = 1 ] && return 0
    sleep 0.2
  done
  die "the $n-shard cluster did not become ok"
}

stop_cluster() {
  local p
  for p in "${cluster_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${cluster_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}

# the gateway's append script, the very file the broker loads (broker-adapter: LuaScript.APPEND)
APPEND=$(cat "$repo/broker-adapter/src/main/resources/io/chatrelay/broker/redis/append.lua") \
  || die "append.lua not found under $repo/broker-adapter"
text=$(head -c "$TEXT_SIZE" /dev/zero | tr '\0' 'x')
HEAD="{\"type\":\"message\",\"room\":\"bench\",\"from\":\"user-0001\",\"text\":\"$text\",\"id\":\""
TAIL='","ts":1732291234567}'

# the hash tag redis-benchmark uses for each node ({tag} in a key), "port tag" per line
node_tags() { # shards
  local n=$1 i port key
  if [ "$n" = 1 ]; then # redis-benchmark wants 3 masters for --cluster: one node is benchmarked plainly
    echo "$BASE_PORT tag"
    return
  fi
  redis-benchmark --cluster -p "$BASE_PORT" -c "$n" -n $((n * 20)) -r 1 --threads 1 SET 'probe:{tag}' x >/dev/null
  for i in $(seq 0 $((n - 1))); do
    port=$((BASE_PORT + i))
    key=$(redis-cli -p "$port" --scan --pattern 'probe:*' | head -1)
    [ -n "$key" ] || die "no probe key on $port"
    redis-cli -p "$port" del "$key" >/dev/null
    echo "$port $(echo "$key" | sed 's/^probe:{\(.*\)}$/\1/')"
  done
}

# a simulated gateway: one socket per shard, SSUBSCRIBE to every room of that shard; counts
# the messages it receives until SIGTERM, then prints "<messages> <seconds from first to last>"
subscriber_py='
import signal, socket, sys, time
rooms = int(sys.argv[1]); nodes = [a.split("=", 1) for a in sys.argv[2:]]
def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
socks = []
for port, tag in nodes:
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(resp("SSUBSCRIBE", *["chat:{%s}:%012d:ch" % (tag, i) for i in range(rooms)]))
    socks.append(s)
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
import selectors
sel = selectors.DefaultSelector()
for s in socks:
    s.setblocking(False); sel.register(s, selectors.EVENT_READ)
count = 0; tail = b""; first = last = None
need = rooms * len(socks)
acks = 0
print("ready", flush=True)
while not stop:
    for key, _ in sel.select(timeout=0.2):
        try:
            data = key.fileobj.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            stop = True; break
        buf = tail + data
        n = buf.count(b"$8\r\nsmessage\r\n")
        if n:
            t = time.monotonic(); first = first or t; last = t; count += n
        tail = buf[-16:]
print(count, "%.3f" % ((last or 0) - (first or 0)), flush=True)
'

# ------------------------------------------------------------------------ part A
# (redis-benchmark's --cluster needs at least 3 masters: the 1-shard runs use plain mode on the
# one node, which owns every slot; connections, pipeline, threads and keys are the same)
results="$OUT/results.md"
{
  echo "# bench-shards $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "machine: $(nproc) CPUs ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB; $(redis-server --version | cut -d' ' -f1-3)"
  echo "part A: redis-benchmark [--cluster] -c $CLIENTS -P $PIPELINE --threads $BENCH_THREADS -n $REQUESTS -r $ROOMS_PER_SHARD, EVALSHA <append script>, text $TEXT_SIZE chars"
  echo
  echo "| shards | subscribers (gateways) | appends/s | deliveries/s | redis CPU (cores) | machine CPU (cores) | p50 / p99 ms | note |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$results"

for n in $SHARDS; do
  for subs in 0 "$SUBSCRIBERS"; do
    start_cluster "$n"
    sha=""
    for i in $(seq 0 $((n - 1))); do sha=$(redis-cli -p $((BASE_PORT + i)) script load "$APPEND"); done
    mapfile -t tags < <(node_tags "$n")
    sub_pids=()
    for s in $(seq 1 "$subs"); do
      args=()
      for t in "${tags[@]}"; do args+=("${t% *}=${t#* }"); done
      python3 -c "$subscriber_py" "$ROOMS_PER_SHARD" "${args[@]}" >"$work/sub-$s.out" &
      pids+=("$!"); sub_pids+=("$!")
    done
    for s in $(seq 1 "$subs"); do
      for _ in $(seq 1 100); do grep -q ready "$work/sub-$s.out" 2>/dev/null && break; sleep 0.1; done
    done
    note=$(wait_quiet)
    say "part A: $n shard(s), $subs subscriber(s)"
    r0=$(cpu_ticks "${cluster_pids[@]}"); m0=$(machine_ticks); t0=$(now)
    mode=--cluster
    [ "$n" != 1 ] || mode=--csv # one node: plain mode (the key's tag is then "tag", on that node)
    csv=$(timeout "$RUN_TIMEOUT" redis-benchmark "$mode" -p "$BASE_PORT" -c "$CLIENTS" -P "$PIPELINE" \
      -n "$REQUESTS" -r "$ROOMS_PER_SHARD" --threads "$BENCH_THREADS" --csv \
      EVALSHA "$sha" 2 'chat:{tag}:__rand_int__:log' 'chat:{tag}:__rand_int__:ch' "$HEAD" "$TAIL" 1000 message user-0001 1732291234567 0 0 0 \
      2>"$work/bench.err" | tail -1) || { cat "$work/bench.err" >&2; die "redis-benchmark failed or timed out"; }
    t1=$(now); r1=$(cpu_ticks "${cluster_pids[@]}"); m1=$(machine_ticks)
    echo "$csv" >>"$OUT/part-a.csv"
    sleep 1
    delivered=0
    for p in "${sub_pids[@]}"; do kill -TERM "$p"; done
    for p in "${sub_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for s in $(seq 1 "$subs"); do
      delivered=$((delivered + $(tail -1 "$work/sub-$s.out" | cut -d' ' -f1)))
    done
    elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    # the test's title (the command, with commas and quotes) comes first: count fields from the end
    rps=$(echo "$csv" | tr -d '"' | awk -F, '{ print $(NF-6) }')
    p50=$(echo "$csv" | tr -d '"' | awk -F, '{ print $(NF-3) }')
    p99=$(echo "$csv" | tr -d '"' | awk -F, '{ print $(NF-1) }')
    redis_cpu=$(awk -v d=$((r1 - r0)) -v hz="$hz" -v e="$elapsed" 'BEGIN { printf "%.2f", d / hz / e }')
    machine_cpu=$(awk -v d=$((m1 - m0)) -v hz="$hz" -v e="$elapsed" 'BEGIN { printf "%.2f", d / hz / e }')
    deliveries=$(awk -v d="$delivered" -v e="$elapsed" 'BEGIN { printf "%.0f", d / e }')
    printf '| %s | %s | %.0f | %s | %s | %s | %s / %s | %s |\n' "$n" "$subs" "$rps" \
      "$([ "$subs" = 0 ] && echo - || echo "$deliveries")" "$redis_cpu" "$machine_cpu" "$p50" "$p99" "$note" >>"$results"
    tail -1 "$results" >&2
    stop_cluster
  done
done

# ------------------------------------------------------------------------ part B
gateway_jar="$repo/gateway/target/chat-relay-gateway.jar"
bench_jar="$repo/bench/target/chat-relay-bench.jar"
if [ "$E2E" = 1 ]; then
  if [ ! -f "$gateway_jar" ] || [ ! -f "$bench_jar" ]; then
    say "part B skipped: build $gateway_jar and $bench_jar first (mvn install -DskipTests)"
  else
    command -v java >/dev/null || die "java not found (set JAVA_HOME)"
    {
      echo
      echo "part B: 2 gateways (java -jar, -Xmx512m G1) + bench load --connections $E2E_CONNECTIONS --rooms $E2E_ROOMS --duration $E2E_DURATION, all on this machine"
      echo
      echo "| shards | offered msg/s | delivered/s | p50 ms | p99 ms | loss | errors | gateways CPU | machine CPU | note |"
      echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    } >>"$results"
    for n in $SHARDS; do
      for rate in $E2E_RATES; do
        # a fresh cluster and fresh gateways for every run: in cluster mode the gateways' broker
        # currently turns DOWN for good about 30 s after it connected (Lettuce's periodic
        # topology refresh; docs/scaling.md, "Known problems"), and one run takes about 20 s
        start_cluster "$n"
        seeds=""
        for i in $(seq 0 $((n - 1))); do seeds="$seeds${seeds:+,}redis://127.0.0.1:$((BASE_PORT + i))"; done
        note=$(wait_quiet)
        gw_pids=(); targets=""
        for port in "${GATEWAY_PORTS[@]}"; do
          CHAT_PORT=$port CHAT_ADMIN_PORT=$((port + 1000)) CHAT_NODE_ID="gw-$port" CHAT_REDIS_URI="$seeds" CHAT_REDIS_CLUSTER=true CHAT_REDIS_PREFIX=bench \
            CHAT_DEFAULT_ROOM="" CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000 \
            java -Xms64m -Xmx512m -XX:+UseG1GC -jar "$gateway_jar" >>"$OUT/gateway-$n-$port.log" 2>&1 &
          pids+=("$!"); gw_pids+=("$!")
          targets="$targets${targets:+,}ws://127.0.0.1:$port"
        done
        for port in "${GATEWAY_PORTS[@]}"; do
          for _ in $(seq 1 300); do
            curl -fsS -o /dev/null "http://127.0.0.1:$((port + 1000))/observe/health/ready" 2>/dev/null && break
            sleep 0.2
          done
          curl -fsS -o /dev/null "http://127.0.0.1:$((port + 1000))/observe/health/ready" || die "gateway on $port is not ready"
        done
        pid_csv=$(IFS=,; echo "${gw_pids[*]}")
        say "part B: $n shard(s), $rate msg/s"
        json=$(timeout $((RUN_TIMEOUT + 60)) java -Xms256m -Xmx2g -XX:+UseG1GC -jar "$bench_jar" load --system chatrelay \
          --targets "$targets" --server-pids "$pid_csv" --connections "$E2E_CONNECTIONS" --rooms "$E2E_ROOMS" \
          --publishers $((E2E_ROOMS * 2)) --rate "$rate" --warmup 3 --duration "$E2E_DURATION" --drain 3 \
          --memory false --label "shards=$n" 2>>"$OUT/bench-load.err" | tail -1) || die "bench load failed (see $OUT/bench-load.err)"
        echo "$json" >>"$OUT/part-b.jsonl"
        python3 - "$json" "$n" "$note" >>"$results" <<'EOF2'
import json, sys
r = json.loads(sys.argv[1])
print("| %s | %.0f | %.0f | %.2f | %.2f | %d | %d | %.2f | %.2f | %s |" % (sys.argv[2], r.get("offeredMsgsPerS", 0),
      r.get("deliveriesPerS", 0), r.get("p50Ms", 0), r.get("p99Ms", 0), r.get("loss", 0), r.get("errors", 0),
      r.get("serverCpuCores", 0), r.get("machineCpuCores", 0), sys.argv[3]))
EOF2
        tail -1 "$results" >&2
        for p in "${gw_pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${gw_pids[@]}"; do wait "$p" 2>/dev/null || true; done
        stop_cluster
      done
    done
  fi
fi

say "results: $results"
cat "$results"
