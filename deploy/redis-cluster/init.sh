#!/bin/sh
# One-shot creation of the chat-relay Redis Cluster (docker-compose.cluster.yml, service
# `redis-cluster-init`, image redis:8.0). Idempotent:
#   - every node already reports cluster_state:ok and knows all the others: nothing to do;
#   - the nodes already belong to a cluster (restarted from their volumes), but it is not ok:
#     the nodes meet again at their current addresses (container IPs may change across
#     restarts; a MEET to a known node only updates its address), then wait for ok;
#   - all nodes are empty: `redis-cli --cluster create` with every node a master
#     (--cluster-replicas 0), then wait until every node reports ok.
# Exits non-zero (and the gateways, which depend on its success, do not start) when the cluster
# is not ok within $REDIS_CLUSTER_TIMEOUT seconds, e.g. when only some nodes lost their volume
# (their slots belong to node ids that are gone): start afresh with `docker compose ... down -v`.
#
#   REDIS_CLUSTER_NODES    host:port of every master, space separated
#   REDIS_CLUSTER_TIMEOUT  seconds to wait for the nodes and for cluster_state:ok (default 60)
set -eu

NODES=${REDIS_CLUSTER_NODES:-"redis-1:6379 redis-2:6379 redis-3:6379"}
TIMEOUT=${REDIS_CLUSTER_TIMEOUT:-60}
COUNT=$(echo "$NODES" | wc -w)

log() { echo "redis-cluster-init: $*" >&2; }

cli() {
  node=$1
  shift
  redis-cli -h "${node%:*}" -p "${node##*:}" "$@"
}

# field of `CLUSTER INFO` on a node, empty when it does not answer
info() {
  cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# host:port -> ip:port (CLUSTER MEET, so `--cluster create`, needs addresses, not names)
address() {
  ip=$(getent hosts "${1%:*}" | awk 'NR == 1 { print $1 }')
  [ -n "$ip" ] || { log "cannot resolve ${1%:*}"; return 1; }
  echo "$ip:${1##*:}"
}

all_ok() {
  for n in $NODES; do
    [ "$(info "$n" cluster_state)" = ok ] || return 1
    [ "$(info "$n" cluster_known_nodes)" = "$COUNT" ] || return 1
    [ "$(info "$n" cluster_slots_ok)" = 16384 ] || return 1
  done
}

wait_ok() {
  deadline=$(( $(date +%s) + TIMEOUT ))
  until all_ok; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "the cluster is not ok after ${TIMEOUT}s:"
      for n in $NODES; do log "$n: state=$(info "$n" cluster_state) known=$(info "$n" cluster_known_nodes) slots_ok=$(info "$n" cluster_slots_ok)"; done
      return 1
    fi
    sleep 1
  done
}

deadline=$(( $(date +%s) + TIMEOUT ))
for n in $NODES; do
  until [ "$(cli "$n" ping 2>/dev/null)" = PONG ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "$n does not answer PING after ${TIMEOUT}s"; exit 1; }
    sleep 1
  done
done

if all_ok; then
  log "cluster already ok ($COUNT masters): nothing to do"
  exit 0
fi

addresses=""
for n in $NODES; do
  addresses="$addresses $(address "$n")"
done

formed=0
for n in $NODES; do
  known=$(info "$n" cluster_known_nodes)
  if [ -n "$known" ] && [ "$known" -gt 1 ]; then formed=1; fi
done

if [ "$formed" = 1 ]; then
  log "the nodes already form a cluster that is not ok yet: meeting again at$addresses"
  for n in $NODES; do
    for a in $addresses; do
      cli "$n" cluster meet "${a%:*}" "${a##*:}" >/dev/null || true
    done
  done
else
  log "creating a cluster of $COUNT masters:$addresses"
  # shellcheck disable=SC2086 # one argument per address
  redis-cli --cluster create $addresses --cluster-replicas 0 --cluster-yes
fi

wait_ok
log "cluster ok: $COUNT masters, 16384 slots"
cli "$(echo "$NODES" | awk '{ print $1 }')" cluster nodes
