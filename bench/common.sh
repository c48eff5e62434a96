# Shared by run.sh and storm.sh (sourced, not run): private copies of the jars, the processes to
# stop on exit, port and readiness checks, Redis. Expects OUT, REDIS_PORT and a `die` function.

# private_jars: copies $gateway_jar and $bench_jar (with their libs/) into $OUT/jars, so that other
# work may rebuild the jars in the checkout while a run goes on; points both variables at the
# copies and keeps the original in built_gateway_jar.
private_jars() {
  mkdir -p "$OUT/jars/gateway/libs" "$OUT/jars/bench/libs"
  cp "$gateway_jar" "$OUT/jars/gateway/chat-relay-gateway.jar"
  cp "$(dirname "$gateway_jar")"/libs/*.jar "$OUT/jars/gateway/libs/"
  cp "$bench_jar" "$OUT/jars/bench/chat-relay-bench.jar"
  cp "$(dirname "$bench_jar")"/libs/*.jar "$OUT/jars/bench/libs/"
  built_gateway_jar=$gateway_jar
  gateway_jar="$OUT/jars/gateway/chat-relay-gateway.jar"
  bench_jar="$OUT/jars/bench/chat-relay-bench.jar"
}

# every process started goes into pids; cleanup stops them all (TERM, then KILL after 10 s)
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

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # url, pid, what
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited (see $OUT)"
    sleep 0.2
  done
  die "$3 not ready after 30 s"
}

# Redis on 127.0.0.1:$REDIS_PORT without persistence; sets redis_pid
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
